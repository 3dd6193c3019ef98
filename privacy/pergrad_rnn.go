package privacy

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Per-example gradients of the recurrent layers (SimpleRNN, LSTM, GRU in
// both reset_after variants, and Bidirectional around any of them).
//
// Every weight gradient of a recurrent layer is a sum over time of outer
// products: with z_t = x_t·W + a_t·U + b the gate pre-activations,
//
//	kernel W:           Σ_t x_t ⊗ dz_t   (one GEMM X_iᵀ·dZ_i per example)
//	recurrent kernel U: Σ_t a_t ⊗ dq_t   (a_t the vector multiplied by U)
//	bias b:             Σ_t dz_t
//
// The per-example pass reruns the layer's recurrence with the input
// projections of all steps (x·W + b, time-major [T, B, G·H]) as a leaf of
// the tape: on the fused tensor.LSTMSequence / tensor.GRUSequence op where
// the layer uses it (tanh and sigmoid; GRU reset_after), else step by step
// from the same primitives as the layer's own step. The leaf's gradient is
// dz_t for every example and step at once, one backward pass for the whole
// batch. The recurrent side follows from it: dq_t = dz_t for SimpleRNN,
// LSTM and reset_before GRU; a reset_after GRU multiplies its candidate
// block by the reset gate r_t (h̃ = tanh(x·W_h + b_h + r⊙(h·U_h + b'_h))),
// so dq_t's candidate block is dz_t ⊙ r_t. a_t is h_{t-1} (for
// reset_before GRU's candidate block r_t⊙h_{t-1}), recorded in the forward
// pass; the fused GRU's r_t is recomputed from the projections and a_t.
// Masked steps carry the state through, so their dz_t is zero and they add
// nothing.
//
// The norm of X_iᵀ·dZ_i ([in, out] per example) comes either from the
// product itself (B·T·in·out multiply-adds) or, when cheaper, from the
// per-example Gram matrices, ‖X_iᵀ dZ_i‖² = Σ_{t,s} (x_t·x_s)(dz_t·dz_s)
// (B·T²·(in+out)).

// rnnCell is one direction of a recurrent layer: its weights and the
// configuration its recurrence needs.
type rnnCell struct {
	class                   string
	kernel, recurrent, bias *tensor.Tensor
	act, recAct             nn.Activation
	units, gates            int
	resetAfter, backwards   bool
	returnSeq               bool
	// fused: an LSTM, or a reset_after GRU, with tanh and sigmoid gates,
	// which runs on the fused tensor.LSTMSequence or tensor.GRUSequence op
	// as in the layer's own forward pass.
	fused bool
}

// rnnDir is one direction's record of a per-example pass.
type rnnDir struct {
	cell rnnCell
	col  int              // offset of its projections in the segment's leaf
	a    []*tensor.Tensor // per time t: the [B, H] vector multiplied by U
	ra   []*tensor.Tensor // reset_before GRU, per t: r_t⊙h_{t-1}
	r    []*tensor.Tensor // reset_after GRU, per t: the reset gate r_t
}

// rnnTrace is a recurrent layer's record of a per-example pass.
type rnnTrace struct{ dirs []*rnnDir }

// recurrentCells returns the directions of the recurrent layer l, or an
// error naming it when DP-SGD cannot train it.
func recurrentCells(l nn.Layer) ([]rnnCell, error) {
	var inner []nn.Layer
	if b, ok := l.(*nn.Bidirectional); ok {
		fw, bw := b.Layers()
		inner = []nn.Layer{fw, bw}
	} else {
		inner = []nn.Layer{l}
	}
	cells := make([]rnnCell, len(inner))
	for i, r := range inner {
		c, err := cellOf(r)
		if err != nil {
			return nil, fmt.Errorf("privacy: layer %q (%s): %w", l.Name(), l.ClassName(), err)
		}
		cells[i] = c
	}
	return cells, nil
}

func cellOf(l nn.Layer) (rnnCell, error) {
	c := rnnCell{class: l.ClassName()}
	switch v := l.(type) {
	case *nn.SimpleRNN:
		c.kernel, c.recurrent, c.bias, c.gates = v.Kernel, v.RecurrentKernel, v.Bias, 1
	case *nn.LSTM:
		c.kernel, c.recurrent, c.bias, c.gates = v.Kernel, v.RecurrentKernel, v.Bias, 4
	case *nn.GRU:
		c.kernel, c.recurrent, c.bias, c.gates = v.Kernel, v.RecurrentKernel, v.Bias, 3
	default:
		return c, fmt.Errorf("wraps %s, which has no per-example gradient rule", l.ClassName())
	}
	if c.kernel == nil || c.recurrent == nil {
		return c, fmt.Errorf("layer %q is not built", l.Name())
	}
	cfg := l.Config()
	if d, _ := cfg["dropout"].(float64); d > 0 {
		return c, fmt.Errorf("DP-SGD models must not use dropout (dropout %g)", d)
	}
	if d, _ := cfg["recurrent_dropout"].(float64); d > 0 {
		return c, fmt.Errorf("DP-SGD models must not use dropout (recurrent_dropout %g)", d)
	}
	var err error
	act, _ := cfg["activation"].(string)
	if c.act, err = nn.ActivationByName(act); err != nil {
		return c, err
	}
	if c.gates > 1 {
		ra, _ := cfg["recurrent_activation"].(string)
		if c.recAct, err = nn.ActivationByName(ra); err != nil {
			return c, err
		}
	}
	c.units = c.recurrent.Dim(0)
	c.resetAfter = c.class == "GRU" && c.bias != nil && c.bias.Dims() == 2
	if c.class == "GRU" && c.bias == nil {
		// Without a bias the two GRU variants still differ in where r acts.
		rb, _ := cfg["reset_before"].(bool)
		c.resetAfter = !rb
	}
	c.backwards, _ = cfg["go_backwards"].(bool)
	c.returnSeq, _ = cfg["return_sequences"].(bool)
	c.fused = (c.class == "LSTM" || c.class == "GRU" && c.resetAfter) &&
		act == "tanh" && cfg["recurrent_activation"] == "sigmoid"
	return c, nil
}

// activate applies f, or nothing for the linear activation (nil).
func activate(f nn.Activation, x *tensor.Tensor) *tensor.Tensor {
	if f == nil {
		return x
	}
	return f(x)
}

// forwardMasked runs l on x, under mask when l honours one.
func forwardMasked(l nn.Layer, x, mask *tensor.Tensor) *tensor.Tensor {
	if mc, ok := l.(nn.MaskConsumer); ok && mask != nil {
		return mc.ForwardMasked(x, mask, false)
	}
	return l.Forward(x, false)
}

// nextMask returns the padding mask after layer l (input in, output out)
// given the mask before it, as model.Model propagates masks.
func nextMask(l nn.Layer, in, out, mask *tensor.Tensor) *tensor.Tensor {
	if p, ok := l.(nn.MaskProducer); ok {
		return p.ComputeMask(in, mask)
	}
	if mask == nil || !model.MaskPasses(l.ClassName(), in.Shape()[1:], out.Shape()[1:]) {
		return nil
	}
	return mask
}

// rnnForward runs the recurrent layer l on x [B, T, D] under an optional
// [B, T] mask for the per-example pass. It returns the trace, the input
// projections of every direction side by side (pre, [T, B, Σ G·H], a graph
// from x), the same as a leaf (zl) and the layer's output computed from zl.
func rnnForward(l nn.Layer, x, mask *tensor.Tensor) (tr *rnnTrace, pre, zl, out *tensor.Tensor) {
	cells, err := recurrentCells(l)
	if err != nil {
		panic(err) // NewPerExample checked the layer
	}
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	xt := x.Permute(1, 0, 2).Reshape(T*B, D)
	tr = &rnnTrace{}
	var pres []*tensor.Tensor
	col := 0
	for _, c := range cells {
		p := tensor.MatMul(xt, c.kernel)
		if c.bias != nil {
			if c.resetAfter {
				p = tensor.Add(p, c.bias.Slice(0, 0, 1))
			} else {
				p = tensor.Add(p, c.bias)
			}
		}
		pres = append(pres, p)
		tr.dirs = append(tr.dirs, &rnnDir{cell: c, col: col})
		col += c.gates * c.units
	}
	pre = pres[0]
	if len(pres) > 1 {
		pre = tensor.Concat(-1, pres...)
	}
	pre = pre.Reshape(T, B, col)
	zl = pre.Detach().SetRequiresGrad(true)
	var cols []*tensor.Tensor // mask columns [B, 1]
	var maskTB *tensor.Tensor // mask [T, B], for the fused op
	if mask != nil {
		maskTB = mask.Detach().Transpose().Contiguous()
		mv := mask.Contiguous().Data()
		for t := range T {
			c := make([]float32, B)
			for b := range c {
				c[b] = mv[b*T+t]
			}
			cols = append(cols, tensor.FromSlice(c, B, 1))
		}
	}
	var ys []*tensor.Tensor
	for _, d := range tr.dirs {
		xp := zl.Slice(2, d.col, d.col+d.cell.gates*d.cell.units)
		if d.cell.fused {
			ys = append(ys, d.runFused(xp, maskTB))
		} else {
			ys = append(ys, d.run(xp, cols))
		}
	}
	out = ys[0]
	if b, ok := l.(*nn.Bidirectional); ok {
		out = b.Merge(ys[0], ys[1])
	}
	return tr, pre, zl, out
}

// run is the recurrence of one direction from its input projections xp
// [T, B, G·H] (bias included), the same math as the layer's own step, and
// records what the rule needs.
func (d *rnnDir) run(xp *tensor.Tensor, mask []*tensor.Tensor) *tensor.Tensor {
	c := &d.cell
	T, B, H, G := xp.Dim(0), xp.Dim(1), c.units, c.gates
	u := make([]*tensor.Tensor, G)
	for g := range G {
		u[g] = c.recurrent.Slice(1, g*H, (g+1)*H)
	}
	var rb []*tensor.Tensor
	if c.resetAfter && c.bias != nil {
		for g := range G {
			rb = append(rb, c.bias.Slice(0, 1, 2).Reshape(G*H).Slice(0, g*H, (g+1)*H))
		}
	}
	d.a = make([]*tensor.Tensor, T)
	if c.class == "GRU" {
		if c.resetAfter {
			d.r = make([]*tensor.Tensor, T)
		} else {
			d.ra = make([]*tensor.Tensor, T)
		}
	}
	h := xp.Arena().Zeros(B, H)
	var cs *tensor.Tensor
	if c.class == "LSTM" {
		cs = xp.Arena().Zeros(B, H)
	}
	outs := make([]*tensor.Tensor, 0, T)
	for k := range T {
		t := k
		if c.backwards {
			t = T - 1 - k
		}
		d.a[t] = h
		xt := xp.Slice(0, t, t+1).Squeeze(0)
		x := func(g int) *tensor.Tensor { return xt.Slice(1, g*H, (g+1)*H) }
		z := func(g int) *tensor.Tensor { return tensor.Add(x(g), tensor.MatMul(h, u[g])) }
		var hn, cn *tensor.Tensor
		switch c.class {
		case "LSTM":
			i, f, cc, o := activate(c.recAct, z(0)), activate(c.recAct, z(1)), activate(c.act, z(2)), activate(c.recAct, z(3))
			cn = tensor.Add(tensor.Mul(f, cs), tensor.Mul(i, cc))
			hn = tensor.Mul(o, activate(c.act, cn))
		case "GRU":
			var zg, r, hh *tensor.Tensor
			if c.resetAfter {
				zp, rp, inner := z(0), z(1), tensor.MatMul(h, u[2])
				if rb != nil {
					zp, rp, inner = tensor.Add(zp, rb[0]), tensor.Add(rp, rb[1]), tensor.Add(inner, rb[2])
				}
				zg, r = activate(c.recAct, zp), activate(c.recAct, rp)
				d.r[t] = r
				hh = activate(c.act, tensor.Add(x(2), tensor.Mul(r, inner)))
			} else {
				zg, r = activate(c.recAct, z(0)), activate(c.recAct, z(1))
				d.ra[t] = tensor.Mul(r, h)
				hh = activate(c.act, tensor.Add(x(2), tensor.MatMul(d.ra[t], u[2])))
			}
			hn = tensor.Add(hh, tensor.Mul(zg, tensor.Sub(h, hh)))
		default:
			hn = activate(c.act, z(0))
		}
		if mask != nil {
			hn = tensor.Where(mask[t], hn, h)
			if cn != nil {
				cn = tensor.Where(mask[t], cn, cs)
			}
		}
		h, cs = hn, cn
		outs = append(outs, h)
	}
	if c.returnSeq {
		return tensor.Stack(1, outs...)
	}
	return outs[len(outs)-1]
}

// runFused is run for a fused cell: one tensor.LSTMSequence or
// tensor.GRUSequence op, whose gradient at xp is dz; a_t is the h of the
// step before, and a GRU's reset gate is recomputed from xp and a_t.
func (d *rnnDir) runFused(xp, maskTB *tensor.Tensor) *tensor.Tensor {
	c := &d.cell
	T, B, H := xp.Dim(0), xp.Dim(1), c.units
	h0 := xp.Arena().Zeros(B, H)
	var hs, rb *tensor.Tensor
	if c.class == "LSTM" {
		hs, _ = tensor.LSTMSequence(xp, c.recurrent, h0, xp.Arena().Zeros(B, H), nil, maskTB, c.backwards)
	} else {
		if c.bias != nil {
			rb = c.bias.Slice(0, 1, 2).Reshape(3 * H)
		}
		hs = tensor.GRUSequence(xp, c.recurrent, rb, h0, nil, maskTB, c.backwards)
	}
	d.a = make([]*tensor.Tensor, T)
	prev := h0
	for k := range T {
		t := k
		if c.backwards {
			t = T - 1 - k
		}
		d.a[t] = prev
		prev = hs.Slice(0, k, k+1).Squeeze(0)
	}
	if c.class == "GRU" { // r_t = σ(xp_r + a_t·U_r + b'_r)
		d.r = make([]*tensor.Tensor, T)
		xr := xp.Detach().Slice(2, H, 2*H)
		ur := c.recurrent.Slice(1, H, 2*H)
		for t := range T {
			z := tensor.Add(xr.Slice(0, t, t+1).Squeeze(0), tensor.MatMul(d.a[t].Detach(), ur))
			if rb != nil {
				z = tensor.Add(z, rb.Slice(0, H, 2*H))
			}
			d.r[t] = tensor.Sigmoid(z)
		}
	}
	if c.returnSeq {
		return hs.Permute(1, 0, 2)
	}
	return prev
}

// rnnRule gives the per-example weight gradients (or their squared norms)
// of a recurrent layer from its trace and dz, the gradient at the segment's
// leaf of input projections [T, B, Σ G·H].
func rnnRule(a *tensor.Arena, x *tensor.Tensor, tr *rnnTrace, dz *tensor.Tensor, full bool) ruleOut {
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	xv := x.Contiguous().Data()
	gv := dz.Contiguous().Data()
	W := dz.Dim(2)
	r := ruleOut{sq: make([]float64, B), grads: map[*tensor.Tensor][]float32{}}
	for _, d := range tr.dirs {
		c := &d.cell
		H, GH := c.units, c.gates*c.units
		// This direction's dz, batch-major [B, T, GH].
		dzb := a.Uninit(B, T, GH).Data()
		for t := range T {
			for b := range B {
				copy(dzb[(b*T+t)*GH:(b*T+t+1)*GH], gv[(t*B+b)*W+d.col:])
			}
		}
		// dq: the gradient at a_t·U (+ b'), batch-major.
		dq := dzb
		if d.r != nil {
			dq = a.Uninit(B, T, GH).Data()
			copy(dq, dzb)
			rv := batchMajor(a, d.r, B, H)
			for bt := range B * T {
				for j := range H {
					dq[bt*GH+2*H+j] *= rv[bt*H+j]
				}
			}
		}
		kg := outerRule(a, r.sq, xv, dzb, B, T, D, GH, full)
		var rg []float32
		av := batchMajor(a, d.a, B, H)
		if d.ra == nil {
			rg = outerRule(a, r.sq, av, dq, B, T, H, GH, full)
		} else {
			// reset_before GRU: the candidate block multiplies r⊙h.
			zr := sliceCols(a, dq, B*T, GH, 0, 2*H)
			hh := sliceCols(a, dq, B*T, GH, 2*H, GH)
			g1 := outerRule(a, r.sq, av, zr, B, T, H, 2*H, full)
			g2 := outerRule(a, r.sq, batchMajor(a, d.ra, B, H), hh, B, T, H, H, full)
			if full {
				rg = make([]float32, B*H*GH)
				for row := range B * H {
					copy(rg[row*GH:], g1[row*2*H:(row+1)*2*H])
					copy(rg[row*GH+2*H:], g2[row*H:(row+1)*H])
				}
			}
		}
		if full {
			r.grads[c.kernel], r.grads[c.recurrent] = kg, rg
		}
		if c.bias == nil {
			continue
		}
		bg := sumRows(dzb, B, T, GH)
		addSq(r.sq, bg, B)
		if c.resetAfter {
			qg := sumRows(dq, B, T, GH)
			addSq(r.sq, qg, B)
			if full {
				both := make([]float32, 0, 2*B*GH)
				for b := range B {
					both = append(both, bg[b*GH:(b+1)*GH]...)
					both = append(both, qg[b*GH:(b+1)*GH]...)
				}
				bg = both
			}
		}
		if full {
			r.grads[c.bias] = bg
		}
	}
	return r
}

// batchMajor lays the per-time [B, n] tensors ts out as [B, T, n].
func batchMajor(a *tensor.Arena, ts []*tensor.Tensor, B, n int) []float32 {
	T := len(ts)
	out := a.Uninit(B, T, n).Data()
	for t, v := range ts {
		vd := v.Contiguous().Data()
		for b := range B {
			copy(out[(b*T+t)*n:(b*T+t+1)*n], vd[b*n:(b+1)*n])
		}
	}
	return out
}

// sliceCols returns columns [from, to) of the row-major [rows, w] matrix m.
func sliceCols(a *tensor.Arena, m []float32, rows, w, from, to int) []float32 {
	n := to - from
	out := a.Uninit(rows, n).Data()
	for i := range rows {
		copy(out[i*n:(i+1)*n], m[i*w+from:i*w+to])
	}
	return out
}

// outerRule adds ‖Σ_t x_bt ⊗ g_bt‖² to sq[b] for x [B, T, in] and g
// [B, T, out], and with full returns the products [B, in, out]. For the
// norm alone it uses the per-example Gram matrices when
// T·(in+out) < in·out.
func outerRule(a *tensor.Arena, sq []float64, x, g []float32, B, T, in, out int, full bool) []float32 {
	xt, gt := a.FromSlice(x, B, T, in), a.FromSlice(g, B, T, out)
	if !full && T*(in+out) < in*out {
		gx := tensor.MatMul(xt, xt.Transpose()).Data()
		gg := tensor.MatMul(gt, gt.Transpose()).Data()
		for b := range B {
			var s float64
			for i, v := range gx[b*T*T : (b+1)*T*T] {
				s += float64(v) * float64(gg[b*T*T+i])
			}
			sq[b] += math.Max(s, 0)
		}
		return nil
	}
	p := tensor.MatMul(xt.Transpose(), gt).Data()
	addSq(sq, p, B)
	return p // arena memory; Gradients copies it
}
