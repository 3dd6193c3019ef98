package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/text"
	"github.com/tensile-ml/tensile/textclf"
)

func init() {
	register(&command{name: "evaluate", summary: "evaluate a saved model: evaluate MODEL|m.onnx --data PATH", run: runEvaluate})
	register(&command{name: "predict", summary: "classify inputs: predict MODEL FILE.png|FILE.jpg|FILE.npy ... | predict TEXT-MODEL \"raw text\" ... | predict AUDIO-MODEL FILE.wav ...", run: runPredict})
}

func runEvaluate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	var df dataFlags
	df.add(fs, "evaluation data: mnist (the test set), mnist:train, DIR, .csv, .npz, .npy, IDX; for a text classifier a labelled text file")
	encoding := fs.String("encoding", "utf-8", "text classifiers: encoding of the --data file, utf-8 or latin-1")
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
	if err := positive("--batch-size", *batch); err != nil {
		return err
	}
	if err := checkPlotPath("--plot", *plotPath); err != nil {
		return err
	}
	m, err := loadModelFile(pos[0])
	if err != nil {
		return err
	}
	if ok, err := evaluateAudio(m, pos[0], df.path, *asJSON, stdout); ok {
		return err
	}
	var logs map[string]float64
	var n int
	if tc, ok, err := textclf.FromModel(m); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	} else if ok {
		if logs, n, err = evaluateText(tc, df, *encoding, *batch); err != nil {
			return err
		}
	} else {
		if *encoding != "utf-8" {
			return fmt.Errorf("--encoding applies to text classifiers; %s is not one", pos[0])
		}
		cc, err := compileConfigOf(pos[0])
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
		df.heldOut = true
		ds, err := loadData(df)
		if err != nil {
			return err
		}
		if err := alignClasses(m, ds, df.path); err != nil {
			return err
		}
		if logs, err = m.Evaluate(ds, model.EvalConfig{BatchSize: *batch, Verbose: model.VerboseSilent}); err != nil {
			return withLabelSource(err, df)
		}
		n = ds.N
		if err := plotConfusion(*plotPath, m, ds, stdout); err != nil {
			return err
		}
	}
	if err := printLogs(stdout, logs, n, *asJSON); err != nil {
		return err
	}
	return checkLogs(logs, df.path)
}

