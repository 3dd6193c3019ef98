package tensor

import (
	"slices"
	"sync/atomic"

	"github.com/tensile-ml/tensile/backend"
)

// node records how a tensor was computed, for the backward pass.
type node struct {
	op       string
	inputs   []*Tensor
	backward backwardFn
	// slice, when set, says the op is a view of a range of inputs[0] along
	// one axis (Slice, Split's pieces): the engine then adds the output
	// gradient straight into that range of the input's gradient buffer
	// instead of calling backward, which would pad it to the full size.
	slice *sliceRange
}

// sliceRange is the range [start, end) along axis of a Slice.
type sliceRange struct{ axis, start, end int }

// backwardFn maps the gradient of an op's output to the gradients of its
// inputs, in input order. An entry may be nil (no gradient for that input) and
// may have the broadcast output shape: the engine un-broadcasts it to the
// input's shape in one place (Backward), so no op re-derives that.
type backwardFn func(g *Tensor) []*Tensor

var noGrad atomic.Int32

// releasedNode marks a tensor whose graph a Backward pass has released.
var releasedNode = &node{op: "released", backward: func(*Tensor) []*Tensor {
	panic(&ShapeError{Op: "Backward", Msg: "the graph was already released by an earlier Backward; recompute the forward pass (or Detach)"})
}}

// NoGrad runs f with gradient recording switched off process-wide: ops run
// by any goroutine while f runs build no graph. For inference that must not
// affect other goroutines (a server predicting while a model trains), mark
// the input with InferenceMode instead; the engine and package model do.
func NoGrad(f func()) {
	noGrad.Add(1)
	defer noGrad.Add(-1)
	f()
}

// GradEnabled reports whether ops currently record gradients.
func GradEnabled() bool { return noGrad.Load() == 0 }

// InferenceMode marks t so that ops taking it as an input record no graph
// and mark their outputs the same way: a forward pass started from t builds
// no graph, whatever the weights it meets, and unlike NoGrad this affects
// only computations that descend from t. It returns t.
func (t *Tensor) InferenceMode() *Tensor {
	if t.node != nil {
		argErr("InferenceMode", "tensor %v was computed with a graph; use Detach first", t.shape)
	}
	t.inference = true
	return t
}

// IsInference reports whether t was marked by InferenceMode or computed from
// such a tensor.
func (t *Tensor) IsInference() bool { return t.inference }

// record attaches a backward node to out when gradients are enabled, no
// input is in inference mode and some input requires a gradient; otherwise
// it records nothing. It returns out.
func record(out *Tensor, op string, bw backwardFn, inputs ...*Tensor) *Tensor {
	if noGrad.Load() != 0 {
		return out
	}
	need := false
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.inference {
			out.inference = true
			return out
		}
		if in.requiresGrad {
			need = true
		}
	}
	if !need {
		return out
	}
	out.requiresGrad = true
	out.node = &node{op: op, inputs: inputs, backward: bw}
	return out
}

// RequiresGrad reports whether gradients flow to or through t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a weight) as needing a gradient and
// returns it.
func (t *Tensor) SetRequiresGrad(v bool) *Tensor {
	if t.node != nil && !v {
		argErr("SetRequiresGrad", "cannot clear requires-grad on a computed tensor; use Detach")
	}
	t.requiresGrad = v
	return t
}

// Grad returns the gradient accumulated by Backward for a leaf tensor, or nil.
// A row-sparse part (see RowGrad) is first added into it.
func (t *Tensor) Grad() *Tensor {
	if rowLive.Load() != 0 {
		t.mergeRows()
	}
	return t.grad
}

// ZeroGrad drops the accumulated gradient.
func (t *Tensor) ZeroGrad() {
	if t.grad != nil {
		engine.Fill(t.grad.buf, 0)
	}
	if rowLive.Load() != 0 {
		t.dropRows()
	}
}

// Detach returns a view of t that shares storage but has no gradient history.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{buf: t.buf, shape: t.shape, strides: t.strides, offset: t.offset, arena: t.arena}
}

// Op returns the name of the op that computed t, or "" for a leaf.
func (t *Tensor) Op() string {
	if t.node == nil {
		return ""
	}
	return t.node.op
}

