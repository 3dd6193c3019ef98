package optim

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/tensor"
)

func allOptimizers(t *testing.T) map[string]func() Optimizer {
	t.Helper()
	return map[string]func() Optimizer{
		"sgd": func() Optimizer { return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1}}) },
		"sgd_momentum": func() Optimizer {
			return MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.1}, Momentum: 0.9, Nesterov: true})
		},
		"adam": func() Optimizer {
			return MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.05}, AMSGrad: true})
		},
		"adamw": func() Optimizer { return MustNewAdamW(AdamWConfig{BaseConfig: BaseConfig{LearningRate: 0.05}}) },
		"rmsprop": func() Optimizer {
			return MustNewRMSprop(RMSpropConfig{BaseConfig: BaseConfig{LearningRate: 0.01}, Momentum: 0.5, Centered: true})
		},
		"adagrad": func() Optimizer { return MustNewAdagrad(AdagradConfig{BaseConfig: BaseConfig{LearningRate: 0.3}}) },
	}
}

func quadParams() []*tensor.Tensor {
	rng := tensor.NewRNG(3)
	return []*tensor.Tensor{
		tensor.RandNormal(rng, 0, 1, 4, 3).SetName("dense/kernel").SetRequiresGrad(true),
		tensor.RandNormal(rng, 0, 1, 3).SetName("dense/bias").SetRequiresGrad(true),
	}
}

// quadStep sets the gradients of L = Σ (p - 1)² / 2 for every p and returns L.
func quadStep(ps []*tensor.Tensor) float64 {
	var l float64
	for _, p := range ps {
		g := make([]float32, p.Size())
		for i, v := range p.Data() {
			g[i] = v - 1
			l += float64(g[i]*g[i]) / 2
		}
		setGrad(p, g)
	}
	return l
}

