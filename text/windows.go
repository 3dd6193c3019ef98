package text

import "fmt"

// numWindows returns how many windows of length+1 ids start every step ids
// within n ids.
func numWindows(op string, n, length, step int) int {
	if length < 1 || step < 1 {
		panic(fmt.Sprintf("text: %s: need length >= 1 and step >= 1, got length=%d, step=%d", op, length, step))
	}
	if n <= length {
		return 0
	}
	return (n-length-1)/step + 1
}

// NextTokenWindows cuts a token-id stream (e.g. a whole text encoded by a
// CharTokenizer vocabulary) into training pairs for a language model that
// predicts the token after a window: x is [N, length] (window i starts at
// ids[i*step]) and y is [N], the id that follows each window. Windows that
// would run past the end are dropped; a stream of at most length ids gives
// N = 0. It panics unless length >= 1 and step >= 1.
//
//	NextTokenWindows([]int{1, 2, 3, 4, 5}, 3, 1) // x [[1 2 3] [2 3 4]], y [4 5]
func NextTokenWindows(ids []int, length, step int) (x []float32, xShape []int, y []float32, yShape []int) {
	n := numWindows("NextTokenWindows", len(ids), length, step)
	x = make([]float32, n*length)
	y = make([]float32, n)
	for i := range n {
		s := i * step
		for j := range length {
			x[i*length+j] = float32(ids[s+j])
		}
		y[i] = float32(ids[s+length])
	}
	return x, []int{n, length}, y, []int{n}
}

// ShiftedWindows is NextTokenWindows for models that predict a token at
// every time step (a recurrent network with return_sequences): y is
// [N, length], window x shifted left by one, so y[i, t] is the token after
// x[i, t].
//
//	ShiftedWindows([]int{1, 2, 3, 4, 5}, 3, 2) // x [[1 2 3]], y [[2 3 4]]
func ShiftedWindows(ids []int, length, step int) (x []float32, xShape []int, y []float32, yShape []int) {
	n := numWindows("ShiftedWindows", len(ids), length, step)
	x = make([]float32, n*length)
	y = make([]float32, n*length)
	for i := range n {
		s := i * step
		for j := range length {
			x[i*length+j] = float32(ids[s+j])
			y[i*length+j] = float32(ids[s+j+1])
		}
	}
	return x, []int{n, length}, y, []int{n, length}
}
