//go:build purego || !(amd64 || arm64)

package kernels

// archTiers lists no SIMD tier: this build runs the pure-Go kernels.
func archTiers() []*simdTable { return nil }
