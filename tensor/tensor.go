package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tensile-ml/tensile/backend"
)

// Tensor is an n-dimensional float32 array with optional gradient tracking.
//
// Storage is a backend buffer (a storage handle; on the CPU backend a flat
// host slice) addressed through shape, strides and an offset, so reshape,
// transpose and slicing can be views that share storage. Backend ops need
// contiguous row-major data; ops call contiguous() on their inputs, which
// copies only when a view is not already contiguous.
type Tensor struct {
	buf     backend.Buffer // storage handle: host memory on the CPU backend
	shape   []int
	strides []int
	offset  int
	arena   *Arena // where ops on this tensor allocate their outputs; nil: Go heap

	requiresGrad bool
	grad         *Tensor
	node         *node
	name         string

	// inference marks a tensor in inference mode (InferenceMode): ops on it
	// record no graph.
	inference bool
}

// rowMajor returns the contiguous strides of shape.
func rowMajor(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// numel returns the product of shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func checkShape(op string, shape []int) {
	for _, d := range shape {
		if d < 0 {
			shapeErr(op, "has a negative dimension", shape)
		}
	}
}

// wrap makes a contiguous tensor over host data (len(data) == numel(shape)).
func wrap(data []float32, shape []int, a *Arena) *Tensor {
	return wrapBuf(backend.Buffer{Host: data}, shape, a)
}

// wrapBuf makes a contiguous tensor over buf (buf.Len() == numel(shape)).
func wrapBuf(buf backend.Buffer, shape []int, a *Arena) *Tensor {
	return &Tensor{buf: buf, shape: shape, strides: rowMajor(shape), arena: a}
}

// empty returns a contiguous tensor whose contents are undefined (arena
// buffers are reused); callers must write every element.
func empty(a *Arena, shape ...int) *Tensor {
	sh := append([]int(nil), shape...)
	return wrapBuf(a.raw(numel(sh)), sh, a)
}

// zeros returns a zero-filled contiguous tensor in arena a (nil: heap).
func zeros(a *Arena, shape ...int) *Tensor {
	t := empty(a, shape...)
	engine.Fill(t.buf, 0)
	return t
}

// New returns a tensor of the given shape filled with zeros. It is the same
// as Zeros.
func New(shape ...int) *Tensor { return Zeros(shape...) }

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	checkShape("Zeros", shape)
	return zeros(nil, shape...)
}

// Ones returns a tensor of the given shape filled with ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full(v float32, shape ...int) *Tensor {
	checkShape("Full", shape)
	t := empty(nil, shape...)
	engine.Fill(t.buf, v)
	return t
}

// Scalar returns a 0-d tensor holding v.
func Scalar(v float32) *Tensor { return wrap([]float32{v}, []int{}, nil) }

// FromSlice returns a tensor of the given shape that uses data as its storage
// (no copy). With no shape it is 1-d. It panics if len(data) does not match.
func FromSlice(data []float32, shape ...int) *Tensor {
	if shape == nil {
		shape = []int{len(data)}
	}
	checkShape("FromSlice", shape)
	if numel(shape) != len(data) {
		argErr("FromSlice", "%d values do not fill shape %v", len(data), shape)
	}
	return wrap(data, append([]int(nil), shape...), nil)
}

// FromFloat64 copies data into a new tensor of the given shape.
func FromFloat64(data []float64, shape ...int) *Tensor {
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return FromSlice(f, shape...)
}

// Arange returns the 1-d tensor start, start+step, ... below stop (above stop
// for a negative step).
func Arange(start, stop, step float32) *Tensor {
	if step == 0 {
		argErr("Arange", "step is 0")
	}
	n := int(math.Ceil(float64((stop - start) / step)))
	if n < 0 {
		n = 0
	}
	t := zeros(nil, n)
	for i := range t.buf.Host {
		t.buf.Host[i] = start + float32(i)*step
	}
	return t
}

// NewRNG returns a deterministic random source for seed. Everything random in
// tensile takes such a source; the same seed gives the same numbers.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// RandNormal returns a tensor of samples from N(mean, std²).
func RandNormal(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	checkShape("RandNormal", shape)
	t := zeros(nil, shape...)
	for i := range t.buf.Host {
		t.buf.Host[i] = mean + std*float32(rng.NormFloat64())
	}
	return t
}

// RandUniform returns a tensor of samples from U[lo, hi).
func RandUniform(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	checkShape("RandUniform", shape)
	t := zeros(nil, shape...)
	for i := range t.buf.Host {
		t.buf.Host[i] = lo + (hi-lo)*float32(rng.Float64())
	}
	return t
}

// RandTruncNormal returns samples from N(mean, std²) redrawn until they lie
// within two standard deviations of the mean, like Keras's TruncatedNormal.
func RandTruncNormal(rng *rand.Rand, mean, std float32, shape ...int) *Tensor {
	checkShape("RandTruncNormal", shape)
	t := zeros(nil, shape...)
	for i := range t.buf.Host {
		z := rng.NormFloat64()
		for z < -2 || z > 2 {
			z = rng.NormFloat64()
		}
		t.buf.Host[i] = mean + std*float32(z)
	}
	return t
}

// Shape returns the tensor's dimensions. The slice must not be modified.
func (t *Tensor) Shape() []int { return t.shape }

// Dims returns the number of dimensions.
func (t *Tensor) Dims() int { return len(t.shape) }

