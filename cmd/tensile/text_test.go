package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinySentiment writes a small labelled file whose classes a classifier can
// separate by vocabulary.
func tinySentiment(t *testing.T, dir string) string {
	t.Helper()
	good := []string{"great", "wonderful", "moving", "brilliant", "superb", "delightful"}
	bad := []string{"awful", "boring", "dull", "terrible", "tedious", "lame"}
	var b strings.Builder
	for i := range 120 {
		w, label := good, "pos"
		if i%2 == 1 {
			w, label = bad, "neg"
		}
		fmt.Fprintf(&b, "%s\tthe film was %s and %s , really %s\n", label, w[i%6], w[(i/2)%6], w[(i/3)%6])
	}
	p := filepath.Join(dir, "tiny.tsv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTrainTextPredictRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tsv := tinySentiment(t, dir)
	for _, arch := range []string{"cnn", "lstm"} {
		t.Run(arch, func(t *testing.T) {
			mf := filepath.Join(dir, arch+".safetensors")
			rep := filepath.Join(dir, arch+".json")
			code, out, errs := run(t, "train-text", "--data", tsv, "--arch", arch, "--epochs", "8", "--batch-size", "16",
				"--embed-dim", "16", "--units", "16", "--max-len", "12", "--validation-split", "0.2", "--verbose", "0", "--out", mf, "--report", rep)
			if code != 0 {
				t.Fatalf("train-text: exit %d: %s%s", code, out, errs)
			}
			b, err := os.ReadFile(rep)
			if err != nil {
				t.Fatal(err)
			}
			var r map[string]any
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("report: %v\n%s", err, b)
			}
			if r["train_samples"].(float64) != 96 || r["val_samples"].(float64) != 24 || r["arch"] != arch {
				t.Errorf("report: %s", b)
			}
			lines := filepath.Join(dir, "lines.txt")
			if err := os.WriteFile(lines, []byte("a dull , tedious film\n\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs = run(t, "predict", mf, "a wonderful and brilliant film", "--text-file", lines)
			if code != 0 {
				t.Fatalf("predict: exit %d: %s%s", code, out, errs)
			}
			got := strings.Split(strings.TrimSpace(out), "\n")
			if len(got) != 2 || !strings.Contains(got[0], `"a wonderful and brilliant film": pos`) ||
				!strings.Contains(got[1], `"a dull , tedious film": neg`) || !strings.Contains(got[0], "neg:") {
				t.Errorf("predict output:\n%s", out)
			}
			code, out, errs = run(t, "predict", mf, "superb", "--json")
			var js []map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &js) != nil || len(js) != 1 || js[0]["class"] != "pos" {
				t.Errorf("predict --json: exit %d: %s%s", code, out, errs)
			}
		})
	}
}

func TestTrainTextErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := write("bad.tsv", "pos\tgood\nno tab here\n")
	empty := write("empty.tsv", "\n\n")
	one := write("one.tsv", "pos\tgood\npos\tfine\n")
	tsv := tinySentiment(t, dir)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train-text", "--data", filepath.Join(dir, "missing.tsv")}, "missing.tsv"},
		{[]string{"train-text", "--data", malformed}, "bad.tsv:2"},
		{[]string{"train-text", "--data", empty}, "no texts"},
		{[]string{"train-text", "--data", one}, "at least 2"},
		{[]string{"train-text"}, "exactly one of --data"},
		{[]string{"train-text", "--class-files", "neg"}, "not CLASS=PATH"},
		{[]string{"train-text", "--data", tsv, "--arch", "transformer"}, "unknown architecture"},
		{[]string{"train-text", "--data", tsv, "--encoding", "ebcdic"}, "unknown encoding"},
		{[]string{"predict", filepath.Join(dir, "nope.safetensors"), "text"}, "nope.safetensors"},
	}
	for _, c := range cases {
		code, out, errs := run(t, c.args...)
		if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stderr %q (want one line with %q), stdout %q", c.args, code, errs, c.want, out)
		}
	}
}
