package rl

import (
	"math"
	"testing"
)

// refCartPole is an independent float64 step of CartPole written from the
// published equations (Barto, Sutton & Anderson 1983 with Florian's 2007
// correction, frictionless), in their textbook form rather than Gymnasium's
// temp/thetaacc/xacc factoring.
func refCartPole(s [4]float64, a int) [4]float64 {
	g, mc, m, l, tau := 9.8, 1.0, 0.1, 0.5, 0.02
	F := 10.0
	if a == 0 {
		F = -10
	}
	x, xd, th, thd := s[0], s[1], s[2], s[3]
	thdd := (g*math.Sin(th) + math.Cos(th)*(-F-m*l*thd*thd*math.Sin(th))/(mc+m)) /
		(l * (4.0/3.0 - m*math.Cos(th)*math.Cos(th)/(mc+m)))
	xdd := (F + m*l*(thd*thd*math.Sin(th)-thdd*math.Cos(th))) / (mc + m)
	return [4]float64{x + tau*xd, xd + tau*xdd, th + tau*thd, thd + tau*thdd}
}

func TestCartPoleHandComputedStep(t *testing.T) {
	c := NewCartPole()
	c.Reset(0)
	c.State = [4]float64{}
	obs, r, term, trunc := c.Step(1)
	// From rest, pushing right: ẍ = 4400/451, θ̈ = -600/41 (exact fractions).
	want := []float64{0, 0.02 * 4400.0 / 451, 0, -0.02 * 600.0 / 41}
	for i := range want {
		if math.Abs(obs[i]-want[i]) > 1e-12 {
			t.Fatalf("obs[%d] = %v, want %v", i, obs[i], want[i])
		}
	}
	if r != 1 || term || trunc {
		t.Fatalf("r=%v term=%v trunc=%v", r, term, trunc)
	}
}

func TestCartPoleTrajectoryMatchesReference(t *testing.T) {
	tests := []struct {
		name   string
		policy func(i int, s [4]float64) int
	}{
		{"always-left", func(int, [4]float64) int { return 0 }},
		{"always-right", func(int, [4]float64) int { return 1 }},
		{"alternate", func(i int, _ [4]float64) int { return i % 2 }},
		{"balance", func(_ int, s [4]float64) int { // a PD controller that holds the pole up
			if s[2]+0.5*s[3]+0.01*s[0]+0.1*s[1] > 0 {
				return 1
			}
			return 0
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCartPole()
			obs := c.Reset(7)
			ref := [4]float64(obs)
			for i, v := range ref {
				if math.Abs(v) > 0.05 {
					t.Fatalf("initial state %d = %v outside ±0.05", i, v)
				}
			}
			for i := 0; ; i++ {
				a := tc.policy(i, ref)
				obs, r, term, trunc := c.Step(a)
				ref = refCartPole(ref, a)
				for k := range ref {
					if math.Abs(obs[k]-ref[k]) > 1e-12*math.Max(1, math.Abs(ref[k])) {
						t.Fatalf("step %d: obs %v, reference %v", i+1, obs, ref)
					}
				}
				// Continue from the environment's state: the two algebraic forms
				// round differently, and a balanced pole amplifies rounding.
				ref = [4]float64(obs)
				wantTerm := math.Abs(ref[0]) > 2.4 || math.Abs(ref[2]) > 12*math.Pi/180
				if term != wantTerm || trunc != (i+1 >= 500) || r != 1 {
					t.Fatalf("step %d: term=%v trunc=%v r=%v, want term=%v trunc=%v", i+1, term, trunc, r, wantTerm, i+1 >= 500)
				}
				if term || trunc {
					if tc.name == "balance" && (!trunc || i+1 != 500) {
						t.Fatalf("balancing controller stopped at step %d (trunc=%v)", i+1, trunc)
					}
					return
				}
			}
		})
	}
}

