package recsys

import (
	"math/rand/v2"
)

// KFold returns k (train, test) index splits of n ratings shuffled with
// seed: fold f tests on the f-th of k near-equal parts of the permutation.
func KFold(n, k int, seed uint64) (train, test [][]int) {
	perm := rand.New(rand.NewPCG(seed, 0xf01d)).Perm(n)
	for f := 0; f < k; f++ {
		lo, hi := f*n/k, (f+1)*n/k
		te := append([]int(nil), perm[lo:hi]...)
		tr := make([]int, 0, n-(hi-lo))
		tr = append(tr, perm[:lo]...)
		tr = append(tr, perm[hi:]...)
		train = append(train, tr)
		test = append(test, te)
	}
	return train, test
}
