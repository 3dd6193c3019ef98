package nn_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// layerCase is one row of the layer test harness (DESIGN.md principle 8).
type layerCase struct {
	name     string
	make     func() nn.Layer
	in       []int // per-sample input shape
	params   int   // expected trainable parameter count
	state    int   // expected non-trainable count
	noGrad   bool  // skip the finite-difference check (non-smooth at ties)
	training bool  // run the checks in training mode
}

func harnessCases() []layerCase {
	return []layerCase{
		{name: "dense", make: func() nn.Layer { return nn.NewDense(4, nn.DenseConfig{Activation: "tanh"}) }, in: []int{5}, params: 24},
		{name: "dense_nobias_3d", make: func() nn.Layer { return nn.NewDense(3, nn.DenseConfig{NoBias: true}) }, in: []int{2, 4}, params: 12},
		{name: "dense_l2", make: func() nn.Layer {
			return nn.NewDense(3, nn.DenseConfig{Activation: "sigmoid", KernelRegularizer: nn.L1L2(0.01, 0.01), KernelInitializer: nn.HeNormal()})
		}, in: []int{4}, params: 15},
		{name: "conv2d_valid", make: func() nn.Layer {
			return nn.NewConv2D(3, [2]int{3, 3}, nn.Conv2DConfig{Activation: "tanh"})
		}, in: []int{5, 6, 2}, params: 3*3*2*3 + 3},
		{name: "conv2d_relu_fused", make: func() nn.Layer {
			return nn.NewConv2D(3, [2]int{2, 2}, nn.Conv2DConfig{Activation: "relu", BiasInitializer: nn.Constant(0.1)})
		}, in: []int{4, 4, 2}, params: 2*2*2*3 + 3},
		{name: "conv2d_same_stride2", make: func() nn.Layer {
			return nn.NewConv2D(2, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same", Strides: [2]int{2, 2}})
		}, in: []int{5, 5, 2}, params: 3*3*2*2 + 2},
		{name: "conv2d_dilated", make: func() nn.Layer {
			return nn.NewConv2D(2, [2]int{2, 2}, nn.Conv2DConfig{Dilation: [2]int{2, 2}, NoBias: true})
		}, in: []int{5, 5, 1}, params: 8},
		{name: "maxpool", make: func() nn.Layer { return nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}) }, in: []int{4, 5, 2}},
		{name: "avgpool_same", make: func() nn.Layer {
			return nn.NewAveragePooling2D([2]int{2, 2}, nn.PoolConfig{Padding: "same"})
		}, in: []int{5, 5, 2}},
		{name: "global_avg", make: func() nn.Layer { return nn.NewGlobalAveragePooling2D() }, in: []int{3, 4, 2}},
		{name: "global_max", make: func() nn.Layer { return nn.NewGlobalMaxPooling2D() }, in: []int{3, 4, 2}},
		{name: "flatten", make: func() nn.Layer { return nn.NewFlatten() }, in: []int{2, 3, 2}},
		{name: "reshape", make: func() nn.Layer { return nn.NewReshape(3, -1) }, in: []int{2, 3, 2}},
		{name: "dropout_inference", make: func() nn.Layer { return nn.NewDropout(0.5, nn.DropoutConfig{Seed: 1}) }, in: []int{6}},
		{name: "batchnorm_train", make: func() nn.Layer { return nn.NewBatchNormalization(nn.BatchNormConfig{}) }, in: []int{2, 2, 3}, params: 6, state: 6, training: true},
		{name: "batchnorm_infer", make: func() nn.Layer { return nn.NewBatchNormalization(nn.BatchNormConfig{}) }, in: []int{4}, params: 8, state: 8},
		{name: "activation_softmax", make: func() nn.Layer { return nn.NewActivation("softmax") }, in: []int{5}},
		{name: "activation_gelu", make: func() nn.Layer { return nn.NewActivation("gelu") }, in: []int{5}},
		{name: "rescaling", make: func() nn.Layer { return nn.NewRescaling(0.5, 2) }, in: []int{2, 3}},
	}
}

