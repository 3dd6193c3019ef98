package recsys

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// Kind names a model family.
const (
	KindMF    = "mf"    // biased matrix factorisation
	KindSVDPP = "svdpp" // biased MF plus implicit feedback (SVD++)
	KindGMF   = "gmf"   // NCF generalised matrix factorisation
	KindMLP   = "mlp"   // NCF multi-layer perceptron
	KindNeuMF = "neumf" // NCF GMF + MLP
)

// Config holds the hyperparameters of a model. The zero value of a field
// takes the default of DefaultConfig for the model's kind.
type Config struct {
	Kind    string  `json:"kind"`
	Factors int     `json:"factors"`
	Epochs  int     `json:"epochs"`
	LR      float32 `json:"lr"`
	// Reg is the L2 penalty of the factor rows a rating touches, RegBias
	// that of the bias rows (per rating, as in Funk's SGD and Surprise).
	Reg     float32 `json:"reg"`
	RegBias float32 `json:"reg_bias"`
	// InitStd is the standard deviation of the normal initial factors.
	InitStd float32 `json:"init_std"`
	// Batch is the number of ratings per step (user chunks for svdpp).
	Batch int `json:"batch"`
	// Decay multiplies the learning rate after each epoch.
	Decay float32 `json:"decay"`
	// Optimizer is "sgd", "adagrad" or "lazy_adam".
	Optimizer string `json:"optimizer"`
	// Negatives is the number of sampled negatives per positive (NCF).
	Negatives int `json:"negatives"`
	// Layers are the MLP tower widths (NCF); the first is the width of the
	// concatenated user and item vectors.
	Layers []int `json:"layers,omitempty"`
	// Genres adds genre side features to item vectors (mf, svdpp).
	Genres bool   `json:"genres"`
	Seed   uint64 `json:"seed"`
}

// DefaultConfig returns the tuned defaults of a kind.
func DefaultConfig(kind string) Config {
	switch kind {
	case KindMF:
		return Config{Kind: kind, Factors: 50, Epochs: 40, LR: 0.01, Reg: 0.04, RegBias: 0.02,
			InitStd: 0.05, Batch: 256, Decay: 0.96, Optimizer: "sgd", Seed: 1}
	case KindSVDPP:
		return Config{Kind: kind, Factors: 50, Epochs: 30, LR: 0.007, Reg: 0.06, RegBias: 0.02,
			InitStd: 0.05, Batch: 32, Decay: 0.95, Optimizer: "sgd", Seed: 1}
	case KindGMF, KindMLP, KindNeuMF:
		return Config{Kind: kind, Factors: 16, Epochs: 10, LR: 0.001, InitStd: 0.01, Batch: 256,
			Decay: 1, Optimizer: "lazy_adam", Negatives: 4, Layers: []int{64, 32, 16}, Seed: 1}
	}
	return Config{Kind: kind}
}

func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig(c.Kind)
	if d.Factors == 0 {
		return c, fmt.Errorf("recsys: unknown model kind %q (want mf, svdpp, gmf, mlp or neumf)", c.Kind)
	}
	if c.Factors == 0 {
		c.Factors = d.Factors
	}
	if c.Epochs == 0 {
		c.Epochs = d.Epochs
	}
	if c.LR == 0 {
		c.LR = d.LR
	}
	if c.Reg == 0 {
		c.Reg = d.Reg
	}
	if c.RegBias == 0 {
		c.RegBias = d.RegBias
	}
	if c.InitStd == 0 {
		c.InitStd = d.InitStd
	}
	if c.Batch == 0 {
		c.Batch = d.Batch
	}
	if c.Decay == 0 {
		c.Decay = d.Decay
	}
	if c.Optimizer == "" {
		c.Optimizer = d.Optimizer
	}
	if c.Negatives == 0 {
		c.Negatives = d.Negatives
	}
	if c.Layers == nil {
		c.Layers = d.Layers
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	switch {
	case c.Factors < 1 || c.Factors > 4096:
		return c, fmt.Errorf("recsys: factors %d must be in [1, 4096]", c.Factors)
	case c.Epochs < 1 || c.Epochs > 100000:
		return c, fmt.Errorf("recsys: epochs %d must be in [1, 100000]", c.Epochs)
	case !(c.LR > 0) || math.IsInf(float64(c.LR), 0):
		return c, fmt.Errorf("recsys: learning rate %g must be positive", c.LR)
	case c.Reg < 0 || c.RegBias < 0 || !(c.InitStd >= 0):
		return c, fmt.Errorf("recsys: regularisation and init std must not be negative")
	case c.Batch < 1 || c.Batch > 1<<20:
		return c, fmt.Errorf("recsys: batch %d must be in [1, 2^20]", c.Batch)
	case !(c.Decay > 0 && c.Decay <= 1):
		return c, fmt.Errorf("recsys: decay %g must be in (0, 1]", c.Decay)
	case c.Negatives < 0 || c.Negatives > 1000 || (d.Negatives > 0 && c.Negatives < 1):
		return c, fmt.Errorf("recsys: negatives %d must be in [1, 1000]", c.Negatives)
	}
	for _, w := range c.Layers {
		if w < 1 || w > 4096 {
			return c, fmt.Errorf("recsys: layer width %d must be in [1, 4096]", w)
		}
	}
	return c, nil
}

