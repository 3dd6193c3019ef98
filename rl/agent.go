package rl

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/tensile-ml/tensile/model"
)

// Progress is what a training loop reports: environment steps so far,
// finished episodes, the mean return of the last 100 episodes and the
// throughput.
type Progress struct {
	Steps       int
	Episodes    int
	MeanReturn  float64
	StepsPerSec float64
	EvalReturn  float64 // the last periodic greedy evaluation (NaN before one ran)
}

// String formats p as one progress line.
func (p Progress) String() string {
	s := fmt.Sprintf("steps %7d  episodes %5d  mean return (last 100) %8.2f  %6.0f steps/s", p.Steps, p.Episodes, p.MeanReturn, p.StepsPerSec)
	if !math.IsNaN(p.EvalReturn) {
		s += fmt.Sprintf("  eval %8.2f", p.EvalReturn)
	}
	return s
}

// tracker keeps recent episode returns and prints progress lines.
type tracker struct {
	log      io.Writer
	every    int
	start    time.Time
	returns  []float64
	episodes int
	eval     float64
	next     int
}

func newTracker(log io.Writer, every int) *tracker {
	if every <= 0 {
		every = 5000
	}
	return &tracker{log: log, every: every, start: time.Now(), eval: math.NaN(), next: every}
}

func (t *tracker) episode(ret float64) {
	t.episodes++
	t.returns = append(t.returns, ret)
	if len(t.returns) > 100 {
		t.returns = t.returns[1:]
	}
}

func (t *tracker) progress(steps int) Progress {
	mean := math.NaN()
	if len(t.returns) > 0 {
		mean = 0
		for _, r := range t.returns {
			mean += r
		}
		mean /= float64(len(t.returns))
	}
	return Progress{Steps: steps, Episodes: t.episodes, MeanReturn: mean,
		StepsPerSec: float64(steps) / time.Since(t.start).Seconds(), EvalReturn: t.eval}
}

// tick prints a progress line each time steps passes a multiple of every.
func (t *tracker) tick(steps int) {
	if t.log == nil || steps < t.next {
		return
	}
	for t.next <= steps {
		t.next += t.every
	}
	fmt.Fprintln(t.log, t.progress(steps))
}

// Evaluate runs episodes of env under the greedy policy act and returns the
// episode returns. Episode i starts from Reset(seed+i).
func Evaluate(env Env, act func(obs []float64) (int, error), episodes int, seed int64) ([]float64, error) {
	out := make([]float64, 0, episodes)
	for i := range episodes {
		obs := env.Reset(seed + int64(i))
		total := 0.0
		for {
			a, err := act(obs)
			if err != nil {
				return nil, err
			}
			var r float64
			var term, trunc bool
			obs, r, term, trunc = env.Step(a)
			total += r
			if term || trunc {
				break
			}
		}
		out = append(out, total)
	}
	return out, nil
}

// Mean returns the mean of v (NaN when empty).
func Mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// GreedyPolicy returns the policy that takes the action of the largest
// network output: the Q-network of DQN, the actor of PPO.
func GreedyPolicy(m *model.Model) func(obs []float64) (int, error) {
	var buf []float32
	return func(obs []float64) (int, error) {
		buf = toF32(buf[:0], obs)
		out, err := Forward(m, buf, 1)
		if err != nil {
			return 0, err
		}
		return argmax(out), nil
	}
}
