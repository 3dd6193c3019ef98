package data

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
)

// Source is where training and evaluation get their batches: an in-memory
// Dataset, a Loader (shuffled, prefetched), a generator (SourceFunc) or a
// Prefetch wrapper around any of them.
//
// Batches returns the batches of epoch e (0-based) in order, each with an
// error that ends the epoch when non-nil. A yielded *Batch is valid only
// until the next one is requested; the consumer copies what must outlive
// it. A batch's sample dimensions may differ from batch to batch (e.g.
// padded text whose length is that of the longest sequence in the batch);
// only the rank stays the same. The order of epoch e should depend only on
// the source's seed and e, so that training resumed at epoch e sees the
// batches an uninterrupted run would have seen.
type Source interface {
	Batches(epoch int) iter.Seq2[*Batch, error]
}

// Sized is implemented by sources that know their number of batches per
// epoch (for progress bars).
type Sized interface {
	NumBatches() int
}

// SourceFunc adapts a generator function to a Source: f(epoch) returns the
// batches of that epoch. It is the way to feed batches of varying shape:
//
//	src := data.SourceFunc(func(epoch int) iter.Seq2[*data.Batch, error] {
//		return func(yield func(*data.Batch, error) bool) {
//			for _, b := range makeBatches(epoch) {
//				if !yield(b, nil) {
//					return
//				}
//			}
//		}
//	})
type SourceFunc func(epoch int) iter.Seq2[*Batch, error]

// Batches calls f(epoch).
func (f SourceFunc) Batches(epoch int) iter.Seq2[*Batch, error] { return f(epoch) }

// Batches returns the dataset's samples in order, in batches of 32 (the
// dataset as a Source with default options; use a Loader to shuffle or to
// choose the batch size). Every epoch is the same.
func (d *Dataset) Batches(epoch int) iter.Seq2[*Batch, error] {
	return NewLoader(d, LoaderOptions{}).Batches(epoch)
}

// Batches returns the batches of one epoch as a Source; the error is always
// nil.
func (l *Loader) Batches(epoch int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		for b := range l.Epoch(epoch) {
			if !yield(b, nil) {
				return
			}
		}
	}
}

// CheckBatch reports whether b is well formed: N > 0 samples, XShape[0] ==
// N and len(X) equal to the product of XShape, the same for Y when present.
func CheckBatch(b *Batch) error {
	if b == nil {
		return errors.New("data: nil batch")
	}
	if b.N <= 0 || len(b.XShape) < 1 || b.XShape[0] != b.N {
		return fmt.Errorf("data: batch has %d samples but x shape %v", b.N, b.XShape)
	}
	n, err := shapeSize(b.XShape)
	if err != nil || n != len(b.X) {
		return fmt.Errorf("data: batch x has %d values for shape %v", len(b.X), b.XShape)
	}
	if b.Y != nil {
		if len(b.YShape) < 1 || b.YShape[0] != b.N {
			return fmt.Errorf("data: batch has %d samples but y shape %v", b.N, b.YShape)
		}
		n, err := shapeSize(b.YShape)
		if err != nil || n != len(b.Y) {
			return fmt.Errorf("data: batch y has %d values for shape %v", len(b.Y), b.YShape)
		}
	}
	return nil
}

// Prefetch returns a source that runs src's epochs in a background
// goroutine, copying up to n batches ahead of the consumer (n < 1 means 1),
// so that an expensive generator (decoding, augmenting) overlaps with
// training. Batches are copied into a ring of n+2 reused buffers, so a
// steady state allocates nothing per batch once the buffers have grown to
// the largest batch. Breaking out of the consumer's loop stops the
// goroutine and waits for it. The source's batch order is kept.
func Prefetch(src Source, n int) Source {
	return &prefetcher{src: src, n: max(n, 1)}
}

type prefetcher struct {
	src  Source
	n    int
	mu   sync.Mutex // guards bufs between epochs (one epoch at a time)
	bufs []*Batch
}

// NumBatches forwards to the wrapped source when it is Sized, else -1.
func (p *prefetcher) NumBatches() int {
	if s, ok := p.src.(Sized); ok {
		return s.NumBatches()
	}
	return -1
}

func (p *prefetcher) Batches(epoch int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		for len(p.bufs) < p.n+2 {
			p.bufs = append(p.bufs, &Batch{})
		}
		runAhead(p.bufs, p.n, p.src.Batches(epoch), copyBatch, yield)
	}
}

// runAhead is the prefetch machinery of Loader and Prefetch. A background
// goroutine ranges over items, fills a free buffer of bufs with each (fill)
// and queues it up to depth ahead of the consumer; the consumer's side
// hands the queued buffers to yield in order. A buffer goes back to the
// free list only when the next one is yielded, so with len(bufs) >= depth+2
// the producer never waits on the buffer yield holds. An error from items
// is yielded after the batches before it and ends the run. runAhead returns
// when yield returns false, on an error, or when items ends; it stops the
// goroutine and waits for it in every case (also if yield panics).
func runAhead[T any](bufs []*Batch, depth int, items iter.Seq2[T, error], fill func(dst *Batch, it T), yield func(*Batch, error) bool) {
	type item struct {
		b   *Batch
		err error
	}
	free := make(chan *Batch, len(bufs))
	for _, b := range bufs {
		free <- b
	}
	ready := make(chan item, depth)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ready)
		for x, err := range items {
			var it item
			if err != nil {
				it.err = err
			} else {
				select {
				case it.b = <-free:
				case <-stop:
					return
				}
				fill(it.b, x)
			}
			select {
			case ready <- it:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		wg.Wait()
	}()
	var prev *Batch
	for it := range ready {
		if prev != nil {
			free <- prev // never blocks: free has room for every buffer
		}
		if !yield(it.b, it.err) || it.err != nil {
			return
		}
		prev = it.b
	}
}

// copyBatch copies src into dst, reusing dst's slices when large enough.
func copyBatch(dst, src *Batch) {
	dst.N = src.N
	dst.X = append(dst.X[:0], src.X...)
	dst.XShape = append(dst.XShape[:0], src.XShape...)
	dst.Index = append(dst.Index[:0], src.Index...)
	if src.Y == nil {
		dst.Y, dst.YShape = nil, nil
		return
	}
	if dst.Y == nil {
		dst.Y = make([]float32, 0, len(src.Y))
	}
	dst.Y = append(dst.Y[:0], src.Y...)
	dst.YShape = append(dst.YShape[:0], src.YShape...)
}

// Clone returns a deep copy of b that the caller owns.
func (b *Batch) Clone() *Batch {
	c := &Batch{}
	copyBatch(c, b)
	c.XShape = slices.Clip(c.XShape)
	return c
}
