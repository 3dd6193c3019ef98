package privacy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// testModels returns compiled chains covering every per-example rule.
func testModels(t *testing.T) map[string]struct {
	m    *model.Model
	x, y *tensor.Tensor
} {
	t.Helper()
	rng := tensor.NewRNG(5)
	out := map[string]struct {
		m    *model.Model
		x, y *tensor.Tensor
	}{}
	add := func(name string, m *model.Model, x *tensor.Tensor, classes int) {
		m.SetSeed(11)
		if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
			t.Fatal(err)
		}
		if err := m.Build(nil); err != nil {
			t.Fatal(err)
		}
		// Non-zero biases and LayerNorm weights, so every rule is exercised.
		for _, p := range m.Params() {
			v := p.Data()
			for i := range v {
				v[i] += float32(rng.NormFloat64() * 0.1)
			}
		}
		b := x.Dim(0)
		y := make([]float32, b)
		for i := range y {
			y[i] = float32(i % classes)
		}
		out[name] = struct {
			m    *model.Model
			x, y *tensor.Tensor
		}{m, x, tensor.FromSlice(y, b)}
	}
	add("cnn", model.NewSequential(
		model.InputShape(9, 8, 2),
		nn.NewConv2D(3, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu", Padding: "same", Strides: [2]int{2, 1}}),
		nn.NewConv2D(4, [2]int{2, 2}, nn.Conv2DConfig{Activation: "tanh", Dilation: [2]int{2, 1}}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewFlatten(),
		nn.NewLayerNormalization(nn.LayerNormConfig{}),
		nn.NewDense(5, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}),
	), tensor.RandNormal(rng, 0, 1, 4, 9, 8, 2), 3)
	// P·(K+CO) < K·CO: the conv norm takes the Gram ("ghost") path.
	add("ghost", model.NewSequential(
		model.InputShape(4, 4, 8),
		nn.NewConv2D(16, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}),
	), tensor.RandNormal(rng, 0, 1, 3, 4, 4, 8), 3)
	ids := make([]float32, 4*6)
	for i := range ids {
		ids[i] = float32((i*7 + i/6) % 10)
	}
	add("text", model.NewSequential(
		model.InputShape(6),
		nn.NewEmbedding(10, 4, nn.EmbeddingConfig{}),
		nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: 1e-5}),
		nn.NewDense(5, nn.DenseConfig{Activation: "sigmoid"}),
		nn.NewFlatten(),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}),
	), tensor.FromSlice(ids, 4, 6), 3)
	return out
}

// singleGrads returns the gradient of example i's loss by an ordinary
// batch-size-1 forward and backward pass of the model.
func singleGrads(t *testing.T, m *model.Model, x, y *tensor.Tensor, i int) map[*tensor.Tensor][]float32 {
	t.Helper()
	per := x.Size() / x.Dim(0)
	shape := append([]int{1}, x.Shape()[1:]...)
	xi := tensor.FromSlice(append([]float32(nil), x.Float32s()[i*per:(i+1)*per]...), shape...)
	yi := tensor.FromSlice([]float32{y.Float32s()[i]}, 1)
	for _, p := range m.Params() {
		p.ZeroGrad()
	}
	outs, err := m.Call([]*tensor.Tensor{xi}, false)
	if err != nil {
		t.Fatal(err)
	}
	tensor.Sum(m.Loss().PerSample(yi, outs[0]), nil, false).Backward()
	g := map[*tensor.Tensor][]float32{}
	for _, p := range m.Params() {
		if p.Grad() == nil {
			g[p] = make([]float32, p.Size())
		} else {
			g[p] = p.Grad().Float32s()
		}
		p.ZeroGrad()
	}
	return g
}

