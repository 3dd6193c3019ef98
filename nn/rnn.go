package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// RNNConfig holds the options shared by SimpleRNN, LSTM and GRU, with Keras's
// names and defaults (the zero value): tanh activation, sigmoid recurrent
// activation, bias on, glorot_uniform kernel, orthogonal recurrent kernel,
// zero bias (LSTM: ones in the forget-gate block), return the last output
// only, no dropout.
type RNNConfig struct {
	// Activation is applied to the candidate state and, in LSTM, to the
	// cell state on output ("" = tanh; "linear" for none).
	Activation string `json:"activation,omitempty"`
	// RecurrentActivation is the gates' activation (LSTM, GRU; "" = sigmoid).
	RecurrentActivation string `json:"recurrent_activation,omitempty"`
	NoBias              bool   `json:"no_bias,omitempty"`

	KernelInitializer    Initializer `json:"kernel_initializer"`
	RecurrentInitializer Initializer `json:"recurrent_initializer"` // "" = Orthogonal(1)
	BiasInitializer      Initializer `json:"bias_initializer"`
	KernelRegularizer    Regularizer `json:"kernel_regularizer"`
	RecurrentRegularizer Regularizer `json:"recurrent_regularizer"`
	BiasRegularizer      Regularizer `json:"bias_regularizer"`

	// NoUnitForgetBias turns off Keras's unit_forget_bias (LSTM only):
	// by default the forget-gate block of the bias starts at 1.
	NoUnitForgetBias bool `json:"no_unit_forget_bias,omitempty"`
	// ResetBefore selects Keras's reset_after=false GRU (Cho et al. 2014):
	// the reset gate multiplies h_{t-1} before the recurrent matmul, and the
	// bias is one vector [3·units]. The default (reset_after=true, cuDNN and
	// PyTorch) applies it after, with separate input and recurrent biases
	// [2, 3·units]. GRU only.
	ResetBefore bool `json:"reset_before,omitempty"`

	// ReturnSequences returns every step's output [B, T, units] instead of
	// the last one [B, units].
	ReturnSequences bool `json:"return_sequences,omitempty"`
	// ReturnState gives the layer the final states as further outputs
	// (MultiOutputLayer): model.ApplyMulti makes them nodes of a
	// functional graph. Forward always returns the output only.
	ReturnState bool `json:"return_state,omitempty"`
	// GoBackwards processes the sequence in reverse and returns the
	// sequence of outputs in that (reversed) order, as Keras.
	GoBackwards bool `json:"go_backwards,omitempty"`

	// Dropout is the fraction of input features dropped in training (one
	// mask per sample, shared by all steps); RecurrentDropout likewise for
	// h_{t-1} before the recurrent matmul. Seed fixes their masks (0: from
	// the model's build seed).
	Dropout          float64 `json:"dropout,omitempty"`
	RecurrentDropout float64 `json:"recurrent_dropout,omitempty"`
	Seed             uint64  `json:"seed,omitempty"`
}

type rnnSpec struct {
	Units int `json:"units"`
	RNNConfig
}

// recurrent is the implementation shared by SimpleRNN, LSTM and GRU.
//
// Weights, for input width D, units H and G gates (1, 4 or 3):
// kernel [D, G·H], recurrent_kernel [H, G·H], bias [G·H] (GRU with
// reset_after: [2, 3·H], row 0 the input bias, row 1 the recurrent bias).
// Gate blocks along the last axis are in Keras order: LSTM i, f, c̃, o;
// GRU z, r, h̃.
//
// The input projections of all steps are one GEMM, x[B·T, D]·kernel, before
// the loop; each step adds h_{t-1}·U_g for each gate block U_g of
// recurrent_kernel (one small GEMM per gate) and does the gate math.
type recurrent struct {
	base
	spec        rnnSpec
	gates       int
	act, recAct Activation
	rng         *rand.Rand

	Kernel, RecurrentKernel, Bias *tensor.Tensor
}

