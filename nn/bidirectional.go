package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/tensor"
)

// RecurrentLayer is implemented by SimpleRNN, LSTM and GRU.
type RecurrentLayer interface {
	Layer
	MaskConsumer
	// ForwardState runs from initial states (nil: zeros) under an optional
	// [B, T] mask and returns the output and the final states.
	ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor)
	// StateCount is the number of states (LSTM 2: h, c; otherwise 1).
	StateCount() int
	// Units is the state width.
	Units() int
}

// BidirectionalConfig holds Bidirectional's options.
type BidirectionalConfig struct {
	// MergeMode combines the two directions' outputs: "concat" (default,
	// ""), "sum", "mul" or "ave".
	MergeMode string `json:"merge_mode,omitempty"`
}

type bidiSpec struct {
	Layer map[string]any `json:"layer"`
	BidirectionalConfig
}

// Bidirectional runs a recurrent layer over the sequence forwards and a copy
// of it (with go_backwards flipped and its own weights) backwards, and
// merges the two outputs. With return_sequences the backward outputs are
// put back in forward time order before merging, so step t of the result
// sees the whole sequence, as Keras's and PyTorch's bidirectional layers.
//
// Weights are named "<name>/forward_<inner>/…" and "<name>/backward_<inner>/…";
// Params lists the forward layer's first. A PyTorch bidirectional layer maps
// with ImportPyTorchRNN(forward, sd, "l0") and (backward, sd, "l0_reverse").
type Bidirectional struct {
	base
	spec    bidiSpec
	fw, bw  RecurrentLayer
	inClass string
}

// NewBidirectional wraps a SimpleRNN, LSTM or GRU. It panics on another
// layer or an unknown merge mode.
func NewBidirectional(layer Layer, cfg BidirectionalConfig) *Bidirectional {
	return must(newBidirectional(bidiSpec{Serialize(layer), cfg}, ""))
}

func newBidirectional(s bidiSpec, name string) (*Bidirectional, error) {
	switch s.MergeMode {
	case "":
		s.MergeMode = "concat"
	case "concat", "sum", "mul", "ave":
	default:
		return nil, fmt.Errorf("nn: Bidirectional: unknown merge_mode %q (concat, sum, mul, ave)", s.MergeMode)
	}
	mk := func(flip bool) (RecurrentLayer, error) {
		cfg := map[string]any{}
		for k, v := range s.Layer {
			cfg[k] = v
		}
		inner, _ := s.Layer["config"].(map[string]any)
		c := map[string]any{}
		for k, v := range inner {
			c[k] = v
		}
		if flip {
			gb, _ := c["go_backwards"].(bool)
			c["go_backwards"] = !gb
		}
		cfg["config"] = c
		l, err := FromConfig(cfg)
		if err != nil {
			return nil, err
		}
		r, ok := l.(RecurrentLayer)
		if !ok {
			return nil, fmt.Errorf("layer %s is not recurrent", l.ClassName())
		}
		return r, nil
	}
	fw, err := mk(false)
	if err != nil {
		return nil, fmt.Errorf("nn: Bidirectional: %w", err)
	}
	bw, err := mk(true)
	if err != nil {
		return nil, fmt.Errorf("nn: Bidirectional: %w", err)
	}
	// Store the inner config with its name, so Config round-trips.
	s.Layer = Serialize(fw)
	l := &Bidirectional{base: newBase("Bidirectional", name), spec: s, fw: fw, bw: bw, inClass: fw.Name()}
	l.SetName(l.name)
	return l, nil
}

// Layers returns the forward and the backward layer.
func (l *Bidirectional) Layers() (forward, backward RecurrentLayer) { return l.fw, l.bw }

// SetName implements Layer, renaming the inner layers and their weights.
func (l *Bidirectional) SetName(name string) {
	l.name = name
	l.fw.SetName(name + "/forward_" + l.inClass)
	l.bw.SetName(name + "/backward_" + l.inClass)
}

// Build implements Layer.
func (l *Bidirectional) Build(in []int, rng *rand.Rand) error {
	if done, err := l.checkRebuild(in); done {
		return err
	}
	rng = orRNG(rng)
	if err := l.fw.Build(in, rng); err != nil {
		return err
	}
	if err := l.bw.Build(in, rng); err != nil {
		return err
	}
	l.params = append(slices.Clone(l.fw.Params()), l.bw.Params()...)
	l.markBuilt(in)
	return nil
}

// Forward implements Layer.
func (l *Bidirectional) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.ForwardState(x, nil, nil, training)
	return y
}

// ForwardMasked implements MaskConsumer.
func (l *Bidirectional) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	y, _ := l.ForwardState(x, mask, nil, training)
	return y
}

// ForwardState runs both directions; initial holds the forward layer's
// states followed by the backward layer's (nil: zeros). It returns the
// merged output and the final states in the same order.
func (l *Bidirectional) ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor) {
	var fi, bi []*tensor.Tensor
	if initial != nil {
		n := l.fw.StateCount()
		if len(initial) != 2*n {
			panic(&tensor.ShapeError{Op: "Bidirectional", Msg: fmt.Sprintf("layer %q takes %d initial states, got %d", l.name, 2*n, len(initial))})
		}
		fi, bi = initial[:n], initial[n:]
	}
	yf, sf := l.fw.ForwardState(x, mask, fi, training)
	yb, sb := l.bw.ForwardState(x, mask, bi, training)
	return l.Merge(yf, yb), append(slices.Clone(sf), sb...)
}

// Merge combines the forward layer's output yf and the backward layer's
// output yb (in its processing order) into the layer's output: a sequence
// yb [B, T, H] is first put back in forward time order, then the two are
// merged by MergeMode.
func (l *Bidirectional) Merge(yf, yb *tensor.Tensor) *tensor.Tensor {
	if yb.Dims() == 3 {
		T := yb.Dim(1)
		rev := make([]int, T)
		for i := range rev {
			rev[i] = T - 1 - i
		}
		yb = tensor.Take(yb, 1, rev)
	}
	switch l.spec.MergeMode {
	case "sum":
		return tensor.Add(yf, yb)
	case "mul":
		return tensor.Mul(yf, yb)
	case "ave":
		return tensor.MulScalar(tensor.Add(yf, yb), 0.5)
	}
	return tensor.Concat(-1, yf, yb)
}

// OutputShape implements Layer.
func (l *Bidirectional) OutputShape(in []int) ([]int, error) {
	out, err := l.fw.OutputShape(in)
	if err != nil {
		return nil, err
	}
	if l.spec.MergeMode == "concat" {
		out[len(out)-1] *= 2
	}
	return out, nil
}

// RegularizationLoss implements Regularized.
func (l *Bidirectional) RegularizationLoss() *tensor.Tensor {
	var total *tensor.Tensor
	for _, r := range []RecurrentLayer{l.fw, l.bw} {
		if rl, ok := r.(Regularized); ok {
			if v := rl.RegularizationLoss(); v != nil {
				if total == nil {
					total = v
				} else {
					total = tensor.Add(total, v)
				}
			}
		}
	}
	return total
}

// Config implements Layer.
func (l *Bidirectional) Config() map[string]any { return specConfig(l, l.spec) }

func init() {
	registerSpec("Bidirectional", newBidirectional)
}