func TestMinimizesQuadratic(t *testing.T) {
	for name, mk := range allOptimizers(t) {
		t.Run(name, func(t *testing.T) {
			o, ps := mk(), quadParams()
			l0 := quadStep(ps)
			var l float64
			for i := 0; i < 200; i++ {
				o.Step(ps)
				l = quadStep(ps)
			}
			if !(l < l0/4) {
				t.Errorf("loss %g -> %g after 200 steps", l0, l)
			}
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	for name, mk := range allOptimizers(t) {
		t.Run(name, func(t *testing.T) {
			o, ps := mk(), quadParams()
			for i := 0; i < 3; i++ {
				quadStep(ps)
				o.Step(ps)
			}
			st := o.State()
			if st["iterations"][0] != 3 {
				t.Fatalf("iterations = %v", st["iterations"])
			}
			// Through JSON, as a checkpoint would.
			raw, _ := json.Marshal(st)
			var back map[string][]float32
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			o2 := mk()
			if err := o2.LoadState(back); err != nil {
				t.Fatal(err)
			}
			ps2 := []*tensor.Tensor{ps[0].Clone().SetName(ps[0].Name()).SetRequiresGrad(true), ps[1].Clone().SetName(ps[1].Name()).SetRequiresGrad(true)}
			for i := 0; i < 2; i++ {
				quadStep(ps)
				o.Step(ps)
				quadStep(ps2)
				o2.Step(ps2)
			}
			for i := range ps {
				a, b := ps[i].Data(), ps2[i].Data()
				for j := range a {
					if a[j] != b[j] {
						t.Fatalf("param %d[%d]: %g after restore, %g without", i, j, b[j], a[j])
					}
				}
			}
			if o2.Iterations() != 5 {
				t.Errorf("Iterations = %d", o2.Iterations())
			}
		})
	}
}

func TestLoadStateErrors(t *testing.T) {
	o := MustNewAdam(AdamConfig{})
	ps := quadParams()
	quadStep(ps)
	o.Step(ps)
	good := o.State()
	for _, tc := range []struct {
		name string
		edit func(m map[string][]float32)
		want string
	}{
		{"size", func(m map[string][]float32) { m["dense/bias/m"] = []float32{1} }, `"dense/bias/m"`},
		{"missing", func(m map[string][]float32) { delete(m, "dense/bias/v") }, `"dense/bias/v" is missing`},
		{"unknown slot", func(m map[string][]float32) { m["dense/bias/accumulator"] = []float32{1, 2, 3} }, "unknown slot"},
		{"bad key", func(m map[string][]float32) { m["nokey"] = []float32{1} }, `"nokey"`},
		{"iterations", func(m map[string][]float32) { m["iterations"] = []float32{1.5} }, "iterations"},
	} {
		m := map[string][]float32{}
		for k, v := range good {
			m[k] = v
		}
		tc.edit(m)
		before := o.State()
		err := o.LoadState(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %s", tc.name, err, tc.want)
		}
		if after := o.State(); len(after) != len(before) || after["iterations"][0] != before["iterations"][0] {
			t.Errorf("%s: failed LoadState changed the state", tc.name)
		}
	}
}

func TestStepErrors(t *testing.T) {
	expectPanic := func(t *testing.T, want string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			err, ok := r.(*tensor.ShapeError)
			if !ok || !strings.Contains(err.Error(), want) {
				t.Errorf("panic %v, want *tensor.ShapeError mentioning %q", r, want)
			}
		}()
		f()
	}
	t.Run("unnamed", func(t *testing.T) {
		p := tensor.Ones(2).SetRequiresGrad(true)
		setGrad(p, []float32{1, 1})
		expectPanic(t, "no name", func() { MustNewSGD(SGDConfig{}).Step([]*tensor.Tensor{p}) })
	})
	t.Run("duplicate", func(t *testing.T) {
		a := tensor.Ones(2).SetName("x").SetRequiresGrad(true)
		b := tensor.Ones(2).SetName("x").SetRequiresGrad(true)
		setGrad(a, []float32{1, 1})
		setGrad(b, []float32{1, 1})
		expectPanic(t, "two parameters", func() { MustNewAdam(AdamConfig{}).Step([]*tensor.Tensor{a, b}) })
	})
	t.Run("resized", func(t *testing.T) {
		o := MustNewAdam(AdamConfig{})
		a := tensor.Ones(2).SetName("x").SetRequiresGrad(true)
		setGrad(a, []float32{1, 1})
		o.Step([]*tensor.Tensor{a})
		b := tensor.Ones(3).SetName("x").SetRequiresGrad(true)
		setGrad(b, []float32{1, 1, 1})
		expectPanic(t, `"x/m"`, func() { o.Step([]*tensor.Tensor{b}) })
	})
}

func TestNilGradSkipped(t *testing.T) {
	o := MustNewAdam(AdamConfig{})
	a := tensor.Ones(2).SetName("a").SetRequiresGrad(true)
	b := tensor.Ones(2).SetName("b").SetRequiresGrad(true)
	setGrad(a, []float32{1, -1})
	o.Step([]*tensor.Tensor{a, b})
	if b.Data()[0] != 1 {
		t.Error("parameter without gradient changed")
	}
	if _, ok := o.State()["b/m"]; ok {
		t.Error("slots created for a parameter without gradient")
	}
	if a.Data()[0] >= 1 || a.Data()[1] <= 1 {
		t.Errorf("a = %v", a.Data())
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"negative lr", func() error { _, e := NewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: -1}}); return e }()},
		{"nan lr", func() error {
			_, e := NewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: float32(math.NaN())}})
			return e
		}()},
		{"two clips", func() error { _, e := NewAdam(AdamConfig{BaseConfig: BaseConfig{ClipNorm: 1, ClipValue: 1}}); return e }()},
		{"lr and schedule", func() error {
			_, e := NewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 1, Schedule: Constant(1)}})
			return e
		}()},
		{"bad schedule", func() error {
			_, e := NewAdam(AdamConfig{BaseConfig: BaseConfig{Schedule: ExponentialDecay{InitialLR: 1}}})
			return e
		}()},
		{"beta1", func() error { _, e := NewAdam(AdamConfig{Beta1: 1}); return e }()},
		{"momentum", func() error { _, e := NewSGD(SGDConfig{Momentum: 2}); return e }()},
		{"rho", func() error { _, e := NewRMSprop(RMSpropConfig{Rho: -0.5}); return e }()},
		{"negative wd", func() error { _, e := NewAdamW(AdamWConfig{BaseConfig: BaseConfig{WeightDecay: -1}}); return e }()},
		{"adagrad", func() error { _, e := NewAdagrad(AdagradConfig{Epsilon: -1}); return e }()},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustNewAdam did not panic")
		}
	}()
	MustNewAdam(AdamConfig{Beta2: 2})
}

