// Package backendtest is the conformance suite every tensile backend must
// pass, in the style of gonum's testblas: Run takes a Backend and a
// *testing.T and checks each op against simple reference loops computed in
// float64, on odd sizes and on sizes large enough to make a backend split
// its work. Buffers are made with the backend's own Alloc and CopyIn and
// read back with CopyOut, so device backends run the same checks.
//
// A backend's test file is one line:
//
//	func TestConformance(t *testing.T) { backendtest.Run(t, mybackend.New()) }
//
// Ops a backend does not implement yet (they panic with
// *backend.ErrNotImplemented) are reported as skipped subtests, so a new
// backend can grow op by op with the suite telling it what is left.
package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tensile-ml/tensile/backend"
)

// Run runs the whole suite on b.
func Run(t *testing.T, b backend.Backend) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, backend.Backend)
	}{
		{"Buffers", testBuffers},
		{"Unary", testUnary},
		{"UnaryBackward", testUnaryBackward},
		{"Binary", testBinary},
		{"Where", testWhere},
		{"SumSquares", testSumSquares},
		{"Reduce", testReduce},
		{"Softmax", testSoftmax},
		{"Xent", testXent},
		{"Gemm", testGemm},
		{"Conv", testConv},
		{"ConvMaxPool", testConvMaxPool},
		{"Pool", testPool},
		{"LSTMCell", testLSTMCell},
		{"LSTMSequence", testLSTMSequence},
		{"GRUSequence", testGRUSequence},
		{"ApplyUpdate", testApplyUpdate},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer skipNotImplemented(t)
			c.fn(t, b)
		})
	}
}

// skipNotImplemented turns a *backend.ErrNotImplemented panic into a skip.
func skipNotImplemented(t *testing.T) {
	r := recover()
	if r == nil {
		return
	}
	if err, ok := r.(error); ok {
		var ni *backend.ErrNotImplemented
		if errors.As(err, &ni) {
			t.Skip(err)
			return
		}
	}
	panic(r)
}

// h is a test harness bound to one backend.
type h struct {
	t *testing.T
	b backend.Backend
}

// in returns a backend buffer holding a copy of data.
func (h h) in(data []float32) backend.Buffer {
	buf := h.b.Alloc(len(data))
	h.b.CopyIn(buf, data)
	return buf
}

// zeros returns a backend buffer of n zeros.
func (h h) zeros(n int) backend.Buffer {
	buf := h.b.Alloc(n)
	h.b.Fill(buf, 0)
	return buf
}

// garbage returns a backend buffer of n elements filled with NaN, so that
// an op that fails to write an output element is caught.
func (h h) garbage(n int) backend.Buffer {
	buf := h.b.Alloc(n)
	h.b.Fill(buf, float32(math.NaN()))
	return buf
}

// out copies buf (n elements) back to the host.
func (h h) out(buf backend.Buffer, n int) []float32 {
	d := make([]float32, n)
	h.b.CopyOut(d, buf)
	return d
}

// check compares got with want element by element, with absolute plus
// relative tolerance tol.
func (h h) check(what string, got []float32, want []float64, tol float64) {
	h.t.Helper()
	if len(got) != len(want) {
		h.t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := float64(got[i]), want[i]
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.IsNaN(g) || math.Abs(g-w) > tol*(1+math.Abs(w)) {
			h.t.Fatalf("%s: element %d of %d is %v, want %v", what, i, len(want), g, w)
		}
	}
}

func uniform(rng *rand.Rand, n int, lo, hi float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(lo + (hi-lo)*rng.Float64())
	}
	return d
}

// awayFromZero returns values in ±[0.05, 3]: no activation kink lies within
// the finite-difference step of them.
func awayFromZero(rng *rand.Rand, n int) []float32 {
	d := uniform(rng, n, 0.05, 3)
	for i := range d {
		if rng.IntN(2) == 0 {
			d[i] = -d[i]
		}
	}
	return d
}

func f64(d []float32) []float64 {
	o := make([]float64, len(d))
	for i, v := range d {
		o[i] = float64(v)
	}
	return o
}

// sizes are the element counts of element-wise tests: tiny, odd, and large
// enough to be split across threads.
var sizes = []int{1, 7, 1037, 70001}

func testBuffers(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(1, 2))
	d := uniform(rng, 1001, -1, 1)
	buf := h.in(d)
	if buf.Len() != len(d) {
		t.Fatalf("Len %d, want %d", buf.Len(), len(d))
	}
	h.check("CopyIn/CopyOut", h.out(buf, len(d)), f64(d), 0)
	h.check("Slice", h.out(buf.Slice(10, 20), 10), f64(d[10:20]), 0)
	b.Fill(buf.Slice(5, 8), 2.5)
	want := f64(d)
	want[5], want[6], want[7] = 2.5, 2.5, 2.5
	h.check("Fill of a slice", h.out(buf, len(d)), want, 0)
	b.Free(buf)
}

type unaryCase struct {
	op     backend.UnaryOp
	a, b   float32
	domain func(*rand.Rand, int) []float32
	ref    func(x, a, b float64) float64
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func geluTanh(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

var unaryCases = []unaryCase{
	{backend.Exp, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return math.Exp(x) }},
	{backend.Log, 0, 0, positive, func(x, _, _ float64) float64 { return math.Log(x) }},
	{backend.Sqrt, 0, 0, positive, func(x, _, _ float64) float64 { return math.Sqrt(x) }},
	{backend.Rsqrt, 0, 0, positive, func(x, _, _ float64) float64 { return 1 / math.Sqrt(x) }},
	{backend.Square, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return x * x }},
	{backend.Abs, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return math.Abs(x) }},
	{backend.Reciprocal, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return 1 / x }},
	{backend.Sign, 0, 0, awayFromZero, func(x, _, _ float64) float64 {
		if x > 0 {
			return 1
		}
		return -1
	}},
	{backend.Pow, 2.5, 0, positive, func(x, a, _ float64) float64 { return math.Pow(x, a) }},
	{backend.Clip, -0.5, 1, awayFromZero, func(x, a, b float64) float64 { return math.Min(math.Max(x, a), b) }},
	{backend.ClipMask, -0.5, 1, awayFromZero, func(x, a, b float64) float64 {
		if x >= a && x <= b {
			return 1
		}
		return 0
	}},
	{backend.AddScalar, 1.5, 0, awayFromZero, func(x, a, _ float64) float64 { return x + a }},
	{backend.MulScalar, -3, 0, awayFromZero, func(x, a, _ float64) float64 { return x * a }},
	{backend.ReLU, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return math.Max(x, 0) }},
	{backend.LeakyReLU, 0.2, 0, awayFromZero, func(x, a, _ float64) float64 {
		if x > 0 {
			return x
		}
		return a * x
	}},
	{backend.Sigmoid, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return sigmoid(x) }},
	{backend.Tanh, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return math.Tanh(x) }},
	{backend.ELU, 1.3, 0, awayFromZero, func(x, a, _ float64) float64 {
		if x > 0 {
			return x
		}
		return a * (math.Exp(x) - 1)
	}},
	{backend.GELU, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }},
	{backend.GELUTanh, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return geluTanh(x) }},
	{backend.Softplus, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return math.Log1p(math.Exp(x)) }},
	{backend.Swish, 0, 0, awayFromZero, func(x, _, _ float64) float64 { return x * sigmoid(x) }},
}

