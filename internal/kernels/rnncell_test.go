package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulpDiff returns the distance in float32 ulps between a and b.
func ulpDiff(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0x80000000 != (ib < 0x80000000) {
		return int64(math.Abs(float64(a-b)) / 1e-45) // straddles zero
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return d
}

func checkUnary32(t *testing.T, name string, f func(float32) float32, ref func(float64) float64, maxULP int64, absTol float64) {
	t.Helper()
	worst := int64(0)
	for x := float32(-30); x <= 30; x += 0.000731 {
		got, want := f(x), float32(ref(float64(x)))
		if d := ulpDiff(got, want); d > maxULP && math.Abs(float64(got-want)) > absTol {
			t.Fatalf("%s(%g) = %g, want %g (%d ulp)", name, x, got, want, d)
		} else if d > worst && math.Abs(float64(want)) > 1e-30 {
			worst = d
		}
	}
	specials := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-6, 88, -88, 100, -100, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, x := range specials {
		got, want := f(x), float32(ref(float64(x)))
		if d := ulpDiff(got, want); d > maxULP && math.Abs(float64(got-want)) > absTol {
			t.Errorf("%s(%g) = %g, want %g", name, x, got, want)
		}
	}
	if v := f(float32(math.NaN())); v == v {
		t.Errorf("%s(NaN) = %g", name, v)
	}
	t.Logf("%s: worst %d ulp", name, worst)
}

func TestSigmoid32Accuracy(t *testing.T) {
	checkUnary32(t, "Sigmoid32", Sigmoid32, sigmoid64, 4, 1e-38)
}

func TestTanh32Accuracy(t *testing.T) {
	checkUnary32(t, "Tanh32", Tanh32, math.Tanh, 6, 0)
}

// TestLSTMCellKernels compares the fused kernels with a float64 reference.
func TestLSTMCellKernels(t *testing.T) { forEachTier(t, testLSTMCellKernels) }

func testLSTMCellKernels(t *testing.T) {
	const n, h = 3, 5
	rnd := func(k int, seed float64) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = float32(2 * math.Sin(seed*float64(i+1)*1.37))
		}
		return v
	}
	xz, hz, c := rnd(n*4*h, 1), rnd(n*4*h, 2), rnd(n*h, 3)
	dh, dcIn := rnd(n*h, 4), rnd(n*h, 5)
	hn, cn, tc := make([]float32, n*h), make([]float32, n*h), make([]float32, n*h)
	act := make([]float32, n*4*h)
	LSTMCellForward(hn, cn, act, tc, xz, hz, c, n, h)
	dz, dcn, dc := make([]float32, n*4*h), make([]float32, n*h), make([]float32, n*h)
	LSTMCellBackwardH(dz, dcn, dh, act, tc, n, h)
	for i := range dcn {
		dcn[i] += dcIn[i]
	}
	LSTMCellBackwardC(dz, dc, dcn, act, c, n, h)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	near := func(what string, got float32, want float64) {
		if math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("%s = %g, want %g", what, got, want)
		}
	}
	for r := range n {
		for j := range h {
			z := func(b int) float64 { return float64(xz[r*4*h+b*h+j]) + float64(hz[r*4*h+b*h+j]) }
			i, f, g, o := sig(z(0)), sig(z(1)), math.Tanh(z(2)), sig(z(3))
			cp := float64(c[r*h+j])
			cv := f*cp + i*g
			tv := math.Tanh(cv)
			near("c", cn[r*h+j], cv)
			near("h", hn[r*h+j], o*tv)
			gh, gcIn := float64(dh[r*h+j]), float64(dcIn[r*h+j])
			gc := gh*o*(1-tv*tv) + gcIn
			near("dc", dc[r*h+j], gc*f)
			near("dz_i", dz[r*4*h+j], gc*g*i*(1-i))
			near("dz_f", dz[r*4*h+h+j], gc*cp*f*(1-f))
			near("dz_g", dz[r*4*h+2*h+j], gc*i*(1-g*g))
			near("dz_o", dz[r*4*h+3*h+j], gh*tv*o*(1-o))
		}
	}
}

