package recsys

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
)

// Train trains a model of cfg.Kind on train. genres (may be nil) gives the
// items' genres for cfg.Genres. log, when not nil, is called after every
// epoch with the mean training loss.
func Train(cfg Config, train *Ratings, genres *Genres, log func(epoch int, loss float64)) (*Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if train == nil || train.Len() == 0 {
		return nil, fmt.Errorf("recsys: no training ratings")
	}
	switch cfg.Kind {
	case KindMF, KindSVDPP:
		return trainExplicit(cfg, train, genres, log)
	}
	return trainNCF(cfg, train, log)
}

// FoldResult holds the test errors of one fold.
type FoldResult struct {
	RMSE float64 `json:"rmse"`
	MAE  float64 `json:"mae"`
}

// CrossValidate trains cfg on k folds of r (ratings shuffled with seed, see
// KFold) and returns each fold's RMSE and MAE, predictions clipped to
// [lo, hi]. Folds train concurrently, at most workers at a time (0: one per
// CPU).
func CrossValidate(cfg Config, r *Ratings, genres *Genres, k int, seed uint64, lo, hi float32, workers int) ([]FoldResult, error) {
	if k < 2 || k > r.Len() {
		return nil, fmt.Errorf("recsys: %d folds for %d ratings: need 2 ≤ folds ≤ ratings", k, r.Len())
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	tr, te := KFold(r.Len(), k, seed)
	res := make([]FoldResult, k)
	errs := make([]error, k)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for f := 0; f < k; f++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(f int) {
			defer func() { <-sem; wg.Done() }()
			m, err := Train(cfg, r.Subset(tr[f]), genres, nil)
			if err != nil {
				errs[f] = fmt.Errorf("fold %d: %w", f+1, err)
				return
			}
			res[f].RMSE, res[f].MAE = m.Errors(r.Subset(te[f]), lo, hi)
		}(f)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// LeaveOneOut splits r for top-K evaluation: each user's latest rating (by
// timestamp; the later line on a tie, the last line without timestamps) is
// the test rating, the others train. Users with one rating stay in train.
func LeaveOneOut(r *Ratings) (train, test []int) {
	last := make([]int, r.NumUsers())
	count := make([]int, r.NumUsers())
	for i := range last {
		last[i] = -1
	}
	for k, u := range r.User {
		count[u]++
		if l := last[u]; l < 0 || r.Time == nil || r.Time[k] >= r.Time[l] {
			last[u] = k
		}
	}
	for k, u := range r.User {
		if last[u] == k && count[u] > 1 {
			test = append(test, k)
		} else {
			train = append(train, k)
		}
	}
	return train, test
}

// Scorer scores items for a user; higher ranks first.
type Scorer interface {
	Scores(u int32, items []int32) []float32
}

// Scores implements Scorer: predicted ratings for mf and svdpp,
// interaction probabilities for NCF, with the cold-start rule of Predict.
func (m *Model) Scores(u int32, items []int32) []float32 {
	known := u >= 0 && int(u) < len(m.UserCount) && m.UserCount[u] > 0
	switch m.Cfg.Kind {
	case KindGMF, KindMLP, KindNeuMF:
		if known {
			var ok []int32
			var at []int
			for k, i := range items {
				if i >= 0 && int(i) < len(m.ItemCount) && m.ItemCount[i] > 0 {
					ok, at = append(ok, i), append(at, k)
				}
			}
			if len(ok) == len(items) {
				return m.ncfScore(u, items)
			}
			out := make([]float32, len(items)) // unknown items score 0
			if len(ok) > 0 {
				for k, v := range m.ncfScore(u, ok) {
					out[at[k]] = v
				}
			}
			return out
		}
	}
	out := make([]float32, len(items))
	for k, i := range items {
		out[k] = m.Predict(u, i)
	}
	return out
}

// Popularity scores items by their number of training ratings: the
// baseline of top-K evaluation and the cold-start ranking.
type Popularity []int32

// Scores implements Scorer.
func (p Popularity) Scores(_ int32, items []int32) []float32 {
	out := make([]float32, len(items))
	for k, i := range items {
		if int(i) < len(p) {
			out[k] = float32(p[i])
		}
	}
	return out
}

// TopKResult holds leave-one-out ranking metrics.
type TopKResult struct {
	HR     float64 `json:"hr_at_10"`
	NDCG   float64 `json:"ndcg_at_10"`
	Recall float64 `json:"recall_at_k"`
	K      int     `json:"k"`
	Users  int     `json:"users"`
}

// EvalLeaveOneOut ranks each held-out rating test[·] of all against
// negatives items the user never rated in all (sampled with seed) and
// returns HR@10 and NDCG@10; and, ranking it against every item the user
// did not rate in train (rated[u]), recall@k. A tie with a negative counts
// against the held-out item.
func EvalLeaveOneOut(s Scorer, all *Ratings, test []int, negatives, k int, seed uint64) TopKResult {
	rng := rand.New(rand.NewPCG(seed, 0x100))
	ratedAll := make([]map[int32]bool, all.NumUsers())
	for j, u := range all.User {
		if ratedAll[u] == nil {
			ratedAll[u] = map[int32]bool{}
		}
		ratedAll[u][all.Item[j]] = true
	}
	testSet := map[int]bool{}
	for _, t := range test {
		testSet[t] = true
	}
	var res TopKResult
	res.K = k
	ni := all.NumItems()
	cand := make([]int32, 0, ni)
	for _, t := range test {
		u, pos := all.User[t], all.Item[t]
		if len(ratedAll[u])+negatives > ni {
			continue
		}
		items := []int32{pos}
		picked := map[int32]bool{}
		for len(items) < negatives+1 {
			i := int32(rng.IntN(ni))
			if !ratedAll[u][i] && !picked[i] {
				picked[i] = true
				items = append(items, i)
			}
		}
		sc := s.Scores(u, items)
		rank := 0
		for _, v := range sc[1:] {
			if v >= sc[0] {
				rank++
			}
		}
		if rank < 10 {
			res.HR++
			res.NDCG += 1 / math.Log2(float64(rank)+2)
		}
		// Full ranking over every item not rated in training.
		cand = cand[:0]
		for i := int32(0); int(i) < ni; i++ {
			if i == pos || !ratedAll[u][i] {
				cand = append(cand, i)
			}
		}
		sc = s.Scores(u, cand)
		var p float32
		for j, i := range cand {
			if i == pos {
				p = sc[j]
			}
		}
		rank = 0
		for j, v := range sc {
			if cand[j] != pos && v >= p {
				rank++
			}
		}
		if rank < k {
			res.Recall++
		}
		res.Users++
	}
	if res.Users > 0 {
		n := float64(res.Users)
		res.HR /= n
		res.NDCG /= n
		res.Recall /= n
	}
	return res
}

// Top returns the k items with the highest scores for user u among the
// items the user did not rate in training, best first. An unknown user
// gets the most popular items (the cold-start rule).
func (m *Model) Top(u int32, k int) []int32 {
	n := len(m.ItemIDs)
	known := u >= 0 && int(u) < len(m.UserCount) && m.UserCount[u] > 0
	var cand []int32
	for i := int32(0); int(i) < n; i++ {
		if !known || !containsSorted(m.rated[u], i) {
			cand = append(cand, i)
		}
	}
	var sc []float32
	if known {
		sc = m.Scores(u, cand)
	} else {
		sc = Popularity(m.ItemCount).Scores(u, cand)
	}
	idx := make([]int, len(cand))
	for j := range idx {
		idx[j] = j
	}
	sort.SliceStable(idx, func(a, b int) bool { return sc[idx[a]] > sc[idx[b]] })
	out := make([]int32, 0, k)
	for _, j := range idx[:min(k, len(idx))] {
		out = append(out, cand[j])
	}
	return out
}

// ItemVector returns the embedding of an item used by Similar: q_i (plus
// genres) for mf and svdpp, the GMF and MLP item embeddings for NCF.
func (m *Model) ItemVector(i int32) []float32 {
	var v []float32
	switch m.Cfg.Kind {
	case KindMF, KindSVDPP:
		buf := make([]float32, m.Cfg.Factors)
		v = append(v, m.itemVec(i, buf)...)
	default:
		for _, name := range []string{"QG", "QM"} {
			if t := m.tab(name); t != nil {
				d := len(t) / len(m.ItemIDs)
				v = append(v, t[int(i)*d:int(i)*d+d]...)
			}
		}
	}
	return v
}

// Similar returns the k items nearest to item i by the cosine of their
// embeddings (ItemVector), nearest first, with their similarities. Items
// without training ratings are skipped (their embeddings are untrained).
func (m *Model) Similar(i int32, k int) ([]int32, []float32) {
	q := m.ItemVector(i)
	nq := norm(q)
	type hit struct {
		i int32
		s float32
	}
	var hits []hit
	for j := int32(0); int(j) < len(m.ItemIDs); j++ {
		if j == i || m.ItemCount[j] == 0 {
			continue
		}
		v := m.ItemVector(j)
		var dot float32
		for t := range v {
			dot += v[t] * q[t]
		}
		hits = append(hits, hit{j, dot / (nq*norm(v) + 1e-12)})
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].s > hits[b].s })
	hits = hits[:min(k, len(hits))]
	ids := make([]int32, len(hits))
	sims := make([]float32, len(hits))
	for t, h := range hits {
		ids[t], sims[t] = h.i, h.s
	}
	return ids, sims
}

func norm(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x * x
	}
	return float32(math.Sqrt(float64(s)))
}
