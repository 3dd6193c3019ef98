package cpu

import (
	"sync"

	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
	"github.com/tensile-ml/tensile/internal/parallel"
)

// LSTMCell runs one fused LSTM step.
func (*CPU) LSTMCell(h, cNew, act, tc, xz, hz, c backend.Buffer, B, H int) {
	kernels.LSTMCellForward(h.Host, cNew.Host, act.Host, tc.Host, xz.Host, hz.Host, c.Host, B, H)
}

// LSTMCellBackwardH writes the o block of dz and dcn from dh.
func (*CPU) LSTMCellBackwardH(dz, dcn, dh, act, tc backend.Buffer, B, H int) {
	kernels.LSTMCellBackwardH(dz.Host, dcn.Host, dh.Host, act.Host, tc.Host, B, H)
}

// LSTMCellBackwardC writes the i, f, g blocks of dz and dc from dcn.
func (*CPU) LSTMCellBackwardC(dz, dc, dcn, act, c backend.Buffer, B, H int) {
	kernels.LSTMCellBackwardC(dz.Host, dc.Host, dcn.Host, act.Host, c.Host, B, H)
}

func timeOf(k, T int, reverse bool) int {
	if reverse {
		return T - 1 - k
	}
	return k
}

// The sequence ops below share two devices:
//
//   - The recurrent kernel u is packed once per call into the GEMM's panel
//     layout (kernels.PackedB) instead of on every step: for a 32×128 state
//     and 128 units, re-packing u cost about as much as a third of each
//     step's product.
//   - The batch is split across the worker pool by rows. The recurrence of
//     each batch row is independent of the others, so every thread runs all
//     T steps on its rows, with no synchronisation between steps; each row
//     is computed exactly as on one thread (the GEMM sums every element in
//     the same order whatever the row block), so results do not depend on
//     the thread count.

// packs keeps packed recurrent kernels for reuse between calls.
var packs = sync.Pool{New: func() any { return new(kernels.PackedB) }}

// packU packs op(u) (k×n; u is n×k when trans, row-major) for SgemmPacked.
// Return it to packs when done.
func packU(trans bool, k, n int, u []float32) *kernels.PackedB {
	p := packs.Get().(*kernels.PackedB)
	ld := n
	if trans {
		ld = k
	}
	p.Pack(trans, k, n, u, ld)
	return p
}

// rnnSerialWork is the recurrent multiply-add count (T·B·H·gates·H) below
// which a sequence runs on the calling goroutine; rnnRowGrain is the fewest
// batch rows a thread takes.
var rnnSerialWork = 1 << 22 // tests lower it

const rnnRowGrain = 4

// byRows runs fn on disjoint row ranges [lo, hi) covering the B batch rows,
// across the worker pool when the sequence does work multiply-adds.
func byRows(B, work int, fn func(lo, hi int)) {
	if work < rnnSerialWork {
		fn(0, B)
		return
	}
	parallel.For(B, rnnRowGrain, fn)
}

// rowsOf returns rows [lo, hi) of a row-major buffer with rows of w floats.
func rowsOf(buf []float32, lo, hi, w int) []float32 { return buf[lo*w : hi*w] }

// LSTMSequence runs the LSTM over T steps: one small GEMM per step for the
// recurrent projection (u packed once), then the fused cell kernel; batch
// rows are split across threads.
func (*CPU) LSTMSequence(s backend.LSTMSeq) {
	T, B, H := s.T, s.B, s.H
	W := 4 * H
	rm, mk := s.RecMask.Host, s.Mask.Host
	xd, out, act, tc, cs, hp, z := s.Xp.Host, s.Out.Host, s.Act.Host, s.Tc.Host, s.Cs.Host, s.Hp.Host, s.Z.Host
	pu := packU(false, H, W, s.U.Host)
	defer packs.Put(pu)
	byRows(B, T*B*H*W, func(lo, hi int) {
		n := hi - lo
		hPrev, cPrev := rowsOf(s.H0.Host, lo, hi, H), rowsOf(s.C0.Host, lo, hi, H)
		zp := rowsOf(z, lo, hi, W)
		for k := range T {
			t := timeOf(k, T, s.Reverse)
			r0, r1 := t*B+lo, t*B+hi // this block's rows at time t
			hpt := rowsOf(hp, r0, r1, H)
			if rm != nil {
				kernels.MulVV(hpt, hPrev, rowsOf(rm, lo, hi, H))
			} else {
				copy(hpt, hPrev)
			}
			kernels.SgemmPacked(false, n, 1, hpt, H, pu, 0, zp, W, kernels.Epilogue{})
			hn, cn := rowsOf(out, k*B+lo, k*B+hi, H), rowsOf(cs, r0, r1, H)
			kernels.LSTMCellForward(hn, cn, rowsOf(act, r0, r1, W), rowsOf(tc, r0, r1, H), rowsOf(xd, r0, r1, W), zp, cPrev, n, H)
			if mk != nil {
				for i := range n {
					if mk[t*B+lo+i] == 0 {
						copy(hn[i*H:(i+1)*H], hPrev[i*H:(i+1)*H])
						copy(cn[i*H:(i+1)*H], cPrev[i*H:(i+1)*H])
					}
				}
			}
			hPrev, cPrev = hn, cn
		}
		copy(rowsOf(out, T*B+lo, T*B+hi, H), cPrev)
	})
}

