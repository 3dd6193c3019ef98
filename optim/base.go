package optim

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/tensor"
)

// Zero is a float32 zero that a config field reads as "exactly 0" rather than
// "use the Keras default": config fields treat a plain 0 as unset. It is
// negative zero, so in arithmetic it is simply 0. Use it for settings whose
// default is not 0, e.g. AdamConfig{Beta1: optim.Zero} or
// AdamWConfig{WeightDecay: optim.Zero}.
var Zero = float32(math.Copysign(0, -1))

// orDefault returns d when v is a plain (positive) zero, 0 when v is Zero,
// and v otherwise.
func orDefault(v, d float32) float32 {
	if v == 0 {
		if math.Signbit(float64(v)) {
			return 0 // Zero: an explicit, positive zero
		}
		return d
	}
	return v
}

// BaseConfig holds the settings every optimizer shares, as Keras's base
// Optimizer does: learning rate or schedule, gradient clipping and weight
// decay. Each optimizer's config embeds it, e.g.
//
//	optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 3e-4, GlobalClipNorm: 1}, Beta2: 0.98}
//
// The fields mean the same in every optimizer:
//   - LearningRate is the fixed learning rate (0: the optimizer's default);
//     Schedule, if set, gives the rate per step instead (set one, not both).
//   - ClipNorm rescales each parameter's gradient to L2 norm at most ClipNorm;
//     GlobalClipNorm rescales all gradients together so that their joint norm
//     is at most GlobalClipNorm; ClipValue clips each gradient element to
//     [-ClipValue, ClipValue]. At most one may be set; 0 means off. Clipping
//     works on a copy: the parameters' Grad tensors are not modified. A
//     row-sparse gradient (see tensor.RowGrad) is clipped on its rows, which
//     gives the same result as clipping its dense form.
//   - WeightDecay w shrinks each parameter before the update, p -= lr·w·p
//     (decoupled weight decay, as Keras applies it for every optimizer);
//     parameters whose name contains one of ExcludeFromWeightDecay are
//     left alone. Decay shrinks every row, so for a parameter with a
//     row-sparse gradient it still costs a pass over the whole table;
//     exclude embedding tables to keep their step proportional to the rows
//     touched.
type BaseConfig struct {
	LearningRate           float32
	Schedule               Schedule
	ClipNorm               float32
	GlobalClipNorm         float32
	ClipValue              float32
	WeightDecay            float32
	ExcludeFromWeightDecay []string
}

func (c BaseConfig) validate(name string, defLR float32) (BaseConfig, error) {
	c.ClipNorm, c.GlobalClipNorm, c.ClipValue = orDefault(c.ClipNorm, 0), orDefault(c.GlobalClipNorm, 0), orDefault(c.ClipValue, 0)
	c.WeightDecay = orDefault(c.WeightDecay, 0)
	if c.Schedule != nil && c.LearningRate != 0 {
		return c, fmt.Errorf("optim: %s: set either LearningRate or Schedule, not both", name)
	}
	if c.Schedule != nil {
		if v, ok := c.Schedule.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				return c, fmt.Errorf("optim: %s: %w", name, err)
			}
		}
	} else {
		c.LearningRate = orDefault(c.LearningRate, defLR)
		if !(c.LearningRate >= 0) || math.IsInf(float64(c.LearningRate), 0) {
			return c, fmt.Errorf("optim: %s: learning rate %g must be a finite number >= 0", name, c.LearningRate)
		}
	}
	set := 0
	for _, f := range []struct {
		n string
		v float32
	}{{"ClipNorm", c.ClipNorm}, {"GlobalClipNorm", c.GlobalClipNorm}, {"ClipValue", c.ClipValue}} {
		if f.v < 0 || math.IsNaN(float64(f.v)) {
			return c, fmt.Errorf("optim: %s: %s %g must be >= 0", name, f.n, f.v)
		}
		if f.v > 0 {
			set++
		}
	}
	if set > 1 {
		return c, fmt.Errorf("optim: %s: only one of ClipNorm, GlobalClipNorm and ClipValue can be set", name)
	}
	if c.WeightDecay < 0 || math.IsNaN(float64(c.WeightDecay)) {
		return c, fmt.Errorf("optim: %s: weight decay %g must be >= 0", name, c.WeightDecay)
	}
	return c, nil
}

// paramState is the optimizer's state for one parameter.
type paramState struct {
	slots [][]float32 // one per slot name, each len(param)
	owner *tensor.Tensor
	last  int  // iteration of the last update, -1 for none
	decay bool // weight decay applies
	known bool // decay has been decided
}

// core implements the Optimizer machinery shared by every algorithm: the
// learning rate, clipping, weight decay, lazily created slots and State.
type core struct {
	name      string
	cfg       BaseConfig
	lr        float32 // fixed learning rate, used when sched is nil
	sched     Schedule
	iters     int
	slotNames []string
	slotInit  []float32 // initial value of each slot
	states    map[string]*paramState
	scratch   backend.Buffer
	sparse    rowUpdate // nil: row-sparse gradients are densified
}

