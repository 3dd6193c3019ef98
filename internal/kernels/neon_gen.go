//go:build ignore

// neon_gen.go writes neon_arm64.s, the arm64 NEON kernels of the neon tier
// (slice kernels, ReLU backward, the GEMM epilogue, the optimizer updates,
// the 2×2 max-pool rows, the im2col/col2im segment loops, sigmoid and tanh,
// the 8×12 SGEMM micro-kernel and its transposing pack):
//
//	go run neon_gen.go
//
// Go's arm64 assembler has no mnemonics for most NEON floating-point
// instructions, so they are emitted as WORD encodings with the instruction
// in a comment (the encoders below follow the Arm ARM; `go run neon_gen.go
// -check` prints them for comparison with llvm-mc). The slice kernels
// handle n rounded down to a multiple of 4; the Go wrappers in
// neon_arm64.go run the pure-Go reference on the rest.
package main

import (
	"fmt"
	"os"
	"strings"
)

var sb strings.Builder

func p(format string, args ...any) { fmt.Fprintf(&sb, "\t"+format+"\n", args...) }
func label(l string)               { fmt.Fprintf(&sb, "%s:\n", l) }

func word(enc uint32, text string) { p("WORD $0x%08x // %s", enc, text) }

// three-register vector ops on .4S
func v3(name string, base uint32, d, n, m int) {
	word(base|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.4s", name, d, n, m))
}

func fadd(d, n, m int) { v3("fadd", 0x4E20D400, d, n, m) }
func fsub(d, n, m int) { v3("fsub", 0x4EA0D400, d, n, m) }
func fmul(d, n, m int) { v3("fmul", 0x6E20DC00, d, n, m) }
func fdiv(d, n, m int) { v3("fdiv", 0x6E20FC00, d, n, m) }
func fmla(d, n, m int) { v3("fmla", 0x4E20CC00, d, n, m) }

// vand and vbic work on all 128 bits.
func vand(d, n, m int) {
	word(0x4E201C00|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("and v%d.16b, v%d.16b, v%d.16b", d, n, m))
}
func vbic(d, n, m int) {
	word(0x4E601C00|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("bic v%d.16b, v%d.16b, v%d.16b", d, n, m))
}

// fcmgtz sets lanes of d to all ones where n > 0 (false for NaN).
func fcmgtz(d, n int) {
	word(0x4EA0C800|uint32(n)<<5|uint32(d), fmt.Sprintf("fcmgt v%d.4s, v%d.4s, #0.0", d, n))
}

// fcmlez sets lanes of d to all ones where n <= 0 (false for NaN).
func fcmlez(d, n int) {
	word(0x6EA0D800|uint32(n)<<5|uint32(d), fmt.Sprintf("fcmle v%d.4s, v%d.4s, #0.0", d, n))
}

func trn(name string, base uint32, d, n, m int, arr string) {
	word(base|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", name, d, arr, n, arr, m, arr))
}

func trn1s(d, n, m int) { trn("trn1", 0x4E802800, d, n, m, "4s") }
func trn2s(d, n, m int) { trn("trn2", 0x4E806800, d, n, m, "4s") }
func trn1d(d, n, m int) { trn("trn1", 0x4EC02800, d, n, m, "2d") }
func trn2d(d, n, m int) { trn("trn2", 0x4EC06800, d, n, m, "2d") }

// two-register (d, n) vector ops on .4S
func v2(name string, base uint32, d, n int) {
	word(base|uint32(n)<<5|uint32(d), fmt.Sprintf("%s v%d.4s, v%d.4s", name, d, n))
}

func fneg(d, n int)   { v2("fneg", 0x6EA0F800, d, n) }
func fabs(d, n int)   { v2("fabs", 0x4EA0F800, d, n) }
func frintn(d, n int) { v2("frintn", 0x4E218800, d, n) }
func fcvtzs(d, n int) { v2("fcvtzs", 0x4EA1B800, d, n) }

func fmin(d, n, m int)  { v3("fmin", 0x4EA0F400, d, n, m) }
func fmax(d, n, m int)  { v3("fmax", 0x4E20F400, d, n, m) }
func fmls(d, n, m int)  { v3("fmls", 0x4EA0CC00, d, n, m) }
func iadd(d, n, m int)  { v3("add", 0x4EA08400, d, n, m) }
func isub(d, n, m int)  { v3("sub", 0x6EA08400, d, n, m) }
func fcmeq(d, n, m int) { v3("fcmeq", 0x4E20E400, d, n, m) }
func fcmgt(d, n, m int) { v3("fcmgt", 0x6EA0E400, d, n, m) }

func b16(name string, base uint32, d, n, m int) {
	word(base|uint32(m)<<16|uint32(n)<<5|uint32(d), fmt.Sprintf("%s v%d.16b, v%d.16b, v%d.16b", name, d, n, m))
}

func vorr(d, n, m int) { b16("orr", 0x4EA01C00, d, n, m) }
func vbit(d, n, m int) { b16("bit", 0x6EA01C00, d, n, m) }
func vbif(d, n, m int) { b16("bif", 0x6EE01C00, d, n, m) }
func vmov(d, n int)    { vorr(d, n, n) }

func sshr1(d, n int) {
	word(0x4F3F0400|uint32(n)<<5|uint32(d), fmt.Sprintf("sshr v%d.4s, v%d.4s, #1", d, n))
}

func shl23(d, n int) {
	word(0x4F375400|uint32(n)<<5|uint32(d), fmt.Sprintf("shl v%d.4s, v%d.4s, #23", d, n))
}

func fsqrt(d, n int) {
	word(0x6EA1F800|uint32(n)<<5|uint32(d), fmt.Sprintf("fsqrt v%d.4s, v%d.4s", d, n))
}

// byElement encodes FMLA/FMUL Vd.4S, Vn.4S, Vm.S[idx].
func byElement(name string, base uint32, d, n, m, idx int) {
	h, l := uint32(idx>>1), uint32(idx&1)
	enc := base | l<<21 | uint32(m)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
	word(enc, fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.s[%d]", name, d, n, m, idx))
}

func fmlaElem(d, n, m, idx int) { byElement("fmla", 0x4F801000, d, n, m, idx) }
func fmulElem(d, n, m, idx int) { byElement("fmul", 0x4F809000, d, n, m, idx) }

func header(sig, name string, frame int) {
	fmt.Fprintf(&sb, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, frame)
}

// loop4 emits a loop over R3 elements (a multiple of 4), 16 at a time then
// 4; body(u) handles vector u (registers V(u), V(4+u), ...), loads and
// stores are done by the caller's closures with post-increment.
func loop4(name string, body func(nv int)) {
	label(name + "_loop16")
	p("CMP $16, R3")
	p("BLT %s_loop4", name)
	body(4)
	p("SUB $16, R3")
	p("B %s_loop16", name)
	label(name + "_loop4")
	p("CBZ R3, %s_done", name)
	body(1)
	p("SUB $4, R3")
	p("B %s_loop4", name)
	label(name + "_done")
	p("RET")
}

// regs returns "[V<a>.S4, ...]" for nv consecutive registers from a.
func regs(a, nv int) string {
	var s []string
	for i := 0; i < nv; i++ {
		s = append(s, fmt.Sprintf("V%d.S4", a+i))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-check" {
		// print the encodings for a comparison with llvm-mc
		fadd(0, 1, 2)
		fsub(3, 4, 5)
		fmul(6, 7, 8)
		fdiv(9, 10, 11)
		fmla(12, 13, 14)
		vand(15, 16, 17)
		vbic(18, 19, 20)
		fcmgtz(21, 22)
		fcmlez(23, 24)
		fsqrt(25, 26)
		fmlaElem(27, 28, 29, 3)
		fmlaElem(8, 2, 1, 2)
		fmulElem(30, 31, 0, 1)
		trn1s(0, 1, 2)
		trn2s(3, 4, 5)
		trn1d(6, 7, 8)
		trn2d(9, 10, 11)
		fneg(1, 2)
		fabs(3, 4)
		frintn(5, 6)
		fcvtzs(7, 8)
		fmin(9, 10, 11)
		fmax(12, 13, 14)
		fmls(15, 16, 17)
		iadd(18, 19, 20)
		isub(21, 22, 23)
		fcmeq(24, 25, 26)
		fcmgt(27, 28, 29)
		vorr(30, 31, 0)
		vbit(1, 2, 3)
		vbif(4, 5, 6)
		sshr1(7, 8)
		shl23(9, 10)
		fmt.Print(sb.String())
		return
	}
	sb.WriteString("// Code generated by neon_gen.go; DO NOT EDIT.\n\n//go:build !purego && arm64\n\n#include \"textflag.h\"\n")

	for _, op := range []struct {
		name string
		f    func(d, n, m int)
	}{{"add", fadd}, {"sub", fsub}, {"mul", fmul}, {"div", fdiv}} {
		name := op.name + "VVNEON"
		header("(dst, a, b *float32, n int)", name, 32)
		p("MOVD dst+0(FP), R0")
		p("MOVD a+8(FP), R1")
		p("MOVD b+16(FP), R2")
		p("MOVD n+24(FP), R3")
		loop4(name, func(nv int) {
			p("VLD1.P %d(R1), %s", 16*nv, regs(0, nv))
			p("VLD1.P %d(R2), %s", 16*nv, regs(4, nv))
			for u := 0; u < nv; u++ {
				op.f(u, u, 4+u)
			}
			p("VST1.P %s, %d(R0)", regs(0, nv), 16*nv)
		})
	}
	for _, op := range []struct {
		name string
		f    func(d, n, m int)
	}{{"add", fadd}, {"mul", fmul}} {
		name := op.name + "VSNEON"
		header("(dst, a *float32, s float32, n int)", name, 32)
		p("MOVD dst+0(FP), R0")
		p("MOVD a+8(FP), R1")
		p("FMOVS s+16(FP), F9")
		p("VDUP V9.S[0], V9.S4")
		p("MOVD n+24(FP), R3")
		loop4(name, func(nv int) {
			p("VLD1.P %d(R1), %s", 16*nv, regs(0, nv))
			for u := 0; u < nv; u++ {
				op.f(u, u, 9)
			}
			p("VST1.P %s, %d(R0)", regs(0, nv), 16*nv)
		})
	}
	header("(y *float32, alpha float32, x *float32, n int)", "axpyNEON", 32)
	p("MOVD y+0(FP), R0")
	p("FMOVS alpha+8(FP), F9")
	p("VDUP V9.S[0], V9.S4")
	p("MOVD x+16(FP), R1")
	p("MOVD n+24(FP), R3")
	loop4("axpyNEON", func(nv int) {
		p("VLD1.P %d(R1), %s", 16*nv, regs(0, nv))
		p("VLD1 (R0), %s", regs(4, nv))
		for u := 0; u < nv; u++ {
			fmla(4+u, u, 9)
		}
		p("VST1.P %s, %d(R0)", regs(4, nv), 16*nv)
	})

	// dx = dy where y > 0, else +0
	header("(dx, dy, y *float32, n int)", "reluBackwardNEON", 32)
	p("MOVD dx+0(FP), R0")
	p("MOVD dy+8(FP), R1")
	p("MOVD y+16(FP), R2")
	p("MOVD n+24(FP), R3")
	loop4("reluBackwardNEON", func(nv int) {
		p("VLD1.P %d(R2), %s", 16*nv, regs(0, nv))
		p("VLD1.P %d(R1), %s", 16*nv, regs(4, nv))
		for u := 0; u < nv; u++ {
			fcmgtz(u, u)
			vand(u, u, 4+u)
		}
		p("VST1.P %s, %d(R0)", regs(0, nv), 16*nv)
	})

	// epilogue over m rows of n (a multiple of 4) columns: + bias, then
	// ReLU keeping x > 0 and NaN.
	header("(c *float32, ldc, m, n int, bias *float32, relu bool)", "epilogueNEON", 41)
	p("MOVD c+0(FP), R0")
	p("MOVD ldc+8(FP), R4")
	p("LSL $2, R4")
	p("MOVD m+16(FP), R5")
	p("MOVD n+24(FP), R6")
	p("MOVD bias+32(FP), R7")
	p("MOVBU relu+40(FP), R8")
	label("epn_row")
	p("CBZ R5, epn_done")
	p("MOVD R0, R1")
	p("MOVD R7, R2")
	p("MOVD R6, R3")
	label("epn_col")
	p("CBZ R3, epn_next")
	p("VLD1 (R1), [V0.S4]")
	p("CBZ R2, epn_nobias")
	p("VLD1.P 16(R2), [V1.S4]")
	fadd(0, 0, 1)
	label("epn_nobias")
	p("CBZ R8, epn_store")
	fcmlez(2, 0)
	vbic(0, 0, 2)
	label("epn_store")
	p("VST1.P [V0.S4], 16(R1)")
	p("SUB $4, R3")
	p("B epn_col")
	label("epn_next")
	p("ADD R4, R0")
	p("SUB $1, R5")
	p("B epn_row")
	label("epn_done")
	p("RET")

	// Adam, in adamUpdateRef's order without fused operations.
	header("(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)", "adamNEON", 56)
	p("MOVD p+0(FP), R0")
	p("MOVD grad+8(FP), R1")
	p("MOVD m+16(FP), R2")
	p("MOVD v+24(FP), R4")
	p("MOVD n+32(FP), R3")
	for i, a := range []string{"alpha+40(FP)", "c1+44(FP)", "c2+48(FP)", "eps+52(FP)"} {
		p("FMOVS %s, F%d", a, 20+i)
		p("VDUP V%d.S[0], V%d.S4", 20+i, 20+i)
	}
	label("adn_loop")
	p("CBZ R3, adn_done")
	p("VLD1.P 16(R1), [V0.S4]") // g
	p("VLD1 (R2), [V1.S4]")     // m
	p("VLD1 (R4), [V2.S4]")     // v
	p("VLD1 (R0), [V3.S4]")     // p
	fsub(4, 0, 1)
	fmul(4, 4, 21)
	fadd(1, 1, 4) // m + (g-m)·c1
	fmul(5, 0, 0)
	fsub(5, 5, 2)
	fmul(5, 5, 22)
	fadd(2, 2, 5) // v + (g²-v)·c2
	fsqrt(6, 2)
	fadd(6, 6, 23)
	fmul(7, 20, 1)
	fdiv(7, 7, 6)
	fsub(3, 3, 7)
	p("VST1.P [V1.S4], 16(R2)")
	p("VST1.P [V2.S4], 16(R4)")
	p("VST1.P [V3.S4], 16(R0)")
	p("SUB $4, R3")
	p("B adn_loop")
	label("adn_done")
	p("RET")

	optim()
	maxPool2()
	segs()
	gemm()
	packTrans()
	sigmoidTanh()
	if err := os.WriteFile("neon_arm64.s", []byte(sb.String()), 0o644); err != nil {
		panic(err)
	}
}

// gemm writes sgemmKernelNEON, the 8×12 micro-kernel: 24 accumulators
// V8..V31 (row i in V(8+3i)..V(10+3i)), A in V0, V1 (rows 0-3, 4-7), B in
// V2..V4; per depth step 24 FMLAs by element.
//
//	for p < k: acc[i][j] += a[p*8+i] * b[p*12+j]
//	C[i*ldc+j] = alpha*acc[i][j] + beta*C[i*ldc+j]   (C not read when beta == 0)
func gemm() {
	header("(k int, a, b, c *float32, ldc int, alpha, beta float32)", "sgemmKernelNEON", 48)
	p("MOVD k+0(FP), R3")
	p("MOVD a+8(FP), R1")
	p("MOVD b+16(FP), R2")
	p("MOVD c+24(FP), R0")
	p("MOVD ldc+32(FP), R4")
	p("LSL $2, R4")
	for r := 8; r < 32; r++ {
		p("VEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
	}
	label("sgn_loop")
	p("VLD1.P 32(R1), [V0.S4, V1.S4]")
	p("VLD1.P 48(R2), [V2.S4, V3.S4, V4.S4]")
	for i := 0; i < 8; i++ {
		for v := 0; v < 3; v++ {
			fmlaElem(8+3*i+v, 2+v, i/4, i%4)
		}
	}
	p("SUBS $1, R3")
	p("BNE sgn_loop")
	p("FMOVS alpha+40(FP), F0")
	p("FMOVS beta+44(FP), F1")
	p("FMOVS F1, R5")
	p("ANDW $0x7fffffff, R5")
	p("CBZW R5, sgn_nobeta")
	for i := 0; i < 8; i++ {
		p("VLD1 (R0), [V2.S4, V3.S4, V4.S4]")
		for v := 0; v < 3; v++ {
			fmulElem(8+3*i+v, 8+3*i+v, 0, 0)
			fmlaElem(8+3*i+v, 2+v, 1, 0)
		}
		p("VST1 %s, (R0)", regs(8+3*i, 3))
		p("ADD R4, R0")
	}
	p("RET")
	label("sgn_nobeta")
	for i := 0; i < 8; i++ {
		for v := 0; v < 3; v++ {
			fmulElem(8+3*i+v, 8+3*i+v, 0, 0)
		}
		p("VST1 %s, (R0)", regs(8+3*i, 3))
		p("ADD R4, R0")
	}
	p("RET")
}

// packTrans writes packTransNEON, which transposes 4×4 blocks:
//
//	for c < 4*chunks, i < 4: dst[c*w+i] = src[i*ld+c] (i < rows), 0 (i >= rows)
//
// 1 <= rows <= 4, chunks >= 1.
func packTrans() {
	header("(dst *float32, w int, src *float32, ld, rows, chunks int)", "packTransNEON", 48)
	p("MOVD dst+0(FP), R0")
	p("MOVD w+8(FP), R2")
	p("LSL $2, R2")
	p("MOVD src+16(FP), R1")
	p("MOVD ld+24(FP), R4")
	p("LSL $2, R4")
	p("MOVD rows+32(FP), R5")
	p("MOVD chunks+40(FP), R3")
	label("ptn_loop")
	p("MOVD R1, R6")
	p("VLD1 (R6), [V0.S4]")
	for i := 1; i < 4; i++ {
		p("CMP $%d, R5", i)
		p("BEQ ptn_zero%d", i)
		p("ADD R4, R6")
		p("VLD1 (R6), [V%d.S4]", i)
	}
	p("B ptn_loaded")
	for i := 1; i < 4; i++ {
		label(fmt.Sprintf("ptn_zero%d", i))
		p("VEOR V%d.B16, V%d.B16, V%d.B16", i, i, i)
	}
	label("ptn_loaded")
	trn1s(4, 0, 1)
	trn2s(5, 0, 1)
	trn1s(6, 2, 3)
	trn2s(7, 2, 3)
	trn1d(0, 4, 6) // column 0
	trn1d(1, 5, 7) // column 1
	trn2d(2, 4, 6) // column 2
	trn2d(3, 5, 7) // column 3
	for j := 0; j < 4; j++ {
		p("VST1 [V%d.S4], (R0)", j)
		p("ADD R2, R0")
	}
	p("ADD $16, R1")
	p("SUBS $1, R3")
	p("BNE ptn_loop")
	p("RET")
}

// neonConsts is the constant table of sigmoidNEON and tanhNEON, loaded into
// V16..V31 and V12..V15 (the same constants as the AVX-512 kernels).
var neonConsts = []uint32{
	0x3fb8aa3b, 0x3f317200, 0x35bfbe8e, // V16 log2 e, V17 ln2 hi, V18 ln2 lo
	0x39500d01, 0x3ab60b61, 0x3c088889, 0x3d2aaaab, 0x3e2aaaab, 0x3f000000, // V19..V24 p7..p2
	0x3f800000, 0x42b00000, 0xc2b00000, 0x40000000, 0x3e800000, // V25 1, V26 88, V27 -88, V28 2, V29 0.25
	127, 0x80000000, // V30 exponent bias, V31 sign bit
	0x3cb327a4, 0xbd5d0dd1, 0x3e088889, 0xbeaaaaab, // V12..V15 tanh Taylor t3..t0
}

// expm sets V4 = e^V1 for V1 in [-88, 88] (temporaries V2, V3, V10, V11):
// n = round(V1·log2 e), r = V1 - n·ln 2, V4 = p(r)·2^n, 2^n applied as two
// exact power-of-two factors.
func expm() {
	fmul(2, 1, 16)
	frintn(2, 2)
	vmov(3, 1)
	fmls(3, 2, 17)
	fmls(3, 2, 18)
	vmov(4, 19)
	for _, c := range []int{20, 21, 22, 23, 24, 25, 25} {
		vmov(11, c)
		fmla(11, 4, 3) // c + V4·r, fused
		vmov(4, 11)
	}
	fcvtzs(10, 2)
	sshr1(11, 10)
	isub(10, 10, 11)
	iadd(11, 11, 30)
	iadd(10, 10, 30)
	shl23(11, 11)
	shl23(10, 10)
	fmul(4, 4, 11)
	fmul(4, 4, 10)
}

// sigmoidTanh writes sigmoidNEON and tanhNEON over n (a multiple of 4)
// floats; NaN inputs pass through.
func sigmoidTanh() {
	sb.WriteString("\n")
	for i, v := range neonConsts {
		for l := 0; l < 4; l++ {
			fmt.Fprintf(&sb, "DATA neonc<>+%d(SB)/4, $0x%08x\n", 16*i+4*l, v)
		}
	}
	fmt.Fprintf(&sb, "GLOBL neonc<>(SB), RODATA|NOPTR, $%d\n", 16*len(neonConsts))
	for _, tanh := range []bool{false, true} {
		name := "sigmoidNEON"
		if tanh {
			name = "tanhNEON"
		}
		header("(dst, x *float32, n int)", name, 24)
		p("MOVD dst+0(FP), R0")
		p("MOVD x+8(FP), R1")
		p("MOVD n+16(FP), R3")
		p("MOVD $neonc<>(SB), R9")
		p("VLD1.P 64(R9), [V16.S4, V17.S4, V18.S4, V19.S4]")
		p("VLD1.P 64(R9), [V20.S4, V21.S4, V22.S4, V23.S4]")
		p("VLD1.P 64(R9), [V24.S4, V25.S4, V26.S4, V27.S4]")
		p("VLD1.P 64(R9), [V28.S4, V29.S4, V30.S4, V31.S4]")
		p("VLD1 (R9), [V12.S4, V13.S4, V14.S4, V15.S4]")
		label(name + "_loop")
		p("CBZ R3, %s_done", name)
		p("VLD1.P 16(R1), [V0.S4]")
		if !tanh {
			fneg(1, 0)
			fmin(1, 1, 26)
			fmax(1, 1, 27)
			expm()
			fadd(4, 4, 25)
			fdiv(5, 25, 4)
		} else {
			fabs(6, 0)
			fadd(1, 6, 6)
			fmin(1, 1, 26)
			expm()
			fadd(4, 4, 25)
			fdiv(5, 28, 4)
			fsub(5, 25, 5)
			vand(7, 0, 31)
			vorr(5, 5, 7)
			fmul(8, 0, 0)
			vmov(9, 12)
			for _, c := range []int{13, 14, 15} {
				vmov(11, c)
				fmla(11, 9, 8)
				vmov(9, 11)
			}
			fmul(9, 8, 9)
			vmov(11, 0)
			fmla(11, 9, 0)  // x + x·z·poly
			fcmgt(7, 29, 6) // |x| < 0.25
			vbit(5, 11, 7)
		}
		fcmeq(7, 0, 0)
		vbif(5, 0, 7) // NaN: x
		p("VST1.P [V5.S4], 16(R0)")
		p("SUB $4, R3")
		p("B %s_loop", name)
		label(name + "_done")
		p("RET")
	}
}

// optim writes the optimizer updates other than Adam: SGD, momentum (plain
// and Nesterov), Adagrad and RMSprop (without and with the momentum slot),
// each in its reference's order without fused operations (sgdRef,
// momentumRef, adagradRef, rmspropRef), 4 elements per step. Scalars are
// broadcast into V20 and up; R3 counts the elements (a multiple of 4).
func optim() {
	scalars := func(names ...string) {
		for i, a := range names {
			p("FMOVS %s, F%d", a, 20+i)
			p("VDUP V%d.S[0], V%d.S4", 20+i, 20+i)
		}
	}
	loop := func(name string, body func()) {
		label(name + "_loop")
		p("CBZ R3, %s_done", name)
		body()
		p("SUB $4, R3")
		p("B %s_loop", name)
		label(name + "_done")
		p("RET")
	}

	// p -= lr·g
	header("(p, grad *float32, n int, lr float32)", "sgdNEON", 28)
	p("MOVD p+0(FP), R0")
	p("MOVD grad+8(FP), R1")
	p("MOVD n+16(FP), R3")
	scalars("lr+24(FP)")
	loop("sgdn", func() {
		p("VLD1.P 16(R1), [V0.S4]")
		p("VLD1 (R0), [V1.S4]")
		fmul(0, 0, 20)
		fsub(1, 1, 0)
		p("VST1.P [V1.S4], 16(R0)")
	})

	// m = momentum·m - lr·g; p += m (plain) or p += momentum·m - lr·g
	for _, nest := range []bool{false, true} {
		name, l := "momentumNEON", "momn"
		if nest {
			name, l = "nesterovNEON", "nesn"
		}
		header("(p, grad, m *float32, n int, lr, momentum float32)", name, 40)
		p("MOVD p+0(FP), R0")
		p("MOVD grad+8(FP), R1")
		p("MOVD m+16(FP), R2")
		p("MOVD n+24(FP), R3")
		scalars("lr+32(FP)", "momentum+36(FP)")
		loop(l, func() {
			p("VLD1.P 16(R1), [V0.S4]") // g
			p("VLD1 (R2), [V1.S4]")     // m
			p("VLD1 (R0), [V2.S4]")     // p
			fmul(0, 0, 20)              // lr·g
			fmul(1, 1, 21)
			fsub(1, 1, 0) // new m
			if nest {
				fmul(3, 1, 21)
				fsub(3, 3, 0)
				fadd(2, 2, 3)
			} else {
				fadd(2, 2, 1)
			}
			p("VST1.P [V1.S4], 16(R2)")
			p("VST1.P [V2.S4], 16(R0)")
		})
	}

	// acc += g²; p -= lr·g / sqrt(acc + eps)
	header("(p, grad, acc *float32, n int, lr, eps float32)", "adagradNEON", 40)
	p("MOVD p+0(FP), R0")
	p("MOVD grad+8(FP), R1")
	p("MOVD acc+16(FP), R2")
	p("MOVD n+24(FP), R3")
	scalars("lr+32(FP)", "eps+36(FP)")
	loop("adgn", func() {
		p("VLD1.P 16(R1), [V0.S4]") // g
		p("VLD1 (R2), [V1.S4]")     // acc
		p("VLD1 (R0), [V2.S4]")     // p
		fmul(3, 0, 0)
		fadd(1, 1, 3)
		fadd(4, 1, 21)
		fsqrt(4, 4)
		fmul(5, 0, 20)
		fdiv(5, 5, 4)
		fsub(2, 2, 5)
		p("VST1.P [V1.S4], 16(R2)")
		p("VST1.P [V2.S4], 16(R0)")
	})

	// v = rho·v + (c·g)·g; inc = lr·g / sqrt(v + eps);
	// mom = momentum·mom + inc (with the slot); p -= inc (or mom)
	for _, withMom := range []bool{false, true} {
		if withMom {
			header("(p, grad, v, mom *float32, n int, lr, rho, c, momentum, eps float32)", "rmspropMomNEON", 60)
			p("MOVD mom+24(FP), R4")
			p("MOVD n+32(FP), R3")
			scalars("lr+40(FP)", "rho+44(FP)", "c+48(FP)", "eps+56(FP)", "momentum+52(FP)")
		} else {
			header("(p, grad, v *float32, n int, lr, rho, c, eps float32)", "rmspropNEON", 48)
			p("MOVD n+24(FP), R3")
			scalars("lr+32(FP)", "rho+36(FP)", "c+40(FP)", "eps+44(FP)")
		}
		p("MOVD p+0(FP), R0")
		p("MOVD grad+8(FP), R1")
		p("MOVD v+16(FP), R2")
		l := "rmsn"
		if withMom {
			l = "rmmn"
		}
		loop(l, func() {
			p("VLD1.P 16(R1), [V0.S4]") // g
			p("VLD1 (R2), [V1.S4]")     // v
			p("VLD1 (R0), [V2.S4]")     // p
			fmul(1, 1, 21)
			fmul(3, 0, 22)
			fmul(3, 3, 0)
			fadd(1, 1, 3) // new v
			fadd(4, 1, 23)
			fsqrt(4, 4)
			fmul(5, 0, 20)
			fdiv(5, 5, 4) // inc
			if withMom {
				p("VLD1 (R4), [V6.S4]")
				fmul(6, 6, 24)
				fadd(5, 5, 6)
				p("VST1.P [V5.S4], 16(R4)")
			}
			fsub(2, 2, 5)
			p("VST1.P [V1.S4], 16(R2)")
			p("VST1.P [V2.S4], 16(R0)")
		})
	}
}

// maxPool2 writes maxPool2NEON and maxPool2BackNEON, the 2×2 max-pool row
// kernels (references maxPool2x2RowRef and maxPool2x2RowBackwardRef; c a
// multiple of 4). The forward keeps a running maximum that a later tap
// replaces only when strictly greater (FCMGT + BIT; FMAX would propagate
// a later NaN). The backward routes dy to the first tap equal to y, or to
// the first tap when y is NaN, with masks: X holds the lanes no earlier tap
// has claimed (initially y == y and tap0 != y).
func maxPool2() {
	header("(dst, r0, r1 *float32, ow, c int)", "maxPool2NEON", 40)
	p("MOVD dst+0(FP), R0")
	p("MOVD r0+8(FP), R1")
	p("MOVD r1+16(FP), R2")
	p("MOVD ow+24(FP), R3")
	p("MOVD c+32(FP), R4")
	p("LSL $2, R4")     // c in bytes
	p("LSL $1, R4, R8") // 2c in bytes
	label("mp2n_px")
	p("CBZ R3, mp2n_done")
	p("MOVD $0, R5")
	label("mp2n_ch")
	p("CMP R4, R5")
	p("BGE mp2n_next")
	p("ADD R5, R1, R6")
	p("VLD1 (R6), [V0.S4]")
	p("ADD R4, R6")
	p("VLD1 (R6), [V1.S4]")
	p("ADD R5, R2, R6")
	p("VLD1 (R6), [V2.S4]")
	p("ADD R4, R6")
	p("VLD1 (R6), [V3.S4]")
	for t := 1; t < 4; t++ {
		fcmgt(4, t, 0)
		vbit(0, t, 4)
	}
	p("ADD R5, R0, R6")
	p("VST1 [V0.S4], (R6)")
	p("ADD $16, R5")
	p("B mp2n_ch")
	label("mp2n_next")
	p("ADD R4, R0")
	p("ADD R8, R1")
	p("ADD R8, R2")
	p("SUB $1, R3")
	p("B mp2n_px")
	label("mp2n_done")
	p("RET")

	header("(dx0, dx1, x0, x1, y, dy *float32, ow, c int)", "maxPool2BackNEON", 64)
	p("MOVD dx0+0(FP), R0")
	p("MOVD dx1+8(FP), R1")
	p("MOVD x0+16(FP), R2")
	p("MOVD x1+24(FP), R3")
	p("MOVD y+32(FP), R10")
	p("MOVD dy+40(FP), R11")
	p("MOVD ow+48(FP), R9")
	p("MOVD c+56(FP), R4")
	p("LSL $2, R4")
	p("LSL $1, R4, R8")
	label("mb2n_px")
	p("CBZ R9, mb2n_done")
	p("MOVD $0, R5")
	label("mb2n_ch")
	p("CMP R4, R5")
	p("BGE mb2n_next")
	p("ADD R5, R10, R6")
	p("VLD1 (R6), [V8.S4]") // y
	p("ADD R5, R11, R6")
	p("VLD1 (R6), [V9.S4]") // dy
	p("ADD R5, R2, R6")
	p("VLD1 (R6), [V0.S4]")
	p("ADD R4, R6")
	p("VLD1 (R6), [V1.S4]")
	p("ADD R5, R3, R6")
	p("VLD1 (R6), [V2.S4]")
	p("ADD R4, R6")
	p("VLD1 (R6), [V3.S4]")
	for t := 0; t < 4; t++ {
		fcmeq(4+t, t, 8) // tap == y
	}
	fcmeq(10, 8, 8) // y is not NaN
	vbic(10, 10, 4) // X: not claimed by tap 0
	vbic(4, 9, 10)  // g0 = dy where tap 0 claims
	for t := 1; t < 4; t++ {
		vand(4+t, 4+t, 10) // tap t claims what is left and equal
		if t < 3 {
			vbic(10, 10, 4+t)
		}
		vand(4+t, 4+t, 9)
	}
	p("ADD R5, R0, R6")
	p("VST1 [V4.S4], (R6)")
	p("ADD R4, R6")
	p("VST1 [V5.S4], (R6)")
	p("ADD R5, R1, R6")
	p("VST1 [V6.S4], (R6)")
	p("ADD R4, R6")
	p("VST1 [V7.S4], (R6)")
	p("ADD $16, R5")
	p("B mb2n_ch")
	label("mb2n_next")
	p("ADD R4, R10")
	p("ADD R4, R11")
	p("ADD R8, R0")
	p("ADD R8, R1")
	p("ADD R8, R2")
	p("ADD R8, R3")
	p("SUB $1, R9")
	p("B mb2n_px")
	label("mb2n_done")
	p("RET")
}

// segs writes copySegsNEON and addSegsNEON, the segment loops of Im2col
// and Col2im (references in their doc comments in neon_arm64.go): n
// segments of l floats, 4 at a time, then one at a time, in segment order
// (Col2im's destination segments overlap).
func segs() {
	for _, add := range []bool{false, true} {
		name, pre := "copySegsNEON", "csn"
		if add {
			name, pre = "addSegsNEON", "asn"
		}
		header("(dst, src *float32, n, l, ds, ss int)", name, 48)
		p("MOVD dst+0(FP), R0")
		p("MOVD src+8(FP), R1")
		p("MOVD n+16(FP), R3")
		p("MOVD l+24(FP), R4")
		p("MOVD ds+32(FP), R8")
		p("MOVD ss+40(FP), R9")
		p("LSL $2, R8")
		p("LSL $2, R9")
		label(pre + "_seg")
		p("CBZ R3, %s_done", pre)
		p("MOVD R0, R6")
		p("MOVD R1, R7")
		p("MOVD R4, R12")
		label(pre + "_vec")
		p("CMP $4, R12")
		p("BLT %s_tail", pre)
		p("VLD1.P 16(R7), [V0.S4]")
		if add {
			p("VLD1 (R6), [V1.S4]")
			fadd(0, 1, 0)
		}
		p("VST1.P [V0.S4], 16(R6)")
		p("SUB $4, R12")
		p("B %s_vec", pre)
		label(pre + "_tail")
		p("CBZ R12, %s_next", pre)
		p("FMOVS (R7), F0")
		p("ADD $4, R7")
		if add {
			p("FMOVS (R6), F1")
			p("FADDS F0, F1, F0")
		}
		p("FMOVS F0, (R6)")
		p("ADD $4, R6")
		p("SUB $1, R12")
		p("B %s_tail", pre)
		label(pre + "_next")
		p("ADD R8, R0")
		p("ADD R9, R1")
		p("SUB $1, R3")
		p("B %s_seg", pre)
		label(pre + "_done")
		p("RET")
	}
}
