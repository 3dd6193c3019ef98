// Package f16 decodes IEEE 754 binary16 (half-precision) values, as NumPy
// ('<f2') and PyTorch (F16 safetensors) files store them. Decoding is exact:
// every binary16 value, subnormals included, is a float32 value.
package f16

import "math"

// ToFloat32 converts the binary16 value with bits h to float32. Infinities
// keep their sign and a NaN stays a NaN (its payload shifted into the
// float32 mantissa).
func ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant × 2^-24
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
