package tensor

import (
	"slices"

	"github.com/tensile-ml/tensile/backend"
)

// LSTMCell computes one step of an LSTM with sigmoid gates and tanh
// activations in a single fused op. xz and hz are [B, 4H] gate
// pre-activations (the input and recurrent projections, summed here), with
// the gate blocks i, f, g, o side by side along the last axis; c is the
// previous cell state [B, H]. With z = xz + hz:
//
//	i, f, o = σ(z_i), σ(z_f), σ(z_o)   g = tanh(z_g)
//	cNew = f⊙c + i⊙g                  h = o⊙tanh(cNew)
//
// Both outputs are differentiable; their backward passes share the saved
// gate activations, so a step costs two small graph nodes instead of a
// dozen elementwise ops.
func LSTMCell(xz, hz, c *Tensor) (h, cNew *Tensor) {
	if len(c.shape) != 2 || len(xz.shape) != 2 || !slices.Equal(xz.shape, hz.shape) ||
		xz.shape[0] != c.shape[0] || xz.shape[1] != 4*c.shape[1] {
		shapeErr("LSTMCell", "needs xz and hz [B, 4H] and c [B, H]", xz.shape, hz.shape, c.shape)
	}
	B, H := c.shape[0], c.shape[1]
	xz, hz, c = xz.contiguous(), hz.contiguous(), c.contiguous()
	a := arenaOf(xz, hz, c)
	h, cNew = empty(a, B, H), empty(a, B, H)
	act, tc := empty(a, B, 4*H), empty(a, B, H)
	engine.LSTMCell(h.buf, cNew.buf, act.buf, tc.buf, xz.storage(), hz.storage(), c.storage(), B, H)

	// h's backward runs first (h depends on cNew) and writes the o block of
	// dz, which cNew's backward completes with the i, f and g blocks. If h
	// gets no gradient, the o block is zero.
	var dz *Tensor
	cNew = record(cNew, "LSTMCell", func(g *Tensor) []*Tensor {
		if dz == nil {
			dz = empty(g.arena, B, 4*H)
			for r := range B {
				clear(dz.buf.Host[r*4*H+3*H : (r+1)*4*H])
			}
		}
		var dc *Tensor
		var dcb backend.Buffer
		if c.requiresGrad {
			dc = empty(g.arena, B, H)
			dcb = dc.buf
		}
		engine.LSTMCellBackwardC(dz.buf, dcb, g.contiguous().storage(), act.buf, c.storage(), B, H)
		return []*Tensor{dz, dz, dc}
	}, xz, hz, c)
	h = record(h, "LSTMCellH", func(g *Tensor) []*Tensor {
		dz = empty(g.arena, B, 4*H)
		dcn := empty(g.arena, B, H)
		engine.LSTMCellBackwardH(dz.buf, dcn.buf, g.contiguous().storage(), act.buf, tc.buf, B, H)
		return []*Tensor{dcn}
	}, cNew)
	return h, cNew
}

// MatMulBias returns x·w + b for x [M, K], w [K, N] and b [N] (added to
// every row), with the bias fused into the GEMM's store. It is
// Add(MatMul(x, w), b) without the intermediate product.
func MatMulBias(x, w, b *Tensor) *Tensor {
	if len(x.shape) != 2 || len(w.shape) != 2 || len(b.shape) != 1 ||
		x.shape[1] != w.shape[0] || b.shape[0] != w.shape[1] {
		shapeErr("MatMulBias", "needs x [M, K], w [K, N] and b [N]", x.shape, w.shape, b.shape)
	}
	m, k, n := x.shape[0], x.shape[1], w.shape[1]
	ta, lda, ok := gemmOperand(x)
	if !ok {
		x = x.contiguous()
		ta, lda, _ = gemmOperand(x)
	}
	tb, ldb, ok := gemmOperand(w)
	if !ok {
		w = w.contiguous()
		tb, ldb, _ = gemmOperand(w)
	}
	b = b.contiguous()
	out := empty(arenaOf(x, w, b), m, n)
	engine.Gemm(ta, tb, m, n, k, 1, x.buf.Slice(x.offset, x.buf.Len()), lda, w.buf.Slice(w.offset, w.buf.Len()), ldb, 0, out.buf, n,
		b.storage(), false)
	return record(out, "MatMulBias", func(g *Tensor) []*Tensor {
		var gx, gw, gb *Tensor
		if x.requiresGrad {
			gx = MatMul(g, w.Transpose())
		}
		if w.requiresGrad {
			gw = MatMul(x.Transpose(), g)
		}
		if b.requiresGrad {
			gb = Sum(g, []int{0}, false)
		}
		return []*Tensor{gx, gw, gb}
	}, x, w, b)
}