func positive(rng *rand.Rand, n int) []float32 { return uniform(rng, n, 0.1, 4) }

func testUnary(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range unaryCases {
		for _, n := range sizes {
			x := c.domain(rng, n)
			want := make([]float64, n)
			for i, v := range x {
				want[i] = c.ref(float64(v), float64(c.a), float64(c.b))
			}
			dst := h.garbage(n)
			b.Unary(c.op, dst, h.in(x), c.a, c.b)
			h.check(fmt.Sprintf("%v n=%d", c.op, n), h.out(dst, n), want, 2e-5)
		}
	}
}

func testUnaryBackward(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range unaryCases {
		if !c.op.HasBackward() {
			continue
		}
		for _, n := range sizes {
			x := c.domain(rng, n)
			dy := uniform(rng, n, -1, 1)
			want := make([]float64, n)
			const eps = 1e-6
			for i, v := range x {
				xv, a := float64(v), float64(c.a)
				d := (c.ref(xv+eps, a, 0) - c.ref(xv-eps, a, 0)) / (2 * eps)
				want[i] = float64(dy[i]) * d
			}
			xb := h.in(x)
			y := h.garbage(n)
			b.Unary(c.op, y, xb, c.a, 0)
			dx := h.garbage(n)
			b.UnaryBackward(c.op, dx, h.in(dy), xb, y, c.a)
			h.check(fmt.Sprintf("%v backward n=%d", c.op, n), h.out(dx, n), want, 1e-4)
		}
	}
}

var binaryRefs = map[backend.BinaryOp]func(a, b float64) float64{
	backend.Add:  func(a, b float64) float64 { return a + b },
	backend.Sub:  func(a, b float64) float64 { return a - b },
	backend.Mul:  func(a, b float64) float64 { return a * b },
	backend.Div:  func(a, b float64) float64 { return a / b },
	backend.Max:  math.Max,
	backend.Min:  math.Min,
	backend.PowB: math.Pow,
	backend.Step: func(a, b float64) float64 {
		switch {
		case a > b:
			return 1
		case a == b:
			return 0.5
		}
		return 0
	},
	backend.Equal:     func(a, b float64) float64 { return b2f(a == b) },
	backend.NotEqual:  func(a, b float64) float64 { return b2f(a != b) },
	backend.Greater:   func(a, b float64) float64 { return b2f(a > b) },
	backend.GreaterEq: func(a, b float64) float64 { return b2f(a >= b) },
	backend.Less:      func(a, b float64) float64 { return b2f(a < b) },
	backend.LessEq:    func(a, b float64) float64 { return b2f(a <= b) },
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func testBinary(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(7, 8))
	for op := backend.Add; op <= backend.LessEq; op++ {
		ref := binaryRefs[op]
		for _, n := range sizes {
			x, y := positive(rng, n), positive(rng, n)
			for i := 0; i < n; i += 3 {
				y[i] = x[i] // ties for the comparisons and Step
			}
			s := y[n/2]
			want := make([]float64, n)
			for i := range x {
				want[i] = ref(float64(x[i]), float64(y[i]))
			}
			dst := h.garbage(n)
			b.Binary(op, dst, h.in(x), h.in(y))
			h.check(fmt.Sprintf("%v n=%d", op, n), h.out(dst, n), want, 1e-5)
			for _, first := range []bool{false, true} {
				for i := range x {
					if first {
						want[i] = ref(float64(s), float64(x[i]))
					} else {
						want[i] = ref(float64(x[i]), float64(s))
					}
				}
				dst := h.garbage(n)
				b.BinaryScalar(op, dst, h.in(x), s, first)
				h.check(fmt.Sprintf("%v scalar (scalar first %v) n=%d", op, first, n), h.out(dst, n), want, 1e-5)
			}
		}
	}
}

func testWhere(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range sizes {
		c, x, y := make([]float32, n), uniform(rng, n, -1, 1), uniform(rng, n, -1, 1)
		want := make([]float64, n)
		for i := range c {
			if rng.IntN(2) == 0 {
				c[i] = float32(rng.IntN(3) - 1)
			}
			want[i] = float64(y[i])
			if c[i] != 0 {
				want[i] = float64(x[i])
			}
		}
		dst := h.garbage(n)
		b.Where(dst, h.in(c), h.in(x), h.in(y))
		h.check(fmt.Sprintf("Where n=%d", n), h.out(dst, n), want, 0)
	}
}

func testSumSquares(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range sizes {
		x := uniform(rng, n, -2, 2)
		var want float64
		for _, v := range x {
			want += float64(v) * float64(v)
		}
		got := b.SumSquares(h.in(x))
		if math.Abs(got-want) > 1e-6*(1+want) {
			t.Fatalf("SumSquares n=%d: %v, want %v", n, got, want)
		}
	}
}

