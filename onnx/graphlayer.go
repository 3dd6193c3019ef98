package onnx

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// Graph is a tensile layer that runs an ONNX graph op by op with tensile's
// tensor operations, so that gradients flow through it: its float
// initializers are its trainable weights ("<layer>/<initializer name>").
// Import uses it for graphs whose ops do not map onto tensile layers one by
// one, such as the Transformer encoders torch.onnx.export writes (their
// attention computes with the batch size). It runs in the graph's own
// layout and takes one input [B, ...] and gives one output; shape
// computations (Shape, Gather, Concat, ...) see the real batch size.
//
// It is registered as the layer class "OnnxGraph", so models holding one
// save and load like others (the program is stored in the config).
type Graph struct {
	name    string
	graph   *onnxpb.GraphProto // nodes, input and output names; int initializers
	opset   int
	wnames  []string // float initializer names, in weight order
	wshapes [][]int
	weights []*tensor.Tensor
	consts  map[string]*constT
	built   bool
	inShape []int
}

// graphOps are the ops Graph runs.
var graphOps = map[string]bool{
	"Identity": true, "Dropout": true, "Constant": true, "ConstantOfShape": true, "Shape": true, "Gather": true,
	"Unsqueeze": true, "Squeeze": true, "Concat": true, "Slice": true, "Cast": true, "Reshape": true,
	"Transpose": true, "MatMul": true, "Gemm": true, "Add": true, "Sub": true, "Mul": true, "Div": true,
	"Pow": true, "Sqrt": true, "ReduceMean": true, "Softmax": true, "LogSoftmax": true, "Relu": true,
	"Sigmoid": true, "Tanh": true, "LayerNormalization": true, "Flatten": true,
}

// newGraph makes a Graph layer from an ONNX graph with one input.
func newGraph(g *onnxpb.GraphProto, opset int) (*Graph, error) {
	for _, n := range g.Node {
		if !graphOps[n.OpType] || (n.Domain != "" && n.Domain != "ai.onnx") {
			return nil, fmt.Errorf("node %q: op %s is not supported", n.Name, n.OpType)
		}
	}
	if len(g.Output) != 1 {
		return nil, fmt.Errorf("a graph layer gives one output, the graph has %d", len(g.Output))
	}
	if _, err := topoSort(g); err != nil {
		return nil, err
	}
	l := &Graph{name: "onnx_graph", opset: opset, consts: map[string]*constT{}}
	prog := &onnxpb.GraphProto{Name: g.Name, Node: g.Node, Input: g.Input, Output: g.Output}
	for _, t := range g.Initializer {
		c, err := tensorConst(t)
		if err != nil {
			return nil, err
		}
		if c.isInt {
			prog.Initializer = append(prog.Initializer, t)
			l.consts[t.Name] = c
			continue
		}
		l.wnames = append(l.wnames, t.Name)
		l.wshapes = append(l.wshapes, c.dims)
		l.weights = append(l.weights, tensor.FromSlice(slices.Clone(c.f), c.dims...))
	}
	l.graph = prog
	l.SetName(l.name)
	return l, nil
}

// Name implements nn.Layer.
func (l *Graph) Name() string { return l.name }

// SetName implements nn.Layer, renaming the weights "<name>/<initializer>".
func (l *Graph) SetName(name string) {
	l.name = name
	for i, w := range l.weights {
		w.SetName(name + "/" + l.wnames[i])
	}
}

// ClassName implements nn.Layer.
func (l *Graph) ClassName() string { return "OnnxGraph" }

// Build implements nn.Layer: it checks that the graph runs on the shape.
func (l *Graph) Build(in []int, _ *rand.Rand) error {
	if l.built {
		if !slices.Equal(in, l.inShape) {
			return fmt.Errorf("onnx: layer %q was built for input %v, got %v", l.name, l.inShape, in)
		}
		return nil
	}
	for i, s := range l.wshapes {
		if l.weights[i] == nil {
			l.weights[i] = tensor.Zeros(s...)
		}
	}
	l.SetName(l.name)
	if _, err := l.OutputShape(in); err != nil {
		return err
	}
	for _, w := range l.weights {
		w.SetRequiresGrad(true)
	}
	l.built, l.inShape = true, slices.Clone(in)
	return nil
}

