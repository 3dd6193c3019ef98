package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/distributed"
)

// TestDistributedWithoutMPI: a tensile built without the tag mpi trains
// with --distributed as one process (world_size 1), and refuses when an
// MPI launcher says it started several ranks.
func TestDistributedWithoutMPI(t *testing.T) {
	if distributed.Available() {
		t.Skip("built with MPI")
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	code, _, stderr := run(t, "train", "mnist-cnn", "--distributed", "--epochs", "1")
	if code != 1 || !strings.Contains(stderr, "--distributed: distributed: this tensile was built without MPI") || !strings.Contains(stderr, "2 processes") {
		t.Errorf("under a 2-rank launcher: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "")
	rep := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr = run(t, "train", "mnist-cnn", "--distributed", "--epochs", "1", "--train-limit", "64", "--verbose", "0", "--report", rep, "--bucket-mb", "0.05")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.WorldSize != 1 || r.AllReduceSeconds == nil || r.AllReduceOverlapSeconds == nil || r.BackwardSeconds == nil || r.AllReduceWaitSeconds == nil {
		t.Errorf("world_size %d, allreduce_seconds %v, overlap %v, backward %v, wait %v; want 1 and times", r.WorldSize, r.AllReduceSeconds, r.AllReduceOverlapSeconds, r.BackwardSeconds, r.AllReduceWaitSeconds)
	}
	// Buckets of 52 KB: the dense layers (150 KB), conv2d_2 (148 KB),
	// conv2d_1 (74 KB), conv2d (1.3 KB).
	if r.AllReduceBuckets != 4 {
		t.Errorf("%d buckets of 0.05 MB, want 4", r.AllReduceBuckets)
	}
}

// TestDistributedFlagErrors: the all-reduce tuning flags need
// --distributed and a sane size.
func TestDistributedFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bucket-mb", "1"}, "--bucket-mb applies to --distributed training only"},
		{[]string{"--overlap=false"}, "--overlap applies to --distributed training only"},
		{[]string{"--distributed", "--bucket-mb", "-1"}, "--bucket-mb -1: want a size in MB"},
		{[]string{"--distributed", "--bucket-mb", "NaN"}, "--bucket-mb NaN: want a size in MB"},
	} {
		code, _, stderr := run(t, append([]string{"train", "mnist-cnn", "--epochs", "1", "--train-limit", "64"}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
