package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/zoo"
)

func init() {
	register(&command{name: "train", summary: "train a model: train mnist-cnn | train SPEC.json --data PATH", run: runTrain})
	register(&command{name: "summary", summary: "print a model's layers: summary MODEL|SPEC.json|mnist-cnn", run: runSummary})
}

// report is the JSON that --report writes.
type report struct {
	Model                 string   `json:"model"`
	Params                int      `json:"params"`
	Epochs                int      `json:"epochs"`
	BatchSize             int      `json:"batch_size"`
	Optimizer             string   `json:"optimizer"`
	LearningRate          float32  `json:"learning_rate"`
	Seed                  uint64   `json:"seed"`
	Threads               int      `json:"threads"`
	TrainSamples          int      `json:"train_samples"`
	TrainSeconds          float64  `json:"train_seconds"`
	TrainSamplesPerSecond float64  `json:"train_samples_per_second"`
	TrainLoss             *float64 `json:"train_loss"`
	TrainAccuracy         *float64 `json:"train_accuracy,omitempty"`
	ValLoss               *float64 `json:"val_loss,omitempty"`
	ValAccuracy           *float64 `json:"val_accuracy,omitempty"`
	TestSamples           int      `json:"test_samples,omitempty"`
	TestLoss              *float64 `json:"test_loss,omitempty"`
	TestAccuracy          *float64 `json:"test_accuracy,omitempty"`
	Output                string   `json:"output,omitempty"`

	History *model.History `json:"history,omitempty"` // every epoch's logs, for tensile plot
}

// parseFlags parses args into fs. "-h" prints the usage to the flag set's
// output and returns errUsage; a bad flag is returned as a one-line error
// (printed on stderr by runMain) rather than printed with the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(out, "usage of tensile %s:\n", fs.Name())
		fs.SetOutput(out)
		fs.PrintDefaults()
		return errUsage
	}
	return err
}

// splitArgs separates positional arguments from flags so that flags may
// follow positionals ("train mnist-cnn --epochs 1"). Everything after "--"
// is positional, for arguments that start with a dash.
func splitArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	for len(args) > 0 {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return append(pos, rest...), nil
}

func runTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	epochs := fs.Int("epochs", 5, "training epochs")
	batch := fs.Int("batch-size", 32, "batch size")
	lr := fs.Float64("lr", 0, "learning rate (0: the optimizer's Keras default)")
	optName := fs.String("optimizer", "", "optimizer: adam, sgd, adamw, rmsprop, adagrad (default: the spec's, else adam)")
	seed := fs.Uint64("seed", 1, "random seed for weights, shuffling and dropout")
	valSplit := fs.Float64("validation-split", 0, "fraction of the training data held out for validation (the last samples, as Keras)")
	limit := fs.Int("train-limit", 0, "train on the first N samples only (0: all)")
	out := fs.String("out", "", "save the trained model to FILE")
	reportPath := fs.String("report", "", "write a JSON report to FILE")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	verbose := fs.Int("verbose", -1, "0 silent, 1 progress bar, 2 one line per epoch (default: bar on a terminal)")
	var df dataFlags
	fs.StringVar(&df.path, "data", "", "training data (SPEC training): mnist, DIR, .csv, .npz, .npy, IDX")
	fs.StringVar(&df.labels, "labels", "", "labels file for .npy or IDX data")
	fs.StringVar(&df.labelCol, "label-column", "", "CSV label column: name or index (default: last)")
	fs.StringVar(&df.imageSize, "image-size", "", "resize images to HxW (image folders)")
	fs.BoolVar(&df.grayscale, "grayscale", false, "load images as one channel (image folders)")
	testData := fs.String("test-data", "", "test data to evaluate after training (same formats as --data)")
	testLabels := fs.String("test-labels", "", "labels file for .npy or IDX test data")
	dashAddr, plotPath := fs.String("dashboard", "", "serve a live training dashboard on ADDR, e.g. 127.0.0.1:6006"), fs.String("plot", "", "draw the training curves to FILE (.png, .svg, .pdf) at the end")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if err := errors.Join(checkOutputPath("--out", *out), checkOutputPath("--report", *reportPath)); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want one model: mnist-cnn or a SPEC.json (got %d arguments)", len(pos))
	}
	if *epochs < 1 || *batch < 1 || *limit < 0 || *valSplit < 0 || *valSplit >= 1 || *lr < 0 {
		return errors.New("--epochs and --batch-size must be positive, --train-limit non-negative, --validation-split in [0, 1), --lr non-negative")
	}
	if err := setThreads(*threads); err != nil {
		return err
	}

	var m *model.Model
	var train, test *data.Dataset
	var compileCfg map[string]any
	name := pos[0]
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		m, compileCfg, err = loadSpec(name)
		if err != nil {
			return err
		}
		if train, err = loadData(df); err != nil {
			return err
		}
		if *testData != "" {
			if test, err = loadData(dataFlags{path: *testData, labels: *testLabels, labelCol: df.labelCol, imageSize: df.imageSize, grayscale: df.grayscale}); err != nil {
				return err
			}
		}
	} else {
		if m, err = zoo.New(name); err != nil {
			return err
		}
		compileCfg = map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": []any{"accuracy"}}
		if df.path != "" && df.path != "mnist" {
			return fmt.Errorf("%s trains on the embedded MNIST; use a SPEC.json for other data", name)
		}
		if train, test, err = mnist.Load(); err != nil {
			return err
		}
	}
	if *optName != "" {
		compileCfg["optimizer"] = *optName
	}
	if *limit > 0 && *limit < train.N {
		train = train.Take(*limit)
	}
	m.SetSeed(*seed)
	if err := m.CompileConfigMap(compileCfg); err != nil {
		return err
	}
	if *lr > 0 {
		m.Optimizer().SetLearningRate(float32(*lr))
	}
	cfg := model.FitConfig{Epochs: *epochs, BatchSize: *batch, Seed: *seed, ValidationSplit: *valSplit, Output: stdout}
	if *verbose >= 0 {
		cfg.Verbose = []model.Verbosity{model.VerboseSilent, model.VerboseBar, model.VerboseEpoch}[min(*verbose, 2)]
	}
	start := time.Now()
	if err := recordClasses(m, train); err != nil {
		return err
	}
	if test != nil {
		if err := alignClasses(m, test, *testData); err != nil {
			return err
		}
	}
	watch, err := startWatch(*dashAddr, *plotPath, name, cfg, model.TrainSplit(train.N, *valSplit), stdout)
	if err != nil {
		return err
	}
	defer watch.close()
	cfg.Callbacks = append(cfg.Callbacks, watch.callbacks...)
	hist, err := m.Fit(train, cfg)
	if err == nil {
		err = watch.finish(hist)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	_, params := m.CountParams()
	nTrain := model.TrainSplit(train.N, *valSplit)
	rep := report{History: hist,
		Model: name, Params: params, Epochs: *epochs, BatchSize: *batch, Seed: *seed,
		Optimizer: optimizerName(m.Optimizer()), LearningRate: m.Optimizer().LearningRate(),
		Threads: parallel.Threads(), TrainSamples: nTrain, TrainSeconds: secs,
		TrainSamplesPerSecond: float64(nTrain**epochs) / secs,
		TrainLoss:             finite(hist.Last("loss")), TrainAccuracy: finite(hist.Last("accuracy")),
		ValLoss: finite(hist.Last("val_loss")), ValAccuracy: finite(hist.Last("val_accuracy")),
	}
	fmt.Fprintf(stdout, "trained %d samples × %d epochs in %.1fs (%.0f samples/s)\n", nTrain, *epochs, secs, rep.TrainSamplesPerSecond)
	if test != nil {
		logs, err := m.Evaluate(test, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
		if err != nil {
			return err
		}
		rep.TestSamples, rep.TestLoss = test.N, finite(logs["loss"])
		if acc, ok := logs["accuracy"]; ok {
			rep.TestAccuracy = finite(acc)
		}
		fmt.Fprintf(stdout, "test_loss=%.4f test_accuracy=%.4f (%d samples)\n", logs["loss"], logs["accuracy"], test.N)
	}
	if *out != "" {
		if err := m.Save(*out); err != nil {
			return err
		}
		rep.Output = *out
		fmt.Fprintf(stdout, "saved %s\n", *out)
	}
	return writeReport(*reportPath, rep)
}

// finite returns a pointer to v, or nil for NaN and ±Inf (absent values),
// which JSON cannot encode.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func optimizerName(o optim.Optimizer) string {
	n, _ := o.Config()["name"].(string)
	return n
}

// loadSpec reads a model spec: the architecture JSON that model files store
// ({"class_name": "Sequential", "config": {"layers": [...]}}) with an
// optional "compile" object ({"optimizer": "adam", "loss": "...",
// "metrics": ["accuracy"]}).
func loadSpec(path string) (*model.Model, map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var top struct {
		Compile map[string]any `json:"compile"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := model.FromArchitecture(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if top.Compile == nil {
		return nil, nil, fmt.Errorf("%s: no \"compile\" section (optimizer, loss, metrics)", path)
	}
	return m, top.Compile, nil
}

// loadAny loads a model file, a spec or a zoo model by name.
func loadAny(name string) (*model.Model, error) {
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".json"):
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m, err := model.FromArchitecture(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return m, nil
	case fileExists(name):
		return model.Load(name)
	}
	if m, err := zoo.New(name); err == nil {
		return m, nil
	}
	return nil, fmt.Errorf("%s: no such file or zoo model (known: %s)", name, strings.Join(zoo.Names(), ", "))
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func runSummary(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("want one argument: MODEL file, SPEC.json or a zoo name (mnist-cnn)")
	}
	m, err := loadAny(args[0])
	if err != nil {
		return err
	}
	return m.Summary(stdout)
}
