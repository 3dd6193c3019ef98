package nn_test

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// moreCase is one case of the files testdata/golden/seq/gen_more.py writes:
// seqCase's fields plus the ones those families add.
type moreCase struct {
	seqCase
	Memory            *goldenTensor `json:"memory"`
	GradMemory        *goldenTensor `json:"grad_memory"`
	MemoryPaddingMask *goldenTensor `json:"memory_padding_mask"`
	PoolSize          int           `json:"pool_size"`
	MergeMode         string        `json:"merge_mode"`
	ReturnSequences   bool          `json:"return_sequences"`
	Activation        string        `json:"activation"`
	MaxWavelength     float64       `json:"max_wavelength"`
	Encoding          *goldenTensor `json:"encoding"`
	SequenceLength    int           `json:"sequence_length"`
}

func loadMoreGolden(t *testing.T, file string) []moreCase {
	t.Helper()
	var gf struct {
		Cases []moreCase `json:"cases"`
	}
	b, err := os.ReadFile("../testdata/golden/seq/" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gf); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(gf.Cases) == 0 {
		t.Fatalf("%s: no cases", file)
	}
	return gf.Cases
}

func (g *goldenTensor) orNil() *tensor.Tensor {
	if g == nil {
		return nil
	}
	return g.tensor()
}

// permuted returns a PyTorch weight (or gradient) in Keras's layout: its
// axes permuted by perm.
func permuted(g goldenTensor, perm ...int) goldenTensor {
	return goldenOf(g.tensor().Permute(perm...).Contiguous())
}

// checkOutputShape compares a layer's OutputShape with what Forward gave.
func checkOutputShape(t *testing.T, l nn.Layer, x, y *tensor.Tensor) {
	t.Helper()
	s, err := l.OutputShape(x.Shape()[1:])
	if err != nil || !slices.Equal(s, y.Shape()[1:]) {
		t.Errorf("OutputShape %v (%v), Forward %v", s, err, y.Shape())
	}
}

// TestGoldenTransformerDecoder compares TransformerDecoder with
// nn.TransformerDecoderLayer (causal tgt_mask; post- and pre-norm; with
// target and memory padding masks; a stack of two as nn.TransformerDecoder)
// and, without an encoder sequence, with
// nn.TransformerEncoderLayer under a causal src_mask; weights converted by
// ImportPyTorchTransformerDecoder.
func TestGoldenTransformerDecoder(t *testing.T) {
	for _, c := range loadMoreGolden(t, "decoder.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			cfg := nn.TransformerConfig{NormalizeFirst: c.NormFirst, LayerNormEpsilon: c.Epsilon}
			mk := func() *nn.TransformerDecoder {
				l := nn.NewTransformerDecoder(c.FFDim, c.NumHeads, cfg)
				shapes := [][]int{x.Shape()[1:]}
				if c.Memory != nil {
					shapes = append(shapes, c.Memory.Shape[1:])
				}
				if err := l.BuildMulti(shapes, nil); err != nil {
					t.Fatal(err)
				}
				return l
			}
			// One block, or a stack (nn.TransformerDecoder, keys "layers.k.").
			n := max(c.Layers, 1)
			prefix := func(k int) string {
				if n == 1 {
					return ""
				}
				return "layers." + strconv.Itoa(k) + "."
			}
			sd, gsd := stateDict(c.StateDict), stateDict(c.GradStateDict)
			var blocks, twins []*nn.TransformerDecoder
			for k := range n {
				l, twin := mk(), mk()
				if err := nn.ImportPyTorchTransformerDecoder(l, sd, prefix(k)); err != nil {
					t.Fatal(err)
				}
				// PyTorch's gradients mapped onto a twin by the same import.
				if err := nn.ImportPyTorchTransformerDecoder(twin, gsd, prefix(k)); err != nil {
					t.Fatal(err)
				}
				blocks, twins = append(blocks, l), append(twins, twin)
			}
			var mem *tensor.Tensor
			if c.Memory != nil {
				mem = c.Memory.tensor().SetRequiresGrad(true)
			}
			y := x
			for _, l := range blocks {
				y = l.Call(y, mem, c.PaddingMask.orNil(), c.MemoryPaddingMask.orNil(), false)
			}
			checkClose(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			if mem != nil {
				checkClose(t, "grad memory", mem.Grad(), *c.GradMemory)
			}
			for k, l := range blocks {
				if len(l.Params()) != len(twins[k].Params()) {
					t.Fatalf("%d params, twin %d", len(l.Params()), len(twins[k].Params()))
				}
				for i, w := range l.Params() {
					checkClose(t, "grad "+prefix(k)+w.Name(), w.Grad(), goldenOf(twins[k].Params()[i]))
				}
			}
			// Without padding masks, the MultiInputLayer entry point is the
			// same computation.
			if c.PaddingMask == nil && c.MemoryPaddingMask == nil && n == 1 {
				xs := []*tensor.Tensor{x.Detach()}
				if mem != nil {
					xs = append(xs, mem.Detach())
				}
				checkClose(t, "output via ForwardMulti", blocks[0].ForwardMulti(xs, false), c.Output)
			}
		})
	}
}

