package kernels

import "unsafe"

// gemmKernelGo is the portable micro-kernel: a 4×2 register tile. Wider
// tiles run out of the 15 float registers Go uses on amd64 and spill
// (4×4 measured 3.2 GFLOP/s, 4×2 6.3, on Zen 5).
var gemmKernelGo = &gemmKernel{name: "go", mr: 4, nr: 2, kc: 256, mc: 128, nc: 1024, fn: sgemmKernelGo4x2}

// sgemmKernelGo4x2 computes one 4×2 tile from packed panels:
//
//	for p < k: acc[i][j] += a[p*4+i] * b[p*2+j]
//	C[i*ldc+j] = alpha*acc[i][j] + beta*C[i*ldc+j]   (C not read when beta == 0)
func sgemmKernelGo4x2(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	// The packed panels hold 4*k and 2*k floats; pointer steps avoid bounds
	// checks in the loop.
	pa, pb := unsafe.Pointer(a), unsafe.Pointer(b)
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	for range k {
		av := (*[4]float32)(pa)
		bv := (*[2]float32)(pb)
		pa, pb = unsafe.Add(pa, 16), unsafe.Add(pb, 8)
		b0, b1 := bv[0], bv[1]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c10 += a1 * b0
		c11 += a1 * b1
		c20 += a2 * b0
		c21 += a2 * b1
		c30 += a3 * b0
		c31 += a3 * b1
	}
	cs := unsafe.Slice(c, 3*ldc+2)
	store2(cs[0:2:2], c00, c01, alpha, beta)
	store2(cs[ldc:ldc+2:ldc+2], c10, c11, alpha, beta)
	store2(cs[2*ldc:2*ldc+2:2*ldc+2], c20, c21, alpha, beta)
	store2(cs[3*ldc:3*ldc+2:3*ldc+2], c30, c31, alpha, beta)
}

func store2(row []float32, x0, x1, alpha, beta float32) {
	if beta == 0 {
		row[0], row[1] = alpha*x0, alpha*x1
		return
	}
	row[0] = alpha*x0 + beta*row[0]
	row[1] = alpha*x1 + beta*row[1]
}
