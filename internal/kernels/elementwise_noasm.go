//go:build purego || !amd64

package kernels

// useSIMD is false: this build has only the pure-Go slice kernels.
const useSIMD = false

func addVVAVX512(dst, a, b *float32, n int)                   { panic("kernels: no SIMD") }
func subVVAVX512(dst, a, b *float32, n int)                   { panic("kernels: no SIMD") }
func mulVVAVX512(dst, a, b *float32, n int)                   { panic("kernels: no SIMD") }
func divVVAVX512(dst, a, b *float32, n int)                   { panic("kernels: no SIMD") }
func addVSAVX512(dst, a *float32, s float32, n int)           { panic("kernels: no SIMD") }
func mulVSAVX512(dst, a *float32, s float32, n int)           { panic("kernels: no SIMD") }
func axpyAVX512(y *float32, alpha float32, x *float32, n int) { panic("kernels: no SIMD") }
func sumAVX512(x *float32, n int, out *[16]float32)           { panic("kernels: no SIMD") }
