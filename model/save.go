package model

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/internal/limits"

	"github.com/tensile-ml/tensile/nn"
	"github.com/tensile-ml/tensile/tensor"
)

// File format: a model file is a safetensors file, readable by other
// tools: an 8-byte little-endian header length, a JSON header mapping each
// weight name to {"dtype": "F32", "shape": [...], "data_offsets": [begin,
// end]}, then the raw little-endian float32 data. The header's
// "__metadata__" holds, as JSON strings, the architecture under
// "tensile.model" (Keras-style class names and configs), for a compiled
// model the compile config under "tensile.compile", and the values set by
// SetMetadata under "tensile.meta.<key>". Optimizer slots are
// stored as 1-d tensors named "optimizer/<slot key>".
const (
	metaModel   = "tensile.model"
	metaCompile = "tensile.compile"
	metaFormat  = "format"
	optPrefix   = "optimizer/"
	maxHeader   = 100 << 20
)

// Limits on what a model file or spec may declare, checked before anything
// is allocated. Raise them (before loading) for larger models.
var (
	// MaxWeightElements is the most weight values a model's build may
	// create in all (default 2³⁰: 4 GiB as float32). A model read from a
	// file may moreover create only as many as the file holds.
	MaxWeightElements int64 = 1 << 30
	// MaxSpecDepth is the deepest nesting of JSON objects and arrays an
	// architecture (a spec file or a model file's "tensile.model") may
	// have (default 64), e.g. of wrappers such as TimeDistributed.
	MaxSpecDepth = 64
)

type tensorInfo struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// architecture returns the model's Keras-style description.
func (m *Model) architecture() map[string]any {
	var layers []map[string]any
	for _, n := range m.nodes {
		if n.isOutputNode() {
			continue
		}
		e := nn.Serialize(n.layer)
		if !m.sequential {
			var in []string
			for _, i := range n.inputs {
				in = append(in, i.ref())
			}
			e["inbound_nodes"] = in
		}
		layers = append(layers, e)
	}
	cfg := map[string]any{"name": m.name, "layers": layers}
	class := "Sequential"
	if !m.sequential {
		class = "Functional"
		var ins, outs []string
		for _, n := range m.inputs {
			ins = append(ins, n.layer.Name())
		}
		for _, n := range m.outputs {
			outs = append(outs, n.ref())
		}
		cfg["input_layers"], cfg["output_layers"] = ins, outs
	}
	return map[string]any{"class_name": class, "config": cfg}
}

// Save writes the model (architecture, weights and, when compiled, the
// optimizer state and compile config) to path in safetensors layout. It
// writes a temporary file in the same directory, syncs it and renames it
// over path, so a failure never leaves a partial file.
func (m *Model) Save(path string) error {
	if err := m.Build(nil); err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	arch, err := json.Marshal(m.architecture())
	if err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	meta := map[string]string{metaFormat: "pt", metaModel: string(arch)}
	m.putMetadata(meta)
	type entry struct {
		name  string
		shape []int
		data  []float32
	}
	var entries []entry
	seen := map[string]bool{}
	for _, w := range m.Weights() {
		if w.Name() == "" || seen[w.Name()] {
			return fmt.Errorf("model: save %s: weight name %q is empty or not unique", path, w.Name())
		}
		seen[w.Name()] = true
		entries = append(entries, entry{w.Name(), w.Shape(), w.Data()})
	}
	if m.opt != nil && m.loss != nil {
		comp := map[string]any{"optimizer": m.opt.Config(), "loss": m.loss.Config()}
		var mn []string
		for _, mt := range m.metrics {
			mn = append(mn, mt.Name())
		}
		comp["metrics"] = mn
		cj, err := json.Marshal(comp)
		if err != nil {
			return fmt.Errorf("model: save %s: compile config: %w", path, err)
		}
		meta[metaCompile] = string(cj)
		st := m.opt.State()
		keys := make([]string, 0, len(st))
		for k := range st {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			entries = append(entries, entry{optPrefix + k, []int{len(st[k])}, st[k]})
		}
	}
	header := map[string]any{"__metadata__": meta}
	var off int64
	for _, e := range entries {
		n := int64(len(e.data)) * 4
		header[e.name] = tensorInfo{"F32", slices.Clone(e.shape), [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	return writeAtomic(path, func(w io.Writer) error {
		var lenBuf [8]byte
		binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
		if _, err := w.Write(lenBuf[:]); err != nil {
			return err
		}
		if _, err := w.Write(hj); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<16)
		for _, e := range entries {
			for _, v := range e.data {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) == cap(buf) {
					if _, err := w.Write(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
		}
		_, err := w.Write(buf)
		return err
	})
}

// writeAtomic writes path through internal/atomicfile: on any error path
// is left as it was.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("model: save %s: %w", path, err)
	}
	return nil
}

// Load reads a model saved by Save: it rebuilds the architecture, builds it
// and loads the weights, so predictions are identical. The optimizer state,
// if stored, is restored by the next Compile with an optimizer of the same
// kind. A truncated or corrupt file gives an error naming it.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: load: %w", err)
	}
	m, err := decodeSafely(b)
	if err != nil {
		return nil, fmt.Errorf("model: load %s: %w", path, err)
	}
	return m, nil
}

