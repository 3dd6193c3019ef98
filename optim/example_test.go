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
