package tensor

import (
	"fmt"
	"testing"
)

// TestConv2DPoolFusedBackward checks that Conv2DMaxPool takes the fused
// path for the shapes the CPU backend fuses and gives values and gradients
// bit-identical to Conv2D followed by MaxPool2D.
func TestConv2DPoolFusedBackward(t *testing.T) {
	cases := []struct {
		b, h, w int
		c       int // input channels (> 1: the input needs a gradient too)
		relu    bool
		arena   bool
		bias    bool
	}{
		{37, 11, 9, 1, true, false, true},
		{5, 8, 8, 1, false, false, true},
		{9, 10, 13, 1, true, true, true},
		{3, 12, 12, 1, true, false, false},
		{19, 13, 13, 8, true, true, true},
		{6, 7, 9, 3, false, false, true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			rng := NewRNG(7)
			var a *Arena
			if c.arena {
				a = NewArena()
			}
			xd := RandUniform(rng, -1, 1, c.b, c.h, c.w, c.c).Data()
			kd := RandUniform(rng, -1, 1, 3, 3, c.c, 32).Data()
			bd := RandUniform(rng, -1, 1, 32).Data()
			pg := RandUniform(rng, -1, 1, c.b, (c.h-2)/2, (c.w-2)/2, 32).Data()
			// fused: Conv2DMaxPool; else Conv2D then MaxPool2D
			run := func(fused bool) (out, dk, db, dx []float32, op string) {
				x := FromSlice(append([]float32(nil), xd...), c.b, c.h, c.w, c.c)
				if a != nil {
					x = a.FromSlice(xd, c.b, c.h, c.w, c.c)
				}
				if c.c > 1 {
					x = x.Detach().SetRequiresGrad(true)
				}
				k := FromSlice(append([]float32(nil), kd...), 3, 3, c.c, 32).SetRequiresGrad(true)
				var b *Tensor
				if c.bias {
					b = FromSlice(append([]float32(nil), bd...), 32).SetRequiresGrad(true)
				}
				var p *Tensor
				if fused {
					p = Conv2DMaxPool(x, k, b, Conv2DOptions{ReLU: c.relu}, Pool2DOptions{})
				} else {
					p = MaxPool2D(Conv2D(x, k, b, Conv2DOptions{ReLU: c.relu}), Pool2DOptions{})
				}
				op = p.node.op
				out = append([]float32(nil), p.Data()...)
				loss := Sum(Mul(p, FromSlice(pg, p.Shape()...)), nil, false)
				loss.Backward()
				if b != nil {
					db = b.Grad().Data()
				}
				if c.c > 1 {
					dx = append([]float32(nil), x.Grad().Data()...)
				}
				if a != nil {
					a.Reset()
				}
				return out, k.Grad().Data(), db, dx, op
			}
			fo, fk, fb, fx, op := run(true)
			ro, rk, rb, rx, _ := run(false)
			if op != "Conv2DMaxPool" {
				t.Errorf("Conv2DMaxPool recorded %q, want the fused op", op)
			}
			for _, v := range []struct {
				what       string
				fused, ref []float32
			}{{"output", fo, ro}, {"kernel grad", fk, rk}, {"bias grad", fb, rb}, {"input grad", fx, rx}} {
				if len(v.fused) != len(v.ref) {
					t.Fatalf("%s: %d values fused, %d unfused", v.what, len(v.fused), len(v.ref))
				}
				for i := range v.ref {
					if v.fused[i] != v.ref[i] {
						t.Fatalf("%s %d: fused %v, unfused %v", v.what, i, v.fused[i], v.ref[i])
					}
				}
			}
		})
	}
}