// decodeSafely is decode with panics (a corrupt architecture that layer
// constructors or Build reject by panicking) turned into errors by the
// package's recover policy (recover.go).
func decodeSafely(b []byte) (m *Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("corrupt architecture: %w", panicCause(r))
		}
	}()
	return decode(b)
}

// ReadHeader returns the JSON header and the data section of a safetensors
// file's bytes, validating lengths and offsets.
func readHeader(b []byte) (map[string]tensorInfo, map[string]string, []byte, error) {
	if len(b) < 8 {
		return nil, nil, nil, errors.New("file too short for a safetensors header (truncated?)")
	}
	hl := binary.LittleEndian.Uint64(b[:8])
	if hl > maxHeader || hl > uint64(len(b)-8) {
		return nil, nil, nil, fmt.Errorf("header length %d exceeds the file size %d (truncated or not a model file)", hl, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+hl], &raw); err != nil {
		return nil, nil, nil, fmt.Errorf("corrupt header: %w", err)
	}
	dataSec := b[8+hl:]
	meta := map[string]string{}
	infos := map[string]tensorInfo{}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, nil, fmt.Errorf("corrupt metadata: %w", err)
			}
			continue
		}
		var ti tensorInfo
		if err := json.Unmarshal(v, &ti); err != nil {
			return nil, nil, nil, fmt.Errorf("corrupt entry %q: %w", k, err)
		}
		if ti.DType != "F32" {
			return nil, nil, nil, fmt.Errorf("tensor %q has dtype %q; only F32 is supported", k, ti.DType)
		}
		n, err := limits.Product(ti.Shape, MaxWeightElements)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("tensor %q: %w (the limit, model.MaxWeightElements)", k, err)
		}
		n *= 4
		if ti.Offsets[0] < 0 || ti.Offsets[1] < ti.Offsets[0] || ti.Offsets[1]-ti.Offsets[0] != n || ti.Offsets[1] > int64(len(dataSec)) {
			return nil, nil, nil, fmt.Errorf("tensor %q: offsets %v do not fit shape %v in %d data bytes (truncated?)", k, ti.Offsets, ti.Shape, len(dataSec))
		}
		infos[k] = ti
	}
	// Tensors may not share bytes: sorted by start, each must end before
	// the next begins.
	names := make([]string, 0, len(infos))
	for k := range infos {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := infos[names[i]].Offsets, infos[names[j]].Offsets
		return a[0] < b[0] || a[0] == b[0] && names[i] < names[j]
	})
	for i := 1; i < len(names); i++ {
		prev, cur := infos[names[i-1]], infos[names[i]]
		if cur.Offsets[0] < prev.Offsets[1] && cur.Offsets[1] > cur.Offsets[0] {
			return nil, nil, nil, fmt.Errorf("tensors %q and %q overlap (offsets %v and %v)", names[i-1], names[i], prev.Offsets, cur.Offsets)
		}
	}
	return infos, meta, dataSec, nil
}

