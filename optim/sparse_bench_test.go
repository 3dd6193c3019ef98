package optim_test

import (
	"fmt"
	"testing"

	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// BenchmarkEmbeddingStep measures one embedding training step (lookup of a
// batch of 256 ids, backward, optimizer update) on V×64 tables. "sparse"
// is tensor.GatherRows, whose row-sparse gradient SGD and lazy Adam apply
// to the touched rows only; "dense" is tensor.Take, whose gradient is a dense
// [V, 64] scatter that the optimizer sweeps in full (the path Embedding
// took before row-sparse gradients). The sparse step's cost should barely
// move from 10k to 1M rows; the dense one grows with V.
func BenchmarkEmbeddingStep(b *testing.B) {
	const d, batch = 64, 256
	for _, v := range []int{10_000, 1_000_000} {
		w0 := tensor.RandUniform(tensor.NewRNG(1), -0.05, 0.05, v, d)
		rng := tensor.NewRNG(2)
		ids := make([][]int32, 16)
		for i := range ids {
			ids[i] = make([]int32, batch)
			for j := range ids[i] {
				ids[i][j] = int32(rng.IntN(v))
			}
		}
		for _, opt := range []string{"sgd", "lazy_adam"} {
			for _, mode := range []string{"sparse", "dense"} {
				b.Run(fmt.Sprintf("V=%d/%s/%s", v, opt, mode), func(b *testing.B) {
					o, err := optim.ByName(opt)
					if err != nil {
						b.Fatal(err)
					}
					w := w0.Clone().SetName("emb").SetRequiresGrad(true)
					step := func(i int) {
						w.ZeroGrad()
						var y *tensor.Tensor
						if mode == "sparse" {
							y = tensor.GatherRows(w, ids[i%len(ids)])
						} else {
							ix := make([]int, batch)
							for j, id := range ids[i%len(ids)] {
								ix[j] = int(id)
							}
							y = tensor.Take(w, 0, ix)
						}
						tensor.Sum(tensor.Square(y), nil, false).Backward()
						o.Step([]*tensor.Tensor{w})
					}
					step(0) // create the optimizer's slots
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						step(i)
					}
				})
			}
		}
	}
}
