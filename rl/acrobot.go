package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Acrobot is Gymnasium's Acrobot-v1: two links hanging from a pivot, with
// a torque of -1, 0 or +1 applied at the joint between them. The goal is to
// swing the free end above a line one link length over the pivot
// (-cos θ1 - cos(θ1+θ2) > 1). Reward -1 per step until then, truncation after
// 500 steps. Dynamics are the "book" version (Sutton and Barto) integrated
// by one fourth-order Runge-Kutta step of dt = 0.2 s; angular velocities are
// clipped to ±4π and ±9π. The observation is
// [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]; the initial state is uniform in
// ±0.1. Gymnasium's reward threshold is -100.
type Acrobot struct {
	State [4]float64 // θ1, θ2, θ̇1, θ̇2
	Steps int
	done  bool
	rng   *rand.Rand
}

const (
	acDt       = 0.2
	acL1       = 1.0 // link lengths
	acM1, acM2 = 1.0, 1.0
	acLC1      = 0.5 // centres of mass
	acLC2      = 0.5
	acMOI      = 1.0
	acMaxVel1  = 4 * math.Pi
	acMaxVel2  = 9 * math.Pi
	acG        = 9.8
	acMaxSteps = 500
)

// NewAcrobot returns Acrobot-v1, seeded with 0 until Reset reseeds it.
func NewAcrobot() *Acrobot { return &Acrobot{rng: newRand(0), done: true} }

// Name implements Env.
func (*Acrobot) Name() string { return "acrobot" }

// ObservationSpace implements Env.
func (*Acrobot) ObservationSpace() Space {
	return Box([]float64{-1, -1, -1, -1, -acMaxVel1, -acMaxVel2}, []float64{1, 1, 1, 1, acMaxVel1, acMaxVel2})
}

// ActionSpace implements Env.
func (*Acrobot) ActionSpace() Space { return Discrete(3) }

// Reset implements Env.
func (a *Acrobot) Reset(seed int64) []float64 {
	if seed >= 0 {
		a.rng = newRand(seed)
	}
	for i := range a.State {
		a.State[i] = -0.1 + 0.2*a.rng.Float64()
	}
	a.Steps, a.done = 0, false
	return a.obs()
}

func (a *Acrobot) obs() []float64 {
	s := a.State
	return []float64{math.Cos(s[0]), math.Sin(s[0]), math.Cos(s[1]), math.Sin(s[1]), s[2], s[3]}
}

// acrobotDeriv returns the time derivative of [θ1, θ2, θ̇1, θ̇2] under torque
// tq (Gymnasium's _dsdt, book version).
func acrobotDeriv(s [4]float64, tq float64) [4]float64 {
	t1, t2, dt1, dt2 := s[0], s[1], s[2], s[3]
	d1 := acM1*acLC1*acLC1 + acM2*(acL1*acL1+acLC2*acLC2+2*acL1*acLC2*math.Cos(t2)) + 2*acMOI
	d2 := acM2*(acLC2*acLC2+acL1*acLC2*math.Cos(t2)) + acMOI
	phi2 := acM2 * acLC2 * acG * math.Cos(t1+t2-math.Pi/2)
	phi1 := -acM2*acL1*acLC2*dt2*dt2*math.Sin(t2) - 2*acM2*acL1*acLC2*dt2*dt1*math.Sin(t2) +
		(acM1*acLC1+acM2*acL1)*acG*math.Cos(t1-math.Pi/2) + phi2
	ddt2 := (tq + d2/d1*phi1 - acM2*acL1*acLC2*dt1*dt1*math.Sin(t2) - phi2) / (acM2*acLC2*acLC2 + acMOI - d2*d2/d1)
	ddt1 := -(d2*ddt2 + phi1) / d1
	return [4]float64{dt1, dt2, ddt1, ddt2}
}

func wrapAngle(x float64) float64 {
	for x > math.Pi {
		x -= 2 * math.Pi
	}
	for x < -math.Pi {
		x += 2 * math.Pi
	}
	return x
}

// Step implements Env.
func (a *Acrobot) Step(action int) ([]float64, float64, bool, bool) {
	if a.done {
		panic(fmt.Errorf("rl: acrobot: Step after the episode ended; call Reset"))
	}
	if action < 0 || action > 2 {
		panic(fmt.Errorf("rl: acrobot: action %d is not 0, 1 or 2", action))
	}
	tq := float64(action - 1)
	y := a.State
	add := func(k [4]float64, h float64) [4]float64 {
		return [4]float64{y[0] + h*k[0], y[1] + h*k[1], y[2] + h*k[2], y[3] + h*k[3]}
	}
	k1 := acrobotDeriv(y, tq)
	k2 := acrobotDeriv(add(k1, acDt/2), tq)
	k3 := acrobotDeriv(add(k2, acDt/2), tq)
	k4 := acrobotDeriv(add(k3, acDt), tq)
	var ns [4]float64
	for i := range ns {
		ns[i] = y[i] + acDt/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
	}
	ns[0], ns[1] = wrapAngle(ns[0]), wrapAngle(ns[1])
	ns[2] = math.Max(-acMaxVel1, math.Min(acMaxVel1, ns[2]))
	ns[3] = math.Max(-acMaxVel2, math.Min(acMaxVel2, ns[3]))
	a.State = ns
	a.Steps++
	term := -math.Cos(ns[0])-math.Cos(ns[1]+ns[0]) > 1
	r := -1.0
	if term {
		r = 0
	}
	trunc := a.Steps >= acMaxSteps
	a.done = term || trunc
	return a.obs(), r, term, trunc
}

// RenderState implements Renderer: [θ1, θ2].
func (a *Acrobot) RenderState() []float64 { return []float64{a.State[0], a.State[1]} }
