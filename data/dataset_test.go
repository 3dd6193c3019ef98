package data

import (
	"reflect"
	"strings"
	"testing"
)

func seq(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return v
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		x       []float32
		xShape  []int
		y       []float32
		yShape  []int
		wantN   int
		wantErr string
	}{
		{"scalar labels", seq(12), []int{2, 3}, seq(2), nil, 2, ""},
		{"vector labels", seq(12), []int{3}, seq(8), []int{2}, 4, ""},
		{"unlabeled", seq(12), []int{4}, nil, nil, 3, ""},
		{"empty", nil, []int{4}, []float32{}, nil, 0, ""},
		{"ragged x", seq(13), []int{2, 3}, seq(2), nil, 0, "not a multiple"},
		{"label count", seq(12), []int{2, 3}, seq(3), nil, 0, "label values"},
		{"zero sample", seq(12), []int{0}, nil, nil, 0, "no elements"},
		{"negative dim", seq(12), []int{-1}, nil, nil, 0, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.x, tc.xShape, tc.y, tc.yShape)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.N != tc.wantN {
				t.Fatalf("N = %d, want %d", d.N, tc.wantN)
			}
		})
	}
}

func TestSubsetSplitTake(t *testing.T) {
	d := MustNew(seq(20), []int{2}, seq(10), nil)
	s := d.Subset([]int{3, 0, 3})
	if !reflect.DeepEqual(s.X, []float32{6, 7, 0, 1, 6, 7}) || !reflect.DeepEqual(s.Y, []float32{3, 0, 3}) || s.N != 3 {
		t.Fatalf("Subset: %v %v", s.X, s.Y)
	}
	s.X[0] = -1
	if d.X[6] != 6 {
		t.Fatal("Subset shares memory")
	}

	// Keras: split_at = int(N * (1 - validation_split)).
	for _, tc := range []struct {
		frac   float64
		na, nb int
	}{{0, 10, 0}, {0.1, 9, 1}, {0.25, 7, 3}, {0.5, 5, 5}, {1, 0, 10}} {
		a, b := d.Split(tc.frac)
		if a.N != tc.na || b.N != tc.nb || len(a.X) != 2*tc.na || len(b.Y) != tc.nb {
			t.Fatalf("Split(%v): %d/%d, want %d/%d", tc.frac, a.N, b.N, tc.na, tc.nb)
		}
		if b.N > 0 && b.Y[0] != float32(tc.na) {
			t.Fatalf("Split(%v): validation starts at sample %v, want %d (the last samples)", tc.frac, b.Y[0], tc.na)
		}
	}
	if tk := d.Take(4); tk.N != 4 || len(tk.X) != 8 || tk.Y[3] != 3 {
		t.Fatalf("Take: %v", tk)
	}
	if tk := d.Take(100); tk.N != 10 {
		t.Fatalf("Take(100).N = %d", tk.N)
	}
	// Views have capped capacity: appending cannot clobber the parent.
	a, _ := d.Split(0.5)
	_ = append(a.X, 99)
	if d.X[10] != 10 {
		t.Fatal("append to a Split view overwrote the parent")
	}
	for _, f := range []func(){
		func() { d.Subset([]int{10}) },
		func() { d.Split(1.5) },
		func() { d.Take(-1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func TestNumClasses(t *testing.T) {
	tests := []struct {
		name    string
		y       []float32
		yShape  []int
		classes []string
		want    int
	}{
		{"ids", []float32{0, 3, 1}, nil, nil, 4},
		{"ids column", []float32{0, 3, 1}, []int{1}, nil, 4},
		{"named", []float32{0, 1, 0}, nil, []string{"a", "b", "c"}, 3},
		{"one-hot", []float32{1, 0, 0, 0, 1, 0}, []int{3}, nil, 3},
		{"regression", []float32{0.5, 2}, nil, nil, 0},
		{"negative", []float32{-1, 2}, nil, nil, 0},
		{"unlabeled", nil, nil, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.y)
			if len(tc.yShape) > 0 {
				n /= tc.yShape[0]
			}
			if tc.y == nil {
				n = 2
			}
			d := MustNew(seq(n), []int{1}, tc.y, tc.yShape)
			d.Classes = tc.classes
			if got := d.NumClasses(); got != tc.want {
				t.Fatalf("NumClasses = %d, want %d", got, tc.want)
			}
			if d.SampleSize() != 1 || d.String() == "" {
				t.Fatal("SampleSize/String")
			}
		})
	}
}
