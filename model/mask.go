package model

import (
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Masking
//
// A model propagates padding masks as Keras does. A layer that implements
// nn.MaskProducer (Embedding with MaskZero) emits a [B, T] mask of 1 (real
// step) and 0 (padding) computed from its input. The mask then flows to the
// following layers:
//
//   - a layer that implements nn.MaskConsumer (SimpleRNN, LSTM, GRU,
//     Bidirectional, MultiHeadAttention, TransformerEncoder/Decoder,
//     GlobalAveragePooling1D, ...) receives it through ForwardMasked;
//   - the mask continues past a layer when the layer keeps the time axis:
//     its class is one of the step-wise or mask-aware classes listed in
//     maskKeepers (Dropout, Dense, Activation, LayerNormalization,
//     recurrent layers with return_sequences, attention, ...) and its
//     per-sample output still has the input's leading time dimension;
//   - any other layer (Flatten, Conv1D, pooling, a recurrent layer that
//     returns only its last output) drops it, as Keras's layers without
//     supports_masking do;
//   - a multi-input layer that implements nn.MultiMaskConsumer
//     (MultiHeadAttention: query and value masks; TransformerDecoder:
//     decoder and encoder masks) receives every input's mask through
//     ForwardMultiMasked;
//   - a merge layer (Add, Concatenate on the feature axis) combines the
//     masks of its inputs with a logical AND (an input without a mask counts
//     as all ones) when the output keeps the time axis.
//
// Without a mask producer every layer runs Forward, exactly as before.

// maskKeepers are the layer classes through which a padding mask passes
// unchanged (when the output keeps the time axis).
var maskKeepers = map[string]bool{
	"Dropout": true, "Activation": true, "Dense": true,
	"LayerNormalization": true, "BatchNormalization": true,
	"TimeDistributed": true, "PositionalEncoding": true, "PositionEmbedding": true,
	"MultiHeadAttention": true, "TransformerEncoder": true, "TransformerDecoder": true,
	"SimpleRNN": true, "LSTM": true, "GRU": true, "Bidirectional": true,
	"Add": true, "Concatenate": true,
}

// MaskPasses reports whether a padding mask on an input of per-sample shape
// in passes through a layer of class class whose per-sample output shape is
// out: the class is one of maskKeepers and the output keeps the input's
// leading time axis. It is the rule Call applies; ONNX export follows it.
func MaskPasses(class string, in, out []int) bool {
	return maskKeepers[class] && len(in) >= 2 && len(out) >= 2 && in[0] == out[0]
}

// outputMask returns the mask that follows node n, given the mask of its
// (first) input and its input and output values.
func outputMask(n *Node, x *tensor.Tensor, masks []*tensor.Tensor) *tensor.Tensor {
	var in *tensor.Tensor
	if len(masks) > 0 {
		in = masks[0]
	}
	if p, ok := n.layer.(nn.MaskProducer); ok {
		return p.ComputeMask(x, in)
	}
	var out *tensor.Tensor
	for i, m := range masks {
		if m == nil {
			continue
		}
		if !MaskPasses(n.layer.ClassName(), n.inputs[i].shape, n.shape) {
			return nil
		}
		if out == nil {
			out = m
		} else {
			out = tensor.Mul(out, m)
		}
	}
	return out
}
