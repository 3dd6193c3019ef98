package privacy

import (
	"testing"
	"time"

	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/internal/cputime"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/zoo"
)

// benchBatch returns a compiled MNIST CNN and one batch of 256 images.
func benchBatch(b *testing.B) (*DPSGD, *tensor.Tensor, *tensor.Tensor, func() error) {
	train, _, err := mnist.Load()
	if err != nil {
		b.Fatal(err)
	}
	const n = 256
	m := zoo.MNISTCNN()
	if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
		b.Fatal(err)
	}
	x := tensor.FromSlice(train.X[:n*784], n, 28, 28, 1)
	y := tensor.FromSlice(train.Y[:n], n)
	d, err := NewDPSGD(m, DPConfig{NoiseMultiplier: 1.1, L2Clip: 1, ExpectedBatch: n})
	if err != nil {
		b.Fatal(err)
	}
	normal := func() error { _, err := m.TrainStep(x, y, nil); return err }
	return d, x, y, normal
}

// BenchmarkStepNormal is a plain training step of the MNIST CNN, batch 256
// (with the DP hook removed).
func BenchmarkStepNormal(b *testing.B) {
	d, _, _, normal := benchBatch(b)
	d.Close()
	for i := 0; i < b.N; i++ {
		if err := normal(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepDP is a DP-SGD step (per-example norms, clipped step,
// noise) of the MNIST CNN at the same batch size.
func BenchmarkStepDP(b *testing.B) {
	d, x, y, _ := benchBatch(b)
	for i := 0; i < b.N; i++ {
		if _, err := d.Step(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepRatio alternates a plain training step and a DP-SGD step of
// the MNIST CNN at batch 256 (two models, same data) and reports the CPU
// time (user + system, process-wide: run it with -test.cpu 1) of each and
// their ratio, so that both see the same machine load.
func BenchmarkStepRatio(b *testing.B) {
	d, x, y, _ := benchBatch(b)
	plain, _, _, normal := benchBatch(b)
	plain.Close()
	var tn, td time.Duration
	for i := 0; i < b.N; i++ {
		c0, ok := cputime.Process()
		if !ok {
			b.Skip("no CPU clock on this platform")
		}
		if err := normal(); err != nil {
			b.Fatal(err)
		}
		c1, _ := cputime.Process()
		if _, err := d.Step(x, y); err != nil {
			b.Fatal(err)
		}
		c2, _ := cputime.Process()
		tn += c1 - c0
		td += c2 - c1
	}
	b.ReportMetric(float64(tn.Nanoseconds())/float64(b.N), "cpu-ns/normal")
	b.ReportMetric(float64(td.Nanoseconds())/float64(b.N), "cpu-ns/dp")
	b.ReportMetric(float64(td)/float64(tn), "dp/normal")
}
