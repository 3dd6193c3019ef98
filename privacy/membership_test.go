package privacy

import (
	"math"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
)

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		pos, neg []float64
		want     float64
	}{
		{[]float64{3, 4}, []float64{1, 2}, 1},
		{[]float64{1, 2}, []float64{3, 4}, 0},
		{[]float64{1, 3}, []float64{2, 4}, 0.25},
		{[]float64{2, 2}, []float64{2}, 0.5},
		{[]float64{1, 2, 3}, []float64{2}, 0.5},
	} {
		got, err := AUC(c.pos, c.neg)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("AUC(%v, %v) = %v, %v; want %v", c.pos, c.neg, got, err, c.want)
		}
	}
	if _, err := AUC(nil, []float64{1}); err == nil {
		t.Error("no positives: no error")
	}
}

// TestMembershipAttack overfits a small MLP on random labels (pure
// memorisation) and checks that the attack separates members from
// non-members, while DP-SGD with strong noise keeps the AUC near 0.5.
func TestMembershipAttack(t *testing.T) {
	mk := func(seed uint64, n int) *data.Dataset {
		x := make([]float32, n*8)
		y := make([]float32, n)
		s := seed
		for i := range x {
			s = s*6364136223846793005 + 1442695040888963407
			x[i] = float32(int64(s>>33)%1000) / 500
		}
		for i := range y {
			s = s*6364136223846793005 + 1442695040888963407
			y[i] = float32((s >> 40) % 2)
		}
		return data.MustNew(x, []int{8}, y, nil)
	}
	members, others := mk(1, 64), mk(2, 64)
	build := func() *model.Model {
		m := model.NewSequential(model.InputShape(8), nn.NewDense(128, nn.DenseConfig{Activation: "relu"}), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
		m.SetSeed(4)
		if err := m.CompileNames("adam", "sparse_categorical_crossentropy"); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := build()
	if _, err := m.Fit(members, model.FitConfig{Epochs: 400, BatchSize: 16, Seed: 1, Verbose: model.VerboseSilent}); err != nil {
		t.Fatal(err)
	}
	auc, err := MembershipAUC(m, members, others)
	if err != nil {
		t.Fatal(err)
	}
	d := build()
	res, err := Train(d, members, TrainConfig{Epochs: 150, BatchSize: 16, NoiseMultiplier: 4, L2Clip: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	aucDP, err := MembershipAUC(d, members, others)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("attack AUC: without DP %.3f, with DP (ε = %.2f) %.3f", auc, res.Epsilon, aucDP)
	if auc < 0.8 {
		t.Errorf("memorising model: attack AUC %.3f, want ≥ 0.8", auc)
	}
	if aucDP > 0.65 {
		t.Errorf("DP model (ε = %.2f): attack AUC %.3f, want ≤ 0.65", res.Epsilon, aucDP)
	}
}
