package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// Import opset bounds: the default-domain opset of an imported file.
const (
	MinImportOpset = 13
	MaxImportOpset = 17
)

// batchSym stands for the (unknown) batch size in constant-folded shape
// computations (Shape → Gather → Concat → Reshape).
const batchSym = -(1 << 40)

// value is an ONNX value during import: a constant, or a tensile node.
//
// ONNX graphs from PyTorch are channels-first (NCHW, [N, C, L]); tensile
// is channels-last. A channels-first value is stored channels-last in its
// tensile node (cl set): logical axis 1 is the node's last axis. A 2-d
// value flattened from such a tensor has its features in tensile's H, W, C
// order; perm maps them back: tensile feature j is ONNX feature perm[j].
type value struct {
	c     *constT
	node  *model.Node
	shape []int // ONNX logical shape; shape[0] is the batch (-1)
	cl    bool
	// tm marks a time-major [T, B, D] value whose node holds [B, T, D].
	tm   bool
	perm []int
	// dense is set on the output of a Dense made from MatMul, whose zero
	// bias a following Add of a constant fills in.
	dense *pendingDense
}

type pendingDense struct {
	layer *nn.Dense
	bias  []float32
	used  bool
}

// importer holds the state of one Import.
type importer struct {
	vals     map[string]*value
	uses     map[string]int
	assign   []func() error // weight copies, run once the model is built
	opset    int
	nodeName string
	clInputs map[string]bool
	// transposed marks values read by a Transpose.
	transposed map[string]bool
	cons       map[string][]*onnxpb.NodeProto
	graphOut   map[string]bool
	// skip marks nodes already imported as part of a matched pattern.
	skip map[*onnxpb.NodeProto]bool
}

// Read imports the ONNX file at path as a tensile model (see Import).
func Read(path string) (*model.Model, error) {
	mp, err := ReadModelProto(path)
	if err != nil {
		return nil, err
	}
	m, err := importModel(mp)
	if err != nil {
		return nil, fmt.Errorf("onnx: import %s: %w", path, err)
	}
	return m, nil
}

// Import converts an ONNX model to a functional tensile model whose
// weights are ordinary trainable parameters (Fit fine-tunes it).
//
// Supported: what torch.onnx.export writes at opsets 13..17 for MLPs and
// CNNs — Conv (1-d and 2-d), Gemm, MatMul (constant right-hand side),
// Add/Sub/Mul/Div, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus,
// Softmax, LogSoftmax, MaxPool, AveragePool, GlobalAveragePool,
// GlobalMaxPool, BatchNormalization, Flatten, Reshape, Dropout, Identity,
// zero Pad, and the constant-folded shape ops (Constant, Shape, Gather,
// Unsqueeze, Squeeze, Concat, Slice, Cast). Channels-first graphs run
// channels-last: a 4-d input [N, C, H, W] becomes a tensile input
// [H, W, C] (NHWC), and weights are converted (OIHW → HWIO, Gemm's
// [out, in] → [in, out], Flatten's feature order). An unsupported op is an
// error naming the op and the node.
func Import(mp *onnxpb.ModelProto) (*model.Model, error) {
	m, err := importModel(mp)
	if err != nil {
		return nil, fmt.Errorf("onnx: import: %w", err)
	}
	return m, nil
}

// importModel maps the graph onto tensile layers, falling back to one
// Graph layer for graphs that do not map layer by layer (see Graph).
func importModel(mp *onnxpb.ModelProto) (*model.Model, error) {
	m, err := importLayers(mp)
	if err == nil || mp == nil || mp.Graph == nil || !graphFallback(mp.Graph) || errors.Is(err, errOpset) {
		return m, err
	}
	opset := 0
	for _, o := range mp.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			opset = int(o.Version)
		}
	}
	gm, gerr := importGraph(mp, opset)
	if gerr != nil {
		return nil, err // the layer-by-layer error names the first problem
	}
	return gm, nil
}

var errOpset = errors.New("opset")

