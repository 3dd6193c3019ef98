package distributed

import (
	"math"
	"sync"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/zoo"
)

// TestCNNReplicaGradients checks the data-parallel step on the seed CNN:
// after ReduceGradients, the gradients of 2 replicas that each ran 16
// samples of a global batch of 32 equal, within float summation error,
// the gradients one model computes on the 32 samples (the optimizer has a
// learning rate of 0, so every batch sees the same weights).
func TestCNNReplicaGradients(t *testing.T) {
	tr, _, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr = tr.Take(96)
	newCNN := func() *model.Model {
		m, err := zoo.New("mnist-cnn")
		if err != nil {
			t.Fatal(err)
		}
		m.SetSeed(3)
		sgd := map[string]any{"class_name": "SGD", "config": map[string]any{"learning_rate": 0.0}}
		if err := m.CompileConfigMap(map[string]any{"optimizer": sgd, "loss": "sparse_categorical_crossentropy"}); err != nil {
			t.Fatal(err)
		}
		if err := m.Build(tr.XShape); err != nil {
			t.Fatal(err)
		}
		return m
	}
	one := newCNN()
	comms := newGroup(2)
	reps := []*model.Model{newCNN(), newCNN()}
	for r, m := range reps {
		m.SetReplicas(NewDataParallel(comms[r]))
	}
	opt := data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 9}
	whole := data.NewLoader(tr, opt)
	shards := make([][][2]*tensor.Tensor, 2)
	for r := range 2 {
		o := opt
		o.Shards, o.Shard = 2, r
		for b := range data.NewLoader(tr, o).Epoch(0) {
			shards[r] = append(shards[r], [2]*tensor.Tensor{
				tensor.FromSlice(append([]float32(nil), b.X...), b.XShape...),
				tensor.FromSlice(append([]float32(nil), b.Y...), b.YShape...)})
		}
	}
	k := 0
	for b := range whole.Epoch(0) {
		if _, err := one.TrainStep(tensor.FromSlice(b.X, b.XShape...), tensor.FromSlice(b.Y, b.YShape...), nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for r, m := range reps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[r] = m.TrainStep(shards[r][k][0], shards[r][k][1], nil)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, p := range one.Params() {
			want := p.Grad().Data()
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(float64(v)))
			}
			for r, m := range reps {
				got := m.Params()[i].Grad().Data()
				for j := range want {
					if d := math.Abs(float64(got[j] - want[j])); d > 2e-6*scale {
						t.Fatalf("batch %d, parameter %d[%d]: rank %d gradient %g, one model %g", k, i, j, r, got[j], want[j])
					}
				}
			}
		}
		k++
	}
	if k != 3 {
		t.Fatalf("%d batches, want 3", k)
	}
}
