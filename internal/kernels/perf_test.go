package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tieSlice returns n values drawn from a small set (so ties are common),
// with some zeros, negative zeros and, when withNaN, NaNs.
func tieSlice(r *rand.Rand, n int, withNaN bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch k := r.IntN(10); {
		case k == 0:
			s[i] = float32(math.Copysign(0, -1))
		case k == 1 && withNaN:
			s[i] = float32(math.NaN())
		default:
			s[i] = float32(r.IntN(5) - 2)
		}
	}
	return s
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func TestReLUBackwardSIMD(t *testing.T) { forEachTier(t, testReLUBackwardSIMD) }

func testReLUBackwardSIMD(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000} {
		r := rand.New(rand.NewPCG(uint64(n), 7))
		dy, y := tieSlice(r, n, true), tieSlice(r, n, true)
		got, want := make([]float32, n), make([]float32, n)
		for i := range got {
			got[i] = 5
		}
		ReLUBackward(got, dy, y)
		reluBackwardRef(want, dy, y)
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("n=%d: dx[%d] = %v, want %v", n, i, got[i], want[i])
		}
	}
}

func TestSumRowsSIMD(t *testing.T) { forEachTier(t, testSumRowsSIMD) }

func testSumRowsSIMD(t *testing.T) {
	for _, tc := range []struct{ rows, f int }{{1, 16}, {3, 32}, {257, 64}, {5, 3}, {4, 48}, {3, 8}, {2, 24}} {
		r := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.f)))
		src := randSlice(r, tc.rows*tc.f)
		got, want := randSlice(r, tc.f), make([]float32, tc.f)
		copy(want, got)
		SumRows(got, src, tc.rows, tc.f)
		sumRowsRef(want, src, tc.rows, tc.f)
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("%+v: dst[%d] = %v, want %v", tc, i, got[i], want[i])
		}
	}
}

// TestMaxPool2x2Row checks the row kernels against their references and
// against MaxPool2D (values, and gradients routed to its argmax).
func TestMaxPool2x2Row(t *testing.T) { forEachTier(t, testMaxPool2x2Row) }

func testMaxPool2x2Row(t *testing.T) {
	for _, tc := range []struct {
		ow, c int
		nan   bool
	}{{1, 16, false}, {3, 32, true}, {13, 32, false}, {5, 64, true}, {4, 3, true}, {2, 1, false}, {3, 8, true}, {5, 24, true}, {3, 4, true}, {7, 12, true}, {2, 20, false}} {
		r := rand.New(rand.NewPCG(uint64(tc.ow), uint64(tc.c)))
		n := tc.ow * tc.c
		x := tieSlice(r, 4*n, tc.nan)
		x0, x1 := x[:2*n], x[2*n:]
		y, yRef := make([]float32, n), make([]float32, n)
		MaxPool2x2Row(y, x0, x1, tc.ow, tc.c)
		maxPool2x2RowRef(yRef, x0, x1, tc.ow, tc.c)
		if i := sameBits(y, yRef); i >= 0 {
			t.Fatalf("%+v: forward [%d] = %v, want %v", tc, i, y[i], yRef[i])
		}
		// MaxPool2D on the 2×(2·ow) image
		g := ConvGeom{H: 2, W: 2 * tc.ow, C: tc.c, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 1, OW: tc.ow}
		ym, am := make([]float32, n), make([]int32, n)
		MaxPool2D(ym, am, x, &g)
		if i := sameBits(y, ym); i >= 0 {
			t.Fatalf("%+v: forward [%d] = %v, MaxPool2D %v", tc, i, y[i], ym[i])
		}
		dy := randSlice(r, n)
		dx := make([]float32, 4*n)
		dxRef := make([]float32, 4*n)
		dxArg := make([]float32, 4*n)
		for i := range dx {
			dx[i], dxRef[i] = 9, 9
		}
		MaxPool2x2RowBackward(dx[:2*n], dx[2*n:], x0, x1, y, dy, tc.ow, tc.c)
		maxPool2x2RowBackwardRef(dxRef[:2*n], dxRef[2*n:], x0, x1, y, dy, tc.ow, tc.c)
		MaxPool2DBackward(dxArg, dy, am)
		if i := sameBits(dx, dxRef); i >= 0 {
			t.Fatalf("%+v: backward [%d] = %v, ref %v", tc, i, dx[i], dxRef[i])
		}
		if i := sameBits(dx, dxArg); i >= 0 {
			t.Fatalf("%+v: backward [%d] = %v, argmax routing %v", tc, i, dx[i], dxArg[i])
		}
	}
}

func TestEpilogueSIMD(t *testing.T) { forEachTier(t, testEpilogueSIMD) }

