package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tensile-ml/tensile/internal/parallel"
)

const sentinel = float32(-12345.5)

type gemmFunc = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue)

type gemmCase struct {
	m, n, k     int
	padA, padB  int // extra leading-dimension columns
	padC        int
	alpha, beta float32
	nanC        bool // fill C with NaN (beta must be 0)
	bias, relu  bool // epilogue
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	sizes := [][3]int{
		{1, 1, 1}, {1, 7, 5}, {7, 1, 9}, {5, 6, 1}, {1, 1, 300},
		{7, 17, 63}, {17, 63, 7}, {63, 7, 17}, {14, 32, 4}, {15, 33, 5},
		{28, 64, 256}, {29, 65, 257}, {64, 64, 64}, {129, 17, 63}, {17, 129, 130},
		{6, 16, 8}, {12, 48, 3}, {1, 1000, 7}, {1000, 3, 9}, {5, 9, 1000},
		{100, 150, 520}, {350, 130, 70},
	}
	for i, s := range sizes {
		c := gemmCase{m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0, nanC: true}
		switch i % 4 {
		case 1:
			c.alpha, c.beta, c.nanC = 1, 1, false
		case 2:
			c.alpha, c.beta, c.nanC = -0.5, 0.75, false
		case 3:
			c.alpha, c.beta, c.nanC = 2, 0, true
		}
		if i%3 == 1 {
			c.padA, c.padB, c.padC = 3, 5, 7
		}
		cs = append(cs, c)
	}
	// Every alpha/beta variant on one mid size with padding.
	for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -2}, {-1, 0}, {0, 0.5}, {0, 0}} {
		cs = append(cs, gemmCase{m: 37, n: 45, k: 29, padA: 2, padB: 1, padC: 4, alpha: ab[0], beta: ab[1], nanC: ab[1] == 0})
	}
	cs = append(cs, gemmCase{m: 9, n: 10, k: 0, alpha: 1, beta: 0.5}, gemmCase{m: 9, n: 10, k: 0, alpha: 1, beta: 0, nanC: true})
	// Epilogues: bias, ReLU, both; on edge tiles, full tiles and k = 0.
	cs = append(cs,
		gemmCase{m: 30, n: 70, k: 20, padC: 3, alpha: 1, beta: 0, nanC: true, bias: true},
		gemmCase{m: 29, n: 33, k: 9, alpha: 1, beta: 0.5, relu: true},
		gemmCase{m: 131, n: 64, k: 27, padA: 1, alpha: 0.5, beta: 0, nanC: true, bias: true, relu: true},
		gemmCase{m: 5, n: 6, k: 0, alpha: 1, beta: 1, bias: true, relu: true},
	)
	return cs
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// runGemmCase checks one case against SgemmRef with guard cells around C.
// It reports with t.Errorf, so it may run on other goroutines.
func runGemmCase(t *testing.T, f gemmFunc, tc gemmCase, transA, transB bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(tc.m*1000003+tc.n*1009+tc.k), 7))
	ar, ac := tc.m, tc.k
	if transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.padA, bc+tc.padB, tc.n+tc.padC
	a := randSlice(r, max(ar*lda, 1))
	b := randSlice(r, max(br*ldb, 1))
	const tail = 37
	c := make([]float32, tc.m*ldc+tail)
	want := make([]float32, len(c))
	for i := range c {
		row, col := i/ldc, i%ldc
		switch {
		case row >= tc.m || col >= tc.n:
			c[i] = sentinel
		case tc.nanC:
			c[i] = float32(math.NaN())
		default:
			c[i] = r.Float32()*2 - 1
		}
	}
	copy(want, c)
	if tc.nanC { // the reference also ignores C when beta is 0
		for i := 0; i < tc.m; i++ {
			clear(want[i*ldc : i*ldc+tc.n])
		}
	}
	SgemmRef(transA, transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	var ep Epilogue
	if tc.bias {
		ep.Bias = randSlice(r, tc.n)
	}
	ep.ReLU = tc.relu
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			v := &want[i*ldc+j]
			if tc.bias {
				*v += ep.Bias[j]
			}
			if tc.relu && *v < 0 {
				*v = 0
			}
		}
	}
	f(transA, transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc, ep)
	tol := 1e-5 * float64(tc.k+1)
	for i := range c {
		row, col := i/ldc, i%ldc
		if row >= tc.m || col >= tc.n {
			if c[i] != sentinel {
				t.Errorf("guard cell %d (row %d col %d) overwritten: %v", i, row, col, c[i])
				return
			}
			continue
		}
		if d := math.Abs(float64(c[i] - want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Errorf("C[%d,%d] = %v, want %v", row, col, c[i], want[i])
			return
		}
	}
}