func importLayers(mp *onnxpb.ModelProto) (m *model.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%v", r)
		}
	}()
	if mp == nil || mp.Graph == nil {
		return nil, errors.New("no graph")
	}
	opset := 0
	for _, o := range mp.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			opset = int(o.Version)
		}
	}
	if opset < MinImportOpset || opset > MaxImportOpset {
		return nil, fmt.Errorf("%w %d is not supported (%d..%d)", errOpset, opset, MinImportOpset, MaxImportOpset)
	}
	g := mp.Graph
	im := &importer{vals: map[string]*value{}, uses: map[string]int{}, opset: opset, clInputs: map[string]bool{}, transposed: map[string]bool{},
		graphOut: map[string]bool{}, skip: map[*onnxpb.NodeProto]bool{}}
	for _, t := range g.Initializer {
		c, err := tensorConst(t)
		if err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
		im.vals[t.Name] = &value{c: c}
	}
	nodes, err := topoSort(g)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		for _, in := range n.Input {
			im.uses[in]++
		}
		if slices.Contains([]string{"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization"}, n.OpType) && len(n.Input) > 0 {
			im.clInputs[n.Input[0]] = true
		}
		if n.OpType == "Transpose" && len(n.Input) > 0 {
			im.transposed[n.Input[0]] = true
		}
	}
	for _, o := range g.Output {
		im.uses[o.Name]++
		im.graphOut[o.Name] = true
	}
	im.cons = consumers(nodes)
	var inputs []*model.Node
	for _, vi := range g.Input {
		if _, isInit := im.vals[vi.Name]; isInit {
			continue // an initializer listed as an input (IR < 4)
		}
		v, err := im.input(vi)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", vi.Name, err)
		}
		im.vals[vi.Name] = v
		inputs = append(inputs, v.node)
	}
	if len(inputs) == 0 {
		return nil, errors.New("the graph has no inputs")
	}
	// Fold the constant-only nodes first, so that patterns matched from
	// an earlier node (recurrent ops) see their constant operands.
	for _, n := range nodes {
		if !im.constOnly(n) {
			continue
		}
		im.nodeName = n.Name
		if err := im.node(n); err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
		}
		im.skip[n] = true
	}
	for _, n := range nodes {
		im.nodeName = n.Name
		if im.nodeName == "" && len(n.Output) > 0 {
			im.nodeName = n.Output[0]
		}
		if err := im.node(n); err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", im.nodeName, n.OpType, err)
		}
	}
	var outputs []*model.Node
	for _, o := range g.Output {
		v := im.vals[o.Name]
		if v == nil || v.node == nil {
			return nil, fmt.Errorf("output %q is not computed from the inputs", o.Name)
		}
		if v.perm != nil {
			return nil, fmt.Errorf("output %q is a flattened channels-first tensor (not supported)", o.Name)
		}
		outputs = append(outputs, v.node)
	}
	m, err = model.NewModel(inputs, outputs)
	if err != nil {
		return nil, err
	}
	if g.Name != "" {
		m.SetName(g.Name)
	}
	for _, a := range im.assign {
		if err := a(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// constOnly reports whether n computes a constant from constants.
func (im *importer) constOnly(n *onnxpb.NodeProto) bool {
	if n.OpType == "Constant" {
		return true
	}
	if n.OpType == "Shape" || len(n.Input) == 0 {
		return false
	}
	for _, in := range n.Input {
		if in == "" {
			continue
		}
		v := im.vals[in]
		if v == nil || v.c == nil {
			return false
		}
	}
	return true
}

// topoSort orders the nodes so that each runs after the producers of its
// inputs; a cycle or a value produced twice is an error.
func topoSort(g *onnxpb.GraphProto) ([]*onnxpb.NodeProto, error) {
	producer := map[string]int{}
	for i, n := range g.Node {
		if n == nil {
			return nil, fmt.Errorf("node %d is empty", i)
		}
		for _, o := range n.Output {
			if o == "" {
				continue
			}
			if _, dup := producer[o]; dup {
				return nil, fmt.Errorf("value %q is produced by two nodes", o)
			}
			producer[o] = i
		}
	}
	state := make([]uint8, len(g.Node)) // 0 new, 1 on stack, 2 done
	var order []*onnxpb.NodeProto
	type frame struct{ i, next int }
	for start := range g.Node {
		if state[start] != 0 {
			continue
		}
		stack := []frame{{start, 0}}
		state[start] = 1
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			n := g.Node[f.i]
			if f.next < len(n.Input) {
				in := n.Input[f.next]
				f.next++
				p, ok := producer[in]
				if !ok {
					continue
				}
				switch state[p] {
				case 1:
					return nil, fmt.Errorf("the graph has a cycle through node %q (%s)", g.Node[p].Name, g.Node[p].OpType)
				case 0:
					state[p] = 1
					stack = append(stack, frame{p, 0})
				}
				continue
			}
			state[f.i] = 2
			order = append(order, n)
			stack = stack[:len(stack)-1]
		}
	}
	return order, nil
}

// input makes a tensile input for a graph input: the batch dimension
// first (symbolic or fixed), the others fixed.
func (im *importer) input(vi *onnxpb.ValueInfoProto) (*value, error) {
	tt := vi.GetType().GetTensorType()
	if tt == nil || tt.Shape == nil {
		return nil, errors.New("needs a tensor type with a shape")
	}
	if tt.ElemType != int32(onnxpb.TensorProto_FLOAT) {
		return nil, fmt.Errorf("element type %d is not supported (float32 inputs only)", tt.ElemType)
	}
	dims := tt.Shape.Dim
	if len(dims) < 2 || len(dims) > 5 {
		return nil, fmt.Errorf("rank %d is not supported (want [batch, ...] of rank 2..5)", len(dims))
	}
	shape := []int{-1}
	for i, d := range dims[1:] {
		v := d.GetDimValue()
		if v <= 0 || v > 1<<24 {
			return nil, fmt.Errorf("dimension %d must be a fixed positive size, got %v", i+1, d)
		}
		shape = append(shape, int(v))
	}
	// Channels-first unless a Transpose to channels-first reads it (as
	// in tensile's own exports): rank ≥ 4 always, rank 3 when a
	// convolution, pooling or batch norm reads it directly.
	if _, err := checkDims(int64s(shape[1:]), maxElements); err != nil {
		return nil, fmt.Errorf("per-sample shape: %w", err)
	}
	cl := (im.clInputs[vi.Name] || len(shape) >= 4) && len(shape) >= 3 && !im.transposed[vi.Name]
	per := slices.Clone(shape[1:])
	if cl {
		per = append(slices.Clone(shape[2:]), shape[1])
	}
	n := model.Input(per...)
	if n.Err() != nil {
		return nil, n.Err()
	}
	return &value{node: n, shape: shape, cl: cl}, nil
}

// attrs indexes a node's attributes.
type attrs map[string]*onnxpb.AttributeProto

func nodeAttrs(n *onnxpb.NodeProto) attrs {
	a := attrs{}
	for _, at := range n.Attribute {
		if at != nil {
			a[at.Name] = at
		}
	}
	return a
}

func (a attrs) int(name string, def int64) int64 {
	if at, ok := a[name]; ok {
		return at.I
	}
	return def
}

func (a attrs) float(name string, def float32) float32 {
	if at, ok := a[name]; ok {
		return at.F
	}
	return def
}

func (a attrs) ints(name string) []int64 {
	if at, ok := a[name]; ok {
		return at.Ints
	}
	return nil
}

func (a attrs) str(name, def string) string {
	if at, ok := a[name]; ok {
		return string(at.S)
	}
	return def
}

// in returns input i of n (nil when absent or empty).
func (im *importer) in(n *onnxpb.NodeProto, i int) (*value, error) {
	if i >= len(n.Input) || n.Input[i] == "" {
		return nil, nil
	}
	v, ok := im.vals[n.Input[i]]
	if !ok {
		return nil, fmt.Errorf("input %q is not defined", n.Input[i])
	}
	return v, nil
}

func (im *importer) dyn(n *onnxpb.NodeProto, i int) (*value, error) {
	v, err := im.in(n, i)
	if err != nil {
		return nil, err
	}
	if v == nil || v.node == nil {
		return nil, fmt.Errorf("input %d must be computed from the model's inputs", i)
	}
	return v, nil
}

func (im *importer) cnst(n *onnxpb.NodeProto, i int) (*constT, error) {
	v, err := im.in(n, i)
	if err != nil {
		return nil, err
	}
	if v == nil || v.c == nil {
		return nil, fmt.Errorf("input %d must be a constant (an initializer or folded)", i)
	}
	return v.c, nil
}

func (im *importer) set(n *onnxpb.NodeProto, v *value) error {
	if len(n.Output) == 0 || n.Output[0] == "" {
		return errors.New("node has no output")
	}
	im.vals[n.Output[0]] = v
	return nil
}

// apply applies a tensile layer to a value, keeping its layout.
func (im *importer) apply(l nn.Layer, x *value, shape []int) (*value, error) {
	out := model.Apply(l, x.node)
	if out.Err() != nil {
		return nil, out.Err()
	}
	return &value{node: out, shape: shape, cl: x.cl}, nil
}

// assignTo queues copying data into a layer's weight once the model is
// built, checking the shape.
func (im *importer) assignTo(l nn.Layer, get func() *tensor.Tensor, data []float32, shape []int) {
	node := im.nodeName
	im.assign = append(im.assign, func() error {
		t := get()
		if t == nil {
			return fmt.Errorf("node %q: layer %q has no such weight", node, l.Name())
		}
		if !slices.Equal(t.Shape(), shape) || len(data) != t.Size() {
			return fmt.Errorf("node %q: weight %s has shape %v, the file gives %v", node, t.Name(), t.Shape(), shape)
		}
		copy(t.Data(), data)
		return nil
	})
}

// axis normalises an ONNX axis for rank r.
func axis(a int64, r int) (int, error) {
	if a < 0 {
		a += int64(r)
	}
	if a < 0 || a >= int64(r) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", a, r)
	}
	return int(a), nil
}

