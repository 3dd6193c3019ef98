package recsys

import (
	"fmt"
	"math/rand/v2"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

// NCFSequential returns NCF's MLP model as an ordinary compiled Sequential
// model, trainable with model.Fit and TrainStep: its input is [2] per
// sample, the user index and users + the item index (as PairDataset makes
// them), looked up in one Embedding of users + items rows (so the row-sparse
// lookup and lazy Adam apply), flattened into [p_u, q_i], then the MLP
// tower of cfg.Layers[1:] (ReLU) and one sigmoid unit, compiled with lazy
// Adam at cfg.LR and binary cross-entropy. Ids pass through float32, so
// users + items must stay below 2²⁴.
func NCFSequential(users, items int, cfg Config) (*model.Model, error) {
	cfg.Kind = KindMLP
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if users < 1 || items < 1 || users+items >= 1<<24 {
		return nil, fmt.Errorf("recsys: NCFSequential: %d users + %d items must be in [2, 2^24)", users, items)
	}
	if cfg.Layers[0]%2 != 0 {
		return nil, fmt.Errorf("recsys: the first MLP layer width must be even, got %v", cfg.Layers)
	}
	layers := []nn.Layer{
		model.InputShape(2),
		nn.NewEmbedding(users+items, cfg.Layers[0]/2, nn.EmbeddingConfig{EmbeddingsInitializer: nn.RandomNormal(0, float64(cfg.InitStd))}),
		nn.NewFlatten(),
	}
	for _, w := range cfg.Layers[1:] {
		layers = append(layers, nn.NewDense(w, nn.DenseConfig{Activation: "relu"}))
	}
	layers = append(layers, nn.NewDense(1, nn.DenseConfig{Activation: "sigmoid"}))
	m := model.NewSequential(layers...)
	m.SetSeed(cfg.Seed)
	if err := m.CompileNames("lazy_adam", "binary_crossentropy"); err != nil {
		return nil, err
	}
	m.Optimizer().SetLearningRate(cfg.LR)
	return m, nil
}

// PairDataset returns NCFSequential's training data: every rating of train
// as a positive (label 1) and negatives sampled items the user did not rate
// per positive (label 0), drawn with seed. Samples are [user, users+item].
func PairDataset(train *Ratings, negatives int, seed uint64) (*data.Dataset, error) {
	if negatives < 0 {
		return nil, fmt.Errorf("recsys: PairDataset: %d negatives", negatives)
	}
	m := newModel(Config{}, train)
	rng := rand.New(rand.NewPCG(seed, 0x9a1))
	nu := float32(train.NumUsers())
	per := 1 + negatives
	x := make([]float32, 0, train.Len()*per*2)
	y := make([]float32, 0, train.Len()*per)
	for k, u := range train.User {
		x = append(x, float32(u), nu+float32(train.Item[k]))
		y = append(y, 1)
		for j := 0; j < negatives; j++ {
			x = append(x, float32(u), nu+float32(m.sampleNegative(u, rng)))
			y = append(y, 0)
		}
	}
	return data.New(x, []int{2}, y, []int{1})
}

// SequentialScorer scores items with a model made by NCFSequential.
type SequentialScorer struct {
	Model *model.Model
	Users int
}

// Scores implements Scorer.
func (s SequentialScorer) Scores(u int32, items []int32) []float32 {
	x := make([]float32, 0, 2*len(items))
	for _, i := range items {
		x = append(x, float32(u), float32(s.Users)+float32(i))
	}
	ds, err := data.New(x, []int{2}, nil, nil)
	if err != nil {
		return make([]float32, len(items))
	}
	p, err := s.Model.Predict(ds, model.EvalConfig{BatchSize: 1024, Verbose: model.VerboseSilent})
	if err != nil {
		return make([]float32, len(items))
	}
	return p.Data()
}
