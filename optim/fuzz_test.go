package optim

import (
	"encoding/json"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// FuzzFromConfig feeds optimizer configs as a saved model or a spec file
// would carry them: FromConfig returns an optimizer or an error, never
// panics, and an optimizer it returns can take a step.
func FuzzFromConfig(f *testing.F) {
	for _, s := range []string{
		`{"name": "adam", "learning_rate": 0.001}`,
		`{"class_name": "SGD", "config": {"momentum": 0.9, "nesterov": true, "clipnorm": 1}}`,
		`{"class_name": "AdamW", "config": {"weight_decay": null, "amsgrad": true}}`,
		`{"name": "rmsprop", "learning_rate": {"class_name": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}}`,
		`{"name": "adagrad", "learning_rate": {"class_name": "WarmUp", "steps": 3, "initial_learning_rate": 0, "after": {"class_name": "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 5}}}`,
		`{"name": "sgd", "exclude_from_weight_decay": ["bias"], "weight_decay": 0.1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			return
		}
		o, err := FromConfig(m)
		if err != nil {
			return
		}
		p := tensor.Ones(2, 2).SetName("w").SetRequiresGrad(true)
		tensor.Sum(tensor.GatherRows(p, []int32{1, 1}), nil, false).Backward()
		o.Step([]*tensor.Tensor{p})
		if _, err := FromConfig(o.Config()); err != nil {
			t.Fatalf("Config %v does not round-trip: %v", o.Config(), err)
		}
	})
}
