package charlm

import (
	"flag"
	"strconv"
)

// RegisterFlags defines command-line flags for cfg's fields on fs (shared by
// examples/charlm and "tensile charlm train"): --arch, --seq-len,
// --embed-dim, --units, --layers, --heads, --ff-dim, --lower, --epochs,
// --batch-size, --lr, --clip-norm, --step, --val-fraction, --seed. Zero
// values mean the defaults of Config.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Arch, "arch", c.Arch, "architecture: lstm or transformer")
	fs.IntVar(&c.SeqLen, "seq-len", c.SeqLen, "window length in characters (0: 64)")
	fs.IntVar(&c.EmbedDim, "embed-dim", c.EmbedDim, "embedding width / transformer model width (0: 64)")
	fs.IntVar(&c.Units, "units", c.Units, "LSTM units (0: 256)")
	fs.IntVar(&c.Layers, "layers", c.Layers, "LSTM layers or transformer blocks (0: 1 LSTM, 2 blocks)")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads (0: 4)")
	fs.IntVar(&c.FFDim, "ff-dim", c.FFDim, "transformer feed-forward width (0: 4 x embed-dim)")
	fs.BoolVar(&c.Lower, "lower", c.Lower, "lower-case the text")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training text (0: 1)")
	fs.IntVar(&c.BatchSize, "batch-size", c.BatchSize, "windows per step (0: 32)")
	fs.Var((*float32Value)(&c.LearningRate), "lr", "Adam learning rate (0: 2e-3 lstm, 1e-3 transformer)")
	fs.Var((*float32Value)(&c.ClipNorm), "clip-norm", "global gradient-norm clip (0: 1)")
	fs.IntVar(&c.Step, "step", c.Step, "distance between training windows (0: seq-len)")
	fs.Float64Var(&c.ValFraction, "val-fraction", c.ValFraction, "held-out fraction at the end of the text (0: 0.1; negative: none)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (0: 1)")
}

type float32Value float32

func (f *float32Value) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 32) }

func (f *float32Value) Set(s string) error {
	v, err := strconv.ParseFloat(s, 32)
	*f = float32Value(v)
	return err
}

// RegisterFlags defines --length, --temperature, --top-k and --seed for
// o on fs.
func (o *SampleOptions) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&o.Length, "length", o.Length, "characters to generate")
	fs.Float64Var(&o.Temperature, "temperature", o.Temperature, "sampling temperature (0: greedy)")
	fs.IntVar(&o.TopK, "top-k", o.TopK, "sample from the K most likely characters (0: all)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
}
