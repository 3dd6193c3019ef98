package privacy

import (
	"errors"
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// PerExample computes per-example gradients of a model's loss in one
// forward and one backward pass over the batch (no loop over examples).
//
// The model's layers must form a chain. Layers with weights need a
// per-example rule: Dense and Conv2D (the outer products of each example's
// input, or input patches, with its pre-activation gradient), Embedding
// (each example's rows of output gradient), and LayerNormalization (each
// example's normalised input times its output gradient), and SimpleRNN,
// LSTM, GRU and Bidirectional (sums over time of outer products; see
// pergrad_rnn.go). Layers without
// weights (Flatten, Reshape, pooling, Activation) pass gradients through
// the tape. Dropout and BatchNormalization are refused: they couple
// examples or differ between passes, so per-example clipping would not
// bound each example's influence.
type PerExample struct {
	m      *model.Model
	layers []nn.Layer
	// lastLoss is the mean unweighted loss of the last pass.
	lastLoss float64
	arena    *tensor.Arena // activations of a pass; reset after its rules ran
}

// NewPerExample returns a per-example gradient engine for the compiled
// model m.
func NewPerExample(m *model.Model) (*PerExample, error) {
	if m.Loss() == nil {
		return nil, errors.New("privacy: the model is not compiled (no loss)")
	}
	if !m.Built() {
		if err := m.Build(nil); err != nil {
			return nil, err
		}
	}
	if len(m.InputShapes()) != 1 || len(m.OutputShapes()) != 1 {
		return nil, errors.New("privacy: DP-SGD needs a model with one input and one output")
	}
	p := &PerExample{m: m, arena: tensor.NewArena()}
	for _, l := range m.Layers() {
		switch l.(type) {
		case *nn.Input:
			continue
		case *nn.Dense, *nn.Conv2D, *nn.Embedding, *nn.LayerNormalization:
		case *nn.SimpleRNN, *nn.LSTM, *nn.GRU, *nn.Bidirectional:
			if _, err := recurrentCells(l); err != nil {
				return nil, err
			}
		case nn.MultiInputLayer:
			return nil, fmt.Errorf("privacy: layer %q (%s) merges branches; DP-SGD supports layer chains", l.Name(), l.ClassName())
		default:
			if len(l.Params()) > 0 {
				return nil, fmt.Errorf("privacy: layer %q (%s) has no per-example gradient rule (supported: Dense, Conv2D, Embedding, LayerNormalization, SimpleRNN, LSTM, GRU, Bidirectional)", l.Name(), l.ClassName())
			}
			switch l.ClassName() {
			case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise":
				return nil, fmt.Errorf("privacy: layer %q (%s): DP-SGD models must not use dropout (per-example gradients are taken without its masks)", l.Name(), l.ClassName())
			}
		}
		p.layers = append(p.layers, l)
	}
	return p, nil
}

// segment is one layer's slice of the pass.
type segment struct {
	in *tensor.Tensor // the layer's input
	// pre is a weighted layer's output before its activation (Dense,
	// Conv2D), its input projections (recurrent layers, see rnnForward) or
	// its output (other layers), computed with a graph back to the previous
	// weighted layer's zl; zl is pre as a leaf, and gout the gradient of
	// Σ_i loss_i at zl. Weight-free layers have none of these: their ops
	// stay in the graph between two leaves.
	pre, zl, gout *tensor.Tensor
	out           *tensor.Tensor // the layer's output
	// relu: pre is the output of a Dense or Conv2D with its ReLU fused,
	// and gout has been masked to the gradient at the pre-activation.
	relu bool
	rnn  *rnnTrace // recurrent layers (pergrad_rnn.go); zl: input projections
}

// reluMask zeroes g where the ReLU output y is 0 (ReLU′(z) = 0 for z ≤ 0).
func reluMask(g, y []float32) {
	parallel.For(len(g), 1<<14, func(lo, hi int) {
		for i, v := range y[lo:hi] {
			if v <= 0 {
				g[lo+i] = 0
			}
		}
	})
}

// pass runs the chain with a tape boundary after every layer with weights
// and returns, per layer, its input and, for layers with weights, the
// gradient of Σ_i loss_i at its pre-activation (Dense, Conv2D), its input
// projections (recurrent layers) or its output. Only those boundaries hold
// a gradient buffer of their own; the gradients through activations and
// weight-free layers (pooling, Flatten) live in the graph between them. A
// padding mask (from Embedding's mask_zero) flows through the chain as
// model.Model propagates it, into the layers that honour one.
func (p *PerExample) pass(x, y *tensor.Tensor) (segs []segment, err error) {
	err = model.Guard(func() error {
		params := p.m.Params()
		for _, q := range params {
			q.SetRequiresGrad(false) // per-example rules replace the weight gradients
		}
		defer func() {
			for _, q := range params {
				q.SetRequiresGrad(true)
			}
		}()
		segs = make([]segment, len(p.layers))
		h := p.arena.FromSlice(x.Data(), x.Shape()...)
		var mask *tensor.Tensor // padding mask, as the model propagates it
		for i, l := range p.layers {
			s := &segs[i]
			s.in = h
			if len(l.Params()) == 0 {
				s.out = forwardMasked(l, h, mask)
				mask = nextMask(l, s.in, s.out, mask)
				h = s.out
				continue
			}
			switch l.(type) {
			case *nn.SimpleRNN, *nn.LSTM, *nn.GRU, *nn.Bidirectional:
				// zl is the input projections of every step; the
				// recurrence runs from it under the padding mask.
				s.rnn, s.pre, s.zl, s.out = rnnForward(l, h, mask)
			default:
				act := func(t *tensor.Tensor) *tensor.Tensor { return t }
				if ll, ok := l.(nn.LogitsLayer); ok && ll.OutputActivation() == "relu" {
					// The layer's own forward fuses the ReLU; the gradient
					// at its output, masked where the output is 0, is the
					// one at the pre-activation.
					s.pre, s.relu = l.Forward(h, false), true
				} else if ok {
					s.pre = ll.ForwardLogits(h, false)
					f, err := nn.ActivationByName(ll.OutputActivation())
					if err != nil {
						return err
					}
					if f != nil {
						act = f
					}
				} else {
					s.pre = forwardMasked(l, h, mask)
				}
				s.zl = s.pre.Detach().SetRequiresGrad(true)
				s.out = act(s.zl)
			}
			mask = nextMask(l, s.in, s.out, mask)
			h = s.out
		}
		total := tensor.Sum(p.m.Loss().PerSample(y, h), nil, false)
		p.lastLoss = float64(total.Item()) / float64(x.Dim(0))
		if !total.RequiresGrad() {
			return errors.New("privacy: the loss does not depend on the model's weights")
		}
		total.Backward()
		for i := len(segs) - 1; i >= 0; i-- {
			s := &segs[i]
			if s.zl == nil {
				continue
			}
			if s.gout = s.zl.Grad(); s.gout == nil {
				return fmt.Errorf("privacy: no gradient reaches layer %q", p.layers[i].Name())
			}
			if s.relu {
				reluMask(s.gout.Data(), s.zl.Data())
			}
			if s.pre.RequiresGrad() {
				s.pre.BackwardWith(s.gout)
			}
		}
		return nil
	})
	return segs, err
}

// Gradients returns each example's gradient of its loss for every
// trainable weight: grads[w] is [B × w.Size()] in w's layout, example-major.
// Regularization penalties are not included (they do not depend on data).
// It materialises B copies of every weight; DP-SGD uses Norms instead.
func (p *PerExample) Gradients(x, y *tensor.Tensor) (map[*tensor.Tensor][]float32, error) {
	defer p.arena.Reset()
	segs, err := p.pass(x, y)
	if err != nil {
		return nil, err
	}
	out := map[*tensor.Tensor][]float32{}
	err = model.Guard(func() error {
		for i, l := range p.layers {
			for w, g := range p.rule(l, &segs[i], true).grads {
				out[w] = append([]float32(nil), g...) // g may live in the arena
			}
		}
		return nil
	})
	return out, err
}

// Norms returns the L2 norm of each example's gradient over all trainable
// weights.
func (p *PerExample) Norms(x, y *tensor.Tensor) ([]float64, error) {
	defer p.arena.Reset()
	segs, err := p.pass(x, y)
	if err != nil {
		return nil, err
	}
	norms, _, err := p.norms(segs, x.Dim(0))
	return norms, err
}

// norms applies every layer's rule to a pass and returns the per-example
// gradient norms and the rules' outputs.
func (p *PerExample) norms(segs []segment, b int) ([]float64, []ruleOut, error) {
	sq := make([]float64, b)
	outs := make([]ruleOut, len(p.layers))
	err := model.Guard(func() error {
		for i, l := range p.layers {
			outs[i] = p.rule(l, &segs[i], false)
			for j, v := range outs[i].sq {
				sq[j] += v
			}
		}
		return nil
	})
	for i := range sq {
		sq[i] = math.Sqrt(sq[i])
	}
	return sq, outs, err
}

type ruleOut struct {
	sq []float64 // per-example squared norm of this layer's weight gradients
	// grads holds per-example gradients [B × w.Size()]: of every weight when
	// the rule ran with full, else of the cheap ones (biases, LayerNorm).
	grads map[*tensor.Tensor][]float32
	// patches is a Conv2D layer's im2col input [B, P, K], reused by the
	// clipped-sum rule (see clipsum.go).
	patches *tensor.Tensor
}

// rule applies the per-example gradient rule of layer l.
func (p *PerExample) rule(l nn.Layer, s *segment, full bool) ruleOut {
	switch l := l.(type) {
	case *nn.Dense:
		return denseRule(p.arena, l.Kernel, l.Bias, s.in, s.gout, full)
	case *nn.Conv2D:
		return convRule(p.arena, l, s.in, s.gout, full)
	case *nn.Embedding:
		return embeddingRule(l, s.in, s.gout, full)
	case *nn.LayerNormalization:
		return layerNormRule(l, s.in, s.gout, full)
	case *nn.SimpleRNN, *nn.LSTM, *nn.GRU, *nn.Bidirectional:
		return rnnRule(p.arena, s.in, s.rnn, s.gout, full)
	}
	return ruleOut{}
}

// addSq adds each example's squared norm of g ([B × n]) to sq.
func addSq(sq []float64, g []float32, b int) {
	n := len(g) / b
	parallel.For(b, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sq[i] += kernels.SumSquares(g[i*n : (i+1)*n])
		}
	})
}

