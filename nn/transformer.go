package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// TransformerConfig holds the options of TransformerEncoder and
// TransformerDecoder beyond intermediate_dim and num_heads, with KerasNLP's
// names and defaults (the zero value): no dropout, relu, layer-norm epsilon
// 1e-5, post-norm (normalize_first false), glorot_uniform kernels, zero
// biases.
type TransformerConfig struct {
	// Dropout is used on the attention probabilities and on the outputs of
	// the attention and feed-forward blocks before the residual add.
	Dropout           float64     `json:"dropout,omitempty"`
	Activation        string      `json:"activation,omitempty"`
	LayerNormEpsilon  float64     `json:"layer_norm_epsilon,omitempty"`
	NormalizeFirst    bool        `json:"normalize_first,omitempty"`
	KernelInitializer Initializer `json:"kernel_initializer"`
	BiasInitializer   Initializer `json:"bias_initializer"`
	Seed              uint64      `json:"seed,omitempty"`
}

type transformerSpec struct {
	IntermediateDim int `json:"intermediate_dim"`
	NumHeads        int `json:"num_heads"`
	TransformerConfig
}

// transformerBlock holds what the encoder and decoder share: the
// feed-forward block, the residual dropout and sub-layer naming.
type transformerBlock struct {
	base
	spec     transformerSpec
	rng      *rand.Rand
	ff1, ff2 *Dense
	ffNorm   *LayerNormalization
	subs     []Layer // in Params order
	subNames []string
}

func newTransformerBlock(class, name string, s transformerSpec) (transformerBlock, error) {
	b := transformerBlock{base: newBase(class, name), spec: s}
	c := &b.spec.TransformerConfig
	if s.IntermediateDim <= 0 || s.NumHeads <= 0 {
		return b, fmt.Errorf("nn: %s: intermediate_dim and num_heads must be positive, got %d and %d", class, s.IntermediateDim, s.NumHeads)
	}
	if !(c.Dropout >= 0 && c.Dropout < 1) {
		return b, fmt.Errorf("nn: %s: dropout must be in [0, 1), got %g", class, c.Dropout)
	}
	if c.Activation == "" {
		c.Activation = "relu"
	}
	if c.LayerNormEpsilon == 0 {
		c.LayerNormEpsilon = 1e-5
	}
	if _, err := ActivationByName(c.Activation); err != nil {
		return b, fmt.Errorf("nn: %s: %w", class, err)
	}
	if err := firstErr(c.KernelInitializer.validate(), c.BiasInitializer.validate()); err != nil {
		return b, fmt.Errorf("nn: %s: %w", class, err)
	}
	return b, nil
}

func (b *transformerBlock) addSub(name string, l Layer) {
	b.subs = append(b.subs, l)
	b.subNames = append(b.subNames, name)
}

// SetName implements Layer, renaming the sub-layers "<name>/<part>".
func (b *transformerBlock) SetName(name string) {
	b.name = name
	for i, l := range b.subs {
		l.SetName(name + "/" + b.subNames[i])
	}
}

func (b *transformerBlock) mha(dim int) *MultiHeadAttention {
	c := b.spec.TransformerConfig
	return NewMultiHeadAttention(b.spec.NumHeads, dim/b.spec.NumHeads, MultiHeadAttentionConfig{
		Dropout: c.Dropout, Seed: c.Seed, KernelInitializer: c.KernelInitializer, BiasInitializer: c.BiasInitializer})
}

func (b *transformerBlock) layerNorm() *LayerNormalization {
	return NewLayerNormalization(LayerNormConfig{Epsilon: b.spec.LayerNormEpsilon})
}