func testReduce(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 1}, {2, 7, 9}, {1, 1000, 3}, {4, 1, 6}, {5, 129, 1}} {
		pre, n, post := s[0], s[1], s[2]
		x := uniform(rng, pre*n*post, -3, 3)
		for _, op := range []backend.ReduceOp{backend.Sum, backend.ReduceMax, backend.ReduceMin} {
			want := make([]float64, pre*post)
			for p := 0; p < pre; p++ {
				for q := 0; q < post; q++ {
					acc := float64(x[p*n*post+q])
					for i := 1; i < n; i++ {
						v := float64(x[(p*n+i)*post+q])
						switch op {
						case backend.Sum:
							acc += v
						case backend.ReduceMax:
							acc = math.Max(acc, v)
						default:
							acc = math.Min(acc, v)
						}
					}
					want[p*post+q] = acc
				}
			}
			dst := h.garbage(pre * post)
			b.Reduce(op, dst, h.in(x), pre, n, post)
			h.check(fmt.Sprintf("%v %v", op, s), h.out(dst, pre*post), want, 1e-5)
		}
		for _, isMax := range []bool{true, false} {
			idx := make([]int, pre*post)
			b.Arg(idx, h.in(x), pre, n, post, isMax)
			for p := 0; p < pre; p++ {
				for q := 0; q < post; q++ {
					best := 0
					for i := 1; i < n; i++ {
						v, bv := x[(p*n+i)*post+q], x[(p*n+best)*post+q]
						if (isMax && v > bv) || (!isMax && v < bv) {
							best = i
						}
					}
					if got := idx[p*post+q]; got != best {
						t.Fatalf("Arg (max %v) %v at [%d, %d]: %d, want %d", isMax, s, p, q, got, best)
					}
				}
			}
		}
	}
}

func testSoftmax(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(15, 16))
	for _, s := range [][3]int{{1, 1, 1}, {4, 10, 1}, {3, 5, 7}, {300, 33, 1}} {
		pre, n, post := s[0], s[1], s[2]
		size := pre * n * post
		x := uniform(rng, size, -20, 20)
		dy := uniform(rng, size, -1, 1)
		for _, log := range []bool{false, true} {
			want := make([]float64, size)
			wantDx := make([]float64, size)
			for p := 0; p < pre; p++ {
				for q := 0; q < post; q++ {
					at := func(i int) int { return (p*n+i)*post + q }
					m := math.Inf(-1)
					for i := 0; i < n; i++ {
						m = math.Max(m, float64(x[at(i)]))
					}
					var z float64
					for i := 0; i < n; i++ {
						z += math.Exp(float64(x[at(i)]) - m)
					}
					var sdy, sdyy float64
					for i := 0; i < n; i++ {
						sm := math.Exp(float64(x[at(i)])-m) / z
						sdy += float64(dy[at(i)])
						sdyy += float64(dy[at(i)]) * sm
					}
					for i := 0; i < n; i++ {
						sm := math.Exp(float64(x[at(i)])-m) / z
						if log {
							want[at(i)] = float64(x[at(i)]) - m - math.Log(z)
							wantDx[at(i)] = float64(dy[at(i)]) - sm*sdy
						} else {
							want[at(i)] = sm
							wantDx[at(i)] = sm * (float64(dy[at(i)]) - sdyy)
						}
					}
				}
			}
			y := h.garbage(size)
			b.Softmax(y, h.in(x), pre, n, post, log)
			h.check(fmt.Sprintf("Softmax log=%v %v", log, s), h.out(y, size), want, 1e-5)
			dx := h.garbage(size)
			b.SoftmaxBackward(dx, h.in(dy), y, pre, n, post, log)
			h.check(fmt.Sprintf("SoftmaxBackward log=%v %v", log, s), h.out(dx, size), wantDx, 1e-5)
		}
	}
}

func testXent(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(17, 18))
	const rows, k = 37, 11
	x := uniform(rng, rows*k, -5, 5)
	logp := h.garbage(rows * k)
	b.Softmax(logp, h.in(x), rows, k, 1, true)
	lp := f64(h.out(logp, rows*k))
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = rng.IntN(k)
	}
	g := uniform(rng, rows, -1, 1)
	want := make([]float64, rows)
	wantDx := make([]float64, rows*k)
	for r, l := range labels {
		want[r] = -lp[r*k+l]
		for j := 0; j < k; j++ {
			wantDx[r*k+j] = float64(g[r]) * (math.Exp(lp[r*k+j]) - b2f(j == l))
		}
	}
	loss := h.garbage(rows)
	b.XentSparse(loss, logp, labels, k)
	h.check("XentSparse", h.out(loss, rows), want, 1e-6)
	dx := h.garbage(rows * k)
	b.XentSparseBackward(dx, h.in(g), logp, labels, k)
	h.check("XentSparseBackward", h.out(dx, rows*k), wantDx, 1e-5)

	tg := uniform(rng, rows*k, 0, 1)
	wantDt := make([]float64, rows*k)
	for r := 0; r < rows; r++ {
		var l, st float64
		for j := 0; j < k; j++ {
			l -= float64(tg[r*k+j]) * lp[r*k+j]
			st += float64(tg[r*k+j])
		}
		want[r] = l
		for j := 0; j < k; j++ {
			wantDx[r*k+j] = float64(g[r]) * (math.Exp(lp[r*k+j])*st - float64(tg[r*k+j]))
			wantDt[r*k+j] = -float64(g[r]) * lp[r*k+j]
		}
	}
	tb := h.in(tg)
	b.XentDense(loss, logp, tb, k)
	h.check("XentDense", h.out(loss, rows), want, 1e-5)
	dt := h.garbage(rows * k)
	b.XentDenseBackward(dx, dt, h.in(g), logp, tb, k)
	h.check("XentDenseBackward dx", h.out(dx, rows*k), wantDx, 1e-5)
	h.check("XentDenseBackward dt", h.out(dt, rows*k), wantDt, 1e-5)

	n := rows * k
	dy := uniform(rng, n, -1, 1)
	wantS, wantSx, wantSt := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		z, tv := float64(x[i]), float64(tg[i])
		wantS[i] = math.Max(z, 0) - z*tv + math.Log1p(math.Exp(-math.Abs(z)))
		wantSx[i] = float64(dy[i]) * (sigmoid(z) - tv)
		wantSt[i] = -float64(dy[i]) * z
	}
	xb := h.in(x)
	out := h.garbage(n)
	b.SigmoidXent(out, xb, tb)
	h.check("SigmoidXent", h.out(out, n), wantS, 1e-5)
	dsx, dst := h.garbage(n), h.garbage(n)
	b.SigmoidXentBackward(dsx, dst, h.in(dy), xb, tb)
	h.check("SigmoidXentBackward dx", h.out(dsx, n), wantSx, 1e-5)
	h.check("SigmoidXentBackward dt", h.out(dst, n), wantSt, 1e-5)
}

