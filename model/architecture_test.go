package model

import (
	"slices"
	"testing"

	"github.com/tensile-ml/tensile/nn"
)

// Spec decodes the architecture of Sequential and Functional models: the
// class, the layers in order with their names and inbound layers, and the
// inputs and outputs.
func TestSpec(t *testing.T) {
	seq := NewSequential(InputShape(4), nn.NewDense(3, nn.DenseConfig{}), nn.NewDense(2, nn.DenseConfig{}))
	fn := stateModel(t)
	for _, c := range []struct {
		name        string
		m           *Model
		class       string
		layers      []string
		ins, outs   []string
		lastInbound []string
	}{
		{"sequential", seq, "Sequential", []string{"input_layer", "dense", "dense_1"}, nil, nil, nil},
		{"functional", fn, "Functional",
			[]string{"input_layer", "embedding", "lstm", "global_average_pooling1d", "dense", "concatenate", "dense_1"},
			[]string{"input_layer"}, []string{"dense_1"}, []string{"concatenate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := c.m.Spec()
			if err != nil {
				t.Fatal(err)
			}
			if a.ClassName != c.class {
				t.Errorf("class %q, want %q", a.ClassName, c.class)
			}
			var names []string
			for _, l := range a.Config.Layers {
				names = append(names, l.Name())
			}
			if !slices.Equal(names, c.layers) {
				t.Errorf("layers %q, want %q", names, c.layers)
			}
			if !slices.Equal(a.Config.InputLayers, c.ins) || !slices.Equal(a.Config.OutputLayers, c.outs) {
				t.Errorf("inputs %q outputs %q, want %q %q", a.Config.InputLayers, a.Config.OutputLayers, c.ins, c.outs)
			}
			if got := a.Config.Layers[len(a.Config.Layers)-1].Inbound; !slices.Equal(got, c.lastInbound) {
				t.Errorf("last layer's inbound %q, want %q", got, c.lastInbound)
			}
		})
	}
}
