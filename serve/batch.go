package serve

import (
	"context"
	"errors"
	"fmt"
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
	// arriving counts requests that are decoding their input and will
	// submit soon; nil counts none.
	arriving *atomic.Int64
}

func newBatcher(m *model.Model, in []int, outPer, maxBatch int, maxDelay time.Duration, workers int, arriving *atomic.Int64, observe func(int)) *batcher {
	per := 1
	for _, d := range in {
		per *= d
	}
	b := &batcher{m: m, in: in, per: per, outPer: outPer, maxBatch: max(maxBatch, 1),
		maxDelay: maxDelay, jobs: make(chan *job), arriving: arriving, observe: observe}
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
	for first := range b.jobs {
		batch := []*job{first}
		n := first.n
		var timer *time.Timer
	gather:
		for n < b.maxBatch {
			// Take what is already queued.
			select {
			case j, ok := <-b.jobs:
				if !ok {
					break gather
				}
				batch = append(batch, j)
				n += j.n
				continue
			default:
			}
			// Wait for more only while requests are on their way, and at
			// most maxDelay after the first: a lone client is not delayed.
			if b.maxDelay <= 0 || b.arriving == nil || b.arriving.Load() == 0 {
				break
			}
			if timer == nil {
				timer = time.NewTimer(b.maxDelay)
			}
			select {
			case j, ok := <-b.jobs:
				if !ok {
					break gather
				}
				batch = append(batch, j)
				n += j.n
			case <-timer.C:
				break gather
			}
		}
		if timer != nil {
			timer.Stop()
		}
		b.run(batch)
	}
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