func testGemm(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(19, 20))
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {37, 29, 41}, {130, 67, 300}} {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, epi := range []int{0, 1, 2} { // none, bias, bias+relu
					lda, ldb, ldc := k+3, n+2, n+5
					if ta {
						lda = m + 3
					}
					if tb {
						ldb = k + 2
					}
					ar, br := m, k
					if ta {
						ar = k
					}
					if tb {
						br = n
					}
					a := uniform(rng, ar*lda, -1, 1)
					bm := uniform(rng, br*ldb, -1, 1)
					c := uniform(rng, m*ldc, -1, 1)
					bias := uniform(rng, n, -1, 1)
					alpha, beta := float32(0.7), float32(-0.3)
					if epi > 0 {
						beta = 0.4
					}
					want := f64(c)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							var acc float64
							for p := 0; p < k; p++ {
								var av, bv float32
								if ta {
									av = a[p*lda+i]
								} else {
									av = a[i*lda+p]
								}
								if tb {
									bv = bm[j*ldb+p]
								} else {
									bv = bm[p*ldb+j]
								}
								acc += float64(av) * float64(bv)
							}
							v := float64(alpha)*acc + float64(beta)*float64(c[i*ldc+j])
							if epi > 0 {
								v += float64(bias[j])
							}
							if epi == 2 {
								v = math.Max(v, 0)
							}
							want[i*ldc+j] = v
						}
					}
					cb := h.in(c)
					var bb backend.Buffer
					if epi > 0 {
						bb = h.in(bias)
					}
					b.Gemm(ta, tb, m, n, k, alpha, h.in(a), lda, h.in(bm), ldb, beta, cb, ldc, bb, epi == 2)
					h.check(fmt.Sprintf("Gemm %v transA=%v transB=%v epilogue=%d", s, ta, tb, epi), h.out(cb, len(c)), want, 1e-4)
				}
			}
		}
	}
}

// convCase is one convolution geometry of the suite.
type convCase struct {
	b, hgt, wid, c, kh, kw, f int
	sh, sw, dh, dw            int
	same                      bool
}

// geom returns the geometry with Keras's/TensorFlow's output size and
// padding.
func (c convCase) geom() backend.ConvGeom {
	dim := func(in, k, s, d int) (int, int) {
		eff := (k-1)*d + 1
		if c.same {
			out := (in + s - 1) / s
			return out, max((out-1)*s+eff-in, 0) / 2
		}
		return (in-eff)/s + 1, 0
	}
	oh, pt := dim(c.hgt, c.kh, c.sh, c.dh)
	ow, pl := dim(c.wid, c.kw, c.sw, c.dw)
	return backend.ConvGeom{H: c.hgt, W: c.wid, C: c.c, KH: c.kh, KW: c.kw, SH: c.sh, SW: c.sw, DH: c.dh, DW: c.dw,
		PadT: pt, PadL: pl, OH: oh, OW: ow}
}

var convCases = []convCase{
	{5, 28, 28, 1, 3, 3, 32, 1, 1, 1, 1, false}, // first layer of the MNIST CNN (direct kernel on the CPU)
	{3, 13, 13, 32, 3, 3, 64, 1, 1, 1, 1, false},
	{2, 9, 11, 3, 3, 2, 5, 2, 1, 1, 2, true},
	{3, 6, 7, 4, 1, 1, 6, 1, 1, 1, 1, false},   // pointwise
	{1, 70, 66, 8, 3, 3, 4, 1, 1, 1, 1, false}, // an image larger than one work unit
	{19, 8, 8, 2, 3, 3, 3, 1, 1, 1, 1, true},
}

// refConv returns the reference forward output and the gradients of
// Σ dy·conv for the case (ReLU applied and masked when relu).
func refConv(c convCase, g backend.ConvGeom, x, w, bias, dy []float32, relu bool) (y, dx, dw, db []float64) {
	y = make([]float64, c.b*g.OH*g.OW*c.f)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, c.f)
	type tap struct{ xi, wi int }
	taps := func(i, oy, ox, f int, fn func(tap)) {
		for ky := 0; ky < c.kh; ky++ {
			iy := oy*c.sh - g.PadT + ky*c.dh
			if iy < 0 || iy >= c.hgt {
				continue
			}
			for kx := 0; kx < c.kw; kx++ {
				ix := ox*c.sw - g.PadL + kx*c.dw
				if ix < 0 || ix >= c.wid {
					continue
				}
				for ch := 0; ch < c.c; ch++ {
					fn(tap{((i*c.hgt+iy)*c.wid+ix)*c.c + ch, ((ky*c.kw+kx)*c.c+ch)*c.f + f})
				}
			}
		}
	}
	for i := 0; i < c.b; i++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				for f := 0; f < c.f; f++ {
					o := ((i*g.OH+oy)*g.OW+ox)*c.f + f
					v := float64(bias[f])
					taps(i, oy, ox, f, func(t tap) { v += float64(x[t.xi]) * float64(w[t.wi]) })
					if relu {
						v = math.Max(v, 0)
					}
					y[o] = v
					d := float64(dy[o])
					if relu && v <= 0 {
						d = 0
					}
					db[f] += d
					taps(i, oy, ox, f, func(t tap) {
						dx[t.xi] += d * float64(w[t.wi])
						dw[t.wi] += d * float64(x[t.xi])
					})
				}
			}
		}
	}
	return
}

