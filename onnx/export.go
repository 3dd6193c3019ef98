package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// Opset bounds: Export writes opsets MinOpset..MaxOpset (default
// DefaultOpset) of the default ONNX domain.
const (
	MinOpset     = 13
	MaxOpset     = 17
	DefaultOpset = 17
	irVersion    = 8
)

// ExportOptions configures Export. The zero value writes DefaultOpset.
type ExportOptions struct {
	// Opset is the ONNX opset version (13..17; 0 means DefaultOpset).
	Opset int
	// Producer is written as producer_name ("" means "tensile").
	Producer string
}

// Export converts a built model (Sequential or functional) to an ONNX
// model. Inputs and outputs keep tensile's layouts (NHWC images, [B, T, D]
// sequences, float32 token ids) with a symbolic batch dimension "N"; the
// graph inputs and outputs are named after the model's input and output
// layers. Layers run in inference mode (Dropout is Identity,
// BatchNormalization uses its moving statistics). A layer with no ONNX
// mapping is an error naming it.
func Export(m *model.Model, opts ExportOptions) (*onnxpb.ModelProto, error) {
	opset := opts.Opset
	if opset == 0 {
		opset = DefaultOpset
	}
	if opset < MinOpset || opset > MaxOpset {
		return nil, fmt.Errorf("onnx: export: opset %d is not supported (use %d..%d)", opset, MinOpset, MaxOpset)
	}
	arch, err := m.Spec()
	if err != nil {
		return nil, fmt.Errorf("onnx: export: %w", err)
	}
	b := &builder{opset: opset, g: &onnxpb.GraphProto{Name: m.Name()}, shapes: map[string][]int{}, names: map[string]int{}, masks: map[string]string{}}
	seq := arch.ClassName == "Sequential"
	prev := ""
	for _, e := range arch.Config.Layers {
		name := e.Name()
		l := m.Layer(name)
		if l == nil {
			return nil, fmt.Errorf("onnx: export: layer %q not found in the model", name)
		}
		if in, ok := l.(*nn.Input); ok {
			b.input(name, in.Shape())
			prev = name
			continue
		}
		inbound := e.Inbound
		if seq {
			inbound = []string{prev}
		}
		if err := b.layer(l, e.Config, inbound); err != nil {
			return nil, fmt.Errorf("onnx: export: layer %q (%s): %w", name, l.ClassName(), err)
		}
		prev = name
	}
	outs := arch.Config.OutputLayers
	if seq {
		outs = []string{prev}
	}
	for _, o := range outs {
		b.g.Output = append(b.g.Output, valueInfo(o, b.shapes[o]))
	}
	producer := opts.Producer
	if producer == "" {
		producer = "tensile"
	}
	return &onnxpb.ModelProto{
		IrVersion:    irVersion,
		ProducerName: producer,
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: "", Version: int64(opset)}},
		Graph:        b.g,
	}, nil
}

// Marshal returns the binary encoding of an ONNX model.
func Marshal(mp *onnxpb.ModelProto) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(mp)
}

// Save exports m and writes it to path (temp file, sync, rename).
func Save(m *model.Model, path string, opts ExportOptions) error {
	mp, err := Export(m, opts)
	if err != nil {
		return err
	}
	data, err := Marshal(mp)
	if err != nil {
		return fmt.Errorf("onnx: %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(filepath.Clean(path), data); err != nil {
		return fmt.Errorf("onnx: %s: %w", path, err)
	}
	return nil
}

// builder accumulates the ONNX graph. Values are named after the layer
// producing them; shapes holds their per-sample shapes.
type builder struct {
	opset  int
	g      *onnxpb.GraphProto
	shapes map[string][]int
	names  map[string]int
	cur    string
	// inbound and inShapes are the current layer's inputs.
	inbound  []string
	inShapes [][]int
	// masks maps a value to its boolean padding mask [B, T] (mask.go).
	masks map[string]string
}

func (b *builder) fresh(s string) string {
	b.names[s]++
	if n := b.names[s]; n > 1 {
		return fmt.Sprintf("%s_%d", s, n-1)
	}
	return s
}

func valueInfo(name string, shape []int) *onnxpb.ValueInfoProto {
	dims := []*onnxpb.TensorShapeProto_Dimension{{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}}
	for _, d := range shape {
		dims = append(dims, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(onnxpb.TensorProto_FLOAT), Shape: &onnxpb.TensorShapeProto{Dim: dims}},
	}}}
}

