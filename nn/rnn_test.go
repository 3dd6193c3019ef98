package nn_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

func rnnHarnessCases() []layerCase {
	lstm := func(cfg nn.RNNConfig) func() nn.Layer { return func() nn.Layer { return nn.NewLSTM(3, cfg) } }
	gru := func(cfg nn.RNNConfig) func() nn.Layer { return func() nn.Layer { return nn.NewGRU(3, cfg) } }
	return []layerCase{
		{name: "simple_rnn", make: func() nn.Layer { return nn.NewSimpleRNN(3, nn.RNNConfig{}) }, in: []int{4, 2}, params: 2*3 + 3*3 + 3},
		{name: "simple_rnn_seq_relu", make: func() nn.Layer {
			return nn.NewSimpleRNN(3, nn.RNNConfig{Activation: "relu", ReturnSequences: true, RecurrentInitializer: nn.GlorotUniform()})
		}, in: []int{3, 2}, params: 2*3 + 3*3 + 3, noGrad: true},
		{name: "lstm", make: lstm(nn.RNNConfig{}), in: []int{4, 2}, params: 2*12 + 3*12 + 12},
		{name: "lstm_seq_backwards", make: lstm(nn.RNNConfig{ReturnSequences: true, GoBackwards: true}), in: []int{4, 2}, params: 2*12 + 3*12 + 12},
		{name: "lstm_nobias_l2", make: lstm(nn.RNNConfig{NoBias: true, KernelRegularizer: nn.L2(0.01), RecurrentRegularizer: nn.L1(0.01)}), in: []int{3, 2}, params: 2*12 + 3*12},
		{name: "gru", make: gru(nn.RNNConfig{}), in: []int{4, 2}, params: 2*9 + 3*9 + 2*9},
		{name: "gru_reset_before_seq", make: gru(nn.RNNConfig{ResetBefore: true, ReturnSequences: true}), in: []int{4, 2}, params: 2*9 + 3*9 + 9},
		{name: "bidirectional_lstm_concat", make: func() nn.Layer {
			return nn.NewBidirectional(nn.NewLSTM(2, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{})
		}, in: []int{3, 2}, params: 2 * (2*8 + 2*8 + 8)},
		{name: "bidirectional_gru_ave", make: func() nn.Layer {
			return nn.NewBidirectional(nn.NewGRU(2, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "ave"})
		}, in: []int{3, 2}, params: 2 * (2*6 + 2*6 + 2*6)},
		{name: "bidirectional_rnn_mul", make: func() nn.Layer {
			return nn.NewBidirectional(nn.NewSimpleRNN(2, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{MergeMode: "mul"})
		}, in: []int{3, 2}, params: 2 * (2*2 + 2*2 + 2)},
	}
}

func TestRNNHarness(t *testing.T) { runHarness(t, rnnHarnessCases()) }

// TestRNNMaskGradCheck checks gradients through masked steps, initial
// states and the final states.
func TestRNNMaskGradCheck(t *testing.T) {
	for _, class := range []string{"SimpleRNN", "LSTM", "GRU"} {
		l := newRNN(class, 3, nn.RNNConfig{ReturnSequences: true})
		if err := l.Build([]int{4, 2}, tensor.NewRNG(3)); err != nil {
			t.Fatal(err)
		}
		r := l.(nn.RecurrentLayer)
		mask := tensor.FromSlice([]float32{1, 1, 0, 1, 0, 1, 1, 0}, 2, 4)
		x := tensor.RandNormal(tensor.NewRNG(4), 0, 1, 2, 4, 2)
		var init []*tensor.Tensor
		for range r.StateCount() {
			init = append(init, tensor.RandNormal(tensor.NewRNG(5), 0, 0.5, 2, 3))
		}
		xs := append(append([]*tensor.Tensor{x}, init...), l.Params()...)
		n := len(init)
		tensortest.GradCheck(t, class, func(in ...*tensor.Tensor) *tensor.Tensor {
			y, st := r.ForwardState(in[0], mask, in[1:1+n], false)
			return tensor.Concat(1, y.Reshape(2, -1), st[len(st)-1])
		}, tensortest.GradCheckOptions{Eps: 1e-3, Tol: 2e-2}, xs...)
	}
}

// TestRNNMaskCarriesState checks Keras's masking semantics: a fully masked
// sample keeps its initial state; masked steps repeat the previous output.
func TestRNNMaskCarriesState(t *testing.T) {
	l := nn.NewLSTM(3, nn.RNNConfig{ReturnSequences: true})
	if err := l.Build([]int{4, 2}, nil); err != nil {
		t.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(1), 0, 1, 2, 4, 2)
	mask := tensor.FromSlice([]float32{0, 0, 0, 0, 1, 0, 1, 0}, 2, 4)
	h0 := tensor.Full(0.25, 2, 3)
	c0 := tensor.Full(-0.5, 2, 3)
	y, st := l.ForwardState(x, mask, []*tensor.Tensor{h0, c0}, false)
	for _, v := range y.Slice(0, 0, 1).Data() {
		if v != 0.25 {
			t.Fatalf("fully masked sample: output %v, want the initial h", y.Slice(0, 0, 1).Data())
		}
	}
	if st[1].At(0, 0) != -0.5 {
		t.Errorf("fully masked sample: c %v", st[1].At(0, 0))
	}
	for j := range 3 {
		if y.At(1, 1, j) != y.At(1, 0, j) || y.At(1, 3, j) != y.At(1, 2, j) {
			t.Fatal("masked step does not repeat the previous output")
		}
	}
	// Masking the trailing steps equals running the prefix.
	y2, _ := l.ForwardState(x.Slice(1, 0, 3).Contiguous(), tensor.FromSlice([]float32{1, 1, 1, 1, 0, 1}, 2, 3), []*tensor.Tensor{h0, c0}, false)
	if ok, msg := tensortest.Close(y.Slice(0, 1, 2).Slice(1, 2, 3).Contiguous().Data(), y2.Slice(0, 1, 2).Slice(1, 2, 3).Contiguous().Data(), 1e-6, 1e-6); !ok {
		t.Error(msg)
	}
}

func TestRNNDropoutSeeded(t *testing.T) {
	run := func(seed uint64, training bool) []float32 {
		l := nn.NewGRU(4, nn.RNNConfig{Dropout: 0.3, RecurrentDropout: 0.3, Seed: seed})
		if err := l.Build([]int{5, 3}, tensor.NewRNG(1)); err != nil {
			t.Fatal(err)
		}
		return l.Forward(tensor.RandNormal(tensor.NewRNG(2), 0, 1, 2, 5, 3), training).Data()
	}
	if !slices.Equal(run(7, true), run(7, true)) {
		t.Error("same seed, different outputs")
	}
	if slices.Equal(run(7, true), run(8, true)) {
		t.Error("different seeds, same outputs")
	}
	if slices.Equal(run(7, true), run(7, false)) {
		t.Error("dropout inactive in training")
	}
	if !slices.Equal(run(7, false), run(8, false)) {
		t.Error("dropout active at inference")
	}
}

func TestRNNDefaults(t *testing.T) {
	l := nn.NewLSTM(4, nn.RNNConfig{})
	if err := l.Build([]int{3, 5}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	b := l.Bias.Data()
	for i, v := range b {
		want := float32(0)
		if i >= 4 && i < 8 {
			want = 1
		}
		if v != want {
			t.Fatalf("unit forget bias: %v", b)
		}
	}
	// The recurrent kernel [4, 16] has orthonormal rows.
	u := l.RecurrentKernel
	g := tensor.MatMul(u, u.Transpose()).Data()
	for i := range 4 {
		for j := range 4 {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(float64(g[i*4+j])-want) > 1e-5 {
				t.Fatalf("U·Uᵀ = %v", g)
			}
		}
	}
	cfg := l.Config()
	if cfg["activation"] != "tanh" || cfg["recurrent_activation"] != "sigmoid" || cfg["units"] != float64(4) {
		t.Errorf("config %v", cfg)
	}
	if s, _ := l.OutputShape([]int{7, 5}); !slices.Equal(s, []int{4}) {
		t.Errorf("OutputShape %v", s)
	}
}

func TestOrthogonalMatrix(t *testing.T) {
	for _, sh := range [][2]int{{5, 5}, {3, 7}, {8, 2}} {
		w := nn.OrthogonalMatrix(tensor.NewRNG(1), 2, sh[0], sh[1])
		var g *tensor.Tensor
		if sh[0] <= sh[1] {
			g = tensor.MatMul(w, w.Transpose())
		} else {
			g = tensor.MatMul(w.Transpose(), w)
		}
		n := min(sh[0], sh[1])
		for i := range n {
			for j := range n {
				want := 0.0
				if i == j {
					want = 4
				}
				if math.Abs(float64(g.At(i, j))-want) > 1e-4 {
					t.Fatalf("%v: WWᵀ[%d,%d] = %v", sh, i, j, g.At(i, j))
				}
			}
		}
	}
}

func TestRNNErrors(t *testing.T) {
	bad := map[string]func(){
		"units":         func() { nn.NewLSTM(0, nn.RNNConfig{}) },
		"activation":    func() { nn.NewGRU(2, nn.RNNConfig{Activation: "nope"}) },
		"recurrent act": func() { nn.NewSimpleRNN(2, nn.RNNConfig{RecurrentActivation: "sigmoid"}) },
		"dropout":       func() { nn.NewLSTM(2, nn.RNNConfig{Dropout: 1}) },
		"reset on lstm": func() { nn.NewLSTM(2, nn.RNNConfig{ResetBefore: true}) },
		"forget on gru": func() { nn.NewGRU(2, nn.RNNConfig{NoUnitForgetBias: true}) },
		"merge mode":    func() { nn.NewBidirectional(nn.NewLSTM(2, nn.RNNConfig{}), nn.BidirectionalConfig{MergeMode: "max"}) },
		"bidi non-rnn":  func() { nn.NewBidirectional(nn.NewDense(2, nn.DenseConfig{}), nn.BidirectionalConfig{}) },
		"rec init":      func() { nn.NewLSTM(2, nn.RNNConfig{RecurrentInitializer: nn.Initializer{Name: "x"}}) },
		"bad input rank": func() {
			l := nn.NewLSTM(2, nn.RNNConfig{})
			_ = l.Build([]int{3, 2}, nil)
			l.Forward(tensor.Zeros(2, 3), false)
		},
		"bad mask": func() {
			l := nn.NewLSTM(2, nn.RNNConfig{})
			_ = l.Build([]int{3, 2}, nil)
			l.ForwardMasked(tensor.Zeros(2, 3, 2), tensor.Zeros(2, 4), false)
		},
	}
	for name, f := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	l := nn.NewLSTM(2, nn.RNNConfig{})
	if err := l.Build([]int{3}, nil); err == nil {
		t.Error("Build [3]: no error")
	}
	_ = l.Build([]int{3, 2}, nil)
	if err := nn.ImportPyTorchRNN(l, map[string]*tensor.Tensor{}, "l0"); err == nil || !strings.Contains(err.Error(), "weight_ih_l0") {
		t.Errorf("import from empty dict: %v", err)
	}
}

func TestEmbedding(t *testing.T) {
	l := nn.NewEmbedding(5, 3, nn.EmbeddingConfig{MaskZero: true})
	runSeqHarnessEmbedding(t, l)
	x := tensor.FromSlice([]float32{1, 4, 0, 0, 2, 3}, 2, 3)
	y := l.Forward(x, false)
	if !slices.Equal(y.Shape(), []int{2, 3, 3}) {
		t.Fatalf("shape %v", y.Shape())
	}
	for j := range 3 {
		if y.At(1, 0, j) != l.Embeddings.At(0, j) || y.At(0, 1, j) != l.Embeddings.At(4, j) {
			t.Fatal("rows not looked up")
		}
	}
	m := l.ComputeMask(x, nil)
	if !slices.Equal(m.Data(), []float32{1, 1, 0, 0, 1, 1}) {
		t.Errorf("mask %v", m.Data())
	}
	for _, bad := range []float32{5, -1, 1.5, float32(math.NaN())} {
		func() {
			defer func() {
				r := recover()
				if err, ok := r.(error); !ok || !strings.Contains(err.Error(), "embedding") {
					t.Errorf("id %v: %v", bad, r)
				}
			}()
			l.Forward(tensor.FromSlice([]float32{1, bad}, 1, 2), false)
		}()
	}
	if nn.NewEmbedding(3, 2, nn.EmbeddingConfig{}).ComputeMask(x, nil) != nil {
		t.Error("mask without mask_zero")
	}
}

// runSeqHarnessEmbedding checks Build, Config round trip and the gradient
// of an Embedding (the shared harness feeds real-valued inputs).
func runSeqHarnessEmbedding(t *testing.T, l *nn.Embedding) {
	if err := l.Build([]int{3}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	if nn.CountParams(l.Params()) != 15 {
		t.Errorf("params %d", nn.CountParams(l.Params()))
	}
	l2, err := nn.FromConfig(nn.Serialize(l))
	if err != nil || l2.Config()["mask_zero"] != true {
		t.Fatalf("FromConfig: %v %v", l2, err)
	}
	x := tensor.FromSlice([]float32{1, 4, 1, 0, 2, 3}, 2, 3)
	tensortest.GradCheck(t, "embedding", func(in ...*tensor.Tensor) *tensor.Tensor {
		return l.Forward(x, true)
	}, tensortest.GradCheckOptions{Eps: 1e-3}, l.Embeddings)
}

// TestEmbeddingLSTMMasked runs Embedding(mask_zero) into an LSTM: padded
// trailing ids do not change the result.
func TestEmbeddingLSTMMasked(t *testing.T) {
	e := nn.NewEmbedding(6, 4, nn.EmbeddingConfig{MaskZero: true})
	l := nn.NewLSTM(3, nn.RNNConfig{})
	_ = e.Build([]int{5}, tensor.NewRNG(1))
	_ = l.Build([]int{5, 4}, tensor.NewRNG(2))
	run := func(ids []float32) []float32 {
		x := tensor.FromSlice(ids, 1, len(ids))
		return l.ForwardMasked(e.Forward(x, false), e.ComputeMask(x, nil), false).Data()
	}
	a := run([]float32{3, 1, 5, 0, 0})
	b := run([]float32{3, 1, 5})
	if ok, msg := tensortest.Close(a, b, 1e-6, 1e-6); !ok {
		t.Error(msg)
	}
}

// BenchmarkLSTM times one forward and backward pass of an LSTM over a batch
// of 32 sequences of 50 steps, 128 features, 128 units.
func BenchmarkLSTM(b *testing.B) {
	const B, T, D, H = 32, 50, 128, 128
	l := nn.NewLSTM(H, nn.RNNConfig{})
	if err := l.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
		b.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, B, T, D)
	benchRecurrentStep(b, l, x)
}

// benchRecurrentStep times forward and backward of l over x the way
// model.TrainStep runs them: activations and gradients come from a training
// arena that is reset after each step (so steady-state steps reuse its
// buffers, as PyTorch's caching allocator does).
func benchRecurrentStep(b *testing.B, l nn.Layer, x *tensor.Tensor) {
	ar := tensor.NewArena()
	xa := ar.FromSlice(x.Data(), x.Shape()...)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		y := l.Forward(xa, true)
		tensor.Sum(y, nil, false).Backward()
		ar.Reset()
		xa = ar.FromSlice(x.Data(), x.Shape()...)
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())*1e3/float64(b.N), "ms/step")
}

// BenchmarkGRU is BenchmarkLSTM for a GRU (reset_after, PyTorch's nn.GRU).
func BenchmarkGRU(b *testing.B) {
	const B, T, D, H = 32, 50, 128, 128
	l := nn.NewGRU(H, nn.RNNConfig{})
	if err := l.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
		b.Fatal(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, B, T, D)
	benchRecurrentStep(b, l, x)
}

// RecurrentWeights reaches the weights of the three recurrent layers (shapes
// [D, G·H], [H, G·H] and the bias) and refuses other layers.
func TestRecurrentWeights(t *testing.T) {
	for _, c := range []struct {
		l     nn.Layer
		ok    bool
		gates int
		bias  []int
	}{
		{nn.NewSimpleRNN(3, nn.RNNConfig{}), true, 1, []int{3}},
		{nn.NewLSTM(3, nn.RNNConfig{}), true, 4, []int{12}},
		{nn.NewGRU(3, nn.RNNConfig{}), true, 3, []int{2, 9}},
		{nn.NewGRU(3, nn.RNNConfig{NoBias: true}), true, 3, nil},
		{nn.NewDense(3, nn.DenseConfig{}), false, 0, nil},
	} {
		if err := c.l.Build([]int{4, 2}, tensor.NewRNG(1)); err != nil {
			t.Fatal(err)
		}
		k, r, b, ok := nn.RecurrentWeights(c.l)
		if ok != c.ok {
			t.Fatalf("%s: ok %v, want %v", c.l.ClassName(), ok, c.ok)
		}
		if !ok {
			continue
		}
		if !slices.Equal(k.Shape(), []int{2, 3 * c.gates}) || !slices.Equal(r.Shape(), []int{3, 3 * c.gates}) {
			t.Errorf("%s: kernel %v, recurrent kernel %v", c.l.ClassName(), k.Shape(), r.Shape())
		}
		if (b == nil) != (c.bias == nil) || b != nil && !slices.Equal(b.Shape(), c.bias) {
			t.Errorf("%s: bias %v, want shape %v", c.l.ClassName(), b, c.bias)
		}
	}
}
