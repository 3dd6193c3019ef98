package metrics

import (
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// TestCloneIndependent checks that every registered metric can be cloned,
// that the clone keeps the name and configuration (same result on the same
// data) and that it accumulates independently of the original.
func TestCloneIndependent(t *testing.T) {
	// Each metric takes one of these layouts: binary probabilities, sparse
	// labels against 3 classes, or one-hot labels against 3 classes.
	layouts := []struct{ yTrue, yPred, other *tensor.Tensor }{
		{tensor.FromSlice([]float32{1, 0, 1, 1}, 4, 1),
			tensor.FromSlice([]float32{0.9, 0.2, 0.4, 0.7}, 4, 1),
			tensor.FromSlice([]float32{0.1, 0.8, 0.6, 0.3}, 4, 1)},
		{tensor.FromSlice([]float32{0, 2, 1, 2}, 4),
			tensor.FromSlice([]float32{0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2}, 4, 3),
			tensor.FromSlice([]float32{0.1, 0.2, 0.7, 0.6, 0.3, 0.1, 0.2, 0.3, 0.5, 0.1, 0.1, 0.8}, 4, 3)},
		{tensor.FromSlice([]float32{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}, 4, 3),
			tensor.FromSlice([]float32{0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2}, 4, 3),
			tensor.FromSlice([]float32{0.1, 0.2, 0.7, 0.6, 0.3, 0.1, 0.2, 0.3, 0.5, 0.1, 0.1, 0.8}, 4, 3)},
	}
	fits := func(m Metric, yt, yp *tensor.Tensor) (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		m.Update(yt, yp)
		return true
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			var yTrue, yPred, other *tensor.Tensor
			for _, l := range layouts {
				if probe, err := ByName(name, ""); err == nil && fits(probe, l.yTrue, l.yPred) {
					yTrue, yPred, other = l.yTrue, l.yPred, l.other
					break
				}
			}
			if yTrue == nil {
				t.Fatalf("metric %q takes none of the test layouts", name)
			}
			m, err := ByName(name, "")
			if err != nil {
				t.Fatal(err)
			}
			c, ok := m.(Cloner)
			if !ok {
				t.Fatalf("%T does not implement Cloner", m)
			}
			m.Update(yTrue, other) // state in the original must not leak into the clone
			cl := c.Clone()
			if cl.Name() != m.Name() {
				t.Fatalf("clone name %q, want %q", cl.Name(), m.Name())
			}
			fresh, _ := ByName(name, "")
			fresh.Update(yTrue, yPred)
			cl.Update(yTrue, yPred)
			if got, want := cl.Result(), fresh.Result(); got != want {
				t.Fatalf("clone result %v, want %v (a fresh metric's)", got, want)
			}
			before := m.Result()
			cl.Update(yTrue, yPred)
			if m.Result() != before {
				t.Fatal("updating the clone changed the original")
			}
		})
	}
}
