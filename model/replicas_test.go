package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/tensor"
)

// streamReplicas is a GradientStream of one replica that records the
// calls a training step makes.
type streamReplicas struct {
	params []*tensor.Tensor
	events []string
}

func (r *streamReplicas) Rank() int                         { return 0 }
func (r *streamReplicas) Size() int                         { return 1 }
func (r *streamReplicas) ReduceLogs(logs Logs, n int) error { return nil }

func (r *streamReplicas) StartGradients(params []*tensor.Tensor, n int) (func(*tensor.Tensor), error) {
	r.params = params
	r.events = append(r.events, fmt.Sprintf("start %d", n))
	return func(p *tensor.Tensor) {
		r.events = append(r.events, fmt.Sprintf("ready %d", slices.Index(r.params, p)))
	}, nil
}

func (r *streamReplicas) ReduceGradients(params []*tensor.Tensor, n int) error {
	r.events = append(r.events, fmt.Sprintf("reduce %d", n))
	return nil
}

// TestGradientStream checks the calls of a training step to a
// GradientStream: StartGradients, each parameter reported once, the last
// layer's first, then ReduceGradients; and ReduceGradients even when the
// backward pass panics.
func TestGradientStream(t *testing.T) {
	ds := blobs(6, 5)
	x := tensor.FromSlice(ds.X, append([]int{ds.N}, ds.XShape...)...)
	y := tensor.FromSlice(ds.Y, ds.N)
	m := compiled(t, plainModel()) // kernel, bias of 16 units; kernel, bias of 3
	r := &streamReplicas{}
	m.SetReplicas(r)
	if _, err := m.TrainStep(x, y, nil); err != nil {
		t.Fatal(err)
	}
	if len(r.events) != 6 || r.events[0] != "start 6" || r.events[5] != "reduce 6" {
		t.Fatalf("events %q, want start, 4 parameters ready, reduce", r.events)
	}
	ready := slices.Clone(r.events[1:5])
	if i, j := slices.Index(ready, "ready 2"), slices.Index(ready, "ready 0"); i < 0 || j < 0 || i > j {
		t.Errorf("ready events %q: want the last layer's kernel (2) before the first's (0)", ready)
	}
	slices.Sort(ready)
	if !slices.Equal(ready, []string{"ready 0", "ready 1", "ready 2", "ready 3"}) {
		t.Errorf("ready events %q, want each parameter once", ready)
	}

	// A loss whose graph an earlier Backward released: the step's backward
	// pass panics, and the reduction is still finished.
	r.events = nil
	_, err := m.TrainStepLoss([]*tensor.Tensor{x}, func(outs []*tensor.Tensor) *tensor.Tensor {
		h := tensor.Square(outs[0])
		tensor.Sum(h, nil, false).Backward()
		return tensor.Mean(h, nil, false)
	})
	if err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("backward through a released graph: error %v", err)
	}
	// (The second layer's kernel, reached only through its L2 penalty,
	// may be reported before the pass reaches the released node.)
	if n := len(r.events); n < 2 || r.events[0] != "start 6" || r.events[n-1] != "reduce 6" || slices.Contains(r.events[1:n-1], "reduce 6") {
		t.Errorf("events %q after a failed backward pass, want start, then one reduce last", r.events)
	}
}