func newRecurrent(class string, gates int, s rnnSpec, name string) (recurrent, error) {
	l := recurrent{base: newBase(class, name), spec: s, gates: gates}
	c := &l.spec.RNNConfig
	if s.Units <= 0 {
		return l, fmt.Errorf("nn: %s: units must be positive, got %d", class, s.Units)
	}
	if c.Activation == "" {
		c.Activation = "tanh"
	}
	if c.RecurrentActivation == "" && gates > 1 {
		c.RecurrentActivation = "sigmoid"
	}
	var err error
	if l.act, err = ActivationByName(c.Activation); err != nil {
		return l, fmt.Errorf("nn: %s: %w", class, err)
	}
	if gates > 1 {
		if l.recAct, err = ActivationByName(c.RecurrentActivation); err != nil {
			return l, fmt.Errorf("nn: %s: %w", class, err)
		}
	} else if c.RecurrentActivation != "" {
		return l, fmt.Errorf("nn: %s: has no recurrent_activation", class)
	}
	if c.NoUnitForgetBias && class != "LSTM" {
		return l, fmt.Errorf("nn: %s: no_unit_forget_bias applies to LSTM only", class)
	}
	if c.ResetBefore && class != "GRU" {
		return l, fmt.Errorf("nn: %s: reset_before applies to GRU only", class)
	}
	if !(c.Dropout >= 0 && c.Dropout < 1) || !(c.RecurrentDropout >= 0 && c.RecurrentDropout < 1) {
		return l, fmt.Errorf("nn: %s: dropout rates must be in [0, 1), got %g and %g", class, c.Dropout, c.RecurrentDropout)
	}
	if err := firstErr(c.KernelInitializer.validate(), validateRecurrentInit(c.RecurrentInitializer),
		c.BiasInitializer.validate(), c.KernelRegularizer.validate(), c.RecurrentRegularizer.validate(),
		c.BiasRegularizer.validate()); err != nil {
		return l, fmt.Errorf("nn: %s: %w", class, err)
	}
	return l, nil
}

// SimpleRNN is Keras's fully connected recurrent layer:
// h_t = activation(x_t·kernel + bias + h_{t-1}·recurrent_kernel).
// It is PyTorch's nn.RNN (tanh) with kernel = weight_ih_l0ᵀ,
// recurrent_kernel = weight_hh_l0ᵀ, bias = bias_ih_l0 + bias_hh_l0
// (ImportPyTorchRNN).
type SimpleRNN struct{ recurrent }

// LSTM is Keras's long short-term memory layer. With gates in the order
// i, f, c̃, o along kernel's last axis, σ the recurrent activation and tanh
// the activation:
//
//	i = σ(x·W_i + h_{t-1}·U_i + b_i)   f = σ(x·W_f + h_{t-1}·U_f + b_f)
//	c̃ = tanh(x·W_c + h_{t-1}·U_c + b_c) o = σ(x·W_o + h_{t-1}·U_o + b_o)
//	c_t = f⊙c_{t-1} + i⊙c̃              h_t = o⊙tanh(c_t)
//
// The states are [h, c]. It is PyTorch's nn.LSTM (same gate order i, f, g, o)
// with kernel = weight_ih_l0ᵀ [D, 4H], recurrent_kernel = weight_hh_l0ᵀ
// [H, 4H], bias = bias_ih_l0 + bias_hh_l0 (ImportPyTorchRNN).
type LSTM struct{ recurrent }

// GRU is Keras's gated recurrent unit. With gates z (update), r (reset) and
// h̃ (candidate) in that order along kernel's last axis:
//
//	z = σ(x·W_z + b_z + h_{t-1}·U_z + b'_z)
//	r = σ(x·W_r + b_r + h_{t-1}·U_r + b'_r)
//	reset_after (default): h̃ = tanh(x·W_h + b_h + r⊙(h_{t-1}·U_h + b'_h))
//	ResetBefore:           h̃ = tanh(x·W_h + b_h + (r⊙h_{t-1})·U_h)
//	h_t = z⊙h_{t-1} + (1-z)⊙h̃
//
// where b is bias row 0 and b' bias row 1 (ResetBefore has one bias b and
// no b'). This is Keras's and PyTorch's update convention; the overview's
// h_t = (1-z')⊙h_{t-1} + z'⊙h̃ is the same with z' = 1-z. The default is
// PyTorch's nn.GRU, whose gate rows are ordered r, z, n: kernel's blocks
// (z, r, h̃) are weight_ih_l0's row blocks (1, 0, 2) transposed, likewise
// recurrent_kernel from weight_hh_l0, and bias = [bias_ih_l0; bias_hh_l0]
// with the same block reordering (ImportPyTorchRNN).
type GRU struct{ recurrent }