func (b *builder) input(name string, shape []int) {
	b.g.Input = append(b.g.Input, valueInfo(name, shape))
	b.shapes[name] = slices.Clone(shape)
	b.names[name]++
}

// node appends a node and returns its (first) output name.
func (b *builder) node(op string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	out := b.fresh(b.cur + "/" + op)
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: op, Name: out, Input: inputs, Output: []string{out}, Attribute: attrs})
	return out
}

// nodeN appends a node with n outputs (an empty name skips an optional one).
func (b *builder) nodeN(op string, inputs []string, outputs []bool, attrs ...*onnxpb.AttributeProto) []string {
	base := b.fresh(b.cur + "/" + op)
	outs := make([]string, len(outputs))
	for i, want := range outputs {
		if want {
			outs[i] = fmt.Sprintf("%s:%d", base, i)
		}
	}
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: op, Name: base, Input: inputs, Output: outs, Attribute: attrs})
	return outs
}

// rename gives the value v the final name (an Identity when needed).
func (b *builder) finish(v, name string, shape []int) {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{OpType: "Identity", Name: name + "/output", Input: []string{v}, Output: []string{name}})
	b.shapes[name] = shape
}

func floatTensor(name string, t *tensor.Tensor) *onnxpb.TensorProto {
	return floatsTensor(name, t.Contiguous().Data(), t.Shape())
}

func floatsTensor(name string, data []float32, shape []int) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	return &onnxpb.TensorProto{Name: name, DataType: int32(onnxpb.TensorProto_FLOAT), Dims: dims, RawData: raw}
}

// weight adds an initializer and returns its name.
func (b *builder) weight(name string, data []float32, shape []int) string {
	name = b.fresh(name)
	b.g.Initializer = append(b.g.Initializer, floatsTensor(name, data, shape))
	return name
}

func (b *builder) tensorWeight(t *tensor.Tensor) string {
	return b.weight(t.Name(), t.Contiguous().Data(), t.Shape())
}

func (b *builder) ints(name string, v ...int64) string {
	name = b.fresh(b.cur + "/" + name)
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{Name: name, DataType: int32(onnxpb.TensorProto_INT64), Dims: []int64{int64(len(v))}, Int64Data: v})
	return name
}

