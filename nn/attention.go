package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// MultiHeadAttentionConfig holds MultiHeadAttention's options beyond
// num_heads and key_dim; the zero value is Keras's default.
type MultiHeadAttentionConfig struct {
	// ValueDim is the per-head width of the values (0: key_dim).
	ValueDim int `json:"value_dim,omitempty"`
	// Dropout is the rate of dropout on the attention probabilities in
	// training; Seed fixes its stream (0: from the build seed).
	Dropout float64 `json:"dropout,omitempty"`
	Seed    uint64  `json:"seed,omitempty"`
	NoBias  bool    `json:"no_bias,omitempty"`
	// OutputShape is the output's last dimension (0: the query's).
	OutputShape       int         `json:"output_shape,omitempty"`
	KernelInitializer Initializer `json:"kernel_initializer"`
	BiasInitializer   Initializer `json:"bias_initializer"`
	KernelRegularizer Regularizer `json:"kernel_regularizer"`
	BiasRegularizer   Regularizer `json:"bias_regularizer"`
}

type mhaSpec struct {
	NumHeads int `json:"num_heads"`
	KeyDim   int `json:"key_dim"`
	MultiHeadAttentionConfig
}

// MultiHeadAttention is Keras's multi-head scaled dot-product attention.
// For a query [B, Tq, Dq], a value [B, Tv, Dv] and a key [B, Tv, Dk]
// (default: the value), with N heads of key width K and value width V:
//
//	q = query·Wq + bq  [B, N, Tq, K]    k = key·Wk + bk  [B, N, Tv, K]
//	v = value·Wv + bv  [B, N, Tv, V]
//	scores = softmax(q·kᵀ/√K, masked)   [B, N, Tq, Tv]
//	output = concat_heads(scores·v)·Wo + bo   [B, Tq, output_shape]
//
// Weights in Keras's layout: query/kernel [Dq, N, K], query/bias [N, K],
// key/kernel [Dk, N, K], key/bias [N, K], value/kernel [Dv, N, V],
// value/bias [N, V], attention_output/kernel [N, V, Dout],
// attention_output/bias [Dout]. PyTorch's nn.MultiheadAttention maps with
// ImportPyTorchMHA.
//
// As a Layer, Forward is self-attention (query = value = key = x) and
// ForwardMulti takes [query, value] or [query, value, key]. Call gives
// every option: masks and the attention scores.
type MultiHeadAttention struct {
	base
	spec mhaSpec
	rng  *rand.Rand
	dout int

	QueryKernel, QueryBias, KeyKernel, KeyBias       *tensor.Tensor
	ValueKernel, ValueBias, OutputKernel, OutputBias *tensor.Tensor
}

// AttentionOptions are the optional inputs of MultiHeadAttention.Call.
// Masks hold 1 where attention is allowed and 0 where it is not; they
// combine (all must allow). A query row with nothing to attend to gets a
// uniform distribution (the scores are pushed to -1e9, as Keras), not NaN.
type AttentionOptions struct {
	// Key defaults to the value.
	Key *tensor.Tensor
	// AttentionMask is [B, Tq, Tv] (or broadcastable, e.g. [Tq, Tv]).
	AttentionMask *tensor.Tensor
	// QueryMask [B, Tq] and ValueMask [B, Tv] are padding masks, as Keras
	// derives from its inputs' masks.
	QueryMask, ValueMask *tensor.Tensor
	// UseCausalMask lets query step i attend to value steps j ≤ i only.
	UseCausalMask bool
	// ReturnScores makes Call return the attention probabilities
	// [B, N, Tq, Tv].
	ReturnScores bool
}

// NewMultiHeadAttention returns a MultiHeadAttention layer; it panics on an
// invalid configuration.
func NewMultiHeadAttention(numHeads, keyDim int, cfg MultiHeadAttentionConfig) *MultiHeadAttention {
	return must(newMHA(mhaSpec{numHeads, keyDim, cfg}, ""))
}

