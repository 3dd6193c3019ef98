package optim_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// TestSparseGolden replays testdata/golden/optim/sparse.json (made by
// sparse_gen.py): torch.nn.Embedding(sparse=True) trained three steps with
// torch.optim.SparseAdam, Adagrad and SGD. tensile's Embedding.Lookup with
// Adam (lazy on row-sparse gradients), Adagrad and SGD must give the same
// tables after every step.
func TestSparseGolden(t *testing.T) {
	b, err := os.ReadFile("../testdata/golden/optim/sparse.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Shape   []int       `json:"shape"`
		Init    []float32   `json:"init"`
		IDs     [][]int32   `json:"ids"`
		Targets [][]float32 `json:"targets"`
		Cases   []struct {
			Name   string         `json:"name"`
			Config map[string]any `json:"config"`
			After  [][]float32    `json:"after"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 3 {
		t.Fatalf("%d cases in the golden file, want 3", len(g.Cases))
	}
	for _, c := range g.Cases {
		cfg := map[string]any{"name": c.Config["optimizer"]}
		for k, v := range c.Config {
			if k != "optimizer" {
				cfg[k] = v
			}
		}
		o, err := optim.FromConfig(cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		emb := nn.NewEmbedding(g.Shape[0], g.Shape[1], nn.EmbeddingConfig{})
		emb.Lookup([]int32{0})
		copy(emb.Embeddings.Data(), g.Init)
		for k, ids := range g.IDs {
			w := emb.Embeddings
			w.ZeroGrad()
			y := emb.Lookup(ids)
			tgt := tensor.FromSlice(g.Targets[k], len(ids), g.Shape[1])
			loss := tensor.Add(tensor.Sum(tensor.Mul(y, tgt), nil, false), tensor.MulScalar(tensor.Sum(tensor.Square(y), nil, false), 0.5))
			loss.Backward()
			o.Step([]*tensor.Tensor{w})
			if w.RowGrad() == nil {
				t.Errorf("%s step %d: the update densified the gradient", c.Name, k+1)
			}
			for i, v := range w.Data() {
				want := c.After[k][i]
				if math.Abs(float64(v-want)) > 2e-6*(1+math.Abs(float64(want))) {
					t.Errorf("%s step %d: w[%d] = %.7g, torch %.7g", c.Name, k+1, i, v, want)
				}
			}
		}
	}
}
