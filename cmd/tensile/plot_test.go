package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	code, out, errs := run(t, "train", "mnist-cnn", "--epochs", "2", "--train-limit", "256", "--validation-split", "0.25", "--verbose", "0",
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
	cm := filepath.Join(dir, "cm.png")
	if code, out, errs := run(t, "evaluate", mf, "--data", "mnist:test", "--plot", cm); code != 0 || !strings.Contains(out, "wrote "+cm) {
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
		{[]string{"evaluate", mf, "--data", "mnist:test", "--plot", "cm.bmp"}, "--plot cm.bmp: want a .png"},
	} {
		code, _, errs := run(t, c.args...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}
}
