//go:build mpi

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/internal/wdiff"
)

// These tests run tensile under Open MPI's mpirun with 2 ranks on this
// machine (loopback). They need the build tag mpi, cgo, libopenmpi-dev and
// openmpi-bin (.ci/run installs them).

// mpiBinary builds tensile with MPI support once per test binary.
var mpiBin string

func mpiBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Fatal("mpirun not found: install openmpi-bin")
	}
	if mpiBin == "" {
		dir, err := os.MkdirTemp("", "tensile-mpi")
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "tensile")
		if out, err := exec.Command("go", "build", "-tags", "mpi", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build -tags mpi: %v\n%s", err, out)
		}
		mpiBin = bin
	}
	return mpiBin
}

func mpirunArgs(n int, args ...string) []string {
	return append([]string{"--allow-run-as-root", "--oversubscribe", "-np", strconv.Itoa(n)}, args...)
}

// run runs a command in dir and returns its output, failing on an error.
func runIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMPITrainMatchesOneProcess trains mnist-cnn alone and on 2 ranks
// (each reading 16 of every global batch of 32) from the same seed.
//
// For the first 6 steps (192 samples) the weights agree within 1e-5 of
// each weight's largest magnitude: the runs differ only in float summation
// order. Over the 128 Adam steps of 4096 samples such differences grow
// (a max-pooling tie broken the other way routes a gradient elsewhere; a
// single process whose batches only have their samples reversed drifts
// too: see docs/distributed.md), so there the test compares the training
// loss, which stays within 1%. Overlapping the all-reduce with the
// backward pass changes nothing: the 2-rank run with the reduction after
// the backward pass ends with the same weights bit for bit.
func TestMPITrainMatchesOneProcess(t *testing.T) {
	bin := mpiBinary(t)
	for _, tc := range []struct {
		limit   int
		weights float64 // largest relative weight difference, or 0: not checked
	}{
		{192, 1e-5},
		{4096, 0},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			dir := t.TempDir()
			common := []string{"train", "mnist-cnn", "--train-limit", strconv.Itoa(tc.limit), "--epochs", "1", "--threads", "1", "--verbose", "2"}
			runIn(t, dir, bin, append(common, "--out", "a.safetensors", "--report", "a.json")...)
			out := runIn(t, dir, "mpirun", mpirunArgs(2, append([]string{bin}, append(common, "--distributed", "--out", "b.safetensors", "--report", "b.json")...)...)...)
			if n := strings.Count(out, "saved b.safetensors"); n != 1 {
				t.Errorf("%d ranks saved the model, want rank 0 only:\n%s", n, out)
			}
			a, b := readReport(t, filepath.Join(dir, "a.json")), readReport(t, filepath.Join(dir, "b.json"))
			if a.WorldSize != 1 || b.WorldSize != 2 || b.AllReduceSeconds == nil {
				t.Errorf("world_size %d and %d, allreduce_seconds %v; want 1 and 2 and a time", a.WorldSize, b.WorldSize, b.AllReduceSeconds)
			}
			if a.TrainLoss == nil || b.TrainLoss == nil || math.Abs(*a.TrainLoss-*b.TrainLoss) > 0.01**a.TrainLoss {
				t.Errorf("train loss %v alone, %v on 2 ranks", a.TrainLoss, b.TrainLoss)
			}
			diffs, err := wdiff.Files(filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			worst := wdiff.Worst(diffs)
			t.Logf("%d samples: train loss %v alone, %v on 2 ranks; largest relative weight difference %.3g (%s)", tc.limit, *a.TrainLoss, *b.TrainLoss, worst.Rel, worst.Name)
			if tc.weights > 0 && !(worst.Rel <= tc.weights) {
				t.Errorf("largest relative weight difference %.3g (%s), want <= %g", worst.Rel, worst.Name, tc.weights)
			}
			// Reducing after the backward pass in one bucket gives the same
			// weights bit for bit as the default (overlapped, 3 buckets),
			// even where the runs above have drifted apart.
			runIn(t, dir, "mpirun", mpirunArgs(2, append([]string{bin}, append(common, "--distributed", "--overlap=false", "--bucket-mb", "25", "--out", "c.safetensors", "--report", "c.json")...)...)...)
			c := readReport(t, filepath.Join(dir, "c.json"))
			if b.AllReduceBuckets != 3 || c.AllReduceBuckets != 1 || *c.AllReduceOverlapSeconds != 0 || *b.AllReduceOverlapSeconds > *b.AllReduceSeconds {
				t.Errorf("buckets %d and %d (want 3 and 1), overlap %v of %v s and %v of %v s", b.AllReduceBuckets, c.AllReduceBuckets,
					*b.AllReduceOverlapSeconds, *b.AllReduceSeconds, *c.AllReduceOverlapSeconds, *c.AllReduceSeconds)
			}
			diffs, err = wdiff.Files(filepath.Join(dir, "b.safetensors"), filepath.Join(dir, "c.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if worst := wdiff.Worst(diffs); worst.Rel != 0 {
				t.Errorf("overlapped and after-backward reduction: weights differ by %.3g (%s)", worst.Rel, worst.Name)
			}
		})
	}
}