func TestDefaultsAndZero(t *testing.T) {
	a := MustNewAdam(AdamConfig{})
	c := a.Config()
	if c["name"] != "adam" || c["learning_rate"] != float64(float32(1e-3)) || c["beta_1"] != float64(float32(0.9)) ||
		c["beta_2"] != float64(float32(0.999)) || c["epsilon"] != float64(float32(1e-7)) {
		t.Errorf("Adam defaults: %v", c)
	}
	if w := MustNewAdamW(AdamWConfig{}).Config(); w["weight_decay"] != float64(float32(0.004)) || w["name"] != "adamw" {
		t.Errorf("AdamW defaults: %v", w)
	}
	if w := MustNewAdamW(AdamWConfig{BaseConfig: BaseConfig{WeightDecay: Zero}}).Config(); w["weight_decay"] != 0.0 {
		t.Errorf("AdamW Zero weight decay: %v", w["weight_decay"])
	}
	if z := MustNewAdam(AdamConfig{Beta1: Zero}).Config(); z["beta_1"] != 0.0 {
		t.Errorf("Beta1 Zero: %v", z["beta_1"])
	}
	for name, want := range map[string]float32{"sgd": 0.01, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-3} {
		o, err := ByName(strings.ToUpper(name))
		if err != nil {
			t.Fatal(err)
		}
		if o.LearningRate() != want || o.Config()["name"] != name {
			t.Errorf("%s: lr %g, config %v", name, o.LearningRate(), o.Config())
		}
	}
	if _, err := ByName("adamax"); err == nil {
		t.Error("ByName(adamax): no error")
	}
	r := MustNewRMSprop(RMSpropConfig{}).Config()
	if r["rho"] != float64(float32(0.9)) || r["momentum"] != 0.0 || r["centered"] != false {
		t.Errorf("RMSprop defaults: %v", r)
	}
	if g := MustNewAdagrad(AdagradConfig{}).Config(); g["initial_accumulator_value"] != float64(float32(0.1)) {
		t.Errorf("Adagrad defaults: %v", g)
	}
}

func TestFromConfigRoundTrip(t *testing.T) {
	opts := []Optimizer{
		MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.2, ClipNorm: 2}, Momentum: 0.8, Nesterov: true}),
		MustNewAdam(AdamConfig{Beta1: Zero, AMSGrad: true, BaseConfig: BaseConfig{GlobalClipNorm: 1, Schedule: WarmUp{After: CosineDecay{InitialLR: 0.1, DecaySteps: 10, Alpha: 0.1}, Steps: 5}}}),
		MustNewAdamW(AdamWConfig{BaseConfig: BaseConfig{WeightDecay: 0.01, ExcludeFromWeightDecay: []string{"bias"}, Schedule: PiecewiseConstantDecay{Boundaries: []int{3, 6}, Values: []float32{1, 0.5, 0.1}}}}),
		MustNewRMSprop(RMSpropConfig{Rho: 0.5, Momentum: 0.3, Centered: true, BaseConfig: BaseConfig{ClipValue: 0.1}}),
		MustNewAdagrad(AdagradConfig{InitialAccumulatorValue: Zero, BaseConfig: BaseConfig{Schedule: ExponentialDecay{InitialLR: 1, DecaySteps: 3, DecayRate: 0.5, Staircase: true}}}),
		MustNewSGD(SGDConfig{BaseConfig: BaseConfig{Schedule: InverseTimeDecay{InitialLR: 1, DecaySteps: 2, DecayRate: 0.5}}}),
		MustNewSGD(SGDConfig{BaseConfig: BaseConfig{Schedule: PolynomialDecay{InitialLR: 1, DecaySteps: 4, Power: 2}}}),
		MustNewSGD(SGDConfig{BaseConfig: BaseConfig{Schedule: StepDecay{InitialLR: 1, StepSize: 2, Gamma: 0.1}}}),
	}
	for _, o := range opts {
		raw, err := json.Marshal(o.Config())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		o2, err := FromConfig(m)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		raw2, _ := json.Marshal(o2.Config())
		if string(raw) != string(raw2) {
			t.Errorf("config round trip:\n%s\n%s", raw, raw2)
		}
		for s := 0; s < 12; s++ {
			o.(interface{ SetIterations(int) }).SetIterations(s)
			o2.(interface{ SetIterations(int) }).SetIterations(s)
			if o.LearningRate() != o2.LearningRate() {
				t.Errorf("%s: step %d lr %g vs %g", raw, s, o.LearningRate(), o2.LearningRate())
			}
		}
	}
	if _, err := FromConfig(map[string]any{"name": "sgd", "momentum": "x"}); err == nil {
		t.Error("bad config: no error")
	}
}

