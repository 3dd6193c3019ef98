package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/text"
	"github.com/tensile-ml/tensile/textclf"
)

func init() {
	register(&command{name: "train-text", summary: "train a text classifier: train-text --data FILE.tsv | --class-files neg=PATH,pos=PATH", run: runTrainText})
}

// textReport is the JSON that train-text --report writes.
type textReport struct {
	Arch          string   `json:"arch"`
	Classes       []string `json:"classes"`
	Params        int      `json:"params"`
	VocabSize     int      `json:"vocab_size"`
	MaxLen        int      `json:"max_len"`
	EmbedDim      int      `json:"embed_dim"`
	Epochs        int      `json:"epochs"`
	BatchSize     int      `json:"batch_size"`
	LearningRate  float32  `json:"learning_rate"`
	Seed          uint64   `json:"seed"`
	Threads       int      `json:"threads"`
	TrainSamples  int      `json:"train_samples"`
	ValSamples    int      `json:"val_samples,omitempty"`
	TrainSeconds  float64  `json:"train_seconds"`
	TrainLoss     *float64 `json:"train_loss"`
	TrainAccuracy *float64 `json:"train_accuracy"`
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValAccuracy   *float64 `json:"val_accuracy,omitempty"`
	Output        string   `json:"output,omitempty"`
}

