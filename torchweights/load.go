package torchweights

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Load copies a PyTorch state dict into a built tensile model made to
// mirror the PyTorch module: the same layers in the same order, in
// tensile's layouts (NHWC images, [B, T, D] sequences).
//
// Layers are matched to PyTorch modules in order: for each tensile layer
// with weights, the first PyTorch module (in natural name order) that has
// exactly the parameter names and shapes the layer needs is taken. Every
// tensor of the state dict must be used. The layout conversions, all in
// this function's helpers:
//
//	Linear       weight [out, in]      → Dense kernel [in, out] (transposed);
//	             after a Flatten of a channels-first PyTorch tensor the
//	             rows are reordered from (C, H, W) to tensile's (H, W, C)
//	Conv2d       weight [O, I, kh, kw] → Conv2D kernel [kh, kw, I, O] (HWIO)
//	Conv1d       weight [O, I, k]      → Conv1D kernel [k, I, O]
//	BatchNorm    weight, bias, running_mean, running_var → gamma, beta,
//	             moving_mean, moving_variance
//	LayerNorm    weight, bias → gamma, beta
//	Embedding    weight → embeddings (same layout)
//	RNN/LSTM/GRU weight_ih_lN, weight_hh_lN, bias_ih_lN, bias_hh_lN →
//	             kernel, recurrent_kernel, bias (transposed; GRU gates
//	             r, z, n → z, r, h̃; see nn.ImportPyTorchRNN); a
//	             bidirectional module's _reverse weights go to
//	             Bidirectional's backward layer
//	MultiheadAttention in_proj_weight/bias split into query, key, value
//	             [E, N, E/N]; out_proj → attention_output (nn.ImportPyTorchMHA)
//	TransformerEncoderLayer / TransformerDecoderLayer → TransformerEncoder /
//	             TransformerDecoder (nn.ImportPyTorchTransformerEncoder/Decoder)
//
// Hyper-parameters that are not weights (epsilons, activations, paddings)
// must be set to PyTorch's in the tensile model (e.g. LayerNormalization
// and BatchNormalization epsilon 1e-5).
func Load(m *model.Model, sd StateDict) error {
	arch, err := m.Spec()
	if err != nil {
		return fmt.Errorf("torchweights: %w", err)
	}
	// Per-layer input shapes and producers.
	shapes := map[string][]int{}
	producer := map[string]string{}
	inShape := map[string][]int{}
	prev := ""
	ld := &loader{sd: sd, used: map[string]bool{}}
	for _, e := range arch.Config.Layers {
		name := e.Name()
		l := m.Layer(name)
		if l == nil {
			return fmt.Errorf("torchweights: layer %q not found", name)
		}
		if in, ok := l.(*nn.Input); ok {
			shapes[name] = in.Shape()
			prev = name
			continue
		}
		inbound := e.Inbound
		if arch.ClassName == "Sequential" {
			inbound = []string{prev}
		}
		var ins [][]int
		for _, i := range inbound {
			ins = append(ins, shapes[i])
		}
		var out []int
		if ml, ok := l.(nn.MultiInputLayer); ok {
			out, err = ml.OutputShapeMulti(ins)
		} else if len(ins) == 1 {
			out, err = l.OutputShape(ins[0])
		}
		if err != nil {
			return fmt.Errorf("torchweights: layer %q: %w", name, err)
		}
		shapes[name] = out
		if len(inbound) > 0 {
			producer[name] = inbound[0]
			inShape[name] = ins[0]
		}
		prev = name
		if len(nn.Weights(l)) == 0 {
			continue
		}
		// A Dense after a Flatten of a channels-first PyTorch tensor.
		var flatFrom []int
		if p := producer[name]; p != "" {
			if f, ok := m.Layer(p).(*nn.Flatten); ok {
				s := inShape[f.Name()]
				switch {
				case len(s) == 3:
					flatFrom = s
				case len(s) == 2 && channelsFirst1D(m, producer, f.Name()):
					flatFrom = s
				}
			}
		}
		if err := ld.layer(l, flatFrom); err != nil {
			return fmt.Errorf("torchweights: layer %q (%s): %w", name, l.ClassName(), err)
		}
	}
	var left []string
	for _, n := range sd.Names() {
		if !ld.used[n] {
			left = append(left, n)
		}
	}
	if len(left) > 0 {
		if len(left) > 6 {
			left = append(left[:6], "…")
		}
		return fmt.Errorf("torchweights: the state dict has tensors no layer takes: %s", strings.Join(left, ", "))
	}
	return nil
}