// TestGoldenPooling1D compares MaxPooling1D and AveragePooling1D (valid and
// Keras "same" padding, strides) and the global poolings (with a mask for
// the average) with references gen_more.py computes from F.max_pool1d,
// F.avg_pool1d and torch reductions.
func TestGoldenPooling1D(t *testing.T) {
	for _, c := range loadMoreGolden(t, "pool1d.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			var l nn.Layer
			switch c.Class {
			case "MaxPooling1D":
				l = nn.NewMaxPooling1D(c.PoolSize, nn.Pool1DConfig{Strides: c.Strides, Padding: c.Padding})
			case "AveragePooling1D":
				l = nn.NewAveragePooling1D(c.PoolSize, nn.Pool1DConfig{Strides: c.Strides, Padding: c.Padding})
			case "GlobalMaxPooling1D":
				l = nn.NewGlobalMaxPooling1D()
			case "GlobalAveragePooling1D":
				l = nn.NewGlobalAveragePooling1D()
			default:
				t.Fatalf("class %q", c.Class)
			}
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			var y *tensor.Tensor
			if c.Mask != nil {
				y = l.(nn.MaskConsumer).ForwardMasked(x, c.Mask.tensor(), false)
			} else {
				y = l.Forward(x, false)
			}
			checkClose(t, "output", y, c.Output)
			if !slices.Equal(y.Shape(), c.Output.Shape) {
				t.Fatalf("output shape %v, want %v", y.Shape(), c.Output.Shape)
			}
			checkOutputShape(t, l, x, y)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
		})
	}
}

// TestGoldenBidirectionalMerge compares Bidirectional's sum, mul, ave (and,
// without return_sequences, concat) merge modes with the two halves of a
// bidirectional nn.LSTM / nn.GRU combined in gen_more.py, and masked
// Bidirectional layers with a by-hand reference of Keras's masking (the
// backward direction runs over the reversed sequence and mask).
func TestGoldenBidirectionalMerge(t *testing.T) {
	for _, c := range loadMoreGolden(t, "bidi_merge.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			cfg := nn.RNNConfig{ReturnSequences: c.ReturnSequences}
			l := nn.NewBidirectional(newRNN(c.Class, c.Units, cfg), nn.BidirectionalConfig{MergeMode: c.MergeMode})
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			fw, bw := l.Layers()
			sd := stateDict(c.StateDict)
			for _, p := range []struct {
				l      nn.Layer
				suffix string
			}{{fw, "l0"}, {bw, "l0_reverse"}} {
				if err := nn.ImportPyTorchRNN(p.l, sd, p.suffix); err != nil {
					t.Fatal(err)
				}
			}
			y := l.ForwardMasked(x, c.Mask.orNil(), false)
			checkClose(t, "output", y, c.Output)
			if !slices.Equal(y.Shape(), c.Output.Shape) {
				t.Fatalf("output shape %v, want %v", y.Shape(), c.Output.Shape)
			}
			checkOutputShape(t, l, x, y)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			gd := gradDict(c.Class, c.GradStateDict)
			for _, p := range []struct {
				l      nn.Layer
				suffix string
			}{{fw, "l0"}, {bw, "l0_reverse"}} {
				twin := newRNN(c.Class, c.Units, cfg)
				if err := twin.Build(x.Shape()[1:], nil); err != nil {
					t.Fatal(err)
				}
				if err := nn.ImportPyTorchRNN(twin, gd, p.suffix); err != nil {
					t.Fatal(err)
				}
				for j, w := range p.l.Params() {
					checkClose(t, "grad "+w.Name(), w.Grad(), goldenOf(twin.Params()[j]))
				}
			}
		})
	}
}

