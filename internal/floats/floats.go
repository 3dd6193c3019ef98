// Package floats holds small loops over float32 slices that several layers
// of the module share (metrics, task packages, the CLI), so that each has
// one definition with one NaN policy.
package floats

// ArgMax returns the index of the largest element of v: the first one on
// ties. A NaN is never chosen unless every element is NaN (then 0), so one
// diverged score does not pick a class. It returns 0 for an empty v.
func ArgMax(v []float32) int {
	best := 0
	for i := 1; i < len(v); i++ {
		if v[i] > v[best] || (v[best] != v[best] && v[i] == v[i]) {
			best = i
		}
	}
	return best
}
