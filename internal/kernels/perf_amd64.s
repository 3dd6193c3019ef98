//go:build !purego && amd64

#include "textflag.h"

// func reluBackwardAVX512(dx, dy, y *float32, n int)
// dx[i] = dy[i] if y[i] > 0 else 0.
TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VPXORD Z15, Z15, Z15
rb_loop32:
	CMPQ CX, $32
	JLT rb_loop16
	VMOVUPS 0(DX), Z0
	VMOVUPS 64(DX), Z1
	VCMPPS $0x1e, Z15, Z0, K1
	VCMPPS $0x1e, Z15, Z1, K2
	VMOVUPS.Z 0(SI), K1, Z2
	VMOVUPS.Z 64(SI), K2, Z3
	VMOVUPS Z2, 0(DI)
	VMOVUPS Z3, 64(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	JMP rb_loop32
rb_loop16:
	CMPQ CX, $16
	JLT rb_tail
	VMOVUPS 0(DX), Z0
	VCMPPS $0x1e, Z15, Z0, K1
	VMOVUPS.Z 0(SI), K1, Z2
	VMOVUPS Z2, 0(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP rb_loop16
rb_tail:
	TESTQ CX, CX
	JZ rb_done
	MOVL $1, BX
	SHLL CX, BX
	DECL BX
	KMOVW BX, K3
	VMOVUPS.Z 0(DX), K3, Z0
	VCMPPS $0x1e, Z15, Z0, K3, K1
	VMOVUPS.Z 0(SI), K1, Z2
	VMOVUPS Z2, K3, 0(DI)
rb_done:
	VZEROUPPER
	RET

// func sumRowsAVX512(dst, src *float32, rows, f int)
// dst[j] += Σ_r src[r*f+j]; f is a multiple of 16, rows >= 1. Each column
// is summed row by row in order, as the pure-Go loop does.
TEXT ·sumRowsAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ f+24(FP), DX
	MOVQ DX, R8
	SHLQ $2, R8          // row stride in bytes
sr_col:
	TESTQ DX, DX
	JZ sr_done
	VMOVUPS 0(DI), Z0
	MOVQ SI, AX
	MOVQ CX, BX
sr_row:
	VADDPS 0(AX), Z0, Z0
	ADDQ R8, AX
	DECQ BX
	JNZ sr_row
	VMOVUPS Z0, 0(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, DX
	JMP sr_col
sr_done:
	VZEROUPPER
	RET

// func maxPool2AVX512(dst, r0, r1 *float32, ow, c int)
// One output row of a 2×2, stride-2 max pool over NHWC rows r0, r1 with c
// channels (a multiple of 16): dst[ox*c+i] = max of the four taps, ties and
// NaNs resolved as the scalar kernel does (a later tap replaces the running
// maximum only when strictly greater).
TEXT ·maxPool2AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ ow+24(FP), CX
	MOVQ c+32(FP), R8
	MOVQ R8, R9
	SHLQ $2, R9          // c in bytes
mp_px:
	TESTQ CX, CX
	JZ mp_done
	XORQ BX, BX
mp_ch:
	CMPQ BX, R9
	JGE mp_next
	LEAQ (SI)(BX*1), AX
	LEAQ (DX)(BX*1), R10
	VMOVUPS 0(AX), Z0
	VMOVUPS (AX)(R9*1), Z1
	VMOVUPS 0(R10), Z2
	VMOVUPS (R10)(R9*1), Z3
	VMAXPS Z0, Z1, Z0
	VMAXPS Z0, Z2, Z0
	VMAXPS Z0, Z3, Z0
	VMOVUPS Z0, (DI)(BX*1)
	ADDQ $64, BX
	JMP mp_ch
mp_next:
	ADDQ R9, DI
	LEAQ (SI)(R9*2), SI
	LEAQ (DX)(R9*2), DX
	DECQ CX
	JMP mp_px
mp_done:
	VZEROUPPER
	RET

// func maxPool2BackAVX512(dx0, dx1, x0, x1, y, dy *float32, ow, c int)
// Backward of maxPool2AVX512 for one output row: each dy goes to the first
// tap (in row-major window order) equal to the forward maximum y (the first
// tap also when y is NaN); the other taps get 0. dx0, dx1 are overwritten.
TEXT ·maxPool2BackAVX512(SB), NOSPLIT, $0-64
	MOVQ dx0+0(FP), DI
	MOVQ dx1+8(FP), R11
	MOVQ x0+16(FP), SI
	MOVQ x1+24(FP), DX
	MOVQ y+32(FP), R12
	MOVQ dy+40(FP), R13
	MOVQ ow+48(FP), CX
	MOVQ c+56(FP), R9
	SHLQ $2, R9
mb_px:
	TESTQ CX, CX
	JZ mb_done
	XORQ BX, BX
mb_ch:
	CMPQ BX, R9
	JGE mb_next
	VMOVUPS (R12)(BX*1), Z8   // y
	VMOVUPS (R13)(BX*1), Z9   // dy
	LEAQ (SI)(BX*1), AX
	LEAQ (DX)(BX*1), R10
	VMOVUPS 0(AX), Z0
	VMOVUPS (AX)(R9*1), Z1
	VMOVUPS 0(R10), Z2
	VMOVUPS (R10)(R9*1), Z3
	VCMPPS $8, Z8, Z0, K1      // tap0 == y or unordered
	KNOTW K1, K2               // still unclaimed
	VCMPPS $0, Z8, Z1, K2, K3  // tap1 == y, unclaimed
	KANDNW K2, K3, K2
	VCMPPS $0, Z8, Z2, K2, K4
	KANDNW K2, K4, K2
	VCMPPS $0, Z8, Z3, K2, K5
	VMOVAPS.Z Z9, K1, Z4
	VMOVAPS.Z Z9, K3, Z5
	VMOVAPS.Z Z9, K4, Z6
	VMOVAPS.Z Z9, K5, Z7
	LEAQ (DI)(BX*1), AX
	LEAQ (R11)(BX*1), R10
	VMOVUPS Z4, 0(AX)
	VMOVUPS Z5, (AX)(R9*1)
	VMOVUPS Z6, 0(R10)
	VMOVUPS Z7, (R10)(R9*1)
	ADDQ $64, BX
	JMP mb_ch
mb_next:
	ADDQ R9, R12
	ADDQ R9, R13
	LEAQ (SI)(R9*2), SI
	LEAQ (DX)(R9*2), DX
	LEAQ (DI)(R9*2), DI
	LEAQ (R11)(R9*2), R11
	DECQ CX
	JMP mb_px
mb_done:
	VZEROUPPER
	RET

// func epilogueAVX512(c *float32, ldc, m, n int, bias *float32, relu bool)
// For each of m rows of c (stride ldc floats) and n columns: add bias[j]
// when bias is not nil, then, when relu is set, replace x by +0 unless
// x > 0 or x is NaN (Go's max(x, 0)).
TEXT ·epilogueAVX512(SB), NOSPLIT, $0-41
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ m+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ bias+32(FP), SI
	MOVBQZX relu+40(FP), R9
	VPXORD Z15, Z15, Z15
ep_row:
	TESTQ CX, CX
	JZ ep_done
	MOVQ DI, AX
	MOVQ SI, R10
	MOVQ DX, BX
ep_col:
	CMPQ BX, $16
	JLT ep_tail
	VMOVUPS 0(AX), Z0
	TESTQ R10, R10
	JZ ep_nobias
	VADDPS 0(R10), Z0, Z0
	ADDQ $64, R10
ep_nobias:
	TESTQ R9, R9
	JZ ep_store
	VCMPPS $6, Z15, Z0, K1     // NLE_UQ: x > 0 or NaN
	VMOVAPS.Z Z0, K1, Z0
ep_store:
	VMOVUPS Z0, 0(AX)
	ADDQ $64, AX
	SUBQ $16, BX
	JMP ep_col
ep_tail:
	TESTQ BX, BX
	JZ ep_next
	MOVL $1, R11
	SHLXL BX, R11, R11
	DECL R11
	KMOVW R11, K2
	VMOVUPS.Z 0(AX), K2, Z0
	TESTQ R10, R10
	JZ ep_tnobias
	VMOVUPS.Z 0(R10), K2, Z1
	VADDPS Z1, Z0, Z0
ep_tnobias:
	TESTQ R9, R9
	JZ ep_tstore
	VCMPPS $6, Z15, Z0, K1
	VMOVAPS.Z Z0, K1, Z0
ep_tstore:
	VMOVUPS Z0, K2, 0(AX)
ep_next:
	ADDQ R8, DI
	DECQ CX
	JMP ep_row
ep_done:
	VZEROUPPER
	RET

// func conv3x3c1AVX512(out, x, w, bias *float32, ws, ow, oh, f int, relu bool)
// Direct 3×3, stride-1, unpadded convolution of a one-channel image x (row
// stride ws floats) with w [9, f], f a multiple of 32, into out [oh, ow, f]:
// out = act(Σ_t x_t·w_t + bias), the taps summed in order with FMAs from 0
// as the GEMM micro-kernel does, bias added after, then ReLU as max(v, 0).
TEXT ·conv3x3c1AVX512(SB), NOSPLIT, $0-65
	MOVQ ws+32(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*1), R13
	MOVQ f+56(FP), R11
	SHLQ $2, R11
	MOVBQZX relu+64(FP), BX
	VPXORD Z23, Z23, Z23
	XORQ R12, R12
c1_fblock:
	CMPQ R12, R11
	JGE c1_done
	MOVQ w+16(FP), DX
	ADDQ R12, DX
	VMOVUPS 0(DX), Z0
	VMOVUPS 64(DX), Z1
	ADDQ R11, DX
	VMOVUPS 0(DX), Z2
	VMOVUPS 64(DX), Z3
	ADDQ R11, DX
	VMOVUPS 0(DX), Z4
	VMOVUPS 64(DX), Z5
	ADDQ R11, DX
	VMOVUPS 0(DX), Z6
	VMOVUPS 64(DX), Z7
	ADDQ R11, DX
	VMOVUPS 0(DX), Z8
	VMOVUPS 64(DX), Z9
	ADDQ R11, DX
	VMOVUPS 0(DX), Z10
	VMOVUPS 64(DX), Z11
	ADDQ R11, DX
	VMOVUPS 0(DX), Z12
	VMOVUPS 64(DX), Z13
	ADDQ R11, DX
	VMOVUPS 0(DX), Z14
	VMOVUPS 64(DX), Z15
	ADDQ R11, DX
	VMOVUPS 0(DX), Z16
	VMOVUPS 64(DX), Z17
	MOVQ bias+24(FP), DX
	TESTQ DX, DX
	JZ c1_nobias
	ADDQ R12, DX
	VMOVUPS 0(DX), Z18
	VMOVUPS 64(DX), Z19
	JMP c1_rows
c1_nobias:
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
c1_rows:
	MOVQ out+0(FP), DI
	ADDQ R12, DI
	MOVQ x+8(FP), SI
	MOVQ oh+48(FP), R10
c1_row:
	MOVQ SI, AX
	MOVQ ow+40(FP), R9
c1_pix:
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VBROADCASTSS 0(AX), Z22
	VFMADD231PS Z22, Z0, Z20
	VFMADD231PS Z22, Z1, Z21
	VBROADCASTSS 4(AX), Z22
	VFMADD231PS Z22, Z2, Z20
	VFMADD231PS Z22, Z3, Z21
	VBROADCASTSS 8(AX), Z22
	VFMADD231PS Z22, Z4, Z20
	VFMADD231PS Z22, Z5, Z21
	VBROADCASTSS 0(AX)(R8*1), Z22
	VFMADD231PS Z22, Z6, Z20
	VFMADD231PS Z22, Z7, Z21
	VBROADCASTSS 4(AX)(R8*1), Z22
	VFMADD231PS Z22, Z8, Z20
	VFMADD231PS Z22, Z9, Z21
	VBROADCASTSS 8(AX)(R8*1), Z22
	VFMADD231PS Z22, Z10, Z20
	VFMADD231PS Z22, Z11, Z21
	VBROADCASTSS 0(AX)(R13*1), Z22
	VFMADD231PS Z22, Z12, Z20
	VFMADD231PS Z22, Z13, Z21
	VBROADCASTSS 4(AX)(R13*1), Z22
	VFMADD231PS Z22, Z14, Z20
	VFMADD231PS Z22, Z15, Z21
	VBROADCASTSS 8(AX)(R13*1), Z22
	VFMADD231PS Z22, Z16, Z20
	VFMADD231PS Z22, Z17, Z21
	VADDPS Z18, Z20, Z20
	VADDPS Z19, Z21, Z21
	TESTQ BX, BX
	JZ c1_store
	VCMPPS $6, Z23, Z20, K1
	VCMPPS $6, Z23, Z21, K2
	VMOVAPS.Z Z20, K1, Z20
	VMOVAPS.Z Z21, K2, Z21
c1_store:
	VMOVUPS Z20, 0(DI)
	VMOVUPS Z21, 64(DI)
	ADDQ $4, AX
	ADDQ R11, DI
	DECQ R9
	JNZ c1_pix
	ADDQ R8, SI
	DECQ R10
	JNZ c1_row
	ADDQ $128, R12
	JMP c1_fblock
c1_done:
	VZEROUPPER
	RET

// func conv3x3c1GradAVX512(dw, db, x, dy, y *float32, ws, ow, oh, f int)
// Adds the kernel gradient Σ_p x_t(p)·g(p) to dw [9, f] and Σ_p g(p) to db
// [f] for one image of conv3x3c1AVX512, where g = dy masked by y > 0 when y
// is not nil (fused ReLU backward), else dy. Pixels are summed in order.
TEXT ·conv3x3c1GradAVX512(SB), NOSPLIT, $0-72
	MOVQ ws+40(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*1), R13
	MOVQ f+64(FP), R11
	SHLQ $2, R11
	MOVQ y+32(FP), BX
	VPXORD Z23, Z23, Z23
	XORQ R12, R12
c1g_fblock:
	CMPQ R12, R11
	JGE c1g_done
	MOVQ dw+0(FP), DI
	ADDQ R12, DI
	VMOVUPS 0(DI), Z0
	VMOVUPS 64(DI), Z1
	ADDQ R11, DI
	VMOVUPS 0(DI), Z2
	VMOVUPS 64(DI), Z3
	ADDQ R11, DI
	VMOVUPS 0(DI), Z4
	VMOVUPS 64(DI), Z5
	ADDQ R11, DI
	VMOVUPS 0(DI), Z6
	VMOVUPS 64(DI), Z7
	ADDQ R11, DI
	VMOVUPS 0(DI), Z8
	VMOVUPS 64(DI), Z9
	ADDQ R11, DI
	VMOVUPS 0(DI), Z10
	VMOVUPS 64(DI), Z11
	ADDQ R11, DI
	VMOVUPS 0(DI), Z12
	VMOVUPS 64(DI), Z13
	ADDQ R11, DI
	VMOVUPS 0(DI), Z14
	VMOVUPS 64(DI), Z15
	ADDQ R11, DI
	VMOVUPS 0(DI), Z16
	VMOVUPS 64(DI), Z17
	MOVQ db+8(FP), DI
	ADDQ R12, DI
	VMOVUPS 0(DI), Z18
	VMOVUPS 64(DI), Z19
	MOVQ x+16(FP), SI
	MOVQ dy+24(FP), CX
	ADDQ R12, CX
	MOVQ BX, DX
	TESTQ DX, DX
	JZ c1g_noy
	ADDQ R12, DX
c1g_noy:
	MOVQ oh+56(FP), R10
c1g_row:
	MOVQ SI, AX
	MOVQ ow+48(FP), R9
c1g_pix:
	TESTQ BX, BX
	JZ c1g_plain
	VMOVUPS 0(DX), Z24
	VMOVUPS 64(DX), Z25
	VCMPPS $0x1e, Z23, Z24, K1
	VCMPPS $0x1e, Z23, Z25, K2
	VMOVUPS.Z 0(CX), K1, Z20
	VMOVUPS.Z 64(CX), K2, Z21
	ADDQ R11, DX
	JMP c1g_acc
c1g_plain:
	VMOVUPS 0(CX), Z20
	VMOVUPS 64(CX), Z21
c1g_acc:
	VADDPS Z20, Z18, Z18
	VADDPS Z21, Z19, Z19
	VBROADCASTSS 0(AX), Z22
	VFMADD231PS Z22, Z20, Z0
	VFMADD231PS Z22, Z21, Z1
	VBROADCASTSS 4(AX), Z22
	VFMADD231PS Z22, Z20, Z2
	VFMADD231PS Z22, Z21, Z3
	VBROADCASTSS 8(AX), Z22
	VFMADD231PS Z22, Z20, Z4
	VFMADD231PS Z22, Z21, Z5
	VBROADCASTSS 0(AX)(R8*1), Z22
	VFMADD231PS Z22, Z20, Z6
	VFMADD231PS Z22, Z21, Z7
	VBROADCASTSS 4(AX)(R8*1), Z22
	VFMADD231PS Z22, Z20, Z8
	VFMADD231PS Z22, Z21, Z9
	VBROADCASTSS 8(AX)(R8*1), Z22
	VFMADD231PS Z22, Z20, Z10
	VFMADD231PS Z22, Z21, Z11
	VBROADCASTSS 0(AX)(R13*1), Z22
	VFMADD231PS Z22, Z20, Z12
	VFMADD231PS Z22, Z21, Z13
	VBROADCASTSS 4(AX)(R13*1), Z22
	VFMADD231PS Z22, Z20, Z14
	VFMADD231PS Z22, Z21, Z15
	VBROADCASTSS 8(AX)(R13*1), Z22
	VFMADD231PS Z22, Z20, Z16
	VFMADD231PS Z22, Z21, Z17
	ADDQ $4, AX
	ADDQ R11, CX
	DECQ R9
	JNZ c1g_pix
	ADDQ R8, SI
	DECQ R10
	JNZ c1g_row
	MOVQ dw+0(FP), DI
	ADDQ R12, DI
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z2, 0(DI)
	VMOVUPS Z3, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z4, 0(DI)
	VMOVUPS Z5, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z6, 0(DI)
	VMOVUPS Z7, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z8, 0(DI)
	VMOVUPS Z9, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z10, 0(DI)
	VMOVUPS Z11, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z12, 0(DI)
	VMOVUPS Z13, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z14, 0(DI)
	VMOVUPS Z15, 64(DI)
	ADDQ R11, DI
	VMOVUPS Z16, 0(DI)
	VMOVUPS Z17, 64(DI)
	MOVQ db+8(FP), DI
	ADDQ R12, DI
	VMOVUPS Z18, 0(DI)
	VMOVUPS Z19, 64(DI)
	ADDQ $128, R12
	JMP c1g_fblock
c1g_done:
	VZEROUPPER
	RET

// func adamAVX512(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
// AdamUpdate's loop, 16 lanes at a time, with the same operation order
// (no FMA) and a correctly rounded VSQRTPS, so results are bit-identical.
TEXT ·adamAVX512(SB), NOSPLIT, $0-56
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSS alpha+40(FP), Z10
	VBROADCASTSS c1+44(FP), Z11
	VBROADCASTSS c2+48(FP), Z12
	VBROADCASTSS eps+52(FP), Z13
	MOVL $0xffff, AX
	KMOVW AX, K1
ad_loop:
	TESTQ CX, CX
	JZ ad_done
	CMPQ CX, $16
	JGE ad_body
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ $16, CX
ad_body:
	VMOVUPS.Z 0(SI), K1, Z0   // g
	VMOVUPS.Z 0(DX), K1, Z1   // m
	VMOVUPS.Z 0(BX), K1, Z2   // v
	VMOVUPS.Z 0(DI), K1, Z3   // p
	VSUBPS Z1, Z0, Z4         // g - m
	VMULPS Z11, Z4, Z4
	VADDPS Z4, Z1, Z1         // m + (g-m)·c1
	VMULPS Z0, Z0, Z5         // g²
	VSUBPS Z2, Z5, Z5         // g² - v
	VMULPS Z12, Z5, Z5
	VADDPS Z5, Z2, Z2         // v + (g²-v)·c2
	VSQRTPS Z2, Z6
	VADDPS Z13, Z6, Z6        // sqrt(v) + eps
	VMULPS Z1, Z10, Z7        // alpha·m
	VDIVPS Z6, Z7, Z7         // (alpha·m) / (sqrt(v)+eps)
	VSUBPS Z7, Z3, Z3         // p - ...
	VMOVUPS Z1, K1, 0(DX)
	VMOVUPS Z2, K1, 0(BX)
	VMOVUPS Z3, K1, 0(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, BX
	SUBQ $16, CX
	JMP ad_loop
ad_done:
	VZEROUPPER
	RET

// func copySegsAVX512(dst, src *float32, n, l, ds, ss int)
// Copies n segments of l floats: segment s from src[s*ss:] to dst[s*ds:].
TEXT ·copySegsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ l+24(FP), DX
	MOVQ ds+32(FP), R8
	MOVQ ss+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	MOVQ DX, CX
	ANDQ $15, CX
	MOVL $1, BX
	SHLL CX, BX
	DECL BX
	KMOVW BX, K1 // tail mask
	MOVQ DX, R10
	SHRQ $4, R10 // full 16-float chunks
	MOVQ n+16(FP), CX
cs_seg:
	TESTQ CX, CX
	JZ cs_done
	XORQ R11, R11
	MOVQ R10, R12
cs_chunk2:
	CMPQ R12, $2
	JLT cs_chunk
	VMOVUPS (SI)(R11*1), Z0
	VMOVUPS 64(SI)(R11*1), Z1
	VMOVUPS Z0, (DI)(R11*1)
	VMOVUPS Z1, 64(DI)(R11*1)
	ADDQ $128, R11
	SUBQ $2, R12
	JMP cs_chunk2
cs_chunk:
	TESTQ R12, R12
	JZ cs_tail
	VMOVUPS (SI)(R11*1), Z0
	VMOVUPS Z0, (DI)(R11*1)
	ADDQ $64, R11
cs_tail:
	KORTESTW K1, K1
	JZ cs_next
	VMOVUPS.Z (SI)(R11*1), K1, Z0
	VMOVUPS Z0, K1, (DI)(R11*1)
cs_next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JMP cs_seg
cs_done:
	VZEROUPPER
	RET

// func addSegsAVX512(dst, src *float32, n, l, ds, ss int)
// For s in order: dst[s*ds+i] += src[s*ss+i] for i < l. Segments of dst may
// overlap; each is finished before the next starts.
TEXT ·addSegsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ l+24(FP), DX
	MOVQ ds+32(FP), R8
	MOVQ ss+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	MOVQ DX, CX
	ANDQ $15, CX
	MOVL $1, BX
	SHLL CX, BX
	DECL BX
	KMOVW BX, K1 // tail mask
	MOVQ DX, R10
	SHRQ $4, R10 // full 16-float chunks
	MOVQ n+16(FP), CX
as_seg:
	TESTQ CX, CX
	JZ as_done
	XORQ R11, R11
	MOVQ R10, R12
as_chunk:
	TESTQ R12, R12
	JZ as_tail
	VMOVUPS (DI)(R11*1), Z0
	VADDPS (SI)(R11*1), Z0, Z0
	VMOVUPS Z0, (DI)(R11*1)
	ADDQ $64, R11
	DECQ R12
	JMP as_chunk
as_tail:
	KORTESTW K1, K1
	JZ as_next
	VMOVUPS.Z (DI)(R11*1), K1, Z0
	VMOVUPS.Z (SI)(R11*1), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)(R11*1)
as_next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JMP as_seg
as_done:
	VZEROUPPER
	RET
