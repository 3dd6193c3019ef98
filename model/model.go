package model

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tensile-ml/tensile/internal/limits"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// Node is a symbolic tensor of a functional model: the output of a layer
// applied to other nodes, or a model input. Its shape is per sample.
type Node struct {
	layer  nn.Layer
	inputs []*Node
	shape  []int
	err    error

	// multi-output layers (multi.go)
	nout  int   // a call node of a multi-output layer: its number of outputs (0: one)
	src   *Node // an output node: the call node it reads
	index int   // an output node: which output of src
}

// Input returns a model input with a per-sample shape (e.g. 28, 28, 1).
func Input(shape ...int) *Node {
	for _, d := range shape {
		if d <= 0 || len(shape) == 0 {
			return &Node{err: fmt.Errorf("model: Input: dimensions must be positive, got %v", shape)}
		}
	}
	if len(shape) == 0 {
		return &Node{err: errors.New("model: Input: empty shape")}
	}
	return &Node{layer: nn.NewInput(shape...), shape: slices.Clone(shape)}
}

// Shape returns the node's per-sample shape.
func (n *Node) Shape() []int { return n.shape }

// Layer returns the layer that produces the node.
func (n *Node) Layer() nn.Layer { return n.layer }

// Err returns the error recorded when the node was made (a shape that does
// not fit the layer), or nil. NewModel reports it too.
func (n *Node) Err() error { return n.err }

// Apply applies layer l to input nodes, as Keras's layer(x): it computes the
// output shape and returns the output node. Merge layers (nn.Add,
// nn.Concatenate) take several inputs, other layers one. A shape that does
// not fit is recorded in the node and reported by NewModel.
func Apply(l nn.Layer, inputs ...*Node) *Node {
	out := &Node{layer: l, inputs: inputs}
	for _, in := range inputs {
		if in == nil {
			out.err = fmt.Errorf("model: layer %q (%s): nil input node", l.Name(), l.ClassName())
			return out
		}
		if in.err != nil {
			out.err = in.err
			return out
		}
	}
	shapes := make([][]int, len(inputs))
	for i, in := range inputs {
		shapes[i] = in.shape
	}
	var err error
	switch ml, ok := l.(nn.MultiInputLayer); {
	case ok:
		out.shape, err = ml.OutputShapeMulti(shapes)
	case len(inputs) != 1:
		err = fmt.Errorf("model: layer %q (%s) takes one input, got %d", l.Name(), l.ClassName(), len(inputs))
	default:
		out.shape, err = l.OutputShape(shapes[0])
	}
	out.err = err
	return out
}

// Model is a neural network: a Sequential stack of layers or a functional
// graph of layers with several inputs, branches and merges. Compile it,
// then Fit, Evaluate and Predict; Save and Load round-trip it.
type Model struct {
	gradHook   func(params []*tensor.Tensor) error // see SetGradientHook
	name       string
	sequential bool
	seqLayers  []nn.Layer // Sequential: the layers in order (may include an nn.Input)
	inShape    []int      // Sequential: the per-sample input shape, once known
	seed       uint64
	names      map[string]int

	// graph, set by build
	built   bool
	inputs  []*Node
	outputs []*Node
	nodes   []*Node // topological order
	layers  []nn.Layer
	pooled  map[*Node]*Node // a Conv2D node whose only consumer is this max pooling node

	// compile state
	opt          optim.Optimizer
	loss         losses.Loss
	metrics      []metrics.Metric
	pendingState map[string][]float32 // optimizer state read by Load
	pendingOpt   string

	meta map[string][]byte // user metadata (SetMetadata)

	maxWeights int64 // weight values Build may create; 0: MaxWeightElements

	stop       bool
	trainArena *tensor.Arena     // TrainStep's activations and gradients (one training loop)
	stepIn     [1]*tensor.Tensor // Fit's reused one-input slice
	replicas   Replicas          // data-parallel peers (SetReplicas), or nil
	arenas     sync.Pool         // *tensor.Arena for concurrent Evaluate/Predict calls
	metricMu   sync.Mutex        // serialises Evaluate calls sharing uncloneable metrics
}

