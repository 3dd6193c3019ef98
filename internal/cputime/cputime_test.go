package cputime

import "testing"

func TestProcessAdvances(t *testing.T) {
	c0, ok := Process()
	if !ok {
		t.Skip("no CPU clock on this platform")
	}
	x := 0.0
	for i := 0; i < 20_000_000; i++ {
		x += float64(i % 7)
	}
	c1, _ := Process()
	if c1 <= c0 || x == 0 {
		t.Errorf("CPU time did not advance: %v then %v", c0, c1)
	}
}