func newMHA(s mhaSpec, name string) (*MultiHeadAttention, error) {
	if s.NumHeads <= 0 || s.KeyDim <= 0 || s.ValueDim < 0 || s.OutputShape < 0 {
		return nil, fmt.Errorf("nn: MultiHeadAttention: num_heads and key_dim must be positive, got %d and %d", s.NumHeads, s.KeyDim)
	}
	if s.ValueDim == 0 {
		s.ValueDim = s.KeyDim
	}
	if !(s.Dropout >= 0 && s.Dropout < 1) {
		return nil, fmt.Errorf("nn: MultiHeadAttention: dropout must be in [0, 1), got %g", s.Dropout)
	}
	if err := firstErr(s.KernelInitializer.validate(), s.BiasInitializer.validate(), s.KernelRegularizer.validate(), s.BiasRegularizer.validate()); err != nil {
		return nil, fmt.Errorf("nn: MultiHeadAttention: %w", err)
	}
	return &MultiHeadAttention{base: newBase("MultiHeadAttention", name), spec: s}, nil
}

// BuildMulti implements MultiInputLayer: shapes [query, value] or
// [query, value, key], each per sample [T, D].
func (l *MultiHeadAttention) BuildMulti(in [][]int, rng *rand.Rand) error {
	if l.built {
		if len(in) > 0 && !slices.Equal(l.inShape, in[0]) {
			return shapeErrorf(l, "was built for query shape %v, got %v", l.inShape, in[0])
		}
		return nil
	}
	if _, err := l.OutputShapeMulti(in); err != nil {
		return err
	}
	rng = orRNG(rng)
	q, v := in[0], in[len(in)-1]
	if len(in) > 1 {
		v = in[1]
	}
	k := v
	if len(in) > 2 {
		k = in[2]
	}
	N, K, V := l.spec.NumHeads, l.spec.KeyDim, l.spec.ValueDim
	l.dout = l.spec.OutputShape
	if l.dout == 0 {
		l.dout = q[len(q)-1]
	}
	ki := l.spec.KernelInitializer.orDefault(GlorotUniform())
	bi := l.spec.BiasInitializer.orDefault(Zeros())
	// Fans of the 3-d kernels as Keras computes them (Fans).
	kernel := func(name string, d, n, w int) *tensor.Tensor {
		return l.addWeight(name, ki.New(rng, d, n, w), true)
	}
	bias := func(name string, shape ...int) *tensor.Tensor {
		if l.spec.NoBias {
			return nil
		}
		return l.addWeight(name, bi.New(rng, shape...), true)
	}
	l.QueryKernel = kernel("query/kernel", q[len(q)-1], N, K)
	l.QueryBias = bias("query/bias", N, K)
	l.KeyKernel = kernel("key/kernel", k[len(k)-1], N, K)
	l.KeyBias = bias("key/bias", N, K)
	l.ValueKernel = kernel("value/kernel", v[len(v)-1], N, V)
	l.ValueBias = bias("value/bias", N, V)
	l.OutputKernel = l.addWeight("attention_output/kernel", ki.New(rng, N, V, l.dout), true)
	l.OutputBias = bias("attention_output/bias", l.dout)
	if l.spec.Seed != 0 {
		l.rng = tensor.NewRNG(l.spec.Seed)
	} else {
		l.rng = tensor.NewRNG(rng.Uint64())
	}
	l.markBuilt(q)
	return nil
}

// Build implements Layer (self-attention on a per-sample shape [T, D]).
func (l *MultiHeadAttention) Build(in []int, rng *rand.Rand) error {
	if l.built && !slices.Equal(l.inShape, in) {
		return shapeErrorf(l, "was built for input shape %v, got %v", l.inShape, in)
	}
	return l.BuildMulti([][]int{in}, rng)
}

