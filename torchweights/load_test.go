package torchweights

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

type golden struct {
	Input, Output struct {
		Dims []int     `json:"dims"`
		Data []float64 `json:"data"`
	}
}

func readGolden(t *testing.T, name string) golden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "torchweights", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func f32(v []float64) []float32 {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return f
}

// The tensile twins of testdata/torchweights/make_golden.py's modules.
var twins = map[string]func() *model.Model{
	"cnn": func() *model.Model {
		return model.NewSequential(model.InputShape(10, 8, 3),
			nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"}),
			nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: 1e-5}),
			nn.NewActivation("relu"),
			nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
			nn.NewConv2D(6, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
			nn.NewFlatten(),
			nn.NewDense(5, nn.DenseConfig{Activation: "relu"}),
			nn.NewDense(3, nn.DenseConfig{}))
	},
	"seq": func() *model.Model {
		return model.NewSequential(model.InputShape(6),
			nn.NewEmbedding(20, 8, nn.EmbeddingConfig{}),
			nn.NewLSTM(6, nn.RNNConfig{ReturnSequences: true}),
			nn.NewBidirectional(nn.NewGRU(3, nn.RNNConfig{ReturnSequences: true}), nn.BidirectionalConfig{}),
			nn.NewConv1D(4, 2, nn.Conv1DConfig{Activation: "tanh"}),
			nn.NewFlatten(),
			nn.NewDense(2, nn.DenseConfig{}))
	},
	"encoder": func() *model.Model {
		return model.NewSequential(model.InputShape(5, 8),
			nn.NewTransformerEncoder(16, 2, nn.TransformerConfig{}),
			nn.NewTransformerEncoder(16, 2, nn.TransformerConfig{}),
			nn.NewLayerNormalization(nn.LayerNormConfig{Epsilon: 1e-5}),
			nn.NewDense(3, nn.DenseConfig{}))
	},
}

func TestLoadMatchesPyTorch(t *testing.T) {
	for _, name := range []string{"cnn", "seq", "encoder"} {
		t.Run(name, func(t *testing.T) {
			g := readGolden(t, name)
			sd, err := ReadFile(filepath.Join("..", "testdata", "torchweights", name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			m := twins[name]()
			if err := m.Build(nil); err != nil {
				t.Fatal(err)
			}
			if err := Load(m, sd); err != nil {
				t.Fatal(err)
			}
			x := tensor.FromSlice(f32(g.Input.Data), g.Input.Dims...)
			if name == "cnn" { // NCHW → NHWC
				x = x.Permute(0, 2, 3, 1).Contiguous()
			}
			ys, err := m.Call([]*tensor.Tensor{x}, false)
			if err != nil {
				t.Fatal(err)
			}
			got := ys[0].Contiguous().Float64s()
			if len(got) != len(g.Output.Data) {
				t.Fatalf("%d outputs, PyTorch %d", len(got), len(g.Output.Data))
			}
			scale := 1.0
			for _, w := range g.Output.Data {
				scale = max(scale, math.Abs(w))
			}
			for i := range got {
				if d := math.Abs(got[i]-g.Output.Data[i]) / scale; d > 1e-4 {
					t.Fatalf("output %d: %g, PyTorch %g", i, got[i], g.Output.Data[i])
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	sd, err := ReadFile(filepath.Join("..", "testdata", "torchweights", "cnn.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    *model.Model
		want string
	}{
		{"wrong width", model.NewSequential(model.InputShape(10, 8, 3), nn.NewConv2D(5, [2]int{3, 3}, nn.Conv2DConfig{})), "Conv weight"},
		{"tensors left over", model.NewSequential(model.InputShape(10, 8, 3), nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"})), "no layer takes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.m.Build(nil); err != nil {
				t.Fatal(err)
			}
			err := Load(c.m, sd)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestPickleRefused(t *testing.T) {
	_, err := ReadFile(filepath.Join("..", "testdata", "torchweights", "cnn.pt"))
	if !errors.Is(err, ErrPickle) || !strings.Contains(err.Error(), "arbitrary code") || !strings.Contains(err.Error(), "cnn.pt") {
		t.Fatalf("got %v, want ErrPickle naming the file", err)
	}
}

func TestDecodeBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("..", "testdata", "torchweights", "cnn.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	huge := []byte("\x40\x00\x00\x00\x00\x00\x00\x00" + `{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4]}}`)
	for name, b := range map[string][]byte{
		"empty": nil, "truncated header": good[:20], "truncated data": good[:len(good)-5],
		"huge dims": huge, "header length past the end": []byte("\xff\xff\x00\x00\x00\x00\x00\x00{}"),
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the safetensors reader.
func FuzzDecode(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("..", "testdata", "torchweights", "cnn.safetensors"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Decode(b)
	})
}
