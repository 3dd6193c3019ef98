package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestFastPacks compares every tier's fast packA/packB paths with the
// pure-Go packing, on odd sizes, both transpositions and every depth tail,
// with guard cells past the panels' slack.
func TestFastPacks(t *testing.T) {
	for _, tier := range availableTiers() {
		g := tier.gemm
		if g.packTrans == nil && g.packCopy == nil {
			continue
		}
		plain := &gemmKernel{name: "plain", mr: g.mr, nr: g.nr}
		for _, tc := range []struct{ rows, kc int }{{1, 1}, {3, 7}, {g.mr, 8}, {g.mr + 1, 9}, {2*g.mr - 1, 17}, {3*g.mr + 2, 33}, {g.nr - 3, 64}, {2*g.nr + 5, 23}} {
			for _, trans := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/rows=%d,kc=%d,trans=%v", tier.name, tc.rows, tc.kc, trans), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.kc)))
					const ld = 101 // >= rows and kc
					src := randSlice(r, ld*ld)
					for _, isA := range []bool{true, false} {
						w := g.nr
						if isA {
							w = g.mr
						}
						n := (tc.rows + w - 1) / w * w * tc.kc
						got, want := make([]float32, n+16+8), make([]float32, n+16+8)
						for i := range got {
							got[i], want[i] = sentinel, sentinel
						}
						if isA {
							packA(got, src, ld, trans, 2, tc.rows, 3, tc.kc, w, g)
							packA(want, src, ld, trans, 2, tc.rows, 3, tc.kc, w, plain)
						} else {
							packB(got, src, ld, trans, 3, tc.kc, 2, tc.rows, w, g)
							packB(want, src, ld, trans, 3, tc.kc, 2, tc.rows, w, plain)
						}
						for i := range n {
							if got[i] != want[i] {
								t.Fatalf("A=%v: panel[%d] = %v, want %v", isA, i, got[i], want[i])
							}
						}
						for i := n + 16; i < len(got); i++ {
							if got[i] != sentinel {
								t.Fatalf("A=%v: guard cell %d overwritten", isA, i)
							}
						}
					}
				})
			}
		}
	}
}
