package tensor_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func TestGatherRowsForward(t *testing.T) {
	tab := tensor.FromSlice([]float32{0, 1, 10, 11, 20, 21}, 3, 2)
	y := tensor.GatherRows(tab, []int32{2, 0, 2})
	if !slices.Equal(y.Shape(), []int{3, 2}) || !slices.Equal(y.Data(), []float32{20, 21, 0, 1, 20, 21}) {
		t.Fatalf("GatherRows = %v %v", y.Shape(), y.Data())
	}
	// A transposed (non-contiguous) table reads the same rows.
	tt := tensor.FromSlice([]float32{0, 10, 20, 1, 11, 21}, 2, 3).Transpose()
	if y := tensor.GatherRows(tt, []int32{1}); !slices.Equal(y.Data(), []float32{10, 11}) {
		t.Errorf("transposed table: %v", y.Data())
	}
	for _, tc := range []struct {
		tab *tensor.Tensor
		ids []int32
	}{{tab, []int32{0, 3}}, {tab, []int32{-1}}, {tensor.Zeros(6), []int32{0}}} {
		func() {
			defer func() {
				e, _ := recover().(error)
				var se *tensor.ShapeError
				if !errors.As(e, &se) {
					t.Errorf("ids %v on %v: recovered %v, want a *ShapeError", tc.ids, tc.tab.Shape(), e)
				}
			}()
			tensor.GatherRows(tc.tab, tc.ids)
		}()
	}
}

func TestGatherRowsGradCheck(t *testing.T) {
	ids := []int32{3, 0, 3, 1, 3}
	tab := opsRand(11, -1, 1, 5, 4)
	tensortest.GradCheck(t, "GatherRows leaf", func(x ...*tensor.Tensor) *tensor.Tensor {
		return tensor.GatherRows(x[0], ids)
	}, tensortest.GradCheckOptions{}, tab)
	// A computed table takes the dense path.
	tensortest.GradCheck(t, "GatherRows computed", func(x ...*tensor.Tensor) *tensor.Tensor {
		return tensor.GatherRows(tensor.Tanh(x[0]), ids)
	}, tensortest.GradCheckOptions{}, tab)
}

// TestRowGradMatchesTake checks the row-sparse gradient against the dense
// gradient of Take (the scatter-add), bit for bit, with repeated ids, two
// uses of the table and two Backward calls before the update.
func TestRowGradMatchesTake(t *testing.T) {
	const v, d = 7, 3
	ids1, ids2 := []int32{5, 1, 5, 5, 0}, []int32{1, 6}
	seed := opsRand(12, -1, 1, len(ids1)+len(ids2), d)
	loss := func(tab *tensor.Tensor, sparse bool) {
		var a, b *tensor.Tensor
		if sparse {
			a, b = tensor.GatherRows(tab, ids1), tensor.GatherRows(tab, ids2)
		} else {
			a, b = tensor.Take(tab, 0, toInts(ids1)), tensor.Take(tab, 0, toInts(ids2))
		}
		tensor.Concat(0, a, b).BackwardWith(seed)
	}
	w := opsRand(13, -1, 1, v, d)
	sp := w.Clone().SetName("sp").SetRequiresGrad(true)
	de := w.Clone().SetName("de").SetRequiresGrad(true)
	for range 2 {
		loss(sp, true)
		loss(de, false)
	}
	rg := sp.RowGrad()
	if rg == nil || rg.Dim != d || !slices.Equal(rg.Rows, []int32{0, 1, 5, 6}) {
		t.Fatalf("RowGrad = %+v", rg)
	}
	dg := de.Grad().Data()
	for i, r := range rg.Rows {
		if got, want := rg.Values[i*d:(i+1)*d], dg[int(r)*d:int(r)*d+d]; !slices.Equal(got, want) {
			t.Errorf("row %d: sparse %v, dense %v", r, got, want)
		}
	}
	// Grad densifies: equal to Take's gradient everywhere.
	if g := sp.Grad().Data(); !slices.Equal(g, dg) {
		t.Errorf("densified %v\nwant %v", g, dg)
	}
	if sp.RowGrad() != nil {
		t.Error("RowGrad after Grad: pending rows were not merged")
	}
	// ZeroGrad drops everything; the next step is sparse again.
	sp.ZeroGrad()
	if sp.Grad() != nil || sp.RowGrad() != nil {
		t.Error("ZeroGrad left a gradient")
	}
	loss(sp, true)
	if rg := sp.RowGrad(); rg == nil || len(rg.Rows) != 4 {
		t.Errorf("after ZeroGrad: RowGrad %+v", rg)
	}
}

// TestRowGradWithDense checks a table that also gets a dense gradient (an L2
// term): RowGrad reports nil and Grad holds the sum.
func TestRowGradWithDense(t *testing.T) {
	w := opsRand(14, -1, 1, 4, 2).SetName("w").SetRequiresGrad(true)
	ids := []int32{2, 2}
	tensor.Add(tensor.Sum(tensor.GatherRows(w, ids), nil, false), tensor.Sum(tensor.Square(w), nil, false)).Backward()
	if w.RowGrad() != nil {
		t.Fatal("RowGrad with a dense part is not nil")
	}
	wd := w.Data()
	for i, g := range w.Grad().Data() {
		want := 2 * wd[i]
		if i/2 == 2 {
			want += 2
		}
		if g != want {
			t.Errorf("grad[%d] = %g, want %g", i, g, want)
		}
	}
}

func toInts(ids []int32) []int {
	out := make([]int, len(ids))
	for i, v := range ids {
		out[i] = int(v)
	}
	return out
}

// TestRowGradDenseReuse: a table densified every step (an optimizer without
// a row update) reuses its dense buffer, and each step sees only its own
// gradient.
func TestRowGradDenseReuse(t *testing.T) {
	w := tensor.Zeros(3, 2).SetName("w").SetRequiresGrad(true)
	var first *tensor.Tensor
	for step := 1; step <= 3; step++ {
		w.ZeroGrad()
		tensor.MulScalar(tensor.Sum(tensor.GatherRows(w, []int32{1, 1}), nil, false), float32(step)).Backward()
		g := w.Grad()
		if want := []float32{0, 0, 2 * float32(step), 2 * float32(step), 0, 0}; !slices.Equal(g.Data(), want) {
			t.Fatalf("step %d: grad %v, want %v", step, g.Data(), want)
		}
		if first == nil {
			first = g
		} else if g != first {
			t.Errorf("step %d: a new dense buffer was allocated", step)
		}
	}
}
