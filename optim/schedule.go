package optim

import (
	"errors"
	"fmt"
	"math"
)

// Schedule gives the learning rate for a step. Step counts from 0: the
// optimizer's k-th Step (k = Iterations() before the step) uses LR(k), as
// Keras calls its schedule with optimizer.iterations.
//
// The schedules in this package are plain structs; an optimizer constructor
// calls their Validate method and reports a bad schedule as an error. Each
// also has a Config method returning Keras's class name and arguments.
type Schedule interface {
	LR(step int) float32
}

// Constant is a schedule that always returns the same rate.
type Constant float32

// LR returns c.
func (c Constant) LR(int) float32 { return float32(c) }

// Config returns the class name and value.
func (c Constant) Config() map[string]any {
	return map[string]any{"class_name": "Constant", "value": float64(c)}
}

// ExponentialDecay is Keras's ExponentialDecay:
//
//	lr(step) = InitialLR · DecayRate^(step/DecaySteps)
//
// with the exponent floored when Staircase is set.
type ExponentialDecay struct {
	InitialLR  float32
	DecaySteps int
	DecayRate  float32
	Staircase  bool
}

// Validate reports an invalid configuration.
func (s ExponentialDecay) Validate() error {
	if s.DecaySteps <= 0 {
		return fmt.Errorf("ExponentialDecay: DecaySteps %d must be > 0", s.DecaySteps)
	}
	if !(s.DecayRate > 0) || !(s.InitialLR >= 0) {
		return fmt.Errorf("ExponentialDecay: InitialLR %g must be >= 0 and DecayRate %g > 0", s.InitialLR, s.DecayRate)
	}
	return nil
}

// LR returns the decayed rate at step.
func (s ExponentialDecay) LR(step int) float32 {
	p := float64(step) / float64(s.DecaySteps)
	if s.Staircase {
		p = math.Floor(p)
	}
	return float32(float64(s.InitialLR) * math.Pow(float64(s.DecayRate), p))
}

// Config returns the class name and arguments.
func (s ExponentialDecay) Config() map[string]any {
	return map[string]any{"class_name": "ExponentialDecay", "initial_learning_rate": float64(s.InitialLR),
		"decay_steps": s.DecaySteps, "decay_rate": float64(s.DecayRate), "staircase": s.Staircase}
}

// InverseTimeDecay is Keras's InverseTimeDecay:
//
//	lr(step) = InitialLR / (1 + DecayRate·step/DecaySteps)
//
// with step/DecaySteps floored when Staircase is set.
type InverseTimeDecay struct {
	InitialLR  float32
	DecaySteps int
	DecayRate  float32
	Staircase  bool
}

// Validate reports an invalid configuration.
func (s InverseTimeDecay) Validate() error {
	if s.DecaySteps <= 0 || !(s.DecayRate >= 0) || !(s.InitialLR >= 0) {
		return fmt.Errorf("InverseTimeDecay: need DecaySteps > 0 (have %d), DecayRate >= 0 (%g), InitialLR >= 0 (%g)", s.DecaySteps, s.DecayRate, s.InitialLR)
	}
	return nil
}

// LR returns the decayed rate at step.
func (s InverseTimeDecay) LR(step int) float32 {
	p := float64(step) / float64(s.DecaySteps)
	if s.Staircase {
		p = math.Floor(p)
	}
	return float32(float64(s.InitialLR) / (1 + float64(s.DecayRate)*p))
}

// Config returns the class name and arguments.
func (s InverseTimeDecay) Config() map[string]any {
	return map[string]any{"class_name": "InverseTimeDecay", "initial_learning_rate": float64(s.InitialLR),
		"decay_steps": s.DecaySteps, "decay_rate": float64(s.DecayRate), "staircase": s.Staircase}
}

// PiecewiseConstantDecay is Keras's PiecewiseConstantDecay: Values[0] for
// step <= Boundaries[0], Values[i] for Boundaries[i-1] < step <=
// Boundaries[i], and the last value after the last boundary.
// len(Values) must be len(Boundaries)+1 and Boundaries must increase.
type PiecewiseConstantDecay struct {
	Boundaries []int
	Values     []float32
}

