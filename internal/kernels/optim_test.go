package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The update kernels are compared with float64 scalar references on odd
// sizes, with guard elements after each slice that must stay untouched.

func optRandSlice(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

const guard = 3

// withGuard returns a copy of s with guard sentinel values appended, and the
// slice of it that a kernel may touch.
func withGuard(s []float32) (full, view []float32) {
	full = append(append([]float32(nil), s...), 7, 7, 7)
	return full, full[:len(s)]
}

func checkGuard(t *testing.T, name string, full []float32) {
	t.Helper()
	for _, v := range full[len(full)-guard:] {
		if v != 7 {
			t.Fatalf("%s: wrote past the end", name)
		}
	}
}

func near(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %g, want %g", name, i, got[i], want[i])
		}
	}
}

func f64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

func TestOptimKernels(t *testing.T) { forEachTier(t, testOptimKernels) }

func testOptimKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 33, 130} {
		p0, g := optRandSlice(r, n, -1, 1), optRandSlice(r, n, -2, 2)
		m0, v0, s0 := optRandSlice(r, n, -1, 1), optRandSlice(r, n, 0, 1), optRandSlice(r, n, 0, 1)

		// SGD
		pf, p := withGuard(p0)
		SGDUpdate(p, g, 0.3)
		want := f64(p0)
		for i := range want {
			want[i] -= 0.3 * float64(g[i])
		}
		near(t, "SGD", p, want)
		checkGuard(t, "SGD", pf)

		// Momentum, plain and Nesterov
		for _, nest := range []bool{false, true} {
			pf, p := withGuard(p0)
			mf, m := withGuard(m0)
			MomentumUpdate(p, g, m, 0.1, 0.9, nest)
			wp, wm := f64(p0), f64(m0)
			for i := range wp {
				wm[i] = 0.9*wm[i] - 0.1*float64(g[i])
				if nest {
					wp[i] += 0.9*wm[i] - 0.1*float64(g[i])
				} else {
					wp[i] += wm[i]
				}
			}
			near(t, "Momentum p", p, wp)
			near(t, "Momentum m", m, wm)
			checkGuard(t, "Momentum p", pf)
			checkGuard(t, "Momentum m", mf)
		}

		// Adam and AMSGrad
		for _, ams := range []bool{false, true} {
			pf, p := withGuard(p0)
			_, m := withGuard(m0)
			_, v := withGuard(v0)
			vf, vh := withGuard(s0)
			if ams {
				AMSGradUpdate(p, g, m, v, vh, 0.01, 0.9, 0.99, 1e-3)
			} else {
				AdamUpdate(p, g, m, v, 0.01, 0.9, 0.99, 1e-3)
			}
			wp, wm, wv, wh := f64(p0), f64(m0), f64(v0), f64(s0)
			for i := range wp {
				gi := float64(g[i])
				wm[i] += (gi - wm[i]) * 0.1
				wv[i] += (gi*gi - wv[i]) * float64(float32(1-0.99))
				d := wv[i]
				if ams {
					wh[i] = math.Max(wh[i], wv[i])
					d = wh[i]
				}
				wp[i] -= 0.01 * wm[i] / (math.Sqrt(d) + 1e-3)
			}
			near(t, "Adam p", p, wp)
			near(t, "Adam m", m, wm)
			near(t, "Adam v", v, wv)
			if ams {
				near(t, "AMSGrad vhat", vh, wh)
			}
			checkGuard(t, "Adam p", pf)
			checkGuard(t, "AMSGrad vhat", vf)
		}

		// RMSprop: all four variants
		for _, mode := range []struct{ mom, cen bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			pf, p := withGuard(p0)
			_, v := withGuard(s0)
			var mom, avg []float32
			if mode.mom {
				_, mom = withGuard(m0)
			}
			if mode.cen {
				_, avg = withGuard(m0)
				for i := range avg {
					avg[i] *= 0.1 // keep v - avg² + eps positive
				}
			}
			avg0 := append([]float32(nil), avg...)
			RMSpropUpdate(p, g, v, mom, avg, 0.01, 0.9, 0.5, 1e-2)
			wp, wv := f64(p0), f64(s0)
			for i := range wp {
				gi := float64(g[i])
				wv[i] = 0.9*wv[i] + float64(float32(1-0.9))*gi*gi
				den := wv[i] + 1e-2
				if mode.cen {
					a := 0.9*float64(avg0[i]) + float64(float32(1-0.9))*gi
					den -= a * a
				}
				inc := 0.01 * gi / math.Sqrt(den)
				if mode.mom {
					inc += 0.5 * float64(m0[i])
				}
				wp[i] -= inc
			}
			near(t, "RMSprop p", p, wp)
			near(t, "RMSprop v", v, wv)
			checkGuard(t, "RMSprop p", pf)
		}

		// Adagrad
		pf, p = withGuard(p0)
		_, acc := withGuard(s0)
		AdagradUpdate(p, g, acc, 0.1, 1e-7)
		wp := f64(p0)
		for i := range wp {
			a := float64(s0[i]) + float64(g[i])*float64(g[i])
			wp[i] -= 0.1 * float64(g[i]) / math.Sqrt(a+1e-7)
		}
		near(t, "Adagrad", p, wp)
		checkGuard(t, "Adagrad", pf)

		// Helpers
		var ss float64
		for _, x := range g {
			ss += float64(x) * float64(x)
		}
		if got := SumSquares(g); math.Abs(got-ss) > 1e-9*math.Max(1, ss) {
			t.Fatalf("SumSquares = %g, want %g", got, ss)
		}
		df, d := withGuard(make([]float32, n))
		ClipTo(d, g, -0.5, 0.5)
		ScaleInPlace(d, 2)
		for i, x := range g {
			if want := 2 * math.Min(math.Max(float64(x), -0.5), 0.5); float64(d[i]) != want {
				t.Fatalf("ClipTo/ScaleInPlace[%d] = %g, want %g", i, d[i], want)
			}
		}
		checkGuard(t, "ClipTo", df)
		ScaleTo(d, g, -1)
		for i, x := range g {
			if d[i] != -x {
				t.Fatalf("ScaleTo")
			}
		}
	}
}

