package privacy

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/metrics"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// rnnCase is a compiled recurrent model with a batch (B = 3, T = 5).
type rnnCase struct {
	name string
	m    *model.Model
	x, y *tensor.Tensor
}

// rnnCases covers SimpleRNN, LSTM and both GRU variants, with and without
// bias, return_sequences true and false, go_backwards, Bidirectional with
// every merge mode, padding masks, and both the fused LSTM path and the
// step-by-step one (non-default activations).
func rnnCases(t *testing.T) []rnnCase {
	t.Helper()
	const B, T, D, U = 3, 5, 7, 4
	rng := tensor.NewRNG(17)
	seqs := tensor.RandNormal(rng, 0, 1, B, T, D)
	// Token ids with padding (id 0) at the end and in the middle.
	ids := tensor.FromSlice([]float32{
		3, 1, 4, 1, 5,
		9, 2, 6, 0, 0,
		5, 0, 8, 9, 0,
	}, B, T)
	bidi := func(l nn.Layer, mode string) nn.Layer {
		return nn.NewBidirectional(l, nn.BidirectionalConfig{MergeMode: mode})
	}
	seq := nn.RNNConfig{ReturnSequences: true}
	cases := []rnnCase{
		{name: "simple_rnn", m: model.NewSequential(model.InputShape(T, D),
			nn.NewSimpleRNN(U, seq), nn.NewFlatten(),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: seqs},
		{name: "lstm", m: model.NewSequential(model.InputShape(T, D),
			nn.NewLSTM(U, nn.RNNConfig{}),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: seqs},
		{name: "gru", m: model.NewSequential(model.InputShape(T, D),
			nn.NewGRU(U, seq),
			nn.NewGRU(U, nn.RNNConfig{ResetBefore: true, GoBackwards: true}),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: seqs},
		{name: "no_bias", m: model.NewSequential(model.InputShape(T, D),
			nn.NewLSTM(U, nn.RNNConfig{NoBias: true, ReturnSequences: true, GoBackwards: true}),
			nn.NewGRU(U, nn.RNNConfig{NoBias: true, ReturnSequences: true}),
			nn.NewGRU(U, nn.RNNConfig{NoBias: true, ResetBefore: true, ReturnSequences: true}),
			nn.NewSimpleRNN(U, nn.RNNConfig{NoBias: true, ReturnSequences: true}),
			nn.NewFlatten(),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: seqs},
		{name: "bidirectional", m: model.NewSequential(model.InputShape(T, D),
			bidi(nn.NewLSTM(U, seq), "concat"),
			bidi(nn.NewGRU(U, seq), "sum"),
			bidi(nn.NewSimpleRNN(U, nn.RNNConfig{}), "mul"),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: seqs},
		{name: "masked", m: model.NewSequential(model.InputShape(T),
			nn.NewEmbedding(10, D, nn.EmbeddingConfig{MaskZero: true}),
			bidi(nn.NewSimpleRNN(U, nn.RNNConfig{ReturnSequences: true, Activation: "relu"}), "ave"),
			nn.NewLSTM(U, nn.RNNConfig{ReturnSequences: true, Activation: "elu", RecurrentActivation: "softplus"}),
			nn.NewGRU(U, seq),
			nn.NewGRU(U, nn.RNNConfig{ReturnSequences: true, Activation: "elu"}),
			nn.NewGRU(U, nn.RNNConfig{ResetBefore: true, ReturnSequences: true}),
			bidi(nn.NewLSTM(U, seq), "concat"),
			nn.NewGlobalAveragePooling1D(),
			nn.NewDense(3, nn.DenseConfig{Activation: "softmax"})), x: ids},
	}
	for i := range cases {
		c := &cases[i]
		c.m.SetSeed(uint64(23 + i))
		if err := c.m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
			t.Fatal(err)
		}
		if err := c.m.Build(nil); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, p := range c.m.Params() { // non-zero biases everywhere
			v := p.Data()
			for j := range v {
				v[j] += float32(rng.NormFloat64() * 0.2)
			}
		}
		c.y = tensor.FromSlice([]float32{2, 0, 1}, B)
	}
	return cases
}

// relErr is ‖got − want‖ / max(‖want‖, 1e-3).
func relErr(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		d += (float64(got[i]) - float64(want[i])) * (float64(got[i]) - float64(want[i]))
		n += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(d) / math.Max(math.Sqrt(n), 1e-3)
}

// TestRecurrentPerExampleMatchesBatchOfOne checks the vectorised
// per-example gradients and norms of the recurrent layers against B
// separate batch-size-1 backward passes through the model's own (fused
// where it applies) recurrent ops.
func TestRecurrentPerExampleMatchesBatchOfOne(t *testing.T) {
	for _, c := range rnnCases(t) {
		t.Run(c.name, func(t *testing.T) {
			pe, err := NewPerExample(c.m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pe.Gradients(c.x, c.y)
			if err != nil {
				t.Fatal(err)
			}
			norms, err := pe.Norms(c.x, c.y)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.x.Dim(0) {
				want := singleGrads(t, c.m, c.x, c.y, i)
				var sq float64
				for _, p := range c.m.Params() {
					g, ok := got[p]
					if !ok {
						t.Fatalf("no per-example gradient for %s", p.Name())
					}
					n := p.Size()
					if len(g) != c.x.Dim(0)*n {
						t.Fatalf("%s: %d values, want %d", p.Name(), len(g), c.x.Dim(0)*n)
					}
					if e := relErr(g[i*n:(i+1)*n], want[p]); e > 1e-4 {
						t.Errorf("example %d, %s: relative error %.3g\n got %v\nwant %v", i, p.Name(), e, g[i*n:(i+1)*n], want[p])
					}
					for _, v := range want[p] {
						sq += float64(v) * float64(v)
					}
				}
				if sq == 0 {
					t.Fatalf("example %d: zero gradient; the case tests nothing", i)
				}
				if w := math.Sqrt(sq); math.Abs(norms[i]-w) > 1e-4*w {
					t.Errorf("example %d: norm %v, batch-of-one %v", i, norms[i], w)
				}
			}
		})
	}
}

// TestOuterRuleGramMatchesProduct checks the Gram-matrix norm against the
// explicit per-example products on sizes that take each path.
func TestOuterRuleGramMatchesProduct(t *testing.T) {
	rng := tensor.NewRNG(3)
	for _, sz := range [][4]int{{3, 2, 9, 11}, {2, 7, 3, 5}, {1, 1, 1, 1}} {
		B, T, in, out := sz[0], sz[1], sz[2], sz[3]
		x := tensor.RandNormal(rng, 0, 1, B, T, in).Data()
		g := tensor.RandNormal(rng, 0, 1, B, T, out).Data()
		a := tensor.NewArena()
		norm, ref := make([]float64, B), make([]float64, B)
		outerRule(a, norm, x, g, B, T, in, out, false)
		outerRule(a, ref, x, g, B, T, in, out, true)
		for b := range B {
			if math.Abs(norm[b]-ref[b]) > 1e-5*ref[b] {
				t.Errorf("%v example %d: norm² %v, from the product %v", sz, b, norm[b], ref[b])
			}
		}
		a.Reset()
	}
}

// TestRecurrentPerExampleMatchesPyTorch compares per-example gradients and
// norms of RNN/LSTM/GRU → Dense classifiers with PyTorch's (per-sample
// backward passes; testdata/rnn_pergrad.py).
func TestRecurrentPerExampleMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/rnn_pergrad.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		B, T, D, H, C int
		Cases         []struct {
			Kind      string
			StateDict map[string][]float32 `json:"state_dict"`
			DenseKern []float32            `json:"dense_kernel"`
			DenseBias []float32            `json:"dense_bias"`
			X         []float32
			Y         []float32
			Grads     map[string][]float32
			Norms     []float64
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	B, T, D, H, C := golden.B, golden.T, golden.D, golden.H, golden.C
	if len(golden.Cases) != 3 {
		t.Fatalf("%d golden cases, want 3", len(golden.Cases))
	}
	for _, g := range golden.Cases {
		t.Run(g.Kind, func(t *testing.T) {
			var rec nn.Layer
			switch g.Kind {
			case "rnn":
				rec = nn.NewSimpleRNN(H, nn.RNNConfig{})
			case "lstm":
				rec = nn.NewLSTM(H, nn.RNNConfig{})
			case "gru":
				rec = nn.NewGRU(H, nn.RNNConfig{})
			default:
				t.Fatalf("unknown case %q", g.Kind)
			}
			dense := nn.NewDense(C, nn.DenseConfig{Activation: "softmax"})
			m := model.NewSequential(model.InputShape(T, D), rec, dense)
			if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
				t.Fatal(err)
			}
			if err := m.Build(nil); err != nil {
				t.Fatal(err)
			}
			sd := map[string]*tensor.Tensor{}
			gh := map[string]int{"rnn": 1, "lstm": 4, "gru": 3}[g.Kind] * H
			for k, v := range g.StateDict {
				if len(v) == gh { // a bias
					sd[k] = tensor.FromSlice(v, gh)
				} else {
					sd[k] = tensor.FromSlice(v, gh, len(v)/gh)
				}
			}
			if err := nn.ImportPyTorchRNN(rec, sd, "l0"); err != nil {
				t.Fatal(err)
			}
			dense.Kernel.CopyFromSlice(g.DenseKern)
			dense.Bias.CopyFromSlice(g.DenseBias)
			x, y := tensor.FromSlice(g.X, B, T, D), tensor.FromSlice(g.Y, B)
			pe, err := NewPerExample(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pe.Gradients(x, y)
			if err != nil {
				t.Fatal(err)
			}
			norms, err := pe.Norms(x, y)
			if err != nil {
				t.Fatal(err)
			}
			ws := rec.Params() // kernel, recurrent_kernel, bias
			for name, w := range map[string]*tensor.Tensor{"kernel": ws[0], "recurrent_kernel": ws[1],
				"bias": ws[2], "dense_kernel": dense.Kernel, "dense_bias": dense.Bias} {
				want := g.Grads[name]
				if len(got[w]) != len(want) {
					t.Fatalf("%s: %d values, PyTorch %d", name, len(got[w]), len(want))
				}
				n := w.Size()
				for i := range B {
					if e := relErr(got[w][i*n:(i+1)*n], want[i*n:(i+1)*n]); e > 1e-4 {
						t.Errorf("example %d, %s: relative error %.3g from PyTorch", i, name, e)
					}
				}
			}
			for i, w := range g.Norms {
				if math.Abs(norms[i]-w) > 1e-4*w {
					t.Errorf("example %d: norm %v, PyTorch %v", i, norms[i], w)
				}
			}
		})
	}
}

// keySequences returns n token sequences of length t over ids 1..7, padded
// with 0 after a random length ≥ 3, labelled 1 when id 7 occurs among the
// real tokens (half of them).
func keySequences(seed uint64, n, t int) *data.Dataset {
	rng := tensor.NewRNG(seed)
	x := make([]float32, n*t)
	y := make([]float32, n)
	for i := range n {
		l := 3 + rng.IntN(t-2)
		for j := range l {
			x[i*t+j] = float32(1 + rng.IntN(6))
		}
		if i%2 == 1 {
			x[i*t+rng.IntN(l)] = 7
			y[i] = 1
		}
	}
	return data.MustNew(x, []int{t}, y, nil)
}

// TestDPLSTMLearnsSequenceTask trains a masked Embedding → LSTM → Dense
// classifier with DP-SGD (σ = 1.1, C = 1) on a detection task (does id 7
// occur in the sequence?) and requires held-out accuracy far above the
// 50% of guessing.
func TestDPLSTMLearnsSequenceTask(t *testing.T) {
	const T = 10
	train, test := keySequences(1, 512, T), keySequences(2, 256, T)
	m := model.NewSequential(model.InputShape(T),
		nn.NewEmbedding(8, 8, nn.EmbeddingConfig{MaskZero: true}),
		nn.NewLSTM(8, nn.RNNConfig{}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	m.SetSeed(7)
	adam := optim.MustNewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.02}})
	loss, _ := losses.ByName("sparse_categorical_crossentropy")
	acc, _ := metrics.ByName("accuracy", "sparse_categorical_crossentropy")
	if err := m.Compile(adam, loss, []metrics.Metric{acc}); err != nil {
		t.Fatal(err)
	}
	res, err := Train(m, train, TrainConfig{Epochs: 12, BatchSize: 64, NoiseMultiplier: 1.1, L2Clip: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := m.Evaluate(test, model.EvalConfig{Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("DP-SGD LSTM: test accuracy %.3f, ε = %.2f (δ = %g, %d steps, clipped %.0f%%)", logs["accuracy"], res.Epsilon, res.Delta, res.Steps, 100*res.ClippedFraction)
	if logs["accuracy"] < 0.85 {
		t.Errorf("test accuracy %.3f after DP-SGD, want ≥ 0.85", logs["accuracy"])
	}
}

// lstmBench returns a DP-SGD stepper for a masked Embedding(8000, 32) →
// LSTM(32) → Dense(2) text classifier and a batch of 256 sequences of 40
// ids (the MR setting of examples/dptext).
func lstmBench(b *testing.B) (*DPSGD, *model.Model, *tensor.Tensor, *tensor.Tensor) {
	const n, T = 256, 40
	m := model.NewSequential(model.InputShape(T),
		nn.NewEmbedding(8000, 32, nn.EmbeddingConfig{MaskZero: true}),
		nn.NewLSTM(32, nn.RNNConfig{}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy"); err != nil {
		b.Fatal(err)
	}
	rng := tensor.NewRNG(1)
	x, y := make([]float32, n*T), make([]float32, n)
	for i := range n {
		l := 5 + rng.IntN(T-5) // padded after l tokens
		for j := range l {
			x[i*T+j] = float32(1 + rng.IntN(7999))
		}
		y[i] = float32(i % 2)
	}
	d, err := NewDPSGD(m, DPConfig{NoiseMultiplier: 1.1, L2Clip: 1, ExpectedBatch: n})
	if err != nil {
		b.Fatal(err)
	}
	return d, m, tensor.FromSlice(x, n, T), tensor.FromSlice(y, n)
}

// BenchmarkStepNormalLSTM is a plain training step of the text LSTM.
func BenchmarkStepNormalLSTM(b *testing.B) {
	d, m, x, y := lstmBench(b)
	d.Close()
	for range b.N {
		if _, err := m.TrainStep(x, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepDPLSTM is a DP-SGD step of the text LSTM.
func BenchmarkStepDPLSTM(b *testing.B) {
	d, _, x, y := lstmBench(b)
	for range b.N {
		if _, err := d.Step(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNormsLSTM is the per-example norm pass alone.
func BenchmarkNormsLSTM(b *testing.B) {
	_, m, x, y := lstmBench(b)
	pe, err := NewPerExample(m)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		if _, err := pe.Norms(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// ExamplePerExample_recurrent computes per-example gradient norms of an
// LSTM classifier in one pass over the batch.
func ExamplePerExample_recurrent() {
	m := model.NewSequential(model.InputShape(5, 3), // T = 5 steps of 3 features
		nn.NewLSTM(4, nn.RNNConfig{}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}))
	m.SetSeed(1)
	if err := m.CompileNames("sgd", "sparse_categorical_crossentropy"); err != nil {
		panic(err)
	}
	x := tensor.RandNormal(tensor.NewRNG(2), 0, 1, 3, 5, 3) // B = 3
	y := tensor.FromSlice([]float32{0, 1, 1}, 3)
	pe, err := NewPerExample(m)
	if err != nil {
		panic(err)
	}
	norms, err := pe.Norms(x, y)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(norms), "norms, all positive:", norms[0] > 0 && norms[1] > 0 && norms[2] > 0)
	// Output: 3 norms, all positive: true
}

// TestRecurrentDPStepIsClippedSum checks that a DP step of a recurrent
// model (which has no clipped-sum rule, so it takes the two-pass step)
// moves every weight by exactly −lr·Σ_i c_i g_i / E, with g_i the
// per-example gradients of the pass (padding masks included) and
// c_i = min(1, C/‖g_i‖), when the noise is 0.
func TestRecurrentDPStepIsClippedSum(t *testing.T) {
	for _, c := range rnnCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if err := c.m.CompileConfigMap(map[string]any{"optimizer": map[string]any{"class_name": "SGD", "config": map[string]any{"learning_rate": 1.0}}, "loss": "sparse_categorical_crossentropy"}); err != nil {
				t.Fatal(err)
			}
			pe, err := NewPerExample(c.m)
			if err != nil {
				t.Fatal(err)
			}
			grads, err := pe.Gradients(c.x, c.y)
			if err != nil {
				t.Fatal(err)
			}
			norms, err := pe.Norms(c.x, c.y)
			if err != nil {
				t.Fatal(err)
			}
			B := c.x.Dim(0)
			clip := norms[0] * 0.6 // clips at least example 0
			d, err := NewDPSGD(c.m, DPConfig{NoiseMultiplier: 0, L2Clip: clip, ExpectedBatch: float64(B)})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.fused {
				t.Fatal("recurrent model took the one-pass step, which has no rule for it")
			}
			before := map[*tensor.Tensor][]float32{}
			for _, p := range c.m.Params() {
				before[p] = append([]float32(nil), p.Float32s()...)
			}
			if _, err := d.Step(c.x, c.y); err != nil {
				t.Fatal(err)
			}
			if d.Clipped == 0 {
				t.Fatal("no example was clipped")
			}
			for _, p := range c.m.Params() {
				g, ok := grads[p]
				if !ok {
					t.Fatalf("no per-example gradient for %q", p.Name())
				}
				n := p.Size()
				want := make([]float32, n)
				for i := range B {
					ci := math.Min(1, clip/norms[i])
					for j := range n {
						want[j] += float32(ci/float64(B)) * g[i*n+j]
					}
				}
				got := make([]float32, n)
				for j, v := range p.Float32s() {
					got[j] = before[p][j] - v
				}
				if e := relErr(got, want); e > 1e-4 {
					t.Errorf("%s: update off the clipped sum by %.2g relative", p.Name(), e)
				}
			}
		})
	}
}
