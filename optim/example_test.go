package optim_test

import (
	"fmt"

	"github.com/tensile-ml/tensile/optim"
	"github.com/tensile-ml/tensile/tensor"
)

// ExampleAdam minimises (w - 3)² with Adam.
func ExampleAdam() {
	w := tensor.Zeros(1).SetName("w").SetRequiresGrad(true)
	opt := optim.MustNewAdam(optim.AdamConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.1}})
	params := []*tensor.Tensor{w}
	for i := 0; i < 300; i++ {
		w.ZeroGrad()
		d := tensor.AddScalar(w, -3)
		tensor.Sum(tensor.Mul(d, d), nil, false).Backward()
		opt.Step(params)
	}
	fmt.Printf("w = %.2f after %d steps\n", w.Data()[0], opt.Iterations())
	// Output: w = 3.00 after 300 steps
}

// ExampleCosineDecay uses a warm-up then cosine-decay schedule with SGD.
func ExampleCosineDecay() {
	sched := optim.CosineDecay{InitialLR: 0, WarmupTarget: 0.1, WarmupSteps: 10, DecaySteps: 100}
	opt := optim.MustNewSGD(optim.SGDConfig{BaseConfig: optim.BaseConfig{Schedule: sched}, Momentum: 0.9})
	fmt.Printf("%.3f %.3f %.3f %.3f\n", sched.LR(0), sched.LR(5), sched.LR(10), sched.LR(110))
	fmt.Println(opt.Config()["momentum"])
	// Output:
	// 0.000 0.050 0.100 0.000
	// 0.8999999761581421
}

// ExampleFromConfig decodes Keras's serialized optimizer form.
func ExampleFromConfig() {
	opt, err := optim.FromConfig(map[string]any{
		"class_name": "Adam",
		"config":     map[string]any{"learning_rate": 0.01, "beta_2": 0.98, "clipnorm": nil},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := opt.Config()
	fmt.Printf("%s lr=%.2f beta_2=%.2f\n", c["name"], c["learning_rate"], c["beta_2"])
	// Output: adam lr=0.01 beta_2=0.98
}

// ExampleRegister adds a user optimizer under a new name: SGD with
// momentum 0.9 by default.
func ExampleRegister() {
	optim.Register("sgd_momentum", func(cfg map[string]any) (optim.Optimizer, error) {
		base, err := optim.DecodeBaseConfig(cfg)
		if err != nil {
			return nil, err
		}
		return optim.NewSGD(optim.SGDConfig{BaseConfig: base, Momentum: 0.9})
	})
	opt, _ := optim.ByName("SGD_Momentum")
	fmt.Println(opt.Config()["momentum"].(float64) > 0.89)
	// Output: true
}

// ExampleSGD_sparse trains rows of a 1M-row embedding table: the step reads
// and writes only the rows looked up.
func ExampleSGD_sparse() {
	table := tensor.Zeros(1_000_000, 4).SetName("emb").SetRequiresGrad(true)
	opt := optim.MustNewSGD(optim.SGDConfig{BaseConfig: optim.BaseConfig{LearningRate: 0.5}})
	y := tensor.GatherRows(table, []int32{999_999, 7, 999_999})
	tensor.Sum(y, nil, false).Backward() // d/dy = 1
	fmt.Println(table.RowGrad().Rows)
	opt.Step([]*tensor.Tensor{table})
	fmt.Println(table.At(999_999, 0), table.At(7, 0), table.At(8, 0))
	// Output:
	// [7 999999]
	// -1 -0.5 0
}
