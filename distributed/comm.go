package distributed

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Op is a reduction operation of AllReduce.
type Op int

const (
	// Sum adds the ranks' values elementwise.
	Sum Op = iota
	// Mean adds the ranks' values and divides by the number of ranks.
	Mean
)

// Comm is a communicator over all the processes of a job (MPI's
// COMM_WORLD). Its methods are collective: every rank calls them in the
// same order with buffers of the same length. A Comm is not safe for
// concurrent use by several goroutines.
type Comm interface {
	// Rank returns this process's rank in [0, Size()).
	Rank() int
	// Size returns the number of processes.
	Size() int
	// AllReduce replaces buf on every rank by the elementwise reduction of
	// the ranks' bufs.
	AllReduce(buf []float32, op Op) error
	// AllReduce64 is AllReduce for float64 values (metrics, counts).
	AllReduce64(buf []float64, op Op) error
	// Broadcast copies root's buf into every rank's buf.
	Broadcast(buf []float32, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
	// Abort ends every process of the job with the exit code (it does not
	// return on success). A rank that fails calls it so that the others do
	// not wait for it in a collective.
	Abort(code int) error
	// Finalize shuts the communicator down; no call may follow.
	Finalize() error
}

// ErrNoMPI is returned by Init when the process was started by an MPI
// launcher with several ranks but this build has no MPI support.
var ErrNoMPI = errors.New("distributed: this tensile was built without MPI; rebuild with: go build -tags mpi ./cmd/tensile (needs cgo and libopenmpi-dev)")

// Available reports whether this build talks MPI (the build tag mpi).
func Available() bool { return mpiAvailable }

// Init starts the communicator: MPI_Init in a build with the tag mpi,
// otherwise a single process. Without MPI, Init fails with ErrNoMPI when
// the environment says an MPI launcher started several ranks (each would
// otherwise train alone and silently repeat the others' work).
func Init() (Comm, error) {
	if mpiAvailable {
		return initMPI()
	}
	if n := launcherSize(); n > 1 {
		return nil, fmt.Errorf("%w (mpirun started %d processes)", ErrNoMPI, n)
	}
	return Local{}, nil
}

// launcherSize returns the number of ranks an MPI launcher announced in
// the environment (Open MPI, MPICH/Hydra, Slurm's PMI), or 0.
func launcherSize() int {
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"} {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
			return v
		}
	}
	return 0
}

// Local is the communicator of a single process: rank 0 of 1, every
// collective is the identity. It is what Init returns without MPI.
type Local struct{}

// Rank returns 0.
func (Local) Rank() int { return 0 }

// Size returns 1.
func (Local) Size() int { return 1 }

// AllReduce leaves buf as it is (the sum and mean over one rank).
func (Local) AllReduce(buf []float32, op Op) error { return checkOp(op) }

// AllReduce64 leaves buf as it is.
func (Local) AllReduce64(buf []float64, op Op) error { return checkOp(op) }

// Broadcast leaves buf as it is; root must be 0.
func (Local) Broadcast(buf []float32, root int) error { return checkRoot(root, 1) }

// Barrier returns at once.
func (Local) Barrier() error { return nil }

// Abort exits the process with code.
func (Local) Abort(code int) error { os.Exit(code); return nil }

// Finalize does nothing.
func (Local) Finalize() error { return nil }

func checkOp(op Op) error {
	if op != Sum && op != Mean {
		return fmt.Errorf("distributed: unknown reduction %d", op)
	}
	return nil
}

func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("distributed: broadcast root %d is not a rank in [0, %d)", root, size)
	}
	return nil
}
