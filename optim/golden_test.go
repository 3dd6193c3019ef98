package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

type goldenFile struct {
	Shapes map[string][]int       `json:"shapes"`
	Params map[string][]float64   `json:"params"`
	Grads  []map[string][]float64 `json:"grads"`
	Cases  []struct {
		Name      string                 `json:"name"`
		Optimizer string                 `json:"optimizer"`
		Config    map[string]any         `json:"config"`
		Steps     []map[string][]float64 `json:"steps"`
	} `json:"cases"`
}

func cfgF(c map[string]any, k string) float32 {
	v, _ := c[k].(float64)
	if v == 0 {
		if _, ok := c[k]; ok {
			return Zero
		}
	}
	return float32(v)
}

func cfgB(c map[string]any, k string) bool { v, _ := c[k].(bool); return v }

func goldenOptimizer(t *testing.T, name string, c map[string]any) Optimizer {
	t.Helper()
	var o Optimizer
	var err error
	clipN, gclip, clipV := cfgF(c, "clipnorm"), cfgF(c, "global_clipnorm"), cfgF(c, "clipvalue")
	switch name {
	case "sgd":
		o, err = NewSGD(SGDConfig{BaseConfig: BaseConfig{LearningRate: cfgF(c, "lr"), ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV}, Momentum: cfgF(c, "momentum"), Nesterov: cfgB(c, "nesterov")})
	case "adam":
		o, err = NewAdam(AdamConfig{BaseConfig: BaseConfig{LearningRate: cfgF(c, "lr"), ClipNorm: clipN, GlobalClipNorm: gclip, ClipValue: clipV}, Beta1: cfgF(c, "beta1"), Beta2: cfgF(c, "beta2"),
			Epsilon: cfgF(c, "eps"), AMSGrad: cfgB(c, "amsgrad")})
	case "adamw":
		o, err = NewAdamW(AdamWConfig{BaseConfig: BaseConfig{LearningRate: cfgF(c, "lr"), WeightDecay: cfgF(c, "weight_decay")}, Beta1: cfgF(c, "beta1"), Beta2: cfgF(c, "beta2"),
			Epsilon: cfgF(c, "eps"), AMSGrad: cfgB(c, "amsgrad")})
	case "rmsprop":
		o, err = NewRMSprop(RMSpropConfig{BaseConfig: BaseConfig{LearningRate: cfgF(c, "lr")}, Rho: cfgF(c, "rho"), Epsilon: cfgF(c, "eps"),
			Momentum: cfgF(c, "momentum"), Centered: cfgB(c, "centered")})
	case "adagrad":
		o, err = NewAdagrad(AdagradConfig{BaseConfig: BaseConfig{LearningRate: cfgF(c, "lr")}, InitialAccumulatorValue: cfgF(c, "initial_accumulator"),
			Epsilon: cfgF(c, "eps")})
	default:
		t.Fatalf("unknown optimizer %q", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// setGrad makes p.Grad() equal g by back-propagating Σ p·g.
func setGrad(p *tensor.Tensor, g []float32) {
	p.ZeroGrad()
	tensor.Sum(tensor.Mul(p, tensor.FromSlice(g, p.Shape()...)), nil, false).Backward()
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestGoldenPyTorch(t *testing.T) {
	raw, err := os.ReadFile("../testdata/golden/optim/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var gf goldenFile
	if err := json.Unmarshal(raw, &gf); err != nil {
		t.Fatal(err)
	}
	names := []string{"w", "b"}
	for _, tc := range gf.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			o := goldenOptimizer(t, tc.Optimizer, tc.Config)
			var params []*tensor.Tensor
			for _, n := range names {
				params = append(params, tensor.FromSlice(f32(gf.Params[n]), gf.Shapes[n]...).SetName(n).SetRequiresGrad(true))
			}
			for s, want := range tc.Steps {
				for i, n := range names {
					setGrad(params[i], f32(gf.Grads[s][n]))
				}
				o.Step(params)
				for i, n := range names {
					got := params[i].Data()
					p0 := gf.Params[n]
					for j, w := range want[n] {
						// Compare the parameter and its change since the start
						// (the change is what the optimizer computed).
						if d := math.Abs(float64(got[j]) - w); d > 1e-4*math.Abs(w)+1e-6 {
							t.Fatalf("step %d %s[%d]: got %.7g, want %.7g", s+1, n, j, got[j], w)
						}
						dg, dw := float64(got[j])-p0[j], w-p0[j]
						if d := math.Abs(dg - dw); d > 1e-3*math.Abs(dw)+2e-6 {
							t.Fatalf("step %d %s[%d]: change %.7g, want %.7g", s+1, n, j, dg, dw)
						}
					}
				}
			}
			if o.Iterations() != len(tc.Steps) {
				t.Errorf("Iterations() = %d, want %d", o.Iterations(), len(tc.Steps))
			}
		})
	}
}