// TestSigmoidTanhSlices checks the slice forms (AVX-512 where available,
// with every tail length) against float64 and the scalar Sigmoid32/Tanh32.
func TestSigmoidTanhSlices(t *testing.T) { forEachTier(t, testSigmoidTanhSlices) }

func testSigmoidTanhSlices(t *testing.T) {
	var xs []float32
	for x := float32(-30); x <= 30; x += 0.00937 {
		xs = append(xs, x)
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-6, -3e-4, 0.2499, 0.25, 88, -88, 89, -89,
		100, -100, 1e30, -1e30, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	for _, c := range []struct {
		name   string
		slice  func(dst, x []float32)
		ref    func(float64) float64
		ulp    int64
		absTol float64
	}{
		{"sigmoid", sigmoidSlice, sigmoid64, 4, 1e-38},
		{"tanh", tanhSlice, math.Tanh, 6, 0},
	} {
		for n := range 40 { // every tail length, plus full vectors
			dst := make([]float32, n)
			c.slice(dst, xs[len(xs)-n:])
			for i, v := range dst {
				x := xs[len(xs)-n+i]
				want := float32(c.ref(float64(x)))
				if x != x {
					if v == v {
						t.Errorf("%s(NaN) = %g", c.name, v)
					}
					continue
				}
				if d := ulpDiff(v, want); d > c.ulp && math.Abs(float64(v-want)) > c.absTol {
					t.Errorf("%s(%g) = %g, want %g (%d ulp, n=%d)", c.name, x, v, want, d, n)
				}
			}
		}
		buf := append([]float32(nil), xs...)
		c.slice(buf, buf) // in place, long
		for i, v := range buf {
			x := xs[i]
			want := float32(c.ref(float64(x)))
			if x == x && ulpDiff(v, want) > c.ulp && math.Abs(float64(v-want)) > c.absTol {
				t.Fatalf("%s(%g) in place = %g, want %g", c.name, x, v, want)
			}
		}
	}
}

// TestLSTMCellBackwardFused checks LSTMCellBackward against the three
// calls it fuses (LSTMCellBackwardH, AddVV, LSTMCellBackwardC), bit for
// bit, on odd sizes, with guard cells past every output and with dc
// aliasing dcIn.
func TestLSTMCellBackwardFused(t *testing.T) { forEachTier(t, testLSTMCellBackwardFused) }

func testLSTMCellBackwardFused(t *testing.T) {
	const guard = 5
	for _, s := range [][2]int{{1, 1}, {3, 5}, {2, 17}, {7, 33}, {4, 128}} {
		n, h := s[0], s[1]
		r := rand.New(rand.NewPCG(uint64(n), uint64(h)))
		act, tc, c := randSlice(r, n*4*h), randSlice(r, n*h), randSlice(r, n*h)
		for i := range act {
			act[i] = (act[i] + 1) / 2 // gates in [0, 1]
		}
		dh, dcIn := randSlice(r, n*h), randSlice(r, n*h)
		guarded := func(k int) []float32 {
			v := make([]float32, k+guard)
			for i := range v {
				v[i] = sentinel
			}
			return v
		}
		wantDz, wantDc, dcn := guarded(n*4*h), guarded(n*h), make([]float32, n*h)
		LSTMCellBackwardH(wantDz, dcn, dh, act, tc, n, h)
		AddVV(dcn, dcn, dcIn)
		LSTMCellBackwardC(wantDz, wantDc, dcn, act, c, n, h)
		dz, dc := guarded(n*4*h), guarded(n*h)
		LSTMCellBackward(dz, dc, dh, dcIn, act, tc, c, n, h)
		alias := guarded(n * h)
		copy(alias, dcIn)
		dz2 := guarded(n * 4 * h)
		LSTMCellBackward(dz2, alias, dh, alias, act, tc, c, n, h)
		for name, got := range map[string][2][]float32{"dz": {dz, wantDz}, "dc": {dc, wantDc}, "dz (aliased dc)": {dz2, wantDz}, "dc (aliased)": {alias, wantDc}} {
			for i := range got[1] {
				if math.Float32bits(got[0][i]) != math.Float32bits(got[1][i]) {
					t.Fatalf("n=%d h=%d: %s[%d] = %v, want %v", n, h, name, i, got[0][i], got[1][i])
				}
			}
		}
	}
}
