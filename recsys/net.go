package recsys

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// Layer names of the networks; each embedding table's weight is
// "<name>/embeddings".
var (
	explicitTables = []string{"P", "Q", "BU", "BI", "Y", "G"}
	ncfTables      = []string{"PG", "QG", "PM", "QM"}
)

// normal returns the normal(0, std) initializer (zeros when std is 0).
func normal(std float32) nn.Initializer {
	if std > 0 {
		return nn.RandomNormal(0, float64(std))
	}
	return nn.Zeros()
}

// built names layer l and builds it for per-sample input in with rng, so
// that its weights come from the model's seed (a functional model builds
// the layers it is given that are not built yet from seed 0).
func built[L nn.Layer](l L, name string, in []int, rng *rand.Rand) L {
	l.SetName(name)
	if err := l.Build(in, rng); err != nil {
		panic(err) // sizes are validated before
	}
	return l
}

// embedding returns an Embedding layer named name of n rows of d factors,
// initialised normal(0, std), built for [1] ids.
func embedding(name string, n, d int, std float32, rng *rand.Rand) *nn.Embedding {
	return built(nn.NewEmbedding(max(n, 1), d, nn.EmbeddingConfig{EmbeddingsInitializer: normal(std)}), name, []int{1}, rng)
}

func flatten(x *model.Node) *model.Node { return model.Apply(nn.NewFlatten(), x) }

// buildExplicit sets m.net to the rating network of an mf or svdpp model,
// made of ordinary layers:
//
//	inputs   user [B, 1], items [B, C] (C ratings of the sample's user),
//	         svdpp: rated [B, L] (the user's training items N(u), -1 padded),
//	         genres: genres [B, C, G] (each item's genres multi-hot, each
//	         1/|genres(i)|, so that the product is their mean)
//	p_u      = Flatten(Embedding P (user))                              [B, D]
//	user     = p_u + EmbeddingBag Y, sqrtn (rated)   (svdpp)            [B, D]
//	           (Y with ReturnRows: its second output, y_j [B, L, D])
//	q_i      = Embedding Q (items) + Dense G, no bias (genres)          [B, C, D]
//	b_u, b_i = Flatten(Embedding BU (user)), Flatten(Embedding BI (items))
//	rating   = Rescaling(1, μ)(Dot(user, q_i) + b_u + b_i)             [B, C]
//
// Its outputs are the rating, then p_u, q_i, b_u, b_i and for svdpp the
// rows y_j of N(u) [B, L, D] (the terms the training loss regularises; Y
// returns its rows from the same lookup). The sizes come from m's id tables and genres.
func (m *Model) buildExplicit() error {
	cfg := m.Cfg
	nu, ni, d := len(m.UserIDs), len(m.ItemIDs), cfg.Factors
	rng := tensor.NewRNG(cfg.Seed)
	user, items := model.Input(1), model.Input(1)
	inputs := []*model.Node{user, items}
	p := flatten(model.Apply(embedding("P", nu, d, cfg.InitStd, rng), user))
	pu := p
	var yRows *model.Node
	if cfg.Kind == KindSVDPP {
		rated := model.Input(1)
		inputs = append(inputs, rated)
		y := built(nn.NewEmbeddingBag(max(ni, 1), d, nn.EmbeddingBagConfig{Mode: "sqrtn",
			EmbeddingsInitializer: normal(cfg.InitStd), ReturnRows: true}), "Y", []int{1}, rng)
		ys := model.ApplyMulti(y, rated)
		pu = model.Apply(nn.NewAdd(), p, ys[0])
		yRows = ys[1]
	}
	q := model.Apply(embedding("Q", ni, d, cfg.InitStd, rng), items)
	if len(m.Genres) > 0 {
		ng := len(m.Genres)
		genres := model.Input(1, ng)
		inputs = append(inputs, genres)
		g := built(nn.NewDense(d, nn.DenseConfig{NoBias: true, KernelInitializer: normal(cfg.InitStd)}), "G", []int{1, ng}, rng)
		q = model.Apply(nn.NewAdd(), q, model.Apply(g, genres))
	}
	bu := flatten(model.Apply(embedding("BU", nu, 1, 0, rng), user))
	bi := flatten(model.Apply(embedding("BI", ni, 1, 0, rng), items))
	score := model.Apply(nn.NewAdd(), model.Apply(nn.NewDot(), pu, q), bu, bi)
	rating := model.Apply(nn.NewRescaling(1, float64(m.Mu)), score)
	outputs := []*model.Node{rating, p, q, bu, bi}
	if yRows != nil {
		outputs = append(outputs, yRows)
	}
	return m.setNet(inputs, outputs)
}