// newOptimizer returns the configured optimizer, one whose update of a
// row-sparse gradient touches only the rows looked up.
func newOptimizer(c Config) (optim.Optimizer, error) {
	switch c.Optimizer {
	case "sgd":
		return optim.NewSGD(optim.SGDConfig{BaseConfig: optim.BaseConfig{LearningRate: c.LR}})
	case "adagrad":
		return optim.NewAdagrad(optim.AdagradConfig{BaseConfig: optim.BaseConfig{LearningRate: c.LR}})
	case "lazy_adam", "adam":
		return optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: c.LR}, Lazy: true})
	}
	return nil, fmt.Errorf("recsys: optimizer %q is not one of sgd, adagrad, lazy_adam", c.Optimizer)
}

// Model is a trained recommender: the id tables, the global mean, the
// network of its kind (a model.Model of nn layers, see buildExplicit and
// buildNCF) and what it saw in training (for the cold-start rule, see
// Predict).
type Model struct {
	Cfg     Config
	UserIDs []int64
	ItemIDs []int64
	Mu      float32
	// UserCount and ItemCount count each user's and item's training
	// ratings (positives for NCF).
	UserCount, ItemCount []int32
	// net is the network; Net returns it.
	net *model.Model
	// tabs holds the net's embedding tables by layer name: "P" user
	// factors, "Q" item factors, "BU", "BI" biases, "Y" implicit item
	// factors (svdpp), "G" genre factors, "PG"/"QG" GMF and "PM"/"QM" MLP
	// embeddings (NCF).
	tabs map[string]*tensor.Tensor
	// itemGenres lists each item's genre indices (Genres); Genres names them.
	itemGenres [][]int32
	Genres     []string
	// rated lists each user's training items (svdpp's N(u), top-K's
	// exclusion set), sorted.
	rated [][]int32
	// implicit caches |N(u)|^-1/2 Σ y_j per user after training (svdpp).
	implicit []float32
	// userIdx and itemIdx map ids to indices (built on first use).
	userIdx, itemIdx map[int64]int32
}

// Net returns the model's network: for mf and svdpp the rating model of
// buildExplicit, for NCF the interaction model of buildNCF. Evaluation
// reads its embedding tables directly.
func (m *Model) Net() *model.Model { return m.net }

func (m *Model) tab(name string) []float32 {
	if t := m.tabs[name]; t != nil {
		return t.Data()
	}
	return nil
}

// newModel sets up the id tables and counts of a model trained on train.
func newModel(cfg Config, train *Ratings) *Model {
	m := &Model{Cfg: cfg, UserIDs: train.UserIDs, ItemIDs: train.ItemIDs,
		UserCount: make([]int32, train.NumUsers()), ItemCount: make([]int32, train.NumItems())}
	for k := range train.User {
		m.UserCount[train.User[k]]++
		m.ItemCount[train.Item[k]]++
	}
	m.rated = make([][]int32, train.NumUsers())
	for k, u := range train.User {
		m.rated[u] = append(m.rated[u], train.Item[k])
	}
	for _, r := range m.rated {
		slices.Sort(r)
	}
	return m
}

