package serve

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
)

// job is one request's samples waiting for a batch.
type job struct {
	ctx  context.Context
	x    []float32 // n samples, flattened
	n    int
	done chan result // buffered (1)
}

type result struct {
	y   []float32 // n outputs, flattened
	err error
}

// batcher gathers concurrent requests for one model into batches of up
// to maxBatch samples, waiting at most maxDelay after the first one, and
// runs each batch with one Predict call on the model's concurrent-safe
// inference path. Several workers run batches at once.
type batcher struct {
	m        *model.Model
	in       []int // per-sample input shape
	per      int   // values per input sample
	outPer   int   // values per output sample
	maxBatch int
	maxDelay time.Duration
	jobs     chan *job
	wg       sync.WaitGroup
	observe  func(samples int) // called with each batch's size
	// outside counts the requests holding the model that are not in the
	// batcher: reading and decoding their input (they will submit soon)
	// or writing their answer (a closed-loop client sends its next one);
	// nil counts none. A batch waits for more only while it is positive.
	outside *atomic.Int64
	// inServer counts the server's requests in their handlers, this
	// one's included; nil counts none.
	inServer *atomic.Int64
	// collect is held by the worker gathering a batch: one gathers while
	// the others run theirs, so that arrivals are not split between two
	// half-empty batches.
	collect sync.Mutex
}

func newBatcher(m *model.Model, in []int, outPer, maxBatch int, maxDelay time.Duration, workers int, outside, inServer *atomic.Int64, observe func(int)) *batcher {
	per := 1
	for _, d := range in {
		per *= d
	}
	b := &batcher{m: m, in: in, per: per, outPer: outPer, maxBatch: max(maxBatch, 1),
		maxDelay: maxDelay, jobs: make(chan *job), outside: outside, inServer: inServer, observe: observe}
	for range max(workers, 1) {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

// testBeforeBatch, when set (by tests, before a server starts), runs
// before each batch: tests hold requests in flight with it.
var testBeforeBatch func()

// errStopped is returned for work submitted to a closed batcher (never
// expected: the server retires a batcher only when no request holds it).
var errStopped = errors.New("model unloaded")

// predict runs n samples (x holds n*per values) and returns n*outPer
// outputs, or ctx's error when ctx ends first.
func (b *batcher) predict(ctx context.Context, x []float32, n int) ([]float32, error) {
	if len(x) != n*b.per {
		return nil, fmt.Errorf("%d values do not make %d samples of shape %v", len(x), n, b.in)
	}
	j := &job{ctx: ctx, x: x, n: n, done: make(chan result, 1)}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-j.done:
		return r.y, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close stops the workers after the batches in progress.
func (b *batcher) close() {
	close(b.jobs)
	b.wg.Wait()
}

func (b *batcher) loop() {
	defer b.wg.Done()
	for {
		batch, ok := b.gather()
		if len(batch) > 0 {
			b.run(batch)
		}
		if !ok {
			return
		}
	}
}

// gather takes the next batch: the first job, everything already queued,
// and, while other requests for the model are outside the batcher (see
// outside), what arrives within maxDelay of the first, up to maxBatch
// samples. A lone client is never delayed. ok is false once jobs is
// closed.
func (b *batcher) gather() (batch []*job, ok bool) {
	b.collect.Lock()
	defer b.collect.Unlock()
	first, ok := <-b.jobs
	if !ok {
		return nil, false
	}
	batch = []*job{first}
	n := first.n
	if b.maxBatch > 1 && b.maxDelay > 0 && b.inServer != nil && b.inServer.Load() > 1 {
		// The scheduler runs a goroutine woken by a channel send next,
		// ahead of the connections that are ready to read, decode and
		// submit more: let them go first. Under load this is what fills
		// batches (a mean of about 4 instead of 1.4 at 64 clients in
		// docs/serving.md's load test). A lone request does not yield.
		runtime.Gosched()
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for n < b.maxBatch {
		var j *job
		select {
		case j, ok = <-b.jobs: // already queued
		default:
			if b.maxDelay <= 0 || b.outside == nil || b.outside.Load() <= 0 {
				return batch, true
			}
			if timer == nil {
				timer = time.NewTimer(b.maxDelay)
			}
			select {
			case j, ok = <-b.jobs:
			case <-timer.C:
				return batch, true
			}
		}
		if !ok {
			return batch, false
		}
		batch = append(batch, j)
		n += j.n
	}
	return batch, true
}

// run predicts one batch and hands each job its rows. Jobs whose request
// has already ended are left out.
func (b *batcher) run(batch []*job) {
	if testBeforeBatch != nil {
		testBeforeBatch()
	}
	live := batch[:0]
	n := 0
	for _, j := range batch {
		if j.ctx.Err() != nil {
			j.done <- result{err: j.ctx.Err()}
			continue
		}
		live = append(live, j)
		n += j.n
	}
	if n == 0 {
		return
	}
	x := make([]float32, 0, n*b.per)
	for _, j := range live {
		x = append(x, j.x...)
	}
	var y []float32
	ds, err := data.New(x, b.in, nil, nil)
	if err == nil {
		p, perr := b.m.Predict(ds, model.EvalConfig{BatchSize: n, Verbose: model.VerboseSilent})
		if err = perr; err == nil {
			y = p.Data()
			if len(y) != n*b.outPer {
				err = fmt.Errorf("the model gave %d outputs for %d samples", len(y), n)
			}
		}
	}
	if b.observe != nil {
		b.observe(n)
	}
	off := 0
	for _, j := range live {
		if err != nil {
			j.done <- result{err: err}
			continue
		}
		j.done <- result{y: y[off*b.outPer : (off+j.n)*b.outPer]}
		off += j.n
	}
}
