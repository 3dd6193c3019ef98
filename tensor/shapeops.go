package tensor

import (
	"fmt"
	"slices"

	"github.com/tensile-ml/tensile/backend"
)

// This file holds the ops that cut, join and rearrange tensors: Concat,
// Stack, Split, Slice, Squeeze, Unsqueeze, Take, Pad, Tile and Repeat.
// Slice, Squeeze and Unsqueeze return views; the others copy.

// shapesOf lists the shapes of ts, for error messages.
func shapesOf(ts []*Tensor) [][]int {
	s := make([][]int, len(ts))
	for i, t := range ts {
		s[i] = t.shape
	}
	return s
}

// Concat joins tensors along axis. They must have the same number of
// dimensions and the same sizes outside axis. The gradient of each input is
// its slice of the output gradient.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		argErr("Concat", "needs at least one tensor")
	}
	nd := len(ts[0].shape)
	if nd == 0 {
		shapeErr("Concat", "cannot concatenate 0-d tensors", shapesOf(ts)...)
	}
	axis = normAxis("Concat", axis, nd)
	total := 0
	for _, t := range ts {
		ok := len(t.shape) == nd
		for i := 0; ok && i < nd; i++ {
			ok = i == axis || t.shape[i] == ts[0].shape[i]
		}
		if !ok {
			shapeErr("Concat", fmt.Sprintf("do not match outside axis %d", axis), shapesOf(ts)...)
		}
		total += t.shape[axis]
	}
	sh := append([]int(nil), ts[0].shape...)
	sh[axis] = total
	out := empty(arenaOf(ts...), sh...)
	pre, _, post := splitAt(sh, axis)
	row := total * post
	srcs := make([]*Tensor, len(ts))
	starts := make([]int, len(ts))
	off, start := 0, 0
	for i, t := range ts {
		c := t.contiguous()
		srcs[i] = c
		starts[i] = start
		start += t.shape[axis]
		w := t.shape[axis] * post
		d := c.Data()
		for p := 0; p < pre; p++ {
			copy(out.buf.Host[p*row+off:p*row+off+w], d[p*w:p*w+w])
		}
		off += w
	}
	return record(out, "Concat", func(g *Tensor) []*Tensor {
		gs := make([]*Tensor, len(srcs))
		for i, s := range srcs {
			if s.requiresGrad {
				gs[i] = g.Slice(axis, starts[i], starts[i]+s.shape[axis])
			}
		}
		return gs
	}, srcs...)
}

// Stack joins tensors of equal shape along a new axis, which may be
// 0..Dims() (negative counts from the end of the result's dimensions).
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		argErr("Stack", "needs at least one tensor")
	}
	axis = normAxis("Stack", axis, len(ts[0].shape)+1)
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			shapeErr("Stack", "do not match", shapesOf(ts)...)
		}
		us[i] = t.Unsqueeze(axis)
	}
	return Concat(axis, us...)
}

// Split cuts x along axis into pieces of the given sizes, which must sum to
// the axis length. The pieces are views of x (see Slice).
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	if len(x.shape) == 0 {
		shapeErr("Split", "has no axis to split", x.shape)
	}
	axis = normAxis("Split", axis, len(x.shape))
	total := 0
	for _, s := range sizes {
		if s < 0 {
			shapeErr("Split", fmt.Sprintf("cannot split axis %d into sizes %v", axis, sizes), x.shape)
		}
		total += s
	}
	if len(sizes) == 0 || total != x.shape[axis] {
		shapeErr("Split", fmt.Sprintf("cannot split axis %d into sizes %v", axis, sizes), x.shape)
	}
	out := make([]*Tensor, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = x.Slice(axis, off, off+s)
		off += s
	}
	return out
}