// Validate reports an invalid configuration.
func (s PiecewiseConstantDecay) Validate() error {
	if len(s.Values) != len(s.Boundaries)+1 {
		return fmt.Errorf("PiecewiseConstantDecay: %d values for %d boundaries; need one more value than boundaries", len(s.Values), len(s.Boundaries))
	}
	for i := 1; i < len(s.Boundaries); i++ {
		if s.Boundaries[i] <= s.Boundaries[i-1] {
			return fmt.Errorf("PiecewiseConstantDecay: boundaries %v must increase", s.Boundaries)
		}
	}
	return nil
}

// LR returns the value of the piece that holds step.
func (s PiecewiseConstantDecay) LR(step int) float32 {
	for i, b := range s.Boundaries {
		if step <= b {
			return s.Values[i]
		}
	}
	return s.Values[len(s.Values)-1]
}

// Config returns the class name and arguments.
func (s PiecewiseConstantDecay) Config() map[string]any {
	v := make([]float64, len(s.Values))
	for i, x := range s.Values {
		v[i] = float64(x)
	}
	return map[string]any{"class_name": "PiecewiseConstantDecay", "boundaries": append([]int(nil), s.Boundaries...), "values": v}
}

// StepDecay multiplies the rate by Gamma every StepSize steps, like
// PyTorch's StepLR: lr(step) = InitialLR · Gamma^floor(step/StepSize).
// It is ExponentialDecay with Staircase set.
type StepDecay struct {
	InitialLR float32
	StepSize  int
	Gamma     float32
}

// Validate reports an invalid configuration.
func (s StepDecay) Validate() error {
	if s.StepSize <= 0 || !(s.Gamma > 0) || !(s.InitialLR >= 0) {
		return fmt.Errorf("StepDecay: need StepSize > 0 (have %d), Gamma > 0 (%g), InitialLR >= 0 (%g)", s.StepSize, s.Gamma, s.InitialLR)
	}
	return nil
}

// LR returns the rate at step.
func (s StepDecay) LR(step int) float32 {
	return float32(float64(s.InitialLR) * math.Pow(float64(s.Gamma), float64(step/s.StepSize)))
}

// Config returns the class name and arguments.
func (s StepDecay) Config() map[string]any {
	return map[string]any{"class_name": "StepDecay", "initial_learning_rate": float64(s.InitialLR),
		"step_size": s.StepSize, "gamma": float64(s.Gamma)}
}

// CosineDecay is Keras's CosineDecay. Without warm-up (WarmupSteps 0):
//
//	lr(step) = InitialLR · ((1-Alpha)·0.5·(1+cos(π·min(step,D)/D)) + Alpha)
//
// with D = DecaySteps. With WarmupSteps W > 0 the rate first rises linearly
// from InitialLR to WarmupTarget over W steps, then decays from WarmupTarget
// as above with step-W.
type CosineDecay struct {
	InitialLR    float32
	DecaySteps   int
	Alpha        float32 // final rate as a fraction of the peak (default 0)
	WarmupTarget float32 // peak rate after warm-up (used when WarmupSteps > 0)
	WarmupSteps  int
}

// Validate reports an invalid configuration.
func (s CosineDecay) Validate() error {
	if s.DecaySteps <= 0 || s.WarmupSteps < 0 {
		return fmt.Errorf("CosineDecay: DecaySteps %d must be > 0 and WarmupSteps %d >= 0", s.DecaySteps, s.WarmupSteps)
	}
	if !(s.Alpha >= 0 && s.Alpha <= 1) {
		return fmt.Errorf("CosineDecay: Alpha %g must be in [0, 1]", s.Alpha)
	}
	if s.WarmupSteps > 0 && !(s.WarmupTarget > 0) {
		return errors.New("CosineDecay: WarmupSteps needs WarmupTarget > 0")
	}
	return nil
}