// lastAxis reports whether the ONNX axis a of x is its tensile last axis.
func lastAxis(x *value, a int64) (bool, error) {
	ax, err := axis(a, len(x.shape))
	if err != nil {
		return false, err
	}
	if x.cl {
		return ax == 1, nil
	}
	return ax == len(x.shape)-1, nil
}

func (im *importer) activation(x *value, name string) (*value, error) {
	if x.perm != nil {
		v, err := im.apply(nn.NewActivation(name), x, x.shape)
		if err == nil {
			v.perm = x.perm
		}
		return v, err
	}
	return im.apply(nn.NewActivation(name), x, x.shape)
}

// node imports one ONNX node.
func (im *importer) node(n *onnxpb.NodeProto) error {
	if im.skip[n] {
		return nil
	}
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return fmt.Errorf("domain %q is not supported", n.Domain)
	}
	a := nodeAttrs(n)
	// Constant folding first: every input a constant.
	allConst := len(n.Input) > 0
	for i := range n.Input {
		v, err := im.in(n, i)
		if err != nil {
			return err
		}
		if v != nil && v.c == nil {
			allConst = false
		}
	}
	if n.OpType == "Constant" || (allConst && n.OpType != "Shape") {
		c, err := fold(im, n, a)
		if err != nil {
			return err
		}
		return im.set(n, &value{c: c})
	}
	switch n.OpType {
	case "Identity", "Dropout":
		x, err := im.in(n, 0)
		if err != nil || x == nil {
			return errors.Join(err, errors.New("missing input"))
		}
		if n.OpType == "Dropout" && len(n.Output) > 1 && n.Output[1] != "" && im.uses[n.Output[1]] > 0 {
			return errors.New("the dropout mask output is not supported")
		}
		return im.set(n, x)
	case "Shape":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		if a.int("start", 0) != 0 || a["end"] != nil {
			return errors.New("start/end attributes are not supported")
		}
		s := make([]int64, len(x.shape))
		for i, d := range x.shape {
			s[i] = int64(d)
		}
		s[0] = batchSym
		return im.set(n, &value{c: &constT{dims: []int{len(s)}, i: s, isInt: true}})
	case "Relu", "Sigmoid", "Tanh", "Softplus":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		v, err := im.activation(x, strings.ToLower(n.OpType))
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "LeakyRelu", "Elu":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		name, want := "leaky_relu", float32(0.2)
		if n.OpType == "Elu" {
			name, want = "elu", 1
		}
		def := float32(0.01)
		if n.OpType == "Elu" {
			def = 1
		}
		if alpha := a.float("alpha", def); math.Abs(float64(alpha-want)) > 1e-6 {
			return fmt.Errorf("alpha %g is not supported (tensile's %s uses %g)", alpha, name, want)
		}
		v, err := im.activation(x, name)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "Softmax", "LogSoftmax":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		if x.perm != nil {
			return errors.New("softmax over a flattened channels-first tensor is not supported")
		}
		ok, err := lastAxis(x, a.int("axis", -1))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("axis %d is not supported (only the feature axis)", a.int("axis", -1))
		}
		name := "softmax"
		if n.OpType == "LogSoftmax" {
			name = "log_softmax"
		}
		v, err := im.activation(x, name)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "Conv":
		return im.conv(n, a)
	case "MaxPool", "AveragePool":
		return im.pool(n, a)
	case "GlobalAveragePool", "GlobalMaxPool":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		if !x.cl {
			return fmt.Errorf("needs a channels-first input, got shape %v", x.shape)
		}
		v, err := im.globalPool(x, n.OpType == "GlobalMaxPool", true)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "ReduceMean", "ReduceMax":
		// Over the spatial axes: global pooling.
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		r := len(x.shape)
		var want []int
		for i := 1; i < r-1; i++ {
			if x.cl {
				want = append(want, i+1)
			} else {
				want = append(want, i)
			}
		}
		var got []int
		for _, ax := range a.ints("axes") {
			v, err := axis(ax, r)
			if err != nil {
				return err
			}
			got = append(got, v)
		}
		slices.Sort(got)
		if r < 3 || r > 4 || x.perm != nil || !slices.Equal(got, want) || a.int("noop_with_empty_axes", 0) != 0 {
			return fmt.Errorf("only a reduction over the spatial axes (global pooling) is supported, got axes %v of shape %v", a.ints("axes"), x.shape)
		}
		v, err := im.globalPool(x, n.OpType == "ReduceMax", a.int("keepdims", 1) != 0)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "LayerNormalization":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		if ok, err := lastAxis(x, a.int("axis", -1)); err != nil || !ok || x.cl || x.perm != nil {
			return fmt.Errorf("only normalising the last axis is supported (axis %d)", a.int("axis", -1))
		}
		d := x.shape[len(x.shape)-1]
		gamma, err := im.cnst(n, 1)
		if err != nil {
			return err
		}
		var beta []float32
		if b, err := im.in(n, 2); err != nil {
			return err
		} else if b != nil {
			if b.c == nil {
				return errors.New("the bias must be a constant")
			}
			beta = b.c.floats()
		}
		if gamma.size() != d || (beta != nil && len(beta) != d) {
			return fmt.Errorf("scale and bias must have %d values", d)
		}
		eps := a.float("epsilon", 1e-5)
		if !(eps > 0) {
			return fmt.Errorf("epsilon %g must be positive", eps)
		}
		l := nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: float64(eps), NoCenter: beta == nil})
		v, err := im.apply(l, x, x.shape)
		if err != nil {
			return err
		}
		im.assignTo(l, func() *tensor.Tensor { return l.Gamma }, gamma.floats(), []int{d})
		if beta != nil {
			im.assignTo(l, func() *tensor.Tensor { return l.Beta }, beta, []int{d})
		}
		return im.set(n, v)
	case "BatchNormalization":
		return im.batchNorm(n, a)
	case "Flatten":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		ax, err := axis(a.int("axis", 1), len(x.shape)+1)
		if err != nil || ax != 1 {
			return fmt.Errorf("axis %d is not supported (only 1)", a.int("axis", 1))
		}
		v, err := im.flatten(x)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "Reshape":
		return im.reshape(n, a)
	case "Gemm":
		return im.gemm(n, a)
	case "MatMul":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		w, err := im.cnst(n, 1)
		if err != nil {
			return fmt.Errorf("%w (a product of two computed tensors is not supported)", err)
		}
		if len(w.dims) != 2 {
			return fmt.Errorf("the weight must be 2-d, got %v", w.dims)
		}
		v, err := im.dense(x, w.floats(), w.dims[0], w.dims[1], false, nil, true)
		if err != nil {
			return err
		}
		return im.set(n, v)
	case "Add", "Sub", "Mul", "Div":
		return im.binary(n)
	case "Transpose":
		// Between channels-first and channels-last: the stored tensor is
		// the same, only the logical layout changes.
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		p := a.ints("perm")
		r := len(x.shape)
		toFirst, toLast := []int64{0, int64(r - 1)}, []int64{0}
		for i := 1; i < r-1; i++ {
			toFirst = append(toFirst, int64(i))
		}
		for i := 2; i < r; i++ {
			toLast = append(toLast, int64(i))
		}
		toLast = append(toLast, 1)
		v := *x
		v.dense = nil
		switch {
		case r == 3 && !x.cl && x.perm == nil && slices.Equal(p, []int64{1, 0, 2}):
			// Batch-major ⇄ time-major.
			v.tm = !x.tm
			v.shape = []int{x.shape[1], x.shape[0], x.shape[2]}
		case x.tm:
			return fmt.Errorf("perm %v of a time-major tensor is not supported", p)
		case r >= 3 && !x.cl && x.perm == nil && slices.Equal(p, toFirst):
			v.cl = true
			v.shape = append([]int{x.shape[0], x.shape[r-1]}, x.shape[1:r-1]...)
		case r >= 3 && x.cl && slices.Equal(p, toLast):
			v.cl = false
			v.shape = append(append([]int{x.shape[0]}, x.shape[2:]...), x.shape[1])
		default:
			return fmt.Errorf("perm %v is not supported (only channels-first ⇄ channels-last)", p)
		}
		return im.set(n, &v)
	case "RNN", "LSTM", "GRU":
		return im.recurrentOp(n, a)
	case "Pad":
		x, err := im.dyn(n, 0)
		if err != nil {
			return err
		}
		p, err := im.cnst(n, 1)
		if err != nil {
			return err
		}
		for _, v := range p.ints() {
			if v != 0 {
				return fmt.Errorf("non-zero pads %v are not supported", p.ints())
			}
		}
		return im.set(n, x)
	}
	return fmt.Errorf("op %s is not supported", n.OpType)
}