// LSTMSequenceBackward runs the sequence back: one small GEMM per step for
// the state gradient (uᵀ packed once; batch rows split across threads),
// and a single GEMM for the recurrent kernel's gradient.
func (*CPU) LSTMSequenceBackward(s backend.LSTMSeq, g backend.LSTMSeqGrad) {
	T, B, H := s.T, s.B, s.H
	W := 4 * H
	rm, mk := s.RecMask.Host, s.Mask.Host
	act, tc, cs := s.Act.Host, s.Tc.Host, s.Cs.Host
	gd, dz := g.G.Host, g.Dz.Host // g.Dcn is not needed: the cell's backward pass is fused
	pu := packU(true, W, H, s.U.Host)
	defer packs.Put(pu)
	byRows(B, T*B*H*W, func(lo, hi int) {
		n := hi - lo
		dh, dc := rowsOf(g.Dh.Host, lo, hi, H), rowsOf(g.Dc.Host, lo, hi, H)
		dhP, dcP := rowsOf(g.DhP.Host, lo, hi, H), rowsOf(g.DcP.Host, lo, hi, H)
		clear(dh)
		copy(dc, rowsOf(gd, T*B+lo, T*B+hi, H))
		for k := T - 1; k >= 0; k-- {
			t := timeOf(k, T, s.Reverse)
			r0, r1 := t*B+lo, t*B+hi
			kernels.AddVV(dh, dh, rowsOf(gd, k*B+lo, k*B+hi, H))
			dzt, at := rowsOf(dz, r0, r1, W), rowsOf(act, r0, r1, W)
			cp := rowsOf(s.C0.Host, lo, hi, H)
			if k > 0 {
				tp := timeOf(k-1, T, s.Reverse)
				cp = rowsOf(cs, tp*B+lo, tp*B+hi, H)
			}
			kernels.LSTMCellBackward(dzt, dcP, dh, dc, at, rowsOf(tc, r0, r1, H), cp, n, H)
			if mk != nil {
				for i := range n {
					if mk[t*B+lo+i] == 0 { // the states passed through this step
						clear(dzt[i*W : (i+1)*W])
						copy(dcP[i*H:(i+1)*H], dc[i*H:(i+1)*H])
					}
				}
			}
			kernels.SgemmPacked(false, n, 1, dzt, W, pu, 0, dhP, H, kernels.Epilogue{})
			if rm != nil {
				kernels.MulVV(dhP, dhP, rowsOf(rm, lo, hi, H))
			}
			if mk != nil {
				for i := range n {
					if mk[t*B+lo+i] == 0 {
						r := dhP[i*H : (i+1)*H]
						kernels.AddVV(r, r, dh[i*H:(i+1)*H])
					}
				}
			}
			dh, dhP = dhP, dh
			dc, dcP = dcP, dc
		}
		if T%2 == 1 { // the results sit in the scratch buffers
			copy(rowsOf(g.Dh.Host, lo, hi, H), dh)
			copy(rowsOf(g.Dc.Host, lo, hi, H), dc)
		}
	})
	if g.GU.Host != nil {
		kernels.Sgemm(true, false, H, W, T*B, 1, s.Hp.Host, H, dz, W, 0, g.GU.Host, W)
	}
}

