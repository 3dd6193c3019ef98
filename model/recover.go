package model

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
)

// The recover boundary.
//
// One policy holds for everything that runs a model on the caller's behalf
// (Fit, TrainStep, Evaluate, Predict, Call, Load, building layers, and
// whatever a task package wraps in Guard): a panic raised inside becomes an
// error returned to the caller, and the process keeps running.
//
//   - A panic raised while a layer runs or builds becomes a *LayerError
//     naming the layer and wrapping the cause (usually a *tensor.ShapeError).
//   - A panic outside any layer (a loss, a metric) becomes an error
//     "model: <cause>" wrapping the cause.
//   - A Go runtime error (nil dereference, index out of range: a bug, not
//     bad input) is wrapped in an *InternalError that keeps the stack, so
//     it can be reported; it still does not crash a server or a CLI.

// InternalError is a Go runtime error (a bug in tensile or in a custom
// layer) caught at the recover boundary, with the stack where it happened.
type InternalError struct {
	Err   error
	Stack []byte
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error (please report it with the stack): %v", e.Err)
}

func (e *InternalError) Unwrap() error { return e.Err }

// panicCause turns a recovered value into an error by the policy above
// (without the layer).
func panicCause(r any) error {
	var cause error
	switch v := r.(type) {
	case error:
		cause = v
	default:
		cause = fmt.Errorf("%v", v)
	}
	var re runtime.Error
	if errors.As(cause, &re) {
		return &InternalError{Err: cause, Stack: debug.Stack()}
	}
	return cause
}

// guard is the deferred half of the boundary: it recovers a panic and sets
// *err, naming the node *cur when one was running.
func guard(cur **Node, err *error) {
	r := recover()
	if r == nil {
		return
	}
	cause := panicCause(r)
	if *cur != nil && (*cur).layer != nil {
		*err = &LayerError{Layer: (*cur).layer.Name(), Class: (*cur).layer.ClassName(), Err: cause}
		return
	}
	*err = fmt.Errorf("model: %w", cause)
}

// Guard runs f inside the package's recover boundary: it returns f's error,
// or the panic f raised turned into an error by the policy of Fit and
// Evaluate: the panic's error value itself (e.g. a *tensor.ShapeError), or
// an *InternalError for a Go runtime error. (Model methods called by f
// already return a *LayerError for a failing layer.) Task packages, the
// CLI and custom training loops use it around their own computations (a
// loss on a model's output, a sampling step) so that bad input never
// crashes the program.
func Guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicCause(r)
		}
	}()
	return f()
}
