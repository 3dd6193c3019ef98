//go:build purego

package main

// purego reports a build with the pure-Go kernels (slow for training tests).
const purego = true
