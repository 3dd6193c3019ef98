package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64()*200 - 100)
	}
	specials := []float32{0, -0, 1, -1, 88, -87, 88.5, 88.72, 89, -87.5, -100, -104, -200,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-8, -1e-8, 0.34657359, -0.34657359}
	x = append(x, specials...)
	// guard band: Exp must write exactly len(dst)
	dst := make([]float32, len(x)+2)
	dst[len(x)], dst[len(x)+1] = 7, 7
	Exp(dst[:len(x)], x)
	if dst[len(x)] != 7 || dst[len(x)+1] != 7 {
		t.Fatal("Exp wrote past dst")
	}
	for i, v := range x {
		want := math.Exp(float64(v))
		got := float64(dst[i])
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(got) {
				t.Fatalf("exp(%g) = %g, want NaN", v, got)
			}
		case math.IsInf(want, 0) || want > math.MaxFloat32:
			if !math.IsInf(got, 1) {
				t.Fatalf("exp(%g) = %g, want +Inf", v, got)
			}
		case want < 1.2e-38: // subnormal range: absolute accuracy
			if math.Abs(got-want) > 1.5e-45 {
				t.Fatalf("exp(%g) = %g, want %g", v, got, want)
			}
		default:
			if rel := math.Abs(got-want) / want; rel > 2.5e-7 {
				t.Fatalf("exp(%g) = %.9g, want %.9g (rel err %.3g)", v, got, want, rel)
			}
		}
	}
}

func TestUnaryKernels(t *testing.T) { forEachTier(t, testUnaryKernels) }

func testUnaryKernels(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{-2, -0.5, 0, 0.25, 3, nan}
	cases := []struct {
		name string
		f    func(dst, x []float32)
		want []float32
	}{
		{"Square", Square, []float32{4, 0.25, 0, 0.0625, 9, nan}},
		{"Abs", Abs, []float32{2, 0.5, 0, 0.25, 3, nan}},
		{"Sign", Sign, []float32{-1, -1, 0, 1, 1, nan}},
		{"Reciprocal", Reciprocal, []float32{-0.5, -2, float32(math.Inf(1)), 4, 1.0 / 3, nan}},
		{"Clip", func(d, x []float32) { Clip(d, x, -1, 1) }, []float32{-1, -0.5, 0, 0.25, 1, nan}},
		{"ClipMask", func(d, x []float32) { ClipMask(d, x, -0.5, 0.25) }, []float32{0, 1, 1, 1, 0, 0}},
		{"Pow3", func(d, x []float32) { PowVS(d, x, 3) }, []float32{-8, -0.125, 0, 0.015625, 27, nan}},
		{"Pow0", func(d, x []float32) { PowVS(d, x, 0) }, []float32{1, 1, 1, 1, 1, 1}},
		{"PowNeg1", func(d, x []float32) { PowVS(d, x, -1) }, []float32{-0.5, -2, float32(math.Inf(1)), 4, 1.0 / 3, nan}},
		{"MaxVS", func(d, x []float32) { MaxVS(d, x, 0.1) }, []float32{0.1, 0.1, 0.1, 0.25, 3, nan}},
		{"MinVS", func(d, x []float32) { MinVS(d, x, 0.1) }, []float32{-2, -0.5, 0, 0.1, 0.1, nan}},
		{"GtVS", func(d, x []float32) { GtVS(d, x, 0) }, []float32{0, 0, 0, 1, 1, 0}},
		{"GeVS", func(d, x []float32) { GeVS(d, x, 0) }, []float32{0, 0, 1, 1, 1, 0}},
		{"LtVS", func(d, x []float32) { LtVS(d, x, 0) }, []float32{1, 1, 0, 0, 0, 0}},
		{"LeVS", func(d, x []float32) { LeVS(d, x, 0) }, []float32{1, 1, 1, 0, 0, 0}},
		{"EqVS", func(d, x []float32) { EqVS(d, x, 0) }, []float32{0, 0, 1, 0, 0, 0}},
		{"NeVS", func(d, x []float32) { NeVS(d, x, 0) }, []float32{1, 1, 0, 1, 1, 1}},
	}
	for _, c := range cases {
		dst := make([]float32, len(x)+1)
		dst[len(x)] = 42
		c.f(dst[:len(x)], x)
		if dst[len(x)] != 42 {
			t.Errorf("%s wrote past dst", c.name)
		}
		for i := range x {
			g, w := dst[i], c.want[i]
			if !(g == w || (g != g && w != w)) && math.Abs(float64(g-w)) > 1e-6 {
				t.Errorf("%s(%g) = %g, want %g", c.name, x[i], g, w)
			}
		}
	}
}

