package privacy

import (
	"errors"
	"fmt"
	"sort"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// PerExampleLoss returns the compiled model's loss on every example of ds,
// computed in inference mode.
func PerExampleLoss(m *model.Model, ds *data.Dataset) ([]float64, error) {
	if m.Loss() == nil {
		return nil, errors.New("privacy: the model is not compiled (no loss)")
	}
	if ds == nil || ds.Y == nil {
		return nil, errors.New("privacy: membership inference needs labelled data")
	}
	pred, err := m.Predict(ds, model.EvalConfig{BatchSize: 256, Verbose: model.VerboseSilent})
	if err != nil {
		return nil, err
	}
	var out []float64
	err = model.Guard(func() error {
		y := tensor.FromSlice(ds.Y, append([]int{ds.N}, ds.YShape...)...)
		for _, v := range m.Loss().PerSample(y, pred).Float32s() {
			out = append(out, float64(v))
		}
		return nil
	})
	return out, err
}

// AUC returns the area under the ROC curve of a score that should be
// higher for positives: the probability that a random positive outscores
// a random negative, ties counting one half (the Mann–Whitney statistic).
func AUC(pos, neg []float64) (float64, error) {
	if len(pos) == 0 || len(neg) == 0 {
		return 0, errors.New("privacy: AUC needs positives and negatives")
	}
	type s struct {
		v   float64
		pos bool
	}
	all := make([]s, 0, len(pos)+len(neg))
	for _, v := range pos {
		all = append(all, s{v, true})
	}
	for _, v := range neg {
		all = append(all, s{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j+1 < len(all) && all[j+1].v == all[i].v {
			j++
		}
		mid := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			if all[k].pos {
				rankSum += mid
			}
		}
		i = j + 1
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn), nil
}

// MembershipAUC runs the loss-threshold membership-inference attack of
// Yeom et al. (2018) on m: an example is guessed to be a training member
// when its loss is low. It returns the attack's AUC over members (training
// examples) and non-members (held-out examples): 0.5 means the attacker
// learns nothing, 1 that membership is fully exposed.
func MembershipAUC(m *model.Model, members, nonMembers *data.Dataset) (float64, error) {
	lm, err := PerExampleLoss(m, members)
	if err != nil {
		return 0, fmt.Errorf("privacy: members: %w", err)
	}
	ln, err := PerExampleLoss(m, nonMembers)
	if err != nil {
		return 0, fmt.Errorf("privacy: non-members: %w", err)
	}
	for i := range lm {
		lm[i] = -lm[i]
	}
	for i := range ln {
		ln[i] = -ln[i]
	}
	return AUC(lm, ln)
}