// buildFF creates the feed-forward sub-layers for model width dim.
func (b *transformerBlock) buildFF(dim int, rng *rand.Rand) error {
	c := b.spec.TransformerConfig
	b.ffNorm = b.layerNorm()
	b.ff1 = NewDense(b.spec.IntermediateDim, DenseConfig{Activation: c.Activation, KernelInitializer: c.KernelInitializer, BiasInitializer: c.BiasInitializer})
	b.ff2 = NewDense(dim, DenseConfig{KernelInitializer: c.KernelInitializer, BiasInitializer: c.BiasInitializer})
	b.addSub("feedforward_intermediate_dense", b.ff1)
	b.addSub("feedforward_output_dense", b.ff2)
	b.addSub("feedforward_layer_norm", b.ffNorm)
	return nil
}

// buildSubs builds every sub-layer on [T, dim] and collects the params.
func (b *transformerBlock) buildSubs(in []int, rng *rand.Rand, multi map[Layer][][]int) error {
	b.SetName(b.name)
	for _, l := range b.subs {
		var err error
		if shapes, ok := multi[l]; ok {
			err = l.(*MultiHeadAttention).BuildMulti(shapes, rng)
		} else if l == b.ff2 {
			err = l.Build([]int{in[0], b.spec.IntermediateDim}, rng)
		} else {
			err = l.Build(in, rng)
		}
		if err != nil {
			return err
		}
		b.params = append(b.params, l.Params()...)
	}
	if b.spec.Seed != 0 {
		b.rng = tensor.NewRNG(b.spec.Seed + 1)
	} else {
		b.rng = tensor.NewRNG(rng.Uint64())
	}
	b.markBuilt(in)
	return nil
}

func (b *transformerBlock) drop(x *tensor.Tensor, training bool) *tensor.Tensor {
	if !training || b.spec.Dropout == 0 {
		return x
	}
	return tensor.Dropout(x, float32(b.spec.Dropout), b.rng)
}

// residual applies x + drop(f(norm(x))) (pre-norm) or
// norm(x + drop(f(x))) (post-norm).
func (b *transformerBlock) residual(x *tensor.Tensor, norm *LayerNormalization, training bool, f func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	if b.spec.NormalizeFirst {
		return tensor.Add(x, b.drop(f(norm.Forward(x, training)), training))
	}
	return norm.Forward(tensor.Add(x, b.drop(f(x), training)), training)
}

func (b *transformerBlock) feedForward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return b.residual(x, b.ffNorm, training, func(h *tensor.Tensor) *tensor.Tensor {
		return b.ff2.Forward(b.ff1.Forward(h, training), training)
	})
}

