package nn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Factory rebuilds a layer from the configuration its Config returned.
type Factory func(config map[string]any) (Layer, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes a layer class available to FromConfig under className
// (Keras's class name, e.g. "Dense"). Registering a name twice panics.
func Register(className string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[className]; dup {
		panic("nn: Register called twice for class " + className)
	}
	registry[className] = f
}

// Classes returns the registered class names, sorted.
func Classes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Serialize returns l's class name and configuration in Keras's form,
// {"class_name": "Dense", "config": {...}}.
func Serialize(l Layer) map[string]any {
	return map[string]any{"class_name": l.ClassName(), "config": l.Config()}
}

// FromConfig rebuilds an unbuilt layer from Serialize's output. An unknown
// class or an invalid configuration is an error naming it.
func FromConfig(cfg map[string]any) (Layer, error) {
	class, _ := cfg["class_name"].(string)
	if class == "" {
		return nil, fmt.Errorf("nn: layer config has no class_name")
	}
	registryMu.RLock()
	f, ok := registry[class]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("nn: unknown layer class %q (registered: %v)", class, Classes())
	}
	c, _ := cfg["config"].(map[string]any)
	if c == nil {
		c = map[string]any{}
	}
	l, err := f(c)
	if err != nil {
		return nil, fmt.Errorf("nn: %s config: %w", class, err)
	}
	return l, nil
}

// must panics with err, for constructors given an invalid literal
// configuration (a programmer error, like regexp.MustCompile).
func must[L any](l L, err error) L {
	if err != nil {
		panic(err)
	}
	return l
}

// specConfig turns a layer's spec struct into its Config map (adding the
// name) via JSON, so Config and FromConfig share one definition.
func specConfig(l Layer, spec any) map[string]any {
	b, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	m["name"] = l.Name()
	return m
}

// decodeSpec fills spec from a config map, rejecting unknown keys, and
// returns the layer name it holds.
func decodeSpec(cfg map[string]any, spec any) (string, error) {
	c := make(map[string]any, len(cfg))
	for k, v := range cfg {
		c[k] = v
	}
	name, _ := c["name"].(string)
	delete(c, "name")
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(spec); err != nil {
		return "", err
	}
	return name, nil
}

// registerSpec registers a class whose layers are made from a spec struct S
// by mk.
func registerSpec[S any, L Layer](class string, mk func(S, string) (L, error)) {
	Register(class, func(cfg map[string]any) (Layer, error) {
		var s S
		name, err := decodeSpec(cfg, &s)
		if err != nil {
			return nil, err
		}
		return mk(s, name)
	})
}

func cloneShape(s []int) []int { return slices.Clone(s) }

func init() {
	registerSpec("Activation", newActivation)
	registerSpec("Dense", newDense)
	registerSpec("Conv2D", newConv2D)
	registerSpec("MaxPooling2D", newMaxPool)
	registerSpec("AveragePooling2D", newAvgPool)
	registerSpec("GlobalAveragePooling2D", newGlobalAvgPool)
	registerSpec("GlobalMaxPooling2D", newGlobalMaxPool)
	registerSpec("Flatten", newFlatten)
	registerSpec("Reshape", newReshape)
	registerSpec("InputLayer", newInput)
	registerSpec("Dropout", newDropout)
	registerSpec("BatchNormalization", newBatchNorm)
	registerSpec("Add", newAdd)
	registerSpec("Concatenate", newConcatenate)
}
