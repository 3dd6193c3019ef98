package kernels

import (
	"math/rand/v2"
	"testing"
)

func TestMaxPool2DArgmaxAndBackward(t *testing.T) { forEachTier(t, testMaxPool2DArgmaxAndBackward) }

func testMaxPool2DArgmaxAndBackward(t *testing.T) {
	// 3x3x1 image, 2x2 window, stride 2, 'same' padding (bottom/right).
	g := ConvGeom{H: 3, W: 3, C: 1, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 2, OW: 2}
	src := []float32{
		1, 5, 2,
		4, 4, 7,
		9, 0, -3,
	}
	dst := make([]float32, 4)
	am := make([]int32, 4)
	MaxPool2D(dst, am, src, &g)
	wantV := []float32{5, 7, 9, -3}
	wantI := []int32{1, 5, 6, 8}
	for i := range wantV {
		if dst[i] != wantV[i] || am[i] != wantI[i] {
			t.Fatalf("got %v %v, want %v %v", dst, am, wantV, wantI)
		}
	}
	dx := make([]float32, 9)
	MaxPool2DBackward(dx, []float32{1, 2, 3, 4}, am)
	wantDx := []float32{0, 1, 0, 0, 0, 2, 3, 0, 4}
	for i := range wantDx {
		if dx[i] != wantDx[i] {
			t.Fatalf("backward %v, want %v", dx, wantDx)
		}
	}
}

// TestAvgPool2DAdjoint checks <AvgPool(x), y> == <x, AvgPoolBackward(y)>
// on padded, strided geometries.
func TestAvgPool2DAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	geoms := []ConvGeom{
		{H: 5, W: 5, C: 2, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 3, OW: 3},
		{H: 6, W: 5, C: 3, KH: 3, KW: 3, SH: 1, SW: 2, DH: 1, DW: 1, PadT: 1, PadL: 1, OH: 6, OW: 3},
	}
	for gi, g := range geoms {
		x := convRandSlice(r, g.H*g.W*g.C)
		y := convRandSlice(r, g.OH*g.OW*g.C)
		out := make([]float32, len(y))
		AvgPool2D(out, x, &g)
		dx := make([]float32, len(x))
		AvgPool2DBackward(dx, y, &g)
		var a, b float64
		for i := range y {
			a += float64(out[i]) * float64(y[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(dx[i])
		}
		if d := a - b; d > 1e-5 || d < -1e-5 {
			t.Errorf("geom %d: %v vs %v", gi, a, b)
		}
	}
}
