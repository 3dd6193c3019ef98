package metrics

import (
	"fmt"
	"math"

	"github.com/tensile-ml/tensile/tensor"
)

func shapeErr(op, msg string, shapes ...[]int) {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	panic(&tensor.ShapeError{Op: "metrics." + op, Shapes: cp, Msg: msg})
}

// ratio returns num/den, or 0 when den is 0 (Keras's divide_no_nan).
func ratio(num, den float64) float64 {
	if den == 0 {
		return 0
	}
	return num / den
}

// sameSize checks that yTrue and yPred hold the same number of elements and
// returns their data.
func sameSize(op string, yTrue, yPred *tensor.Tensor) (t, p []float32) {
	if yTrue.Size() != yPred.Size() {
		shapeErr(op, "targets and predictions differ in size", yTrue.Shape(), yPred.Shape())
	}
	return yTrue.Data(), yPred.Data()
}

// classes returns the number of classes C (the last axis of yPred) and the
// number of rows N = yPred.Size()/C.
func classes(op string, yPred *tensor.Tensor) (c, n int) {
	if yPred.Dims() == 0 {
		shapeErr(op, "predictions need a class axis", yPred.Shape())
	}
	c = yPred.Dim(-1)
	if c == 0 {
		return 0, 0
	}
	return c, yPred.Size() / c
}

// sparseIDs checks that yTrue holds one class id per row of yPred and
// returns the ids (shape [...] or [..., 1] for yPred [..., C]).
func sparseIDs(op string, yTrue, yPred *tensor.Tensor) (ids []float32, c, n int) {
	c, n = classes(op, yPred)
	if yTrue.Size() != n {
		shapeErr(op, fmt.Sprintf("want one class id per row of the %d-class predictions", c), yTrue.Shape(), yPred.Shape())
	}
	ids = yTrue.Data()
	for _, v := range ids {
		if v < 0 || int(v) >= c || v != float32(math.Trunc(float64(v))) {
			panic(&tensor.ShapeError{Op: "metrics." + op, Shapes: [][]int{append([]int(nil), yTrue.Shape()...), append([]int(nil), yPred.Shape()...)},
				Msg: fmt.Sprintf("class id %g is not an integer in [0, %d)", v, c)})
		}
	}
	return ids, c, n
}

// inTopK reports whether class t is among the k largest of row, counting
// ties in its favour (fewer than k elements are strictly larger).
func inTopK(row []float32, t, k int) bool {
	v := row[t]
	if v != v {
		return false
	}
	larger := 0
	for _, x := range row {
		if x > v {
			larger++
			if larger >= k {
				return false
			}
		}
	}
	return true
}

// meanState accumulates a weighted mean.
type meanState struct {
	sum, count float64
}

func (m *meanState) Result() float64 { return ratio(m.sum, m.count) }
func (m *meanState) Reset()          { m.sum, m.count = 0, 0 }
