package tensor

import (
	"slices"

	"github.com/tensile-ml/tensile/backend"
)

// binary applies the backend op k elementwise with NumPy broadcasting and returns a new
// tensor of the broadcast shape (no gradient recorded).
func binary(op string, a, b *Tensor, k backend.BinaryOp) *Tensor {
	shape := broadcastShapes(op, a.shape, b.shape)
	out := empty(arenaOf(a, b), shape...)
	if slices.Equal(a.shape, b.shape) && a.IsContiguous() && b.IsContiguous() {
		engine.Binary(k, out.buf, a.storage(), b.storage())
		return out
	}
	if b.Size() == 1 && a.IsContiguous() && slices.Equal(a.shape, shape) {
		engine.BinaryScalar(k, out.buf, a.storage(), b.buf.Host[b.offset], false)
		return out
	}
	if a.Size() == 1 && b.IsContiguous() && slices.Equal(b.shape, shape) {
		engine.BinaryScalar(k, out.buf, b.storage(), a.buf.Host[a.offset], true)
		return out
	}
	if len(shape) == 0 {
		engine.Binary(k, out.buf, a.buf.Slice(a.offset, a.offset+1), b.buf.Slice(b.offset, b.offset+1))
		return out
	}
	sa, sb := broadcastStrides(a, shape), broadcastStrides(b, shape)
	last := shape[len(shape)-1]
	la, lb := sa[len(sa)-1], sb[len(sb)-1]
	pos := 0
	var tmpA, tmpB []float32
	rows(shape, [][]int{sa, sb}, []int{a.offset, b.offset}, func(offs []int) {
		dst := out.buf.Slice(pos, pos+last)
		pos += last
		oa, ob := offs[0], offs[1]
		switch {
		case la == 1 && lb == 1:
			engine.Binary(k, dst, a.buf.Slice(oa, oa+last), b.buf.Slice(ob, ob+last))
		case la == 1 && lb == 0:
			engine.BinaryScalar(k, dst, a.buf.Slice(oa, oa+last), b.buf.Host[ob], false)
		case la == 0 && lb == 1:
			engine.BinaryScalar(k, dst, b.buf.Slice(ob, ob+last), a.buf.Host[oa], true)
		default:
			if tmpA == nil {
				tmpA, tmpB = make([]float32, last), make([]float32, last)
			}
			for i := 0; i < last; i++ {
				tmpA[i] = a.buf.Host[oa+i*la]
				tmpB[i] = b.buf.Host[ob+i*lb]
			}
			engine.Binary(k, dst, backend.Host(tmpA), backend.Host(tmpB))
		}
	})
	return out
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	out := binary("Add", a, b, backend.Add)
	return record(out, "Add", func(g *Tensor) []*Tensor { return []*Tensor{g, g} }, a, b)
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	out := binary("Sub", a, b, backend.Sub)
	return record(out, "Sub", func(g *Tensor) []*Tensor { return []*Tensor{g, Neg(g)} }, a, b)
}

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	out := binary("Mul", a, b, backend.Mul)
	return record(out, "Mul", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Mul(g, b)
		}
		if b.requiresGrad {
			gb = Mul(g, a)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor {
	out := binary("Div", a, b, backend.Div)
	return record(out, "Div", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = Div(g, b)
		}
		if b.requiresGrad {
			// d(a/b)/db = -a/b² = -out/b
			gb = Neg(Div(Mul(g, out), b))
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Neg returns -a.
func Neg(a *Tensor) *Tensor { return MulScalar(a, -1) }

// AddScalar returns a + s.
func AddScalar(a *Tensor, s float32) *Tensor {
	src := a.contiguous()
	out := empty(a.arena, a.shape...)
	engine.Unary(backend.AddScalar, out.buf, src.storage(), s, 0)
	return record(out, "AddScalar", func(g *Tensor) []*Tensor { return []*Tensor{g} }, src)
}

// MulScalar returns a * s.
func MulScalar(a *Tensor, s float32) *Tensor {
	src := a.contiguous()
	out := empty(a.arena, a.shape...)
	engine.Unary(backend.MulScalar, out.buf, src.storage(), s, 0)
	return record(out, "MulScalar", func(g *Tensor) []*Tensor { return []*Tensor{MulScalar(g, s)} }, src)
}