func (b *transformerBlock) checkInput(x *tensor.Tensor, dim int) {
	if x.Dims() != 3 || x.Dim(2) != dim {
		panic(&tensor.ShapeError{Op: b.class, Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q needs an input [B, T, %d]", b.name, dim)})
	}
}

func (b *transformerBlock) config() map[string]any {
	m := specConfig(&TransformerEncoder{}, b.spec)
	m["name"] = b.name
	return m
}

// Config implements Layer.
func (l *TransformerEncoder) Config() map[string]any { return l.config() }

// Config implements Layer.
func (l *TransformerDecoder) Config() map[string]any { return l.config() }

func (b *transformerBlock) validateShape(in []int) error {
	if len(in) != 2 || in[1] <= 0 {
		return fmt.Errorf("nn: layer %q (%s): needs a per-sample input [T, D], got %v", b.name, b.class, in)
	}
	if in[1]%b.spec.NumHeads != 0 {
		return fmt.Errorf("nn: layer %q (%s): model width %d is not divisible by num_heads %d", b.name, b.class, in[1], b.spec.NumHeads)
	}
	return nil
}

// TransformerEncoder is one Transformer encoder block (KerasNLP's
// TransformerEncoder): multi-head self-attention with key_dim = D/num_heads,
// then a feed-forward block Dense(intermediate_dim, activation) →
// Dense(D), each wrapped in dropout, a residual connection and layer
// normalisation, post-norm by default:
//
//	x = LN₁(x + Dropout(MHA(x, x)));  y = LN₂(x + Dropout(FF(x)))
//
// or with NormalizeFirst: x = x + Dropout(MHA(LN₁(x))); y = x + Dropout(FF(LN₂(x))).
// It is PyTorch's nn.TransformerEncoderLayer(batch_first=True,
// norm_first=NormalizeFirst); ImportPyTorchTransformerEncoder maps the
// weights. Sub-layers: self_attention, self_attention_layer_norm,
// feedforward_intermediate_dense, feedforward_output_dense,
// feedforward_layer_norm.
type TransformerEncoder struct {
	transformerBlock
	attn     *MultiHeadAttention
	attnNorm *LayerNormalization
}

// NewTransformerEncoder returns a TransformerEncoder block; it panics on an
// invalid configuration.
func NewTransformerEncoder(intermediateDim, numHeads int, cfg TransformerConfig) *TransformerEncoder {
	return must(newTransformerEncoder(transformerSpec{intermediateDim, numHeads, cfg}, ""))
}

func newTransformerEncoder(s transformerSpec, name string) (*TransformerEncoder, error) {
	b, err := newTransformerBlock("TransformerEncoder", name, s)
	if err != nil {
		return nil, err
	}
	return &TransformerEncoder{transformerBlock: b}, nil
}

// Sublayers returns the self-attention, its layer norm, the two
// feed-forward Dense layers and the feed-forward layer norm (nil before
// Build).
func (l *TransformerEncoder) Sublayers() (attn *MultiHeadAttention, attnNorm *LayerNormalization, ff1, ff2 *Dense, ffNorm *LayerNormalization) {
	return l.attn, l.attnNorm, l.ff1, l.ff2, l.ffNorm
}

// Build implements Layer; in is [T, D].
func (l *TransformerEncoder) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if err := l.validateShape(in); err != nil {
		return err
	}
	rng = orRNG(rng)
	l.attn = l.mha(in[1])
	l.attnNorm = l.layerNorm()
	l.addSub("self_attention", l.attn)
	l.addSub("self_attention_layer_norm", l.attnNorm)
	if err := l.buildFF(in[1], rng); err != nil {
		return err
	}
	return l.buildSubs(in, rng, nil)
}

// Forward implements Layer.
func (l *TransformerEncoder) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.ForwardMasked(x, nil, training)
}

// ForwardMasked implements MaskConsumer: mask [B, T] marks padding steps
// that no position may attend to (PyTorch's src_key_padding_mask, with
// 1 = real step).
func (l *TransformerEncoder) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	return l.Call(x, AttentionOptions{ValueMask: mask}, training)
}

// Call runs the block with attention options (masks) for the
// self-attention.
func (l *TransformerEncoder) Call(x *tensor.Tensor, opt AttentionOptions, training bool) *tensor.Tensor {
	l.checkInput(x, l.inShape[1])
	opt.Key, opt.ReturnScores = nil, false
	x = l.residual(x, l.attnNorm, training, func(h *tensor.Tensor) *tensor.Tensor {
		y, _ := l.attn.Call(h, h, opt, training)
		return y
	})
	return l.feedForward(x, training)
}

// OutputShape implements Layer.
func (l *TransformerEncoder) OutputShape(in []int) ([]int, error) {
	if err := l.validateShape(in); err != nil {
		return nil, err
	}
	return slices.Clone(in), nil
}

// TransformerDecoder is one Transformer decoder block (KerasNLP's
// TransformerDecoder): causal multi-head self-attention, then (when built
// with an encoder sequence) cross-attention from the decoder sequence to the
// encoder sequence, then the feed-forward block, each with dropout, a
// residual connection and layer normalisation as in TransformerEncoder.
// As a MultiInputLayer it takes [decoder_sequence] or
// [decoder_sequence, encoder_sequence]. Sub-layers: self_attention,
// self_attention_layer_norm, cross_attention, cross_attention_layer_norm,
// feedforward_intermediate_dense, feedforward_output_dense,
// feedforward_layer_norm (PyTorch's nn.TransformerDecoderLayer self_attn,
// norm1, multihead_attn, norm2, linear1, linear2, norm3).
type TransformerDecoder struct {
	transformerBlock
	selfAttn, crossAttn *MultiHeadAttention
	selfNorm, crossNorm *LayerNormalization
}

