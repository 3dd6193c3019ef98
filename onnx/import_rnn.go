package onnx

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
	"github.com/tensile-ml/tensile/tensor"
)

// Recurrent ops (RNN, LSTM, GRU) as torch.onnx.export writes them for
// batch_first modules:
//
//	x [B, T, D] → Transpose(1,0,2) → op → Y [T, dirs, B, H], Y_h [dirs, B, H]
//	Y → Squeeze(1) → Transpose(1,0,2) → [B, T, H]              (one direction)
//	Y → Transpose(0,2,1,3) → Reshape(T, B, 2H) → Transpose(1,0,2) (two)
//	[B, T, H] → Gather(axis 1, -1)                              (last step)
//	Y_h → Gather(0, 0) / Squeeze(0)                             (final state)
//
// The op becomes one tensile layer (SimpleRNN, LSTM, GRU, or Bidirectional
// with concat); the chain after it is matched here and its nodes skipped.
// A time-major value ([T, B, D], the transposed input) is marked tm: its
// tensile node still holds [B, T, D].

// consumers lists the nodes reading each value.
func consumers(nodes []*onnxpb.NodeProto) map[string][]*onnxpb.NodeProto {
	c := map[string][]*onnxpb.NodeProto{}
	for _, n := range nodes {
		for _, in := range n.Input {
			c[in] = append(c[in], n)
		}
	}
	return c
}

// only returns the single consumer of value v with the given op, or nil.
func (im *importer) only(v, op string) *onnxpb.NodeProto {
	cs := im.cons[v]
	if len(cs) != 1 || cs[0].OpType != op || im.graphOut[v] {
		return nil
	}
	return cs[0]
}

// constInts returns a node's constant input i as ints, or nil.
func (im *importer) constInts(n *onnxpb.NodeProto, i int) []int64 {
	if i >= len(n.Input) {
		return nil
	}
	v := im.vals[n.Input[i]]
	if v == nil || v.c == nil {
		return nil
	}
	return v.c.ints()
}

// isZeroState reports whether input i of n is absent or all zeros.
func (im *importer) isZeroState(n *onnxpb.NodeProto, i int) bool {
	if i >= len(n.Input) || n.Input[i] == "" {
		return true
	}
	v := im.vals[n.Input[i]]
	if v == nil || v.c == nil {
		return false
	}
	if v.c.zeroBatch {
		return true
	}
	return !slices.ContainsFunc(v.c.floats(), func(f float32) bool { return f != 0 })
}

