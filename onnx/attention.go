package onnx

import (
	"fmt"
	"math"
	"strings"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// attentionLayer writes MultiHeadAttention, the Transformer blocks and the
// position layers, decomposed into MatMul/Softmax (ONNX has no single
// attention op at opsets 13..17); ok is false for other layers.
func (b *builder) attentionLayer(l nn.Layer, cfg map[string]any, x string, in, out []int) (y string, ok bool, err error) {
	switch l.(type) {
	case *nn.MultiHeadAttention, *nn.TransformerEncoder, *nn.TransformerDecoder:
	case *nn.PositionalEncoding:
		var c struct {
			MaxWavelength float64 `json:"max_wavelength"`
		}
		if err := decode(cfg, &c); err != nil {
			return "", true, err
		}
		if c.MaxWavelength == 0 {
			c.MaxWavelength = 10000
		}
		pe := nn.SinusoidalEncoding(in[0], in[1], c.MaxWavelength)
		return b.node("Add", []string{x, b.weight(b.cur+"/encoding", pe.Contiguous().Data(), pe.Shape())}), true, nil
	case *nn.PositionEmbedding:
		e := l.(*nn.PositionEmbedding).Embeddings
		data := e.Contiguous().Data()[:in[0]*in[1]]
		return b.node("Add", []string{x, b.weight(e.Name(), data, []int{in[0], in[1]})}), true, nil
	default:
		return "", false, nil
	}
	w := weightsByPath(l)
	inputs := b.inbound
	shapes := b.inShapes
	switch l := l.(type) {
	case *nn.MultiHeadAttention:
		var c struct {
			NumHeads int `json:"num_heads"`
			KeyDim   int `json:"key_dim"`
		}
		if err := decode(cfg, &c); err != nil {
			return "", true, err
		}
		q, v := inputs[0], inputs[0]
		qs, vs := shapes[0], shapes[0]
		if len(inputs) > 1 {
			v, vs = inputs[1], shapes[1]
		}
		k := v
		if len(inputs) > 2 {
			k = inputs[2]
		}
		// masks as nn.MultiHeadAttention: self-attention uses its input's
		// mask for queries and values; [query, value(, key)] uses the
		// query's and the value's (the key's mask is the value's).
		qm, vm := b.masks[q], b.masks[q]
		if len(inputs) > 1 {
			vm = b.masks[inputs[1]]
		}
		y, err := b.mha(w, "", q, v, k, qs[0], vs[0], c.NumHeads, c.KeyDim, false, qm, vm)
		return y, true, err
	case *nn.TransformerEncoder, *nn.TransformerDecoder:
		var c struct {
			NumHeads         int     `json:"num_heads"`
			Activation       string  `json:"activation"`
			LayerNormEpsilon float64 `json:"layer_norm_epsilon"`
			NormalizeFirst   bool    `json:"normalize_first"`
		}
		if err := decode(cfg, &c); err != nil {
			return "", true, err
		}
		if c.LayerNormEpsilon == 0 {
			c.LayerNormEpsilon = 1e-5
		}
		if c.Activation == "" {
			c.Activation = "relu"
		}
		T, D := in[0], in[1]
		kd := D / c.NumHeads
		eps := float32(c.LayerNormEpsilon)
		_, decoder := l.(*nn.TransformerDecoder)
		norm := func(x, part string) string {
			return b.layerNorm(x, w[part+"/gamma"], w[part+"/beta"], D, eps)
		}
		// residual: x + f(norm(x)) (pre-norm) or norm(x + f(x)) (post-norm).
		residual := func(x, part string, f func(string) (string, error)) (string, error) {
			if c.NormalizeFirst {
				h, err := f(norm(x, part+"_layer_norm"))
				if err != nil {
					return "", err
				}
				return b.node("Add", []string{x, h}), nil
			}
			h, err := f(x)
			if err != nil {
				return "", err
			}
			return norm(b.node("Add", []string{x, h}), part+"_layer_norm"), nil
		}
		h, err := residual(x, "self_attention", func(h string) (string, error) {
			// the blocks mask keys (values) only: an encoder by its
			// input's mask, a decoder by its own mask, causally.
			return b.mha(w, "self_attention/", h, h, h, T, T, c.NumHeads, kd, decoder, "", b.masks[inputs[0]])
		})
		if err != nil {
			return "", true, err
		}
		if decoder && len(inputs) > 1 {
			enc, S := inputs[1], shapes[1][0]
			h, err = residual(h, "cross_attention", func(h string) (string, error) {
				return b.mha(w, "cross_attention/", h, enc, enc, T, S, c.NumHeads, kd, false, "", b.masks[enc])
			})
			if err != nil {
				return "", true, err
			}
		}
		h, err = residual(h, "feedforward", func(h string) (string, error) {
			f := b.dense(h, w["feedforward_intermediate_dense/kernel"], w["feedforward_intermediate_dense/bias"], 0)
			f, err := b.activation(f, c.Activation)
			if err != nil {
				return "", err
			}
			return b.dense(f, w["feedforward_output_dense/kernel"], w["feedforward_output_dense/bias"], 0), nil
		})
		return h, true, err
	}
	return "", false, nil
}

// weightsByPath maps a layer's weights by their path below the layer's
// name ("self_attention/query/kernel").
func weightsByPath(l nn.Layer) map[string]*tensor.Tensor {
	m := map[string]*tensor.Tensor{}
	for _, t := range nn.Weights(l) {
		m[strings.TrimPrefix(t.Name(), l.Name()+"/")] = t
	}
	return m
}

// dense writes x·kernel (+ bias), the kernel viewed as [rows, Size/rows]
// (rows 0: the kernel's first dimension).
func (b *builder) dense(x string, kernel, bias *tensor.Tensor, rows int) string {
	if rows == 0 {
		rows = kernel.Dim(0)
	}
	y := b.node("MatMul", []string{x, b.weight(kernel.Name(), kernel.Contiguous().Data(), []int{rows, kernel.Size() / rows})})
	if bias != nil {
		y = b.node("Add", []string{y, b.weight(bias.Name(), bias.Contiguous().Data(), []int{bias.Size()})})
	}
	return y
}

// mha writes multi-head attention of query q [B, Tq, Dq] over value v and
// key k [B, Tv, ·] with the weights at prefix ("query/kernel" [D, N, K],
// …), as nn.MultiHeadAttention computes it; causal masks j > i, and the
// boolean padding masks qmask [B, Tq] and vmask [B, Tv] ("" for none)
// mask query rows and value (key) columns.
func (b *builder) mha(w map[string]*tensor.Tensor, prefix, q, v, k string, Tq, Tv, heads, keyDim int, causal bool, qmask, vmask string) (string, error) {
	get := func(name string) *tensor.Tensor { return w[prefix+name] }
	for _, n := range []string{"query/kernel", "key/kernel", "value/kernel", "attention_output/kernel"} {
		if get(n) == nil {
			return "", fmt.Errorf("weight %s%s is missing", prefix, n)
		}
	}
	split := func(x string, T int, kernel, bias *tensor.Tensor) string {
		h := b.dense(x, kernel, bias, 0) // [B, T, N·W]
		width := kernel.Dim(2)
		h = b.node("Reshape", []string{h, b.ints("shape", 0, int64(T), int64(heads), int64(width))})
		return b.node("Transpose", []string{h}, attrInts("perm", 0, 2, 1, 3)) // [B, N, T, W]
	}
	qh := split(q, Tq, get("query/kernel"), get("query/bias"))
	kh := split(k, Tv, get("key/kernel"), get("key/bias"))
	vh := split(v, Tv, get("value/kernel"), get("value/bias"))
	qh = b.node("Mul", []string{qh, b.scalar("scale", float32(1/math.Sqrt(float64(keyDim))))})
	kt := b.node("Transpose", []string{kh}, attrInts("perm", 0, 1, 3, 2))
	scores := b.node("MatMul", []string{qh, kt}) // [B, N, Tq, Tv]
	if qmask != "" || vmask != "" {
		scores = b.maskScores(scores, qmask, vmask, Tq, Tv, causal)
	} else if causal {
		// tensile replaces masked scores by -1e9; adding -1e9 gives the
		// same float32 value for any score much smaller than that.
		m := make([]float32, Tq*Tv)
		for i := range Tq {
			for j := range Tv {
				if j > i {
					m[i*Tv+j] = -1e9
				}
			}
		}
		scores = b.node("Add", []string{scores, b.weight(b.cur+"/causal_mask", m, []int{Tq, Tv})})
	}
	probs := b.node("Softmax", []string{scores}, attrInt("axis", -1))
	ctx := b.node("MatMul", []string{probs, vh}) // [B, N, Tq, V]
	ctx = b.node("Transpose", []string{ctx}, attrInts("perm", 0, 2, 1, 3))
	ok := get("attention_output/kernel")
	ctx = b.node("Reshape", []string{ctx, b.ints("shape", 0, int64(Tq), int64(ok.Dim(0)*ok.Dim(1)))})
	return b.dense(ctx, ok, get("attention_output/bias"), ok.Dim(0)*ok.Dim(1)), nil
}

// maskScores writes Where(allowed, scores, -1e9) as nn.MultiHeadAttention
// does, allowed [B, 1, Tq, Tv] being the And of the query mask (rows), the
// value mask (columns) and, with causal, j ≤ i. A row with nothing allowed
// is all -1e9, so Softmax spreads it evenly over all Tv steps, as tensile.
func (b *builder) maskScores(scores, qmask, vmask string, Tq, Tv int, causal bool) string {
	var allowed []string
	if qmask != "" {
		allowed = append(allowed, b.node("Unsqueeze", []string{qmask, b.ints("axes", 1, 3)})) // [B, 1, Tq, 1]
	}
	if vmask != "" {
		allowed = append(allowed, b.node("Unsqueeze", []string{vmask, b.ints("axes", 1, 2)})) // [B, 1, 1, Tv]
	}
	if causal {
		c := make([]float32, Tq*Tv)
		for i := range Tq {
			for j := range min(i+1, Tv) {
				c[i*Tv+j] = 1
			}
		}
		allowed = append(allowed, b.node("Cast", []string{b.weight(b.cur+"/causal_mask", c, []int{Tq, Tv})}, attrInt("to", int64(onnxpb.TensorProto_BOOL))))
	}
	m := allowed[0]
	for _, a := range allowed[1:] {
		m = b.node("And", []string{m, a})
	}
	return b.node("Where", []string{m, scores, b.scalar("masked_score", -1e9)})
}
