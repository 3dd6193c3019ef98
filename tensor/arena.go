package tensor

import "github.com/tensile-ml/tensile/backend"

// Arena recycles tensor buffers across training steps so that a steady-state
// step does not allocate its activations and gradients anew from the Go heap.
//
// Tensors created by an arena (Arena.Zeros, Arena.FromSlice, ...) carry it,
// and every op whose inputs carry an arena allocates its output, and the
// gradients flowing through it, from that arena. Reset hands every buffer
// given out since the previous Reset back for reuse, so tensors from an
// earlier step must not be used after Reset. Leaf gradients (the grads of
// weights) always live on the Go heap.
//
// An Arena is not safe for concurrent use: one training loop owns it. Ops on
// tensors without an arena (the default) allocate from the Go heap as usual.
type Arena struct {
	free map[int][]backend.Buffer
	used []backend.Buffer
}

// NewArena returns an empty arena.
func NewArena() *Arena { return &Arena{free: map[int][]backend.Buffer{}} }

// raw returns a backend buffer of n elements with undefined contents. A nil
// arena allocates a new one from the backend (on the CPU: the Go heap).
func (a *Arena) raw(n int) backend.Buffer {
	if a == nil {
		return engine.Alloc(n)
	}
	var buf backend.Buffer
	if l := a.free[n]; len(l) > 0 {
		buf = l[len(l)-1]
		a.free[n] = l[:len(l)-1]
	} else {
		buf = engine.Alloc(n)
	}
	a.used = append(a.used, buf)
	return buf
}

// Reset makes every buffer handed out since the last Reset available again.
func (a *Arena) Reset() {
	for _, b := range a.used {
		a.free[b.Len()] = append(a.free[b.Len()], b)
	}
	clear(a.used)
	a.used = a.used[:0]
}

// Zeros returns a zero-filled tensor allocated from the arena.
func (a *Arena) Zeros(shape ...int) *Tensor {
	checkShape("Zeros", shape)
	return zeros(a, shape...)
}

// Uninit returns a tensor allocated from the arena whose contents are
// undefined (a recycled buffer is not cleared): for callers that overwrite
// every element, such as a data loader filling a batch.
func (a *Arena) Uninit(shape ...int) *Tensor {
	checkShape("Uninit", shape)
	return empty(a, shape...)
}

// FromSlice returns an arena tensor holding a copy of data.
func (a *Arena) FromSlice(data []float32, shape ...int) *Tensor {
	if shape == nil {
		shape = []int{len(data)}
	}
	checkShape("FromSlice", shape)
	if numel(shape) != len(data) {
		argErr("FromSlice", "%d values do not fill shape %v", len(data), shape)
	}
	t := empty(a, shape...)
	engine.CopyIn(t.buf, data)
	return t
}

// Arena returns the arena the tensor allocates from, or nil for the heap.
func (t *Tensor) Arena() *Arena { return t.arena }

// arenaOf returns the first arena among ts, or nil.
func arenaOf(ts ...*Tensor) *Arena {
	for _, t := range ts {
		if t != nil && t.arena != nil {
			return t.arena
		}
	}
	return nil
}
