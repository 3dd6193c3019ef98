package privacy

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultOrders are the Rényi orders the accountant evaluates: 1.1, 1.2, …,
// 10.9, the integers 11 … 64 and 128, 256, 512: TutorialOrders plus 11 and
// a few larger orders for small ε.
var DefaultOrders = func() []float64 {
	o := append(slices.Clone(TutorialOrders), 11, 64, 128, 256, 512)
	slices.Sort(o)
	return o
}()

// TutorialOrders are the orders of TF-Privacy's MNIST tutorial
// (tutorials/mnist_dpsgd_tutorial.py, compute_epsilon): 1.1, 1.2, …, 10.9
// and 12 … 63 (no 11).
var TutorialOrders = func() []float64 {
	var o []float64
	for x := 1; x < 100; x++ {
		o = append(o, 1+float64(x)/10)
	}
	for a := 12; a < 64; a++ {
		o = append(o, float64(a))
	}
	return o
}()

// TutorialSteps is how TF-Privacy's MNIST tutorial counts the steps of a
// run: epochs · ⌊n/batch⌋ (it trains steps_per_epoch = 60000 // 256 = 234
// batches per epoch), not ⌈epochs·n/batch⌉.
func TutorialSteps(epochs, n, batch int) int { return epochs * (n / batch) }

// logAdd returns log(exp(a) + exp(b)) without overflow.
func logAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	hi, lo := math.Max(a, b), math.Min(a, b)
	return hi + math.Log1p(math.Exp(lo-hi))
}

// logSub returns log(exp(a) − exp(b)) for a ≥ b.
func logSub(a, b float64) float64 {
	if math.IsInf(b, -1) {
		return a
	}
	if a <= b {
		return math.Inf(-1)
	}
	return a + math.Log1p(-math.Exp(b-a))
}

// logErfc returns log(erfc(x)), accurate for large x where erfc underflows.
func logErfc(x float64) float64 {
	if x < 20 {
		return math.Log(math.Erfc(x))
	}
	// Asymptotic series: erfc(x) ≈ exp(−x²)/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶)).
	x2 := x * x
	s := 1 - 1/(2*x2) + 3/(4*x2*x2) - 15/(8*x2*x2*x2)
	return -x2 - math.Log(x) - 0.5*math.Log(math.Pi) + math.Log(s)
}