func TestSetLearningRateOverridesSchedule(t *testing.T) {
	o := MustNewSGD(SGDConfig{BaseConfig: BaseConfig{Schedule: StepDecay{InitialLR: 1, StepSize: 1, Gamma: 0.5}}})
	if o.LearningRate() != 1 {
		t.Fatal(o.LearningRate())
	}
	ps := quadParams()
	quadStep(ps)
	o.Step(ps)
	if o.LearningRate() != 0.5 {
		t.Fatalf("after one step lr = %g", o.LearningRate())
	}
	o.SetLearningRate(0.25)
	o.Step(ps)
	if o.LearningRate() != 0.25 {
		t.Errorf("after SetLearningRate lr = %g", o.LearningRate())
	}
}

func TestWeightDecayExclusion(t *testing.T) {
	o := MustNewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: 0.5, WeightDecay: 0.2, ExcludeFromWeightDecay: []string{"bias"}}})
	ps := quadParams()
	k0, b0 := ps[0].Clone().Data(), ps[1].Clone().Data()
	setGrad(ps[0], make([]float32, ps[0].Size()))
	setGrad(ps[1], make([]float32, ps[1].Size()))
	o.Step(ps)
	for i, v := range ps[0].Data() {
		if want := k0[i] * (1 - 0.5*0.2); math.Abs(float64(v-want)) > 1e-6 {
			t.Fatalf("kernel[%d] = %g, want %g", i, v, want)
		}
	}
	for i, v := range ps[1].Data() {
		if v != b0[i] {
			t.Fatalf("excluded bias changed: %g -> %g", b0[i], v)
		}
	}
}

func TestClippingLeavesGradients(t *testing.T) {
	for _, cfg := range []SGDConfig{{BaseConfig: BaseConfig{ClipNorm: 0.1}}, {BaseConfig: BaseConfig{GlobalClipNorm: 0.1}}, {BaseConfig: BaseConfig{ClipValue: 0.1}}} {
		o := MustNewSGD(cfg)
		ps := quadParams()
		quadStep(ps)
		g0 := ps[0].Grad().Clone().Data()
		p0 := ps[0].Clone().Data()
		o.Step(ps)
		for i, v := range ps[0].Grad().Data() {
			if v != g0[i] {
				t.Fatalf("%+v: gradient modified", cfg)
			}
		}
		// Each update is bounded by lr·clip.
		for i, v := range ps[0].Data() {
			if d := math.Abs(float64(v - p0[i])); d > 0.01*0.1+1e-7 {
				t.Fatalf("%+v: update %g exceeds lr*clip", cfg, d)
			}
		}
	}
}

