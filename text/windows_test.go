package text

import (
	"slices"
	"strings"
	"testing"
)

func TestNextTokenWindows(t *testing.T) {
	tests := []struct {
		name         string
		ids          []int
		length, step int
		x, y         []float32
		n            int
	}{
		{"step 1", []int{1, 2, 3, 4, 5}, 3, 1, []float32{1, 2, 3, 2, 3, 4}, []float32{4, 5}, 2},
		{"step 2", []int{1, 2, 3, 4, 5, 6}, 2, 2, []float32{1, 2, 3, 4}, []float32{3, 5}, 2},
		{"step 3 drops tail", []int{1, 2, 3, 4, 5, 6, 7}, 2, 3, []float32{1, 2, 4, 5}, []float32{3, 6}, 2},
		{"exactly one", []int{1, 2, 3}, 2, 5, []float32{1, 2}, []float32{3}, 1},
		{"too short", []int{1, 2}, 2, 1, []float32{}, []float32{}, 0},
		{"empty", nil, 1, 1, []float32{}, []float32{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, xs, y, ys := NextTokenWindows(tt.ids, tt.length, tt.step)
			if !slices.Equal(x, tt.x) || !slices.Equal(y, tt.y) ||
				!slices.Equal(xs, []int{tt.n, tt.length}) || !slices.Equal(ys, []int{tt.n}) {
				t.Errorf("got x %v %v, y %v %v; want x %v, y %v, n %d", x, xs, y, ys, tt.x, tt.y, tt.n)
			}
		})
	}
}

func TestShiftedWindows(t *testing.T) {
	x, xs, y, ys := ShiftedWindows([]int{1, 2, 3, 4, 5, 6}, 3, 2)
	if !slices.Equal(x, []float32{1, 2, 3, 3, 4, 5}) || !slices.Equal(y, []float32{2, 3, 4, 4, 5, 6}) ||
		!slices.Equal(xs, []int{2, 3}) || !slices.Equal(ys, []int{2, 3}) {
		t.Errorf("got x %v %v, y %v %v", x, xs, y, ys)
	}
	if x, _, y, ys := ShiftedWindows([]int{1, 2, 3}, 3, 1); len(x) != 0 || len(y) != 0 || !slices.Equal(ys, []int{0, 3}) {
		t.Errorf("too short: x %v y %v %v", x, y, ys)
	}
}

func TestWindowsPanic(t *testing.T) {
	for _, f := range []func(){
		func() { NextTokenWindows([]int{1, 2}, 0, 1) },
		func() { ShiftedWindows([]int{1, 2}, 1, 0) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "length >= 1") {
					t.Errorf("recover() = %v", r)
				}
			}()
			f()
		}()
	}
}
