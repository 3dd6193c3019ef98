package model

import (
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/tensor"
)

// TestConvPoolFused checks that the MNIST CNN runs its Conv2D+MaxPooling2D
// pairs as the explicit fused op and trains bit-identically to running the
// layers one by one.
func TestConvPoolFused(t *testing.T) {
	const n = 16
	rng := tensor.NewRNG(3)
	x := tensor.RandUniform(rng, 0, 1, n, 28, 28, 1).Data()
	y := make([]float32, n)
	for i := range y {
		y[i] = float32(i % 10)
	}
	ds, err := data.New(x, []int{28, 28, 1}, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func(fuse bool) []*tensor.Tensor {
		m := mnistCNN()
		if err := m.Build([]int{28, 28, 1}); err != nil {
			t.Fatal(err)
		}
		if fuse && len(m.pooled) != 2 {
			t.Fatalf("%d conv+pool pairs found, want 2", len(m.pooled))
		}
		if !fuse {
			m.pooled = nil
		}
		if err := m.Compile(&testSGD{lr: 0.05}, testSparseCE{}, nil); err != nil {
			t.Fatal(err)
		}
		for _, idx := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}} {
			if _, err := m.TrainOnBatch(ds, idx); err != nil {
				t.Fatal(err)
			}
		}
		return m.Weights()
	}
	fused, plain := run(true), run(false)
	for i := range plain {
		a, b := fused[i].Data(), plain[i].Data()
		for j := range b {
			if a[j] != b[j] {
				t.Fatalf("%s[%d]: fused %v, unfused %v", plain[i].Name(), j, a[j], b[j])
			}
		}
	}
}