// logBinomInt returns log C(n, k) for integers.
func logBinomInt(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// logAInt is log A_α for an integer order α (Mironov, Talwar and Zhang 2019,
// §3.3): A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²)).
func logAInt(q, sigma float64, alpha int) float64 {
	acc := math.Inf(-1)
	for k := 0; k <= alpha; k++ {
		t := logBinomInt(alpha, k) + float64(k)*math.Log(q) + float64(alpha-k)*math.Log1p(-q) +
			float64(k*k-k)/(2*sigma*sigma)
		acc = logAdd(acc, t)
	}
	return acc
}

// logAFrac is log A_α for a fractional order (Mironov, Talwar and Zhang 2019,
// §3.3): A_α = A₀ + A₁ with z₀ = σ² log(1/q − 1) + ½ and
//
//	A₀ = Σ_k C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²)) · ½ erfc((k − z₀)/(√2σ))
//	A₁ = Σ_k C(α,k) (1−q)^k q^{α−k} exp(((α−k)²−(α−k))/(2σ²)) · ½ erfc((z₀ − (α−k))/(√2σ))
//
// where C(α,k) is the generalised binomial coefficient, whose sign
// alternates once k > α. The series is summed until its terms fall below
// e⁻⁴⁰ (A_α is near 1 and log A_α small, so e⁻³⁰, TF-Privacy's cut-off, leaves
// errors of about 1e-9 relative in the RDP).
func logAFrac(q, sigma, alpha float64) float64 {
	a0, a1 := math.Inf(-1), math.Inf(-1)
	z0 := sigma*sigma*math.Log(1/q-1) + 0.5
	la, _ := math.Lgamma(alpha + 1)
	for k := 0; k < 100000; k++ {
		fk := float64(k)
		j := alpha - fk
		// |C(α,k)| = |Γ(α+1)/(Γ(k+1)Γ(α−k+1))|; the sign is that of Γ(α−k+1).
		lk, _ := math.Lgamma(fk + 1)
		lj, sgn := math.Lgamma(j + 1)
		logCoef := la - lk - lj
		t0 := logCoef + fk*math.Log(q) + j*math.Log1p(-q)
		t1 := logCoef + j*math.Log(q) + fk*math.Log1p(-q)
		e0 := math.Log(0.5) + logErfc((fk-z0)/(math.Sqrt2*sigma))
		e1 := math.Log(0.5) + logErfc((z0-j)/(math.Sqrt2*sigma))
		s0 := t0 + (fk*fk-fk)/(2*sigma*sigma) + e0
		s1 := t1 + (j*j-j)/(2*sigma*sigma) + e1
		if sgn > 0 {
			a0, a1 = logAdd(a0, s0), logAdd(a1, s1)
		} else {
			a0, a1 = logSub(a0, s0), logSub(a1, s1)
		}
		if math.Max(s0, s1) < -40 {
			break
		}
	}
	return logAdd(a0, a1)
}

// RDP returns the Rényi differential privacy ε(α) of one application of the
// sampled Gaussian mechanism with sampling rate q and noise multiplier σ
// (noise standard deviation over L2 sensitivity), at order α > 1.
func RDP(q, sigma, alpha float64) float64 {
	switch {
	case q == 0:
		return 0
	case sigma == 0:
		return math.Inf(1)
	case q == 1:
		return alpha / (2 * sigma * sigma)
	case math.IsInf(alpha, 1):
		return math.Inf(1)
	}
	var la float64
	if alpha == math.Floor(alpha) {
		la = logAInt(q, sigma, int(alpha))
	} else {
		la = logAFrac(q, sigma, alpha)
	}
	return la / (alpha - 1)
}

// Params describes a run of the sampled Gaussian mechanism.
type Params struct {
	SamplingRate    float64 // q, the probability each example is in a batch
	NoiseMultiplier float64 // σ
	Steps           int     // number of noisy steps
}

func (p Params) check() error {
	switch {
	case !(p.SamplingRate > 0 && p.SamplingRate <= 1):
		return fmt.Errorf("privacy: sampling rate %v must be in (0, 1]", p.SamplingRate)
	case !(p.NoiseMultiplier >= 0) || math.IsInf(p.NoiseMultiplier, 0):
		return fmt.Errorf("privacy: noise multiplier %v must be finite and ≥ 0", p.NoiseMultiplier)
	case p.Steps < 0:
		return fmt.Errorf("privacy: steps %d must be ≥ 0", p.Steps)
	}
	return nil
}

// Epsilon returns ε for the given δ after p.Steps compositions, minimised
// over DefaultOrders, and the order that attains it. The RDP→(ε, δ)
// conversion is Mironov's (2017, Prop. 3): ε = RDP(α) + log(1/δ)/(α−1), the
// one TF-Privacy's MNIST tutorial table was computed with.
func Epsilon(p Params, delta float64) (eps, order float64, err error) {
	return EpsilonOrders(p, delta, DefaultOrders)
}

// EpsilonOrders is Epsilon minimised over the given orders (each > 1)
// instead of DefaultOrders, e.g. TutorialOrders to reproduce a figure of
// TF-Privacy exactly. Every order gives a valid bound; more orders can
// only lower ε.
func EpsilonOrders(p Params, delta float64, orders []float64) (eps, order float64, err error) {
	if err := p.check(); err != nil {
		return 0, 0, err
	}
	if !(delta > 0 && delta < 1) {
		return 0, 0, fmt.Errorf("privacy: delta %v must be in (0, 1)", delta)
	}
	if len(orders) == 0 {
		return 0, 0, errors.New("privacy: no Rényi orders given")
	}
	for _, a := range orders {
		if !(a > 1) || math.IsInf(a, 0) {
			return 0, 0, fmt.Errorf("privacy: Rényi order %v must be finite and > 1", a)
		}
	}
	if p.Steps == 0 {
		return 0, 0, nil
	}
	if p.NoiseMultiplier == 0 {
		return math.Inf(1), 0, nil
	}
	eps = math.Inf(1)
	for _, a := range orders {
		r := float64(p.Steps) * RDP(p.SamplingRate, p.NoiseMultiplier, a)
		e := r + math.Log(1/delta)/(a-1)
		if e < eps {
			eps, order = e, a
		}
	}
	return eps, order, nil
}

// ErrUnreachable is returned by NoiseMultiplier when no noise level up to
// the search bound reaches the target ε.
var ErrUnreachable = errors.New("privacy: target epsilon not reachable with noise multiplier ≤ 1000")

// NoiseMultiplier returns the smallest noise multiplier σ (to 1e-4
// relative) for which p.Steps steps at p.SamplingRate stay within
// targetEps at δ; p.NoiseMultiplier is ignored. It bisects on σ, as ε
// falls monotonically as σ grows.
func NoiseMultiplier(p Params, delta, targetEps float64) (float64, error) {
	if !(targetEps > 0) || math.IsInf(targetEps, 0) {
		return 0, fmt.Errorf("privacy: target epsilon %v must be finite and > 0", targetEps)
	}
	eps := func(s float64) (float64, error) {
		q := p
		q.NoiseMultiplier = s
		e, _, err := Epsilon(q, delta)
		return e, err
	}
	lo, hi := 0.0, 1.0
	for {
		e, err := eps(hi)
		if err != nil {
			return 0, err
		}
		if e <= targetEps {
			break
		}
		lo, hi = hi, hi*2
		if hi > 1000 {
			return 0, ErrUnreachable
		}
	}
	for hi-lo > 1e-4*hi {
		mid := (lo + hi) / 2
		e, err := eps(mid)
		if err != nil {
			return 0, err
		}
		if e <= targetEps {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// Accountant tracks the privacy spent by a DP-SGD run step by step.
type Accountant struct {
	SamplingRate    float64
	NoiseMultiplier float64
	Delta           float64
	steps           int
}

// Step records n more noisy steps.
func (a *Accountant) Step(n int) { a.steps += n }

// Steps returns the number of steps recorded.
func (a *Accountant) Steps() int { return a.steps }

// Epsilon returns the ε spent so far at a.Delta.
func (a *Accountant) Epsilon() (float64, error) {
	e, _, err := Epsilon(Params{a.SamplingRate, a.NoiseMultiplier, a.steps}, a.Delta)
	return e, err
}