// NewTransformerDecoder returns a TransformerDecoder block; it panics on an
// invalid configuration.
func NewTransformerDecoder(intermediateDim, numHeads int, cfg TransformerConfig) *TransformerDecoder {
	return must(newTransformerDecoder(transformerSpec{intermediateDim, numHeads, cfg}, ""))
}

func newTransformerDecoder(s transformerSpec, name string) (*TransformerDecoder, error) {
	b, err := newTransformerBlock("TransformerDecoder", name, s)
	if err != nil {
		return nil, err
	}
	return &TransformerDecoder{transformerBlock: b}, nil
}

// BuildMulti implements MultiInputLayer: [decoder [T, D]] or
// [decoder [T, D], encoder [S, E]].
func (l *TransformerDecoder) BuildMulti(in [][]int, rng *rand.Rand) error {
	if len(in) < 1 || len(in) > 2 {
		return shapeErrorf(l, "takes 1 or 2 inputs (decoder and encoder sequences), got %d", len(in))
	}
	if done, err := l.checkRebuild(in[0]); done {
		if err == nil && (len(in) == 2) != (l.crossAttn != nil) {
			err = shapeErrorf(l, "was built with%s an encoder sequence", map[bool]string{true: "", false: "out"}[l.crossAttn != nil])
		}
		return err
	}
	if err := l.validateShape(in[0]); err != nil {
		return err
	}
	rng = orRNG(rng)
	d := in[0][1]
	l.selfAttn = l.mha(d)
	l.selfNorm = l.layerNorm()
	l.addSub("self_attention", l.selfAttn)
	l.addSub("self_attention_layer_norm", l.selfNorm)
	multi := map[Layer][][]int{}
	if len(in) == 2 {
		if len(in[1]) != 2 || in[1][1] <= 0 {
			return shapeErrorf(l, "encoder sequence must be per-sample [S, E], got %v", in[1])
		}
		l.crossAttn = l.mha(d)
		l.crossNorm = l.layerNorm()
		l.addSub("cross_attention", l.crossAttn)
		l.addSub("cross_attention_layer_norm", l.crossNorm)
		multi[l.crossAttn] = [][]int{in[0], in[1]}
	}
	if err := l.buildFF(d, rng); err != nil {
		return err
	}
	return l.buildSubs(in[0], rng, multi)
}

// Build implements Layer (no encoder sequence).
func (l *TransformerDecoder) Build(in []int, rng *rand.Rand) error {
	return l.BuildMulti([][]int{in}, rng)
}

// Call runs the block on the decoder sequence and, if the block has
// cross-attention, the encoder sequence; the padding masks ([B, T] and
// [B, S], 1 = real step) may be nil.
func (l *TransformerDecoder) Call(decoder, encoder, decoderMask, encoderMask *tensor.Tensor, training bool) *tensor.Tensor {
	l.checkInput(decoder, l.inShape[1])
	if (encoder != nil) != (l.crossAttn != nil) {
		panic(&tensor.ShapeError{Op: "TransformerDecoder", Msg: fmt.Sprintf("layer %q: encoder sequence given: %v, built for one: %v", l.name, encoder != nil, l.crossAttn != nil)})
	}
	x := l.residual(decoder, l.selfNorm, training, func(h *tensor.Tensor) *tensor.Tensor {
		y, _ := l.selfAttn.Call(h, h, AttentionOptions{ValueMask: decoderMask, UseCausalMask: true}, training)
		return y
	})
	if l.crossAttn != nil {
		x = l.residual(x, l.crossNorm, training, func(h *tensor.Tensor) *tensor.Tensor {
			y, _ := l.crossAttn.Call(h, encoder, AttentionOptions{ValueMask: encoderMask}, training)
			return y
		})
	}
	return l.feedForward(x, training)
}

