package backend_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tensile-ml/tensile/backend"
)

// partial is a backend that has grown only Fill so far.
type partial struct {
	backend.NotImplemented
	filled int
}

func (p *partial) Fill(dst backend.Buffer, v float32) { p.filled++ }

func TestNotImplementedNamesTheOp(t *testing.T) {
	var b backend.Backend = &partial{NotImplemented: backend.NotImplemented{BackendName: "toy"}}
	b.Fill(backend.Buffer{}, 1) // overridden: no panic
	for _, c := range []struct {
		op  string
		run func()
	}{
		{"Gemm", func() {
			b.Gemm(false, false, 1, 1, 1, 1, backend.Buffer{}, 1, backend.Buffer{}, 1, 0, backend.Buffer{}, 1, backend.Buffer{}, false)
		}},
		{"ConvForward", func() {
			b.ConvForward(nil, backend.Buffer{}, backend.Buffer{}, backend.Buffer{}, backend.Buffer{}, false)
		}},
		{"ApplyUpdate", func() {
			b.ApplyUpdate(backend.Update{Op: backend.Adam}, backend.Buffer{}, backend.Buffer{}, backend.Buffer{}, backend.Buffer{}, backend.Buffer{})
		}},
		{"LSTMSequence", func() { b.LSTMSequence(backend.LSTMSeq{}) }},
	} {
		func() {
			defer func() {
				r := recover()
				err, ok := r.(error)
				var ni *backend.ErrNotImplemented
				if !ok || !errors.As(err, &ni) || ni.Op != c.op || ni.Backend != "toy" {
					t.Fatalf("%s: recovered %v, want *ErrNotImplemented for op %s", c.op, r, c.op)
				}
				if !strings.Contains(err.Error(), c.op) || !strings.Contains(err.Error(), "toy") {
					t.Errorf("%s: message %q does not name the op and backend", c.op, err)
				}
			}()
			c.run()
		}()
	}
	if b.ConvMaxPoolFusable(nil, backend.ConvGeom{}, false) {
		t.Error("NotImplemented reports a fusable conv+pool")
	}
}

func TestBufferSlice(t *testing.T) {
	b := backend.Host([]float32{0, 1, 2, 3, 4})
	s := b.Slice(1, 4)
	if s.Len() != 3 || s.Host[0] != 1 || s.Host[2] != 3 {
		t.Errorf("Slice(1, 4) = %v", s.Host)
	}
	if !(backend.Buffer{}).IsNil() || b.IsNil() {
		t.Error("IsNil wrong")
	}
}

func TestOpenUnknown(t *testing.T) {
	if _, err := backend.Open("no-such-backend"); err == nil || !strings.Contains(err.Error(), "no-such-backend") {
		t.Errorf("Open of an unknown name: %v", err)
	}
}

func TestOpNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{backend.GELUTanh.String(), "GELUTanh"}, {backend.LessEq.String(), "LessEq"},
		{backend.RMSprop.String(), "RMSprop"}, {backend.ReduceMin.String(), "Min"},
		{backend.UnaryOp(200).String(), "UnaryOp(?)"},
	} {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}
