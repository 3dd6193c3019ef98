package tensor

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"
)

// Row-sparse gradients.
//
// GatherRows is the embedding lookup: it reads rows of a 2-D table [V, D].
// Its gradient with respect to the table is zero except on the rows read,
// so when the table is a leaf (a weight) the backward pass does not build a
// dense [V, D] gradient: it records the touched row ids and their gradient
// rows on the side. An optimizer that can update only those rows reads them
// with RowGrad; everything else sees an ordinary dense gradient, because
// Grad adds the pending rows into the dense gradient the first time it is
// called. ZeroGrad drops pending rows.
//
// The side record lives in a package-level map keyed by a weak pointer to
// the table, removed when the table is garbage collected, so the Tensor
// struct carries no extra field.

// RowGrad is a row-sparse gradient of a 2-D tensor [V, D]: zero except on
// Rows, whose gradient rows are Values[i*Dim:(i+1)*Dim] for Rows[i]. Rows
// are distinct and ascending; gradients of repeated ids have been summed,
// in the order they were recorded.
type RowGrad struct {
	Rows   []int32
	Values []float32
	Dim    int
}

// rowAcc accumulates the row-sparse gradient of one table.
type rowAcc struct {
	dim    int
	rows   []int32
	vals   []float32
	sorted bool // rows are distinct and ascending (coalesced)
	// spare is the table's zeroed dense gradient buffer that dropRows took
	// away, reused by the next mergeRows so that densifying every step
	// does not allocate a [V, D] buffer each time.
	spare *Tensor
	// scratch for coalescing, reused across steps
	keys  []int64
	urows []int32
	uvals []float32
}

var (
	rowMu   sync.Mutex
	rowAccs = map[weak.Pointer[Tensor]]*rowAcc{}
	// rowLive is len(rowAccs): Grad and ZeroGrad skip the map while it is 0.
	rowLive atomic.Int32
)

// rowAccOf returns t's accumulator; with create it makes one. The caller
// holds rowMu.
func rowAccOf(t *Tensor, create bool) *rowAcc {
	wp := weak.Make(t)
	a := rowAccs[wp]
	if a == nil && create {
		a = &rowAcc{sorted: true}
		rowAccs[wp] = a
		rowLive.Add(1)
		runtime.AddCleanup(t, func(wp weak.Pointer[Tensor]) {
			rowMu.Lock()
			delete(rowAccs, wp)
			rowLive.Add(-1)
			rowMu.Unlock()
		}, wp)
	}
	return a
}

// GatherRows returns the rows ids of the 2-D table [V, D] as a [len(ids), D]
// tensor: row j is table row ids[j]. Each id must be in [0, V); a bad id
// panics with a *ShapeError naming it and its position.
//
// Gradient: when table is a leaf that requires a gradient (a weight), the
// backward pass records a row-sparse gradient (see RowGrad) instead of a
// dense [V, D] one, so its cost grows with len(ids), not with V. Otherwise
// (the table was computed by other ops) the table's gradient is the dense
// scatter-add of the output gradient's rows.
func GatherRows(table *Tensor, ids []int32) *Tensor {
	sh := table.Shape()
	if len(sh) != 2 {
		shapeErr("GatherRows", "table must be 2-D [V, D]", sh)
	}
	v, d := sh[0], sh[1]
	for j, id := range ids {
		if id < 0 || int(id) >= v {
			shapeErr("GatherRows", fmt.Sprintf("id %d at position %d is out of range [0, %d)", id, j, v), sh)
		}
	}
	src := table
	if !src.IsContiguous() {
		src = src.Contiguous()
	}
	tab := src.Data()
	out := make([]float32, len(ids)*d)
	for j, id := range ids {
		o, s := j*d, int(id)*d
		copy(out[o:o+d], tab[s:s+d])
	}
	idx := slices.Clone(ids)
	return record(FromSlice(out, len(ids), d), "GatherRows", func(g *Tensor) []*Tensor {
		gd := g.Data()
		if src.Op() == "" {
			// A leaf: record the rows on the side.
			rowMu.Lock()
			a := rowAccOf(src, true)
			if a.dim != d && len(a.rows) > 0 {
				rowMu.Unlock()
				shapeErr("GatherRows backward", fmt.Sprintf("row width %d differs from the pending gradient's %d", d, a.dim), sh)
			}
			a.dim = d
			if len(idx) > 0 {
				a.sorted = len(a.rows) == 0 && len(idx) == 1
			}
			a.rows = append(a.rows, idx...)
			a.vals = append(a.vals, gd...)
			rowMu.Unlock()
			return nil
		}
		dense := make([]float32, v*d)
		for j, id := range idx {
			addRow(dense[int(id)*d:int(id)*d+d], gd[j*d:j*d+d])
		}
		return []*Tensor{FromSlice(dense, v, d)}
	}, src)
}

