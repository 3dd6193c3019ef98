package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// encodeIDX writes an IDX file of type t holding vals with dims.
func encodeIDX(t byte, dims []int, vals []float64) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, t, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	for _, v := range vals {
		switch t {
		case IDXUbyte:
			b.WriteByte(byte(v))
		case IDXSbyte:
			b.WriteByte(byte(int8(v)))
		case IDXShort:
			binary.Write(&b, binary.BigEndian, int16(v))
		case IDXInt:
			binary.Write(&b, binary.BigEndian, int32(v))
		case IDXFloat:
			binary.Write(&b, binary.BigEndian, float32(v))
		case IDXDouble:
			binary.Write(&b, binary.BigEndian, v)
		}
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestReadIDXTypes(t *testing.T) {
	tests := []struct {
		typ  byte
		vals []float64
	}{
		{IDXUbyte, []float64{0, 1, 255, 128, 7, 9}},
		{IDXSbyte, []float64{0, -1, 127, -128, 7, 9}},
		{IDXShort, []float64{0, -1, 32767, -32768, 300, 9}},
		{IDXInt, []float64{0, -1, 1 << 30, -(1 << 30), 70000, 9}},
		{IDXFloat, []float64{0, -1.5, 3.25, 1e30, 0.125, math.Inf(1)}},
		{IDXDouble, []float64{0, -1.5, 3.25, 1e30, 0.125, -2}},
	}
	for _, tc := range tests {
		x, err := ReadIDX(bytes.NewReader(encodeIDX(tc.typ, []int{2, 3}, tc.vals)))
		if err != nil {
			t.Fatalf("type 0x%02x: %v", tc.typ, err)
		}
		if !reflect.DeepEqual(x.Dims, []int{2, 3}) || x.Type != tc.typ || x.Len() != 6 {
			t.Fatalf("type 0x%02x: dims %v type %x", tc.typ, x.Dims, x.Type)
		}
		if (tc.typ == IDXUbyte) != (x.Raw != nil) {
			t.Fatalf("type 0x%02x: Raw %v", tc.typ, x.Raw)
		}
		got := x.Float32(1)
		for i, v := range tc.vals {
			if got[i] != float32(v) {
				t.Fatalf("type 0x%02x: value %d = %v, want %v", tc.typ, i, got[i], v)
			}
		}
	}
}

func TestLoadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	good := encodeIDX(IDXUbyte, []int{3, 2, 2}, make([]float64, 12))
	corruptGz := gz(good)
	corruptGz[len(corruptGz)-6] ^= 0xff // CRC-32 trailer
	tests := []struct {
		name    string
		content []byte
		wantErr string // "" means success
	}{
		{"good", good, ""},
		{"good.gz", gz(good), ""},
		{"truncated", good[:len(good)-5], "truncated: header says 3×2×2 = 12 bytes, file has 7"},
		{"truncated.gz", gz(good[:len(good)-5]), "truncated: header says 3×2×2 = 12 bytes, file has 7"},
		{"truncated-header", good[:7], "truncated"},
		{"empty", nil, "truncated"},
		{"bad-magic", append([]byte{1, 2}, good[2:]...), "bad magic number"},
		{"wrong-type", append([]byte{0, 0, 0x0A}, good[3:]...), "unknown type code 0x0a"},
		{"zero-dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"extra", append(append([]byte{}, good...), 1, 2, 3), "extra data: header says 3×2×2 = 12 bytes, file has 3 more"},
		{"huge", encodeIDX(IDXDouble, []int{1 << 20, 1 << 20, 1 << 10}, nil), "data.MaxElements"},
		{"int-truncated", encodeIDX(IDXInt, []int{5}, []float64{1, 2}), "header says 5×4 = 20 bytes, file has 8"},
		{"corrupt.gz", corruptGz, "corrupt gzip"},
		{"notgzip.gz", good, "gzip"},
		{"truncated-stream.gz", gz(good)[:20], "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			x, err := LoadIDX(path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(x.Dims, []int{3, 2, 2}) || len(x.Raw) != 12 {
					t.Fatalf("got %v", x)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("err = %q, want the path and %q", err, tc.wantErr)
			}
		})
	}
	if _, err := LoadIDX(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestLoadIDXDataset(t *testing.T) {
	dir := t.TempDir()
	imgs := filepath.Join(dir, "images.gz")
	labs := filepath.Join(dir, "labels")
	px := make([]float64, 2*3*4)
	for i := range px {
		px[i] = float64(i * 10)
	}
	os.WriteFile(imgs, gz(encodeIDX(IDXUbyte, []int{2, 3, 4}, px)), 0o644)
	os.WriteFile(labs, encodeIDX(IDXUbyte, []int{2}, []float64{7, 3}), 0o644)
	ds, err := LoadIDXDataset(imgs, labs)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || !reflect.DeepEqual(ds.XShape, []int{3, 4, 1}) || !reflect.DeepEqual(ds.Y, []float32{7, 3}) {
		t.Fatalf("%v %v", ds, ds.Y)
	}
	if ds.X[1] != 10.0/255 {
		t.Fatalf("pixel scaled to %v", ds.X[1])
	}
	os.WriteFile(labs, encodeIDX(IDXUbyte, []int{3}, []float64{7, 3, 1}), 0o644)
	if _, err := LoadIDXDataset(imgs, labs); err == nil || !strings.Contains(err.Error(), "2 samples") {
		t.Fatalf("mismatched counts: %v", err)
	}
}