func (s CosineDecay) decay(step float64, from float64) float32 {
	d := float64(s.DecaySteps)
	c := 0.5 * (1 + math.Cos(math.Pi*math.Min(step, d)/d))
	a := float64(s.Alpha)
	return float32(from * ((1-a)*c + a))
}

// LR returns the rate at step.
func (s CosineDecay) LR(step int) float32 {
	if s.WarmupSteps <= 0 {
		return s.decay(float64(step), float64(s.InitialLR))
	}
	if step < s.WarmupSteps {
		f := float64(step) / float64(s.WarmupSteps)
		return float32(float64(s.InitialLR) + f*float64(s.WarmupTarget-s.InitialLR))
	}
	return s.decay(float64(step-s.WarmupSteps), float64(s.WarmupTarget))
}

// Config returns the class name and arguments.
func (s CosineDecay) Config() map[string]any {
	m := map[string]any{"class_name": "CosineDecay", "initial_learning_rate": float64(s.InitialLR),
		"decay_steps": s.DecaySteps, "alpha": float64(s.Alpha)}
	if s.WarmupSteps > 0 {
		m["warmup_target"] = float64(s.WarmupTarget)
		m["warmup_steps"] = s.WarmupSteps
	}
	return m
}

// PolynomialDecay is Keras's PolynomialDecay (without cycling):
//
//	lr(step) = (InitialLR - EndLR)·(1 - min(step,D)/D)^Power + EndLR
//
// EndLR defaults to 1e-4 and Power to 1 (linear), as in Keras.
type PolynomialDecay struct {
	InitialLR  float32
	DecaySteps int
	EndLR      float32 // default 1e-4 (Zero for 0)
	Power      float32 // default 1
}

// Validate reports an invalid configuration.
func (s PolynomialDecay) Validate() error {
	if s.DecaySteps <= 0 {
		return fmt.Errorf("PolynomialDecay: DecaySteps %d must be > 0", s.DecaySteps)
	}
	return nil
}

// LR returns the rate at step.
func (s PolynomialDecay) LR(step int) float32 {
	end, pw := float64(orDefault(s.EndLR, 1e-4)), float64(orDefault(s.Power, 1))
	d := float64(s.DecaySteps)
	f := 1 - math.Min(float64(step), d)/d
	return float32((float64(s.InitialLR)-end)*math.Pow(f, pw) + end)
}

// Config returns the class name and arguments.
func (s PolynomialDecay) Config() map[string]any {
	return map[string]any{"class_name": "PolynomialDecay", "initial_learning_rate": float64(s.InitialLR),
		"decay_steps": s.DecaySteps, "end_learning_rate": float64(orDefault(s.EndLR, 1e-4)), "power": float64(orDefault(s.Power, 1))}
}

// WarmUp wraps a schedule with a linear warm-up: for step < Steps the rate
// rises linearly from InitialLR (usually 0) to After.LR(0); from then on it
// is After.LR(step-Steps), so the wrapped schedule starts after the warm-up.
type WarmUp struct {
	After     Schedule
	Steps     int
	InitialLR float32
}

// Validate reports an invalid configuration.
func (s WarmUp) Validate() error {
	if s.After == nil {
		return errors.New("WarmUp: After schedule is nil")
	}
	if s.Steps < 0 {
		return fmt.Errorf("WarmUp: Steps %d must be >= 0", s.Steps)
	}
	if v, ok := s.After.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// LR returns the rate at step.
func (s WarmUp) LR(step int) float32 {
	if step < s.Steps {
		peak := float64(s.After.LR(0))
		f := float64(step) / float64(s.Steps)
		return float32(float64(s.InitialLR) + f*(peak-float64(s.InitialLR)))
	}
	return s.After.LR(step - s.Steps)
}

// Config returns the class name and arguments.
func (s WarmUp) Config() map[string]any {
	m := map[string]any{"class_name": "WarmUp", "steps": s.Steps, "initial_learning_rate": float64(s.InitialLR)}
	if c, ok := s.After.(interface{ Config() map[string]any }); ok {
		m["after"] = c.Config()
	}
	return m
}