// project computes x·W + b for W [D, N, W'] and returns [B, N, T, W'].
func project(x, w, b *tensor.Tensor) *tensor.Tensor {
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	n, k := w.Dim(1), w.Dim(2)
	y := tensor.MatMul(x.Reshape(B*T, D), w.Reshape(D, n*k))
	if b != nil {
		y = tensor.Add(y, b.Reshape(n*k))
	}
	return y.Reshape(B, T, n, k).Permute(0, 2, 1, 3)
}

// Call runs attention of query [B, Tq, Dq] over value [B, Tv, Dv] and
// returns the output [B, Tq, Dout] and, with opt.ReturnScores, the
// attention probabilities [B, N, Tq, Tv] (else nil).
func (l *MultiHeadAttention) Call(query, value *tensor.Tensor, opt AttentionOptions, training bool) (*tensor.Tensor, *tensor.Tensor) {
	if !l.built {
		panic(&tensor.ShapeError{Op: "MultiHeadAttention", Msg: fmt.Sprintf("layer %q is not built", l.name)})
	}
	key := opt.Key
	if key == nil {
		key = value
	}
	for _, c := range []struct {
		x *tensor.Tensor
		w *tensor.Tensor
	}{{query, l.QueryKernel}, {value, l.ValueKernel}, {key, l.KeyKernel}} {
		if c.x.Dims() != 3 || c.x.Dim(2) != c.w.Dim(0) {
			panic(&tensor.ShapeError{Op: "MultiHeadAttention", Shapes: [][]int{query.Shape(), value.Shape(), key.Shape()},
				Msg: fmt.Sprintf("layer %q: query, value and key must be [B, T, D] with D = %d, %d, %d", l.name, l.QueryKernel.Dim(0), l.ValueKernel.Dim(0), l.KeyKernel.Dim(0))})
		}
	}
	B, Tq, Tv := query.Dim(0), query.Dim(1), value.Dim(1)
	if key.Dim(1) != Tv || key.Dim(0) != B || value.Dim(0) != B {
		panic(&tensor.ShapeError{Op: "MultiHeadAttention", Shapes: [][]int{query.Shape(), value.Shape(), key.Shape()}, Msg: "batch sizes or key/value lengths differ"})
	}
	q := project(query, l.QueryKernel, l.QueryBias)
	k := project(key, l.KeyKernel, l.KeyBias)
	v := project(value, l.ValueKernel, l.ValueBias)
	q = tensor.MulScalar(q, float32(1/math.Sqrt(float64(l.spec.KeyDim))))
	scores := tensor.MatMul(q, k.Transpose()) // [B, N, Tq, Tv]
	if m := attentionMask(B, Tq, Tv, opt); m != nil {
		scores = tensor.Where(m, scores, tensor.Scalar(-1e9))
	}
	probs := tensor.Softmax(scores, -1)
	p := probs
	if training && l.spec.Dropout > 0 {
		p = tensor.Dropout(p, float32(l.spec.Dropout), l.rng)
	}
	ctx := tensor.MatMul(p, v).Permute(0, 2, 1, 3) // [B, Tq, N, V]
	N, V := l.spec.NumHeads, l.spec.ValueDim
	out := tensor.MatMul(ctx.Reshape(B*Tq, N*V), l.OutputKernel.Reshape(N*V, l.dout))
	if l.OutputBias != nil {
		out = tensor.Add(out, l.OutputBias)
	}
	out = out.Reshape(B, Tq, l.dout)
	if opt.ReturnScores {
		return out, probs
	}
	return out, nil
}

