package rl

import (
	"fmt"
	"math/rand/v2"
)

// NoSeed passed to Reset continues the environment's random stream instead
// of reseeding it (Gymnasium's reset() without a seed).
const NoSeed int64 = -1

// Space describes observations or actions: a discrete space of N values
// (N > 0) or a box of real vectors with bounds Low and High.
type Space struct {
	N         int       // number of discrete values; 0 for a box
	Low, High []float64 // box bounds, one per dimension (±Inf allowed)
}

// Discrete returns a discrete space of n values.
func Discrete(n int) Space { return Space{N: n} }

// Box returns a box space with the given bounds.
func Box(low, high []float64) Space { return Space{Low: low, High: high} }

// IsDiscrete reports whether s is a discrete space.
func (s Space) IsDiscrete() bool { return s.N > 0 }

// Dim returns the length of a box vector, or 1 for a discrete space.
func (s Space) Dim() int {
	if s.IsDiscrete() {
		return 1
	}
	return len(s.Low)
}

// Contains reports whether v lies in the box (for a box space).
func (s Space) Contains(v []float64) bool {
	if s.IsDiscrete() || len(v) != len(s.Low) {
		return false
	}
	for i, x := range v {
		if x < s.Low[i] || x > s.High[i] {
			return false
		}
	}
	return true
}

// Env is a single-agent environment with Gymnasium's interface.
//
// Reset starts an episode and returns the first observation; a seed >= 0
// reseeds the environment's generator, NoSeed continues it. Step applies an
// action and returns the next observation, the reward, whether the episode
// reached a terminal state (terminated) and whether it was cut off by a time
// limit (truncated). Calling Step after the episode ended, or with an action
// outside the action space, panics with an error naming the environment:
// both are programmer errors.
type Env interface {
	Name() string
	ObservationSpace() Space
	ActionSpace() Space
	Reset(seed int64) []float64
	Step(action int) (obs []float64, reward float64, terminated, truncated bool)
}

// Renderer is implemented by environments that can describe their state
// for drawing: CartPole returns [x, theta], Acrobot [theta1, theta2].
type Renderer interface {
	RenderState() []float64
}

// New returns the named control environment: "cartpole" (CartPole-v1) or
// "acrobot" (Acrobot-v1).
func New(name string) (Env, error) {
	switch name {
	case "cartpole", "CartPole-v1":
		return NewCartPole(), nil
	case "acrobot", "Acrobot-v1":
		return NewAcrobot(), nil
	}
	return nil, fmt.Errorf("rl: unknown environment %q (have cartpole, acrobot)", name)
}

// Threshold returns Gymnasium's reward threshold for the named environment
// (the mean return at which it counts as solved).
func Threshold(name string) float64 {
	switch name {
	case "cartpole", "CartPole-v1":
		return 475
	case "acrobot", "Acrobot-v1":
		return -100
	}
	return 0
}

// Vec steps N copies of an environment in lockstep. An episode that ends is
// reset at once (Stable-Baselines3's convention): Step returns the first
// observation of the new episode in obs and the last observation of the old
// one in Final, so that a learner can bootstrap a truncated episode.
type Vec struct {
	Envs  []Env
	Obs   [][]float64 // current observation of each copy
	Final [][]float64 // after Step: the final observation of copies whose episode ended, else nil
	// Returns and Lengths of episodes that ended during the last Step.
	Returns []float64
	Lengths []int

	epRet []float64
	epLen []int
}

// NewVec returns n copies made by mk, reset with seeds seed, seed+1, ....
func NewVec(mk func() Env, n int, seed int64) *Vec {
	v := &Vec{Envs: make([]Env, n), Obs: make([][]float64, n), Final: make([][]float64, n), epRet: make([]float64, n), epLen: make([]int, n)}
	for i := range v.Envs {
		v.Envs[i] = mk()
		v.Obs[i] = v.Envs[i].Reset(seed + int64(i))
	}
	return v
}

// Step applies one action per copy. It returns rewards, terminated and
// truncated flags; v.Obs holds the next observations.
func (v *Vec) Step(actions []int) (rewards []float64, terminated, truncated []bool) {
	n := len(v.Envs)
	rewards, terminated, truncated = make([]float64, n), make([]bool, n), make([]bool, n)
	v.Returns, v.Lengths = v.Returns[:0], v.Lengths[:0]
	for i, e := range v.Envs {
		obs, r, term, trunc := e.Step(actions[i])
		rewards[i], terminated[i], truncated[i] = r, term, trunc
		v.epRet[i] += r
		v.epLen[i]++
		v.Final[i] = nil
		if term || trunc {
			v.Final[i] = obs
			v.Returns = append(v.Returns, v.epRet[i])
			v.Lengths = append(v.Lengths, v.epLen[i])
			v.epRet[i], v.epLen[i] = 0, 0
			obs = e.Reset(NoSeed)
		}
		v.Obs[i] = obs
	}
	return rewards, terminated, truncated
}

// newRand returns the generator an environment uses after Reset(seed).
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}
