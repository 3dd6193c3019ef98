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

// UserIndex returns the model's index of a user id, or -1 when the model
// has not seen the user.
func (m *Model) UserIndex(id int64) int32 {
	m.buildIndex()
	if i, ok := m.userIdx[id]; ok {
		return i
	}
	return -1
}

// ItemIndex returns the model's index of an item id, or -1.
func (m *Model) ItemIndex(id int64) int32 {
	m.buildIndex()
	if i, ok := m.itemIdx[id]; ok {
		return i
	}
	return -1
}

func (m *Model) buildIndex() {
	if m.userIdx != nil {
		return
	}
	m.userIdx = make(map[int64]int32, len(m.UserIDs))
	for k, id := range m.UserIDs {
		m.userIdx[id] = int32(k)
	}
	m.itemIdx = make(map[int64]int32, len(m.ItemIDs))
	for k, id := range m.ItemIDs {
		m.itemIdx[id] = int32(k)
	}
}

// ErrorsIDs returns the RMSE and MAE on ratings read separately (a test
// file): their ids are mapped onto the model's, and users or items the
// model has not seen take the cold-start rule of Predict.
func (m *Model) ErrorsIDs(test *Ratings, lo, hi float32) (rmse, mae float64) {
	mapped := &Ratings{User: make([]int32, test.Len()), Item: make([]int32, test.Len()), Value: test.Value}
	for k := range test.Value {
		mapped.User[k] = m.UserIndex(test.UserIDs[test.User[k]])
		mapped.Item[k] = m.ItemIndex(test.ItemIDs[test.Item[k]])
	}
	return m.Errors(mapped, lo, hi)
}
