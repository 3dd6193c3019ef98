package nn_test

import (
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func seqLayerHarnessCases() []layerCase {
	return []layerCase{
		{name: "layernorm", make: func() nn.Layer { return nn.NewLayerNormalization(nn.LayerNormConfig{}) }, in: []int{3, 5}, params: 10},
		{name: "layernorm_noscale", make: func() nn.Layer { return nn.NewLayerNormalization(nn.LayerNormConfig{NoScale: true, Epsilon: 1e-5}) }, in: []int{6}, params: 6},
		{name: "conv1d_valid", make: func() nn.Layer { return nn.NewConv1D(3, 3, nn.Conv1DConfig{Activation: "tanh"}) }, in: []int{7, 2}, params: 3*2*3 + 3},
		{name: "conv1d_same_stride2", make: func() nn.Layer { return nn.NewConv1D(2, 3, nn.Conv1DConfig{Padding: "same", Strides: 2}) }, in: []int{7, 2}, params: 3*2*2 + 2},
		{name: "conv1d_causal_dilated_relu", make: func() nn.Layer {
			return nn.NewConv1D(2, 2, nn.Conv1DConfig{Padding: "causal", Dilation: 2, Activation: "relu", BiasInitializer: nn.Constant(0.1)})
		}, in: []int{6, 3}, params: 2*3*2 + 2},
		{name: "maxpool1d", make: func() nn.Layer { return nn.NewMaxPooling1D(2, nn.Pool1DConfig{}) }, in: []int{7, 3}},
		{name: "avgpool1d_same", make: func() nn.Layer { return nn.NewAveragePooling1D(3, nn.Pool1DConfig{Strides: 2, Padding: "same"}) }, in: []int{7, 2}},
		{name: "global_maxpool1d", make: func() nn.Layer { return nn.NewGlobalMaxPooling1D() }, in: []int{5, 3}},
		{name: "global_avgpool1d", make: func() nn.Layer { return nn.NewGlobalAveragePooling1D() }, in: []int{5, 3}},
		{name: "timedistributed_dense", make: func() nn.Layer {
			return nn.NewTimeDistributed(nn.NewDense(3, nn.DenseConfig{Activation: "tanh"}))
		}, in: []int{4, 2}, params: 2*3 + 3},
		{name: "timedistributed_conv2d", make: func() nn.Layer {
			return nn.NewTimeDistributed(nn.NewConv2D(2, [2]int{2, 2}, nn.Conv2DConfig{}))
		}, in: []int{3, 3, 3, 1}, params: 2*2*1*2 + 2},
	}
}

func TestSeqLayerHarness(t *testing.T) { runHarness(t, seqLayerHarnessCases()) }

func TestGlobalAveragePooling1DMasked(t *testing.T) {
	l := nn.NewGlobalAveragePooling1D()
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2)
	y := l.ForwardMasked(x, tensor.FromSlice([]float32{1, 0, 1, 1}, 2, 2), false)
	if !slices.Equal(y.Data(), []float32{1, 2, 6, 7}) {
		t.Errorf("masked mean %v", y.Data())
	}
	xs := tensor.RandNormal(tensor.NewRNG(1), 0, 1, 2, 3, 2)
	tensortest.GradCheck(t, "masked gap", func(in ...*tensor.Tensor) *tensor.Tensor {
		return l.ForwardMasked(in[0], tensor.FromSlice([]float32{1, 0, 1, 0, 0, 1}, 2, 3), false)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, xs)
}

func TestConv1DCausal(t *testing.T) {
	// Output step t must not depend on input steps after t.
	l := nn.NewConv1D(2, 3, nn.Conv1DConfig{Padding: "causal"})
	if err := l.Build([]int{8, 2}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, 1, 8, 2)
	y1 := l.Forward(x, false)
	x2 := x.Clone()
	x2.Set(99, 0, 5, 0)
	y2 := l.Forward(x2, false)
	for tt := range 8 {
		same := y1.At(0, tt, 0) == y2.At(0, tt, 0)
		if same != (tt < 5) {
			t.Errorf("step %d: changed=%v", tt, !same)
		}
	}
}

func TestSeqLayerErrors(t *testing.T) {
	for name, f := range map[string]func(){
		"conv1d padding":  func() { nn.NewConv1D(2, 3, nn.Conv1DConfig{Padding: "full"}) },
		"conv1d stride+d": func() { nn.NewConv1D(2, 3, nn.Conv1DConfig{Strides: 2, Dilation: 2}) },
		"conv1d filters":  func() { nn.NewConv1D(0, 3, nn.Conv1DConfig{}) },
		"pool padding":    func() { nn.NewMaxPooling1D(2, nn.Pool1DConfig{Padding: "x"}) },
		"ln epsilon":      func() { nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: -1}) },
		"td multi":        func() { nn.NewTimeDistributed(nn.NewAdd()) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if err := nn.NewConv1D(2, 5, nn.Conv1DConfig{}).Build([]int{3, 1}, nil); err == nil {
		t.Error("short input: no error")
	}
}

// TestGoldenLayerNorm compares LayerNormalization with nn.LayerNorm.
func TestGoldenLayerNorm(t *testing.T) {
	for _, c := range loadSeqGolden(t, "layernorm.json") {
		t.Run(c.Name, func(t *testing.T) {
			l := nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: c.Epsilon})
			x := c.Input.tensor().SetRequiresGrad(true)
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			l.Gamma.CopyFrom(c.StateDict["weight"].tensor())
			l.Beta.CopyFrom(c.StateDict["bias"].tensor())
			y := l.Forward(x, true)
			checkClose(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			checkClose(t, "grad gamma", l.Gamma.Grad(), c.GradStateDict["weight"])
			checkClose(t, "grad beta", l.Beta.Grad(), c.GradStateDict["bias"])
		})
	}
}

// TestGoldenConv1D compares Conv1D with nn.Conv1d (weight [F, C, K] →
// kernel [K, C, F]).
func TestGoldenConv1D(t *testing.T) {
	for _, c := range loadSeqGolden(t, "conv1d.json") {
		t.Run(c.Name, func(t *testing.T) {
			l := nn.NewConv1D(c.Filters, c.KernelSize, nn.Conv1DConfig{Strides: c.Strides, Padding: c.Padding, Dilation: c.DilationRate})
			x := c.Input.tensor().SetRequiresGrad(true)
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			l.Kernel.CopyFrom(c.StateDict["weight"].tensor().Permute(2, 1, 0))
			l.Bias.CopyFrom(c.StateDict["bias"].tensor())
			y := l.Forward(x, true)
			checkClose(t, "output", y, c.Output)
			if s, _ := l.OutputShape(x.Shape()[1:]); !slices.Equal(s, y.Shape()[1:]) {
				t.Errorf("OutputShape %v, Forward %v", s, y.Shape())
			}
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			checkClose(t, "grad kernel", l.Kernel.Grad(), goldenOf(c.GradStateDict["weight"].tensor().Permute(2, 1, 0).Contiguous()))
			checkClose(t, "grad bias", l.Bias.Grad(), c.GradStateDict["bias"])
		})
	}
}
