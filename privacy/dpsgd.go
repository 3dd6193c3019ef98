package privacy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// DPConfig configures DP-SGD (Abadi et al. 2016).
type DPConfig struct {
	NoiseMultiplier float64 // σ: noise standard deviation over L2Clip
	L2Clip          float64 // C: per-example gradient norm bound
	// ExpectedBatch is the expected batch size q·N under Poisson sampling;
	// the noisy gradient sum is divided by it (not by the drawn size).
	ExpectedBatch float64
	Seed          uint64 // noise seed
}

// DPSGD trains a compiled model with differentially private SGD: each
// step clips every example's gradient to L2 norm C, sums, adds Gaussian
// noise N(0, σ²C²) to every coordinate and divides by the expected batch.
//
// When every layer with weights is Dense, Conv2D, Embedding or
// LayerNormalization, one forward and one backward pass over the batch give
// the per-example norms, the clip factors c_i = min(1, C/‖g_i‖) and the
// clipped sum Σ c_i g_i / E (one GEMM per kernel), and the noise and the
// optimizer update follow (see fusedStep). Otherwise (recurrent layers:
// SimpleRNN, LSTM, GRU, Bidirectional) the step runs through
// the model's own training step: Norms gives the norms, the step's sample
// weights c_i·B/E make the model's backward pass produce the clipped sum,
// and a gradient hook (model.SetGradientHook) adds the noise before the
// optimizer update.
type DPSGD struct {
	m   *model.Model
	pe  *PerExample
	cfg DPConfig
	rng *rand.Rand
	// fused: every weighted layer has a clipped-sum rule, so a step takes
	// its update from the per-example pass (see fusedStep); else the
	// update runs through TrainStep with clip weights (a second pass).
	fused bool
	// Clipped counts examples whose gradient was clipped; Examples all.
	Clipped, Examples int
}

// NewDPSGD prepares m (compiled, without dropout) for DP-SGD and installs
// its gradient hook.
func NewDPSGD(m *model.Model, cfg DPConfig) (*DPSGD, error) {
	switch {
	case !(cfg.L2Clip > 0) || math.IsInf(cfg.L2Clip, 0):
		return nil, fmt.Errorf("privacy: l2 clip %v must be finite and > 0", cfg.L2Clip)
	case !(cfg.NoiseMultiplier >= 0) || math.IsInf(cfg.NoiseMultiplier, 0):
		return nil, fmt.Errorf("privacy: noise multiplier %v must be finite and ≥ 0", cfg.NoiseMultiplier)
	case !(cfg.ExpectedBatch > 0) || math.IsInf(cfg.ExpectedBatch, 0):
		return nil, fmt.Errorf("privacy: expected batch %v must be > 0", cfg.ExpectedBatch)
	}
	pe, err := NewPerExample(m)
	if err != nil {
		return nil, err
	}
	d := &DPSGD{m: m, pe: pe, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0xd95e)), fused: pe.canSum()}
	m.SetGradientHook(d.addNoise)
	return d, nil
}

// Close removes the gradient hook from the model.
func (d *DPSGD) Close() { d.m.SetGradientHook(nil) }

// addNoise adds N(0, (σC/E)²) to every gradient coordinate.
func (d *DPSGD) addNoise(params []*tensor.Tensor) error {
	sd := d.cfg.NoiseMultiplier * d.cfg.L2Clip / d.cfg.ExpectedBatch
	if sd == 0 {
		return nil
	}
	for _, p := range params {
		g := p.Grad()
		if g == nil {
			return fmt.Errorf("privacy: weight %q has no gradient", p.Name())
		}
		v := g.Data()
		for i := range v {
			v[i] += float32(d.rng.NormFloat64() * sd)
		}
	}
	return nil
}

// ClipWeights returns the sample weights that turn the model's mean loss
// gradient into the clipped sum over E: c_i·B/E with c_i = min(1, C/‖g_i‖)
// for the first real examples, and 0 for the padding after them.
func (d *DPSGD) ClipWeights(norms []float64, real int) []float32 {
	b := float64(len(norms))
	w := make([]float32, len(norms))
	for i, n := range norms[:real] {
		c := 1.0
		if n > d.cfg.L2Clip {
			c = d.cfg.L2Clip / n
			d.Clipped++
		}
		d.Examples++
		w[i] = float32(c * b / d.cfg.ExpectedBatch)
	}
	return w
}

// Step runs one DP-SGD step on the batch x, y (drawn by Poisson sampling,
// see PoissonBatch) and returns the batch's mean loss (before clipping
// and noise, without regularization).
func (d *DPSGD) Step(x, y *tensor.Tensor) (float64, error) { return d.StepPadded(x, y, x.Dim(0)) }

// StepPadded is Step for a batch whose examples after the first real ones
// are padding: they get weight 0, so they change neither the update nor
// the privacy analysis. Padding Poisson batches to a few bucket sizes keeps
// the training arenas, which keep buffers per size, from growing with
// every new batch size.
func (d *DPSGD) StepPadded(x, y *tensor.Tensor, real int) (float64, error) {
	if real <= 0 || real > x.Dim(0) {
		return 0, fmt.Errorf("privacy: %d real examples in a batch of %d", real, x.Dim(0))
	}
	if d.fused {
		return d.fusedStep(x, y, real)
	}
	norms, err := d.pe.Norms(x, y)
	if err != nil {
		return 0, err
	}
	w := d.ClipWeights(norms, real)
	if _, err := d.m.TrainStep(x, y, tensor.FromSlice(w, len(w))); err != nil {
		return 0, err
	}
	return d.pe.lastLoss, nil
}

// PoissonBatch draws a batch by Poisson sampling, as the accountant
// assumes: each of n examples is in it independently with probability q.
// It returns their indices in increasing order.
func PoissonBatch(rng *rand.Rand, n int, q float64) []int {
	var idx []int
	if q <= 0 {
		return idx
	}
	// Skip ahead by geometric gaps: O(q·n) draws instead of n.
	lq := math.Log1p(-q)
	for i := -1; ; {
		if q >= 1 {
			i++
		} else {
			gap := math.Floor(math.Log(1-rng.Float64()) / lq)
			if gap >= float64(n) {
				return idx
			}
			i += 1 + int(gap)
		}
		if i >= n {
			return idx
		}
		idx = append(idx, i)
	}
}