// attentionMask combines the masks of opt into one constant [B, 1, Tq, Tv]
// (or broadcastable) tensor of 0/1, or nil when there is none.
func attentionMask(B, Tq, Tv int, opt AttentionOptions) *tensor.Tensor {
	var m *tensor.Tensor
	and := func(t *tensor.Tensor) {
		t = t.Detach()
		if m == nil {
			m = t
		} else {
			m = tensor.Mul(m, t)
		}
	}
	if opt.AttentionMask != nil {
		a := opt.AttentionMask
		switch a.Dims() {
		case 2:
			a = a.Reshape(1, 1, a.Dim(0), a.Dim(1))
		case 3:
			a = a.Reshape(a.Dim(0), 1, a.Dim(1), a.Dim(2))
		case 4:
		default:
			panic(&tensor.ShapeError{Op: "MultiHeadAttention", Shapes: [][]int{a.Shape()}, Msg: "attention mask must be [Tq, Tv], [B, Tq, Tv] or [B, N, Tq, Tv]"})
		}
		and(a)
	}
	if opt.QueryMask != nil {
		and(opt.QueryMask.Reshape(B, 1, Tq, 1))
	}
	if opt.ValueMask != nil {
		and(opt.ValueMask.Reshape(B, 1, 1, Tv))
	}
	if opt.UseCausalMask {
		c := make([]float32, Tq*Tv)
		for i := range Tq {
			for j := range Tv {
				if j <= i {
					c[i*Tv+j] = 1
				}
			}
		}
		and(tensor.FromSlice(c, 1, 1, Tq, Tv))
	}
	return m
}

// Forward implements Layer: self-attention.
func (l *MultiHeadAttention) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.Call(x, x, AttentionOptions{}, training)
	return y
}

// ForwardMasked implements MaskConsumer: self-attention under a padding
// mask [B, T] (used as both query and value mask, as Keras).
func (l *MultiHeadAttention) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.Call(x, x, AttentionOptions{QueryMask: mask, ValueMask: mask}, training)
	return y
}

// ForwardMulti implements MultiInputLayer: [query, value] or
// [query, value, key].
func (l *MultiHeadAttention) ForwardMulti(xs []*tensor.Tensor, training bool) *tensor.Tensor {
	switch len(xs) {
	case 1:
		return l.Forward(xs[0], training)
	case 2, 3:
		opt := AttentionOptions{}
		if len(xs) == 3 {
			opt.Key = xs[2]
		}
		y, _ := l.Call(xs[0], xs[1], opt, training)
		return y
	}
	panic(&tensor.ShapeError{Op: "MultiHeadAttention", Msg: fmt.Sprintf("takes 1 to 3 inputs, got %d", len(xs))})
}

// ForwardMultiMasked implements MultiMaskConsumer: xs is [query, value] or
// [query, value, key], masks their padding masks (entries may be nil; the
// key's mask is the value's, as in Keras).
func (l *MultiHeadAttention) ForwardMultiMasked(xs, masks []*tensor.Tensor, training bool) *tensor.Tensor {
	if len(xs) == 1 {
		var m *tensor.Tensor
		if len(masks) > 0 {
			m = masks[0]
		}
		return l.ForwardMasked(xs[0], m, training)
	}
	if len(xs) > 3 {
		return l.ForwardMulti(xs, training) // reports the error
	}
	opt := AttentionOptions{}
	if len(xs) == 3 {
		opt.Key = xs[2]
	}
	if len(masks) > 0 {
		opt.QueryMask = masks[0]
	}
	if len(masks) > 1 {
		opt.ValueMask = masks[1]
	}
	y, _ := l.Call(xs[0], xs[1], opt, training)
	return y
}

// OutputShapeMulti implements MultiInputLayer.
func (l *MultiHeadAttention) OutputShapeMulti(in [][]int) ([]int, error) {
	if len(in) < 1 || len(in) > 3 {
		return nil, shapeErrorf(l, "takes 1 to 3 inputs (query, value, key), got %d", len(in))
	}
	for _, s := range in {
		if len(s) != 2 || s[1] <= 0 {
			return nil, shapeErrorf(l, "inputs must be per-sample [T, D], got %v", in)
		}
	}
	if len(in) == 3 && in[1][0] != in[2][0] {
		return nil, shapeErrorf(l, "value and key lengths differ: %v", in)
	}
	d := l.spec.OutputShape
	if d == 0 {
		d = in[0][1]
	}
	return []int{in[0][0], d}, nil
}

