// Package cpu is the CPU backend: the execution engine under package tensor.
//
// Buffers are Go slices (Buffer.Host). Ops run the loops of
// internal/kernels (AVX-512, AVX2+FMA, NEON or pure Go, chosen once at
// start-up) and split large work across the persistent worker pool of
// internal/parallel. Convolutions are planned here (im2col patch matrices
// of bounded size fed to GEMM, or direct kernels for small first layers),
// with scratch buffers recycled in pools so steady-state training does not
// allocate. Results never depend on the number of threads.
//
// The backend registers itself as "cpu"; Default returns the shared
// instance.
package cpu

import (
	"sync"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// CPU is the CPU backend. It has no state of its own beyond shared scratch
// pools; all methods are safe for concurrent use.
type CPU struct{}

var def = &CPU{}

// Default returns the CPU backend.
func Default() *CPU { return def }

func init() {
	backend.Register("cpu", func() (backend.Backend, error) { return def, nil })
}

var _ backend.Backend = (*CPU)(nil)

// Name returns "cpu".
func (*CPU) Name() string { return "cpu" }

// Alloc returns a zeroed host buffer of n elements.
func (*CPU) Alloc(n int) backend.Buffer { return backend.Buffer{Host: make([]float32, n)} }

// Free drops the buffer (the garbage collector reclaims it).
func (*CPU) Free(backend.Buffer) {}

// CopyIn copies src into dst.
func (*CPU) CopyIn(dst backend.Buffer, src []float32) { copy(dst.Host, src) }

// CopyOut copies src into dst.
func (*CPU) CopyOut(dst []float32, src backend.Buffer) { copy(dst, src.Host) }

// Fill sets every element of dst to v.
func (*CPU) Fill(dst backend.Buffer, v float32) {
	d := dst.Host
	if v == 0 {
		clear(d)
		return
	}
	for i := range d {
		d[i] = v
	}
}

// unaryGrain is the element count below which an element-wise op runs on
// the calling goroutine only; actGrain is the worker grain of activations.
const (
	unaryGrain = 1 << 15
	actGrain   = 1 << 14
)

func unaryKernel(op backend.UnaryOp, d, s []float32, a, b float32) {
	switch op {
	case backend.Exp:
		kernels.Exp(d, s)
	case backend.Log:
		kernels.Log(d, s)
	case backend.Sqrt:
		kernels.Sqrt(d, s)
	case backend.Rsqrt:
		kernels.Rsqrt(d, s)
	case backend.Square:
		kernels.Square(d, s)
	case backend.Abs:
		kernels.Abs(d, s)
	case backend.Reciprocal:
		kernels.Reciprocal(d, s)
	case backend.Sign:
		kernels.Sign(d, s)
	case backend.Pow:
		kernels.PowVS(d, s, a)
	case backend.Clip:
		kernels.Clip(d, s, a, b)
	case backend.ClipMask:
		kernels.ClipMask(d, s, a, b)
	case backend.AddScalar:
		kernels.AddVS(d, s, a)
	case backend.MulScalar:
		kernels.MulVS(d, s, a)
	case backend.ReLU:
		kernels.ReLU(d, s)
	case backend.LeakyReLU:
		kernels.LeakyReLU(d, s, a)
	case backend.Sigmoid:
		kernels.Sigmoid(d, s)
	case backend.Tanh:
		kernels.Tanh(d, s)
	case backend.ELU:
		kernels.ELU(d, s, a)
	case backend.GELU:
		kernels.GELU(d, s)
	case backend.GELUTanh:
		kernels.GELUTanh(d, s)
	case backend.Softplus:
		kernels.Softplus(d, s)
	case backend.Swish:
		kernels.Swish(d, s)
	default:
		panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "Unary " + op.String()})
	}
}

func unaryBackwardKernel(op backend.UnaryOp, dx, dy, x, y []float32, a float32) {
	switch op {
	case backend.ReLU:
		kernels.ReLUBackward(dx, dy, y)
	case backend.LeakyReLU:
		kernels.LeakyReLUBackward(dx, dy, x, a)
	case backend.Sigmoid:
		kernels.SigmoidBackward(dx, dy, y)
	case backend.Tanh:
		kernels.TanhBackward(dx, dy, y)
	case backend.ELU:
		kernels.ELUBackward(dx, dy, x, a)
	case backend.GELU:
		kernels.GELUBackward(dx, dy, x)
	case backend.GELUTanh:
		kernels.GELUTanhBackward(dx, dy, x)
	case backend.Softplus:
		kernels.SoftplusBackward(dx, dy, x)
	case backend.Swish:
		kernels.SwishBackward(dx, dy, x)
	default:
		panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "UnaryBackward " + op.String()})
	}
}

