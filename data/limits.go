package data

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/internal/limits"
)

// Limits on what a file may declare. Every loader checks a file's declared
// shapes and sizes against them, and against the file's own size, before it
// allocates: a corrupt or hostile header gets an error, not an out-of-memory
// crash. Raise them (before loading) for data that is legitimately larger.
var (
	// MaxElements is the most values one array, or one dataset, that a
	// loader reads may hold (default 2³⁰: 4 GiB as float32).
	MaxElements int64 = 1 << 30
	// MaxImagePixels is the most pixels (width × height) an image file may
	// declare in its header, and the most an image may be resized to
	// (default 2²⁶, e.g. 8192×8192).
	MaxImagePixels int64 = 1 << 26
)

// elements returns the product of shape, checked against MaxElements
// without overflowing.
func elements(shape []int) (int, error) {
	n, err := limits.Product(shape, min(MaxElements, math.MaxInt))
	if err != nil {
		return 0, fmt.Errorf("%w (the limit, data.MaxElements)", err)
	}
	return int(n), nil
}

// checkFinite returns an error naming the first NaN or infinite value of v
// and the sample it belongs to (per values in a sample); what names the
// array ("samples", "labels").
func checkFinite(what string, v []float32, per int) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			if per > 0 {
				return fmt.Errorf("%s: value %d (sample %d) is %v; loaders accept only finite numbers", what, i, i/per, x)
			}
			return fmt.Errorf("%s: value %d is %v; loaders accept only finite numbers", what, i, x)
		}
	}
	return nil
}