// TestLayerHarness runs the same checks on every layer: output shape versus
// OutputShape, parameter count, that one gradient-descent step lowers a
// simple loss, finite-difference gradients over input and weights, and a
// save/load round trip with identical predictions.
func TestLayerHarness(t *testing.T) { runHarness(t, harnessCases()) }

// runHarness runs the harness checks on each case.
func runHarness(t *testing.T, cases []layerCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.make()
			rng := tensor.NewRNG(11)
			if err := l.Build(c.in, rng); err != nil {
				t.Fatal(err)
			}
			if err := l.Build(c.in, rng); err != nil {
				t.Fatalf("second Build: %v", err)
			}
			if err := l.Build(append([]int{9}, c.in...), rng); err == nil {
				t.Error("Build with another shape: no error")
			}
			const B = 3
			x := tensor.RandNormal(tensor.NewRNG(5), 0, 1, append([]int{B}, c.in...)...)
			want, err := l.OutputShape(c.in)
			if err != nil {
				t.Fatal(err)
			}
			y := l.Forward(x, c.training)
			if !slices.Equal(y.Shape()[1:], want) || y.Shape()[0] != B {
				t.Errorf("Forward shape %v, OutputShape %v", y.Shape(), want)
			}
			if got := nn.CountParams(l.Params()); got != c.params {
				t.Errorf("params %d, want %d", got, c.params)
			}
			if got := nn.CountParams(nn.Weights(l)) - nn.CountParams(l.Params()); got != c.state {
				t.Errorf("state %d, want %d", got, c.state)
			}
			// Config round trip.
			l2, err := nn.FromConfig(nn.Serialize(l))
			if err != nil || l2.Name() != l.Name() || l2.ClassName() != l.ClassName() {
				t.Fatalf("FromConfig: %v, %v", l2, err)
			}
			// One SGD step on L = ½Σ(y - t)² lowers L.
			target := tensor.RandNormal(tensor.NewRNG(6), 0, 1, y.Shape()...)
			loss := func() float32 {
				d := tensor.Sub(l.Forward(x, c.training), target)
				return tensor.Sum(tensor.Mul(d, d), nil, false).Item() / 2
			}
			if ps := l.Params(); len(ps) > 0 {
				before := loss()
				for _, p := range ps {
					p.ZeroGrad()
				}
				d := tensor.Sub(l.Forward(x, c.training), target)
				L := tensor.MulScalar(tensor.Sum(tensor.Mul(d, d), nil, false), 0.5)
				if r, ok := l.(nn.Regularized); ok {
					if rl := r.RegularizationLoss(); rl != nil {
						L = tensor.Add(L, rl)
					}
				}
				L.Backward()
				for _, p := range ps {
					g := p.Grad()
					if g == nil {
						t.Fatalf("no gradient for %s", p.Name())
					}
					pd, gd := p.Data(), g.Data()
					for i := range pd {
						pd[i] -= 0.01 * gd[i]
					}
				}
				if after := loss(); !(after < before) {
					t.Errorf("SGD step: loss %v → %v", before, after)
				}
			}
			// Finite-difference gradients over the input and the weights.
			if !c.noGrad {
				xs := append([]*tensor.Tensor{x.Clone()}, l.Params()...)
				tensortest.GradCheck(t, c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
					return l.Forward(in[0], c.training)
				}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 2e-2}, xs...)
			}
			// Save/load round trip inside a model gives identical predictions.
			m := model.NewSequential(model.InputShape(c.in...), l)
			if err := m.Build(nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, err := model.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var p1, p2 []*tensor.Tensor
			tensor.NoGrad(func() {
				p1, err = m.Call([]*tensor.Tensor{x}, false)
				if err == nil {
					p2, err = m2.Call([]*tensor.Tensor{x}, false)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p1[0].Data(), p2[0].Data()) {
				t.Error("predictions differ after save/load")
			}
		})
	}
}

