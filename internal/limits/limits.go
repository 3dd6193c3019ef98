// Package limits holds the checks every file reader applies to what a file
// declares (array shapes, nesting depth) before it allocates anything: an
// overflow-safe shape product and a JSON nesting-depth scan. The limits
// themselves are documented, overridable variables in the packages that
// own the readers (data.MaxElements, model.MaxWeightElements, ...).
package limits

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Product returns the product of dims. It is an error if a dimension is
// negative or if the product exceeds max; the check happens before each
// multiplication, so a product that would overflow int64 is reported, never
// wrapped. A zero dimension gives 0 however large the others are.
func Product(dims []int, max int64) (int64, error) {
	n := int64(1)
	zero := false
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %s", Shape(dims))
		}
		if d == 0 {
			zero = true
		}
	}
	if zero {
		return 0, nil
	}
	for _, d := range dims {
		if n > max/int64(d) || n > math.MaxInt64/int64(d) {
			return 0, fmt.Errorf("shape %s holds more than %d values", Shape(dims), max)
		}
		n *= int64(d)
	}
	if n > max {
		return 0, fmt.Errorf("shape %s holds more than %d values", Shape(dims), max)
	}
	return n, nil
}

// Dims converts dims read from a file's header (int64, as ONNX and
// safetensors store them) to ints and checks them with Product: a
// dimension that does not fit an int, a negative one or a product over
// max is an error. It returns the dims and their product.
func Dims(dims []int64, max int64) ([]int, int64, error) {
	out := make([]int, len(dims))
	for i, d := range dims {
		if int64(int(d)) != d {
			return nil, 0, fmt.Errorf("dimension %d does not fit an int", d)
		}
		out[i] = int(d)
	}
	n, err := Product(out, max)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// Shape formats dims as "[2 3 4]" (a bounded prefix for very long shapes).
func Shape(dims []int) string {
	const show = 16
	s := make([]string, 0, min(len(dims), show))
	for i, d := range dims {
		if i == show {
			s = append(s, fmt.Sprintf("... (%d dimensions)", len(dims)))
			break
		}
		s = append(s, strconv.Itoa(d))
	}
	return "[" + strings.Join(s, " ") + "]"
}

// JSONDepth returns the deepest nesting of objects and arrays in the JSON
// text b (0 for a scalar), without decoding it; strings are skipped, so
// brackets inside them do not count. It stops counting at max+1.
func JSONDepth(b []byte, max int) int {
	depth, deepest := 0, 0
	inStr, esc := false, false
	for _, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return deepest
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// CheckJSONDepth returns an error if the JSON text b nests objects and
// arrays deeper than max.
func CheckJSONDepth(b []byte, max int) error {
	if JSONDepth(b, max) > max {
		return fmt.Errorf("JSON nests objects and arrays deeper than %d levels (the limit)", max)
	}
	return nil
}
