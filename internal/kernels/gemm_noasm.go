//go:build purego || !amd64

package kernels

// prefetchFloats does nothing in this build.
func prefetchFloats(p *float32, n int) {}
