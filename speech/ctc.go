package speech

import (
	"fmt"
	"math"
	"sort"

	"github.com/tensile-ml/tensile/internal/floats"
	"github.com/tensile-ml/tensile/tensor"
)

// CTCLoss is the connectionist temporal classification loss (Graves et al.
// 2006) as a losses.Loss. Predictions are per-frame logits [B, T, K] whose
// last class (K-1) is the blank; the loss applies the log-softmax itself.
// Targets are [B, L] class ids in [0, K-1) padded with -1 (any negative
// value ends a target). PerSample returns -ln p(target | logits) per
// sample, as torch.nn.CTCLoss(reduction="none") on log_softmax(logits).
// Every sample uses all T frames. A target that no alignment of T frames
// can emit gives loss 0 and gradient 0 (torch's zero_infinity=True).
//
// The forward-backward recursions run in float64 on the host; the loss is
// returned as Σ logits·G + c with G = ∂loss/∂logits and the constant c,
// so its value is the CTC loss and autodiff delivers G to the logits.
type CTCLoss struct{}

// NewCTCLoss returns the CTC loss.
func NewCTCLoss() *CTCLoss { return &CTCLoss{} }

// Name implements losses.Loss.
func (*CTCLoss) Name() string { return "ctc" }

// Config implements losses.Loss.
func (*CTCLoss) Config() map[string]any { return map[string]any{"name": "ctc"} }

// PerSample implements losses.Loss.
func (c *CTCLoss) PerSample(yTrue, yPred *tensor.Tensor) *tensor.Tensor {
	ps, ts := yPred.Shape(), yTrue.Shape()
	if len(ps) != 3 || len(ts) < 1 || ts[0] != ps[0] || len(ts) > 2 {
		panic(&tensor.ShapeError{Op: "CTCLoss", Shapes: [][]int{ts, ps}, Msg: "want targets [B, L] and logits [B, T, K]"})
	}
	b, t, k := ps[0], ps[1], ps[2]
	l := 1
	if len(ts) == 2 {
		l = ts[1]
	}
	logits := yPred.Data()
	if !yPred.IsContiguous() {
		logits = yPred.Clone().Data()
	}
	targets := yTrue.Data()
	if !yTrue.IsContiguous() {
		targets = yTrue.Clone().Data()
	}
	grad := make([]float32, b*t*k)
	lossC := make([]float32, b)
	for i := 0; i < b; i++ {
		var lab []int
		for _, v := range targets[i*l : (i+1)*l] {
			if v < 0 {
				break
			}
			if v != float32(int(v)) || int(v) >= k-1 {
				panic(&tensor.ShapeError{Op: "CTCLoss", Shapes: [][]int{ts, ps}, Msg: fmt.Sprintf("target %v of sample %d is not a class id in [0, %d) (class %d is the blank)", v, i, k-1, k-1)})
			}
			lab = append(lab, int(v))
		}
		loss, g := CTC(logits[i*t*k:(i+1)*t*k], t, k, lab)
		var dot float64
		for j, v := range g {
			grad[i*t*k+j] = float32(v)
			dot += float64(float32(v)) * float64(logits[i*t*k+j])
		}
		lossC[i] = float32(loss - dot)
	}
	gt := tensor.FromSlice(grad, b, t, k)
	return tensor.Add(tensor.Sum(tensor.Mul(yPred, gt), []int{1, 2}, false), tensor.FromSlice(lossC, b))
}