func testEpilogueSIMD(t *testing.T) {
	for _, tc := range []struct{ m, n, ldc int }{{1, 1, 1}, {3, 16, 20}, {14, 32, 32}, {5, 37, 40}, {2, 9, 9}} {
		for _, withBias := range []bool{false, true} {
			for _, relu := range []bool{false, true} {
				r := rand.New(rand.NewPCG(uint64(tc.m), uint64(tc.n)))
				c := tieSlice(r, tc.m*tc.ldc, true)
				want := append([]float32(nil), c...)
				var bias []float32
				if withBias {
					bias = tieSlice(r, tc.n, true)
				}
				applyEpilogue(c, tc.ldc, tc.m, tc.n, bias, relu)
				applyEpilogueRef(want, tc.ldc, tc.m, tc.n, bias, relu)
				if i := sameBits(c, want); i >= 0 {
					t.Fatalf("%+v bias=%v relu=%v: c[%d] = %v, want %v", tc, withBias, relu, i, c[i], want[i])
				}
			}
		}
	}
}

func TestConv3x3C1(t *testing.T) { forEachTier(t, testConv3x3C1) }

func testConv3x3C1(t *testing.T) {
	for _, tc := range []struct{ h, w, f int }{{28, 28, 32}, {5, 7, 64}, {3, 3, 32}, {6, 4, 16}, {4, 5, 8}, {7, 3, 24}} {
		g := ConvGeom{H: tc.h, W: tc.w, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: tc.h - 2, OW: tc.w - 2}
		r := rand.New(rand.NewPCG(uint64(tc.h), uint64(tc.f)))
		x, w, bias := randSlice(r, tc.h*tc.w), randSlice(r, 9*tc.f), randSlice(r, tc.f)
		n := g.OH * g.OW * tc.f
		for _, relu := range []bool{false, true} {
			got, want := make([]float32, n), make([]float32, n)
			Conv3x3C1(got, x, w, bias, &g, tc.f, relu)
			conv3x3c1Ref(want, x, w, bias, &g, tc.f, relu)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5 {
					t.Fatalf("%+v relu=%v: out[%d] = %v, want %v", tc, relu, i, got[i], want[i])
				}
			}
			if Conv3x3C1Fast(&g, tc.f) {
				// bit-identical to im2col + GEMM with the fused epilogue
				patches := make([]float32, g.OH*g.OW*9)
				Im2col(patches, x, &g, 0, g.OH*g.OW)
				gemm := make([]float32, n)
				SgemmEpilogue(false, false, g.OH*g.OW, tc.f, 9, 1, patches, 9, w, tc.f, 0, gemm, tc.f, Epilogue{Bias: bias, ReLU: relu})
				if i := sameBits(got, gemm); i >= 0 {
					t.Fatalf("%+v relu=%v: out[%d] = %v, GEMM %v", tc, relu, i, got[i], gemm[i])
				}
			}
			dy := randSlice(r, n)
			var y []float32
			if relu {
				y = got
			}
			dw, db := randSlice(r, 9*tc.f), randSlice(r, tc.f)
			dwRef, dbRef := append([]float32(nil), dw...), append([]float32(nil), db...)
			Conv3x3C1Grad(dw, db, x, dy, y, &g, tc.f)
			conv3x3c1GradRef(dwRef, dbRef, x, dy, y, &g, tc.f)
			for i := range dw {
				if d := math.Abs(float64(dw[i] - dwRef[i])); d > 1e-3 {
					t.Fatalf("%+v relu=%v: dw[%d] = %v, want %v", tc, relu, i, dw[i], dwRef[i])
				}
			}
			for i := range db {
				if d := math.Abs(float64(db[i] - dbRef[i])); d > 1e-3 {
					t.Fatalf("%+v relu=%v: db[%d] = %v, want %v", tc, relu, i, db[i], dbRef[i])
				}
			}
		}
	}
}

func TestAdamUpdateSIMD(t *testing.T) { forEachTier(t, testAdamUpdateSIMD) }

func testAdamUpdateSIMD(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 100} {
		r := rand.New(rand.NewPCG(uint64(n), 11))
		p, g, m := randSlice(r, n), randSlice(r, n), randSlice(r, n)
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32()
		}
		p2, g2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), g...), append([]float32(nil), m...), append([]float32(nil), v...)
		for step := 0; step < 3; step++ {
			AdamUpdate(p, g, m, v, 0.001, 0.9, 0.999, 1e-7)
			adamUpdateRef(p2, g2, m2, v2, 0.001, 0.9, 0.999, 1e-7)
		}
		for _, c := range [][2][]float32{{p, p2}, {m, m2}, {v, v2}} {
			if i := sameBits(c[0], c[1]); i >= 0 {
				t.Fatalf("n=%d: [%d] = %v, want %v", n, i, c[0][i], c[1][i])
			}
		}
	}
}

// BenchmarkAdamUpdate times one Adam step over the MNIST CNN's 93,322
// parameters (AVX-512 when available, and the pure-Go reference).
func BenchmarkAdamUpdate(b *testing.B) {
	const n = 93322
	r := rand.New(rand.NewPCG(1, 2))
	p, g, m, v := randSlice(r, n), randSlice(r, n), make([]float32, n), make([]float32, n)
	b.Run("dispatch", func(b *testing.B) {
		for b.Loop() {
			AdamUpdate(p, g, m, v, 0.001, 0.9, 0.999, 1e-7)
		}
	})
	b.Run("ref", func(b *testing.B) {
		for b.Loop() {
			adamUpdateRef(p, g, m, v, 0.001, 0.9, 0.999, 1e-7)
		}
	})
}
