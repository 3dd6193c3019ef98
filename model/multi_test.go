package model

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// stateModel uses an LSTM's sequence in one branch and its final state h
// in another.
func stateModel(t *testing.T) *Model {
	t.Helper()
	in := Input(6)
	emb := Apply(nn.NewEmbedding(12, 8, nn.EmbeddingConfig{MaskZero: true}), in)
	outs := ApplyMulti(nn.NewLSTM(10, nn.RNNConfig{ReturnSequences: true, ReturnState: true}), emb)
	if len(outs) != 3 {
		t.Fatalf("%d LSTM outputs, want 3", len(outs))
	}
	seq, h, c := outs[0], outs[1], outs[2]
	for _, want := range []struct {
		n     *Node
		shape []int
	}{{seq, []int{6, 10}}, {h, []int{10}}, {c, []int{10}}} {
		if !slices.Equal(want.n.Shape(), want.shape) {
			t.Fatalf("output %d shape %v, want %v", want.n.OutputIndex(), want.n.Shape(), want.shape)
		}
	}
	a := Apply(nn.NewGlobalAveragePooling1D(), seq)
	b := Apply(nn.NewDense(6, nn.DenseConfig{Activation: "relu"}), h)
	out := Apply(nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}), Apply(nn.NewConcatenate(-1), a, b))
	m, err := NewModel([]*Node{in}, []*Node{out})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A functional model using an LSTM's final state and its sequence in two
// branches trains, saves and reloads with identical predictions.
func TestMultiOutputLSTMTrainSaveLoad(t *testing.T) {
	m := compiled(t, stateModel(t))
	ds := seqData(24)
	before := append([]float32(nil), m.Layer("lstm").Params()[0].Data()...)
	if _, err := m.Fit(ds, FitConfig{Epochs: 1, BatchSize: 8, Verbose: VerboseSilent}); err != nil {
		t.Fatal(err)
	}
	if after := m.Layer("lstm").Params()[0].Data(); after[0] == before[0] && after[1] == before[1] {
		t.Error("the LSTM kernel did not change in training")
	}
	var sum bytes.Buffer
	if err := m.Summary(&sum); err != nil {
		t.Fatal(err)
	}
	if s := sum.String(); !strings.Contains(s, "(None, 6, 10), (None, 10), (None, 10)") || !strings.Contains(s, "lstm:1") {
		t.Errorf("summary lacks the LSTM's outputs or the state reference:\n%s", s)
	}
	pred, err := m.Predict(ds, EvalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	pred2, err := m2.Predict(ds, EvalConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range pred.Data() {
		if pred2.Data()[i] != v {
			t.Fatalf("prediction %d: %v after load, %v before", i, pred2.Data()[i], v)
		}
	}
	if got := len(m2.Layers()); got != len(m.Layers()) {
		t.Errorf("%d layers after load, %d before", got, len(m.Layers()))
	}
}

// The state outputs are the LSTM's: h is the sequence's last step (padding
// at the end carries it), and a model can output all three.
func TestMultiOutputStatesAreFinalStates(t *testing.T) {
	in := Input(5, 3)
	lstm := nn.NewLSTM(4, nn.RNNConfig{ReturnSequences: true, ReturnState: true})
	outs := ApplyMulti(lstm, in)
	m, err := NewModel([]*Node{in}, outs)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.RandUniform(tensor.NewRNG(1), -1, 1, 2, 5, 3)
	ys, err := m.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	seq, states := lstm.ForwardState(x, nil, nil, false)
	if len(ys) != 3 {
		t.Fatalf("%d outputs", len(ys))
	}
	for k, want := range append([]*tensor.Tensor{seq}, states...) {
		for i, v := range want.Data() {
			if ys[k].Data()[i] != v {
				t.Fatalf("output %d differs from ForwardState at %d", k, i)
			}
		}
	}
	for b := 0; b < 2; b++ {
		for u := 0; u < 4; u++ {
			if ys[1].Data()[b*4+u] != seq.Data()[(b*5+4)*4+u] {
				t.Fatalf("h is not the last step of the sequence")
			}
		}
	}
	// Saved and loaded, the outputs reference "lstm:1" and "lstm:2".
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := m2.OutputShapes(); len(got) != 3 || !slices.Equal(got[2], []int{4}) {
		t.Fatalf("loaded output shapes %v", got)
	}
	ys2, err := m2.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	for k := range ys {
		for i, v := range ys[k].Data() {
			if ys2[k].Data()[i] != v {
				t.Fatalf("output %d differs after load", k)
			}
		}
	}
}

func TestApplyMultiSingleOutput(t *testing.T) {
	in := Input(5, 3)
	if outs := ApplyMulti(nn.NewLSTM(4, nn.RNNConfig{}), in); len(outs) != 1 || !slices.Equal(outs[0].Shape(), []int{4}) {
		t.Fatalf("LSTM without ReturnState: %d outputs", len(outs))
	}
	if outs := ApplyMulti(nn.NewGRU(4, nn.RNNConfig{ReturnState: true}), in); len(outs) != 2 {
		t.Fatalf("GRU with ReturnState: %d outputs, want 2", len(outs))
	}
	bad := ApplyMulti(nn.NewLSTM(4, nn.RNNConfig{ReturnState: true}), Input(5))
	if bad[0].Err() == nil {
		t.Fatal("LSTM on a rank-1 input: no error")
	}
}
