package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// IDX type codes (the third byte of an IDX file's magic number).
const (
	IDXUbyte  byte = 0x08 // unsigned byte
	IDXSbyte  byte = 0x09 // signed byte
	IDXShort  byte = 0x0B // big-endian int16
	IDXInt    byte = 0x0C // big-endian int32
	IDXFloat  byte = 0x0D // big-endian float32
	IDXDouble byte = 0x0E // big-endian float64
)

// IDX is the content of an IDX file (the format of the MNIST files).
// Unsigned-byte files keep their raw bytes in Raw and leave Data nil; all
// other types are converted to float32 in Data.
type IDX struct {
	Dims []int
	Type byte
	Data []float32
	Raw  []byte
}

// Len returns the number of elements (the product of Dims).
func (x *IDX) Len() int { return prod(x.Dims) }

// Float32 returns the elements as float32, each multiplied by scale when
// the file holds unsigned bytes (e.g. 1/255 to map pixels to [0, 1]).
func (x *IDX) Float32(scale float32) []float32 {
	if x.Raw == nil {
		return x.Data
	}
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(i) * scale
	}
	out := make([]float32, len(x.Raw))
	for i, v := range x.Raw {
		out[i] = lut[v]
	}
	return out
}

func idxTypeSize(t byte) (int, string) {
	switch t {
	case IDXUbyte:
		return 1, "unsigned byte"
	case IDXSbyte:
		return 1, "signed byte"
	case IDXShort:
		return 2, "short"
	case IDXInt:
		return 4, "int"
	case IDXFloat:
		return 4, "float"
	case IDXDouble:
		return 8, "double"
	}
	return 0, ""
}

// ReadIDX reads an (uncompressed) IDX file from r. It checks the magic
// number, the type code, the number of dimensions, that the dimensions hold
// at most MaxElements values, and that the payload is exactly as long as
// the dimensions say: a truncated file or trailing data is an error. The
// payload buffer grows as data arrives, so a header that claims more than
// the stream holds costs no more memory than the stream.
func ReadIDX(r io.Reader) (*IDX, error) { return readIDX(r, -1) }

// readIDX is ReadIDX; avail, when not negative, is the number of bytes the
// stream holds, checked against the header before reading the payload.
func readIDX(r io.Reader, avail int64) (*IDX, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("truncated: %d of 4 header bytes", n)
		}
		return nil, err
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("bad magic number % x: not an IDX file (want 00 00 <type> <ndims>)", magic)
	}
	size, tname := idxTypeSize(magic[2])
	if size == 0 {
		return nil, fmt.Errorf("unknown type code 0x%02x (want 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float or 0x0e double)", magic[2])
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, errors.New("header has 0 dimensions")
	}
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, hdr); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("truncated: header has %d dimensions but only %d of their %d bytes are present", nd, n, 4*nd)
		}
		return nil, err
	}
	dims := make([]int, nd)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(hdr[4*i:]))
	}
	count, err := elements(dims)
	if err != nil {
		return nil, fmt.Errorf("header says %s %s values: %w", dimString(dims), tname, err)
	}
	want := count * size
	if rest := avail - int64(4+4*nd); avail >= 0 && int64(want) > rest {
		return nil, fmt.Errorf("truncated: header says %s, file has %d", sizeString(dims, size), rest)
	}
	payload, err := readExactly(r, want)
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("truncated: header says %s, file has %d", sizeString(dims, size), len(payload))
		}
		return nil, err
	}
	var extra [1]byte
	if n, err := io.ReadFull(r, extra[:]); n > 0 {
		rest, _ := io.Copy(io.Discard, r)
		return nil, fmt.Errorf("extra data: header says %s, file has %d more", sizeString(dims, size), rest+1)
	} else if err != io.EOF {
		return nil, err
	}
	out := &IDX{Dims: dims, Type: magic[2]}
	if magic[2] == IDXUbyte {
		out.Raw = payload
		return out, nil
	}
	n := count
	out.Data = make([]float32, n)
	for i := range n {
		p := payload[i*size:]
		switch magic[2] {
		case IDXSbyte:
			out.Data[i] = float32(int8(p[0]))
		case IDXShort:
			out.Data[i] = float32(int16(binary.BigEndian.Uint16(p)))
		case IDXInt:
			out.Data[i] = float32(int32(binary.BigEndian.Uint32(p)))
		case IDXFloat:
			out.Data[i] = math.Float32frombits(binary.BigEndian.Uint32(p))
		case IDXDouble:
			out.Data[i] = float32(math.Float64frombits(binary.BigEndian.Uint64(p)))
		}
	}
	return out, nil
}