func TestClipNormValues(t *testing.T) {
	// One parameter [3, 4] (norm 5), another [0, 12] (norm 12); global norm 13.
	mk := func() []*tensor.Tensor {
		a := tensor.Zeros(2).SetName("a").SetRequiresGrad(true)
		b := tensor.Zeros(2).SetName("b").SetRequiresGrad(true)
		setGrad(a, []float32{3, 4})
		setGrad(b, []float32{0, 12})
		return []*tensor.Tensor{a, b}
	}
	for _, tc := range []struct {
		cfg  SGDConfig
		a, b []float32 // -update/lr = the clipped gradient
	}{
		{SGDConfig{BaseConfig: BaseConfig{LearningRate: 1, ClipNorm: 6}}, []float32{3, 4}, []float32{0, 6}},
		{SGDConfig{BaseConfig: BaseConfig{LearningRate: 1, GlobalClipNorm: 6.5}}, []float32{1.5, 2}, []float32{0, 6}},
		{SGDConfig{BaseConfig: BaseConfig{LearningRate: 1, ClipValue: 3.5}}, []float32{3, 3.5}, []float32{0, 3.5}},
	} {
		ps := mk()
		MustNewSGD(tc.cfg).Step(ps)
		for i, want := range [][]float32{tc.a, tc.b} {
			for j, w := range want {
				if got := -ps[i].Data()[j]; math.Abs(float64(got-w)) > 1e-6 {
					t.Errorf("%+v: param %d[%d] clipped grad %g, want %g", tc.cfg, i, j, got, w)
				}
			}
		}
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	for name, mk := range allOptimizers(t) {
		o, ps := mk(), quadParams()
		quadStep(ps)
		o.Step(ps) // creates the slots
		if n := testing.AllocsPerRun(20, func() { o.Step(ps) }); n != 0 {
			t.Errorf("%s: %v allocations per Step", name, n)
		}
	}
	o := MustNewAdam(AdamConfig{BaseConfig: BaseConfig{ClipNorm: 0.01}})
	ps := quadParams()
	quadStep(ps)
	o.Step(ps)
	if n := testing.AllocsPerRun(20, func() { o.Step(ps) }); n != 0 {
		t.Errorf("clipping: %v allocations per Step", n)
	}
}

func TestLargeParameterParallel(t *testing.T) {
	// A large update is split across workers by the backend; the result
	// must equal the single-range kernel.
	n := 1<<17 + 17
	mk := func() *tensor.Tensor {
		return tensor.RandNormal(tensor.NewRNG(9), 0, 1, n).SetName("big").SetRequiresGrad(true)
	}
	g := tensor.RandNormal(tensor.NewRNG(10), 0, 1, n).Data()
	a := mk()
	setGrad(a, g)
	MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}}).Step([]*tensor.Tensor{a})
	b := mk()
	o := MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.1}})
	setGrad(b, g)
	o.Build([]*tensor.Tensor{b})
	kernels.AdamUpdate(b.Data(), b.Grad().Data(), o.states["big"].slots[0], o.states["big"].slots[1],
		float32(0.1*math.Sqrt(1-0.999)/(1-0.9)), 0.9, 0.999, 1e-7)
	for i := range a.Data() {
		if math.Abs(float64(a.Data()[i]-b.Data()[i])) > 1e-6 {
			t.Fatalf("element %d: %g vs %g", i, a.Data()[i], b.Data()[i])
		}
	}
}

