package tensor

import "github.com/tensile-ml/tensile/backend"

// normAxes turns axes (nil: all) into a sorted, de-duplicated mask.
func normAxes(op string, axes []int, nd int) []bool {
	mask := make([]bool, nd)
	if axes == nil {
		for i := range mask {
			mask[i] = true
		}
		return mask
	}
	for _, a := range axes {
		a = normAxis(op, a, nd)
		if mask[a] {
			argErr(op, "axis %d repeated", a)
		}
		mask[a] = true
	}
	return mask
}

// reducedShape returns the shape after reducing the masked axes.
func reducedShape(shape []int, mask []bool, keepdims bool) []int {
	out := []int{}
	for i, d := range shape {
		switch {
		case !mask[i]:
			out = append(out, d)
		case keepdims:
			out = append(out, 1)
		}
	}
	return out
}

// splitAt returns the products of shape before axis, at axis and after it.
func splitAt(shape []int, axis int) (pre, n, post int) {
	return numel(shape[:axis]), shape[axis], numel(shape[axis+1:])
}

// sumAxis sums contiguous data of shape over axis, returning a contiguous
// tensor with that axis kept as 1.
func sumAxis(x *Tensor, axis int) *Tensor {
	pre, n, post := splitAt(x.shape, axis)
	sh := append([]int(nil), x.shape...)
	sh[axis] = 1
	out := empty(x.arena, sh...)
	engine.Reduce(backend.Sum, out.buf, x.storage(), pre, n, post)
	return out
}

// sumRaw sums over the masked axes without recording a gradient; the result
// keeps reduced axes as 1.
func sumRaw(x *Tensor, mask []bool) *Tensor {
	cur := x.contiguous()
	if allTrue(mask) {
		out := empty(x.arena, onesShape(len(mask))...)
		engine.Reduce(backend.Sum, out.buf, cur.storage(), 1, cur.Size(), 1)
		return out
	}
	for ax, m := range mask {
		if m && cur.shape[ax] != 1 {
			cur = sumAxis(cur, ax)
		}
	}
	if cur == x {
		cur = x.contiguousCopy()
	}
	return cur
}

func allTrue(m []bool) bool {
	for _, v := range m {
		if !v {
			return false
		}
	}
	return true
}

func onesShape(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// Sum returns the sum over axes (nil: all axes). With keepdims the reduced
// axes stay as size 1.
func Sum(x *Tensor, axes []int, keepdims bool) *Tensor {
	mask := normAxes("Sum", axes, len(x.shape))
	kept := sumRaw(x, mask)
	sh := reducedShape(x.shape, mask, keepdims)
	out := &Tensor{buf: kept.buf, shape: sh, strides: rowMajor(sh), arena: kept.arena}
	keptShape := kept.shape
	inShape := x.shape
	return record(out, "Sum", func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(keptShape...).BroadcastTo(inShape...)}
	}, x)
}

// Mean returns the mean over axes (nil: all axes).
func Mean(x *Tensor, axes []int, keepdims bool) *Tensor {
	mask := normAxes("Mean", axes, len(x.shape))
	cnt := 1
	for i, m := range mask {
		if m {
			cnt *= x.shape[i]
		}
	}
	return MulScalar(Sum(x, axes, keepdims), 1/float32(cnt))
}