func (im *importer) recurrentOp(n *onnxpb.NodeProto, a attrs) error {
	x, err := im.dyn(n, 0)
	if err != nil {
		return err
	}
	if len(x.shape) != 3 || x.cl || x.perm != nil {
		return fmt.Errorf("needs a 3-d sequence input, got %v", x.shape)
	}
	if a.int("layout", 0) != 0 {
		if !x.tm {
			return errors.New("layout 1 needs a [B, T, D] input")
		}
	} else if !x.tm {
		return errors.New("the input must be the time-major transpose of a [B, T, D] tensor (as torch.onnx.export writes)")
	}
	if a.int("layout", 0) != 0 {
		return errors.New("layout 1 is not supported")
	}
	class := map[string]string{"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"}[n.OpType]
	g := len(onnxGateOrder(class))
	h := int(a.int("hidden_size", 0))
	d := x.shape[2]
	w, err := im.cnst(n, 1)
	if err != nil {
		return err
	}
	r, err := im.cnst(n, 2)
	if err != nil {
		return err
	}
	nd := 1
	dir := a.str("direction", "forward")
	switch dir {
	case "forward", "reverse":
	case "bidirectional":
		nd = 2
	default:
		return fmt.Errorf("direction %q is not supported", dir)
	}
	if h <= 0 || !slices.Equal(w.dims, []int{nd, g * h, d}) || !slices.Equal(r.dims, []int{nd, g * h, h}) {
		return fmt.Errorf("weights %v and %v do not fit hidden_size %d, %d directions and %d input features", w.dims, r.dims, h, nd, d)
	}
	var bias []float32
	if bv, err := im.in(n, 3); err != nil {
		return err
	} else if bv != nil {
		if bv.c == nil || !slices.Equal(bv.c.dims, []int{nd, 2 * g * h}) {
			return errors.New("the bias must be a constant [directions, 2·gates·hidden]")
		}
		bias = bv.c.floats()
	}
	if i := 4; i < len(n.Input) && n.Input[i] != "" {
		if im.vals[n.Input[i]] == nil || im.vals[n.Input[i]].c == nil {
			return errors.New("sequence_lens is not supported (pad-free sequences only)")
		}
	}
	for i := 5; i < len(n.Input); i++ {
		if i == 7 && n.Input[i] != "" {
			return errors.New("peephole weights are not supported")
		}
		if i < 7 && !im.isZeroState(n, i) {
			return errors.New("non-zero initial states are not supported")
		}
	}
	if a["clip"] != nil || a.int("input_forget", 0) != 0 {
		return errors.New("clip and input_forget are not supported")
	}
	cfg := nn.RNNConfig{GoBackwards: dir == "reverse"}
	// Activations: defaults, or the tanh/sigmoid/relu equivalents.
	if at := a["activations"]; at != nil {
		names := at.Strings
		want := map[string]int{"SimpleRNN": 1, "LSTM": 3, "GRU": 2}[class]
		if len(names) != want*nd {
			return fmt.Errorf("activations %q: want %d per direction", names, want)
		}
		keras := func(s string) (string, error) {
			switch string(s) {
			case "Tanh":
				return "tanh", nil
			case "Sigmoid":
				return "sigmoid", nil
			case "Relu":
				return "relu", nil
			}
			return "", fmt.Errorf("activation %s is not supported", s)
		}
		acts := make([]string, len(names))
		for i, s := range names {
			if acts[i], err = keras(string(s)); err != nil {
				return err
			}
			if i >= want && acts[i] != acts[i-want] {
				return errors.New("different activations per direction are not supported")
			}
		}
		if class == "SimpleRNN" {
			cfg.Activation = acts[0]
		} else {
			cfg.RecurrentActivation, cfg.Activation = acts[0], acts[1]
			if class == "LSTM" && acts[2] != acts[1] {
				return errors.New("different cell and output activations are not supported")
			}
		}
	}
	lbr := a.int("linear_before_reset", 0) != 0
	if class == "GRU" {
		cfg.ResetBefore = !lbr
	}
	if class == "LSTM" {
		cfg.NoUnitForgetBias = true
	}
	cfg.NoBias = bias == nil

	// Match the chain after the op.
	yName, yhName := "", ""
	if len(n.Output) > 0 && im.uses[n.Output[0]] > 0 {
		yName = n.Output[0]
	}
	if len(n.Output) > 1 && im.uses[n.Output[1]] > 0 {
		yhName = n.Output[1]
	}
	if len(n.Output) > 2 && n.Output[2] != "" && im.uses[n.Output[2]] > 0 {
		return errors.New("the final cell state (Y_c) output is not supported")
	}
	var skip []*onnxpb.NodeProto
	resultName := ""
	tmResult := false
	switch {
	case yName != "" && yhName != "":
		return errors.New("using both the sequence output Y and the final state Y_h is not supported")
	case yName != "":
		seq, chain, tm := im.matchSequence(yName, nd)
		if seq == "" {
			return errors.New("the sequence output Y is used in a way that is not supported (see the package docs)")
		}
		skip = append(skip, chain...)
		resultName, tmResult = seq, tm
		cfg.ReturnSequences = true
		// Last step only: a plain layer without return_sequences.
		if !tm && nd == 1 && !cfg.GoBackwards {
			if gn := im.only(seq, "Gather"); gn != nil {
				ga := nodeAttrs(gn)
				idx := im.constInts(gn, 1)
				if ax := ga.int("axis", 0); (ax == 1 || ax == -2) && len(idx) == 1 && (idx[0] == -1 || idx[0] == int64(x.shape[0]-1)) && len(im.valueDims(gn.Input[1])) == 0 {
					skip = append(skip, gn)
					resultName = gn.Output[0]
					cfg.ReturnSequences = false
				}
			}
		}
	case yhName != "":
		if nd != 1 {
			return errors.New("the final state of a bidirectional op is not supported; use the sequence output")
		}
		gn := im.only(yhName, "Gather")
		sq := im.only(yhName, "Squeeze")
		switch {
		case gn != nil && nodeAttrs(gn).int("axis", 0) == 0 && slices.Equal(im.constInts(gn, 1), []int64{0}) && len(im.valueDims(gn.Input[1])) == 0:
			skip, resultName = append(skip, gn), gn.Output[0]
		case sq != nil && slices.Equal(im.constInts(sq, 1), []int64{0}):
			skip, resultName = append(skip, sq), sq.Output[0]
		default:
			return errors.New("the final state Y_h is used in a way that is not supported")
		}
	default:
		return errors.New("no output of the op is used")
	}

	var layer nn.Layer
	var dirs func() []nn.Layer
	var base nn.Layer
	switch class {
	case "SimpleRNN":
		base = nn.NewSimpleRNN(h, cfg)
	case "LSTM":
		base = nn.NewLSTM(h, cfg)
	default:
		base = nn.NewGRU(h, cfg)
	}
	if nd == 2 {
		bl := nn.NewBidirectional(base, nn.BidirectionalConfig{})
		layer = bl
		dirs = func() []nn.Layer { f, b := bl.Layers(); return []nn.Layer{f, b} }
	} else {
		layer = base
		dirs = func() []nn.Layer { return []nn.Layer{base} }
	}
	xv := *x
	xv.tm = false
	xv.shape = []int{-1, x.shape[0], d}
	outShape := []int{-1, nd * h}
	if cfg.ReturnSequences {
		outShape = []int{-1, x.shape[0], nd * h}
	}
	v, err := im.apply(layer, &xv, outShape)
	if err != nil {
		return err
	}
	if tmResult {
		v.tm = true
		v.shape = []int{x.shape[0], -1, nd * h}
	}
	// Weights: ONNX W [dirs, G·H, D] (ONNX gate order) → kernel [D, G·H].
	wd, rd := w.floats(), r.floats()
	for di := range nd {
		k := make([]float32, d*g*h)
		rk := make([]float32, h*g*h)
		var bb []float32
		twoRows := class == "GRU" && lbr
		if bias != nil {
			if twoRows {
				bb = make([]float32, 2*g*h)
			} else {
				bb = make([]float32, g*h)
			}
		}
		for og, kg := range onnxGateOrder(class) {
			for j := range h {
				row := og*h + j
				col := kg*h + j
				for i := range d {
					k[i*g*h+col] = wd[(di*g*h+row)*d+i]
				}
				for i := range h {
					rk[i*g*h+col] = rd[(di*g*h+row)*h+i]
				}
				if bias != nil {
					wb, rb := bias[di*2*g*h+row], bias[di*2*g*h+g*h+row]
					if twoRows {
						bb[col], bb[g*h+col] = wb, rb
					} else {
						bb[col] = wb + rb
					}
				}
			}
		}
		get := func(which int) func() *tensor.Tensor {
			return func() *tensor.Tensor {
				k, r, b, _ := nn.RecurrentWeights(dirs()[di])
				return [3]*tensor.Tensor{k, r, b}[which]
			}
		}
		im.assignTo(layer, get(0), k, []int{d, g * h})
		im.assignTo(layer, get(1), rk, []int{h, g * h})
		if bias != nil {
			bshape := []int{g * h}
			if twoRows {
				bshape = []int{2, g * h}
			}
			im.assignTo(layer, get(2), bb, bshape)
		}
	}
	for _, s := range skip {
		im.skip[s] = true
	}
	im.vals[resultName] = v
	return nil
}

