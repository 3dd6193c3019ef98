package kernels

// AddVV sets dst[i] = a[i] + b[i].
func AddVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// AddVS sets dst[i] = a[i] + s.
func AddVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// SubVV sets dst[i] = a[i] - b[i].
func SubVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
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

// MulVV sets dst[i] = a[i] * b[i].
func MulVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// MulVS sets dst[i] = a[i] * s.
func MulVS(dst, a []float32, s float32) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// DivVV sets dst[i] = a[i] / b[i].
func DivVV(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
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

// Axpy adds alpha*x[i] to y[i] (y += alpha*x).
func Axpy(y []float32, alpha float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Sum returns the sum of x, accumulated in float64 blocks for accuracy.
func Sum(x []float32) float32 {
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