func testConv(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range convCases {
		g := c.geom()
		p := b.PlanConv(backend.ConvSpec{Geom: g, Batch: c.b, Filters: c.f})
		if s := p.Spec(); s.Geom != g || s.Batch != c.b || s.Filters != c.f {
			t.Fatalf("%+v: plan's Spec %+v does not match", c, s)
		}
		x := uniform(rng, c.b*c.hgt*c.wid*c.c, -1, 1)
		w := uniform(rng, c.kh*c.kw*c.c*c.f, -1, 1)
		bias := uniform(rng, c.f, -0.5, 0.5)
		ny := c.b * g.OH * g.OW * c.f
		dy := uniform(rng, ny, -1, 1)
		xb, wb, bb, dyb := h.in(x), h.in(w), h.in(bias), h.in(dy)
		for _, relu := range []bool{false, true} {
			name := fmt.Sprintf("%+v relu=%v", c, relu)
			wy, wdx, wdw, wdb := refConv(c, g, x, w, bias, dy, relu)
			y := h.garbage(ny)
			b.ConvForward(p, y, xb, wb, bb, relu)
			h.check(name+" forward", h.out(y, ny), wy, 1e-4)
			var yb backend.Buffer
			if relu {
				yb = y
			}
			for _, needDx := range []bool{true, false} {
				dx, dw, db := h.garbage(len(x)), h.garbage(len(w)), h.garbage(c.f)
				var dxb, ws backend.Buffer
				if needDx {
					dxb = dx
				}
				if n := b.ConvBackwardWorkspace(p, needDx, relu); n > 0 {
					ws = h.garbage(n)
				}
				b.ConvBackward(p, dxb, dw, db, dyb, xb, wb, yb, ws)
				if needDx {
					h.check(name+" backward dx", h.out(dx, len(x)), wdx, 1e-4)
				}
				h.check(fmt.Sprintf("%s backward (dx %v) dw", name, needDx), h.out(dw, len(w)), wdw, 1e-4)
				h.check(fmt.Sprintf("%s backward (dx %v) db", name, needDx), h.out(db, c.f), wdb, 1e-4)
			}
		}
		// the split ops, without activation
		_, wdx, wdw, wdb := refConv(c, g, x, w, bias, dy, false)
		dx := h.garbage(len(x))
		b.ConvBackwardData(p, dx, dyb, wb)
		h.check(fmt.Sprintf("%+v ConvBackwardData", c), h.out(dx, len(x)), wdx, 1e-4)
		dw, db := h.garbage(len(w)), h.garbage(c.f)
		b.ConvBackwardFilter(p, dw, db, dyb, xb)
		h.check(fmt.Sprintf("%+v ConvBackwardFilter dw", c), h.out(dw, len(w)), wdw, 1e-4)
		h.check(fmt.Sprintf("%+v ConvBackwardFilter db", c), h.out(db, c.f), wdb, 1e-4)
	}
}

// poolCase is one pooling geometry of the suite.
type poolCase struct {
	b, hgt, wid, c, kh, kw, sh, sw int
	same                           bool
}

func (c poolCase) geom() backend.ConvGeom {
	cc := convCase{b: c.b, hgt: c.hgt, wid: c.wid, c: c.c, kh: c.kh, kw: c.kw, sh: c.sh, sw: c.sw, dh: 1, dw: 1, same: c.same}
	return cc.geom()
}

var poolCases = []poolCase{
	{4, 26, 26, 32, 2, 2, 2, 2, false}, // the MNIST CNN's pooling
	{3, 7, 9, 3, 2, 2, 2, 2, false},    // odd sizes: the last row and column are dropped
	{2, 7, 8, 2, 3, 3, 2, 2, true},
	{2, 9, 9, 3, 3, 2, 1, 2, false},
	{70, 6, 6, 5, 2, 2, 2, 2, false},
}

// refPool returns the reference pooling output and input gradient.
func refPool(c poolCase, g backend.ConvGeom, x, dy []float32, isMax bool) (y, dx []float64) {
	y = make([]float64, c.b*g.OH*g.OW*c.c)
	dx = make([]float64, len(x))
	for i := 0; i < c.b; i++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				for ch := 0; ch < c.c; ch++ {
					o := ((i*g.OH+oy)*g.OW+ox)*c.c + ch
					var in []int
					for ky := 0; ky < c.kh; ky++ {
						for kx := 0; kx < c.kw; kx++ {
							iy, ix := oy*c.sh-g.PadT+ky, ox*c.sw-g.PadL+kx
							if iy >= 0 && iy < c.hgt && ix >= 0 && ix < c.wid {
								in = append(in, ((i*c.hgt+iy)*c.wid+ix)*c.c+ch)
							}
						}
					}
					if isMax {
						best := in[0]
						for _, j := range in[1:] {
							if x[j] > x[best] {
								best = j
							}
						}
						y[o] = float64(x[best])
						dx[best] += float64(dy[o])
						continue
					}
					var s float64
					for _, j := range in {
						s += float64(x[j])
					}
					y[o] = s / float64(len(in))
					for _, j := range in {
						dx[j] += float64(dy[o]) / float64(len(in))
					}
				}
			}
		}
	}
	return
}

func testPool(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, c := range poolCases {
		g := c.geom()
		s := backend.PoolSpec{Geom: g, Batch: c.b}
		x := uniform(rng, c.b*c.hgt*c.wid*c.c, -1, 1)
		for i := 0; i < len(x); i += 5 {
			x[i] = x[(i+c.c)%len(x)] // ties: the first in window order wins
		}
		ny := c.b * g.OH * g.OW * c.c
		dy := uniform(rng, ny, -1, 1)
		xb, dyb := h.in(x), h.in(dy)
		for _, isMax := range []bool{true, false} {
			name := fmt.Sprintf("%+v max=%v", c, isMax)
			wy, wdx := refPool(c, g, x, dy, isMax)
			y, dx := h.garbage(ny), h.garbage(len(x))
			if isMax {
				var ws backend.Buffer
				if n := b.MaxPoolWorkspace(s); n > 0 {
					ws = h.garbage(n)
				}
				b.MaxPool(s, y, ws, xb)
				b.MaxPoolBackward(s, dx, dyb, ws, xb, y)
			} else {
				b.AvgPool(s, y, xb)
				b.AvgPoolBackward(s, dx, dyb)
			}
			h.check(name+" forward", h.out(y, ny), wy, 1e-6)
			h.check(name+" backward", h.out(dx, len(x)), wdx, 1e-6)
		}
	}
}