// NewSimpleRNN returns a SimpleRNN layer; it panics on an invalid config.
func NewSimpleRNN(units int, cfg RNNConfig) *SimpleRNN {
	return must(newSimpleRNN(rnnSpec{units, cfg}, ""))
}

// NewLSTM returns an LSTM layer; it panics on an invalid config.
func NewLSTM(units int, cfg RNNConfig) *LSTM { return must(newLSTM(rnnSpec{units, cfg}, "")) }

// NewGRU returns a GRU layer; it panics on an invalid config.
func NewGRU(units int, cfg RNNConfig) *GRU { return must(newGRU(rnnSpec{units, cfg}, "")) }

func newSimpleRNN(s rnnSpec, name string) (*SimpleRNN, error) {
	r, err := newRecurrent("SimpleRNN", 1, s, name)
	return &SimpleRNN{r}, err
}

func newLSTM(s rnnSpec, name string) (*LSTM, error) {
	r, err := newRecurrent("LSTM", 4, s, name)
	return &LSTM{r}, err
}

func newGRU(s rnnSpec, name string) (*GRU, error) {
	r, err := newRecurrent("GRU", 3, s, name)
	return &GRU{r}, err
}

// Units returns the number of units H (the state width).
func (l *recurrent) Units() int { return l.spec.Units }

// RecurrentWeights returns the kernel [D, G·H], recurrent kernel [H, G·H]
// and bias of a SimpleRNN, LSTM or GRU layer (G gate blocks in Keras order,
// as each layer documents; bias nil with NoBias, all nil before
// Build), and false for any other layer. Exporters and weight importers
// use it to reach the three kinds alike.
func RecurrentWeights(l Layer) (kernel, recurrentKernel, bias *tensor.Tensor, ok bool) {
	r, ok := l.(interface{ weights() *recurrent })
	if !ok {
		return nil, nil, nil, false
	}
	w := r.weights()
	return w.Kernel, w.RecurrentKernel, w.Bias, true
}

func (l *recurrent) weights() *recurrent { return l }

func (l *recurrent) resetAfter() bool { return l.class == "GRU" && !l.spec.ResetBefore }

// Build implements Layer; in is [T, D] (T may be any value; only D is used).
func (l *recurrent) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	if len(in) != 2 || in[1] <= 0 {
		return shapeErrorf(l, "needs a per-sample input [T, D] with known D, got %v", in)
	}
	rng = orRNG(rng)
	d, h, gh := in[1], l.spec.Units, l.gates*l.spec.Units
	c := l.spec.RNNConfig
	l.Kernel = l.addWeight("kernel", c.KernelInitializer.orDefault(GlorotUniform()).New(rng, d, gh), true)
	l.RecurrentKernel = l.addWeight("recurrent_kernel", newRecurrentInit(c.RecurrentInitializer, rng, h, gh), true)
	if !c.NoBias {
		bi := c.BiasInitializer.orDefault(Zeros())
		var b *tensor.Tensor
		switch {
		case l.class == "LSTM" && !c.NoUnitForgetBias:
			b = tensor.Concat(0, bi.New(rng, h), tensor.Ones(h), bi.New(rng, 2*h))
		case l.resetAfter():
			b = bi.New(rng, 2, gh)
		default:
			b = bi.New(rng, gh)
		}
		l.Bias = l.addWeight("bias", b.Detach().Contiguous(), true)
	}
	if c.Seed != 0 {
		l.rng = tensor.NewRNG(c.Seed)
	} else {
		l.rng = tensor.NewRNG(rng.Uint64())
	}
	l.markBuilt(in)
	return nil
}

