package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// rawNPY builds a .npy file of the given version with a raw header and payload.
func rawNPY(major byte, header string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(payload)
	return b.Bytes()
}

func npyHeader(descr, shape string) string {
	return fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }\n", descr, shape)
}

func TestWriteLoadNPY(t *testing.T) {
	dir := t.TempDir()
	for _, shape := range [][]int{{2, 3}, {5}, {}, {2, 0, 3}, {1, 2, 1, 2}} {
		n := prod(shape)
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)*0.5 - 1
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, vals, shape); err != nil {
			t.Fatal(err)
		}
		hlen := int(binary.LittleEndian.Uint16(buf.Bytes()[8:]))
		if (10+hlen)%64 != 0 {
			t.Errorf("shape %v: data offset %d not 64-aligned", shape, 10+hlen)
		}
		path := filepath.Join(dir, "a.npy")
		if err := SaveNPY(path, vals, shape); err != nil {
			t.Fatal(err)
		}
		got, gotShape, err := LoadNPY(path)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if !reflect.DeepEqual(gotShape, shape) || (n > 0 && !reflect.DeepEqual(got, vals)) || len(got) != n {
			t.Fatalf("shape %v: round trip gave %v %v", shape, gotShape, got)
		}
	}
	if err := WriteNPY(&bytes.Buffer{}, make([]float32, 5), []int{2, 3}); err == nil {
		t.Fatal("WriteNPY with wrong length: no error")
	}
}

func TestReadNPYDtypes(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	enc := func(bo binary.ByteOrder, vals ...any) []byte {
		var b bytes.Buffer
		for _, v := range vals {
			binary.Write(&b, bo, v)
		}
		return b.Bytes()
	}
	want := []float32{1, -2, 3}
	tests := []struct {
		descr   string
		payload []byte
		want    []float32
	}{
		{"<f4", enc(le, float32(1), float32(-2), float32(3)), want},
		{">f4", enc(be, float32(1), float32(-2), float32(3)), want},
		{"<f8", enc(le, 1.0, -2.0, 3.0), want},
		{">f8", enc(be, 1.0, -2.0, 3.0), want},
		{"<f2", enc(le, uint16(0x3c00), uint16(0xc000), uint16(0x4200)), want},
		{"|i1", enc(le, int8(1), int8(-2), int8(3)), want},
		{"|u1", []byte{1, 254, 3}, []float32{1, 254, 3}},
		{"<i2", enc(le, int16(1), int16(-2), int16(3)), want},
		{">i2", enc(be, int16(1), int16(-2), int16(3)), want},
		{"<u2", enc(le, uint16(1), uint16(65535), uint16(3)), []float32{1, 65535, 3}},
		{"<i4", enc(le, int32(1), int32(-2), int32(3)), want},
		{">u4", enc(be, uint32(1), uint32(2), uint32(3)), []float32{1, 2, 3}},
		{"<i8", enc(le, int64(1), int64(-2), int64(3)), want},
		{">i8", enc(be, int64(1), int64(-2), int64(3)), want},
		{"<u8", enc(le, uint64(1), uint64(2), uint64(3)), []float32{1, 2, 3}},
		{"|b1", []byte{1, 0, 1}, []float32{1, 0, 1}},
	}
	for _, tc := range tests {
		for _, major := range []byte{1, 2, 3} {
			a, err := ReadNPY(bytes.NewReader(rawNPY(major, npyHeader(tc.descr, "(3,)"), tc.payload)))
			if err != nil {
				t.Fatalf("%s v%d: %v", tc.descr, major, err)
			}
			if !reflect.DeepEqual(a.Data, tc.want) || !reflect.DeepEqual(a.Shape, []int{3}) || a.Dtype != tc.descr {
				t.Fatalf("%s v%d: got %v %v", tc.descr, major, a.Data, a.Shape)
			}
		}
	}
}

