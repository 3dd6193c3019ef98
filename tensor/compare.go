package tensor

import (
	"slices"

	"github.com/tensile-ml/tensile/backend"
)

// This file holds the comparisons, which return 0/1 float tensors and record
// no gradient, and Where, which selects between two tensors by a condition.

// Equal returns 1 where a == b and 0 elsewhere, with broadcasting. Like all
// comparisons it records no gradient.
func Equal(a, b *Tensor) *Tensor { return binary("Equal", a, b, backend.Equal) }

// NotEqual returns 1 where a != b and 0 elsewhere, with broadcasting.
func NotEqual(a, b *Tensor) *Tensor { return binary("NotEqual", a, b, backend.NotEqual) }

// Greater returns 1 where a > b and 0 elsewhere, with broadcasting.
func Greater(a, b *Tensor) *Tensor { return binary("Greater", a, b, backend.Greater) }

// GreaterEqual returns 1 where a >= b and 0 elsewhere, with broadcasting.
func GreaterEqual(a, b *Tensor) *Tensor { return binary("GreaterEqual", a, b, backend.GreaterEq) }

// Less returns 1 where a < b and 0 elsewhere, with broadcasting.
func Less(a, b *Tensor) *Tensor { return binary("Less", a, b, backend.Less) }

// LessEqual returns 1 where a <= b and 0 elsewhere, with broadcasting.
func LessEqual(a, b *Tensor) *Tensor { return binary("LessEqual", a, b, backend.LessEq) }

// whereShape broadcasts the shapes of Where's three operands, naming all
// three when they do not fit.
func whereShape(c, a, b []int) []int {
	n := max(len(c), len(a), len(b))
	out := make([]int, n)
	for i := range out {
		d := 1
		for _, s := range [][]int{c, a, b} {
			j := i - (n - len(s))
			if j < 0 || s[j] == 1 {
				continue
			}
			if d != 1 && d != s[j] {
				shapeErr("Where", "do not broadcast", c, a, b)
			}
			d = s[j]
		}
		out[i] = d
	}
	return out
}

// whereRow returns the n elements of one row of an operand starting at off
// with the given stride: the storage itself for stride 1, else a copy in tmp.
func whereRow(tmp, data []float32, off, stride, n int) []float32 {
	if stride == 1 {
		return data[off : off+n]
	}
	for i := range tmp[:n] {
		tmp[i] = data[off+i*stride]
	}
	return tmp[:n]
}

// Where returns a where cond is nonzero and b elsewhere; the three operands
// broadcast together. The gradient flows to a where cond is nonzero and to b
// elsewhere; cond gets none.
func Where(cond, a, b *Tensor) *Tensor {
	shape := whereShape(cond.shape, a.shape, b.shape)
	out := empty(arenaOf(cond, a, b), shape...)
	ops := []*Tensor{cond, a, b}
	switch {
	case slices.Equal(cond.shape, shape) && slices.Equal(a.shape, shape) && slices.Equal(b.shape, shape) &&
		cond.IsContiguous() && a.IsContiguous() && b.IsContiguous():
		engine.Where(out.buf, cond.storage(), a.storage(), b.storage())
	case len(shape) == 0:
		engine.Where(out.buf, cond.buf.Slice(cond.offset, cond.offset+1), a.buf.Slice(a.offset, a.offset+1), b.buf.Slice(b.offset, b.offset+1))
	default:
		last := shape[len(shape)-1]
		strides := make([][]int, 3)
		offsets := make([]int, 3)
		tmp := make([][]float32, 3)
		for i, t := range ops {
			strides[i] = broadcastStrides(t, shape)
			offsets[i] = t.offset
			if strides[i][len(shape)-1] != 1 {
				tmp[i] = make([]float32, last)
			}
		}
		pos := 0
		rows(shape, strides, offsets, func(offs []int) {
			var r [3][]float32
			for i, t := range ops {
				r[i] = whereRow(tmp[i], t.buf.Host, offs[i], strides[i][len(shape)-1], last)
			}
			engine.Where(out.buf.Slice(pos, pos+last), backend.Host(r[0]), backend.Host(r[1]), backend.Host(r[2]))
			pos += last
		})
	}
	return record(out, "Where", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		zero := Scalar(0)
		if a.requiresGrad {
			ga = Where(cond, g, zero)
		}
		if b.requiresGrad {
			gb = Where(cond, zero, g)
		}
		return []*Tensor{nil, ga, gb}
	}, nil, a, b) // cond takes no gradient: nil keeps its graph out of the walk
}
