package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func grayImage(w, h int, f func(x, y int) uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.SetGray(x, y, color.Gray{f(x, y)})
		}
	}
	return g
}

func TestLoadImageFolder(t *testing.T) {
	root := t.TempDir()
	for _, c := range []string{"cat", "dog", ".hidden"} {
		os.Mkdir(filepath.Join(root, c), 0o755)
	}
	// cat: two 4×4 gray PNGs (constant 0 and 255), plus files to skip.
	writePNG(t, filepath.Join(root, "cat", "a.png"), grayImage(4, 4, func(x, y int) uint8 { return 0 }))
	writePNG(t, filepath.Join(root, "cat", "b.PNG"), grayImage(4, 4, func(x, y int) uint8 { return 255 }))
	os.WriteFile(filepath.Join(root, "cat", "notes.txt"), []byte("skip me"), 0o644)
	os.WriteFile(filepath.Join(root, "loose.png"), []byte("not in a class"), 0o644)
	// dog: one 8×8 red RGBA PNG and one gray JPEG.
	rgba := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(rgba.Pix); i += 4 {
		copy(rgba.Pix[i:], []byte{255, 0, 0, 255})
	}
	writePNG(t, filepath.Join(root, "dog", "red.png"), rgba)
	var jb bytes.Buffer
	jpeg.Encode(&jb, grayImage(6, 6, func(x, y int) uint8 { return 128 }), &jpeg.Options{Quality: 100})
	os.WriteFile(filepath.Join(root, "dog", "z.jpg"), jb.Bytes(), 0o644)

	ds, classes, err := LoadImageFolder(root, ImageOptions{Height: 4, Width: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(classes, []string{"cat", "dog"}) || !reflect.DeepEqual(ds.Classes, classes) {
		t.Fatalf("classes %v", classes)
	}
	if ds.N != 4 || !reflect.DeepEqual(ds.XShape, []int{4, 4, 3}) || !reflect.DeepEqual(ds.Y, []float32{0, 0, 1, 1}) {
		t.Fatalf("%v Y %v", ds, ds.Y)
	}
	check := func(i int, want []float32) {
		t.Helper()
		s := ds.Sample(i)
		for j, v := range s {
			if math.Abs(float64(v-want[j%len(want)])) > 0.01 {
				t.Fatalf("sample %d value %d = %v, want %v", i, j, v, want[j%len(want)])
			}
		}
	}
	check(0, []float32{0, 0, 0})
	check(1, []float32{1, 1, 1})
	check(2, []float32{1, 0, 0})
	check(3, []float32{128.0 / 255, 128.0 / 255, 128.0 / 255})

	gray, _, err := LoadImageFolder(root, ImageOptions{Height: 2, Width: 3, Grayscale: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gray.XShape, []int{2, 3, 1}) {
		t.Fatalf("XShape %v", gray.XShape)
	}
	if v := gray.Sample(2)[0]; math.Abs(float64(v)-0.299) > 1e-3 {
		t.Fatalf("luma of red = %v, want 0.299", v)
	}

	// Native size requires all images to have the first one's size; here
	// they differ, so they are resized to 4×4 (the first image's size).
	native, _, err := LoadImageFolder(root, ImageOptions{Grayscale: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(native.XShape, []int{4, 4, 1}) {
		t.Fatalf("XShape %v", native.XShape)
	}

	v, err := LoadImage(filepath.Join(root, "dog", "red.png"), ImageOptions{Height: 2, Width: 2})
	if err != nil || len(v) != 12 || v[0] != 1 || v[1] != 0 {
		t.Fatalf("LoadImage: %v %v", v, err)
	}
}

func TestLoadImageFolderErrors(t *testing.T) {
	empty := t.TempDir()
	if _, _, err := LoadImageFolder(empty, ImageOptions{}); err == nil || !strings.Contains(err.Error(), "no class sub-folders") {
		t.Fatalf("no classes: %v", err)
	}
	noImages := t.TempDir()
	os.Mkdir(filepath.Join(noImages, "a"), 0o755)
	if _, _, err := LoadImageFolder(noImages, ImageOptions{}); err == nil || !strings.Contains(err.Error(), "no .png or .jpg images") {
		t.Fatalf("no images: %v", err)
	}
	corrupt := t.TempDir()
	os.Mkdir(filepath.Join(corrupt, "a"), 0o755)
	var b bytes.Buffer
	png.Encode(&b, grayImage(8, 8, func(x, y int) uint8 { return uint8(x * y) }))
	bad := filepath.Join(corrupt, "a", "bad.png")
	os.WriteFile(bad, b.Bytes()[:b.Len()/2], 0o644)
	if _, _, err := LoadImageFolder(corrupt, ImageOptions{Height: 8, Width: 8}); err == nil || !strings.HasPrefix(err.Error(), bad+": corrupt image") {
		t.Fatalf("corrupt PNG: %v", err)
	} else {
		t.Log(err)
	}
	os.WriteFile(bad, []byte("GIF89a....."), 0o644)
	if _, err := LoadImage(bad, ImageOptions{}); err == nil || !strings.Contains(err.Error(), "not a PNG or JPEG") {
		t.Fatalf("wrong format: %v", err)
	}
	if _, _, err := LoadImageFolder(corrupt, ImageOptions{Height: 8}); err == nil {
		t.Fatal("height without width: no error")
	}
}

func TestResizeBilinear(t *testing.T) {
	// Identity.
	src := seq(2 * 3 * 2)
	dst := make([]float32, len(src))
	ResizeBilinear(dst, 2, 3, src, 2, 3, 2)
	if !reflect.DeepEqual(dst, src) {
		t.Fatalf("identity: %v", dst)
	}
	// Downscaling by 2 with half-pixel centers averages each 2×2 block.
	src = []float32{
		0, 2, 4, 6,
		8, 10, 12, 14,
		16, 18, 20, 22,
		24, 26, 28, 30,
	}
	dst = make([]float32, 4)
	ResizeBilinear(dst, 2, 2, src, 4, 4, 1)
	if want := []float32{5, 9, 21, 25}; !reflect.DeepEqual(dst, want) {
		t.Fatalf("downscale: %v, want %v", dst, want)
	}
	// Upscaling 1×2 → 1×4: samples at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped).
	dst = make([]float32, 4)
	ResizeBilinear(dst, 1, 4, []float32{0, 4}, 1, 2, 1)
	if want := []float32{0, 1, 3, 4}; !reflect.DeepEqual(dst, want) {
		t.Fatalf("upscale: %v, want %v", dst, want)
	}
	// A constant image stays constant at any size.
	src = []float32{0.5, 0.25, 0.5, 0.25, 0.5, 0.25}
	dst = make([]float32, 7*5*2)
	ResizeBilinear(dst, 7, 5, src, 3, 1, 2)
	for i, v := range dst {
		if want := src[i%2]; v != want {
			t.Fatalf("constant: %v at %d", v, i)
		}
	}
}