// trainExplicit trains a biased MF or SVD++ model on explicit ratings.
// genres, when not nil, gives each item's genre indices (side features).
func trainExplicit(cfg Config, train *Ratings, genres *Genres, log func(epoch int, loss float64)) (*Model, error) {
	t, err := newExplicitTrainer(cfg, train, genres)
	if err != nil {
		return nil, err
	}
	lr := cfg.LR
	for e := 0; e < cfg.Epochs; e++ {
		loss, err := t.epoch(lr)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("recsys: training diverged in epoch %d (loss %g): lower the learning rate", e+1, loss)
		}
		if log != nil {
			log(e+1, loss)
		}
		lr *= cfg.Decay
	}
	t.m.finish()
	return t.m, nil
}

// explicitTrainer holds the state of training an explicit model.
type explicitTrainer struct {
	m       *Model
	train   *Ratings
	rng     *rand.Rand
	perm    []int
	batches [][]int
	// Step buffers: the inputs of one batch and its targets.
	users, items, ratedIn, genresIn, target []float32
}

func newExplicitTrainer(cfg Config, train *Ratings, genres *Genres) (*explicitTrainer, error) {
	m := newModel(cfg, train)
	m.Mu = float32(train.Mean())
	if cfg.Genres && genres != nil && len(genres.Names) > 0 {
		m.Genres = genres.Names
		m.itemGenres = genres.ForItems(train.ItemIDs)
	}
	if err := m.buildExplicit(); err != nil {
		return nil, err
	}
	opt, err := newOptimizer(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.net.Compile(opt, nil, nil); err != nil {
		return nil, fmt.Errorf("recsys: %w", err)
	}
	t := &explicitTrainer{m: m, train: train, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed))}
	if cfg.Kind == KindSVDPP {
		t.batches = userChunks(train, cfg.Batch)
	} else {
		t.perm = make([]int, train.Len())
		for i := range t.perm {
			t.perm[i] = i
		}
	}
	return t, nil
}

// epoch runs one pass over the training ratings in shuffled mini-batches
// at learning rate lr and returns the mean squared error of the pass.
func (t *explicitTrainer) epoch(lr float32) (float64, error) {
	t.m.net.Optimizer().SetLearningRate(lr)
	bs := t.m.Cfg.Batch
	if t.perm == nil {
		t.rng.Shuffle(len(t.batches), func(a, b int) { t.batches[a], t.batches[b] = t.batches[b], t.batches[a] })
	} else {
		t.rng.Shuffle(len(t.perm), func(a, b int) { t.perm[a], t.perm[b] = t.perm[b], t.perm[a] })
		t.batches = t.batches[:0]
		for s := 0; s < len(t.perm); s += bs {
			t.batches = append(t.batches, t.perm[s:min(s+bs, len(t.perm))])
		}
	}
	var sum float64
	for _, b := range t.batches {
		l, err := t.step(b)
		if err != nil {
			return 0, err
		}
		sum += l
	}
	return sum / float64(t.train.Len()), nil
}

// userChunks groups the ratings by user, in chunks of at most n.
func userChunks(r *Ratings, n int) [][]int {
	by := make([][]int, r.NumUsers())
	for k, u := range r.User {
		by[u] = append(by[u], k)
	}
	var out [][]int
	for _, ks := range by {
		for s := 0; s < len(ks); s += n {
			out = append(out, ks[s:min(s+n, len(ks))])
		}
	}
	return out
}

