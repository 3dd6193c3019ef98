package recsys

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// trainNCF trains a GMF, MLP or NeuMF model (He et al. 2017) on implicit
// feedback: every training rating is a positive, and each epoch draws
// cfg.Negatives items the user has not rated per positive, with the binary
// cross-entropy loss. Embedding tables are updated row-sparsely (lazy Adam
// by default); the dense tower by the same optimizer.
func trainNCF(cfg Config, train *Ratings, log func(epoch int, loss float64)) (*Model, error) {
	m := newModel(cfg, train)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9cf))
	nu, ni := train.NumUsers(), train.NumItems()
	gmf := cfg.Kind != KindMLP
	mlp := cfg.Kind != KindGMF
	if mlp && (len(cfg.Layers) < 1 || cfg.Layers[0]%2 != 0) {
		return nil, fmt.Errorf("recsys: the first MLP layer width must be even (user and item halves), got %v", cfg.Layers)
	}
	if gmf {
		m.tabs["PG"] = table("PG", nu, cfg.Factors, cfg.InitStd, rng)
		m.tabs["QG"] = table("QG", ni, cfg.Factors, cfg.InitStd, rng)
	}
	outIn := 0
	if gmf {
		outIn += cfg.Factors
	}
	if mlp {
		h := cfg.Layers[0] / 2
		m.tabs["PM"] = table("PM", nu, h, cfg.InitStd, rng)
		m.tabs["QM"] = table("QM", ni, h, cfg.InitStd, rng)
		in := cfg.Layers[0]
		for k, w := range cfg.Layers[1:] {
			d := nn.NewDense(w, nn.DenseConfig{Activation: "relu"})
			if err := d.Build([]int{in}, rng); err != nil {
				return nil, fmt.Errorf("recsys: MLP layer %d: %w", k+1, err)
			}
			d.SetName(fmt.Sprintf("mlp%d", k))
			m.mlp = append(m.mlp, d)
			in = w
		}
		outIn += in
	}
	m.out = nn.NewDense(1, nn.DenseConfig{})
	if err := m.out.Build([]int{outIn}, rng); err != nil {
		return nil, fmt.Errorf("recsys: output layer: %w", err)
	}
	m.out.SetName("out")
	opt, err := newOptimizer(cfg)
	if err != nil {
		return nil, err
	}
	params := m.params()
	pos := train.Len()
	per := 1 + cfg.Negatives
	users := make([]int32, pos*per)
	items := make([]int32, pos*per)
	labels := make([]float32, pos*per)
	perm := make([]int, pos*per)
	lr := cfg.LR
	for e := 0; e < cfg.Epochs; e++ {
		opt.SetLearningRate(lr)
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
		bu := make([]int32, 0, cfg.Batch)
		bi := make([]int32, 0, cfg.Batch)
		bl := make([]float32, 0, cfg.Batch)
		for s := 0; s < len(perm); s += cfg.Batch {
			bu, bi, bl = bu[:0], bi[:0], bl[:0]
			for _, k := range perm[s:min(s+cfg.Batch, len(perm))] {
				bu, bi, bl = append(bu, users[k]), append(bi, items[k]), append(bl, labels[k])
			}
			logits := m.ncfLogits(bu, bi)
			n := len(bu)
			l := tensor.Sum(tensor.SigmoidCrossEntropy(logits, tensor.FromSlice(bl, n, 1)), nil, false)
			loss := tensor.MulScalar(l, 1/float32(n))
			for _, p := range params {
				p.ZeroGrad()
			}
			loss.Backward()
			opt.Step(params)
			sum += float64(l.Item())
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

// ncfLogits returns the [B, 1] logits of user-item pairs.
func (m *Model) ncfLogits(users, items []int32) *tensor.Tensor {
	var parts []*tensor.Tensor
	if t := m.tabs["PG"]; t != nil {
		parts = append(parts, tensor.Mul(t.Lookup(users), m.tabs["QG"].Lookup(items)))
	}
	if t := m.tabs["PM"]; t != nil {
		h := tensor.Concat(1, t.Lookup(users), m.tabs["QM"].Lookup(items))
		for _, d := range m.mlp {
			h = d.Forward(h, true)
		}
		parts = append(parts, h)
	}
	x := parts[0]
	if len(parts) > 1 {
		x = tensor.Concat(1, parts...)
	}
	return m.out.Forward(x, true)
}

// ncfScore returns the interaction probabilities of user u with items.
func (m *Model) ncfScore(u int32, items []int32) []float32 {
	users := make([]int32, len(items))
	for k := range users {
		users[k] = u
	}
	var out []float32
	tensor.NoGrad(func() {
		out = tensor.Sigmoid(m.ncfLogits(users, items)).Data()
	})
	return out
}