func TestSgemmKernels(t *testing.T) {
	for _, tier := range availableTiers() {
		g := tier.gemm
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", g.name, threads), func(t *testing.T) {
				defer useTier(tier.name)() // the tier's epilogue with its GEMM
				defer parallel.SetThreads(parallel.SetThreads(threads))
				defer setSerialWork(64)()
				f := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
					sgemmWith(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep)
				}
				for _, tc := range gemmCases() {
					for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
						t.Run(fmt.Sprintf("m=%d,n=%d,k=%d,tA=%v,tB=%v,a=%v,b=%v,bias=%v,relu=%v", tc.m, tc.n, tc.k, tr[0], tr[1], tc.alpha, tc.beta, tc.bias, tc.relu), func(t *testing.T) {
							runGemmCase(t, f, tc, tr[0], tr[1])
						})
					}
				}
			})
		}
	}
}

// TestSgemmBlocking runs products larger than one cache block in every
// dimension, with small blocking parameters so that the test stays fast.
func TestSgemmBlocking(t *testing.T) {
	for _, g0 := range gemmKernels {
		g := &gemmKernel{name: g0.name, mr: g0.mr, nr: g0.nr, kc: 19, mc: 2*g0.mr + 1, nc: 3*g0.nr - 5, fn: g0.fn, packTrans: g0.packTrans, packCopy: g0.packCopy, edge: g0.edge, edgeVec: g0.edgeVec}
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", g.name, threads), func(t *testing.T) {
				defer parallel.SetThreads(parallel.SetThreads(threads))
				defer setSerialWork(64)()
				f := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
					sgemmWith(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep)
				}
				for _, tc := range []gemmCase{
					{m: 101, n: 203, k: 77, padC: 3, alpha: 1, beta: 0, nanC: true},
					{m: 203, n: 101, k: 40, padA: 1, padB: 2, alpha: 0.5, beta: 1.5},
					{m: 150, n: 90, k: 45, alpha: 1, beta: 0.5, bias: true, relu: true},
				} {
					for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
						runGemmCase(t, f, tc, tr[0], tr[1])
					}
				}
			})
		}
	}
}

// TestSgemmEdges covers every edge-tile shape: rows 1..15, columns around
// the vector widths (8 for AVX2, 16 for AVX-512) and tile widths.
func TestSgemmEdges(t *testing.T) {
	for _, g := range gemmKernels {
		f := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
			sgemmWith(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep)
		}
		for m := 1; m <= 15; m++ {
			for _, n := range []int{1, 5, 8, 9, 16, 17, 24, 25, 31, 32, 45} {
				runGemmCase(t, f, gemmCase{m: m, n: n, k: 6, padC: 2, alpha: 1.5, beta: 0, nanC: true}, false, false)
				runGemmCase(t, f, gemmCase{m: m, n: n, k: 5, alpha: 1, beta: -0.5}, true, true)
			}
		}
	}
}

// setSerialWork lowers the threading threshold so small tests run in
// parallel; it returns the function that restores it.
func setSerialWork(w int) func() {
	old := gemmSerialWork
	gemmSerialWork = w
	return func() { gemmSerialWork = old }
}

// TestSgemmConcurrent runs products from several goroutines at once, each
// possibly split across the pool.
func TestSgemmConcurrent(t *testing.T) {
	defer parallel.SetThreads(parallel.SetThreads(2))
	defer setSerialWork(64)()
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, tc := range []gemmCase{{m: 70, n: 90, k: 33, alpha: 1, beta: 0, nanC: true}, {m: 129, n: 17, k: 63, alpha: 2, beta: 1}} {
				runGemmCase(t, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
					Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
				}, tc, g%2 == 0, g/2 == 0)
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestSgemmDefault(t *testing.T) { forEachTier(t, testSgemmDefault) }

func testSgemmDefault(t *testing.T) {
	for _, tc := range []gemmCase{{m: 130, n: 70, k: 90, padC: 2, alpha: 1, beta: 0, nanC: true}, {m: 3, n: 4, k: 5, alpha: 1, beta: 1}} {
		runGemmCase(t, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
			Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}, tc, false, true)
	}
}

func TestSgemmEpilogueDefault(t *testing.T) { forEachTier(t, testSgemmEpilogueDefault) }

func testSgemmEpilogueDefault(t *testing.T) {
	runGemmCase(t, SgemmEpilogue, gemmCase{m: 100, n: 40, k: 30, alpha: 1, beta: 0, nanC: true, bias: true, relu: true}, true, false)
}

