package kernels

// packA copies rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into dst as
// consecutive mr-row panels (with the fast packs of g when it has them), each stored depth-major: panel r holds
// dst[r*mr*kc + p*mr + i] = opA(i0+r*mr+i, p0+p). Rows past mc are zero.
func packA(dst, a []float32, lda int, trans bool, i0, mc, p0, kc, mr int, g *gemmKernel) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		if !trans && g.packTrans != nil && g.packTrans(dst[ir*kc:], mr, a, (i0+ir)*lda+p0, lda, rows, kc) {
			continue
		}
		if trans && g.packCopy != nil && g.packCopy(dst[ir*kc:], mr, a, p0*lda+i0+ir, lda, rows, kc) {
			continue
		}
		panel := dst[ir*kc : ir*kc+mr*kc]
		if trans {
			// opA(i, p) = a[p*lda+i]: each depth step is a contiguous run.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				src = src[:rows]
				d := panel[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
			continue
		}
		for i := 0; i < rows; i++ {
			src := a[(i0+ir+i)*lda+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kc; p++ {
				panel[p*mr+i] = 0
			}
		}
	}
}

// packB copies depth [p0, p0+kc) × columns [j0, j0+nc) of op(B) into dst as
// consecutive nr-column panels (with the fast packs of g when it has them), each stored depth-major: panel s holds
// dst[s*nr*kc + p*nr + j] = opB(p0+p, j0+s*nr+j). Columns past nc are zero.
func packB(dst, b []float32, ldb int, trans bool, p0, kc, j0, nc, nr int, g *gemmKernel) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		if trans && g.packTrans != nil && g.packTrans(dst[jr*kc:], nr, b, (j0+jr)*ldb+p0, ldb, cols, kc) {
			continue
		}
		if !trans && g.packCopy != nil && g.packCopy(dst[jr*kc:], nr, b, p0*ldb+j0+jr, ldb, cols, kc) {
			continue
		}
		panel := dst[jr*kc : jr*kc+nr*kc]
		if !trans {
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+j0+jr:]
				src = src[:cols]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			continue
		}
		// opB(p, j) = b[j*ldb+p]: each column is a contiguous run.
		for j := 0; j < cols; j++ {
			src := b[(j0+jr+j)*ldb+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
		}
	}
}