// readExactly reads n bytes, growing its buffer as data arrives rather than
// trusting n up front. On a short read it returns what it got and
// io.ErrUnexpectedEOF.
func readExactly(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<20))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), n))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if len(buf) < n {
				return buf, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func dimString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "×")
}

// sizeString describes the payload size, e.g. "60000×28×28 = 47040000 bytes".
func sizeString(dims []int, size int) string {
	n := prod(dims) * size
	if len(dims) == 1 && size == 1 {
		return fmt.Sprintf("%d bytes", n)
	}
	s := dimString(dims)
	if size > 1 {
		s += "×" + strconv.Itoa(size)
	}
	return fmt.Sprintf("%s = %d bytes", s, n)
}

// LoadIDX reads the IDX file at path, gunzipping it first when its name
// ends in ".gz". Errors name the file.
func LoadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var x *IDX
	if strings.HasSuffix(path, ".gz") {
		x, err = readIDXMaybeGzip(f, true)
	} else {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			x, err = readIDX(bufio.NewReaderSize(f, 1<<16), st.Size())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// readIDXMaybeGzip reads an IDX stream, gunzipping it if gz is set.
func readIDXMaybeGzip(r io.Reader, gz bool) (*IDX, error) {
	if !gz {
		return ReadIDX(bufio.NewReaderSize(r, 1<<16))
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not valid gzip data (%w)", err)
	}
	zr.Multistream(false)
	x, err := ReadIDX(zr)
	if err != nil {
		if isGzipErr(err) {
			return nil, fmt.Errorf("corrupt gzip data: %w", err)
		}
		return nil, err
	}
	return x, nil
}

func isGzipErr(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce)
}

// ReadIDXFrom reads an IDX stream that is gzip-compressed when gz is set,
// naming the stream in errors. It serves embedded copies of IDX files.
func ReadIDXFrom(name string, r io.Reader, gz bool) (*IDX, error) {
	x, err := readIDXMaybeGzip(r, gz)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return x, nil
}

// IDXDataset builds a dataset from an IDX array of samples (first axis N)
// and an IDX array of labels (first axis N; nil for an unlabeled dataset).
// Unsigned-byte samples are scaled by 1/255 to [0, 1]; three-dimensional
// sample arrays (N, H, W) get a channel axis, giving samples of shape
// [H, W, 1] (NHWC). Labels keep their values (class ids).
func IDXDataset(images, labels *IDX) (*Dataset, error) {
	if len(images.Dims) == 0 || images.Dims[0] == 0 {
		return nil, errors.New("no samples")
	}
	shape := append([]int(nil), images.Dims[1:]...)
	switch len(shape) {
	case 0:
		shape = []int{1}
	case 2:
		shape = append(shape, 1)
	}
	x := images.Float32(1.0 / 255)
	if images.Raw == nil { // unsigned bytes are always finite
		if err := checkFinite("samples", x, prod(shape)); err != nil {
			return nil, err
		}
	}
	var y []float32
	var yShape []int
	if labels != nil {
		if len(labels.Dims) == 0 || labels.Dims[0] != images.Dims[0] {
			return nil, fmt.Errorf("%d samples (%s) but labels are %s", images.Dims[0], dimString(images.Dims), dimString(labels.Dims))
		}
		y, yShape = labels.Float32(1), labels.Dims[1:]
		if labels.Raw == nil {
			if err := checkFinite("labels", y, prod(yShape)); err != nil {
				return nil, err
			}
		}
	}
	return New(x, shape, y, yShape)
}

// LoadIDXDataset reads samples and labels from two IDX files (gzipped if
// their names end in ".gz"); see IDXDataset. labelsPath may be empty.
func LoadIDXDataset(imagesPath, labelsPath string) (*Dataset, error) {
	images, err := LoadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	var labels *IDX
	if labelsPath != "" {
		if labels, err = LoadIDX(labelsPath); err != nil {
			return nil, err
		}
	}
	ds, err := IDXDataset(images, labels)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", imagesPath, labelsPath, err)
	}
	return ds, nil
}
