package tensor

import (
	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/backend/cpu"
)

// engine is the backend every op runs on.
var engine backend.Backend = cpu.Default()

// Backend returns the backend tensor ops run on (the CPU backend unless
// SetBackend chose another).
func Backend() backend.Backend { return engine }

// SetBackend makes ops run on b. Call it once, before any tensor is made:
// tensors keep buffers of the backend they were made on. It is not safe to
// call while ops run.
func SetBackend(b backend.Backend) { engine = b }

// UseBackend makes ops run on the backend registered under name (see
// backend.Register), like SetBackend.
func UseBackend(name string) error {
	b, err := backend.Open(name)
	if err != nil {
		return err
	}
	SetBackend(b)
	return nil
}

// storage returns the handle of t's elements [offset, offset+Size()): for a
// contiguous tensor, exactly its elements in row-major order.
func (t *Tensor) storage() backend.Buffer {
	return t.buf.Slice(t.offset, t.offset+t.Size())
}

// willRecord reports whether an op on inputs would record a graph node (see
// record).
func willRecord(inputs ...*Tensor) bool {
	if noGrad.Load() != 0 {
		return false
	}
	need := false
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.inference {
			return false
		}
		need = need || in.requiresGrad
	}
	return need
}

// scratch returns a buffer of n elements with undefined contents from arena
// a (nil: the Go heap), for an op's temporaries.
func scratch(a *Arena, n int) backend.Buffer { return a.raw(n) }

// Buffer returns the backend storage handle of t's elements in row-major
// order, for code that runs backend ops on a tensor's data (optimizers
// updating a parameter in place). t must be contiguous; writes through the
// handle are visible to t and its views.
func (t *Tensor) Buffer() backend.Buffer {
	if !t.IsContiguous() {
		argErr("Buffer", "tensor %v is not contiguous", t.shape)
	}
	return t.storage()
}
