//go:build !purego && amd64

package kernels

import "golang.org/x/sys/cpu"

// avx512Table holds the AVX-512 kernels (elementwise_amd64.s,
// perf_amd64.s, rnncell_amd64.s and gemm_amd64.s).
var avx512Table = &simdTable{
	name:  "avx512",
	addVV: addVVAVX512, subVV: subVVAVX512, mulVV: mulVVAVX512, divVV: divVVAVX512,
	addVS: addVSAVX512, mulVS: mulVSAVX512,
	axpy: axpyAVX512, sum: sumAVX512,
	reluBackward: reluBackwardAVX512,
	chanAlign:    16,
	sumRows:      sumRowsAVX512, maxPool2: maxPool2AVX512, maxPool2Back: maxPool2BackAVX512,
	epilogue:   epilogueAVX512,
	conv1Align: 32, conv3x3c1: conv3x3c1AVX512, conv3x3c1Grad: conv3x3c1GradAVX512,
	adam:     adamAVX512,
	copySegs: copySegsAVX512, addSegs: addSegsAVX512,
	sigmoid: sigmoidAVX512, tanh: tanhAVX512,
	gemm: gemmKernelAVX512,
}

// avx2Table holds the AVX2+FMA kernels.
var avx2Table = &simdTable{
	name:  "avx2",
	addVV: addVVAVX2, subVV: subVVAVX2, mulVV: mulVVAVX2, divVV: divVVAVX2,
	addVS: addVSAVX2, mulVS: mulVSAVX2,
	axpy: axpyAVX2, sum: sumAVX2,
	reluBackward: reluBackwardAVX2,
	chanAlign:    8,
	sumRows:      sumRowsAVX2, maxPool2: maxPool2AVX2, maxPool2Back: maxPool2BackAVX2,
	epilogue:   epilogueAVX2,
	conv1Align: 8, conv3x3c1: conv3x3c1AVX2, conv3x3c1Grad: conv3x3c1GradAVX2,
	adam:     adamAVX2,
	copySegs: copySegsAVX2, addSegs: addSegsAVX2,
	sigmoid: sigmoidAVX2, tanh: tanhAVX2,
	gemm: gemmKernelAVX2,
}

// archTiers lists the amd64 tiers this CPU supports, fastest first.
func archTiers() []*simdTable {
	var ts []*simdTable
	if cpu.X86.HasAVX512F {
		ts = append(ts, avx512Table)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ts = append(ts, avx2Table)
	}
	return ts
}
