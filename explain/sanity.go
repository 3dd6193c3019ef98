package explain

import (
	"errors"
	"math"
	"sort"
)

// Pearson returns the Pearson correlation of a and b (0 when either is
// constant).
func Pearson(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i] / n
		mb += b[i] / n
	}
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// RankCorrelation returns Spearman's rank correlation of a and b (ties get
// their mean rank).
func RankCorrelation(a, b []float64) (float64, error) {
	if len(a) != len(b) || len(a) < 2 {
		return 0, errors.New("explain: rank correlation needs two series of the same length ≥ 2")
	}
	return Pearson(ranks(a), ranks(b)), nil
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		mean := float64(i+j) / 2
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// RandomizationRankCorrelation is the statistic of the model-randomisation
// sanity check (Adebayo et al. 2018): the rank correlation of the
// magnitudes of two attribution maps, one from the trained model and one
// from the same architecture with re-initialised weights. An explanation
// method that reflects what the model learned gives a low value.
func RandomizationRankCorrelation(trained, randomized []float32) (float64, error) {
	a := make([]float64, len(trained))
	b := make([]float64, len(randomized))
	for i, v := range trained {
		a[i] = math.Abs(float64(v))
	}
	for i, v := range randomized {
		b[i] = math.Abs(float64(v))
	}
	return RankCorrelation(a, b)
}
