package tensor

import "slices"

// This file holds the view ops (Reshape, Permute, Transpose, BroadcastTo,
// Contiguous) and the strided iteration they rely on.

// rows calls fn once per row of the last dimension of shape, passing the
// starting offset of that row in each operand (given by its strides and base
// offset). Operands may have stride 0 (broadcast) in any dimension. For a 0-d
// shape fn runs once.
func rows(shape []int, strides [][]int, offsets []int, fn func(offs []int)) {
	nd := len(shape)
	offs := append([]int(nil), offsets...)
	if nd <= 1 {
		fn(offs)
		return
	}
	for _, d := range shape {
		if d == 0 {
			return
		}
	}
	idx := make([]int, nd-1)
	for {
		fn(offs)
		// increment the index over dims [0, nd-1)
		k := nd - 2
		for ; k >= 0; k-- {
			idx[k]++
			for j := range offs {
				offs[j] += strides[j][k]
			}
			if idx[k] < shape[k] {
				break
			}
			for j := range offs {
				offs[j] -= strides[j][k] * shape[k]
			}
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// contiguous returns t itself when it is contiguous, else a contiguous copy
// (recorded for autograd as an identity).
func (t *Tensor) contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	out := t.contiguousCopy()
	return record(out, "Contiguous", func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
}

// contiguousCopy copies t into a fresh contiguous tensor without recording.
func (t *Tensor) contiguousCopy() *Tensor {
	out := empty(t.arena, t.shape...)
	if len(t.shape) == 0 {
		out.buf.Host[0] = t.buf.Host[t.offset]
		return out
	}
	last := t.shape[len(t.shape)-1]
	ls := t.strides[len(t.strides)-1]
	pos := 0
	rows(t.shape, [][]int{t.strides}, []int{t.offset}, func(offs []int) {
		dst := out.buf.Host[pos : pos+last]
		src := offs[0]
		if ls == 1 {
			copy(dst, t.buf.Host[src:src+last])
		} else {
			for i := range dst {
				dst[i] = t.buf.Host[src+i*ls]
			}
		}
		pos += last
	})
	return out
}

// Contiguous returns t if its elements are already in row-major order, or a
// contiguous copy otherwise.
func (t *Tensor) Contiguous() *Tensor { return t.contiguous() }

// Reshape returns a tensor with the same elements in a new shape. One
// dimension may be -1 and is inferred. The result is a view when t is
// contiguous.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	sh := append([]int(nil), shape...)
	infer := -1
	known := 1
	for i, d := range sh {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			shapeErr("Reshape", "cannot become "+fmtShape(shape), t.shape)
		default:
			known *= d
		}
	}
	n := t.Size()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			shapeErr("Reshape", "cannot become "+fmtShape(shape), t.shape)
		}
		sh[infer] = n / known
	} else if known != n {
		shapeErr("Reshape", "cannot become "+fmtShape(shape), t.shape)
	}
	src := t.contiguous()
	out := &Tensor{buf: src.buf, shape: sh, strides: rowMajor(sh), offset: src.offset, arena: src.arena}
	orig := t.shape
	return record(out, "Reshape", func(g *Tensor) []*Tensor { return []*Tensor{g.Reshape(orig...)} }, src)
}

// Flatten reshapes t to 2-d, keeping the first dimension: [B, ...] → [B, rest].
func (t *Tensor) Flatten() *Tensor {
	if len(t.shape) == 0 {
		return t.Reshape(1, 1)
	}
	return t.Reshape(t.shape[0], -1)
}

// Permute returns a view with the dimensions reordered: result dimension i is
// t's dimension axes[i].
func (t *Tensor) Permute(axes ...int) *Tensor {
	nd := len(t.shape)
	if len(axes) != nd {
		argErr("Permute", "axes %v do not fit shape %v", axes, t.shape)
	}
	seen := make([]bool, nd)
	sh := make([]int, nd)
	st := make([]int, nd)
	inv := make([]int, nd)
	for i, a := range axes {
		a = normAxis("Permute", a, nd)
		if seen[a] {
			argErr("Permute", "axes %v repeat an axis", axes)
		}
		seen[a] = true
		sh[i] = t.shape[a]
		st[i] = t.strides[a]
		inv[a] = i
	}
	out := &Tensor{buf: t.buf, shape: sh, strides: st, offset: t.offset, arena: t.arena}
	return record(out, "Permute", func(g *Tensor) []*Tensor { return []*Tensor{g.Permute(inv...)} }, t)
}

// Transpose swaps two dimensions (a view). With no arguments it swaps the last
// two, as for matrices.
func (t *Tensor) Transpose(axes ...int) *Tensor {
	nd := len(t.shape)
	var a, b int
	switch len(axes) {
	case 0:
		if nd < 2 {
			shapeErr("Transpose", "has fewer than 2 dimensions", t.shape)
		}
		a, b = nd-2, nd-1
	case 2:
		a, b = normAxis("Transpose", axes[0], nd), normAxis("Transpose", axes[1], nd)
	default:
		argErr("Transpose", "takes 0 or 2 axes, got %v", axes)
	}
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return t.Permute(perm...)
}

// broadcastShapes returns the NumPy broadcast of a and b, panicking with a
// ShapeError naming op if they are incompatible.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			shapeErr(op, "do not broadcast", a, b)
		}
	}
	return out
}

// broadcastStrides returns t's strides for viewing it as shape (a broadcast
// of t's shape): broadcast dimensions get stride 0.
func broadcastStrides(t *Tensor, shape []int) []int {
	st := make([]int, len(shape))
	lead := len(shape) - len(t.shape)
	for i := range shape {
		j := i - lead
		if j < 0 || t.shape[j] == 1 {
			continue
		}
		st[i] = t.strides[j]
	}
	return st
}

// BroadcastTo returns a view of t broadcast to shape (NumPy rules).
func (t *Tensor) BroadcastTo(shape ...int) *Tensor {
	sh := append([]int(nil), shape...)
	if b := broadcastShapes("BroadcastTo", t.shape, sh); !slices.Equal(b, sh) {
		shapeErr("BroadcastTo", "cannot broadcast to "+fmtShape(sh), t.shape)
	}
	if slices.Equal(t.shape, sh) {
		return t
	}
	out := &Tensor{buf: t.buf, shape: sh, strides: broadcastStrides(t, sh), offset: t.offset, arena: t.arena}
	// The engine un-broadcasts the gradient to t's shape.
	return record(out, "BroadcastTo", func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
}