// sumRows returns Σ_t g[b, t, :] as [B × U].
func sumRows(g []float32, b, t, u int) []float32 {
	out := make([]float32, b*u)
	parallel.For(b, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.SumRows(out[i*u:(i+1)*u], g[i*t*u:(i+1)*t*u], t, u)
		}
	})
	return out
}

// denseRule: kernel_b = Σ_t x_bt ⊗ dz_bt, bias_b = Σ_t dz_bt. With one
// position per example the kernel norm is ‖x_b‖·‖dz_b‖ (no outer product).
func denseRule(a *tensor.Arena, kernel, bias, x, dz *tensor.Tensor, full bool) ruleOut {
	b := x.Dim(0)
	d, u := kernel.Dim(0), kernel.Dim(1)
	t := x.Size() / (b * d)
	r := ruleOut{sq: make([]float64, b), grads: map[*tensor.Tensor][]float32{}}
	xv, gv := x.Data(), dz.Data()
	if bias != nil {
		bg := sumRows(gv, b, t, u)
		addSq(r.sq, bg, b)
		r.grads[bias] = bg
	}
	if t == 1 && !full {
		for i := 0; i < b; i++ {
			var nx, ng float64
			for _, v := range xv[i*d : (i+1)*d] {
				nx += float64(v) * float64(v)
			}
			for _, v := range gv[i*u : (i+1)*u] {
				ng += float64(v) * float64(v)
			}
			r.sq[i] += nx * ng
		}
		return r
	}
	kg := tensor.MatMul(x.Detach().Reshape(b, t, d).Transpose(), dz.Reshape(b, t, u)).Data()
	addSq(r.sq, kg, b)
	r.grads[kernel] = kg
	return r
}

