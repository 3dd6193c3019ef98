package recsys

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tensile-ml/tensile/nn"
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

// table returns a built [n, d] embedding layer with normal(0, std) rows.
func table(name string, n, d int, std float32, rng *rand.Rand) *nn.Embedding {
	e := nn.NewEmbedding(max(n, 1), d, nn.EmbeddingConfig{EmbeddingsInitializer: nn.Zeros()})
	if err := e.Build([]int{1}, rng); err != nil {
		panic(err)
	}
	e.Embeddings.SetName(name)
	if std > 0 {
		w := e.Embeddings.Data()
		for i := range w {
			w[i] = float32(rng.NormFloat64()) * std
		}
	}
	return e
}

// Model is a trained recommender: the id tables, the global mean, the
// embedding tables of its kind and what it saw in training (for the
// cold-start rule, see Predict).
type Model struct {
	Cfg     Config
	UserIDs []int64
	ItemIDs []int64
	Mu      float32
	// UserCount and ItemCount count each user's and item's training
	// ratings (positives for NCF).
	UserCount, ItemCount []int32
	// Tables by role: "P" user factors, "Q" item factors, "BU", "BI"
	// biases, "Y" implicit item factors (svdpp), "G" genre factors,
	// "PG"/"QG" GMF and "PM"/"QM" MLP embeddings (NCF).
	tabs map[string]*nn.Embedding
	// mlp holds the NCF tower and output layer.
	mlp []*nn.Dense
	out *nn.Dense
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

func (m *Model) tab(name string) []float32 {
	if t := m.tabs[name]; t != nil {
		return t.Embeddings.Data()
	}
	return nil
}

func (m *Model) params() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, k := range []string{"P", "Q", "BU", "BI", "Y", "G", "PG", "QG", "PM", "QM"} {
		if t := m.tabs[k]; t != nil {
			ps = append(ps, t.Embeddings)
		}
	}
	for _, d := range m.mlp {
		ps = append(ps, d.Params()...)
	}
	if m.out != nil {
		ps = append(ps, m.out.Params()...)
	}
	return ps
}

// newModel sets up the id tables and counts of a model trained on train.
func newModel(cfg Config, train *Ratings) *Model {
	m := &Model{Cfg: cfg, UserIDs: train.UserIDs, ItemIDs: train.ItemIDs, tabs: map[string]*nn.Embedding{},
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
	opt     optim.Optimizer
	params  []*tensor.Tensor
	rng     *rand.Rand
	perm    []int
	batches [][]int
}

func newExplicitTrainer(cfg Config, train *Ratings, genres *Genres) (*explicitTrainer, error) {
	m := newModel(cfg, train)
	m.Mu = float32(train.Mean())
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	nu, ni, d := train.NumUsers(), train.NumItems(), cfg.Factors
	m.tabs["P"] = table("P", nu, d, cfg.InitStd, rng)
	m.tabs["Q"] = table("Q", ni, d, cfg.InitStd, rng)
	m.tabs["BU"] = table("BU", nu, 1, 0, rng)
	m.tabs["BI"] = table("BI", ni, 1, 0, rng)
	if cfg.Kind == KindSVDPP {
		m.tabs["Y"] = table("Y", ni, d, cfg.InitStd, rng)
	}
	if cfg.Genres && genres != nil && len(genres.Names) > 0 {
		m.Genres = genres.Names
		m.itemGenres = genres.ForItems(train.ItemIDs)
		m.tabs["G"] = table("G", len(genres.Names), d, cfg.InitStd, rng)
	}
	opt, err := newOptimizer(cfg)
	if err != nil {
		return nil, err
	}
	t := &explicitTrainer{m: m, train: train, opt: opt, params: m.params(), rng: rng}
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
	t.opt.SetLearningRate(lr)
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
		l, err := t.m.explicitStep(b, t.train, t.params, t.opt)
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

// itemVecs returns the item factor rows [B, D] of items, with the mean of
// their genre factors added when the model has genres. The genre table is
// small (tens of rows), so it enters whole: a [B, genres] matrix of
// 1/|genres(i)| weights times G [genres, D].
func (m *Model) itemVecs(items []int32) *tensor.Tensor {
	q := m.tabs["Q"].Lookup(items)
	g := m.tabs["G"]
	if g == nil {
		return q
	}
	ng := len(m.Genres)
	w := make([]float32, len(items)*ng)
	has := false
	for k, it := range items {
		gs := m.itemGenres[it]
		for _, j := range gs {
			w[k*ng+int(j)] = 1 / float32(len(gs))
			has = true
		}
	}
	if !has {
		return q
	}
	return tensor.Add(q, tensor.MatMul(tensor.FromSlice(w, len(items), ng), g.Embeddings))
}

// explicitStep runs one SGD step on the ratings at positions b and
// returns the summed squared error.
func (m *Model) explicitStep(b []int, r *Ratings, params []*tensor.Tensor, opt optim.Optimizer) (float64, error) {
	n := len(b)
	users := make([]int32, n)
	items := make([]int32, n)
	target := make([]float32, n)
	for k, i := range b {
		users[k], items[k], target[k] = r.User[i], r.Item[i], r.Value[i]
	}
	cfg := m.Cfg
	var pu *tensor.Tensor
	var reg *tensor.Tensor
	if cfg.Kind == KindSVDPP {
		// One user per chunk: p_u + |N(u)|^-1/2 Σ_{j∈N(u)} y_j.
		u := users[0]
		p := m.tabs["P"].Lookup(users[:1])
		nu := m.rated[u]
		ys := m.tabs["Y"].Lookup(nu)
		imp := tensor.MulScalar(tensor.Sum(ys, []int{0}, true), 1/float32(math.Sqrt(float64(len(nu)))))
		pu = tensor.Add(p, imp) // [1, D], broadcast against the items
		// Per-rating penalty: n times the touched rows.
		reg = tensor.MulScalar(tensor.Add(tensor.Sum(tensor.Square(p), nil, false), tensor.Sum(tensor.Square(ys), nil, false)), float32(n)*cfg.Reg/2)
	} else {
		pu = m.tabs["P"].Lookup(users)
		reg = tensor.MulScalar(tensor.Sum(tensor.Square(pu), nil, false), cfg.Reg/2)
	}
	qi := m.itemVecs(items)
	bu := m.tabs["BU"].Lookup(users, n)
	bi := m.tabs["BI"].Lookup(items, n)
	dot := tensor.Sum(tensor.Mul(pu, qi), []int{1}, false)
	pred := tensor.AddScalar(tensor.Add(dot, tensor.Add(bu, bi).Reshape(n)), m.Mu)
	diff := tensor.Sub(pred, tensor.FromSlice(target, n))
	sse := tensor.Sum(tensor.Square(diff), nil, false)
	loss := tensor.Add(tensor.MulScalar(sse, 0.5), reg)
	loss = tensor.Add(loss, tensor.MulScalar(tensor.Sum(tensor.Square(qi), nil, false), cfg.Reg/2))
	loss = tensor.Add(loss, tensor.MulScalar(tensor.Add(tensor.Sum(tensor.Square(bu), nil, false), tensor.Sum(tensor.Square(bi), nil, false)), cfg.RegBias/2))
	for _, p := range params {
		p.ZeroGrad()
	}
	loss.Backward()
	opt.Step(params)
	return float64(sse.Item()), nil
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