func newCore(name string, c BaseConfig, slots []string, init []float32) core {
	if init == nil {
		init = make([]float32, len(slots))
	}
	return core{name: name, cfg: c, lr: c.LearningRate, sched: c.Schedule,
		slotNames: slots, slotInit: init, states: map[string]*paramState{}}
}

// LearningRate returns the learning rate the next Step will use.
func (c *core) LearningRate() float32 {
	if c.sched != nil {
		return c.sched.LR(c.iters)
	}
	return c.lr
}

// SetLearningRate sets a fixed learning rate. It replaces a schedule given at
// construction (Keras refuses this; here callbacks such as ReduceLROnPlateau
// take over from the schedule).
func (c *core) SetLearningRate(lr float32) {
	c.sched = nil
	c.lr = lr
}

// Iterations returns how many Steps have been taken.
func (c *core) Iterations() int { return c.iters }

// SetIterations sets the step counter (it drives schedules and Adam's bias
// correction); LoadState restores it from a checkpoint.
func (c *core) SetIterations(n int) { c.iters = n }

// Build creates the slots of params that have none yet, as the first Step
// would. Building before LoadState lets LoadState check slot sizes.
func (c *core) Build(params []*tensor.Tensor) {
	for _, p := range params {
		c.state(p, p.Size())
	}
}

func (c *core) opErr(format string, args ...any) {
	panic(&tensor.ShapeError{Op: "optim." + c.name + ".Step", Msg: fmt.Sprintf(format, args...)})
}

// state returns p's state, creating zero-initialised (or slotInit) slots on
// first use.
func (c *core) state(p *tensor.Tensor, n int) *paramState {
	name := p.Name()
	if name == "" {
		c.opErr("parameter %v has no name; optimizer state is keyed by parameter name", p.Shape())
	}
	st := c.states[name]
	if st == nil {
		st = &paramState{last: -1}
		for i := range c.slotNames {
			s := make([]float32, n)
			if v := c.slotInit[i]; v != 0 {
				for j := range s {
					s[j] = v
				}
			}
			st.slots = append(st.slots, s)
		}
		c.states[name] = st
	}
	for i, s := range st.slots {
		if len(s) != n {
			c.opErr("slot %q has %d values but parameter %v has %d", name+"/"+c.slotNames[i], len(s), p.Shape(), n)
		}
	}
	if !st.known {
		st.known = true
		st.decay = true
		for _, pat := range c.cfg.ExcludeFromWeightDecay {
			if pat != "" && strings.Contains(name, pat) {
				st.decay = false
			}
		}
	}
	return st
}

// step runs one optimizer step: it resolves the learning rate, clips the
// gradients, applies weight decay and calls update for each parameter with
// a gradient.
func (c *core) step(params []*tensor.Tensor, update func(st *paramState, p, g backend.Buffer, lr float32)) {
	be := tensor.Backend()
	lr := c.LearningRate()
	gscale := float32(1)
	if c.cfg.GlobalClipNorm > 0 {
		var ss float64
		for _, p := range params {
			if rg := c.rowGrad(p); rg != nil {
				ss += be.SumSquares(backend.Host(rg.Values))
				continue
			}
			if g := p.Grad(); g != nil {
				ss += be.SumSquares(g.Buffer())
			}
		}
		if n := math.Sqrt(ss); n > float64(c.cfg.GlobalClipNorm) {
			gscale = float32(float64(c.cfg.GlobalClipNorm) / n)
		}
	}
	for _, p := range params {
		if rg := c.rowGrad(p); rg != nil {
			c.stepRows(p, rg, gscale, lr)
			continue
		}
		gt := p.Grad()
		if gt == nil {
			continue
		}
		if !p.IsContiguous() {
			c.opErr("parameter %q %v is not contiguous", p.Name(), p.Shape())
		}
		pd, gd := p.Buffer(), gt.Buffer()
		if gd.Len() != pd.Len() {
			c.opErr("gradient of %q has %d values, parameter %v has %d", p.Name(), gd.Len(), p.Shape(), pd.Len())
		}
		st, gd := c.prepare(be, p, pd, gd, gscale, lr)
		update(st, pd, gd, lr)
	}
	c.iters++
}

// prepare is what a step does for every parameter p (values pd, gradient
// g, dense or the touched rows) before its update rule: it fetches p's
// state, checking that no other parameter of this step has p's name,
// returns the clipped gradient and applies weight decay to pd.
func (c *core) prepare(be backend.Backend, p *tensor.Tensor, pd, g backend.Buffer, gscale, lr float32) (*paramState, backend.Buffer) {
	st := c.state(p, pd.Len())
	if st.last == c.iters && st.owner != p {
		c.opErr("two parameters are named %q; names must be unique", p.Name())
	}
	st.owner, st.last = p, c.iters
	g = c.clip(be, g, gscale)
	if c.cfg.WeightDecay > 0 && st.decay {
		be.Unary(backend.MulScalar, pd, pd, 1-lr*c.cfg.WeightDecay, 0)
	}
	return st, g
}

