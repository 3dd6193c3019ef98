//go:build !purego && amd64

package kernels

//go:noescape
func reluBackwardAVX512(dx, dy, y *float32, n int)

//go:noescape
func sumRowsAVX512(dst, src *float32, rows, f int)

//go:noescape
func maxPool2AVX512(dst, r0, r1 *float32, ow, c int)

//go:noescape
func maxPool2BackAVX512(dx0, dx1, x0, x1, y, dy *float32, ow, c int)

//go:noescape
func epilogueAVX512(c *float32, ldc, m, n int, bias *float32, relu bool)

//go:noescape
func conv3x3c1AVX512(out, x, w, bias *float32, ws, ow, oh, f int, relu bool)

//go:noescape
func conv3x3c1GradAVX512(dw, db, x, dy, y *float32, ws, ow, oh, f int)

//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)

//go:noescape
func copySegsAVX512(dst, src *float32, n, l, ds, ss int)

//go:noescape
func addSegsAVX512(dst, src *float32, n, l, ds, ss int)
