package explain

import (
	"errors"
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// TokenAttribution is Integrated Gradients over a text model's embedding:
// one score per token position.
type TokenAttribution struct {
	Scores            []float32 // per position of the input ids
	Sum, Delta        float64   // Σ scores and f(x) − f(baseline)
	CompletenessError float64   // |Sum − Delta| / |Delta|
	Probabilities     []float32 // the model's output for the input
	Predicted         int
}

// EmbeddingIG computes Integrated Gradients over the output of the model's
// Embedding layer (the first layer after its input) for one sequence of
// token ids [T], explaining the target class's probability. The baseline
// is the all-zero embedding; steps (default 100) trapezoid intervals run as
// one batch. The score of position t is Σ_d e_td · ∫ ∂p/∂e_td.
//
// The model after the embedding may branch (a Kim CNN's parallel
// convolutions); it is re-assembled with the same layers, weights shared,
// on an input that takes embeddings, and the result is checked against the
// model's own output. Models whose embedding masks padding (mask_zero)
// are refused, as the mask would not reach the re-assembled layers.
func EmbeddingIG(m *model.Model, ids []float32, target, steps int) (*TokenAttribution, error) {
	if steps <= 0 {
		steps = 100
	}
	var emb *nn.Embedding
	for _, l := range m.Layers() {
		if e, ok := l.(*nn.Embedding); ok {
			if emb != nil {
				return nil, errors.New("explain: the model has several Embedding layers")
			}
			emb = e
		}
	}
	if emb == nil {
		return nil, errors.New("explain: the model has no Embedding layer")
	}
	if mz, _ := emb.Config()["mask_zero"].(bool); mz {
		return nil, fmt.Errorf("explain: embedding %q masks padding (mask_zero); token attributions support unmasked text models", emb.Name())
	}
	nodes, err := Graph(m)
	if err != nil {
		return nil, err
	}
	T := len(ids)
	D := emb.Embeddings.Dim(1)
	var res *TokenAttribution
	err = model.Guard(func() error {
		sub, err := afterEmbedding(m, nodes, emb, T, D)
		if err != nil {
			return err
		}
		x := tensor.FromSlice(append([]float32(nil), ids...), 1, T)
		var e, want *tensor.Tensor
		tensor.NoGrad(func() {
			e = emb.Forward(x, false)
			outs, err2 := m.Call([]*tensor.Tensor{x}, false)
			if err2 != nil {
				err = err2
				return
			}
			want = outs[0]
		})
		if err != nil {
			return err
		}
		probs := want.Float32s()
		if target < 0 || target >= len(probs) {
			return fmt.Errorf("explain: target class %d out of range [0, %d)", target, len(probs))
		}
		ev := e.Float32s()
		n := steps + 1
		buf := make([]float32, n*T*D)
		for i := 0; i < n; i++ {
			a := float32(i) / float32(steps)
			for j, v := range ev {
				buf[i*T*D+j] = a * v
			}
		}
		path := tensor.FromSlice(buf, n, T, D).SetRequiresGrad(true)
		outs, err := sub.Call([]*tensor.Tensor{path}, false)
		if err != nil {
			return err
		}
		out := outs[0]
		o := out.Detach().Float32s()
		k := len(probs)
		for j := 0; j < k; j++ {
			if math.Abs(float64(o[steps*k+j]-probs[j])) > 1e-4 {
				return errors.New("explain: the layers after the embedding do not reproduce the model's output; the model is not supported")
			}
		}
		targetSum(out.Reshape(n, k), target).Backward()
		g := path.Grad().Float32s()
		r := &TokenAttribution{Scores: make([]float32, T), Probabilities: probs, Delta: float64(o[steps*k+target]) - float64(o[target])}
		for j := range probs {
			if probs[j] > probs[r.Predicted] {
				r.Predicted = j
			}
		}
		for t := 0; t < T; t++ {
			var s float64
			for d := 0; d < D; d++ {
				var acc float64
				for i := 0; i < n; i++ {
					w := 1.0
					if i == 0 || i == steps {
						w = 0.5
					}
					acc += w * float64(g[i*T*D+t*D+d])
				}
				s += float64(ev[t*D+d]) * acc / float64(steps)
			}
			r.Scores[t] = float32(s)
			r.Sum += s
		}
		r.CompletenessError = math.Abs(r.Sum-r.Delta) / math.Max(math.Abs(r.Delta), 1e-12)
		res = r
		return nil
	})
	return res, err
}

// afterEmbedding re-assembles the layers after emb on a new input [T, D],
// sharing their weights.
func afterEmbedding(m *model.Model, nodes []GraphNode, emb *nn.Embedding, T, D int) (*model.Model, error) {
	in := model.Input(T, D)
	built := map[string]*model.Node{emb.Name(): in}
	var last *model.Node
	for _, n := range nodes {
		if n.Class == "InputLayer" || n.Name == emb.Name() {
			continue
		}
		l := m.Layer(n.Name)
		if l == nil {
			return nil, fmt.Errorf("explain: layer %q not found", n.Name)
		}
		var ins []*model.Node
		for _, name := range n.Inputs {
			x, ok := built[name]
			if !ok {
				return nil, fmt.Errorf("explain: layer %q does not follow the embedding", n.Name)
			}
			ins = append(ins, x)
		}
		last = model.Apply(l, ins...)
		built[n.Name] = last
	}
	if last == nil {
		return nil, errors.New("explain: no layers after the embedding")
	}
	return model.NewModel([]*model.Node{in}, []*model.Node{last})
}
