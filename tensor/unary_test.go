package tensor_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// opsFn is the shape of the functions gradient-checked by the op tests.
type opsFn = func(xs ...*tensor.Tensor) *tensor.Tensor

// opsGradCase is one gradient check: f applied to inputs made by gen.
type opsGradCase struct {
	name string
	f    opsFn
	in   []*tensor.Tensor
}

func opsRunGrad(t *testing.T, cases []opsGradCase) {
	t.Helper()
	for _, c := range cases {
		tensortest.GradCheck(t, c.name, c.f, tensortest.GradCheckOptions{}, c.in...)
	}
}

// opsRand returns uniform values in [lo, hi).
func opsRand(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(tensor.NewRNG(seed), lo, hi, shape...)
}

// opsAway returns values with lo <= |v| < hi and random signs: kept away
// from 0 for ops with a kink or pole there.
func opsAway(seed uint64, lo, hi float32, shape ...int) *tensor.Tensor {
	rng := tensor.NewRNG(seed)
	x := tensor.RandUniform(rng, lo, hi, shape...)
	d := x.Data()
	for i := range d {
		if rng.IntN(2) == 0 {
			d[i] = -d[i]
		}
	}
	return x
}

// opsGrid returns the values off, off+step, off+2·step, ... in a random
// order: distinct and at least step apart, so that Max/Min have no ties
// within a finite-difference step.
func opsGrid(seed uint64, off, step float32, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	perm := tensor.NewRNG(seed).Perm(n)
	v := make([]float32, n)
	for i, p := range perm {
		v[i] = off + step*float32(p)
	}
	return tensor.FromSlice(v, shape...)
}

// opsPanics runs f and checks it panics with a *tensor.ShapeError whose
// message contains every string in want.
func opsPanics(t *testing.T, name string, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		var se *tensor.ShapeError
		if !ok || !errors.As(err, &se) {
			t.Errorf("%s: panic %v is not a *tensor.ShapeError", name, r)
			return
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: message %q does not contain %q", name, err.Error(), w)
			}
		}
	}()
	f()
}

// opsClose fails the test when got and want differ by more than tol.
func opsClose(t *testing.T, name string, got *tensor.Tensor, want []float32, shape []int, tol float64) {
	t.Helper()
	if shape != nil && !slices.Equal(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape(), shape)
		return
	}
	if ok, msg := tensortest.Close(got.Data(), want, tol, tol); !ok {
		t.Errorf("%s: %s (got %v)", name, msg, got.Data())
	}
}

func TestUnaryGradients(t *testing.T) {
	tr := func(f func(*tensor.Tensor) *tensor.Tensor) opsFn {
		// a transposed (strided) input
		return func(x ...*tensor.Tensor) *tensor.Tensor { return f(x[0].Transpose()) }
	}
	sl := func(f func(*tensor.Tensor) *tensor.Tensor) opsFn {
		// a sliced (strided, offset) input
		return func(x ...*tensor.Tensor) *tensor.Tensor { return f(x[0].Slice(1, 1, 4)) }
	}
	one := func(f func(*tensor.Tensor) *tensor.Tensor) opsFn {
		return func(x ...*tensor.Tensor) *tensor.Tensor { return f(x[0]) }
	}
	pow := func(p float32) func(*tensor.Tensor) *tensor.Tensor {
		return func(x *tensor.Tensor) *tensor.Tensor { return tensor.Pow(x, p) }
	}
	clip := func(x *tensor.Tensor) *tensor.Tensor { return tensor.Clip(x, -0.5, 0.5) }
	opsRunGrad(t, []opsGradCase{
		{"Exp", one(tensor.Exp), []*tensor.Tensor{opsRand(1, -2, 2, 3, 4)}},
		{"ExpT", tr(tensor.Exp), []*tensor.Tensor{opsRand(2, -2, 2, 4, 3)}},
		{"Log", one(tensor.Log), []*tensor.Tensor{opsRand(3, 0.5, 2, 2, 3, 2)}},
		{"LogSliced", sl(tensor.Log), []*tensor.Tensor{opsRand(4, 0.5, 2, 3, 5)}},
		{"Sqrt", one(tensor.Sqrt), []*tensor.Tensor{opsRand(5, 0.5, 2, 7)}},
		{"SqrtT", tr(tensor.Sqrt), []*tensor.Tensor{opsRand(6, 0.5, 2, 2, 5)}},
		{"Rsqrt", one(tensor.Rsqrt), []*tensor.Tensor{opsRand(7, 0.5, 2, 3, 3)}},
		{"Square", one(tensor.Square), []*tensor.Tensor{opsRand(8, -2, 2, 4, 2)}},
		{"SquareSliced", sl(tensor.Square), []*tensor.Tensor{opsRand(9, -2, 2, 2, 6)}},
		{"Abs", one(tensor.Abs), []*tensor.Tensor{opsAway(10, 0.1, 2, 3, 4)}},
		{"AbsT", tr(tensor.Abs), []*tensor.Tensor{opsAway(11, 0.1, 2, 3, 4)}},
		{"Pow3", one(pow(3)), []*tensor.Tensor{opsRand(12, -2, 2, 5)}},
		{"Pow2.5", one(pow(2.5)), []*tensor.Tensor{opsRand(13, 0.5, 2, 2, 3)}},
		{"PowNeg1.5T", tr(pow(-1.5)), []*tensor.Tensor{opsRand(14, 0.5, 2, 3, 2)}},
		{"Pow0", one(pow(0)), []*tensor.Tensor{opsRand(15, 0.5, 2, 3)}},
		{"Reciprocal", one(tensor.Reciprocal), []*tensor.Tensor{opsAway(16, 0.5, 2, 2, 4)}},
		{"Clip", one(clip), []*tensor.Tensor{tensor.FromSlice([]float32{-0.9, -0.45, 0, 0.3, 0.45, 0.8}, 2, 3)}},
		{"ClipT", tr(clip), []*tensor.Tensor{tensor.FromSlice([]float32{-0.9, -0.45, 0, 0.3, 0.45, 0.8}, 3, 2)}},
	})
}

