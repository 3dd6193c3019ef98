package model

import (
	"errors"
	"iter"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// plainModel is denseModel without dropout: its training is a function of
// the weights, the optimizer state and the batches only.
func plainModel() *Model {
	m := NewSequential(
		nn.NewDense(16, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax", KernelRegularizer: nn.L2(1e-4)}),
	)
	m.SetSeed(3)
	return m
}

func compiled(t testing.TB, m *Model) *Model {
	t.Helper()
	if err := m.Compile(&testSGD{lr: 0.1}, testSparseCE{}, []metrics.Metric{&testAcc{}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// A run resumed from a saved model at InitialEpoch reproduces the
// uninterrupted run's loss curve bit for bit (shuffling on).
func TestFitResumeReproducesLossCurve(t *testing.T) {
	ds := blobs(90, 1)
	cfg := FitConfig{Epochs: 4, BatchSize: 16, Seed: 11, ValidationSplit: 0.2, Verbose: VerboseSilent}
	full, err := compiled(t, plainModel()).Fit(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := compiled(t, plainModel())
	first := cfg
	first.Epochs = 2
	if _, err := m.Fit(ds, first); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	resumed := cfg
	resumed.InitialEpoch = 2
	h, err := compiled(t, r).Fit(ds, resumed)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 2 || h.Epochs[0] != 2 {
		t.Fatalf("resumed epochs %v, want [2 3]", h.Epochs)
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy"} {
		for i, v := range h.Values[k] {
			if want := full.Values[k][2+i]; v != want {
				t.Errorf("%s of epoch %d: resumed %v, uninterrupted %v", k, 3+i, v, want)
			}
		}
	}
}

func TestFitConfigErrors(t *testing.T) {
	ds := blobs(30, 1)
	for _, c := range []struct {
		name string
		cfg  FitConfig
		want string
	}{
		{"negative initial epoch", FitConfig{Epochs: 3, InitialEpoch: -1}, "initial epoch -1"},
		{"initial epoch = epochs", FitConfig{Epochs: 3, InitialEpoch: 3}, "initial epoch 3"},
		{"initial epoch > epochs", FitConfig{Epochs: 3, InitialEpoch: 7}, "initial epoch 7"},
		{"negative batch size", FitConfig{BatchSize: -5}, "batch size -5"},
		{"split on a source", FitConfig{ValidationSplit: 0.2}, "validation split needs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var src data.Source = ds
			if c.name == "split on a source" {
				src = data.NewLoader(ds, data.LoaderOptions{})
			}
			_, err := compiled(t, plainModel()).Fit(src, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// A batch size larger than the data trains on one batch of every sample
// per epoch (Keras clamps it), not zero steps.
func TestFitBatchSizeLargerThanData(t *testing.T) {
	ds := blobs(30, 1)
	var got []float64
	for _, bs := range []int{30, 31, math.MaxInt} {
		m := compiled(t, plainModel())
		cb := &countBatches{}
		h, err := m.Fit(ds, FitConfig{Epochs: 2, BatchSize: bs, Seed: 1, Callbacks: []Callback{cb}, Verbose: VerboseSilent})
		if err != nil {
			t.Fatal(err)
		}
		if cb.n != 2 {
			t.Errorf("batch size %d: %d steps in 2 epochs, want 2", bs, cb.n)
		}
		got = append(got, h.Last("loss"))
		if _, err := m.Evaluate(ds, EvalConfig{BatchSize: bs, Verbose: VerboseSilent}); err != nil {
			t.Errorf("Evaluate with batch size %d: %v", bs, err)
		}
		if _, err := m.Predict(ds, EvalConfig{BatchSize: bs}); err != nil {
			t.Errorf("Predict with batch size %d: %v", bs, err)
		}
	}
	if got[0] != got[1] || got[0] != got[2] {
		t.Errorf("losses %v differ between batch sizes clamped to the data", got)
	}
}

type countBatches struct {
	BaseCallback
	n int
}

func (c *countBatches) OnBatchEnd(int, Logs) error { c.n++; return nil }

// Fit on a dataset and Fit on the equivalent Loader take the same path.
func TestFitLoaderMatchesDataset(t *testing.T) {
	ds := blobs(50, 2)
	h1, err := compiled(t, plainModel()).Fit(ds, FitConfig{Epochs: 2, BatchSize: 8, Seed: 5, Verbose: VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	src := data.NewLoader(ds, data.LoaderOptions{BatchSize: 8, Shuffle: true, Seed: 5, Prefetch: 2})
	h2, err := compiled(t, plainModel()).Fit(src, FitConfig{Epochs: 2, Verbose: VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range h1.Values["loss"] {
		if h1.Values["loss"][i] != h2.Values["loss"][i] {
			t.Fatalf("epoch %d: loss %v from the dataset, %v from the loader", i, h1.Values["loss"][i], h2.Values["loss"][i])
		}
	}
}

// seqModel is Embedding → LSTM → Dense: it takes sequences of any length.
func seqModel() *Model {
	m := NewSequential(
		InputShape(6),
		nn.NewEmbedding(12, 8, nn.EmbeddingConfig{MaskZero: true}),
		nn.NewLSTM(10, nn.RNNConfig{}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}),
	)
	m.SetSeed(4)
	return m
}

// paddedBatches returns batches of padded id sequences whose length is that
// of the batch's longest sequence (3 to 9): the label is whether id 1
// occurs.
func paddedBatches(epoch int) []*data.Batch {
	rng := tensor.NewRNG(uint64(100 + epoch))
	var bs []*data.Batch
	for k := 0; k < 6; k++ {
		n, T := 4+k%3, 3+(k*5+epoch)%7
		b := &data.Batch{N: n, XShape: []int{n, T}, YShape: []int{n}, X: make([]float32, n*T), Y: make([]float32, n)}
		for i := 0; i < n; i++ {
			l := 1 + rng.IntN(T)
			for j := 0; j < l; j++ {
				id := 1 + rng.IntN(11)
				b.X[i*T+j] = float32(id)
				if id == 1 {
					b.Y[i] = 1
				}
			}
		}
		bs = append(bs, b)
	}
	return bs
}

func paddedSource() data.Source {
	return data.SourceFunc(func(epoch int) iter.Seq2[*data.Batch, error] {
		return func(yield func(*data.Batch, error) bool) {
			for _, b := range paddedBatches(epoch) {
				if !yield(b, nil) {
					return
				}
			}
		}
	})
}

// Fit over a generator of variable-length batches (through Prefetch) is
// the same computation as a custom loop calling TrainStep on those batches.
func TestFitVariableLengthSourceMatchesTrainStep(t *testing.T) {
	const epochs = 3
	m1 := compiled(t, seqModel())
	h, err := m1.Fit(data.Prefetch(paddedSource(), 2), FitConfig{Epochs: epochs, Verbose: VerboseSilent,
		ValidationData: paddedSource()})
	if err != nil {
		t.Fatal(err)
	}
	m2 := compiled(t, seqModel())
	for e := 0; e < epochs; e++ {
		m2.ResetMetrics()
		var sum float64
		n := 0
		for _, b := range paddedBatches(e) {
			l, err := m2.TrainStep(tensor.FromSlice(b.X, b.XShape...), tensor.FromSlice(b.Y, b.YShape...), nil)
			if err != nil {
				t.Fatal(err)
			}
			sum += l * float64(b.N)
			n += b.N
		}
		if got, want := h.Values["loss"][e], sum/float64(n); got != want {
			t.Errorf("epoch %d: Fit loss %v, TrainStep loop %v", e, got, want)
		}
		if got, want := h.Values["accuracy"][e], m2.Metrics()[0].Result(); got != want {
			t.Errorf("epoch %d: Fit accuracy %v, TrainStep loop %v", e, got, want)
		}
	}
	if _, ok := h.Values["val_loss"]; !ok {
		t.Error("no validation loss")
	}
	w1, w2 := m1.Weights(), m2.Weights()
	for i := range w1 {
		for j, v := range w1[i].Data() {
			if w2[i].Data()[j] != v {
				t.Fatalf("weight %s differs", w1[i].Name())
			}
		}
	}
}

func TestTrainStepErrors(t *testing.T) {
	m := compiled(t, plainModel())
	x := tensor.Zeros(2, 4)
	for _, c := range []struct {
		name    string
		x, y, w *tensor.Tensor
		want    string
	}{
		{"label out of range", x, tensor.FromSlice([]float32{0, 3}, 2), nil, "label 3"},
		{"fractional label", x, tensor.FromSlice([]float32{0.5, 1}, 2), nil, "label 0.5"},
		{"batch mismatch", x, tensor.FromSlice([]float32{0, 1, 2}, 3), nil, "targets of shape [3]"},
		{"weights mismatch", x, tensor.FromSlice([]float32{0, 1}, 2), tensor.Zeros(3), "sample weights of shape [3]"},
		{"wrong rank", tensor.Zeros(2, 4, 1), tensor.FromSlice([]float32{0, 1}, 2), nil, "input 0 has shape [2 4 1]"},
		{"wrong width", tensor.Zeros(2, 5), tensor.FromSlice([]float32{0, 1}, 2), nil, `layer "dense"`},
		{"nil targets", x, nil, nil, "no targets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.TrainStep(c.x, c.y, c.w)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := plainModel().TrainStep(x, tensor.Zeros(2), nil); err == nil || !strings.Contains(err.Error(), "not compiled") {
		t.Errorf("uncompiled: %v", err)
	}
	// The model still trains after the errors (the arena was reset).
	if l, err := m.TrainStep(x, tensor.FromSlice([]float32{0, 1}, 2), tensor.FromSlice([]float32{1, 0.5}, 2)); err != nil || math.IsNaN(l) {
		t.Fatalf("TrainStep after errors: %v, %v", l, err)
	}
}

// A source that fails or gives nothing ends Fit with an error.
func TestFitSourceErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, c := range []struct {
		name string
		src  data.Source
		want string
	}{
		{"read error", data.SourceFunc(func(int) iter.Seq2[*data.Batch, error] {
			return func(yield func(*data.Batch, error) bool) { yield(nil, boom) }
		}), "disk on fire"},
		{"empty", data.SourceFunc(func(int) iter.Seq2[*data.Batch, error] {
			return func(yield func(*data.Batch, error) bool) {}
		}), "no batch"},
		{"bad batch", data.SourceFunc(func(int) iter.Seq2[*data.Batch, error] {
			return func(yield func(*data.Batch, error) bool) {
				yield(&data.Batch{N: 2, X: make([]float32, 7), XShape: []int{2, 4}, Y: []float32{0, 1}, YShape: []int{2}}, nil)
			}
		}), "7 values for shape [2 4]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := compiled(t, plainModel()).Fit(c.src, FitConfig{Verbose: VerboseSilent})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestGuardPolicy(t *testing.T) {
	se := &tensor.ShapeError{Op: "MatMul", Msg: "shapes do not match"}
	err := Guard(func() error { panic(se) })
	if !errors.As(err, new(*tensor.ShapeError)) {
		t.Errorf("shape panic: %v", err)
	}
	err = Guard(func() error {
		var s []int
		_ = s[3]
		return nil
	})
	var ie *InternalError
	if !errors.As(err, &ie) || len(ie.Stack) == 0 || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("runtime panic: %v", err)
	}
	if err := Guard(func() error { return se }); err != se {
		t.Errorf("returned error changed: %v", err)
	}
	// A layer's panic inside Call names the layer.
	m := plainModel()
	if err := m.Build([]int{4}); err != nil {
		t.Fatal(err)
	}
	_, err = m.Call([]*tensor.Tensor{tensor.Zeros(2, 5)}, false)
	var le *LayerError
	if !errors.As(err, &le) || le.Layer != "dense" {
		t.Errorf("Call: %v", err)
	}
}

// Predict and Evaluate on one model from 8 goroutines give the results of
// a single goroutine (run with -race).
func TestConcurrentInference(t *testing.T) {
	for _, c := range []struct {
		name string
		m    func() *Model
		ds   *data.Dataset
	}{
		{"dense", plainModel, blobs(70, 3)},
		{"lstm", seqModel, seqData(40)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := compiled(t, c.m())
			if _, err := m.Fit(c.ds, FitConfig{Epochs: 1, BatchSize: 16, Verbose: VerboseSilent}); err != nil {
				t.Fatal(err)
			}
			cfg := EvalConfig{BatchSize: 9, Verbose: VerboseSilent}
			wantP, err := m.Predict(c.ds, cfg)
			if err != nil {
				t.Fatal(err)
			}
			wantE, err := m.Evaluate(c.ds, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 8*3)
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < 3; r++ {
						p, err := m.Predict(c.ds, cfg)
						if err != nil {
							errs <- err
							return
						}
						for i, v := range p.Data() {
							if v != wantP.Data()[i] {
								errs <- errors.New("a concurrent prediction differs")
								return
							}
						}
						e, err := m.Evaluate(c.ds, cfg)
						if err != nil {
							errs <- err
							return
						}
						for k, v := range wantE {
							if e[k] != v {
								errs <- errors.New("a concurrent evaluation differs in " + k)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// seqData returns n padded sequences of length 6 labelled by whether id 1
// occurs.
func seqData(n int) *data.Dataset {
	rng := tensor.NewRNG(9)
	x := make([]float32, n*6)
	y := make([]float32, n)
	for i := 0; i < n; i++ {
		l := 1 + rng.IntN(6)
		for j := 0; j < l; j++ {
			id := 1 + rng.IntN(11)
			x[i*6+j] = float32(id)
			if id == 1 {
				y[i] = 1
			}
		}
	}
	return data.MustNew(x, []int{6}, y, nil)
}

// Progress output over a source of unknown length shows the steps seen.
func TestFitProgressUnknownLength(t *testing.T) {
	for _, v := range []Verbosity{VerboseBar, VerboseEpoch} {
		var out strings.Builder
		if _, err := compiled(t, seqModel()).Fit(paddedSource(), FitConfig{Epochs: 2, Verbose: v, Output: &out}); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if v == VerboseBar && (!strings.Contains(s, "1/Unknown") || !strings.Contains(s, "6/6 [====")) {
			t.Errorf("bar output %q", s)
		}
		if v == VerboseEpoch && !strings.Contains(s, "Epoch 2/2") {
			t.Errorf("epoch output %q", s)
		}
	}
}
