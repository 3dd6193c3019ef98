package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/text"
	"github.com/tensile-ml/tensile/textclf"
)

func init() {
	register(&command{name: "evaluate", summary: "evaluate a saved model: evaluate MODEL --data PATH", run: runEvaluate})
	register(&command{name: "predict", summary: "classify inputs: predict MODEL FILE.png|FILE.jpg|FILE.npy ... | predict TEXT-MODEL \"raw text\" ...", run: runPredict})
}

func runEvaluate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	var df dataFlags
	fs.StringVar(&df.path, "data", "", "evaluation data: mnist:test, DIR, .csv, .npz, .npy, IDX")
	fs.StringVar(&df.labels, "labels", "", "labels file for .npy or IDX data")
	fs.StringVar(&df.labelCol, "label-column", "", "CSV label column: name or index (default: last)")
	fs.StringVar(&df.imageSize, "image-size", "", "resize images to HxW (image folders)")
	fs.BoolVar(&df.grayscale, "grayscale", false, "load images as one channel (image folders)")
	batch := fs.Int("batch-size", 256, "batch size")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	plotPath := fs.String("plot", "", "draw a confusion matrix to FILE (.png, .svg, .pdf)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want one MODEL file")
	}
	if err := checkPlotPath("--plot", *plotPath); err != nil {
		return err
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	cc, err := model.CompileConfig(pos[0])
	if err != nil {
		return err
	}
	if cc == nil {
		return fmt.Errorf("%s was saved without a loss (uncompiled); train it with tensile train --out or Compile before Save", pos[0])
	}
	m.DropOptimizerState() // evaluation needs no optimizer state
	if err := m.CompileConfigMap(cc); err != nil {
		return err
	}
	ds, err := loadData(df)
	if err != nil {
		return err
	}
	if err := alignClasses(m, ds, df.path); err != nil {
		return err
	}
	logs, err := m.Evaluate(ds, model.EvalConfig{BatchSize: *batch, Verbose: model.VerboseSilent})
	if err != nil {
		return err
	}
	if err := plotConfusion(*plotPath, m, ds, stdout); err != nil {
		return err
	}
	if *asJSON {
		b, err := json.MarshalIndent(logs, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	keys := make([]string, 0, len(logs))
	for k := range logs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%.4f", k, logs[k]))
	}
	fmt.Fprintf(stdout, "%s (%d samples)\n", strings.Join(parts, " "), ds.N)
	return nil
}

// prediction is one input's result in predict's JSON output.
type prediction struct {
	File          string    `json:"file"`
	Class         int       `json:"class"`
	Probability   float32   `json:"probability"`
	Probabilities []float32 `json:"probabilities"`
}

func runPredict(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	textFile := fs.String("text-file", "", "text classifiers: classify each non-empty line of FILE (UTF-8)")
	fs.SetOutput(stdout)
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return errors.New("want a MODEL file and at least one input")
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	// A text classifier (saved by train-text) takes raw strings.
	if tc, ok, err := textclf.FromModel(m); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	} else if ok {
		texts := pos[1:]
		if *textFile != "" {
			lines, err := text.ReadLines(*textFile, text.ReadOptions{})
			if err != nil {
				return err
			}
			texts = append(texts, lines...)
		}
		return predictText(tc, texts, *asJSON, stdout)
	}
	if *textFile != "" {
		return fmt.Errorf("%s is not a text classifier; --text-file needs a model saved by train-text", pos[0])
	}
	if len(pos) < 2 {
		return errors.New("want a MODEL file and at least one input file")
	}
	in := m.InputShapes()
	if len(in) != 1 {
		return fmt.Errorf("%s: predict supports models with one input, this one has %d", pos[0], len(in))
	}
	shape := in[0]
	per := 1
	for _, d := range shape {
		per *= d
	}
	var xs []float32
	var names []string
	for _, f := range pos[1:] {
		x, err := loadInput(f, shape)
		if err != nil {
			return err
		}
		for len(x) > 0 {
			xs = append(xs, x[:per]...)
			x = x[per:]
			names = append(names, f)
		}
	}
	ds, err := data.New(xs, shape, nil, nil)
	if err != nil {
		return err
	}
	pred, err := m.Predict(ds, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
	if err != nil {
		return err
	}
	k := pred.Size() / ds.N
	p := pred.Data()
	var out []prediction
	for i := 0; i < ds.N; i++ {
		row := slices.Clone(p[i*k : (i+1)*k])
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out = append(out, prediction{File: names[i], Class: best, Probability: row[best], Probabilities: row})
	}
	if *asJSON {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	classes := modelClasses(m)
	for _, r := range out {
		if r.Class < len(classes) {
			fmt.Fprintf(stdout, "%s: class %d %q (p=%.4f)", r.File, r.Class, classes[r.Class], r.Probability)
		} else {
			fmt.Fprintf(stdout, "%s: class %d (p=%.4f)", r.File, r.Class, r.Probability)
		}
		for j, v := range r.Probabilities {
			fmt.Fprintf(stdout, " %d:%.4f", j, v)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// loadInput reads one predict input for a model whose per-sample input
// shape is shape: an image (PNG/JPEG, resized to the model's H×W and
// converted to its channel count) or a .npy array holding one sample or a
// batch of samples.
func loadInput(path string, shape []int) ([]float32, error) {
	per := 1
	for _, d := range shape {
		per *= d
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		x, _, err := data.LoadNPY(path)
		if err != nil {
			return nil, err
		}
		if len(x) == 0 || len(x)%per != 0 {
			return nil, fmt.Errorf("%s: %d values do not make samples of shape %v", path, len(x), shape)
		}
		return x, nil
	case ".png", ".jpg", ".jpeg":
		if len(shape) != 3 || (shape[2] != 1 && shape[2] != 3) {
			return nil, fmt.Errorf("%s: the model's input %v is not an image (H, W, 1 or 3)", path, shape)
		}
		return data.LoadImage(path, data.ImageOptions{Height: shape[0], Width: shape[1], Grayscale: shape[2] == 1})
	}
	return nil, fmt.Errorf("%s: unsupported input (want .png, .jpg, .jpeg or .npy)", path)
}
