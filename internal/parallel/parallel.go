// Package parallel runs loops across a persistent pool of worker goroutines.
//
// The pool is created once, sized to GOMAXPROCS (or SetThreads), and reused by
// every call, so a parallel kernel costs a few channel operations rather than
// a goroutine per call. Work smaller than the caller's grain stays on the
// calling goroutine.
//
// Idle workers spin only briefly: a worker with nothing to do polls the
// queue for spinWindow (100 µs) and then blocks on a channel receive, so the
// Go runtime parks it and a shared or oversubscribed machine gets the cores
// back; the window keeps the pool awake between the ops of a training step,
// where waking a parked worker costs more than the window
// (docs/performance.md).
//
//	parallel.For(n, 1024, func(lo, hi int) { ... process [lo, hi) ... })
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

type task struct {
	fn     func(lo, hi int)
	lo, hi int
	call   *call
}

// call is the shared state of one For call.
type call struct {
	pending  atomic.Int32        // tasks not yet finished
	done     chan struct{}       // closed when pending reaches 0
	panicked atomic.Pointer[any] // the first panic value of a task, if any
}

// run runs the task; a panic is recorded for the calling For to re-raise,
// so that it reaches the caller's goroutine (where Fit turns it into an
// error) instead of killing the process from a worker.
func (t task) run() {
	defer func() {
		if r := recover(); r != nil {
			t.call.panicked.CompareAndSwap(nil, &r)
		}
		if t.call.pending.Add(-1) == 0 {
			close(t.call.done)
		}
	}()
	t.fn(t.lo, t.hi)
}

var (
	mu      sync.Mutex
	threads atomic.Int32
	work    chan task
	started int
)

func init() {
	threads.Store(int32(runtime.GOMAXPROCS(0)))
	work = make(chan task, 256)
}

// Threads reports how many goroutines For splits work across.
func Threads() int { return int(threads.Load()) }

// SetThreads sets the number of goroutines For splits work across; n < 1 means
// GOMAXPROCS. It returns the previous value.
func SetThreads(n int) int {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return int(threads.Swap(int32(n)))
}

func ensureWorkers(n int) {
	mu.Lock()
	for started < n {
		started++
		go worker()
	}
	mu.Unlock()
}

func worker() {
	for {
		receive().run()
	}
}

// spinWindow is how long an idle worker, or a For waiting for its workers,
// keeps polling before it blocks. Waking a blocked goroutine on another
// core costs the Go runtime a futex wake of a parked thread, which on a
// virtual machine whose idle vCPU has halted took 80-170 µs (measured: the
// second half of a 2-thread 512×512 GEMM started ~100 µs after the first);
// ops of a training step follow each other by less than that, so a short
// spin keeps the pool awake through a step, and a pool left idle for longer
// (waiting on data, or between requests) blocks and gives the core back.
var spinWindow = 100 * time.Microsecond

// receive returns the next task, polling for up to spinWindow before it
// blocks.
func receive() task {
	select {
	case t := <-work:
		return t
	default:
	}
	deadline := time.Now().Add(spinWindow)
	for i := 1; ; i++ {
		select {
		case t := <-work:
			return t
		default:
		}
		if i%16 == 0 && time.Now().After(deadline) {
			return <-work
		}
		// Let the scheduler run due timers and other goroutines of this P
		// (a goroutine sleeping on its timer would otherwise wait for the
		// window to end).
		runtime.Gosched()
	}
}

// For calls fn on disjoint sub-ranges [lo, hi) that cover [0, n). Ranges hold
// at least grain elements (except possibly the last); when n <= grain or only
// one thread is configured, fn(0, n) runs on the calling goroutine. For returns
// after every call has returned. fn must be safe to call concurrently. For may
// be called from inside fn: a waiting caller runs queued tasks itself. If fn
// panics, For re-panics with the first panic value on the calling goroutine
// once every range has finished.
func For(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	t := Threads()
	chunks := (n + grain - 1) / grain
	if chunks > t {
		chunks = t
	}
	if chunks <= 1 {
		fn(0, n)
		return
	}
	ensureWorkers(t - 1)
	size := (n + chunks - 1) / chunks
	c := &call{done: make(chan struct{})}
	c.pending.Store(int32((n + size - 1) / size))
	// The calling goroutine takes the first chunk itself. When the queue is
	// full, a task runs inline instead of blocking: with nested calls every
	// goroutine could otherwise be stuck sending.
	for lo := size; lo < n; lo += size {
		t := task{fn: fn, lo: lo, hi: min(lo+size, n), call: c}
		select {
		case work <- t:
		default:
			t.run()
		}
	}
	task{fn: fn, lo: 0, hi: min(size, n), call: c}.run()
	// While waiting, run queued tasks (ours or another call's), so that a
	// For nested inside a For task cannot deadlock the pool; poll for up to
	// spinWindow before blocking, as the workers do.
	deadline := time.Now().Add(spinWindow)
	for i := 1; c.pending.Load() > 0; i++ {
		select {
		case t := <-work:
			t.run()
			continue
		default:
		}
		if i%64 == 0 && time.Now().After(deadline) {
			break
		}
	}
	for {
		select {
		case <-c.done:
			if p := c.panicked.Load(); p != nil {
				panic(*p)
			}
			return
		case t := <-work:
			t.run()
		}
	}
}

// Blocks is like For but splits [0, n) into exactly min(n, Threads()) ranges
// whose boundaries are multiples of align (except n itself). It suits kernels
// that want one block per core, such as GEMM over column panels.
func Blocks(n, align int, fn func(lo, hi int)) {
	if align < 1 {
		align = 1
	}
	units := (n + align - 1) / align
	For(units, 1, func(lo, hi int) {
		fn(lo*align, min(hi*align, n))
	})
}

// Each calls fn(i) for every i in [0, n), spread over the pool with dynamic
// scheduling: the calling goroutine and up to Threads()-1 workers each take
// the next index from a shared counter until none is left, so a slow or
// descheduled thread holds up only the index it is running, and a worker
// that has not woken yet is not waited for (the caller runs its queued
// task itself). Which goroutine runs which index varies; fn must be safe
// to call concurrently and should write disjoint results per index. Each
// returns after every call has returned.
func Each(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	t := Threads()
	if t <= 1 || n == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	For(min(t, n), 1, func(_, _ int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			fn(i)
		}
	})
}
