package kernels

import "math"

// This file holds the element-wise unary, min/max, power, comparison and
// select kernels used by package tensor, plus the reductions Max, Min,
// ArgMax and ArgMin. They are plain Go loops: no function values per
// element. Every kernel writes len(dst) elements and reads as many from
// each source.

// exp32 constants: x = n·ln2 + r with |r| <= ln2/2, exp(x) = 2^n·exp(r).
const (
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693145751953125         // ln2 rounded to 16 significant bits: n·expLn2Hi is exact
	expLn2Lo = 1.42860682030941723212e-6 // ln2 - expLn2Hi
	expMax   = 88.0                      // below float32 overflow (88.72)
	expMin   = -87.0                     // above the float32 normal range's end (-87.34)
	expRound = 12582912.0                // 1.5·2^23
)

// exp32 returns e^x in float32 precision (within 2 ulp of the correctly
// rounded result) for expMin <= x <= expMax; callers handle the rest.
func exp32(x float32) float32 {
	// Adding 1.5·2^23 rounds x·log2(e) to an integer held in the low
	// mantissa bits of k.
	k := x*expLog2e + expRound
	n := k - expRound
	r := (x - n*expLn2Hi) - n*expLn2Lo
	// Taylor polynomial of degree 7 on |r| <= 0.347: truncation error < 6e-9.
	p := float32(1.0 / 5040)
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	e := math.Float32bits(k) - math.Float32bits(expRound) + 127
	return p * math.Float32frombits(e<<23)
}

// Exp sets dst[i] = e^x[i].
func Exp(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v >= expMin && v <= expMax {
			dst[i] = exp32(v)
		} else {
			// overflow, underflow into subnormals, ±Inf and NaN
			dst[i] = float32(math.Exp(float64(v)))
		}
	}
}

// Log sets dst[i] = ln x[i].
func Log(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Log(float64(v)))
	}
}

// Sqrt sets dst[i] = √x[i] (correctly rounded).
func Sqrt(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(math.Sqrt(float64(v)))
	}
}

// Rsqrt sets dst[i] = 1/√x[i].
func Rsqrt(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(1 / math.Sqrt(float64(v)))
	}
}

// Square sets dst[i] = x[i]².
func Square(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v * v
	}
}

// Abs sets dst[i] = |x[i]|.
func Abs(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
	}
}

// Reciprocal sets dst[i] = 1/x[i].
func Reciprocal(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = 1 / v
	}
}

// Sign sets dst[i] to -1, 0 or 1 by the sign of x[i] (NaN stays NaN).
func Sign(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		switch {
		case v > 0:
			dst[i] = 1
		case v < 0:
			dst[i] = -1
		default:
			dst[i] = v // ±0 or NaN
		}
	}
}

// Clip sets dst[i] = min(max(x[i], lo), hi) (NaN stays NaN).
func Clip(dst, x []float32, lo, hi float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		dst[i] = v
	}
}

// ClipMask sets dst[i] = 1 where lo <= x[i] <= hi and 0 elsewhere.
func ClipMask(dst, x []float32, lo, hi float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v >= lo && v <= hi {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// PowVS sets dst[i] = x[i]^p, with fast paths for p in {0, 0.5, 1, 2, 3, -1}.
func PowVS(dst, x []float32, p float32) {
	x = x[:len(dst)]
	switch p {
	case 0:
		for i := range dst {
			dst[i] = 1
		}
	case 0.5:
		Sqrt(dst, x)
	case 1:
		copy(dst, x)
	case 2:
		Square(dst, x)
	case 3:
		for i, v := range x {
			dst[i] = v * v * v
		}
	case -1:
		Reciprocal(dst, x)
	default:
		pp := float64(p)
		for i, v := range x {
			dst[i] = float32(math.Pow(float64(v), pp))
		}
	}
}

// PowVV sets dst[i] = a[i]^b[i].
func PowVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = float32(math.Pow(float64(a[i]), float64(b[i])))
	}
}

// PowSV sets dst[i] = s^b[i].
func PowSV(dst []float32, s float32, b []float32) {
	b = b[:len(dst)]
	ss := float64(s)
	for i, v := range b {
		dst[i] = float32(math.Pow(ss, float64(v)))
	}
}

// MaxVV sets dst[i] = max(a[i], b[i]); a NaN in either propagates. dst may
// alias a or b.
func MaxVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		x, y := a[i], b[i]
		if x > y || x != x {
			dst[i] = x
		} else {
			dst[i] = y
		}
	}
}

