package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// saveClassifier saves a compiled softmax classifier of the given input
// shape and class count, optionally with class names.
func saveClassifier(t *testing.T, path string, in []int, classes int, names []string) {
	t.Helper()
	m := model.NewSequential(model.InputShape(in...), nn.NewFlatten(), nn.NewDense(classes, nn.DenseConfig{Activation: "softmax"}))
	if err := m.CompileConfigMap(map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": []any{"accuracy"}}); err != nil {
		t.Fatal(err)
	}
	if names != nil {
		b, _ := json.Marshal(names)
		m.SetMetadata(metaClasses, b)
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
}

// hugePNG returns a valid 1×1 PNG whose header claims w×h pixels.
func hugePNG(t *testing.T, w, h uint32) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	p := b.Bytes()
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// TestHostileInputsAndUselessFlags runs the reproducers of hostile files
// and of flags that would do nothing: each must exit non-zero with one
// line naming the file or flag at fault.
func TestHostileInputsAndUselessFlags(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	npy := func(name string, vals []float32, shape ...int) string {
		p := filepath.Join(dir, name)
		if err := data.SaveNPY(p, vals, shape); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := write("spec.json", []byte(`{"class_name":"Sequential","config":{"layers":[{"class_name":"InputLayer","config":{"shape":[2]}},{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy","metrics":["accuracy"]}}`))
	csv := write("d.csv", []byte("1,2,0\n3,4,1\n"))
	x := npy("x.npy", []float32{1, 2, 3, 4}, 2, 2)
	y := npy("y.npy", []float32{0, 1}, 2)
	idx := write("bad-idx3-ubyte", []byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	hugeNPY := write("huge.npy", append([]byte("\x93NUMPY\x01\x00\x46\x00"), []byte(fmt.Sprintf("%-69s\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387905,), }"))...))
	m64 := filepath.Join(dir, "m64.safetensors")
	saveClassifier(t, m64, []int{64}, 3, nil)
	m8 := filepath.Join(dir, "m8.safetensors")
	saveClassifier(t, m8, []int{8, 8, 1}, 2, nil)
	wide := npy("wide.npy", make([]float32, 3*128), 3, 128)
	big := npy("big.npy", make([]float32, 16*16), 16, 16)
	nanIn := npy("nan.npy", []float32{float32(nan()), 1}, 2)
	// A model whose outputs overflow: finite weights, Inf logits, NaN
	// softmax. evaluate and predict must not print NaN and exit 0.
	overflow := filepath.Join(dir, "overflow.safetensors")
	{
		m := model.NewSequential(model.InputShape(2), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
		if err := m.CompileConfigMap(map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy"}); err != nil {
			t.Fatal(err)
		}
		if err := m.Build(nil); err != nil || len(m.Weights()) != 2 {
			t.Fatal(err, len(m.Weights()))
		}
		for _, w := range m.Weights() {
			d := w.Data()
			for i := range d {
				d[i] = 3e38
			}
			w.CopyFrom(tensor.FromSlice(d, w.Shape()...))
		}
		if err := m.Save(overflow); err != nil {
			t.Fatal(err)
		}
	}
	png := write("huge.png", hugePNG(t, 50000, 50000))
	hugeModel := func() string {
		arch := `{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"InputLayer","config":{"shape":[4294967296,4294967296]}},{"class_name":"Flatten","config":{}}]}}`
		meta, _ := json.Marshal(map[string]map[string]string{"__metadata__": {"tensile.model": arch}})
		hdr := binary.LittleEndian.AppendUint64(nil, uint64(len(meta)))
		return write("huge.safetensors", append(hdr, meta...))
	}()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"idx overflow", []string{"train", spec, "--data", idx, "--labels", idx}, "bad-idx3-ubyte"},
		{"npy overflow", []string{"train", spec, "--data", hugeNPY, "--labels", y}, "huge.npy"},
		{"model input 2^64", []string{"predict", hugeModel, x}, "huge.safetensors"},
		{"png 50000x50000", []string{"predict", m8, png}, "huge.png"},
		{"NaN in predict input", []string{"predict", overflow, nanIn}, "nan.npy"},
		{"evaluate loss NaN", []string{"evaluate", overflow, "--data", csv}, "loss is NaN"},
		{"predict output NaN", []string{"predict", overflow, x}, "NaN"},
		{"npy (3,128) on 64 inputs", []string{"predict", m64, wide}, "wide.npy"},
		{"npy 16x16 on 8x8 model", []string{"predict", m8, big}, "big.npy"},
		{"--labels with csv", []string{"train", spec, "--data", csv, "--labels", y}, "--labels applies to .npy and IDX"},
		{"--test-labels alone", []string{"train", spec, "--data", csv, "--test-labels", y}, "--test-labels"},
		{"--test-data npy without labels", []string{"train", spec, "--data", csv, "--test-data", x}, "--test-labels"},
		{"--label-column with npy", []string{"train", spec, "--data", x, "--labels", y, "--label-column", "0"}, "--label-column applies to CSV"},
		{"--x-key with csv", []string{"train", spec, "--data", csv, "--x-key", "a"}, "--x-key"},
		{"--image-size with csv", []string{"train", spec, "--data", csv, "--image-size", "8x8"}, "--image-size"},
		{"evaluate --batch-size -5", []string{"evaluate", m64, "--data", csv, "--batch-size", "-5"}, "--batch-size -5"},
		{"train --batch-size 0", []string{"train", spec, "--data", csv, "--batch-size", "0"}, "--batch-size 0"},
		{"train --lr -1", []string{"train", spec, "--data", csv, "--lr", "-1"}, "--lr -1"},
		{"train --validation-split 1", []string{"train", spec, "--data", csv, "--validation-split", "1"}, "--validation-split 1"},
		{"train-text --max-len 0", []string{"train-text", "--data", csv, "--max-len", "0"}, "--max-len 0"},
		{"train-text --folds 1", []string{"train-text", "--data", csv, "--folds", "1"}, "--folds 1"},
		{"mnist-cnn with --labels", []string{"train", "mnist-cnn", "--labels", y}, "--labels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, c.args...)
			if code == 0 {
				t.Fatalf("exit 0: %s", out)
			}
			if !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 || strings.Contains(errs, "internal error") {
				t.Fatalf("stderr %q: want one line mentioning %q", errs, c.want)
			}
		})
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help", "train"}, {"train", "--help"}, {"evaluate", "-h"}, {"predict", "--help"}, {"summary", "--help"},
		{"train-text", "--help"}, {"bench", "--help"}, {"bench", "gemm", "--help"}, {"charlm", "train", "--help"}} {
		code, out, errs := run(t, args...)
		if code != 0 || out == "" || errs != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and a usage", args, code, out, errs)
		}
	}
	code, out, _ := run(t, "--version")
	if code != 0 || !strings.Contains(out, "go1.") || !strings.Contains(out, "SIMD ") {
		t.Errorf("--version: exit %d, %q; want the Go version and the SIMD path", code, out)
	}
}

