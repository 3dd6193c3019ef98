package optim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// halfSGD is a user-defined optimizer registered in TestRegisterCustom: SGD
// at half the learning rate.
type halfSGD struct{ *SGD }

func TestRegisterCustom(t *testing.T) {
	Register("half_sgd", func(cfg map[string]any) (Optimizer, error) {
		b, err := DecodeBaseConfig(cfg)
		if err != nil {
			return nil, err
		}
		b.LearningRate = orDefault(b.LearningRate, 0.01) / 2
		o, err := NewSGD(SGDConfig{BaseConfig: b})
		return halfSGD{o}, err
	})
	for _, cfg := range []map[string]any{
		{"class_name": "Half_SGD", "config": map[string]any{"learning_rate": 0.5, "clipnorm": nil}},
		{"name": "half_sgd", "learning_rate": 0.5},
	} {
		o, err := FromConfig(cfg)
		if err != nil {
			t.Fatalf("FromConfig(%v): %v", cfg, err)
		}
		if _, ok := o.(halfSGD); !ok || o.LearningRate() != 0.25 {
			t.Errorf("FromConfig(%v) = %T with lr %g, want halfSGD with 0.25", cfg, o, o.LearningRate())
		}
	}
	if o, err := ByName("HALF_SGD"); err != nil || o.LearningRate() != 0.005 {
		t.Errorf("ByName(HALF_SGD) = %v, %v", o, err)
	}
	found := false
	for _, n := range Names() {
		found = found || n == "half_sgd"
	}
	if !found {
		t.Errorf("Names() = %v lacks half_sgd", Names())
	}
	defer func() {
		if recover() == nil {
			t.Error("registering half_sgd twice did not panic")
		}
	}()
	Register("Half_SGD", func(map[string]any) (Optimizer, error) { return nil, nil })
}

// TestKerasSerialized decodes the {"class_name", "config"} form that Keras's
// keras.optimizers.serialize writes, with its null entries and extra keys.
func TestKerasSerialized(t *testing.T) {
	const js = `{"class_name": "Adam", "config": {"name": "adam", "learning_rate": 0.002,
		"weight_decay": null, "clipnorm": null, "global_clipnorm": 1.5, "clipvalue": null,
		"use_ema": false, "ema_momentum": 0.99, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-08, "amsgrad": true}}`
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	o, err := FromConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Config()
	want := map[string]any{"name": "adam", "learning_rate": float64(float32(0.002)), "global_clipnorm": 1.5,
		"beta_1": float64(float32(0.8)), "beta_2": float64(float32(0.99)), "epsilon": float64(float32(1e-8)), "amsgrad": true}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	// AdamW's default weight decay applies when the key is null; an explicit
	// 0 is kept.
	for _, tc := range []struct {
		wd   any
		want float64
	}{{nil, float64(float32(0.004))}, {0.0, 0}, {0.1, float64(float32(0.1))}} {
		o, err := FromConfig(map[string]any{"class_name": "AdamW", "config": map[string]any{"weight_decay": tc.wd}})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Config()["weight_decay"]; got != tc.want {
			t.Errorf("AdamW weight_decay %v: got %v, want %v", tc.wd, got, tc.want)
		}
	}
}

func TestFromConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{}, "neither"},
		{map[string]any{"class_name": 3}, "class_name"},
		{map[string]any{"class_name": "Adam", "config": "x"}, "not an object"},
		{map[string]any{"class_name": "Adamax"}, "unknown optimizer \"Adamax\""},
		{map[string]any{"class_name": "SGD", "config": map[string]any{"momentum": 2}}, "momentum"},
		{map[string]any{"name": "adam", "clipnorm": "big"}, "clipnorm"},
	} {
		_, err := FromConfig(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromConfig(%v) error %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

// TestBaseConfigShared checks that the shared settings behave the same
// through every optimizer's embedded BaseConfig.
func TestBaseConfigShared(t *testing.T) {
	b := BaseConfig{LearningRate: 0.5, ClipValue: 0.1}
	for name, o := range map[string]Optimizer{
		"sgd":     MustNewSGD(SGDConfig{BaseConfig: b}),
		"rmsprop": MustNewRMSprop(RMSpropConfig{BaseConfig: b}),
		"adagrad": MustNewAdagrad(AdagradConfig{BaseConfig: b}),
		"adam":    MustNewAdam(AdamConfig{BaseConfig: b}),
		"adamw":   MustNewAdamW(AdamWConfig{BaseConfig: b}),
	} {
		c := o.Config()
		if c["learning_rate"] != 0.5 || c["clipvalue"] != float64(float32(0.1)) {
			t.Errorf("%s: Config %v lost the shared settings", name, c)
		}
		p := tensor.Zeros(1).SetName("w").SetRequiresGrad(true)
		setGrad(p, []float32{1})
		o.Step([]*tensor.Tensor{p})
		if p.Data()[0] >= 0 {
			t.Errorf("%s: step did not move the weight down: %v", name, p.Data())
		}
	}
}
