package optim

import (
	"math"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

const sparseV, sparseD = 9, 5

// sparseRun trains a [9, 5] table for len(steps) steps, step k looking up
// steps[k] with loss Σ out·R_k + ½Σ out² (so gradients depend on the
// weights), and returns the table and the optimizer. sparse selects
// tensor.GatherRows (row-sparse gradient) or tensor.Take (dense scatter).
// l2 adds ½·l2·Σ w² over the whole table.
func sparseRun(t *testing.T, o Optimizer, sparse bool, steps [][]int32, l2 float32) (*tensor.Tensor, Optimizer) {
	t.Helper()
	w := tensor.RandUniform(tensor.NewRNG(5), -1, 1, sparseV, sparseD).SetName("emb").SetRequiresGrad(true)
	for k, ids := range steps {
		w.ZeroGrad()
		var out *tensor.Tensor
		if sparse {
			out = tensor.GatherRows(w, ids)
		} else {
			ix := make([]int, len(ids))
			for i, v := range ids {
				ix[i] = int(v)
			}
			out = tensor.Take(w, 0, ix)
		}
		r := tensor.RandUniform(tensor.NewRNG(uint64(100+k)), -1, 1, len(ids), sparseD)
		loss := tensor.Add(tensor.Sum(tensor.Mul(out, r), nil, false), tensor.MulScalar(tensor.Sum(tensor.Square(out), nil, false), 0.5))
		if l2 != 0 {
			loss = tensor.Add(loss, tensor.MulScalar(tensor.Sum(tensor.Square(w), nil, false), l2/2))
		}
		loss.Backward()
		if sparse && l2 == 0 && w.RowGrad() == nil {
			t.Fatal("no row-sparse gradient")
		}
		o.Step([]*tensor.Tensor{w})
		// An optimizer that densified the gradient merged the rows into
		// Grad; one that updated rows left them pending.
		lastSparse = w.RowGrad() != nil
	}
	return w, o
}

// lastSparse records whether sparseRun's last step updated rows (true) or
// densified the gradient.
var lastSparse bool

func rowsOf(d []float32, r int) []float32 { return d[r*sparseD : (r+1)*sparseD] }

// TestSparseEqualsDense: SGD and Adagrad updates from a row-sparse gradient
// equal the dense updates bit for bit, on every row (rows not looked up are
// unchanged by both), as do their slots; so do weight decay, RMSprop and
// non-lazy Adam and momentum (densified), and an L2 term on the table.
func TestSparseEqualsDense(t *testing.T) {
	steps := [][]int32{{3, 1, 3, 3, 7}, {0, 7}, {3, 8, 8}}
	for _, tc := range []struct {
		name string
		mk   func() Optimizer
		l2   float32
		rows bool // the update runs on rows
	}{
		{"sgd", func() Optimizer { return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1}}) }, 0, true},
		{"adagrad", func() Optimizer {
			return MustNewAdagrad(AdagradConfig{BaseConfig: BaseConfig{LearningRate: 0.3}, InitialAccumulatorValue: 0.2})
		}, 0, true},
		{"sgd weight decay", func() Optimizer {
			return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1, WeightDecay: 0.5}})
		}, 0, true},
		{"adagrad clipvalue", func() Optimizer {
			return MustNewAdagrad(AdagradConfig{BaseConfig: BaseConfig{LearningRate: 0.3, ClipValue: 0.4}})
		}, 0, true},
		{"rmsprop (densified)", func() Optimizer {
			return MustNewRMSprop(RMSpropConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Momentum: 0.5})
		}, 0, false},
		{"adam, not lazy (densified)", func() Optimizer { return MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}}) }, 0, false},
		{"momentum, not lazy (densified)", func() Optimizer {
			return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Momentum: 0.9})
		}, 0, false},
		{"lazy adam with l2 (dense)", func() Optimizer {
			return MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Lazy: true})
		}, 0.3, false},
	} {
		ws, os := sparseRun(t, tc.mk(), true, steps, tc.l2)
		if lastSparse != tc.rows {
			t.Errorf("%s: updated rows %v, want %v", tc.name, lastSparse, tc.rows)
		}
		wd, od := sparseRun(t, tc.mk(), false, steps, tc.l2)
		if !slices.Equal(ws.Data(), wd.Data()) {
			t.Errorf("%s: sparse weights\n%v\ndense\n%v", tc.name, ws.Data(), wd.Data())
		}
		ss, sd := os.State(), od.State()
		for k, v := range sd {
			if !slices.Equal(ss[k], v) {
				t.Errorf("%s: slot %s: sparse %v, dense %v", tc.name, k, ss[k], v)
			}
		}
	}
	// Rows never looked up keep their initial values.
	w0 := tensor.RandUniform(tensor.NewRNG(5), -1, 1, sparseV, sparseD).Data()
	ws, _ := sparseRun(t, MustNewAdagrad(AdagradConfig{}), true, steps, 0)
	for _, r := range []int{2, 4, 5, 6} {
		if !slices.Equal(rowsOf(ws.Data(), r), rowsOf(w0, r)) {
			t.Errorf("untouched row %d changed", r)
		}
	}
}