func TestLoadNPYErrors(t *testing.T) {
	dir := t.TempDir()
	f4 := make([]byte, 24)
	good := rawNPY(1, npyHeader("<f4", "(2, 3)"), f4)
	tests := []struct {
		name    string
		content []byte
		wantErr string
	}{
		{"good", good, ""},
		{"python2-long", rawNPY(1, npyHeader("<f4", "(2L, 3L)"), f4), ""},
		{"double-quotes", rawNPY(1, `{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}`, f4), ""},
		{"empty", nil, "truncated header"},
		{"truncated-header", good[:20], "truncated header: 10 of"},
		{"truncated-data", good[:len(good)-5], "truncated data: shape [2 3] of <f4 needs 24 bytes, file has 19"},
		{"bad-magic", append([]byte("\x93NUMPX"), good[6:]...), "not a .npy file"},
		{"version", rawNPY(4, npyHeader("<f4", "(2, 3)"), f4), "unsupported .npy format version 4.0"},
		{"fortran", rawNPY(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4), "fortran_order is True"},
		{"wrong-dtype", rawNPY(1, npyHeader("<c8", "(2, 3)"), f4), `unsupported dtype "<c8"`},
		{"string-dtype", rawNPY(1, npyHeader("<U5", "(2, 3)"), f4), `unsupported dtype "<U5"`},
		{"structured", rawNPY(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4), "structured"},
		{"missing-shape", rawNPY(1, "{'descr': '<f4', 'fortran_order': False}", f4), `missing key "shape"`},
		{"bad-shape", rawNPY(1, npyHeader("<f4", "[2, 3]"), f4), "shape is not a tuple"},
		{"not-dict", rawNPY(1, "hello", f4), "not a dict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".npy")
			os.WriteFile(path, tc.content, 0o644)
			data, shape, err := LoadNPY(path)
			if tc.wantErr == "" {
				if err != nil || len(data) != 6 || !reflect.DeepEqual(shape, []int{2, 3}) {
					t.Fatalf("%v %v %v", data, shape, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("err = %v, want the path and %q", err, tc.wantErr)
			}
			t.Log(err)
		})
	}
}

// writeNPZ writes a zip archive with the given members (name → .npy bytes).
func writeNPZ(t *testing.T, path string, method uint16, members map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(members)) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func npyBytes(t *testing.T, data []float32, shape []int) []byte {
	var b bytes.Buffer
	if err := WriteNPY(&b, data, shape); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadNPZ(t *testing.T) {
	dir := t.TempDir()
	x := npyBytes(t, seq(12), []int{4, 3})
	y := npyBytes(t, []float32{0, 1, 2, 1}, []int{4})
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		for _, keys := range [][2]string{{"x", "y"}, {"x_train", "y_train"}, {"data", "labels"}} {
			path := filepath.Join(dir, fmt.Sprintf("%d-%s.npz", method, keys[0]))
			writeNPZ(t, path, method, map[string][]byte{keys[0] + ".npy": x, keys[1] + ".npy": y, "other.npy": y})
			arrs, err := LoadNPZ(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(arrs) != 3 || !reflect.DeepEqual(arrs[keys[0]].Shape, []int{4, 3}) {
				t.Fatalf("%v", arrs)
			}
			ds, err := LoadNPZDataset(path, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if ds.N != 4 || !reflect.DeepEqual(ds.XShape, []int{3}) || ds.NumClasses() != 3 || ds.X[11] != 11 {
				t.Fatalf("%v", ds)
			}
			ds, err = LoadNPZDataset(path, keys[0], "other")
			if err != nil || ds.N != 4 {
				t.Fatalf("explicit keys: %v %v", ds, err)
			}
		}
	}

	// Errors.
	odd := filepath.Join(dir, "odd.npz")
	writeNPZ(t, odd, zip.Deflate, map[string][]byte{"a.npy": x, "b.npy": npyBytes(t, seq(3), []int{3})})
	if _, err := LoadNPZDataset(odd, "", ""); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Fatalf("unknown keys: %v", err)
	}
	if _, err := LoadNPZDataset(odd, "a", "b"); err == nil || !strings.Contains(err.Error(), "4 samples") {
		t.Fatalf("mismatched counts: %v", err)
	}
	if _, err := LoadNPZDataset(odd, "zz", ""); err == nil || !strings.Contains(err.Error(), `"zz"`) {
		t.Fatalf("missing key: %v", err)
	}
	if ds, err := LoadNPZDataset(odd, "a", ""); err != nil || ds.Labeled() {
		t.Fatalf("unlabeled: %v %v", ds, err)
	}
	bad := filepath.Join(dir, "bad.npz")
	writeNPZ(t, bad, zip.Deflate, map[string][]byte{"x.npy": x[:len(x)-4], "y.npy": y})
	if _, err := LoadNPZ(bad); err == nil || !strings.Contains(err.Error(), "member x.npy: truncated data") {
		t.Fatalf("truncated member: %v", err)
	}
	notzip := filepath.Join(dir, "notzip.npz")
	os.WriteFile(notzip, x, 0o644)
	if _, err := LoadNPZ(notzip); err == nil || !strings.Contains(err.Error(), "not a readable .npz") {
		t.Fatalf("not a zip: %v", err)
	}
	// A corrupt deflate stream is detected (CRC or flate error).
	cpath := filepath.Join(dir, "corrupt.npz")
	writeNPZ(t, cpath, zip.Store, map[string][]byte{"x.npy": x})
	raw, _ := os.ReadFile(cpath)
	i := bytes.Index(raw, []byte("\x93NUMPY"))
	raw[i+len(x)-1] ^= 0xff // flip a payload byte: CRC mismatch
	os.WriteFile(cpath, raw, 0o644)
	if _, err := LoadNPZ(cpath); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("corrupt member: %v", err)
	}
}

func TestLoadNPYDataset(t *testing.T) {
	dir := t.TempDir()
	xp, yp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	SaveNPY(xp, seq(24), []int{2, 3, 4})
	SaveNPY(yp, []float32{1, 0}, []int{2, 1})
	ds, err := LoadNPYDataset(xp, yp)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || !reflect.DeepEqual(ds.XShape, []int{3, 4}) || !reflect.DeepEqual(ds.YShape, []int{1}) || ds.NumClasses() != 2 {
		t.Fatalf("%v", ds)
	}
}