// Built implements nn.Layer.
func (l *Graph) Built() bool { return l.built }

// Params implements nn.Layer.
func (l *Graph) Params() []*tensor.Tensor { return l.weights }

// OutputShape implements nn.Layer by running the graph on one zero sample.
func (l *Graph) OutputShape(in []int) (out []int, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("onnx: layer %q: input %v: %v", l.name, in, r)
		}
	}()
	for _, w := range l.weights {
		if w == nil {
			return nil, errors.New("onnx: graph layer has no weights yet")
		}
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() {
		y, err = l.run(tensor.Zeros(append([]int{1}, in...)...))
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: layer %q: input %v: %w", l.name, in, err)
	}
	return slices.Clone(y.Shape()[1:]), nil
}

// Forward implements nn.Layer.
func (l *Graph) Forward(x *tensor.Tensor, _ bool) *tensor.Tensor {
	y, err := l.run(x)
	if err != nil {
		panic(&tensor.ShapeError{Op: "OnnxGraph", Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("layer %q: %v", l.name, err)})
	}
	return y
}

// Config implements nn.Layer.
func (l *Graph) Config() map[string]any {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(l.graph)
	shapes := make([]any, len(l.wshapes))
	for i, s := range l.wshapes {
		shapes[i] = s
	}
	return map[string]any{"name": l.name, "opset": l.opset, "graph": base64.StdEncoding.EncodeToString(b),
		"weights": slices.Clone(l.wnames), "weight_shapes": shapes}
}

func graphFromConfig(cfg map[string]any) (nn.Layer, error) {
	var c struct {
		Name    string
		Opset   int
		Graph   string
		Weights []string
		Shapes  [][]int `json:"weight_shapes"`
	}
	if err := decode(cfg, &c); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(c.Graph)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	var g onnxpb.GraphProto
	if err := proto.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	if len(c.Weights) != len(c.Shapes) {
		return nil, errors.New("weights and weight_shapes differ in length")
	}
	for _, s := range c.Shapes {
		if _, err := checkDims(int64s(s), maxElements); err != nil {
			return nil, err
		}
	}
	l, err := newGraph(&g, c.Opset)
	if err != nil {
		return nil, err
	}
	l.wnames, l.wshapes = c.Weights, c.Shapes
	l.weights = make([]*tensor.Tensor, len(c.Shapes))
	for i, s := range c.Shapes {
		l.weights[i] = tensor.Zeros(s...)
	}
	if c.Name != "" {
		l.name = c.Name
	}
	l.SetName(l.name)
	return l, nil
}

func init() { nn.Register("OnnxGraph", graphFromConfig) }

// gval is a value while the graph runs: a float tensor or an integer
// constant (shapes, indices).
type gval struct {
	t *tensor.Tensor
	c *constT
}

// run interprets the graph on x.
func (l *Graph) run(x *tensor.Tensor) (*tensor.Tensor, error) {
	env := map[string]gval{}
	for name, c := range l.consts {
		env[name] = gval{c: c}
	}
	for i, n := range l.wnames {
		env[n] = gval{t: l.weights[i]}
	}
	if len(l.graph.Input) == 0 {
		return nil, errors.New("graph has no input")
	}
	for _, vi := range l.graph.Input {
		if _, init := env[vi.Name]; !init {
			env[vi.Name] = gval{t: x}
			break
		}
	}
	nodes, err := topoSort(l.graph)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := l.step(n, env); err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
		}
	}
	y, ok := env[l.graph.Output[0].Name]
	if !ok || y.t == nil {
		return nil, fmt.Errorf("output %q is not a float tensor", l.graph.Output[0].Name)
	}
	return y.t, nil
}

// asConst returns v as a constant (float tensors are copied out).
func asConst(v gval) *constT {
	if v.c != nil {
		return v.c
	}
	return &constT{dims: slices.Clone(v.t.Shape()), f: slices.Clone(v.t.Contiguous().Data())}
}

