//go:build purego

package speech

// purego reports a build with the pure-Go kernels (slow for learning tests).
const purego = true
