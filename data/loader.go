package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
)

// LoaderOptions configures a Loader.
type LoaderOptions struct {
	// BatchSize is the number of samples per batch; 0 means 32 (Keras's
	// default).
	BatchSize int
	// Shuffle visits the samples in a new random order each epoch. The
	// order for epoch e is a deterministic function of (Seed, e).
	Shuffle bool
	// Seed seeds the shuffling.
	Seed uint64
	// DropLast drops the last batch when it has fewer than BatchSize samples.
	DropLast bool
	// Prefetch is the number of batches one background goroutine prepares
	// ahead of the consumer; 0 gathers each batch synchronously when it is
	// requested.
	Prefetch int
	// Shards > 1 splits every batch among Shards readers, one per
	// data-parallel replica: reader Shard (in [0, Shards)) gets its
	// contiguous share of each batch of the global order (BatchSize is the
	// global batch; the shares differ by at most one sample, the first
	// ones larger). Every reader sees the same global order, so the
	// union of the shards' batches k is the batch k one reader would get.
	// A last batch with fewer samples than Shards is dropped, so that every
	// reader has the same number of non-empty batches. 0 means 1.
	Shards int
	Shard  int
}

// Batch is a group of samples gathered into contiguous memory.
//
// A Batch and its slices are owned by the Loader and reused: a Batch is
// valid only until the next batch is requested (the next iteration of the
// range loop). Copy what must outlive it.
type Batch struct {
	// X holds N samples, shape XShape = [N, sample shape...].
	X      []float32
	XShape []int
	// Y holds N labels, shape YShape = [N, label shape...]; nil when the
	// dataset is unlabeled.
	Y      []float32
	YShape []int
	// Index holds the dataset index of each sample in the batch.
	Index []int
	// N is the number of samples in the batch.
	N int
}

// Loader cuts a Dataset into batches, optionally shuffled and prefetched.
// Its Epoch iterators must not run concurrently with each other.
type Loader struct {
	ds   *Dataset
	opt  LoaderOptions
	bufs []*Batch // ring of reusable batches, allocated on first use
}

// NewLoader returns a loader over ds. A BatchSize <= 0 means 32, one larger
// than the dataset is clamped to its size (as Keras: one batch of every
// sample), and a negative Prefetch means 0. It panics when Shard is not in
// [0, Shards).
func NewLoader(ds *Dataset, opt LoaderOptions) *Loader {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 32
	}
	opt.BatchSize = max(min(opt.BatchSize, ds.N), 1)
	opt.Prefetch = max(opt.Prefetch, 0)
	opt.Shards = max(opt.Shards, 1)
	if opt.Shard < 0 || opt.Shard >= opt.Shards {
		panic(fmt.Sprintf("data: NewLoader: shard %d is not in [0, %d)", opt.Shard, opt.Shards))
	}
	return &Loader{ds: ds, opt: opt}
}

// Options returns the loader's options with defaults filled in.
func (l *Loader) Options() LoaderOptions { return l.opt }

// Dataset returns the loader's dataset.
func (l *Loader) Dataset() *Dataset { return l.ds }

// NumBatches returns the number of batches in one epoch (the same for
// every shard).
func (l *Loader) NumBatches() int {
	n, bs := l.ds.N, l.opt.BatchSize
	full := n / bs
	if l.opt.DropLast || n%bs < l.opt.Shards {
		return full
	}
	return full + 1
}

// shardRange returns the part [lo, hi) of global batch positions [0, n)
// that the loader's shard reads.
func (l *Loader) shardRange(n int) (lo, hi int) {
	s, k := l.opt.Shards, l.opt.Shard
	q, r := n/s, n%s
	lo = k*q + min(k, r)
	hi = lo + q
	if k < r {
		hi++
	}
	return lo, hi
}

// Order returns the order in which epoch visits the samples: the identity
// without shuffling, otherwise a permutation determined by (Seed, epoch).
func (l *Loader) Order(epoch int) []int {
	idx := make([]int, l.ds.N)
	for i := range idx {
		idx[i] = i
	}
	if l.opt.Shuffle {
		r := rand.New(rand.NewPCG(l.opt.Seed, mix(uint64(epoch))))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	}
	return idx
}

// mix is the SplitMix64 finalizer; it decorrelates consecutive epochs.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Epoch returns an iterator over the batches of one epoch:
//
//	for b := range loader.Epoch(e) {
//		// use b.X (shape b.XShape) and b.Y before the next iteration
//	}
//
// With Prefetch > 0 a background goroutine gathers up to Prefetch batches
// ahead into a ring of Prefetch+2 reused buffers; breaking out of the loop
// stops it and waits for it to exit. No memory is allocated per batch once
// the ring exists (it is kept across epochs).
func (l *Loader) Epoch(epoch int) iter.Seq[*Batch] {
	return func(yield func(*Batch) bool) {
		order := l.Order(epoch)
		nb := l.NumBatches()
		if l.opt.Prefetch == 0 {
			b := l.ring(1)[0]
			for k := range nb {
				l.gather(b, order, k)
				if !yield(b) {
					return
				}
			}
			return
		}
		l.prefetch(yield, order, nb)
	}
}

func (l *Loader) prefetch(yield func(*Batch) bool, order []int, nb int) {
	batches := func(yield func(int, error) bool) {
		for k := range nb {
			if !yield(k, nil) {
				return
			}
		}
	}
	runAhead(l.ring(l.opt.Prefetch+2), l.opt.Prefetch, batches,
		func(b *Batch, k int) { l.gather(b, order, k) },
		func(b *Batch, _ error) bool { return yield(b) })
}

// ring returns n reusable batch buffers, growing the loader's ring if needed.
func (l *Loader) ring(n int) []*Batch {
	for len(l.bufs) < n {
		bs := (l.opt.BatchSize + l.opt.Shards - 1) / l.opt.Shards
		b := &Batch{
			X:      make([]float32, bs*l.ds.SampleSize()),
			XShape: append([]int{bs}, l.ds.XShape...),
			Index:  make([]int, bs),
		}
		if l.ds.Y != nil {
			b.Y = make([]float32, bs*l.ds.LabelSize())
			b.YShape = append([]int{bs}, l.ds.YShape...)
		}
		l.bufs = append(l.bufs, b)
	}
	return l.bufs[:n]
}

// gather fills b with batch k of the epoch visiting samples in order.
func (l *Loader) gather(b *Batch, order []int, k int) {
	bs := l.opt.BatchSize
	lo := k * bs
	hi := min(lo+bs, len(order))
	if l.opt.Shards > 1 {
		slo, shi := l.shardRange(hi - lo)
		lo, hi = lo+slo, lo+shi
	}
	n := hi - lo
	ss, ls := l.ds.SampleSize(), l.ds.LabelSize()
	b.N = n
	b.X = b.X[:n*ss]
	b.XShape[0] = n
	b.Index = b.Index[:n]
	copy(b.Index, order[lo:hi])
	if b.Y != nil {
		b.Y = b.Y[:n*ls]
		b.YShape[0] = n
	}
	x, y := l.ds.X, l.ds.Y
	for j, i := range b.Index {
		copy(b.X[j*ss:(j+1)*ss], x[i*ss:(i+1)*ss])
		if b.Y != nil {
			copy(b.Y[j*ls:(j+1)*ls], y[i*ls:(i+1)*ls])
		}
	}
}