// globalPool pools over all spatial axes of a 3-d or 4-d tensor; keep
// keeps them as 1s (ONNX's GlobalAveragePool) in x's layout.
func (im *importer) globalPool(x *value, max, keep bool) (*value, error) {
	r := len(x.shape)
	if r != 3 && r != 4 || x.perm != nil {
		return nil, fmt.Errorf("needs a 3-d or 4-d input, got shape %v", x.shape)
	}
	c := x.shape[r-1]
	if x.cl {
		c = x.shape[1]
	}
	var l nn.Layer
	switch {
	case r == 4 && max:
		l = nn.NewGlobalMaxPooling2D()
	case r == 4:
		l = nn.NewGlobalAveragePooling2D()
	case max:
		l = nn.NewGlobalMaxPooling1D()
	default:
		l = nn.NewGlobalAveragePooling1D()
	}
	v, err := im.apply(l, x, []int{-1, c})
	if err != nil {
		return nil, err
	}
	v.cl = false
	if !keep {
		return v, nil
	}
	target := []int{1, c}
	if r == 4 {
		target = []int{1, 1, c}
	}
	shape := append([]int{-1}, target...)
	if x.cl {
		shape = append([]int{-1, c}, target[:len(target)-1]...)
	}
	v, err = im.apply(nn.NewReshape(target...), v, shape)
	if err != nil {
		return nil, err
	}
	v.cl = x.cl
	return v, nil
}