var epochLoss = regexp.MustCompile(`Epoch (\d+)/\d+ .* loss: ([0-9.]+)`)

func losses(out string) map[string]string {
	m := map[string]string{}
	for _, g := range epochLoss.FindAllStringSubmatch(out, -1) {
		m[g[1]] = g[2]
	}
	return m
}

// TestMPIResume trains 2 epochs on 2 ranks in one go, and 1 epoch then 1
// more resumed from the saved model: the epoch losses and the final
// weights are the same.
func TestMPIResume(t *testing.T) {
	bin := mpiBinary(t)
	dir := t.TempDir()
	common := []string{"--train-limit", "1024", "--threads", "1", "--verbose", "2", "--distributed"}
	mpi := func(args ...string) string {
		return runIn(t, dir, "mpirun", mpirunArgs(2, append(append([]string{bin, "train"}, args...), common...)...)...)
	}
	whole := losses(mpi("mnist-cnn", "--epochs", "2", "--out", "whole.safetensors"))
	first := losses(mpi("mnist-cnn", "--epochs", "1", "--out", "first.safetensors"))
	second := losses(mpi("first.safetensors", "--data", "mnist", "--epochs", "1", "--out", "second.safetensors"))
	if whole["1"] == "" || whole["1"] != first["1"] || whole["2"] != second["2"] {
		t.Errorf("epoch losses %v in one run, %v then %v resumed", whole, first, second)
	}
	diffs, err := wdiff.Files(filepath.Join(dir, "whole.safetensors"), filepath.Join(dir, "second.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if w := wdiff.Worst(diffs); w.Rel != 0 {
		t.Errorf("resumed weights differ from the uninterrupted run's by %.3g (%s)", w.Rel, w.Name)
	}
}

// children returns the process ids of pid's children.
func children(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var ids []int
	for _, f := range strings.Fields(string(b)) {
		if id, err := strconv.Atoi(f); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestMPIRankDeathEndsJob kills one of 2 training ranks: mpirun must end
// the other and exit with an error naming the dead rank within 10 s,
// never hang in the surviving rank's all-reduce.
func TestMPIRankDeathEndsJob(t *testing.T) {
	bin := mpiBinary(t)
	dir := t.TempDir()
	cmd := exec.Command("mpirun", mpirunArgs(2, bin, "train", "mnist-cnn", "--train-limit", "4096", "--epochs", "100", "--threads", "1", "--verbose", "2", "--distributed")...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until both ranks run and rank 0 has finished an epoch (so both
	// are in the training loop), then kill rank 1.
	var ranks []int
	for !strings.Contains(out.String(), "Epoch 1/") || len(ranks) < 2 {
		select {
		case err := <-done:
			t.Fatalf("mpirun ended before the kill: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		ranks = children(cmd.Process.Pid)
	}
	victim := ranks[len(ranks)-1]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("mpirun exited 0 after a rank was killed:\n%s", out.String())
		}
		if !strings.Contains(out.String(), "signal 9") {
			t.Errorf("mpirun's message does not name the killed rank's signal:\n%s", out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the job still ran 10 s after rank pid %d was killed:\n%s", victim, out.String())
	}
}