// setNet makes the model's network of the graph from inputs to outputs
// (its layers built already) and binds its tables.
func (m *Model) setNet(inputs, outputs []*model.Node) error {
	net, err := model.NewModel(inputs, outputs)
	if err != nil {
		return fmt.Errorf("recsys: %w", err)
	}
	return m.bind(net)
}

// buildNCF sets m.net to the network of a GMF, MLP or NeuMF model (He et
// al. 2017), inputs user [B, 1] and item [B, 1]:
//
//	GMF  Multiply(Flatten(Embedding PG (user)), Flatten(Embedding QG (item)))
//	MLP  Dense(relu) ... over Concatenate(Flatten(PM (user)), Flatten(QM (item)))
//	out  Dense(1, sigmoid) over the GMF vector, the MLP's last layer or both
//
// compiled with the configured optimizer and binary cross-entropy.
func (m *Model) buildNCF() error {
	cfg := m.Cfg
	nu, ni := len(m.UserIDs), len(m.ItemIDs)
	gmf, mlp := cfg.Kind != KindMLP, cfg.Kind != KindGMF
	if mlp && (len(cfg.Layers) < 1 || cfg.Layers[0]%2 != 0) {
		return fmt.Errorf("recsys: the first MLP layer width must be even (user and item halves), got %v", cfg.Layers)
	}
	rng := tensor.NewRNG(cfg.Seed)
	user, item := model.Input(1), model.Input(1)
	var parts []*model.Node
	if gmf {
		parts = append(parts, model.Apply(nn.NewMultiply(),
			flatten(model.Apply(embedding("PG", nu, cfg.Factors, cfg.InitStd, rng), user)),
			flatten(model.Apply(embedding("QG", ni, cfg.Factors, cfg.InitStd, rng), item))))
	}
	if mlp {
		h := cfg.Layers[0] / 2
		x := model.Apply(nn.NewConcatenate(-1),
			flatten(model.Apply(embedding("PM", nu, h, cfg.InitStd, rng), user)),
			flatten(model.Apply(embedding("QM", ni, h, cfg.InitStd, rng), item)))
		in := cfg.Layers[0]
		for k, w := range cfg.Layers[1:] {
			x = model.Apply(built(nn.NewDense(w, nn.DenseConfig{Activation: "relu"}), fmt.Sprintf("mlp%d", k), []int{in}, rng), x)
			in = w
		}
		parts = append(parts, x)
	}
	x := parts[0]
	if len(parts) > 1 {
		x = model.Apply(nn.NewConcatenate(-1), parts...)
	}
	outIn := 0
	for _, p := range parts {
		outIn += p.Shape()[0]
	}
	out := built(nn.NewDense(1, nn.DenseConfig{Activation: "sigmoid"}), "out", []int{outIn}, rng)
	return m.setNet([]*model.Node{user, item}, []*model.Node{model.Apply(out, x)})
}

// bind makes net the model's network and finds its embedding tables,
// checking that each has a row per user or item (a loaded file may not).
func (m *Model) bind(net *model.Model) error {
	m.net = net
	m.tabs = map[string]*tensor.Tensor{}
	rows := map[string]int{"P": len(m.UserIDs), "BU": len(m.UserIDs), "PG": len(m.UserIDs), "PM": len(m.UserIDs),
		"Q": len(m.ItemIDs), "BI": len(m.ItemIDs), "Y": len(m.ItemIDs), "QG": len(m.ItemIDs), "QM": len(m.ItemIDs),
		"G": len(m.Genres)}
	for _, name := range append(append([]string{}, explicitTables...), ncfTables...) {
		var t *tensor.Tensor
		switch l := net.Layer(name).(type) {
		case *nn.Embedding:
			t = l.Embeddings
		case *nn.EmbeddingBag:
			t = l.Embeddings
		case *nn.Dense: // the genre factors: a kernel [genres, D]
			t = l.Kernel
		case nil:
			continue
		default:
			return fmt.Errorf("recsys: layer %q is a %s, not an embedding table", name, l.ClassName())
		}
		if t == nil || t.Dims() != 2 || t.Dim(0) != max(rows[name], 1) {
			return fmt.Errorf("recsys: table %q does not have a row per id (%d)", name, rows[name])
		}
		m.tabs[name] = t
	}
	return nil
}

// compileNCF compiles an NCF network with the configured optimizer and
// binary cross-entropy on its sigmoid output (trained on the logits).
func (m *Model) compileNCF() error {
	opt, err := newOptimizer(m.Cfg)
	if err != nil {
		return err
	}
	if err := m.net.Compile(opt, losses.NewBinaryCrossentropy(losses.Options{}), nil); err != nil {
		return fmt.Errorf("recsys: %w", err)
	}
	return nil
}
