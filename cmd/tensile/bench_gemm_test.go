package main

import (
	"bytes"
	"regexp"
	"testing"
)

func TestBenchGemm(t *testing.T) {
	var out bytes.Buffer
	if err := benchGemm([]string{"--threads", "1", "--sizes", "8,33", "--rounds", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^n=8 threads=1 gflops=[0-9.]+ simd=[a-z0-9]+\nn=33 threads=1 gflops=[0-9.]+ simd=[a-z0-9]+\n$`).Match(out.Bytes()) {
		t.Errorf("output %q", out.String())
	}
	for _, args := range [][]string{{"--sizes", "8,x"}, {"--sizes", "0"}, {"--rounds", "0"}} {
		if err := benchGemm(args, &out); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
