package model

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

func mnistCNN() *Model {
	return NewSequential(
		InputShape(28, 28, 1),
		nn.NewConv2D(32, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(64, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(64, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(64, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(10, nn.DenseConfig{Activation: "softmax"}),
	)
}

func TestSummaryMNIST(t *testing.T) {
	m := mnistCNN()
	var b bytes.Buffer
	if err := m.Summary(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"Total params: 93,322", "conv2d_2 (Conv2D)", "(None, 3, 3, 64)", "dense_1 (Dense)", "max_pooling2d_1 (MaxPooling2D)"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if tr, all := m.CountParams(); tr != 93322 || all != 93322 {
		t.Errorf("CountParams = %d, %d", tr, all)
	}
	if got := m.Layer("conv2d_1").Params()[0].Name(); got != "conv2d_1/kernel" {
		t.Errorf("weight name %q", got)
	}
}

// blobs returns a 3-class problem of Gaussian blobs in 4-d.
func blobs(n int, seed uint64) *data.Dataset {
	rng := tensor.NewRNG(seed)
	x := make([]float32, n*4)
	y := make([]float32, n)
	for i := 0; i < n; i++ {
		c := i % 3
		y[i] = float32(c)
		for j := 0; j < 4; j++ {
			center := float32(0)
			if j == c {
				center = 2
			}
			x[i*4+j] = center + 0.5*float32(rng.NormFloat64())
		}
	}
	return data.MustNew(x, []int{4}, y, nil)
}

func denseModel() *Model {
	m := NewSequential(
		nn.NewDense(16, nn.DenseConfig{Activation: "relu"}),
		nn.NewDropout(0.1, nn.DropoutConfig{}),
		nn.NewDense(3, nn.DenseConfig{Activation: "softmax", KernelRegularizer: nn.L2(1e-4)}),
	)
	m.SetSeed(3)
	return m
}

func TestFitLearnsAndIsDeterministic(t *testing.T) {
	train, test := blobs(600, 1), blobs(300, 2)
	run := func() (*History, Logs, *Model) {
		m := denseModel()
		if err := m.Compile(&testSGD{lr: 0.1}, testSparseCE{}, []metrics.Metric{&testAcc{}}); err != nil {
			t.Fatal(err)
		}
		h, err := m.Fit(train, FitConfig{Epochs: 5, Seed: 7, ValidationSplit: 0.2, Verbose: VerboseSilent})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Evaluate(test, EvalConfig{Verbose: VerboseSilent})
		if err != nil {
			t.Fatal(err)
		}
		return h, res, m
	}
	h, res, m := run()
	if res["accuracy"] < 0.9 {
		t.Errorf("test accuracy %v < 0.9 (history %v)", res["accuracy"], h.Values)
	}
	if len(h.Values["val_loss"]) != 5 || h.Values["loss"][4] >= h.Values["loss"][0] {
		t.Errorf("history %v", h.Values)
	}
	h2, _, _ := run()
	if h2.Last("loss") != h.Last("loss") {
		t.Errorf("same seed, different loss: %v vs %v", h.Last("loss"), h2.Last("loss"))
	}
	pred, err := m.Predict(test, EvalConfig{BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	if s := pred.Shape(); s[0] != 300 || s[1] != 3 {
		t.Fatalf("predict shape %v", s)
	}
	// Save, load, identical predictions.
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	pred2, err := m2.Predict(test, EvalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pred.Data() {
		if pred2.Data()[i] != v {
			t.Fatalf("prediction %d differs after load: %v vs %v", i, pred2.Data()[i], v)
		}
	}
	opt := &testSGD{lr: 0.1}
	if err := m2.Compile(opt, testSparseCE{}, nil); err != nil {
		t.Fatal(err)
	}
	if opt.Iterations() != m.opt.Iterations() {
		t.Errorf("optimizer iterations %d after load, want %d", opt.Iterations(), m.opt.Iterations())
	}
}

func TestFitErrors(t *testing.T) {
	ds := blobs(64, 1)
	m := denseModel()
	if _, err := m.Fit(ds, FitConfig{}); err == nil {
		t.Error("Fit before Compile: no error")
	}
	m.Compile(&testSGD{lr: 0.1}, testSparseCE{}, nil)
	bad := data.MustNew(make([]float32, 10*5), []int{5}, make([]float32, 10), nil)
	if _, err := m.Fit(ds, FitConfig{Verbose: VerboseSilent}); err != nil {
		t.Fatal(err)
	}
	_, err := m.Fit(bad, FitConfig{Verbose: VerboseSilent})
	if err == nil || !strings.Contains(err.Error(), "[5]") {
		t.Errorf("wrong input shape: err = %v", err)
	}
	lab := blobs(64, 1)
	lab.Y[5] = 3
	_, err = m.Fit(lab, FitConfig{Verbose: VerboseSilent})
	if err == nil || !strings.Contains(err.Error(), "sample 5") {
		t.Errorf("label out of range: err = %v", err)
	}
	// A shape error inside a layer names the layer.
	var le *LayerError
	_, err = m.Call([]*tensor.Tensor{tensor.Zeros(2, 7)}, false)
	if !errors.As(err, &le) || le.Layer != "dense" || !strings.Contains(err.Error(), `layer "dense" (Dense): tensor: MatMul`) {
		t.Errorf("Call with wrong shape: %v", err)
	}
	// NaN loss.
	m2 := denseModel()
	m2.Compile(&testSGD{lr: 0.1}, testSparseCE{}, nil)
	if err := m2.Build([]int{4}); err != nil {
		t.Fatal(err)
	}
	m2.Layer("dense_1").Params()[0].Data()[0] = float32(math.NaN())
	_, err = m2.Fit(ds, FitConfig{Verbose: VerboseSilent, NoShuffle: true})
	var ne *NaNLossError
	if !errors.As(err, &ne) || ne.Epoch != 1 || ne.Batch != 0 {
		t.Errorf("NaN loss: %v", err)
	}
}

func TestCallbacks(t *testing.T) {
	ds := blobs(300, 1)
	dir := t.TempDir()
	m := denseModel()
	m.Compile(&testSGD{lr: 0.001}, testSparseCE{}, []metrics.Metric{&testAcc{}})
	es := &EarlyStopping{Monitor: "val_loss", Patience: 1, MinDelta: 10, RestoreBestWeights: true}
	csvPath := filepath.Join(dir, "log.csv")
	ck := &ModelCheckpoint{Path: filepath.Join(dir, "best.safetensors"), SaveBestOnly: true}
	rl := &ReduceLROnPlateau{Patience: 1, MinDelta: 10, Factor: 0.5}
	var out bytes.Buffer
	h, err := m.Fit(ds, FitConfig{Epochs: 10, ValidationSplit: 0.2, Callbacks: []Callback{es, ck, rl, &CSVLogger{Path: csvPath}, &TerminateOnNaN{}}, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 2 || es.StoppedEpoch != 2 {
		t.Errorf("early stopping: epochs %v, stopped %d", h.Epochs, es.StoppedEpoch)
	}
	if lr := m.opt.LearningRate(); lr != 0.0005 {
		t.Errorf("lr after plateau = %v", lr)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil || strings.Count(string(b), "\n") != 3 || !strings.HasPrefix(string(b), "epoch,accuracy,loss") {
		t.Errorf("csv log %q, %v", b, err)
	}
	if _, err := Load(ck.Path); err != nil {
		t.Error(err)
	}
	if !strings.Contains(out.String(), "Epoch 2/10") || !strings.Contains(out.String(), "val_accuracy:") {
		t.Errorf("progress output:\n%s", out.String())
	}
	bad := &EarlyStopping{Monitor: "val_nope"}
	if _, err := m.Fit(ds, FitConfig{Callbacks: []Callback{bad}, Verbose: VerboseSilent}); err == nil || !strings.Contains(err.Error(), "val_nope") {
		t.Errorf("missing monitor: %v", err)
	}
}

func TestFunctional(t *testing.T) {
	in := Input(4)
	a := Apply(nn.NewDense(8, nn.DenseConfig{Activation: "tanh"}), in)
	b := Apply(nn.NewDense(8, nn.DenseConfig{Activation: "relu"}), in)
	s := Apply(nn.NewAdd(), a, b)
	c := Apply(nn.NewConcatenate(-1), s, a)
	out := Apply(nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}), c)
	m, err := NewModel([]*Node{in}, []*Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Shape(); len(got) != 1 || got[0] != 3 || c.Shape()[0] != 16 {
		t.Fatalf("shapes %v %v", got, c.Shape())
	}
	m.Compile(&testSGD{lr: 0.1}, testSparseCE{}, []metrics.Metric{&testAcc{}})
	ds := blobs(300, 1)
	if _, err := m.Fit(ds, FitConfig{Epochs: 3, Verbose: VerboseSilent}); err != nil {
		t.Fatal(err)
	}
	var sb bytes.Buffer
	m.Summary(&sb)
	if !strings.Contains(sb.String(), "Connected to") || !strings.Contains(sb.String(), "dense, dense_1") {
		t.Errorf("summary:\n%s", sb.String())
	}
	path := filepath.Join(t.TempDir(), "f.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := m.Predict(ds, EvalConfig{})
	p2, _ := m2.Predict(ds, EvalConfig{})
	for i := range p1.Data() {
		if p1.Data()[i] != p2.Data()[i] {
			t.Fatal("functional predictions differ after load")
		}
	}
	// Shape errors in the graph are reported by NewModel.
	bad := Apply(nn.NewAdd(), Apply(nn.NewDense(5, nn.DenseConfig{}), in), a)
	if _, err := NewModel([]*Node{in}, []*Node{bad}); err == nil || !strings.Contains(err.Error(), "Add") {
		t.Errorf("bad merge: %v", err)
	}
}

func TestSaveAtomicAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	m := denseModel()
	if err := m.Build([]int{4}); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(path)
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("no error from failing write")
	}
	now, _ := os.ReadFile(path)
	if !bytes.Equal(now, orig) {
		t.Error("failing write changed the file")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
	for name, b := range map[string][]byte{
		"truncated": orig[:len(orig)-10],
		"short":     orig[:5],
		"header":    append(append([]byte{}, orig[:8]...), []byte("{not json")...),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestFitPerPositionSparseLabels trains a per-step classifier: outputs
// [T, K] per sample with one class id per position (labels [T]), as
// character language models need.
func TestFitPerPositionSparseLabels(t *testing.T) {
	const n, T, D, K = 64, 4, 3, 5
	rng := tensor.NewRNG(3)
	x := tensor.RandNormal(rng, 0, 1, n, T, D).Data()
	y := make([]float32, n*T)
	for i := range y { // class = index of the largest feature
		f := x[i*D : i*D+D]
		c := 0
		for j := range f {
			if f[j] > f[c] {
				c = j
			}
		}
		y[i] = float32(c)
	}
	ds, err := data.New(x, []int{T, D}, y, []int{T})
	if err != nil {
		t.Fatal(err)
	}
	m := NewSequential(InputShape(T, D), nn.NewDense(K, nn.DenseConfig{Activation: "softmax"}))
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
		t.Fatal(err)
	}
	m.Optimizer().SetLearningRate(0.05)
	h, err := m.Fit(ds, FitConfig{Epochs: 30, Verbose: VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	if first, last := h.Values["loss"][0], h.Last("loss"); !(last < first/2) {
		t.Fatalf("loss %g → %g did not halve", first, last)
	}
	bad, _ := data.New(x, []int{T, D}, y[:n*2], []int{2})
	if _, err := m.Fit(bad, FitConfig{Verbose: VerboseSilent}); err == nil {
		t.Fatal("labels [2] for outputs [4 5] accepted")
	}
}

// TestEvaluateIncludesRegularization checks that Evaluate's loss is the data
// loss plus the weight penalties, as Keras reports it.
func TestEvaluateIncludesRegularization(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6}
	y := []float32{0, 1, 0}
	ds, _ := data.New(x, []int{2}, y, nil)
	build := func(reg nn.Regularizer) *Model {
		m := NewSequential(InputShape(2), nn.NewDense(2, nn.DenseConfig{Activation: "softmax", KernelRegularizer: reg}))
		m.SetSeed(1)
		if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain, reg := build(nn.Regularizer{}), build(nn.L2(0.5))
	lp, err := plain.Evaluate(ds, EvalConfig{Verbose: VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	lr, err := reg.Evaluate(ds, EvalConfig{Verbose: VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	var sq float64
	for _, v := range reg.Layers()[len(reg.Layers())-1].Params()[0].Data() {
		sq += float64(v) * float64(v)
	}
	if got, want := lr["loss"]-lp["loss"], 0.5*sq; math.Abs(got-want) > 1e-5 {
		t.Fatalf("regularized minus plain loss = %g, want 0.5·Σw² = %g", got, want)
	}
}

// TestCSVLoggerAppendKeepsOneHeader checks that appending a second Fit to a
// CSV log adds rows under the existing header instead of a second header.
func TestCSVLoggerAppendKeepsOneHeader(t *testing.T) {
	ds, _ := data.New([]float32{1, 2, 3, 4}, []int{2}, []float32{0, 1}, nil)
	m := NewSequential(InputShape(2), nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "log.csv")
	for i := 0; i < 2; i++ {
		if _, err := m.Fit(ds, FitConfig{Epochs: 2, Verbose: VerboseSilent, Callbacks: []Callback{&CSVLogger{Path: p, Append: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || strings.Count(string(b), "epoch") != 1 {
		t.Fatalf("log has %d lines, want 1 header and 4 rows:\n%s", len(lines), b)
	}
}