// dense makes a Dense layer from a weight [in, out] (transposed when
// trans, i.e. [out, in]) and an optional bias. A MatMul's Dense gets a
// zero bias that a following Add may fill.
func (im *importer) dense(x *value, w []float32, rows, cols int, trans bool, bias []float32, foldable bool) (*value, error) {
	in, out := rows, cols
	if trans {
		in, out = cols, rows
	}
	if x.cl {
		return nil, errors.New("a matrix product over a channels-first tensor is not supported; flatten it first")
	}
	if x.shape[len(x.shape)-1] != in {
		return nil, fmt.Errorf("input has %d features, the weight expects %d", x.shape[len(x.shape)-1], in)
	}
	k := make([]float32, in*out)
	for i := range in {
		src := i
		if x.perm != nil {
			src = x.perm[i]
		}
		for o := range out {
			if trans {
				k[i*out+o] = w[o*in+src]
			} else {
				k[i*out+o] = w[src*out+o]
			}
		}
	}
	if bias == nil {
		bias = make([]float32, out)
	}
	l := nn.NewDense(out, nn.DenseConfig{})
	shape := append(slices.Clone(x.shape[:len(x.shape)-1]), out)
	xv := *x
	xv.perm = nil
	v, err := im.apply(l, &xv, shape)
	if err != nil {
		return nil, err
	}
	pd := &pendingDense{layer: l, bias: slices.Clone(bias)}
	im.assignTo(l, func() *tensor.Tensor { return l.Kernel }, k, []int{in, out})
	im.assign = append(im.assign, func() error {
		copy(l.Bias.Data(), pd.bias)
		return nil
	})
	if foldable {
		v.dense = pd
	}
	return v, nil
}