// Slice returns the view of t with indices start <= i < end along axis,
// sharing t's storage. Negative start and end count from the end of the
// axis (-1 is the last index); pass t.Dim(axis) as end to slice to the end.
// Unlike Python, it panics when the range does not lie within the axis
// instead of clamping. The gradient is the output gradient padded with
// zeros back to t's shape; Backward adds it straight into that range of t's
// gradient, so the pieces of a Split cost no full-size padding.
func (t *Tensor) Slice(axis, start, end int) *Tensor {
	nd := len(t.shape)
	if nd == 0 {
		shapeErr("Slice", "has no axis to slice", t.shape)
	}
	axis = normAxis("Slice", axis, nd)
	n := t.shape[axis]
	s, e := start, end
	if s < 0 {
		s += n
	}
	if e < 0 {
		e += n
	}
	if s < 0 || e > n || s > e {
		shapeErr("Slice", fmt.Sprintf("range [%d:%d] is out of bounds for axis %d", start, end, axis), t.shape)
	}
	sh := append([]int(nil), t.shape...)
	sh[axis] = e - s
	out := &Tensor{buf: t.buf, shape: sh, strides: append([]int(nil), t.strides...),
		offset: t.offset + s*t.strides[axis], arena: t.arena}
	pads := make([][2]int, nd)
	pads[axis] = [2]int{s, n - e}
	out = record(out, "Slice", func(g *Tensor) []*Tensor { return []*Tensor{Pad(g, pads, 0)} }, t)
	if out.node != nil {
		out.node.slice = &sliceRange{axis: axis, start: s, end: e}
	}
	return out
}

// Squeeze removes the given axes, which must have size 1, or with no axes
// every axis of size 1. The result is a view.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	nd := len(t.shape)
	drop := make([]bool, nd)
	if len(axes) == 0 {
		for i, d := range t.shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		a = normAxis("Squeeze", a, nd)
		if t.shape[a] != 1 {
			shapeErr("Squeeze", fmt.Sprintf("axis %d has size %d, not 1", a, t.shape[a]), t.shape)
		}
		drop[a] = true
	}
	sh, st := []int{}, []int{}
	for i := range t.shape {
		if !drop[i] {
			sh = append(sh, t.shape[i])
			st = append(st, t.strides[i])
		}
	}
	out := &Tensor{buf: t.buf, shape: sh, strides: st, offset: t.offset, arena: t.arena}
	orig := t.shape
	return record(out, "Squeeze", func(g *Tensor) []*Tensor { return []*Tensor{g.Reshape(orig...)} }, t)
}

// Unsqueeze inserts an axis of size 1 at position axis, 0..Dims() (negative
// counts from the end of the result's dimensions). The result is a view.
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	nd := len(t.shape)
	axis = normAxis("Unsqueeze", axis, nd+1)
	stride := 1
	if axis < nd {
		stride = t.strides[axis] * t.shape[axis]
	}
	sh := slices.Insert(slices.Clone(t.shape), axis, 1)
	st := slices.Insert(slices.Clone(t.strides), axis, stride)
	out := &Tensor{buf: t.buf, shape: sh, strides: st, offset: t.offset, arena: t.arena}
	orig := t.shape
	return record(out, "Unsqueeze", func(g *Tensor) []*Tensor { return []*Tensor{g.Reshape(orig...)} }, t)
}

// Take gathers the slices of x at the given indices along axis: the result
// has x's shape with that axis replaced by len(indices). Indices may repeat;
// each must lie in [0, x.Dim(axis)) (negative indices are out of range). The
// gradient scatter-adds into x, so repeated indices accumulate. An
// embedding lookup is Take(table, 0, ids), giving [len(ids), D].
func Take(x *Tensor, axis int, indices []int) *Tensor {
	if len(x.shape) == 0 {
		shapeErr("Take", "has no axis to take from", x.shape)
	}
	axis = normAxis("Take", axis, len(x.shape))
	n := x.shape[axis]
	for j, ix := range indices {
		if ix < 0 || ix >= n {
			shapeErr("Take", fmt.Sprintf("index %d (position %d) is out of range [0, %d) for axis %d", ix, j, n, axis), x.shape)
		}
	}
	idx := slices.Clone(indices)
	src := x.contiguous()
	sh := append([]int(nil), x.shape...)
	sh[axis] = len(idx)
	out := empty(x.arena, sh...)
	pre, _, post := splitAt(x.shape, axis)
	d := src.Data()
	k := len(idx)
	for p := 0; p < pre; p++ {
		for j, ix := range idx {
			o := (p*k + j) * post
			s := (p*n + ix) * post
			copy(out.buf.Host[o:o+post], d[s:s+post])
		}
	}
	return record(out, "Take", func(g *Tensor) []*Tensor {
		return []*Tensor{takeScatterAdd(g, axis, idx, n)}
	}, src)
}

