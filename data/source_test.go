package data

import (
	"errors"
	"iter"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// genBatches returns batches of varying sample length: batch k has k+1
// samples of length 2+k%3, sample values k*100+i.
func genBatches(n int) []*Batch {
	var bs []*Batch
	for k := 0; k < n; k++ {
		m, T := k+1, 2+k%3
		b := &Batch{N: m, XShape: []int{m, T}, X: make([]float32, m*T), YShape: []int{m}, Y: make([]float32, m)}
		for i := range b.X {
			b.X[i] = float32(k*100 + i)
		}
		for i := range b.Y {
			b.Y[i] = float32(k)
		}
		bs = append(bs, b)
	}
	return bs
}

func genSource(bs []*Batch, failAt int) Source {
	return SourceFunc(func(epoch int) iter.Seq2[*Batch, error] {
		return func(yield func(*Batch, error) bool) {
			for k, b := range bs {
				if k == failAt {
					yield(nil, errors.New("generator failed"))
					return
				}
				if !yield(b, nil) {
					return
				}
			}
		}
	})
}

func TestPrefetchKeepsBatches(t *testing.T) {
	want := genBatches(9)
	for _, n := range []int{0, 1, 4} {
		src := Prefetch(genSource(want, -1), n)
		for epoch := 0; epoch < 2; epoch++ {
			k := 0
			for b, err := range src.Batches(epoch) {
				if err != nil {
					t.Fatal(err)
				}
				if err := CheckBatch(b); err != nil {
					t.Fatal(err)
				}
				w := want[k]
				if b.N != w.N || !reflect.DeepEqual(b.XShape, w.XShape) || !reflect.DeepEqual(b.X, w.X) || !reflect.DeepEqual(b.Y, w.Y) {
					t.Fatalf("prefetch %d, batch %d: got %+v, want %+v", n, k, b, w)
				}
				k++
			}
			if k != len(want) {
				t.Fatalf("prefetch %d: %d batches, want %d", n, k, len(want))
			}
		}
	}
}

func TestPrefetchErrorAndBreak(t *testing.T) {
	src := Prefetch(genSource(genBatches(9), 3), 2)
	k := 0
	var got error
	for _, err := range src.Batches(0) {
		if err != nil {
			got = err
			break
		}
		k++
	}
	if k != 3 || got == nil || !strings.Contains(got.Error(), "generator failed") {
		t.Fatalf("%d batches then %v", k, got)
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		for range Prefetch(genSource(genBatches(9), -1), 2).Batches(0) {
			break
		}
	}
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("%d goroutines after breaking out, %d before", after, before)
	}
}

func TestCheckBatch(t *testing.T) {
	for _, c := range []struct {
		b    *Batch
		want string
	}{
		{nil, "nil batch"},
		{&Batch{N: 0, XShape: []int{0, 2}}, "0 samples"},
		{&Batch{N: 2, XShape: []int{3, 2}, X: make([]float32, 6)}, "2 samples but x shape [3 2]"},
		{&Batch{N: 2, XShape: []int{2, 2}, X: make([]float32, 5)}, "5 values"},
		{&Batch{N: 2, XShape: []int{2, math.MaxInt / 2}, X: make([]float32, 4)}, "values for shape"},
		{&Batch{N: 2, XShape: []int{2}, X: make([]float32, 2), Y: make([]float32, 2), YShape: []int{3}}, "y shape [3]"},
		{&Batch{N: 2, XShape: []int{2}, X: make([]float32, 2), Y: make([]float32, 3), YShape: []int{2}}, "y has 3 values"},
	} {
		err := CheckBatch(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckBatch(%+v) = %v, want %q", c.b, err, c.want)
		}
	}
	if err := CheckBatch(genBatches(3)[2]); err != nil {
		t.Error(err)
	}
}

// A batch size beyond the data (even math.MaxInt) is one batch of every
// sample, not zero batches or an overflow.
func TestLoaderClampsBatchSize(t *testing.T) {
	d := MustNew(seq(10), []int{1}, seq(10), nil)
	for _, bs := range []int{10, 11, math.MaxInt} {
		l := NewLoader(d, LoaderOptions{BatchSize: bs, Shuffle: true, DropLast: true})
		if l.NumBatches() != 1 || l.Options().BatchSize != 10 {
			t.Fatalf("batch size %d: %d batches of %d", bs, l.NumBatches(), l.Options().BatchSize)
		}
		n := 0
		for b, err := range l.Batches(0) {
			if err != nil || b.N != 10 {
				t.Fatalf("batch of %d, %v", b.N, err)
			}
			n++
		}
		if n != 1 {
			t.Fatalf("%d batches", n)
		}
	}
}

// The dataset is a Source of in-order batches of 32.
func TestDatasetIsSource(t *testing.T) {
	d := MustNew(seq(70), []int{1}, seq(70), nil)
	var ns []int
	next := 0
	for b, err := range d.Batches(3) {
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range b.Index {
			if i != next {
				t.Fatalf("sample %d out of order", i)
			}
			next++
		}
		ns = append(ns, b.N)
	}
	if !reflect.DeepEqual(ns, []int{32, 32, 6}) {
		t.Fatalf("batch sizes %v", ns)
	}
}
