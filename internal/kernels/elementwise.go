package kernels

// simdMin is the slice length from which the slice kernels use SIMD.
const simdMin = 16

// AddVV sets dst[i] = a[i] + b[i] (the active SIMD tier's kernel when it has one; the
// reference is addVVRef).
func AddVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if k := simd.addVV; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	addVVRef(dst, a, b)
}

func addVVRef(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// AddVS sets dst[i] = a[i] + s (the active SIMD tier's kernel when it has one; the reference
// is addVSRef).
func AddVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	if k := simd.addVS; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], s, len(dst))
		return
	}
	addVSRef(dst, a, s)
}

func addVSRef(dst, a []float32, s float32) {
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// SubVV sets dst[i] = a[i] - b[i] (the active SIMD tier's kernel when it has one; the
// reference is subVVRef).
func SubVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if k := simd.subVV; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	subVVRef(dst, a, b)
}

func subVVRef(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// SubVS sets dst[i] = a[i] - s.
func SubVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - s
	}
}

// SubSV sets dst[i] = s - b[i].
func SubSV(dst []float32, s float32, b []float32) {
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = s - b[i]
	}
}

// MulVV sets dst[i] = a[i] * b[i] (the active SIMD tier's kernel when it has one; the
// reference is mulVVRef).
func MulVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if k := simd.mulVV; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	mulVVRef(dst, a, b)
}

func mulVVRef(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// MulVS sets dst[i] = a[i] * s (the active SIMD tier's kernel when it has one; the reference
// is mulVSRef).
func MulVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	if k := simd.mulVS; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], s, len(dst))
		return
	}
	mulVSRef(dst, a, s)
}

func mulVSRef(dst, a []float32, s float32) {
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// DivVV sets dst[i] = a[i] / b[i] (the active SIMD tier's kernel when it has one; the
// reference is divVVRef).
func DivVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if k := simd.divVV; k != nil && len(dst) >= simdMin {
		k(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	divVVRef(dst, a, b)
}

func divVVRef(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// DivVS sets dst[i] = a[i] / s.
func DivVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / s
	}
}

// DivSV sets dst[i] = s / b[i].
func DivSV(dst []float32, s float32, b []float32) {
	b = b[:len(dst)]
	for i := range dst {
		dst[i] = s / b[i]
	}
}

// Axpy adds alpha*x[i] to y[i] (y += alpha*x). The SIMD versions fuse
// the multiply-add (one rounding); the reference is axpyRef.
func Axpy(y []float32, alpha float32, x []float32) {
	x = x[:len(y)]
	if k := simd.axpy; k != nil && len(y) >= simdMin {
		k(&y[0], alpha, &x[0], len(y))
		return
	}
	axpyRef(y, alpha, x)
}

func axpyRef(y []float32, alpha float32, x []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Sum returns the sum of x, accumulated in float64 blocks for accuracy: with
// SIMD, 32 (AVX2) or 64 (AVX-512) float32 partial sums per block of 4096, the blocks and lanes
// added in float64; the reference (sumRef) uses 4 partial sums per 256.
func Sum(x []float32) float32 {
	k := simd.sum
	if k == nil || len(x) < simdMin {
		return sumRef(x)
	}
	var total float64
	var lanes [16]float32
	for len(x) > 0 {
		n := min(len(x), 4096)
		k(&x[0], n, &lanes)
		for _, v := range lanes {
			total += float64(v)
		}
		x = x[n:]
	}
	return float32(total)
}

func sumRef(x []float32) float32 {
	var total float64
	for len(x) > 0 {
		n := min(len(x), 256)
		var s0, s1, s2, s3 float32
		blk := x[:n]
		i := 0
		for ; i+4 <= n; i += 4 {
			s0 += blk[i]
			s1 += blk[i+1]
			s2 += blk[i+2]
			s3 += blk[i+3]
		}
		for ; i < n; i++ {
			s0 += blk[i]
		}
		total += float64(s0 + s1 + s2 + s3)
		x = x[n:]
	}
	return float32(total)
}
