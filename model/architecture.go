package model

import (
	"encoding/json"
	"fmt"
)

// Architecture returns the model's Keras-style description as JSON, the
// one Save stores and FromArchitecture reads: {"class_name": "Sequential"
// or "Functional", "config": {"layers": [{"class_name", "config",
// "inbound_nodes"}, ...], "input_layers", "output_layers"}}. It builds the
// model first (a Sequential model needs its input shape). ArchSpec is its
// decoded form.
func (m *Model) Architecture() ([]byte, error) {
	if err := m.Build(nil); err != nil {
		return nil, fmt.Errorf("model: architecture: %w", err)
	}
	return json.Marshal(m.architecture())
}

// ArchSpec is the decoded form of the JSON architecture that Architecture
// returns, Save stores and FromArchitecture reads.
type ArchSpec struct {
	ClassName string         `json:"class_name"` // "Sequential" or "Functional"
	Config    ArchSpecConfig `json:"config"`
}

// ArchSpecConfig is the "config" object of an ArchSpec.
type ArchSpecConfig struct {
	Name   string      `json:"name"`
	Layers []ArchLayer `json:"layers"` // in graph order
	// InputLayers and OutputLayers name a Functional model's inputs and
	// outputs ("layer" or "layer:index"); a Sequential model leaves them
	// empty.
	InputLayers  []string `json:"input_layers"`
	OutputLayers []string `json:"output_layers"`
}

// ArchLayer is one layer of an ArchSpec: its class, its nn.Serialize
// config (which holds its "name") and, in a Functional model, the layers
// feeding it.
type ArchLayer struct {
	ClassName string         `json:"class_name"`
	Config    map[string]any `json:"config"`
	Inbound   []string       `json:"inbound_nodes"`
}

// Name returns the layer's name from its config ("" when it has none).
func (l ArchLayer) Name() string {
	name, _ := l.Config["name"].(string)
	return name
}

// Spec returns the model's architecture in decoded form (see
// Architecture). It builds the model first.
func (m *Model) Spec() (*ArchSpec, error) {
	raw, err := m.Architecture()
	if err != nil {
		return nil, err
	}
	var a ArchSpec
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("model: architecture: %w", err)
	}
	return &a, nil
}