func runTrainText(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train-text", flag.ContinueOnError)
	dataPath := fs.String("data", "", "labelled text file: one \"label<TAB>text\" or \"text<TAB>label\" per line")
	labelCol := fs.String("label-column", "auto", "where --data lines hold the label: first, last or auto (the side with fewer distinct values)")
	folds := fs.Int("folds", 0, "cross-validate with K stratified folds instead of training one model (0: off)")
	classFiles := fs.String("class-files", "", "one file per class, one text a line: CLASS=PATH,CLASS=PATH,...")
	encoding := fs.String("encoding", "utf-8", "text encoding: utf-8 or latin-1")
	var cfg textclf.Config
	fs.StringVar(&cfg.Arch, "arch", "cnn", "architecture: cnn (Kim 2014), lstm, gru, bilstm")
	fs.IntVar(&cfg.Epochs, "epochs", 3, "training epochs")
	fs.IntVar(&cfg.BatchSize, "batch-size", 50, "batch size")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (weights, shuffling, dropout)")
	fs.IntVar(&cfg.MaxLen, "max-len", 56, "tokens per text (longer texts keep their end)")
	fs.IntVar(&cfg.VocabSize, "vocab-size", 0, "vocabulary cap including the pad and OOV ids (0: every training word)")
	fs.IntVar(&cfg.EmbedDim, "embed-dim", 64, "word embedding size")
	fs.IntVar(&cfg.Units, "units", 64, "recurrent units (lstm, gru, bilstm)")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&cfg.ValidationSplit, "validation-split", 0, "fraction of the (shuffled) texts held out for validation")
	out := fs.String("out", "", "save the classifier (model + vectorizer + class names) to FILE")
	reportPath := fs.String("report", "", "write a JSON report to FILE")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	verbose := fs.Int("verbose", -1, "0 silent, 1 progress bar, 2 one line per epoch (default: bar on a terminal)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if err := errors.Join(checkOutputPath("--out", *out), checkOutputPath("--report", *reportPath)); err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("unexpected argument %q (the data comes from --data or --class-files)", pos[0])
	}
	if (*dataPath == "") == (*classFiles == "") {
		return errors.New("give exactly one of --data FILE.tsv and --class-files CLASS=PATH,...")
	}
	if err := errors.Join(
		check(*lr > 0 && !math.IsInf(*lr, 0), "--lr %g: want a positive rate", *lr),
		positive("--epochs", cfg.Epochs), positive("--batch-size", cfg.BatchSize),
		positive("--max-len", cfg.MaxLen), positive("--embed-dim", cfg.EmbedDim), positive("--units", cfg.Units),
		check(cfg.VocabSize == 0 || cfg.VocabSize >= 3, "--vocab-size %d: want 0 (every word) or at least 3 (with the pad and OOV ids)", cfg.VocabSize),
		check(cfg.ValidationSplit >= 0 && cfg.ValidationSplit < 1, "--validation-split %g: want a fraction in [0, 1)", cfg.ValidationSplit),
		check(*folds == 0 || *folds >= 2, "--folds %d: want 0 (off) or at least 2", *folds),
		check(*folds == 0 || cfg.ValidationSplit == 0, "--folds and --validation-split exclude each other: each fold holds out its own texts"),
		check(*folds == 0 || *out == "", "--out: --folds trains K models to measure accuracy and saves none"),
		check(slices.Contains([]string{"auto", "first", "last"}, *labelCol), "--label-column %q: want first, last or auto", *labelCol),
		check(*dataPath != "" || *labelCol == "auto", "--label-column applies to --data files"),
	); err != nil {
		return err
	}
	cfg.LearningRate = float32(*lr)
	if err := setThreads(*threads); err != nil {
		return err
	}
	if *verbose >= 0 {
		cfg.Verbose = []model.Verbosity{model.VerboseSilent, model.VerboseBar, model.VerboseEpoch}[min(*verbose, 2)]
	}
	cfg.Output = stdout
	opt := text.ReadOptions{Encoding: *encoding}
	var texts []string
	var labels []int
	var classes []string
	if *dataPath != "" {
		var l *text.Labeled
		if *labelCol != "auto" {
			opt.LabelColumn = *labelCol
		}
		if l, err = text.ReadLabeledFile(*dataPath, opt); err == nil {
			texts, labels, classes = l.Texts, l.Labels, l.Classes
			where := map[string]string{"first": "before the first tab", "last": "after the last tab"}[l.LabelColumn]
			fmt.Fprintf(stdout, "%s: labels from the %s column (%s)\n", *dataPath, l.LabelColumn, where)
			if len(classes) > len(texts)/2 && len(texts) >= 20 {
				return fmt.Errorf("%s: %d classes for %d texts: the labels (the %s column) look like texts; set --label-column", *dataPath, len(classes), len(texts), l.LabelColumn)
			}
		}
	} else {
		var files []text.ClassFile
		files, err = parseClassFiles(*classFiles)
		if err == nil {
			texts, labels, classes, err = text.ReadClassFiles(files, opt)
		}
	}
	if err != nil {
		return err
	}
	if len(texts) == 0 {
		return errors.New("no texts in the data")
	}
	if len(classes) < 2 {
		return fmt.Errorf("the data has %d class(es) %q; a classifier needs at least 2", len(classes), classes)
	}
	// Shuffle once (seeded) so that a validation split, taken from the end,
	// sees every class even when the input is sorted by class.
	perm := rand.New(rand.NewPCG(cfg.Seed, 0x7e87)).Perm(len(texts))
	texts, labels = text.Subset(texts, perm), text.Subset(labels, perm)
	nVal := int(float64(len(texts)) * cfg.ValidationSplit)
	if nVal == len(texts) {
		return errors.New("--validation-split leaves no training texts")
	}
	if *folds > 0 {
		return crossValidateText(texts, labels, classes, cfg, *folds, *reportPath, stdout)
	}
	fmt.Fprintf(stdout, "%d texts, classes %q; training %s\n", len(texts), classes, cfg.Arch)
	start := time.Now()
	c, hist, err := textclf.Train(texts, labels, classes, cfg)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	_, params := c.Model.CountParams()
	rep := textReport{
		Arch: cfg.Arch, Classes: classes, Params: params, VocabSize: c.Vectorizer.Vocab.Size(),
		MaxLen: cfg.MaxLen, EmbedDim: cfg.EmbedDim, Epochs: cfg.Epochs, BatchSize: cfg.BatchSize,
		LearningRate: cfg.LearningRate, Seed: cfg.Seed, Threads: parallel.Threads(),
		TrainSamples: len(texts) - nVal, ValSamples: nVal, TrainSeconds: secs,
		TrainLoss: finite(hist.Last("loss")), TrainAccuracy: finite(hist.Last("sparse_categorical_accuracy")),
		ValLoss: finite(hist.Last("val_loss")), ValAccuracy: finite(hist.Last("val_sparse_categorical_accuracy")),
	}
	fmt.Fprintf(stdout, "trained %d texts × %d epochs in %.1fs: loss %.4f accuracy %.4f", rep.TrainSamples, cfg.Epochs, secs,
		hist.Last("loss"), hist.Last("sparse_categorical_accuracy"))
	if nVal > 0 {
		fmt.Fprintf(stdout, ", val_loss %.4f val_accuracy %.4f (%d texts)", hist.Last("val_loss"), hist.Last("val_sparse_categorical_accuracy"), nVal)
	}
	fmt.Fprintln(stdout)
	if *out != "" {
		if err := c.Save(*out); err != nil {
			return err
		}
		rep.Output = *out
		fmt.Fprintf(stdout, "saved %s (vocabulary %d words, max length %d)\n", *out, rep.VocabSize, cfg.MaxLen)
	}
	return writeReport(*reportPath, rep)
}

