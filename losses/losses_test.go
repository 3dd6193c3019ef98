package losses

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

type goldenCase struct {
	Name           string    `json:"name"`
	Loss           string    `json:"loss"`
	FromLogits     bool      `json:"from_logits"`
	Delta          float64   `json:"delta"`
	LabelSmoothing float64   `json:"label_smoothing"`
	YTrue          []float64 `json:"y_true"`
	YTrueShape     []int     `json:"y_true_shape"`
	YPred          []float64 `json:"y_pred"`
	YPredShape     []int     `json:"y_pred_shape"`
	Weights        []float64 `json:"weights"`
	PerSample      []float64 `json:"per_sample"`
	Grad           []float64 `json:"grad"`
}

func makeLoss(t *testing.T, name string, fromLogits bool, delta, ls float64) Loss {
	t.Helper()
	o := Options{FromLogits: fromLogits, LabelSmoothing: float32(ls)}
	switch name {
	case "mean_squared_error":
		return NewMeanSquaredError()
	case "mean_absolute_error":
		return NewMeanAbsoluteError()
	case "huber":
		return NewHuber(float32(delta))
	case "binary_crossentropy":
		return NewBinaryCrossentropy(o)
	case "categorical_crossentropy":
		return NewCategoricalCrossentropy(o)
	case "sparse_categorical_crossentropy":
		return NewSparseCategoricalCrossentropy(o)
	}
	t.Fatalf("unknown loss %q", name)
	return nil
}

func shapeOrScalar(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func TestGoldenPyTorch(t *testing.T) {
	raw, err := os.ReadFile("../testdata/golden/losses/losses.json")
	if err != nil {
		t.Fatal(err)
	}
	var gf struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &gf); err != nil {
		t.Fatal(err)
	}
	if len(gf.Cases) < 20 {
		t.Fatalf("only %d cases", len(gf.Cases))
	}
	for _, c := range gf.Cases {
		t.Run(c.Name, func(t *testing.T) {
			l := makeLoss(t, c.Loss, c.FromLogits, c.Delta, c.LabelSmoothing)
			yt := tensor.FromFloat64(c.YTrue, shapeOrScalar(c.YTrueShape)...)
			yp := tensor.FromFloat64(c.YPred, shapeOrScalar(c.YPredShape)...).SetRequiresGrad(true)
			ps := l.PerSample(yt, yp)
			if got := ps.Shape(); len(got) != 1 || got[0] != len(c.PerSample) {
				t.Fatalf("PerSample shape %v, want [%d]", got, len(c.PerSample))
			}
			for i, w := range c.PerSample {
				g := float64(ps.Data()[i])
				if math.Abs(g-w) > 1e-4*math.Abs(w)+1e-5 {
					t.Errorf("per-sample[%d] = %.7g, want %.7g", i, g, w)
				}
			}
			tensor.Sum(tensor.Mul(ps, tensor.FromFloat64(c.Weights, len(c.Weights))), nil, false).Backward()
			if yp.Grad() == nil {
				t.Fatal("no gradient")
			}
			for i, w := range c.Grad {
				g := float64(yp.Grad().Data()[i])
				if math.Abs(g-w) > 1e-4*math.Abs(w)+1e-5 {
					t.Errorf("grad[%d] = %.7g, want %.7g", i, g, w)
				}
			}
		})
	}
}

func randProbs(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(tensor.NewRNG(seed), 0.1, 0.9, shape...)
}