func testConvMaxPool(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(25, 26))
	fused := 0
	for _, c := range convCases {
		g := c.geom()
		pc := poolCase{b: c.b, hgt: g.OH, wid: g.OW, c: c.f, kh: 2, kw: 2, sh: 2, sw: 2}
		pg := pc.geom()
		if pg.OH <= 0 || pg.OW <= 0 {
			continue
		}
		p := b.PlanConv(backend.ConvSpec{Geom: g, Batch: c.b, Filters: c.f})
		x := uniform(rng, c.b*c.hgt*c.wid*c.c, -1, 1)
		w := uniform(rng, c.kh*c.kw*c.c*c.f, -1, 1)
		bias := uniform(rng, c.f, -0.5, 0.5)
		ny, nz := c.b*g.OH*g.OW*c.f, c.b*pg.OH*pg.OW*c.f
		dz := uniform(rng, nz, -1, 1)
		xb, wb, bb := h.in(x), h.in(w), h.in(bias)
		for _, relu := range []bool{false, true} {
			for _, needDx := range []bool{true, false} {
				if !b.ConvMaxPoolFusable(p, pg, needDx) {
					continue
				}
				fused++
				name := fmt.Sprintf("%+v relu=%v dx=%v", c, relu, needDx)
				y := h.garbage(ny)
				b.ConvForward(p, y, xb, wb, bb, relu)
				ps := backend.PoolSpec{Geom: pg, Batch: c.b}
				var ws backend.Buffer
				if n := b.MaxPoolWorkspace(ps); n > 0 {
					ws = h.garbage(n)
				}
				z := h.garbage(nz)
				b.MaxPool(ps, z, ws, y)
				// reference: route dz through the pooling, then the conv
				yv := h.out(y, ny)
				_, dy := refPool(pc, pg, yv, dz, true)
				dy32 := make([]float32, len(dy))
				for i, v := range dy {
					dy32[i] = float32(v)
				}
				_, wdx, wdw, wdb := refConv(c, g, x, w, bias, dy32, relu)
				dx, dw, db := h.garbage(len(x)), h.garbage(len(w)), h.garbage(c.f)
				var dxb backend.Buffer
				if needDx {
					dxb = dx
				}
				b.ConvMaxPoolBackward(p, pg, dxb, dw, db, h.in(dz), z, y, xb, wb, relu)
				if needDx {
					h.check(name+" dx", h.out(dx, len(x)), wdx, 1e-4)
				}
				h.check(name+" dw", h.out(dw, len(w)), wdw, 1e-4)
				h.check(name+" db", h.out(db, c.f), wdb, 1e-4)
			}
		}
	}
	if fused == 0 {
		t.Skip("the backend fuses none of the suite's conv+pool cases")
	}
}

// lstmRef runs the reference LSTM sequence and returns Out [T+1, B, H].
func lstmRef(T, B, H int, rev bool, xp, u, h0, c0, rm, mk []float64) []float64 {
	W := 4 * H
	out := make([]float64, (T+1)*B*H)
	hp, cp := append([]float64(nil), h0...), append([]float64(nil), c0...)
	for k := 0; k < T; k++ {
		t := k
		if rev {
			t = T - 1 - k
		}
		hn, cn := make([]float64, B*H), make([]float64, B*H)
		for b := 0; b < B; b++ {
			z := make([]float64, W)
			for j := 0; j < W; j++ {
				z[j] = xp[(t*B+b)*W+j]
				for i := 0; i < H; i++ {
					hv := hp[b*H+i]
					if rm != nil {
						hv *= rm[b*H+i]
					}
					z[j] += hv * u[i*W+j]
				}
			}
			for j := 0; j < H; j++ {
				ig, fg, gg, og := sigmoidF(z[j]), sigmoidF(z[H+j]), math.Tanh(z[2*H+j]), sigmoidF(z[3*H+j])
				c := fg*cp[b*H+j] + ig*gg
				cn[b*H+j], hn[b*H+j] = c, og*math.Tanh(c)
			}
			if mk != nil && mk[t*B+b] == 0 {
				copy(hn[b*H:(b+1)*H], hp[b*H:(b+1)*H])
				copy(cn[b*H:(b+1)*H], cp[b*H:(b+1)*H])
			}
		}
		copy(out[k*B*H:], hn)
		hp, cp = hn, cn
	}
	copy(out[T*B*H:], cp)
	return out
}

func sigmoidF(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// numGrad returns d(Σ g·f(params))/d params[i] for every element of each
// parameter slice by central differences in float64.
func numGrad(f func() []float64, g []float64, params ...[]float64) [][]float64 {
	loss := func() float64 {
		var s float64
		for i, v := range f() {
			s += g[i] * v
		}
		return s
	}
	var out [][]float64
	for _, p := range params {
		d := make([]float64, len(p))
		for i := range p {
			const eps = 1e-6
			v := p[i]
			p[i] = v + eps
			lp := loss()
			p[i] = v - eps
			lm := loss()
			p[i] = v
			d[i] = (lp - lm) / (2 * eps)
		}
		out = append(out, d)
	}
	return out
}

func testLSTMCell(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(27, 28))
	const B, H = 3, 5
	xz, hz, c := uniform(rng, B*4*H, -2, 2), uniform(rng, B*4*H, -2, 2), uniform(rng, B*H, -1, 1)
	dh, dcOut := uniform(rng, B*H, -1, 1), uniform(rng, B*H, -1, 1)
	xz64, c64 := f64(xz), f64(c)
	fwd := func(which int) func() []float64 {
		return func() []float64 {
			hs, cs := make([]float64, B*H), make([]float64, B*H)
			for r := 0; r < B; r++ {
				for j := 0; j < H; j++ {
					z := func(blk int) float64 { return xz64[r*4*H+blk*H+j] + float64(hz[r*4*H+blk*H+j]) }
					cn := sigmoidF(z(1))*c64[r*H+j] + sigmoidF(z(0))*math.Tanh(z(2))
					cs[r*H+j], hs[r*H+j] = cn, sigmoidF(z(3))*math.Tanh(cn)
				}
			}
			if which == 0 {
				return hs
			}
			return cs
		}
	}
	hb, cb, act, tc := h.garbage(B*H), h.garbage(B*H), h.garbage(B*4*H), h.garbage(B*H)
	cIn := h.in(c)
	b.LSTMCell(hb, cb, act, tc, h.in(xz), h.in(hz), cIn, B, H)
	h.check("LSTMCell h", h.out(hb, B*H), fwd(0)(), 1e-5)
	h.check("LSTMCell c", h.out(cb, B*H), fwd(1)(), 1e-5)
	// loss = Σ dh·h + Σ dcOut·cNew; the gradient reaching cNew through h
	// comes from BackwardH and is added to dcOut before BackwardC
	dz, dcn := h.garbage(B*4*H), h.garbage(B*H)
	b.LSTMCellBackwardH(dz, dcn, h.in(dh), act, tc, B, H)
	dcnV := h.out(dcn, B*H)
	for i := range dcnV {
		dcnV[i] += dcOut[i]
	}
	dc := h.garbage(B * H)
	b.LSTMCellBackwardC(dz, dc, h.in(dcnV), act, cIn, B, H)
	both := func() []float64 { return append(fwd(0)(), fwd(1)()...) }
	gs := numGrad(both, append(f64(dh), f64(dcOut)...), xz64, c64)
	h.check("LSTMCell dz", h.out(dz, B*4*H), gs[0], 1e-4)
	h.check("LSTMCell dc", h.out(dc, B*H), gs[1], 1e-4)
}

