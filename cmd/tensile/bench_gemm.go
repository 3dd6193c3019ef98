package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

func init() {
	benchTargets["gemm"] = benchGemm
}

// benchGemm measures square SGEMM throughput, C = A·B, and prints one line
// per size: "n=1024 threads=1 gflops=153.2 simd=avx512" (best of several timed rounds of
// about 2 GFLOP each, after a warm-up).
func benchGemm(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench gemm", flag.ContinueOnError)
	threads := fs.Int("threads", 1, "worker threads (0: GOMAXPROCS)")
	sizes := fs.String("sizes", "128,256,512,1024,2048", "comma-separated matrix sizes n (n×n·n×n)")
	rounds := fs.Int("rounds", 7, "timed rounds per size; the best is reported")
	fs.SetOutput(stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad size %q in --sizes", f)
		}
		ns = append(ns, n)
	}
	if *rounds < 1 {
		return fmt.Errorf("--rounds must be at least 1")
	}
	if *threads < 0 {
		return fmt.Errorf("--threads %d: want 0 (all cores) or a positive count", *threads)
	}
	if err := kernels.TierError(); err != nil {
		return err
	}
	defer parallel.SetThreads(parallel.SetThreads(*threads))
	t := parallel.Threads()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range ns {
		a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		for i := range a {
			a[i] = r.Float32()
			b[i] = r.Float32()
		}
		flops := 2 * float64(n) * float64(n) * float64(n)
		reps := max(1, int(2e9/flops))
		kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		best := time.Duration(1 << 62)
		for range *rounds {
			start := time.Now()
			for range reps {
				kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
			}
			best = min(best, time.Since(start)/time.Duration(reps))
		}
		fmt.Fprintf(stdout, "n=%d threads=%d gflops=%.1f simd=%s\n", n, t, flops/best.Seconds()/1e9, kernels.Tier())
	}
	return nil
}