func (im *importer) gemm(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	w, err := im.cnst(n, 1)
	if err != nil {
		return err
	}
	if a.int("transA", 0) != 0 || len(x.shape) != 2 || len(w.dims) != 2 {
		return errors.New("only a 2-d input times a constant 2-d weight (transA 0) is supported")
	}
	alpha, beta := a.float("alpha", 1), a.float("beta", 1)
	wf := slices.Clone(w.floats())
	for i := range wf {
		wf[i] *= alpha
	}
	trans := a.int("transB", 0) != 0
	out := w.dims[1]
	if trans {
		out = w.dims[0]
	}
	var bias []float32
	if c, err := im.in(n, 2); err != nil {
		return err
	} else if c != nil {
		if c.c == nil {
			return errors.New("the bias must be a constant")
		}
		cf := c.c.floats()
		switch {
		case len(cf) == out:
			bias = slices.Clone(cf)
		case len(cf) == 1:
			bias = make([]float32, out)
			for i := range bias {
				bias[i] = cf[0]
			}
		default:
			return fmt.Errorf("bias of shape %v does not broadcast to [%d]", c.c.dims, out)
		}
		for i := range bias {
			bias[i] *= beta
		}
	}
	v, err := im.dense(x, wf, w.dims[0], w.dims[1], trans, bias, false)
	if err != nil {
		return err
	}
	return im.set(n, v)
}

// binary imports Add/Sub/Mul/Div: two computed tensors of one shape
// (Add only), or a Dense output plus a constant bias.
func (im *importer) binary(n *onnxpb.NodeProto) error {
	x, err := im.in(n, 0)
	if err != nil {
		return err
	}
	y, err := im.in(n, 1)
	if err != nil {
		return err
	}
	if x == nil || y == nil {
		return errors.New("needs two inputs")
	}
	if x.node != nil && y.node != nil {
		if n.OpType != "Add" {
			return fmt.Errorf("%s of two computed tensors is not supported (Add is)", n.OpType)
		}
		if !slices.Equal(x.shape, y.shape) || x.cl != y.cl || !slices.Equal(x.perm, y.perm) {
			return fmt.Errorf("Add of shapes %v and %v (broadcasting is not supported)", x.shape, y.shape)
		}
		out := model.Apply(nn.NewAdd(), x.node, y.node)
		if out.Err() != nil {
			return out.Err()
		}
		return im.set(n, &value{node: out, shape: x.shape, cl: x.cl, perm: x.perm})
	}
	if x.node == nil {
		if n.OpType == "Sub" || n.OpType == "Div" {
			return fmt.Errorf("constant %s computed tensor is not supported", n.OpType)
		}
		x, y = y, x
	}
	c := y.c.floats()
	zero, one := true, true
	for _, v := range c {
		zero = zero && v == 0
		one = one && v == 1
	}
	switch {
	case (n.OpType == "Add" || n.OpType == "Sub") && zero, (n.OpType == "Mul" || n.OpType == "Div") && one:
		return im.set(n, x)
	case (n.OpType == "Add" || n.OpType == "Sub") && x.dense != nil && !x.dense.used && im.uses[n.Input[0]]+im.uses[n.Input[1]] <= 2:
		units := len(x.dense.bias)
		if len(c) != units && len(c) != 1 {
			return fmt.Errorf("a constant of shape %v does not broadcast as a bias of %d units", y.c.dims, units)
		}
		for i := range x.dense.bias {
			v := c[0]
			if len(c) == units {
				v = c[i]
			}
			if n.OpType == "Sub" {
				v = -v
			}
			x.dense.bias[i] += v
		}
		x.dense.used = true
		v := *x
		v.dense = nil
		return im.set(n, &v)
	}
	return fmt.Errorf("%s with a constant operand is only supported as a Dense bias", n.OpType)
}

// convGeometry reads kernel, strides, dilations and pads and maps the pads
// to tensile's "valid" or "same".
func convGeometry(a attrs, spatial []int, k []int) (strides, dil []int, padding string, err error) {
	r := len(spatial)
	get := func(name string) ([]int, error) {
		v := a.ints(name)
		if v == nil {
			o := make([]int, r)
			for i := range o {
				o[i] = 1
			}
			return o, nil
		}
		if len(v) != r {
			return nil, fmt.Errorf("%s %v does not match %d spatial axes", name, v, r)
		}
		o := make([]int, r)
		for i, x := range v {
			if x < 1 || x > 1<<16 {
				return nil, fmt.Errorf("%s %v is out of range", name, v)
			}
			o[i] = int(x)
		}
		return o, nil
	}
	if strides, err = get("strides"); err != nil {
		return
	}
	if dil, err = get("dilations"); err != nil {
		return
	}
	switch ap := a.str("auto_pad", "NOTSET"); ap {
	case "VALID":
		return strides, dil, "valid", nil
	case "SAME_UPPER":
		return strides, dil, "same", nil
	case "NOTSET", "":
	default:
		return nil, nil, "", fmt.Errorf("auto_pad %s is not supported", ap)
	}
	pads := a.ints("pads")
	if pads == nil {
		return strides, dil, "valid", nil
	}
	if len(pads) != 2*r {
		return nil, nil, "", fmt.Errorf("pads %v do not match %d spatial axes", pads, r)
	}
	if !slices.ContainsFunc(pads, func(p int64) bool { return p != 0 }) {
		return strides, dil, "valid", nil
	}
	if slices.Equal(pads, samePads(spatial, k, strides, dil)) {
		return strides, dil, "same", nil
	}
	if r == 1 && pads[0] == int64((k[0]-1)*dil[0]) && pads[1] == 0 {
		return strides, dil, "causal", nil
	}
	return nil, nil, "", fmt.Errorf("pads %v are not supported (only none or Keras's \"same\")", pads)
}

