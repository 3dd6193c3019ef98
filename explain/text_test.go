package explain

import (
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/textclf"
)

// TestEmbeddingIG checks token attributions on a Kim CNN (branching after
// the embedding) and a chain: completeness within 1%, names and outputs of
// the original model untouched, and refusal of masked embeddings.
func TestEmbeddingIG(t *testing.T) {
	kim, err := textclf.Build(textclf.Config{Arch: "cnn", MaxLen: 12, EmbedDim: 8, Filters: 6, Widths: []int{2, 3}}, 30, 2)
	if err != nil {
		t.Fatal(err)
	}
	chain := model.NewSequential(model.InputShape(12), nn.NewEmbedding(30, 8, nn.EmbeddingConfig{}), nn.NewFlatten(), nn.NewDense(4, nn.DenseConfig{Activation: "tanh"}), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}))
	ids := []float32{0, 0, 0, 5, 9, 2, 17, 5, 3, 29, 11, 4}
	for name, m := range map[string]*model.Model{"kim": kim, "chain": chain} {
		if err := m.Build(nil); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range m.Layers() {
			names = append(names, l.Name())
		}
		for target := 0; target < 2; target++ {
			r, err := EmbeddingIG(m, ids, target, 0)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(r.Scores) != len(ids) {
				t.Fatalf("%s: %d scores for %d tokens", name, len(r.Scores), len(ids))
			}
			if r.CompletenessError > 0.01 {
				t.Errorf("%s target %d: completeness error %.4f (Σ %.5f, Δ %.5f)", name, target, r.CompletenessError, r.Sum, r.Delta)
			}
		}
		for i, l := range m.Layers() {
			if l.Name() != names[i] {
				t.Errorf("%s: layer %d renamed %q → %q", name, i, names[i], l.Name())
			}
		}
	}
	masked, _ := textclf.Build(textclf.Config{Arch: "lstm", MaxLen: 12, EmbedDim: 8, Units: 4}, 30, 2)
	masked.Build(nil)
	if _, err := EmbeddingIG(masked, ids, 0, 10); err == nil {
		t.Error("masked embedding accepted")
	}
}
