package tensor

import (
	"fmt"
	"testing"
)

// TestConv2DPoolFusedBackward checks that a convolution followed by 2×2
// max pooling (whose backward computes the convolution's gradients, see
// c1Link) gives bit-identical gradients to
// the unfused computation, and that gradients through a second consumer of
// the convolution output are added.
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
			yg := RandUniform(rng, -1, 1, c.b, c.h-2, c.w-2, 32).Data()
			// mode 0: fused; 1: an identity reshape between conv and pool
			// (unfused reference); 2, 3: 0 and 1 with a second consumer of
			// the conv output
			run := func(mode int) (dk, db, dx []float32, used int64) {
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
				before := c1LinkUsed.Load()
				y := Conv2D(x, k, b, Conv2DOptions{ReLU: c.relu})
				in := y
				if mode&1 == 1 {
					in = y.Reshape(y.Shape()...)
				}
				p := MaxPool2D(in, Pool2DOptions{})
				loss := Sum(Mul(p, FromSlice(pg, p.Shape()...)), nil, false)
				if mode >= 2 {
					loss = Add(loss, Sum(Mul(y, FromSlice(yg, y.Shape()...)), nil, false))
				}
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
				return k.Grad().Data(), db, dx, c1LinkUsed.Load() - before
			}
			fk, fb, fx, used := run(0)
			rk, rb, rx, rused := run(1)
			const wantUsed = 1
			if used != wantUsed || rused != 0 {
				t.Errorf("fused path used %d times (want %d), reference %d (want 0)", used, wantUsed, rused)
			}
			for i := range rk {
				if fk[i] != rk[i] {
					t.Fatalf("kernel grad %d: fused %v, unfused %v", i, fk[i], rk[i])
				}
			}
			for i := range rb {
				if fb[i] != rb[i] {
					t.Fatalf("bias grad %d: fused %v, unfused %v", i, fb[i], rb[i])
				}
			}
			for i := range rx {
				if fx[i] != rx[i] {
					t.Fatalf("input grad %d: fused %v, unfused %v", i, fx[i], rx[i])
				}
			}
			// a second consumer: its gradient is added to the fused one
			sk, sb, sx, sused := run(2)
			tk, tb, tx, _ := run(3)
			if sused != wantUsed {
				t.Errorf("second consumer: fused path used %d times, want %d", sused, wantUsed)
			}
			for i := range tk {
				if d := sk[i] - tk[i]; d > 1e-4 || d < -1e-4 || sk[i] == rk[i] {
					t.Fatalf("second consumer: kernel grad %d: fused %v, unfused %v (single path %v)", i, sk[i], tk[i], rk[i])
				}
			}
			for i := range tx {
				if d := sx[i] - tx[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("second consumer: input grad %d: fused %v, unfused %v", i, sx[i], tx[i])
				}
			}
			for i := range tb {
				if d := sb[i] - tb[i]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("second consumer: bias grad %d: fused %v, unfused %v", i, sb[i], tb[i])
				}
			}
		})
	}
}
