package tensor_test

import (
	"math"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func TestSoftmaxCrossEntropy(t *testing.T) {
	logits := rnd(1200, 3, 4)
	labels := []int{2, 0, 3}
	got := tensor.SoftmaxCrossEntropy(logits, labels).Data()
	ld := logits.Float64s()
	for b, l := range labels {
		p := softmaxRef(ld[b*4 : b*4+4])
		if want := -math.Log(p[l]); math.Abs(float64(got[b])-want) > 1e-5 {
			t.Errorf("sample %d: %v, want %v", b, got[b], want)
		}
	}
	tensortest.GradCheck(t, "SoftmaxCrossEntropy", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.SoftmaxCrossEntropy(xs[0], labels)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, logits.Clone())

	// dense one-hot targets give the same losses
	oh := tensor.Zeros(3, 4)
	for b, l := range labels {
		oh.Set(1, b, l)
	}
	dense := tensor.SoftmaxCrossEntropyDense(logits, oh).Data()
	if ok, msg := tensortest.Close(dense, got, 1e-6, 1e-6); !ok {
		t.Errorf("dense one-hot vs sparse: %s", msg)
	}
	probs := tensor.Softmax(rnd(1201, 3, 4), -1).Detach()
	tensortest.GradCheck(t, "SoftmaxCrossEntropyDense", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.SoftmaxCrossEntropyDense(xs[0], xs[1])
	}, tensortest.GradCheckOptions{Eps: 1e-3}, logits.Clone(), probs.Clone())
}

func TestCrossEntropyStable(t *testing.T) {
	logits := tensor.FromSlice([]float32{1e4, -1e4, 0, -1e4, 1e4, -1e4}, 2, 3).SetRequiresGrad(true)
	l := tensor.SoftmaxCrossEntropy(logits, []int{0, 0})
	if ok, msg := tensortest.Close(l.Data(), []float32{0, 2e4}, 1e-6, 0); !ok {
		t.Errorf("loss at ±1e4: %s", msg)
	}
	tensor.Sum(l, nil, false).Backward()
	if ok, msg := tensortest.Close(logits.Grad().Data(), []float32{0, 0, 0, -1, 1, 0}, 0, 1e-6); !ok {
		t.Errorf("gradient at ±1e4: %s", msg)
	}
	tgt := tensor.FromSlice([]float32{0, 1, 0, 0.5, 0.5, 0}, 2, 3)
	d := tensor.SoftmaxCrossEntropyDense(logits.Detach(), tgt).Data()
	if ok, msg := tensortest.Close(d, []float32{2e4, 1e4}, 1e-6, 0); !ok {
		t.Errorf("dense loss at ±1e4: %s", msg)
	}
	x := tensor.FromSlice([]float32{1e4, -1e4, 1e4, -1e4}, 4).SetRequiresGrad(true)
	s := tensor.SigmoidCrossEntropy(x, tensor.FromSlice([]float32{1, 0, 0, 1}, 4))
	if ok, msg := tensortest.Close(s.Data(), []float32{0, 0, 1e4, 1e4}, 1e-6, 0); !ok {
		t.Errorf("sigmoid CE at ±1e4: %s", msg)
	}
	s.BackwardWith(tensor.Ones(4))
	if ok, msg := tensortest.Close(x.Grad().Data(), []float32{0, 0, 1, -1}, 0, 1e-6); !ok {
		t.Errorf("sigmoid CE gradient at ±1e4: %s", msg)
	}
}

func TestSigmoidCrossEntropy(t *testing.T) {
	x := tensor.MulScalar(rnd(1300, 2, 5), 4).Detach()
	tg := tensor.RandUniform(tensor.NewRNG(1301), 0, 1, 2, 5)
	got := tensor.SigmoidCrossEntropy(x, tg).Data()
	for i, v := range x.Float64s() {
		p := sigmoidRef(v)
		tv := float64(tg.Data()[i])
		if want := -(tv*math.Log(p) + (1-tv)*math.Log(1-p)); math.Abs(float64(got[i])-want) > 1e-5 {
			t.Errorf("element %d: %v, want %v", i, got[i], want)
		}
	}
	tensortest.GradCheck(t, "SigmoidCrossEntropy", func(xs ...*tensor.Tensor) *tensor.Tensor {
		return tensor.SigmoidCrossEntropy(xs[0], xs[1])
	}, tensortest.GradCheckOptions{Eps: 1e-3}, x, tg)
}

func TestSoftmaxCrossEntropyBadLabel(t *testing.T) {
	defer func() {
		err, ok := recover().(*tensor.ShapeError)
		if !ok {
			t.Fatal("no *ShapeError panic")
		}
		if msg := err.Error(); !strings.Contains(msg, "label 10") || !strings.Contains(msg, "10 classes") {
			t.Fatalf("message %q does not name the label and K", msg)
		}
	}()
	tensor.SoftmaxCrossEntropy(tensor.Zeros(2, 10), []int{3, 10})
}

func TestDropout(t *testing.T) {
	m := tensor.DropoutMask(tensor.NewRNG(5), 0.25, 100, 100).Data()
	zeros := 0
	for _, v := range m {
		switch v {
		case 0:
			zeros++
		case 1 / float32(0.75):
		default:
			t.Fatalf("mask value %v", v)
		}
	}
	if frac := float64(zeros) / float64(len(m)); math.Abs(frac-0.25) > 0.02 {
		t.Errorf("dropped fraction %v, want about 0.25", frac)
	}
	m2 := tensor.DropoutMask(tensor.NewRNG(5), 0.25, 100, 100).Data()
	if ok, _ := tensortest.Close(m, m2, 0, 0); !ok {
		t.Error("same seed gives different masks")
	}
	x := tensor.Ones(3, 4)
	if tensor.Dropout(x, 0, tensor.NewRNG(1)) != x {
		t.Error("rate 0 does not return x")
	}
	w := tensor.Full(2, 4, 5).SetRequiresGrad(true)
	y := tensor.Dropout(w, 0.5, tensor.NewRNG(9))
	tensor.Sum(y, nil, false).Backward()
	for i, v := range y.Data() {
		if g := w.Grad().Data()[i]; g != v/2 || (v != 0 && v != 4) {
			t.Fatalf("element %d: out %v grad %v", i, v, g)
		}
	}
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Error("rate 1 does not panic with *ShapeError")
		}
	}()
	tensor.Dropout(x, 1, tensor.NewRNG(1))
}
