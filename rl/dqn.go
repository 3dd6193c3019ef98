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

// DQNConfig configures DQN. Zero fields take the defaults in brackets,
// which follow the rl-baselines3-zoo's tuned CartPole-v1 settings except
// for the network width (the zoo's [256 256] costs twice the time for the
// same result here).
type DQNConfig struct {
	Steps           int     // environment steps [100000]
	Hidden          []int   // hidden layer widths [256 256]
	LearningRate    float32 // Adam learning rate [2.3e-3]
	BatchSize       int     // [64]
	BufferSize      int     // replay capacity [100000]
	LearningStarts  int     // steps of random play before learning [1000]
	Gamma           float64 // discount [0.99]
	TrainFreq       int     // env steps between training phases [256]
	GradientSteps   int     // gradient steps per phase [128]
	TargetUpdate    int     // env steps between target-network syncs [10]
	ExplorationEnd  float64 // final ε [0.04]
	ExplorationFrac float64 // fraction of Steps over which ε falls from 1 [0.16]
	MaxGradNorm     float32 // global gradient-norm clip [10]
	NoDouble        bool    // plain DQN targets instead of Double-DQN
	Seed            uint64

	// EvalEvery runs a greedy evaluation of EvalEpisodes episodes every so
	// many steps [5000; negative: never] on a separate copy of the
	// environment, and the best network so far is the one returned (as
	// Stable-Baselines3's EvalCallback keeps the best model). Evaluation
	// steps do not count towards Steps.
	EvalEvery    int
	EvalEpisodes int // [10]

	Log      io.Writer // progress lines, or nil
	LogEvery int       // steps between progress lines [5000]
}

func (c *DQNConfig) defaults() {
	c.Steps = cmp.Or(c.Steps, 100000)
	c.BatchSize = cmp.Or(c.BatchSize, 64)
	c.BufferSize = cmp.Or(c.BufferSize, 100000)
	c.LearningStarts = cmp.Or(c.LearningStarts, 1000)
	c.TrainFreq = cmp.Or(c.TrainFreq, 256)
	c.GradientSteps = cmp.Or(c.GradientSteps, 128)
	c.TargetUpdate = cmp.Or(c.TargetUpdate, 10)
	c.EvalEvery = cmp.Or(c.EvalEvery, 5000)
	c.EvalEpisodes = cmp.Or(c.EvalEpisodes, 10)
	if c.Hidden == nil {
		c.Hidden = []int{128, 128}
	}
	c.LearningRate = cmp.Or(c.LearningRate, 2.3e-3)
	c.Gamma = cmp.Or(c.Gamma, 0.99)
	c.ExplorationEnd = cmp.Or(c.ExplorationEnd, 0.04)
	c.ExplorationFrac = cmp.Or(c.ExplorationFrac, 0.16)
	c.MaxGradNorm = cmp.Or(c.MaxGradNorm, 10)
}

// replay is a ring buffer of transitions.
type replay struct {
	d            int
	obs, next    []float32
	act          []int
	rew, done    []float32
	n, pos, capa int
}

func newReplay(capa, d int) *replay {
	return &replay{d: d, obs: make([]float32, capa*d), next: make([]float32, capa*d),
		act: make([]int, capa), rew: make([]float32, capa), done: make([]float32, capa), capa: capa}
}

func (r *replay) add(o []float64, a int, rew float64, n []float64, done bool) {
	i := r.pos
	for k := 0; k < r.d; k++ {
		r.obs[i*r.d+k], r.next[i*r.d+k] = float32(o[k]), float32(n[k])
	}
	r.act[i], r.rew[i], r.done[i] = a, float32(rew), 0
	if done {
		r.done[i] = 1
	}
	r.pos = (r.pos + 1) % r.capa
	r.n = min(r.n+1, r.capa)
}

// DQNResult is what TrainDQN returns.
type DQNResult struct {
	Q        *model.Model // the (best) Q-network
	Steps    int
	Episodes int
	BestEval float64 // the best periodic evaluation's mean return (NaN if none ran)
}

