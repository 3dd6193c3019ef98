package tensor

import "github.com/tensile-ml/tensile/backend"

// gemmOperand describes how to pass the matrix part of a tensor to GEMM:
// whether it is stored transposed and its leading dimension.
func gemmOperand(t *Tensor) (trans bool, ld int, ok bool) {
	nd := len(t.shape)
	r, c := t.shape[nd-2], t.shape[nd-1]
	sr, sc := t.strides[nd-2], t.strides[nd-1]
	switch {
	case (sc == 1 || c == 1) && (sr >= c || r == 1):
		return false, max(sr, c, 1), true
	case (sr == 1 || r == 1) && (sc >= r || c == 1):
		return true, max(sc, r, 1), true
	}
	return false, 0, false
}

// MatMul returns the matrix product a·b. a is [..., M, K] and b is
// [..., K, N]; batch dimensions broadcast. 1-d operands are not promoted:
// use Reshape. Transposed views (Transpose) are passed to GEMM without a copy.
func MatMul(a, b *Tensor) *Tensor {
	if len(a.shape) < 2 || len(b.shape) < 2 {
		shapeErr("MatMul", "need at least 2 dimensions", a.shape, b.shape)
	}
	na, nb := len(a.shape), len(b.shape)
	m, k := a.shape[na-2], a.shape[na-1]
	k2, n := b.shape[nb-2], b.shape[nb-1]
	if k != k2 {
		shapeErr("MatMul", "do not match", a.shape, b.shape)
	}
	batch := broadcastShapes("MatMul", a.shape[:na-2], b.shape[:nb-2])
	ta, lda, ok := gemmOperand(a)
	if !ok {
		a = a.contiguous()
		ta, lda, _ = gemmOperand(a)
	}
	tb, ldb, ok := gemmOperand(b)
	if !ok {
		b = b.contiguous()
		tb, ldb, _ = gemmOperand(b)
	}
	outShape := append(append([]int(nil), batch...), m, n)
	out := empty(arenaOf(a, b), outShape...)
	nbatch := numel(batch)
	// batch strides of a and b over the broadcast batch shape
	aView := &Tensor{shape: append(append([]int(nil), a.shape[:na-2]...), 1), strides: append(append([]int(nil), a.strides[:na-2]...), 0)}
	bView := &Tensor{shape: append(append([]int(nil), b.shape[:nb-2]...), 1), strides: append(append([]int(nil), b.strides[:nb-2]...), 0)}
	full := append(append([]int(nil), batch...), 1)
	sa, sb := broadcastStrides(aView, full), broadcastStrides(bView, full)
	i := 0
	rows(full, [][]int{sa, sb}, []int{a.offset, b.offset}, func(offs []int) {
		if i >= nbatch {
			return
		}
		engine.Gemm(ta, tb, m, n, k, 1, a.buf.Slice(offs[0], a.buf.Len()), lda, b.buf.Slice(offs[1], b.buf.Len()), ldb, 0,
			out.buf.Slice(i*m*n, (i+1)*m*n), n, backend.Buffer{}, false)
		i++
	})
	return record(out, "MatMul", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = MatMul(g, b.Transpose())
		}
		if b.requiresGrad {
			gb = MatMul(a.Transpose(), g)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}
