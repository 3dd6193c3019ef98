package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/charlm"
)

func TestCharLMTrainSample(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "corpus.txt")
	corpus := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 60)
	if err := os.WriteFile(txt, []byte(corpus), 0o644); err != nil {
		t.Fatal(err)
	}
	mf := filepath.Join(dir, "lm.safetensors")
	for _, arch := range []string{"lstm", "transformer"} {
		code, out, errs := run(t, "charlm", "train", "--text", txt, "--out", mf, "--arch", arch, "--seq-len", "16",
			"--units", "32", "--embed-dim", "16", "--heads", "2", "--layers", "1", "--epochs", "2", "--step", "4", "--lr", "0.01", "--quiet")
		if code != 0 {
			t.Fatalf("%s: train exit %d: %s%s", arch, code, out, errs)
		}
		if !strings.Contains(out, "bits/char") {
			t.Errorf("%s: train output lacks the bits/char report: %q", arch, out)
		}
		args := []string{"charlm", "sample", mf, "--prompt", "the ", "--length", "50", "--seed", "2"}
		code, a, errs := run(t, args...)
		if code != 0 {
			t.Fatalf("%s: sample exit %d: %s%s", arch, code, a, errs)
		}
		_, b, _ := run(t, args...)
		if a != b || !strings.HasPrefix(a, "the ") || len([]rune(strings.TrimSuffix(a, "\n"))) != 54 {
			t.Errorf("%s: samples %q and %q: want the same 4+50 characters", arch, a, b)
		}
	}
}

func TestCharLMErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"charlm"}, "missing subcommand"},
		{[]string{"charlm", "fit"}, "unknown subcommand"},
		{[]string{"charlm", "train", "--out", "x"}, "--text and --out"},
		{[]string{"charlm", "train", "--text", filepath.Join(dir, "none.txt"), "--out", "x"}, "no such file"},
		{[]string{"charlm", "sample", filepath.Join(dir, "none.safetensors")}, "no such file"},
		{[]string{"charlm", "sample"}, "usage"},
	} {
		code, out, errs := run(t, c.args...)
		if code == 0 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q (stdout %q), want one line containing %q", c.args, code, errs, out, c.want)
		}
	}
}

func TestCharLMDefaultEpochs(t *testing.T) {
	for _, c := range []struct {
		chars, lo, hi int
	}{
		{118_000, 25, 32}, // the corpus: 58 steps an epoch at 1 epoch
		{10_000_000, 1, 1},
		{2_000, 50, 50},
	} {
		e := charLMEpochs(c.chars, charlm.Config{})
		if e < c.lo || e > c.hi {
			t.Errorf("%d characters: %d epochs, want %d..%d", c.chars, e, c.lo, c.hi)
		}
		if steps := e * charLMStepsPerEpoch(c.chars, charlm.Config{}); c.hi < 50 && steps < minCharLMSteps {
			t.Errorf("%d characters: %d steps, want at least %d", c.chars, steps, minCharLMSteps)
		}
	}
}
