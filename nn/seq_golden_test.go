package nn_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// seqCase is one case of testdata/golden/seq/*.json (see gen.py there); each
// family uses the fields it needs.
type seqCase struct {
	Name          string                  `json:"name"`
	Class         string                  `json:"class"`
	Units         int                     `json:"units"`
	Layers        int                     `json:"layers"`
	Bidirectional bool                    `json:"bidirectional"`
	ResetBefore   bool                    `json:"reset_before"`
	Input         goldenTensor            `json:"input"`
	Mask          *goldenTensor           `json:"mask"`
	InitialState  []goldenTensor          `json:"initial_state"`
	StateDict     map[string]goldenTensor `json:"state_dict"`
	KerasWeights  map[string]goldenTensor `json:"keras_weights"`
	Output        goldenTensor            `json:"output"`
	HN            *goldenTensor           `json:"h_n"`
	CN            *goldenTensor           `json:"c_n"`
	GradOutput    goldenTensor            `json:"grad_output"`
	GradInput     goldenTensor            `json:"grad_input"`
	GradStateDict map[string]goldenTensor `json:"grad_state_dict"`
	GradKerasW    map[string]goldenTensor `json:"grad_keras_weights"`
	InputDim      int                     `json:"input_dim"`
	OutputDim     int                     `json:"output_dim"`
	Epsilon       float64                 `json:"epsilon"`
	Filters       int                     `json:"filters"`
	KernelSize    int                     `json:"kernel_size"`
	Strides       int                     `json:"strides"`
	Padding       string                  `json:"padding"`
	DilationRate  int                     `json:"dilation_rate"`
	NumHeads      int                     `json:"num_heads"`
	KeyDim        int                     `json:"key_dim"`
	Query         goldenTensor            `json:"query"`
	Value         *goldenTensor           `json:"value"`
	Scores        goldenTensor            `json:"scores"`
	GradQuery     goldenTensor            `json:"grad_query"`
	GradValue     *goldenTensor           `json:"grad_value"`
	PaddingMask   *goldenTensor           `json:"padding_mask"`
	AttentionMask *goldenTensor           `json:"attention_mask"`
	Causal        bool                    `json:"causal"`
	NormFirst     bool                    `json:"norm_first"`
	FFDim         int                     `json:"ff_dim"`
}

func loadSeqGolden(t *testing.T, file string) []seqCase {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/seq/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var gf struct {
		Cases []seqCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &gf); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return gf.Cases
}

func stateDict(m map[string]goldenTensor) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for k, v := range m {
		out[k] = v.tensor()
	}
	return out
}

const seqRtol, seqAtol = 1e-4, 1e-5

func checkClose(t *testing.T, what string, got *tensor.Tensor, want goldenTensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no value", what)
		return
	}
	if numelOf(got.Shape()) != numelOf(want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	if ok, msg := tensortest.Close(got.Data(), want.f32(), seqRtol, seqAtol); !ok {
		t.Errorf("%s: %s", what, msg)
	}
}

func numelOf(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func newRNN(class string, units int, cfg nn.RNNConfig) nn.Layer {
	switch class {
	case "SimpleRNN":
		return nn.NewSimpleRNN(units, cfg)
	case "LSTM":
		return nn.NewLSTM(units, cfg)
	}
	return nn.NewGRU(units, cfg)
}

type stateRunner interface {
	ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor)
}

// gradDict turns PyTorch's gradient state dict into one that
// ImportPyTorchRNN maps onto Keras-layout gradients: for layers whose bias
// is bias_ih + bias_hh, the gradient of that sum is either one of them, so
// bias_hh's entry is zeroed.
func gradDict(class string, g map[string]goldenTensor) map[string]*tensor.Tensor {
	d := stateDict(g)
	if class != "GRU" {
		for k, v := range d {
			if strings.HasPrefix(k, "bias_hh") {
				d[k] = tensor.Zeros(v.Shape()...)
			}
		}
	}
	return d
}

