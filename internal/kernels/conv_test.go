package kernels

import (
	"math/rand/v2"
	"testing"
)

func convRandSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

var convGeoms = []ConvGeom{
	{H: 5, W: 4, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 3, OW: 2},
	{H: 5, W: 4, C: 3, KH: 3, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, PadT: 1, PadL: 0, OH: 5, OW: 4},
	{H: 7, W: 8, C: 2, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PadT: 1, PadL: 1, OH: 4, OW: 4},
	{H: 9, W: 9, C: 2, KH: 3, KW: 3, SH: 1, SW: 1, DH: 2, DW: 2, PadT: 2, PadL: 2, OH: 9, OW: 9},
	{H: 6, W: 7, C: 5, KH: 2, KW: 3, SH: 1, SW: 2, DH: 2, DW: 1, OH: 4, OW: 3},
	// SIMD channel runs: padded (per-tap) and interior (whole-row) windows
	{H: 6, W: 5, C: 16, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadT: 1, PadL: 1, OH: 6, OW: 5},
	{H: 5, W: 5, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 3, OW: 3},
	// unpadded, horizontal stride 1: one segment copy per output row and
	// kernel row (runs with and without a partial 16-float tail)
	{H: 7, W: 9, C: 6, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 5, OW: 7},
	{H: 9, W: 8, C: 5, KH: 2, KW: 4, SH: 2, SW: 1, DH: 3, DW: 1, OH: 3, OW: 5},
	{H: 4, W: 6, C: 16, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, OH: 4, OW: 6},
	{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11},
	{H: 6, W: 6, C: 24, KH: 3, KW: 3, SH: 2, SW: 1, DH: 1, DW: 1, OH: 2, OW: 4},
	// "same" padding only below and right: not the segment path
	{H: 5, W: 5, C: 16, KH: 2, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, OH: 5, OW: 5},
}

// TestIm2colNaive compares Im2col with its reference definition, including
// partial pixel ranges and a guard band after the written rows.
func TestIm2colNaive(t *testing.T) { forEachTier(t, testIm2colNaive) }

func testIm2colNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for gi, g := range convGeoms {
		src := convRandSlice(r, g.H*g.W*g.C)
		k := g.PatchLen()
		for _, pr := range [][2]int{{0, g.Pixels()}, {1, g.Pixels() - 1}} {
			p0, p1 := pr[0], pr[1]
			dst := make([]float32, (p1-p0)*k+7)
			for i := range dst {
				dst[i] = 99
			}
			Im2col(dst, src, &g, p0, p1)
			for p := p0; p < p1; p++ {
				oy, ox := p/g.OW, p%g.OW
				for ky := 0; ky < g.KH; ky++ {
					for kx := 0; kx < g.KW; kx++ {
						for c := 0; c < g.C; c++ {
							iy, ix := oy*g.SH-g.PadT+ky*g.DH, ox*g.SW-g.PadL+kx*g.DW
							var want float32
							if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
								want = src[(iy*g.W+ix)*g.C+c]
							}
							if got := dst[(p-p0)*k+(ky*g.KW+kx)*g.C+c]; got != want {
								t.Fatalf("geom %d pixel %d tap (%d,%d,%d): %v, want %v", gi, p, ky, kx, c, got, want)
							}
						}
					}
				}
			}
			for i := (p1 - p0) * k; i < len(dst); i++ {
				if dst[i] != 99 {
					t.Fatalf("geom %d: guard band overwritten at %d", gi, i)
				}
			}
		}
	}
}

// TestCol2imAdjoint checks <Im2col(x), y> == <x, Col2im(y)>.
func TestCol2imAdjoint(t *testing.T) { forEachTier(t, testCol2imAdjoint) }

func testCol2imAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for gi, g := range convGeoms {
		x := convRandSlice(r, g.H*g.W*g.C)
		y := convRandSlice(r, g.Pixels()*g.PatchLen())
		cols := make([]float32, len(y))
		Im2col(cols, x, &g, 0, g.Pixels())
		img := make([]float32, len(x))
		Col2im(img, y, &g, 0, g.Pixels())
		var a, b float64
		for i := range y {
			a += float64(cols[i]) * float64(y[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(img[i])
		}
		if d := a - b; d > 1e-4 || d < -1e-4 {
			t.Errorf("geom %d: <im2col x, y> = %v, <x, col2im y> = %v", gi, a, b)
		}
	}
}

// TestCol2imNaive compares Col2im bit for bit with float32 accumulation in
// pixel order (its documented order), on partial pixel ranges, into a
// non-zero image.
func TestCol2imNaive(t *testing.T) { forEachTier(t, testCol2imNaive) }

func testCol2imNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for gi, g := range convGeoms {
		k := g.PatchLen()
		for _, pr := range [][2]int{{0, g.Pixels()}, {1, g.Pixels() - 1}} {
			p0, p1 := pr[0], pr[1]
			src := convRandSlice(r, (p1-p0)*k)
			got := convRandSlice(r, g.H*g.W*g.C)
			want := append([]float32(nil), got...)
			Col2im(got, src, &g, p0, p1)
			for p := p0; p < p1; p++ {
				oy, ox := p/g.OW, p%g.OW
				for ky := 0; ky < g.KH; ky++ {
					for kx := 0; kx < g.KW; kx++ {
						iy, ix := oy*g.SH-g.PadT+ky*g.DH, ox*g.SW-g.PadL+kx*g.DW
						if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
							continue
						}
						for c := 0; c < g.C; c++ {
							want[(iy*g.W+ix)*g.C+c] += src[(p-p0)*k+(ky*g.KW+kx)*g.C+c]
						}
					}
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("geom %d range %v: element %d = %v, want %v", gi, pr, i, got[i], want[i])
				}
			}
		}
	}
}

func TestBiasActSumRows(t *testing.T) { forEachTier(t, testBiasActSumRows) }

func testBiasActSumRows(t *testing.T) {
	d := []float32{-1, 2, 3, -4, 9}
	BiasAct(d[:4], []float32{1, -3}, 2, 2, true)
	want := []float32{0, 0, 4, 0, 9}
	for i := range want {
		if d[i] != want[i] {
			t.Fatalf("BiasAct: %v, want %v", d, want)
		}
	}
	s := []float32{1, 1}
	SumRows(s, []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	if s[0] != 10 || s[1] != 13 {
		t.Fatalf("SumRows: %v", s)
	}
}

// BenchmarkIm2colMNISTConv2 builds the patch matrix of one 13×13×32 image
// for a 3×3 valid convolution (the MNIST CNN's second layer).
func BenchmarkIm2colMNISTConv2(b *testing.B) {
	g := ConvGeom{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11}
	src := convRandSlice(rand.New(rand.NewPCG(1, 2)), g.H*g.W*g.C)
	dst := make([]float32, g.Pixels()*g.PatchLen())
	for b.Loop() {
		Im2col(dst, src, &g, 0, g.Pixels())
	}
}

// BenchmarkCol2imMNISTConv2 is Col2im for BenchmarkIm2colMNISTConv2's
// geometry.
func BenchmarkCol2imMNISTConv2(b *testing.B) {
	g := ConvGeom{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11}
	src := convRandSlice(rand.New(rand.NewPCG(1, 2)), g.Pixels()*g.PatchLen())
	dst := make([]float32, g.H*g.W*g.C)
	for b.Loop() {
		Col2im(dst, src, &g, 0, g.Pixels())
	}
}
