package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx"
)

func TestExportImportPredictEvaluateONNX(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "mnist.onnx")
	if code, o, e := run(t, "export", "mnist-cnn", "--format", "onnx", "--out", out, "--opset", "13"); code != 0 {
		t.Fatalf("export: exit %d: %s%s", code, o, e)
	}
	mp, err := onnx.ReadModelProto(out)
	if err != nil {
		t.Fatal(err)
	}
	if v := mp.OpsetImport[0].Version; v != 13 {
		t.Errorf("opset %d, want 13", v)
	}
	// Import it back and predict with both files on MNIST-shaped input.
	st := filepath.Join(dir, "mnist.safetensors")
	if code, o, e := run(t, "import", out, "--out", st); code != 0 || !strings.Contains(o, "93322 parameters") {
		t.Fatalf("import: exit %d: %s%s", code, o, e)
	}
	ds, err := loadData(dataFlags{path: "mnist:test"})
	if err != nil {
		t.Fatal(err)
	}
	npy := filepath.Join(dir, "two.npy")
	if err := data.SaveNPY(npy, ds.X[:2*784], []int{2, 28, 28, 1}); err != nil {
		t.Fatal(err)
	}
	_, a, _ := run(t, "predict", out, npy)
	_, b, _ := run(t, "predict", st, npy)
	if strings.Count(a, "class ") != 2 || a != b {
		t.Fatalf("predict on .onnx and on its import differ:\n%s\n%s", a, b)
	}
	// Evaluate a PyTorch MLP straight from its .onnx on a CSV.
	csv := filepath.Join(dir, "d.csv")
	rows := "a,b,c,d,e,f,label\n0.1,0.2,0.3,0.4,0.5,0.6,0\n-1,0.5,0.2,0,1,2,2\n0.3,-0.2,0.1,0.9,-1,0.5,1\n"
	if err := os.WriteFile(csv, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	mlp := filepath.Join("..", "..", "testdata", "onnx", "mlp_opset13.onnx")
	if code, o, e := run(t, "evaluate", mlp, "--data", csv); code != 0 || !strings.Contains(o, "accuracy=") {
		t.Fatalf("evaluate: exit %d: %s%s", code, o, e)
	}
	// Bad input: one line naming the file.
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("not onnx at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"predict", bad, npy}, {"import", bad, "--out", st}, {"export", "mnist-cnn", "--out", out, "--opset", "7"}, {"export", "mnist-cnn"}} {
		code, _, e := run(t, args...)
		if code == 0 || strings.Count(strings.TrimSpace(e), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q: want one error line", args, code, e)
		}
	}
}

func TestImportWeights(t *testing.T) {
	dir := t.TempDir()
	m := model.NewSequential(model.InputShape(10, 8, 3),
		nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"}),
		nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: 1e-5}),
		nn.NewActivation("relu"),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(6, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(5, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(3, nn.DenseConfig{}))
	spec, err := m.Architecture()
	if err != nil {
		t.Fatal(err)
	}
	sp := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(sp, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.safetensors")
	sd := filepath.Join("..", "..", "testdata", "torchweights", "cnn.safetensors")
	if code, o, e := run(t, "import-weights", sp, sd, "--out", out); code != 0 || !strings.Contains(o, "wrote") {
		t.Fatalf("import-weights: exit %d: %s%s", code, o, e)
	}
	if _, err := model.Load(out); err != nil {
		t.Fatal(err)
	}
	pt := filepath.Join("..", "..", "testdata", "torchweights", "cnn.pt")
	code, _, e := run(t, "import-weights", sp, pt, "--out", out)
	if code == 0 || !strings.Contains(e, "arbitrary code") || !strings.Contains(e, "save_file") {
		t.Fatalf("pickle: exit %d, %q: want a refusal that says why and how to convert", code, e)
	}
	// The wrong model: one line naming the layer.
	code, _, e = run(t, "import-weights", "mnist-cnn", sd, "--out", out)
	if code == 0 || !strings.Contains(e, `layer "conv2d"`) || strings.Count(strings.TrimSpace(e), "\n") != 0 {
		t.Fatalf("wrong model: exit %d, %q", code, e)
	}
}
