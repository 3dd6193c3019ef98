package main

import (
	"math"
	"testing"
)

func TestAllReduceRingModel(t *testing.T) {
	m := Model{Params: 999, Compute: 0.01, Backward: 0.5} // 4000 bytes: one bucket
	w := Network{Gbps: 8, LatencyUS: 10}                  // 1e9 bytes/s
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
	// One bucket: nothing overlaps.
	if t2 := AllReduce(m, w, 2); math.Abs(s-2*0.01/(0.01+t2)) > 1e-12 || o != s {
		t.Errorf("speed-up on 2: %g and %g", s, o)
	}
}

func TestExposedPipeline(t *testing.T) {
	w := Network{Gbps: 8, LatencyUS: 0} // 1e9 bytes/s, no latency
	for _, tc := range []struct {
		name    string
		params  int
		compute float64
		buckets int
		want    float64
	}{
		// 4 MB: 4 buckets of 1 MB, all-reduce 4 ms on 2 machines; backward 5 ms.
		{"hidden but the last bucket", 999_999, 0.01, 4, 0.001},
		// backward 0.5 ms: bucket 0 final at 0.125 ms, then 4 ms of
		// all-reduce back to back.
		{"communication-bound", 999_999, 0.001, 4, 0.000125 + 0.004 - 0.0005},
		// 40 KB: one bucket (64 KiB at least), all after backward.
		{"one bucket", 9_999, 0.01, 1, 40000 / 1e9},
	} {
		m := Model{Params: tc.params, Compute: tc.compute, Backward: 0.5}
		if k := Buckets(m); k != tc.buckets {
			t.Errorf("%s: %d buckets, want %d", tc.name, k, tc.buckets)
		}
		if got := Exposed(m, w, 2); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: exposed %g s, want %g", tc.name, got, tc.want)
		}
	}
}