// TestPerExampleMatchesBatchOfOne checks the vectorised per-example
// gradients against batch-size-1 gradients for Dense (2-d and 3-d inputs),
// Conv2D (same/valid padding, strides, dilation), Embedding and
// LayerNormalization, and the norms against the gradients.
func TestPerExampleMatchesBatchOfOne(t *testing.T) {
	for name, c := range testModels(t) {
		pe, err := NewPerExample(c.m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := pe.Gradients(c.x, c.y)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		norms, err := pe.Norms(c.x, c.y)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b := c.x.Dim(0)
		for i := 0; i < b; i++ {
			want := singleGrads(t, c.m, c.x, c.y, i)
			var sq float64
			for _, p := range c.m.Params() {
				g, ok := got[p]
				if !ok {
					t.Fatalf("%s: no per-example gradient for %s", name, p.Name())
				}
				n := p.Size()
				gi := g[i*n : (i+1)*n]
				for j := range gi {
					sq += float64(gi[j]) * float64(gi[j])
					if d := math.Abs(float64(gi[j] - want[p][j])); d > 1e-4*(1+math.Abs(float64(want[p][j]))) {
						t.Fatalf("%s: example %d, %s[%d]: per-example %v, batch-of-one %v", name, i, p.Name(), j, gi[j], want[p][j])
					}
				}
			}
			if math.Abs(math.Sqrt(sq)-norms[i]) > 1e-4*(1+norms[i]) {
				t.Errorf("%s: example %d: norm %v, from gradients %v", name, i, norms[i], math.Sqrt(sq))
			}
		}
	}
}

// TestClippingAndNoise checks one DP step's update against the formula:
// with plain SGD (lr η) the update is −η(Σ_i clip(g_i) + noise)/E, the
// noise has standard deviation σC/E per coordinate, and clipped examples
// are bounded by C.
func TestClippingAndNoise(t *testing.T) {
	c := testModels(t)["cnn"]
	m := c.m
	pe, _ := NewPerExample(m)
	grads, err := pe.Gradients(c.x, c.y)
	if err != nil {
		t.Fatal(err)
	}
	norms, _ := pe.Norms(c.x, c.y)
	clip := norms[0] * 0.5 // clip at least example 0
	const E = 8.0
	b := c.x.Dim(0)
	// Expected clipped sum over E.
	want := map[*tensor.Tensor][]float64{}
	for _, p := range m.Params() {
		n := p.Size()
		s := make([]float64, n)
		for i := 0; i < b; i++ {
			f := math.Min(1, clip/norms[i])
			for j := 0; j < n; j++ {
				s[j] += f * float64(grads[p][i*n+j]) / E
			}
		}
		want[p] = s
	}
	// σ = 0: the step's gradient is exactly the clipped mean.
	d, err := NewDPSGD(m, DPConfig{NoiseMultiplier: 0, L2Clip: clip, ExpectedBatch: E})
	if err != nil {
		t.Fatal(err)
	}
	var seen map[*tensor.Tensor][]float32
	m.SetGradientHook(func(ps []*tensor.Tensor) error {
		seen = map[*tensor.Tensor][]float32{}
		for _, p := range ps {
			seen[p] = p.Grad().Float32s()
		}
		return nil
	})
	w := d.ClipWeights(norms, len(norms))
	before := map[*tensor.Tensor][]float32{}
	for _, p := range m.Params() {
		before[p] = p.Float32s()
	}
	if _, err := m.TrainStep(c.x, c.y, tensor.FromSlice(w, len(w))); err != nil {
		t.Fatal(err)
	}
	if d.Clipped < 1 {
		t.Error("no example clipped")
	}
	for _, p := range m.Params() {
		for j, v := range seen[p] {
			if math.Abs(float64(v)-want[p][j]) > 1e-4*(1+math.Abs(want[p][j])) {
				t.Fatalf("%s[%d]: step gradient %v, clipped mean %v", p.Name(), j, v, want[p][j])
			}
		}
		p.CopyFromSlice(before[p])
	}
	// Noise statistics: σ = 2 on zero gradients.
	d2, _ := NewDPSGD(m, DPConfig{NoiseMultiplier: 2, L2Clip: 0.5, ExpectedBatch: 4, Seed: 3})
	z := tensor.Zeros(20000)
	z.SetRequiresGrad(true)
	tensor.Sum(tensor.Mul(z, tensor.Zeros(20000)), nil, false).Backward()
	if err := d2.addNoise([]*tensor.Tensor{z}); err != nil {
		t.Fatal(err)
	}
	var mean, sq float64
	for _, v := range z.Grad().Float32s() {
		mean += float64(v) / 20000
		sq += float64(v) * float64(v) / 20000
	}
	sd, want2 := math.Sqrt(sq-mean*mean), 2*0.5/4.0
	if math.Abs(mean) > 5*want2/math.Sqrt(20000) || math.Abs(sd-want2) > 0.03*want2 {
		t.Errorf("noise mean %v sd %v, want 0 and %v", mean, sd, want2)
	}
	d2.Close()
}

func TestPoissonBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, q, reps = 1000, 0.05, 400
	var tot, tot2 float64
	for r := 0; r < reps; r++ {
		idx := PoissonBatch(rng, n, q)
		for i := 1; i < len(idx); i++ {
			if idx[i] <= idx[i-1] || idx[i] >= n {
				t.Fatalf("indices not increasing in range: %v", idx)
			}
		}
		k := float64(len(idx))
		tot += k
		tot2 += k * k
	}
	mean := tot / reps
	v := tot2/reps - mean*mean
	// Binomial(n, q): mean 50, variance 47.5.
	if math.Abs(mean-n*q) > 5*math.Sqrt(n*q*(1-q)/reps) || math.Abs(v-n*q*(1-q)) > 0.25*n*q*(1-q) {
		t.Errorf("batch size mean %v var %v, want %v and %v", mean, v, n*q, n*q*(1-q))
	}
	if len(PoissonBatch(rng, 10, 1)) != 10 || len(PoissonBatch(rng, 10, 0)) != 0 {
		t.Error("q = 1 or 0 wrong")
	}
}

