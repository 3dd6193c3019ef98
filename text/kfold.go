package text

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// newRNG returns the deterministic random source tensile uses for seed (the
// same construction as tensor.NewRNG).
func newRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// KFold splits the indices 0..n-1 into k folds for cross-validation, after
// shuffling them with seed. It returns k pairs {train, test}: the test sets
// are disjoint, cover every index once and differ in size by at most one
// (the first n%k folds are one larger); train is the complement of test.
// Both lists are in increasing order. The same n, k and seed always give
// the same folds. It panics unless 2 <= k <= n.
//
// Kim (2014) reports 10-fold cross-validated accuracy on MR:
//
//	for _, f := range text.KFold(len(texts), 10, 1) {
//		train, test := f[0], f[1]
//		...
//	}
func KFold(n, k int, seed uint64) [][2][]int {
	checkFolds("KFold", n, k)
	perm := newRNG(seed).Perm(n)
	fold := make([]int, n) // fold of each index
	start := 0
	for f := range k {
		size := n / k
		if f < n%k {
			size++
		}
		for _, i := range perm[start : start+size] {
			fold[i] = f
		}
		start += size
	}
	return splitFolds(fold, k)
}

// StratifiedKFold is KFold that keeps the class proportions of labels in
// every fold: each fold gets, per class, the class's count divided by k,
// rounded down or up, and fold sizes still differ by at most one. It
// panics unless 2 <= k <= len(labels).
func StratifiedKFold(labels []int, k int, seed uint64) [][2][]int {
	n := len(labels)
	checkFolds("StratifiedKFold", n, k)
	perm := newRNG(seed).Perm(n)
	// Group the shuffled indices by class, then deal them to the folds
	// round-robin, continuing across classes so fold sizes stay balanced.
	slices.SortStableFunc(perm, func(a, b int) int { return labels[a] - labels[b] })
	fold := make([]int, n)
	for pos, i := range perm {
		fold[i] = pos % k
	}
	return splitFolds(fold, k)
}

func checkFolds(op string, n, k int) {
	if k < 2 || k > n {
		panic(fmt.Sprintf("text: %s: need 2 <= k <= n, got k=%d, n=%d", op, k, n))
	}
}

func splitFolds(fold []int, k int) [][2][]int {
	out := make([][2][]int, k)
	for i, f := range fold {
		for g := range k {
			if g == f {
				out[g][1] = append(out[g][1], i)
			} else {
				out[g][0] = append(out[g][0], i)
			}
		}
	}
	return out
}

// Subset returns xs[idx[0]], xs[idx[1]], ... as a new slice, e.g. the
// training texts of a fold: Subset(texts, fold[0]).
func Subset[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}
