package floats

import (
	"math"
	"testing"
)

func TestArgMax(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name string
		v    []float32
		want int
	}{
		{"empty", nil, 0},
		{"one", []float32{-3}, 0},
		{"middle", []float32{0.1, 0.7, 0.2}, 1},
		{"last", []float32{-5, -4, -3}, 2},
		{"first of ties", []float32{0.3, 0.4, 0.4}, 1},
		{"leading NaN", []float32{nan, 0.2, 0.5}, 2},
		{"NaN inside", []float32{0.2, nan, 0.1}, 0},
		{"all NaN", []float32{nan, nan}, 0},
		{"infinity", []float32{1, inf, nan}, 1},
	} {
		if got := ArgMax(c.v); got != c.want {
			t.Errorf("%s: ArgMax(%v) = %d, want %d", c.name, c.v, got, c.want)
		}
	}
}
