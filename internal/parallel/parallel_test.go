package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCoversRangeOnce(t *testing.T) {
	for _, tc := range []struct{ n, grain, threads int }{
		{0, 1, 2}, {1, 1, 2}, {7, 1, 2}, {1000, 10, 2}, {1000, 10, 4}, {5, 100, 8}, {129, 3, 3},
	} {
		old := SetThreads(tc.threads)
		hits := make([]int32, tc.n)
		For(tc.n, tc.grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		SetThreads(old)
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d grain=%d threads=%d: index %d visited %d times", tc.n, tc.grain, tc.threads, i, h)
			}
		}
	}
}

func TestBlocksAligned(t *testing.T) {
	old := SetThreads(3)
	defer SetThreads(old)
	var total atomic.Int64
	Blocks(100, 16, func(lo, hi int) {
		if lo%16 != 0 {
			t.Errorf("block start %d not aligned", lo)
		}
		total.Add(int64(hi - lo))
	})
	if total.Load() != 100 {
		t.Fatalf("covered %d, want 100", total.Load())
	}
}

func TestNestedForDoesNotDeadlock(t *testing.T) {
	old := SetThreads(2)
	defer SetThreads(old)
	var total atomic.Int64
	For(4, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			For(100, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
		}
	})
	if total.Load() != 400 {
		t.Fatalf("covered %d, want 400", total.Load())
	}
}

func TestEachCoversRangeOnce(t *testing.T) {
	for _, tc := range []struct{ n, threads int }{{0, 2}, {1, 2}, {2, 2}, {7, 2}, {100, 3}, {5, 8}, {9, 1}} {
		old := SetThreads(tc.threads)
		hits := make([]int32, tc.n)
		Each(tc.n, func(i int) {
			atomic.AddInt32(&hits[i], 1)
			For(10, 1, func(lo, hi int) {}) // nesting is allowed
		})
		SetThreads(old)
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d threads=%d: index %d visited %d times", tc.n, tc.threads, i, h)
			}
		}
	}
}

// BenchmarkForWake measures the cost of a two-way For over a tiny body with
// a short serial gap between calls, as between the ops of a training step:
// mostly the latency of handing the second half to a worker.
func BenchmarkForWake(b *testing.B) {
	old := SetThreads(2)
	defer SetThreads(old)
	var sink atomic.Int64
	body := func(lo, hi int) {
		s := 0
		for i := 0; i < 2000*(hi-lo); i++ {
			s += i
		}
		sink.Add(int64(s))
	}
	for b.Loop() {
		For(2, 1, body)
		s := 0
		for i := 0; i < 20000; i++ { // serial work between parallel ops
			s += i
		}
		sink.Add(int64(s))
	}
}

func TestNestedForUnderLoadDoesNotDeadlock(t *testing.T) {
	old := SetThreads(16)
	defer SetThreads(old)
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := 0; it < 50; it++ {
				For(16, 1, func(lo, hi int) { For(16, 1, func(lo, hi int) {}) })
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("nested For calls deadlocked")
	}
}

func TestPanicReachesCaller(t *testing.T) {
	old := SetThreads(4)
	defer SetThreads(old)
	var ran atomic.Int32
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want boom", r)
			}
		}()
		For(4, 1, func(lo, hi int) {
			ran.Add(1)
			if lo > 0 {
				panic("boom")
			}
			time.Sleep(20 * time.Millisecond)
		})
		t.Fatal("For returned normally")
	}()
	if ran.Load() != 4 {
		t.Fatalf("%d ranges ran, want 4 (For must wait for all before re-panicking)", ran.Load())
	}
}
