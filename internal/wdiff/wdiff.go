// Package wdiff compares the weights of two model files.
package wdiff

import (
	"fmt"
	"math"
	"slices"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// Diff is one weight's largest difference relative to its largest
// magnitude (absolute when the weight is all zeros).
type Diff struct {
	Name string
	Rel  float64
}

// Files loads two model files and compares their weights in order.
func Files(a, b string) ([]Diff, error) {
	ma, err := model.Load(a)
	if err != nil {
		return nil, err
	}
	mb, err := model.Load(b)
	if err != nil {
		return nil, err
	}
	return Weights(ma.Weights(), mb.Weights())
}

// Weights compares two lists of weights of the same shapes.
func Weights(a, b []*tensor.Tensor) ([]Diff, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("%d weights against %d", len(a), len(b))
	}
	out := make([]Diff, len(a))
	for i := range a {
		if !slices.Equal(a[i].Shape(), b[i].Shape()) {
			return nil, fmt.Errorf("weight %d: shape %v against %v", i, a[i].Shape(), b[i].Shape())
		}
		da, db := a[i].Data(), b[i].Data()
		scale, d := 0.0, 0.0
		for j := range da {
			scale = max(scale, math.Abs(float64(da[j])))
			x := math.Abs(float64(da[j]) - float64(db[j]))
			if math.IsNaN(x) {
				x = math.Inf(1)
			}
			d = max(d, x)
		}
		if scale > 0 {
			d /= scale
		}
		out[i] = Diff{Name: fmt.Sprintf("weight %d %v", i, a[i].Shape()), Rel: d}
	}
	return out, nil
}

// Worst returns the largest difference.
func Worst(ds []Diff) Diff {
	var w Diff
	for _, d := range ds {
		if d.Rel > w.Rel || w.Name == "" {
			w = d
		}
	}
	return w
}
