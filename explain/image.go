package explain

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// Heatmap reduces an attribution in the input's layout [H, W, C] (or
// [H, W]) to one non-negative value per pixel: Σ_c |a|, the usual
// saliency-map reduction.
func Heatmap(attr []float32, shape []int) (m []float32, h, w int, err error) {
	if len(shape) < 2 || len(shape) > 3 {
		return nil, 0, 0, fmt.Errorf("explain: a heatmap needs an image [H, W, C], not %v", shape)
	}
	h, w = shape[0], shape[1]
	c := 1
	if len(shape) == 3 {
		c = shape[2]
	}
	if len(attr) != h*w*c {
		return nil, 0, 0, fmt.Errorf("explain: %d attributions for shape %v", len(attr), shape)
	}
	m = make([]float32, h*w)
	for p := range m {
		for k := 0; k < c; k++ {
			m[p] += float32(math.Abs(float64(attr[p*c+k])))
		}
	}
	return m, h, w, nil
}

// normalise maps v linearly onto [0, 1] (all zeros when v is constant).
func normalise(v []float32) []float32 {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	out := make([]float32, len(v))
	if !(hi > lo) {
		return out
	}
	for i, x := range v {
		out[i] = (x - lo) / (hi - lo)
	}
	return out
}

// heatColor maps t ∈ [0, 1] to a black–red–yellow–white ramp.
func heatColor(t float32) (r, g, b float32) {
	t = min(max(t, 0), 1)
	return min(3*t, 1), min(max(3*t-1, 0), 1), min(max(3*t-2, 0), 1)
}

// HeatmapImage renders an h×w map as a colour image scaled up by scale,
// blended over an optional grayscale background of the same size (nil:
// none), e.g. the input digit.
func HeatmapImage(m []float32, h, w int, background []float32, scale int) *image.RGBA {
	scale = max(scale, 1)
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	t := normalise(m)
	var bg []float32
	if background != nil {
		bg = normalise(background)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b := heatColor(t[y*w+x])
			if bg != nil {
				// 60% heat, 40% background.
				v := bg[y*w+x]
				r, g, b = 0.6*r+0.4*v, 0.6*g+0.4*v, 0.6*b+0.4*v
			}
			c := color.RGBA{uint8(255 * r), uint8(255 * g), uint8(255 * b), 255}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetRGBA(x*scale+dx, y*scale+dy, c)
				}
			}
		}
	}
	return img
}

// Grid lays n tiles of h×w values out in a grayscale image with cols
// columns, each tile normalised to its own range, scaled up by scale and
// separated by a 1-pixel border.
func Grid(tiles [][]float32, h, w, cols, scale int) *image.Gray {
	n := len(tiles)
	cols = max(1, min(cols, n))
	rows := (n + cols - 1) / cols
	scale = max(scale, 1)
	tw, th := w*scale+1, h*scale+1
	img := image.NewGray(image.Rect(0, 0, cols*tw+1, rows*th+1))
	for i := range img.Pix {
		img.Pix[i] = 64 // border
	}
	for i, tile := range tiles {
		ox, oy := (i%cols)*tw+1, (i/cols)*th+1
		t := normalise(tile)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint8(255 * t[y*w+x])
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.SetGray(ox+x*scale+dx, oy+y*scale+dy, color.Gray{v})
					}
				}
			}
		}
	}
	return img
}

// FeatureMaps splits a layer's activations [H, W, C] into C tiles of H×W.
func FeatureMaps(act []float32, shape []int) (tiles [][]float32, h, w int, err error) {
	if len(shape) != 3 || len(act) != shape[0]*shape[1]*shape[2] {
		return nil, 0, 0, fmt.Errorf("explain: feature maps need activations [H, W, C], not %v", shape)
	}
	h, w = shape[0], shape[1]
	c := shape[2]
	tiles = make([][]float32, c)
	for k := range tiles {
		tiles[k] = make([]float32, h*w)
		for p := 0; p < h*w; p++ {
			tiles[k][p] = act[p*c+k]
		}
	}
	return tiles, h, w, nil
}

// Filters splits a conv kernel [KH, KW, CI, CO] (HWIO) into CO tiles of
// KH×KW, averaging over input channels.
func Filters(kernel []float32, shape []int) (tiles [][]float32, kh, kw int, err error) {
	if len(shape) != 4 || len(kernel) != shape[0]*shape[1]*shape[2]*shape[3] {
		return nil, 0, 0, fmt.Errorf("explain: conv filters need a kernel [KH, KW, CI, CO], not %v", shape)
	}
	kh, kw = shape[0], shape[1]
	ci, co := shape[2], shape[3]
	tiles = make([][]float32, co)
	for o := range tiles {
		tiles[o] = make([]float32, kh*kw)
		for p := 0; p < kh*kw; p++ {
			for i := 0; i < ci; i++ {
				tiles[o][p] += kernel[(p*ci+i)*co+o] / float32(ci)
			}
		}
	}
	return tiles, kh, kw, nil
}

// WritePNG encodes img as PNG to w.
func WritePNG(w io.Writer, img image.Image) error { return png.Encode(w, img) }
