package nn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
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
// returns the layer name it holds. Keras spellings are accepted where a
// field's type allows no doubt: a single number for a pair (kernel_size 3
// for [3, 3]) and a one-element list for a number (Keras writes a Conv1D's
// kernel_size as [3]). Errors name the key and the expected kind, not Go
// types.
func decodeSpec(cfg map[string]any, spec any) (string, error) {
	c := make(map[string]any, len(cfg))
	for k, v := range cfg {
		c[k] = v
	}
	name, _ := c["name"].(string)
	delete(c, "name")
	if err := normalizeKeras(c, reflect.TypeOf(spec).Elem()); err != nil {
		return "", err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(spec); err != nil {
		return "", plainJSONError(err)
	}
	return name, nil
}

// jsonFields returns the JSON keys of struct type t (with embedded structs'
// keys) and their types.
func jsonFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			jsonFields(f.Type, out)
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		out[tag] = f.Type
	}
}

// normalizeKeras rewrites the values of c that Keras spells differently
// from the struct type t: a number where t wants a fixed-size array of ints
// is repeated, and a one-element list where t wants an int is unwrapped. A
// list of the wrong length for an array is an error (encoding/json would
// silently drop or zero the difference).
func normalizeKeras(c map[string]any, t reflect.Type) error {
	if t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	jsonFields(t, fields)
	for k, v := range c {
		ft, ok := fields[k]
		if !ok {
			continue
		}
		switch {
		case ft.Kind() == reflect.Array && ft.Elem().Kind() == reflect.Int:
			if n, ok := v.(float64); ok {
				a := make([]any, ft.Len())
				for i := range a {
					a[i] = n
				}
				c[k] = a
			}
			if a, ok := v.([]any); ok && len(a) != ft.Len() {
				return fmt.Errorf("%s: got a list of %d, want a number or a list of %d", k, len(a), ft.Len())
			}
		case ft.Kind() == reflect.Int:
			if a, ok := v.([]any); ok && len(a) == 1 {
				c[k] = a[0]
			}
		}
	}
	return nil
}

// plainJSONError rewrites encoding/json's decode errors, which name Go
// types ("Go struct field denseSpec.units of type int"), as errors about
// the config's keys.
func plainJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		kind := map[reflect.Kind]string{
			reflect.Int: "an integer", reflect.Int64: "an integer", reflect.Uint64: "an integer",
			reflect.Float32: "a number", reflect.Float64: "a number", reflect.Bool: "true or false",
			reflect.String: "a string", reflect.Slice: "a list", reflect.Array: "a list", reflect.Map: "an object",
			reflect.Struct: "an object",
		}[te.Type.Kind()]
		if kind == "" {
			kind = "another kind of value"
		}
		if te.Type.Kind() == reflect.Array {
			kind = fmt.Sprintf("a list of %d", te.Type.Len())
		}
		field := te.Field
		if field == "" {
			return fmt.Errorf("got %s, want %s", te.Value, kind)
		}
		return fmt.Errorf("%s: got %s, want %s", field, te.Value, kind)
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("unknown key %s", rest)
	}
	return errors.New(strings.TrimPrefix(msg, "json: "))
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