// OutputShape implements Layer: [T, units] with ReturnSequences, else [units].
func (l *recurrent) OutputShape(in []int) ([]int, error) {
	if len(in) != 2 {
		return nil, shapeErrorf(l, "needs a per-sample input [T, D], got %v", in)
	}
	if l.Kernel != nil && in[1] != l.Kernel.Dim(0) {
		return nil, shapeErrorf(l, "expects feature dimension %d, got input %v", l.Kernel.Dim(0), in)
	}
	if l.spec.ReturnSequences {
		return []int{in[0], l.spec.Units}, nil
	}
	return []int{l.spec.Units}, nil
}

// Config implements Layer.
func (l *recurrent) Config() map[string]any { return specConfig(l, l.spec) }

// RegularizationLoss implements Regularized.
func (l *recurrent) RegularizationLoss() *tensor.Tensor {
	c := l.spec.RNNConfig
	return regLoss(c.KernelRegularizer, l.Kernel, c.RecurrentRegularizer, l.RecurrentKernel, c.BiasRegularizer, l.Bias)
}

// StateCount returns the number of state tensors: 2 for LSTM (h, c), else 1.
func (l *recurrent) StateCount() int {
	if l.class == "LSTM" {
		return 2
	}
	return 1
}

// Forward implements Layer: x [B, T, D] → [B, T, units] or [B, units].
func (l *recurrent) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.ForwardState(x, nil, nil, training)
	return y
}

// ForwardMasked implements MaskConsumer. mask [B, T] holds 1 for real steps
// and 0 for padding; at a masked step the states (and the output) of the
// previous step are carried through unchanged.
func (l *recurrent) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.ForwardState(x, mask, nil, training)
	return y
}

// NumOutputs implements MultiOutputLayer: with ReturnState the output and
// the final states (LSTM h and c, others h), else 1.
func (l *recurrent) NumOutputs() int {
	if l.spec.ReturnState {
		return 1 + l.StateCount()
	}
	return 1
}

// OutputShapes implements MultiOutputLayer: OutputShape's shape, then
// [units] for each final state when ReturnState is set.
func (l *recurrent) OutputShapes(in []int) ([][]int, error) {
	out, err := l.OutputShape(in)
	if err != nil {
		return nil, err
	}
	shapes := [][]int{out}
	for i := 1; i < l.NumOutputs(); i++ {
		shapes = append(shapes, []int{l.spec.Units})
	}
	return shapes, nil
}

// ForwardOutputs implements MultiOutputLayer: the output followed, with
// ReturnState, by the final states [B, units] (Keras's return_state=True
// outputs, in its order: LSTM output, h, c).
func (l *recurrent) ForwardOutputs(x, mask *tensor.Tensor, training bool) []*tensor.Tensor {
	y, states := l.ForwardState(x, mask, nil, training)
	if !l.spec.ReturnState {
		return []*tensor.Tensor{y}
	}
	return append([]*tensor.Tensor{y}, states...)
}

