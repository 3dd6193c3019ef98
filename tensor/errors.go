package tensor

import (
	"fmt"
	"strings"
)

// ShapeError reports a programmer error: shapes, axes or arguments that do
// not fit an op. Ops panic with a *ShapeError; model code that must return an
// error (Fit, Load, the CLI) recovers it and names the layer at fault.
type ShapeError struct {
	Op     string  // the op, e.g. "MatMul"
	Shapes [][]int // the operand shapes involved
	Msg    string  // what is wrong, e.g. "do not match"
}

func (e *ShapeError) Error() string {
	var b strings.Builder
	b.WriteString("tensor: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch len(e.Shapes) {
	case 0:
	case 1:
		fmt.Fprintf(&b, "shape %v ", fmtShape(e.Shapes[0]))
	default:
		b.WriteString("shapes ")
		for i, s := range e.Shapes {
			if i > 0 {
				if i == len(e.Shapes)-1 {
					b.WriteString(" and ")
				} else {
					b.WriteString(", ")
				}
			}
			b.WriteString(fmtShape(s))
		}
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func fmtShape(s []int) string { return fmt.Sprint(s) }

// shapeErr panics with a *ShapeError.
func shapeErr(op, msg string, shapes ...[]int) {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	panic(&ShapeError{Op: op, Shapes: cp, Msg: msg})
}

// argErr panics with a *ShapeError that carries no shapes, for bad arguments
// such as an axis out of range.
func argErr(op, format string, args ...any) {
	panic(&ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)})
}
