package tensor

import (
	"fmt"
	"testing"

	"github.com/tensile-ml/tensile/backend"
)

// mnistConvShapes are the convolutions of the Keras MNIST CNN at batch 32:
// input H, W, C and filters F, all 3×3 'valid' with bias and ReLU.
var mnistConvShapes = []struct {
	name       string
	h, w, c, f int
}{
	{"28x28x1to32", 28, 28, 1, 32},
	{"13x13x32to64", 13, 13, 32, 64},
	{"5x5x64to64", 5, 5, 64, 64},
}

// BenchmarkConv2DMNIST times the conv kernels alone (no autograd, buffers
// reused) and reports GFLOP/s of the multiply-adds.
func BenchmarkConv2DMNIST(b *testing.B) {
	const batch = 32
	for _, s := range mnistConvShapes {
		rng := NewRNG(1)
		x := RandUniform(rng, -1, 1, batch, s.h, s.w, s.c)
		k := RandUniform(rng, -1, 1, 3, 3, s.c, s.f)
		bias := RandUniform(rng, -1, 1, s.f)
		pl := convSetup(x, k, bias, Conv2DOptions{ReLU: true})
		g := pl.Spec().Geom
		out := Zeros(batch, g.OH, g.OW, s.f)
		flops := 2 * float64(batch*g.OH*g.OW*g.KH*g.KW*g.C*s.f)
		b.Run(s.name+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				engine.ConvForward(pl, out.buf, x.buf, k.buf, bias.buf, true)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		dx := Zeros(x.shape...).buf
		dw := Zeros(k.shape...).buf
		db := Zeros(s.f).buf
		dy := RandUniform(rng, -1, 1, batch, g.OH, g.OW, s.f).buf
		for _, withDx := range []bool{true, false} {
			name := s.name + "/backward"
			ddx := dx
			if !withDx {
				name += "NoDx"
				ddx = backend.Buffer{}
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					engine.ConvBackward(pl, ddx, dw, db, dy, x.buf, k.buf, backend.Buffer{}, backend.Buffer{})
				}
				f := flops
				if withDx {
					f *= 2
				}
				b.ReportMetric(f*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkConv2DMNISTOp times the public op, forward and forward+backward,
// with an arena so steady-state steps reuse their buffers.
func BenchmarkConv2DMNISTOp(b *testing.B) {
	const batch = 32
	for _, s := range mnistConvShapes {
		rng := NewRNG(2)
		a := NewArena()
		x := a.FromSlice(RandUniform(rng, -1, 1, batch, s.h, s.w, s.c).buf.Host, batch, s.h, s.w, s.c)
		k := RandUniform(rng, -1, 1, 3, 3, s.c, s.f).SetRequiresGrad(true)
		bias := Zeros(s.f).SetRequiresGrad(true)
		b.Run(fmt.Sprintf("%s/forward+backward", s.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				y := Conv2D(x, k, bias, Conv2DOptions{ReLU: true})
				y.BackwardWith(y)
				a.Reset()
			}
		})
	}
}

// BenchmarkMaxPool2DMNIST times 2×2 max pooling of the MNIST CNN's first
// conv output (batch 32, 26×26×32), forward and forward+backward.
func BenchmarkMaxPool2DMNIST(b *testing.B) {
	rng := NewRNG(3)
	a := NewArena()
	x := a.FromSlice(RandUniform(rng, -1, 1, 32, 26, 26, 32).buf.Host, 32, 26, 26, 32)
	b.Run("forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			MaxPool2D(x, Pool2DOptions{})
			a.Reset()
		}
	})
	xg := x.Detach().SetRequiresGrad(true)
	b.Run("forward+backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			y := MaxPool2D(xg, Pool2DOptions{})
			y.BackwardWith(y)
			xg.grad = nil
			a.Reset()
		}
	})
}

// BenchmarkConv1Pool1MNIST times the MNIST CNN's first convolution (ReLU)
// and 2×2 max pooling, forward+backward at batch 32; "fused" runs them as
// Conv2DMaxPool, "unfused" as Conv2D then MaxPool2D.
func BenchmarkConv1Pool1MNIST(b *testing.B) {
	rng := NewRNG(4)
	a := NewArena()
	x := a.FromSlice(RandUniform(rng, 0, 1, 32, 28, 28, 1).buf.Host, 32, 28, 28, 1)
	k := RandUniform(rng, -1, 1, 3, 3, 1, 32).SetRequiresGrad(true)
	bias := Zeros(32).SetRequiresGrad(true)
	for _, fused := range []bool{true, false} {
		name := "fused"
		if !fused {
			name = "unfused"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var p *Tensor
				if fused {
					p = Conv2DMaxPool(x, k, bias, Conv2DOptions{ReLU: true}, Pool2DOptions{})
				} else {
					p = MaxPool2D(Conv2D(x, k, bias, Conv2DOptions{ReLU: true}), Pool2DOptions{})
				}
				p.BackwardWith(p)
				a.Reset()
			}
		})
	}
}
