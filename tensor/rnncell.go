package tensor

import (
	"github.com/tensile-ml/tensile/internal/kernels"
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
	if len(c.shape) != 2 || len(xz.shape) != 2 || !sameShape(xz.shape, hz.shape) ||
		xz.shape[0] != c.shape[0] || xz.shape[1] != 4*c.shape[1] {
		shapeErr("LSTMCell", "needs xz and hz [B, 4H] and c [B, H]", xz.shape, hz.shape, c.shape)
	}
	B, H := c.shape[0], c.shape[1]
	xz, hz, c = xz.contiguous(), hz.contiguous(), c.contiguous()
	a := arenaOf(xz, hz, c)
	h, cNew = empty(a, B, H), empty(a, B, H)
	act, tc := empty(a, B, 4*H), empty(a, B, H)
	kernels.LSTMCellForward(h.data, cNew.data, act.data, tc.data, xz.Data(), hz.Data(), c.Data(), B, H)

	// h's backward runs first (h depends on cNew) and writes the o block of
	// dz, which cNew's backward completes with the i, f and g blocks. If h
	// gets no gradient, the o block is zero.
	var dz *Tensor
	cNew = record(cNew, "LSTMCell", func(g *Tensor) []*Tensor {
		if dz == nil {
			dz = empty(g.arena, B, 4*H)
			for r := range B {
				clear(dz.data[r*4*H+3*H : (r+1)*4*H])
			}
		}
		var dc *Tensor
		var dcd []float32
		if c.requiresGrad {
			dc = empty(g.arena, B, H)
			dcd = dc.data
		}
		kernels.LSTMCellBackwardC(dz.data, dcd, g.Data(), act.data, c.Data(), B, H)
		return []*Tensor{dz, dz, dc}
	}, xz, hz, c)
	h = record(h, "LSTMCellH", func(g *Tensor) []*Tensor {
		dz = empty(g.arena, B, 4*H)
		dcn := empty(g.arena, B, H)
		kernels.LSTMCellBackwardH(dz.data, dcn.data, g.Data(), act.data, tc.data, B, H)
		return []*Tensor{dcn}
	}, cNew)
	return h, cNew
}