// NewSequential returns a Sequential model of the given layers. The input
// shape comes from a leading nn.Input (or InputShape) layer, from SetInput,
// or from the data at the first Fit. Layers are named like Keras's (dense,
// dense_1, ...) unless already given distinct names.
func NewSequential(layers ...nn.Layer) *Model {
	m := &Model{name: "sequential", sequential: true, names: map[string]int{}}
	for _, l := range layers {
		m.addLayer(l)
	}
	return m
}

// InputShape returns an input layer declaring a Sequential model's
// per-sample input shape; it is nn.NewInput.
func InputShape(shape ...int) *nn.Input { return nn.NewInput(shape...) }

// Add appends a layer to a Sequential model. It is an error on a functional
// model or after the model is built.
func (m *Model) Add(l nn.Layer) error {
	if !m.sequential {
		return errors.New("model: Add: not a Sequential model")
	}
	if m.built {
		return errors.New("model: Add: the model is already built")
	}
	m.addLayer(l)
	return nil
}

func (m *Model) addLayer(l nn.Layer) {
	m.uniqueName(l)
	m.seqLayers = append(m.seqLayers, l)
}

// uniqueName gives l a name not yet used in the model: its own name if it is
// free, else the Keras-style default ("dense", "dense_1", ...).
func (m *Model) uniqueName(l nn.Layer) {
	if m.names == nil {
		m.names = map[string]int{}
	}
	base := nn.SnakeCase(l.ClassName())
	if l.ClassName() == "InputLayer" {
		base = "input_layer"
	}
	name := l.Name()
	if _, used := m.names[name]; name != base && name != "" && !used {
		m.names[name] = 0
		return
	}
	for k := 0; ; k++ {
		n := base
		if k > 0 {
			n = fmt.Sprintf("%s_%d", base, k)
		}
		if _, used := m.names[n]; !used {
			m.names[n] = 0
			l.SetName(n)
			return
		}
	}
}

// SetName sets the model's name (shown by Summary).
func (m *Model) SetName(n string) { m.name = n }

// Name returns the model's name.
func (m *Model) Name() string { return m.name }

// SetSeed sets the seed of the weight initialisation; call it before the
// model is built. The default is 0; the same seed gives the same weights.
func (m *Model) SetSeed(seed uint64) { m.seed = seed }

// NewModel returns a functional model from input nodes (made by Input) to
// output nodes (made by Apply). It reports the first shape error recorded
// in the graph, naming the layer.
func NewModel(inputs, outputs []*Node) (*Model, error) {
	return newModel(inputs, outputs, 0)
}

// newModel is NewModel with a bound on the weight values its build may
// create (0: MaxWeightElements).
func newModel(inputs, outputs []*Node, maxWeights int64) (*Model, error) {
	m := &Model{name: "functional", names: map[string]int{}, maxWeights: maxWeights}
	if err := m.setGraph(inputs, outputs); err != nil {
		return nil, err
	}
	if err := m.buildLayers(); err != nil {
		return nil, err
	}
	return m, nil
}

// setGraph records the graph and its topological order and names layers.
func (m *Model) setGraph(inputs, outputs []*Node) error {
	if len(inputs) == 0 || len(outputs) == 0 {
		return errors.New("model: a model needs at least one input and one output")
	}
	for _, n := range append(slices.Clone(inputs), outputs...) {
		if n == nil {
			return errors.New("model: nil node")
		}
		if n.err != nil {
			return n.err
		}
	}
	isInput := map[*Node]bool{}
	for _, in := range inputs {
		if _, ok := in.layer.(*nn.Input); !ok {
			return fmt.Errorf("model: input node of layer %q is not made by model.Input", in.layer.Name())
		}
		isInput[in] = true
	}
	var order []*Node
	state := map[*Node]int{} // 1 visiting, 2 done
	var visit func(n *Node) error
	visit = func(n *Node) error {
		switch state[n] {
		case 1:
			return errors.New("model: the graph has a cycle")
		case 2:
			return nil
		}
		state[n] = 1
		if len(n.inputs) == 0 && !isInput[n] {
			return fmt.Errorf("model: layer %q depends on an input that is not among the model's inputs", n.layer.Name())
		}
		for _, in := range n.inputs {
			if err := visit(in); err != nil {
				return err
			}
		}
		state[n] = 2
		order = append(order, n)
		return nil
	}
	for _, o := range outputs {
		if err := visit(o); err != nil {
			return err
		}
	}
	seen := map[nn.Layer]bool{}
	var layers []nn.Layer
	for _, n := range order {
		if n.isOutputNode() {
			continue
		}
		if seen[n.layer] {
			return fmt.Errorf("model: layer %q is used more than once; shared layers are not supported", n.layer.Name())
		}
		seen[n.layer] = true
		layers = append(layers, n.layer)
	}
	if !m.sequential {
		for _, l := range layers {
			m.uniqueName(l)
		}
	}
	m.inputs, m.outputs, m.nodes, m.layers = inputs, outputs, order, layers
	m.pooled = convPoolPairs(order, outputs)
	return nil
}

