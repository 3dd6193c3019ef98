package distributed

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// DefaultBucketBytes is the size of DataParallel's gradient buckets: 4 MiB
// of float32 gradients per all-reduce call. Small models go in one call.
const DefaultBucketBytes = 4 << 20

// DataParallel implements model.Replicas over a Comm: it averages each
// step's gradients across the ranks with all-reduce, weighted by each
// rank's share of the global batch, and does the same for the epoch's
// loss and metrics.
//
// The gradients are packed into one buffer (each scaled by the rank's
// sample count n, with n itself as the last element), all-reduced (summed)
// in buckets of BucketBytes, and unpacked divided by the global count, so
// that every rank ends with the gradient of the global batch's mean loss.
// The reduction starts after the backward pass (see model.Replicas).
type DataParallel struct {
	comm Comm
	// BucketBytes is the size of one all-reduce call; 0 means
	// DefaultBucketBytes.
	BucketBytes int

	buf   []float32
	stats Stats
}

// Stats counts DataParallel's communication.
type Stats struct {
	Steps          int           // gradient reductions
	Calls          int           // all-reduce calls for gradients
	Bytes          int64         // gradient bytes all-reduced (per rank)
	AllReduceTime  time.Duration // time inside gradient all-reduce calls
	PackUnpackTime time.Duration // time packing and unpacking buckets
}

// NewDataParallel returns data-parallel replicas over c.
func NewDataParallel(c Comm) *DataParallel { return &DataParallel{comm: c} }

// Rank returns the communicator's rank.
func (d *DataParallel) Rank() int { return d.comm.Rank() }

// Size returns the communicator's size.
func (d *DataParallel) Size() int { return d.comm.Size() }

// Stats returns the communication counted so far.
func (d *DataParallel) Stats() Stats { return d.stats }

// ReduceGradients replaces every parameter's gradient by the n-weighted
// mean over the ranks, n being each rank's number of samples in the step.
// A parameter without a gradient counts as a zero gradient.
func (d *DataParallel) ReduceGradients(params []*tensor.Tensor, n int) error {
	if n < 1 {
		return fmt.Errorf("distributed: a step of %d samples", n)
	}
	t0 := time.Now()
	total := 1
	for _, p := range params {
		total += len(p.Data())
	}
	if cap(d.buf) < total {
		d.buf = make([]float32, total)
	}
	buf := d.buf[:total]
	w := float32(n)
	off := 0
	for _, p := range params {
		seg := buf[off : off+len(p.Data())]
		if g := p.Grad(); g != nil {
			for i, v := range g.Data() {
				seg[i] = v * w
			}
		} else {
			clear(seg)
		}
		off += len(p.Data())
	}
	buf[total-1] = w
	d.stats.PackUnpackTime += time.Since(t0)
	bucket := d.BucketBytes
	if bucket <= 0 {
		bucket = DefaultBucketBytes
	}
	bucket = max(bucket/4, 1)
	for lo := 0; lo < total; lo += bucket {
		t := time.Now()
		if err := d.comm.AllReduce(buf[lo:min(lo+bucket, total)], Sum); err != nil {
			return fmt.Errorf("all-reduce of gradients: %w", err)
		}
		d.stats.AllReduceTime += time.Since(t)
		d.stats.Calls++
	}
	d.stats.Bytes += int64(total) * 4
	d.stats.Steps++
	t1 := time.Now()
	inv := 1 / buf[total-1]
	off = 0
	for _, p := range params {
		seg := buf[off : off+len(p.Data())]
		off += len(p.Data())
		g := p.Grad()
		if g == nil {
			continue // the same on every rank: the graph is the same
		}
		gd := g.Data()
		for i, v := range seg {
			gd[i] = v * inv
		}
	}
	d.stats.PackUnpackTime += time.Since(t1)
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

var _ model.Replicas = (*DataParallel)(nil)
