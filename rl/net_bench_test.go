package rl

import "testing"

func BenchmarkForward1(b *testing.B) {
	m, _ := MLP(4, []int{64, 64}, "tanh", 2, 1)
	x := make([]float32, 4)
	for b.Loop() {
		Forward(m, x, 1)
	}
}