func TestGradCheck(t *testing.T) {
	rng := tensor.NewRNG(11)
	oneHot := func(ids []int, c int) *tensor.Tensor {
		t := tensor.Zeros(len(ids), c)
		for i, id := range ids {
			t.Set(1, i, id)
		}
		return t
	}
	bin := func(shape ...int) *tensor.Tensor {
		x := tensor.RandUniform(rng, 0, 1, shape...)
		for i, v := range x.Data() {
			x.Data()[i] = float32(math.Round(float64(v)))
		}
		return x
	}
	for _, tc := range []struct {
		name  string
		loss  Loss
		yTrue *tensor.Tensor
		yPred *tensor.Tensor
		eps   float64
	}{
		{"mse", NewMeanSquaredError(), tensor.RandNormal(rng, 0, 1, 3, 4), tensor.RandNormal(rng, 0, 1, 3, 4), 0},
		{"mse [B] vs [B,1]", NewMeanSquaredError(), tensor.RandNormal(rng, 0, 1, 5), tensor.RandNormal(rng, 0, 1, 5, 1), 0},
		{"mae", NewMeanAbsoluteError(), tensor.RandNormal(rng, 0, 1, 3, 2, 2), tensor.AddScalar(tensor.RandNormal(rng, 0, 1, 3, 2, 2), 0.05), 1e-3},
		{"huber", NewHuber(0.7), tensor.RandNormal(rng, 0, 1, 4, 3), tensor.RandNormal(rng, 0, 1.5, 4, 3), 1e-3},
		{"bce probs", NewBinaryCrossentropy(Options{}), bin(4, 3), randProbs(1, 4, 3), 1e-3},
		{"bce probs smoothing", NewBinaryCrossentropy(Options{LabelSmoothing: 0.2}), bin(4, 1), randProbs(2, 4, 1), 1e-3},
		{"bce logits", NewBinaryCrossentropy(Options{FromLogits: true}), bin(4, 3), tensor.RandNormal(rng, 0, 2, 4, 3), 0},
		{"cce probs", NewCategoricalCrossentropy(Options{}), oneHot([]int{0, 3, 1}, 4), randProbs(3, 3, 4), 1e-3},
		{"cce probs smoothing", NewCategoricalCrossentropy(Options{LabelSmoothing: 0.1}), oneHot([]int{2, 3, 1}, 4), randProbs(4, 3, 4), 1e-3},
		{"cce logits", NewCategoricalCrossentropy(Options{FromLogits: true}), oneHot([]int{0, 3, 1}, 4), tensor.RandNormal(rng, 0, 2, 3, 4), 0},
		{"cce logits rank3", NewCategoricalCrossentropy(Options{FromLogits: true}), oneHot([]int{0, 3, 1, 2}, 4).Reshape(2, 2, 4), tensor.RandNormal(rng, 0, 2, 2, 2, 4), 0},
		{"scce probs", NewSparseCategoricalCrossentropy(Options{}), tensor.FromSlice([]float32{2, 0, 1}, 3), randProbs(5, 3, 4), 1e-3},
		{"scce logits", NewSparseCategoricalCrossentropy(Options{FromLogits: true}), tensor.FromSlice([]float32{2, 0, 1}, 3, 1), tensor.RandNormal(rng, 0, 2, 3, 4), 0},
		{"scce logits rank3", NewSparseCategoricalCrossentropy(Options{FromLogits: true}), tensor.FromSlice([]float32{2, 0, 1, 3}, 2, 2), tensor.RandNormal(rng, 0, 2, 2, 2, 4), 0},
	} {
		yt := tc.yTrue
		tensortest.GradCheck(t, tc.name, func(xs ...*tensor.Tensor) *tensor.Tensor {
			return tc.loss.PerSample(yt, xs[0])
		}, tensortest.GradCheckOptions{Eps: tc.eps, Tol: 2e-2}, tc.yPred)
	}
}

func TestStableExtremeLogits(t *testing.T) {
	logits := tensor.FromSlice([]float32{1e4, -1e4, 0, -1e4, 1e4, -1e4}, 2, 3).SetRequiresGrad(true)
	for _, l := range []Loss{
		NewSparseCategoricalCrossentropy(Options{FromLogits: true}),
		NewCategoricalCrossentropy(Options{FromLogits: true}),
		NewBinaryCrossentropy(Options{FromLogits: true}),
	} {
		logits.ZeroGrad()
		var yt *tensor.Tensor
		if l.Name() == "sparse_categorical_crossentropy" {
			yt = tensor.FromSlice([]float32{1, 1}, 2)
		} else {
			yt = tensor.FromSlice([]float32{0, 1, 0, 0, 1, 0}, 2, 3)
		}
		ps := l.PerSample(yt, logits)
		tensor.Sum(ps, nil, false).Backward()
		for _, v := range append(append([]float32(nil), ps.Data()...), logits.Grad().Data()...) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("%s: non-finite value in %v / %v", l.Name(), ps.Data(), logits.Grad().Data())
				break
			}
		}
	}
}

func TestSparseLabelErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		yTrue *tensor.Tensor
		want  string
	}{
		{"out of range", tensor.FromSlice([]float32{0, 5}, 2), "class id 5 (sample 1) is not an integer in [0, 3)"},
		{"negative", tensor.FromSlice([]float32{-1, 0}, 2, 1), "class id -1"},
		{"fraction", tensor.FromSlice([]float32{0, 1.5}, 2), "class id 1.5"},
		{"nan", tensor.FromSlice([]float32{0, float32(math.NaN())}, 2), "class id NaN"},
		{"count", tensor.FromSlice([]float32{0, 1, 2}, 3), "one class id per row"},
	} {
		for _, fl := range []bool{false, true} {
			func() {
				defer func() {
					r := recover()
					e, ok := r.(*tensor.ShapeError)
					if !ok || !strings.Contains(e.Error(), tc.want) {
						t.Errorf("%s (logits %v): panic %v, want *tensor.ShapeError with %q", tc.name, fl, r, tc.want)
					}
				}()
				NewSparseCategoricalCrossentropy(Options{FromLogits: fl}).PerSample(tc.yTrue, randProbs(1, 2, 3))
			}()
		}
	}
	func() {
		defer func() {
			if _, ok := recover().(*tensor.ShapeError); !ok {
				t.Error("mismatched MSE shapes did not panic with *tensor.ShapeError")
			}
		}()
		NewMeanSquaredError().PerSample(tensor.Zeros(3), tensor.Zeros(2, 2))
	}()
}

func TestByNameAndLogits(t *testing.T) {
	for _, tc := range []struct{ alias, name, act string }{
		{"mse", "mean_squared_error", ""},
		{"MeanSquaredError", "mean_squared_error", ""},
		{"mae", "mean_absolute_error", ""},
		{"huber_loss", "huber", ""},
		{"binary_crossentropy", "binary_crossentropy", "sigmoid"},
		{"CategoricalCrossentropy", "categorical_crossentropy", "softmax"},
		{"sparse_categorical_crossentropy", "sparse_categorical_crossentropy", "softmax"},
	} {
		l, err := ByName(tc.alias)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name() != tc.name {
			t.Errorf("%s: Name %q", tc.alias, l.Name())
		}
		ll, ok := l.(LogitsLoss)
		if ok != (tc.act != "") {
			t.Errorf("%s: LogitsLoss = %v", tc.alias, ok)
			continue
		}
		if ok {
			if ll.FromLogits() || ll.Activation() != tc.act {
				t.Errorf("%s: FromLogits %v Activation %q", tc.alias, ll.FromLogits(), ll.Activation())
			}
			w := ll.WithLogits().(LogitsLoss)
			if !w.FromLogits() || w.Name() != tc.name || ll.FromLogits() {
				t.Errorf("%s: WithLogits broken", tc.alias)
			}
		}
		raw, _ := json.Marshal(l.Config())
		var m map[string]any
		json.Unmarshal(raw, &m)
		l2, err := FromConfig(m)
		if err != nil {
			t.Fatal(err)
		}
		raw2, _ := json.Marshal(l2.Config())
		if string(raw) != string(raw2) {
			t.Errorf("config round trip %s vs %s", raw, raw2)
		}
	}
	if _, err := ByName("kld"); err == nil {
		t.Error("unknown loss: no error")
	}
	l, _ := FromConfig(map[string]any{"name": "categorical_crossentropy", "from_logits": true, "label_smoothing": 0.1})
	if c := l.Config(); c["from_logits"] != true || c["label_smoothing"] != float64(float32(0.1)) {
		t.Errorf("FromConfig options: %v", c)
	}
	if h, _ := FromConfig(map[string]any{"name": "huber", "delta": 2.0}); h.(*Huber).Delta() != 2 {
		t.Error("Huber delta lost")
	}
}

// The logits form must equal the probability form applied after the
// activation (away from the clipping region).
func TestLogitsMatchProbabilities(t *testing.T) {
	rng := tensor.NewRNG(21)
	x := tensor.RandNormal(rng, 0, 1, 4, 3)
	sm := softmaxRows(x)
	sg := tensor.Div(tensor.Ones(4, 3), tensor.AddScalar(tensor.Exp(tensor.Neg(x)), 1))
	ids := tensor.FromSlice([]float32{0, 2, 1, 1}, 4)
	oh := tensor.FromSlice([]float32{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0}, 4, 3)
	for _, tc := range []struct {
		l        LogitsLoss
		yt, prob *tensor.Tensor
	}{
		{NewSparseCategoricalCrossentropy(Options{}), ids, sm},
		{NewCategoricalCrossentropy(Options{LabelSmoothing: 0.1}), oh, sm},
		{NewBinaryCrossentropy(Options{LabelSmoothing: 0.1}), oh, sg},
	} {
		a := tc.l.PerSample(tc.yt, tc.prob).Data()
		b := tc.l.WithLogits().PerSample(tc.yt, x).Data()
		if ok, msg := tensortest.Close(a, b, 1e-4, 1e-5); !ok {
			t.Errorf("%s: %s", tc.l.Name(), msg)
		}
	}
}

func softmaxRows(x *tensor.Tensor) *tensor.Tensor {
	e := tensor.Exp(x)
	return tensor.Div(e, tensor.Sum(e, []int{1}, true))
}