// convPoolPairs finds the Conv2D nodes whose output feeds only a pooling
// node (and is not a model output): run computes each such pair with
// nn.Conv2D.ForwardPooled, the explicit fused op.
func convPoolPairs(order, outputs []*Node) map[*Node]*Node {
	uses := map[*Node][]*Node{}
	for _, n := range order {
		for _, in := range n.inputs {
			uses[in] = append(uses[in], n)
		}
	}
	for _, o := range outputs {
		uses[o] = append(uses[o], nil)
	}
	pairs := map[*Node]*Node{}
	for _, n := range order {
		if _, ok := n.layer.(*nn.Conv2D); !ok || len(uses[n]) != 1 || uses[n][0] == nil {
			continue
		}
		if q := uses[n][0]; len(q.inputs) == 1 {
			if _, ok := q.layer.(*nn.Pooling2D); ok {
				pairs[n] = q
			}
		}
	}
	return pairs
}

// buildLayers builds every layer for its input shapes. A layer that
// panics while building is reported like one that returns an error. The
// weights all layers create together may hold at most m.maxWeights values
// (or MaxWeightElements): a layer asking for more gets an error naming it,
// before its weights are allocated. So does a layer whose per-sample output
// shape holds more than nn.MaxSampleElements values.
func (m *Model) buildLayers() (err error) {
	rng := tensor.NewRNG(m.seed)
	limit := m.maxWeights
	if limit <= 0 {
		limit = MaxWeightElements
	}
	defer nn.LimitWeights(rng, limit)()
	var cur *Node
	defer func() {
		if err != nil {
			var le *LayerError
			if errors.As(err, &le) {
				var we *nn.WeightLimitError
				if errors.As(le.Err, &we) {
					why := "model.MaxWeightElements"
					if m.maxWeights > 0 {
						why = "the values the model file holds"
					}
					err = fmt.Errorf("model: building layer %q (%s): weight of shape %v does not fit: the model may hold %d weight values (%s), %d are taken", le.Layer, le.Class, we.Shape, we.Limit, why, we.Used)
					return
				}
				err = fmt.Errorf("model: building layer %q (%s): %w", le.Layer, le.Class, le.Err)
			}
		}
	}()
	defer guard(&cur, &err)
	for _, n := range m.nodes {
		if n.isOutputNode() {
			continue
		}
		cur = n
		if _, err := limits.Product(n.shape, nn.MaxSampleElements); err != nil {
			return fmt.Errorf("model: layer %q (%s): output %w per sample (the limit, nn.MaxSampleElements)", n.layer.Name(), n.layer.ClassName(), err)
		}
		var err error
		if ml, ok := n.layer.(nn.MultiInputLayer); ok {
			shapes := make([][]int, len(n.inputs))
			for i, in := range n.inputs {
				shapes[i] = in.shape
			}
			err = ml.BuildMulti(shapes, rng)
		} else if len(n.inputs) == 1 {
			err = n.layer.Build(n.inputs[0].shape, rng)
		} else {
			err = n.layer.Build(n.shape, rng)
		}
		if err != nil {
			return fmt.Errorf("model: building layer %q (%s): %w", n.layer.Name(), n.layer.ClassName(), err)
		}
	}
	cur = nil
	m.built = true
	return nil
}

