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
	code, _, stderr = run(t, "train", "mnist-cnn", "--distributed", "--epochs", "1", "--train-limit", "64", "--verbose", "0", "--report", rep)
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
	if r.WorldSize != 1 || r.AllReduceSeconds == nil {
		t.Errorf("world_size %d, allreduce_seconds %v; want 1 and a time", r.WorldSize, r.AllReduceSeconds)
	}
}
