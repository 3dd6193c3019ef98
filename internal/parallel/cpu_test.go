//go:build unix

package parallel

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tensile-ml/tensile/internal/cputime"
)

// cpuTime returns the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	t, ok := cputime.Process()
	if !ok {
		b.Skip("no process CPU clock on this platform")
	}
	return t
}

// BenchmarkForIdleCPU measures what the pool burns between parallel calls:
// each op is a small 2-way For followed by 200 µs of sleeping, as in a
// training loop that waits on data. It reports the process CPU time per op
// (cpu-µs/op) next to the work itself (work-µs/op, the summed time inside
// the loop bodies); a pool that spun while idle would add up to 400 µs of
// CPU per op on two threads. Run it beside a CPU hog (docs/performance.md)
// to see the pool yield the cores.
func BenchmarkForIdleCPU(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "serial", 2: "pool"}[threads], func(b *testing.B) { forIdleCPU(b, threads) })
	}
}

func forIdleCPU(b *testing.B, threads int) {
	old := SetThreads(threads)
	defer SetThreads(old)
	var sink, work atomic.Int64
	body := func(lo, hi int) {
		start := time.Now()
		s := 0
		for i := 0; i < 20000*(hi-lo); i++ {
			s += i
		}
		sink.Add(int64(s))
		work.Add(int64(time.Since(start)))
	}
	For(2, 1, body)
	work.Store(0)
	c0 := cpuTime(b)
	for b.Loop() {
		For(2, 1, body)
		time.Sleep(200 * time.Microsecond)
	}
	cpu := cpuTime(b) - c0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(work.Load())/1e3/float64(b.N), "work-µs/op")
}