// MaxVS sets dst[i] = max(a[i], s); a NaN in either propagates.
func MaxVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		if x > s || x != x {
			dst[i] = x
		} else {
			dst[i] = s
		}
	}
}

// MinVV sets dst[i] = min(a[i], b[i]); a NaN in either propagates. dst may
// alias a or b.
func MinVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		x, y := a[i], b[i]
		if x < y || x != x {
			dst[i] = x
		} else {
			dst[i] = y
		}
	}
}

// MinVS sets dst[i] = min(a[i], s); a NaN in either propagates.
func MinVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		if x < s || x != x {
			dst[i] = x
		} else {
			dst[i] = s
		}
	}
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// EqVV sets dst[i] = 1 if a[i] == b[i], else 0.
func EqVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] == b[i])
	}
}

// EqVS sets dst[i] = 1 if a[i] == s, else 0.
func EqVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x == s)
	}
}

// NeVV sets dst[i] = 1 if a[i] != b[i], else 0.
func NeVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] != b[i])
	}
}

// NeVS sets dst[i] = 1 if a[i] != s, else 0.
func NeVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x != s)
	}
}

// GtVV sets dst[i] = 1 if a[i] > b[i], else 0.
func GtVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] > b[i])
	}
}

// GtVS sets dst[i] = 1 if a[i] > s, else 0.
func GtVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x > s)
	}
}

// GeVV sets dst[i] = 1 if a[i] >= b[i], else 0.
func GeVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] >= b[i])
	}
}

// GeVS sets dst[i] = 1 if a[i] >= s, else 0.
func GeVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x >= s)
	}
}

// LtVV sets dst[i] = 1 if a[i] < b[i], else 0.
func LtVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] < b[i])
	}
}

// LtVS sets dst[i] = 1 if a[i] < s, else 0.
func LtVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x < s)
	}
}

// LeVV sets dst[i] = 1 if a[i] <= b[i], else 0.
func LeVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = b2f(a[i] <= b[i])
	}
}

// LeVS sets dst[i] = 1 if a[i] <= s, else 0.
func LeVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		dst[i] = b2f(x <= s)
	}
}

// Where sets dst[i] = a[i] where cond[i] != 0 and b[i] elsewhere (a NaN
// condition counts as nonzero).
func Where(dst, cond, a, b []float32) {
	cond, a, b = cond[:len(dst)], a[:len(dst)], b[:len(dst)]
	for i, c := range cond {
		if c != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}

// Max returns the largest element of x, or NaN if x holds a NaN. x must not
// be empty.
func Max(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// Min returns the smallest element of x, or NaN if x holds a NaN. x must not
// be empty.
func Min(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v < m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}

// ArgMax returns the index of the first largest element of x[0], x[stride],
// ... (n elements); a NaN counts as larger than everything, as in NumPy.
func ArgMax(x []float32, n, stride int) int {
	best, m := 0, x[0]
	if m != m {
		return 0
	}
	for i := 1; i < n; i++ {
		v := x[i*stride]
		if v > m || v != v {
			best, m = i, v
			if v != v {
				return i
			}
		}
	}
	return best
}

// ArgMin returns the index of the first smallest element of x[0], x[stride],
// ... (n elements); a NaN counts as smaller than everything, as in NumPy.
func ArgMin(x []float32, n, stride int) int {
	best, m := 0, x[0]
	if m != m {
		return 0
	}
	for i := 1; i < n; i++ {
		v := x[i*stride]
		if v < m || v != v {
			best, m = i, v
			if v != v {
				return i
			}
		}
	}
	return best
}

// StepVV sets dst[i] to 1 where a[i] > b[i], 0.5 where a[i] == b[i] and 0
// elsewhere: the share of the gradient of max(a, b) that goes to a.
func StepVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		x, y := a[i], b[i]
		switch {
		case x > y:
			dst[i] = 1
		case x == y:
			dst[i] = 0.5
		default:
			dst[i] = 0
		}
	}
}

// StepVS is StepVV with b[i] = s.
func StepVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i, x := range a {
		switch {
		case x > s:
			dst[i] = 1
		case x == s:
			dst[i] = 0.5
		default:
			dst[i] = 0
		}
	}
}

// StepSV is StepVV with a[i] = s.
func StepSV(dst []float32, s float32, b []float32) {
	b = b[:len(dst)]
	for i, y := range b {
		switch {
		case s > y:
			dst[i] = 1
		case s == y:
			dst[i] = 0.5
		default:
			dst[i] = 0
		}
	}
}
