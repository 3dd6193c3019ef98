package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocBound is the most bytes a reader may allocate while rejecting one of
// the tiny hostile files below (the largest buffer a reader starts with is
// 1 MiB; the rest is headers and bufio buffers).
const allocBound = 4 << 20

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bigPNG returns a valid 1×1 PNG whose header claims w×h pixels.
func bigPNG(t testing.TB, w, h uint32) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	// IHDR chunk: length(4) "IHDR"(4) width(4) height(4) ... CRC over type+data.
	const ihdr = 8
	binary.BigEndian.PutUint32(p[ihdr+8:], w)
	binary.BigEndian.PutUint32(p[ihdr+12:], h)
	binary.BigEndian.PutUint32(p[ihdr+8+13:], crc32.ChecksumIEEE(p[ihdr+4:ihdr+8+13]))
	return p
}

// bigJPEG returns a valid 8×8 JPEG whose SOF0 header claims w×h pixels.
func bigJPEG(t testing.TB, w, h uint16) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	i := bytes.Index(p, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(p[i+5:], h)
	binary.BigEndian.PutUint16(p[i+7:], w)
	return p
}

// TestHostileFilesFailCheaply feeds every loader files whose headers
// declare far more data than they hold, or sizes that overflow, and checks
// that each fails with an error naming the file while allocating less than
// allocBound.
func TestHostileFilesFailCheaply(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	npzOf := func(member []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("x.npy")
		w.Write(member)
		zw.Close()
		return buf.Bytes()
	}
	hugeNPY := rawNPY(1, npyHeader("<f4", "(4611686018427387905,)"), nil)
	wrapNPY := rawNPY(1, npyHeader("<f4", "(4611686018427387904, 4)"), nil)
	claimNPY := rawNPY(1, npyHeader("<f8", "(100000000,)"), make([]byte, 16))
	idx12 := []byte{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	idxClaim := []byte{0, 0, 8, 1, 0x08, 0, 0, 0, 1, 2, 3} // 128 MiB of bytes claimed
	folder := filepath.Join(dir, "folder")
	os.MkdirAll(filepath.Join(folder, "a"), 0o755)
	os.WriteFile(filepath.Join(folder, "a", "big.png"), bigPNG(t, 50000, 50000), 0o644)
	tests := []struct {
		name, want string
		load       func() (string, error)
	}{
		{"idx-overflow", "data.MaxElements", func() (string, error) {
			p := write("overflow.idx", idx12)
			_, err := LoadIDX(p)
			return p, err
		}},
		{"idx-claims-128MiB", "truncated", func() (string, error) {
			p := write("claim.idx", idxClaim)
			_, err := LoadIDX(p)
			return p, err
		}},
		{"idx-claims-128MiB-stream", "truncated", func() (string, error) {
			_, err := ReadIDXFrom("stream", bytes.NewReader(idxClaim), false)
			return "stream", err
		}},
		{"npy-overflow", "data.MaxElements", func() (string, error) {
			p := write("huge.npy", hugeNPY)
			_, _, err := LoadNPY(p)
			return p, err
		}},
		{"npy-wraps-to-zero", "data.MaxElements", func() (string, error) {
			p := write("wrap.npy", wrapNPY)
			_, _, err := LoadNPY(p)
			return p, err
		}},
		{"npy-claims-800MB", "truncated", func() (string, error) {
			p := write("claim.npy", claimNPY)
			_, _, err := LoadNPY(p)
			return p, err
		}},
		{"npy-claims-800MB-stream", "truncated", func() (string, error) {
			_, err := ReadNPY(bytes.NewReader(claimNPY))
			return "", err
		}},
		{"npz-claims-800MB", "truncated", func() (string, error) {
			p := write("claim.npz", npzOf(claimNPY))
			_, err := LoadNPZ(p)
			return p, err
		}},
		{"npz-overflow", "data.MaxElements", func() (string, error) {
			p := write("wrap.npz", npzOf(wrapNPY))
			_, err := LoadNPZ(p)
			return p, err
		}},
		{"png-50000x50000", "data.MaxImagePixels", func() (string, error) {
			p := write("big.png", bigPNG(t, 50000, 50000))
			_, err := LoadImage(p, ImageOptions{})
			return p, err
		}},
		{"jpeg-65000x65000", "data.MaxImagePixels", func() (string, error) {
			p := write("big.jpg", bigJPEG(t, 65000, 65000))
			_, err := LoadImage(p, ImageOptions{})
			return p, err
		}},
		{"image-folder", "data.MaxImagePixels", func() (string, error) {
			_, _, err := LoadImageFolder(folder, ImageOptions{})
			return filepath.Join(folder, "a", "big.png"), err
		}},
		{"resize-to-huge", "data.MaxImagePixels", func() (string, error) {
			p := write("small.png", bigPNG(t, 1, 1))
			_, err := LoadImage(p, ImageOptions{Height: 1 << 20, Width: 1 << 20})
			return p, err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var name string
			var err error
			n := allocated(func() { name, err = tc.load() })
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line naming %q and %q", err, name, tc.want)
			}
			if n > allocBound {
				t.Errorf("allocated %d bytes, want < %d", n, allocBound)
			}
		})
	}
}

func TestLoadersRejectNonFinite(t *testing.T) {
	dir := t.TempDir()
	nan := float32(0)
	nan = nan / nan
	x := npyBytes(t, []float32{1, 2, nan, 4}, []int{2, 2})
	y := npyBytes(t, []float32{0, 1}, []int{2})
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	os.WriteFile(xp, x, 0o644)
	os.WriteFile(yp, y, 0o644)
	if _, err := LoadNPYDataset(xp, yp); err == nil || !strings.Contains(err.Error(), "sample 1") || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN in .npy samples: err = %v", err)
	}
	// Labels too, and the IDX float type.
	ip := filepath.Join(dir, "x.idx")
	lp := filepath.Join(dir, "y.idx")
	os.WriteFile(ip, encodeIDX(IDXFloat, []int{2, 1}, []float64{1, 2}), 0o644)
	os.WriteFile(lp, encodeIDX(IDXDouble, []int{2}, []float64{0, 1e300}), 0o644)
	if _, err := LoadIDXDataset(ip, lp); err == nil || !strings.Contains(err.Error(), "labels") || !strings.Contains(err.Error(), "Inf") {
		t.Errorf("Inf in IDX labels: err = %v", err)
	}
}

func TestImageClassFolderWithoutImages(t *testing.T) {
	root := t.TempDir()
	for _, c := range []string{"cat", "dog"} {
		os.MkdirAll(filepath.Join(root, c), 0o755)
	}
	writePNG(t, filepath.Join(root, "cat", "1.png"), grayImage(2, 2, func(x, y int) uint8 { return 9 }))
	os.WriteFile(filepath.Join(root, "dog", "notes.txt"), []byte("no images"), 0o644)
	_, _, err := LoadImageFolder(root, ImageOptions{})
	if err == nil || !strings.Contains(err.Error(), `"dog"`) {
		t.Fatalf("err = %v, want one naming the empty class folder", err)
	}
}
