package distributed

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// MaxBucketBytes caps the automatic bucket size: 25 MiB of float32
// gradients, PyTorch DistributedDataParallel's default bucket_cap_mb.
const MaxBucketBytes = 25 << 20

// MinBucketBytes is the smallest automatic bucket (64 KiB): below it, the
// latency of one more all-reduce call costs more than overlapping it can
// save.
const MinBucketBytes = 64 << 10

// AutoBucketBytes returns the bucket size DataParallel uses for gradients
// of gradBytes bytes when BucketBytes is 0: a quarter of the gradients,
// so that even a small model has about four buckets to overlap with the
// backward pass, within [MinBucketBytes, MaxBucketBytes]. The seed CNN's
// 373 KB of gradients go in buckets of 93 KB: 3 buckets, since a bucket
// holds whole parameters.
func AutoBucketBytes(gradBytes int) int {
	return min(MaxBucketBytes, max(MinBucketBytes, gradBytes/4))
}

// DataParallel implements model.Replicas and model.GradientStream over a
// Comm: it averages each step's gradients across the ranks with
// all-reduce, weighted by each rank's share of the global batch, and does
// the same for the epoch's loss and metrics.
//
// The parameters are grouped into buckets of about BucketBytes in reverse
// order (the order in which the backward pass finishes their gradients,
// as in PyTorch's DDP); a bucket holds whole parameters. During the
// backward pass, as soon as every gradient of a bucket is final (see
// tensor's BackwardNotify), a communication goroutine packs the bucket
// (each gradient scaled by the rank's sample count n; bucket 0 also
// carries n itself), all-reduces (sums) it with a blocking call while the
// backward pass goes on, and unpacks it divided by the global count, so
// that every rank ends with the gradient of the global batch's mean loss,
// bit-identical on every rank. Buckets are all-reduced strictly in
// bucket order, the same on every rank, as collectives must be.
// ReduceGradients waits for the last bucket before the optimizer step.
//
// Only that goroutine talks to the Comm during a step, and only during a
// step, so the Comm is never used by two goroutines at once (MPI's
// MPI_THREAD_SERIALIZED). A blocking all-reduce on its own goroutine
// rather than MPI's non-blocking MPI_Iallreduce: Open MPI progresses a
// non-blocking collective only inside MPI calls (it has no progress thread
// by default), so an Iallreduce started mid-backward would not move until
// the compute goroutine waited for it; a blocking call drives its own
// progress.
type DataParallel struct {
	comm Comm
	// BucketBytes is the target size of one bucket (one all-reduce call);
	// 0 chooses AutoBucketBytes of the model's gradients.
	BucketBytes int
	// AfterBackward, when set, reduces only after the backward pass has
	// returned, bucket after bucket on the calling goroutine: no overlap.
	// It gives the same gradients; it is there to measure what overlap
	// saves.
	AfterBackward bool

	lay   *layout
	buf   []float32
	cur   *stepState // the step between StartGradients and ReduceGradients
	stats Stats
}

// Stats counts DataParallel's communication. Times are wall-clock on
// this rank; the all-reduce time includes waiting for slower ranks.
type Stats struct {
	Steps          int           // gradient reductions
	Calls          int           // all-reduce calls for gradients
	Buckets        int           // buckets of the current parameters
	Bytes          int64         // gradient bytes all-reduced (per rank)
	AllReduceTime  time.Duration // time inside gradient all-reduce calls
	PackUnpackTime time.Duration // time packing and unpacking buckets
	// BackwardTime is the time from StartGradients to ReduceGradients:
	// the backward pass.
	BackwardTime time.Duration
	// OverlapTime is the part of AllReduceTime that ran before the
	// backward pass ended.
	OverlapTime time.Duration
	// WaitTime is the time ReduceGradients spent after the backward pass:
	// the communication the step could not hide.
	WaitTime time.Duration
	// BucketStart and BucketTime hold, per bucket of the current
	// parameters, the sum over BucketSteps steps of the time its
	// all-reduce started relative to the end of the backward pass
	// (negative: before it ended) and of the time the call took.
	BucketStart, BucketTime []time.Duration
	BucketSteps             int
}

// NewDataParallel returns data-parallel replicas over c.
func NewDataParallel(c Comm) *DataParallel { return &DataParallel{comm: c} }

// Rank returns the communicator's rank.
func (d *DataParallel) Rank() int { return d.comm.Rank() }

// Size returns the communicator's size.
func (d *DataParallel) Size() int { return d.comm.Size() }

// Stats returns the communication counted so far.
func (d *DataParallel) Stats() Stats {
	st := d.stats
	st.BucketStart, st.BucketTime = slices.Clone(st.BucketStart), slices.Clone(st.BucketTime)
	return st
}

// layout places parameters in buckets and in the all-reduce buffer.
type layout struct {
	params  []*tensor.Tensor
	bucket  map[*tensor.Tensor]int // parameter -> its bucket
	off     []int                  // parameter i's offset in the buffer
	buckets []bucketLayout
	total   int // buffer length: 1 (the count) + every parameter's size
}