// LSTMSequence runs an LSTM with sigmoid gates and tanh activations (see
// LSTMCell) over T steps as one op, PyTorch's nn.LSTM layer in effect: the
// backward pass runs the whole sequence back with one small GEMM per step
// for the state gradient and a single GEMM for the recurrent kernel's
// gradient, and allocates its buffers once per call.
//
// xp [T, B, 4H] holds the input projections with bias (gate blocks i, f, g,
// o along the last axis), u [H, 4H] is the recurrent kernel and h0, c0
// [B, H] the initial states. Step k reads time t = k, or t = T-1-k with
// reverse, and computes
//
//	z = xp[t] + (h⊙recMask)·u,  (h, c) = LSTMCell step on z and c
//
// where recMask [B, H] (nil: none) is a constant recurrent dropout mask.
// With mask [T, B] (nil: none; constant), sample b keeps its previous h and c
// at a time t where mask[t, b] is 0. It returns the h of every step in
// processing order, hs [T, B, H], and the last cell state c [B, H]; both
// are differentiable with respect to xp, u, h0 and c0.
func LSTMSequence(xp, u, h0, c0, recMask, mask *Tensor, reverse bool) (hs, c *Tensor) {
	if len(xp.shape) != 3 || len(u.shape) != 2 || len(h0.shape) != 2 || !slices.Equal(h0.shape, c0.shape) ||
		u.shape[1] != 4*u.shape[0] || xp.shape[2] != u.shape[1] || h0.shape[0] != xp.shape[1] || h0.shape[1] != u.shape[0] {
		shapeErr("LSTMSequence", "needs xp [T, B, 4H], u [H, 4H], h0 and c0 [B, H]", xp.shape, u.shape, h0.shape, c0.shape)
	}
	T, B, H := xp.shape[0], xp.shape[1], u.shape[0]
	if recMask != nil && !slices.Equal(recMask.shape, h0.shape) {
		shapeErr("LSTMSequence", "recurrent mask must be [B, H]", recMask.shape, h0.shape)
	}
	if mask != nil && !slices.Equal(mask.shape, []int{T, B}) {
		shapeErr("LSTMSequence", "mask must be [T, B]", mask.shape, xp.shape)
	}
	xp, u, h0, c0 = xp.contiguous(), u.contiguous(), h0.contiguous(), c0.contiguous()
	var rm, mk backend.Buffer
	if recMask != nil {
		rm = recMask.contiguous().storage()
	}
	if mask != nil {
		mk = mask.contiguous().storage()
	}
	W := 4 * H
	a := arenaOf(xp, u, h0, c0)
	out := empty(a, T+1, B, H) // hs, then the final c
	act := empty(a, T, B, W)   // activated gates, in time order
	tc := empty(a, T, B, H)    // tanh(c), in time order
	cs := empty(a, T, B, H)    // c after each step, in time order
	hp := empty(a, T, B, H)    // the (masked) h each step multiplies by u, in time order
	z := empty(a, B, W)
	seq := backend.LSTMSeq{T: T, B: B, H: H, Reverse: reverse,
		Xp: xp.storage(), U: u.storage(), H0: h0.storage(), C0: c0.storage(), RecMask: rm, Mask: mk,
		Out: out.buf, Act: act.buf, Tc: tc.buf, Cs: cs.buf, Hp: hp.buf, Z: z.buf}
	engine.LSTMSequence(seq)

	out = record(out, "LSTMSequence", func(g *Tensor) []*Tensor {
		g = g.contiguous()
		ga := g.arena
		dz := empty(ga, T, B, W) // in time order, the gradient of xp
		dh, dc := empty(ga, B, H), empty(ga, B, H)
		var gu *Tensor
		gr := backend.LSTMSeqGrad{G: g.storage(), Dz: dz.buf, Dh: dh.buf, Dc: dc.buf,
			DhP: scratch(ga, B*H), DcP: scratch(ga, B*H), Dcn: scratch(ga, B*H)}
		if u.requiresGrad {
			gu = empty(ga, H, W)
			gr.GU = gu.buf
		}
		engine.LSTMSequenceBackward(seq, gr)
		return []*Tensor{dz, gu, dh, dc}
	}, xp, u, h0, c0)
	return out.Slice(0, 0, T), out.Slice(0, T, T+1).Reshape(B, H)
}