// TrainDQN trains a deep Q-network on env (discrete actions, box
// observations): ε-greedy play into a replay buffer, minibatch updates of
// the Huber loss between Q(s, a) and the Double-DQN target
// r + γ·Q_target(s', argmax_a' Q(s', a')) (terminal states do not bootstrap;
// time-limit truncations do), and a target network synced every
// TargetUpdate steps.
//
// The loss is built from tensor ops on the network's output rather than
// through TrainStep, because it is a function of one chosen action per row.
func TrainDQN(env Env, evalEnv Env, cfg DQNConfig) (*DQNResult, error) {
	cfg.defaults()
	if !env.ActionSpace().IsDiscrete() || env.ObservationSpace().IsDiscrete() {
		return nil, fmt.Errorf("rl: dqn: %s needs discrete actions and box observations", env.Name())
	}
	d, na := env.ObservationSpace().Dim(), env.ActionSpace().N
	q, err := MLP(d, cfg.Hidden, "relu", na, cfg.Seed)
	if err != nil {
		return nil, err
	}
	target, err := MLP(d, cfg.Hidden, "relu", na, cfg.Seed)
	if err != nil {
		return nil, err
	}
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: cfg.LearningRate, GlobalClipNorm: cfg.MaxGradNorm}})
	if err != nil {
		return nil, err
	}
	if err := q.Compile(opt, nil, nil); err != nil { // the loss is built per batch
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xd9))
	buf := newReplay(cfg.BufferSize, d)
	tr := newTracker(cfg.Log, cfg.LogEvery)
	res := &DQNResult{Q: q, BestEval: math.NaN()}
	var best [][]float32

	B := cfg.BatchSize
	xb, nb := make([]float32, B*d), make([]float32, B*d)
	onehot, y := make([]float32, B*na), make([]float32, B)
	one := tensor.Scalar(1)
	idx := make([]int, B)
	trainBatch := func() error {
		for i := range idx {
			idx[i] = rng.IntN(buf.n)
		}
		for i, j := range idx {
			copy(xb[i*d:(i+1)*d], buf.obs[j*d:(j+1)*d])
			copy(nb[i*d:(i+1)*d], buf.next[j*d:(j+1)*d])
		}
		qt, err := Forward(target, nb, B)
		if err != nil {
			return err
		}
		var qn []float32
		if !cfg.NoDouble {
			if qn, err = Forward(q, nb, B); err != nil {
				return err
			}
		}
		clear(onehot)
		for i, j := range idx {
			row := qt[i*na : (i+1)*na]
			var nextV float32
			if cfg.NoDouble {
				nextV = row[argmax(row)]
			} else {
				nextV = row[argmax(qn[i*na:(i+1)*na])]
			}
			y[i] = buf.rew[j] + float32(cfg.Gamma)*(1-buf.done[j])*nextV
			onehot[i*na+buf.act[j]] = 1
		}
		return trainStep(q, xb, B, func(out *tensor.Tensor) *tensor.Tensor {
			qa := tensor.Sum(tensor.Mul(out, tensor.FromSlice(onehot, B, na)), []int{1}, false)
			diff := tensor.Abs(tensor.Sub(qa, tensor.FromSlice(y, B)))
			lin := tensor.Minimum(diff, one) // Huber with δ = 1: ½m² + (|d| − m), m = min(|d|, 1)
			return tensor.Mean(tensor.Add(tensor.MulScalar(tensor.Square(lin), 0.5), tensor.Sub(diff, lin)), nil, false)
		})
	}

	obs := env.Reset(int64(cfg.Seed))
	epRet := 0.0
	xs := make([]float32, 0, d)
	for step := 1; step <= cfg.Steps; step++ {
		frac := math.Min(1, float64(step)/(cfg.ExplorationFrac*float64(cfg.Steps)))
		eps := 1 + frac*(cfg.ExplorationEnd-1)
		var a int
		if step <= cfg.LearningStarts || rng.Float64() < eps {
			a = rng.IntN(na)
		} else {
			out, err := Forward(q, toF32(xs[:0], obs), 1)
			if err != nil {
				return nil, err
			}
			a = argmax(out)
		}
		next, r, term, trunc := env.Step(a)
		buf.add(obs, a, r, next, term)
		epRet += r
		obs = next
		if term || trunc {
			tr.episode(epRet)
			epRet = 0
			obs = env.Reset(NoSeed)
		}
		if step > cfg.LearningStarts && step%cfg.TrainFreq == 0 {
			for range cfg.GradientSteps {
				if err := trainBatch(); err != nil {
					return nil, err
				}
			}
		}
		if step%cfg.TargetUpdate == 0 {
			if err := copyWeights(target, q); err != nil {
				return nil, err
			}
		}
		if evalEnv != nil && cfg.EvalEvery > 0 && step%cfg.EvalEvery == 0 && step > cfg.LearningStarts {
			rets, err := Evaluate(evalEnv, GreedyPolicy(q), cfg.EvalEpisodes, 1_000_000+int64(step))
			if err != nil {
				return nil, err
			}
			tr.eval = Mean(rets)
			if math.IsNaN(res.BestEval) || tr.eval >= res.BestEval {
				res.BestEval, best = tr.eval, snapshot(q)
			}
		}
		tr.tick(step)
	}
	if best != nil {
		restore(q, best)
	}
	res.Steps, res.Episodes = cfg.Steps, tr.episodes
	return res, nil
}
