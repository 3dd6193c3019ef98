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

// TestGemmCPUTime times single-threaded Sgemm (n×n×n, best of 9 rounds) by
// wall time and by the thread's CPU time, which is robust against time
// slicing on a loaded machine (compare with bench/sgemm_cpu.py).
// TENSILE_GEMM_CPU="512 1024" go test -run GemmCPUTime -v
func TestGemmCPUTime(t *testing.T) {
	spec := os.Getenv("TENSILE_GEMM_CPU")
	if spec == "" {
		t.Skip()
	}
	defer parallel.SetThreads(parallel.SetThreads(1))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := simd.gemm
	for _, f := range strings.Fields(spec) {
		n, _ := strconv.Atoi(f)
		r := rand.New(rand.NewPCG(1, 2))
		a, b, c := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
		reps := max(1, int(1e9/(2*float64(n*n*n))))
		bw, bc := time.Hour, time.Hour
		for round := 0; round < 9; round++ {
			sgemmWith(g, false, false, n, n, n, 1, a, n, b, n, 0, c, n, Epilogue{})
			st, sc := time.Now(), threadCPU()
			for range reps {
				sgemmWith(g, false, false, n, n, n, 1, a, n, b, n, 0, c, n, Epilogue{})
			}
			bw = min(bw, time.Since(st)/time.Duration(reps))
			bc = min(bc, (threadCPU()-sc)/time.Duration(reps))
		}
		fl := 2 * float64(n*n*n)
		fmt.Printf("%s n=%d wall=%.1f cpu=%.1f\n", g.name, n, fl/bw.Seconds()/1e9, fl/bc.Seconds()/1e9)
	}
}

// TestGemmKernelCPU compares micro-kernels alone on cached panels, by thread
// CPU time, interleaved. TENSILE_GEMM_KCPU=1 go test -run GemmKernelCPU -v
func TestGemmKernelCPU(t *testing.T) {
	if os.Getenv("TENSILE_GEMM_KCPU") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ks := gemmKernels
	const kc, tiles, reps = 256, 16, 1000
	bw, bc := make([]time.Duration, len(ks)), make([]time.Duration, len(ks))
	for i := range ks {
		bw[i], bc[i] = time.Hour, time.Hour
	}
	for round := 0; round < 15; round++ {
		for i, g := range ks {
			r := rand.New(rand.NewPCG(1, 2))
			pa, pb := randSlice(r, g.mr*kc*tiles), randSlice(r, g.nr*kc)
			c := make([]float32, g.mr*tiles*g.nr)
			st, sc := time.Now(), threadCPU()
			for range reps {
				for t := 0; t < tiles; t++ {
					g.fn(kc, &pa[t*g.mr*kc], &pb[0], &c[t*g.mr*g.nr], g.nr, 1, 1)
				}
			}
			bw[i] = min(bw[i], time.Since(st))
			bc[i] = min(bc[i], threadCPU()-sc)
		}
	}
	for i, g := range ks {
		fl := 2 * float64(g.mr*g.nr*kc*tiles*reps)
		fmt.Printf("kernel %-22s %dx%d kc=%d wall=%.1f cpu=%.1f\n", g.name, g.mr, g.nr, kc, fl/bw[i].Seconds()/1e9, fl/bc[i].Seconds()/1e9)
	}
}