// cvReport is the JSON that train-text --folds --report writes.
type cvReport struct {
	Arch       string    `json:"arch"`
	Classes    []string  `json:"classes"`
	Folds      int       `json:"folds"`
	Accuracies []float64 `json:"accuracies"`
	Mean       float64   `json:"mean_accuracy"`
	Std        float64   `json:"std_accuracy"`
}

// crossValidateText runs stratified k-fold cross-validation and prints
// each fold's test accuracy and their mean.
func crossValidateText(texts []string, labels []int, classes []string, cfg textclf.Config, k int, reportPath string, stdout io.Writer) error {
	if k > len(texts) {
		return fmt.Errorf("--folds %d: more folds than the %d texts", k, len(texts))
	}
	fmt.Fprintf(stdout, "%d texts, classes %q; %d-fold cross-validation of %s\n", len(texts), classes, k, cfg.Arch)
	rs, err := textclf.CrossValidate(texts, labels, classes, cfg, k, cfg.Seed, 0, func(r textclf.FoldResult) {
		fmt.Fprintf(stdout, "fold %d: test accuracy %.4f\n", r.Fold, r.Accuracy)
	})
	if err != nil {
		return err
	}
	mean, std := textclf.MeanStd(rs)
	fmt.Fprintf(stdout, "mean test accuracy %.4f ± %.4f over %d folds\n", mean, std, len(rs))
	rep := cvReport{Arch: cfg.Arch, Classes: classes, Folds: k, Mean: mean, Std: std}
	for _, r := range rs {
		rep.Accuracies = append(rep.Accuracies, r.Accuracy)
	}
	return writeReport(reportPath, rep)
}

// parseClassFiles parses "neg=PATH,pos=PATH".
func parseClassFiles(s string) ([]text.ClassFile, error) {
	var files []text.ClassFile
	for _, part := range strings.Split(s, ",") {
		class, path, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || class == "" || path == "" {
			return nil, fmt.Errorf("--class-files: %q is not CLASS=PATH", part)
		}
		files = append(files, text.ClassFile{Class: class, Path: path})
	}
	if len(files) < 2 {
		return nil, errors.New("--class-files needs at least two CLASS=PATH entries")
	}
	return files, nil
}

// textPrediction is one text's result in predict's JSON output.
type textPrediction struct {
	Text          string             `json:"text"`
	Class         string             `json:"class"`
	Probability   float32            `json:"probability"`
	Probabilities map[string]float32 `json:"probabilities"`
}

// predictText classifies raw strings with a model that carries a text
// vectorizer.
func predictText(c *textclf.Classifier, texts []string, asJSON bool, stdout io.Writer) error {
	if len(texts) == 0 {
		return errors.New("no texts to classify (give them as arguments or with --text-file)")
	}
	probs, err := c.PredictProba(texts)
	if err != nil {
		return err
	}
	var out []textPrediction
	for i, row := range probs {
		if len(row) != len(c.Classes) {
			return fmt.Errorf("the model gives %d outputs for %d classes", len(row), len(c.Classes))
		}
		best := floats.ArgMax(row)
		pm := map[string]float32{}
		for j, v := range row {
			pm[c.Classes[j]] = v
		}
		out = append(out, textPrediction{Text: texts[i], Class: c.Classes[best], Probability: row[best], Probabilities: pm})
	}
	if asJSON {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	for i, r := range out {
		fmt.Fprintf(stdout, "%q: %s (p=%.4f)", r.Text, r.Class, r.Probability)
		for j, name := range c.Classes {
			fmt.Fprintf(stdout, " %s:%.4f", name, probs[i][j])
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
