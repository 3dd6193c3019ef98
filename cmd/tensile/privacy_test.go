package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestPrivacyCLI(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"privacy", "epsilon", "--sampling-rate", "0.0042666667", "--noise-multiplier", "1.12", "--steps", "14063", "--delta", "1e-5"}, "epsilon=2.92", 0},
		// TF-Privacy's tutorial table, its way of counting: 30·⌊60000/256⌋ steps.
		{[]string{"privacy", "epsilon", "--sampling-rate", "0.0042666667", "--noise-multiplier", "0.6", "--steps", "7020"}, "epsilon=9.746", 0},
		{[]string{"privacy", "noise", "--sampling-rate", "0.0042666667", "--steps", "14063", "--delta", "1e-5", "--target-epsilon", "2.92"}, "noise_multiplier=1.1", 0},
		{[]string{"privacy", "epsilon", "--sampling-rate", "2", "--noise-multiplier", "1", "--steps", "10"}, "sampling rate", 1},
		{[]string{"privacy", "epsilon", "--noise-multiplier", "1", "--steps", "10"}, "--sampling-rate is required", 1},
		{[]string{"privacy", "bogus"}, "subcommand", 1},
	} {
		var out, errb strings.Builder
		code := runMain(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("%v: code %d, out %q err %q; want code %d containing %q", c.args, code, out.String(), errb.String(), c.code, c.want)
		}
	}
}

func TestTrainDPCLI(t *testing.T) {
	rep := t.TempDir() + "/r.json"
	var out, errb strings.Builder
	code := runMain([]string{"train", "mnist-cnn", "--dp", "--target-epsilon", "3", "--l2-clip", "1", "--batch-size", "64", "--epochs", "1", "--train-limit", "512", "--optimizer", "sgd", "--lr", "0.1", "--verbose", "2", "--report", rep}, &out, &errb)
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "epsilon=") {
		t.Errorf("no epsilon printed:\n%s", out.String())
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"epsilon", "delta", "noise_multiplier", "l2_clip", "sampling_rate", "steps"} {
		if _, ok := r[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	if e, _ := r["epsilon"].(float64); e > 3 || e < 2.5 {
		t.Errorf("epsilon %v, want just under the target 3", e)
	}
	if s, _ := r["steps"].(float64); s != 8 {
		t.Errorf("steps %v, want 8 (512/64)", s)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "mnist-cnn", "--dp", "--epochs", "1", "--train-limit", "64"}, "exactly one of"},
		{[]string{"train", "mnist-cnn", "--dp", "--noise-multiplier", "1", "--delta", "0", "--epochs", "1", "--train-limit", "64"}, "--delta 0"},
		{[]string{"train", "mnist-cnn", "--noise-multiplier", "1", "--epochs", "1", "--train-limit", "64"}, "need --dp"},
		{[]string{"train", "mnist-cnn", "--dp", "--noise-multiplier", "1", "--l2-clip", "-1", "--epochs", "1", "--train-limit", "64"}, "l2 clip"},
	} {
		out.Reset()
		errb.Reset()
		if code := runMain(c.args, &out, &errb); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: code %d, stderr %q, want %q", c.args, code, errb.String(), c.want)
		}
	}
}

// TestTrainDPSpec trains the committed DP MNIST spec (the tanh CNN of
// docs/privacy.md) for one short epoch with the flags the docs give.
func TestTrainDPSpec(t *testing.T) {
	var out, errb strings.Builder
	code := runMain([]string{"train", "../../examples/dp-mnist/tanh-cnn.json", "--data", "mnist", "--train-limit", "512",
		"--dp", "--target-epsilon", "3", "--l2-clip", "0.1", "--batch-size", "64", "--epochs", "1", "--verbose", "2"}, &out, &errb)
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "epoch 1/1") || !strings.Contains(out.String(), "epsilon=") {
		t.Errorf("no epoch line with epsilon:\n%s", out.String())
	}
}