// TestGoldenTimeDistributed compares TimeDistributed(Dense) with nn.Linear
// on every step and TimeDistributed(Conv2D) (NHWC, HWIO kernel) with
// nn.Conv2d on every step (weight [F, C, kh, kw] → kernel [kh, kw, C, F]).
func TestGoldenTimeDistributed(t *testing.T) {
	for _, c := range loadMoreGolden(t, "timedist.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			var td *nn.TimeDistributed
			var kernel, bias *tensor.Tensor
			var kernelGrad goldenTensor
			switch c.Class {
			case "Dense":
				d := nn.NewDense(c.Units, nn.DenseConfig{})
				td = nn.NewTimeDistributed(d)
				if err := td.Build(x.Shape()[1:], nil); err != nil {
					t.Fatal(err)
				}
				kernel, bias = d.Kernel, d.Bias
				kernel.CopyFrom(c.StateDict["weight"].tensor().Transpose())
				kernelGrad = permuted(c.GradStateDict["weight"], 1, 0)
			case "Conv2D":
				k := nn.NewConv2D(c.Filters, [2]int{c.KernelSize, c.KernelSize}, nn.Conv2DConfig{
					Strides: [2]int{c.Strides, c.Strides}, Padding: c.Padding, Activation: c.Activation})
				td = nn.NewTimeDistributed(k)
				if err := td.Build(x.Shape()[1:], nil); err != nil {
					t.Fatal(err)
				}
				kernel, bias = k.Kernel, k.Bias
				kernel.CopyFrom(c.StateDict["weight"].tensor().Permute(2, 3, 1, 0))
				kernelGrad = permuted(c.GradStateDict["weight"], 2, 3, 1, 0)
			default:
				t.Fatalf("class %q", c.Class)
			}
			bias.CopyFrom(c.StateDict["bias"].tensor())
			y := td.Forward(x, false)
			checkClose(t, "output", y, c.Output)
			if !slices.Equal(y.Shape(), c.Output.Shape) {
				t.Fatalf("output shape %v, want %v", y.Shape(), c.Output.Shape)
			}
			checkOutputShape(t, td, x, y)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			checkClose(t, "grad kernel", kernel.Grad(), kernelGrad)
			checkClose(t, "grad bias", bias.Grad(), c.GradStateDict["bias"])
		})
	}
}

// TestGoldenPositional compares PositionalEncoding with the sinusoidal
// formula evaluated in torch, and PositionEmbedding with x +
// nn.Embedding(arange(T)).
func TestGoldenPositional(t *testing.T) {
	for _, c := range loadMoreGolden(t, "positional.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			var l nn.Layer
			var emb *nn.PositionEmbedding
			switch c.Class {
			case "PositionalEncoding":
				l = nn.NewPositionalEncoding(nn.PositionalEncodingConfig{MaxWavelength: c.MaxWavelength})
				checkClose(t, "SinusoidalEncoding", nn.SinusoidalEncoding(x.Dim(1), x.Dim(2), c.MaxWavelength), *c.Encoding)
			case "PositionEmbedding":
				emb = nn.NewPositionEmbedding(c.SequenceLength, nn.PositionEmbeddingConfig{})
				l = emb
			default:
				t.Fatalf("class %q", c.Class)
			}
			if err := l.Build(x.Shape()[1:], nil); err != nil {
				t.Fatal(err)
			}
			if emb != nil {
				emb.Embeddings.CopyFrom(c.StateDict["weight"].tensor())
			}
			y := l.Forward(x, false)
			checkClose(t, "output", y, c.Output)
			checkOutputShape(t, l, x, y)
			y.BackwardWith(c.GradOutput.tensor())
			checkClose(t, "grad input", x.Grad(), c.GradInput)
			if emb != nil {
				checkClose(t, "grad embeddings", emb.Embeddings.Grad(), c.GradStateDict["weight"])
			}
		})
	}
}

