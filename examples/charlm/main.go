// Command charlm trains a character-level language model on a text file and
// prints samples from it.
//
//	go run ./examples/charlm --text FILE --arch lstm --epochs 3 --seq-len 64
//	go run ./examples/charlm --text FILE --arch transformer --out lm.safetensors
//
// The last 10% of the text is held out; the program reports bits per
// character on it, beside the unigram entropy (a model without context).
// Then it samples from --prompt with --temperature and --top-k.
// Without --text it trains on the Go specification that ships with the Go
// distribution ($GOROOT/doc/go_spec.html), stripped of its HTML tags.
package main

import (
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/tensile-ml/tensile/charlm"
	"github.com/tensile-ml/tensile/text"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "charlm:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg charlm.Config
	cfg.RegisterFlags(flag.CommandLine)
	textPath := flag.String("text", "", "training text (UTF-8; default: $GOROOT/doc/go_spec.html without tags)")
	out := flag.String("out", "", "save the model, with its vocabulary, here")
	prompt := flag.String("prompt", "The ", "sample prompt")
	samples := flag.Int("samples", 2, "samples to print")
	sopt := charlm.SampleOptions{Length: 300, Temperature: 0.8, TopK: 10, Seed: 1}
	flag.IntVar(&sopt.Length, "length", sopt.Length, "characters per sample")
	flag.Float64Var(&sopt.Temperature, "temperature", sopt.Temperature, "sampling temperature (0: greedy)")
	flag.IntVar(&sopt.TopK, "top-k", sopt.TopK, "sample from the K most likely characters (0: all)")
	flag.Parse()
	sopt.Seed = max(cfg.Seed, 1)

	var corpus string
	var err error
	if *textPath == "" {
		corpus, err = goSpec()
	} else {
		corpus, err = text.ReadText(*textPath, text.ReadOptions{})
	}
	if err != nil {
		return err
	}
	lm, rep, err := charlm.Train(corpus, cfg, os.Stdout)
	if err != nil {
		return err
	}
	fmt.Printf("held-out bits/char %.3f (unigram %.3f), %d steps in %s on %d threads\n",
		rep.ValBPC, rep.UnigramBPC, rep.Steps, rep.Duration.Round(1e6), runtime.GOMAXPROCS(0))
	if *out != "" {
		if err := lm.Save(*out); err != nil {
			return err
		}
		fmt.Printf("saved %s\n", *out)
	}
	for i := range *samples {
		o := sopt
		o.Seed += uint64(i)
		s, err := lm.Sample(*prompt, o)
		if err != nil {
			return err
		}
		fmt.Printf("--- sample %d (temperature %g, top-k %d, seed %d)\n%s%s\n", i+1, o.Temperature, o.TopK, o.Seed, *prompt, s)
	}
	return nil
}

var (
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
	blanksRE = regexp.MustCompile(`\n[ \t]*\n(\s*\n)+`)
)

// goSpec returns the Go specification from the Go distribution as plain
// text: tags removed, entities decoded, runs of blank lines squeezed.
func goSpec() (string, error) {
	b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "doc", "go_spec.html"))
	if err != nil {
		return "", fmt.Errorf("no --text given and the Go specification is not available: %w", err)
	}
	s := html.UnescapeString(tagRE.ReplaceAllString(string(b), ""))
	s = blanksRE.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s) + "\n", nil
}
