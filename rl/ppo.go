package rl

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// PPOConfig configures PPO. Zero fields take the defaults in brackets,
// which follow the rl-baselines3-zoo's tuned CartPole-v1 settings.
type PPOConfig struct {
	Steps        int     // environment steps over all copies [100000]
	NumEnvs      int     // environment copies stepped together [8]
	NSteps       int     // rollout length per copy [32]
	BatchSize    int     // minibatch size [256]
	Epochs       int     // passes over each rollout [20]
	Hidden       []int   // hidden widths of actor and critic [64 64]
	LearningRate float32 // Adam, decayed linearly to 0 [1e-3]
	Gamma        float64 // [0.98]
	Lambda       float64 // GAE λ [0.8]
	ClipRange    float64 // ε of the clipped objective, decayed linearly to 0 [0.2]
	EntCoef      float64 // entropy bonus [0]
	VfCoef       float64 // value-loss weight [0.5]
	MaxGradNorm  float32 // global gradient-norm clip per network [0.5]
	Seed         uint64

	Log      io.Writer
	LogEvery int // steps between progress lines [5000]
}

func (c *PPOConfig) defaults() {
	c.Steps = cmp.Or(c.Steps, 100000)
	c.NumEnvs = cmp.Or(c.NumEnvs, 8)
	c.NSteps = cmp.Or(c.NSteps, 32)
	c.BatchSize = cmp.Or(c.BatchSize, 256)
	c.Epochs = cmp.Or(c.Epochs, 20)
	if c.Hidden == nil {
		c.Hidden = []int{64, 64}
	}
	c.LearningRate = cmp.Or(c.LearningRate, 1e-3)
	c.Gamma = cmp.Or(c.Gamma, 0.98)
	c.Lambda = cmp.Or(c.Lambda, 0.8)
	c.ClipRange = cmp.Or(c.ClipRange, 0.2)
	c.VfCoef = cmp.Or(c.VfCoef, 0.5)
	c.MaxGradNorm = cmp.Or(c.MaxGradNorm, 0.5)
}

// PPOResult is what TrainPPO returns.
type PPOResult struct {
	Actor, Critic *model.Model // policy logits and state value
	Steps         int
	Episodes      int
}

// TrainPPO trains an actor-critic with proximal policy optimisation on
// NumEnvs copies of the environment made by mk: rollouts of NSteps per copy,
// generalised advantage estimates (truncated episodes bootstrap from the
// critic's value of their final observation), then Epochs passes of
// minibatch updates of the clipped surrogate objective, the value loss and
// the entropy bonus, with per-minibatch advantage normalisation.
//
// The clipped objective is not a loss over (x, y) pairs, so it is built
// from tensor ops on the networks' outputs and minimised with the optim
// optimizer directly.
func TrainPPO(mk func() Env, cfg PPOConfig) (*PPOResult, error) {
	cfg.defaults()
	probe := mk()
	if !probe.ActionSpace().IsDiscrete() || probe.ObservationSpace().IsDiscrete() {
		return nil, fmt.Errorf("rl: ppo: %s needs discrete actions and box observations", probe.Name())
	}
	d, na := probe.ObservationSpace().Dim(), probe.ActionSpace().N
	actor, err := MLP(d, cfg.Hidden, "tanh", na, cfg.Seed)
	if err != nil {
		return nil, err
	}
	critic, err := MLP(d, cfg.Hidden, "tanh", 1, cfg.Seed+1)
	if err != nil {
		return nil, err
	}
	newOpt := func() (*optim.Adam, error) {
		return optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate, GlobalClipNorm: cfg.MaxGradNorm}, Epsilon: 1e-5})
	}
	optA, err := newOpt()
	if err != nil {
		return nil, err
	}
	optC, err := newOpt()
	if err != nil {
		return nil, err
	}
	// The losses are built per minibatch (TrainStepLoss): no compiled loss.
	if err := actor.Compile(optA, nil, nil); err != nil {
		return nil, err
	}
	if err := critic.Compile(optC, nil, nil); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x990))
	vec := NewVec(mk, cfg.NumEnvs, int64(cfg.Seed)*1000)
	tr := newTracker(cfg.Log, cfg.LogEvery)
	N, T := cfg.NumEnvs, cfg.NSteps
	R := N * T
	obs := make([]float32, R*d)
	acts := make([]int, R)
	logp := make([]float32, R)
	vals := make([]float32, R)
	rews := make([]float64, R)
	terms := make([]bool, R) // episode ended after this step (terminated or truncated)
	adv, ret := make([]float32, R), make([]float32, R)
	cur := make([]float32, N*d)
	iters := cfg.Steps / R
	steps := 0
	for it := 0; it < iters; it++ {
		frac := 1 - float64(it)/float64(iters)
		optA.SetLearningRate(cfg.LearningRate * float32(frac))
		optC.SetLearningRate(cfg.LearningRate * float32(frac))
		clip := cfg.ClipRange * frac
		for t := 0; t < T; t++ {
			cur = cur[:0]
			for _, o := range vec.Obs {
				cur = toF32(cur, o)
			}
			logits, err := Forward(actor, cur, N)
			if err != nil {
				return nil, err
			}
			v, err := Forward(critic, cur, N)
			if err != nil {
				return nil, err
			}
			actions := make([]int, N)
			for i := range N {
				lp := logSoftmax(logits[i*na : (i+1)*na])
				a := sampleCategorical(rng, lp)
				k := t*N + i
				actions[i], acts[k], logp[k], vals[k] = a, a, float32(lp[a]), v[i]
			}
			copy(obs[t*N*d:(t+1)*N*d], cur)
			r, term, trunc := vec.Step(actions)
			for i := range N {
				k := t*N + i
				rews[k], terms[k] = r[i], term[i] || trunc[i]
				if trunc[i] && !term[i] { // bootstrap the value beyond the time limit
					fv, err := Forward(critic, toF32(nil, vec.Final[i]), 1)
					if err != nil {
						return nil, err
					}
					rews[k] += cfg.Gamma * float64(fv[0])
				}
			}
			for _, er := range vec.Returns {
				tr.episode(er)
			}
			steps += N
			tr.tick(steps)
		}
		// GAE over the rollout, bootstrapping from the value of the current observations.
		cur = cur[:0]
		for _, o := range vec.Obs {
			cur = toF32(cur, o)
		}
		lastV, err := Forward(critic, cur, N)
		if err != nil {
			return nil, err
		}
		for i := range N {
			gae := 0.0
			for t := T - 1; t >= 0; t-- {
				k := t*N + i
				nextV := float64(lastV[i])
				if t < T-1 {
					nextV = float64(vals[k+N])
				}
				nonTerm := 1.0
				if terms[k] {
					nonTerm = 0
				}
				delta := rews[k] + cfg.Gamma*nextV*nonTerm - float64(vals[k])
				gae = delta + cfg.Gamma*cfg.Lambda*nonTerm*gae
				adv[k], ret[k] = float32(gae), float32(gae+float64(vals[k]))
			}
		}
		if err := ppoEpochs(cfg, rng, actor, critic, obs, acts, logp, adv, ret, d, na, clip); err != nil {
			return nil, err
		}
	}
	return &PPOResult{Actor: actor, Critic: critic, Steps: steps, Episodes: tr.episodes}, nil
}

