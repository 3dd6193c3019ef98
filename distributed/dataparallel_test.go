package distributed

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

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
			// Overlapped with backward in 4 buckets (one per parameter), and
			// after backward in one bucket: the same arithmetic.
			got, hists := fitReplicas(t, tc.ranks, ds, cfg, func(d *DataParallel) { d.BucketBytes = 12 })
			after, _ := fitReplicas(t, tc.ranks, ds, cfg, func(d *DataParallel) { d.AfterBackward = true })
			for i, w := range got[0].Weights() {
				if a, b := w.Data(), after[0].Weights()[i].Data(); !slices.Equal(a, b) {
					t.Fatalf("weight %d: overlapped %v, after backward %v", i, a, b)
				}
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

// fitReplicas fits n in-process replicas of newNet on ds, each with its
// DataParallel set up by opt, and returns the models and histories.
func fitReplicas(t *testing.T, n int, ds *data.Dataset, cfg model.FitConfig, opt func(*DataParallel)) ([]*model.Model, []*model.History) {
	t.Helper()
	comms := newGroup(n)
	got := make([]*model.Model, n)
	hists := make([]*model.History, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := range n {
		got[r] = newNet(t, uint64(1+10*r)) // only rank 0's weights count
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := got[r]
			if errs[r] = BroadcastWeights(comms[r], m); errs[r] != nil {
				return
			}
			dp := NewDataParallel(comms[r])
			opt(dp)
			m.SetReplicas(dp)
			hists[r], errs[r] = m.Fit(ds, cfg)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return got, hists
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

// recorder is a communicator of one process that reports the length of
// every all-reduce call on calls, then takes at least delay.
type recorder struct {
	Local
	calls chan int
	delay time.Duration
}

func (r recorder) AllReduce(buf []float32, op Op) error {
	r.calls <- len(buf)
	time.Sleep(r.delay)
	return r.Local.AllReduce(buf, op)
}

// TestBuckets checks how the parameters of newNet (kernel 32, bias 8,
// kernel 24, bias 3 values) are grouped into buckets, last parameter
// first with the sample count in bucket 0, and that one process keeps its
// gradient (a batch of 2: the scaling by 2 and 1/2 is exact), with or
// without overlap.
func TestBuckets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bytes int
		after bool
		calls []int
	}{
		{"one parameter per bucket", 12, false, []int{1 + 3, 24, 8, 32}},
		{"two buckets", 100, false, []int{1 + 3 + 24, 8 + 32}},
		{"automatic", 0, false, []int{1 + 3 + 24 + 8 + 32}},
		{"after backward", 100, true, []int{1 + 3 + 24, 8 + 32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.FromSlice([]float32{0.1, -0.2, 0.3, 0.4, 1, 0.5, -1, 0}, 2, 4)
			y := tensor.FromSlice([]float32{0, 2}, 2)
			want := newNet(t, 1)
			if _, err := want.TrainStep(x, y, nil); err != nil {
				t.Fatal(err)
			}
			m := newNet(t, 1)
			rec := recorder{calls: make(chan int, 100)}
			dp := NewDataParallel(rec)
			dp.BucketBytes, dp.AfterBackward = tc.bytes, tc.after
			m.SetReplicas(dp)
			for range 2 {
				if _, err := m.TrainStep(x, y, nil); err != nil {
					t.Fatal(err)
				}
				var calls []int
				for range len(tc.calls) {
					calls = append(calls, <-rec.calls)
				}
				if !slices.Equal(calls, tc.calls) || len(rec.calls) != 0 {
					t.Fatalf("all-reduce calls of %v values (and %d more), want %v", calls, len(rec.calls), tc.calls)
				}
				for i, p := range m.Params() {
					if a, b := p.Grad().Data(), want.Params()[i].Grad().Data(); !slices.Equal(a, b) {
						t.Fatalf("parameter %d: gradient %v, alone %v", i, a, b)
					}
				}
				if _, err := want.TrainStep(x, y, nil); err != nil {
					t.Fatal(err)
				}
			}
			st := dp.Stats()
			total := 0
			for _, c := range tc.calls {
				total += c
			}
			if st.Steps != 2 || st.Calls != 2*len(tc.calls) || st.Buckets != len(tc.calls) || st.Bytes != int64(8*total) {
				t.Errorf("stats %+v, want 2 steps, %d calls, %d buckets, %d bytes", st, 2*len(tc.calls), len(tc.calls), 8*total)
			}
			if st.OverlapTime > st.AllReduceTime || (tc.after && st.OverlapTime != 0) {
				t.Errorf("overlap %v of all-reduce %v", st.OverlapTime, st.AllReduceTime)
			}
			if _, err := dp.StartGradients(m.Params(), 0); err == nil {
				t.Error("a step of 0 samples: no error")
			}
			if err := dp.ReduceGradients(m.Params(), 0); err == nil {
				t.Error("a step of 0 samples: no error")
			}
		})
	}
}

// TestBucketStartsDuringBackward drives the gradient stream by hand, as
// the backward pass does: a bucket's all-reduce starts as soon as its
// gradients are reported, before the other parameters are, and buckets go
// in bucket order even when a later one is ready first.
func TestBucketStartsDuringBackward(t *testing.T) {
	m := newNet(t, 1)
	x := tensor.FromSlice(make([]float32, 8), 2, 4)
	y := tensor.FromSlice([]float32{0, 2}, 2)
	m.SetReplicas(NewDataParallel(Local{})) // compute gradients
	if _, err := m.TrainStep(x, y, nil); err != nil {
		t.Fatal(err)
	}
	ps := m.Params() // kernel 32, bias 8, kernel 24, bias 3
	rec := recorder{calls: make(chan int, 10), delay: time.Millisecond}
	dp := NewDataParallel(rec)
	dp.BucketBytes = 12
	ready, err := dp.StartGradients(ps, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.StartGradients(ps, 2); err == nil {
		t.Error("a second StartGradients in one step: no error")
	}
	next := func() int {
		select {
		case n := <-rec.calls:
			return n
		case <-time.After(20 * time.Second): // a deadlock guard, not a speed check
			t.Fatal("no all-reduce started")
			return 0
		}
	}
	ready(ps[2]) // bucket 1 is ready before bucket 0: it waits
	ready(ps[3]) // bucket 0 (the last bias and the count)
	if n := next(); n != 4 {
		t.Fatalf("first all-reduce of %d values, want bucket 0 (4)", n)
	}
	if n := next(); n != 24 {
		t.Fatalf("second all-reduce of %d values, want bucket 1 (24)", n)
	}
	ready(ps[1])
	if n := next(); n != 8 {
		t.Fatalf("third all-reduce of %d values, want bucket 2 (8)", n)
	}
	// ps[0] is never reported (as an unused parameter): ReduceGradients
	// sends it.
	if err := dp.ReduceGradients(ps, 2); err != nil {
		t.Fatal(err)
	}
	if n := next(); n != 32 {
		t.Fatalf("last all-reduce of %d values, want bucket 3 (32)", n)
	}
	// Each call takes at least 1 ms: 2 ran during the (simulated)
	// backward pass, the third started in it, the last one after it.
	if st := dp.Stats(); st.Steps != 1 || st.Calls != 4 || st.OverlapTime < 2*time.Millisecond || st.AllReduceTime-st.OverlapTime < time.Millisecond {
		t.Errorf("stats %+v: want 1 step of 4 calls, 3 of them overlapped", st)
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