func (im *importer) conv(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	w, err := im.cnst(n, 1)
	if err != nil {
		return err
	}
	if !x.cl || (len(x.shape) != 4 && len(x.shape) != 3) || len(w.dims) != len(x.shape) {
		return fmt.Errorf("needs a channels-first 3-d or 4-d input and a weight of the same rank, got %v and %v", x.shape, w.dims)
	}
	if g := a.int("group", 1); g != 1 {
		return fmt.Errorf("group %d is not supported", g)
	}
	if w.dims[1] != x.shape[1] {
		return fmt.Errorf("weight %v does not fit %d input channels", w.dims, x.shape[1])
	}
	spatial := x.shape[2:]
	k := w.dims[2:]
	strides, dil, padding, err := convGeometry(a, spatial, k)
	if err != nil {
		return err
	}
	var bias []float32
	if b, err := im.in(n, 2); err != nil {
		return err
	} else if b != nil {
		if b.c == nil || b.c.size() != w.dims[0] {
			return errors.New("the bias must be a constant of one value per filter")
		}
		bias = b.c.floats()
	}
	filters := w.dims[0]
	// OIHW → HWIO ([O, I, K] → [K, I, O]).
	perm := []int{2, 3, 1, 0}
	if len(k) == 1 {
		perm = []int{2, 1, 0}
	}
	kd, ks := permute(w.floats(), w.dims, perm)
	var l nn.Layer
	var kernel, biasT func() *tensor.Tensor
	out := []int{-1, filters}
	for i := range spatial {
		ext := (k[i]-1)*dil[i] + 1
		o := (spatial[i] - ext + strides[i]) / strides[i]
		if padding == "causal" {
			o = (spatial[i] - 1 + strides[i]) / strides[i]
		}
		if padding == "same" {
			o = (spatial[i] + strides[i] - 1) / strides[i]
		}
		out = append(out, o)
	}
	if len(k) == 2 {
		c := nn.NewConv2D(filters, [2]int{k[0], k[1]}, nn.Conv2DConfig{Strides: [2]int{strides[0], strides[1]},
			Dilation: [2]int{dil[0], dil[1]}, Padding: padding, NoBias: bias == nil})
		l, kernel, biasT = c, func() *tensor.Tensor { return c.Kernel }, func() *tensor.Tensor { return c.Bias }
	} else {
		c := nn.NewConv1D(filters, k[0], nn.Conv1DConfig{Strides: strides[0], Dilation: dil[0], Padding: padding, NoBias: bias == nil})
		l, kernel, biasT = c, func() *tensor.Tensor { return c.Kernel }, func() *tensor.Tensor { return c.Bias }
	}
	v, err := im.apply(l, x, out)
	if err != nil {
		return err
	}
	im.assignTo(l, kernel, kd, ks)
	if bias != nil {
		im.assignTo(l, biasT, bias, []int{filters})
	}
	return im.set(n, v)
}

func (im *importer) pool(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	if !x.cl || (len(x.shape) != 4 && len(x.shape) != 3) {
		return fmt.Errorf("needs a channels-first 3-d or 4-d input, got %v", x.shape)
	}
	if a.int("ceil_mode", 0) != 0 {
		return errors.New("ceil_mode 1 is not supported")
	}
	kk := a.ints("kernel_shape")
	spatial := x.shape[2:]
	if len(kk) != len(spatial) {
		return fmt.Errorf("kernel_shape %v does not match %d spatial axes", kk, len(spatial))
	}
	k := make([]int, len(kk))
	for i, v := range kk {
		if v < 1 || v > 1<<16 {
			return fmt.Errorf("kernel_shape %v is out of range", kk)
		}
		k[i] = int(v)
	}
	strides, dil, padding, err := convGeometry(a, spatial, k)
	if err != nil {
		return err
	}
	for _, d := range dil {
		if d != 1 {
			return errors.New("dilated pooling is not supported")
		}
	}
	avg := n.OpType == "AveragePool"
	if avg && padding == "same" && a.int("count_include_pad", 0) != 0 {
		return errors.New("count_include_pad 1 with padding is not supported")
	}
	out := []int{-1, x.shape[1]}
	for i := range spatial {
		o := (spatial[i]-k[i])/strides[i] + 1
		if padding == "same" {
			o = (spatial[i] + strides[i] - 1) / strides[i]
		}
		out = append(out, o)
	}
	var l nn.Layer
	if len(k) == 2 {
		cfg := nn.PoolConfig{Strides: [2]int{strides[0], strides[1]}, Padding: padding}
		if avg {
			l = nn.NewAveragePooling2D([2]int{k[0], k[1]}, cfg)
		} else {
			l = nn.NewMaxPooling2D([2]int{k[0], k[1]}, cfg)
		}
	} else {
		cfg := nn.Pool1DConfig{Strides: strides[0], Padding: padding}
		if avg {
			l = nn.NewAveragePooling1D(k[0], cfg)
		} else {
			l = nn.NewMaxPooling1D(k[0], cfg)
		}
	}
	v, err := im.apply(l, x, out)
	if err != nil {
		return err
	}
	return im.set(n, v)
}

