package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/nn"
)

// modelBytes builds a safetensors model file from an architecture, tensors
// (name → shape, offsets) and a data section.
func modelBytes(t testing.TB, arch string, tensors map[string]tensorInfo, data []byte) []byte {
	t.Helper()
	h := map[string]any{"__metadata__": map[string]string{metaFormat: "pt", metaModel: arch}}
	for k, v := range tensors {
		h[k] = v
	}
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	return append(append(b, hj...), data...)
}

func seqArch(layers ...string) string {
	return `{"class_name":"Sequential","config":{"name":"m","layers":[` + strings.Join(layers, ",") + `]}}`
}

func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileModelFiles checks that model files declaring absurd shapes,
// models far larger than the file, deep nesting, overlapping tensors or
// NaN weights fail to load with an error naming the file, allocating less
// than 8 MiB.
func TestHostileModelFiles(t *testing.T) {
	const bound = 8 << 20
	dir := t.TempDir()
	f32 := func(vals ...float32) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	in := `{"class_name":"InputLayer","config":{"name":"in","shape":[2]}}`
	dense := `{"class_name":"Dense","config":{"name":"d","units":1}}`
	okTensors := map[string]tensorInfo{"d/kernel": {"F32", []int{2, 1}, [2]int64{0, 8}}, "d/bias": {"F32", []int{1}, [2]int64{8, 12}}}
	nested := `{"class_name":"Dense","config":{"units":1}}`
	for range 1000 {
		nested = `{"class_name":"TimeDistributed","config":{"layer":` + nested + `}}`
	}
	tests := []struct {
		name, want string
		file       []byte
	}{
		{"good", "", modelBytes(t, seqArch(in, dense), okTensors, f32(1, 2, 3))},
		{"input-2^64", "nn.MaxSampleElements", modelBytes(t, seqArch(`{"class_name":"InputLayer","config":{"shape":[4294967296,4294967296]}}`, `{"class_name":"Flatten","config":{}}`), nil, nil)},
		{"dense-40GB", "does not fit", modelBytes(t, seqArch(`{"class_name":"InputLayer","config":{"shape":[100000]}}`, `{"class_name":"Dense","config":{"units":100000}}`), okTensors, f32(1, 2, 3))},
		{"nested-1000", "model.MaxSpecDepth", modelBytes(t, seqArch(`{"class_name":"InputLayer","config":{"shape":[2,2]}}`, nested), nil, nil)},
		{"overlap", "overlap", modelBytes(t, seqArch(in, dense), map[string]tensorInfo{"d/kernel": {"F32", []int{2, 1}, [2]int64{0, 8}}, "d/bias": {"F32", []int{1}, [2]int64{4, 8}}}, f32(1, 2, 3))},
		{"nan-weight", "NaN", modelBytes(t, seqArch(in, dense), okTensors, f32(1, float32(math.NaN()), 3))},
		{"inf-weight", "Inf", modelBytes(t, seqArch(in, dense), okTensors, f32(1, 2, float32(math.Inf(1))))},
		{"shape-overflow", "model.MaxWeightElements", modelBytes(t, seqArch(in, dense), map[string]tensorInfo{"x": {"F32", []int{1 << 62, 4}, [2]int64{0, 0}}}, nil)},
		{"reversed-offsets", "offsets", modelBytes(t, seqArch(in, dense), map[string]tensorInfo{"x": {"F32", []int{0}, [2]int64{8, 4}}}, f32(1, 2, 3))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".safetensors")
			if err := os.WriteFile(p, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			n := allocatedBytes(func() { _, err = Load(p) })
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line naming the file and %q", err, tc.want)
			}
			if n > bound {
				t.Errorf("allocated %d bytes, want < %d", n, bound)
			}
		})
	}
}

func TestSpecWeightLimit(t *testing.T) {
	old := MaxWeightElements
	MaxWeightElements = 1000
	defer func() { MaxWeightElements = old }()
	_, err := FromArchitecture([]byte(seqArch(`{"class_name":"InputLayer","config":{"shape":[100]}}`, `{"class_name":"Dense","config":{"name":"wide","units":100}}`)))
	if err == nil || !strings.Contains(err.Error(), `"wide"`) || !strings.Contains(err.Error(), "model.MaxWeightElements") {
		t.Fatalf("err = %v, want one naming the layer and the limit", err)
	}
	if _, err := FromArchitecture([]byte(seqArch(`{"class_name":"InputLayer","config":{"shape":[10]}}`, `{"class_name":"Dense","config":{"units":10}}`))); err != nil {
		t.Fatalf("a model within the limit: %v", err)
	}
}

// fuzzModelSeeds returns model files written by Save, small enough to fuzz.
func fuzzModelSeeds(t testing.TB) [][]byte {
	dir := t.(interface{ TempDir() string }).TempDir()
	var out [][]byte
	for i, m := range []*Model{
		NewSequential(InputShape(3), nn.NewDense(2, nn.DenseConfig{Activation: "relu"}), nn.NewDense(1, nn.DenseConfig{})),
		NewSequential(InputShape(4, 4, 1), nn.NewConv2D(2, [2]int{3, 3}, nn.Conv2DConfig{}), nn.NewFlatten(), nn.NewDense(2, nn.DenseConfig{})),
	} {
		if i == 0 {
			if err := m.CompileConfigMap(map[string]any{"optimizer": "adam", "loss": "mse"}); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := m.Save(p); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func fuzzModelLimits(t *testing.T) {
	oldW, oldS := MaxWeightElements, nn.MaxSampleElements
	MaxWeightElements, nn.MaxSampleElements = 1<<16, 1<<16
	t.Cleanup(func() { MaxWeightElements, nn.MaxSampleElements = oldW, oldS })
}

// FuzzLoad decodes arbitrary model files: an error or a model whose
// weights match the file, never a panic or a huge allocation.
func FuzzLoad(f *testing.F) {
	for _, b := range fuzzModelSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzModelLimits(t)
		m, err := decodeSafely(b)
		if err != nil {
			return
		}
		for _, w := range m.Weights() {
			for _, v := range w.Data() {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("weight %s holds %v", w.Name(), v)
				}
			}
		}
	})
}

// FuzzFromArchitecture builds models from arbitrary architecture JSON (a
// spec file), seeded from the architectures Save stores.
func FuzzFromArchitecture(f *testing.F) {
	for _, b := range fuzzModelSeeds(f) {
		_, meta, _, err := readHeader(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(meta[metaModel]))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzModelLimits(t)
		func() {
			defer func() {
				// Layer constructors may reject a config by panicking;
				// Load turns that into an error (decodeSafely).
				if r := recover(); r != nil {
					if _, ok := r.(error); !ok {
						if _, ok := r.(string); !ok {
							t.Fatalf("panic with %T: %v", r, r)
						}
					}
				}
			}()
			FromArchitecture(b)
		}()
	})
}
