package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTierKernels times the non-GEMM kernels of a training step at
// MNIST-CNN sizes (batch 32) on the active tier (TENSILE_SIMD selects it).
func BenchmarkTierKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 32 * 24 * 24 * 64 // conv2 output
	x, dy, dx := randSlice(r, n), randSlice(r, n), make([]float32, n)
	b.Run("ReLUBackward", func(b *testing.B) {
		for b.Loop() {
			ReLUBackward(dx, dy, x)
		}
	})
	b.Run("MaxPool2x2Row", func(b *testing.B) {
		const ow, c = 12, 64
		for b.Loop() {
			for row := 0; row < n/(4*ow*c); row++ {
				o := row * 4 * ow * c
				MaxPool2x2Row(dx[row*ow*c:], x[o:], x[o+2*ow*c:], ow, c)
			}
		}
	})
	b.Run("MaxPool2x2RowBackward", func(b *testing.B) {
		const ow, c = 12, 64
		y := make([]float32, n/4)
		for b.Loop() {
			for row := 0; row < n/(4*ow*c); row++ {
				o := row * 4 * ow * c
				MaxPool2x2RowBackward(dx[o:], dx[o+2*ow*c:], x[o:], x[o+2*ow*c:], y[row*ow*c:], dy[row*ow*c:], ow, c)
			}
		}
	})
	b.Run("Epilogue", func(b *testing.B) {
		bias := randSlice(r, 64)
		for b.Loop() {
			applyEpilogue(dx, 64, n/64, 64, bias, true)
		}
	})
	b.Run("Sigmoid", func(b *testing.B) {
		for b.Loop() {
			sigmoidSlice(dx[:65536], x[:65536])
		}
	})
	b.Run("Tanh", func(b *testing.B) {
		for b.Loop() {
			tanhSlice(dx[:65536], x[:65536])
		}
	})
	b.Run("AddVV", func(b *testing.B) {
		for b.Loop() {
			AddVV(dx[:65536], x[:65536], dy[:65536])
		}
	})
}