// addRow sets dst[i] += src[i].
func addRow(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] += x
	}
}

// coalesce sorts a's rows (stably, so repeated ids are summed in the order
// they were recorded) and sums duplicates. The caller holds rowMu.
func (a *rowAcc) coalesce() {
	if a.sorted {
		return
	}
	d := a.dim
	rows := a.rows
	// Sort (row, position) keys: rows ascending, a repeated row's entries
	// in the order they were recorded. Rows recorded in ascending order
	// (one lookup of sorted ids) need no sort.
	a.keys = a.keys[:0]
	for i, r := range rows {
		a.keys = append(a.keys, int64(r)<<32|int64(i))
	}
	if !slices.IsSorted(rows) {
		slices.Sort(a.keys)
	}
	a.urows = a.urows[:0]
	a.uvals = a.uvals[:0]
	for _, key := range a.keys {
		p := int32(key & (1<<32 - 1))
		r := rows[p]
		if k := len(a.urows); k == 0 || a.urows[k-1] != r {
			a.urows = append(a.urows, r)
			a.uvals = append(a.uvals, make([]float32, d)...)
		}
		k := len(a.urows) - 1
		addRow(a.uvals[k*d:k*d+d], a.vals[int(p)*d:int(p)*d+d])
	}
	a.rows, a.urows = a.urows, a.rows
	a.vals, a.uvals = a.uvals, a.vals
	a.sorted = true
}

// RowGrad returns t's gradient in row-sparse form when that is all of it:
// the rows GatherRows recorded since the last ZeroGrad, coalesced. It
// returns nil when t has no pending rows, or when t also has a dense
// gradient (from other uses of t, e.g. a regularization term), in which
// case Grad returns the sum of both. The slices belong to t and stay valid
// until the next Backward, Grad or ZeroGrad on t; do not modify them.
func (t *Tensor) RowGrad() *RowGrad {
	if rowLive.Load() == 0 {
		return nil
	}
	rowMu.Lock()
	defer rowMu.Unlock()
	a := rowAccOf(t, false)
	if a == nil || len(a.rows) == 0 || t.grad != nil {
		return nil
	}
	a.coalesce()
	return &RowGrad{Rows: a.rows, Values: a.vals, Dim: a.dim}
}

// mergeRows adds t's pending rows into its dense gradient (creating it) and
// clears them. Grad calls it.
func (t *Tensor) mergeRows() {
	rowMu.Lock()
	defer rowMu.Unlock()
	a := rowAccOf(t, false)
	if a == nil || len(a.rows) == 0 {
		return
	}
	if t.grad == nil {
		if a.spare != nil && slices.Equal(a.spare.Shape(), t.Shape()) {
			t.grad = a.spare
		} else {
			t.grad = Zeros(t.Shape()...)
		}
		a.spare = nil
	}
	// Sum repeated ids first, so that the result is the dense gradient's
	// (a sum of the rows' total and the dense part, not a running sum).
	a.coalesce()
	g, d := t.grad.Data(), a.dim
	for j, r := range a.rows {
		addRow(g[int(r)*d:int(r)*d+d], a.vals[j*d:j*d+d])
	}
	a.rows, a.vals, a.sorted = a.rows[:0], a.vals[:0], true
}

// dropRows clears t's pending rows. A table with a row-sparse gradient also
// sets its (already zeroed) dense gradient buffer aside, so that RowGrad
// sees a purely sparse gradient again next step. ZeroGrad calls it.
func (t *Tensor) dropRows() {
	rowMu.Lock()
	defer rowMu.Unlock()
	a := rowAccOf(t, false)
	if a == nil {
		return
	}
	a.rows, a.vals, a.sorted = a.rows[:0], a.vals[:0], true
	if t.grad != nil {
		a.spare = t.grad
	}
	t.grad = nil
}