// Backward computes the gradient of the scalar t with respect to every leaf
// tensor that requires one and adds it to that leaf's Grad. Gradients
// accumulate across calls until ZeroGrad. The graph is released afterwards:
// calling Backward twice through the same graph is an error.
func (t *Tensor) Backward() { t.BackwardNotify(nil) }

// BackwardWith is Backward for a non-scalar t, seeded with the gradient g of
// some scalar with respect to t (g has t's shape).
func (t *Tensor) BackwardWith(g *Tensor) { t.backward(g, nil) }

// BackwardNotify is Backward that also calls ready(leaf) for every leaf
// tensor of the graph that requires a gradient (every weight the loss
// depends on), as soon as that leaf's gradient from this pass is complete:
// right after the last op that consumes the leaf has passed its gradient
// back, while the rest of the backward pass is still to run. From then on
// the pass no longer touches leaf or its Grad, so ready may hand the
// gradient to another goroutine (data-parallel training starts all-reducing
// it there). ready runs on the goroutine that called BackwardNotify, once
// per leaf, and should return quickly; leaves that require a gradient but
// are not in the graph are not reported. With a nil ready it is Backward.
func (t *Tensor) BackwardNotify(ready func(leaf *Tensor)) {
	if t.Size() != 1 {
		shapeErr("Backward", "is not a scalar; use BackwardWith", t.shape)
	}
	g := empty(t.arena, t.shape...)
	g.buf.Host[0] = 1
	t.backward(g, ready)
}

// backward runs the backward pass from t seeded with g, calling ready (when
// not nil) for each leaf whose gradient is complete.
func (t *Tensor) backward(g *Tensor, ready func(leaf *Tensor)) {
	if !slices.Equal(g.shape, t.shape) {
		shapeErr("Backward", "seed gradient does not match tensor", g.shape, t.shape)
	}
	if !t.requiresGrad {
		argErr("Backward", "tensor %v does not require a gradient", t.shape)
	}
	// Backward functions compute with ops; the seed is in inference mode so
	// that what they compute from it records no graph, without switching
	// recording off for other goroutines.
	if !g.inference {
		g = &Tensor{buf: g.buf, shape: g.shape, strides: g.strides, offset: g.offset, arena: g.arena, inference: true}
	}
	order := topo(t)
	p := &pass{grads: make(map[*Tensor]*Tensor, len(order)), owned: make(map[*Tensor]bool)}
	p.grads[t] = g
	if ready != nil {
		p.pending = consumers(order)
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		gn := p.grads[n]
		delete(p.grads, n)
		delete(p.owned, gn)
		if n.node == nil {
			// A leaf. With ready set, a leaf that has consumers was
			// finished after the last of them (pending -1); only a leaf
			// without any (the root itself) is finished here.
			if p.pending == nil || p.pending[n] == 0 {
				if gn != nil {
					accumulateLeaf(n, gn)
				}
				if ready != nil {
					ready(n)
				}
			}
			continue
		}
		inputs := n.node.inputs
		if gn != nil {
			p.propagate(n, gn)
			n.node = releasedNode // release the tape as we go
		}
		if p.pending == nil {
			continue
		}
		// n has passed its gradient back: a leaf whose last consumer it
		// was has its whole gradient now.
		for _, in := range inputs {
			if in == nil || in.node != nil || p.pending[in] <= 0 {
				continue
			}
			if p.pending[in]--; p.pending[in] > 0 {
				continue
			}
			p.pending[in] = -1
			if gi := p.grads[in]; gi != nil {
				delete(p.grads, in)
				delete(p.owned, gi)
				accumulateLeaf(in, gi)
			}
			ready(in)
		}
	}
}

// pass is the state of one backward pass: the gradients summed so far per
// tensor and, when leaves are reported, each leaf's consumers still to run.
type pass struct {
	grads map[*Tensor]*Tensor
	// owned holds the gradient buffers the engine allocated itself (sums and
	// slice gradients) that no backward function has seen yet: only these
	// are updated in place. A gradient returned by a backward function may
	// alias an input, an output or another gradient (Add passes g to both
	// inputs), so it is never written to.
	owned map[*Tensor]bool
	// pending counts, per leaf that requires a gradient, the input slots of
	// graph nodes not yet run that take it; -1 once the leaf is reported.
	pending map[*Tensor]int
}