// ForwardState runs the layer from the initial states (nil: zeros; LSTM
// takes [h, c], the others [h], each [B, units]) under an optional mask
// [B, T] and returns the output and the final states (Keras's
// return_state=True outputs). x is [B, T, D].
func (l *recurrent) ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor) {
	if !l.built {
		panic(&tensor.ShapeError{Op: l.class, Msg: fmt.Sprintf("layer %q is not built", l.name)})
	}
	if x.Dims() != 3 || x.Dim(2) != l.Kernel.Dim(0) {
		panic(&tensor.ShapeError{Op: l.class, Shapes: [][]int{x.Shape(), l.Kernel.Shape()},
			Msg: fmt.Sprintf("layer %q needs an input [B, T, %d]", l.name, l.Kernel.Dim(0))})
	}
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	H, GH := l.spec.Units, l.gates*l.spec.Units
	if mask != nil && !slices.Equal(mask.Shape(), []int{B, T}) {
		panic(&tensor.ShapeError{Op: l.class, Shapes: [][]int{mask.Shape(), x.Shape()}, Msg: "mask must be [B, T]"})
	}
	states := make([]*tensor.Tensor, l.StateCount())
	if initial != nil {
		if len(initial) != len(states) {
			panic(&tensor.ShapeError{Op: l.class, Msg: fmt.Sprintf("layer %q takes %d initial states, got %d", l.name, len(states), len(initial))})
		}
		for i, s := range initial {
			if !slices.Equal(s.Shape(), []int{B, H}) {
				panic(&tensor.ShapeError{Op: l.class, Shapes: [][]int{s.Shape()}, Msg: fmt.Sprintf("initial state must be [%d, %d]", B, H)})
			}
			states[i] = s
		}
	} else {
		for i := range states {
			states[i] = tensor.Zeros(B, H)
		}
	}
	c := l.spec.RNNConfig
	if training && c.Dropout > 0 {
		x = tensor.Mul(x, tensor.DropoutMask(l.rng, float32(c.Dropout), B, 1, D))
	}
	var recMask *tensor.Tensor
	if training && c.RecurrentDropout > 0 {
		recMask = tensor.DropoutMask(l.rng, float32(c.RecurrentDropout), B, H)
	}
	if l.fusedLSTM() {
		return l.forwardLSTM(x, mask, states, recMask)
	}
	if l.fusedGRU() {
		return l.forwardGRU(x, mask, states, recMask)
	}
	// All input projections in one GEMM, then laid out gate-major and
	// time-major, [G·T, B, H], so each gate of each step is a contiguous
	// [B, H] block and the step needs no per-gate slicing of a [B, G·H]
	// tensor (whose backward would pad every gate's gradient to full width).
	xp := tensor.MatMul(x.Permute(1, 0, 2).Reshape(T*B, D), l.Kernel)
	G := l.gates
	var recBias []*tensor.Tensor
	if l.Bias != nil {
		if l.resetAfter() {
			xp = tensor.Add(xp, l.Bias.Slice(0, 0, 1))
			recBias = tensor.Split(l.Bias.Slice(0, 1, 2).Reshape(GH), 0, H, H, H)
		} else {
			xp = tensor.Add(xp, l.Bias)
		}
	}
	if G > 1 {
		xp = xp.Reshape(T, B, G, H).Permute(2, 0, 1, 3)
	}
	steps := unstack0(xp.Reshape(G*T, B, H))
	// The recurrent kernel's gate blocks, as views made once: the step
	// runs one small GEMM per gate.
	rk := []*tensor.Tensor{l.RecurrentKernel}
	if G > 1 {
		sizes := make([]int, G)
		for i := range sizes {
			sizes[i] = H
		}
		rk = tensor.Split(l.RecurrentKernel, 1, sizes...)
	}
	masks := masks(mask)
	outs := make([]*tensor.Tensor, 0, T)
	xg := make([]*tensor.Tensor, G)
	for k := range T {
		t := k
		if c.GoBackwards {
			t = T - 1 - k
		}
		for g := range G {
			xg[g] = steps[g*T+t]
		}
		next := l.step(xg, states, rk, recMask, recBias)
		if masks != nil {
			for i := range next {
				next[i] = tensor.Where(masks[t], next[i], states[i])
			}
		}
		states = next
		outs = append(outs, states[0])
	}
	if c.ReturnSequences {
		return tensor.Stack(1, outs...), states
	}
	return outs[len(outs)-1], states
}

// fusedLSTM reports whether the layer is an LSTM with the standard
// activations (tanh, sigmoid gates), which runs on the fused tensor.LSTMCell.
func (l *recurrent) fusedLSTM() bool {
	c := l.spec.RNNConfig
	return l.class == "LSTM" && c.Activation == "tanh" && c.RecurrentActivation == "sigmoid"
}

// fusedGRU reports whether the layer is a reset_after GRU with the standard
// activations, which runs on the fused tensor.GRUSequence.
func (l *recurrent) fusedGRU() bool {
	c := l.spec.RNNConfig
	return l.resetAfter() && c.Activation == "tanh" && c.RecurrentActivation == "sigmoid"
}

