package main

import (
	"math"
	"testing"
)

func TestAllReduceRingModel(t *testing.T) {
	m := Model{Params: 999, Compute: 0.01} // 4000 bytes: one bucket
	w := Network{Gbps: 8, LatencyUS: 10}   // 1e9 bytes/s
	for _, tc := range []struct {
		n    int
		want float64
	}{
		{1, 0},
		{2, 2*10e-6 + 1*4000/1e9},   // 2 steps, 2(N-1)/N = 1
		{4, 6*10e-6 + 1.5*4000/1e9}, // 6 steps, 1.5
		{64, 126*10e-6 + 126.0/64*4000/1e9},
	} {
		if got := AllReduce(m, w, tc.n); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%d machines: %g s, want %g", tc.n, got, tc.want)
		}
	}
	s, o := SpeedUp(m, w, 2)
	if t2 := AllReduce(m, w, 2); math.Abs(s-2*0.01/(0.01+t2)) > 1e-12 || o != 2 {
		t.Errorf("speed-up on 2: %g and %g", s, o)
	}
}
