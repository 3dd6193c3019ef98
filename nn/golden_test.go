package nn_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

type goldenTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (g goldenTensor) tensor() *tensor.Tensor { return tensor.FromFloat64(g.Data, g.Shape...) }

func (g goldenTensor) f32() []float32 {
	out := make([]float32, len(g.Data))
	for i, v := range g.Data {
		out[i] = float32(v)
	}
	return out
}

type goldenCase struct {
	Name        string                  `json:"name"`
	Layer       map[string]any          `json:"layer"`
	InputShape  []int                   `json:"input_shape"`
	Training    bool                    `json:"training"`
	Input       goldenTensor            `json:"input"`
	Weights     map[string]goldenTensor `json:"weights"`
	Output      goldenTensor            `json:"output"`
	GradOutput  goldenTensor            `json:"grad_output"`
	GradInput   goldenTensor            `json:"grad_input"`
	GradWeights map[string]goldenTensor `json:"grad_weights"`
	StateAfter  map[string]goldenTensor `json:"state_after"`
}

// TestGoldenPyTorch compares forward outputs and gradients of layers built
// from their configs with PyTorch (testdata/golden/layers/gen.py).
func TestGoldenPyTorch(t *testing.T) {
	files, err := filepath.Glob("../testdata/golden/layers/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	const rtol, atol = 1e-4, 1e-5
	check := func(t *testing.T, what string, got *tensor.Tensor, want goldenTensor) {
		t.Helper()
		if got == nil {
			t.Errorf("%s: no value", what)
			return
		}
		if !slices.Equal(got.Shape(), want.Shape) {
			t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
			return
		}
		if ok, msg := tensortest.Close(got.Data(), want.f32(), rtol, atol); !ok {
			t.Errorf("%s: %s", what, msg)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var gf struct {
			Cases []goldenCase `json:"cases"`
		}
		if err := json.Unmarshal(b, &gf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range gf.Cases {
			t.Run(c.Name, func(t *testing.T) {
				l, err := nn.FromConfig(c.Layer)
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Build(c.InputShape, tensor.NewRNG(1)); err != nil {
					t.Fatal(err)
				}
				byName := map[string]*tensor.Tensor{}
				for _, w := range nn.Weights(l) {
					suffix := w.Name()[strings.LastIndex(w.Name(), "/")+1:]
					byName[suffix] = w
				}
				if len(byName) != len(c.Weights) {
					t.Fatalf("layer has weights %v, golden has %d", byName, len(c.Weights))
				}
				for name, gw := range c.Weights {
					w := byName[name]
					if w == nil || !slices.Equal(w.Shape(), gw.Shape) {
						t.Fatalf("weight %s: %v, golden shape %v", name, w, gw.Shape)
					}
					w.CopyFrom(gw.tensor())
				}
				x := c.Input.tensor().SetRequiresGrad(true)
				y := l.Forward(x, c.Training)
				check(t, "output", y, c.Output)
				y.BackwardWith(c.GradOutput.tensor())
				check(t, "grad input", x.Grad(), c.GradInput)
				for name, gw := range c.GradWeights {
					check(t, "grad "+name, byName[name].Grad(), gw)
				}
				for name, st := range c.StateAfter {
					check(t, name+" after step", byName[name], st)
				}
			})
		}
	}
}