func TestSgemmPanics(t *testing.T) {
	a := make([]float32, 12)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"short A", func() { Sgemm(false, false, 4, 3, 4, 1, a[:15-4], 4, a, 3, 0, a, 3) }},
		{"small lda", func() { Sgemm(false, false, 3, 3, 4, 1, a, 3, a, 3, 0, a, 3) }},
		{"short C", func() { Sgemm(false, false, 4, 4, 2, 1, a, 2, a, 4, 0, a, 4) }},
		{"short bias", func() { SgemmEpilogue(false, false, 1, 3, 1, 1, a, 1, a, 3, 0, a, 3, Epilogue{Bias: a[:2]}) }},
		{"negative", func() { Sgemm(false, false, -1, 3, 4, 1, a, 4, a, 3, 0, a, 3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

func TestSgemmAllocs(t *testing.T) {
	defer parallel.SetThreads(parallel.SetThreads(1))
	const n = 96
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	if got := testing.AllocsPerRun(20, func() { Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }); got != 0 {
		t.Errorf("Sgemm allocates %v times per call on one thread", got)
	}
}

// packedGemm runs a case through PackedB and SgemmPacked for the kernel g
// (transB packs the transposed B); packing reuses one PackedB, as the
// recurrent layers do.
func packedGemm(g *gemmKernel, p *PackedB) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
		p.packWith(g, transB, k, n, b, ldb)
		if p.K() != k || p.N() != n {
			panic(fmt.Sprintf("packed %d×%d, want %d×%d", p.K(), p.N(), k, n))
		}
		SgemmPacked(transA, m, alpha, a, lda, p, beta, c, ldc, ep)
	}
}

// TestSgemmPacked checks SgemmPacked against SgemmRef on every tier, on the
// GEMM cases, on blocking smaller than the products (several depth and
// column blocks, nc not a multiple of nr) and on every edge shape.
func TestSgemmPacked(t *testing.T) {
	for _, tier := range availableTiers() {
		g0 := tier.gemm
		small := &gemmKernel{name: g0.name, mr: g0.mr, nr: g0.nr, kc: 19, mc: 2*g0.mr + 1, nc: 3*g0.nr - 5, fn: g0.fn, packTrans: g0.packTrans, packCopy: g0.packCopy, edge: g0.edge, edgeVec: g0.edgeVec}
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", g0.name, threads), func(t *testing.T) {
				defer useTier(tier.name)()
				defer parallel.SetThreads(parallel.SetThreads(threads))
				defer setSerialWork(64)()
				var p PackedB
				cases := append(gemmCases(),
					gemmCase{m: 101, n: 203, k: 77, padC: 3, alpha: 1, beta: 0, nanC: true},
					gemmCase{m: 150, n: 90, k: 45, padB: 2, alpha: 1, beta: 0.5, bias: true, relu: true})
				for _, tc := range cases {
					for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
						runGemmCase(t, packedGemm(g0, &p), tc, tr[0], tr[1])
						runGemmCase(t, packedGemm(small, &p), tc, tr[0], tr[1])
					}
				}
				for m := 1; m <= 15; m++ {
					runGemmCase(t, packedGemm(g0, &p), gemmCase{m: m, n: 45, k: 6, padC: 2, alpha: 1.5, beta: 0, nanC: true}, false, false)
				}
			})
		}
	}
}

// TestSgemmPackedSameAsSgemm checks that a packed product gives Sgemm's
// bits: the recurrent layers rely on it for results that do not depend on
// how the batch is split across threads.
func TestSgemmPackedSameAsSgemm(t *testing.T) { forEachTier(t, testSgemmPackedSameAsSgemm) }

func testSgemmPackedSameAsSgemm(t *testing.T) {
	const m, n, k = 32, 200, 70
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	want, got := make([]float32, m*n), make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	var p PackedB
	p.Pack(false, k, n, b, n)
	for lo := 0; lo < m; lo += 11 { // row blocks, as a split batch runs them
		hi := min(lo+11, m)
		SgemmPacked(false, hi-lo, 1, a[lo*k:], k, &p, 0, got[lo*n:], n, Epilogue{})
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("C[%d] = %v, Sgemm gives %v", i, got[i], want[i])
		}
	}
}

func TestSgemmPackedPanics(t *testing.T) {
	a := make([]float32, 12)
	var p PackedB
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"not packed", func() { SgemmPacked(false, 1, 1, a, 1, &PackedB{}, 0, a, 1, Epilogue{}) }},
		{"short B", func() { p.Pack(false, 4, 4, a, 4) }},
		{"short A", func() {
			p.Pack(false, 2, 3, a, 3)
			SgemmPacked(false, 7, 1, a, 2, &p, 0, make([]float32, 21), 3, Epilogue{})
		}},
		{"short C", func() { p.Pack(false, 2, 3, a, 3); SgemmPacked(false, 4, 1, a, 2, &p, 0, a[:11], 3, Epilogue{}) }},
		{"negative", func() { p.Pack(false, 2, 3, a, 3); SgemmPacked(false, -1, 1, a, 2, &p, 0, a, 3, Epilogue{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}