type bucketLayout struct {
	params []int // indices into layout.params
	lo, hi int   // range of the buffer; bucket 0 starts with the count
}

// layoutFor returns the bucket layout of params, rebuilt when they change.
func (d *DataParallel) layoutFor(params []*tensor.Tensor) *layout {
	if l := d.lay; l != nil && slices.Equal(l.params, params) {
		return l
	}
	l := &layout{params: slices.Clone(params), bucket: make(map[*tensor.Tensor]int, len(params)), off: make([]int, len(params))}
	l.total = 1
	for _, p := range params {
		l.total += p.Size()
	}
	limit := d.BucketBytes
	if limit <= 0 {
		limit = AutoBucketBytes(4 * l.total)
	}
	pos, size := 1, 0
	var cur bucketLayout
	for i := len(params) - 1; i >= 0; i-- {
		p := params[i]
		if _, dup := l.bucket[p]; dup {
			continue // a parameter listed twice is reduced once
		}
		l.bucket[p] = len(l.buckets)
		l.off[i] = pos
		cur.params = append(cur.params, i)
		pos += p.Size()
		size += 4 * p.Size()
		if size >= limit || i == 0 {
			cur.hi = pos
			l.buckets = append(l.buckets, cur)
			cur, size = bucketLayout{lo: pos}, 0
		}
	}
	if len(cur.params) > 0 { // params[0] was a duplicate: close the open bucket
		cur.hi = pos
		l.buckets = append(l.buckets, cur)
	}
	if len(l.buckets) == 0 {
		l.buckets = []bucketLayout{{lo: 0, hi: 1}}
	}
	l.buckets[0].lo = 0
	l.total = pos
	d.lay = l
	d.stats.Buckets = len(l.buckets)
	d.stats.BucketStart = make([]time.Duration, len(l.buckets))
	d.stats.BucketTime = make([]time.Duration, len(l.buckets))
	d.stats.BucketSteps = 0
	return l
}

// stepState is one step's reduction in flight.
type stepState struct {
	lay   *layout
	w     float32       // this rank's sample count
	left  []int         // per bucket, parameters not yet reported
	sent  []bool        // per bucket, handed to the goroutine
	ready chan int      // buckets whose gradients are all final
	done  chan struct{} // closed when the goroutine has reduced every bucket
	err   error         // the goroutine's error, read after done
	start time.Time     // StartGradients: the backward pass begins
	times []span        // per bucket, its all-reduce call
}

type span struct{ start, end time.Time }

// StartGradients begins the reduction of a step's gradients (see
// model.GradientStream): it returns the function the backward pass calls
// for each parameter whose gradient is final, and starts the goroutine
// that all-reduces each bucket once all its gradients are. With
// AfterBackward set it returns a nil function and starts nothing.
func (d *DataParallel) StartGradients(params []*tensor.Tensor, n int) (func(*tensor.Tensor), error) {
	if n < 1 {
		return nil, fmt.Errorf("distributed: a step of %d samples", n)
	}
	if d.cur != nil {
		return nil, errors.New("distributed: StartGradients before the previous step's ReduceGradients")
	}
	lay := d.layoutFor(params)
	nb := len(lay.buckets)
	s := &stepState{lay: lay, w: float32(n), left: make([]int, nb), sent: make([]bool, nb), start: time.Now(), times: make([]span, nb)}
	for b, bk := range lay.buckets {
		s.left[b] = len(bk.params)
	}
	d.cur = s
	if d.AfterBackward {
		return nil, nil
	}
	if cap(d.buf) < lay.total {
		d.buf = make([]float32, lay.total)
	}
	s.ready = make(chan int, nb)
	s.done = make(chan struct{})
	go d.communicate(s)
	return func(p *tensor.Tensor) {
		b, ok := lay.bucket[p]
		if !ok {
			return // not a parameter of this step
		}
		if s.left[b]--; s.left[b] == 0 {
			s.send(b)
		}
	}, nil
}

// send hands bucket b to the communication goroutine, once.
func (s *stepState) send(b int) {
	if !s.sent[b] {
		s.sent[b] = true
		s.ready <- b
	}
}

// communicate reduces the step's buckets in bucket order, each once all
// its gradients are final.
func (d *DataParallel) communicate(s *stepState) {
	defer close(s.done)
	nb := len(s.lay.buckets)
	got := make([]bool, nb)
	next := 0
	for next < nb {
		got[<-s.ready] = true
		for ; next < nb && got[next]; next++ {
			if s.err = d.reduceBucket(s, next); s.err != nil {
				return
			}
		}
	}
}

