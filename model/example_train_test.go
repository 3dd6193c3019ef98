package model_test

import (
	"fmt"
	"iter"

	"github.com/tensile-ml/tensile/data"
	"github.com/tensile-ml/tensile/losses"
	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// ExampleModel_TrainStep is a custom training loop: the batches come from
// anywhere (here a fixed rule, in reinforcement learning an environment),
// and each TrainStep runs forward, loss, backward, the optimizer update and
// the metrics, as one step of Fit.
func ExampleModel_TrainStep() {
	m := model.NewSequential(
		model.InputShape(2),
		nn.NewDense(16, nn.DenseConfig{Activation: "tanh"}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}),
	)
	m.SetSeed(1)
	opt, err := optim.NewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.05}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil); err != nil {
		fmt.Println(err)
		return
	}
	rng := tensor.NewRNG(2)
	x, y := make([]float32, 64*2), make([]float32, 64)
	var first, last float64
	for step := 0; step < 200; step++ {
		for i := range y { // class 1 when both coordinates have the same sign
			a, b := rng.Float32()*2-1, rng.Float32()*2-1
			x[2*i], x[2*i+1], y[i] = a, b, 0
			if a*b > 0 {
				y[i] = 1
			}
		}
		loss, err := m.TrainStep(tensor.FromSlice(x, 64, 2), tensor.FromSlice(y, 64), nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		if step == 0 {
			first = loss
		}
		last = loss
	}
	fmt.Println("loss fell below a third:", last < first/3)
	// Output:
	// loss fell below a third: true
}

// ExampleModel_Fit_source trains on a generator whose batches have
// different sequence lengths (padded to each batch's longest sequence).
func ExampleModel_Fit_source() {
	m := model.NewSequential(
		model.InputShape(8),
		nn.NewEmbedding(10, 4, nn.EmbeddingConfig{MaskZero: true}),
		nn.NewGRU(8, nn.RNNConfig{}),
		nn.NewDense(2, nn.DenseConfig{Activation: "softmax"}),
	)
	opt, _ := optim.NewAdam(optim.AdamConfig{})
	if err := m.Compile(opt, losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil); err != nil {
		fmt.Println(err)
		return
	}
	src := data.SourceFunc(func(epoch int) iter.Seq2[*data.Batch, error] {
		return func(yield func(*data.Batch, error) bool) {
			for k := 0; k < 4; k++ {
				n, T := 3, 2+k // 3 sequences of length 2+k in batch k
				b := &data.Batch{N: n, X: make([]float32, n*T), XShape: []int{n, T}, Y: make([]float32, n), YShape: []int{n}}
				for i := range b.X {
					b.X[i] = float32(1 + (i+k)%9)
				}
				if !yield(b, nil) {
					return
				}
			}
		}
	})
	h, err := m.Fit(data.Prefetch(src, 2), model.FitConfig{Epochs: 2, Verbose: model.VerboseSilent})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Epochs, len(h.Values["loss"]))
	// Output:
	// [0 1] 2
}
