package tensor

import "github.com/tensile-ml/tensile/internal/kernels"

// binKernels are the slice kernels of one binary op: vector-vector,
// vector-scalar and scalar-vector.
type binKernels struct {
	vv func(dst, a, b []float32)
	vs func(dst, a []float32, s float32)
	sv func(dst []float32, s float32, b []float32)
}

// binary applies k elementwise with NumPy broadcasting and returns a new
// tensor of the broadcast shape (no gradient recorded).
func binary(op string, a, b *Tensor, k binKernels) *Tensor {
	shape := broadcastShapes(op, a.shape, b.shape)
	out := empty(arenaOf(a, b), shape...)
	if sameShape(a.shape, b.shape) && a.IsContiguous() && b.IsContiguous() {
		k.vv(out.data, a.Data(), b.Data())
		return out
	}
	if b.Size() == 1 && a.IsContiguous() && sameShape(a.shape, shape) {
		k.vs(out.data, a.Data(), b.data[b.offset])
		return out
	}
	if a.Size() == 1 && b.IsContiguous() && sameShape(b.shape, shape) {
		k.sv(out.data, a.data[a.offset], b.Data())
		return out
	}
	if len(shape) == 0 {
		k.vv(out.data, a.data[a.offset:a.offset+1], b.data[b.offset:b.offset+1])
		return out
	}
	sa, sb := broadcastStrides(a, shape), broadcastStrides(b, shape)
	last := shape[len(shape)-1]
	la, lb := sa[len(sa)-1], sb[len(sb)-1]
	pos := 0
	var tmpA, tmpB []float32
	rows(shape, [][]int{sa, sb}, []int{a.offset, b.offset}, func(offs []int) {
		dst := out.data[pos : pos+last]
		pos += last
		oa, ob := offs[0], offs[1]
		switch {
		case la == 1 && lb == 1:
			k.vv(dst, a.data[oa:oa+last], b.data[ob:ob+last])
		case la == 1 && lb == 0:
			k.vs(dst, a.data[oa:oa+last], b.data[ob])
		case la == 0 && lb == 1:
			k.sv(dst, a.data[oa], b.data[ob:ob+last])
		default:
			if tmpA == nil {
				tmpA, tmpB = make([]float32, last), make([]float32, last)
			}
			for i := 0; i < last; i++ {
				tmpA[i] = a.data[oa+i*la]
				tmpB[i] = b.data[ob+i*lb]
			}
			k.vv(dst, tmpA, tmpB)
		}
	})
	return out
}

var (
	addK = binKernels{kernels.AddVV, kernels.AddVS, func(d []float32, s float32, b []float32) { kernels.AddVS(d, b, s) }}
	subK = binKernels{kernels.SubVV, kernels.SubVS, kernels.SubSV}
	mulK = binKernels{kernels.MulVV, kernels.MulVS, func(d []float32, s float32, b []float32) { kernels.MulVS(d, b, s) }}
	divK = binKernels{kernels.DivVV, kernels.DivVS, kernels.DivSV}
)

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	out := binary("Add", a, b, addK)
	return record(out, "Add", func(g *Tensor) []*Tensor { return []*Tensor{g, g} }, a, b)
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	out := binary("Sub", a, b, subK)
	return record(out, "Sub", func(g *Tensor) []*Tensor { return []*Tensor{g, Neg(g)} }, a, b)
}

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	out := binary("Mul", a, b, mulK)
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
	out := binary("Div", a, b, divK)
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
	kernels.AddVS(out.data, src.Data(), s)
	return record(out, "AddScalar", func(g *Tensor) []*Tensor { return []*Tensor{g} }, src)
}

// MulScalar returns a * s.
func MulScalar(a *Tensor, s float32) *Tensor {
	src := a.contiguous()
	out := empty(a.arena, a.shape...)
	kernels.MulVS(out.data, src.Data(), s)
	return record(out, "MulScalar", func(g *Tensor) []*Tensor { return []*Tensor{MulScalar(g, s)} }, src)
}
