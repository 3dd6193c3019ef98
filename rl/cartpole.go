package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// CartPole is Gymnasium's CartPole-v1: a pole hinged on a cart that moves
// along a frictionless track. Action 0 pushes the cart left with 10 N,
// action 1 right. The observation is [x, ẋ, θ, θ̇]; the reward is 1 per
// step; the episode terminates when |θ| > 12° or |x| > 2.4 m and is
// truncated after 500 steps. The dynamics are Gymnasium's (Barto, Sutton
// and Anderson 1983, with Florian's correction), integrated by an explicit
// Euler step of τ = 0.02 s; the initial state is uniform in ±0.05.
type CartPole struct {
	State [4]float64 // x, ẋ, θ, θ̇
	Steps int        // steps taken in this episode
	done  bool
	rng   *rand.Rand
}

// CartPole-v1's constants, as in Gymnasium.
const (
	cpGravity   = 9.8
	cpMassCart  = 1.0
	cpMassPole  = 0.1
	cpTotalMass = cpMassCart + cpMassPole
	cpLength    = 0.5 // half the pole's length
	cpPoleML    = cpMassPole * cpLength
	cpForce     = 10.0
	cpTau       = 0.02
	cpThetaMax  = 12 * 2 * math.Pi / 360
	cpXMax      = 2.4
	cpMaxSteps  = 500
)

// NewCartPole returns CartPole-v1, seeded with 0 until Reset reseeds it.
func NewCartPole() *CartPole { return &CartPole{rng: newRand(0), done: true} }

// Name implements Env.
func (*CartPole) Name() string { return "cartpole" }

// ObservationSpace implements Env.
func (*CartPole) ObservationSpace() Space {
	inf := math.Inf(1)
	return Box([]float64{-2 * cpXMax, -inf, -2 * cpThetaMax, -inf}, []float64{2 * cpXMax, inf, 2 * cpThetaMax, inf})
}

// ActionSpace implements Env.
func (*CartPole) ActionSpace() Space { return Discrete(2) }

// Reset implements Env.
func (c *CartPole) Reset(seed int64) []float64 {
	if seed >= 0 {
		c.rng = newRand(seed)
	}
	for i := range c.State {
		c.State[i] = -0.05 + 0.1*c.rng.Float64()
	}
	c.Steps, c.done = 0, false
	return c.obs()
}

func (c *CartPole) obs() []float64 { s := c.State; return s[:] }

// Step implements Env.
func (c *CartPole) Step(action int) ([]float64, float64, bool, bool) {
	if c.done {
		panic(fmt.Errorf("rl: cartpole: Step after the episode ended; call Reset"))
	}
	if action != 0 && action != 1 {
		panic(fmt.Errorf("rl: cartpole: action %d is not 0 or 1", action))
	}
	x, xDot, theta, thetaDot := c.State[0], c.State[1], c.State[2], c.State[3]
	force := -cpForce
	if action == 1 {
		force = cpForce
	}
	cos, sin := math.Cos(theta), math.Sin(theta)
	temp := (force + cpPoleML*thetaDot*thetaDot*sin) / cpTotalMass
	thetaAcc := (cpGravity*sin - cos*temp) / (cpLength * (4.0/3.0 - cpMassPole*cos*cos/cpTotalMass))
	xAcc := temp - cpPoleML*thetaAcc*cos/cpTotalMass
	x += cpTau * xDot
	xDot += cpTau * xAcc
	theta += cpTau * thetaDot
	thetaDot += cpTau * thetaAcc
	c.State = [4]float64{x, xDot, theta, thetaDot}
	c.Steps++
	term := x < -cpXMax || x > cpXMax || theta < -cpThetaMax || theta > cpThetaMax
	trunc := c.Steps >= cpMaxSteps // TimeLimit: set even on the terminating step
	c.done = term || trunc
	return c.obs(), 1, term, trunc
}

// RenderState implements Renderer: [x, θ].
func (c *CartPole) RenderState() []float64 { return []float64{c.State[0], c.State[2]} }
