package explain

import (
	"encoding/json"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/zoo"
)

type golden struct {
	Weights      [][]float32 `json:"weights"`
	X            []float32   `json:"x"`
	Target       int         `json:"target"`
	Logits       []float32   `json:"logits"`
	Saliency     []float32   `json:"saliency"`
	SaliencyProb []float32   `json:"saliency_prob"`
	IGSteps      int         `json:"ig_steps"`
	IG           []float32   `json:"ig"`
	GradCAMShape []int       `json:"gradcam_shape"`
	GradCAM      []float32   `json:"gradcam"`
	GradCAMUp    []float32   `json:"gradcam_up"`
}

// goldenModel builds the model of testdata/make_golden.py with its weights.
func goldenModel(t *testing.T) (*model.Model, golden) {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	m := model.NewSequential(
		model.InputShape(12, 12, 1),
		nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(6, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(10, nn.DenseConfig{Activation: "softmax"}),
	)
	if err := m.Build(nil); err != nil {
		t.Fatal(err)
	}
	ps := m.Params()
	if len(ps) != len(g.Weights) {
		t.Fatalf("%d params, golden has %d", len(ps), len(g.Weights))
	}
	for i, p := range ps {
		p.CopyFromSlice(g.Weights[i])
	}
	return m, g
}

// closeRel reports the largest |got − want| over max|want|.
func closeRel(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	return worst / math.Max(scale, 1e-30)
}

// TestGoldenPyTorch compares saliency, IG and Grad-CAM with PyTorch's on
// the same weights (testdata/make_golden.py), within 1e-4 of each map's
// largest magnitude.
func TestGoldenPyTorch(t *testing.T) {
	m, g := goldenModel(t)
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	conv := m.Layers()[3].Name()
	sal, err := e.Saliency(g.X, g.Target)
	if err != nil {
		t.Fatal(err)
	}
	ig, err := e.IntegratedGradients(g.X, nil, g.Target, g.IGSteps)
	if err != nil {
		t.Fatal(err)
	}
	cam, h, w, err := e.GradCAM(g.X, g.Target, conv)
	if err != nil {
		t.Fatal(err)
	}
	if h != g.GradCAMShape[0] || w != g.GradCAMShape[1] {
		t.Fatalf("Grad-CAM map %dx%d, want %v", h, w, g.GradCAMShape)
	}
	ep := *e
	ep.Score = Probability
	salp, err := ep.Saliency(g.X, g.Target)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want []float32
	}{
		{"saliency", sal, g.Saliency},
		{"saliency(probability)", salp, g.SaliencyProb},
		{"integrated gradients", ig.Attributions, g.IG},
		{"grad-cam", cam, g.GradCAM},
		{"grad-cam upsampled", Upsample(cam, h, w, 12, 12), g.GradCAMUp},
	} {
		if r := closeRel(c.got, c.want); r > 1e-4 {
			t.Errorf("%s: relative error %.3g > 1e-4", c.name, r)
		}
	}
}

// TestSaliencyFiniteDifference checks the input gradient against central
// differences of the target logit.
func TestSaliencyFiniteDifference(t *testing.T) {
	m, g := goldenModel(t)
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	sal, err := e.Saliency(g.X, g.Target)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-3
	checked := 0
	for i := range g.X {
		xp := append([]float32(nil), g.X...)
		xm := append([]float32(nil), g.X...)
		xp[i] += h
		xm[i] -= h
		s0, _, _ := e.scoreOf(g.X, g.Target)
		sp, _, _ := e.scoreOf(xp, g.Target)
		sm, _, _ := e.scoreOf(xm, g.Target)
		fwd, bwd := float64(sp-s0)/h, float64(s0-sm)/h
		if math.Abs(fwd-bwd) > 1e-2*(1+math.Abs(fwd)) {
			continue // a ReLU or max-pool switch lies within ±h
		}
		checked++
		fd := (fwd + bwd) / 2
		if math.Abs(fd-float64(sal[i])) > 5e-3*(1+math.Abs(fd)) {
			t.Errorf("x[%d]: saliency %v, finite difference %v", i, sal[i], fd)
		}
	}
	if checked < len(g.X)/2 {
		t.Errorf("only %d of %d inputs away from kinks", checked, len(g.X))
	}
}

var (
	mnistOnce  sync.Once
	mnistModel *model.Model
	mnistX     [][]float32
	mnistErr   error
)

// trainedMNIST trains the MNIST CNN briefly (1024 images, one epoch) once
// per test binary.
func trainedMNIST(t *testing.T) (*model.Model, [][]float32) {
	t.Helper()
	mnistOnce.Do(func() {
		train, test, err := mnist.Load()
		if err != nil {
			mnistErr = err
			return
		}
		m := zoo.MNISTCNN()
		m.SetSeed(3)
		if err := m.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
			mnistErr = err
			return
		}
		if _, err := m.Fit(train.Take(1024), model.FitConfig{Epochs: 1, BatchSize: 64, Seed: 1, Verbose: model.VerboseSilent}); err != nil {
			mnistErr = err
			return
		}
		mnistModel = m
		for i := 0; i < 3; i++ {
			mnistX = append(mnistX, test.Sample(i))
		}
	})
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistModel, mnistX
}

