package privacy

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// padTo is the bucket size Poisson batches are padded to.
const padTo = 32

// TrainConfig configures Train.
type TrainConfig struct {
	Epochs    int
	BatchSize int // expected batch size E; the sampling rate is E/N
	// NoiseMultiplier σ; when TargetEpsilon > 0 it is chosen instead as
	// the smallest σ whose ε after all steps is at most TargetEpsilon.
	NoiseMultiplier float64
	TargetEpsilon   float64
	L2Clip          float64 // C (default 1)
	Delta           float64 // δ (default 1e-5)
	Seed            uint64
	Output          io.Writer // one line per epoch with ε; nil: silent
}

// TrainResult reports a DP-SGD run.
type TrainResult struct {
	Epsilon         float64 `json:"epsilon"`
	Delta           float64 `json:"delta"`
	NoiseMultiplier float64 `json:"noise_multiplier"`
	L2Clip          float64 `json:"l2_clip"`
	SamplingRate    float64 `json:"sampling_rate"`
	Steps           int     `json:"steps"`
	// ClippedFraction is the share of example gradients that were clipped.
	ClippedFraction float64 `json:"clipped_fraction"`
	// History holds per-epoch "loss" and the compiled metrics.
	History *model.History `json:"-"`
}

// Train trains the compiled model m on ds with DP-SGD for cfg.Epochs
// epochs of N/E steps each; each step's batch is drawn by Poisson sampling
// at rate q = E/N and runs through DPSGD.Step (the model's TrainStep). It
// prints ε after each epoch and returns the privacy spent. Batches are
// padded to a multiple of 32 with weight-0 repeats (see StepPadded); the
// compiled metrics count those repeats too, so the reported training
// accuracy is approximate.
func Train(m *model.Model, ds *data.Dataset, cfg TrainConfig) (*TrainResult, error) {
	if cfg.Epochs <= 0 || cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("privacy: epochs %d and batch size %d must be > 0", cfg.Epochs, cfg.BatchSize)
	}
	if ds == nil || ds.N == 0 || ds.Y == nil {
		return nil, errors.New("privacy: DP-SGD needs a labelled, non-empty dataset")
	}
	if cfg.BatchSize > ds.N {
		return nil, fmt.Errorf("privacy: batch size %d exceeds the %d training samples", cfg.BatchSize, ds.N)
	}
	if cfg.L2Clip == 0 {
		cfg.L2Clip = 1
	}
	if cfg.Delta == 0 {
		cfg.Delta = 1e-5
	}
	q := float64(cfg.BatchSize) / float64(ds.N)
	perEpoch := int(math.Ceil(float64(ds.N) / float64(cfg.BatchSize)))
	steps := perEpoch * cfg.Epochs
	p := Params{SamplingRate: q, NoiseMultiplier: cfg.NoiseMultiplier, Steps: steps}
	if cfg.TargetEpsilon > 0 {
		s, err := NoiseMultiplier(p, cfg.Delta, cfg.TargetEpsilon)
		if err != nil {
			return nil, err
		}
		p.NoiseMultiplier = s
	}
	if _, _, err := Epsilon(p, cfg.Delta); err != nil {
		return nil, err
	}
	d, err := NewDPSGD(m, DPConfig{NoiseMultiplier: p.NoiseMultiplier, L2Clip: cfg.L2Clip, ExpectedBatch: float64(cfg.BatchSize), Seed: cfg.Seed ^ 0x9e3779b97f4a7c15})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	acct := &Accountant{SamplingRate: q, NoiseMultiplier: p.NoiseMultiplier, Delta: cfg.Delta}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xba7c4))
	hist := &model.History{Values: map[string][]float64{}}
	res := &TrainResult{Delta: cfg.Delta, NoiseMultiplier: p.NoiseMultiplier, L2Clip: cfg.L2Clip, SamplingRate: q, History: hist}
	if cfg.Output != nil {
		fmt.Fprintf(cfg.Output, "DP-SGD: sampling rate %.5g, noise multiplier %.4f, l2 clip %g, %d steps, delta %g\n", q, p.NoiseMultiplier, cfg.L2Clip, steps, cfg.Delta)
	}
	for ep := 0; ep < cfg.Epochs; ep++ {
		m.ResetMetrics()
		var lossSum float64
		var lossN int
		for s := 0; s < perEpoch; s++ {
			idx := PoissonBatch(rng, ds.N, q)
			acct.Step(1)
			if len(idx) == 0 {
				continue // an empty batch releases only noise-free nothing; ε still counts the step
			}
			// Pad to a multiple of padTo with weight-0 repeats (see StepPadded).
			real := len(idx)
			for j := 0; len(idx)%padTo != 0; j++ {
				idx = append(idx, idx[j])
			}
			sub := ds.Subset(idx)
			x := tensor.FromSlice(sub.X, append([]int{len(idx)}, sub.XShape...)...)
			y := tensor.FromSlice(sub.Y, append([]int{len(idx)}, sub.YShape...)...)
			loss, err := d.StepPadded(x, y, real)
			if err != nil {
				return nil, fmt.Errorf("privacy: epoch %d step %d: %w", ep+1, s+1, err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("privacy: epoch %d step %d: loss is %v (lower the learning rate)", ep+1, s+1, loss)
			}
			lossSum += loss
			lossN++
		}
		eps, err := acct.Epsilon()
		if err != nil {
			return nil, err
		}
		hist.Epochs = append(hist.Epochs, ep)
		hist.Values["loss"] = append(hist.Values["loss"], lossSum/float64(max(lossN, 1)))
		hist.Values["epsilon"] = append(hist.Values["epsilon"], eps)
		line := fmt.Sprintf("epoch %d/%d loss=%.4f", ep+1, cfg.Epochs, lossSum/float64(max(lossN, 1)))
		for _, mt := range m.Metrics() {
			hist.Values[mt.Name()] = append(hist.Values[mt.Name()], mt.Result())
			line += fmt.Sprintf(" %s=%.4f", mt.Name(), mt.Result())
		}
		if cfg.Output != nil {
			fmt.Fprintf(cfg.Output, "%s epsilon=%.4f\n", line, eps)
		}
		res.Epsilon = eps
	}
	res.Steps = acct.Steps()
	if d.Examples > 0 {
		res.ClippedFraction = float64(d.Clipped) / float64(d.Examples)
	}
	return res, nil
}