// TestClassAlignmentWhenOneSideHasNames: a model trained on named classes
// cannot be scored on numeric labels unless the names are those numbers,
// and the reverse.
func TestClassAlignmentWhenOneSideHasNames(t *testing.T) {
	dir := t.TempDir()
	named := filepath.Join(dir, "named.safetensors")
	saveClassifier(t, named, []int{2}, 2, []string{"cat", "dog"})
	digits := filepath.Join(dir, "digits.safetensors")
	saveClassifier(t, digits, []int{2}, 2, []string{"0", "1"})
	plain := filepath.Join(dir, "plain.safetensors")
	saveClassifier(t, plain, []int{2}, 2, nil)
	numeric := filepath.Join(dir, "num.csv")
	os.WriteFile(numeric, []byte("1,2,0\n3,4,1\n"), 0o644)
	words := filepath.Join(dir, "words.csv")
	os.WriteFile(words, []byte("1,2,cat\n3,4,dog\n"), 0o644)
	stray := filepath.Join(dir, "stray.csv")
	os.WriteFile(stray, []byte("1,2,0\n3,4,1\n5,6,1\n7,8,cat\n"), 0o644)
	for _, c := range []struct {
		model, data string
		ok          bool
		want        string
	}{
		{named, numeric, false, `named ["cat" "dog"]`},
		{digits, numeric, true, ""},
		{plain, words, false, "numeric class ids"},
		{named, words, true, ""},
		{plain, stray, false, `stray.csv:4: column 3 (the label column): label "cat" is not a number`},
	} {
		code, out, errs := run(t, "evaluate", c.model, "--data", c.data)
		if (code == 0) != c.ok || !strings.Contains(errs, c.want) {
			t.Errorf("evaluate %s on %s: exit %d, %s%s; want ok=%v and %q", filepath.Base(c.model), filepath.Base(c.data), code, out, errs, c.ok, c.want)
		}
	}
}