// TestLayerErrors checks constructor validation and registry errors.
func TestLayerErrors(t *testing.T) {
	panics := map[string]func(){
		"dense units":    func() { nn.NewDense(0, nn.DenseConfig{}) },
		"activation":     func() { nn.NewDense(2, nn.DenseConfig{Activation: "relux"}) },
		"conv padding":   func() { nn.NewConv2D(2, [2]int{3, 3}, nn.Conv2DConfig{Padding: "full"}) },
		"conv stride+dl": func() { nn.NewConv2D(2, [2]int{3, 3}, nn.Conv2DConfig{Strides: [2]int{2, 2}, Dilation: [2]int{2, 2}}) },
		"dropout rate":   func() { nn.NewDropout(1, nn.DropoutConfig{}) },
		"initializer":    func() { nn.NewDense(2, nn.DenseConfig{KernelInitializer: nn.Initializer{Name: "nope"}}) },
		"regularizer":    func() { nn.NewDense(2, nn.DenseConfig{KernelRegularizer: nn.L2(-1)}) },
	}
	for name, f := range panics {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if _, err := nn.FromConfig(map[string]any{"class_name": "Dense2", "config": map[string]any{}}); err == nil || !strings.Contains(err.Error(), "Dense2") {
		t.Errorf("unknown class: %v", err)
	}
	if _, err := nn.FromConfig(map[string]any{"class_name": "Dense", "config": map[string]any{"units": 3, "unitz": 1}}); err == nil {
		t.Error("unknown config key: no error")
	}
	if _, err := nn.FromConfig(map[string]any{"class_name": "Dense", "config": map[string]any{"units": -3}}); err == nil {
		t.Error("bad units: no error")
	}
	c := nn.NewConv2D(2, [2]int{5, 5}, nn.Conv2DConfig{})
	if err := c.Build([]int{3, 3, 1}, nil); err == nil || !strings.Contains(err.Error(), `"conv2d"`) {
		t.Errorf("small input: %v", err)
	}
}

func TestInitializers(t *testing.T) {
	rng := tensor.NewRNG(1)
	for _, name := range []string{"glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "random_normal", "random_uniform", "truncated_normal", "zeros", "ones"} {
		i, err := nn.InitializerByName(name)
		if err != nil {
			t.Fatal(err)
		}
		w := i.New(rng, 3, 3, 16, 32)
		var s, s2 float64
		for _, v := range w.Data() {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(w.Size())
		std := math.Sqrt(s2/n - (s/n)*(s/n))
		fanIn, fanOut := nn.Fans(w.Shape())
		want := map[string]float64{
			"glorot_uniform": math.Sqrt(2 / float64(fanIn+fanOut)), "glorot_normal": math.Sqrt(2 / float64(fanIn+fanOut)),
			"he_normal": math.Sqrt(2 / float64(fanIn)), "he_uniform": math.Sqrt(2 / float64(fanIn)),
			"lecun_normal": math.Sqrt(1 / float64(fanIn)), "lecun_uniform": math.Sqrt(1 / float64(fanIn)),
			"random_normal": 0.05, "random_uniform": 0.05 / math.Sqrt(3), "truncated_normal": 0.05 * 0.8796,
			"zeros": 0, "ones": 0,
		}[name]
		if d := std - want; d > 0.1*want+1e-6 || d < -0.1*want-1e-6 {
			t.Errorf("%s: std %v, want %v", name, std, want)
		}
	}
	if _, err := nn.InitializerByName("nope"); err == nil {
		t.Error("unknown initializer: no error")
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "BatchNormalization": "batch_normalization", "GlobalAveragePooling2D": "global_average_pooling2d", "Dense": "dense"} {
		if got := nn.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOrthogonalInitializerInDense checks that any layer accepts the
// orthogonal initializer and that a Dense kernel [in, out] with in ≥ out
// gets orthonormal columns (KᵀK = I).
func TestOrthogonalInitializerInDense(t *testing.T) {
	l := nn.NewDense(3, nn.DenseConfig{KernelInitializer: nn.Orthogonal(0)})
	if err := l.Build([]int{5}, tensor.NewRNG(3)); err != nil {
		t.Fatal(err)
	}
	k := l.Params()[0]
	g := tensor.MatMul(k.Transpose(), k).Data()
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(float64(g[i*3+j])-want) > 1e-5 {
				t.Fatalf("KᵀK[%d,%d] = %g, want %g", i, j, g[i*3+j], want)
			}
		}
	}
}