// channelsFirst1D reports whether the nearest layer before name that
// changes the layout is a 1-d convolution or pooling (whose PyTorch
// counterpart is channels-first [C, T]).
func channelsFirst1D(m *model.Model, producer map[string]string, name string) bool {
	for p := producer[name]; p != ""; p = producer[p] {
		switch m.Layer(p).(type) {
		case *nn.Conv1D, *nn.Pooling1D:
			return true
		case *nn.ActivationLayer, *nn.Dropout, *nn.BatchNormalization:
			continue
		}
		return false
	}
	return false
}

type loader struct {
	sd   StateDict
	used map[string]bool
}

// find returns the first prefix (natural order) under which the state
// dict has every name in req with the shape check accepts, no unused
// names beyond req and opt, and none of them used yet.
func (ld *loader) find(req, opt []string, check func(p string) bool) (string, bool) {
	seen := map[string]bool{}
	for _, k := range ld.sd.Names() {
		if ld.used[k] || !strings.HasSuffix(k, req[0]) {
			continue
		}
		p := strings.TrimSuffix(k, req[0])
		if p != "" && !strings.HasSuffix(p, ".") || seen[p] {
			continue
		}
		seen[p] = true
		ok := true
		for _, r := range req {
			if ld.sd[p+r] == nil || ld.used[p+r] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, k2 := range ld.sd.Names() {
			if strings.HasPrefix(k2, p) && !ld.used[k2] {
				rest := strings.TrimPrefix(k2, p)
				if !slices.Contains(req, rest) && !slices.Contains(opt, rest) {
					ok = false
					break
				}
			}
		}
		if ok && check(p) {
			return p, true
		}
	}
	return "", false
}

func (ld *loader) take(p string, names ...string) {
	for _, n := range names {
		if ld.sd[p+n] != nil {
			ld.used[p+n] = true
		}
	}
}

func shapeIs(t *tensor.Tensor, shape ...int) bool { return t != nil && slices.Equal(t.Shape(), shape) }

// copyInto copies src (already in tensile's layout) into dst.
func copyInto(dst *tensor.Tensor, src []float32) { copy(dst.Data(), src) }

// layer loads one tensile layer. flatFrom is the channels-last shape a
// Dense's input was flattened from when PyTorch flattened it channels
// first.
func (ld *loader) layer(l nn.Layer, flatFrom []int) error {
	notFound := func(what string) error {
		return fmt.Errorf("no unused PyTorch %s in the state dict fits it", what)
	}
	switch l := l.(type) {
	case *nn.Dense:
		in, out := l.Kernel.Dim(0), l.Kernel.Dim(1)
		req := []string{"weight"}
		if l.Bias != nil {
			req = append(req, "bias")
		}
		p, ok := ld.find(req, nil, func(p string) bool {
			return shapeIs(ld.sd[p+"weight"], out, in) && (l.Bias == nil || shapeIs(ld.sd[p+"bias"], out))
		})
		if !ok {
			return notFound(fmt.Sprintf("Linear(%d, %d)", in, out))
		}
		w := ld.sd[p+"weight"].Data()
		k := make([]float32, in*out)
		for i := range in {
			src := i
			if flatFrom != nil {
				src = channelsFirstIndex(i, flatFrom)
			}
			for o := range out {
				k[i*out+o] = w[o*in+src]
			}
		}
		copyInto(l.Kernel, k)
		if l.Bias != nil {
			copyInto(l.Bias, ld.sd[p+"bias"].Data())
		}
		ld.take(p, req...)
	case *nn.Conv2D, *nn.Conv1D:
		var kernel, bias *tensor.Tensor
		if c, ok := l.(*nn.Conv2D); ok {
			kernel, bias = c.Kernel, c.Bias
		} else {
			c := l.(*nn.Conv1D)
			kernel, bias = c.Kernel, c.Bias
		}
		ks := kernel.Shape()
		n := len(ks)
		// PyTorch [O, I, k...] ← tensile [k..., I, O].
		pt := append([]int{ks[n-1], ks[n-2]}, ks[:n-2]...)
		req := []string{"weight"}
		if bias != nil {
			req = append(req, "bias")
		}
		p, ok := ld.find(req, nil, func(p string) bool { return shapeIs(ld.sd[p+"weight"], pt...) })
		if !ok {
			return notFound(fmt.Sprintf("Conv weight %v", pt))
		}
		perm := make([]int, n) // tensile axis i ← PyTorch axis perm[i]
		for i := range n - 2 {
			perm[i] = i + 2
		}
		perm[n-2], perm[n-1] = 1, 0
		copyInto(kernel, tensor.FromSlice(ld.sd[p+"weight"].Data(), pt...).Permute(perm...).Data())
		if bias != nil {
			copyInto(bias, ld.sd[p+"bias"].Data())
		}
		ld.take(p, req...)
	case *nn.BatchNormalization:
		c := l.MovingMean.Dim(0)
		req := []string{"running_mean", "running_var"}
		if l.Gamma != nil {
			req = append(req, "weight")
		}
		if l.Beta != nil {
			req = append(req, "bias")
		}
		p, ok := ld.find(req, []string{"num_batches_tracked"}, func(p string) bool {
			for _, r := range req {
				if !shapeIs(ld.sd[p+r], c) {
					return false
				}
			}
			return true
		})
		if !ok {
			return notFound(fmt.Sprintf("BatchNorm(%d)", c))
		}
		copyInto(l.MovingMean, ld.sd[p+"running_mean"].Data())
		copyInto(l.MovingVar, ld.sd[p+"running_var"].Data())
		if l.Gamma != nil {
			copyInto(l.Gamma, ld.sd[p+"weight"].Data())
		}
		if l.Beta != nil {
			copyInto(l.Beta, ld.sd[p+"bias"].Data())
		}
		ld.take(p, append(req, "num_batches_tracked")...)
	case *nn.LayerNormalization:
		var d int
		var req []string
		if l.Gamma != nil {
			d, req = l.Gamma.Dim(0), append(req, "weight")
		}
		if l.Beta != nil {
			d, req = l.Beta.Dim(0), append(req, "bias")
		}
		if len(req) == 0 {
			return nil
		}
		p, ok := ld.find(req, nil, func(p string) bool {
			for _, r := range req {
				if !shapeIs(ld.sd[p+r], d) {
					return false
				}
			}
			return true
		})
		if !ok {
			return notFound(fmt.Sprintf("LayerNorm(%d)", d))
		}
		if l.Gamma != nil {
			copyInto(l.Gamma, ld.sd[p+"weight"].Data())
		}
		if l.Beta != nil {
			copyInto(l.Beta, ld.sd[p+"bias"].Data())
		}
		ld.take(p, req...)
	case *nn.Embedding, *nn.PositionEmbedding:
		var e *tensor.Tensor
		if x, ok := l.(*nn.Embedding); ok {
			e = x.Embeddings
		} else {
			e = l.(*nn.PositionEmbedding).Embeddings
		}
		p, ok := ld.find([]string{"weight"}, nil, func(p string) bool { return shapeIs(ld.sd[p+"weight"], e.Shape()...) })
		if !ok {
			return notFound(fmt.Sprintf("Embedding%v", e.Shape()))
		}
		copyInto(e, ld.sd[p+"weight"].Data())
		ld.take(p, "weight")
	case *nn.SimpleRNN, *nn.LSTM, *nn.GRU:
		return ld.rnn([]nn.Layer{l})
	case *nn.Bidirectional:
		fw, bw := l.Layers()
		return ld.rnn([]nn.Layer{fw, bw})
	case *nn.MultiHeadAttention:
		req := []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
		p, ok := ld.find(req, nil, func(p string) bool {
			e := l.QueryKernel.Dim(0)
			return shapeIs(ld.sd[p+"in_proj_weight"], 3*e, e)
		})
		if !ok {
			return notFound("MultiheadAttention")
		}
		if err := nn.ImportPyTorchMHA(l, map[string]*tensor.Tensor(ld.sd), p); err != nil {
			return err
		}
		ld.take(p, req...)
	case *nn.TransformerEncoder, *nn.TransformerDecoder:
		mha := []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
		var req []string
		for _, s := range mha {
			req = append(req, "self_attn."+s)
		}
		req = append(req, "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias")
		w := map[string]*tensor.Tensor{}
		for _, t := range l.Params() {
			w[strings.TrimPrefix(t.Name(), l.Name()+"/")] = t
		}
		if _, dec := l.(*nn.TransformerDecoder); dec && w["cross_attention/query/kernel"] != nil {
			for _, s := range mha {
				req = append(req, "multihead_attn."+s)
			}
			req = append(req, "norm3.weight", "norm3.bias")
		}
		ff := w["feedforward_intermediate_dense/kernel"]
		p, ok := ld.find(req, nil, func(p string) bool { return ff != nil && shapeIs(ld.sd[p+"linear1.weight"], ff.Dim(1), ff.Dim(0)) })
		if !ok {
			return notFound("TransformerEncoderLayer/TransformerDecoderLayer")
		}
		var err error
		if enc, ok := l.(*nn.TransformerEncoder); ok {
			err = nn.ImportPyTorchTransformerEncoder(enc, map[string]*tensor.Tensor(ld.sd), p)
		} else {
			err = nn.ImportPyTorchTransformerDecoder(l.(*nn.TransformerDecoder), map[string]*tensor.Tensor(ld.sd), p)
		}
		if err != nil {
			return err
		}
		ld.take(p, req...)
	case *nn.TimeDistributed:
		return ld.layer(l.Layer(), nil)
	default:
		return fmt.Errorf("layer class %s has no PyTorch state-dict mapping", l.ClassName())
	}
	return nil
}

// rnn loads a recurrent layer (or a Bidirectional pair) from the first
// PyTorch RNN/LSTM/GRU module layer lN whose shapes fit.
func (ld *loader) rnn(dirs []nn.Layer) error {
	for _, k := range ld.sd.Names() {
		if ld.used[k] {
			continue
		}
		i := strings.LastIndex(k, "weight_ih_l")
		if i < 0 || (i > 0 && k[i-1] != '.') || strings.HasSuffix(k, "_reverse") {
			continue
		}
		p, suffix := k[:i], k[i+len("weight_ih_"):]
		sub := map[string]*tensor.Tensor{}
		for n, t := range ld.sd {
			if strings.HasPrefix(n, p) && !strings.Contains(strings.TrimPrefix(n, p), ".") {
				sub[strings.TrimPrefix(n, p)] = t
			}
		}
		if len(dirs) == 2 && sub["weight_ih_"+suffix+"_reverse"] == nil || len(dirs) == 1 && sub["weight_ih_"+suffix+"_reverse"] != nil {
			continue
		}
		k0, _, _, _ := nn.RecurrentWeights(dirs[0])
		if w := sub["weight_ih_"+suffix]; w == nil || w.Dim(1) != k0.Dim(0) || w.Dim(0) != k0.Dim(1) {
			continue
		}
		sfx := []string{suffix, suffix + "_reverse"}
		for j, d := range dirs {
			if err := nn.ImportPyTorchRNN(d, sub, sfx[j]); err != nil {
				return err
			}
			for _, n := range []string{"weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_"} {
				ld.take(p, n+sfx[j])
			}
		}
		return nil
	}
	return fmt.Errorf("no unused PyTorch RNN/LSTM/GRU layer in the state dict fits it")
}

// channelsFirstIndex maps tensile's flattened index i over a channels-last
// shape (spatial..., C) to PyTorch's over (C, spatial...).
func channelsFirstIndex(i int, shape []int) int {
	c := shape[len(shape)-1]
	sp := 1
	for _, d := range shape[:len(shape)-1] {
		sp *= d
	}
	s, ch := i/c, i%c
	return ch*sp + s
}
