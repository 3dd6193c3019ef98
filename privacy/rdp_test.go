package privacy

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// rdpGolden is privacy/testdata/rdp_golden.json, written by gen_rdp.py
// (mpmath quadrature of the Rényi divergence, independent of rdp.go).
type rdpGolden struct {
	RDP []struct {
		Q, Sigma, Alpha, RDP float64
	}
	Tutorial []struct {
		Sigma                     float64
		Epochs, Steps             int
		Published, Epsilon, Order float64
	}
}

func loadRDPGolden(t *testing.T) rdpGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/rdp_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g rdpGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.RDP) == 0 || len(g.Tutorial) != 3 {
		t.Fatal("rdp_golden.json: missing cases")
	}
	return g
}

// TestRDPGolden checks RDP, integer and fractional orders, against the
// quadrature values.
func TestRDPGolden(t *testing.T) {
	for _, c := range loadRDPGolden(t).RDP {
		got := RDP(c.Q, c.Sigma, c.Alpha)
		if math.Abs(got-c.RDP) > 1e-9*math.Abs(c.RDP) {
			t.Errorf("RDP(q=%v, σ=%v, α=%v) = %.12g, quadrature %.12g", c.Q, c.Sigma, c.Alpha, got, c.RDP)
		}
	}
}

// TestTFPrivacyTutorial reproduces the table of TF-Privacy's MNIST DP-SGD
// tutorial (tutorials/README.md, δ = 1e-5, batch 256 of 60000) the way the
// tutorial computed it: steps = epochs·⌊60000/256⌋, TutorialOrders, and
// ε = min_α steps·RDP(α) + log(1/δ)/(α−1). tensile matches the quadrature
// goldens to 1e-6; rounded to two decimals these give the table's 2.92
// and 1.20. The table's middle row says 9.74, but the tutorial's own
// computation gives 9.7469 (this was checked against TF-Privacy's
// accountant at the table's commit), which rounds to 9.75: that row is
// held to 0.01 of the published figure.
func TestTFPrivacyTutorial(t *testing.T) {
	for _, c := range loadRDPGolden(t).Tutorial {
		steps := TutorialSteps(c.Epochs, 60000, 256)
		if steps != c.Steps {
			t.Fatalf("σ=%v: steps %d, golden %d", c.Sigma, steps, c.Steps)
		}
		eps, order, err := EpsilonOrders(Params{256.0 / 60000, c.Sigma, steps}, 1e-5, TutorialOrders)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(eps-c.Epsilon) > 1e-6*c.Epsilon || order != c.Order {
			t.Errorf("σ=%v, %d epochs: ε=%.7f at α=%v, quadrature %.7f at α=%v", c.Sigma, c.Epochs, eps, order, c.Epsilon, c.Order)
		}
		rounded := math.Round(eps*100) / 100
		if c.Published != 9.74 && rounded != c.Published {
			t.Errorf("σ=%v, %d epochs: ε=%.4f rounds to %.2f, TF-Privacy published %.2f", c.Sigma, c.Epochs, eps, rounded, c.Published)
		}
		if math.Abs(eps-c.Published) > 0.01 {
			t.Errorf("σ=%v, %d epochs: ε=%.4f, TF-Privacy published %.2f", c.Sigma, c.Epochs, eps, c.Published)
		}
		// DefaultOrders contain TutorialOrders: never a larger ε.
		if e2, _, _ := Epsilon(Params{256.0 / 60000, c.Sigma, steps}, 1e-5); e2 > eps {
			t.Errorf("σ=%v: DefaultOrders ε %v > TutorialOrders ε %v", c.Sigma, e2, eps)
		}
	}
}

// TestRDPFracMatchesInt checks the fractional-order series against the
// exact integer-order sum at integer α (the two formulas must agree), and
// against the closed form at q = 1.
func TestRDPFracMatchesInt(t *testing.T) {
	for _, c := range []struct{ q, s float64 }{{0.01, 1.1}, {0.1, 2}, {0.004, 0.7}, {0.5, 4}} {
		for _, a := range []int{2, 3, 7, 20} {
			i := logAInt(c.q, c.s, a) / float64(a-1)
			f := logAFrac(c.q, c.s, float64(a)) / float64(a-1)
			if math.Abs(i-f) > 1e-9*math.Max(1, math.Abs(i)) {
				t.Errorf("q=%v σ=%v α=%d: int %v frac %v", c.q, c.s, a, i, f)
			}
		}
	}
	if got, want := RDP(1, 2, 3.5), 3.5/8; math.Abs(got-want) > 1e-12 {
		t.Errorf("q=1: %v want %v", got, want)
	}
}

// TestRDPMonotone checks that RDP grows with α and with q, and falls with σ.
func TestRDPMonotone(t *testing.T) {
	prev := 0.0
	for _, a := range DefaultOrders {
		r := RDP(0.01, 1.0, a)
		if !(r >= prev) || math.IsNaN(r) {
			t.Fatalf("α=%v: RDP %v < previous %v", a, r, prev)
		}
		prev = r
	}
	if RDP(0.02, 1, 5) <= RDP(0.01, 1, 5) || RDP(0.01, 2, 5) >= RDP(0.01, 1, 5) {
		t.Error("RDP not monotone in q or σ")
	}
}

func TestNoiseMultiplierInverse(t *testing.T) {
	p := Params{SamplingRate: 256.0 / 60000, Steps: 14063}
	s, err := NoiseMultiplier(p, 1e-5, 2.92)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s-1.12) > 0.01 {
		t.Errorf("σ for ε=2.92: %v, want ≈1.12", s)
	}
	p.NoiseMultiplier = s
	e, _, _ := Epsilon(p, 1e-5)
	if e > 2.92 {
		t.Errorf("ε(σ*) = %v > target", e)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		p     Params
		delta float64
	}{
		{Params{0, 1, 10}, 1e-5},
		{Params{1.5, 1, 10}, 1e-5},
		{Params{0.1, -1, 10}, 1e-5},
		{Params{0.1, math.NaN(), 10}, 1e-5},
		{Params{0.1, 1, -1}, 1e-5},
		{Params{0.1, 1, 10}, 0},
		{Params{0.1, 1, 10}, 1},
	} {
		if _, _, err := Epsilon(c.p, c.delta); err == nil {
			t.Errorf("%+v δ=%v: no error", c.p, c.delta)
		}
	}
	for _, o := range [][]float64{nil, {2, 1}, {0.5}, {math.Inf(1)}, {math.NaN()}} {
		if _, _, err := EpsilonOrders(Params{0.1, 1, 10}, 1e-5, o); err == nil {
			t.Errorf("orders %v: no error", o)
		}
	}
	if _, err := NoiseMultiplier(Params{SamplingRate: 0.1, Steps: 10}, 1e-5, 0); err == nil {
		t.Error("target ε 0: no error")
	}
}

func ExampleEpsilon() {
	eps, _, _ := Epsilon(Params{SamplingRate: 256.0 / 60000, NoiseMultiplier: 1.1, Steps: 14063}, 1e-5)
	fmt.Printf("epsilon=%.2f\n", eps)
	// Output: epsilon=3.01
}