// TestSparseClipNorm: norm clipping over the rows equals clipping the dense
// gradient (up to the summation order of the norm).
func TestSparseClipNorm(t *testing.T) {
	steps := [][]int32{{3, 1, 3}, {0, 7}}
	for _, b := range []BaseConfig{{LearningRate: 0.1, ClipNorm: 0.5}, {LearningRate: 0.1, GlobalClipNorm: 0.5}} {
		ws, _ := sparseRun(t, MustNewSGD(SGDConfig{BaseConfig: b}), true, steps, 0)
		wd, _ := sparseRun(t, MustNewSGD(SGDConfig{BaseConfig: b}), false, steps, 0)
		for i, v := range ws.Data() {
			if math.Abs(float64(v-wd.Data()[i])) > 1e-6 {
				t.Errorf("%+v: w[%d] sparse %g dense %g", b, i, v, wd.Data()[i])
			}
		}
	}
}

// TestLazyUpdates: with Lazy set, momentum SGD, Adam and AMSGrad update rows
// lazily.
// Rows 1 and 3, looked up every step, follow the dense update exactly;
// row 6, looked up only in the first step, keeps its value and slots after
// it (the dense update keeps moving it); rows never looked up are unchanged.
func TestLazyUpdates(t *testing.T) {
	steps := [][]int32{{1, 3, 6, 3}, {3, 1}, {1, 1, 3}}
	for _, tc := range []struct {
		name string
		mk   func() Optimizer
	}{
		{"adam", func() Optimizer {
			return MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Lazy: true})
		}},
		{"amsgrad", func() Optimizer {
			return MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, AMSGrad: true, Lazy: true})
		}},
		{"momentum", func() Optimizer {
			return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Momentum: 0.9, Nesterov: true, Lazy: true})
		}},
		{"lazy_adam by name", func() Optimizer { return must(ByName("LazyAdam")) }},
	} {
		ws, os := sparseRun(t, tc.mk(), true, steps, 0)
		if !lastSparse {
			t.Errorf("%s: the gradient was densified", tc.name)
		}
		wd, _ := sparseRun(t, tc.mk(), false, steps, 0)
		w1, o1 := sparseRun(t, tc.mk(), true, steps[:1], 0)
		w0 := tensor.RandUniform(tensor.NewRNG(5), -1, 1, sparseV, sparseD).Data()
		for _, r := range []int{1, 3} {
			if !slices.Equal(rowsOf(ws.Data(), r), rowsOf(wd.Data(), r)) {
				t.Errorf("%s: row %d: lazy %v, dense %v", tc.name, r, rowsOf(ws.Data(), r), rowsOf(wd.Data(), r))
			}
		}
		if !slices.Equal(rowsOf(ws.Data(), 6), rowsOf(w1.Data(), 6)) {
			t.Errorf("%s: row 6 moved after its last lookup", tc.name)
		}
		if slices.Equal(rowsOf(wd.Data(), 6), rowsOf(w1.Data(), 6)) {
			t.Errorf("%s: the dense update did not move row 6 (the test shows nothing)", tc.name)
		}
		s3, s1 := os.State(), o1.State()
		for k, v := range s1 {
			if k != "iterations" && !slices.Equal(rowsOf(s3[k], 6), rowsOf(v, 6)) {
				t.Errorf("%s: slot %s of row 6 changed after its last lookup", tc.name, k)
			}
		}
		for _, r := range []int{0, 2, 4, 5, 7, 8} {
			if !slices.Equal(rowsOf(ws.Data(), r), rowsOf(w0, r)) {
				t.Errorf("%s: untouched row %d changed", tc.name, r)
			}
		}
	}
}
