package onnx_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx"
)

func ExampleExport() {
	m := model.NewSequential(model.InputShape(4), nn.NewDense(3, nn.DenseConfig{Activation: "softmax"}))
	mp, err := onnx.Export(m, onnx.ExportOptions{Opset: 13})
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range mp.Graph.Node {
		fmt.Println(n.OpType, n.Input, n.Output)
	}
	// Output:
	// MatMul [input_layer dense/kernel] [dense/MatMul]
	// Add [dense/MatMul dense/bias] [dense/Add]
	// Softmax [dense/Add] [dense/Softmax]
	// Identity [dense/Softmax] [dense]
}

func ExampleRead() {
	// An MLP written by torch.onnx.export (testdata/onnx/make_golden.py).
	m, err := onnx.Read(filepath.Join("..", "testdata", "onnx", "mlp_opset13.onnx"))
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range m.Layers() {
		fmt.Println(l.ClassName(), nn.CountParams(l.Params()))
	}
	// Output:
	// InputLayer 0
	// Dense 112
	// Activation 0
	// Dense 136
	// Activation 0
	// Dense 27
	// Activation 0
}
