//go:build purego || !amd64

package kernels

func sigmoidAVX512(dst, x *float32, n int) { panic("kernels: no SIMD") }
func tanhAVX512(dst, x *float32, n int)    { panic("kernels: no SIMD") }