// valueDims returns a constant's dims (nil for a scalar or a non-constant).
func (im *importer) valueDims(name string) []int {
	if v := im.vals[name]; v != nil && v.c != nil {
		return v.c.dims
	}
	return nil
}

// matchSequence follows Y to the [B, T, dirs·H] sequence (or to its
// time-major [T, B, dirs·H] form, tm set). It returns the value name and
// the chain's nodes.
func (im *importer) matchSequence(y string, nd int) (string, []*onnxpb.NodeProto, bool) {
	var chain []*onnxpb.NodeProto
	cur := ""
	if nd == 1 {
		sq := im.only(y, "Squeeze")
		if sq == nil || !slices.Equal(im.constInts(sq, 1), []int64{1}) {
			return "", nil, false
		}
		chain, cur = append(chain, sq), sq.Output[0]
	} else {
		tr := im.only(y, "Transpose")
		if tr == nil || !slices.Equal(nodeAttrs(tr).ints("perm"), []int64{0, 2, 1, 3}) {
			return "", nil, false
		}
		rs := im.only(tr.Output[0], "Reshape")
		if rs == nil {
			return "", nil, false
		}
		s := im.constInts(rs, 1)
		if len(s) != 3 || !(s[2] == -1 || s[2] > 0) {
			return "", nil, false
		}
		chain, cur = append(chain, tr, rs), rs.Output[0]
	}
	// Back to batch-major, or stay time-major.
	if tr := im.only(cur, "Transpose"); tr != nil && slices.Equal(nodeAttrs(tr).ints("perm"), []int64{1, 0, 2}) {
		return tr.Output[0], append(chain, tr), false
	}
	return cur, chain, true
}