// step runs one training step (model.TrainStepLoss) on the ratings at
// positions b and returns their summed squared error. mf batches are B
// ratings of any users (C = 1); svdpp batches are one user's chunk of C
// ratings (B = 1), so that the user's implicit sum is looked up once.
//
// The loss is Funk's and Surprise's: half the squared error plus, per
// rating, reg/2 times the squared norms of the factor rows it touches
// (p_u, q_i with its genres, and for svdpp every y_j of N(u)) and
// reg_bias/2 times the squared biases.
func (t *explicitTrainer) step(b []int) (float64, error) {
	r, m, cfg := t.train, t.m, t.m.Cfg
	svdpp := cfg.Kind == KindSVDPP
	bsz, c := len(b), 1
	if svdpp {
		bsz, c = 1, len(b)
	}
	t.users, t.items, t.target = t.users[:0], t.items[:0], t.target[:0]
	for _, i := range b {
		t.items = append(t.items, float32(r.Item[i]))
		t.target = append(t.target, r.Value[i])
	}
	if svdpp {
		t.users = append(t.users, float32(r.User[b[0]]))
	} else {
		for _, i := range b {
			t.users = append(t.users, float32(r.User[i]))
		}
	}
	xs := []*tensor.Tensor{tensor.FromSlice(t.users, bsz, 1), tensor.FromSlice(t.items, bsz, c)}
	if svdpp {
		nu := m.rated[r.User[b[0]]]
		t.ratedIn = t.ratedIn[:0]
		for _, j := range nu {
			t.ratedIn = append(t.ratedIn, float32(j))
		}
		xs = append(xs, tensor.FromSlice(t.ratedIn, 1, len(nu)))
	}
	if m.tabs["G"] != nil {
		t.genresIn = m.genreInput(t.genresIn[:0], b, r)
		xs = append(xs, tensor.FromSlice(t.genresIn, bsz, c, len(m.Genres)))
	}
	target := tensor.FromSlice(t.target, bsz, c)
	var sse float64
	_, err := m.net.TrainStepLoss(xs, func(outs []*tensor.Tensor) *tensor.Tensor {
		pred, p, q, bu, bi := outs[0], outs[1], outs[2], outs[3], outs[4]
		se := tensor.Sum(tensor.Square(tensor.Sub(pred, target)), nil, false)
		sse = float64(se.Item())
		cf := float32(c)
		loss := tensor.Add(tensor.MulScalar(se, 0.5), tensor.MulScalar(sumSq(p), cf*cfg.Reg/2))
		loss = tensor.Add(loss, tensor.MulScalar(sumSq(q), cfg.Reg/2))
		loss = tensor.Add(loss, tensor.MulScalar(tensor.Add(tensor.MulScalar(sumSq(bu), cf), sumSq(bi)), cfg.RegBias/2))
		if svdpp {
			// The rows y_j of N(u) the implicit sum combined.
			loss = tensor.Add(loss, tensor.MulScalar(sumSq(outs[5]), cf*cfg.Reg/2))
		}
		return loss
	})
	return sse, err
}

func sumSq(x *tensor.Tensor) *tensor.Tensor { return tensor.Sum(tensor.Square(x), nil, false) }

// genreInput appends the genres of the items of ratings b to dst, a
// multi-hot row of 1/|genres(i)| per item (zeros for an item without).
func (m *Model) genreInput(dst []float32, b []int, r *Ratings) []float32 {
	ng := len(m.Genres)
	for _, i := range b {
		o := len(dst)
		dst = append(dst, make([]float32, ng)...)
		gs := m.itemGenres[r.Item[i]]
		for _, g := range gs {
			dst[o+int(g)] = 1 / float32(len(gs))
		}
	}
	return dst
}

// finish caches what prediction needs after training.
func (m *Model) finish() {
	if m.Cfg.Kind != KindSVDPP {
		return
	}
	d := m.Cfg.Factors
	y := m.tab("Y")
	m.implicit = make([]float32, len(m.UserIDs)*d)
	for u, items := range m.rated {
		if len(items) == 0 {
			continue
		}
		s := 1 / float32(math.Sqrt(float64(len(items))))
		dst := m.implicit[u*d : u*d+d]
		for _, j := range items {
			row := y[int(j)*d : int(j)*d+d]
			for k := range dst {
				dst[k] += s * row[k]
			}
		}
	}
}

// Resolve returns cfg with the defaults of its kind filled in, or an error
// naming a bad value.
func Resolve(cfg Config) (Config, error) { return cfg.withDefaults() }
