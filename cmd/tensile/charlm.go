package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/tensile-ml/tensile/charlm"
	"github.com/tensile-ml/tensile/text"
)

func init() {
	register(&command{name: "charlm", summary: "character language model: charlm train --text FILE --out MODEL | charlm sample MODEL --prompt TEXT", run: runCharLM})
}

func runCharLM(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(`missing subcommand: "train" or "sample"`)
	}
	switch args[0] {
	case "train":
		return runCharLMTrain(args[1:], stdout)
	case "sample":
		return runCharLMSample(args[1:], stdout)
	}
	return fmt.Errorf(`unknown subcommand %q: "train" or "sample"`, args[0])
}

func runCharLMTrain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("charlm train", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var cfg charlm.Config // zero fields: charlm's defaults; --epochs: see charLMEpochs
	cfg.RegisterFlags(fs)
	textPath := fs.String("text", "", "training text file (required)")
	encoding := fs.String("encoding", "", "text encoding: utf-8 (default) or latin-1")
	out := fs.String("out", "", "save the model, with its vocabulary, here (required)")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	quiet := fs.Bool("quiet", false, "print only the final report")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkOutputPath("--out", *out); err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if *textPath == "" || *out == "" {
		return errors.New("--text and --out are required")
	}
	if err := setThreads(*threads); err != nil {
		return err
	}
	corpus, err := text.ReadText(*textPath, text.ReadOptions{Encoding: *encoding})
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["epochs"] {
		// One pass over a small text is a few dozen steps, which learns
		// little more than character frequencies: by default train for
		// about minCharLMSteps steps (at most 50 epochs).
		cfg.Epochs = charLMEpochs(utf8.RuneCountInString(corpus), cfg)
		fmt.Fprintf(stdout, "training %d epochs (about %d steps; set --epochs to change)\n", cfg.Epochs, cfg.Epochs*charLMStepsPerEpoch(utf8.RuneCountInString(corpus), cfg))
	}
	var log io.Writer = stdout
	if *quiet {
		log = nil
	}
	lm, rep, err := charlm.Train(corpus, cfg, log)
	if err != nil {
		return err
	}
	if err := lm.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "held-out %.3f bits/char (unigram %.3f); saved %s\n", rep.ValBPC, rep.UnigramBPC, *out)
	return nil
}

// minCharLMSteps is the number of steps "charlm train" aims at when
// --epochs is not given.
const minCharLMSteps = 1500

// charLMStepsPerEpoch estimates the steps of one epoch over n characters
// with cfg (zero fields meaning charlm's defaults).
func charLMStepsPerEpoch(n int, cfg charlm.Config) int {
	seq := cmp.Or(cfg.SeqLen, 64)
	step := cmp.Or(cfg.Step, seq)
	batch := cmp.Or(cfg.BatchSize, 32)
	val := cfg.ValFraction
	if val == 0 {
		val = 0.1
	}
	train := int(float64(n) * (1 - max(val, 0)))
	windows := max((train-seq-1)/max(step, 1)+1, 1)
	return (windows + batch - 1) / batch
}

// charLMEpochs returns the epochs that make about minCharLMSteps steps
// over n characters, between 1 and 50.
func charLMEpochs(n int, cfg charlm.Config) int {
	per := charLMStepsPerEpoch(n, cfg)
	return min(max((minCharLMSteps+per-1)/per, 1), 50)
}

func runCharLMSample(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("charlm sample", flag.ContinueOnError)
	fs.SetOutput(stdout)
	opt := charlm.SampleOptions{Length: 300, Temperature: 0.8, TopK: 10, Seed: 1}
	opt.RegisterFlags(fs)
	prompt := fs.String("prompt", "", "text to continue")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: tensile charlm sample MODEL [--prompt TEXT] [--length N] [--temperature T] [--top-k K] [--seed S]")
	}
	lm, err := charlm.Load(pos[0])
	if err != nil {
		return err
	}
	s, err := lm.Sample(*prompt, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s%s\n", *prompt, s)
	return nil
}
