package onnx

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tensile-ml/tensile/onnx/onnxpb"
)

// fold evaluates a node whose inputs are all constants (shape arithmetic
// such as Shape → Gather → Unsqueeze → Concat, and Constant itself).
// Folded integer results are bounded by maxFoldElements.
func fold(im *importer, n *onnxpb.NodeProto, a attrs) (*constT, error) {
	c := func(i int) (*constT, error) { return im.cnst(n, i) }
	switch n.OpType {
	case "Constant":
		if at, ok := a["value"]; ok && at.T != nil {
			return tensorConst(at.T)
		}
		if at, ok := a["value_int"]; ok {
			return &constT{dims: nil, i: []int64{at.I}, isInt: true}, nil
		}
		if at, ok := a["value_ints"]; ok {
			if len(at.Ints) > maxFoldElements {
				return nil, errors.New("value_ints is too long")
			}
			return &constT{dims: []int{len(at.Ints)}, i: slices.Clone(at.Ints), isInt: true}, nil
		}
		if at, ok := a["value_float"]; ok {
			return &constT{dims: nil, f: []float32{at.F}}, nil
		}
		if at, ok := a["value_floats"]; ok {
			if len(at.Floats) > maxFoldElements {
				return nil, errors.New("value_floats is too long")
			}
			return &constT{dims: []int{len(at.Floats)}, f: slices.Clone(at.Floats)}, nil
		}
		return nil, errors.New("no supported value attribute")
	case "Identity", "Dropout":
		return c(0)
	case "ConstantOfShape":
		s, err := c(0)
		if err != nil {
			return nil, err
		}
		fill := &constT{f: []float32{0}}
		if at, ok := a["value"]; ok && at.T != nil {
			if fill, err = tensorConst(at.T); err != nil {
				return nil, err
			}
			if fill.size() != 1 {
				return nil, errors.New("value must hold one element")
			}
		}
		dims := make([]int, 0, len(s.ints()))
		batch := false
		for _, d := range s.ints() {
			if d == batchSym {
				batch = true
				d = 0
			}
			if d < 0 {
				return nil, fmt.Errorf("negative dimension in %v", s.ints())
			}
			dims = append(dims, int(min(d, maxFoldElements+1)))
		}
		if _, err := checkDims(int64s(dims), maxFoldElements); err != nil {
			return nil, err
		}
		out := &constT{dims: dims, isInt: fill.isInt}
		for range numel(dims) {
			if fill.isInt {
				out.i = append(out.i, fill.i[0])
			} else {
				out.f = append(out.f, fill.f[0])
			}
		}
		if batch {
			if !(fill.isInt && fill.i[0] == 0 || !fill.isInt && fill.f[0] == 0) {
				return nil, errors.New("a batch-sized constant must be zeros")
			}
			out.zeroBatch = true
		}
		return out, nil
	case "Cast":
		x, err := c(0)
		if err != nil {
			return nil, err
		}
		switch to := onnxpb.TensorProto_DataType(a.int("to", 0)); to {
		case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE:
			return &constT{dims: x.dims, f: x.floats()}, nil
		case onnxpb.TensorProto_INT64, onnxpb.TensorProto_INT32:
			return &constT{dims: x.dims, i: x.ints(), isInt: true}, nil
		default:
			return nil, fmt.Errorf("cast to type %d is not supported", to)
		}
	case "Unsqueeze", "Squeeze":
		x, err := c(0)
		if err != nil {
			return nil, err
		}
		var axes []int64
		if len(n.Input) > 1 && n.Input[1] != "" {
			ax, err := c(1)
			if err != nil {
				return nil, err
			}
			axes = ax.ints()
		}
		dims := slices.Clone(x.dims)
		if n.OpType == "Unsqueeze" {
			r := len(dims) + len(axes)
			if r > maxRank {
				return nil, errors.New("rank too large")
			}
			norm := make([]int, len(axes))
			for i, v := range axes {
				if norm[i], err = axis(v, r); err != nil {
					return nil, err
				}
			}
			slices.Sort(norm)
			for _, ax := range norm {
				dims = slices.Insert(dims, ax, 1)
			}
		} else {
			if axes == nil {
				dims = slices.DeleteFunc(dims, func(d int) bool { return d == 1 })
			} else {
				norm := make([]int, len(axes))
				for i, v := range axes {
					if norm[i], err = axis(v, len(dims)); err != nil {
						return nil, err
					}
					if dims[norm[i]] != 1 {
						return nil, fmt.Errorf("cannot squeeze axis %d of %v", v, x.dims)
					}
				}
				slices.Sort(norm)
				for i := len(norm) - 1; i >= 0; i-- {
					dims = slices.Delete(dims, norm[i], norm[i]+1)
				}
			}
		}
		return &constT{dims: dims, f: x.f, i: x.i, isInt: x.isInt}, nil
	case "Concat":
		var parts []*constT
		for i := range n.Input {
			p, err := c(i)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			return nil, errors.New("no inputs")
		}
		// Only 1-d concatenation (shape vectors).
		out := &constT{isInt: parts[0].isInt}
		for _, p := range parts {
			if len(p.dims) != 1 || p.isInt != out.isInt {
				return nil, errors.New("only 1-d constants of one type are concatenated")
			}
			out.i = append(out.i, p.i...)
			out.f = append(out.f, p.f...)
			if len(out.i)+len(out.f) > maxFoldElements {
				return nil, errors.New("folded constant is too large")
			}
		}
		out.dims = []int{len(out.i) + len(out.f)}
		return out, nil
	case "Gather":
		x, err := c(0)
		if err != nil {
			return nil, err
		}
		idx, err := c(1)
		if err != nil {
			return nil, err
		}
		if len(x.dims) != 1 || a.int("axis", 0) != 0 {
			return nil, errors.New("only gathering from a 1-d constant is supported")
		}
		out := &constT{dims: slices.Clone(idx.dims), isInt: x.isInt}
		if len(idx.ints()) > maxFoldElements {
			return nil, errors.New("too many indices")
		}
		for _, i := range idx.ints() {
			if i < 0 {
				i += int64(x.dims[0])
			}
			if i < 0 || i >= int64(x.dims[0]) {
				return nil, fmt.Errorf("index %d is out of range for %d elements", i, x.dims[0])
			}
			if x.isInt {
				out.i = append(out.i, x.i[i])
			} else {
				out.f = append(out.f, x.f[i])
			}
		}
		return out, nil
	case "Slice":
		x, err := c(0)
		if err != nil {
			return nil, err
		}
		if len(x.dims) != 1 {
			return nil, errors.New("only slicing a 1-d constant is supported")
		}
		get := func(i int, def int64) (int64, error) {
			if i >= len(n.Input) || n.Input[i] == "" {
				return def, nil
			}
			v, err := c(i)
			if err != nil {
				return 0, err
			}
			if v.size() != 1 {
				return 0, errors.New("only one sliced axis is supported")
			}
			return v.ints()[0], nil
		}
		size := int64(x.dims[0])
		start, err1 := get(1, 0)
		end, err2 := get(2, size)
		ax, err3 := get(3, 0)
		step, err4 := get(4, 1)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		if ax != 0 && ax != -1 || step != 1 {
			return nil, errors.New("only step-1 slices of axis 0 are supported")
		}
		clamp := func(v int64) int64 {
			if v < 0 {
				v += size
			}
			return max(0, min(v, size))
		}
		start, end = clamp(start), clamp(end)
		out := &constT{isInt: x.isInt}
		if end > start {
			if x.isInt {
				out.i = slices.Clone(x.i[start:end])
			} else {
				out.f = slices.Clone(x.f[start:end])
			}
		}
		out.dims = []int{int(max(end-start, 0))}
		return out, nil
	case "Add", "Sub", "Mul", "Div":
		x, err := c(0)
		if err != nil {
			return nil, err
		}
		y, err := c(1)
		if err != nil {
			return nil, err
		}
		return foldBinary(n.OpType, x, y)
	}
	return nil, fmt.Errorf("op %s is not supported on constants", n.OpType)
}