// Unary computes dst = op(x), split across the worker pool when large.
func (*CPU) Unary(op backend.UnaryOp, dst, x backend.Buffer, a, b float32) {
	d, s := dst.Host, x.Host[:len(dst.Host)]
	// activations split above actGrain elements, other ops from
	// 2·unaryGrain (where parallel.For would split them anyway)
	grain, inline := unaryGrain, len(d) < 2*unaryGrain
	if op.HasBackward() {
		grain, inline = actGrain, len(d) <= actGrain
	}
	if inline {
		unaryKernel(op, d, s, a, b)
		return
	}
	parallel.For(len(d), grain, func(lo, hi int) { unaryKernel(op, d[lo:hi], s[lo:hi], a, b) })
}

// UnaryBackward computes dx = dy · op'(x) for an activation op.
func (*CPU) UnaryBackward(op backend.UnaryOp, dx, dy, x, y backend.Buffer, a float32) {
	d, g, xs, ys := dx.Host, dy.Host, x.Host, y.Host
	if len(d) <= actGrain {
		unaryBackwardKernel(op, d, g, xs, ys, a)
		return
	}
	parallel.For(len(d), actGrain, func(lo, hi int) {
		var xl, yl []float32
		if xs != nil {
			xl = xs[lo:hi]
		}
		if ys != nil {
			yl = ys[lo:hi]
		}
		unaryBackwardKernel(op, d[lo:hi], g[lo:hi], xl, yl, a)
	})
}

// Binary computes dst = op(a, b).
func (*CPU) Binary(op backend.BinaryOp, dst, a, b backend.Buffer) {
	d, x, y := dst.Host, a.Host, b.Host
	switch op {
	case backend.Add:
		kernels.AddVV(d, x, y)
	case backend.Sub:
		kernels.SubVV(d, x, y)
	case backend.Mul:
		kernels.MulVV(d, x, y)
	case backend.Div:
		kernels.DivVV(d, x, y)
	case backend.Max:
		kernels.MaxVV(d, x, y)
	case backend.Min:
		kernels.MinVV(d, x, y)
	case backend.PowB:
		kernels.PowVV(d, x, y)
	case backend.Step:
		kernels.StepVV(d, x, y)
	case backend.Equal:
		kernels.EqVV(d, x, y)
	case backend.NotEqual:
		kernels.NeVV(d, x, y)
	case backend.Greater:
		kernels.GtVV(d, x, y)
	case backend.GreaterEq:
		kernels.GeVV(d, x, y)
	case backend.Less:
		kernels.LtVV(d, x, y)
	case backend.LessEq:
		kernels.LeVV(d, x, y)
	default:
		panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "Binary " + op.String()})
	}
}

// BinaryScalar computes dst = op(a, s), or op(s, a) when scalarFirst.
func (*CPU) BinaryScalar(op backend.BinaryOp, dst, a backend.Buffer, s float32, scalarFirst bool) {
	d, x := dst.Host, a.Host
	switch op {
	case backend.Add:
		kernels.AddVS(d, x, s)
	case backend.Mul:
		kernels.MulVS(d, x, s)
	case backend.Max:
		kernels.MaxVS(d, x, s)
	case backend.Min:
		kernels.MinVS(d, x, s)
	case backend.Equal:
		kernels.EqVS(d, x, s)
	case backend.NotEqual:
		kernels.NeVS(d, x, s)
	default:
		if scalarFirst {
			switch op {
			case backend.Sub:
				kernels.SubSV(d, s, x)
			case backend.Div:
				kernels.DivSV(d, s, x)
			case backend.PowB:
				kernels.PowSV(d, s, x)
			case backend.Step:
				kernels.StepSV(d, s, x)
			case backend.Greater: // s > x
				kernels.LtVS(d, x, s)
			case backend.GreaterEq:
				kernels.LeVS(d, x, s)
			case backend.Less:
				kernels.GtVS(d, x, s)
			case backend.LessEq:
				kernels.GeVS(d, x, s)
			default:
				panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "BinaryScalar " + op.String()})
			}
			return
		}
		switch op {
		case backend.Sub:
			kernels.SubVS(d, x, s)
		case backend.Div:
			kernels.DivVS(d, x, s)
		case backend.PowB:
			kernels.PowVS(d, x, s)
		case backend.Step:
			kernels.StepVS(d, x, s)
		case backend.Greater:
			kernels.GtVS(d, x, s)
		case backend.GreaterEq:
			kernels.GeVS(d, x, s)
		case backend.Less:
			kernels.LtVS(d, x, s)
		case backend.LessEq:
			kernels.LeVS(d, x, s)
		default:
			panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "BinaryScalar " + op.String()})
		}
	}
}

