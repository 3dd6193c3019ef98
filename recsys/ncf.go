package recsys

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/tensile-ml/tensile/tensor"
)

// trainNCF trains a GMF, MLP or NeuMF model (He et al. 2017) on implicit
// feedback: every training rating is a positive, and each epoch draws
// cfg.Negatives items the user has not rated per positive, with the binary
// cross-entropy loss, one model.TrainStepInputs per batch. Embedding
// tables are updated row-sparsely (lazy Adam by default); the dense tower
// by the same optimizer.
func trainNCF(cfg Config, train *Ratings, log func(epoch int, loss float64)) (*Model, error) {
	m := newModel(cfg, train)
	if err := m.buildNCF(); err != nil {
		return nil, err
	}
	if err := m.compileNCF(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9cf))
	pos := train.Len()
	per := 1 + cfg.Negatives
	users := make([]int32, pos*per)
	items := make([]int32, pos*per)
	labels := make([]float32, pos*per)
	perm := make([]int, pos*per)
	bu := make([]float32, 0, cfg.Batch)
	bi := make([]float32, 0, cfg.Batch)
	bl := make([]float32, 0, cfg.Batch)
	lr := cfg.LR
	for e := 0; e < cfg.Epochs; e++ {
		m.net.Optimizer().SetLearningRate(lr)
		for k := 0; k < pos; k++ {
			u := train.User[k]
			users[k*per], items[k*per], labels[k*per] = u, train.Item[k], 1
			for j := 1; j < per; j++ {
				users[k*per+j], items[k*per+j], labels[k*per+j] = u, m.sampleNegative(u, rng), 0
			}
		}
		for i := range perm {
			perm[i] = i
		}
		rng.Shuffle(len(perm), func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
		var sum float64
		for s := 0; s < len(perm); s += cfg.Batch {
			bu, bi, bl = bu[:0], bi[:0], bl[:0]
			for _, k := range perm[s:min(s+cfg.Batch, len(perm))] {
				bu, bi, bl = append(bu, float32(users[k])), append(bi, float32(items[k])), append(bl, labels[k])
			}
			n := len(bu)
			l, err := m.net.TrainStepInputs([]*tensor.Tensor{tensor.FromSlice(bu, n, 1), tensor.FromSlice(bi, n, 1)},
				tensor.FromSlice(bl, n, 1), nil)
			if err != nil {
				return nil, err
			}
			sum += l * float64(n)
		}
		loss := sum / float64(len(perm))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("recsys: training diverged in epoch %d (loss %g): lower the learning rate", e+1, loss)
		}
		if log != nil {
			log(e+1, loss)
		}
		lr *= cfg.Decay
	}
	return m, nil
}

// sampleNegative draws an item the user has not rated in training
// (uniformly, by rejection; any item when the user rated them all).
func (m *Model) sampleNegative(u int32, rng *rand.Rand) int32 {
	n := len(m.ItemIDs)
	rated := m.rated[u]
	for try := 0; try < 100; try++ {
		i := int32(rng.IntN(n))
		if !containsSorted(rated, i) {
			return i
		}
	}
	return int32(rng.IntN(n))
}

func containsSorted(s []int32, v int32) bool {
	k := sort.Search(len(s), func(i int) bool { return s[i] >= v })
	return k < len(s) && s[k] == v
}

// ncfScore returns the interaction probabilities of user u with items.
func (m *Model) ncfScore(u int32, items []int32) []float32 {
	us := make([]float32, len(items))
	is := make([]float32, len(items))
	for k, i := range items {
		us[k], is[k] = float32(u), float32(i)
	}
	var out []float32
	var err error
	tensor.NoGrad(func() {
		var outs []*tensor.Tensor
		outs, err = m.net.Call([]*tensor.Tensor{tensor.FromSlice(us, len(items), 1), tensor.FromSlice(is, len(items), 1)}, false)
		if err == nil {
			out = outs[0].Data()
		}
	})
	if err != nil {
		// Callers pass known indices, and Load probes the network with the
		// largest ones, so this does not happen; never panic.
		return make([]float32, len(items))
	}
	return out
}