// forwardGRU is ForwardState for a fusedGRU layer, as forwardLSTM: one GEMM
// for the input projections (input bias fused), then one
// tensor.GRUSequence op.
func (l *recurrent) forwardGRU(x, mask *tensor.Tensor, states []*tensor.Tensor, recMask *tensor.Tensor) (*tensor.Tensor, []*tensor.Tensor) {
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	GH := 3 * l.spec.Units
	xt := x.Permute(1, 0, 2).Reshape(T*B, D)
	var xp, rb *tensor.Tensor
	if l.Bias != nil {
		xp = tensor.MatMulBias(xt, l.Kernel, l.Bias.Slice(0, 0, 1).Reshape(GH))
		rb = l.Bias.Slice(0, 1, 2).Reshape(GH)
	} else {
		xp = tensor.MatMul(xt, l.Kernel)
	}
	hs := tensor.GRUSequence(xp.Reshape(T, B, GH), l.RecurrentKernel, rb, states[0], recMask, maskTB(mask), l.spec.GoBackwards)
	h := hs.Slice(0, T-1, T).Squeeze(0)
	if l.spec.ReturnSequences {
		return hs.Permute(1, 0, 2), []*tensor.Tensor{h}
	}
	return h, []*tensor.Tensor{h}
}

// maskTB returns the constant [T, B] transpose of a [B, T] mask, or nil.
func maskTB(mask *tensor.Tensor) *tensor.Tensor {
	if mask == nil {
		return nil
	}
	return mask.Detach().Transpose().Contiguous()
}

// forwardLSTM is ForwardState for a fusedLSTM layer: the input projections
// of all steps are one GEMM (bias fused), laid out time-major [T·B, 4H], and
// the recurrence is one tensor.LSTMSequence op, whose backward pass runs
// the sequence back with one small GEMM per step and one GEMM for the
// recurrent kernel's gradient.
func (l *recurrent) forwardLSTM(x, mask *tensor.Tensor, states []*tensor.Tensor, recMask *tensor.Tensor) (*tensor.Tensor, []*tensor.Tensor) {
	B, T, D := x.Dim(0), x.Dim(1), x.Dim(2)
	xt := x.Permute(1, 0, 2).Reshape(T*B, D)
	var xp *tensor.Tensor
	if l.Bias != nil {
		xp = tensor.MatMulBias(xt, l.Kernel, l.Bias)
	} else {
		xp = tensor.MatMul(xt, l.Kernel)
	}
	hs, c := tensor.LSTMSequence(xp.Reshape(T, B, 4*l.spec.Units), l.RecurrentKernel, states[0], states[1],
		recMask, maskTB(mask), l.spec.GoBackwards)
	h := hs.Slice(0, T-1, T).Squeeze(0)
	if l.spec.ReturnSequences {
		return hs.Permute(1, 0, 2), []*tensor.Tensor{h, c}
	}
	return h, []*tensor.Tensor{h, c}
}

// masks returns mask's columns (see maskColumns), or nil for no mask.
func masks(mask *tensor.Tensor) []*tensor.Tensor {
	if mask == nil {
		return nil
	}
	return maskColumns(mask)
}

// step computes the next states from the step's per-gate input projections
// xg ([B, H] each, bias included), the recurrent kernel's gate blocks rk and,
// for GRU with reset_after, the recurrent bias's gate blocks.
func (l *recurrent) step(xg, states, rk []*tensor.Tensor, recMask *tensor.Tensor, recBias []*tensor.Tensor) []*tensor.Tensor {
	h := states[0]
	hr := h
	if recMask != nil {
		hr = tensor.Mul(h, recMask)
	}
	pre := func(g int) *tensor.Tensor { return tensor.Add(xg[g], tensor.MatMul(hr, rk[g])) }
	switch l.class {
	case "LSTM":
		i, f, cc, o := l.recAct(pre(0)), l.recAct(pre(1)), l.act(pre(2)), l.recAct(pre(3))
		cn := tensor.Add(tensor.Mul(f, states[1]), tensor.Mul(i, cc))
		return []*tensor.Tensor{tensor.Mul(o, l.act(cn)), cn}
	case "GRU":
		var z, r, hh *tensor.Tensor
		if l.resetAfter() {
			zp, rp, inner := pre(0), pre(1), tensor.MatMul(hr, rk[2])
			if recBias != nil {
				zp, rp = tensor.Add(zp, recBias[0]), tensor.Add(rp, recBias[1])
				inner = tensor.Add(inner, recBias[2])
			}
			z, r = l.recAct(zp), l.recAct(rp)
			hh = l.act(tensor.Add(xg[2], tensor.Mul(r, inner)))
		} else {
			z, r = l.recAct(pre(0)), l.recAct(pre(1))
			hh = l.act(tensor.Add(xg[2], tensor.MatMul(tensor.Mul(r, hr), rk[2])))
		}
		// h = z⊙h + (1-z)⊙h̃ = h̃ + z⊙(h - h̃)
		return []*tensor.Tensor{tensor.Add(hh, tensor.Mul(z, tensor.Sub(h, hh)))}
	}
	return []*tensor.Tensor{l.act(pre(0))}
}

