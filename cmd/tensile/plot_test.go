package main

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
)

func decodePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestPlots trains with --plot and --dashboard, redraws the curves from
// the report and the CSV-free history, and draws evaluate's confusion
// matrix.
func TestPlots(t *testing.T) {
	dir := t.TempDir()
	mf, rep, curves := filepath.Join(dir, "m.tsm"), filepath.Join(dir, "r.json"), filepath.Join(dir, "curves.png")
	code, out, errs := run(t, "train", "mnist-cnn", "--epochs", "2", "--train-limit", "128", "--validation-split", "0.25", "--verbose", "0",
		"--report", rep, "--out", mf, "--plot", curves, "--dashboard", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("train: exit %d: %s%s", code, out, errs)
	}
	if !strings.Contains(out, "dashboard: http://127.0.0.1:") || !strings.Contains(out, "wrote "+curves) {
		t.Errorf("train output %q", out)
	}
	decodePNG(t, curves)
	b, _ := os.ReadFile(rep)
	if !strings.Contains(string(b), `"history"`) || !strings.Contains(string(b), `"val_loss"`) {
		t.Errorf("report lacks the history: %s", b)
	}
	svg := filepath.Join(dir, "again.svg")
	if code, out, errs := run(t, "plot", rep, "--out", svg); code != 0 {
		t.Fatalf("plot: exit %d: %s%s", code, out, errs)
	}
	b, _ = os.ReadFile(svg)
	for _, w := range []string{">val_loss<", ">accuracy<"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("plot SVG lacks %q", w)
		}
	}
	// 300 test images as .npy (the whole test set is slow under purego).
	_, test, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	xs, ys := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := errors.Join(data.SaveNPY(xs, test.X[:300*784], []int{300, 28, 28, 1}), data.SaveNPY(ys, test.Y[:300], []int{300})); err != nil {
		t.Fatal(err)
	}
	cm := filepath.Join(dir, "cm.png")
	if code, out, errs := run(t, "evaluate", mf, "--data", xs, "--labels", ys, "--plot", cm); code != 0 || !strings.Contains(out, "wrote "+cm) {
		t.Fatalf("evaluate --plot: exit %d: %s%s", code, out, errs)
	}
	decodePNG(t, cm)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", rep}, "--out FILE is required"},
		{[]string{"plot", rep, "--out", "x.gif"}, "want a .png, .svg or .pdf"},
		{[]string{"plot", mf, "--out", svg}, "want a CSVLogger .csv or a report .json"},
		{[]string{"evaluate", mf, "--data", xs, "--labels", ys, "--plot", "cm.bmp"}, "--plot cm.bmp: want a .png"},
	} {
		code, _, errs := run(t, c.args...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}
}
