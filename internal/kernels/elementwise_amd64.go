//go:build !purego && amd64

package kernels

//go:noescape
func addVVAVX512(dst, a, b *float32, n int)

//go:noescape
func subVVAVX512(dst, a, b *float32, n int)

//go:noescape
func mulVVAVX512(dst, a, b *float32, n int)

//go:noescape
func divVVAVX512(dst, a, b *float32, n int)

//go:noescape
func addVSAVX512(dst, a *float32, s float32, n int)

//go:noescape
func mulVSAVX512(dst, a *float32, s float32, n int)

//go:noescape
func axpyAVX512(y *float32, alpha float32, x *float32, n int)

//go:noescape
func sumAVX512(x *float32, n int, out *[16]float32)