// TestIGCompletenessMNIST checks that IG attributions with the default
// steps sum to f(x) − f(0) within 1% on the (briefly trained) MNIST CNN.
func TestIGCompletenessMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a CNN")
	}
	m, xs := trainedMNIST(t)
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		_, cls, err := e.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.IntegratedGradients(x, nil, cls, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("image %d class %d: Σattr %.4f, f(x)−f(0) %.4f, completeness error %.4f", i, cls, r.Sum, r.Delta, r.CompletenessError)
		if r.CompletenessError > 0.01 {
			t.Errorf("image %d: completeness error %.4f > 1%%", i, r.CompletenessError)
		}
	}
}

// TestSanityModelRandomization is the model-randomisation test of Adebayo
// et al. (2018): the saliency of the trained MNIST CNN must differ from
// that of the same architecture with re-initialised weights (low rank
// correlation of |saliency|), while two explanations of the trained model
// agree with themselves.
func TestSanityModelRandomization(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a CNN")
	}
	m, xs := trainedMNIST(t)
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	r := zoo.MNISTCNN()
	r.SetSeed(99)
	if err := r.Build(nil); err != nil {
		t.Fatal(err)
	}
	er, err := New(r)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		_, cls, _ := e.Predict(x)
		a, err := e.Saliency(x, cls)
		if err != nil {
			t.Fatal(err)
		}
		b, err := er.Saliency(x, cls)
		if err != nil {
			t.Fatal(err)
		}
		rho, err := RandomizationRankCorrelation(a, b)
		if err != nil {
			t.Fatal(err)
		}
		signed, _ := RankCorrelation(f64(a), f64(b))
		// Control: the trained model's saliency against its own SmoothGrad.
		sg, _ := e.SmoothGrad(x, cls, 16, 0.05, 5)
		self, _ := RandomizationRankCorrelation(a, sg)
		t.Logf("image %d: rank correlation trained vs randomised: |saliency| %.3f, signed %.3f; trained vs own SmoothGrad %.3f", i, rho, signed, self)
		if rho > 0.8 || signed > 0.5 || rho > self-0.1 {
			t.Errorf("image %d: saliency barely changes under weight randomisation (ρ|·| = %.3f, ρ = %.3f, control %.3f)", i, rho, signed, self)
		}
	}
}

func TestErrors(t *testing.T) {
	m, g := goldenModel(t)
	e, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Saliency(g.X[:10], 0); err == nil {
		t.Error("short input: no error")
	}
	if _, err := e.Saliency(g.X, 10); err == nil {
		t.Error("target 10 of 10 classes: no error")
	}
	if _, _, _, err := e.GradCAM(g.X, 0, "nope"); err == nil {
		t.Error("unknown layer: no error")
	}
	if _, _, _, err := e.GradCAM(g.X, 0, m.Layers()[5].Name()); err == nil {
		t.Error("Grad-CAM on a Dense layer: no error")
	}
	if _, err := e.IntegratedGradients(g.X, g.X[:3], 0, 10); err == nil {
		t.Error("short baseline: no error")
	}
	if _, err := e.Occlusion(g.X, 0, 0, 1, 0); err == nil {
		t.Error("window 0: no error")
	}
}

// TestOcclusionAndSmoothGrad checks occlusion against a direct computation
// for one patch and that SmoothGrad with tiny noise equals the saliency.
func TestOcclusionAndSmoothGrad(t *testing.T) {
	m, g := goldenModel(t)
	e, _ := New(m)
	occ, err := e.Occlusion(g.X, g.Target, 12, 12, 0)
	if err != nil {
		t.Fatal(err)
	}
	base, _, _ := e.scoreOf(g.X, g.Target)
	zero, _, _ := e.scoreOf(make([]float32, len(g.X)), g.Target)
	for i, v := range occ {
		if math.Abs(float64(v-(base-zero))) > 1e-5 {
			t.Fatalf("occlusion[%d] = %v, want %v", i, v, base-zero)
		}
	}
	sg, err := e.SmoothGrad(g.X, g.Target, 4, 1e-7, 1)
	if err != nil {
		t.Fatal(err)
	}
	sal, _ := e.Saliency(g.X, g.Target)
	if r := closeRel(sg, sal); r > 1e-3 {
		t.Errorf("SmoothGrad with no noise differs from saliency: %.3g", r)
	}
}

func f64(v []float32) []float64 {
	o := make([]float64, len(v))
	for i, x := range v {
		o[i] = float64(x)
	}
	return o
}
