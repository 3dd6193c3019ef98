package tensor_test

import (
	"math"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

type actCase struct {
	name string
	f    func(*tensor.Tensor) *tensor.Tensor
	ref  func(float64) float64
}

func sigmoidRef(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

var actCases = []actCase{
	{"ReLU", tensor.ReLU, func(x float64) float64 { return math.Max(x, 0) }},
	{"LeakyReLU", func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, 0.2) }, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return 0.2 * x
	}},
	{"Sigmoid", tensor.Sigmoid, sigmoidRef},
	{"Tanh", tensor.Tanh, math.Tanh},
	{"ELU", func(x *tensor.Tensor) *tensor.Tensor { return tensor.ELU(x, 1.5) }, func(x float64) float64 {
		if x > 0 {
			return x
		}
		return 1.5 * (math.Exp(x) - 1)
	}},
	{"GELU", tensor.GELU, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }},
	{"GELUTanh", tensor.GELUTanh, func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	}},
	{"Softplus", tensor.Softplus, func(x float64) float64 { return math.Log(1 + math.Exp(x)) }},
	{"Swish", tensor.Swish, func(x float64) float64 { return x * sigmoidRef(x) }},
}

func TestActivations(t *testing.T) {
	pts := []float32{-6, -2.5, -1, -0.3, 0.2, 0.7, 1, 3, 8}
	for i, c := range actCases {
		x := tensor.FromSlice(append([]float32(nil), pts...), 3, 3)
		got := c.f(x).Data()
		want := make([]float32, len(pts))
		for j, p := range pts {
			want[j] = float32(c.ref(float64(p)))
		}
		if ok, msg := tensortest.Close(got, want, 1e-6, 1e-6); !ok {
			t.Errorf("%s values: %s", c.name, msg)
		}
		// random inputs kept away from the kinks at 0 for ReLU-like functions
		r := rnd(uint64(1000+i), 2, 3, 4)
		for j, v := range r.Data() {
			if math.Abs(float64(v)) < 0.05 {
				r.Data()[j] = 0.3
			}
		}
		f := c.f
		tensortest.GradCheck(t, c.name, func(xs ...*tensor.Tensor) *tensor.Tensor { return f(xs[0]) },
			tensortest.GradCheckOptions{Eps: 1e-3}, tensor.MulScalar(r, 3).Detach())
		// transposed input
		tensortest.GradCheck(t, c.name+" transposed", func(xs ...*tensor.Tensor) *tensor.Tensor { return f(xs[0].Transpose()) },
			tensortest.GradCheckOptions{Eps: 1e-3}, tensor.MulScalar(r.Reshape(6, 4), 2).Detach())
	}
}

func TestActivationsStable(t *testing.T) {
	x := tensor.FromSlice([]float32{-1e4, -100, 100, 1e4}, 4).SetRequiresGrad(true)
	for _, c := range actCases {
		y := c.f(x)
		y.BackwardWith(tensor.Ones(4))
		for j, v := range append(y.Data(), x.Grad().Data()...) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("%s: element %d of output and gradient is %v", c.name, j, v)
			}
		}
		x.ZeroGrad()
	}
	s := tensor.Sigmoid(x).Data()
	if s[0] != 0 || s[3] != 1 {
		t.Errorf("Sigmoid at ±1e4: %v", s)
	}
	sp := tensor.Softplus(x).Data()
	if sp[0] != 0 || sp[3] != 1e4 {
		t.Errorf("Softplus at ±1e4: %v", sp)
	}
}

func softmaxRef(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var s float64
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Exp(v - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

func TestSoftmax(t *testing.T) {
	x := rnd(1100, 2, 3, 4)
	xd := x.Float64s()
	for _, axis := range []int{0, 1, 2, -1} {
		ax := (axis + 3) % 3
		sm := tensor.Softmax(x, axis).Data()
		lsm := tensor.LogSoftmax(x, axis).Data()
		shape := []int{2, 3, 4}
		strides := []int{12, 4, 1}
		// every 1-d line along ax
		for base := 0; base < 24; base++ {
			idx := []int{base / 12, base / 4 % 3, base % 4}
			if idx[ax] != 0 {
				continue
			}
			var line []float64
			var pos []int
			for i := 0; i < shape[ax]; i++ {
				p := base + i*strides[ax]
				line = append(line, xd[p])
				pos = append(pos, p)
			}
			for i, v := range softmaxRef(line) {
				if math.Abs(float64(sm[pos[i]])-v) > 1e-6 || math.Abs(float64(lsm[pos[i]])-math.Log(v)) > 1e-5 {
					t.Fatalf("axis %d: element %d: softmax %v log %v, want %v", axis, pos[i], sm[pos[i]], lsm[pos[i]], v)
				}
			}
		}
		a := axis
		tensortest.GradCheck(t, "Softmax", func(xs ...*tensor.Tensor) *tensor.Tensor { return tensor.Softmax(xs[0], a) },
			tensortest.GradCheckOptions{Eps: 1e-3}, x.Clone())
		tensortest.GradCheck(t, "LogSoftmax", func(xs ...*tensor.Tensor) *tensor.Tensor { return tensor.LogSoftmax(xs[0], a) },
			tensortest.GradCheckOptions{Eps: 1e-3}, x.Clone())
	}
	tensortest.GradCheck(t, "Softmax transposed", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.Softmax(xs[0].Transpose(), -1)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, rnd(1101, 5, 3))
}

func TestSoftmaxStable(t *testing.T) {
	x := tensor.FromSlice([]float32{1e4, -1e4, 0, -1e4, -1e4, -1e4}, 2, 3).SetRequiresGrad(true)
	sm := tensor.Softmax(x, -1)
	want := []float32{1, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}
	if ok, msg := tensortest.Close(sm.Data(), want, 1e-6, 0); !ok {
		t.Errorf("Softmax: %s", msg)
	}
	lsm := tensor.LogSoftmax(x, -1)
	l3 := float32(-math.Log(3))
	if ok, msg := tensortest.Close(lsm.Data(), []float32{0, -2e4, -1e4, l3, l3, l3}, 1e-6, 0); !ok {
		t.Errorf("LogSoftmax: %s", msg)
	}
	for _, y := range []*tensor.Tensor{sm, lsm} {
		x.ZeroGrad()
		y.BackwardWith(rnd(3, 2, 3))
		for _, v := range x.Grad().Data() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s gradient not finite: %v", y.Op(), x.Grad().Data())
			}
		}
	}
}