func TestBinaryMathGradients(t *testing.T) {
	maxi := func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Maximum(x[0], x[1]) }
	mini := func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Minimum(x[0], x[1]) }
	powt := func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.PowT(x[0], x[1]) }
	// a on the grid 0.1·k, b on the grid 0.1·k + 0.05: never within a
	// finite-difference step of each other.
	opsRunGrad(t, []opsGradCase{
		{"Maximum", maxi, []*tensor.Tensor{opsGrid(1, -1, 0.1, 3, 4), opsGrid(2, -1.05, 0.1, 3, 4)}},
		{"MaximumBroadcast", maxi, []*tensor.Tensor{opsGrid(3, -1, 0.1, 2, 3, 4), opsGrid(4, -0.25, 0.1, 4)}},
		{"MaximumColRow", maxi, []*tensor.Tensor{opsGrid(5, -0.2, 0.1, 3, 1), opsGrid(6, -0.25, 0.1, 1, 5)}},
		{"MaximumScalar", maxi, []*tensor.Tensor{opsGrid(7, -0.5, 0.1, 2, 5), tensor.Scalar(0.05)}},
		{"MaximumT", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Maximum(x[0].Transpose(), x[1])
		}, []*tensor.Tensor{opsGrid(8, -1, 0.1, 4, 3), opsGrid(9, -1.05, 0.1, 3, 4)}},
		{"Minimum", mini, []*tensor.Tensor{opsGrid(10, -1, 0.1, 3, 4), opsGrid(11, -1.05, 0.1, 3, 4)}},
		{"MinimumBroadcast", mini, []*tensor.Tensor{opsGrid(12, -0.25, 0.1, 4), opsGrid(13, -1.05, 0.1, 2, 3, 4)}},
		{"PowT", powt, []*tensor.Tensor{opsRand(14, 0.5, 2, 2, 3), opsRand(15, -2, 2, 2, 3)}},
		{"PowTBroadcast", powt, []*tensor.Tensor{opsRand(16, 0.5, 2, 2, 3), opsRand(17, -2, 2, 3)}},
		{"PowTScalarExp", powt, []*tensor.Tensor{opsRand(18, 0.5, 2, 2, 3), tensor.Scalar(1.7)}},
		{"PowTScalarBase", powt, []*tensor.Tensor{tensor.Scalar(1.3), opsRand(19, -2, 2, 4)}},
		{"PowTSliced", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.PowT(x[0].Slice(0, 1, 3), x[1].Transpose())
		}, []*tensor.Tensor{opsRand(20, 0.5, 2, 4, 3), opsRand(21, -2, 2, 3, 2)}},
	})
}

