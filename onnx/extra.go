package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// extraLayer writes the layers beyond the feed-forward set: recurrent
// layers and Bidirectional (attention and Transformer blocks live in
// attention.go).
func (b *builder) extraLayer(l nn.Layer, cfg map[string]any, x string, in, out []int) (string, error) {
	switch l := l.(type) {
	case *nn.SimpleRNN, *nn.LSTM, *nn.GRU:
		return b.recurrent([]nn.Layer{l}, cfg, x, "")
	case *nn.Bidirectional:
		var c struct {
			Layer struct {
				Config map[string]any `json:"config"`
			} `json:"layer"`
			MergeMode string `json:"merge_mode"`
		}
		if err := decode(cfg, &c); err != nil {
			return "", err
		}
		fw, bw := l.Layers()
		return b.recurrent([]nn.Layer{fw, bw}, c.Layer.Config, x, c.MergeMode)
	}
	if g, ok := l.(*Graph); ok {
		return b.graphLayer(g, x)
	}
	if td, ok := l.(*nn.TimeDistributed); ok {
		return b.timeDistributed(td, x, in, out)
	}
	if y, ok, err := b.attentionLayer(l, cfg, x, in, out); ok {
		return y, err
	}
	return "", fmt.Errorf("layer class %s has no ONNX export", l.ClassName())
}

// rnnWeights are one direction's weights in ONNX's layout and gate order.
type rnnWeights struct {
	w, r, bias []float32 // [G·H, D], [G·H, H], [2·G·H]
}

// onnxGateOrder maps ONNX's gate blocks to tensile's (Keras's): LSTM ONNX
// i, o, f, c ← Keras i, f, c̃, o; GRU ONNX z, r, h ← Keras z, r, h̃;
// SimpleRNN one block.
func onnxGateOrder(class string) []int {
	switch class {
	case "LSTM":
		return []int{0, 3, 1, 2}
	case "GRU":
		return []int{0, 1, 2}
	}
	return []int{0}
}

// convertRNN converts a tensile recurrent layer's weights to ONNX's:
// kernel [D, G·H] → W [G·H, D] and recurrent_kernel [H, G·H] → R [G·H, H]
// (transposed, gate blocks reordered), bias → [Wb, Rb] (a reset-after
// GRU's two bias rows; otherwise the bias is Wb and Rb is zero).
func convertRNN(class string, kernel, rec, bias *tensor.Tensor, units int) rnnWeights {
	order := onnxGateOrder(class)
	g, h := len(order), units
	d := kernel.Dim(0)
	kd, rd := kernel.Contiguous().Data(), rec.Contiguous().Data()
	var out rnnWeights
	out.w = make([]float32, g*h*d)
	out.r = make([]float32, g*h*h)
	out.bias = make([]float32, 2*g*h)
	var bd []float32
	twoRows := false
	if bias != nil {
		bd = bias.Contiguous().Data()
		twoRows = bias.Dims() == 2
	}
	for og, kg := range order {
		for j := range h {
			row := og*h + j
			col := kg*h + j
			for i := range d {
				out.w[row*d+i] = kd[i*g*h+col]
			}
			for i := range h {
				out.r[row*h+i] = rd[i*g*h+col]
			}
			if bd != nil {
				out.bias[row] = bd[col]
				if twoRows {
					out.bias[g*h+row] = bd[g*h+col]
				}
			}
		}
	}
	return out
}

// onnxActivation names a Keras activation for ONNX's recurrent ops.
func onnxActivation(name, def string) (string, error) {
	if name == "" {
		name = def
	}
	switch name {
	case "tanh":
		return "Tanh", nil
	case "sigmoid":
		return "Sigmoid", nil
	case "relu":
		return "Relu", nil
	}
	return "", fmt.Errorf("recurrent activation %q has no ONNX mapping (tanh, sigmoid and relu do)", name)
}