// TestGoldenConvRNNActivations compares Conv1D with strides, Keras "same"
// padding and relu with nn.Conv1d on an explicitly padded input, and
// SimpleRNN(activation relu) with nn.RNN(nonlinearity="relu").
func TestGoldenConvRNNActivations(t *testing.T) {
	for _, c := range loadMoreGolden(t, "conv_act.json") {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			switch c.Class {
			case "Conv1D":
				l := nn.NewConv1D(c.Filters, c.KernelSize, nn.Conv1DConfig{Strides: c.Strides, Padding: c.Padding,
					Dilation: c.DilationRate, Activation: c.Activation})
				if err := l.Build(x.Shape()[1:], nil); err != nil {
					t.Fatal(err)
				}
				l.Kernel.CopyFrom(c.StateDict["weight"].tensor().Permute(2, 1, 0))
				l.Bias.CopyFrom(c.StateDict["bias"].tensor())
				y := l.Forward(x, false)
				checkClose(t, "output", y, c.Output)
				if !slices.Equal(y.Shape(), c.Output.Shape) {
					t.Fatalf("output shape %v, want %v", y.Shape(), c.Output.Shape)
				}
				checkOutputShape(t, l, x, y)
				y.BackwardWith(c.GradOutput.tensor())
				checkClose(t, "grad input", x.Grad(), c.GradInput)
				checkClose(t, "grad kernel", l.Kernel.Grad(), permuted(c.GradStateDict["weight"], 2, 1, 0))
				checkClose(t, "grad bias", l.Bias.Grad(), c.GradStateDict["bias"])
			case "SimpleRNN":
				cfg := nn.RNNConfig{Activation: c.Activation, ReturnSequences: true}
				var l stateRunner
				var layers []nn.Layer
				suffixes := []string{"l0"}
				if c.Bidirectional {
					b := nn.NewBidirectional(nn.NewSimpleRNN(c.Units, cfg), nn.BidirectionalConfig{})
					if err := b.Build(x.Shape()[1:], nil); err != nil {
						t.Fatal(err)
					}
					fw, bw := b.Layers()
					layers = []nn.Layer{fw, bw}
					suffixes = append(suffixes, "l0_reverse")
					l = b
				} else {
					r := nn.NewSimpleRNN(c.Units, cfg)
					if err := r.Build(x.Shape()[1:], nil); err != nil {
						t.Fatal(err)
					}
					layers = []nn.Layer{r}
					l = r
				}
				sd := stateDict(c.StateDict)
				for i, r := range layers {
					if err := nn.ImportPyTorchRNN(r, sd, suffixes[i]); err != nil {
						t.Fatal(err)
					}
				}
				y, states := l.ForwardState(x, nil, nil, false)
				checkClose(t, "output", y, c.Output)
				checkClose(t, "h_n", tensor.Stack(0, states...), *c.HN)
				y.BackwardWith(c.GradOutput.tensor())
				checkClose(t, "grad input", x.Grad(), c.GradInput)
				gd := gradDict(c.Class, c.GradStateDict)
				for i, r := range layers {
					twin := nn.NewSimpleRNN(c.Units, cfg)
					if err := twin.Build(x.Shape()[1:], nil); err != nil {
						t.Fatal(err)
					}
					if err := nn.ImportPyTorchRNN(twin, gd, suffixes[i]); err != nil {
						t.Fatal(err)
					}
					for j, w := range r.Params() {
						checkClose(t, "grad "+w.Name(), w.Grad(), goldenOf(twin.Params()[j]))
					}
				}
			default:
				t.Fatalf("class %q", c.Class)
			}
		})
	}
}