// floats decodes tensor name's values; a NaN or infinite value is an error
// naming it.
func floats(b []byte, name string, ti tensorInfo) ([]float32, error) {
	seg := b[ti.Offsets[0]:ti.Offsets[1]]
	out := make([]float32, len(seg)/4)
	for i := range out {
		v := math.Float32frombits(binary.LittleEndian.Uint32(seg[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("tensor %q: value %d is %v (a diverged training run?)", name, i, v)
		}
		out[i] = v
	}
	return out, nil
}

// FromArchitecture rebuilds an unbuilt-weights model from the JSON
// architecture stored under "tensile.model" (weights are initialised
// fresh).
func FromArchitecture(archJSONText []byte) (*Model, error) {
	return fromArchitecture(archJSONText, 0)
}

// fromArchitecture is FromArchitecture with a bound on the weight values
// the build may create (0: MaxWeightElements).
func fromArchitecture(archJSONText []byte, maxWeights int64) (*Model, error) {
	if err := limits.CheckJSONDepth(archJSONText, MaxSpecDepth); err != nil {
		return nil, fmt.Errorf("architecture: %w (model.MaxSpecDepth)", err)
	}
	var a ArchSpec
	if err := json.Unmarshal(archJSONText, &a); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Name the key, not the Go type encoding/json reports.
			return nil, fmt.Errorf("corrupt architecture: %q holds %s, which is not what a model's architecture has there", te.Field, te.Value)
		}
		return nil, fmt.Errorf("corrupt architecture: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	var layers []nn.Layer
	for _, lc := range a.Config.Layers {
		l, err := nn.FromConfig(map[string]any{"class_name": lc.ClassName, "config": lc.Config})
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
	}
	switch a.ClassName {
	case "Sequential":
		m := NewSequential(layers...)
		m.name = a.Config.Name
		m.maxWeights = maxWeights
		// Without an InputLayer (a spec file may leave it out) the model
		// stays unbuilt and Fit takes the input shape from the data.
		if _, ok := firstLayer(layers).(*nn.Input); ok {
			if err := m.Build(nil); err != nil {
				return nil, err
			}
		}
		return m, nil
	case "Functional":
		nodes := map[string][]*Node{} // a layer's output nodes
		for i, lc := range a.Config.Layers {
			l := layers[i]
			if il, ok := l.(*nn.Input); ok {
				nodes[l.Name()] = []*Node{{layer: il, shape: slices.Clone(il.Shape())}}
				continue
			}
			var ins []*Node
			for _, name := range lc.Inbound {
				n := resolveRef(nodes, name)
				if n == nil {
					return nil, fmt.Errorf("layer %q: unknown inbound layer %q", l.Name(), name)
				}
				ins = append(ins, n)
			}
			nodes[l.Name()] = ApplyMulti(l, ins...)
		}
		pick := func(names []string) ([]*Node, error) {
			var out []*Node
			for _, name := range names {
				n := resolveRef(nodes, name)
				if n == nil {
					return nil, fmt.Errorf("unknown layer %q", name)
				}
				out = append(out, n)
			}
			return out, nil
		}
		ins, err := pick(a.Config.InputLayers)
		if err != nil {
			return nil, err
		}
		outs, err := pick(a.Config.OutputLayers)
		if err != nil {
			return nil, err
		}
		m, err := newModel(ins, outs, maxWeights)
		if err != nil {
			return nil, err
		}
		m.name = a.Config.Name
		return m, nil
	}
	return nil, fmt.Errorf("unknown model class %q", a.ClassName)
}

func decode(b []byte) (*Model, error) {
	infos, meta, dataSec, err := readHeader(b)
	if err != nil {
		return nil, err
	}
	arch, ok := meta[metaModel]
	if !ok {
		return nil, fmt.Errorf("no %q metadata: not a tensile model file (a bare weights file?)", metaModel)
	}
	// The architecture may create only as many weight values as the file
	// holds, so a small file cannot make the build allocate a huge model.
	var held int64
	for k, ti := range infos {
		if !strings.HasPrefix(k, optPrefix) {
			held += (ti.Offsets[1] - ti.Offsets[0]) / 4
		}
	}
	m, err := fromArchitecture([]byte(arch), max(held, 1))
	if err != nil {
		return nil, err
	}
	if !m.built {
		return nil, errors.New("the architecture has no input shape (no InputLayer)")
	}
	if err := m.takeMetadata(meta); err != nil {
		return nil, err
	}
	for _, w := range m.Weights() {
		ti, ok := infos[w.Name()]
		if !ok {
			return nil, fmt.Errorf("weight %q is missing", w.Name())
		}
		if !slices.Equal(ti.Shape, w.Shape()) {
			return nil, fmt.Errorf("weight %q has shape %v, the architecture needs %v", w.Name(), ti.Shape, w.Shape())
		}
		v, err := floats(dataSec, w.Name(), ti)
		if err != nil {
			return nil, err
		}
		w.CopyFrom(tensor.FromSlice(v, ti.Shape...))
	}
	if cj, ok := meta[metaCompile]; ok {
		var comp struct {
			Optimizer map[string]any `json:"optimizer"`
		}
		if err := json.Unmarshal([]byte(cj), &comp); err != nil {
			return nil, fmt.Errorf("corrupt compile config: %w", err)
		}
		m.pendingOpt, _ = comp.Optimizer["name"].(string)
		m.pendingState = map[string][]float32{}
		for k, ti := range infos {
			if s, ok := strings.CutPrefix(k, optPrefix); ok {
				v, err := floats(dataSec, k, ti)
				if err != nil {
					return nil, err
				}
				m.pendingState[s] = v
			}
		}
	}
	return m, nil
}

// CompileConfig returns the compile config stored in a model file by Save
// (optimizer, loss and metric configs), or nil when the model was saved
// uncompiled. Use it to recreate the optimizer and loss when resuming.
func CompileConfig(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	_, meta, _, err := readHeader(b)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", path, err)
	}
	cj, ok := meta[metaCompile]
	if !ok {
		return nil, nil
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(cj), &c); err != nil {
		return nil, fmt.Errorf("model: %s: corrupt compile config: %w", path, err)
	}
	return c, nil
}

func firstLayer(ls []nn.Layer) nn.Layer {
	if len(ls) == 0 {
		return nil
	}
	return ls[0]
}