func TestBinaryKernels(t *testing.T) { forEachTier(t, testBinaryKernels) }

func testBinaryKernels(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{1, 2, 3, nan, 5}
	b := []float32{2, 2, 1, 0, nan}
	cases := []struct {
		name string
		f    func(dst, a, b []float32)
		want []float32
	}{
		{"MaxVV", MaxVV, []float32{2, 2, 3, nan, nan}},
		{"MinVV", MinVV, []float32{1, 2, 1, nan, nan}},
		{"EqVV", EqVV, []float32{0, 1, 0, 0, 0}},
		{"NeVV", NeVV, []float32{1, 0, 1, 1, 1}},
		{"GtVV", GtVV, []float32{0, 0, 1, 0, 0}},
		{"GeVV", GeVV, []float32{0, 1, 1, 0, 0}},
		{"LtVV", LtVV, []float32{1, 0, 0, 0, 0}},
		{"LeVV", LeVV, []float32{1, 1, 0, 0, 0}},
		{"PowVV", PowVV, []float32{1, 4, 3, 1, nan}},
		{"StepVV", StepVV, []float32{0, 0.5, 1, 0, 0}},
		{"StepVS", func(d, a, b []float32) { StepVS(d, a, 2) }, []float32{0, 0.5, 1, 0, 1}},
		{"StepSV", func(d, a, b []float32) { StepSV(d, 2, b) }, []float32{0.5, 0.5, 1, 1, 0}},
		{"Where", func(d, a, b []float32) { Where(d, []float32{1, 0, -1, 0, 1}, a, b) }, []float32{1, 2, 3, 0, 5}},
	}
	for _, c := range cases {
		dst := make([]float32, len(a))
		c.f(dst, a, b)
		for i := range a {
			g, w := dst[i], c.want[i]
			if !(g == w || (g != g && w != w)) {
				t.Errorf("%s(%g, %g) = %g, want %g", c.name, a[i], b[i], g, w)
			}
		}
	}
}

func TestReduceKernels(t *testing.T) {
	nan := float32(math.NaN())
	x := []float32{3, -1, 7, 7, -4, 2}
	if m := Max(x); m != 7 {
		t.Errorf("Max = %g", m)
	}
	if m := Min(x); m != -4 {
		t.Errorf("Min = %g", m)
	}
	if m := Max([]float32{1, nan, 2}); m == m {
		t.Errorf("Max with NaN = %g", m)
	}
	if i := ArgMax(x, 6, 1); i != 2 {
		t.Errorf("ArgMax = %d, want first of the ties, 2", i)
	}
	if i := ArgMin(x, 6, 1); i != 4 {
		t.Errorf("ArgMin = %d", i)
	}
	if i := ArgMax(x, 3, 2); i != 1 { // 3, 7, -4
		t.Errorf("strided ArgMax = %d", i)
	}
	if i := ArgMin(x[1:], 3, 2); i != 0 { // -1, 7, 2
		t.Errorf("strided ArgMin = %d", i)
	}
	if i := ArgMax([]float32{1, nan, 5}, 3, 1); i != 1 {
		t.Errorf("ArgMax with NaN = %d", i)
	}
}

func BenchmarkExp(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/10 - 10
	}
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		Exp(dst, x)
	}
}

func BenchmarkExpMath(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/10 - 10
	}
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		for i, v := range x {
			dst[i] = float32(math.Exp(float64(v)))
		}
	}
}