func (b *builder) scalar(name string, v float32) string {
	return b.weight(b.cur+"/"+name, []float32{v}, nil)
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func attrFloats(name string, v ...float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOATS, Floats: v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrStrings(name string, v ...string) *onnxpb.AttributeProto {
	s := make([][]byte, len(v))
	for i := range v {
		s[i] = []byte(v[i])
	}
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRINGS, Strings: s}
}

// decode reads a layer configuration into a struct.
func decode(cfg map[string]any, v any) error {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// activation applies a Keras activation by name to x (last axis for the
// softmaxes).
func (b *builder) activation(x, name string) (string, error) {
	switch name {
	case "", "linear":
		return x, nil
	case "relu":
		return b.node("Relu", []string{x}), nil
	case "sigmoid":
		return b.node("Sigmoid", []string{x}), nil
	case "tanh":
		return b.node("Tanh", []string{x}), nil
	case "softmax":
		return b.node("Softmax", []string{x}, attrInt("axis", -1)), nil
	case "log_softmax":
		return b.node("LogSoftmax", []string{x}, attrInt("axis", -1)), nil
	case "leaky_relu":
		return b.node("LeakyRelu", []string{x}, attrFloat("alpha", 0.2)), nil
	case "elu":
		return b.node("Elu", []string{x}, attrFloat("alpha", 1)), nil
	case "softplus":
		return b.node("Softplus", []string{x}), nil
	case "swish", "silu":
		return b.node("Mul", []string{x, b.node("Sigmoid", []string{x})}), nil
	case "gelu":
		// Exact GELU: 0.5·x·(1 + erf(x/√2)).
		e := b.node("Erf", []string{b.node("Mul", []string{x, b.scalar("inv_sqrt2", float32(1/math.Sqrt2))})})
		e = b.node("Add", []string{e, b.scalar("one", 1)})
		return b.node("Mul", []string{b.node("Mul", []string{x, e}), b.scalar("half", 0.5)}), nil
	}
	return "", fmt.Errorf("activation %q has no ONNX mapping", name)
}

// toChannelsFirst / toChannelsLast transpose [B, spatial..., C] ⇄ [B, C, spatial...].
func (b *builder) toChannelsFirst(x string, rank int) string {
	perm := []int64{0, int64(rank - 1)}
	for i := 1; i < rank-1; i++ {
		perm = append(perm, int64(i))
	}
	return b.node("Transpose", []string{x}, attrInts("perm", perm...))
}

func (b *builder) toChannelsLast(x string, rank int) string {
	perm := []int64{0}
	for i := 2; i < rank; i++ {
		perm = append(perm, int64(i))
	}
	perm = append(perm, 1)
	return b.node("Transpose", []string{x}, attrInts("perm", perm...))
}

// samePads returns ONNX pads (begins then ends) for Keras "same" padding.
func samePads(in, k, s, d []int) []int64 {
	n := len(in)
	pads := make([]int64, 2*n)
	for i := range n {
		out := (in[i] + s[i] - 1) / s[i]
		total := max((out-1)*s[i]+(k[i]-1)*d[i]+1-in[i], 0)
		pads[i] = int64(total / 2)
		pads[n+i] = int64(total - total/2)
	}
	return pads
}

func int64s(v []int) []int64 {
	r := make([]int64, len(v))
	for i, x := range v {
		r[i] = int64(x)
	}
	return r
}

// conv writes a channels-last convolution: input [B, spatial..., C],
// kernel given in ONNX's [O, I, k...] layout.
func (b *builder) conv(x string, in []int, kernel []float32, kshape []int, bias *tensor.Tensor, k, s, d []int, padding string, kernelName string) string {
	rank := len(in) + 1
	xc := b.toChannelsFirst(x, rank)
	spatial := in[:len(in)-1]
	attrs := []*onnxpb.AttributeProto{attrInts("kernel_shape", int64s(k)...), attrInts("strides", int64s(s)...), attrInts("dilations", int64s(d)...)}
	switch padding {
	case "same":
		attrs = append(attrs, attrInts("pads", samePads(spatial, k, s, d)...))
	case "causal":
		attrs = append(attrs, attrInts("pads", int64((k[0]-1)*d[0]), 0))
	}
	inputs := []string{xc, b.weight(kernelName, kernel, kshape)}
	if bias != nil {
		inputs = append(inputs, b.tensorWeight(bias))
	}
	return b.toChannelsLast(b.node("Conv", inputs, attrs...), rank)
}

// pool writes a channels-last max or average pooling.
func (b *builder) pool(op string, x string, in []int, k, s []int, padding string) string {
	rank := len(in) + 1
	xc := b.toChannelsFirst(x, rank)
	attrs := []*onnxpb.AttributeProto{attrInts("kernel_shape", int64s(k)...), attrInts("strides", int64s(s)...)}
	if padding == "same" {
		ones := make([]int, len(k))
		for i := range ones {
			ones[i] = 1
		}
		attrs = append(attrs, attrInts("pads", samePads(in[:len(in)-1], k, s, ones)...))
	}
	if op == "AveragePool" {
		attrs = append(attrs, attrInt("count_include_pad", 0))
	}
	return b.toChannelsLast(b.node(op, []string{xc}, attrs...), rank)
}

// oihw converts an HWIO (or [K, I, O]) kernel to ONNX's [O, I, k...].
func oihw(t *tensor.Tensor) ([]float32, []int) {
	sh := t.Shape()
	n := len(sh)
	perm := []int{n - 1, n - 2}
	for i := 0; i < n-2; i++ {
		perm = append(perm, i)
	}
	return permute(t.Data(), sh, perm)
}

// permute returns data (row-major, shape sh) with its axes permuted (a
// copy unless perm is the identity): out axis i is input axis perm[i].
func permute(data []float32, sh []int, perm []int) ([]float32, []int) {
	p := tensor.FromSlice(data, sh...).Permute(perm...)
	return p.Data(), p.Shape()
}

// layer writes one layer applied to the named inputs.
func (b *builder) layer(l nn.Layer, cfg map[string]any, inbound []string) error {
	name := l.Name()
	b.cur = name
	if len(inbound) == 0 {
		return fmt.Errorf("no inbound layer")
	}
	var inShapes [][]int
	for _, in := range inbound {
		sh, ok := b.shapes[in]
		if !ok {
			return fmt.Errorf("input %q is not computed yet", in)
		}
		inShapes = append(inShapes, sh)
	}
	var outShape []int
	var err error
	if ml, ok := l.(nn.MultiInputLayer); ok {
		outShape, err = ml.OutputShapeMulti(inShapes)
	} else {
		if len(inbound) != 1 {
			return fmt.Errorf("takes one input, got %d", len(inbound))
		}
		outShape, err = l.OutputShape(inShapes[0])
	}
	if err != nil {
		return err
	}
	b.inbound, b.inShapes = inbound, inShapes
	x, in := inbound[0], inShapes[0]
	var y string
	maskZero := false
	switch l := l.(type) {
	case *nn.Dense:
		var c struct{ Activation string }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		y = b.node("MatMul", []string{x, b.tensorWeight(l.Kernel)})
		if l.Bias != nil {
			y = b.node("Add", []string{y, b.tensorWeight(l.Bias)})
		}
		if y, err = b.activation(y, c.Activation); err != nil {
			return err
		}
	case *nn.Conv2D:
		var c struct {
			KernelSize [2]int `json:"kernel_size"`
			Strides    [2]int
			Padding    string
			Dilation   [2]int `json:"dilation_rate"`
			Activation string
		}
		if err := decode(cfg, &c); err != nil {
			return err
		}
		kd, ks := oihw(l.Kernel)
		y = b.conv(x, in, kd, ks, l.Bias, c.KernelSize[:], c.Strides[:], c.Dilation[:], c.Padding, l.Kernel.Name())
		if y, err = b.activation(y, c.Activation); err != nil {
			return err
		}
	case *nn.Conv1D:
		var c struct {
			KernelSize int `json:"kernel_size"`
			Strides    int
			Padding    string
			Dilation   int `json:"dilation_rate"`
			Activation string
		}
		if err := decode(cfg, &c); err != nil {
			return err
		}
		c.Strides, c.Dilation = max(c.Strides, 1), max(c.Dilation, 1)
		kd, ks := oihw(l.Kernel)
		y = b.conv(x, in, kd, ks, l.Bias, []int{c.KernelSize}, []int{c.Strides}, []int{c.Dilation}, c.Padding, l.Kernel.Name())
		if y, err = b.activation(y, c.Activation); err != nil {
			return err
		}
	case *nn.ActivationLayer:
		var c struct{ Activation string }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		if y, err = b.activation(x, c.Activation); err != nil {
			return err
		}
	case *nn.Dropout:
		y = b.node("Identity", []string{x})
	case *nn.Flatten:
		y = b.node("Flatten", []string{x}, attrInt("axis", 1))
	case *nn.Reshape:
		y = b.node("Reshape", []string{x, b.ints("shape", append([]int64{-1}, int64s(outShape)...)...)})
	case *nn.BatchNormalization:
		var c struct{ Epsilon float64 }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		// Inference: y = x·scale + shift per channel (last axis), with
		// scale = γ/√(var+ε) and shift = β - mean·scale.
		mean, vr := l.MovingMean.Contiguous().Data(), l.MovingVar.Contiguous().Data()
		scale, shift := make([]float32, len(mean)), make([]float32, len(mean))
		for i := range mean {
			g, be := float32(1), float32(0)
			if l.Gamma != nil {
				g = l.Gamma.Contiguous().Data()[i]
			}
			if l.Beta != nil {
				be = l.Beta.Contiguous().Data()[i]
			}
			scale[i] = float32(float64(g) / math.Sqrt(float64(vr[i])+float64(float32(c.Epsilon))))
			shift[i] = be - mean[i]*scale[i]
		}
		y = b.node("Mul", []string{x, b.weight(name+"/scale", scale, []int{len(scale)})})
		y = b.node("Add", []string{y, b.weight(name+"/shift", shift, []int{len(shift)})})
	case *nn.LayerNormalization:
		var c struct{ Epsilon float64 }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		y = b.layerNorm(x, l.Gamma, l.Beta, in[len(in)-1], float32(c.Epsilon))
	case *nn.Embedding:
		var c struct {
			MaskZero bool `json:"mask_zero"`
		}
		if err := decode(cfg, &c); err != nil {
			return err
		}
		maskZero = c.MaskZero
		ids := b.node("Cast", []string{x}, attrInt("to", int64(onnxpb.TensorProto_INT64)))
		y = b.node("Gather", []string{b.tensorWeight(l.Embeddings), ids}, attrInt("axis", 0))
	case *nn.Pooling2D:
		var c struct {
			PoolSize [2]int `json:"pool_size"`
			Strides  [2]int
			Padding  string
		}
		if err := decode(cfg, &c); err != nil {
			return err
		}
		y = b.pool(poolOp(l.ClassName()), x, in, c.PoolSize[:], c.Strides[:], c.Padding)
	case *nn.Pooling1D:
		var c struct {
			PoolSize int `json:"pool_size"`
			Strides  int
			Padding  string
		}
		if err := decode(cfg, &c); err != nil {
			return err
		}
		if c.Strides == 0 {
			c.Strides = c.PoolSize
		}
		y = b.pool(poolOp(l.ClassName()), x, in, []int{c.PoolSize}, []int{c.Strides}, c.Padding)
	case *nn.GlobalPooling2D:
		y = b.node(reduceOp(l.ClassName()), []string{x}, attrInts("axes", 1, 2), attrInt("keepdims", 0))
	case *nn.GlobalPooling1D:
		if m := b.inputMask(); m != "" && reduceOp(l.ClassName()) == "ReduceMean" {
			y = b.maskedGlobalAverage(x, m)
		} else {
			y = b.node(reduceOp(l.ClassName()), []string{x}, attrInts("axes", 1), attrInt("keepdims", 0))
		}
	case *nn.Add:
		y = x
		for _, o := range inbound[1:] {
			y = b.node("Add", []string{y, o})
		}
	case *nn.Multiply:
		y = x
		for _, o := range inbound[1:] {
			y = b.node("Mul", []string{y, o})
		}
	case *nn.Rescaling:
		var c struct{ Scale, Offset float64 }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		y = b.node("Mul", []string{x, b.scalar("scale", float32(c.Scale))})
		y = b.node("Add", []string{y, b.scalar("offset", float32(c.Offset))})
	case *nn.Dot:
		y = b.dot(inbound, inShapes)
	case *nn.EmbeddingBag:
		if y, err = b.embeddingBag(l, cfg, x); err != nil {
			return err
		}
	case *nn.Concatenate:
		var c struct{ Axis int }
		if err := decode(cfg, &c); err != nil {
			return err
		}
		axis := int64(c.Axis)
		if axis >= 0 {
			axis++
		}
		y = b.node("Concat", inbound, attrInt("axis", axis))
	default:
		if b.anyInputMask() {
			_, single := l.(nn.MaskConsumer)
			_, multi := l.(nn.MultiMaskConsumer)
			switch l.(type) {
			case *nn.SimpleRNN, *nn.LSTM, *nn.GRU, *nn.Bidirectional,
				*nn.MultiHeadAttention, *nn.TransformerEncoder, *nn.TransformerDecoder:
			default:
				if single || multi {
					return refuseMask(l)
				}
			}
		}
		if y, err = b.extraLayer(l, cfg, x, in, outShape); err != nil {
			return err
		}
	}
	b.finish(y, name, outShape)
	b.outputMask(l, name, maskZero, x, outShape)
	return nil
}

// layerNorm normalises the last axis (width d): LayerNormalization at
// opset 17, its decomposition below.
func (b *builder) layerNorm(x string, gamma, beta *tensor.Tensor, d int, eps float32) string {
	var g, be string
	if gamma != nil {
		g = b.tensorWeight(gamma)
	} else {
		g = b.weight(b.cur+"/ones", ones(d), []int{d})
	}
	if beta != nil {
		be = b.tensorWeight(beta)
	} else {
		be = b.weight(b.cur+"/zeros", make([]float32, d), []int{d})
	}
	if b.opset >= 17 {
		return b.node("LayerNormalization", []string{x, g, be}, attrInt("axis", -1), attrFloat("epsilon", eps))
	}
	mean := b.node("ReduceMean", []string{x}, attrInts("axes", -1), attrInt("keepdims", 1))
	xc := b.node("Sub", []string{x, mean})
	vr := b.node("ReduceMean", []string{b.node("Mul", []string{xc, xc})}, attrInts("axes", -1), attrInt("keepdims", 1))
	std := b.node("Sqrt", []string{b.node("Add", []string{vr, b.scalar("epsilon", eps)})})
	y := b.node("Div", []string{xc, std})
	return b.node("Add", []string{b.node("Mul", []string{y, g}), be})
}

func poolOp(class string) string {
	if strings.HasPrefix(class, "Max") {
		return "MaxPool"
	}
	return "AveragePool"
}

func reduceOp(class string) string {
	if strings.HasPrefix(class, "GlobalMax") {
		return "ReduceMax"
	}
	return "ReduceMean"
}

func ones(n int) []float32 {
	o := make([]float32, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

// dot writes nn.Dot: the lower-rank input gets unit axes after the batch
// axis, then Mul and ReduceSum over the last axis ([B, 1] for two vectors).
func (b *builder) dot(in []string, shapes [][]int) string {
	xs := slices.Clone(in)
	n := max(len(shapes[0]), len(shapes[1]))
	for i := range xs {
		if k := n - len(shapes[i]); k > 0 {
			axes := make([]int64, k)
			for j := range axes {
				axes[j] = int64(j + 1)
			}
			xs[i] = b.node("Unsqueeze", []string{xs[i], b.ints("axes", axes...)})
		}
	}
	keep := int64(0)
	if n == 1 {
		keep = 1
	}
	return b.node("ReduceSum", []string{b.node("Mul", xs), b.ints("axes", -1)}, attrInt("keepdims", keep))
}

// embeddingBag writes nn.EmbeddingBag: the rows of the ids (padding -1
// reads row 0, masked to zero), summed over the bag axis and divided by
// the bag's size (mean) or its square root (sqrtn; an empty bag divides by
// 1). The rows output (return_rows) is not exported.
func (b *builder) embeddingBag(l *nn.EmbeddingBag, cfg map[string]any, x string) (string, error) {
	var c struct {
		Mode       string
		ReturnRows bool `json:"return_rows"`
	}
	if err := decode(cfg, &c); err != nil {
		return "", err
	}
	if c.ReturnRows {
		return "", fmt.Errorf("EmbeddingBag with return_rows (a second output) is not exported")
	}
	mask := b.node("Cast", []string{b.node("Greater", []string{x, b.scalar("minus_half", -0.5)})},
		attrInt("to", int64(onnxpb.TensorProto_FLOAT))) // [B, ..., L]
	ids := b.node("Cast", []string{b.node("Max", []string{x, b.scalar("zero", 0)})}, attrInt("to", int64(onnxpb.TensorProto_INT64)))
	rows := b.node("Gather", []string{b.tensorWeight(l.Embeddings), ids}, attrInt("axis", 0)) // [B, ..., L, D]
	rows = b.node("Mul", []string{rows, b.node("Unsqueeze", []string{mask, b.ints("axes", -1)})})
	y := b.node("ReduceSum", []string{rows, b.ints("axes", -2)}, attrInt("keepdims", 0))
	if c.Mode == "mean" || c.Mode == "sqrtn" {
		n := b.node("ReduceSum", []string{mask, b.ints("axes", -1)}, attrInt("keepdims", 1))
		n = b.node("Max", []string{n, b.scalar("one", 1)})
		if c.Mode == "sqrtn" {
			n = b.node("Sqrt", []string{n})
		}
		y = b.node("Div", []string{y, n})
	}
	return y, nil
}