func (im *importer) batchNorm(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	if !(x.cl || len(x.shape) == 2) || x.perm != nil {
		return fmt.Errorf("needs a channels-first or 2-d input, got %v", x.shape)
	}
	if a.int("training_mode", 0) != 0 {
		return errors.New("training_mode 1 is not supported (export the model in eval mode)")
	}
	c := x.shape[1]
	var ps [4][]float32
	for i := range ps {
		t, err := im.cnst(n, i+1)
		if err != nil {
			return err
		}
		if t.size() != c {
			return fmt.Errorf("parameter %d has %d values for %d channels", i+1, t.size(), c)
		}
		ps[i] = t.floats()
	}
	eps := a.float("epsilon", 1e-5)
	mom := a.float("momentum", 0.9)
	if eps <= 0 || mom < 0 || mom > 1 {
		return fmt.Errorf("epsilon %g or momentum %g out of range", eps, mom)
	}
	l := nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: float64(eps), Momentum: float64(mom)})
	v, err := im.apply(l, x, x.shape)
	if err != nil {
		return err
	}
	for i, get := range []func() *tensor.Tensor{
		func() *tensor.Tensor { return l.Gamma }, func() *tensor.Tensor { return l.Beta },
		func() *tensor.Tensor { return l.MovingMean }, func() *tensor.Tensor { return l.MovingVar }} {
		im.assignTo(l, get, ps[i], []int{c})
	}
	return im.set(n, v)
}

// flatten flattens x to [N, features]; for a channels-first tensor the
// features come out in tensile's order and perm records ONNX's.
func (im *importer) flatten(x *value) (*value, error) {
	if x.perm != nil {
		return x, nil
	}
	if len(x.shape) == 2 {
		return x, nil
	}
	feat := numel(x.shape[1:])
	v, err := im.apply(nn.NewFlatten(), x, []int{-1, feat})
	if err != nil {
		return nil, err
	}
	v.cl = false
	if x.cl {
		// tensile order: spatial..., C; ONNX order: C, spatial...
		c := x.shape[1]
		sp := numel(x.shape[2:])
		if sp > 1 && c > 1 {
			v.perm = make([]int, feat)
			for s := range sp {
				for ch := range c {
					v.perm[s*c+ch] = ch*sp + s
				}
			}
		}
	}
	return v, nil
}

func (im *importer) reshape(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	s, err := im.cnst(n, 1)
	if err != nil {
		return err
	}
	target := slices.Clone(s.ints())
	if len(target) < 1 || len(target) > maxRank {
		return fmt.Errorf("target shape %v is not supported", target)
	}
	allowZero := a.int("allowzero", 0) != 0
	// Resolve 0 (copy), batchSym and -1.
	infer := -1
	known := 1
	for i, d := range target {
		switch {
		case d == batchSym:
			if i != 0 {
				return fmt.Errorf("target shape %v moves the batch dimension", target)
			}
		case d == 0 && !allowZero:
			if i >= len(x.shape) {
				return fmt.Errorf("target shape %v copies a missing dimension", target)
			}
			target[i] = int64(x.shape[i])
			if i == 0 {
				target[i] = batchSym
			} else {
				known *= x.shape[i]
			}
		case d == -1:
			if infer >= 0 {
				return fmt.Errorf("target shape %v has two -1s", target)
			}
			infer = i
		case d <= 0 || d > maxElements:
			return fmt.Errorf("target shape %v is invalid", target)
		default:
			if i > 0 {
				known *= int(d)
			}
		}
	}
	feat := numel(x.shape[1:])
	switch {
	case target[0] == batchSym:
	case infer == 0:
	default:
		return fmt.Errorf("target shape %v fixes the batch size (only a dynamic batch is supported)", s.ints())
	}
	out := []int{-1}
	for i := 1; i < len(target); i++ {
		if int(i) == infer {
			if known == 0 || feat%known != 0 {
				return fmt.Errorf("target shape %v does not fit %v", s.ints(), x.shape)
			}
			out = append(out, feat/known)
		} else {
			out = append(out, int(target[i]))
		}
	}
	if numel(out[1:]) != feat {
		return fmt.Errorf("target shape %v does not fit %v", s.ints(), x.shape)
	}
	if len(out) == 2 {
		v, err := im.flatten(x)
		if err != nil {
			return err
		}
		return im.set(n, v)
	}
	if x.cl || x.perm != nil {
		if slices.Equal(out, x.shape) {
			return im.set(n, x)
		}
		return errors.New("reshaping a channels-first tensor other than flattening is not supported")
	}
	v, err := im.apply(nn.NewReshape(out[1:]...), x, out)
	if err != nil {
		return err
	}
	return im.set(n, v)
}
