package optim

import (
	"math"

	"github.com/tensile-ml/tensile/internal/kernels"
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

// rowUpdate updates the rows rows of the parameter p (row width dim) with
// their gradients g (len(rows)·dim values) and the slots of st.
type rowUpdate func(st *paramState, p []float32, rows []int32, g []float32, dim int, lr float32)

// rowGrad returns p's row-sparse gradient when this optimizer updates rows
// and p's gradient is purely row-sparse; nil otherwise.
func (c *core) rowGrad(p *tensor.Tensor) *tensor.RowGrad {
	if c.sparse == nil {
		return nil
	}
	return p.RowGrad()
}

// stepRows is step's body for a parameter with a row-sparse gradient.
func (c *core) stepRows(p *tensor.Tensor, rg *tensor.RowGrad, gscale, lr float32) {
	sh := p.Shape()
	if len(sh) != 2 || sh[1] != rg.Dim || !p.IsContiguous() {
		c.opErr("parameter %q %v cannot take a row-sparse gradient of width %d (need a contiguous [V, %d] table)", p.Name(), sh, rg.Dim, rg.Dim)
	}
	pd := p.Data()
	st := c.state(p, len(pd))
	if st.last == c.iters && st.owner != p {
		c.opErr("two parameters are named %q; names must be unique", p.Name())
	}
	st.owner, st.last = p, c.iters
	g := c.clip(rg.Values, gscale)
	if c.cfg.WeightDecay > 0 && st.decay {
		kernels.ScaleInPlace(pd, 1-lr*c.cfg.WeightDecay)
	}
	c.sparse(st, pd, rg.Rows, g, rg.Dim, lr)
}

// eachRow calls f with each row's offset in p, its slice of p and its
// gradient.
func eachRow(p []float32, rows []int32, g []float32, dim int, f func(r int, pr, gr []float32)) {
	for i, r := range rows {
		f(int(r)*dim, p[int(r)*dim:int(r)*dim+dim], g[i*dim:i*dim+dim])
	}
}

func (o *SGD) rows(st *paramState, p []float32, rows []int32, g []float32, dim int, lr float32) {
	if len(st.slots) == 0 {
		eachRow(p, rows, g, dim, func(_ int, pr, gr []float32) { kernels.SGDUpdate(pr, gr, lr) })
		return
	}
	m := st.slots[0]
	eachRow(p, rows, g, dim, func(off int, pr, gr []float32) {
		kernels.MomentumUpdate(pr, gr, m[off:off+dim], lr, o.momentum, o.nesterov)
	})
}

func (o *Adagrad) rows(st *paramState, p []float32, rows []int32, g []float32, dim int, lr float32) {
	acc := st.slots[0]
	eachRow(p, rows, g, dim, func(off int, pr, gr []float32) {
		kernels.AdagradUpdate(pr, gr, acc[off:off+dim], lr, o.eps)
	})
}

func (o *Adam) rows(st *paramState, p []float32, rows []int32, g []float32, dim int, lr float32) {
	t := float64(o.iters + 1)
	alpha := float32(float64(lr) * math.Sqrt(1-math.Pow(float64(o.b2), t)) / (1 - math.Pow(float64(o.b1), t)))
	m, v := st.slots[0], st.slots[1]
	if o.amsgrad {
		vh := st.slots[2]
		eachRow(p, rows, g, dim, func(off int, pr, gr []float32) {
			e := off + dim
			kernels.AMSGradUpdate(pr, gr, m[off:e], v[off:e], vh[off:e], alpha, o.b1, o.b2, o.eps)
		})
		return
	}
	eachRow(p, rows, g, dim, func(off int, pr, gr []float32) {
		e := off + dim
		kernels.AdamUpdate(pr, gr, m[off:e], v[off:e], alpha, o.b1, o.b2, o.eps)
	})
}
