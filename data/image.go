package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tensile-ml/tensile/internal/limits"
)

// ImageOptions configures image loading.
type ImageOptions struct {
	// Height and Width are the size images are resized to, with bilinear
	// interpolation. Zero keeps an image's own size; LoadImageFolder then
	// resizes all images to the size of the first one it reads.
	Height, Width int
	// Grayscale converts images to one channel (ITU-R 601 luma, as PIL's
	// "L" mode); otherwise they have three channels, RGB.
	Grayscale bool
}

// Channels returns the number of channels images load with: 1 or 3.
func (o ImageOptions) Channels() int {
	if o.Grayscale {
		return 1
	}
	return 3
}

// imageExts are the file name extensions LoadImageFolder reads.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true}

// LoadImageFolder reads a labeled image dataset from root, which holds one
// sub-folder per class; the sorted folder names give the class ids and are
// returned (and recorded in Dataset.Classes). Each sub-folder's PNG and
// JPEG files (in sorted order; other files are skipped) become samples of
// shape [H, W, C] with values in [0, 1]. Errors name the file at fault.
func LoadImageFolder(root string, opt ImageOptions) (*Dataset, []string, error) {
	if opt.Height < 0 || opt.Width < 0 || (opt.Height == 0) != (opt.Width == 0) {
		return nil, nil, fmt.Errorf("data: LoadImageFolder: image size %dx%d: give both height and width, or neither", opt.Height, opt.Width)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, err
	}
	var classes []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			classes = append(classes, e.Name())
		}
	}
	if len(classes) == 0 {
		return nil, nil, fmt.Errorf("%s: no class sub-folders (want one folder of images per class)", root)
	}
	sort.Strings(classes)
	var x, y []float32
	var shape []int
	for id, class := range classes {
		dir := filepath.Join(root, class)
		files, err := os.ReadDir(dir)
		if err != nil {
			return nil, nil, err
		}
		before := len(y)
		for _, f := range files {
			name := f.Name()
			if f.IsDir() || strings.HasPrefix(name, ".") || !imageExts[strings.ToLower(filepath.Ext(name))] {
				continue
			}
			path := filepath.Join(dir, name)
			img, s, err := loadImage(path, opt)
			if err != nil {
				return nil, nil, err
			}
			if shape == nil {
				shape = s
				if opt.Height == 0 {
					// Keep the first image's size for all others.
					opt.Height, opt.Width = s[0], s[1]
				}
			}
			if int64(len(x))+int64(len(img)) > MaxElements {
				return nil, nil, fmt.Errorf("%s: the images hold more than %d values (the limit, data.MaxElements)", root, MaxElements)
			}
			x = append(x, img...)
			y = append(y, float32(id))
		}
		if len(y) == before {
			// A class without samples would silently shift nothing but
			// train a classifier that can never be right about it.
			return nil, nil, fmt.Errorf("%s: class folder %q has no .png or .jpg images", dir, class)
		}
	}
	if len(y) == 0 {
		return nil, nil, fmt.Errorf("%s: no .png or .jpg images in the class folders %s", root, strings.Join(classes, ", "))
	}
	ds, err := New(x, shape, y, nil)
	if err != nil {
		return nil, nil, err
	}
	ds.Classes = classes
	return ds, classes, nil
}

// LoadImage reads one PNG or JPEG image as [H, W, C] values in [0, 1]
// (see ImageOptions), e.g. to predict on it.
func LoadImage(path string, opt ImageOptions) ([]float32, error) {
	v, _, err := loadImage(path, opt)
	return v, err
}

func loadImage(path string, opt ImageOptions) ([]float32, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	v, shape, err := DecodeImage(bufio.NewReader(f), opt)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, shape, nil
}

