package model

import (
	"fmt"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/tensor"
)

// BenchmarkTrainStep measures one training step (forward, backward,
// optimizer) of the Keras MNIST CNN on random data. Activations come from
// the model's arena, so allocs/op should not grow with the batch size. It
// runs the step Fit runs per batch (copy the batch in, TrainStep's work).
func BenchmarkTrainStep(b *testing.B) {
	for _, bs := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch%d", bs), func(b *testing.B) {
			rng := tensor.NewRNG(1)
			x := tensor.RandUniform(rng, 0, 1, bs, 28, 28, 1).Data()
			y := make([]float32, bs)
			for i := range y {
				y[i] = float32(i % 10)
			}
			ds := data.MustNew(x, []int{28, 28, 1}, y, nil)
			m := mnistCNN()
			if err := m.Compile(&testSGD{lr: 0.01}, testSparseCE{}, []metrics.Metric{&testAcc{}}); err != nil {
				b.Fatal(err)
			}
			if err := m.Build(ds.XShape); err != nil {
				b.Fatal(err)
			}
			var batch *data.Batch
			for b := range data.NewLoader(ds, data.LoaderOptions{BatchSize: bs}).Epoch(0) {
				batch = b.Clone()
			}
			for i := 0; i < 2; i++ { // warm the arena
				if _, err := m.fitStep(batch, nil, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.fitStep(batch, nil, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