func TestSchedules(t *testing.T) {
	type pt struct {
		step int
		want float64
	}
	cos := func(x float64) float64 { return math.Cos(x) }
	for _, tc := range []struct {
		name string
		s    Schedule
		pts  []pt
	}{
		{"constant", Constant(0.3), []pt{{0, 0.3}, {100, 0.3}}},
		{"exp", ExponentialDecay{InitialLR: 0.1, DecaySteps: 10, DecayRate: 0.5}, []pt{{0, 0.1}, {5, 0.1 * math.Pow(0.5, 0.5)}, {10, 0.05}, {25, 0.1 * math.Pow(0.5, 2.5)}}},
		{"exp staircase", ExponentialDecay{InitialLR: 0.1, DecaySteps: 10, DecayRate: 0.5, Staircase: true}, []pt{{0, 0.1}, {9, 0.1}, {10, 0.05}, {25, 0.025}}},
		{"inverse time", InverseTimeDecay{InitialLR: 1, DecaySteps: 2, DecayRate: 0.5}, []pt{{0, 1}, {2, 1 / 1.5}, {3, 1 / 1.75}}},
		{"piecewise", PiecewiseConstantDecay{Boundaries: []int{10, 20}, Values: []float32{1, 0.5, 0.1}}, []pt{{0, 1}, {10, 1}, {11, 0.5}, {20, 0.5}, {21, 0.1}, {1000, 0.1}}},
		{"step", StepDecay{InitialLR: 1, StepSize: 3, Gamma: 0.1}, []pt{{0, 1}, {2, 1}, {3, 0.1}, {6, 0.01}}},
		{"cosine", CosineDecay{InitialLR: 1, DecaySteps: 10, Alpha: 0.1}, []pt{{0, 1}, {5, 0.9*0.5*(1+cos(math.Pi/2)) + 0.1}, {10, 0.1}, {50, 0.1}}},
		{"cosine warmup", CosineDecay{InitialLR: 0, DecaySteps: 10, WarmupTarget: 1, WarmupSteps: 4}, []pt{{0, 0}, {2, 0.5}, {4, 1}, {9, 0.5 * (1 + cos(math.Pi/2))}, {14, 0}}},
		{"polynomial", PolynomialDecay{InitialLR: 1, DecaySteps: 4}, []pt{{0, 1}, {2, (1-1e-4)*0.5 + 1e-4}, {4, 1e-4}, {8, 1e-4}}},
		{"polynomial power", PolynomialDecay{InitialLR: 1, DecaySteps: 4, EndLR: Zero, Power: 2}, []pt{{2, 0.25}}},
		{"warmup", WarmUp{After: StepDecay{InitialLR: 1, StepSize: 2, Gamma: 0.5}, Steps: 4}, []pt{{0, 0}, {1, 0.25}, {3, 0.75}, {4, 1}, {6, 0.5}}},
	} {
		if v, ok := tc.s.(interface{ Validate() error }); ok {
			if err := v.Validate(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		for _, p := range tc.pts {
			if got := float64(tc.s.LR(p.step)); math.Abs(got-p.want) > 1e-6*math.Max(1, math.Abs(p.want)) {
				t.Errorf("%s: LR(%d) = %g, want %g", tc.name, p.step, got, p.want)
			}
		}
	}
	for _, bad := range []interface{ Validate() error }{
		ExponentialDecay{InitialLR: 1, DecayRate: 0.5},
		PiecewiseConstantDecay{Boundaries: []int{1, 2}, Values: []float32{1}},
		PiecewiseConstantDecay{Boundaries: []int{2, 1}, Values: []float32{1, 2, 3}},
		CosineDecay{InitialLR: 1},
		CosineDecay{InitialLR: 1, DecaySteps: 1, WarmupSteps: 2},
		StepDecay{InitialLR: 1},
		WarmUp{Steps: 1},
		PolynomialDecay{},
		InverseTimeDecay{},
	} {
		if bad.Validate() == nil {
			t.Errorf("%#v: no validation error", bad)
		}
	}
}

func TestScheduleDrivesOptimizer(t *testing.T) {
	// With plain SGD and a unit gradient, each step moves p by exactly LR(k).
	s := PiecewiseConstantDecay{Boundaries: []int{1}, Values: []float32{0.5, 0.25}}
	o := MustNewSGD(SGDConfig{BaseConfig: BaseConfig{Schedule: s}})
	p := tensor.Zeros(1).SetName("p").SetRequiresGrad(true)
	want := []float32{-0.5, -1, -1.25, -1.5}
	for i, w := range want {
		setGrad(p, []float32{1})
		o.Step([]*tensor.Tensor{p})
		if p.Data()[0] != w {
			t.Fatalf("after step %d p = %g, want %g", i+1, p.Data()[0], w)
		}
	}
}

var _ = errors.New

// Adam's step size carries the bias correction of the current step, also
// when the step counter is set back or forward (LoadState, SetIterations)
// after the correction was cached.
func TestAdamBiasCorrectionFollowsIterations(t *testing.T) {
	o := MustNewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: 0.01}, Beta1: 0.8, Beta2: 0.95})
	for _, it := range []int{0, 0, 1, 5, 2, 0, 1000} {
		o.SetIterations(it)
		tt := float64(it + 1)
		want := float32(0.01 * math.Sqrt(1-math.Pow(0.95, tt)) / (1 - math.Pow(0.8, tt)))
		if got := o.rule(nil, 0.01).LR; math.Abs(float64(got-want)) > 1e-6*float64(want) {
			t.Errorf("iterations %d: step size %g, want %g", it, got, want)
		}
	}
}
