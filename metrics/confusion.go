package metrics

import "github.com/tensile-ml/tensile/tensor"

// Binary metrics count an element as a positive target when yTrue > 0.5
// and as a positive prediction when yPred > Threshold (0.5).

// Precision is TP / (TP + FP) over all elements seen (0 when nothing was
// predicted positive).
type Precision struct {
	name      string
	threshold float32
	tp, fp    float64
}

// NewPrecision returns the metric named "precision" (threshold 0.5).
func NewPrecision() *Precision { return &Precision{name: "precision", threshold: 0.5} }

// Name returns the metric's name.
func (m *Precision) Name() string { return m.name }

// Update adds a batch.
func (m *Precision) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("Precision", yTrue, yPred)
	for i, v := range p {
		if v > m.threshold {
			if t[i] > 0.5 {
				m.tp++
			} else {
				m.fp++
			}
		}
	}
}

// Result returns the precision so far.
func (m *Precision) Result() float64 { return ratio(m.tp, m.tp+m.fp) }

// Reset clears the counts.
func (m *Precision) Reset() { m.tp, m.fp = 0, 0 }

// Recall is TP / (TP + FN) over all elements seen (0 when there were no
// positive targets).
type Recall struct {
	name      string
	threshold float32
	tp, fn    float64
}

// NewRecall returns the metric named "recall" (threshold 0.5).
func NewRecall() *Recall { return &Recall{name: "recall", threshold: 0.5} }

// Name returns the metric's name.
func (m *Recall) Name() string { return m.name }

// Update adds a batch.
func (m *Recall) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("Recall", yTrue, yPred)
	for i, v := range p {
		if t[i] > 0.5 {
			if v > m.threshold {
				m.tp++
			} else {
				m.fn++
			}
		}
	}
}

// Result returns the recall so far.
func (m *Recall) Result() float64 { return ratio(m.tp, m.tp+m.fn) }

// Reset clears the counts.
func (m *Recall) Reset() { m.tp, m.fn = 0, 0 }

// AUC is the area under the ROC curve, approximated as Keras does: the
// confusion matrix is counted at NumThresholds (default 200) thresholds
// evenly spaced over [0, 1] (the first just below 0, the last just above
// 1), and the area is summed with the trapezoidal rule. Predictions are
// probabilities, clipped to [0, 1]. With the default 200 thresholds the
// result is within about 1/200 of the exact AUC, and equal to Keras's.
type AUC struct {
	name       string
	thresholds []float32
	pos, neg   []float64 // histogram of predictions by bucket, per label
}

// NewAUC returns the metric named "auc" with 200 thresholds.
func NewAUC() *AUC { return NewAUCThresholds(200) }

// NewAUCThresholds returns an AUC with n thresholds (n < 3 means 200).
func NewAUCThresholds(n int) *AUC {
	if n < 3 {
		n = 200
	}
	const eps = 1e-7
	th := make([]float32, n)
	th[0] = -eps
	for i := 1; i < n-1; i++ {
		th[i] = float32(float64(i) / float64(n-1))
	}
	th[n-1] = 1 + eps
	return &AUC{name: "auc", thresholds: th, pos: make([]float64, n), neg: make([]float64, n)}
}

// Name returns the metric's name.
func (m *AUC) Name() string { return m.name }

// bucket returns the number of thresholds that v exceeds, minus one (v
// exceeds thresholds[0..bucket]); -1 when it exceeds none.
func (m *AUC) bucket(v float32) int {
	n := len(m.thresholds)
	v = min(max(v, 0), 1)
	b := int(v*float32(n-1)) + 1 // a guess, corrected below
	b = min(max(b, 0), n)
	for b > 0 && !(v > m.thresholds[b-1]) {
		b--
	}
	for b < n && v > m.thresholds[b] {
		b++
	}
	return b - 1
}

// Update adds a batch.
func (m *AUC) Update(yTrue, yPred *tensor.Tensor) {
	t, p := sameSize("AUC", yTrue, yPred)
	for i, v := range p {
		if v != v {
			continue
		}
		b := m.bucket(v)
		if b < 0 {
			continue
		}
		if t[i] > 0.5 {
			m.pos[b]++
		} else {
			m.neg[b]++
		}
	}
}

// Result returns the area under the ROC curve so far.
func (m *AUC) Result() float64 {
	n := len(m.thresholds)
	// tp[j] = positives whose prediction exceeds threshold j = Σ_{b>=j} pos[b].
	var totP, totN float64
	for j := 0; j < n; j++ {
		totP += m.pos[j]
		totN += m.neg[j]
	}
	// Count the ones that exceed no threshold too (all predictions >= 0
	// exceed the first, so totals are complete).
	var area, tp, fp float64
	prevTPR, prevFPR := 0.0, 0.0
	for j := n - 1; j >= 0; j-- {
		tp += m.pos[j]
		fp += m.neg[j]
		tpr, fpr := ratio(tp, totP), ratio(fp, totN)
		if j < n-1 {
			area += (fpr - prevFPR) * (tpr + prevTPR) / 2
		}
		prevTPR, prevFPR = tpr, fpr
	}
	return area
}

// Reset clears the counts.
func (m *AUC) Reset() {
	clear(m.pos)
	clear(m.neg)
}
