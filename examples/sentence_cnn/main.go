// Command sentence_cnn reproduces the sentence classification experiment
// of Kim (2014), "Convolutional Neural Networks for Sentence
// Classification", on the MR movie-review polarity data (rt-polarity):
// 10-fold cross-validated accuracy of CNN-rand (and, with --arch, of
// recurrent classifiers).
//
//	go run ./examples/sentence_cnn --data ../shared/datasets/rt-polarity --folds 10
//	go run ./examples/sentence_cnn --data ../shared/datasets/rt-polarity --arch lstm
//	go run ./examples/sentence_cnn --data sentences.tsv       # label<TAB>text or text<TAB>label
//	go run ./examples/sentence_cnn --class-files neg=a.txt,pos=b.txt --encoding utf-8
//
// Per fold it builds the vocabulary on the training folds only, trains a
// fresh model (package textclf) and prints the held-out accuracy; at the
// end the mean ± standard deviation.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/text"
	"github.com/tensile-ml/tensile/textclf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sentence_cnn:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg textclf.Config
	dataPath := flag.String("data", "../shared/datasets/rt-polarity", "a directory with rt-polarity.pos and rt-polarity.neg, or a labelled text file (label<TAB>text or text<TAB>label lines)")
	classFiles := flag.String("class-files", "", "instead of --data: one file per class, one text a line: CLASS=PATH,CLASS=PATH,...")
	encoding := flag.String("encoding", "", "text encoding: utf-8 or latin-1 (default: latin-1 for the rt-polarity directory, utf-8 otherwise)")
	labelCol := flag.String("label-column", "", "labelled file: the label is the first or last tab-separated column (default: detected)")
	folds := flag.Int("folds", 10, "cross-validation folds")
	maxFolds := flag.Int("max-folds", 0, "stop after this many folds (0: all), for quick runs")
	foldSeed := flag.Uint64("fold-seed", 1, "seed of the stratified fold assignment")
	flag.StringVar(&cfg.Arch, "arch", "cnn", "architecture: cnn, lstm, gru, bilstm")
	flag.IntVar(&cfg.Epochs, "epochs", 3, "training epochs per fold")
	flag.IntVar(&cfg.BatchSize, "batch-size", 50, "batch size")
	flag.IntVar(&cfg.EmbedDim, "embed-dim", 64, "word embedding size")
	flag.IntVar(&cfg.MaxLen, "max-len", 56, "tokens per sentence (pad/truncate)")
	flag.IntVar(&cfg.Filters, "filters", 100, "CNN feature maps per filter width")
	widths := flag.String("widths", "3,4,5", "CNN filter widths")
	flag.IntVar(&cfg.Units, "units", 64, "recurrent units")
	flag.Float64Var(&cfg.Dropout, "dropout", 0.5, "dropout before the output layer (negative: none)")
	flag.Float64Var(&cfg.MaxNorm, "max-norm", 0, "L2 max-norm of the output weight vectors (0: 3 for cnn, none for recurrent; negative: none)")
	lr := flag.Float64("lr", 1e-3, "Adam learning rate")
	flag.IntVar(&cfg.VocabSize, "vocab-size", 0, "vocabulary cap (0: every training word)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of weights, shuffling and dropout")
	threads := flag.Int("threads", 0, "worker threads (0: all cores)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to FILE")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg.LearningRate = float32(*lr)
	cfg.Verbose = model.VerboseSilent
	for _, w := range strings.Split(*widths, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil {
			return fmt.Errorf("--widths: %w", err)
		}
		cfg.Widths = append(cfg.Widths, n)
	}
	if *threads > 0 {
		parallel.SetThreads(*threads)
	}
	texts, labels, classes, name, err := readData(*dataPath, *classFiles, *encoding, *labelCol)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d sentences, classes %v; %d-fold CV, arch %s, embed %d, max-len %d, epochs %d, batch %d, Adam lr %g, dropout %g, threads %d\n",
		name, len(texts), classes, *folds, cfg.Arch, cfg.EmbedDim, cfg.MaxLen, cfg.Epochs, cfg.BatchSize, *lr, cfg.Dropout, parallel.Threads())
	start := time.Now()
	rs, err := textclf.CrossValidate(texts, labels, classes, cfg, *folds, *foldSeed, *maxFolds, func(r textclf.FoldResult) {
		fmt.Printf("fold %2d: accuracy %.4f (train %d, test %d, vocab %d, %.1fs)\n", r.Fold, r.Accuracy, r.Train, r.Test, r.Vocab, r.TrainTime.Seconds())
	})
	if err != nil {
		return err
	}
	mean, std := textclf.MeanStd(rs)
	fmt.Printf("%s: mean accuracy %.4f ± %.4f over %d folds (wall %.1fs)\n", cfg.Arch, mean, std, len(rs), time.Since(start).Seconds())
	return nil
}

// readData reads the labelled sentences: from per-class files, from a
// directory holding MR's rt-polarity.neg and rt-polarity.pos, or from one
// labelled text file. It returns a name for the data set too.
func readData(path, classFiles, encoding, labelCol string) (texts []string, labels []int, classes []string, name string, err error) {
	if classFiles != "" {
		var files []text.ClassFile
		for _, part := range strings.Split(classFiles, ",") {
			class, p, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || class == "" || p == "" {
				return nil, nil, nil, "", fmt.Errorf("--class-files: %q is not CLASS=PATH", part)
			}
			files = append(files, text.ClassFile{Class: class, Path: p})
		}
		texts, labels, classes, err = text.ReadClassFiles(files, text.ReadOptions{Encoding: encoding})
		return texts, labels, classes, "class files", err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("--data: %w", err)
	}
	if st.IsDir() {
		if encoding == "" {
			encoding = text.Latin1 // the MR files are Latin-1
		}
		texts, labels, classes, err = text.ReadClassFiles([]text.ClassFile{
			{Class: "neg", Path: filepath.Join(path, "rt-polarity.neg")},
			{Class: "pos", Path: filepath.Join(path, "rt-polarity.pos")},
		}, text.ReadOptions{Encoding: encoding})
		if err != nil {
			return nil, nil, nil, "", fmt.Errorf("%w (a --data directory holds rt-polarity.neg and rt-polarity.pos; give other data as a labelled file or with --class-files)", err)
		}
		return texts, labels, classes, "MR", nil
	}
	l, err := text.ReadLabeledFile(path, text.ReadOptions{Encoding: encoding, LabelColumn: labelCol})
	if err != nil {
		return nil, nil, nil, "", err
	}
	if len(l.Classes) < 2 || len(l.Classes) > len(l.Texts)/2 {
		return nil, nil, nil, "", fmt.Errorf("%s: %d classes for %d texts from the %s column: set --label-column", path, len(l.Classes), len(l.Texts), l.LabelColumn)
	}
	return l.Texts, l.Labels, l.Classes, filepath.Base(path) + " (labels: " + l.LabelColumn + " column)", nil
}