func TestRefusedLayers(t *testing.T) {
	m := model.NewSequential(model.InputShape(4), nn.NewDense(3, nn.DenseConfig{}), nn.NewDropout(0.5, nn.DropoutConfig{}), nn.NewDense(2, nn.DenseConfig{}))
	m.CompileNames("sgd", "sparse_categorical_crossentropy")
	if _, err := NewPerExample(m); err == nil {
		t.Error("dropout accepted")
	}
	r := model.NewSequential(model.InputShape(3, 2), nn.NewLSTM(4, nn.RNNConfig{RecurrentDropout: 0.2}), nn.NewDense(2, nn.DenseConfig{}))
	r.CompileNames("sgd", "sparse_categorical_crossentropy")
	if _, err := NewPerExample(r); err == nil {
		t.Error("LSTM with recurrent dropout accepted")
	}
	if _, err := NewDPSGD(m, DPConfig{L2Clip: 0, ExpectedBatch: 1}); err == nil {
		t.Error("clip 0 accepted")
	}
}

// TestStepPaddedIgnoresPadding checks that weight-0 padding rows change
// nothing: a padded step gives the same weights as the unpadded one.
func TestStepPaddedIgnoresPadding(t *testing.T) {
	run := func(pad bool) []float32 {
		c := testModels(t)["cnn"]
		d, err := NewDPSGD(c.m, DPConfig{NoiseMultiplier: 0, L2Clip: 0.3, ExpectedBatch: 4})
		if err != nil {
			t.Fatal(err)
		}
		x, y := c.x, c.y
		b := x.Dim(0)
		if pad {
			per := x.Size() / b
			xv := append(x.Float32s(), x.Float32s()[:2*per]...)
			yv := append(y.Float32s(), y.Float32s()[:2]...)
			x = tensor.FromSlice(xv, append([]int{b + 2}, x.Shape()[1:]...)...)
			y = tensor.FromSlice(yv, b+2)
		}
		if _, err := d.StepPadded(x, y, b); err != nil {
			t.Fatal(err)
		}
		var w []float32
		for _, p := range c.m.Params() {
			w = append(w, p.Float32s()...)
		}
		return w
	}
	a, b := run(false), run(true)
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			t.Fatalf("weight %d: unpadded %v, padded %v", i, a[i], b[i])
		}
	}
}

// TestFusedStepMatchesTwoPass checks that the one-pass DP step (the update
// from the per-example pass, fusedStep) gives the same weights as the
// two-pass step through TrainStep with clip weights, for every rule, with
// padding, clipping, a weight penalty and momentum (two steps).
func TestFusedStepMatchesTwoPass(t *testing.T) {
	names := []string{"cnn", "ghost", "text", "reg"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			run := func(fused bool) ([]float32, float64) {
				var c struct {
					m    *model.Model
					x, y *tensor.Tensor
				}
				if name == "reg" {
					rng := tensor.NewRNG(9)
					m := model.NewSequential(model.InputShape(5),
						nn.NewDense(4, nn.DenseConfig{Activation: "tanh", KernelRegularizer: nn.L2(0.01)}),
						nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}))
					m.SetSeed(4)
					if err := m.CompileConfigMap(map[string]any{"optimizer": map[string]any{"class_name": "SGD", "config": map[string]any{"learning_rate": 0.1, "momentum": 0.9}}, "loss": "sparse_categorical_crossentropy", "metrics": []any{"accuracy"}}); err != nil {
						t.Fatal(err)
					}
					c.m, c.x, c.y = m, tensor.RandNormal(rng, 0, 1, 6, 5), tensor.FromSlice([]float32{0, 1, 2, 0, 1, 2}, 6)
				} else {
					c = testModels(t)[name]
				}
				pe, err := NewPerExample(c.m)
				if err != nil {
					t.Fatal(err)
				}
				norms, err := pe.Norms(c.x, c.y)
				if err != nil {
					t.Fatal(err)
				}
				clip := norms[0] * 0.7
				d, err := NewDPSGD(c.m, DPConfig{NoiseMultiplier: 0, L2Clip: clip, ExpectedBatch: 3})
				if err != nil {
					t.Fatal(err)
				}
				if !d.fused {
					t.Fatal("model has only summable layers but the fused step is off")
				}
				d.fused = fused
				b := c.x.Dim(0)
				per := c.x.Size() / b
				xv := append(c.x.Float32s(), c.x.Float32s()[:per]...)
				yv := append(c.y.Float32s(), c.y.Float32s()[:1]...)
				x := tensor.FromSlice(xv, append([]int{b + 1}, c.x.Shape()[1:]...)...)
				y := tensor.FromSlice(yv, b+1)
				var loss float64
				for step := 0; step < 2; step++ {
					if loss, err = d.StepPadded(x, y, b); err != nil {
						t.Fatal(err)
					}
				}
				if d.Clipped == 0 {
					t.Error("no example was clipped")
				}
				var w []float32
				for _, p := range c.m.Params() {
					w = append(w, p.Float32s()...)
				}
				return w, loss
			}
			two, l2 := run(false)
			one, l1 := run(true)
			if math.Abs(l1-l2) > 1e-5*(1+math.Abs(l2)) {
				t.Errorf("loss: fused %v, two-pass %v", l1, l2)
			}
			for i := range two {
				if math.Abs(float64(one[i]-two[i])) > 2e-5*(1+math.Abs(float64(two[i]))) {
					t.Fatalf("weight %d: fused %v, two-pass %v", i, one[i], two[i])
				}
			}
		})
	}
}