// foldBinary applies an elementwise op to constants of one shape, or one
// of them a single value.
func foldBinary(op string, x, y *constT) (*constT, error) {
	if x.isInt != y.isInt {
		return nil, errors.New("mixed integer and float constants")
	}
	nx, ny := x.size(), y.size()
	if nx != ny && nx != 1 && ny != 1 {
		return nil, fmt.Errorf("constant shapes %v and %v do not match", x.dims, y.dims)
	}
	if nx == 0 || ny == 0 {
		return &constT{dims: []int{0}, isInt: x.isInt}, nil
	}
	dims := x.dims
	n := nx
	if ny > nx {
		dims, n = y.dims, ny
	}
	at := func(k, i int) int { return min(i, k-1) }
	out := &constT{dims: slices.Clone(dims), isInt: x.isInt}
	for i := range n {
		if x.isInt {
			a, b := x.i[at(nx, i)], y.i[at(ny, i)]
			if a == batchSym || b == batchSym {
				return nil, errors.New("arithmetic on the batch size is not supported")
			}
			var v int64
			switch op {
			case "Add":
				v = a + b
			case "Sub":
				v = a - b
			case "Mul":
				v = a * b
			case "Div":
				if b == 0 {
					return nil, errors.New("integer division by zero")
				}
				v = a / b
			}
			out.i = append(out.i, v)
		} else {
			a, b := x.f[at(nx, i)], y.f[at(ny, i)]
			var v float32
			switch op {
			case "Add":
				v = a + b
			case "Sub":
				v = a - b
			case "Mul":
				v = a * b
			case "Div":
				v = a / b
			}
			out.f = append(out.f, v)
		}
	}
	return out, nil
}