// SetInput declares a Sequential model's per-sample input shape and builds
// it. Fit calls it with the data's shape when the model has none.
func (m *Model) SetInput(shape ...int) error { return m.Build(shape) }

// Build builds the model for a per-sample input shape: for a Sequential
// model without a declared input it fixes the shape; otherwise the shape
// must match the declared one. It is a no-op when already built with it.
func (m *Model) Build(inputShape []int) error {
	if m.built {
		if len(m.inputs) == 1 && inputShape != nil && !slices.Equal(m.inputs[0].shape, inputShape) {
			return fmt.Errorf("model: input shape %v does not match the model's %v", inputShape, m.inputs[0].shape)
		}
		return nil
	}
	if !m.sequential {
		return errors.New("model: functional model is not built")
	}
	layers := m.seqLayers
	var in *Node
	if len(layers) > 0 {
		if il, ok := layers[0].(*nn.Input); ok {
			in = &Node{layer: il, shape: slices.Clone(il.Shape())}
			layers = layers[1:]
			if inputShape != nil && !slices.Equal(inputShape, il.Shape()) {
				return fmt.Errorf("model: data has per-sample shape %v but the model's input is %v", inputShape, il.Shape())
			}
		}
	}
	if in == nil {
		if inputShape == nil {
			return errors.New("model: the input shape is unknown: start the model with model.InputShape(...) or call SetInput")
		}
		il := nn.NewInput(inputShape...)
		m.uniqueName(il)
		m.seqLayers = append([]nn.Layer{il}, m.seqLayers...)
		in = &Node{layer: il, shape: slices.Clone(inputShape)}
	}
	if len(layers) == 0 {
		return errors.New("model: the Sequential model has no layers")
	}
	x := in
	for _, l := range layers {
		if _, ok := l.(*nn.Input); ok {
			return fmt.Errorf("model: input layer %q must come first", l.Name())
		}
		x = Apply(l, x)
		if x.err != nil {
			return x.err
		}
	}
	if err := m.setGraph([]*Node{in}, []*Node{x}); err != nil {
		return err
	}
	m.inShape = slices.Clone(in.shape)
	return m.buildLayers()
}

// Built reports whether the model's layers are built.
func (m *Model) Built() bool { return m.built }

// Layers returns the layers in execution order (including input layers).
func (m *Model) Layers() []nn.Layer {
	if !m.built && m.sequential {
		return slices.Clone(m.seqLayers)
	}
	return slices.Clone(m.layers)
}

// Layer returns the layer with the given name, or nil.
func (m *Model) Layer(name string) nn.Layer {
	for _, l := range m.Layers() {
		if l.Name() == name {
			return l
		}
	}
	return nil
}