func intList(v any, def [2]int) [2]int {
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		if s, ok := v.([2]int); ok {
			return s
		}
		return def
	}
	var out [2]int
	for i, e := range a {
		switch n := e.(type) {
		case int:
			out[i] = n
		case float64:
			out[i] = int(n)
		default:
			return def
		}
	}
	return out
}

// convRule: kernel_b = Σ_p patch_bp ⊗ dz_bp over output positions p (the
// input patches in HWIO order), bias_b = Σ_p dz_bp, as one batched GEMM
// [B, K, P]·[B, P, CO].
//
// When only the norm is wanted and P·(K+CO) < K·CO, the norm comes from
// the per-example Gram matrices instead ("ghost" norm, Goodfellow 2015):
// ‖Σ_p a_p ⊗ g_p‖² = Σ_{p,q} (a_p·a_q)(g_p·g_q).
func convRule(a *tensor.Arena, l *nn.Conv2D, x, dz *tensor.Tensor, full bool) ruleOut {
	cfg := l.Config()
	st := intList(cfg["strides"], [2]int{1, 1})
	dl := intList(cfg["dilation_rate"], [2]int{1, 1})
	same := cfg["padding"] == "same"
	ks := l.Kernel.Shape()
	kh, kw, ci, co := ks[0], ks[1], ks[2], ks[3]
	b, H, W := x.Dim(0), x.Dim(1), x.Dim(2)
	oh, ow := dz.Dim(1), dz.Dim(2)
	padT, padL := 0, 0
	if same {
		padT = max((oh-1)*st[0]+(kh-1)*dl[0]+1-H, 0) / 2
		padL = max((ow-1)*st[1]+(kw-1)*dl[1]+1-W, 0) / 2
	}
	P, K := oh*ow, kh*kw*ci
	xv := x.Data()
	pt := a.Uninit(b, P, K) // Im2col writes every tap, padding included
	patches := pt.Data()
	g := kernels.ConvGeom{H: H, W: W, C: ci, KH: kh, KW: kw, SH: st[0], SW: st[1], DH: dl[0], DW: dl[1], PadT: padT, PadL: padL, OH: oh, OW: ow}
	in := H * W * ci
	parallel.For(b, 8, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			kernels.Im2col(patches[n*P*K:(n+1)*P*K], xv[n*in:(n+1)*in], &g, 0, P)
		}
	})
	gv := dz.Data()
	r := ruleOut{sq: make([]float64, b), grads: map[*tensor.Tensor][]float32{}, patches: pt}
	if l.Bias != nil {
		bg := sumRows(gv, b, P, co)
		addSq(r.sq, bg, b)
		r.grads[l.Bias] = bg
	}
	gt := dz.Reshape(b, P, co)
	if !full && P*(K+co) < K*co {
		ga := tensor.MatMul(pt, pt.Transpose()).Data()
		gg := tensor.MatMul(gt, gt.Transpose()).Data()
		for n := 0; n < b; n++ {
			var s float64
			for i, v := range ga[n*P*P : (n+1)*P*P] {
				s += float64(v) * float64(gg[n*P*P+i])
			}
			r.sq[n] += s
		}
		return r
	}
	kg := tensor.MatMul(pt.Transpose(), gt).Data()
	addSq(r.sq, kg, b)
	r.grads[l.Kernel] = kg // the clipped sum reuses it (see clippedSum)
	return r
}