// recurrent writes SimpleRNN/LSTM/GRU (one layer, or a Bidirectional
// pair) as ONNX's RNN/LSTM/GRU op on a [B, T, D] input.
func (b *builder) recurrent(dirs []nn.Layer, cfg map[string]any, x string, merge string) (string, error) {
	var c struct {
		Units               int
		Activation          string
		RecurrentActivation string `json:"recurrent_activation"`
		ResetBefore         bool   `json:"reset_before"`
		ReturnSequences     bool   `json:"return_sequences"`
		GoBackwards         bool   `json:"go_backwards"`
	}
	if err := decode(cfg, &c); err != nil {
		return "", err
	}
	class := dirs[0].ClassName()
	h := c.Units
	var all rnnWeights
	for _, l := range dirs {
		k, r, bias, ok := nn.RecurrentWeights(l)
		if !ok {
			return "", fmt.Errorf("%s cannot be exported as a recurrent op", l.ClassName())
		}
		w := convertRNN(class, k, r, bias, h)
		all.w = append(all.w, w.w...)
		all.r = append(all.r, w.r...)
		all.bias = append(all.bias, w.bias...)
	}
	nd := len(dirs)
	g := len(onnxGateOrder(class))
	d := len(all.w) / (nd * g * h)
	act, err := onnxActivation(c.Activation, "tanh")
	if err != nil {
		return "", err
	}
	var acts []string
	switch class {
	case "SimpleRNN":
		acts = []string{act}
	case "LSTM", "GRU":
		ra, err := onnxActivation(c.RecurrentActivation, "sigmoid")
		if err != nil {
			return "", err
		}
		acts = []string{ra, act}
		if class == "LSTM" {
			acts = append(acts, act)
		}
	}
	dirActs := acts
	for i := 1; i < nd; i++ {
		dirActs = append(dirActs, acts...)
	}
	direction := "forward"
	switch {
	case nd == 2:
		if c.GoBackwards {
			return "", fmt.Errorf("Bidirectional over a go_backwards layer has no ONNX export")
		}
		direction = "bidirectional"
	case c.GoBackwards:
		direction = "reverse"
	}
	attrs := []*onnxpb.AttributeProto{attrInt("hidden_size", int64(h)), attrString("direction", direction), attrStrings("activations", dirActs...)}
	if class == "GRU" && !c.ResetBefore {
		attrs = append(attrs, attrInt("linear_before_reset", 1))
	}
	op := map[string]string{"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[class]
	name := dirs[0].Name()
	xt := b.node("Transpose", []string{x}, attrInts("perm", 1, 0, 2)) // [T, B, D]
	inputs := []string{xt,
		b.weight(b.cur+"/W", all.w, []int{nd, g * h, d}),
		b.weight(b.cur+"/R", all.r, []int{nd, g * h, h}),
		b.weight(b.cur+"/B", all.bias, []int{nd, 2 * g * h})}
	_ = name
	var res string
	if mask := b.inputMask(); mask != "" {
		var extra []*onnxpb.AttributeProto
		if class == "GRU" && !c.ResetBefore {
			extra = append(extra, attrInt("linear_before_reset", 1))
		}
		T := b.inShapes[0][0]
		if T <= 0 {
			return "", fmt.Errorf("a masked recurrent layer needs a fixed sequence length, got input %v", b.inShapes[0])
		}
		// The unmasked W, R, B initializers above are unused here.
		b.g.Initializer = b.g.Initializer[:len(b.g.Initializer)-3]
		res = b.maskedRecurrent(op, xt, mask, T, nd, g, h, d, all, acts, extra, c.ReturnSequences, c.GoBackwards && nd == 1)
	} else if outs := b.nodeN(op, inputs, []bool{true, true}, attrs...); c.ReturnSequences {
		y := outs[0]                                                         // [T, nd, B, H]
		res = b.node("Transpose", []string{y}, attrInts("perm", 2, 0, 1, 3)) // [B, T, nd, H]
		if c.GoBackwards && nd == 1 {
			// Keras returns a go_backwards sequence in processing order.
			res = b.node("Slice", []string{res, b.ints("start", -1), b.ints("end", math.MinInt64), b.ints("axes", 1), b.ints("steps", -1)})
		}
	} else {
		res = b.node("Transpose", []string{outs[1]}, attrInts("perm", 1, 0, 2)) // [B, nd, H]
	}
	if nd == 1 {
		return b.node("Squeeze", []string{res, b.ints("axes", -2)}), nil
	}
	switch merge {
	case "", "concat":
		shape := []int64{0, -1, int64(2 * h)}
		if !c.ReturnSequences {
			shape = []int64{0, int64(2 * h)}
		}
		return b.node("Reshape", []string{res, b.ints("shape", shape...)}), nil
	case "sum":
		return b.node("ReduceSum", []string{res, b.ints("axes", -2)}, attrInt("keepdims", 0)), nil
	case "ave":
		return b.node("ReduceMean", []string{res}, attrInts("axes", -2), attrInt("keepdims", 0)), nil
	case "mul":
		return b.node("ReduceProd", []string{res}, attrInts("axes", -2), attrInt("keepdims", 0)), nil
	}
	return "", fmt.Errorf("merge mode %q has no ONNX export", merge)
}

// timeDistributed folds time into the batch, writes the inner layer on
// [B·T, ...] and unfolds the result.
func (b *builder) timeDistributed(l *nn.TimeDistributed, x string, in, out []int) (string, error) {
	outer := b.cur
	folded := b.node("Reshape", []string{x, b.ints("shape", append([]int64{-1}, int64s(in[1:])...)...)})
	inner := l.Layer()
	b.shapes[folded] = in[1:]
	if err := b.layer(inner, inner.Config(), []string{folded}); err != nil {
		return "", fmt.Errorf("inner layer %q: %w", inner.Name(), err)
	}
	b.cur = outer
	return b.node("Reshape", []string{inner.Name(), b.ints("shape", append([]int64{-1}, int64s(out)...)...)}), nil
}

// graphLayer inlines an imported Graph layer, its values renamed under the
// layer's name and its weights written as initializers.
func (b *builder) graphLayer(g *Graph, x string) (string, error) {
	if g.opset > b.opset {
		return "", fmt.Errorf("the graph was imported at opset %d; export at opset %d or later", g.opset, g.opset)
	}
	prefix := g.name + "/"
	rename := map[string]string{}
	inits := map[string]bool{}
	for _, t := range g.graph.Initializer {
		inits[t.Name] = true
	}
	for _, vi := range g.graph.Input {
		if !inits[vi.Name] {
			rename[vi.Name] = x
			break
		}
	}
	for i, w := range g.weights {
		rename[g.wnames[i]] = b.tensorWeight(w)
	}
	for _, t := range g.graph.Initializer {
		c := proto.Clone(t).(*onnxpb.TensorProto)
		c.Name = b.fresh(prefix + t.Name)
		rename[t.Name] = c.Name
		b.g.Initializer = append(b.g.Initializer, c)
	}
	name := func(v string) string {
		if v == "" {
			return ""
		}
		if r, ok := rename[v]; ok {
			return r
		}
		r := b.fresh(prefix + v)
		rename[v] = r
		return r
	}
	nodes, err := topoSort(g.graph)
	if err != nil {
		return "", err
	}
	for _, n := range nodes {
		c := proto.Clone(n).(*onnxpb.NodeProto)
		c.Name = b.fresh(prefix + n.Name)
		for i := range c.Input {
			c.Input[i] = name(c.Input[i])
		}
		for i := range c.Output {
			c.Output[i] = name(c.Output[i])
		}
		b.g.Node = append(b.g.Node, c)
	}
	return name(g.graph.Output[0].Name), nil
}