// Params returns the trainable weights of all layers.
func (m *Model) Params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, l := range m.layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Weights returns all weights (trainable, then each layer's state), in
// layer order.
func (m *Model) Weights() []*tensor.Tensor {
	var ws []*tensor.Tensor
	for _, l := range m.layers {
		ws = append(ws, nn.Weights(l)...)
	}
	return ws
}

// InputShapes returns the per-sample shapes of the model's inputs (nil
// before a Sequential model is built).
func (m *Model) InputShapes() [][]int {
	var s [][]int
	for _, n := range m.inputs {
		s = append(s, slices.Clone(n.shape))
	}
	return s
}

// OutputShapes returns the per-sample shapes of the model's outputs.
func (m *Model) OutputShapes() [][]int {
	var s [][]int
	for _, n := range m.outputs {
		s = append(s, slices.Clone(n.shape))
	}
	return s
}

// LayerError is returned when a layer fails while the model runs: it names
// the layer and wraps the cause (usually a *tensor.ShapeError).
type LayerError struct {
	Layer string // the layer's name, e.g. "dense_1"
	Class string // its class, e.g. "Dense"
	Err   error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("model: layer %q (%s): %v", e.Layer, e.Class, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// run executes the graph on batches xs (one per input). In training mode
// with fuse set, the last layer of the single output runs ForwardLogits.
// Padding masks flow between layers as described in mask.go. It panics on
// shape errors; cur names the node that was running.
func (m *Model) run(xs []*tensor.Tensor, training, fuse bool, cur **Node) []*tensor.Tensor {
	vals := make(map[*Node]*tensor.Tensor, len(m.nodes))
	var masks map[*Node]*tensor.Tensor   // nil until a layer produces a mask
	var multi map[*Node][]*tensor.Tensor // every output of multi-output calls
	for i, in := range m.inputs {
		vals[in] = xs[i]
	}
	last := m.outputs[0]
	for _, n := range m.nodes {
		if _, ok := vals[n]; ok {
			continue
		}
		*cur = n
		if n.isOutputNode() { // output k of a call that already ran; no mask
			vals[n] = multi[n.src][n.index]
			continue
		}
		var inMasks []*tensor.Tensor
		if masks != nil {
			for _, in := range n.inputs {
				inMasks = append(inMasks, masks[in])
			}
		}
		var y *tensor.Tensor
		switch l := n.layer.(type) {
		case nn.MultiInputLayer:
			ins := make([]*tensor.Tensor, len(n.inputs))
			for i, in := range n.inputs {
				ins[i] = vals[in]
			}
			if mc, ok := l.(nn.MultiMaskConsumer); ok && slices.ContainsFunc(inMasks, func(m *tensor.Tensor) bool { return m != nil }) {
				y = mc.ForwardMultiMasked(ins, inMasks, training)
			} else {
				y = l.ForwardMulti(ins, training)
			}
		default:
			x := vals[n.inputs[0]]
			var mask *tensor.Tensor
			if inMasks != nil {
				mask = inMasks[0]
			}
			mc, consumes := l.(nn.MaskConsumer)
			q := m.pooled[n]
			switch {
			case n.nout > 1:
				if !consumes {
					mask = nil
				}
				ys := l.(nn.MultiOutputLayer).ForwardOutputs(x, mask, training)
				if len(ys) != n.nout {
					panic(fmt.Errorf("layer gave %d outputs, %d expected", len(ys), n.nout))
				}
				if multi == nil {
					multi = map[*Node][]*tensor.Tensor{}
				}
				multi[n] = ys
				y = ys[0]
			case q != nil && masks == nil && !(fuse && q == last):
				if z, ok := l.(*nn.Conv2D).ForwardPooled(q.layer.(*nn.Pooling2D), x, training); ok {
					vals[n], vals[q] = nil, z // q is n's only consumer
					continue
				}
				y = l.Forward(x, training)
			case fuse && n == last:
				y = l.(nn.LogitsLayer).ForwardLogits(x, training)
			case mask != nil && consumes:
				y = mc.ForwardMasked(x, mask, training)
			default:
				y = l.Forward(x, training)
			}
		}
		vals[n] = y
		_, produces := n.layer.(nn.MaskProducer)
		if masks != nil || produces {
			var x *tensor.Tensor
			if len(n.inputs) > 0 {
				x = vals[n.inputs[0]]
			}
			if mk := outputMask(n, x, inMasks); mk != nil {
				if masks == nil {
					masks = map[*Node]*tensor.Tensor{}
				}
				masks[n] = mk
			}
		}
	}
	*cur = nil
	outs := make([]*tensor.Tensor, len(m.outputs))
	for i, o := range m.outputs {
		outs[i] = vals[o]
	}
	return outs
}

// Call runs the model on input batches without recording gradients beyond
// what the inputs require, returning the outputs (activations applied). It
// returns an error naming the layer when shapes do not fit.
func (m *Model) Call(xs []*tensor.Tensor, training bool) (outs []*tensor.Tensor, err error) {
	if !m.built {
		if len(xs) != 1 {
			return nil, errors.New("model: the model is not built")
		}
		if err := m.Build(xs[0].Shape()[1:]); err != nil {
			return nil, err
		}
	}
	if len(xs) != len(m.inputs) {
		return nil, fmt.Errorf("model: %d inputs given, the model has %d", len(xs), len(m.inputs))
	}
	var cur *Node
	defer guard(&cur, &err)
	return m.run(xs, training, false, &cur), nil
}
