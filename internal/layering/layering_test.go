package layering

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/tensile-ml/tensile"

// layerOf returns the layer of a package of the module (by its path inside
// the module) and whether the table names it. Packages the table does not
// name are task packages (layer 5), the catch-all of the architecture.
func layerOf(p string) (int, bool) {
	for _, l := range []struct {
		prefix string
		layer  int
	}{
		{"internal/kernels", 0}, {"internal/parallel", 0}, {"internal/atomicfile", 0}, {"internal/limits", 0}, {"internal/f16", 0}, {"internal/floats", 0}, {"internal/cputime", 0}, {"internal/registry", 0},
		{"backend", 1},
		{"tensor", 2},
		{"nn", 3}, {"optim", 3}, {"losses", 3}, {"metrics", 3},
		{"data", 3}, {"datasets", 3}, {"text", 3},
		{"model", 4},
		{"charlm", 5}, {"textclf", 5}, {"zoo", 5},
		{"cmd", 6}, {"examples", 6},
		{"internal/layering", 6},
	} {
		if p == l.prefix || strings.HasPrefix(p, l.prefix+"/") {
			return l.layer, true
		}
	}
	return 5, false
}

var layerNames = []string{"kernels", "backend", "tensor", "nn/optim/losses/metrics/data", "model", "tasks", "cmd/examples"}

func goTool(t *testing.T) string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to list packages:", err)
	}
	return p
}

// TestNoImportFromAbove checks that no package of the module, nor its
// in-package tests, imports a package of a higher layer. External tests
// (package x_test) are clients of the package, like examples, and may use
// higher layers (nn's layer harness saves models with package model).
func TestNoImportFromAbove(t *testing.T) {
	cmd := exec.Command(goTool(t), "list", "-f",
		`{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}}`, module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkgs++
		from := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		lf, known := layerOf(from)
		if !known {
			t.Logf("%s is not in the layer table: treated as a task package", from)
		}
		for _, imp := range f[1:] {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if lt, _ := layerOf(to); lt > lf {
				t.Errorf("%s (layer %s) imports %s (layer %s, above it)", from, layerNames[lf], to, layerNames[lt])
			}
		}
	}
	if pkgs < 10 {
		t.Fatalf("go list found only %d packages", pkgs)
	}
}

func TestLayerTable(t *testing.T) {
	for _, c := range []struct {
		pkg   string
		layer int
	}{
		{"internal/kernels", 0}, {"backend/cpu", 1}, {"backend/backendtest", 1}, {"tensor/tensortest", 2},
		{"optim", 3}, {"datasets/mnist", 3}, {"model", 4}, {"textclf", 5}, {"cmd/tensile", 6},
		{"tensorboard", 5}, // a prefix match must end at a path element
	} {
		if got, _ := layerOf(c.pkg); got != c.layer {
			t.Errorf("layerOf(%q) = %d, want %d", c.pkg, got, c.layer)
		}
	}
}
