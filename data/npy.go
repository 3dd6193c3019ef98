package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/tensile-ml/tensile/internal/atomicfile"
	"github.com/tensile-ml/tensile/internal/f16"
)

// NPYArray is an array read from a NumPy .npy file (or an .npz member),
// converted to float32. Dtype is the file's original type descriptor, e.g.
// "<f8" or "|u1".
type NPYArray struct {
	Data  []float32
	Shape []int
	Dtype string
}

var npyMagic = []byte("\x93NUMPY")

// LoadNPY reads the .npy file at path and converts its values to float32.
// It supports format versions 1.0, 2.0 and 3.0, C order, either byte order,
// and the dtypes bool, int8/16/32/64, uint8/16/32/64, float16/32/64.
// Errors name the file.
func LoadNPY(path string) (data []float32, shape []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	a, err := readNPY(bufio.NewReaderSize(f, 1<<16), st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return a.Data, a.Shape, nil
}

// ReadNPY reads one .npy array from r; see LoadNPY. It reads exactly the
// array's bytes, and does not check for data after them. A shape holding
// more than MaxElements values is an error, and the data buffer grows as
// data arrives, so a header that claims more than the stream holds costs no
// more memory than the stream.
func ReadNPY(r io.Reader) (*NPYArray, error) { return readNPY(r, -1) }

// readNPY is ReadNPY; avail, when not negative, is the number of bytes the
// stream holds, checked against the header before reading the data.
func readNPY(r io.Reader, avail int64) (*NPYArray, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, npyShort(err, fmt.Sprintf("truncated header: %d of 8 preamble bytes", n))
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return nil, fmt.Errorf("not a .npy file: bad magic % x", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, npyShort(err, "truncated header: missing header length")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, npyShort(err, "truncated header: missing header length")
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return nil, fmt.Errorf("implausible header length %d", hlen)
		}
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d (want 1.0, 2.0 or 3.0)", major, minor)
	}
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(r, hdr); err != nil {
		return nil, npyShort(err, fmt.Sprintf("truncated header: %d of %d bytes", n, hlen))
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, fmt.Errorf("header %q: %w", strings.TrimSpace(string(hdr)), err)
	}
	if fortran {
		return nil, errors.New("fortran_order is True: only C-order arrays are supported (save with np.ascontiguousarray)")
	}
	dt, err := parseDtype(descr)
	if err != nil {
		return nil, err
	}
	count, err := elements(shape)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if count > math.MaxInt/dt.size {
		return nil, fmt.Errorf("header: shape %v is too large", shape)
	}
	want := count * dt.size
	hdrBytes := int64(len(npyMagic) + 2 + 2 + len(hdr))
	if major != 1 {
		hdrBytes += 2
	}
	if avail >= 0 && int64(want) > avail-hdrBytes {
		return nil, fmt.Errorf("truncated data: shape %v of %s needs %d bytes, file has %d", shape, descr, want, max(avail-hdrBytes, 0))
	}
	payload, err := readExactly(r, want)
	if err != nil {
		return nil, npyShort(err, fmt.Sprintf("truncated data: shape %v of %s needs %d bytes, file has %d", shape, descr, want, len(payload)))
	}
	out := &NPYArray{Data: make([]float32, count), Shape: shape, Dtype: descr}
	dt.decode(out.Data, payload)
	return out, nil
}

func npyShort(err error, msg string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New(msg)
	}
	return err
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	p := &pyLexer{s: h}
	if !p.eat('{') {
		return "", false, nil, errors.New("not a dict")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return "", false, nil, errors.New("expected a quoted key")
		}
		if !p.eat(':') {
			return "", false, nil, fmt.Errorf("expected ':' after key %q", key)
		}
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return "", false, nil, errors.New("descr is not a string (structured dtypes are not supported)")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
				fortran = false
			default:
				return "", false, nil, errors.New("fortran_order is not True or False")
			}
		case "shape":
			if shape, ok = p.tuple(); !ok {
				return "", false, nil, errors.New("shape is not a tuple of integers")
			}
		default:
			return "", false, nil, fmt.Errorf("unknown key %q", key)
		}
		seen[key] = true
		if !p.eat(',') {
			if !p.eat('}') {
				return "", false, nil, errors.New("expected ',' or '}'")
			}
			break
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return "", false, nil, fmt.Errorf("missing key %q", k)
		}
	}
	return descr, fortran, shape, nil
}

type pyLexer struct {
	s string
	i int
}