// step runs one node.
func (l *Graph) step(n *onnxpb.NodeProto, env map[string]gval) error {
	a := nodeAttrs(n)
	in := make([]gval, len(n.Input))
	allConst := true
	for i, name := range n.Input {
		if name == "" {
			continue
		}
		v, ok := env[name]
		if !ok {
			return fmt.Errorf("input %q is not defined", name)
		}
		in[i] = v
		if v.c == nil {
			allConst = false
		}
	}
	set := func(v gval) error {
		if len(n.Output) == 0 {
			return errors.New("no output")
		}
		env[n.Output[0]] = v
		return nil
	}
	ft := func(i int) (*tensor.Tensor, error) {
		if i >= len(in) || (in[i].t == nil && in[i].c == nil) {
			return nil, fmt.Errorf("missing input %d", i)
		}
		if in[i].t != nil {
			return in[i].t, nil
		}
		c := in[i].c
		return tensor.FromSlice(slices.Clone(c.floats()), c.dims...), nil
	}
	ints := func(i int) ([]int64, error) {
		if i >= len(in) || in[i].c == nil {
			return nil, fmt.Errorf("input %d must be an integer constant", i)
		}
		return in[i].c.ints(), nil
	}
	// Integer (shape) arithmetic folds as at import time.
	if n.OpType == "Constant" || (allConst && n.OpType != "Shape") {
		im := &importer{vals: map[string]*value{}}
		for i, name := range n.Input {
			if name != "" {
				im.vals[name] = &value{c: in[i].c}
			}
		}
		c, err := fold(im, n, a)
		if err != nil {
			return err
		}
		if !c.isInt {
			return set(gval{t: tensor.FromSlice(slices.Clone(c.f), c.dims...)})
		}
		return set(gval{c: c})
	}
	switch n.OpType {
	case "Identity", "Dropout":
		return set(in[0])
	case "Shape":
		x, err := ft(0)
		if err != nil {
			return err
		}
		s := make([]int64, x.Dims())
		for i, d := range x.Shape() {
			s[i] = int64(d)
		}
		return set(gval{c: &constT{dims: []int{len(s)}, i: s, isInt: true}})
	case "Gather", "Slice", "Unsqueeze", "Squeeze", "Concat", "Cast", "ConstantOfShape":
		return l.shapeOp(n, a, in, set)
	case "Reshape":
		x, err := ft(0)
		if err != nil {
			return err
		}
		s, err := ints(1)
		if err != nil {
			return err
		}
		shape := make([]int, len(s))
		for i, d := range s {
			switch {
			case d == 0 && a.int("allowzero", 0) == 0 && i < x.Dims():
				shape[i] = x.Dim(i)
			case d < -1 || d > maxElements:
				return fmt.Errorf("bad target shape %v", s)
			default:
				shape[i] = int(d)
			}
		}
		return set(gval{t: x.Reshape(shape...)})
	case "Flatten":
		x, err := ft(0)
		if err != nil {
			return err
		}
		ax, err := axis(a.int("axis", 1), x.Dims()+1)
		if err != nil {
			return err
		}
		outer := 1
		for _, d := range x.Shape()[:ax] {
			outer *= d
		}
		return set(gval{t: x.Reshape(outer, -1)})
	case "Transpose":
		x, err := ft(0)
		if err != nil {
			return err
		}
		p := a.ints("perm")
		perm := make([]int, x.Dims())
		for i := range perm {
			perm[i] = x.Dims() - 1 - i
		}
		if p != nil {
			if len(p) != x.Dims() {
				return fmt.Errorf("perm %v does not fit rank %d", p, x.Dims())
			}
			for i, v := range p {
				perm[i] = int(v)
			}
		}
		return set(gval{t: x.Permute(perm...)})
	case "MatMul":
		x, err := ft(0)
		if err != nil {
			return err
		}
		y, err := ft(1)
		if err != nil {
			return err
		}
		if x.Dims() < 2 || y.Dims() < 2 {
			return errors.New("1-d MatMul operands are not supported")
		}
		os := broadcastShape(x.Shape()[:x.Dims()-2], y.Shape()[:y.Dims()-2])
		if os == nil || x.Dim(-1) != y.Dim(-2) || !smallEnough(append(os, x.Dim(-2), y.Dim(-1))) {
			return fmt.Errorf("shapes %v and %v do not fit or are too large", x.Shape(), y.Shape())
		}
		return set(gval{t: tensor.MatMul(x, y)})
	case "Gemm":
		x, err := ft(0)
		if err != nil {
			return err
		}
		w, err := ft(1)
		if err != nil {
			return err
		}
		if a.int("transA", 0) != 0 {
			x = x.Transpose()
		}
		if a.int("transB", 0) != 0 {
			w = w.Transpose()
		}
		y := tensor.MatMul(x, w)
		if alpha := a.float("alpha", 1); alpha != 1 {
			y = tensor.MulScalar(y, alpha)
		}
		if len(in) > 2 && (in[2].t != nil || in[2].c != nil) {
			c, err := ft(2)
			if err != nil {
				return err
			}
			if beta := a.float("beta", 1); beta != 1 {
				c = tensor.MulScalar(c, beta)
			}
			y = tensor.Add(y, c)
		}
		return set(gval{t: y})
	case "Add", "Sub", "Mul", "Div":
		x, err := ft(0)
		if err != nil {
			return err
		}
		y, err := ft(1)
		if err != nil {
			return err
		}
		if os := broadcastShape(x.Shape(), y.Shape()); os == nil || !smallEnough(os) {
			return fmt.Errorf("shapes %v and %v do not broadcast or are too large", x.Shape(), y.Shape())
		}
		f := map[string]func(a, b *tensor.Tensor) *tensor.Tensor{"Add": tensor.Add, "Sub": tensor.Sub, "Mul": tensor.Mul, "Div": tensor.Div}[n.OpType]
		return set(gval{t: f(x, y)})
	case "Pow":
		x, err := ft(0)
		if err != nil {
			return err
		}
		if len(in) < 2 || in[1].c == nil && (in[1].t == nil || in[1].t.Size() != 1) {
			return errors.New("only a constant scalar exponent is supported")
		}
		p := asConst(in[1]).floats()
		if len(p) != 1 {
			return errors.New("only a scalar exponent is supported")
		}
		if p[0] == 2 {
			return set(gval{t: tensor.Square(x)})
		}
		return set(gval{t: tensor.Pow(x, p[0])})
	case "Sqrt":
		x, err := ft(0)
		if err != nil {
			return err
		}
		return set(gval{t: tensor.Sqrt(x)})
	case "ReduceMean":
		x, err := ft(0)
		if err != nil {
			return err
		}
		ax := a.ints("axes")
		if l.opset >= 18 && len(in) > 1 && in[1].c != nil {
			ax = in[1].c.ints()
		}
		axes := make([]int, 0, len(ax))
		for _, v := range ax {
			k, err := axis(v, x.Dims())
			if err != nil {
				return err
			}
			axes = append(axes, k)
		}
		if len(axes) == 0 {
			for i := range x.Dims() {
				axes = append(axes, i)
			}
		}
		return set(gval{t: tensor.Mean(x, axes, a.int("keepdims", 1) != 0)})
	case "Softmax", "LogSoftmax":
		x, err := ft(0)
		if err != nil {
			return err
		}
		ax, err := axis(a.int("axis", -1), x.Dims())
		if err != nil {
			return err
		}
		if n.OpType == "Softmax" {
			return set(gval{t: tensor.Softmax(x, ax)})
		}
		return set(gval{t: tensor.LogSoftmax(x, ax)})
	case "Relu", "Sigmoid", "Tanh":
		x, err := ft(0)
		if err != nil {
			return err
		}
		f := map[string]func(*tensor.Tensor) *tensor.Tensor{"Relu": tensor.ReLU, "Sigmoid": tensor.Sigmoid, "Tanh": tensor.Tanh}[n.OpType]
		return set(gval{t: f(x)})
	case "LayerNormalization":
		x, err := ft(0)
		if err != nil {
			return err
		}
		ax, err := axis(a.int("axis", -1), x.Dims())
		if err != nil {
			return err
		}
		axes := []int{}
		for i := ax; i < x.Dims(); i++ {
			axes = append(axes, i)
		}
		eps := a.float("epsilon", 1e-5)
		mean := tensor.Mean(x, axes, true)
		xc := tensor.Sub(x, mean)
		vr := tensor.Mean(tensor.Square(xc), axes, true)
		y := tensor.Div(xc, tensor.Sqrt(tensor.AddScalar(vr, eps)))
		g, err := ft(1)
		if err != nil {
			return err
		}
		y = tensor.Mul(y, g)
		if len(in) > 2 && (in[2].t != nil || in[2].c != nil) {
			b, err := ft(2)
			if err != nil {
				return err
			}
			y = tensor.Add(y, b)
		}
		return set(gval{t: y})
	}
	return fmt.Errorf("op %s is not supported", n.OpType)
}

