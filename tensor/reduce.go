package tensor

import (
	"math"

	"github.com/tensile-ml/tensile/backend"
)

// This file holds the reductions beyond Sum and Mean: Max, Min, Var, Std,
// LogSumExp, ArgMax and ArgMin. They reuse the (pre, n, post) split of
// reduce_sum.go.

// reduceAxisOp reduces contiguous x over one axis with the backend's op,
// keeping the axis as size 1.
func reduceAxisOp(x *Tensor, axis int, op backend.ReduceOp) *Tensor {
	pre, n, post := splitAt(x.shape, axis)
	sh := append([]int(nil), x.shape...)
	sh[axis] = 1
	out := empty(x.arena, sh...)
	engine.Reduce(op, out.buf, x.storage(), pre, n, post)
	return out
}

// reduceExtremeRaw takes the max (isMax) or min of contiguous x over the
// masked axes without recording; the result keeps reduced axes as 1.
func reduceExtremeRaw(op string, x *Tensor, mask []bool, isMax bool) *Tensor {
	for i, m := range mask {
		if m && x.shape[i] == 0 {
			shapeErr(op, "cannot reduce an empty axis", x.shape)
		}
	}
	rop := backend.ReduceMin
	if isMax {
		rop = backend.ReduceMax
	}
	if allTrue(mask) {
		out := empty(x.arena, onesShape(len(mask))...)
		x = x.contiguous()
		engine.Reduce(rop, out.buf, x.storage(), 1, x.Size(), 1)
		return out
	}
	cur := x
	for ax, m := range mask {
		if m && cur.shape[ax] != 1 {
			cur = reduceAxisOp(cur, ax, rop)
		}
	}
	if cur == x {
		cur = x.contiguousCopy()
	}
	return cur
}

// maskAxes lists the axes set in mask.
func maskAxes(mask []bool) []int {
	axes := []int{}
	for i, m := range mask {
		if m {
			axes = append(axes, i)
		}
	}
	return axes
}

// reduceExtremeOp implements Max and Min.
func reduceExtremeOp(op string, x *Tensor, axes []int, keepdims, isMax bool) *Tensor {
	mask := normAxes(op, axes, len(x.shape))
	src := x.contiguous()
	kept := reduceExtremeRaw(op, src, mask, isMax)
	sh := reducedShape(x.shape, mask, keepdims)
	out := &Tensor{buf: kept.buf, shape: sh, strides: rowMajor(sh), arena: kept.arena}
	return record(out, op, func(g *Tensor) []*Tensor {
		// The gradient goes to the elements equal to the extreme, shared
		// evenly among ties (PyTorch's amax/amin rule).
		hit := Equal(src, kept)
		cnt := Sum(hit, maskAxes(mask), true)
		return []*Tensor{Mul(hit, Div(g.Reshape(kept.shape...), cnt))}
	}, src)
}

// Max returns the largest element over axes (nil: all axes); with keepdims
// the reduced axes stay as size 1. A NaN propagates. The gradient goes to
// the maximal elements, split evenly among ties as PyTorch's amax does. It
// panics when a reduced axis is empty.
func Max(x *Tensor, axes []int, keepdims bool) *Tensor {
	return reduceExtremeOp("Max", x, axes, keepdims, true)
}

// Min returns the smallest element over axes (nil: all axes); see Max.
func Min(x *Tensor, axes []int, keepdims bool) *Tensor {
	return reduceExtremeOp("Min", x, axes, keepdims, false)
}

// Var returns the population variance over axes (nil: all axes), dividing by
// the count (ddof 0) as Keras and NumPy do; PyTorch's var defaults to the
// unbiased estimator instead. It is computed in two passes, mean first.
func Var(x *Tensor, axes []int, keepdims bool) *Tensor {
	normAxes("Var", axes, len(x.shape))
	d := Sub(x, Mean(x, axes, true))
	return Mean(Square(d), axes, keepdims)
}

// Std returns the population standard deviation over axes (nil: all axes),
// the square root of Var. Its gradient is infinite where the variance is 0.
func Std(x *Tensor, axes []int, keepdims bool) *Tensor {
	normAxes("Std", axes, len(x.shape))
	return Sqrt(Var(x, axes, keepdims))
}

// LogSumExp returns log(Σ exp(x)) over axes (nil: all axes), computed stably
// by shifting with the maximum. Its gradient is the softmax of x over axes.
// It panics when a reduced axis is empty.
func LogSumExp(x *Tensor, axes []int, keepdims bool) *Tensor {
	mask := normAxes("LogSumExp", axes, len(x.shape))
	// The shift m is a constant for autodiff: the result does not depend on
	// it. Infinite maxima shift by 0 so that all -Inf gives -Inf, not NaN.
	m := reduceExtremeRaw("LogSumExp", x.Detach().contiguous(), mask, true)
	for i, v := range m.buf.Host {
		if math.IsInf(float64(v), 0) {
			m.buf.Host[i] = 0
		}
	}
	out := Add(Log(Sum(Exp(Sub(x, m)), axes, true)), m)
	if keepdims {
		return out
	}
	return out.Reshape(reducedShape(x.shape, mask, false)...)
}

// reduceArgOp implements ArgMax and ArgMin.
func reduceArgOp(op string, x *Tensor, axis int, isMax bool) []int {
	if len(x.shape) == 0 {
		shapeErr(op, "has no axis to reduce", x.shape)
	}
	axis = normAxis(op, axis, len(x.shape))
	pre, n, post := splitAt(x.shape, axis)
	if n == 0 {
		shapeErr(op, "cannot reduce an empty axis", x.shape)
	}
	x = x.contiguous()
	idx := make([]int, pre*post)
	engine.Arg(idx, x.storage(), pre, n, post, isMax)
	return idx
}

// ArgMax returns, for every position of x with axis removed (in row-major
// order of that reduced shape), the index along axis of the largest element.
// Ties give the first index; a NaN counts as the largest, as in NumPy. It
// records no gradient and panics when the axis is empty.
func ArgMax(x *Tensor, axis int) []int { return reduceArgOp("ArgMax", x, axis, true) }

// ArgMin is ArgMax for the smallest element.
func ArgMin(x *Tensor, axis int) []int { return reduceArgOp("ArgMin", x, axis, false) }