// TestSeqMoreGradCheck checks with finite differences the configurations the
// goldens above add and the layer harness lacks: "same" max pooling with
// strides, "same" average pooling with uneven padding, and masked
// Bidirectional layers with the sum and ave merge modes.
func TestSeqMoreGradCheck(t *testing.T) {
	rng := tensor.NewRNG(7)
	mask := tensor.FromSlice([]float32{1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1}, 2, 6)
	for _, c := range []struct {
		name   string
		l      nn.Layer
		masked bool
	}{
		{"maxpool1d_same_p3_s2", nn.NewMaxPooling1D(3, nn.Pool1DConfig{Strides: 2, Padding: "same"}), false},
		{"maxpool1d_same_p4_s3", nn.NewMaxPooling1D(4, nn.Pool1DConfig{Strides: 3, Padding: "same"}), false},
		{"avgpool1d_same_p4_s3", nn.NewAveragePooling1D(4, nn.Pool1DConfig{Strides: 3, Padding: "same"}), false},
		{"bidirectional_lstm_sum_masked", nn.NewBidirectional(nn.NewLSTM(3, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{MergeMode: "sum"}), true},
		{"bidirectional_gru_ave_last_masked", nn.NewBidirectional(nn.NewGRU(3, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "ave"}), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.l.Build([]int{6, 2}, rng); err != nil {
				t.Fatal(err)
			}
			x := tensor.RandNormal(rng, 0, 1, 2, 6, 2)
			var m *tensor.Tensor
			if c.masked {
				m = mask
			}
			tensortest.GradCheck(t, c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
				if m != nil {
					return c.l.(nn.MaskConsumer).ForwardMasked(in[0], m, false)
				}
				return c.l.Forward(in[0], false)
			}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 2e-2}, append([]*tensor.Tensor{x}, c.l.Params()...)...)
		})
	}
}

// TestImportPyTorchTransformerDecoderErrors checks that the import refuses
// an unbuilt block, missing keys, wrong shapes and a cross-attention state
// dict for a block without one.
func TestImportPyTorchTransformerDecoderErrors(t *testing.T) {
	var withMem, noMem moreCase
	for _, c := range loadMoreGolden(t, "decoder.json") {
		switch c.Name {
		case "decoder_post_norm":
			withMem = c
		case "decoder_no_memory_post_norm":
			noMem = c
		}
	}
	build := func(c moreCase) *nn.TransformerDecoder {
		l := nn.NewTransformerDecoder(c.FFDim, c.NumHeads, nn.TransformerConfig{})
		shapes := [][]int{c.Input.Shape[1:]}
		if c.Memory != nil {
			shapes = append(shapes, c.Memory.Shape[1:])
		}
		if err := l.BuildMulti(shapes, nil); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if err := nn.ImportPyTorchTransformerDecoder(nn.NewTransformerDecoder(8, 2, nn.TransformerConfig{}), stateDict(withMem.StateDict), ""); err == nil {
		t.Error("unbuilt: no error")
	}
	sd := stateDict(withMem.StateDict)
	delete(sd, "norm3.bias")
	if err := nn.ImportPyTorchTransformerDecoder(build(withMem), sd, ""); err == nil {
		t.Error("missing norm3.bias: no error")
	}
	sd = stateDict(withMem.StateDict)
	sd["linear1.weight"] = sd["linear1.weight"].Transpose()
	if err := nn.ImportPyTorchTransformerDecoder(build(withMem), sd, ""); err == nil {
		t.Error("transposed linear1.weight: no error")
	}
	if err := nn.ImportPyTorchTransformerDecoder(build(noMem), stateDict(withMem.StateDict), ""); err == nil {
		t.Error("cross-attention weights for a block without one: no error")
	}
	if err := nn.ImportPyTorchTransformerDecoder(build(withMem), stateDict(noMem.StateDict), ""); err == nil {
		t.Error("encoder-layer state dict for a block with cross-attention: no error")
	}
	if err := nn.ImportPyTorchTransformerDecoder(build(withMem), stateDict(withMem.StateDict), "layers.0."); err == nil {
		t.Error("wrong prefix: no error")
	}
}
