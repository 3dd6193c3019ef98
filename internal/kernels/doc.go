// Package kernels holds tensile's hot loops: GEMM, convolution helpers,
// pooling and element-wise kernels.
//
// A kernel takes slices, sizes and strides; it never sees a Tensor. The
// destination comes first for element-wise kernels, as in copy(dst, src);
// GEMM keeps the BLAS argument order. Every SIMD kernel has a pure-Go
// reference that is always compiled and that tests compare against; the
// purego build tag forces the references. The implementation is chosen at
// run time with golang.org/x/sys/cpu.
//
// Kernels panic on inconsistent sizes: callers (package tensor) validate
// shapes and report them to users with typed errors first.
package kernels
