package nn

import (
	"fmt"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// ImportPyTorchTransformerDecoder copies a PyTorch decoder block's state
// dict (keys under prefix, e.g. "layers.0.") into a built
// TransformerDecoder.
//
// A block built with an encoder sequence is PyTorch's
// nn.TransformerDecoderLayer(batch_first=True, norm_first=NormalizeFirst)
// run with a causal tgt_mask: self_attn.* and multihead_attn.* map by
// ImportPyTorchMHA onto self_attention and cross_attention, linear1 and
// linear2 weights are transposed into the feed-forward kernels, and norm1,
// norm2, norm3 go to the self-attention, cross-attention and feed-forward
// layer norms.
//
// A block built without one has no cross-attention, which
// nn.TransformerDecoderLayer cannot express; it is an
// nn.TransformerEncoderLayer run with a causal src_mask, and its state dict
// maps as in ImportPyTorchTransformerEncoder (norm2 is the feed-forward
// layer norm).
//
// The block must use the same activation and epsilon.
func ImportPyTorchTransformerDecoder(l *TransformerDecoder, stateDict map[string]*tensor.Tensor, prefix string) error {
	if !l.built {
		return fmt.Errorf("nn: ImportPyTorchTransformerDecoder: layer %q is not built", l.name)
	}
	if err := ImportPyTorchMHA(l.selfAttn, stateDict, prefix+"self_attn."); err != nil {
		return err
	}
	type pair struct {
		key string
		dst *tensor.Tensor
		tr  bool
	}
	pairs := []pair{
		{"linear1.weight", l.ff1.Kernel, true}, {"linear1.bias", l.ff1.Bias, false},
		{"linear2.weight", l.ff2.Kernel, true}, {"linear2.bias", l.ff2.Bias, false},
		{"norm1.weight", l.selfNorm.Gamma, false}, {"norm1.bias", l.selfNorm.Beta, false},
	}
	if l.crossAttn != nil {
		if err := ImportPyTorchMHA(l.crossAttn, stateDict, prefix+"multihead_attn."); err != nil {
			return err
		}
		pairs = append(pairs,
			pair{"norm2.weight", l.crossNorm.Gamma, false}, pair{"norm2.bias", l.crossNorm.Beta, false},
			pair{"norm3.weight", l.ffNorm.Gamma, false}, pair{"norm3.bias", l.ffNorm.Beta, false})
	} else {
		if stateDict[prefix+"multihead_attn.in_proj_weight"] != nil {
			return fmt.Errorf("nn: ImportPyTorchTransformerDecoder: layer %q has no cross-attention but the state dict has %smultihead_attn", l.name, prefix)
		}
		pairs = append(pairs, pair{"norm2.weight", l.ffNorm.Gamma, false}, pair{"norm2.bias", l.ffNorm.Beta, false})
	}
	for _, p := range pairs {
		src := stateDict[prefix+p.key]
		if src == nil {
			return fmt.Errorf("nn: ImportPyTorchTransformerDecoder: state dict has no %s%s", prefix, p.key)
		}
		if p.tr {
			src = src.Detach().Transpose()
		}
		if !slices.Equal(src.Shape(), p.dst.Shape()) {
			return fmt.Errorf("nn: ImportPyTorchTransformerDecoder: %s%s has shape %v, want %v", prefix, p.key, src.Shape(), p.dst.Shape())
		}
		p.dst.CopyFrom(src)
	}
	return nil
}