// printLogs prints evaluation results as "k=v ... (n samples)" or JSON.
func printLogs(stdout io.Writer, logs map[string]float64, n int, asJSON bool) error {
	if asJSON {
		safe := map[string]any{}
		for k, v := range logs {
			if f := finite(v); f != nil {
				safe[k] = *f
			} else {
				safe[k] = fmt.Sprint(v)
			}
		}
		b, err := json.MarshalIndent(safe, "", "  ")
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
	fmt.Fprintf(stdout, "%s (%d samples)\n", strings.Join(parts, " "), n)
	return nil
}

// evaluateText evaluates a text classifier on a labelled text file: the
// accuracy and the mean cross-entropy loss.
func evaluateText(tc *textclf.Classifier, df dataFlags, encoding string, batch int) (map[string]float64, int, error) {
	if df.path == "" {
		return nil, 0, errors.New("missing --data: a labelled text file (\"label<TAB>text\" or \"text<TAB>label\" lines)")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"--labels", df.labels != ""}, {"--image-size", df.imageSize != ""}, {"--grayscale", df.grayscale}, {"--x-key", df.xKey != ""}, {"--y-key", df.yKey != ""}} {
		if f.set { // in a fixed order, so the error names the same flag every run
			return nil, 0, fmt.Errorf("%s does not apply to a text classifier's data", f.name)
		}
	}
	col := df.labelCol
	if col == "auto" {
		col = ""
	}
	l, err := text.ReadLabeledFile(df.path, text.ReadOptions{Encoding: encoding, Classes: tc.Classes, LabelColumn: col})
	if err != nil {
		if col != "" && col != "first" && col != "last" {
			return nil, 0, fmt.Errorf("--label-column %q: a text file's label is the first or last column", df.labelCol)
		}
		return nil, 0, err
	}
	if len(l.Texts) == 0 {
		return nil, 0, fmt.Errorf("%s: no texts", df.path)
	}
	// Texts are classified batch by batch (--batch-size) and scored as they
	// go, so memory stays bounded by the batch, not by the file.
	var loss, correct float64
	for lo := 0; lo < len(l.Texts); lo += batch {
		p, err := tc.PredictProba(l.Texts[lo:min(lo+batch, len(l.Texts))])
		if err != nil {
			return nil, 0, err
		}
		for i, row := range p {
			y := l.Labels[lo+i]
			loss -= math.Log(max(float64(row[y]), 1e-7))
			if slices.Index(row, slices.Max(row)) == y {
				correct++
			}
		}
	}
	n := float64(len(l.Texts))
	return map[string]float64{"loss": loss / n, "accuracy": correct / n}, len(l.Texts), nil
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
	m, err := loadModelFile(pos[0])
	if err != nil {
		return err
	}
	if ok, err := predictAudio(m, pos[0], pos[1:], *asJSON, stdout); ok {
		return err
	}
	// A text classifier (saved by train-text) takes raw strings.
	if tc, ok, err := textclf.FromModel(m); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	} else if ok {
		texts := pos[1:]
		for _, t := range texts {
			if fileExists(t) {
				return fmt.Errorf("%s is a file; a text classifier classifies the texts given as arguments: use --text-file %s to classify its lines", t, t)
			}
		}
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
		return fmt.Errorf("--text-file: %s is not a text classifier; --text-file needs a model saved by train-text", pos[0])
	}
	if len(pos) < 2 {
		return errors.New("want a MODEL file and at least one input file")
	}
	in := m.InputShapes()
	if len(in) != 1 {
		return fmt.Errorf("%s: predict supports models with one input, this one has %d", pos[0], len(in))
	}
	shape := in[0]
	var xs []float32
	var names []string
	for _, f := range pos[1:] {
		x, rows, err := loadInput(f, shape)
		if err != nil {
			return err
		}
		xs = append(xs, x...)
		names = append(names, rows...)
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
	for i, v := range p {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: the model's output for %s is %v", pos[0], names[i/k], v)
		}
	}
	var out []prediction
	for i := 0; i < ds.N; i++ {
		row := slices.Clone(p[i*k : (i+1)*k])
		best := floats.ArgMax(row)
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
// shape is shape, and names its samples: an image (PNG/JPEG, resized to
// the model's H×W and converted to its channel count), a .npy array holding
// one sample or a batch of samples of exactly that shape (a trailing
// channel axis of 1 may be left out), or a CSV file of one sample a row
// (rows may start with a name; a header row is skipped).
func loadInput(path string, shape []int) ([]float32, []string, error) {
	per := 1
	for _, d := range shape {
		per *= d
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		x, xs, err := data.LoadNPY(path)
		if err != nil {
			return nil, nil, err
		}
		n, batched, ok := samplesOf(xs, shape)
		if !ok || n == 0 {
			return nil, nil, fmt.Errorf("%s: an array of shape %v is not one sample of shape %v nor a batch [N %s]", path, xs, shape, strings.Trim(fmt.Sprint(shape), "[]"))
		}
		for i, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, nil, fmt.Errorf("%s: value %d (sample %d) is %v", path, i, i/per, v)
			}
		}
		if !batched {
			return x, []string{path}, nil
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("%s[%d]", path, i)
		}
		return x, names, nil
	case ".csv":
		return loadCSVInput(path, per)
	case ".png", ".jpg", ".jpeg":
		if len(shape) != 3 || (shape[2] != 1 && shape[2] != 3) {
			return nil, nil, fmt.Errorf("%s: the model's input %v is not an image (H, W, 1 or 3)", path, shape)
		}
		x, err := data.LoadImage(path, data.ImageOptions{Height: shape[0], Width: shape[1], Grayscale: shape[2] == 1})
		return x, []string{path}, err
	}
	return nil, nil, fmt.Errorf("%s: unsupported input (want .png, .jpg, .jpeg, .npy or .csv)", path)
}

// samplesOf returns how many samples of shape an array of shape xs holds:
// xs is the sample shape or [N]+shape, either optionally without a
// trailing channel axis of 1. batched says whether xs has the batch axis.
func samplesOf(xs, shape []int) (n int, batched, ok bool) {
	for _, s := range [][]int{shape, trimUnitChannel(shape)} {
		if s == nil {
			continue
		}
		if len(xs) == len(s)+1 && slices.Equal(xs[1:], s) {
			return xs[0], true, true
		}
		if slices.Equal(xs, s) {
			return 1, false, true
		}
	}
	return 0, false, false
}

func trimUnitChannel(shape []int) []int {
	if len(shape) > 1 && shape[len(shape)-1] == 1 {
		return shape[:len(shape)-1]
	}
	return nil
}

// loadCSVInput reads predict inputs from a CSV file: one sample of per
// numbers a row, optionally after a first cell naming the row; a first row
// that is not numbers is a header. Samples are named by their row name or
// as FILE:LINE.
func loadCSVInput(path string, per int) ([]float32, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var xs []float32
	var names []string
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("%s:%d: column %d: %v", path, pe.Line, pe.Column, pe.Err)
			}
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		name := fmt.Sprintf("%s:%d", path, line)
		cells := rec
		if len(rec) == per+1 {
			name, cells = strings.TrimSpace(rec[0]), rec[1:]
		} else if len(rec) != per {
			return nil, nil, fmt.Errorf("%s:%d: %d values; the model takes %d per sample (optionally after a row name)", path, line, len(rec), per)
		}
		row := make([]float32, len(cells))
		for j, c := range cells {
			v, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
				if first && len(xs) == 0 {
					row = nil // a header row
					break
				}
				return nil, nil, fmt.Errorf("%s:%d: column %d: %q is not a finite number", path, line, j+1+len(rec)-len(cells), c)
			}
			row[j] = float32(v)
		}
		if row == nil {
			continue
		}
		xs = append(xs, row...)
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("%s: no rows", path)
	}
	return xs, names, nil
}