// CTC returns the CTC loss -ln p(labels | logits) of one sequence of T
// frames × K logits (row-major, blank = K-1) and its gradient with respect
// to the logits. An impossible target gives (0, zeros).
func CTC(logits []float32, t, k int, labels []int) (float64, []float64) {
	blank := k - 1
	// log-softmax per frame
	lp := make([]float64, t*k)
	for f := 0; f < t; f++ {
		row := logits[f*k : (f+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		ls := m + math.Log(s)
		for j, v := range row {
			lp[f*k+j] = float64(v) - ls
		}
	}
	// extended label sequence: blank, l1, blank, l2, ..., blank
	s := 2*len(labels) + 1
	ext := make([]int, s)
	for i := range ext {
		ext[i] = blank
		if i%2 == 1 {
			ext[i] = labels[i/2]
		}
	}
	ninf := math.Inf(-1)
	alpha := make([]float64, t*s)
	beta := make([]float64, t*s)
	for i := range alpha {
		alpha[i], beta[i] = ninf, ninf
	}
	alpha[0] = lp[ext[0]]
	if s > 1 {
		alpha[1] = lp[ext[1]]
	}
	for f := 1; f < t; f++ {
		for i := 0; i < s; i++ {
			a := alpha[(f-1)*s+i]
			if i > 0 {
				a = logAdd(a, alpha[(f-1)*s+i-1])
			}
			if i > 1 && ext[i] != blank && ext[i] != ext[i-2] {
				a = logAdd(a, alpha[(f-1)*s+i-2])
			}
			alpha[f*s+i] = a + lp[f*k+ext[i]]
		}
	}
	beta[(t-1)*s+s-1] = lp[(t-1)*k+ext[s-1]]
	if s > 1 {
		beta[(t-1)*s+s-2] = lp[(t-1)*k+ext[s-2]]
	}
	for f := t - 2; f >= 0; f-- {
		for i := 0; i < s; i++ {
			b := beta[(f+1)*s+i]
			if i+1 < s {
				b = logAdd(b, beta[(f+1)*s+i+1])
			}
			if i+2 < s && ext[i] != blank && ext[i] != ext[i+2] {
				b = logAdd(b, beta[(f+1)*s+i+2])
			}
			beta[f*s+i] = b + lp[f*k+ext[i]]
		}
	}
	logP := alpha[(t-1)*s+s-1]
	if s > 1 {
		logP = logAdd(logP, alpha[(t-1)*s+s-2])
	}
	grad := make([]float64, t*k)
	if math.IsInf(logP, -1) || math.IsNaN(logP) {
		return 0, grad
	}
	// ∂loss/∂u_fj = y_fj − (1/p) Σ_{i: ext[i]=j} α_f(i)·β_f(i)/y_fj
	occ := make([]float64, k)
	for f := 0; f < t; f++ {
		for j := range occ {
			occ[j] = ninf
		}
		for i := 0; i < s; i++ {
			occ[ext[i]] = logAdd(occ[ext[i]], alpha[f*s+i]+beta[f*s+i])
		}
		for j := 0; j < k; j++ {
			grad[f*k+j] = math.Exp(lp[f*k+j]) - math.Exp(occ[j]-lp[f*k+j]-logP)
		}
	}
	return -logP, grad
}

func logAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// GreedyDecode returns the best path's labels: the arg-max class of each of
// the T frames (K scores each, blank = K-1), with repeats merged and blanks
// removed.
func GreedyDecode(scores []float32, t, k int) []int {
	var out []int
	prev := -1
	for f := 0; f < t; f++ {
		row := scores[f*k : (f+1)*k]
		best := floats.ArgMax(row)
		if best != prev && best != k-1 {
			out = append(out, best)
		}
		prev = best
	}
	return out
}

// BeamDecode returns the most probable labelling found by CTC prefix beam
// search with the given beam width over T frames of K logits (blank =
// K-1), and its log-probability.
func BeamDecode(logits []float32, t, k, width int) ([]int, float64) {
	if width < 1 {
		width = 1
	}
	blank := k - 1
	type beam struct{ pb, pnb float64 } // log p(ending in blank), log p(ending in a label)
	ninf := math.Inf(-1)
	key := func(p []int) string { return fmt.Sprint(p) }
	prefixes := map[string][]int{"[]": nil}
	beams := map[string]beam{"[]": {0, ninf}}
	lp := make([]float64, k)
	for f := 0; f < t; f++ {
		row := logits[f*k : (f+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		for j, v := range row {
			lp[j] = float64(v) - m - math.Log(sum)
		}
		next := map[string]beam{}
		add := func(p []int, pb, pnb float64) {
			kk := key(p)
			b, ok := next[kk]
			if !ok {
				b = beam{ninf, ninf}
				prefixes[kk] = p
			}
			next[kk] = beam{logAdd(b.pb, pb), logAdd(b.pnb, pnb)}
		}
		for kk, b := range beams {
			p := prefixes[kk]
			tot := logAdd(b.pb, b.pnb)
			add(p, tot+lp[blank], ninf) // blank
			for j := 0; j < k-1; j++ {
				if len(p) > 0 && p[len(p)-1] == j {
					add(p, ninf, b.pnb+lp[j])           // repeat collapses
					add(extend(p, j), ninf, b.pb+lp[j]) // a blank separated them
				} else {
					add(extend(p, j), ninf, tot+lp[j])
				}
			}
		}
		keys := make([]string, 0, len(next))
		for kk := range next {
			keys = append(keys, kk)
		}
		sort.Slice(keys, func(a, b int) bool {
			sa, sb := logAdd(next[keys[a]].pb, next[keys[a]].pnb), logAdd(next[keys[b]].pb, next[keys[b]].pnb)
			if sa != sb {
				return sa > sb
			}
			return keys[a] < keys[b]
		})
		if len(keys) > width {
			keys = keys[:width]
		}
		beams = map[string]beam{}
		for _, kk := range keys {
			beams[kk] = next[kk]
		}
	}
	bestK, best := "", ninf
	for kk, b := range beams {
		if s := logAdd(b.pb, b.pnb); s > best || s == best && kk < bestK {
			bestK, best = kk, s
		}
	}
	return prefixes[bestK], best
}

func extend(p []int, j int) []int {
	out := make([]int, len(p)+1)
	copy(out, p)
	out[len(p)] = j
	return out
}

// EditDistance returns the Levenshtein distance between a and b.
func EditDistance(a, b []int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
