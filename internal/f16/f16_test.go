package f16

import (
	"math"
	"testing"
)

func TestToFloat32(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 1.0 / (1 << 24)},
		{0x3555, 0.333251953125}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := ToFloat32(tc.h); got != tc.want {
			t.Errorf("ToFloat32(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
	if !math.IsNaN(float64(ToFloat32(0x7e00))) {
		t.Error("ToFloat32(0x7e00) is not NaN")
	}
	if b := math.Float32bits(ToFloat32(0x8000)); b != 1<<31 {
		t.Errorf("ToFloat32(0x8000) has bits %#x, want negative zero", b)
	}
}

// Every finite binary16 value decodes to (-1)^s × m × 2^e computed in
// float64 from its fields.
func TestToFloat32AllFinite(t *testing.T) {
	for h := range 1 << 16 {
		exp, mant := h>>10&0x1f, h&0x3ff
		if exp == 0x1f {
			continue
		}
		var want float64
		if exp == 0 {
			want = math.Ldexp(float64(mant), -24)
		} else {
			want = math.Ldexp(float64(mant|0x400), exp-25)
		}
		if h>>15 != 0 {
			want = -want
		}
		if got := ToFloat32(uint16(h)); float64(got) != want || math.Signbit(float64(got)) != (h>>15 != 0) {
			t.Fatalf("ToFloat32(%#04x) = %v, want %v", h, got, want)
		}
	}
}