// clip returns the gradient to use for g: g itself when no clipping applies,
// otherwise a clipped copy in the reused scratch buffer (the caller's
// gradient is never modified).
func (c *core) clip(be backend.Backend, g backend.Buffer, gscale float32) backend.Buffer {
	switch {
	case c.cfg.ClipNorm > 0:
		n := math.Sqrt(be.SumSquares(g))
		if n <= float64(c.cfg.ClipNorm) {
			return g
		}
		s := c.buf(be, g.Len())
		be.Unary(backend.MulScalar, s, g, float32(float64(c.cfg.ClipNorm)/n), 0)
		return s
	case c.cfg.GlobalClipNorm > 0:
		if gscale == 1 {
			return g
		}
		s := c.buf(be, g.Len())
		be.Unary(backend.MulScalar, s, g, gscale, 0)
		return s
	case c.cfg.ClipValue > 0:
		s := c.buf(be, g.Len())
		be.Unary(backend.Clip, s, g, -c.cfg.ClipValue, c.cfg.ClipValue)
		return s
	}
	return g
}

// buf returns the reused scratch buffer, n elements long, from backend be.
func (c *core) buf(be backend.Backend, n int) backend.Buffer {
	if c.scratch.Len() < n {
		if !c.scratch.IsNil() {
			be.Free(c.scratch)
		}
		c.scratch = be.Alloc(n)
	}
	return c.scratch.Slice(0, n)
}

// State returns copies of the slots keyed "<param name>/<slot>" plus
// "iterations" (one value).
func (c *core) State() map[string][]float32 {
	out := map[string][]float32{"iterations": {float32(c.iters)}}
	for name, st := range c.states {
		for i, s := range st.slots {
			out[name+"/"+c.slotNames[i]] = append([]float32(nil), s...)
		}
	}
	return out
}

// LoadState replaces the optimizer's state with a copy of state, as returned
// by State. Every parameter named in state must have all of this optimizer's
// slots, of equal sizes; a parameter the optimizer already holds slots for
// must keep its size. On error the state is unchanged.
func (c *core) LoadState(state map[string][]float32) error {
	iters := 0
	if it, ok := state["iterations"]; ok {
		if len(it) != 1 || it[0] < 0 || it[0] != float32(math.Trunc(float64(it[0]))) {
			return fmt.Errorf("optim: %s: LoadState: key \"iterations\" must hold one non-negative integer", c.name)
		}
		iters = int(it[0])
	}
	slotIndex := map[string]int{}
	for i, s := range c.slotNames {
		slotIndex[s] = i
	}
	keys := make([]string, 0, len(state))
	for k := range state {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	loaded := map[string]*paramState{}
	for _, k := range keys {
		if k == "iterations" {
			continue
		}
		cut := strings.LastIndexByte(k, '/')
		if cut <= 0 {
			return fmt.Errorf("optim: %s: LoadState: key %q is not <param>/<slot>", c.name, k)
		}
		pname, slot := k[:cut], k[cut+1:]
		si, ok := slotIndex[slot]
		if !ok {
			return fmt.Errorf("optim: %s: LoadState: key %q: unknown slot %q (this optimizer has %v)", c.name, k, slot, c.slotNames)
		}
		st := loaded[pname]
		if st == nil {
			st = &paramState{last: -1, slots: make([][]float32, len(c.slotNames))}
			loaded[pname] = st
		}
		v := state[k]
		if old := c.states[pname]; old != nil && len(old.slots[si]) != len(v) {
			return fmt.Errorf("optim: %s: LoadState: key %q has %d values, the parameter has %d", c.name, k, len(v), len(old.slots[si]))
		}
		st.slots[si] = append([]float32(nil), v...)
	}
	for pname, st := range loaded {
		n := -1
		for i, s := range st.slots {
			key := pname + "/" + c.slotNames[i]
			if s == nil {
				return fmt.Errorf("optim: %s: LoadState: key %q is missing", c.name, key)
			}
			if n >= 0 && len(s) != n {
				return fmt.Errorf("optim: %s: LoadState: key %q has %d values, other slots of %q have %d", c.name, key, len(s), pname, n)
			}
			n = len(s)
		}
	}
	c.states = loaded
	c.iters = iters
	return nil
}

// baseConfig returns the shared part of Config.
func (c *core) baseConfig() map[string]any {
	m := map[string]any{"name": c.name}
	if c.sched != nil {
		if sc, ok := c.sched.(interface{ Config() map[string]any }); ok {
			m["learning_rate"] = sc.Config()
		} else {
			m["learning_rate"] = fmt.Sprintf("%T", c.sched)
		}
	} else {
		m["learning_rate"] = float64(c.lr)
	}
	m["clipnorm"] = float64(c.cfg.ClipNorm)
	m["global_clipnorm"] = float64(c.cfg.GlobalClipNorm)
	m["clipvalue"] = float64(c.cfg.ClipValue)
	m["weight_decay"] = float64(c.cfg.WeightDecay)
	if len(c.cfg.ExcludeFromWeightDecay) > 0 {
		m["exclude_from_weight_decay"] = append([]string(nil), c.cfg.ExcludeFromWeightDecay...)
	}
	return m
}
