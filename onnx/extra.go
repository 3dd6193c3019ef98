package onnx

import (
	"fmt"

	"github.com/tensile-ml/tensile/nn"
)

// extraLayer writes the layers beyond the feed-forward set: recurrent
// layers, attention and Transformer blocks.
func (b *builder) extraLayer(l nn.Layer, cfg map[string]any, x string, in, out []int) (string, error) {
	return "", fmt.Errorf("layer class %s has no ONNX export", l.ClassName())
}