func TestUnaryValues(t *testing.T) {
	x := tensor.FromSlice([]float32{-4, -1, 0, 0.25, 1, 9}, 2, 3)
	pos := tensor.FromSlice([]float32{0.25, 1, 4, 16}, 4)
	e := float32(math.E)
	cases := []struct {
		name string
		got  *tensor.Tensor
		want []float32
	}{
		{"Exp", tensor.Exp(tensor.FromSlice([]float32{0, 1, -1, 2}, 4)), []float32{1, e, 1 / e, e * e}},
		{"Log", tensor.Log(tensor.FromSlice([]float32{1, e, 1 / e, 0}, 4)), []float32{0, 1, -1, float32(math.Inf(-1))}},
		{"Sqrt", tensor.Sqrt(pos), []float32{0.5, 1, 2, 4}},
		{"Rsqrt", tensor.Rsqrt(pos), []float32{2, 1, 0.5, 0.25}},
		{"Square", tensor.Square(x), []float32{16, 1, 0, 0.0625, 1, 81}},
		{"Abs", tensor.Abs(x), []float32{4, 1, 0, 0.25, 1, 9}},
		{"Pow", tensor.Pow(pos, 1.5), []float32{0.125, 1, 8, 64}},
		{"Pow3", tensor.Pow(x, 3), []float32{-64, -1, 0, 0.015625, 1, 729}},
		{"Reciprocal", tensor.Reciprocal(pos), []float32{4, 1, 0.25, 0.0625}},
		{"Sign", tensor.Sign(x), []float32{-1, -1, 0, 1, 1, 1}},
		{"Clip", tensor.Clip(x, -1, 0.5), []float32{-1, -1, 0, 0.25, 0.5, 0.5}},
		{"ExpTransposed", tensor.Exp(tensor.FromSlice([]float32{0, 1, 2, 3}, 2, 2).Transpose()), []float32{1, float32(math.Exp(2)), e, float32(math.Exp(3))}},
		{"Maximum", tensor.Maximum(x, tensor.FromSlice([]float32{0, 0.5, 1}, 3)), []float32{0, 0.5, 1, 0.25, 1, 9}},
		{"Minimum", tensor.Minimum(x, tensor.Scalar(0.5)), []float32{-4, -1, 0, 0.25, 0.5, 0.5}},
		{"MinimumScalarFirst", tensor.Minimum(tensor.Scalar(0.5), x), []float32{-4, -1, 0, 0.25, 0.5, 0.5}},
		{"PowT", tensor.PowT(pos, tensor.FromSlice([]float32{2, 0, 0.5, -0.5}, 4)), []float32{0.0625, 1, 2, 0.25}},
	}
	for _, c := range cases {
		opsClose(t, c.name, c.got, c.want, nil, 1e-6)
	}
}

// TestLargeUnary runs the parallel path of the unary kernels.
func TestLargeUnary(t *testing.T) {
	x := opsRand(1, -3, 3, 300, 301)
	got := tensor.Exp(x).Data()
	for i, v := range x.Data() {
		want := math.Exp(float64(v))
		if math.Abs(float64(got[i])-want) > 3e-7*want {
			t.Fatalf("Exp(%g) = %g, want %g", v, got[i], want)
		}
	}
}

func TestClipGradientAtBounds(t *testing.T) {
	// PyTorch's clamp passes the gradient where lo <= x <= hi, bounds
	// included.
	x := tensor.FromSlice([]float32{-2, -1, 0, 1, 2}, 5).SetRequiresGrad(true)
	tensor.Sum(tensor.Clip(x, -1, 1), nil, false).Backward()
	opsClose(t, "Clip grad", x.Grad(), []float32{0, 1, 1, 1, 0}, nil, 0)
}

func TestMaximumTieSplitsGradient(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 5}, 3).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{1, 3, 4}, 3).SetRequiresGrad(true)
	tensor.Sum(tensor.Maximum(a, b), nil, false).Backward()
	opsClose(t, "Maximum grad a", a.Grad(), []float32{0.5, 0, 1}, nil, 0)
	opsClose(t, "Maximum grad b", b.Grad(), []float32{0.5, 1, 0}, nil, 0)
	a.ZeroGrad()
	b.ZeroGrad()
	tensor.Sum(tensor.Minimum(a, b), nil, false).Backward()
	opsClose(t, "Minimum grad a", a.Grad(), []float32{0.5, 1, 0}, nil, 0)
	opsClose(t, "Minimum grad b", b.Grad(), []float32{0.5, 0, 1}, nil, 0)
}

func TestPowTGradientAtZeroBase(t *testing.T) {
	// d/db 0^b is taken as 0 for b >= 0 (PyTorch), and d/da a^0 as 0.
	a := tensor.FromSlice([]float32{0, 0, 2}, 3).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{2, 0, 0}, 3).SetRequiresGrad(true)
	tensor.Sum(tensor.PowT(a, b), nil, false).Backward()
	opsClose(t, "PowT grad a", a.Grad(), []float32{0, 0, 0}, nil, 0)
	opsClose(t, "PowT grad b", b.Grad(), []float32{0, 0, float32(math.Log(2))}, nil, 1e-6)
}

func TestSignHasNoGradient(t *testing.T) {
	x := opsRand(1, -1, 1, 4).SetRequiresGrad(true)
	if s := tensor.Sign(x); s.RequiresGrad() {
		t.Fatal("Sign result requires a gradient")
	}
}

func TestUnaryArena(t *testing.T) {
	a := tensor.NewArena()
	x := a.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	for name, y := range map[string]*tensor.Tensor{
		"Exp":     tensor.Exp(x),
		"Clip":    tensor.Clip(x, 0, 1),
		"Maximum": tensor.Maximum(tensor.Ones(2), x),
		"Max":     tensor.Max(x, nil, false),
		"Concat":  tensor.Concat(0, tensor.Ones(1, 2), x),
		"Take":    tensor.Take(x, 1, []int{1, 1, 0}),
		"Pad":     tensor.Pad(x, [][2]int{{1, 0}, {0, 2}}, 0),
		"Where":   tensor.Where(tensor.Ones(2), tensor.Zeros(2), x),
	} {
		if y.Arena() != a {
			t.Errorf("%s did not allocate from the input's arena", name)
		}
	}
}
