package kernels

// SgemmRef is the pure-Go reference for Sgemm:
//
//	for i < m, j < n: C[i*ldc+j] = alpha * Σ_p opA(i,p)*opB(p,j) + beta*C[i*ldc+j]
//
// where opA(i,p) is a[i*lda+p], or a[p*lda+i] when transA, and likewise for B.
// When beta is 0, C is not read (NaNs in C do not propagate), as in BLAS.
func SgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if transB {
				for j := range row {
					row[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					row[j] += av * bv
				}
			}
		}
	}
}
