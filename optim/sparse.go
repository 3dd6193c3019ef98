package optim

import (
	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// Row-sparse updates.
//
// A parameter whose gradient is row-sparse (an embedding table looked up
// with tensor.GatherRows; see tensor.RowGrad) is updated row by row by SGD,
// Adagrad and, when their config sets Lazy, momentum SGD and Adam: only the
// rows looked up since the last ZeroGrad are read and written, so the step
// costs O(rows touched · D), not O(V · D).
//
//   - SGD without momentum and Adagrad give exactly the dense update: the
//     dense update leaves a row with a zero gradient unchanged (Adagrad adds
//     0 to its accumulator). They always take the row path.
//   - Momentum SGD and Adam with Lazy are lazy, as TensorFlow's sparse
//     momentum apply and LazyAdam (and PyTorch's SparseAdam) are: the slots
//     and weights of rows not looked up in a step are left as they are,
//     where the dense update would decay their momentum and keep moving
//     them. A row looked up every step follows the dense update exactly;
//     Adam's bias correction uses the global step count. Laziness changes
//     what is learnt, so it is opt-in: without Lazy these optimizers
//     densify the gradient and match Keras's (dense) update.
//   - Clipping treats the rows as the whole gradient (the other rows are
//     zero), so ClipNorm, GlobalClipNorm and ClipValue give the dense result.
//   - Weight decay shrinks every row of the table, as the dense update
//     does, which costs a pass over the table; exclude embedding tables
//     (ExcludeFromWeightDecay) to keep the step sparse.
//
// RMSprop (whose dense update moves rows with a zero gradient), non-lazy
// momentum SGD and Adam, and user optimizers read Grad, which adds the rows into a dense gradient first: a
// correct dense update at dense cost. So does every optimizer when the
// table also has a dense gradient, e.g. from an L2 regularizer.

// rowUpdate returns the backend update rule an optimizer applies to the
// parameter whose state is st at learning rate lr. The dense path applies it
// to the whole parameter, the row path to each touched row and the same rows
// of the slots, so a row gets exactly the arithmetic of the dense update.
type rowUpdate func(st *paramState, lr float32) backend.Update

// rowGrad returns p's row-sparse gradient when this optimizer updates rows
// and p's gradient is purely row-sparse; nil otherwise.
func (c *core) rowGrad(p *tensor.Tensor) *tensor.RowGrad {
	if c.sparse == nil {
		return nil
	}
	return p.RowGrad()
}

// applyRule applies u to parameter p with gradient g and st's slots (up to
// three, in order).
func applyRule(u backend.Update, st *paramState, p, g backend.Buffer) {
	var s [3]backend.Buffer
	for k := range min(len(st.slots), 3) {
		s[k] = backend.Host(st.slots[k])
	}
	tensor.Backend().ApplyUpdate(u, p, g, s[0], s[1], s[2])
}

// stepRows is step's body for a parameter with a row-sparse gradient.
func (c *core) stepRows(p *tensor.Tensor, rg *tensor.RowGrad, gscale, lr float32) {
	sh := p.Shape()
	if len(sh) != 2 || sh[1] != rg.Dim || !p.IsContiguous() {
		c.opErr("parameter %q %v cannot take a row-sparse gradient of width %d (need a contiguous [V, %d] table)", p.Name(), sh, rg.Dim, rg.Dim)
	}
	be := tensor.Backend()
	pd := p.Buffer()
	st, g := c.prepare(be, p, pd, backend.Host(rg.Values), gscale, lr)
	u := c.sparse(st, lr)
	dim := rg.Dim
	var s [3]backend.Buffer
	for i, r := range rg.Rows {
		off := int(r) * dim
		for k := range min(len(st.slots), 3) {
			s[k] = backend.Host(st.slots[k][off : off+dim])
		}
		be.ApplyUpdate(u, pd.Slice(off, off+dim), g.Slice(i*dim, i*dim+dim), s[0], s[1], s[2])
	}
}