func TestPredictCSVAndBatchNames(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "m.safetensors")
	saveClassifier(t, mf, []int{2}, 3, nil)
	csv := filepath.Join(dir, "in.csv")
	os.WriteFile(csv, []byte("id,a,b\nalice,1,2\nbob,3,4\n"), 0o644)
	plain := filepath.Join(dir, "plain.csv")
	os.WriteFile(plain, []byte("1,2\n3,4\n"), 0o644)
	batch := filepath.Join(dir, "b.npy")
	data.SaveNPY(batch, []float32{1, 2, 3, 4}, []int{2, 2})
	code, out, errs := run(t, "predict", mf, csv, plain, batch)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, name := range []string{"alice: class", "bob: class", plain + ":1: class", plain + ":2: class", batch + "[0]: class", batch + "[1]: class"} {
		if !strings.Contains(out, name) {
			t.Errorf("output lacks %q:\n%s", name, out)
		}
	}
	if strings.Count(out, "class ") != 6 {
		t.Errorf("want 6 predictions:\n%s", out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("1,2,3,4\n"), 0o644)
	if code, _, errs := run(t, "predict", mf, bad); code == 0 || !strings.Contains(errs, "bad.csv:1") {
		t.Errorf("4 values for a 2-input model: exit %d, %q", code, errs)
	}
}

