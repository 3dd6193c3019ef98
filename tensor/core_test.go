package tensor_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func rnd(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(tensor.NewRNG(seed), -1, 1, shape...)
}

func TestCoreGradients(t *testing.T) {
	type fn = func(xs ...*tensor.Tensor) *tensor.Tensor
	cases := []struct {
		name   string
		f      fn
		shapes [][]int
	}{
		{"Add", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Add(x[0], x[1]) }, [][]int{{3, 4}, {3, 4}}},
		{"AddBroadcastRow", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Add(x[0], x[1]) }, [][]int{{2, 3, 4}, {4}}},
		{"AddBroadcastCol", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Add(x[0], x[1]) }, [][]int{{3, 1}, {1, 5}}},
		{"Sub", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Sub(x[0], x[1]) }, [][]int{{2, 3}, {2, 1}}},
		{"Mul", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mul(x[0], x[1]) }, [][]int{{2, 3}, {3}}},
		{"MulSelf", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mul(x[0], x[0]) }, [][]int{{5}}},
		{"Div", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Div(x[0], tensor.AddScalar(tensor.Mul(x[1], x[1]), 1))
		}, [][]int{{2, 3}, {2, 3}}},
		{"MatMul", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x[0], x[1]) }, [][]int{{3, 4}, {4, 5}}},
		{"MatMulTransA", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x[0].Transpose(), x[1]) }, [][]int{{4, 3}, {4, 5}}},
		{"MatMulTransB", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x[0], x[1].Transpose()) }, [][]int{{3, 4}, {5, 4}}},
		{"MatMulBatched", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x[0], x[1]) }, [][]int{{2, 3, 4}, {4, 2}}},
		{"MatMulBatchBroadcast", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.MatMul(x[0], x[1]) }, [][]int{{2, 1, 3, 4}, {3, 4, 2}}},
		{"SumAll", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Sum(x[0], nil, false) }, [][]int{{3, 4}}},
		{"SumAxes", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Sum(x[0], []int{0, 2}, false) }, [][]int{{2, 3, 4}}},
		{"MeanKeep", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Mean(x[0], []int{-1}, true) }, [][]int{{2, 3, 4}}},
		{"ReshapePermute", func(x ...*tensor.Tensor) *tensor.Tensor {
			return tensor.Mul(x[0].Reshape(3, 2, 4).Permute(2, 0, 1), x[1])
		}, [][]int{{6, 4}, {4, 3, 2}}},
		{"TransposeSum", func(x ...*tensor.Tensor) *tensor.Tensor { return tensor.Sum(x[0].Transpose(), []int{1}, false) }, [][]int{{3, 5}}},
	}
	for i, c := range cases {
		xs := make([]*tensor.Tensor, len(c.shapes))
		for j, s := range c.shapes {
			xs[j] = rnd(uint64(10*i+j), s...)
		}
		tensortest.GradCheck(t, c.name, c.f, tensortest.GradCheckOptions{}, xs...)
	}
}

func TestMatMulValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float32{7, 8, 9, 10, 11, 12}, 3, 2)
	got := tensor.MatMul(a, b).Data()
	want := []float32{58, 64, 139, 154}
	if ok, msg := tensortest.Close(got, want, 0, 0); !ok {
		t.Fatal(msg)
	}
}

func TestShapeErrorNamesOpAndShapes(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		var se *tensor.ShapeError
		if !ok || !errors.As(err, &se) {
			t.Fatalf("panic %v is not a *ShapeError", r)
		}
		if want := "tensor: MatMul: shapes [32 576] and [64 10] do not match"; err.Error() != want {
			t.Fatalf("got %q, want %q", err.Error(), want)
		}
	}()
	tensor.MatMul(tensor.Zeros(32, 576), tensor.Zeros(64, 10))
}

func TestGradAccumulatesAndNoGraphWithoutGrad(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2}, 2).SetRequiresGrad(true)
	x := tensor.FromSlice([]float32{3, 4}, 2)
	for i := 0; i < 2; i++ {
		tensor.Sum(tensor.Mul(w, x), nil, false).Backward()
	}
	if ok, msg := tensortest.Close(w.Grad().Data(), []float32{6, 8}, 0, 0); !ok {
		t.Fatal(msg)
	}
	w.ZeroGrad()
	if ok, _ := tensortest.Close(w.Grad().Data(), []float32{0, 0}, 0, 0); !ok {
		t.Fatal("ZeroGrad did not clear")
	}
	if y := tensor.Mul(x, x); y.RequiresGrad() || y.Op() != "" {
		t.Fatal("op on tensors without grad recorded a graph")
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = tensor.Mul(w, x) })
	if y.RequiresGrad() {
		t.Fatal("NoGrad recorded a graph")
	}
}

func TestArenaUninit(t *testing.T) {
	a := tensor.NewArena()
	x := a.Uninit(2, 3)
	if x.Arena() != a || x.Size() != 6 || len(x.Shape()) != 2 {
		t.Fatalf("Uninit(2, 3): shape %v, size %d", x.Shape(), x.Size())
	}
	for i := range x.Data() {
		x.Data()[i] = 7
	}
	a.Reset()
	if y := a.Zeros(2, 3); y.Data()[0] != 0 {
		t.Fatalf("Zeros after Reset reuses %v uncleared", y.Data())
	}
}

func TestBackwardTwiceIsAnError(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	h := tensor.Mul(w, w)
	tensor.Sum(h, nil, false).Backward()
	w2 := tensor.FromSlice([]float32{1}).SetRequiresGrad(true)
	loss := tensor.Sum(tensor.Mul(w2, w2), nil, false)
	loss.Backward()
	for name, f := range map[string]func(){
		"reuse intermediate": func() { tensor.Sum(tensor.MulScalar(h, 3), nil, false).Backward() },
		"backward twice":     loss.Backward,
	} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				err, _ := recover().(error)
				if !errors.As(err, &se) || !strings.Contains(err.Error(), "already released") {
					t.Fatalf("%s: got %v, want a ShapeError about a released graph", name, err)
				}
			}()
			f()
		}()
	}
	if ok, msg := tensortest.Close(w.Grad().Data(), []float32{2, 4, 6}, 0, 0); !ok {
		t.Fatal(msg)
	}
}

func TestInferenceModeRecordsNothing(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2}, 2, 1).SetRequiresGrad(true)
	x := tensor.FromSlice([]float32{3, 4}, 1, 2).InferenceMode()
	y := tensor.Add(tensor.MatMul(x, w), w)
	if y.RequiresGrad() || y.Op() != "" || !y.IsInference() {
		t.Fatalf("op on an inference input recorded a graph (requires grad %v, op %q)", y.RequiresGrad(), y.Op())
	}
	if !tensor.GradEnabled() {
		t.Fatal("InferenceMode switched recording off globally")
	}
	z := tensor.Mul(w, w) // other computations still record
	if !z.RequiresGrad() {
		t.Fatal("a computation not descending from the inference input recorded nothing")
	}
}
