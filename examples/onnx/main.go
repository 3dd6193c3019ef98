// Command onnx shows tensile's interop in both directions:
//
//  1. tensile → ONNX: train the Keras MNIST CNN briefly, export it as
//     mnist.onnx (runs in onnxruntime and any other ONNX runtime), import
//     the file back and check that the predictions agree;
//  2. PyTorch → tensile: import an MLP that torch.onnx.export wrote, and
//     fine-tune it with Fit like any tensile model;
//  3. PyTorch weights → tensile: load a state dict saved as safetensors
//     into a tensile model built to mirror the PyTorch module.
//
// Run it from the repository root: go run ./examples/onnx
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/datasets/mnist"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/onnx"
	"github.com/tensile-ml/tensile/tensor"
	"github.com/tensile-ml/tensile/torchweights"
	"github.com/tensile-ml/tensile/zoo"
)

func main() {
	torchONNX := flag.String("torch-onnx", "testdata/onnx/mlp_opset13.onnx", "an ONNX file written by torch.onnx.export")
	stateDict := flag.String("state-dict", "testdata/torchweights/cnn.safetensors", "a PyTorch state dict saved as safetensors")
	out := flag.String("out", os.TempDir(), "directory for mnist.onnx")
	flag.Parse()

	// 1. tensile → ONNX → tensile.
	train, test, err := mnist.Load()
	if err != nil {
		log.Fatal(err)
	}
	m := zoo.MNISTCNN()
	if err := m.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Fit(train.Take(4000), model.FitConfig{Epochs: 1, Verbose: model.VerboseSilent}); err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(*out, "mnist.onnx")
	if err := onnx.Save(m, path, onnx.ExportOptions{}); err != nil {
		log.Fatal(err)
	}
	back, err := onnx.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	x := tensor.FromSlice(test.X[:100*784], 100, 28, 28, 1)
	a, err := m.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		log.Fatal(err)
	}
	b, err := back.Call([]*tensor.Tensor{x}, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exported %s; re-imported, the 100 test predictions differ by at most %.2g\n", path, maxDiff(a[0], b[0]))

	// 2. A PyTorch MLP from ONNX, fine-tuned in tensile.
	mlp, err := onnx.Read(*torchONNX)
	if err != nil {
		log.Fatal(err)
	}
	ds := synthetic(256)
	if err := mlp.CompileNames("adam", "sparse_categorical_crossentropy", "accuracy"); err != nil {
		log.Fatal(err)
	}
	h, err := mlp.Fit(ds, model.FitConfig{Epochs: 20, BatchSize: 16, Verbose: model.VerboseSilent})
	if err != nil {
		log.Fatal(err)
	}
	loss := h.Values["loss"]
	fmt.Printf("imported %s (%d parameters); fine-tuning: loss %.3f → %.3f\n", *torchONNX, nn.CountParams(mlp.Params()), loss[0], loss[len(loss)-1])

	// 3. PyTorch weights into a tensile twin of the module.
	sd, err := torchweights.ReadFile(*stateDict)
	if err != nil {
		log.Fatal(err)
	}
	twin := model.NewSequential(model.InputShape(10, 8, 3),
		nn.NewConv2D(4, [2]int{3, 3}, nn.Conv2DConfig{Padding: "same"}),
		nn.NewBatchNormalization(nn.BatchNormConfig{Epsilon: 1e-5}), // PyTorch's epsilon
		nn.NewActivation("relu"),
		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
		nn.NewConv2D(6, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
		nn.NewFlatten(),
		nn.NewDense(5, nn.DenseConfig{Activation: "relu"}),
		nn.NewDense(3, nn.DenseConfig{}))
	if err := twin.Build(nil); err != nil {
		log.Fatal(err)
	}
	if err := torchweights.Load(twin, sd); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loaded %d PyTorch tensors from %s into a %d-parameter tensile model\n", len(sd), *stateDict, nn.CountParams(twin.Params()))
}

// synthetic returns n samples of 6 features labelled by a linear rule into
// 3 classes (the PyTorch MLP's input and output widths).
func synthetic(n int) *data.Dataset {
	x := tensor.RandUniform(tensor.NewRNG(7), -1, 1, n, 6).Data()
	y := make([]float32, n)
	for i := range n {
		s := x[i*6] + x[i*6+1] - x[i*6+2]
		switch {
		case s > 0.5:
			y[i] = 2
		case s > -0.5:
			y[i] = 1
		}
	}
	ds, err := data.New(x, []int{6}, y, nil)
	if err != nil {
		log.Fatal(err)
	}
	return ds
}

func maxDiff(a, b *tensor.Tensor) float64 {
	d := 0.0
	ad, bd := a.Data(), b.Data()
	for i := range ad {
		d = math.Max(d, math.Abs(float64(ad[i]-bd[i])))
	}
	return d
}