func (p *pyLexer) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyLexer) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLexer) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *pyLexer) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

func (p *pyLexer) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		// Python 2 era files may write long integers as 3L.
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, false
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		shape = append(shape, v)
		if !p.eat(',') {
			return shape, p.eat(')')
		}
	}
}

type npyDtype struct {
	size   int
	decode func(dst []float32, src []byte)
}

func parseDtype(descr string) (npyDtype, error) {
	bad := func(why string) (npyDtype, error) {
		return npyDtype{}, fmt.Errorf("unsupported dtype %q: %s (want bool, int8-64, uint8-64 or float16/32/64)", descr, why)
	}
	if len(descr) < 3 {
		return bad("too short")
	}
	var bo binary.ByteOrder
	switch descr[0] {
	case '<', '|', '=':
		bo = binary.LittleEndian
	case '>':
		bo = binary.BigEndian
	default:
		return bad("unknown byte order")
	}
	size, err := strconv.Atoi(descr[2:])
	if err != nil {
		return bad("unknown size")
	}
	type dec = func(dst []float32, src []byte)
	var f dec
	switch descr[1:] {
	case "b1":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				if src[i] != 0 {
					dst[i] = 1
				} else {
					dst[i] = 0
				}
			}
		}
	case "u1":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(src[i])
			}
		}
	case "i1":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int8(src[i]))
			}
		}
	case "u2":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(bo.Uint16(src[2*i:]))
			}
		}
	case "i2":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int16(bo.Uint16(src[2*i:])))
			}
		}
	case "f2":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = f16.ToFloat32(bo.Uint16(src[2*i:]))
			}
		}
	case "u4":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(bo.Uint32(src[4*i:]))
			}
		}
	case "i4":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int32(bo.Uint32(src[4*i:])))
			}
		}
	case "f4":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = math.Float32frombits(bo.Uint32(src[4*i:]))
			}
		}
	case "u8":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(bo.Uint64(src[8*i:]))
			}
		}
	case "i8":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(int64(bo.Uint64(src[8*i:])))
			}
		}
	case "f8":
		f = func(dst []float32, src []byte) {
			for i := range dst {
				dst[i] = float32(math.Float64frombits(bo.Uint64(src[8*i:])))
			}
		}
	default:
		return bad("unknown kind")
	}
	return npyDtype{size: size, decode: f}, nil
}

// WriteNPY writes data with the given shape to w as a version 1.0 .npy
// array of little-endian float32 ('<f4') in C order. It returns an error if
// len(data) does not match the shape.
func WriteNPY(w io.Writer, data []float32, shape []int) error {
	if n, err := shapeSize(shape); err != nil || n != len(data) {
		return fmt.Errorf("data: WriteNPY: %d values do not fill shape %v", len(data), shape)
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	// Pad with spaces and a newline so that the data starts 64-byte aligned.
	total := len(npyMagic) + 2 + 2 + len(h) + 1
	pad := (64 - total%64) % 64
	h += strings.Repeat(" ", pad) + "\n"
	if len(h) > math.MaxUint16 {
		return fmt.Errorf("data: WriteNPY: shape %v makes the header too long", shape)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(npyMagic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(h)))
	bw.WriteString(h)
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// SaveNPY writes data as a .npy file at path (see WriteNPY), through a
// temporary file renamed into place.
func SaveNPY(path string, data []float32, shape []int) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteNPY(w, data, shape) })
}

// LoadNPZ reads every array of the .npz archive at path (written by
// np.savez or np.savez_compressed), keyed by member name without ".npy".
// Errors name the file and the member.
func LoadNPZ(path string) (map[string]NPYArray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ReadNPZ(path, f, st.Size())
}

// ReadNPZ reads every array of an .npz archive of size bytes from r; see
// LoadNPZ. Errors start with name. Each member's declared array must fit
// in the member's uncompressed size, and all arrays together may hold at
// most MaxElements values.
func ReadNPZ(path string, r io.ReaderAt, size int64) (map[string]NPYArray, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .npz (zip) archive: %w", path, err)
	}
	out := map[string]NPYArray{}
	var total int64
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, f.Name, err)
		}
		avail := int64(-1)
		if f.UncompressedSize64 <= math.MaxInt64 {
			avail = int64(f.UncompressedSize64)
		}
		a, err := readNPY(bufio.NewReaderSize(rc, 1<<16), avail)
		if err == nil {
			if total += int64(len(a.Data)); total > MaxElements {
				err = fmt.Errorf("the archive's arrays hold more than %d values (data.MaxElements)", MaxElements)
			}
		}
		if err == nil {
			// Read to the end so that zip verifies the member's CRC.
			if _, cerr := io.Copy(io.Discard, rc); cerr != nil {
				err = cerr
			}
		}
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", path, f.Name, err)
		}
		out[strings.TrimSuffix(f.Name, ".npy")] = *a
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: archive holds no .npy arrays", path)
	}
	return out, nil
}