// takeScatterAdd is the adjoint of Take: it adds the slices of g along axis
// into a zero tensor whose axis has length n, at the given indices.
func takeScatterAdd(g *Tensor, axis int, idx []int, n int) *Tensor {
	src := g.contiguous()
	sh := append([]int(nil), g.shape...)
	sh[axis] = n
	out := zeros(g.arena, sh...)
	pre, k, post := splitAt(g.shape, axis)
	d := src.storage()
	for p := 0; p < pre; p++ {
		for j, ix := range idx {
			o := (p*n + ix) * post
			s := (p*k + j) * post
			dst := out.buf.Slice(o, o+post)
			engine.Binary(backend.Add, dst, dst, d.Slice(s, s+post))
		}
	}
	return record(out, "TakeBackward", func(gg *Tensor) []*Tensor {
		return []*Tensor{Take(gg, axis, idx)}
	}, src)
}

// Pad returns x surrounded by value: pads[i] = {before, after} elements are
// added to dimension i. pads needs one pair per dimension, all >= 0. The
// gradient is the output gradient's central part.
func Pad(x *Tensor, pads [][2]int, value float32) *Tensor {
	nd := len(x.shape)
	if len(pads) != nd {
		shapeErr("Pad", fmt.Sprintf("needs %d (before, after) pairs, got %d", nd, len(pads)), x.shape)
	}
	sh := make([]int, nd)
	for i, p := range pads {
		if p[0] < 0 || p[1] < 0 {
			shapeErr("Pad", fmt.Sprintf("pads %v must not be negative", pads), x.shape)
		}
		sh[i] = x.shape[i] + p[0] + p[1]
	}
	pads = slices.Clone(pads)
	src := x.contiguous()
	out := empty(x.arena, sh...)
	engine.Fill(out.buf, value)
	switch {
	case nd == 0:
		out.buf.Host[0] = src.buf.Host[src.offset]
	case x.Size() > 0:
		ost := rowMajor(sh)
		base := 0
		for i, p := range pads {
			base += p[0] * ost[i]
		}
		d := src.Data()
		last := x.shape[nd-1]
		pos := 0
		rows(x.shape, [][]int{ost}, []int{base}, func(offs []int) {
			copy(out.buf.Host[offs[0]:offs[0]+last], d[pos:pos+last])
			pos += last
		})
	}
	inShape := x.shape
	return record(out, "Pad", func(g *Tensor) []*Tensor {
		h := g
		for i, p := range pads {
			if p != [2]int{} {
				h = h.Slice(i, p[0], p[0]+inShape[i])
			}
		}
		return []*Tensor{h}
	}, src)
}

// Tile repeats x reps[i] times along dimension i, like NumPy's tile. reps
// may be longer than x's shape, which then gets leading axes of size 1; it
// may not be shorter.
func Tile(x *Tensor, reps ...int) *Tensor {
	nd := len(reps)
	if nd < len(x.shape) {
		shapeErr("Tile", fmt.Sprintf("needs at least one repeat count per dimension, got %v", reps), x.shape)
	}
	in := make([]int, nd)
	lead := nd - len(x.shape)
	for i := range in {
		in[i] = 1
		if i >= lead {
			in[i] = x.shape[i-lead]
		}
	}
	view := make([]int, 0, 2*nd)
	bcast := make([]int, 0, 2*nd)
	outSh := make([]int, nd)
	for i, r := range reps {
		if r < 0 {
			shapeErr("Tile", fmt.Sprintf("repeat counts %v must not be negative", reps), x.shape)
		}
		view = append(view, 1, in[i])
		bcast = append(bcast, r, in[i])
		outSh[i] = r * in[i]
	}
	return x.Reshape(view...).BroadcastTo(bcast...).Reshape(outSh...)
}

// Repeat repeats each element of x the given number of times along axis,
// like NumPy's repeat: [a b] becomes [a a b b] for repeats = 2.
func Repeat(x *Tensor, axis, repeats int) *Tensor {
	if len(x.shape) == 0 {
		shapeErr("Repeat", "has no axis to repeat", x.shape)
	}
	axis = normAxis("Repeat", axis, len(x.shape))
	if repeats < 0 {
		shapeErr("Repeat", fmt.Sprintf("repeat count %d is negative", repeats), x.shape)
	}
	bcast := slices.Insert(slices.Clone(x.shape), axis+1, repeats)
	outSh := slices.Clone(x.shape)
	outSh[axis] *= repeats
	return x.Unsqueeze(axis + 1).BroadcastTo(bcast...).Reshape(outSh...)
}
