package onnx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/tensor/tensortest"
)

// golden is one file written by testdata/onnx/make_golden.py: PyTorch's
// input (its layout, e.g. NCHW) and output.
type golden struct {
	Opset  int       `json:"opset"`
	Input  ortTensor `json:"input"`
	Output ortTensor `json:"output"`
}

func readGolden(t *testing.T, name string) golden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "onnx", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func tensorOf(x ortTensor) *tensor.Tensor {
	data := make([]float32, len(x.Data))
	for i, v := range x.Data {
		data[i] = float32(v)
	}
	return tensor.FromSlice(data, x.Dims...)
}

// channelsLast converts a channels-first batch [N, C, ...] to [N, ..., C].
func channelsLast(x ortTensor) *tensor.Tensor {
	data := make([]float32, len(x.Data))
	for i, v := range x.Data {
		data[i] = float32(v)
	}
	if len(x.Dims) < 3 {
		return tensor.FromSlice(data, x.Dims...)
	}
	perm := []int{0}
	for i := 2; i < len(x.Dims); i++ {
		perm = append(perm, i)
	}
	perm = append(perm, 1)
	d, sh := permute(data, x.Dims, perm)
	return tensor.FromSlice(d, sh...)
}

func TestImportPyTorchGoldens(t *testing.T) {
	// Image inputs are NCHW in PyTorch and NHWC in tensile; sequences are
	// [B, T, D] in both.
	for _, name := range []string{"mlp_opset13", "cnn_opset13", "cnn_opset17", "cnn_view_opset15", "lstm_opset14", "gru_bidi_opset13", "gru_hidden_opset17", "encoder_opset14", "encoder_opset17"} {
		t.Run(name, func(t *testing.T) {
			image := strings.HasPrefix(name, "cnn")
			g := readGolden(t, name)
			m, err := Read(filepath.Join("..", "testdata", "onnx", name+".onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x := channelsLast(g.Input)
			if !image {
				x = tensorOf(g.Input)
			}
			ys, err := m.Call([]*tensor.Tensor{x}, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ys[0].Shape(), g.Output.Dims) {
				t.Fatalf("output shape %v, PyTorch %v", ys[0].Shape(), g.Output.Dims)
			}
			worst, ok := closeRel(ys[0].Contiguous().Float64s(), g.Output.Data, 1e-4)
			if !ok {
				t.Errorf("differs from PyTorch by %.3g (relative), over 1e-4", worst)
			}
			t.Logf("worst relative difference from PyTorch %.2g", worst)
		})
	}
}

// TestImportedModelTrainsAndSaves fine-tunes the imported PyTorch MLP: its
// weights are ordinary parameters, so Fit lowers the loss; Save and Load
// round-trip it.
func TestImportedModelTrainsAndSaves(t *testing.T) {
	m, err := Read(filepath.Join("..", "testdata", "onnx", "mlp_opset13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if got := nn.CountParams(m.Params()); got != 6*16+16+16*8+8+8*3+3 {
		t.Fatalf("%d parameters, want PyTorch's 275", got)
	}
	const n = 96
	x := randInput(31, n, 6)
	y := make([]float32, n)
	xd := x.Data()
	for i := range n {
		s := xd[i*6] + xd[i*6+1] - xd[i*6+2]
		switch {
		case s > 0.5:
			y[i] = 2
		case s > -0.5:
			y[i] = 1
		}
	}
	ds, err := data.New(xd, []int{6}, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy"); err != nil {
		t.Fatal(err)
	}
	m.SetSeed(1)
	h, err := m.Fit(ds, model.FitConfig{Epochs: 40, BatchSize: 8, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	loss := h.Values["loss"]
	if len(loss) != 40 || !(loss[len(loss)-1] < 0.8*loss[0]) {
		t.Fatalf("fine-tuning did not lower the loss enough: %v", loss)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := back.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	if worst, ok := closeRel(a[0].Float64s(), b[0].Float64s(), 0); !ok {
		t.Fatalf("loaded model differs by %g", worst)
	}
}

// TestExportImportRoundTrip imports tensile's own exports back: the
// Transposes around convolutions and pooling become layout changes, Dense
// biases fold back, and the outputs match the original model's.
func TestExportImportRoundTrip(t *testing.T) {
	roundTrips := map[string]bool{"dense_mlp": true, "dense_3d": true, "conv2d_valid": true,
		"conv2d_same_strided_dilated": true, "pool2d_valid_global_max": true, "conv1d": true, "conv1d_global_avg": true, "layernorm_opset17": true}
	for i, c := range feedForwardCases() {
		if !roundTrips[c.name] {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			m, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			xs := c.inputs()
			if err := m.Build(xs[0].Shape()[1:]); err != nil {
				t.Fatal(err)
			}
			randomizeWeights(m, uint64(i+1))
			want, err := m.Call(xs, false)
			if err != nil {
				t.Fatal(err)
			}
			mp, err := Export(m, ExportOptions{Opset: c.opset})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := Marshal(mp)
			if err != nil {
				t.Fatal(err)
			}
			mp2, err := Unmarshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Import(mp2)
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.Call(xs, false)
			if err != nil {
				t.Fatal(err)
			}
			if worst, ok := closeRel(got[0].Float64s(), want[0].Float64s(), 1e-5); !ok {
				t.Errorf("round trip differs by %.3g", worst)
			}
		})
	}
}

// TestImportedTransformerEncoderTrainsAndSaves: the PyTorch encoder runs
// as a Graph layer; its initializers are parameters that Fit updates, and
// the model saves and loads.
func TestImportedTransformerEncoderTrainsAndSaves(t *testing.T) {
	m, err := Read(filepath.Join("..", "testdata", "onnx", "encoder_opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Params()) == 0 {
		t.Fatal("no trainable parameters")
	}
	const n = 32
	x := randInput(41, n, 5, 8)
	y := randInput(42, n, 5, 3)
	ds, err := data.New(x.Data(), []int{5, 8}, y.Data(), []int{5, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CompileNames("adam", "mse"); err != nil {
		t.Fatal(err)
	}
	h, err := m.Fit(ds, model.FitConfig{Epochs: 15, BatchSize: 8, Verbose: model.VerboseSilent})
	if err != nil {
		t.Fatal(err)
	}
	loss := h.Values["loss"]
	if !(loss[len(loss)-1] < 0.8*loss[0]) {
		t.Fatalf("fine-tuning did not lower the loss enough: %v", loss)
	}
	path := filepath.Join(t.TempDir(), "enc.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := back.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	if worst, ok := closeRel(a[0].Float64s(), b[0].Float64s(), 0); !ok {
		t.Fatalf("loaded model differs by %g", worst)
	}
}

// TestGraphLayerGradients checks the Graph layer's gradients (input and
// every weight of the PyTorch encoder) against finite differences (a step
// of 1e-3: larger ones cross the ReLU kinks).
func TestGraphLayerGradients(t *testing.T) {
	m, err := Read(filepath.Join("..", "testdata", "onnx", "encoder_opset14.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var g *Graph
	for _, l := range m.Layers() {
		if gl, ok := l.(*Graph); ok {
			g = gl
		}
	}
	if g == nil {
		t.Fatal("the encoder was not imported as a Graph layer")
	}
	x := randInput(43, 2, 5, 8)
	for i, w := range g.weights {
		f := func(xs ...*tensor.Tensor) *tensor.Tensor {
			saved := g.weights[i]
			g.weights[i] = xs[1]
			defer func() { g.weights[i] = saved }()
			return g.Forward(xs[0], true)
		}
		tensortest.GradCheck(t, "OnnxGraph/"+g.wnames[i], f, tensortest.GradCheckOptions{Eps: 1e-3}, x.Clone(), w.Detach().Clone())
	}
}