func testLSTMSequence(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(29, 30))
	const T, B, H = 4, 3, 5
	W := 4 * H
	for _, masked := range []bool{false, true} {
		for _, rev := range []bool{false, true} {
			xp, u := f64(uniform(rng, T*B*W, -1, 1)), f64(uniform(rng, H*W, -0.5, 0.5))
			h0, c0 := f64(uniform(rng, B*H, -1, 1)), f64(uniform(rng, B*H, -1, 1))
			var rm, mk []float64
			if masked {
				rm = f64(uniform(rng, B*H, 0, 2))
				mk = make([]float64, T*B)
				for i := range mk {
					if rng.IntN(4) > 0 {
						mk[i] = 1
					}
				}
			}
			name := fmt.Sprintf("masked=%v reverse=%v", masked, rev)
			want := lstmRef(T, B, H, rev, xp, u, h0, c0, rm, mk)
			s := backend.LSTMSeq{T: T, B: B, H: H, Reverse: rev,
				Xp: h.in32(xp), U: h.in32(u), H0: h.in32(h0), C0: h.in32(c0), RecMask: h.in32(rm), Mask: h.in32(mk),
				Out: h.garbage((T + 1) * B * H), Act: h.garbage(T * B * W), Tc: h.garbage(T * B * H),
				Cs: h.garbage(T * B * H), Hp: h.garbage(T * B * H), Z: h.garbage(B * W)}
			b.LSTMSequence(s)
			h.check(name+" forward", h.out(s.Out, (T+1)*B*H), want, 1e-5)
			g := uniform(rng, (T+1)*B*H, -1, 1)
			gr := backend.LSTMSeqGrad{G: h.in(g), Dz: h.garbage(T * B * W), Dh: h.garbage(B * H), Dc: h.garbage(B * H),
				DhP: h.garbage(B * H), DcP: h.garbage(B * H), Dcn: h.garbage(B * H), GU: h.garbage(H * W)}
			b.LSTMSequenceBackward(s, gr)
			gs := numGrad(func() []float64 { return lstmRef(T, B, H, rev, xp, u, h0, c0, rm, mk) }, f64(g), xp, u, h0, c0)
			h.check(name+" dxp", h.out(gr.Dz, T*B*W), gs[0], 1e-4)
			h.check(name+" du", h.out(gr.GU, H*W), gs[1], 1e-4)
			h.check(name+" dh0", h.out(gr.Dh, B*H), gs[2], 1e-4)
			h.check(name+" dc0", h.out(gr.Dc, B*H), gs[3], 1e-4)
		}
	}
}

// in32 is in for float64 data (nil: the zero Buffer).
func (h h) in32(d []float64) backend.Buffer {
	if d == nil {
		return backend.Buffer{}
	}
	f := make([]float32, len(d))
	for i, v := range d {
		f[i] = float32(v)
		d[i] = float64(f[i]) // the reference sees the rounded value
	}
	return h.in(f)
}

// gruRef runs the reference GRU sequence (reset-after) and returns Hs.
func gruRef(T, B, H int, rev bool, xp, u, rb, h0, rm, mk []float64) []float64 {
	W := 3 * H
	hs := make([]float64, T*B*H)
	hp := append([]float64(nil), h0...)
	for k := 0; k < T; k++ {
		t := k
		if rev {
			t = T - 1 - k
		}
		hn := make([]float64, B*H)
		for b := 0; b < B; b++ {
			q := make([]float64, W)
			for j := 0; j < W; j++ {
				if rb != nil {
					q[j] = rb[j]
				}
				for i := 0; i < H; i++ {
					hv := hp[b*H+i]
					if rm != nil {
						hv *= rm[b*H+i]
					}
					q[j] += hv * u[i*W+j]
				}
			}
			x := xp[(t*B+b)*W:]
			for j := 0; j < H; j++ {
				z := sigmoidF(x[j] + q[j])
				r := sigmoidF(x[H+j] + q[H+j])
				hh := math.Tanh(x[2*H+j] + r*q[2*H+j])
				hn[b*H+j] = hh + z*(hp[b*H+j]-hh)
			}
			if mk != nil && mk[t*B+b] == 0 {
				copy(hn[b*H:(b+1)*H], hp[b*H:(b+1)*H])
			}
		}
		copy(hs[k*B*H:], hn)
		hp = hn
	}
	return hs
}

