package torchweights

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tensile-ml/tensile/internal/f16"
	"github.com/tensile-ml/tensile/internal/limits"
	"github.com/tensile-ml/tensile/tensor"
)

// Limits on a state-dict file.
const (
	maxHeader   = 100 << 20
	maxElements = 1 << 28
	maxRank     = 8
	maxFile     = 4 << 30
)

// StateDict is a PyTorch state dict: tensors by their PyTorch names
// ("features.0.weight"), converted to float32. Integer buffers such as
// BatchNorm's num_batches_tracked are left out.
type StateDict map[string]*tensor.Tensor

// ErrPickle is returned for PyTorch pickle files (.pt, .pth, .bin).
var ErrPickle = errors.New("is a PyTorch pickle file: loading pickle can run arbitrary code, so tensile refuses it; " +
	"convert it once, in Python, with: import torch; from safetensors.torch import save_file; " +
	"save_file(torch.load(\"state.pt\", weights_only=True), \"state.safetensors\")")

// ReadFile reads a state dict saved as safetensors. A pickle file (zip or
// raw pickle) is refused with ErrPickle; a malformed file is an error
// naming it.
func ReadFile(path string) (StateDict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("torchweights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("torchweights: %w", err)
	}
	if st.Size() > maxFile {
		return nil, fmt.Errorf("torchweights: %s: %d bytes is over the size limit", path, st.Size())
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("torchweights: %s: %w", path, err)
	}
	sd, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("torchweights: %s: %w", path, err)
	}
	return sd, nil
}

// Decode parses safetensors bytes (F32, F64, F16 and BF16 tensors; I64,
// I32 and BOOL tensors are skipped).
func Decode(b []byte) (StateDict, error) {
	safetensors := len(b) > 8 && b[8] == '{'
	if !safetensors && (bytes.HasPrefix(b, []byte("PK\x03\x04")) || (len(b) > 1 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)) {
		return nil, ErrPickle
	}
	if len(b) < 8 {
		return nil, errors.New("not a safetensors file: shorter than its 8-byte header length")
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("not a safetensors file: header length %d does not fit the file (%d bytes)", n, len(b))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("not a safetensors file: header: %w", err)
	}
	data := b[8+n:]
	sd := StateDict{}
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var ti struct {
			DType   string  `json:"dtype"`
			Shape   []int64 `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &ti); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		if len(ti.Shape) > maxRank || len(ti.Offsets) != 2 {
			return nil, fmt.Errorf("tensor %q: bad shape or offsets", name)
		}
		shape, count, err := limits.Dims(ti.Shape, maxElements)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		width := map[string]int64{"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "BOOL": 1, "U8": 1, "I8": 1}[ti.DType]
		if width == 0 {
			return nil, fmt.Errorf("tensor %q: dtype %q is not supported", name, ti.DType)
		}
		lo, hi := ti.Offsets[0], ti.Offsets[1]
		if lo < 0 || hi < lo || hi > int64(len(data)) || hi-lo != count*width {
			return nil, fmt.Errorf("tensor %q: data offsets %v do not fit shape %v (%s) and %d data bytes", name, ti.Offsets, ti.Shape, ti.DType, len(data))
		}
		raw := data[lo:hi]
		var f []float32
		switch ti.DType {
		case "F32":
			f = make([]float32, count)
			for i := range f {
				f[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case "F64":
			f = make([]float32, count)
			for i := range f {
				f[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		case "BF16":
			f = make([]float32, count)
			for i := range f {
				f[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
			}
		case "F16":
			f = make([]float32, count)
			for i := range f {
				f[i] = f16.ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
			}
		default:
			continue // integer buffers (num_batches_tracked)
		}
		sd[name] = tensor.FromSlice(f, shape...)
	}
	return sd, nil
}

// Names returns the state dict's names in natural order (numeric path
// components compare as numbers: "layers.2" before "layers.10").
func (sd StateDict) Names() []string {
	names := make([]string, 0, len(sd))
	for n := range sd {
		names = append(names, n)
	}
	slices.SortFunc(names, naturalCompare)
	return names
}

func naturalCompare(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		ai, aerr := atoi(as[i])
		bi, berr := atoi(bs[i])
		if aerr && berr {
			if ai < bi {
				return -1
			}
			return 1
		}
		return strings.Compare(as[i], bs[i])
	}
	return len(as) - len(bs)
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
