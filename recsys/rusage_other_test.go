//go:build !unix

package recsys

func cpuSeconds() float64 { return -1 }