// unstack0 splits x [T, ...] into T tensors [...] by halving, so the
// backward pass pads each gradient through log₂T levels instead of padding
// every step's gradient to the full size (O(T log T) instead of O(T²)).
func unstack0(x *tensor.Tensor) []*tensor.Tensor {
	n := x.Dim(0)
	if n == 1 {
		return []*tensor.Tensor{x.Squeeze(0)}
	}
	h := n / 2
	return append(unstack0(x.Slice(0, 0, h)), unstack0(x.Slice(0, h, n))...)
}

// maskColumns returns mask [B, T]'s columns as constant [B, 1] tensors.
func maskColumns(mask *tensor.Tensor) []*tensor.Tensor {
	B, T := mask.Dim(0), mask.Dim(1)
	d := mask.Contiguous().Data()
	cols := make([]*tensor.Tensor, T)
	for t := range T {
		c := make([]float32, B)
		for b := range B {
			c[b] = d[b*T+t]
		}
		cols[t] = tensor.FromSlice(c, B, 1)
	}
	return cols
}

// Orthogonal returns Keras's orthogonal initializer: a random matrix with
// orthonormal rows or columns (from the QR decomposition of a Gaussian
// matrix, signs fixed by R's diagonal), times gain (0 means 1). It is the
// default recurrent initializer of SimpleRNN, LSTM and GRU. Weights of more
// than two dimensions are flattened to [prod(all but last), last] first.
func Orthogonal(gain float64) Initializer { return Initializer{Name: "orthogonal", Value: gain} }

func validateRecurrentInit(i Initializer) error { return i.validate() }

func newRecurrentInit(i Initializer, rng *rand.Rand, rows, cols int) *tensor.Tensor {
	return i.orDefault(Orthogonal(1)).New(rng, rows, cols)
}

// OrthogonalMatrix returns a [rows, cols] matrix with orthonormal rows (if
// rows ≤ cols) or columns, scaled by gain, as Keras's Orthogonal: the Q
// factor of a standard normal matrix, by modified Gram-Schmidt in float64,
// with column signs making R's diagonal positive.
func OrthogonalMatrix(rng *rand.Rand, gain float64, rows, cols int) *tensor.Tensor {
	n, m := max(rows, cols), min(rows, cols) // QR of an n×m matrix, n ≥ m
	a := make([][]float64, m)                // columns
	for j := range a {
		a[j] = make([]float64, n)
		for i := range a[j] {
			a[j][i] = rng.NormFloat64()
		}
	}
	for j := range m {
		for k := range j {
			var dot float64
			for i := range n {
				dot += a[k][i] * a[j][i]
			}
			for i := range n {
				a[j][i] -= dot * a[k][i]
			}
		}
		var nrm float64
		for i := range n {
			nrm += a[j][i] * a[j][i]
		}
		nrm = math.Sqrt(nrm)
		if nrm == 0 {
			nrm = 1
		}
		for i := range n {
			a[j][i] /= nrm // R's diagonal is the positive norm
		}
	}
	out := make([]float32, rows*cols)
	for r := range rows {
		for c := range cols {
			var v float64
			if rows >= cols {
				v = a[c][r] // Q is rows×cols
			} else {
				v = a[r][c] // Qᵀ
			}
			out[r*cols+c] = float32(gain * v)
		}
	}
	return tensor.FromSlice(out, rows, cols)
}

