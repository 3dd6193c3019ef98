// Command memory measures long-range memory on the adding problem
// (Hochreiter & Schmidhuber, 1997): each input is a sequence of T steps of
// two features, a random value in [0, 1) and a marker that is 1 at exactly
// two steps (one in each half of the sequence) and 0 elsewhere; the target
// is the sum of the two marked values. Predicting the mean, 1.0, scores an
// MSE of 1/6 ≈ 0.167; a model that remembers the first marked value until
// the second one scores near 0.
//
// It trains SimpleRNN, LSTM, GRU and a small self-attention model with the
// same budget (fixed steps on fresh batches, Adam, global gradient-norm
// clipping, the same seed) at each length and prints a table of test MSE.
//
//	go run ./examples/memory --lengths 10,50,100 --steps 1000
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
)

// Solved is the test MSE below which a model counts as solving the task.
const Solved = 0.05

// Baseline is the MSE of always predicting 1, the target's mean: the
// variance of a sum of two U(0, 1) values, 2/12.
const Baseline = 1.0 / 6

func main() {
	lengths := flag.String("lengths", "10,50,100", "sequence lengths T")
	models := flag.String("models", strings.Join(Models, ","), "models to train")
	var cfg Config
	flag.IntVar(&cfg.Steps, "steps", 1000, "training steps per model and length")
	flag.IntVar(&cfg.Batch, "batch-size", 32, "sequences per step")
	flag.IntVar(&cfg.Units, "units", 32, "recurrent units / attention width")
	flag.Float64Var(&cfg.LR, "lr", 1e-2, "Adam learning rate")
	flag.IntVar(&cfg.TestSize, "test-size", 1000, "test sequences")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.Parse()
	var ts []int
	for _, f := range strings.Split(*lengths, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 2 {
			fmt.Fprintf(os.Stderr, "memory: bad length %q\n", f)
			os.Exit(2)
		}
		ts = append(ts, t)
	}
	if err := Table(os.Stdout, ts, strings.Split(*models, ","), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "memory:", err)
		os.Exit(1)
	}
}

// Models are the model kinds Run accepts.
var Models = []string{"simplernn", "lstm", "gru", "attention"}

// Config is the training budget, the same for every model.
type Config struct {
	Steps, Batch, Units, TestSize int
	LR                            float64
	Seed                          uint64
}

// Adding returns n sequences [n, T, 2] of the adding problem and their
// targets [n].
func Adding(rng *rand.Rand, n, T int) (x, y []float32) {
	x = make([]float32, n*T*2)
	y = make([]float32, n)
	for i := range n {
		a, b := rng.IntN(T/2), T/2+rng.IntN(T-T/2)
		for t := range T {
			v := rng.Float32()
			x[(i*T+t)*2] = v
			if t == a || t == b {
				x[(i*T+t)*2+1] = 1
				y[i] += v
			}
		}
	}
	return x, y
}

// NewModel returns the model kind for sequences of T steps: a recurrent
// layer of cfg.Units reading the sequence, or a self-attention block over
// per-step features followed by average pooling, then Dense(1).
func NewModel(kind string, T int, cfg Config) (*model.Model, error) {
	rc := nn.RNNConfig{}
	var body []nn.Layer
	switch kind {
	case "simplernn":
		body = []nn.Layer{nn.NewSimpleRNN(cfg.Units, rc)}
	case "lstm":
		body = []nn.Layer{nn.NewLSTM(cfg.Units, rc)}
	case "gru":
		body = []nn.Layer{nn.NewGRU(cfg.Units, rc)}
	case "attention":
		// Every step attends to the steps whose keys carry a marker and
		// averages their values; the mean over steps is then about half
		// the target. No position encoding is needed: the sum is
		// order-free.
		body = []nn.Layer{
			nn.NewDense(cfg.Units, nn.DenseConfig{Activation: "relu"}),
			nn.NewMultiHeadAttention(2, cfg.Units/2, nn.MultiHeadAttentionConfig{}),
			nn.NewGlobalAveragePooling1D(),
		}
	default:
		return nil, fmt.Errorf("unknown model %q (one of %s)", kind, strings.Join(Models, ", "))
	}
	layers := append([]nn.Layer{model.InputShape(T, 2)}, body...)
	layers = append(layers, nn.NewDense(1, nn.DenseConfig{}))
	m := model.NewSequential(layers...)
	m.SetSeed(cfg.Seed)
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: float32(cfg.LR), GlobalClipNorm: 1}})
	if err != nil {
		return nil, err
	}
	if err := m.Compile(opt, losses.NewMeanSquaredError(), nil); err != nil {
		return nil, err
	}
	return m, nil
}

// Result is one model's outcome at one length.
type Result struct {
	Kind     string
	T        int
	TestMSE  float64
	Duration time.Duration
}

// Run trains kind at length T for cfg.Steps steps on fresh batches and
// returns its test MSE.
func Run(kind string, T int, cfg Config) (Result, error) {
	m, err := NewModel(kind, T, cfg)
	if err != nil {
		return Result{}, err
	}
	// The data streams depend on the seed and T only, so every model sees
	// the same batches and the same test set.
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(T)))
	tx, ty := Adding(rng, cfg.TestSize, T)
	test, err := data.New(tx, []int{T, 2}, ty, nil)
	if err != nil {
		return Result{}, err
	}
	idx := make([]int, cfg.Batch)
	for i := range idx {
		idx[i] = i
	}
	start := time.Now()
	for step := range cfg.Steps {
		x, y := Adding(rng, cfg.Batch, T)
		ds, err := data.New(x, []int{T, 2}, y, nil)
		if err != nil {
			return Result{}, err
		}
		if _, err := m.TrainOnBatch(ds, idx); err != nil {
			return Result{}, fmt.Errorf("%s T=%d step %d: %w", kind, T, step, err)
		}
	}
	d := time.Since(start)
	logs, err := m.Evaluate(test, model.EvalConfig{BatchSize: 250, Verbose: model.VerboseSilent})
	if err != nil {
		return Result{}, err
	}
	return Result{Kind: kind, T: T, TestMSE: logs["loss"], Duration: d}, nil
}

// Table runs every model at every length and writes a Markdown table of
// test MSE (solved: below Solved) with training times.
func Table(w io.Writer, lengths []int, kinds []string, cfg Config) error {
	fmt.Fprintf(w, "adding problem: %d steps of batch %d, Adam lr %g, clip-norm 1, %d units, seed %d; baseline MSE %.3f, solved < %.2f\n\n",
		cfg.Steps, cfg.Batch, cfg.LR, cfg.Units, cfg.Seed, Baseline, Solved)
	fmt.Fprintf(w, "| T |")
	for _, k := range kinds {
		fmt.Fprintf(w, " %s |", k)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(kinds)))
	start := time.Now()
	for _, T := range lengths {
		fmt.Fprintf(w, "| %d |", T)
		for _, k := range kinds {
			r, err := Run(k, T, cfg)
			if err != nil {
				return err
			}
			mark := ""
			if r.TestMSE < Solved {
				mark = " ✓"
			}
			fmt.Fprintf(w, " %.4f%s (%.0fs) |", r.TestMSE, mark, r.Duration.Seconds())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\ntotal %s\n", time.Since(start).Round(time.Second))
	return nil
}
