package backend_test

import (
	"errors"
	"fmt"

	"github.com/tensile-ml/tensile/backend"
)

// toy is a backend that has grown two ops so far.
type toy struct{ backend.NotImplemented }

func (toy) Alloc(n int) backend.Buffer                { return backend.Host(make([]float32, n)) }
func (toy) CopyOut(dst []float32, src backend.Buffer) { copy(dst, src.Host) }

// A new backend embeds NotImplemented and overrides ops one at a time; the
// rest panic with an error naming the op.
func ExampleNotImplemented() {
	var b backend.Backend = toy{backend.NotImplemented{BackendName: "toy"}}
	buf := b.Alloc(3)
	out := make([]float32, 3)
	b.CopyOut(out, buf)
	fmt.Println(out)
	defer func() {
		var ni *backend.ErrNotImplemented
		if err, ok := recover().(error); ok && errors.As(err, &ni) {
			fmt.Println(err)
		}
	}()
	b.Unary(backend.Exp, buf, buf, 0, 0)
	// Output:
	// [0 0 0]
	// backend toy: Unary is not implemented
}