// embeddingRule: row v of example b's gradient is Σ_{t: id_bt = v} dy_bt.
func embeddingRule(l *nn.Embedding, ids, dy *tensor.Tensor, full bool) ruleOut {
	es := l.Embeddings.Shape()
	V, D := es[0], es[1]
	b := ids.Dim(0)
	t := ids.Size() / b
	iv, gv := ids.Data(), dy.Data()
	r := ruleOut{sq: make([]float64, b), grads: map[*tensor.Tensor][]float32{}}
	var dense []float32
	if full {
		dense = make([]float32, b*V*D)
		r.grads[l.Embeddings] = dense
	}
	acc := map[int][]float32{}
	for n := 0; n < b; n++ {
		clear(acc)
		for j := 0; j < t; j++ {
			id := int(iv[n*t+j])
			if id < 0 || id >= V {
				continue // the layer itself rejects these in the forward pass
			}
			row := acc[id]
			if row == nil {
				row = make([]float32, D)
				acc[id] = row
			}
			for k, v := range gv[(n*t+j)*D : (n*t+j+1)*D] {
				row[k] += v
			}
		}
		for id, row := range acc {
			for _, v := range row {
				r.sq[n] += float64(v) * float64(v)
			}
			if full {
				copy(dense[(n*V+id)*D:], row)
			}
		}
	}
	return r
}

// layerNormRule: gamma_b = Σ_t dy_bt ⊙ x̂_bt, beta_b = Σ_t dy_bt, with x̂
// the normalised input.
func layerNormRule(l *nn.LayerNormalization, x, dy *tensor.Tensor, full bool) ruleOut {
	eps := 1e-3
	if e, ok := l.Config()["epsilon"].(float64); ok && e > 0 {
		eps = e
	}
	b := x.Dim(0)
	D := x.Dim(-1)
	t := x.Size() / (b * D)
	xv, gv := x.Data(), dy.Data()
	r := ruleOut{sq: make([]float64, b), grads: map[*tensor.Tensor][]float32{}}
	gg := make([]float32, b*D)
	for n := 0; n < b; n++ {
		for j := 0; j < t; j++ {
			row := xv[(n*t+j)*D : (n*t+j+1)*D]
			var mean, v float64
			for _, a := range row {
				mean += float64(a)
			}
			mean /= float64(D)
			for _, a := range row {
				v += (float64(a) - mean) * (float64(a) - mean)
			}
			inv := 1 / math.Sqrt(v/float64(D)+float64(float32(eps)))
			for k, a := range row {
				gg[n*D+k] += gv[(n*t+j)*D+k] * float32((float64(a)-mean)*inv)
			}
		}
	}
	if l.Gamma != nil {
		addSq(r.sq, gg, b)
		r.grads[l.Gamma] = gg
	}
	if l.Beta != nil {
		bg := sumRows(gv, b, t, D)
		addSq(r.sq, bg, b)
		r.grads[l.Beta] = bg
	}
	return r
}
