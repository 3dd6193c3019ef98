package distributed

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// newNet returns a small compiled classifier of 4 inputs and 3 classes.
func newNet(t testing.TB, seed uint64) *model.Model {
	t.Helper()
	m := model.NewSequential(
		model.InputShape(4),
		nn.NewDense(8, nn.DenseConfig{Activation: "tanh"}),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}),
	)
	m.SetSeed(seed)
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.01}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), []metrics.Metric{metrics.NewSparseCategoricalAccuracy()}); err != nil {
		t.Fatal(err)
	}
	if err := m.Build([]int{4}); err != nil {
		t.Fatal(err)
	}
	return m
}

func toyData(t testing.TB, n int) *data.Dataset {
	t.Helper()
	rng := tensor.NewRNG(7)
	x, y := make([]float32, n*4), make([]float32, n)
	for i := range n {
		s := float32(0)
		for j := range 4 {
			x[i*4+j] = rng.Float32()*2 - 1
			s += x[i*4+j] * float32(j+1)
		}
		y[i] = float32(min(2, max(0, int(s+2)/2)))
	}
	ds, err := data.New(x, []int{4}, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestDataParallelMatchesOneProcess trains the same model alone and as n
// in-process replicas (each reading its shard of every global batch of
// 16, the replicas of rank > 0 starting from other weights that
// BroadcastWeights replaces) and checks that the replicas end equal to
// each other bit for bit and to the lone model up to float summation
// order, with the same epoch losses and accuracies.
func TestDataParallelMatchesOneProcess(t *testing.T) {
	for _, tc := range []struct{ ranks, samples int }{
		{2, 64}, // 8 + 8 per batch
		{3, 67}, // 6 + 5 + 5, and a last batch of 3 split 1 + 1 + 1
		{4, 35}, // last batch of 3 < 4 ranks: dropped, so compare with 32
	} {
		t.Run(fmt.Sprintf("%d ranks %d samples", tc.ranks, tc.samples), func(t *testing.T) {
			cfg := model.FitConfig{Epochs: 2, BatchSize: 16, Seed: 5, Verbose: model.VerboseSilent, Output: io.Discard}
			ds := toyData(t, tc.samples)
			want := newNet(t, 1)
			ref := ds
			if last := tc.samples % 16; last > 0 && last < tc.ranks {
				ref = ds.Take(tc.samples - last) // the same global order: a prefix of it
				cfg.NoShuffle = true
			}
			wantHist, err := want.Fit(ref, cfg)
			if err != nil {
				t.Fatal(err)
			}
			comms := newGroup(tc.ranks)
			got := make([]*model.Model, tc.ranks)
			hists := make([]*model.History, tc.ranks)
			errs := make([]error, tc.ranks)
			var wg sync.WaitGroup
			for r := range tc.ranks {
				got[r] = newNet(t, uint64(1+10*r)) // only rank 0's weights count
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := got[r]
					if errs[r] = BroadcastWeights(comms[r], m); errs[r] != nil {
						return
					}
					m.SetReplicas(NewDataParallel(comms[r]))
					hists[r], errs[r] = m.Fit(ds, cfg)
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			ws := want.Weights()
			for r, m := range got {
				for i, w := range m.Weights() {
					a, b := w.Data(), ws[i].Data()
					scale := 0.0
					for _, v := range b {
						scale = max(scale, math.Abs(float64(v)))
					}
					for j := range a {
						if d := math.Abs(float64(a[j] - b[j])); d > 1e-5*scale {
							t.Fatalf("rank %d weight %d[%d] = %v, one process %v", r, i, j, a[j], b[j])
						}
						if a[j] != got[0].Weights()[i].Data()[j] {
							t.Fatalf("rank %d weight %d[%d] = %v differs from rank 0's %v", r, i, j, a[j], got[0].Weights()[i].Data()[j])
						}
					}
				}
				for _, k := range []string{"loss", "accuracy"} {
					for e, v := range wantHist.Values[k] {
						if g := hists[r].Values[k][e]; math.Abs(g-v) > 1e-5*max(1, math.Abs(v)) {
							t.Errorf("rank %d epoch %d %s = %v, one process %v", r, e, k, g, v)
						}
					}
				}
			}
		})
	}
}

func TestReduceLogsWeightsBySamples(t *testing.T) {
	comms := newGroup(2)
	logs := []model.Logs{{"loss": 1, "accuracy": 0.5}, {"loss": 4, "accuracy": 1}}
	n := []int{3, 1}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = NewDataParallel(comms[r]).ReduceLogs(logs[r], n[r])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for r := range 2 {
		if logs[r]["loss"] != 1.75 || logs[r]["accuracy"] != 0.625 {
			t.Errorf("rank %d: %v, want loss 1.75 accuracy 0.625", r, logs[r])
		}
	}
}

func TestBucketsSplitTheGradient(t *testing.T) {
	// Buckets of 3 values: the parameters' 9 values plus the count go in
	// 4 calls, and a lone process keeps its gradient.
	m := newNet(t, 1)
	dp := NewDataParallel(Local{})
	dp.BucketBytes = 12
	m.SetReplicas(dp)
	x := tensor.FromSlice(make([]float32, 8), 2, 4)
	y := tensor.FromSlice([]float32{0, 2}, 2)
	if _, err := m.TrainStep(x, y, nil); err != nil {
		t.Fatal(err)
	}
	total := 1
	for _, p := range m.Params() {
		total += p.Size()
	}
	st := dp.Stats()
	if st.Steps != 1 || st.Calls != (total+2)/3 || st.Bytes != int64(4*total) {
		t.Errorf("stats %+v, want 1 step, %d calls, %d bytes", st, (total+2)/3, 4*total)
	}
	if err := dp.ReduceGradients(m.Params(), 0); err == nil {
		t.Error("a step of 0 samples: no error")
	}
}

func TestLocal(t *testing.T) {
	c := Local{}
	buf := []float32{1, 2}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"sum", c.AllReduce(buf, Sum)},
		{"mean", c.AllReduce(buf, Mean)},
		{"mean64", c.AllReduce64([]float64{1}, Mean)},
		{"broadcast", c.Broadcast(buf, 0)},
		{"barrier", c.Barrier()},
	} {
		if tc.err != nil {
			t.Errorf("%s: %v", tc.name, tc.err)
		}
	}
	if buf[0] != 1 || buf[1] != 2 || c.Rank() != 0 || c.Size() != 1 {
		t.Errorf("one process changed its buffer to %v (rank %d of %d)", buf, c.Rank(), c.Size())
	}
	if c.AllReduce(buf, Op(7)) == nil || c.Broadcast(buf, 1) == nil {
		t.Error("bad op or root: no error")
	}
}

func TestInitRefusesSeveralRanksWithoutMPI(t *testing.T) {
	if Available() {
		t.Skip("built with MPI")
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	if _, err := Init(); !errors.Is(err, ErrNoMPI) {
		t.Fatalf("Init under a 2-rank launcher without MPI: %v, want ErrNoMPI", err)
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "1")
	c, err := Init()
	if err != nil || c.Size() != 1 {
		t.Fatalf("Init as one rank: %v, %v", c, err)
	}
}

// ExampleDataParallel makes a training loop data-parallel: under mpirun
// (a build with -tags mpi) each rank trains on its shard of every batch;
// alone, it is ordinary training.
func ExampleDataParallel() {
	c, err := Init()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Finalize()
	m := model.NewSequential(model.InputShape(2), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	opt, _ := optim.NewSGD(optim.SGDConfig{})
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil); err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Build([]int{2}); err != nil {
		fmt.Println(err)
		return
	}
	if err := BroadcastWeights(c, m); err != nil { // every rank starts from rank 0's weights
		fmt.Println(err)
		return
	}
	m.SetReplicas(NewDataParallel(c))
	ds, _ := data.New([]float32{0, 1, 1, 0, 1, 1, 0, 0}, []int{2}, []float32{0, 1, 1, 0}, nil)
	_, err = m.Fit(ds, model.FitConfig{Epochs: 1, BatchSize: 4, Verbose: model.VerboseSilent})
	fmt.Println("rank", c.Rank(), "of", c.Size(), "trained:", err == nil)
	// Output:
	// rank 0 of 1 trained: true
}
