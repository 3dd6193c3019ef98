package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
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
	"github.com/tensile-ml/tensile/privacy"
	"github.com/tensile-ml/tensile/zoo"
)

func init() {
	register(&command{name: "train", summary: "train a model: train mnist-cnn | train SPEC.json --data PATH | train MODEL --data PATH (resume)", run: runTrain})
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
	WorldSize             int      `json:"world_size"` // processes that trained (--distributed)
	commReport                     // --distributed: rank 0's time in gradient all-reduce and its overlap with backward
	*privacy.TrainResult           // DP-SGD: epsilon, delta, noise_multiplier, l2_clip, sampling_rate, steps

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

func runTrain(args []string, stdout io.Writer) (err error) {
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
	threads := fs.Int("threads", 0, "worker threads (0: all cores; with --distributed, the cores over the ranks on each machine)")
	dist := fs.Bool("distributed", false, "data-parallel training over MPI: run under mpirun -np N with a tensile built with -tags mpi; --batch-size is the global batch")
	bucketMB := fs.Float64("bucket-mb", 0, "with --distributed: gradient all-reduce bucket size in MB (0: a quarter of the model's gradients, within 64 KiB and 25 MiB)")
	overlap := fs.Bool("overlap", true, "with --distributed: all-reduce each bucket as soon as the backward pass has its gradients (false: after the backward pass)")
	verbose := fs.Int("verbose", -1, "0 silent, 1 progress bar, 2 one line per epoch (default: bar on a terminal)")
	var df dataFlags
	df.add(fs, "training data (SPEC or MODEL training): mnist, DIR, .csv, .npz, .npy, IDX")
	testData := fs.String("test-data", "", "test data to evaluate after training (same formats as --data; a bare mnist is the test set)")
	testLabels := fs.String("test-labels", "", "labels file for .npy or IDX test data")
	dashAddr, plotPath := fs.String("dashboard", "", "serve a live training dashboard on ADDR, e.g. 127.0.0.1:6006"), fs.String("plot", "", "draw the training curves to FILE (.png, .svg, .pdf) at the end")
	dp := addDPFlags(fs)
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if *dist && *dp.on {
		return errors.New("--dp with --distributed is not supported yet (DP-SGD runs its own sampling on one process)")
	}
	if err := errors.Join(checkOutputPath("--out", *out), checkOutputPath("--report", *reportPath)); err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("want one model: mnist-cnn, a SPEC.json or a MODEL file to resume (got %d arguments)", len(pos))
	}
	if err := errors.Join(
		positive("--epochs", *epochs), positive("--batch-size", *batch),
		check(*limit >= 0, "--train-limit %d: want 0 (all) or a positive count", *limit),
		check(*valSplit >= 0 && *valSplit < 1, "--validation-split %g: want a fraction in [0, 1)", *valSplit),
		check(*lr >= 0 && !math.IsInf(*lr, 0), "--lr %g: want a positive rate, or 0 for the optimizer's default", *lr),
		check(*testLabels == "" || *testData != "", "--test-labels %s: give the test data with --test-data", *testLabels),
	); err != nil {
		return err
	}
	if err := checkClusterFlags(fs, *dist, *bucketMB); err != nil {
		return err
	}
	if err := setThreads(*threads); err != nil {
		return err
	}
	cl, err := startCluster(*dist, *threads)
	if err != nil {
		return err
	}
	cl.configure(*bucketMB, *overlap)
	defer func() { err = cl.finish(err, recover()) }()
	stdout = cl.output(stdout) // only rank 0 prints and writes files
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var m *model.Model
	var train, test *data.Dataset
	var compileCfg map[string]any
	var prev trainState // what an earlier run of a resumed model recorded
	name := pos[0]
	isSpec := strings.HasSuffix(strings.ToLower(name), ".json")
	switch {
	case isSpec || fileExists(name):
		if isSpec {
			m, compileCfg, err = loadSpec(name)
		} else {
			m, compileCfg, prev, err = loadForResume(name)
		}
		if err != nil {
			return err
		}
		if prev.Epochs > 0 {
			// Continue the run as it was configured unless told otherwise,
			// so that it reproduces an uninterrupted one.
			if !set["seed"] {
				*seed = prev.Seed
			}
			if !set["batch-size"] {
				*batch = prev.BatchSize
			}
			if !set["validation-split"] {
				*valSplit = prev.ValidationSplit
			}
		}
		if train, err = loadData(df); err != nil {
			return err
		}
		if *testData != "" {
			if test, err = loadData(dataFlags{path: *testData, labels: *testLabels, labelCol: df.labelCol, imageSize: df.imageSize, grayscale: df.grayscale, xKey: df.xKey, yKey: df.yKey, dataFlag: "--test-data", labelsFlag: "--test-labels", heldOut: true}); err != nil {
				return err
			}
		}
	default:
		if m, err = zoo.New(name); err != nil {
			return fmt.Errorf("%s: no such file, and %w", name, err)
		}
		compileCfg = map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": []any{"accuracy"}}
		if df.path != "" && df.path != "mnist" {
			return fmt.Errorf("--data %s: %s trains on the embedded MNIST; use a SPEC.json for other data", df.path, name)
		}
		for _, f := range []string{"labels", "label-column", "image-size", "grayscale", "x-key", "y-key", "test-data", "test-labels"} {
			if set[f] {
				return fmt.Errorf("--%s: %s trains and tests on the embedded MNIST and takes no data flags", f, name)
			}
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
	cfg := model.FitConfig{InitialEpoch: prev.Epochs, Epochs: prev.Epochs + *epochs, BatchSize: *batch, Seed: *seed, ValidationSplit: *valSplit, Output: stdout}
	if *verbose >= 0 {
		cfg.Verbose = []model.Verbosity{model.VerboseSilent, model.VerboseBar, model.VerboseEpoch}[min(*verbose, 2)]
	}
	if err := recordClasses(m, train); err != nil {
		return err
	}
	if err := cl.attach(m, train.XShape); err != nil {
		return err
	}
	start := time.Now()
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
	hist, err := dp.fit(m, train, cfg, stdout)
	if err != nil {
		return withLabelSource(err, df)
	}
	if err := watch.finish(hist); err != nil {
		return err
	}
	if err := recordTrainState(m, trainState{Epochs: cfg.Epochs, Seed: *seed, BatchSize: *batch, ValidationSplit: *valSplit}); err != nil {
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
		WorldSize: cl.size(), commReport: cl.commReport(), TrainResult: dp.res,
	}
	if !cl.leader() {
		return nil
	}
	fmt.Fprintf(stdout, "trained %d samples × %d epochs in %.1fs (%.0f samples/s)\n", nTrain, *epochs, secs, rep.TrainSamplesPerSecond)
	if test != nil {
		logs, err := m.Evaluate(test, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
		if err != nil {
			return withLabelSource(err, dataFlags{path: *testData, labels: *testLabels, labelCol: df.labelCol, yKey: df.yKey})
		}
		rep.TestSamples, rep.TestLoss = test.N, finite(logs["loss"])
		if acc, ok := logs["accuracy"]; ok {
			rep.TestAccuracy = finite(acc)
		}
		fmt.Fprintf(stdout, "test_loss=%.4f test_accuracy=%.4f (%d samples)\n", logs["loss"], logs["accuracy"], test.N)
		if err := checkLogs(logs, *testData); err != nil {
			return err
		}
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

// positive checks that a count flag is at least 1.
func positive(flagName string, v int) error {
	return check(v >= 1, "%s %d: want a positive count", flagName, v)
}

// check returns the formatted error when ok is false.
func check(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// metaTrain is the model-file metadata key under which train records how
// the model was trained, so that "tensile train MODEL" can resume.
const metaTrain = "train"

// trainState is the JSON under metaTrain.
type trainState struct {
	Epochs          int     `json:"epochs"` // epochs trained so far
	Seed            uint64  `json:"seed"`
	BatchSize       int     `json:"batch_size"`
	ValidationSplit float64 `json:"validation_split"`
}

func recordTrainState(m *model.Model, st trainState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return m.SetMetadata(metaTrain, b)
}

// loadForResume loads a model file to train further: its compile config
// (with the optimizer state, restored by CompileConfigMap) and what the
// earlier run recorded.
func loadForResume(path string) (*model.Model, map[string]any, trainState, error) {
	var st trainState
	m, err := model.Load(path)
	if err != nil {
		return nil, nil, st, err
	}
	cc, err := model.CompileConfig(path)
	if err != nil {
		return nil, nil, st, err
	}
	if cc == nil {
		return nil, nil, st, fmt.Errorf("%s was saved uncompiled (no optimizer or loss): train a SPEC.json instead", path)
	}
	if b, ok := m.Metadata(metaTrain); ok {
		if err := json.Unmarshal(b, &st); err != nil || st.Epochs < 0 || st.BatchSize < 0 {
			return nil, nil, st, fmt.Errorf("%s: corrupt %q metadata", path, metaTrain)
		}
	}
	return m, cc, st, nil
}

// checkLogs turns a NaN or infinite loss or metric into an error: the
// numbers were printed, but they are not a result.
func checkLogs(logs map[string]float64, what string) error {
	for _, k := range slices.Sorted(maps.Keys(logs)) {
		if v := logs[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: %s is %v: the model's output is not finite on this data", what, k, v)
		}
	}
	return nil
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
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, nil, fmt.Errorf("%s: %q holds %s; want an object", path, te.Field, te.Value)
		}
		return nil, nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "json: "))
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