// npzKeyPairs are the (x, y) member names LoadNPZDataset tries, in order.
var npzKeyPairs = [][2]string{
	{"x", "y"}, {"X", "y"}, {"x_train", "y_train"}, {"X_train", "y_train"},
	{"data", "labels"}, {"data", "label"}, {"images", "labels"}, {"features", "labels"},
	{"inputs", "targets"},
}

// LoadNPZDataset reads a dataset from the .npz archive at path: member xKey
// holds the samples (first axis N) and yKey the labels (first axis N). An
// empty xKey tries the common pairs x/y, X/y, x_train/y_train, data/labels,
// images/labels, features/labels and inputs/targets. An empty yKey with an
// explicit xKey uses "y" if present and otherwise gives an unlabeled
// dataset. One-dimensional x arrays give samples of shape [1].
func LoadNPZDataset(path, xKey, yKey string) (*Dataset, error) {
	arrs, err := LoadNPZ(path)
	if err != nil {
		return nil, err
	}
	if xKey == "" {
		for _, kp := range npzKeyPairs {
			_, okx := arrs[kp[0]]
			_, oky := arrs[kp[1]]
			if okx && oky {
				xKey, yKey = kp[0], kp[1]
				break
			}
		}
		if xKey == "" {
			keys := make([]string, 0, len(arrs))
			for k := range arrs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return nil, fmt.Errorf("%s: no known pair of sample and label arrays (x/y, x_train/y_train, data/labels, ...); the archive has %s: name them explicitly", path, strings.Join(keys, ", "))
		}
	} else if yKey == "" {
		if _, ok := arrs["y"]; ok {
			yKey = "y"
		}
	}
	x, ok := arrs[xKey]
	if !ok {
		return nil, fmt.Errorf("%s: no array named %q", path, xKey)
	}
	var y *NPYArray
	if yKey != "" {
		a, ok := arrs[yKey]
		if !ok {
			return nil, fmt.Errorf("%s: no array named %q", path, yKey)
		}
		y = &a
	}
	ds, err := datasetFromArrays(&x, y)
	if err != nil {
		return nil, fmt.Errorf("%s: %s/%s: %w", path, xKey, yKey, err)
	}
	return ds, nil
}

// LoadNPYDataset reads samples from the .npy file xPath and labels from
// yPath (which may be empty for an unlabeled dataset).
func LoadNPYDataset(xPath, yPath string) (*Dataset, error) {
	xd, xs, err := LoadNPY(xPath)
	if err != nil {
		return nil, err
	}
	var y *NPYArray
	if yPath != "" {
		yd, ys, err := LoadNPY(yPath)
		if err != nil {
			return nil, err
		}
		y = &NPYArray{Data: yd, Shape: ys}
	}
	ds, err := datasetFromArrays(&NPYArray{Data: xd, Shape: xs}, y)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", xPath, yPath, err)
	}
	return ds, nil
}

func datasetFromArrays(x, y *NPYArray) (*Dataset, error) {
	if len(x.Shape) == 0 {
		return nil, errors.New("samples array is a scalar; want a first axis of samples")
	}
	xShape := x.Shape[1:]
	if len(xShape) == 0 {
		xShape = []int{1}
	}
	n := x.Shape[0]
	if n == 0 {
		return nil, errors.New("samples array is empty")
	}
	var yd []float32
	var yShape []int
	if y != nil {
		if len(y.Shape) == 0 || y.Shape[0] != n {
			return nil, fmt.Errorf("%d samples (shape %v) but labels have shape %v", n, x.Shape, y.Shape)
		}
		yd, yShape = y.Data, y.Shape[1:]
		if err := checkFinite("labels", yd, prod(yShape)); err != nil {
			return nil, err
		}
	}
	if err := checkFinite("samples", x.Data, prod(xShape)); err != nil {
		return nil, err
	}
	return New(x.Data, xShape, yd, yShape)
}
