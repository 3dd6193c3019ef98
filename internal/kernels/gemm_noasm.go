//go:build purego || !amd64

package kernels

// gemmKernels lists the micro-kernels this build can run, fastest first.
var gemmKernels = []*gemmKernel{gemmKernelGo}

var gemmDefault = gemmKernels[0]
