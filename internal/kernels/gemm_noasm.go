//go:build purego || !amd64

package kernels

// gemmKernels lists the micro-kernels this build can run, fastest first.
var gemmKernels = []*gemmKernel{gemmKernelGo}

var gemmDefault = gemmKernels[0]

// packTransFast reports false: this build has no fast packing.
func packTransFast(panel []float32, w int, src []float32, off, ld, rows, kc int) bool {
	return false
}

// packCopyFast reports false: this build has no fast packing.
func packCopyFast(panel []float32, w int, src []float32, off, ld, cols, kc int) bool {
	return false
}

// prefetchFloats does nothing in this build.
func prefetchFloats(p *float32, n int) {}
