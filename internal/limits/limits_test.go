package limits

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestProduct(t *testing.T) {
	for _, tc := range []struct {
		dims []int
		max  int64
		want int64
		ok   bool
	}{
		{nil, 10, 1, true},
		{[]int{2, 3, 4}, 24, 24, true},
		{[]int{2, 3, 4}, 23, 0, false},
		{[]int{0, math.MaxInt, math.MaxInt}, 1, 0, true},
		{[]int{4611686018427387905}, math.MaxInt64, 4611686018427387905, true},
		{[]int{4611686018427387904, 4}, math.MaxInt64, 0, false},
		{[]int{1 << 32, 1 << 32}, math.MaxInt64, 0, false},
		{[]int{-1, 2}, 100, 0, false},
		{[]int{math.MaxInt, 2}, math.MaxInt64, 0, false},
	} {
		got, err := Product(tc.dims, tc.max)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Product(%v, %d) = %d, %v; want %d, ok %v", tc.dims, tc.max, got, err, tc.want, tc.ok)
		}
	}
}

func TestDims(t *testing.T) {
	for _, tc := range []struct {
		dims []int64
		max  int64
		want []int
		n    int64
		ok   bool
	}{
		{[]int64{2, 3}, 6, []int{2, 3}, 6, true},
		{[]int64{}, 6, []int{}, 1, true},
		{[]int64{2, 3}, 5, nil, 0, false},
		{[]int64{2, -3}, 100, nil, 0, false},
		{[]int64{0, math.MaxInt64}, 1, []int{0, math.MaxInt}, 0, true},
		{[]int64{1 << 40, 1 << 40}, math.MaxInt64, nil, 0, false},
	} {
		got, n, err := Dims(tc.dims, tc.max)
		if (err == nil) != tc.ok || n != tc.n || !slices.Equal(got, tc.want) {
			t.Errorf("Dims(%v, %d) = %v, %d, %v; want %v, %d, ok %v", tc.dims, tc.max, got, n, err, tc.want, tc.n, tc.ok)
		}
	}
}

func TestJSONDepth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{`1`, 0},
		{`{"a": [1, {"b": "[[[[{"}]}`, 3},
		{`"\"[["`, 0},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), 11},
	} {
		if got := JSONDepth([]byte(tc.s), 10); got != tc.want {
			t.Errorf("JSONDepth(%.30q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	if CheckJSONDepth([]byte(`[[1]]`), 2) != nil || CheckJSONDepth([]byte(`[[[1]]]`), 2) == nil {
		t.Error("CheckJSONDepth does not draw the line at max")
	}
}

func TestShapeIsBounded(t *testing.T) {
	s := Shape(make([]int, 1000))
	if len(s) > 100 || !strings.Contains(s, "1000 dimensions") {
		t.Errorf("Shape of 1000 dims = %q", s)
	}
}
