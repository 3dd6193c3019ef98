package model

import (
	"encoding/json"
	"fmt"
)

// Architecture returns the model's Keras-style description as JSON, the
// one Save stores and FromArchitecture reads: {"class_name": "Sequential"
// or "Functional", "config": {"layers": [{"class_name", "config",
// "inbound_nodes"}, ...], "input_layers", "output_layers"}}. It builds the
// model first (a Sequential model needs its input shape).
func (m *Model) Architecture() ([]byte, error) {
	if err := m.Build(nil); err != nil {
		return nil, fmt.Errorf("model: architecture: %w", err)
	}
	return json.Marshal(m.architecture())
}
