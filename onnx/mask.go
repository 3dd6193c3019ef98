package onnx

import (
	"fmt"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
)

// Padding masks
//
// Export follows model's mask propagation (see model/mask.go): an
// Embedding with mask_zero produces the boolean mask Not(Equal(ids, 0))
// [B, T]; the mask passes through a layer when model.MaskPasses says so,
// the rule model's Call applies (several masked inputs of a merge layer are
// combined with And), and is dropped by every other layer. A consumer
// writes the masked computation:
//
//   - SimpleRNN/LSTM/GRU and Bidirectional are unrolled over the graph's
//     fixed T: each step is the ONNX recurrent op on one step, started
//     from the previous state, and Where(mask_t, new, old) keeps the state
//     (and the output) of the previous step at a masked step, exactly as
//     tensile does wherever the padding is (post, pre or interior). ONNX's
//     sequence_lens would only express post-padding and zeroes the outputs
//     of padded steps, which is not tensile's convention.
//   - GlobalAveragePooling1D averages over the unmasked steps,
//     Σ x·m / max(Σ m, 1); GlobalMaxPooling1D ignores the mask, as tensile.
//   - MultiHeadAttention and the Transformer blocks replace the masked
//     scores by -1e9 before the Softmax (see maskScores), with the masks
//     tensile uses: MultiHeadAttention masks query rows and value columns,
//     TransformerEncoder value columns, TransformerDecoder its own value
//     columns (with the causal mask) and the encoder's in cross-attention.
//   - any other mask consumer is refused with an error naming the layer.

// inputMask returns the mask of the current layer's first input ("" when
// none).
func (b *builder) inputMask() string {
	if len(b.inbound) == 0 {
		return ""
	}
	return b.masks[b.inbound[0]]
}

// anyInputMask reports whether some input of the current layer is masked.
func (b *builder) anyInputMask() bool {
	for _, in := range b.inbound {
		if b.masks[in] != "" {
			return true
		}
	}
	return false
}

// outputMask records the mask that follows the current layer, whose
// output has per-sample shape out.
func (b *builder) outputMask(l nn.Layer, name string, maskZero bool, ids string, out []int) {
	if maskZero {
		m := b.node("Not", []string{b.node("Equal", []string{ids, b.scalar("zero", 0)})})
		if in := b.inputMask(); in != "" {
			m = b.node("And", []string{m, in})
		}
		b.masks[name] = m
		return
	}
	res := ""
	for i, in := range b.inbound {
		m := b.masks[in]
		if m == "" {
			continue
		}
		if !model.MaskPasses(l.ClassName(), b.inShapes[i], out) {
			return
		}
		if res == "" {
			res = m
		} else {
			res = b.node("And", []string{res, m})
		}
	}
	if res != "" {
		b.masks[name] = res
	}
}

// maskedGlobalAverage writes Σ_t x·m / max(Σ_t m, 1) over axis 1 of x
// [B, T, C] under the boolean mask [B, T].
func (b *builder) maskedGlobalAverage(x, mask string) string {
	m := b.node("Cast", []string{b.node("Unsqueeze", []string{mask, b.ints("axes", 2)})}, attrInt("to", int64(onnxpb.TensorProto_FLOAT))) // [B, T, 1]
	sum := b.node("ReduceSum", []string{b.node("Mul", []string{x, m}), b.ints("axes", 1)}, attrInt("keepdims", 0))
	n := b.node("ReduceSum", []string{m, b.ints("axes", 1)}, attrInt("keepdims", 0)) // [B, 1]
	return b.node("Div", []string{sum, b.node("Max", []string{n, b.scalar("one", 1)})})
}

// maskedRecurrent unrolls ONNX's op (RNN/LSTM/GRU) over the T steps of xt
// [T, B, D], one direction at a time (dir 1 of a Bidirectional pair runs
// backwards and returns its outputs in input order, as tensile), keeping
// the previous states where the boolean mask [B, T] is false. It returns
// the output as [B, T, nd, H] (returnSeq) or [B, nd, H], like the
// unmasked path before merging.
func (b *builder) maskedRecurrent(op string, xt, mask string, T, nd, g, h, d int, all rnnWeights, acts []string, extra []*onnxpb.AttributeProto, returnSeq, goBackwards bool) string {
	nstates := 1
	if op == "LSTM" {
		nstates = 2
	}
	zeros := b.weight(b.cur+"/zero_state", make([]float32, h), []int{1, 1, h})
	var perDir []string
	for dir := range nd {
		wn, rn, bn := g*h*d, g*h*h, 2*g*h
		W := b.weight(b.cur+"/W", all.w[dir*wn:(dir+1)*wn], []int{1, g * h, d})
		R := b.weight(b.cur+"/R", all.r[dir*rn:(dir+1)*rn], []int{1, g * h, h})
		Bs := b.weight(b.cur+"/B", all.bias[dir*bn:(dir+1)*bn], []int{1, 2 * g * h})
		attrs := append([]*onnxpb.AttributeProto{attrInt("hidden_size", int64(h)), attrString("direction", "forward"), attrStrings("activations", acts...)}, extra...)
		backwards := dir == 1 || goBackwards
		states := make([]string, nstates) // "" is the zero state
		outs := make([]string, T)         // indexed by output position
		for k := range T {
			t := k
			if backwards {
				t = T - 1 - k
			}
			xs := b.node("Slice", []string{xt, b.ints("start", int64(t)), b.ints("end", int64(t+1)), b.ints("axes", 0)}) // [1, B, D]
			inputs := []string{xs, W, R, Bs, ""}
			for _, s := range states {
				inputs = append(inputs, s)
			}
			for len(inputs) > 5 && inputs[len(inputs)-1] == "" {
				inputs = inputs[:len(inputs)-1]
			}
			if len(inputs) == 5 {
				inputs = inputs[:4]
			}
			want := []bool{false, true}
			if nstates == 2 {
				want = append(want, true)
			}
			res := b.nodeN(op, inputs, want, attrs...)
			mt := b.node("Slice", []string{mask, b.ints("start", int64(t)), b.ints("end", int64(t+1)), b.ints("axes", 1)}) // [B, 1]
			mt = b.node("Unsqueeze", []string{mt, b.ints("axes", 0)})                                                      // [1, B, 1]
			for i := range states {
				old := states[i]
				if old == "" {
					old = zeros
				}
				states[i] = b.node("Where", []string{mt, res[1+i], old}) // [1, B, H]
			}
			pos := k
			if dir == 1 {
				pos = t
			}
			outs[pos] = states[0]
		}
		var y string
		if returnSeq {
			y = b.node("Concat", outs, attrInt("axis", 0))                  // [T, B, H]
			y = b.node("Transpose", []string{y}, attrInts("perm", 1, 0, 2)) // [B, T, H]
			y = b.node("Unsqueeze", []string{y, b.ints("axes", 2)})         // [B, T, 1, H]
		} else {
			last := outs[T-1]
			if dir == 1 {
				last = outs[0]
			}
			y = b.node("Transpose", []string{last}, attrInts("perm", 1, 0, 2)) // [B, 1, H]
		}
		perDir = append(perDir, y)
	}
	if nd == 1 {
		return perDir[0]
	}
	axis := int64(1)
	if returnSeq {
		axis = 2
	}
	return b.node("Concat", perDir, attrInt("axis", axis))
}

// refuseMask returns the error for a mask consumer with no masked export.
func refuseMask(l nn.Layer) error {
	return fmt.Errorf("layer %q (%s) consumes a padding mask (mask_zero), which has no ONNX export for this layer; export a model without mask_zero", l.Name(), l.ClassName())
}
