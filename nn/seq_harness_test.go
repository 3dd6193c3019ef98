package nn_test

// This file runs the layer harness of harness_test.go (copied as
// runSeqHarness, since TestLayerHarness's body is not a reusable function)
// on the sequence layers.

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func runSeqHarness(t *testing.T, cases []layerCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.make()
			rng := tensor.NewRNG(11)
			if err := l.Build(c.in, rng); err != nil {
				t.Fatal(err)
			}
			if err := l.Build(c.in, rng); err != nil {
				t.Fatalf("second Build: %v", err)
			}
			if err := l.Build(append([]int{9}, c.in...), rng); err == nil {
				t.Error("Build with another shape: no error")
			}
			const B = 3
			x := tensor.RandNormal(tensor.NewRNG(5), 0, 1, append([]int{B}, c.in...)...)
			want, err := l.OutputShape(c.in)
			if err != nil {
				t.Fatal(err)
			}
			y := l.Forward(x, c.training)
			if !slices.Equal(y.Shape()[1:], want) || y.Shape()[0] != B {
				t.Errorf("Forward shape %v, OutputShape %v", y.Shape(), want)
			}
			if got := nn.CountParams(l.Params()); got != c.params {
				t.Errorf("params %d, want %d", got, c.params)
			}
			if got := nn.CountParams(nn.Weights(l)) - nn.CountParams(l.Params()); got != c.state {
				t.Errorf("state %d, want %d", got, c.state)
			}
			// Config round trip.
			l2, err := nn.FromConfig(nn.Serialize(l))
			if err != nil || l2.Name() != l.Name() || l2.ClassName() != l.ClassName() {
				t.Fatalf("FromConfig: %v, %v", l2, err)
			}
			// One SGD step on L = ½Σ(y - t)² lowers L.
			target := tensor.RandNormal(tensor.NewRNG(6), 0, 1, y.Shape()...)
			loss := func() float32 {
				d := tensor.Sub(l.Forward(x, c.training), target)
				return tensor.Sum(tensor.Mul(d, d), nil, false).Item() / 2
			}
			if ps := l.Params(); len(ps) > 0 {
				before := loss()
				for _, p := range ps {
					p.ZeroGrad()
				}
				d := tensor.Sub(l.Forward(x, c.training), target)
				L := tensor.MulScalar(tensor.Sum(tensor.Mul(d, d), nil, false), 0.5)
				if r, ok := l.(nn.Regularized); ok {
					if rl := r.RegularizationLoss(); rl != nil {
						L = tensor.Add(L, rl)
					}
				}
				L.Backward()
				for _, p := range ps {
					g := p.Grad()
					if g == nil {
						t.Fatalf("no gradient for %s", p.Name())
					}
					pd, gd := p.Data(), g.Data()
					for i := range pd {
						pd[i] -= 0.01 * gd[i]
					}
				}
				if after := loss(); !(after < before) {
					t.Errorf("SGD step: loss %v → %v", before, after)
				}
			}
			// Finite-difference gradients over the input and the weights.
			if !c.noGrad {
				xs := append([]*tensor.Tensor{x.Clone()}, l.Params()...)
				tensortest.GradCheck(t, c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
					return l.Forward(in[0], c.training)
				}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 2e-2}, xs...)
			}
			// Save/load round trip inside a model gives identical predictions.
			m := model.NewSequential(model.InputShape(c.in...), l)
			if err := m.Build(nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, err := model.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var p1, p2 []*tensor.Tensor
			tensor.NoGrad(func() {
				p1, err = m.Call([]*tensor.Tensor{x}, false)
				if err == nil {
					p2, err = m2.Call([]*tensor.Tensor{x}, false)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p1[0].Data(), p2[0].Data()) {
				t.Error("predictions differ after save/load")
			}
		})
	}
}
