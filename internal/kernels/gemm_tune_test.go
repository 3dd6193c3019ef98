package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/internal/parallel"
)

// TestGemmTune compares blocking variants, interleaved, best of many rounds.
// TENSILE_GEMM_TUNE="kc,mc,nc kc,mc,nc ..." TUNE_N=1024 TUNE_T=1
func TestGemmTune(t *testing.T) {
	spec := os.Getenv("TENSILE_GEMM_TUNE")
	if spec == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("TUNE_N"))
	th, _ := strconv.Atoi(os.Getenv("TUNE_T"))
	defer parallel.SetThreads(parallel.SetThreads(th))
	var gs []*gemmKernel
	for _, v := range strings.Fields(spec) {
		f := strings.Split(v, ",")
		kc, _ := strconv.Atoi(f[0])
		mc, _ := strconv.Atoi(f[1])
		nc, _ := strconv.Atoi(f[2])
		g0 := simd.gemm
		gs = append(gs, &gemmKernel{name: v, mr: g0.mr, nr: g0.nr, kc: kc, mc: mc, nc: nc, fn: g0.fn, packTrans: g0.packTrans, packCopy: g0.packCopy, edge: g0.edge, edgeVec: g0.edgeVec})
	}
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
	best := make([]time.Duration, len(gs))
	for i := range best {
		best[i] = time.Hour
	}
	reps := max(1, int(1e9/(2*float64(n*n*n))))
	// On one thread, time by the thread's CPU time: robust against time
	// slicing on a loaded machine.
	clock := func() time.Duration { return time.Duration(time.Now().UnixNano()) }
	if th == 1 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		clock = threadCPU
	}
	for round := 0; round < 15; round++ {
		for i, g := range gs {
			sgemmWith(g, false, false, n, n, n, 1, a, n, b, n, 0, c, n, Epilogue{})
			st := clock()
			for range reps {
				sgemmWith(g, false, false, n, n, n, 1, a, n, b, n, 0, c, n, Epilogue{})
			}
			best[i] = min(best[i], (clock()-st)/time.Duration(reps))
		}
	}
	for i, g := range gs {
		fmt.Printf("%-16s n=%d t=%d gflops=%.1f\n", g.name, n, th, 2*float64(n*n*n)/best[i].Seconds()/1e9)
	}
}

// TestGemmShapes prints throughput on layer-like shapes. TENSILE_GEMM_SHAPES=1
func TestGemmShapes(t *testing.T) {
	if os.Getenv("TENSILE_GEMM_SHAPES") == "" {
		t.Skip()
	}
	th, _ := strconv.Atoi(os.Getenv("TUNE_T"))
	defer parallel.SetThreads(parallel.SetThreads(th))
	for _, s := range []struct {
		tA, tB  bool
		m, n, k int
	}{
		{false, false, 21632, 32, 9}, {false, false, 18432, 64, 288}, {false, false, 32, 128, 9216},
		{false, false, 32, 10, 128}, {true, false, 9216, 128, 32}, {false, true, 32, 9216, 128},
		{true, false, 288, 64, 18432}, {false, true, 18432, 288, 64}, {false, false, 100, 100, 100},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		flops := 2 * float64(s.m*s.n*s.k)
		reps := max(1, int(2e8/flops))
		best := time.Hour
		for round := 0; round < 10; round++ {
			st := time.Now()
			for range reps {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			}
			best = min(best, time.Since(st)/time.Duration(reps))
		}
		fmt.Printf("tA=%v tB=%v m=%d n=%d k=%d t=%d gflops=%.1f\n", s.tA, s.tB, s.m, s.n, s.k, th, flops/best.Seconds()/1e9)
	}
}
