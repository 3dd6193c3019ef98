package onnx

import (
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/zoo"
)

func seqModel(layers ...nn.Layer) func() (*model.Model, error) {
	return func() (*model.Model, error) { return model.NewSequential(layers...), nil }
}

func input(seed uint64, shape ...int) func() []*tensor.Tensor {
	return func() []*tensor.Tensor { return []*tensor.Tensor{randInput(seed, shape...)} }
}

// feedForwardCases covers every feed-forward layer type and option.
func feedForwardCases() []exportCase {
	// Every activation is its own output of one functional model, fed by
	// a Dense layer whose outputs span negative and positive values.
	acts := func() (*model.Model, error) {
		in := model.Input(5)
		h := model.Apply(nn.NewDense(7, nn.DenseConfig{}), in)
		var outs []*model.Node
		for _, a := range []string{"sigmoid", "tanh", "leaky_relu", "elu", "gelu", "softplus", "swish", "relu", "linear", "log_softmax", "softmax"} {
			outs = append(outs, model.Apply(nn.NewActivation(a), h))
		}
		return model.NewModel([]*model.Node{in}, outs)
	}
	cases := []exportCase{
		{name: "dense_mlp", build: seqModel(model.InputShape(8),
			nn.NewDense(16, nn.DenseConfig{Activation: "relu"}), nn.NewDropout(0.5, nn.DropoutConfig{}),
			nn.NewDense(5, nn.DenseConfig{NoBias: true, Activation: "tanh"}),
			nn.NewDense(4, nn.DenseConfig{Activation: "softmax"})), inputs: input(1, 3, 8)},
		{name: "activations", build: acts, inputs: func() []*tensor.Tensor {
			x := randInput(2, 4, 5)
			d := x.Data()
			for i := range d {
				d[i] *= 4
			}
			return []*tensor.Tensor{x}
		}},
		{name: "dense_3d", build: seqModel(model.InputShape(3, 6), nn.NewDense(4, nn.DenseConfig{Activation: "sigmoid"})), inputs: input(3, 2, 3, 6)},
		{name: "conv2d_valid", build: seqModel(model.InputShape(9, 8, 3),
			nn.NewConv2D(4, [2]int{3, 2}, nn.Conv2DConfig{Activation: "relu"}),
			nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
			nn.NewFlatten(), nn.NewDense(3, nn.DenseConfig{})), inputs: input(4, 2, 9, 8, 3)},
		{name: "conv2d_same_strided_dilated", build: seqModel(model.InputShape(10, 9, 2),
			nn.NewConv2D(3, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same", Strides: [2]int{2, 2}}),
			nn.NewConv2D(5, [2]int{3, 2}, nn.Conv2DConfig{Padding: "same", Dilation: [2]int{2, 1}, NoBias: true, Activation: "elu"}),
			nn.NewAveragePooling2D([2]int{2, 2}, nn.PoolConfig{Padding: "same"}),
			nn.NewMaxPooling2D([2]int{3, 3}, nn.PoolConfig{Padding: "same", Strides: [2]int{2, 1}}),
			nn.NewGlobalAveragePooling2D()), inputs: input(5, 2, 10, 9, 2)},
		{name: "pool2d_valid_global_max", build: seqModel(model.InputShape(7, 7, 3),
			nn.NewAveragePooling2D([2]int{3, 2}, nn.PoolConfig{Strides: [2]int{1, 2}}),
			nn.NewGlobalMaxPooling2D()), inputs: input(6, 2, 7, 7, 3)},
		{name: "conv1d", build: seqModel(model.InputShape(11, 4),
			nn.NewConv1D(5, 3, nn.Conv1DConfig{Activation: "relu"}),
			nn.NewConv1D(6, 3, nn.Conv1DConfig{Padding: "same", Strides: 2}),
			nn.NewConv1D(4, 2, nn.Conv1DConfig{Padding: "causal", Dilation: 2}),
			nn.NewMaxPooling1D(2, nn.Pool1DConfig{}),
			nn.NewAveragePooling1D(2, nn.Pool1DConfig{Padding: "same", Strides: 1}),
			nn.NewGlobalMaxPooling1D()), inputs: input(7, 3, 11, 4)},
		{name: "conv1d_global_avg", build: seqModel(model.InputShape(6, 3),
			nn.NewConv1D(4, 2, nn.Conv1DConfig{}), nn.NewGlobalAveragePooling1D()), inputs: input(8, 2, 6, 3)},
		{name: "batchnorm", build: seqModel(model.InputShape(5, 4, 3),
			nn.NewBatchNormalization(nn.BatchNormConfig{}), nn.NewFlatten(),
			nn.NewDense(6, nn.DenseConfig{}), nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: 1e-5, NoScale: true})), inputs: input(9, 3, 5, 4, 3)},
		{name: "layernorm_opset17", build: seqModel(model.InputShape(4, 6),
			nn.NewLayerNormalization(nn.LayerNormConfig{}), nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: 1e-5, NoCenter: true})), inputs: input(10, 2, 4, 6)},
		{name: "layernorm_opset13", opset: 13, build: seqModel(model.InputShape(4, 6),
			nn.NewLayerNormalization(nn.LayerNormConfig{}), nn.NewLayerNormalization(nn.LayerNormConfig{NoScale: true})), inputs: input(11, 2, 4, 6)},
		{name: "embedding_reshape", build: seqModel(model.InputShape(6),
			nn.NewEmbedding(10, 4, nn.EmbeddingConfig{}), nn.NewReshape(3, 8), nn.NewFlatten(), nn.NewDense(2, nn.DenseConfig{})),
			inputs: func() []*tensor.Tensor { return []*tensor.Tensor{randIDs(12, 10, 3, 6)} }},
		{name: "functional_add_concat", build: func() (*model.Model, error) {
			a, b := model.Input(5), model.Input(3)
			h := model.Apply(nn.NewDense(4, nn.DenseConfig{Activation: "relu"}), a)
			g := model.Apply(nn.NewDense(4, nn.DenseConfig{}), b)
			s := model.Apply(nn.NewAdd(), h, g)
			c := model.Apply(nn.NewConcatenate(-1), s, h, g)
			o1 := model.Apply(nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}), c)
			return model.NewModel([]*model.Node{a, b}, []*model.Node{o1, s})
		}, inputs: func() []*tensor.Tensor { return []*tensor.Tensor{randInput(13, 3, 5), randInput(14, 3, 3)} }},
		{name: "recommender_dot_multiply_rescaling", build: func() (*model.Model, error) {
			// A rating model's parts: a user against C items (Dot), a GMF
			// product (Multiply), a global mean (Rescaling).
			u, i, j := model.Input(1), model.Input(1), model.Input(3)
			p := model.Apply(nn.NewFlatten(), model.Apply(nn.NewEmbedding(7, 4, nn.EmbeddingConfig{}), u))
			q := model.Apply(nn.NewFlatten(), model.Apply(nn.NewEmbedding(9, 4, nn.EmbeddingConfig{}), i))
			qs := model.Apply(nn.NewEmbedding(9, 4, nn.EmbeddingConfig{}), j)
			dot := model.Apply(nn.NewDot(), p, q)
			gmf := model.Apply(nn.NewDense(1, nn.DenseConfig{}), model.Apply(nn.NewMultiply(), p, q))
			rating := model.Apply(nn.NewRescaling(0.5, 3.5), model.Apply(nn.NewAdd(), dot, gmf))
			many := model.Apply(nn.NewDot(), p, qs)
			return model.NewModel([]*model.Node{u, i, j}, []*model.Node{rating, many})
		}, inputs: func() []*tensor.Tensor {
			return []*tensor.Tensor{randIDs(15, 7, 3, 1), randIDs(16, 9, 3, 1), randIDs(17, 9, 3, 3)}
		}},
		{name: "embedding_bag", build: func() (*model.Model, error) {
			in := model.Input(2, 4)
			var outs []*model.Node
			for _, mode := range []string{"sum", "mean", "sqrtn"} {
				outs = append(outs, model.Apply(nn.NewEmbeddingBag(6, 3, nn.EmbeddingBagConfig{Mode: mode}), in))
			}
			return model.NewModel([]*model.Node{in}, outs)
		}, inputs: func() []*tensor.Tensor {
			// Padding (-1), an empty bag and repeated ids.
			return []*tensor.Tensor{tensor.FromSlice([]float32{
				0, 5, -1, -1, 2, 2, 2, 1,
				-1, -1, -1, -1, 3, -1, 4, 0,
			}, 2, 2, 4)}
		}},
	}
	return cases
}

func TestExportFeedForwardMatchesOnnxruntime(t *testing.T) {
	checkExports(t, feedForwardCases())
}

func TestExportZooMatchesOnnxruntime(t *testing.T) {
	var cases []exportCase
	for _, name := range zoo.Names() {
		m, err := zoo.New(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Build(nil); err != nil {
			t.Fatalf("zoo %s: %v", name, err)
		}
		shape := append([]int{2}, m.InputShapes()[0]...)
		cases = append(cases, exportCase{name: "zoo_" + name,
			build: func() (*model.Model, error) { return zoo.New(name) }, inputs: input(20, shape...)})
	}
	checkExports(t, cases)
}

func TestExportErrors(t *testing.T) {
	m := model.NewSequential(model.InputShape(4), nn.NewDense(2, nn.DenseConfig{}))
	for _, opset := range []int{12, 18} {
		if _, err := Export(m, ExportOptions{Opset: opset}); err == nil {
			t.Errorf("opset %d: no error", opset)
		}
	}
	if _, err := Export(model.NewSequential(nn.NewDense(2, nn.DenseConfig{})), ExportOptions{}); err == nil {
		t.Error("model without input shape: no error")
	}
}