// OutputShape implements Layer.
func (l *MultiHeadAttention) OutputShape(in []int) ([]int, error) {
	return l.OutputShapeMulti([][]int{in})
}

// RegularizationLoss implements Regularized.
func (l *MultiHeadAttention) RegularizationLoss() *tensor.Tensor {
	r, b := l.spec.KernelRegularizer, l.spec.BiasRegularizer
	return regLoss(r, l.QueryKernel, r, l.KeyKernel, r, l.ValueKernel, r, l.OutputKernel,
		b, l.QueryBias, b, l.KeyBias, b, l.ValueBias, b, l.OutputBias)
}

// Config implements Layer.
func (l *MultiHeadAttention) Config() map[string]any { return specConfig(l, l.spec) }

// ImportPyTorchMHA copies a PyTorch nn.MultiheadAttention's weights (keys
// prefix+"in_proj_weight", "in_proj_bias", "out_proj.weight",
// "out_proj.bias"; prefix e.g. "self_attn.") into a built l with equal query,
// key and value widths E and head width E/N. The mapping, with
// in_proj_weight's row blocks [Wq; Wk; Wv] ([E, E] each) and bq, bk, bv:
//
//	query/kernel = Wqᵀ reshaped [E, N, E/N]   query/bias = bq reshaped [N, E/N]
//	(key, value likewise)
//	attention_output/kernel = out_proj.weightᵀ reshaped [N, E/N, E]
//	attention_output/bias = out_proj.bias
func ImportPyTorchMHA(l *MultiHeadAttention, stateDict map[string]*tensor.Tensor, prefix string) error {
	if !l.built {
		return fmt.Errorf("nn: ImportPyTorchMHA: layer %q is not built", l.name)
	}
	E := l.QueryKernel.Dim(0)
	N, K := l.spec.NumHeads, l.spec.KeyDim
	if N*K != E || l.spec.ValueDim != K || l.KeyKernel.Dim(0) != E || l.ValueKernel.Dim(0) != E || l.dout != E {
		return fmt.Errorf("nn: ImportPyTorchMHA: layer %q is not PyTorch-shaped (num_heads·key_dim = widths = %d)", l.name, E)
	}
	get := func(k string, shape ...int) (*tensor.Tensor, error) {
		t := stateDict[prefix+k]
		if t == nil {
			return nil, fmt.Errorf("nn: ImportPyTorchMHA: state dict has no %s%s", prefix, k)
		}
		if !slices.Equal(t.Shape(), shape) {
			return nil, fmt.Errorf("nn: ImportPyTorchMHA: %s%s has shape %v, want %v", prefix, k, t.Shape(), shape)
		}
		return t.Detach(), nil
	}
	w, err := get("in_proj_weight", 3*E, E)
	if err != nil {
		return err
	}
	ow, err := get("out_proj.weight", E, E)
	if err != nil {
		return err
	}
	var b, ob *tensor.Tensor
	if l.QueryBias != nil {
		if b, err = get("in_proj_bias", 3*E); err != nil {
			return err
		}
		if ob, err = get("out_proj.bias", E); err != nil {
			return err
		}
	}
	// State-dict tensors need no gradient and CopyFrom records nothing.
	ws := tensor.Split(w, 0, E, E, E)
	for i, k := range []*tensor.Tensor{l.QueryKernel, l.KeyKernel, l.ValueKernel} {
		k.CopyFrom(ws[i].Transpose())
	}
	l.OutputKernel.CopyFrom(ow.Transpose())
	if b != nil {
		bs := tensor.Split(b, 0, E, E, E)
		for i, k := range []*tensor.Tensor{l.QueryBias, l.KeyBias, l.ValueBias} {
			k.CopyFrom(bs[i])
		}
		l.OutputBias.CopyFrom(ob)
	}
	return nil
}

func init() {
	registerSpec("MultiHeadAttention", newMHA)
}