// TestGoldenRNN compares SimpleRNN, LSTM and GRU (stacked, bidirectional,
// masked, with initial states, GRU reset_after=false) with PyTorch, weights
// converted by ImportPyTorchRNN.
func TestGoldenRNN(t *testing.T) {
	for _, c := range loadSeqGolden(t, "rnn.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			T, D := x.Dim(1), x.Dim(2)
			var mask *tensor.Tensor
			if c.Mask != nil {
				mask = c.Mask.tensor()
			}
			var initial []*tensor.Tensor
			for _, s := range c.InitialState {
				initial = append(initial, s.tensor())
			}
			cfg := nn.RNNConfig{ReturnSequences: true, ResetBefore: c.ResetBefore}
			var stack []stateRunner
			var layers []nn.Layer // in state-dict order: l0, l0_reverse, l1, ...
			var suffixes []string
			in := D
			for k := range c.Layers {
				suffix := "l" + string(rune('0'+k))
				var l nn.Layer
				if c.Bidirectional {
					bl := nn.NewBidirectional(newRNN(c.Class, c.Units, cfg), nn.BidirectionalConfig{})
					f, b := bl.Layers()
					layers = append(layers, f, b)
					suffixes = append(suffixes, suffix, suffix+"_reverse")
					l = bl
				} else {
					l = newRNN(c.Class, c.Units, cfg)
					layers = append(layers, l)
					suffixes = append(suffixes, suffix)
				}
				if err := l.Build([]int{T, in}, tensor.NewRNG(1)); err != nil {
					t.Fatal(err)
				}
				out, err := l.OutputShape([]int{T, in})
				if err != nil {
					t.Fatal(err)
				}
				in = out[1]
				stack = append(stack, l.(stateRunner))
			}
			sd := stateDict(c.StateDict)
			for i, l := range layers {
				if c.KerasWeights != nil {
					copyKeras(t, l, c.KerasWeights)
				} else if err := nn.ImportPyTorchRNN(l, sd, suffixes[i]); err != nil {
					t.Fatal(err)
				}
			}
			h := x
			var states []*tensor.Tensor
			for k, l := range stack {
				init := initial
				if k > 0 {
					init = nil
				}
				h, states = l.ForwardState(h, mask, init, false)
			}
			checkClose(t, "output", h, c.Output)
			if c.HN != nil {
				// h_n holds one [B, H] per direction; Bidirectional's states
				// are [h_fw, (c_fw,) h_bw, (c_bw)].
				var hs, cs []*tensor.Tensor
				per := len(states)
				if c.Bidirectional {
					per /= 2
				}
				for k := 0; k < len(states); k += per {
					hs = append(hs, states[k])
					if per == 2 {
						cs = append(cs, states[k+1])
					}
				}
				checkClose(t, "h_n", tensor.Stack(0, hs...), *c.HN)
				if c.CN != nil {
					checkClose(t, "c_n", tensor.Stack(0, cs...), *c.CN)
				}
			}
			h.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			if c.GradKerasW != nil {
				for _, w := range layers[0].Params() {
					suffix := w.Name()[strings.LastIndex(w.Name(), "/")+1:]
					checkClose(t, "grad "+suffix, w.Grad(), c.GradKerasW[suffix])
				}
				return
			}
			gd := gradDict(c.Class, c.GradStateDict)
			for i, l := range layers {
				// Map PyTorch's gradients with the same conversion onto a
				// twin layer and compare weight by weight.
				twin := newRNN(c.Class, c.Units, cfg)
				if err := twin.Build([]int{T, l.Params()[0].Dim(0)}, nil); err != nil {
					t.Fatal(err)
				}
				if err := nn.ImportPyTorchRNN(twin, gd, suffixes[i]); err != nil {
					t.Fatal(err)
				}
				for j, w := range l.Params() {
					checkClose(t, "grad "+w.Name()+" ("+suffixes[i]+")", w.Grad(), goldenOf(twin.Params()[j]))
				}
			}
		})
	}
}

func goldenOf(w *tensor.Tensor) goldenTensor {
	return goldenTensor{Shape: slices.Clone(w.Shape()), Data: w.Float64s()}
}

func copyKeras(t *testing.T, l nn.Layer, ws map[string]goldenTensor) {
	t.Helper()
	for _, w := range l.Params() {
		suffix := w.Name()[strings.LastIndex(w.Name(), "/")+1:]
		g, ok := ws[suffix]
		if !ok || !slices.Equal(g.Shape, w.Shape()) {
			t.Fatalf("weight %s: golden %v", w.Name(), g.Shape)
		}
		w.CopyFrom(g.tensor())
	}
}

// TestGoldenEmbedding compares Embedding with PyTorch's nn.Embedding.
func TestGoldenEmbedding(t *testing.T) {
	for _, c := range loadSeqGolden(t, "embedding.json") {
		t.Run(c.Name, func(t *testing.T) {
			l := nn.NewEmbedding(c.InputDim, c.OutputDim, nn.EmbeddingConfig{})
			x := c.Input.tensor()
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			l.Embeddings.CopyFrom(c.StateDict["weight"].tensor())
			y := l.Forward(x, true)
			checkClose(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad embeddings", l.Embeddings.Grad(), c.GradStateDict["weight"])
		})
	}
}
