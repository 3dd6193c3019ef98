package serve

import (
	"fmt"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/internal/cputime"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/zoo"
)

// BenchmarkPredictMNISTCNN measures Model.Predict of the Keras MNIST CNN
// (the model bench/serve_load.sh serves) per batch size: what dynamic
// batching can buy is the per-sample cost at batch 1 over that at batch 64.
// go test -run '^$' -bench PredictMNISTCNN ./serve
func BenchmarkPredictMNISTCNN(b *testing.B) {
	m := zoo.MNISTCNN()
	m.SetSeed(1)
	opt, err := optim.NewAdam(optim.AdamConfig{})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("batch%d", n), func(b *testing.B) {
			x := make([]float32, n*28*28)
			for i := range x {
				x[i] = float32(i%255) / 255
			}
			ds, err := data.New(x, []int{28, 28, 1}, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			c0 := cpuTime(b)
			for b.Loop() {
				if _, err := m.Predict(ds, model.EvalConfig{BatchSize: n, Verbose: model.VerboseSilent}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e3, "µs/sample")
			b.ReportMetric(float64((cpuTime(b)-c0).Nanoseconds())/float64(b.N*n)/1e3, "cpu-µs/sample")
		})
	}
}

// cpuTime returns the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	t, ok := cputime.Process()
	if !ok {
		b.Skip("no process CPU clock on this platform")
	}
	return t
}