// reduceBucket packs bucket b, all-reduces it and unpacks it.
func (d *DataParallel) reduceBucket(s *stepState, b int) error {
	lay, bk := s.lay, s.lay.buckets[b]
	buf := d.buf[bk.lo:bk.hi]
	t0 := time.Now()
	if b == 0 {
		d.buf[0] = s.w
	}
	for _, i := range bk.params {
		p := lay.params[i]
		seg := d.buf[lay.off[i] : lay.off[i]+p.Size()]
		if g := p.Grad(); g != nil {
			for j, v := range g.Data() {
				seg[j] = v * s.w
			}
		} else {
			clear(seg)
		}
	}
	t1 := time.Now()
	err := d.comm.AllReduce(buf, Sum)
	t2 := time.Now()
	s.times[b] = span{t1, t2}
	if err != nil {
		return fmt.Errorf("all-reduce of gradients: %w", err)
	}
	// Bucket 0 is reduced first: the global count is known.
	inv := 1 / d.buf[0]
	for _, i := range bk.params {
		p := lay.params[i]
		g := p.Grad()
		if g == nil {
			continue // the same on every rank: the graph is the same
		}
		seg := d.buf[lay.off[i] : lay.off[i]+p.Size()]
		gd := g.Data()
		for j, v := range seg {
			gd[j] = v * inv
		}
	}
	d.stats.PackUnpackTime += t1.Sub(t0) + time.Since(t2)
	return nil
}

// ReduceGradients replaces every parameter's gradient by the n-weighted
// mean over the ranks, n being each rank's number of samples in the step.
// A parameter without a gradient counts as a zero gradient. After
// StartGradients it finishes that step's reduction (buckets with
// parameters the backward pass never reported go now) and waits for it;
// without, it reduces every bucket now.
func (d *DataParallel) ReduceGradients(params []*tensor.Tensor, n int) error {
	if n < 1 {
		return fmt.Errorf("distributed: a step of %d samples", n)
	}
	s := d.cur
	d.cur = nil
	if s == nil || !slices.Equal(s.lay.params, params) || s.w != float32(n) {
		if s != nil && s.ready != nil {
			d.finish(s)
			return errors.New("distributed: ReduceGradients with other parameters or samples than StartGradients")
		}
		s = &stepState{lay: d.layoutFor(params), w: float32(n), start: time.Now()}
		s.times = make([]span, len(s.lay.buckets))
	}
	return d.finish(s)
}

// finish completes step s: it waits for the goroutine (handing it the
// buckets not yet sent) or, without one, reduces every bucket itself; then
// it counts the step.
func (d *DataParallel) finish(s *stepState) error {
	end := time.Now()
	nb := len(s.lay.buckets)
	if s.ready != nil {
		for b := range nb {
			s.send(b)
		}
		<-s.done
	} else {
		if cap(d.buf) < s.lay.total {
			d.buf = make([]float32, s.lay.total)
		}
		for b := range nb {
			if s.err = d.reduceBucket(s, b); s.err != nil {
				break
			}
		}
	}
	st := &d.stats
	st.BackwardTime += end.Sub(s.start)
	st.WaitTime += time.Since(end)
	for b, t := range s.times {
		if t.start.IsZero() {
			continue
		}
		st.Calls++
		st.AllReduceTime += t.end.Sub(t.start)
		if s.lay == d.lay {
			st.BucketStart[b] += t.start.Sub(end)
			st.BucketTime[b] += t.end.Sub(t.start)
		}
		if t.start.Before(end) {
			st.OverlapTime += earlier(t.end, end).Sub(t.start)
		}
	}
	if s.err != nil {
		return s.err
	}
	st.Bytes += int64(s.lay.total) * 4
	st.Steps++
	if s.lay == d.lay {
		st.BucketSteps++
	}
	return nil
}

// ReduceLogs replaces each value of logs by its n-weighted mean over the
// ranks. Every rank must hold the same keys.
func (d *DataParallel) ReduceLogs(logs model.Logs, n int) error {
	keys := slices.Sorted(maps.Keys(logs))
	buf := make([]float64, len(keys)+1)
	for i, k := range keys {
		buf[i] = logs[k] * float64(n)
	}
	buf[len(keys)] = float64(n)
	if err := d.comm.AllReduce64(buf, Sum); err != nil {
		return fmt.Errorf("all-reduce of logs: %w", err)
	}
	if buf[len(keys)] <= 0 {
		return fmt.Errorf("distributed: logs over %v samples", buf[len(keys)])
	}
	for i, k := range keys {
		logs[k] = buf[i] / buf[len(keys)]
	}
	return nil
}

// BroadcastWeights copies rank 0's weights (trainable and layer state)
// into every rank's model, so that all replicas start equal. The model must
// be built.
func BroadcastWeights(c Comm, m *model.Model) error {
	ws := m.Weights()
	total := 0
	for _, w := range ws {
		total += len(w.Data())
	}
	buf := make([]float32, total)
	off := 0
	for _, w := range ws {
		copy(buf[off:], w.Data())
		off += len(w.Data())
	}
	if err := c.Broadcast(buf, 0); err != nil {
		return fmt.Errorf("broadcast of the weights: %w", err)
	}
	off = 0
	for _, w := range ws {
		copy(w.Data(), buf[off:off+len(w.Data())])
		off += len(w.Data())
	}
	return nil
}

var (
	_ model.Replicas       = (*DataParallel)(nil)
	_ model.GradientStream = (*DataParallel)(nil)
)

// earlier returns the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
