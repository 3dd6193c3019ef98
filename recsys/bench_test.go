package recsys

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchRatings makes n random ratings by 2,000 users of a catalogue of
// items items (every item is in the id table, rated or not).
func benchRatings(n, items int) *Ratings {
	rng := rand.New(rand.NewPCG(1, 2))
	const users = 2000
	r := &Ratings{UserIDs: make([]int64, users), ItemIDs: make([]int64, items)}
	for u := range r.UserIDs {
		r.UserIDs[u] = int64(u)
	}
	for i := range r.ItemIDs {
		r.ItemIDs[i] = int64(i)
	}
	seen := map[[2]int32]bool{}
	for len(r.Value) < n {
		u, i := int32(rng.IntN(users)), int32(rng.IntN(items))
		if seen[[2]int32{u, i}] {
			continue
		}
		seen[[2]int32{u, i}] = true
		r.User = append(r.User, u)
		r.Item = append(r.Item, i)
		r.Value = append(r.Value, float32(1+rng.IntN(5)))
	}
	return r
}

// BenchmarkEpoch times one training epoch of biased MF (32 factors, SGD,
// batches of 256) for growing numbers of ratings and catalogue sizes: the
// time grows with the ratings and stays flat in the catalogue size, since
// every step looks up and updates only the rows of its batch. Items are
// drawn uniformly, so a larger catalogue means fewer repeated (cache-hot)
// rows; cpu-ms/epoch is the process's CPU time, steadier than wall time on
// a shared machine.
//
//	go test -run XXX -bench Epoch -benchtime 3x ./recsys
func BenchmarkEpoch(b *testing.B) {
	for _, opt := range []string{"sgd", "lazy_adam"} {
		for _, n := range []int{20_000, 80_000} {
			for _, items := range []int{10_000, 100_000, 1_000_000} {
				b.Run(fmt.Sprintf("%s/ratings=%d/items=%d", opt, n, items), func(b *testing.B) {
					r := benchRatings(n, items)
					cfg, err := Resolve(Config{Kind: KindMF, Factors: 32, Optimizer: opt, LR: 0.005})
					if err != nil {
						b.Fatal(err)
					}
					t, err := newExplicitTrainer(cfg, r, nil)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := t.epoch(cfg.LR); err != nil { // warm: optimizer state
						b.Fatal(err)
					}
					b.ResetTimer()
					cpu0 := cpuSeconds()
					for i := 0; i < b.N; i++ {
						if _, err := t.epoch(cfg.LR); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/rating")
					if cpu0 >= 0 {
						// CPU time of the process (the machine may be shared).
						b.ReportMetric((cpuSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/epoch")
					}
				})
			}
		}
	}
}
