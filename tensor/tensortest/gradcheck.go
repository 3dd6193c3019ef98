// Package tensortest provides test helpers for code built on package tensor:
// a central finite-difference gradient check and approximate comparison.
package tensortest

import (
	"fmt"
	"math"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// GradCheckOptions tune GradCheck. Zero values take the defaults.
type GradCheckOptions struct {
	Eps  float64 // finite-difference step (default 1e-2)
	Tol  float64 // allowed |analytic-numeric| / max(1, |numeric|) (default 2e-2)
	Seed uint64  // seed of the random projection of the output
}

// GradCheck checks the gradients that Backward computes for f against central
// finite differences. It reduces f's output to a scalar by a fixed random
// projection L = Σ f(x)·R, so every output element matters, computes dL/dx for
// every input by autodiff, and compares with (L(x+eps) - L(x-eps)) / 2eps,
// evaluated in float64 from the float32 outputs. Inputs are marked as
// requiring gradients; f must be deterministic.
func GradCheck(t testing.TB, name string, f func(xs ...*tensor.Tensor) *tensor.Tensor, opt GradCheckOptions, xs ...*tensor.Tensor) {
	t.Helper()
	if err := gradCheck(f, opt, xs...); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func gradCheck(f func(xs ...*tensor.Tensor) *tensor.Tensor, opt GradCheckOptions, xs ...*tensor.Tensor) error {
	if opt.Eps == 0 {
		opt.Eps = 1e-2
	}
	if opt.Tol == 0 {
		opt.Tol = 2e-2
	}
	for _, x := range xs {
		x.SetRequiresGrad(true)
		x.ZeroGrad()
	}
	out := f(xs...)
	rng := tensor.NewRNG(opt.Seed + 7)
	r := tensor.RandUniform(rng, -1, 1, out.Shape()...)
	rd := r.Float64s()
	loss := func() float64 {
		var y *tensor.Tensor
		tensor.NoGrad(func() { y = f(xs...) })
		var s float64
		for i, v := range y.Float64s() {
			s += v * rd[i]
		}
		return s
	}
	tensor.Sum(tensor.Mul(out, r), nil, false).Backward()
	for xi, x := range xs {
		g := x.Grad()
		if g == nil {
			return fmt.Errorf("input %d %v: no gradient computed", xi, x.Shape())
		}
		ga := g.Data()
		if !x.IsContiguous() {
			return fmt.Errorf("input %d must be contiguous", xi)
		}
		xd := x.Data()
		for i := range xd {
			orig := xd[i]
			xd[i] = orig + float32(opt.Eps)
			lp := loss()
			xd[i] = orig - float32(opt.Eps)
			lm := loss()
			xd[i] = orig
			num := (lp - lm) / (2 * opt.Eps)
			ana := float64(ga[i])
			if d := math.Abs(num - ana); d > opt.Tol*math.Max(1, math.Abs(num)) || math.IsNaN(ana) {
				return fmt.Errorf("input %d %v element %d: analytic %.6g, numeric %.6g", xi, x.Shape(), i, ana, num)
			}
		}
	}
	return nil
}

// Close reports whether a and b have equal length and agree within
// |a-b| <= atol + rtol·|b| elementwise; on failure it describes the first
// mismatch.
func Close(a, b []float32, rtol, atol float64) (bool, string) {
	if len(a) != len(b) {
		return false, fmt.Sprintf("lengths %d and %d differ", len(a), len(b))
	}
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if math.Abs(x-y) > atol+rtol*math.Abs(y) || math.IsNaN(x) != math.IsNaN(y) {
			return false, fmt.Sprintf("element %d: got %.7g, want %.7g", i, x, y)
		}
	}
	return true, ""
}
