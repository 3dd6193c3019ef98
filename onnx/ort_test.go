package onnx

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/model"
	"github.com/tensile-ml/tensile/tensor"
)

// The judge: onnxruntime through the npm package onnxruntime-node, run by
// testdata/ort/run.js. .ci/run installs it (ONNXRUNTIME_NODE_INSTALL=skip
// npm ci in testdata/ort) and sets TENSILE_REQUIRE_ORT=1, which turns a
// missing runtime from a skip into a failure.

type ortTensor struct {
	Dims []int     `json:"dims"`
	Data []float64 `json:"data"`
}

type ortCase struct {
	Model  string               `json:"model"`
	Inputs map[string]ortTensor `json:"inputs"`
}

type ortResult struct {
	Outputs map[string]ortTensor `json:"outputs"`
	Error   string               `json:"error"`
}

// ortDir returns the directory holding run.js, or skips (fails under
// TENSILE_REQUIRE_ORT=1) when node or onnxruntime-node is missing.
func ortDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "ort"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		missing = "onnxruntime-node is not installed (cd onnx/testdata/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci)"
	}
	if missing != "" {
		if os.Getenv("TENSILE_REQUIRE_ORT") == "1" {
			t.Fatalf("onnxruntime judge unavailable: %s", missing)
		}
		t.Skipf("onnxruntime judge unavailable: %s", missing)
	}
	return dir
}

// runORT runs every case in one node process and returns the results.
func runORT(t *testing.T, cases []ortCase) []ortResult {
	t.Helper()
	dir := ortDir(t)
	tmp := t.TempDir()
	in, out := filepath.Join(tmp, "cases.json"), filepath.Join(tmp, "out.json")
	raw, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "run.js"), in, out)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node run.js: %v\n%s", err, b)
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res []ortResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(cases) {
		t.Fatalf("run.js returned %d results for %d cases", len(res), len(cases))
	}
	return res
}

func toORT(x *tensor.Tensor) ortTensor {
	return ortTensor{Dims: x.Shape(), Data: x.Contiguous().Float64s()}
}

// closeRel reports the worst element of got against want, relative to the
// larger of 1 and want's largest magnitude, and whether it is within tol.
func closeRel(got, want []float64, tol float64) (float64, bool) {
	if len(got) != len(want) {
		return math.Inf(1), false
	}
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(got[i]-want[i]) / scale
		if math.IsNaN(d) {
			return d, false
		}
		worst = max(worst, d)
	}
	return worst, worst <= tol
}

// exportCase is a model whose ONNX export must match tensile's outputs.
type exportCase struct {
	name  string
	build func() (*model.Model, error)
	// inputs returns one batch per model input.
	inputs func() []*tensor.Tensor
	opset  int
}

// checkExports exports every case, runs it in onnxruntime and compares
// with tensile's own forward pass (inference mode) within 1e-4.
func checkExports(t *testing.T, cases []exportCase) {
	t.Helper()
	dir := t.TempDir()
	var oc []ortCase
	var want [][]*tensor.Tensor
	var outNames [][]string
	for i, c := range cases {
		m, err := c.build()
		if err != nil {
			t.Fatalf("%s: build: %v", c.name, err)
		}
		xs := c.inputs()
		if err := m.Build(xs[0].Shape()[1:]); err != nil && len(xs) == 1 {
			t.Fatalf("%s: build: %v", c.name, err)
		}
		randomizeWeights(m, uint64(i+1))
		ys, err := m.Call(xs, false)
		if err != nil {
			t.Fatalf("%s: tensile forward: %v", c.name, err)
		}
		mp, err := Export(m, ExportOptions{Opset: c.opset})
		if err != nil {
			t.Fatalf("%s: export: %v", c.name, err)
		}
		raw, err := Marshal(mp)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, strings.ReplaceAll(c.name, "/", "_")+".onnx")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		in := map[string]ortTensor{}
		for j, vi := range mp.Graph.Input {
			in[vi.Name] = toORT(xs[j])
		}
		var names []string
		for _, vi := range mp.Graph.Output {
			names = append(names, vi.Name)
		}
		oc = append(oc, ortCase{Model: path, Inputs: in})
		want = append(want, ys)
		outNames = append(outNames, names)
	}
	res := runORT(t, oc)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res[i].Error != "" {
				t.Fatalf("onnxruntime: %s", res[i].Error)
			}
			for j, name := range outNames[i] {
				got, ok := res[i].Outputs[name]
				if !ok {
					t.Fatalf("onnxruntime returned no output %q", name)
				}
				w := want[i][j]
				if !slices.Equal(got.Dims, w.Shape()) {
					t.Fatalf("output %q: onnxruntime shape %v, tensile %v", name, got.Dims, w.Shape())
				}
				worst, ok := closeRel(got.Data, w.Contiguous().Float64s(), 1e-4)
				if !ok {
					t.Errorf("output %q: onnxruntime differs from tensile by %.3g (relative), over 1e-4", name, worst)
				}
				t.Logf("output %q: worst relative difference %.2g", name, worst)
			}
		})
	}
}

// randomizeWeights replaces every weight with seeded values in ±0.5
// (variances in [0.5, 1.5]) so that biases, BatchNormalization statistics
// and layer-norm scales all matter.
func randomizeWeights(m *model.Model, seed uint64) {
	rng := tensor.NewRNG(seed)
	for _, w := range m.Weights() {
		d := w.Data()
		lo, hi := float32(-0.5), float32(0.5)
		if strings.HasSuffix(w.Name(), "moving_variance") {
			lo, hi = 0.5, 1.5
		}
		copy(d, tensor.RandUniform(rng, lo, hi, len(d)).Data())
	}
}

// randInput returns a seeded batch in ±1.
func randInput(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandUniform(tensor.NewRNG(seed), -1, 1, shape...)
}

// randIDs returns a seeded batch of token ids in [0, n) as float32.
func randIDs(seed uint64, n int, shape ...int) *tensor.Tensor {
	x := tensor.RandUniform(tensor.NewRNG(seed), 0, float32(n), shape...)
	d := x.Data()
	for i := range d {
		d[i] = float32(math.Floor(float64(d[i])))
	}
	return x
}
