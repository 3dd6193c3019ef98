package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/tensile-ml/tensile/internal/limits"
	"github.com/tensile-ml/tensile/onnx/onnxpb"
)

// Limits on what a file may ask of the importer. A tensor's data must be
// present in the file (raw_data or typed fields), so memory stays
// proportional to the file's size; the limits catch dims that claim more.
const (
	// MaxFileSize is the largest ONNX file Read accepts (protobuf's own
	// message limit).
	MaxFileSize = 2 << 30
	// maxElements bounds one tensor's element count.
	maxElements = 1 << 28
	// maxFoldElements bounds constant-folded shape computations.
	maxFoldElements = 1 << 16
	maxRank         = 8
)

// ReadModelProto reads and decodes an ONNX file, checking its size first.
func ReadModelProto(path string) (*onnxpb.ModelProto, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("onnx: %s: %d bytes is over the %d-byte limit", path, st.Size(), int64(MaxFileSize))
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	mp, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return mp, nil
}

// Unmarshal decodes an ONNX model. A truncated or malformed encoding, or
// one without a graph, is an error.
func Unmarshal(data []byte) (*onnxpb.ModelProto, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%d bytes is over the %d-byte limit", len(data), int64(MaxFileSize))
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(data, &mp); err != nil {
		return nil, fmt.Errorf("not a valid ONNX (protobuf) file: %w", err)
	}
	if mp.Graph == nil {
		return nil, errors.New("not an ONNX model: no graph")
	}
	return &mp, nil
}

// constT is a constant tensor: float32 or int64 data in row-major order.
type constT struct {
	dims  []int
	f     []float32
	i     []int64
	isInt bool
	// zeroBatch marks zeros of a shape that includes the batch size
	// (ConstantOfShape of a folded Shape): a zero initial state.
	zeroBatch bool
}

func (c *constT) size() int { return numel(c.dims) }

func numel(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// checkDims validates tensor dims: non-negative, bounded rank, and an
// element count under limit (limits.Dims: overflow checked).
func checkDims(dims []int64, limit int) ([]int, error) {
	if len(dims) > maxRank {
		return nil, fmt.Errorf("rank %d is over %d", len(dims), maxRank)
	}
	out, _, err := limits.Dims(dims, int64(limit))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tensorConst converts a TensorProto (float, double, int32, int64 or
// bool data) to a constant, checking the data against the dims.
func tensorConst(t *onnxpb.TensorProto) (*constT, error) {
	if t.DataLocation == onnxpb.TensorProto_EXTERNAL || len(t.ExternalData) > 0 {
		return nil, fmt.Errorf("tensor %q: external data is not supported (save the model with its weights inside)", t.Name)
	}
	dims, err := checkDims(t.Dims, maxElements)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	n := numel(dims)
	c := &constT{dims: dims}
	raw := t.RawData
	want := func(got int) error {
		if got != n {
			return fmt.Errorf("tensor %q: dims %v need %d elements, the data holds %d", t.Name, dims, n, got)
		}
		return nil
	}
	switch onnxpb.TensorProto_DataType(t.DataType) {
	case onnxpb.TensorProto_FLOAT:
		if raw != nil {
			if len(raw)%4 != 0 {
				return nil, fmt.Errorf("tensor %q: raw data of %d bytes is not float32", t.Name, len(raw))
			}
			if err := want(len(raw) / 4); err != nil {
				return nil, err
			}
			c.f = make([]float32, n)
			for i := range c.f {
				c.f[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		} else {
			if err := want(len(t.FloatData)); err != nil {
				return nil, err
			}
			c.f = append([]float32(nil), t.FloatData...)
		}
	case onnxpb.TensorProto_DOUBLE:
		c.f = make([]float32, 0, min(n, len(raw)/8+len(t.DoubleData)))
		if raw != nil {
			if err := want(len(raw) / 8); err != nil || len(raw)%8 != 0 {
				return nil, fmt.Errorf("tensor %q: raw data of %d bytes does not fit dims %v", t.Name, len(raw), dims)
			}
			for i := range n {
				c.f = append(c.f, float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))))
			}
		} else {
			if err := want(len(t.DoubleData)); err != nil {
				return nil, err
			}
			for _, v := range t.DoubleData {
				c.f = append(c.f, float32(v))
			}
		}
	case onnxpb.TensorProto_INT64, onnxpb.TensorProto_INT32, onnxpb.TensorProto_BOOL, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8:
		c.isInt = true
		width := map[onnxpb.TensorProto_DataType]int{onnxpb.TensorProto_INT64: 8, onnxpb.TensorProto_INT32: 4,
			onnxpb.TensorProto_BOOL: 1, onnxpb.TensorProto_INT8: 1, onnxpb.TensorProto_UINT8: 1}[onnxpb.TensorProto_DataType(t.DataType)]
		if raw != nil {
			if len(raw)%width != 0 {
				return nil, fmt.Errorf("tensor %q: raw data of %d bytes does not fit its type", t.Name, len(raw))
			}
			if err := want(len(raw) / width); err != nil {
				return nil, err
			}
			c.i = make([]int64, n)
			for i := range c.i {
				switch width {
				case 8:
					c.i[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
				case 4:
					c.i[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
				default:
					if onnxpb.TensorProto_DataType(t.DataType) == onnxpb.TensorProto_INT8 {
						c.i[i] = int64(int8(raw[i]))
					} else {
						c.i[i] = int64(raw[i])
					}
				}
			}
		} else if onnxpb.TensorProto_DataType(t.DataType) == onnxpb.TensorProto_INT64 {
			if err := want(len(t.Int64Data)); err != nil {
				return nil, err
			}
			c.i = append([]int64(nil), t.Int64Data...)
		} else {
			if err := want(len(t.Int32Data)); err != nil {
				return nil, err
			}
			c.i = make([]int64, n)
			for i, v := range t.Int32Data {
				c.i[i] = int64(v)
			}
		}
	default:
		return nil, fmt.Errorf("tensor %q: data type %d is not supported (float, double, int and bool are)", t.Name, t.DataType)
	}
	return c, nil
}

// floats returns c's elements as float32.
func (c *constT) floats() []float32 {
	if !c.isInt {
		return c.f
	}
	f := make([]float32, len(c.i))
	for i, v := range c.i {
		f[i] = float32(v)
	}
	return f
}

// ints returns c's elements as int64 (floats truncated).
func (c *constT) ints() []int64 {
	if c.isInt {
		return c.i
	}
	v := make([]int64, len(c.f))
	for i, x := range c.f {
		v[i] = int64(x)
	}
	return v
}
