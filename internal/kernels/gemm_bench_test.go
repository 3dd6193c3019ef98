package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{128, 256, 512, 1024, 2048} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
			b.ResetTimer()
			for b.Loop() {
				Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
			}
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSgemmKernel times the micro-kernels alone on L1/L2-resident
// panels, the ceiling for the whole GEMM.
func BenchmarkSgemmKernel(b *testing.B) {
	for _, g := range gemmKernels {
		for _, kc := range []int{128, 256, 384} {
			b.Run(fmt.Sprintf("%s/kc=%d", g.name, kc), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				const tiles = 8
				pa := randSlice(r, g.mr*kc*tiles)
				pb := randSlice(r, g.nr*kc)
				c := make([]float32, g.mr*tiles*g.nr)
				for b.Loop() {
					for t := 0; t < tiles; t++ {
						g.fn(kc, &pa[t*g.mr*kc], &pb[0], &c[t*g.mr*g.nr], g.nr, 1, 1)
					}
				}
				b.ReportMetric(2*float64(g.mr*g.nr*kc*tiles)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemmConvShapes times the single-threaded GEMMs of one conv unit
// of the MNIST CNN's second layer (4 images of 11×11 outputs, 3×3×32
// patches, 64 filters): forward, kernel gradient (transposed patches) and
// patch gradient.
func BenchmarkSgemmConvShapes(b *testing.B) {
	const m, n, k = 484, 64, 288
	r := rand.New(rand.NewPCG(1, 2))
	p, w, dy := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	wt, out, dw, dp := randSlice(r, n*k), make([]float32, m*n), make([]float32, k*n), make([]float32, m*k)
	flops := 2 * float64(m*n*k)
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"forward", func() { Sgemm(false, false, m, n, k, 1, p, k, w, n, 0, out, n) }},
		{"dW", func() { Sgemm(true, false, k, n, m, 1, p, k, dy, n, 0, dw, n) }},
		{"dWt", func() { Sgemm(true, false, n, k, m, 1, dy, n, p, k, 0, dw, k) }},
		{"dPatches", func() { Sgemm(false, false, m, k, n, 1, dy, n, wt, k, 0, dp, k) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.fn()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
