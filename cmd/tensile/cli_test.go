package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
)

// run runs the CLI in-process and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTrainMNISTReportAndModelFile(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	mf := filepath.Join(dir, "m.safetensors")
	code, out, errs := run(t, "train", "mnist-cnn", "--epochs", "1", "--train-limit", "256", "--verbose", "0", "--report", rep, "--out", mf)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, b)
	}
	for _, k := range []string{"model", "params", "epochs", "batch_size", "train_samples", "train_seconds", "train_samples_per_second", "train_loss", "train_accuracy", "test_loss", "test_accuracy"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q: %s", k, b)
		}
	}
	if r["params"].(float64) != 93322 || r["train_samples"].(float64) != 256 {
		t.Errorf("report params/train_samples wrong: %s", b)
	}

	code, out, errs = run(t, "evaluate", mf, "--data", "mnist:test", "--json")
	if code != 0 || !strings.Contains(out, "accuracy") {
		t.Fatalf("evaluate: exit %d: %s%s", code, out, errs)
	}

	// predict on two samples stored as .npy
	train, err := loadData(dataFlags{path: "mnist"})
	if err != nil {
		t.Fatal(err)
	}
	npy := filepath.Join(dir, "two.npy")
	if err := data.SaveNPY(npy, train.X[:2*784], []int{2, 28, 28, 1}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "predict", mf, npy)
	if code != 0 || strings.Count(out, "class ") != 2 {
		t.Fatalf("predict: exit %d: %s%s", code, out, errs)
	}
}

func TestUserErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := write("corrupt.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{not json")
	unknownLayer := write("unknown.json", `{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense2","config":{"units":3}}]},"compile":{"loss":"mse"}}`)
	spec := write("spec.json", `{"class_name":"Sequential","config":{"layers":[{"class_name":"InputLayer","config":{"shape":[3]}},{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy","metrics":["accuracy"]}}`)
	fourCols := write("four.csv", "1,2,3,4,0\n5,6,7,8,1\n")
	badLabel := write("badlabel.csv", "1,2,3,0\n5,6,7,7\n")
	nonNumeric := write("nonnum.csv", "1,2,3,0\n5,x,7,1\n")
	badArch := func() string {
		arch := `{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"InputLayer","config":{"shape":[3]}},{"class_name":"Dense","config":{"units":-5}}]}}`
		meta, _ := json.Marshal(map[string]map[string]string{"__metadata__": {"tensile.model": arch}})
		hdr := make([]byte, 8, 8+len(meta))
		binary.LittleEndian.PutUint64(hdr, uint64(len(meta)))
		return write("badarch.safetensors", string(append(hdr, meta...)))
	}()
	cases := []struct {
		name string
		args []string
		code int
		want string // substring of stderr
	}{
		{"negative threads", []string{"bench", "gemm", "--threads", "-1", "--sizes", "8"}, 1, "--threads -1"},
		{"negative threads train", []string{"train", "mnist-cnn", "--threads", "-4"}, 1, "--threads -4"},
		{"bad flag value", []string{"train", "mnist-cnn", "--epochs", "abc"}, 1, `invalid value "abc" for flag -epochs`},
		{"unknown flag", []string{"evaluate", "m", "--nope"}, 1, "flag provided but not defined: -nope"},
		{"output directory missing", []string{"train", "mnist-cnn", "--out", filepath.Join(dir, "no", "m.safetensors")}, 1, "does not exist"},
		{"corrupt architecture", []string{"summary", badArch}, 1, "badarch.safetensors"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"missing model file", []string{"evaluate", filepath.Join(dir, "nope.safetensors"), "--data", "mnist:test"}, 1, "nope.safetensors"},
		{"corrupt model file", []string{"evaluate", corrupt, "--data", "mnist:test"}, 1, "corrupt.safetensors"},
		{"unknown layer in spec", []string{"train", unknownLayer, "--data", fourCols}, 1, "Dense2"},
		{"data does not fit model", []string{"train", spec, "--data", fourCols, "--verbose", "0"}, 1, "shape"},
		{"label out of range", []string{"train", spec, "--data", badLabel, "--verbose", "0"}, 1, "the labels are the last column of"},
		{"corrupt csv", []string{"train", spec, "--data", nonNumeric, "--verbose", "0"}, 1, "nonnum.csv:2"},
		{"missing data file", []string{"train", spec, "--data", filepath.Join(dir, "none.csv")}, 1, "none.csv"},
		{"unknown zoo model", []string{"train", "resnet-1000"}, 1, "resnet-1000"},
		{"bad epochs", []string{"train", "mnist-cnn", "--epochs", "0"}, 1, "--epochs"},
		{"unknown bench target", []string{"bench", "nope"}, 1, "unknown target"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errs)
			}
			if !strings.Contains(errs, c.want) {
				t.Fatalf("stderr %q does not mention %q", errs, c.want)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") > 0 || strings.Contains(errs, "goroutine") {
				t.Fatalf("error is not one line: %q", errs)
			}
		})
	}
}

