package data

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestLoaderCoversEpoch(t *testing.T) {
	const n = 103
	d := MustNew(seq(2*n), []int{2}, seq(n), nil)
	for _, bs := range []int{0, 1, 10, 103, 200} {
		for _, shuffle := range []bool{false, true} {
			for _, drop := range []bool{false, true} {
				for _, pf := range []int{0, 1, 3} {
					name := fmt.Sprintf("bs%d/shuffle=%v/drop=%v/prefetch%d", bs, shuffle, drop, pf)
					t.Run(name, func(t *testing.T) {
						l := NewLoader(d, LoaderOptions{BatchSize: bs, Shuffle: shuffle, Seed: 7, DropLast: drop, Prefetch: pf})
						bsz := l.Options().BatchSize
						var seen []int
						nb := 0
						for b := range l.Epoch(2) {
							nb++
							if b.N > bsz || b.N == 0 || (drop && b.N != bsz) {
								t.Fatalf("batch of %d", b.N)
							}
							if !reflect.DeepEqual(b.XShape, []int{b.N, 2}) || !reflect.DeepEqual(b.YShape, []int{b.N}) {
								t.Fatalf("shapes %v %v", b.XShape, b.YShape)
							}
							for j, i := range b.Index {
								if b.Y[j] != float32(i) || b.X[2*j] != float32(2*i) || b.X[2*j+1] != float32(2*i+1) {
									t.Fatalf("sample %d of batch does not match dataset index %d", j, i)
								}
							}
							seen = append(seen, b.Index...)
						}
						if nb != l.NumBatches() {
							t.Fatalf("%d batches, NumBatches %d", nb, l.NumBatches())
						}
						want := n
						if drop {
							want = n / bsz * bsz
						}
						if len(seen) != want {
							t.Fatalf("saw %d samples, want %d", len(seen), want)
						}
						if !drop {
							sorted := slices.Sorted(slices.Values(seen))
							for i, v := range sorted {
								if v != i {
									t.Fatalf("sample %d missing or repeated", i)
								}
							}
						}
						if !shuffle && !slices.IsSorted(seen) {
							t.Fatal("unshuffled order is not sequential")
						}
					})
				}
			}
		}
	}
}

func TestLoaderShuffleDeterministic(t *testing.T) {
	d := MustNew(seq(1000), []int{1}, nil, nil)
	order := func(seed uint64, epoch, prefetch int) []int {
		l := NewLoader(d, LoaderOptions{BatchSize: 64, Shuffle: true, Seed: seed, Prefetch: prefetch})
		var idx []int
		for b := range l.Epoch(epoch) {
			if b.Y != nil {
				t.Fatal("unlabeled dataset gave labels")
			}
			idx = append(idx, b.Index...)
		}
		return idx
	}
	a := order(1, 0, 0)
	if !reflect.DeepEqual(a, order(1, 0, 2)) {
		t.Fatal("prefetch changes the order")
	}
	if !reflect.DeepEqual(a, NewLoader(d, LoaderOptions{Shuffle: true, Seed: 1}).Order(0)) {
		t.Fatal("Order disagrees with Epoch")
	}
	if reflect.DeepEqual(a, order(1, 1, 0)) {
		t.Fatal("epochs 0 and 1 have the same order")
	}
	if reflect.DeepEqual(a, order(2, 0, 0)) {
		t.Fatal("seeds 1 and 2 give the same order")
	}
	if slices.IsSorted(a) {
		t.Fatal("not shuffled")
	}
}

// waitGoroutines waits for the number of goroutines to drop to at most n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d > %d\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLoaderEarlyBreakNoLeak(t *testing.T) {
	d := MustNew(seq(4000), []int{4}, seq(1000), nil)
	base := runtime.NumGoroutine()
	l := NewLoader(d, LoaderOptions{BatchSize: 10, Shuffle: true, Prefetch: 4})
	for range 20 {
		k := 0
		for range l.Epoch(0) {
			if k++; k == 3 {
				break
			}
		}
	}
	// A panicking loop body also stops the producer.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		for range l.Epoch(1) {
			panic("boom")
		}
	}()
	waitGoroutines(t, base)
	// The loader still works after early exits.
	n := 0
	for b := range l.Epoch(2) {
		n += b.N
	}
	if n != 1000 {
		t.Fatalf("%d samples after early breaks", n)
	}
	waitGoroutines(t, base)
}