// TestOptimSIMDMatchesRef checks that each tier's SGD, momentum, Adagrad
// and RMSprop updates (NEON on arm64; the references elsewhere) give their
// references' bits, on sizes around the 4-lane vectors, with guard cells.
func TestOptimSIMDMatchesRef(t *testing.T) { forEachTier(t, testOptimSIMDMatchesRef) }

func testOptimSIMDMatchesRef(t *testing.T) {
	const lr, mu, eps = 0.03, 0.9, 1e-3
	rho := float32(0.9)
	for _, n := range []int{1, 3, 4, 5, 17, 64, 131} {
		r := rand.New(rand.NewPCG(uint64(n), 9))
		g := optRandSlice(r, n, -2, 2)
		p0, m0, v0 := optRandSlice(r, n, -1, 1), optRandSlice(r, n, -1, 1), optRandSlice(r, n, 0, 1)
		for _, c := range []struct {
			name     string
			fast, rf func(p, m, v []float32)
		}{
			{"SGD", func(p, m, v []float32) { SGDUpdate(p, g, lr) }, func(p, m, v []float32) { sgdRef(p, g, lr) }},
			{"Momentum", func(p, m, v []float32) { MomentumUpdate(p, g, m, lr, mu, false) }, func(p, m, v []float32) { momentumRef(p, g, m, lr, mu, false) }},
			{"Nesterov", func(p, m, v []float32) { MomentumUpdate(p, g, m, lr, mu, true) }, func(p, m, v []float32) { momentumRef(p, g, m, lr, mu, true) }},
			{"Adagrad", func(p, m, v []float32) { AdagradUpdate(p, g, v, lr, eps) }, func(p, m, v []float32) { adagradRef(p, g, v, lr, eps) }},
			{"RMSprop", func(p, m, v []float32) { RMSpropUpdate(p, g, v, nil, nil, lr, rho, mu, eps) }, func(p, m, v []float32) { rmspropRef(p, g, v, nil, lr, rho, 1-rho, mu, eps) }},
			{"RMSprop momentum", func(p, m, v []float32) { RMSpropUpdate(p, g, v, m, nil, lr, rho, mu, eps) }, func(p, m, v []float32) { rmspropRef(p, g, v, m, lr, rho, 1-rho, mu, eps) }},
		} {
			var got, want [3][]float32
			for i, s := range [][]float32{p0, m0, v0} {
				got[i], _ = withGuard(s)
				want[i], _ = withGuard(s)
			}
			for step := 0; step < 2; step++ { // the second step reads updated slots
				c.fast(got[0][:n], got[1][:n], got[2][:n])
				c.rf(want[0][:n], want[1][:n], want[2][:n])
			}
			for i, name := range []string{"p", "slot m", "slot v"} {
				checkGuard(t, c.name+" "+name, got[i])
				for j := range n {
					if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
						t.Fatalf("n=%d %s %s[%d] = %v, reference %v", n, c.name, name, j, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}