// ImportPyTorchRNN copies the weights of one layer and direction of a
// PyTorch nn.RNN (tanh), nn.LSTM or nn.GRU state dict into a built
// SimpleRNN, LSTM or GRU l. suffix selects the layer and direction, e.g.
// "l0", "l1" or "l0_reverse"; the keys read are weight_ih_<suffix>,
// weight_hh_<suffix> and, unless l has no bias, bias_ih_<suffix> and
// bias_hh_<suffix>. The mapping:
//
//	kernel           = weight_ih ᵀ                 [D, G·H]
//	recurrent_kernel = weight_hh ᵀ                 [H, G·H]
//	bias             = bias_ih + bias_hh           (SimpleRNN, LSTM)
//	bias             = [bias_ih; bias_hh]          (GRU, [2, 3H])
//
// with GRU's gate blocks reordered from PyTorch's (r, z, n) to Keras's
// (z, r, h̃). A GRU with ResetBefore has no PyTorch counterpart (error).
func ImportPyTorchRNN(l Layer, stateDict map[string]*tensor.Tensor, suffix string) error {
	var r *recurrent
	switch v := l.(type) {
	case *SimpleRNN:
		r = &v.recurrent
	case *LSTM:
		r = &v.recurrent
	case *GRU:
		r = &v.recurrent
	default:
		return fmt.Errorf("nn: ImportPyTorchRNN: %s is not SimpleRNN, LSTM or GRU", l.ClassName())
	}
	if !r.built {
		return fmt.Errorf("nn: ImportPyTorchRNN: layer %q is not built", r.name)
	}
	if r.class == "GRU" && r.spec.ResetBefore {
		return fmt.Errorf("nn: ImportPyTorchRNN: GRU %q has reset_after=false, which PyTorch lacks", r.name)
	}
	get := func(k string, shape ...int) (*tensor.Tensor, error) {
		t := stateDict[k+"_"+suffix]
		if t == nil {
			return nil, fmt.Errorf("nn: ImportPyTorchRNN: state dict has no %s_%s", k, suffix)
		}
		if !slices.Equal(t.Shape(), shape) {
			return nil, fmt.Errorf("nn: ImportPyTorchRNN: %s_%s has shape %v, want %v", k, suffix, t.Shape(), shape)
		}
		return t.Detach(), nil
	}
	H, D, GH := r.spec.Units, r.Kernel.Dim(0), r.gates*r.spec.Units
	order := func(t *tensor.Tensor) *tensor.Tensor { // gate blocks along axis 0
		if r.class != "GRU" {
			return t
		}
		p := tensor.Split(t, 0, H, H, H)
		return tensor.Concat(0, p[1], p[0], p[2])
	}
	wih, err := get("weight_ih", GH, D)
	if err != nil {
		return err
	}
	whh, err := get("weight_hh", GH, H)
	if err != nil {
		return err
	}
	var bih, bhh *tensor.Tensor
	if r.Bias != nil {
		if bih, err = get("bias_ih", GH); err != nil {
			return err
		}
		if bhh, err = get("bias_hh", GH); err != nil {
			return err
		}
	} else if stateDict["bias_ih_"+suffix] != nil {
		return fmt.Errorf("nn: ImportPyTorchRNN: layer %q has no bias but the state dict has bias_ih_%s", r.name, suffix)
	}
	// State-dict tensors need no gradient and CopyFrom records nothing.
	r.Kernel.CopyFrom(order(wih).Transpose())
	r.RecurrentKernel.CopyFrom(order(whh).Transpose())
	if r.Bias != nil {
		if r.class == "GRU" {
			r.Bias.CopyFrom(tensor.Stack(0, order(bih), order(bhh)))
		} else {
			r.Bias.CopyFrom(tensor.Add(bih, bhh))
		}
	}
	return nil
}

func init() {
	registerSpec("SimpleRNN", newSimpleRNN)
	registerSpec("LSTM", newLSTM)
	registerSpec("GRU", newGRU)
}