func TestTrainSpecOnCSV(t *testing.T) {
	dir := t.TempDir()
	// two separable classes in 3-d
	var b strings.Builder
	for i := 0; i < 200; i++ {
		c := i % 2
		v := float64(c)*2 - 1
		b.WriteString(strings.Join([]string{ftoa(v + 0.1*float64(i%7-3)/3), ftoa(-v), ftoa(0.5 * v), itoa(c)}, ","))
		b.WriteByte('\n')
	}
	csv := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, []byte(`{"class_name":"Sequential","config":{"layers":[{"class_name":"InputLayer","config":{"shape":[3]}},{"class_name":"Dense","config":{"units":8,"activation":"relu"}},{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy","metrics":["accuracy"]}}`), 0o644)
	rep := filepath.Join(dir, "r.json")
	code, out, errs := run(t, "train", spec, "--data", csv, "--test-data", csv, "--epochs", "20", "--lr", "0.01", "--verbose", "0", "--report", rep)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	var r struct {
		TestAccuracy float64 `json:"test_accuracy"`
	}
	rb, _ := os.ReadFile(rep)
	json.Unmarshal(rb, &r)
	if r.TestAccuracy < 0.95 {
		t.Fatalf("test accuracy %.3f < 0.95 on a separable problem:\n%s", r.TestAccuracy, out)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func itoa(i int) string { return strconv.Itoa(i) }

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		pos  string
		n    int
	}{
		{[]string{"m", "--n", "3", "a"}, "m a", 3},
		{[]string{"--n", "2", "m"}, "m", 2},
		{[]string{"m", "--", "-x", "--n", "5"}, "m -x --n 5", 0},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		n := fs.Int("n", 0, "")
		pos, err := splitArgs(fs, c.args)
		if err != nil || strings.Join(pos, " ") != c.pos || *n != c.n {
			t.Errorf("splitArgs(%q) = %q, n=%d, %v; want %q, n=%d", c.args, pos, *n, err, c.pos, c.n)
		}
	}
}

// TestClassNamesFollowTheModel trains on a CSV with text labels and
// evaluates on a file holding only the second class: the loader numbers
// that file's single class 0, and the model's stored class names must map
// it back to the id it was trained with.
func TestClassNamesFollowTheModel(t *testing.T) {
	dir := t.TempDir()
	var tr, ev strings.Builder
	for i := 0; i < 100; i++ {
		v := float64(i%10)/10 + 0.05
		tr.WriteString(ftoa(v) + ",cat\n" + ftoa(-v) + ",dog\n")
		ev.WriteString(ftoa(-v) + ",dog\n")
	}
	trPath, evPath := filepath.Join(dir, "tr.csv"), filepath.Join(dir, "ev.csv")
	os.WriteFile(trPath, []byte(tr.String()), 0o644)
	os.WriteFile(evPath, []byte(ev.String()), 0o644)
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, []byte(`{"class_name":"Sequential","config":{"layers":[{"class_name":"InputLayer","config":{"shape":[1]}},{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy","metrics":["accuracy"]}}`), 0o644)
	mf := filepath.Join(dir, "m.safetensors")
	if code, out, errs := run(t, "train", spec, "--data", trPath, "--epochs", "30", "--lr", "0.05", "--verbose", "0", "--out", mf); code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, errs)
	}
	code, out, errs := run(t, "evaluate", mf, "--data", evPath, "--json")
	if code != 0 {
		t.Fatalf("evaluate: exit %d: %s%s", code, out, errs)
	}
	var logs map[string]float64
	json.Unmarshal([]byte(out), &logs)
	if logs["accuracy"] < 0.95 {
		t.Fatalf("accuracy %v on the dog-only file: class ids were not mapped by name\n%s", logs["accuracy"], out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("0.5,bird\n0.6,bird\n"), 0o644)
	if code, _, errs := run(t, "evaluate", mf, "--data", bad); code != 1 || !strings.Contains(errs, `"bird"`) {
		t.Fatalf("unknown class: exit %d, stderr %q", code, errs)
	}
}

// TestSpecWithoutInputLayer trains a spec that leaves out the InputLayer:
// the input shape comes from the data, as Keras builds on first fit.
func TestSpecWithoutInputLayer(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	os.WriteFile(csv, []byte("1,2,0\n3,4,1\n5,6,0\n7,8,1\n"), 0o644)
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, []byte(`{"class_name":"Sequential","config":{"layers":[{"class_name":"Dense","config":{"units":2,"activation":"softmax"}}]},"compile":{"optimizer":"adam","loss":"sparse_categorical_crossentropy"}}`), 0o644)
	mf := filepath.Join(dir, "m.safetensors")
	if code, out, errs := run(t, "train", spec, "--data", csv, "--epochs", "1", "--verbose", "0", "--out", mf); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	if code, out, errs := run(t, "summary", mf); code != 0 || !strings.Contains(out, "(None, 2)") {
		t.Fatalf("summary of the trained model: exit %d: %s%s", code, out, errs)
	}
}

// TestBareMNISTHeldOut checks that a bare "mnist" names the training set
// as training data and the test set as evaluation data, so that evaluate
// and --test-data never score a model on the images it was trained on.
func TestBareMNISTHeldOut(t *testing.T) {
	for _, tc := range []struct {
		flags dataFlags
		n     int
	}{
		{dataFlags{path: "mnist"}, 60000},
		{dataFlags{path: "mnist:train", heldOut: true}, 60000},
		{dataFlags{path: "mnist", heldOut: true}, 10000},
		{dataFlags{path: "mnist:test"}, 10000},
	} {
		ds, err := loadData(tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		if ds.N != tc.n {
			t.Errorf("%+v: %d samples, want %d", tc.flags, ds.N, tc.n)
		}
	}
}
