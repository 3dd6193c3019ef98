package data

import (
	"fmt"
	"math"
)

// Dataset is an in-memory set of N samples. Sample i occupies
// X[i*SampleSize() : (i+1)*SampleSize()] laid out row-major in XShape
// (images are HWC); its label occupies Y[i*LabelSize() : (i+1)*LabelSize()].
//
// YShape is empty when each sample has one scalar label: a class id stored
// as a float32 (for sparse categorical losses) or a scalar regression
// target. Y is nil for an unlabeled dataset (e.g. data to predict on).
// Classes optionally names the class ids (Classes[id]); loaders that map
// names to ids (image folders, CSV files with text labels) set it.
//
// A Dataset is read-only once built: Split and Take return views that share
// memory with the receiver, Subset copies.
type Dataset struct {
	X       []float32
	XShape  []int
	Y       []float32
	YShape  []int
	N       int
	Classes []string
}

// New returns a dataset over x (N samples of shape xShape) and y (N labels of
// shape yShape; yShape is empty for one class id or scalar target per
// sample). y may be nil for an unlabeled dataset. The slices are used, not
// copied. It reports an error when the lengths do not match the shapes.
func New(x []float32, xShape []int, y []float32, yShape []int) (*Dataset, error) {
	ss, err := shapeSize(xShape)
	if err != nil {
		return nil, fmt.Errorf("data: sample shape %v: %v", xShape, err)
	}
	if ss == 0 {
		return nil, fmt.Errorf("data: sample shape %v has no elements", xShape)
	}
	if len(x)%ss != 0 {
		return nil, fmt.Errorf("data: %d values in x is not a multiple of the sample size %d (shape %v)", len(x), ss, xShape)
	}
	n := len(x) / ss
	ls, err := shapeSize(yShape)
	if err != nil {
		return nil, fmt.Errorf("data: label shape %v: %v", yShape, err)
	}
	if y != nil && len(y) != n*ls {
		return nil, fmt.Errorf("data: %d samples of shape %v need %d label values of shape %v, got %d", n, xShape, n*ls, yShape, len(y))
	}
	return &Dataset{
		X:      x,
		XShape: append([]int(nil), xShape...),
		Y:      y,
		YShape: append([]int{}, yShape...),
		N:      n,
	}, nil
}

// MustNew is like New but panics on error.
func MustNew(x []float32, xShape []int, y []float32, yShape []int) *Dataset {
	d, err := New(x, xShape, y, yShape)
	if err != nil {
		panic(err)
	}
	return d
}

func shapeSize(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d != 0 && n > math.MaxInt32/d {
			return 0, fmt.Errorf("too many elements")
		}
		n *= d
	}
	return n, nil
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// SampleSize returns the number of values in one sample (the product of XShape).
func (d *Dataset) SampleSize() int { return prod(d.XShape) }

// LabelSize returns the number of values in one label (the product of
// YShape; 1 for scalar labels), or 0 for an unlabeled dataset.
func (d *Dataset) LabelSize() int {
	if d.Y == nil {
		return 0
	}
	return prod(d.YShape)
}

// Labeled reports whether the dataset has labels.
func (d *Dataset) Labeled() bool { return d.Y != nil }

// NumClasses returns the number of classes: for scalar class-id labels
// (YShape [] or [1]) the largest id plus one (at least len(Classes)); for
// vector labels (e.g. one-hot) the size of the last label dimension. It returns 0 for an
// unlabeled or empty dataset, or when a scalar label is negative or not an
// integer (a regression target).
func (d *Dataset) NumClasses() int {
	if d.Y == nil {
		return 0
	}
	if len(d.YShape) > 0 && prod(d.YShape) != 1 {
		return d.YShape[len(d.YShape)-1]
	}
	maxID := -1
	for _, v := range d.Y {
		if v < 0 || v != float32(math.Trunc(float64(v))) || v > math.MaxInt32 {
			return 0
		}
		if int(v) > maxID {
			maxID = int(v)
		}
	}
	return max(maxID+1, len(d.Classes))
}

// Sample returns the values of sample i (a view).
func (d *Dataset) Sample(i int) []float32 {
	ss := d.SampleSize()
	return d.X[i*ss : (i+1)*ss : (i+1)*ss]
}

// Label returns the label values of sample i (a view), or nil when unlabeled.
func (d *Dataset) Label(i int) []float32 {
	if d.Y == nil {
		return nil
	}
	ls := d.LabelSize()
	return d.Y[i*ls : (i+1)*ls : (i+1)*ls]
}

// slice returns samples [lo, hi) as a view.
func (d *Dataset) slice(lo, hi int) *Dataset {
	ss, ls := d.SampleSize(), d.LabelSize()
	out := &Dataset{
		X:       d.X[lo*ss : hi*ss : hi*ss],
		XShape:  append([]int(nil), d.XShape...),
		YShape:  append([]int{}, d.YShape...),
		N:       hi - lo,
		Classes: d.Classes,
	}
	if d.Y != nil {
		out.Y = d.Y[lo*ls : hi*ls : hi*ls]
	}
	return out
}

// Subset returns a new dataset holding copies of the samples idx, in that
// order. It panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	ss, ls := d.SampleSize(), d.LabelSize()
	out := &Dataset{
		X:       make([]float32, len(idx)*ss),
		XShape:  append([]int(nil), d.XShape...),
		YShape:  append([]int{}, d.YShape...),
		N:       len(idx),
		Classes: d.Classes,
	}
	if d.Y != nil {
		out.Y = make([]float32, len(idx)*ls)
	}
	for j, i := range idx {
		if i < 0 || i >= d.N {
			panic(fmt.Sprintf("data: Subset: index %d out of range [0, %d)", i, d.N))
		}
		copy(out.X[j*ss:(j+1)*ss], d.X[i*ss:(i+1)*ss])
		if d.Y != nil {
			copy(out.Y[j*ls:(j+1)*ls], d.Y[i*ls:(i+1)*ls])
		}
	}
	return out
}

// Split splits the dataset like Keras's validation_split: b holds the last
// frac of the samples (taken before any shuffling) and a the rest, at
// int(N*(1-frac)). Both are views sharing memory with d. It panics unless
// 0 <= frac <= 1.
func (d *Dataset) Split(frac float64) (a, b *Dataset) {
	if !(frac >= 0 && frac <= 1) {
		panic(fmt.Sprintf("data: Split: fraction %v not in [0, 1]", frac))
	}
	at := int(float64(d.N) * (1 - frac))
	return d.slice(0, at), d.slice(at, d.N)
}

// Take returns the first n samples as a view (all of them if n >= N). It
// panics if n is negative.
func (d *Dataset) Take(n int) *Dataset {
	if n < 0 {
		panic(fmt.Sprintf("data: Take: negative count %d", n))
	}
	return d.slice(0, min(n, d.N))
}

// String describes the dataset, e.g. "Dataset{N: 60000, x: [28 28 1], y: [] (10 classes)}".
func (d *Dataset) String() string {
	if d.Y == nil {
		return fmt.Sprintf("Dataset{N: %d, x: %v, unlabeled}", d.N, d.XShape)
	}
	if k := d.NumClasses(); k > 0 {
		return fmt.Sprintf("Dataset{N: %d, x: %v, y: %v (%d classes)}", d.N, d.XShape, d.YShape, k)
	}
	return fmt.Sprintf("Dataset{N: %d, x: %v, y: %v}", d.N, d.XShape, d.YShape)
}
