package kernels

import (
	"os"
	"strings"
	"testing"
)

// forEachTier runs test once per SIMD tier this CPU and build can run, with
// that tier active (so the exported kernels take its fast paths).
func forEachTier(t *testing.T, test func(t *testing.T)) {
	t.Helper()
	for _, tier := range availableTiers() {
		t.Run(tier.name, func(t *testing.T) {
			defer useTier(tier.name)()
			test(t)
		})
	}
}

func TestSelectTier(t *testing.T) {
	fast := &simdTable{name: "avx2"}
	tiers := []*simdTable{fast, genericTable}
	for _, tc := range []struct {
		want, got, err string
	}{
		{"", "avx2", ""},
		{"generic", "generic", ""},
		{" AVX2 ", "avx2", ""},
		{"avx512", "avx2", "TENSILE_SIMD=avx512: this CPU or build cannot run that tier (available: avx2, generic)"},
		{"neon", "avx2", "cannot run that tier"},
		{"sse9", "avx2", "TENSILE_SIMD=sse9: unknown SIMD tier (want one of avx512, avx2, neon, generic)"},
	} {
		got, err := selectTier(tc.want, tiers)
		if got.name != tc.got {
			t.Errorf("selectTier(%q) = %s, want %s", tc.want, got.name, tc.got)
		}
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("selectTier(%q): unexpected error %v", tc.want, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("selectTier(%q): error %v, want %q", tc.want, err, tc.err)
		}
	}
}

// TestActiveTier checks that TENSILE_SIMD, when set, selected its tier (CI
// runs the suite with TENSILE_SIMD=generic and =avx2).
func TestActiveTier(t *testing.T) {
	names := Tiers()
	if names[len(names)-1] != "generic" {
		t.Errorf("Tiers() = %v, want generic last", names)
	}
	want := strings.ToLower(strings.TrimSpace(os.Getenv("TENSILE_SIMD")))
	if want == "" {
		if Tier() != names[0] {
			t.Errorf("Tier() = %s, want the fastest, %s", Tier(), names[0])
		}
		return
	}
	if err := TierError(); err != nil {
		t.Fatalf("TENSILE_SIMD=%s: %v", want, err)
	}
	if Tier() != want {
		t.Errorf("Tier() = %s with TENSILE_SIMD=%s", Tier(), want)
	}
}

// TestTierTables checks every tier's table is complete in the ways the
// callers rely on.
func TestTierTables(t *testing.T) {
	for _, tier := range availableTiers() {
		if tier.gemm == nil {
			t.Errorf("%s: no GEMM kernel", tier.name)
		}
		if (tier.sumRows != nil || tier.maxPool2 != nil || tier.maxPool2Back != nil) && tier.chanAlign < 1 {
			t.Errorf("%s: channel kernels without chanAlign", tier.name)
		}
		if (tier.conv3x3c1 != nil) != (tier.conv3x3c1Grad != nil) || (tier.conv3x3c1 != nil && tier.conv1Align < 1) {
			t.Errorf("%s: conv3x3c1 kernels incomplete", tier.name)
		}
		if (tier.copySegs != nil) != (tier.addSegs != nil) {
			t.Errorf("%s: copySegs/addSegs incomplete", tier.name)
		}
	}
}
