package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// metaUserPrefix prefixes the keys of user metadata in a model file's
// "__metadata__".
const metaUserPrefix = "tensile.meta."

// SetMetadata attaches a JSON value to the model under key; Save stores it
// in the file's safetensors "__metadata__" as "tensile.meta.<key>" and Load
// restores it. Use it for what a model needs besides its weights, such as
// the text vectorizer of a text classifier or the class names. value must
// be valid JSON (it is copied); a nil value removes the key.
func (m *Model) SetMetadata(key string, value []byte) error {
	if key == "" {
		return errors.New("model: SetMetadata: empty key")
	}
	if value == nil {
		delete(m.meta, key)
		return nil
	}
	if !json.Valid(value) {
		return fmt.Errorf("model: SetMetadata %q: value is not valid JSON", key)
	}
	if m.meta == nil {
		m.meta = map[string][]byte{}
	}
	m.meta[key] = slices.Clone(value)
	return nil
}

// Metadata returns the JSON value stored under key by SetMetadata (or read
// from a model file by Load), and whether there is one.
func (m *Model) Metadata(key string) ([]byte, bool) {
	v, ok := m.meta[key]
	return slices.Clone(v), ok
}

// MetadataKeys returns the keys of the model's metadata, sorted.
func (m *Model) MetadataKeys() []string {
	keys := make([]string, 0, len(m.meta))
	for k := range m.meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// putMetadata adds the user metadata to a file's "__metadata__".
func (m *Model) putMetadata(meta map[string]string) {
	for k, v := range m.meta {
		meta[metaUserPrefix+k] = string(v)
	}
}

// takeMetadata reads the user metadata from a file's "__metadata__".
func (m *Model) takeMetadata(meta map[string]string) error {
	for k, v := range meta {
		if key, ok := strings.CutPrefix(k, metaUserPrefix); ok {
			if !json.Valid([]byte(v)) {
				return fmt.Errorf("metadata %q is not valid JSON", k)
			}
			if m.meta == nil {
				m.meta = map[string][]byte{}
			}
			m.meta[key] = []byte(v)
		}
	}
	return nil
}
