package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/nn"
)

// Multi-output layers.
//
// A layer implementing nn.MultiOutputLayer with several outputs (an LSTM
// with ReturnState: its output, h and c) applied by ApplyMulti gives one
// node per output. The first is the layer's call node (what Apply
// returns); the others are output nodes that read output k of that call.
// The layer runs once per forward pass. In a saved architecture an
// inbound or output reference to output k > 0 is written "name:k".

// ApplyMulti applies layer l to input nodes and returns one node per
// output of the layer: for a recurrent layer with ReturnState, the output
// (sequence or last step) followed by the final states, as Keras's
// seq, h, c = LSTM(..., return_state=True)(x). For a layer with one output
// it returns []*Node{Apply(l, inputs...)}. Shape errors are recorded in
// every returned node, as Apply does.
func ApplyMulti(l nn.Layer, inputs ...*Node) []*Node {
	call := Apply(l, inputs...)
	mo, ok := l.(nn.MultiOutputLayer)
	if !ok || call.err != nil || len(inputs) != 1 || mo.NumOutputs() <= 1 {
		return []*Node{call}
	}
	shapes, err := mo.OutputShapes(inputs[0].shape)
	if err == nil && len(shapes) != mo.NumOutputs() {
		err = fmt.Errorf("model: layer %q (%s) gives %d output shapes for %d outputs", l.Name(), l.ClassName(), len(shapes), mo.NumOutputs())
	}
	if err != nil {
		call.err = err
		return []*Node{call}
	}
	call.nout = len(shapes)
	outs := []*Node{call}
	for k := 1; k < len(shapes); k++ {
		outs = append(outs, &Node{layer: l, inputs: []*Node{call}, shape: shapes[k], src: call, index: k})
	}
	return outs
}

// OutputIndex returns which output of its layer the node is (0 for the
// first or only one).
func (n *Node) OutputIndex() int { return n.index }

// isOutputNode reports whether n reads output k > 0 of another node's call.
func (n *Node) isOutputNode() bool { return n.src != nil }

// ref names node n in a saved architecture: the layer's name, with ":k"
// for output k > 0.
func (n *Node) ref() string {
	if n.index > 0 {
		return n.layer.Name() + ":" + strconv.Itoa(n.index)
	}
	return n.layer.Name()
}

// resolveRef finds the node a saved reference names among the outputs of
// the layers read so far (by layer name).
func resolveRef(outs map[string][]*Node, ref string) *Node {
	if ns := outs[ref]; ns != nil {
		return ns[0]
	}
	i := strings.LastIndexByte(ref, ':')
	if i < 0 {
		return nil
	}
	k, err := strconv.Atoi(ref[i+1:])
	ns := outs[ref[:i]]
	if err != nil || k < 0 || k >= len(ns) {
		return nil
	}
	return ns[k]
}
