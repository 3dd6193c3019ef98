package kernels

import (
	"math"
	"testing"
)

// TestActivationKernelsOddLengths runs every forward kernel on an odd-length
// slice with a guard band and compares with float64 formulas.
func TestActivationKernelsOddLengths(t *testing.T) { forEachTier(t, testActivationKernelsOddLengths) }

func testActivationKernelsOddLengths(t *testing.T) {
	x := []float32{-30, -3, -1.5, -0.5, 0, 0.25, 1, 2.5, 30}
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	cases := []struct {
		name string
		k    func(dst, x []float32)
		ref  func(float64) float64
	}{
		{"ReLU", ReLU, func(v float64) float64 { return math.Max(v, 0) }},
		{"Sigmoid", Sigmoid, sig},
		{"Tanh", Tanh, math.Tanh},
		{"GELU", GELU, func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }},
		{"Softplus", Softplus, func(v float64) float64 { return math.Log1p(math.Exp(v)) }},
		{"Swish", Swish, func(v float64) float64 { return v * sig(v) }},
	}
	for _, c := range cases {
		dst := make([]float32, len(x)+3)
		for i := range dst {
			dst[i] = 42
		}
		c.k(dst[:len(x)], x)
		for i, v := range x {
			want := c.ref(float64(v))
			if d := math.Abs(float64(dst[i]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s(%v) = %v, want %v", c.name, v, dst[i], want)
			}
		}
		for i := len(x); i < len(dst); i++ {
			if dst[i] != 42 {
				t.Errorf("%s: guard band overwritten", c.name)
			}
		}
	}
}

// TestSoftmaxStrided checks the [pre, n, post] layout against the contiguous
// path on a transposed copy.
func TestSoftmaxStrided(t *testing.T) {
	pre, n, post := 2, 3, 4
	src := make([]float32, pre*n*post)
	for i := range src {
		src[i] = float32(math.Sin(float64(i)) * 5)
	}
	dst := make([]float32, len(src))
	Softmax(dst, src, pre, n, post)
	for p := 0; p < pre; p++ {
		for j := 0; j < post; j++ {
			line := make([]float32, n)
			for i := range line {
				line[i] = src[(p*n+i)*post+j]
			}
			want := make([]float32, n)
			Softmax(want, line, 1, n, 1)
			for i := range line {
				if got := dst[(p*n+i)*post+j]; math.Abs(float64(got-want[i])) > 1e-7 {
					t.Fatalf("(%d,%d,%d): %v, want %v", p, i, j, got, want[i])
				}
			}
		}
	}
}

func TestReLUPropagatesNaN(t *testing.T) {
	nan := float32(math.NaN())
	dst := make([]float32, 4)
	ReLU(dst, []float32{nan, 1, -1, 0})
	if dst[0] == dst[0] || dst[1] != 1 || dst[2] != 0 || dst[3] != 0 {
		t.Fatalf("ReLU([NaN 1 -1 0]) = %v, want [NaN 1 0 0]", dst)
	}
}
