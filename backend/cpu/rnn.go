package cpu

import (
	"github.com/tensile-ml/tensile/backend"
	"github.com/tensile-ml/tensile/internal/kernels"
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

// LSTMSequence runs the LSTM over T steps: one small GEMM per step for the
// recurrent projection, then the fused cell kernel.
func (*CPU) LSTMSequence(s backend.LSTMSeq) {
	T, B, H := s.T, s.B, s.H
	W, BH := 4*H, B*H
	rm, mk := s.RecMask.Host, s.Mask.Host
	xd, ud := s.Xp.Host, s.U.Host
	out, act, tc, cs, hp, z := s.Out.Host, s.Act.Host, s.Tc.Host, s.Cs.Host, s.Hp.Host, s.Z.Host
	hPrev, cPrev := s.H0.Host, s.C0.Host
	for k := range T {
		t := timeOf(k, T, s.Reverse)
		hpt := hp[t*BH : (t+1)*BH]
		if rm != nil {
			kernels.MulVV(hpt, hPrev, rm)
		} else {
			copy(hpt, hPrev)
		}
		kernels.Sgemm(false, false, B, W, H, 1, hpt, H, ud, W, 0, z, W)
		hn, cn := out[k*BH:(k+1)*BH], cs[t*BH:(t+1)*BH]
		kernels.LSTMCellForward(hn, cn, act[t*B*W:(t+1)*B*W], tc[t*BH:(t+1)*BH], xd[t*B*W:(t+1)*B*W], z, cPrev, B, H)
		if mk != nil {
			for b := range B {
				if mk[t*B+b] == 0 {
					copy(hn[b*H:(b+1)*H], hPrev[b*H:(b+1)*H])
					copy(cn[b*H:(b+1)*H], cPrev[b*H:(b+1)*H])
				}
			}
		}
		hPrev, cPrev = hn, cn
	}
	copy(out[T*BH:], cPrev)
}

// LSTMSequenceBackward runs the sequence back: one small GEMM per step for
// the state gradient, and a single GEMM for the recurrent kernel's gradient.
func (*CPU) LSTMSequenceBackward(s backend.LSTMSeq, g backend.LSTMSeqGrad) {
	T, B, H := s.T, s.B, s.H
	W, BH := 4*H, B*H
	rm, mk := s.RecMask.Host, s.Mask.Host
	ud, act, tc, cs := s.U.Host, s.Act.Host, s.Tc.Host, s.Cs.Host
	gd, dz := g.G.Host, g.Dz.Host
	dh, dc, dhP, dcP, dcn := g.Dh.Host, g.Dc.Host, g.DhP.Host, g.DcP.Host, g.Dcn.Host
	clear(dh)
	copy(dc, gd[T*BH:])
	for k := T - 1; k >= 0; k-- {
		t := timeOf(k, T, s.Reverse)
		kernels.AddVV(dh, dh, gd[k*BH:(k+1)*BH])
		dzt := dz[t*B*W : (t+1)*B*W]
		at := act[t*B*W : (t+1)*B*W]
		cp := s.C0.Host
		if k > 0 {
			tp := timeOf(k-1, T, s.Reverse)
			cp = cs[tp*BH : (tp+1)*BH]
		}
		kernels.LSTMCellBackwardH(dzt, dcn, dh, at, tc[t*BH:(t+1)*BH], B, H)
		kernels.AddVV(dcn, dcn, dc)
		kernels.LSTMCellBackwardC(dzt, dcP, dcn, at, cp, B, H)
		if mk != nil {
			for b := range B {
				if mk[t*B+b] == 0 { // the states passed through this step
					clear(dzt[b*W : (b+1)*W])
					copy(dcP[b*H:(b+1)*H], dc[b*H:(b+1)*H])
				}
			}
		}
		kernels.Sgemm(false, true, B, H, W, 1, dzt, W, ud, W, 0, dhP, H)
		if rm != nil {
			kernels.MulVV(dhP, dhP, rm)
		}
		if mk != nil {
			for b := range B {
				if mk[t*B+b] == 0 {
					r := dhP[b*H : (b+1)*H]
					kernels.AddVV(r, r, dh[b*H:(b+1)*H])
				}
			}
		}
		dh, dhP = dhP, dh
		dc, dcP = dcP, dc
	}
	if T%2 == 1 { // the results sit in the scratch buffers
		copy(g.Dh.Host, dh)
		copy(g.Dc.Host, dc)
	}
	if g.GU.Host != nil {
		kernels.Sgemm(true, false, H, W, T*B, 1, s.Hp.Host, H, dz, W, 0, g.GU.Host, W)
	}
}

// GRUSequence runs the GRU over T steps: one small GEMM (with the recurrent
// bias fused) per step, then the fused cell kernel.
func (*CPU) GRUSequence(s backend.GRUSeq) {
	T, B, H := s.T, s.B, s.H
	W, BH := 3*H, B*H
	rbd, rm, mk := s.Rb.Host, s.RecMask.Host, s.Mask.Host
	xd, ud := s.Xp.Host, s.U.Host
	hs, act, qs, hp := s.Hs.Host, s.Act.Host, s.Qs.Host, s.Hp.Host
	hPrev := s.H0.Host
	for k := range T {
		t := timeOf(k, T, s.Reverse)
		hpt := hp[t*BH : (t+1)*BH]
		if rm != nil {
			kernels.MulVV(hpt, hPrev, rm)
		} else {
			copy(hpt, hPrev)
		}
		q := qs[t*B*W : (t+1)*B*W]
		kernels.SgemmEpilogue(false, false, B, W, H, 1, hpt, H, ud, W, 0, q, W, kernels.Epilogue{Bias: rbd})
		hn := hs[k*BH : (k+1)*BH]
		kernels.GRUCellForward(hn, act[t*B*W:(t+1)*B*W], xd[t*B*W:(t+1)*B*W], q, hPrev, B, H)
		if mk != nil {
			for b := range B {
				if mk[t*B+b] == 0 {
					copy(hn[b*H:(b+1)*H], hPrev[b*H:(b+1)*H])
				}
			}
		}
		hPrev = hn
	}
}

// GRUSequenceBackward runs the GRU sequence back.
func (*CPU) GRUSequenceBackward(s backend.GRUSeq, g backend.GRUSeqGrad) {
	T, B, H := s.T, s.B, s.H
	W, BH := 3*H, B*H
	rm, mk := s.RecMask.Host, s.Mask.Host
	ud, act, qs, hs := s.U.Host, s.Act.Host, s.Qs.Host, s.Hs.Host
	gd, dx, dq := g.G.Host, g.Dx.Host, g.Dq.Host
	dh, dhP, dhd := g.Dh.Host, g.DhP.Host, g.Dhd.Host
	clear(dh)
	for k := T - 1; k >= 0; k-- {
		t := timeOf(k, T, s.Reverse)
		kernels.AddVV(dh, dh, gd[k*BH:(k+1)*BH])
		prev := s.H0.Host
		if k > 0 {
			prev = hs[(k-1)*BH : k*BH]
		}
		dxt, dqt := dx[t*B*W:(t+1)*B*W], dq[t*B*W:(t+1)*B*W]
		kernels.GRUCellBackward(dxt, dqt, dhd, dh, act[t*B*W:(t+1)*B*W], qs[t*B*W:(t+1)*B*W], prev, B, H)
		if mk != nil {
			for b := range B {
				if mk[t*B+b] == 0 { // the state passed through this step
					clear(dxt[b*W : (b+1)*W])
					clear(dqt[b*W : (b+1)*W])
					copy(dhd[b*H:(b+1)*H], dh[b*H:(b+1)*H])
				}
			}
		}
		kernels.Sgemm(false, true, B, H, W, 1, dqt, W, ud, W, 0, dhP, H)
		if rm != nil {
			kernels.MulVV(dhP, dhP, rm)
		}
		kernels.AddVV(dhP, dhP, dhd)
		dh, dhP = dhP, dh
	}
	if T%2 == 1 {
		copy(g.Dh.Host, dh)
	}
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
