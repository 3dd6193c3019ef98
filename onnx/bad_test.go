package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/onnx/onnxpb"
)

func goldenBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "onnx", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinyGraph is x [N, 4] → node(s) → y.
func tinyGraph(nodes []*onnxpb.NodeProto, inits ...*onnxpb.TensorProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{IrVersion: 8, OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: 13}},
		Graph: &onnxpb.GraphProto{Node: nodes, Initializer: inits,
			Input:  []*onnxpb.ValueInfoProto{valueInfo("x", []int{4})},
			Output: []*onnxpb.ValueInfoProto{valueInfo("y", []int{4})}}}
}

func TestImportBadInput(t *testing.T) {
	relu := func(in, out string) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: "Relu", Name: out + "_node", Input: []string{in}, Output: []string{out}}
	}
	huge := &onnxpb.TensorProto{Name: "w", DataType: int32(onnxpb.TensorProto_FLOAT), Dims: []int64{1 << 20, 1 << 20}, RawData: make([]byte, 16)}
	overflow := &onnxpb.TensorProto{Name: "w", DataType: int32(onnxpb.TensorProto_FLOAT), Dims: []int64{1 << 40, 1 << 40, 1 << 40}}
	short := &onnxpb.TensorProto{Name: "w", DataType: int32(onnxpb.TensorProto_FLOAT), Dims: []int64{4, 4}, RawData: make([]byte, 12)}
	cases := []struct {
		name string
		mp   *onnxpb.ModelProto
		want string
	}{
		{"cycle", tinyGraph([]*onnxpb.NodeProto{relu("b", "a"), relu("a", "b"), relu("x", "y")}), "cycle"},
		{"unsupported op", tinyGraph([]*onnxpb.NodeProto{{OpType: "Einsum", Name: "e1", Input: []string{"x"}, Output: []string{"y"}}}), `node "e1" (Einsum): op Einsum is not supported`},
		{"huge dims", tinyGraph([]*onnxpb.NodeProto{relu("x", "y")}, huge), "holds more than"},
		{"overflowing dims", tinyGraph([]*onnxpb.NodeProto{relu("x", "y")}, overflow), "holds more than"},
		{"data shorter than dims", tinyGraph([]*onnxpb.NodeProto{relu("x", "y")}, short), "need 16 elements"},
		{"undefined input", tinyGraph([]*onnxpb.NodeProto{relu("nope", "y")}), `"nope" is not defined`},
		{"missing output", tinyGraph([]*onnxpb.NodeProto{relu("x", "z")}), `output "y"`},
		{"old opset", &onnxpb.ModelProto{OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: 9}}, Graph: &onnxpb.GraphProto{}}, "opset 9"},
		{"no inputs", &onnxpb.ModelProto{OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: 13}}, Graph: &onnxpb.GraphProto{}}, "no inputs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(c.mp)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "onnx: import: ") {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestReadTruncatedAndGarbage(t *testing.T) {
	b := goldenBytes(t, "cnn_opset13")
	dir := t.TempDir()
	for _, n := range []int{0, 1, 17, len(b) / 2, len(b) - 3} {
		p := filepath.Join(dir, "t.onnx")
		if err := os.WriteFile(p, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("truncated to %d bytes: got %v, want an error naming the file", n, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("missing file: no error")
	}
}

// FuzzImport feeds arbitrary bytes to the ONNX reader and importer: an
// error is fine, a panic or a hang is not.
func FuzzImport(f *testing.F) {
	for _, n := range []string{"mlp_opset13", "cnn_opset13", "cnn_view_opset15"} {
		b := goldenBytes(f, n)
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mp, err := Unmarshal(b)
		if err != nil {
			return
		}
		_, _ = Import(mp)
	})
}