func TestLoaderNoAllocPerBatch(t *testing.T) {
	d := MustNew(seq(64000), []int{64}, seq(1000), nil)
	for _, pf := range []int{0, 2} {
		allocs := func(bs int) float64 {
			l := NewLoader(d, LoaderOptions{BatchSize: bs, Prefetch: pf, Shuffle: true})
			for range l.Epoch(0) { // warm the ring
			}
			return testing.AllocsPerRun(5, func() {
				for range l.Epoch(1) {
				}
			})
		}
		// 1000 batches must not allocate more than 10 batches do.
		few, many := allocs(100), allocs(1)
		if many > few+2 {
			t.Errorf("prefetch %d: %v allocations for 1000 batches, %v for 10: allocating per batch", pf, many, few)
		}
	}
}

func ExampleLoader_Epoch() {
	// Ten samples of two features; the label is the sample number.
	x := make([]float32, 20)
	y := make([]float32, 10)
	for i := range y {
		x[2*i], x[2*i+1] = float32(i), float32(-i)
		y[i] = float32(i)
	}
	ds, err := New(x, []int{2}, y, nil)
	if err != nil {
		panic(err)
	}
	loader := NewLoader(ds, LoaderOptions{BatchSize: 4, Prefetch: 1})
	for b := range loader.Epoch(0) {
		// b is valid until the next iteration.
		fmt.Println(b.XShape, b.X, b.Y)
	}
	// Output:
	// [4 2] [0 0 1 -1 2 -2 3 -3] [0 1 2 3]
	// [4 2] [4 -4 5 -5 6 -6 7 -7] [4 5 6 7]
	// [2 2] [8 -8 9 -9] [8 9]
}

func BenchmarkLoaderEpochMNISTShape(b *testing.B) {
	const n = 6000
	d := MustNew(make([]float32, n*784), []int{28, 28, 1}, make([]float32, n), nil)
	for _, pf := range []int{0, 2} {
		b.Run(fmt.Sprintf("prefetch%d", pf), func(b *testing.B) {
			l := NewLoader(d, LoaderOptions{BatchSize: 128, Shuffle: true, Prefetch: pf})
			b.SetBytes(int64(n * 784 * 4))
			for i := range b.N {
				for range l.Epoch(i) {
				}
			}
		})
	}
}

// TestLoaderShards checks that the shards of every batch, put together in
// shard order, are the batch one unsharded loader gives (the same global
// order), that the shares differ by at most one sample, and that a last
// batch smaller than the number of shards is dropped by every shard.
func TestLoaderShards(t *testing.T) {
	for _, tc := range []struct{ n, bs, shards, prefetch int }{
		{103, 10, 2, 0}, // last batch 3: 2 + 1
		{103, 10, 3, 2}, // last batch 3: 1 + 1 + 1
		{103, 10, 4, 0}, // last batch 3 < 4: dropped
		{96, 32, 2, 1},
		{5, 32, 5, 0}, // the batch clamps to 5 samples, one each
	} {
		t.Run(fmt.Sprintf("n%d/bs%d/shards%d", tc.n, tc.bs, tc.shards), func(t *testing.T) {
			d := MustNew(seq(tc.n), []int{1}, seq(tc.n), nil)
			whole := NewLoader(d, LoaderOptions{BatchSize: tc.bs, Shuffle: true, Seed: 3})
			var want [][]int
			for b := range whole.Epoch(4) {
				if b.N >= tc.shards {
					want = append(want, slices.Clone(b.Index))
				}
			}
			got := make([][]int, len(want))
			for s := range tc.shards {
				l := NewLoader(d, LoaderOptions{BatchSize: tc.bs, Shuffle: true, Seed: 3, Shards: tc.shards, Shard: s, Prefetch: tc.prefetch})
				if l.NumBatches() != len(want) {
					t.Fatalf("shard %d: %d batches, want %d", s, l.NumBatches(), len(want))
				}
				k := 0
				for b := range l.Epoch(4) {
					full := len(want[k])
					if lo, hi := full/tc.shards, (full+tc.shards-1)/tc.shards; b.N < lo || b.N > hi || b.N == 0 {
						t.Fatalf("shard %d batch %d: %d samples of %d", s, k, b.N, full)
					}
					for j, i := range b.Index {
						if b.X[j] != float32(i) || b.Y[j] != float32(i) {
							t.Fatalf("shard %d batch %d: sample %d holds %v", s, k, i, b.X[j])
						}
					}
					got[k] = append(got[k], b.Index...)
					k++
				}
				if k != len(want) {
					t.Fatalf("shard %d: %d batches, want %d", s, k, len(want))
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("shards put together: %v\nwant %v", got, want)
			}
		})
	}
}