func testGRUSequence(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(31, 32))
	const T, B, H = 4, 3, 5
	W := 3 * H
	for _, masked := range []bool{false, true} {
		for _, rev := range []bool{false, true} {
			xp, u := f64(uniform(rng, T*B*W, -1, 1)), f64(uniform(rng, H*W, -0.5, 0.5))
			rb, h0 := f64(uniform(rng, W, -0.5, 0.5)), f64(uniform(rng, B*H, -1, 1))
			var rm, mk []float64
			if masked {
				rm = f64(uniform(rng, B*H, 0, 2))
				mk = make([]float64, T*B)
				for i := range mk {
					if rng.IntN(4) > 0 {
						mk[i] = 1
					}
				}
			}
			name := fmt.Sprintf("masked=%v reverse=%v", masked, rev)
			s := backend.GRUSeq{T: T, B: B, H: H, Reverse: rev,
				Xp: h.in32(xp), U: h.in32(u), Rb: h.in32(rb), H0: h.in32(h0), RecMask: h.in32(rm), Mask: h.in32(mk),
				Hs: h.garbage(T * B * H), Act: h.garbage(T * B * W), Qs: h.garbage(T * B * W), Hp: h.garbage(T * B * H)}
			b.GRUSequence(s)
			h.check(name+" forward", h.out(s.Hs, T*B*H), gruRef(T, B, H, rev, xp, u, rb, h0, rm, mk), 1e-5)
			g := uniform(rng, T*B*H, -1, 1)
			gr := backend.GRUSeqGrad{G: h.in(g), Dx: h.garbage(T * B * W), Dq: h.garbage(T * B * W), Dh: h.garbage(B * H),
				DhP: h.garbage(B * H), Dhd: h.garbage(B * H), GU: h.garbage(H * W), GRb: h.garbage(W)}
			b.GRUSequenceBackward(s, gr)
			gs := numGrad(func() []float64 { return gruRef(T, B, H, rev, xp, u, rb, h0, rm, mk) }, f64(g), xp, u, rb, h0)
			h.check(name+" dxp", h.out(gr.Dx, T*B*W), gs[0], 1e-4)
			h.check(name+" du", h.out(gr.GU, H*W), gs[1], 1e-4)
			h.check(name+" drb", h.out(gr.GRb, W), gs[2], 1e-4)
			h.check(name+" dh0", h.out(gr.Dh, B*H), gs[3], 1e-4)
		}
	}
}

func testApplyUpdate(t *testing.T, b backend.Backend) {
	h := h{t, b}
	rng := rand.New(rand.NewPCG(33, 34))
	cases := []backend.Update{
		{Op: backend.SGD, LR: 0.1},
		{Op: backend.Momentum, LR: 0.1, Momentum: 0.9},
		{Op: backend.Momentum, LR: 0.1, Momentum: 0.9, Nesterov: true},
		{Op: backend.Adam, LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-7},
		{Op: backend.AMSGrad, LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-7},
		{Op: backend.Adagrad, LR: 0.05, Eps: 1e-7},
		{Op: backend.RMSprop, LR: 0.01, Rho: 0.9, Eps: 1e-7},
		{Op: backend.RMSprop, LR: 0.01, Rho: 0.9, Eps: 1e-7, Momentum: 0.5},
	}
	for ci, u := range cases {
		for _, centered := range []bool{false, true} {
			if centered && u.Op != backend.RMSprop {
				continue
			}
			for _, n := range []int{1, 1037, 1<<17 + 5} {
				p, g := uniform(rng, n, -1, 1), uniform(rng, n, -1, 1)
				// s2 (RMSprop's mean gradient) stays small against s0 (v)
				s0, s1, s2 := uniform(rng, n, 0.5, 1), uniform(rng, n, 0, 1), uniform(rng, n, 0, 0.3)
				wp, w0, w1, w2 := f64(p), f64(s0), f64(s1), f64(s2)
				for i := range wp {
					refUpdate(u, centered, &wp[i], float64(g[i]), &w0[i], &w1[i], &w2[i])
				}
				pb, b0, b1, b2 := h.in(p), h.in(s0), h.in(s1), h.in(s2)
				var a1, a2 backend.Buffer
				switch u.Op {
				case backend.Adam:
					a1 = b1
				case backend.AMSGrad:
					a1, a2 = b1, b2
				case backend.RMSprop:
					if u.Momentum > 0 {
						a1 = b1
					}
					if centered {
						a2 = b2
					}
				}
				b.ApplyUpdate(u, pb, h.in(g), b0, a1, a2)
				name := fmt.Sprintf("case %d %v centered=%v n=%d", ci, u.Op, centered, n)
				h.check(name+" p", h.out(pb, n), wp, 1e-5)
				if u.Op != backend.SGD {
					h.check(name+" slot 0", h.out(b0, n), w0, 1e-5)
				}
				if !a1.IsNil() {
					h.check(name+" slot 1", h.out(a1, n), w1, 1e-5)
				}
				if !a2.IsNil() {
					h.check(name+" slot 2", h.out(a2, n), w2, 1e-5)
				}
			}
		}
	}
}

// refUpdate is one element of each update rule (see backend.UpdateOp).
func refUpdate(u backend.Update, centered bool, p *float64, g float64, s0, s1, s2 *float64) {
	lr, eps := float64(u.LR), float64(u.Eps)
	switch u.Op {
	case backend.SGD:
		*p -= lr * g
	case backend.Momentum:
		mu := float64(u.Momentum)
		*s0 = mu**s0 - lr*g
		if u.Nesterov {
			*p += mu**s0 - lr*g
		} else {
			*p += *s0
		}
	case backend.Adam, backend.AMSGrad:
		b1, b2 := float64(u.Beta1), float64(u.Beta2)
		*s0 += (g - *s0) * (1 - b1)
		*s1 += (g*g - *s1) * (1 - b2)
		v := *s1
		if u.Op == backend.AMSGrad {
			*s2 = math.Max(*s2, *s1)
			v = *s2
		}
		*p -= lr * *s0 / (math.Sqrt(v) + eps)
	case backend.Adagrad:
		*s0 += g * g
		*p -= lr * g / math.Sqrt(*s0+eps)
	case backend.RMSprop:
		rho := float64(u.Rho)
		*s0 = rho**s0 + (1-rho)*g*g
		den := *s0
		if centered {
			*s2 = rho**s2 + (1-rho)*g
			den -= *s2 * *s2
		}
		inc := lr * g / math.Sqrt(den+eps)
		if u.Momentum > 0 {
			inc += float64(u.Momentum) * *s1
			*s1 = inc
		}
		*p -= inc
	}
}