// GRUSequence runs a GRU in PyTorch's form (reset_after: the reset gate
// multiplies the recurrent projection; sigmoid gates, tanh candidate) over
// T steps as one op, like LSTMSequence. xp [T, B, 3H] holds the input
// projections with the input bias (gate blocks z, r, h̃), u [H, 3H] is the
// recurrent kernel, rb [3H] the recurrent bias (nil: none) and h0 [B, H]
// the initial state. Step k reads time t = k (t = T-1-k with reverse):
//
//	q = (h⊙recMask)·u + rb
//	z = σ(xp_z + q_z)   r = σ(xp_r + q_r)   h̃ = tanh(xp_h + r⊙q_h)
//	h = h̃ + z⊙(h - h̃)
//
// recMask [B, H] and mask [T, B] are as in LSTMSequence (nil: none). It
// returns the h of every step in processing order, hs [T, B, H],
// differentiable with respect to xp, u, rb and h0.
func GRUSequence(xp, u, rb, h0, recMask, mask *Tensor, reverse bool) *Tensor {
	if len(xp.shape) != 3 || len(u.shape) != 2 || len(h0.shape) != 2 ||
		u.shape[1] != 3*u.shape[0] || xp.shape[2] != u.shape[1] || h0.shape[0] != xp.shape[1] || h0.shape[1] != u.shape[0] ||
		(rb != nil && !slices.Equal(rb.shape, []int{u.shape[1]})) {
		shapes := [][]int{xp.shape, u.shape, h0.shape}
		if rb != nil {
			shapes = append(shapes, rb.shape)
		}
		shapeErr("GRUSequence", "needs xp [T, B, 3H], u [H, 3H], rb [3H] and h0 [B, H]", shapes...)
	}
	T, B, H := xp.shape[0], xp.shape[1], u.shape[0]
	if recMask != nil && !slices.Equal(recMask.shape, h0.shape) {
		shapeErr("GRUSequence", "recurrent mask must be [B, H]", recMask.shape, h0.shape)
	}
	if mask != nil && !slices.Equal(mask.shape, []int{T, B}) {
		shapeErr("GRUSequence", "mask must be [T, B]", mask.shape, xp.shape)
	}
	xp, u, h0 = xp.contiguous(), u.contiguous(), h0.contiguous()
	var rbb, rm, mk backend.Buffer
	inputs := []*Tensor{xp, u, h0}
	if rb != nil {
		rb = rb.contiguous()
		rbb = rb.storage()
		inputs = append(inputs, rb)
	}
	if recMask != nil {
		rm = recMask.contiguous().storage()
	}
	if mask != nil {
		mk = mask.contiguous().storage()
	}
	W := 3 * H
	a := arenaOf(inputs...)
	hs := empty(a, T, B, H)
	act := empty(a, T, B, W) // z, r, h̃ in time order
	qs := empty(a, T, B, W)  // recurrent projections in time order
	hp := empty(a, T, B, H)  // the (masked) h each step multiplies by u, in time order
	seq := backend.GRUSeq{T: T, B: B, H: H, Reverse: reverse,
		Xp: xp.storage(), U: u.storage(), Rb: rbb, H0: h0.storage(), RecMask: rm, Mask: mk,
		Hs: hs.buf, Act: act.buf, Qs: qs.buf, Hp: hp.buf}
	engine.GRUSequence(seq)
	return record(hs, "GRUSequence", func(g *Tensor) []*Tensor {
		g = g.contiguous()
		ga := g.arena
		dx := empty(ga, T, B, W) // in time order
		dh := empty(ga, B, H)
		gr := backend.GRUSeqGrad{G: g.storage(), Dx: dx.buf, Dq: scratch(ga, T*B*W), Dh: dh.buf,
			DhP: scratch(ga, B*H), Dhd: scratch(ga, B*H)}
		var gu, grb *Tensor
		if u.requiresGrad {
			gu = empty(ga, H, W)
			gr.GU = gu.buf
		}
		if rb != nil && rb.requiresGrad {
			grb = empty(ga, W)
			gr.GRb = grb.buf
		}
		engine.GRUSequenceBackward(seq, gr)
		return []*Tensor{dx, gu, dh, grb}
	}, inputs...)
}