// DecodeImage decodes a PNG or JPEG image from r into values in [0, 1] of
// shape [H, W, C] (returned), converted and resized as opt says. The
// image's size is read from its header first: more than MaxImagePixels
// pixels is an error before any pixel memory is allocated.
func DecodeImage(r io.Reader, opt ImageOptions) ([]float32, []int, error) {
	if opt.Height < 0 || opt.Width < 0 || (opt.Height == 0) != (opt.Width == 0) {
		return nil, nil, fmt.Errorf("image size %dx%d: give both height and width, or neither", opt.Height, opt.Width)
	}
	if _, err := limits.Product([]int{opt.Height, opt.Width}, MaxImagePixels); err != nil {
		return nil, nil, fmt.Errorf("resize to %dx%d: more than %d pixels (the limit, data.MaxImagePixels)", opt.Height, opt.Width, MaxImagePixels)
	}
	// Read the header through a buffer, then decode from the buffered
	// header followed by the rest of the stream.
	var head bytes.Buffer
	cfg, _, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, nil, errors.New("not a PNG or JPEG image")
		}
		return nil, nil, fmt.Errorf("corrupt image: %w", err)
	}
	if _, err := limits.Product([]int{cfg.Width, cfg.Height}, MaxImagePixels); err != nil {
		return nil, nil, fmt.Errorf("header says %dx%d pixels, more than %d (the limit, data.MaxImagePixels)", cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, nil, errors.New("not a PNG or JPEG image")
		}
		return nil, nil, fmt.Errorf("corrupt image: %w", err)
	}
	b := img.Bounds()
	h, w, c := b.Dy(), b.Dx(), opt.Channels()
	if h == 0 || w == 0 {
		return nil, nil, errors.New("empty image")
	}
	src := toFloat(img, c)
	if opt.Height == 0 || (opt.Height == h && opt.Width == w) {
		return src, []int{h, w, c}, nil
	}
	dst := make([]float32, opt.Height*opt.Width*c)
	ResizeBilinear(dst, opt.Height, opt.Width, src, h, w, c)
	return dst, []int{opt.Height, opt.Width, c}, nil
}

// toFloat converts img to HWC float32 values in [0, 1] with c channels
// (1: luma, 3: RGB). Transparent pixels are composited over black.
func toFloat(img image.Image, c int) []float32 {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	out := make([]float32, h*w*c)
	if g, ok := img.(*image.Gray); ok && c == 1 {
		for y := range h {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			for x, v := range row {
				out[y*w+x] = float32(v) / 255
			}
		}
		return out
	}
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			o := out[(y*w+x)*c:]
			if c == 1 {
				o[0] = luma(r, g, bl)
			} else {
				o[0] = float32(r) / 0xffff
				o[1] = float32(g) / 0xffff
				o[2] = float32(bl) / 0xffff
			}
		}
	}
	return out
}

// luma returns the ITU-R 601-2 luma of 16-bit RGB as a value in [0, 1].
func luma(r, g, b uint32) float32 {
	return float32((299*float64(r) + 587*float64(g) + 114*float64(b)) / (1000 * 0xffff))
}

// ResizeBilinear resizes the HWC image src (sh×sw×c) into dst (dh×dw×c)
// with bilinear interpolation using half-pixel centers (the convention of
// tf.image.resize and PyTorch's align_corners=False, without antialiasing):
// destination pixel (y, x) samples the source at ((y+0.5)·sh/dh − 0.5,
// (x+0.5)·sw/dw − 0.5), clamped to the image.
func ResizeBilinear(dst []float32, dh, dw int, src []float32, sh, sw, c int) {
	if len(dst) < dh*dw*c || len(src) < sh*sw*c {
		panic(fmt.Sprintf("data: ResizeBilinear: buffers of %d and %d values for %dx%dx%d and %dx%dx%d", len(dst), len(src), dh, dw, c, sh, sw, c))
	}
	type tap struct {
		i0, i1 int
		f      float32
	}
	taps := func(dn, sn int) []tap {
		t := make([]tap, dn)
		scale := float64(sn) / float64(dn)
		for i := range t {
			s := (float64(i)+0.5)*scale - 0.5
			s = math.Max(s, 0)
			i0 := min(int(s), sn-1)
			i1 := min(i0+1, sn-1)
			t[i] = tap{i0, i1, float32(s - float64(i0))}
		}
		return t
	}
	ty, tx := taps(dh, sh), taps(dw, sw)
	for y, a := range ty {
		r0 := src[a.i0*sw*c:]
		r1 := src[a.i1*sw*c:]
		for x, b := range tx {
			o := dst[(y*dw+x)*c:]
			for k := range c {
				top := r0[b.i0*c+k] + (r0[b.i1*c+k]-r0[b.i0*c+k])*b.f
				bot := r1[b.i0*c+k] + (r1[b.i1*c+k]-r1[b.i0*c+k])*b.f
				o[k] = top + (bot-top)*a.f
			}
		}
	}
}
