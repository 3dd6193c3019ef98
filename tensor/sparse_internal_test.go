package tensor

import (
	"runtime"
	"testing"
	"weak"
)

// TestRowAccReleased checks that the side record of a table's row-sparse
// gradient goes away with the table (no leak for dropped models).
func TestRowAccReleased(t *testing.T) {
	has := func(wp weak.Pointer[Tensor]) bool {
		rowMu.Lock()
		defer rowMu.Unlock()
		return rowAccs[wp] != nil
	}
	var wp weak.Pointer[Tensor]
	func() {
		w := Zeros(4, 2).SetRequiresGrad(true)
		Sum(GatherRows(w, []int32{1, 3}), nil, false).Backward()
		if w.RowGrad() == nil {
			t.Fatal("no row-sparse gradient")
		}
		wp = weak.Make(w)
		if !has(wp) {
			t.Fatal("no record for the table")
		}
		runtime.KeepAlive(w)
	}()
	// Cleanups run on their own goroutine after a collection.
	for i := 0; i < 200 && has(wp); i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if has(wp) {
		t.Error("the record outlived its table")
	}
	if wp.Value() != nil {
		t.Error("the table was not collected")
	}
}