// ForwardMulti implements MultiInputLayer.
func (l *TransformerDecoder) ForwardMulti(xs []*tensor.Tensor, training bool) *tensor.Tensor {
	var enc *tensor.Tensor
	if len(xs) > 1 {
		enc = xs[1]
	}
	return l.Call(xs[0], enc, nil, nil, training)
}

// ForwardMultiMasked implements MultiMaskConsumer: xs is [decoder] or
// [decoder, encoder], masks their padding masks (entries may be nil).
func (l *TransformerDecoder) ForwardMultiMasked(xs, masks []*tensor.Tensor, training bool) *tensor.Tensor {
	var enc, decMask, encMask *tensor.Tensor
	if len(xs) > 1 {
		enc = xs[1]
	}
	if len(masks) > 0 {
		decMask = masks[0]
	}
	if len(masks) > 1 {
		encMask = masks[1]
	}
	return l.Call(xs[0], enc, decMask, encMask, training)
}

// Forward implements Layer (no encoder sequence).
func (l *TransformerDecoder) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.Call(x, nil, nil, nil, training)
}

// ForwardMasked implements MaskConsumer (decoder padding mask only).
func (l *TransformerDecoder) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	return l.Call(x, nil, mask, nil, training)
}

// OutputShapeMulti implements MultiInputLayer.
func (l *TransformerDecoder) OutputShapeMulti(in [][]int) ([]int, error) {
	if len(in) < 1 || len(in) > 2 {
		return nil, shapeErrorf(l, "takes 1 or 2 inputs, got %d", len(in))
	}
	if err := l.validateShape(in[0]); err != nil {
		return nil, err
	}
	return slices.Clone(in[0]), nil
}

// OutputShape implements Layer.
func (l *TransformerDecoder) OutputShape(in []int) ([]int, error) {
	return l.OutputShapeMulti([][]int{in})
}

// ImportPyTorchTransformerEncoder copies a PyTorch
// nn.TransformerEncoderLayer's state dict (keys under prefix, e.g.
// "layers.0.") into a built TransformerEncoder: self_attn.* by
// ImportPyTorchMHA, linear1/linear2 weights transposed into the
// feed-forward kernels, norm1 and norm2 weight/bias into the two layer
// norms' gamma/beta. The block must use the same activation and epsilon.
func ImportPyTorchTransformerEncoder(l *TransformerEncoder, stateDict map[string]*tensor.Tensor, prefix string) error {
	if !l.built {
		return fmt.Errorf("nn: ImportPyTorchTransformerEncoder: layer %q is not built", l.name)
	}
	if err := ImportPyTorchMHA(l.attn, stateDict, prefix+"self_attn."); err != nil {
		return err
	}
	pairs := []struct {
		key string
		dst *tensor.Tensor
		tr  bool
	}{
		{"linear1.weight", l.ff1.Kernel, true}, {"linear1.bias", l.ff1.Bias, false},
		{"linear2.weight", l.ff2.Kernel, true}, {"linear2.bias", l.ff2.Bias, false},
		{"norm1.weight", l.attnNorm.Gamma, false}, {"norm1.bias", l.attnNorm.Beta, false},
		{"norm2.weight", l.ffNorm.Gamma, false}, {"norm2.bias", l.ffNorm.Beta, false},
	}
	for _, p := range pairs {
		src := stateDict[prefix+p.key]
		if src == nil {
			return fmt.Errorf("nn: ImportPyTorchTransformerEncoder: state dict has no %s%s", prefix, p.key)
		}
		if p.tr {
			src = src.Detach().Transpose()
		}
		if !slices.Equal(src.Shape(), p.dst.Shape()) {
			return fmt.Errorf("nn: ImportPyTorchTransformerEncoder: %s%s has shape %v, want %v", prefix, p.key, src.Shape(), p.dst.Shape())
		}
		p.dst.CopyFrom(src)
	}
	return nil
}

func init() {
	registerSpec("TransformerEncoder", newTransformerEncoder)
	registerSpec("TransformerDecoder", newTransformerDecoder)
}