// maxRunElements bounds every tensor a Graph layer computes, and
// maxGraphInput the per-sample input of an imported graph.
const (
	maxRunElements = 1 << 26
	maxGraphInput  = 1 << 20
)

func smallEnough(shape []int) bool {
	_, err := checkDims(int64s(shape), maxRunElements)
	return err == nil
}

// broadcastShape returns the NumPy broadcast of a and b, or nil.
func broadcastShape(a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil
		}
	}
	return out
}

// shapeOp runs the shape ops on a float tensor (Gather, Slice, Unsqueeze,
// Squeeze, Concat) or on integer constants mixed with floats.
func (l *Graph) shapeOp(n *onnxpb.NodeProto, a attrs, in []gval, set func(gval) error) error {
	// Integer inputs only (some computed from Shape): fold.
	floatIn := false
	for i, v := range in {
		if v.t != nil && (i == 0 || n.OpType == "Concat") {
			floatIn = true
		}
	}
	if !floatIn {
		im := &importer{vals: map[string]*value{}}
		for i, name := range n.Input {
			if name != "" {
				im.vals[name] = &value{c: asConst(in[i])}
			}
		}
		c, err := fold(im, n, a)
		if err != nil {
			return err
		}
		if !c.isInt {
			return set(gval{t: tensor.FromSlice(slices.Clone(c.f), c.dims...)})
		}
		return set(gval{c: c})
	}
	x := in[0].t
	switch n.OpType {
	case "Gather":
		if in[1].c == nil {
			return errors.New("indices must be constant")
		}
		ax, err := axis(a.int("axis", 0), x.Dims())
		if err != nil {
			return err
		}
		idx := in[1].c.ints()
		ix := make([]int, len(idx))
		for i, v := range idx {
			if v < 0 {
				v += int64(x.Dim(ax))
			}
			if v < 0 || v >= int64(x.Dim(ax)) {
				return fmt.Errorf("index %d out of range", idx[i])
			}
			ix[i] = int(v)
		}
		if !smallEnough([]int{len(ix), x.Size() / max(x.Dim(ax), 1)}) {
			return errors.New("gather result too large")
		}
		y := tensor.Take(x, ax, ix)
		shape := slices.Clone(x.Shape()[:ax])
		shape = append(shape, in[1].c.dims...)
		shape = append(shape, x.Shape()[ax+1:]...)
		return set(gval{t: y.Reshape(shape...)})
	case "Slice":
		get := func(i int) []int64 {
			if i < len(in) && in[i].c != nil {
				return in[i].c.ints()
			}
			return nil
		}
		starts, ends, axes, steps := get(1), get(2), get(3), get(4)
		if len(starts) != len(ends) {
			return errors.New("starts and ends differ in length")
		}
		y := x
		for i := range starts {
			ax := i
			if axes != nil {
				k, err := axis(axes[i], x.Dims())
				if err != nil {
					return err
				}
				ax = k
			}
			if steps != nil && steps[i] != 1 {
				return errors.New("only step 1 is supported")
			}
			size := int64(y.Dim(ax))
			clamp := func(v int64) int {
				if v < 0 {
					v += size
				}
				return int(max(0, min(v, size)))
			}
			s, e := clamp(starts[i]), clamp(ends[i])
			if e < s {
				e = s
			}
			y = y.Slice(ax, s, e)
		}
		return set(gval{t: y})
	case "Unsqueeze", "Squeeze":
		var axes []int64
		if len(in) > 1 && in[1].c != nil {
			axes = in[1].c.ints()
		} else {
			axes = a.ints("axes")
		}
		shape := slices.Clone(x.Shape())
		if n.OpType == "Unsqueeze" {
			r := len(shape) + len(axes)
			norm := make([]int, len(axes))
			for i, v := range axes {
				k, err := axis(v, r)
				if err != nil {
					return err
				}
				norm[i] = k
			}
			slices.Sort(norm)
			for _, k := range norm {
				shape = slices.Insert(shape, k, 1)
			}
		} else {
			var keep []int
			for i, d := range shape {
				drop := axes == nil && d == 1
				for _, v := range axes {
					if k, _ := axis(v, len(shape)); k == i {
						drop = true
					}
				}
				if !drop {
					keep = append(keep, d)
				}
			}
			shape = keep
		}
		return set(gval{t: x.Reshape(shape...)})
	case "Concat":
		ax := int(a.int("axis", 0))
		var ts []*tensor.Tensor
		for _, v := range in {
			if v.t == nil {
				return errors.New("cannot concatenate float and integer tensors")
			}
			ts = append(ts, v.t)
		}
		if ax < 0 {
			ax += ts[0].Dims()
		}
		return set(gval{t: tensor.Concat(ax, ts...)})
	case "Cast":
		return set(in[0])
	}
	return fmt.Errorf("op %s on a float tensor is not supported", n.OpType)
}