// consumers returns, for each leaf requiring a gradient under the graph
// order, how many input slots of order's nodes take it.
func consumers(order []*Tensor) map[*Tensor]int {
	c := make(map[*Tensor]int)
	for _, n := range order {
		if n.node == nil {
			continue
		}
		for _, in := range n.node.inputs {
			if in != nil && in.requiresGrad && in.node == nil {
				c[in]++
			}
		}
	}
	return c
}

// propagate passes n's output gradient gn back to n's inputs, summing it
// into their entries of p.grads.
func (p *pass) propagate(n, gn *Tensor) {
	grads, owned := p.grads, p.owned
	if s := n.node.slice; s != nil {
		if in := n.node.inputs[0]; in.requiresGrad {
			buf := grads[in]
			switch {
			case buf == nil:
				buf = zeros(arenaOf(gn, in), in.shape...)
			case !owned[buf]:
				buf = ownedCopy(arenaOf(gn, in), buf)
			}
			grads[in] = buf
			owned[buf] = true
			addRegion(buf, s, gn)
		}
		return
	}
	gs := n.node.backward(gn)
	for j, in := range n.node.inputs {
		if in == nil || !in.requiresGrad || j >= len(gs) || gs[j] == nil {
			continue
		}
		gi := sumTo(n.node.op, gs[j], in.shape)
		switch prev := grads[in]; {
		case prev == nil:
			grads[in] = gi
		case owned[prev]:
			addInto(prev, gi)
		default:
			sum := Add(prev, gi)
			grads[in] = sum
			owned[sum] = true
		}
	}
}

// ownedCopy returns a contiguous copy of t allocated from arena a.
func ownedCopy(a *Arena, t *Tensor) *Tensor {
	out := empty(a, t.shape...)
	copy(out.buf.Host, t.Data())
	return out
}

// addRegion adds g into the range s of the contiguous buffer buf (g has the
// shape of that range).
func addRegion(buf *Tensor, s *sliceRange, g *Tensor) {
	if g.Size() == 0 {
		return
	}
	base := buf.offset + s.start*buf.strides[s.axis]
	g = g.contiguous()
	d := g.storage()
	last := g.shape[len(g.shape)-1]
	pos := 0
	rows(g.shape, [][]int{buf.strides}, []int{base}, func(offs []int) {
		dst := buf.buf.Slice(offs[0], offs[0]+last)
		engine.Binary(backend.Add, dst, dst, d.Slice(pos, pos+last))
		pos += last
	})
}

func accumulateLeaf(t, g *Tensor) {
	if t.grad == nil {
		t.grad = zeros(nil, t.shape...)
	}
	addInto(t.grad, g)
}

// addInto adds src to dst elementwise (same shape; dst contiguous).
func addInto(dst, src *Tensor) {
	d := dst.storage()
	engine.Binary(backend.Add, d, d, src.contiguous().storage())
}

// topo returns the graph under t in topological order (inputs first).
func topo(t *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: t}}
	seen[t] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node != nil && f.next < len(f.t.node.inputs) {
			in := f.t.node.inputs[f.next]
			f.next++
			if in != nil && in.requiresGrad && !seen[in] {
				seen[in] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

// sumTo reduces g (a broadcast of shape) back to shape by summing over the
// broadcast dimensions. It is the engine's single un-broadcasting step.
func sumTo(op string, g *Tensor, shape []int) *Tensor {
	if slices.Equal(g.shape, shape) {
		return g
	}
	if len(shape) > len(g.shape) {
		shapeErr(op+" backward", "gradient cannot be reduced to input", g.shape, shape)
	}
	lead := len(g.shape) - len(shape)
	var axes []int
	for i := range g.shape {
		if i < lead {
			axes = append(axes, i)
			continue
		}
		s := shape[i-lead]
		if s == g.shape[i] {
			continue
		}
		if s != 1 {
			shapeErr(op+" backward", "gradient cannot be reduced to input", g.shape, shape)
		}
		axes = append(axes, i)
	}
	return Sum(g, axes, true).Reshape(shape...)
}
