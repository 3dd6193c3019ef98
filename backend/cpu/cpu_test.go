package cpu_test

import (
	"testing"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/backend/backendtest"
	"github.com/tensile-ml/tensile/backend/cpu"
)

func TestConformance(t *testing.T) { backendtest.Run(t, cpu.Default()) }

func TestRegistered(t *testing.T) {
	b, err := backend.Open("cpu")
	if err != nil {
		t.Fatal(err)
	}
	if b != backend.Backend(cpu.Default()) {
		t.Errorf("Open(\"cpu\") = %v, want the default CPU backend", b)
	}
}
