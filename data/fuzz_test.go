package data

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The fuzz targets below run every file reader of the package on arbitrary
// bytes, seeded from files tensile writes (WriteNPY) or that the loaders'
// tests build. They check that a reader returns an error or a consistent
// result, never panics, and (through the limits) never allocates more than
// the limits allow. .ci/run runs each for a few seconds.

func fuzzLimits(t *testing.T) {
	// Keep the fuzzer's allocations small: a result may hold at most 2²⁰
	// values and images at most 2¹⁶ pixels.
	oldE, oldP := MaxElements, MaxImagePixels
	MaxElements, MaxImagePixels = 1<<20, 1<<16
	t.Cleanup(func() { MaxElements, MaxImagePixels = oldE, oldP })
}

func FuzzReadIDX(f *testing.F) {
	f.Add(encodeIDX(IDXUbyte, []int{3, 2, 2}, make([]float64, 12)))
	f.Add(encodeIDX(IDXFloat, []int{2, 2}, []float64{1, 2, 3, 4}))
	f.Add(encodeIDX(IDXDouble, []int{1}, []float64{1}))
	f.Add([]byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzLimits(t)
		x, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n, err := elements(x.Dims)
		if err != nil || (x.Raw == nil && len(x.Data) != n) || (x.Raw != nil && len(x.Raw) != n) {
			t.Fatalf("dims %v but %d values", x.Dims, max(len(x.Raw), len(x.Data)))
		}
		IDXDataset(x, nil)
	})
}

func FuzzReadNPY(f *testing.F) {
	for _, shape := range [][]int{{2, 3}, {4}, {}, {0, 2}} {
		var b bytes.Buffer
		WriteNPY(&b, make([]float32, prod(shape)), shape)
		f.Add(b.Bytes())
	}
	f.Add(rawNPY(2, npyHeader(">i2", "(2,)"), []byte{0, 1, 0, 2}))
	f.Add(rawNPY(1, npyHeader("<f4", "(4611686018427387904, 4)"), nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzLimits(t)
		a, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		if n, err := elements(a.Shape); err != nil || n != len(a.Data) {
			t.Fatalf("shape %v but %d values", a.Shape, len(a.Data))
		}
		datasetFromArrays(a, nil)
	})
}

func FuzzReadNPZ(f *testing.F) {
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, shape := range map[string][]int{"x.npy": {2, 2}, "y.npy": {2}} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
			WriteNPY(w, make([]float32, prod(shape)), shape)
		}
		zw.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzLimits(t)
		arrs, err := ReadNPZ("fuzz.npz", bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for k, a := range arrs {
			if n, err := elements(a.Shape); err != nil || n != len(a.Data) {
				t.Fatalf("%s: shape %v but %d values", k, a.Shape, len(a.Data))
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,label\n1,2,cat\n3,4,dog\n"), "")
	f.Add([]byte("1,2,0\n3,4,1\n"), "0")
	f.Add([]byte("x;y\n1.5;2\n\"3\";4\n"), "y")
	f.Fuzz(func(t *testing.T, b []byte, col string) {
		fuzzLimits(t)
		for _, kind := range []LabelKind{LabelAuto, LabelClass, LabelNone} {
			ds, err := ReadCSV("fuzz.csv", bytes.NewReader(b), CSVOptions{LabelColumn: col, Label: kind})
			if err != nil {
				continue
			}
			if len(ds.X) != ds.N*ds.SampleSize() || (ds.Y != nil && len(ds.Y) != ds.N) {
				t.Fatalf("%d samples of %v but %d values, %d labels", ds.N, ds.XShape, len(ds.X), len(ds.Y))
			}
		}
	})
}

func fuzzImageSeeds(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var p, j bytes.Buffer
	png.Encode(&p, img)
	jpeg.Encode(&j, img, nil)
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(bigPNG(f, 50000, 50000))
}

func FuzzDecodeImage(f *testing.F) {
	fuzzImageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzLimits(t)
		for _, opt := range []ImageOptions{{}, {Height: 4, Width: 5, Grayscale: true}} {
			v, shape, err := DecodeImage(bytes.NewReader(b), opt)
			if err != nil {
				continue
			}
			if len(shape) != 3 || len(v) != prod(shape) {
				t.Fatalf("shape %v but %d values", shape, len(v))
			}
		}
	})
}

func FuzzLoadImageFolder(f *testing.F) {
	fuzzImageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzLimits(t)
		// Two classes: the first gets the input as one image, the second
		// its second half (a truncated file, or another image).
		root := t.TempDir()
		for i, content := range [][]byte{b, b[len(b)/2:]} {
			dir := filepath.Join(root, []string{"a", "b"}[i])
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "x.png"), content, 0o644)
		}
		ds, classes, err := LoadImageFolder(root, ImageOptions{})
		if err != nil {
			return
		}
		if ds.N != 2 || len(classes) != 2 || len(ds.X) != 2*ds.SampleSize() {
			t.Fatalf("%d samples, classes %v, %d values of %v", ds.N, classes, len(ds.X), ds.XShape)
		}
	})
}