// graphFallback reports whether g can run as one Graph layer in its own
// layout: every op supported, one input of rank ≤ 3 (no channels-first
// image layout to convert) and one output.
func graphFallback(g *onnxpb.GraphProto) bool {
	inputs := 0
	inits := map[string]bool{}
	for _, t := range g.Initializer {
		inits[t.Name] = true
	}
	for _, vi := range g.Input {
		if inits[vi.Name] {
			continue
		}
		inputs++
		if d := vi.GetType().GetTensorType().GetShape().GetDim(); len(d) > 3 {
			return false
		}
	}
	if inputs != 1 || len(g.Output) != 1 {
		return false
	}
	for _, n := range g.Node {
		if !graphOps[n.OpType] {
			return false
		}
	}
	return true
}

// importGraph imports g as one Graph layer: model input [per-sample dims of
// the graph input] → Graph → output.
func importGraph(mp *onnxpb.ModelProto, opset int) (m *model.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%v", r)
		}
	}()
	l, err := newGraph(mp.Graph, opset)
	if err != nil {
		return nil, err
	}
	inits := map[string]bool{}
	for _, t := range mp.Graph.Initializer {
		inits[t.Name] = true
	}
	var shape []int
	for _, vi := range mp.Graph.Input {
		if inits[vi.Name] {
			continue
		}
		for i, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			if i == 0 {
				continue
			}
			v := d.GetDimValue()
			if v <= 0 || v > 1<<24 {
				return nil, fmt.Errorf("input %q: dimension %d must be a fixed positive size", vi.Name, i)
			}
			shape = append(shape, int(v))
		}
	}
	if _, err := checkDims(int64s(shape), maxGraphInput); err != nil {
		return nil, fmt.Errorf("per-sample input: %w", err)
	}
	in := model.Input(shape...)
	out := model.Apply(l, in)
	if out.Err() != nil {
		return nil, out.Err()
	}
	m, err = model.NewModel([]*model.Node{in}, []*model.Node{out})
	if err != nil {
		return nil, err
	}
	if mp.Graph.Name != "" {
		m.SetName(mp.Graph.Name)
	}
	return m, nil
}
