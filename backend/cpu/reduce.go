package cpu

import (
	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
)

// Reduce reduces the middle axis of [pre, n, post]: whole rows with the
// row kernels when post is 1, else by folding rows elementwise in order.
func (*CPU) Reduce(op backend.ReduceOp, dst, x backend.Buffer, pre, n, post int) {
	out, src := dst.Host, x.Host
	var red func([]float32) float32
	var vv func(dst, a, b []float32)
	switch op {
	case backend.Sum:
		if post == 1 {
			for p := 0; p < pre; p++ {
				out[p] = kernels.Sum(src[p*n : p*n+n])
			}
			return
		}
		clear(out[:pre*post])
		for p := 0; p < pre; p++ {
			d := out[p*post : p*post+post]
			for i := 0; i < n; i++ {
				kernels.Axpy(d, 1, src[(p*n+i)*post:(p*n+i+1)*post])
			}
		}
		return
	case backend.ReduceMax:
		red, vv = kernels.Max, kernels.MaxVV
	case backend.ReduceMin:
		red, vv = kernels.Min, kernels.MinVV
	default:
		panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "Reduce " + op.String()})
	}
	if post == 1 {
		for p := 0; p < pre; p++ {
			out[p] = red(src[p*n : p*n+n])
		}
		return
	}
	for p := 0; p < pre; p++ {
		d := out[p*post : p*post+post]
		copy(d, src[p*n*post:])
		for i := 1; i < n; i++ {
			vv(d, d, src[(p*n+i)*post:(p*n+i+1)*post])
		}
	}
}

// Arg finds the index of the largest (max) or smallest element along the
// middle axis of [pre, n, post].
func (*CPU) Arg(idx []int, x backend.Buffer, pre, n, post int, max bool) {
	arg := kernels.ArgMin
	if max {
		arg = kernels.ArgMax
	}
	src := x.Host
	for p := 0; p < pre; p++ {
		for q := 0; q < post; q++ {
			idx[p*post+q] = arg(src[p*n*post+q:], n, post)
		}
	}
}