// TestResumeContinuesTraining trains 2 epochs in one run and 1+1 epochs in
// two (the second resuming from the saved model with its optimizer state):
// the final loss must agree. One full batch per epoch keeps the test
// independent of the shuffle order.
func TestResumeContinuesTraining(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 40 {
		c := i % 2
		fmt.Fprintf(&b, "%g,%g,%d\n", float64(c)-0.5+float64(i%5)/10, float64(i%7)/7, c)
	}
	csv := filepath.Join(dir, "d.csv")
	os.WriteFile(csv, []byte(b.String()), 0o644)
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, []byte(`{"class_name":"Sequential","config":{"layers":[{"class_name":"InputLayer","config":{"shape":[2]}},{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy","metrics":["accuracy"]}}`), 0o644)
	loss := func(args ...string) float64 {
		rep := filepath.Join(dir, "r.json")
		code, out, errs := run(t, append(args, "--data", csv, "--verbose", "0", "--report", rep)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s%s", args, code, out, errs)
		}
		var r struct {
			TrainLoss float64 `json:"train_loss"`
		}
		rb, _ := os.ReadFile(rep)
		json.Unmarshal(rb, &r)
		return r.TrainLoss
	}
	whole := loss("train", spec, "--epochs", "3", "--batch-size", "40", "--lr", "0.1", "--seed", "7")
	m1 := filepath.Join(dir, "m1.safetensors")
	loss("train", spec, "--epochs", "1", "--batch-size", "40", "--lr", "0.1", "--seed", "7", "--out", m1)
	m2 := filepath.Join(dir, "m2.safetensors")
	loss("train", m1, "--epochs", "1", "--lr", "0.1", "--out", m2)
	resumed := loss("train", m2, "--epochs", "1", "--lr", "0.1")
	if d := whole - resumed; d > 1e-5 || d < -1e-5 {
		t.Fatalf("3 epochs: loss %v; 1+1+1 epochs resumed: %v", whole, resumed)
	}
	// With shuffled minibatches (5 per epoch) the resumed run sees each
	// epoch's order as the uninterrupted one did: bit for bit the same loss.
	wholeShuffled := loss("train", spec, "--epochs", "2", "--batch-size", "8", "--lr", "0.1", "--seed", "7")
	s1 := filepath.Join(dir, "s1.safetensors")
	loss("train", spec, "--epochs", "1", "--batch-size", "8", "--lr", "0.1", "--seed", "7", "--out", s1)
	if got := loss("train", s1, "--epochs", "1", "--lr", "0.1"); got != wholeShuffled {
		t.Fatalf("shuffled, 2 epochs: loss %v; 1+1 resumed: %v", wholeShuffled, got)
	}
	// Starting over from the first checkpoint without its optimizer state
	// would not agree: the test can tell.
	fresh := loss("train", spec, "--epochs", "1", "--batch-size", "40", "--lr", "0.1", "--seed", "7")
	if fresh == whole {
		t.Fatal("1 and 3 epochs give the same loss: the test cannot tell resumed from restarted runs")
	}
}

func TestTextClassifierCLI(t *testing.T) {
	dir := t.TempDir()
	tsv := tinySentiment(t, dir)
	// The UCI layout: sentence<TAB>label.
	src, _ := os.ReadFile(tsv)
	var flipped strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(src)), "\n") {
		label, text, _ := strings.Cut(line, "\t")
		flipped.WriteString(text + "\t" + map[string]string{"pos": "1", "neg": "0"}[label] + "\n")
	}
	uci := filepath.Join(dir, "uci.txt")
	os.WriteFile(uci, []byte(flipped.String()), 0o644)
	mf := filepath.Join(dir, "t.safetensors")
	code, out, errs := run(t, "train-text", "--data", uci, "--epochs", "6", "--batch-size", "16", "--embed-dim", "16", "--max-len", "12", "--verbose", "0", "--out", mf)
	if code != 0 || !strings.Contains(out, "last column") || !strings.Contains(out, `classes ["0" "1"]`) {
		t.Fatalf("train-text on text<TAB>label: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = run(t, "evaluate", mf, "--data", uci)
	if code != 0 || !strings.Contains(out, "accuracy=") {
		t.Fatalf("evaluate on labelled text: exit %d: %s%s", code, out, errs)
	}
	var acc float64
	fmt.Sscanf(out[strings.Index(out, "accuracy=")+len("accuracy="):], "%g", &acc)
	if acc < 0.9 {
		t.Errorf("training accuracy %v on a separable set: %s", acc, out)
	}
	if code, _, errs := run(t, "predict", mf, uci); code == 0 || !strings.Contains(errs, "--text-file") {
		t.Errorf("predict with a file path: exit %d, %q; want a hint to --text-file", code, errs)
	}
	code, out, errs = run(t, "train-text", "--data", tsv, "--folds", "2", "--epochs", "2", "--batch-size", "16", "--embed-dim", "8", "--max-len", "12", "--verbose", "0")
	if code != 0 || strings.Count(out, "\nfold ") != 2 || !strings.Contains(out, "mean test accuracy") {
		t.Fatalf("--folds 2: exit %d: %s%s", code, out, errs)
	}
}
