package wdiff

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

func TestWeights(t *testing.T) {
	a := []*tensor.Tensor{tensor.FromSlice([]float32{2, -4}, 2), tensor.FromSlice([]float32{0, 0}, 2)}
	for _, tc := range []struct {
		name string
		b    []*tensor.Tensor
		want []float64 // nil: an error
	}{
		{"equal", []*tensor.Tensor{tensor.FromSlice([]float32{2, -4}, 2), tensor.FromSlice([]float32{0, 0}, 2)}, []float64{0, 0}},
		{"relative to the largest magnitude", []*tensor.Tensor{tensor.FromSlice([]float32{2.5, -4}, 2), tensor.FromSlice([]float32{0, 0.25}, 2)}, []float64{0.125, 0.25}},
		{"count", a[:1], nil},
		{"shape", []*tensor.Tensor{tensor.FromSlice([]float32{2, -4}, 1, 2), a[1]}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Weights(a, tc.b)
			if tc.want == nil {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range got {
				if d.Rel != tc.want[i] {
					t.Errorf("weight %d: %v, want %v", i, d.Rel, tc.want[i])
				}
			}
			if w := Worst(got); w.Rel != max(tc.want[0], tc.want[1]) {
				t.Errorf("worst %v", w)
			}
		})
	}
}
