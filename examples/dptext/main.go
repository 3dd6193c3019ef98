// Command dptext trains a recurrent sentence classifier (masked Embedding
// → LSTM, GRU or Bidirectional LSTM → Dense; package textclf) with DP-SGD
// on the MR movie-review polarity data (rt-polarity) and prints the
// held-out accuracy and the privacy spent (ε, δ). With -dp=false it trains
// the same network without privacy, for comparison.
//
//	go run ./examples/dptext --data ../shared/datasets/rt-polarity --target-epsilon 8 --arch gru
//	go run ./examples/dptext --dp=false --epochs 3 --batch-size 256
//
// The vocabulary is built from the training split only; the last 10% of
// the shuffled sentences are held out.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/privacy"
	"github.com/tensile-ml/tensile/text"
	"github.com/tensile-ml/tensile/textclf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dptext:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("data", "../shared/datasets/rt-polarity", "directory with rt-polarity.neg and rt-polarity.pos (Latin-1)")
	arch := flag.String("arch", "lstm", "lstm, gru or bilstm")
	dp := flag.Bool("dp", true, "train with DP-SGD (false: plain Adam training)")
	eps := flag.Float64("target-epsilon", 8, "DP-SGD: the ε to end at (δ = --delta)")
	delta := flag.Float64("delta", 1e-5, "DP-SGD δ")
	clip := flag.Float64("l2-clip", 1, "DP-SGD per-example L2 clip")
	epochs := flag.Int("epochs", 20, "epochs")
	batch := flag.Int("batch-size", 1024, "(expected) batch size")
	optName := flag.String("optimizer", "adam", "adam, or sgd (momentum 0.9)")
	lr := flag.Float64("lr", 0.01, "learning rate")
	maxLen := flag.Int("max-len", 40, "tokens per sentence")
	embed := flag.Int("embed-dim", 32, "embedding size")
	units := flag.Int("units", 32, "recurrent units")
	vocab := flag.Int("vocab-size", 8000, "vocabulary cap (0: every training word)")
	seed := flag.Uint64("seed", 1, "seed of the split, the weights and the batches")
	flag.Parse()

	texts, labels, classes, err := text.ReadClassFiles([]text.ClassFile{
		{Class: "neg", Path: filepath.Join(*dir, "rt-polarity.neg")},
		{Class: "pos", Path: filepath.Join(*dir, "rt-polarity.pos")},
	}, text.ReadOptions{Encoding: text.Latin1})
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	rng.Shuffle(len(texts), func(i, j int) {
		texts[i], texts[j] = texts[j], texts[i]
		labels[i], labels[j] = labels[j], labels[i]
	})
	nTrain := len(texts) * 9 / 10
	vec := &text.Vectorizer{Tokenizer: text.WordTokenizer{Punctuation: text.PunctKim}, Length: *maxLen}
	if err := vec.Adapt(texts[:nTrain], text.VocabOptions{MaxSize: *vocab}); err != nil {
		return err
	}
	split := func(from, to int) (*data.Dataset, error) {
		x, shape := vec.Transform(texts[from:to])
		y := make([]float32, to-from)
		for i, l := range labels[from:to] {
			y[i] = float32(l)
		}
		return data.New(x, shape[1:], y, nil)
	}
	train, err := split(0, nTrain)
	if err != nil {
		return err
	}
	test, err := split(nTrain, len(texts))
	if err != nil {
		return err
	}
	m, err := textclf.Build(textclf.Config{Arch: *arch, MaxLen: *maxLen, EmbedDim: *embed, Units: *units, Dropout: -1},
		vec.Vocab.Size(), len(classes))
	if err != nil {
		return err
	}
	m.SetSeed(*seed)
	var opt optim.Optimizer
	base := optim.BaseConfig{LearningRate: float32(*lr)}
	switch *optName {
	case "adam":
		opt, err = optim.NewAdam(optim.AdamConfig{BaseConfig: base})
	case "sgd":
		opt, err = optim.NewSGD(optim.SGDConfig{BaseConfig: base, Momentum: 0.9})
	default:
		err = fmt.Errorf("--optimizer %q: want adam or sgd", *optName)
	}
	if err != nil {
		return err
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}),
		[]metrics.Metric{metrics.NewSparseCategoricalAccuracy()}); err != nil {
		return err
	}
	fmt.Printf("MR: %d train / %d test sentences, vocab %d, arch %s (embed %d, units %d, max-len %d), %d epochs, batch %d, %s lr %g\n",
		train.N, test.N, vec.Vocab.Size(), *arch, *embed, *units, *maxLen, *epochs, *batch, *optName, *lr)
	start := time.Now()
	if *dp {
		res, err := privacy.Train(m, train, privacy.TrainConfig{Epochs: *epochs, BatchSize: *batch,
			TargetEpsilon: *eps, L2Clip: *clip, Delta: *delta, Seed: *seed, Output: os.Stdout})
		if err != nil {
			return err
		}
		fmt.Printf("DP-SGD: epsilon=%.4f delta=%g noise_multiplier=%.4f clipped=%.2f\n", res.Epsilon, res.Delta, res.NoiseMultiplier, res.ClippedFraction)
	} else if _, err := m.Fit(train, model.FitConfig{Epochs: *epochs, BatchSize: *batch, Seed: *seed, Verbose: model.VerboseEpoch, Output: os.Stdout}); err != nil {
		return err
	}
	logs, err := m.Evaluate(test, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
	if err != nil {
		return err
	}
	fmt.Printf("test_accuracy=%.4f test_loss=%.4f (train %.0fs)\n", logs["sparse_categorical_accuracy"], logs["loss"], time.Since(start).Seconds())
	return nil
}
