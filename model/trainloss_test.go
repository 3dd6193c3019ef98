package model

import (
	"math"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// TrainStepLoss with a caller-built cross-entropy trains like TrainStep with
// the compiled one: same losses (weight penalty included) and weights.
func TestTrainStepLossMatchesTrainStep(t *testing.T) {
	ds := blobs(24, 5)
	x := tensor.FromSlice(ds.X, append([]int{ds.N}, ds.XShape...)...)
	y := tensor.FromSlice(ds.Y, ds.N)
	a := compiled(t, plainModel())
	b := plainModel()
	if err := b.Compile(&testSGD{lr: 0.1}, nil, nil); err != nil {
		t.Fatal(err)
	}
	ce := func(outs []*tensor.Tensor) *tensor.Tensor {
		return tensor.Mean(testSparseCE{}.PerSample(y, outs[0]), nil, false)
	}
	for step := range 3 {
		la, err := a.TrainStep(x, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := b.TrainStepLoss([]*tensor.Tensor{x}, ce)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(la-lb) > 1e-5*math.Max(1, math.Abs(la)) {
			t.Fatalf("step %d: TrainStep loss %v, TrainStepLoss %v", step, la, lb)
		}
	}
	wa, wb := a.Weights(), b.Weights()
	for i := range wa {
		for j, v := range wa[i].Data() {
			if d := math.Abs(float64(v - wb[i].Data()[j])); d > 1e-5 {
				t.Fatalf("%s[%d]: %v vs %v", wa[i].Name(), j, v, wb[i].Data()[j])
			}
		}
	}
	// The loss-free model cannot Fit, TrainStep or Evaluate.
	if _, err := b.TrainStep(x, y, nil); err == nil {
		t.Fatal("TrainStep without a compiled loss succeeded")
	}
}

func TestTrainStepLossErrors(t *testing.T) {
	x := tensor.Zeros(2, 4)
	mean := func(outs []*tensor.Tensor) *tensor.Tensor { return tensor.Mean(outs[0], nil, false) }
	unc := plainModel()
	if err := unc.Build([]int{4}); err != nil {
		t.Fatal(err)
	}
	c := compiled(t, plainModel())
	for _, tc := range []struct {
		name string
		m    *Model
		xs   []*tensor.Tensor
		loss func([]*tensor.Tensor) *tensor.Tensor
		want string
	}{
		{"no optimizer", unc, []*tensor.Tensor{x}, mean, "no optimizer"},
		{"nil loss", c, []*tensor.Tensor{x}, nil, "nil loss"},
		{"not a scalar", c, []*tensor.Tensor{x}, func(o []*tensor.Tensor) *tensor.Tensor { return o[0] }, "scalar"},
		{"wrong input", c, []*tensor.Tensor{tensor.Zeros(2, 5)}, mean, "layer \"dense\""},
		{"panicking loss", c, []*tensor.Tensor{x}, func(o []*tensor.Tensor) *tensor.Tensor {
			return tensor.Add(o[0], tensor.Zeros(7, 7))
		}, "Add"},
	} {
		_, err := tc.m.TrainStepLoss(tc.xs, tc.loss)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