// ppoEpochs runs the minibatch updates over one rollout.
func ppoEpochs(cfg PPOConfig, rng *rand.Rand, actor, critic *model.Model,
	obs []float32, acts []int, logp, adv, ret []float32, d, na int, clip float64) error {
	R := len(acts)
	B := min(cfg.BatchSize, R)
	perm := make([]int, R)
	for i := range perm {
		perm[i] = i
	}
	xb := make([]float32, B*d)
	onehot, oldLp, advB, retB := make([]float32, B*na), make([]float32, B), make([]float32, B), make([]float32, B)
	for range cfg.Epochs {
		rng.Shuffle(R, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for s := 0; s+B <= R; s += B {
			idx := perm[s : s+B]
			clear(onehot)
			mean, sq := 0.0, 0.0
			for i, k := range idx {
				copy(xb[i*d:(i+1)*d], obs[k*d:(k+1)*d])
				onehot[i*na+acts[k]] = 1
				oldLp[i], retB[i] = logp[k], ret[k]
				mean += float64(adv[k])
			}
			mean /= float64(B)
			for _, k := range idx {
				sq += (float64(adv[k]) - mean) * (float64(adv[k]) - mean)
			}
			std := math.Sqrt(sq/float64(B-1)) + 1e-8
			for i, k := range idx {
				advB[i] = float32((float64(adv[k]) - mean) / std)
			}
			err := trainStep(actor, xb, B, func(logits *tensor.Tensor) *tensor.Tensor {
				lpAll := tensor.LogSoftmax(logits, 1)
				lp := tensor.Sum(tensor.Mul(lpAll, tensor.FromSlice(onehot, B, na)), []int{1}, false)
				ratio := tensor.Exp(tensor.Sub(lp, tensor.FromSlice(oldLp, B)))
				a := tensor.FromSlice(advB, B)
				surr := tensor.Minimum(tensor.Mul(ratio, a), tensor.Mul(tensor.Clip(ratio, float32(1-clip), float32(1+clip)), a))
				loss := tensor.Neg(tensor.Mean(surr, nil, false))
				if cfg.EntCoef != 0 {
					ent := tensor.Neg(tensor.Mean(tensor.Sum(tensor.Mul(tensor.Exp(lpAll), lpAll), []int{1}, false), nil, false))
					loss = tensor.Sub(loss, tensor.MulScalar(ent, float32(cfg.EntCoef)))
				}
				return loss
			})
			if err != nil {
				return err
			}
			err = trainStep(critic, xb, B, func(v *tensor.Tensor) *tensor.Tensor {
				return tensor.MulScalar(tensor.Mean(tensor.Square(tensor.Sub(v.Reshape(B), tensor.FromSlice(retB, B))), nil, false), float32(cfg.VfCoef))
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// logSoftmax returns log-probabilities of logits in float64.
func logSoftmax(logits []float32) []float64 {
	mx := float64(logits[argmax(logits)])
	s := 0.0
	for _, l := range logits {
		s += math.Exp(float64(l) - mx)
	}
	lse := mx + math.Log(s)
	out := make([]float64, len(logits))
	for i, l := range logits {
		out[i] = float64(l) - lse
	}
	return out
}

// sampleCategorical draws an index from log-probabilities lp.
func sampleCategorical(rng *rand.Rand, lp []float64) int {
	u, c := rng.Float64(), 0.0
	for i, l := range lp {
		c += math.Exp(l)
		if u < c {
			return i
		}
	}
	return len(lp) - 1
}
