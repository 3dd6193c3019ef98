package kernels

// The assembly of every tier is generated; these run on any host:
//
//go:generate go run gemm_gen.go
//go:generate go run avx2_gen.go
//go:generate go run neon_gen.go

import (
	"fmt"
	"os"
	"strings"
)

// simdTable is one SIMD tier's set of kernels. A nil entry means the tier
// has no fast version of that kernel and the caller runs the pure-Go
// reference. The pointer-based entries handle any n >= 0 unless their
// comment says otherwise; their semantics are those of the reference named
// in the exported wrapper's doc comment.
type simdTable struct {
	name string

	addVV, subVV, mulVV, divVV func(dst, a, b *float32, n int)
	addVS, mulVS               func(dst, a *float32, s float32, n int)
	axpy                       func(y *float32, alpha float32, x *float32, n int)
	// sum writes 16 partial sums of x[:n] (n <= 4096) into out.
	sum func(x *float32, n int, out *[16]float32)

	reluBackward func(dx, dy, y *float32, n int)
	// chanAlign is the channel multiple sumRows, maxPool2 and maxPool2Back
	// need (f or c % chanAlign == 0).
	chanAlign    int
	sumRows      func(dst, src *float32, rows, f int)
	maxPool2     func(dst, r0, r1 *float32, ow, c int)
	maxPool2Back func(dx0, dx1, x0, x1, y, dy *float32, ow, c int)
	epilogue     func(c *float32, ldc, m, n int, bias *float32, relu bool)
	// conv1Align is the filter multiple the 1-channel 3×3 kernels need.
	conv1Align    int
	conv3x3c1     func(out, x, w, bias *float32, ws, ow, oh, f int, relu bool)
	conv3x3c1Grad func(dw, db, x, dy, y *float32, ws, ow, oh, f int)
	adam          func(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
	// The other optimizer updates (references sgdRef, momentumRef,
	// adagradRef, rmspropRef; rmsprop without and rmspropMom with the
	// momentum slot, c = 1-rho).
	sgd                func(p, g *float32, n int, lr float32)
	momentum, nesterov func(p, g, m *float32, n int, lr, momentum float32)
	adagrad            func(p, g, acc *float32, n int, lr, eps float32)
	rmsprop            func(p, g, v *float32, n int, lr, rho, c, eps float32)
	rmspropMom         func(p, g, v, mom *float32, n int, lr, rho, c, momentum, eps float32)
	copySegs           func(dst, src *float32, n, l, ds, ss int)
	addSegs            func(dst, src *float32, n, l, ds, ss int)
	sigmoid, tanh      func(dst, x *float32, n int)

	// gemm is the tier's SGEMM micro-kernel with its packing and blocking.
	gemm *gemmKernel
}

// genericTable is the pure-Go tier: every kernel runs its reference.
var genericTable = &simdTable{name: "generic", gemm: gemmKernelGo}

// simd is the active tier, chosen once at start-up by selectTier.
var simd, tierErr = selectTier(os.Getenv("TENSILE_SIMD"), availableTiers())

// availableTiers lists the tiers this CPU and build can run, fastest first;
// the last is always generic.
func availableTiers() []*simdTable {
	return append(archTiers(), genericTable)
}

// allTierNames lists every tier tensile knows, on any architecture.
var allTierNames = []string{"avx512", "avx2", "neon", "generic"}

// selectTier picks the tier named by want (the TENSILE_SIMD variable), or
// the fastest one when want is empty. An unknown or unavailable name gives
// an error and the fastest tier.
func selectTier(want string, tiers []*simdTable) (*simdTable, error) {
	want = strings.ToLower(strings.TrimSpace(want))
	if want == "" {
		return tiers[0], nil
	}
	for _, t := range tiers {
		if t.name == want {
			return t, nil
		}
	}
	var names []string
	for _, t := range tiers {
		names = append(names, t.name)
	}
	known := false
	for _, n := range allTierNames {
		known = known || n == want
	}
	if !known {
		return tiers[0], fmt.Errorf("TENSILE_SIMD=%s: unknown SIMD tier (want one of %s)", want, strings.Join(allTierNames, ", "))
	}
	return tiers[0], fmt.Errorf("TENSILE_SIMD=%s: this CPU or build cannot run that tier (available: %s)", want, strings.Join(names, ", "))
}

// Tier returns the name of the active SIMD tier: "avx512", "avx2", "neon"
// or "generic". It is chosen once at start-up: the fastest the CPU
// supports, or the one the TENSILE_SIMD environment variable names; the
// purego build tag allows only "generic".
func Tier() string { return simd.name }

// TierError reports why the tier TENSILE_SIMD asked for is not in use (an
// unknown name, or a tier this CPU or build cannot run), or nil. When it is
// not nil the fastest available tier runs instead; programs should print
// the error and stop, so that a forced tier is never silently ignored.
func TierError() error { return tierErr }

// Tiers lists the SIMD tiers this CPU and build can run, fastest first.
func Tiers() []string {
	var names []string
	for _, t := range availableTiers() {
		names = append(names, t.name)
	}
	return names
}

// useTier makes the named tier active and returns a function restoring the
// previous one; tests use it to run every tier. It panics for a tier that
// is not available.
func useTier(name string) func() {
	for _, t := range availableTiers() {
		if t.name == name {
			old := simd
			simd = t
			return func() { simd = old }
		}
	}
	panic("kernels: tier " + name + " not available")
}

// gemmKernels lists the GEMM micro-kernels of the available tiers, fastest
// first (tests and benchmarks run each).
var gemmKernels = tierGemmKernels()

func tierGemmKernels() []*gemmKernel {
	var ks []*gemmKernel
	for _, t := range availableTiers() {
		t.gemm.fitCaches(machineCaches)
		ks = append(ks, t.gemm)
	}
	return ks
}