// Where computes dst = cond != 0 ? a : b.
func (*CPU) Where(dst, cond, a, b backend.Buffer) { kernels.Where(dst.Host, cond.Host, a.Host, b.Host) }

// SumSquares returns Σ x² in float64.
func (*CPU) SumSquares(x backend.Buffer) float64 { return kernels.SumSquares(x.Host) }

// Gemm runs the packed, register-blocked GEMM of internal/kernels; it splits
// itself across the worker pool.
func (*CPU) Gemm(transA, transB bool, m, n, k int, alpha float32, a backend.Buffer, lda int, b backend.Buffer, ldb int,
	beta float32, c backend.Buffer, ldc int, bias backend.Buffer, relu bool) {
	if bias.Host == nil && !relu {
		kernels.Sgemm(transA, transB, m, n, k, alpha, a.Host, lda, b.Host, ldb, beta, c.Host, ldc)
		return
	}
	kernels.SgemmEpilogue(transA, transB, m, n, k, alpha, a.Host, lda, b.Host, ldb, beta, c.Host, ldc,
		kernels.Epilogue{Bias: bias.Host, ReLU: relu})
}

// updateMin is the parameter size from which an update is split across the
// worker pool. Below it the update runs on the calling goroutine.
const updateMin = 1 << 16

// updater carries one update's arguments to its worker function, which is
// bound once so that parallel updates do not allocate a closure.
type updater struct {
	u                backend.Update
	p, g, s0, s1, s2 []float32
	run              func(lo, hi int)
}

var updaters = sync.Pool{New: func() any {
	w := &updater{}
	w.run = w.apply
	return w
}}

func (w *updater) apply(lo, hi int) {
	applyUpdate(w.u, w.p[lo:hi], w.g[lo:hi], sub(w.s0, lo, hi), sub(w.s1, lo, hi), sub(w.s2, lo, hi))
}

func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

func applyUpdate(u backend.Update, p, g, s0, s1, s2 []float32) {
	switch u.Op {
	case backend.SGD:
		kernels.SGDUpdate(p, g, u.LR)
	case backend.Momentum:
		kernels.MomentumUpdate(p, g, s0, u.LR, u.Momentum, u.Nesterov)
	case backend.Adam:
		kernels.AdamUpdate(p, g, s0, s1, u.LR, u.Beta1, u.Beta2, u.Eps)
	case backend.AMSGrad:
		kernels.AMSGradUpdate(p, g, s0, s1, s2, u.LR, u.Beta1, u.Beta2, u.Eps)
	case backend.Adagrad:
		kernels.AdagradUpdate(p, g, s0, u.LR, u.Eps)
	case backend.RMSprop:
		kernels.RMSpropUpdate(p, g, s0, s1, s2, u.LR, u.Rho, u.Momentum, u.Eps)
	default:
		panic(&backend.ErrNotImplemented{Backend: "cpu", Op: "ApplyUpdate " + u.Op.String()})
	}
}

// ApplyUpdate updates p in place with rule u, split across the worker pool
// for large parameters (each element's update is independent, so the
// result does not depend on the split).
func (*CPU) ApplyUpdate(u backend.Update, p, g, s0, s1, s2 backend.Buffer) {
	n := len(p.Host)
	if n < updateMin {
		applyUpdate(u, p.Host, g.Host, s0.Host, s1.Host, s2.Host)
		return
	}
	w := updaters.Get().(*updater)
	w.u, w.p, w.g, w.s0, w.s1, w.s2 = u, p.Host, g.Host, s0.Host, s1.Host, s2.Host
	parallel.For(n, updateMin/2, w.run)
	w.p, w.g, w.s0, w.s1, w.s2 = nil, nil, nil, nil, nil
	updaters.Put(w)
}
