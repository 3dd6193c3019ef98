// Package kernels holds tensile's hot loops: GEMM, convolution helpers,
// pooling and element-wise kernels.
//
// A kernel takes slices, sizes and strides; it never sees a Tensor. The
// destination comes first for element-wise kernels, as in copy(dst, src);
// GEMM keeps the BLAS argument order. Every SIMD kernel has a pure-Go
// reference that is always compiled and that tests compare against; the
// purego build tag forces the references.
//
// SIMD tiers: the fast kernels come in tiers (avx512 and avx2 on amd64,
// the latter needing AVX2+FMA; neon on arm64; generic, the pure-Go
// references, everywhere). One table of kernel functions per tier
// (simdTable, tier*.go) is chosen once at start-up with
// golang.org/x/sys/cpu: the fastest tier the CPU supports, or the one the
// TENSILE_SIMD environment variable names (avx512, avx2, neon, generic).
// Tier reports the active tier and TierError why a forced one is not in
// use. A nil table entry means the tier has no fast version of that kernel;
// callers then run the reference. Tests run every kernel on every tier the
// CPU supports.
//
// Kernels panic on inconsistent sizes: callers (package tensor) validate
// shapes and report them to users with typed errors first.
package kernels