// GRUSequence runs the GRU over T steps: one small GEMM (u packed once, the
// recurrent bias fused) per step, then the fused cell kernel; batch rows
// are split across threads.
func (*CPU) GRUSequence(s backend.GRUSeq) {
	T, B, H := s.T, s.B, s.H
	W := 3 * H
	rbd, rm, mk := s.Rb.Host, s.RecMask.Host, s.Mask.Host
	xd, hs, act, qs, hp := s.Xp.Host, s.Hs.Host, s.Act.Host, s.Qs.Host, s.Hp.Host
	pu := packU(false, H, W, s.U.Host)
	defer packs.Put(pu)
	byRows(B, T*B*H*W, func(lo, hi int) {
		n := hi - lo
		hPrev := rowsOf(s.H0.Host, lo, hi, H)
		for k := range T {
			t := timeOf(k, T, s.Reverse)
			r0, r1 := t*B+lo, t*B+hi
			hpt := rowsOf(hp, r0, r1, H)
			if rm != nil {
				kernels.MulVV(hpt, hPrev, rowsOf(rm, lo, hi, H))
			} else {
				copy(hpt, hPrev)
			}
			q := rowsOf(qs, r0, r1, W)
			kernels.SgemmPacked(false, n, 1, hpt, H, pu, 0, q, W, kernels.Epilogue{Bias: rbd})
			hn := rowsOf(hs, k*B+lo, k*B+hi, H)
			kernels.GRUCellForward(hn, rowsOf(act, r0, r1, W), rowsOf(xd, r0, r1, W), q, hPrev, n, H)
			if mk != nil {
				for i := range n {
					if mk[t*B+lo+i] == 0 {
						copy(hn[i*H:(i+1)*H], hPrev[i*H:(i+1)*H])
					}
				}
			}
			hPrev = hn
		}
	})
}

// GRUSequenceBackward runs the GRU sequence back (uᵀ packed once, batch
// rows split across threads), then one GEMM for the recurrent kernel's
// gradient.
func (*CPU) GRUSequenceBackward(s backend.GRUSeq, g backend.GRUSeqGrad) {
	T, B, H := s.T, s.B, s.H
	W := 3 * H
	rm, mk := s.RecMask.Host, s.Mask.Host
	act, qs, hs := s.Act.Host, s.Qs.Host, s.Hs.Host
	gd, dx, dq := g.G.Host, g.Dx.Host, g.Dq.Host
	pu := packU(true, W, H, s.U.Host)
	defer packs.Put(pu)
	byRows(B, T*B*H*W, func(lo, hi int) {
		n := hi - lo
		dh, dhP, dhd := rowsOf(g.Dh.Host, lo, hi, H), rowsOf(g.DhP.Host, lo, hi, H), rowsOf(g.Dhd.Host, lo, hi, H)
		clear(dh)
		for k := T - 1; k >= 0; k-- {
			t := timeOf(k, T, s.Reverse)
			r0, r1 := t*B+lo, t*B+hi
			kernels.AddVV(dh, dh, rowsOf(gd, k*B+lo, k*B+hi, H))
			prev := rowsOf(s.H0.Host, lo, hi, H)
			if k > 0 {
				prev = rowsOf(hs, (k-1)*B+lo, (k-1)*B+hi, H)
			}
			dxt, dqt := rowsOf(dx, r0, r1, W), rowsOf(dq, r0, r1, W)
			kernels.GRUCellBackward(dxt, dqt, dhd, dh, rowsOf(act, r0, r1, W), rowsOf(qs, r0, r1, W), prev, n, H)
			if mk != nil {
				for i := range n {
					if mk[t*B+lo+i] == 0 { // the state passed through this step
						clear(dxt[i*W : (i+1)*W])
						clear(dqt[i*W : (i+1)*W])
						copy(dhd[i*H:(i+1)*H], dh[i*H:(i+1)*H])
					}
				}
			}
			kernels.SgemmPacked(false, n, 1, dqt, W, pu, 0, dhP, H, kernels.Epilogue{})
			if rm != nil {
				kernels.MulVV(dhP, dhP, rowsOf(rm, lo, hi, H))
			}
			kernels.AddVV(dhP, dhP, dhd)
			dh, dhP = dhP, dh
		}
		if T%2 == 1 {
			copy(rowsOf(g.Dh.Host, lo, hi, H), dh)
		}
	})
	if g.GU.Host != nil {
		kernels.Sgemm(true, false, H, W, T*B, 1, s.Hp.Host, H, dq, W, 0, g.GU.Host, W)
	}
	if g.GRb.Host != nil {
		grb := g.GRb.Host
		clear(grb)
		for r := range T * B {
			kernels.AddVV(grb, grb, dq[r*W:(r+1)*W])
		}
	}
}
