package distributed

import (
	"os"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/internal/wdiff"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/zoo"
)

// TestSummationOrderChaos measures how far two runs of mnist-cnn with the
// same batches drift apart over 128 Adam steps when only the float
// summation order differs: one process with the samples of every batch
// reversed (TestSummationOrderChaos), and 2 in-process replicas
// (TestReplicaDrift). It asserts nothing; docs/distributed.md quotes its
// output. Run with TENSILE_DRIFT=1 go test -v -run Drift\|Chaos ./distributed.
func TestSummationOrderChaos(t *testing.T) {
	if os.Getenv("TENSILE_DRIFT") == "" {
		t.Skip("set TENSILE_DRIFT=1 to measure")
	}
	tr, _, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr = tr.Take(4096)
	mk := func() *model.Model {
		m, _ := zoo.New("mnist-cnn")
		m.SetSeed(1)
		if err := m.CompileConfigMap(map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy"}); err != nil {
			t.Fatal(err)
		}
		m.Build(tr.XShape)
		return m
	}
	a, b := mk(), mk()
	l := data.NewLoader(tr, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1})
	ss := tr.SampleSize()
	k := 0
	for bt := range l.Epoch(0) {
		x := tensor.FromSlice(append([]float32(nil), bt.X...), bt.XShape...)
		y := tensor.FromSlice(append([]float32(nil), bt.Y...), bt.YShape...)
		la, _ := a.TrainStep(x, y, nil)
		// reversed sample order
		xr, yr := make([]float32, len(bt.X)), make([]float32, len(bt.Y))
		for i := range bt.N {
			j := bt.N - 1 - i
			copy(xr[i*ss:(i+1)*ss], bt.X[j*ss:(j+1)*ss])
			yr[i] = bt.Y[j]
		}
		lb, _ := b.TrainStep(tensor.FromSlice(xr, bt.XShape...), tensor.FromSlice(yr, bt.YShape...), nil)
		d, _ := wdiff.Weights(a.Weights(), b.Weights())
		if k%8 == 0 || k < 12 {
			t.Logf("step %d: loss %v %v, largest relative weight difference %v", k, la, lb, wdiff.Worst(d))
		}
		k++
	}
}

// TestReplicaDrift: see TestSummationOrderChaos.
func TestReplicaDrift(t *testing.T) {
	if os.Getenv("TENSILE_DRIFT") == "" {
		t.Skip("set TENSILE_DRIFT=1 to measure")
	}
	tr, _, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr = tr.Take(4096)
	mk := func() *model.Model {
		m, _ := zoo.New("mnist-cnn")
		m.SetSeed(1)
		if err := m.CompileConfigMap(map[string]any{"optimizer": "adam", "loss": "sparse_categorical_crossentropy"}); err != nil {
			t.Fatal(err)
		}
		m.Build(tr.XShape)
		return m
	}
	a := mk()
	comms := newGroup(2)
	reps := []*model.Model{mk(), mk()}
	for r := range 2 {
		reps[r].SetReplicas(NewDataParallel(comms[r]))
	}
	l := data.NewLoader(tr, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1})
	ls := []*data.Loader{data.NewLoader(tr, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1, Shards: 2, Shard: 0}), data.NewLoader(tr, data.LoaderOptions{BatchSize: 32, Shuffle: true, Seed: 1, Shards: 2, Shard: 1})}
	var bs [2][]*data.Batch
	for r := range 2 {
		for b := range ls[r].Epoch(0) {
			c := *b
			c.X = append([]float32(nil), b.X...)
			c.Y = append([]float32(nil), b.Y...)
			c.XShape = append([]int(nil), b.XShape...)
			c.YShape = append([]int(nil), b.YShape...)
			bs[r] = append(bs[r], &c)
		}
	}
	k := 0
	for bt := range l.Epoch(0) {
		la, _ := a.TrainStep(tensor.FromSlice(append([]float32(nil), bt.X...), bt.XShape...), tensor.FromSlice(append([]float32(nil), bt.Y...), bt.YShape...), nil)
		done := make(chan float64, 2)
		done2 := make(chan float64, 2)
		for r := range 2 {
			go func() {
				b := bs[r][k]
				l, err := reps[r].TrainStep(tensor.FromSlice(b.X, b.XShape...), tensor.FromSlice(b.Y, b.YShape...), nil)
				if err != nil {
					panic(err)
				}
				done <- l
				done2 <- l
			}()
		}
		<-done
		<-done
		d, _ := wdiff.Weights(a.Weights(), reps[0].Weights())
		l0, l1 := <-done2, <-done2
		if k%8 == 0 || k < 12 {
			t.Logf("step %d: loss %v, ranks %v %v, largest relative weight difference %v", k, la, l0, l1, wdiff.Worst(d))
		}
		k++
	}
}
