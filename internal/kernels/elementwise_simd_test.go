package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var sliceSizes = []int{0, 1, 7, 15, 16, 17, 63, 64, 65, 100, 1000, 4096, 4097, 9001}

// TestSliceKernels compares the exported slice kernels (SIMD when available)
// with their references, with guard cells past dst and with dst aliasing a.
func TestSliceKernels(t *testing.T) { forEachTier(t, testSliceKernels) }

func testSliceKernels(t *testing.T) {
	vv := []struct {
		name    string
		f, ref  func(dst, a, b []float32)
		ulpsTol float64
	}{
		{"AddVV", AddVV, addVVRef, 0},
		{"SubVV", SubVV, subVVRef, 0},
		{"MulVV", MulVV, mulVVRef, 0},
		{"DivVV", DivVV, divVVRef, 0},
		{"AddVS", func(d, a, _ []float32) { AddVS(d, a, 0.37) }, func(d, a, _ []float32) { addVSRef(d, a, 0.37) }, 0},
		{"MulVS", func(d, a, _ []float32) { MulVS(d, a, -1.7) }, func(d, a, _ []float32) { mulVSRef(d, a, -1.7) }, 0},
		// y += alpha*x: fused in SIMD, so within a rounding of the reference.
		{"Axpy", func(d, a, b []float32) { copy(d, b); Axpy(d, 0.3, a) }, func(d, a, b []float32) { copy(d, b); axpyRef(d, 0.3, a) }, 2},
	}
	for _, k := range vv {
		for _, n := range sliceSizes {
			for _, alias := range []bool{false, true} {
				if alias && k.name == "Axpy" { // its dst is the accumulator
					continue
				}
				t.Run(fmt.Sprintf("%s/n=%d/alias=%v", k.name, n, alias), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(n), 3))
					a, b := randSlice(r, n), randSlice(r, n)
					for i := range b {
						b[i] += 2 // keep divisors away from 0
					}
					want := make([]float32, n)
					k.ref(want, append([]float32(nil), a...), b)
					buf := make([]float32, n+5)
					for i := range buf {
						buf[i] = sentinel
					}
					dst := buf[:n]
					src := a
					if alias {
						copy(dst, a)
						src = dst
					}
					k.f(dst, src, b)
					for i := n; i < len(buf); i++ {
						if buf[i] != sentinel {
							t.Fatalf("guard cell %d overwritten", i)
						}
					}
					for i := range want {
						d := math.Abs(float64(dst[i] - want[i]))
						if d > k.ulpsTol*1.2e-7*math.Abs(float64(want[i]))+1e-30 && dst[i] != want[i] {
							t.Fatalf("[%d] = %v, want %v", i, dst[i], want[i])
						}
					}
				})
			}
		}
	}
}

func TestSum(t *testing.T) { forEachTier(t, testSum) }

func testSum(t *testing.T) {
	for _, n := range append(sliceSizes, 100000) {
		r := rand.New(rand.NewPCG(uint64(n), 4))
		x := randSlice(r, n)
		var exact float64
		for _, v := range x {
			exact += float64(v)
		}
		got, ref := Sum(x), sumRef(x)
		tol := 1e-6 * (1 + float64(n)/100)
		if math.Abs(float64(got)-exact) > tol || math.Abs(float64(ref)-exact) > tol {
			t.Errorf("n=%d: Sum = %v, sumRef = %v, exact %v", n, got, ref, exact)
		}
	}
}

func BenchmarkSliceKernels(b *testing.B) {
	for _, n := range []int{1024, 65536} {
		x, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
		for _, k := range []struct {
			name string
			f    func()
		}{
			{"AddVV", func() { AddVV(z, x, y) }}, {"addVVRef", func() { addVVRef(z, x, y) }},
			{"Axpy", func() { Axpy(z, 2, x) }}, {"axpyRef", func() { axpyRef(z, 2, x) }},
			{"Sum", func() { Sum(x) }}, {"sumRef", func() { sumRef(x) }},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					k.f()
				}
			})
		}
	}
}
