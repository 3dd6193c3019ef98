package kernels

import "fmt"

// PackedB is the B operand of a GEMM packed once into the panels the
// micro-kernel of the active SIMD tier reads, for a series of products that
// share B: a recurrent kernel multiplied by each time step's state, where
// Sgemm would re-pack B on every call (for the 32×128 · 128×512 step of an
// LSTM, packing B costs as much as a third of the product). The zero value
// is empty; Pack fills it and reuses its memory on later calls.
//
// The panels hold, for each depth block pc (kc deep) and each column
// panel of width nr starting at column j:
//
//	data[pc·npad + j·kc + p·nr + jj] = opB(pc+p, j+jj)   (0 past column n)
//
// with npad = n rounded up to nr.
type PackedB struct {
	g    *gemmKernel // nil until packed
	k, n int
	npad int
	data []float32
}

// Pack packs op(B), k×n (B is n×k when transB, with leading dimension ldb),
// for the active tier. It panics on inconsistent sizes, as Sgemm does.
func (p *PackedB) Pack(transB bool, k, n int, b []float32, ldb int) {
	p.packWith(simd.gemm, transB, k, n, b, ldb)
}

// packWith is Pack for the micro-kernel g.
func (p *PackedB) packWith(g *gemmKernel, transB bool, k, n int, b []float32, ldb int) {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: PackedB.Pack: negative size k=%d n=%d", k, n))
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMat("B", br, bc, b, ldb)
	npad := (n + g.nr - 1) / g.nr * g.nr
	size := k*npad + 16 // slack for the fast packs
	if cap(p.data) < size {
		p.data = alignedFloats(size)
	}
	p.g, p.k, p.n, p.npad, p.data = g, k, n, npad, p.data[:size]
	for pc := 0; pc < k; pc += g.kc {
		kc := min(g.kc, k-pc)
		packB(p.data[pc*npad:], b, ldb, transB, pc, kc, 0, n, g.nr, g)
	}
}

// K returns the depth of the packed op(B).
func (p *PackedB) K() int { return p.k }

// N returns the width of the packed op(B).
func (p *PackedB) N() int { return p.n }

// block returns the packed panels of depth block pc from column jc (a
// multiple of nr) on.
func (p *PackedB) block(pc, jc int) []float32 {
	kc := min(p.g.kc, p.k-pc)
	return p.data[pc*p.npad+jc*kc:]
}

// SgemmPacked is SgemmEpilogue with B packed in advance:
//
//	C[i*ldc+j] = ep(alpha·Σ_p opA(i,p)·opB(p,j) + beta·C[i*ldc+j])
//
// for the m×n matrix C, with n and k those of b. It computes with the
// micro-kernel b was packed for, so it gives the same results as Sgemm on
// that tier (the reference loop is SgemmRef). Products above the threading
// threshold are split across the worker pool, all threads reading the one
// packed B.
func SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int, ep Epilogue) {
	if b.g == nil {
		panic("kernels: SgemmPacked: B was not packed")
	}
	if m < 0 {
		panic(fmt.Sprintf("kernels: SgemmPacked: negative size m=%d", m))
	}
	ar, ac := m, b.k
	if transA {
		ar, ac = b.k, m
	}
	checkMat("A", ar, ac, a, lda)
	checkMat("C", m, b.n, c, ldc)
	sgemmRun(b.g, transA, false, m, b.n, b.k, alpha, a, lda, nil, 0, beta, c, ldc, ep, b)
}
