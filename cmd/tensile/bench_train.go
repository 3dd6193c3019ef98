package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/zoo"
)

func init() {
	benchTargets["train"] = benchTrain
}

// benchTrain times training steps of a zoo model on MNIST and a full
// inference pass over the 10,000 test images (batch 256), after warming up.
func benchTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	steps := fs.Int("steps", 300, "timed training steps")
	batch := fs.Int("batch-size", 32, "training batch size")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	warmup := fs.Int("warmup", 20, "untimed warm-up steps")
	seed := fs.Uint64("seed", 1, "random seed")
	cpuprofile := fs.String("cpuprofile", "", "") // hidden: write a CPU profile of the timed steps
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one model name, e.g. bench train mnist-cnn")
	}
	if *steps < 1 || *batch < 1 || *warmup < 0 {
		return errors.New("--steps and --batch-size must be positive, --warmup non-negative")
	}
	if err := kernels.TierError(); err != nil {
		return err
	}
	if err := setThreads(*threads); err != nil {
		return err
	}
	m, err := zoo.New(pos[0])
	if err != nil {
		return err
	}
	train, test, err := mnist.Load()
	if err != nil {
		return err
	}
	m.SetSeed(*seed)
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy"); err != nil {
		return err
	}
	idx := make([]int, *batch)
	step := func(k int) error {
		for i := range idx {
			idx[i] = (k*(*batch) + i) % train.N
		}
		_, err := m.TrainOnBatch(train, idx)
		return err
	}
	for k := 0; k < *warmup; k++ {
		if err := step(k); err != nil {
			return err
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start := time.Now()
	for k := 0; k < *steps; k++ {
		if err := step(*warmup + k); err != nil {
			return err
		}
	}
	trainSPS := float64(*steps**batch) / time.Since(start).Seconds()
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	const inferBatch = 256
	cfg := model.EvalConfig{BatchSize: inferBatch, Verbose: model.VerboseSilent}
	if _, err := m.Predict(test.Take(inferBatch), cfg); err != nil { // warm-up
		return err
	}
	start = time.Now()
	if _, err := m.Predict(test, cfg); err != nil {
		return err
	}
	inferSPS := float64(test.N) / time.Since(start).Seconds()
	fmt.Fprintf(stdout, "model=%s batch=%d inference_batch=%d threads=%d train_samples_per_second=%.1f inference_samples_per_second=%.1f simd=%s\n",
		pos[0], *batch, inferBatch, parallel.Threads(), trainSPS, inferSPS, kernels.Tier())
	return nil
}