func TestCartPoleSeedsAndErrors(t *testing.T) {
	a, b := NewCartPole(), NewCartPole()
	if oa, ob := a.Reset(3), b.Reset(3); [4]float64(oa) != [4]float64(ob) {
		t.Fatal("same seed, different initial states")
	}
	if oa, ob := a.Reset(NoSeed), b.Reset(4); [4]float64(oa) == [4]float64(ob) {
		t.Fatal("NoSeed did not continue the stream")
	}
	for _, f := range []func(){
		func() { a.Step(2) },
		func() { c := NewCartPole(); c.Step(0) }, // before Reset
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// refAcrobotDeriv solves the Acrobot's 2×2 equations of motion M q̈ = f
// (Sutton & Barto's book form) by Cramer's rule, independently of the
// eliminated form the environment uses.
func refAcrobotDeriv(s [4]float64, tq float64) [4]float64 {
	m1, m2, l1, lc1, lc2, i1, i2, g := 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 9.8
	t1, t2, d1, d2 := s[0], s[1], s[2], s[3]
	M11 := m1*lc1*lc1 + m2*(l1*l1+lc2*lc2+2*l1*lc2*math.Cos(t2)) + i1 + i2
	M12 := m2*(lc2*lc2+l1*lc2*math.Cos(t2)) + i2
	M22 := m2*lc2*lc2 + i2
	phi2 := m2 * lc2 * g * math.Sin(t1+t2) // cos(x - π/2) = sin x
	phi1 := -m2*l1*lc2*d2*d2*math.Sin(t2) - 2*m2*l1*lc2*d2*d1*math.Sin(t2) + (m1*lc1+m2*l1)*g*math.Sin(t1) + phi2
	f1 := -phi1
	f2 := tq - m2*l1*lc2*d1*d1*math.Sin(t2) - phi2
	det := M11*M22 - M12*M12
	return [4]float64{d1, d2, (f1*M22 - M12*f2) / det, (M11*f2 - M12*f1) / det}
}

func TestAcrobotTrajectoryMatchesReference(t *testing.T) {
	e := NewAcrobot()
	e.Reset(11)
	s := e.State
	for i := 0; i < 500; i++ {
		a := (i / 7) % 3
		obs, r, term, trunc := e.Step(a)
		// Reference RK4 with dt = 0.2, then wrapping and velocity bounds.
		h := 0.2
		f := func(y [4]float64) [4]float64 { return refAcrobotDeriv(y, float64(a-1)) }
		lin := func(y, k [4]float64, c float64) [4]float64 {
			return [4]float64{y[0] + c*k[0], y[1] + c*k[1], y[2] + c*k[2], y[3] + c*k[3]}
		}
		k1 := f(s)
		k2 := f(lin(s, k1, h/2))
		k3 := f(lin(s, k2, h/2))
		k4 := f(lin(s, k3, h))
		for j := range s {
			s[j] += h / 6 * (k1[j] + 2*k2[j] + 2*k3[j] + k4[j])
		}
		s[0] = math.Remainder(s[0], 2*math.Pi)
		s[1] = math.Remainder(s[1], 2*math.Pi)
		s[2] = math.Max(-4*math.Pi, math.Min(4*math.Pi, s[2]))
		s[3] = math.Max(-9*math.Pi, math.Min(9*math.Pi, s[3]))
		want := []float64{math.Cos(s[0]), math.Sin(s[0]), math.Cos(s[1]), math.Sin(s[1]), s[2], s[3]}
		for k := range want {
			if math.Abs(obs[k]-want[k]) > 1e-8*math.Max(1, math.Abs(want[k])) {
				t.Fatalf("step %d: obs %v, reference %v", i+1, obs, want)
			}
		}
		wantTerm := -math.Cos(s[0])-math.Cos(s[0]+s[1]) > 1
		wantR := -1.0
		if wantTerm {
			wantR = 0
		}
		if term != wantTerm || r != wantR || trunc != (i+1 == 500) {
			t.Fatalf("step %d: term=%v r=%v trunc=%v", i+1, term, r, trunc)
		}
		if term || trunc {
			return
		}
		s = e.State // continue from the same state to avoid drift through wrapping
	}
}

func TestVecAutoReset(t *testing.T) {
	v := NewVec(func() Env { return NewCartPole() }, 3, 5)
	ended := 0
	for i := 0; i < 200; i++ {
		_, term, trunc := v.Step([]int{0, 1, i % 2})
		for k := range term {
			if term[k] || trunc[k] {
				ended++
				if v.Final[k] == nil || math.Abs(v.Obs[k][0]) > 0.05 {
					t.Fatalf("copy %d: no final observation or no reset", k)
				}
			}
		}
	}
	if ended < 3 {
		t.Fatalf("only %d episodes ended under constant pushes", ended)
	}
}
