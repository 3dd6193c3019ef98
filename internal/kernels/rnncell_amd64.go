//go:build !purego && amd64

package kernels

//go:noescape
func sigmoidAVX512(dst, x *float32, n int)

//go:noescape
func tanhAVX512(dst, x *float32, n int)
