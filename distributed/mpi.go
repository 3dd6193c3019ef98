//go:build mpi

package distributed

/*
#cgo pkg-config: ompi
#include <mpi.h>
#include <stdlib.h>

static MPI_Comm tw_world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype tw_f32(void) { return MPI_FLOAT; }
static MPI_Datatype tw_f64(void) { return MPI_DOUBLE; }
static MPI_Op tw_sum(void) { return MPI_SUM; }
static void *tw_in_place(void) { return MPI_IN_PLACE; }
static int tw_errors_return(void) { return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }
static int tw_success(void) { return MPI_SUCCESS; }
static int tw_serialized(void) { return MPI_THREAD_SERIALIZED; }
static int tw_max_string(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

const mpiAvailable = true

// maxCount is the most elements one MPI call moves (its count is a C int);
// longer buffers go in chunks.
const maxCount = 1 << 30

// mpiComm is MPI_COMM_WORLD. MPI is initialised with
// MPI_THREAD_SERIALIZED: goroutines may move between OS threads, and the
// mutex keeps calls from overlapping.
type mpiComm struct {
	mu         sync.Mutex
	rank, size int
	done       bool
}

var (
	initOnce sync.Once
	theComm  *mpiComm
	initErr  error
)

func initMPI() (Comm, error) {
	initOnce.Do(func() {
		var provided C.int
		if rc := C.MPI_Init_thread(nil, nil, C.tw_serialized(), &provided); rc != C.tw_success() {
			initErr = mpiError("MPI_Init_thread", rc)
			return
		}
		if provided < C.tw_serialized() {
			initErr = fmt.Errorf("distributed: this MPI provides thread level %d, tensile needs MPI_THREAD_SERIALIZED", int(provided))
			return
		}
		// Errors come back to the caller (who reports them and aborts the
		// job) rather than killing the process without a word.
		C.tw_errors_return()
		var r, s C.int
		C.MPI_Comm_rank(C.tw_world(), &r)
		C.MPI_Comm_size(C.tw_world(), &s)
		theComm = &mpiComm{rank: int(r), size: int(s)}
	})
	if initErr != nil {
		return nil, initErr
	}
	return theComm, nil
}

func mpiError(what string, rc C.int) error {
	buf := make([]byte, int(C.tw_max_string()))
	var n C.int
	if C.MPI_Error_string(rc, (*C.char)(unsafe.Pointer(&buf[0])), &n) != C.tw_success() || n <= 0 {
		return fmt.Errorf("distributed: %s failed with MPI error %d", what, int(rc))
	}
	return fmt.Errorf("distributed: %s: %s", what, string(buf[:n]))
}

func (c *mpiComm) Rank() int { return c.rank }
func (c *mpiComm) Size() int { return c.size }

func (c *mpiComm) check(what string) error {
	if c.done {
		return fmt.Errorf("distributed: %s after Finalize", what)
	}
	return nil
}

func (c *mpiComm) AllReduce(buf []float32, op Op) error {
	if err := checkOp(op); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check("AllReduce"); err != nil {
		return err
	}
	for lo := 0; lo < len(buf); lo += maxCount {
		part := buf[lo:min(lo+maxCount, len(buf))]
		if rc := C.MPI_Allreduce(C.tw_in_place(), unsafe.Pointer(&part[0]), C.int(len(part)), C.tw_f32(), C.tw_sum(), C.tw_world()); rc != C.tw_success() {
			return mpiError("MPI_Allreduce", rc)
		}
	}
	if op == Mean {
		inv := 1 / float32(c.size)
		for i := range buf {
			buf[i] *= inv
		}
	}
	return nil
}

func (c *mpiComm) AllReduce64(buf []float64, op Op) error {
	if err := checkOp(op); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check("AllReduce64"); err != nil {
		return err
	}
	for lo := 0; lo < len(buf); lo += maxCount {
		part := buf[lo:min(lo+maxCount, len(buf))]
		if rc := C.MPI_Allreduce(C.tw_in_place(), unsafe.Pointer(&part[0]), C.int(len(part)), C.tw_f64(), C.tw_sum(), C.tw_world()); rc != C.tw_success() {
			return mpiError("MPI_Allreduce", rc)
		}
	}
	if op == Mean {
		for i := range buf {
			buf[i] /= float64(c.size)
		}
	}
	return nil
}

func (c *mpiComm) Broadcast(buf []float32, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check("Broadcast"); err != nil {
		return err
	}
	for lo := 0; lo < len(buf); lo += maxCount {
		part := buf[lo:min(lo+maxCount, len(buf))]
		if rc := C.MPI_Bcast(unsafe.Pointer(&part[0]), C.int(len(part)), C.tw_f32(), C.int(root), C.tw_world()); rc != C.tw_success() {
			return mpiError("MPI_Bcast", rc)
		}
	}
	return nil
}

func (c *mpiComm) Barrier() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check("Barrier"); err != nil {
		return err
	}
	if rc := C.MPI_Barrier(C.tw_world()); rc != C.tw_success() {
		return mpiError("MPI_Barrier", rc)
	}
	return nil
}

func (c *mpiComm) Abort(code int) error {
	// No lock: a rank may abort while another goroutine waits in a
	// collective.
	if rc := C.MPI_Abort(C.tw_world(), C.int(code)); rc != C.tw_success() {
		return mpiError("MPI_Abort", rc)
	}
	return nil
}

func (c *mpiComm) Finalize() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	c.done = true
	if rc := C.MPI_Finalize(); rc != C.tw_success() {
		return mpiError("MPI_Finalize", rc)
	}
	return nil
}
