package recsys

import (
	"math"
)

// Predict returns the predicted rating of user index u for item index i
// (indices of the training id tables; -1 for a user or item not in them).
//
// Cold start: the model falls back on what it knows. A user with no
// training ratings gets μ + b_i (the item's bias, no factors); an item with
// no training ratings gets μ + b_u; both unknown give the global mean μ.
// NCF models score implicit feedback: Predict returns their probability
// that the user interacts with the item, and for an unknown user or item
// the item's training popularity share (0 for an unknown item).
func (m *Model) Predict(u, i int32) float32 {
	knownU := u >= 0 && int(u) < len(m.UserCount) && m.UserCount[u] > 0
	knownI := i >= 0 && int(i) < len(m.ItemCount) && m.ItemCount[i] > 0
	switch m.Cfg.Kind {
	case KindGMF, KindMLP, KindNeuMF:
		if !knownU || !knownI {
			if !knownI {
				return 0
			}
			return float32(m.ItemCount[i]) / float32(m.maxItemCount())
		}
		return m.ncfScore(u, []int32{i})[0]
	}
	p := m.Mu
	if knownU {
		p += m.tab("BU")[u]
	}
	if knownI {
		p += m.tab("BI")[i]
	}
	if knownU && knownI {
		p += m.dot(u, i)
	}
	return p
}

func (m *Model) maxItemCount() int32 {
	var mx int32 = 1
	for _, c := range m.ItemCount {
		mx = max(mx, c)
	}
	return mx
}

// userVec returns the user's vector (p_u plus the implicit part for svdpp).
func (m *Model) userVec(u int32, buf []float32) []float32 {
	d := m.Cfg.Factors
	p := m.tab("P")[int(u)*d : int(u)*d+d]
	if m.implicit == nil {
		return p
	}
	buf = buf[:d]
	imp := m.implicit[int(u)*d : int(u)*d+d]
	for k := range buf {
		buf[k] = p[k] + imp[k]
	}
	return buf
}

// itemVec returns q_i plus the mean genre vector when the model has genres.
func (m *Model) itemVec(i int32, buf []float32) []float32 {
	d := m.Cfg.Factors
	q := m.tab("Q")[int(i)*d : int(i)*d+d]
	g := m.tab("G")
	if g == nil || len(m.itemGenres[i]) == 0 {
		return q
	}
	buf = buf[:d]
	copy(buf, q)
	s := 1 / float32(len(m.itemGenres[i]))
	for _, k := range m.itemGenres[i] {
		row := g[int(k)*d : int(k)*d+d]
		for j := range buf {
			buf[j] += s * row[j]
		}
	}
	return buf
}

func (m *Model) dot(u, i int32) float32 {
	var ub, ib [4096]float32
	pu := m.userVec(u, ub[:])
	qi := m.itemVec(i, ib[:])
	var s float32
	for k := range pu {
		s += pu[k] * qi[k]
	}
	return s
}

// Errors returns the RMSE and MAE of the model on test ratings (indices in
// the model's id tables). Predictions are clipped to [lo, hi] when lo < hi.
func (m *Model) Errors(test *Ratings, lo, hi float32) (rmse, mae float64) {
	var se, ae float64
	for k := range test.Value {
		p := m.Predict(test.User[k], test.Item[k])
		if lo < hi {
			p = min(max(p, lo), hi)
		}
		e := float64(p - test.Value[k])
		se += e * e
		ae += math.Abs(e)
	}
	n := float64(max(test.Len(), 1))
	return math.Sqrt(se / n), ae / n
}
