package nn_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func flat32[T float32 | float64](rows [][]T) []float32 {
	var out []float32
	for _, r := range rows {
		for _, v := range r {
			out = append(out, float32(v))
		}
	}
	return out
}

// TestEmbeddingBagGolden compares EmbeddingBag's output and table gradient
// with PyTorch's nn.EmbeddingBag (testdata/golden/embeddingbag/gen.py).
func TestEmbeddingBagGolden(t *testing.T) {
	b, err := os.ReadFile("../testdata/golden/embeddingbag/embeddingbag.json")
	if err != nil {
		t.Fatal(err)
	}
	var gf struct {
		Cases []struct {
			Name, Mode     string
			InputDim       int `json:"input_dim"`
			OutputDim      int `json:"output_dim"`
			IDs            [][]float64
			Weight, Output [][]float64
			GradOutput     [][]float64 `json:"grad_output"`
			GradWeight     [][]float64 `json:"grad_weight"`
		}
	}
	if err := json.Unmarshal(b, &gf); err != nil {
		t.Fatal(err)
	}
	if len(gf.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range gf.Cases {
		t.Run(c.Name, func(t *testing.T) {
			l := nn.NewEmbeddingBag(c.InputDim, c.OutputDim, nn.EmbeddingBagConfig{Mode: c.Mode})
			if err := l.Build([]int{len(c.IDs[0])}, tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			copy(l.Embeddings.Data(), flat32(c.Weight))
			x := tensor.FromSlice(flat32(c.IDs), len(c.IDs), len(c.IDs[0]))
			y := l.Forward(x, true)
			if want := []int{len(c.IDs), c.OutputDim}; !slices.Equal(y.Shape(), want) {
				t.Fatalf("shape %v, want %v", y.Shape(), want)
			}
			if ok, msg := tensortest.Close(y.Data(), flat32(c.Output), 1e-5, 1e-6); !ok {
				t.Errorf("output: %s", msg)
			}
			y.BackwardWith(tensor.FromSlice(flat32(c.GradOutput), y.Shape()...))
			if ok, msg := tensortest.Close(l.Embeddings.Grad().Data(), flat32(c.GradWeight), 1e-5, 1e-6); !ok {
				t.Errorf("table gradient: %s", msg)
			}
		})
	}
}

// TestEmbeddingBagGradCheck checks the table's gradient by finite
// differences in every mode, with padding, empty and repeated bags and a
// [B, C, L] input.
func TestEmbeddingBagGradCheck(t *testing.T) {
	ids := []float32{
		1, 4, 4, -1, 0, -1, -1, -1, -1, -1, -1, -1,
		2, 3, 1, 0, 2, 3, 1, 0, 3, -1, 3, -1,
	}
	for _, mode := range []string{"sum", "mean", "sqrtn"} {
		t.Run(mode, func(t *testing.T) {
			l := nn.NewEmbeddingBag(5, 3, nn.EmbeddingBagConfig{Mode: mode})
			if err := l.Build([]int{3, 4}, tensor.NewRNG(3)); err != nil {
				t.Fatal(err)
			}
			x := tensor.FromSlice(ids, 2, 3, 4)
			if got := l.Forward(x, false).Shape(); !slices.Equal(got, []int{2, 3, 3}) {
				t.Fatalf("shape %v", got)
			}
			// A weighted sum makes every output element count differently.
			wt := tensor.Arange(1, 19, 1).Reshape(2, 3, 3)
			tensortest.GradCheck(t, "embedding bag "+mode, func(...*tensor.Tensor) *tensor.Tensor {
				return tensor.Mul(l.Forward(x, true), wt)
			}, tensortest.GradCheckOptions{Eps: 1e-3}, l.Embeddings)
		})
	}
}

// TestEmbeddingBagSqrtn checks the sqrtn combiner against its definition
// and that a step's gradient holds only the rows of the batch's bags.
func TestEmbeddingBagSqrtn(t *testing.T) {
	l := nn.NewEmbeddingBag(1000, 2, nn.EmbeddingBagConfig{Mode: "sqrtn"})
	if err := l.Build([]int{4}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	e := l.Embeddings.Data()
	y := l.Forward(tensor.FromSlice([]float32{7, 999, 3, 7, 5, -1, -1, -1}, 2, 4), true)
	s := float32(0.5) // 1/sqrt(4)
	want := []float32{s * (2*e[14] + e[1998] + e[6]), s * (2*e[15] + e[1999] + e[7]), e[10], e[11]}
	if ok, msg := tensortest.Close(y.Data(), want, 1e-6, 1e-6); !ok {
		t.Fatalf("output: %s", msg)
	}
	tensor.Sum(y, nil, false).Backward()
	rg := l.Embeddings.RowGrad()
	if rg == nil || !slices.Equal(rg.Rows, []int32{3, 5, 7, 999}) {
		t.Fatalf("RowGrad = %+v", rg)
	}
}

func TestEmbeddingBagErrors(t *testing.T) {
	cases := []struct {
		name string
		ids  []float32
	}{
		{"negative", []float32{0, -2}},
		{"too large", []float32{5, 0}},
		{"fraction", []float32{1.5, 0}},
		{"nan", []float32{float32NaN(), 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := nn.NewEmbeddingBag(5, 2, nn.EmbeddingBagConfig{})
			l.SetName("bag")
			m := model.NewSequential(model.InputShape(2), l)
			_, err := m.Call([]*tensor.Tensor{tensor.FromSlice(c.ids, 1, 2)}, false)
			var se *tensor.ShapeError
			if err == nil || !errors.As(err, &se) {
				t.Fatalf("err = %v, want a ShapeError naming the layer", err)
			}
		})
	}
	if _, err := nn.FromConfig(map[string]any{"class_name": "EmbeddingBag",
		"config": map[string]any{"input_dim": 3, "output_dim": 2, "mode": "max"}}); err == nil {
		t.Error("mode max accepted")
	}
}

func float32NaN() float32 { z := float32(0); return z / z }

// TestDotMultiplyRescaling checks the merge layers used by recommendation
// models: shapes with broadcasting, values, finite-difference gradients
// and their configs' round trip.
func TestDotMultiplyRescaling(t *testing.T) {
	rng := tensor.NewRNG(5)
	a := tensor.RandNormal(rng, 0, 1, 2, 3)
	b := tensor.RandNormal(rng, 0, 1, 2, 4, 3)
	c := tensor.RandNormal(rng, 0, 1, 2, 3)
	dot := nn.NewDot()
	cases := []struct {
		name    string
		l       nn.MultiInputLayer
		xs      []*tensor.Tensor
		want    []int
		wantPer []int
	}{
		{"dot_2d", dot, []*tensor.Tensor{a, c}, []int{2, 1}, []int{1}},
		{"dot_broadcast", nn.NewDot(), []*tensor.Tensor{a, b}, []int{2, 4}, []int{4}},
		{"dot_broadcast_swapped", nn.NewDot(), []*tensor.Tensor{b, a}, []int{2, 4}, []int{4}},
		{"multiply", nn.NewMultiply(), []*tensor.Tensor{a, c}, []int{2, 3}, []int{3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in [][]int
			for _, x := range tc.xs {
				in = append(in, x.Shape()[1:])
			}
			per, err := tc.l.OutputShapeMulti(in)
			if err != nil || !slices.Equal(per, tc.wantPer) {
				t.Fatalf("OutputShapeMulti = %v, %v; want %v", per, err, tc.wantPer)
			}
			y := tc.l.ForwardMulti(tc.xs, false)
			if !slices.Equal(y.Shape(), tc.want) {
				t.Fatalf("shape %v, want %v", y.Shape(), tc.want)
			}
			r, err := nn.FromConfig(nn.Serialize(tc.l))
			if err != nil || r.ClassName() != tc.l.ClassName() {
				t.Fatalf("FromConfig: %v %v", r, err)
			}
			ins := make([]*tensor.Tensor, len(tc.xs))
			for i, x := range tc.xs {
				ins[i] = x.Detach().SetRequiresGrad(true)
			}
			tensortest.GradCheck(t, tc.name, func(xs ...*tensor.Tensor) *tensor.Tensor {
				return tc.l.ForwardMulti(xs, true)
			}, tensortest.GradCheckOptions{Eps: 1e-3}, ins...)
		})
	}
	// Values: Dot of [B, D] with [B, C, D] is each row against the vector.
	y := nn.NewDot().ForwardMulti([]*tensor.Tensor{a, b}, false).Data()
	ad, bd := a.Data(), b.Data()
	for s := 0; s < 2; s++ {
		for k := 0; k < 4; k++ {
			var want float32
			for d := 0; d < 3; d++ {
				want += ad[s*3+d] * bd[(s*4+k)*3+d]
			}
			if diff := y[s*4+k] - want; diff > 1e-5 || diff < -1e-5 {
				t.Fatalf("dot[%d,%d] = %v, want %v", s, k, y[s*4+k], want)
			}
		}
	}
	if _, err := dot.OutputShapeMulti([][]int{{3}, {4}}); err == nil {
		t.Error("Dot accepted last axes 3 and 4")
	}
	if _, err := nn.FromConfig(map[string]any{"class_name": "Dot", "config": map[string]any{"axes": 1}}); err == nil {
		t.Error("Dot accepted axes 1")
	}
	rs := nn.NewRescaling(2, 3.5)
	out := rs.Forward(tensor.FromSlice([]float32{1, -1}, 2, 1), false).Data()
	if !slices.Equal(out, []float32{5.5, 1.5}) {
		t.Errorf("Rescaling = %v", out)
	}
	r, err := nn.FromConfig(nn.Serialize(rs))
	if err != nil || !slices.Equal(r.Forward(tensor.FromSlice([]float32{1}, 1, 1), false).Data(), []float32{5.5}) {
		t.Errorf("Rescaling round trip: %v", err)
	}
	x := tensor.RandNormal(rng, 0, 1, 2, 3).SetRequiresGrad(true)
	tensortest.GradCheck(t, "rescaling", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return rs.Forward(xs[0], true)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, x)
}

// TestEmbeddingBagReturnRows checks the second output: the looked-up rows
// (zero at padding) in a functional model, their gradient together with
// the combined output's by finite differences, and the config round trip.
func TestEmbeddingBagReturnRows(t *testing.T) {
	l := nn.NewEmbeddingBag(6, 2, nn.EmbeddingBagConfig{Mode: "sqrtn", ReturnRows: true})
	in := model.Input(3)
	outs := model.ApplyMulti(l, in)
	if len(outs) != 2 || !slices.Equal(outs[1].Shape(), []int{3, 2}) {
		t.Fatalf("ApplyMulti gave %d nodes", len(outs))
	}
	m, err := model.NewModel([]*model.Node{in}, outs)
	if err != nil {
		t.Fatal(err)
	}
	e := l.Embeddings.Data()
	for _, ids := range [][]float32{
		{5, 1, -1, 5, 1, -1, -1, -1, -1, 2, -1, 2}, // padding, repeated and empty bags
		{0, 1, 2, 3, 4, 5, 1, 1, 1, 0, 0, 0},       // full bags
	} {
		x := tensor.FromSlice(ids, 4, 3)
		ys, err := m.Call([]*tensor.Tensor{x}, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ys[1].Shape(), []int{4, 3, 2}) {
			t.Fatalf("rows of shape %v", ys[1].Shape())
		}
		var want []float32
		for _, v := range ids {
			if v < 0 {
				want = append(want, 0, 0)
			} else {
				want = append(want, e[int(v)*2], e[int(v)*2+1])
			}
		}
		if !slices.Equal(ys[1].Data(), want) {
			t.Fatalf("rows %v, want %v", ys[1].Data(), want)
		}
		if !slices.Equal(ys[0].Data(), l.Forward(x, false).Data()) {
			t.Fatal("first output differs from Forward")
		}
		wc := tensor.Arange(1, 9, 1).Reshape(4, 2)
		wr := tensor.Arange(1, 25, 1).Reshape(4, 3, 2)
		tensortest.GradCheck(t, "embedding bag rows", func(...*tensor.Tensor) *tensor.Tensor {
			o := l.ForwardOutputs(x, nil, true)
			return tensor.Add(tensor.Sum(tensor.Mul(o[0], wc), nil, false), tensor.Sum(tensor.Mul(o[1], wr), nil, false))
		}, tensortest.GradCheckOptions{Eps: 1e-3}, l.Embeddings)
	}
	r, err := nn.FromConfig(nn.Serialize(l))
	if err != nil {
		t.Fatal(err)
	}
	if mo, ok := r.(nn.MultiOutputLayer); !ok || mo.NumOutputs() != 2 {
		t.Fatalf("round trip lost return_rows: %v", nn.Serialize(r))
	}
}