// Size returns the number of elements.
func (t *Tensor) Size() int { return numel(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int { return t.shape[normAxis("Dim", i, len(t.shape))] }

// IsContiguous reports whether the elements lie in row-major order without gaps.
func (t *Tensor) IsContiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// Data returns the elements in row-major order as a host slice. For a
// contiguous tensor it is a view of the storage itself (writes are visible
// to the tensor and its views); for a non-contiguous view it is a fresh copy.
//
// Data is the escape hatch for I/O code (loading and saving weights,
// reading predictions, building batches): it assumes host storage, as the
// CPU backend has. A device backend would sync the buffer to the host
// first. Computation should go through ops, and code that only needs the
// values can use Float32s (a copy) or CopyFromSlice (a write) instead.
func (t *Tensor) Data() []float32 {
	if t.IsContiguous() {
		return t.buf.Host[t.offset : t.offset+t.Size()]
	}
	return t.contiguous().buf.Host
}

// Float32s returns a copy of the elements in row-major order, copied out of
// the tensor's backend buffer.
func (t *Tensor) Float32s() []float32 {
	src := t
	if !t.IsContiguous() {
		src = t.contiguousCopy()
	}
	out := make([]float32, t.Size())
	engine.CopyOut(out, src.storage())
	return out
}

// CopyFromSlice copies src (len(src) == Size()) into the contiguous tensor t
// through its backend buffer, recording no gradient: use it to load weights
// or restore a snapshot.
func (t *Tensor) CopyFromSlice(src []float32) {
	if len(src) != t.Size() {
		argErr("CopyFromSlice", "%d values for a tensor of shape %v", len(src), t.shape)
	}
	if !t.IsContiguous() {
		argErr("CopyFromSlice", "destination %v is not contiguous", t.shape)
	}
	engine.CopyIn(t.storage(), src)
}

// MovingAverage sets t = t·momentum + src·(1-momentum) element by element,
// in place and without recording a gradient: the update of a moving
// statistic such as BatchNormalization's moving mean (Keras's
// assign_moving_average). t must be contiguous; src has t's size.
func (t *Tensor) MovingAverage(src *Tensor, momentum float32) {
	if src.Size() != t.Size() {
		shapeErr("MovingAverage", "have different sizes", t.shape, src.shape)
	}
	if !t.IsContiguous() {
		argErr("MovingAverage", "destination %v is not contiguous", t.shape)
	}
	if !src.IsContiguous() {
		src = src.contiguousCopy()
	}
	d := t.storage()
	tmp := scratch(src.arena, src.Size())
	engine.Unary(backend.MulScalar, d, d, momentum, 0)
	engine.Unary(backend.MulScalar, tmp, src.storage(), 1-momentum, 0)
	engine.Binary(backend.Add, d, d, tmp)
}

// Float64s returns a copy of the elements as float64 in row-major order.
func (t *Tensor) Float64s() []float64 {
	d := t.Data()
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// At returns the element at the given index.
func (t *Tensor) At(idx ...int) float32 {
	return t.buf.Host[t.index("At", idx)]
}

// Set stores v at the given index. It does not record a gradient.
func (t *Tensor) Set(v float32, idx ...int) {
	t.buf.Host[t.index("Set", idx)] = v
}

func (t *Tensor) index(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		argErr(op, "index %v has %d entries for a %d-d tensor %v", idx, len(idx), len(t.shape), t.shape)
	}
	off := t.offset
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			argErr(op, "index %v out of range for shape %v", idx, t.shape)
		}
		off += v * t.strides[i]
	}
	return off
}

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float32 {
	if t.Size() != 1 {
		shapeErr("Item", "has more than one element", t.shape)
	}
	return t.buf.Host[t.offset]
}

// Name returns the tensor's name (set for weights, e.g. "conv2d_1/kernel").
func (t *Tensor) Name() string { return t.name }

// SetName names the tensor and returns it.
func (t *Tensor) SetName(n string) *Tensor { t.name = n; return t }

// Clone returns a contiguous copy on the Go heap, detached from any graph.
func (t *Tensor) Clone() *Tensor {
	out := zeros(nil, t.shape...)
	copy(out.buf.Host, t.Data())
	return out
}

// CopyFrom copies src's elements into t (same number of elements; shapes may
// differ). It records no gradient; use it to load weights.
func (t *Tensor) CopyFrom(src *Tensor) {
	if src.Size() != t.Size() {
		shapeErr("CopyFrom", "have different sizes", t.shape, src.shape)
	}
	if !t.IsContiguous() {
		argErr("CopyFrom", "destination %v is not contiguous", t.shape)
	}
	copy(t.Data(), src.Data())
}

// Fill sets every element to v without recording a gradient.
func (t *Tensor) Fill(v float32) {
	if !t.IsContiguous() {
		argErr("Fill", "destination %v is not contiguous", t.shape)
	}
	d := t.Data()
	for i := range d {
		d[i] = v
	}
}

// String formats small tensors in full and large ones by shape.
func (t *Tensor) String() string {
	if t.Size() > 64 {
		return fmt.Sprintf("Tensor%v", t.shape)
	}
	var b strings.Builder
	d := t.Data()
	var rec func(dim, off int)
	rec = func(dim, off int) {
		if dim == len(t.shape) {
			fmt.Fprintf(&b, "%g", d[off])
			return
		}
		b.WriteByte('[')
		stride := numel(t.shape[dim+1:])
		for i := 0; i < t.shape[dim]; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			rec(dim+1, off+i*stride)
		}
		b.WriteByte(']')
	}
	rec(0, 0)
	return b.String()
}

// normAxis maps a possibly negative axis into [0, n).
func normAxis(op string, axis, n int) int {
	if axis < -n || axis >= n {
		argErr(op, "axis %d out of range for %d dimensions", axis, n)
	}
	if axis < 0 {
		axis += n
	}
	return axis
}
