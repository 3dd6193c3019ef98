package kernels

import (
	"os"
	"path/filepath"
	"testing"
)

func writeCacheDir(t *testing.T, entries [][4]string) string {
	dir := t.TempDir()
	for i, e := range entries {
		d := filepath.Join(dir, "index"+string(rune('0'+i)))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for j, name := range []string{"level", "type", "size", "shared_cpu_list"} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(e[j]+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestReadCacheSizes(t *testing.T) {
	zen5 := writeCacheDir(t, [][4]string{{"1", "Data", "48K", "0"}, {"1", "Instruction", "32K", "0"}, {"2", "Unified", "1024K", "0"}, {"3", "Unified", "32768K", "0-1"}})
	for _, tc := range []struct {
		dir     string
		threads int
		want    cacheSizes
	}{
		{zen5, 2, cacheSizes{48 << 10, 1 << 20, 16 << 20}},
		{zen5, 1, cacheSizes{48 << 10, 1 << 20, 32 << 20}},
		{writeCacheDir(t, [][4]string{{"2", "Unified", "512K", "0"}, {"3", "Unified", "8M", "0-3,8-11"}}), 64, cacheSizes{0, 512 << 10, 1 << 20}},
		{writeCacheDir(t, [][4]string{{"1", "Data", "junk", "0"}, {"3", "Unified", "4M", "x-y"}}), 4, cacheSizes{0, 0, 4 << 20}},
		{filepath.Join(t.TempDir(), "missing"), 4, cacheSizes{}},
	} {
		if got := readCacheSizes(tc.dir, tc.threads); got != tc.want {
			t.Errorf("readCacheSizes(%s, %d) = %+v, want %+v", tc.dir, tc.threads, got, tc.want)
		}
	}
}

func TestFitCaches(t *testing.T) {
	for _, tc := range []struct {
		c              cacheSizes
		mr, nr, kc     int
		mc0, nc0       int
		wantMC, wantNC int
	}{
		// Zen 5 gives the AVX-512 kernel's tuned blocking.
		{cacheSizes{48 << 10, 1 << 20, 16 << 20}, 14, 32, 512, 1, 1, 168, 4096},
		// AVX2 kernel on a Zen 1-like core: 512 KiB L2, 4 MiB of L3 each.
		{cacheSizes{32 << 10, 512 << 10, 4 << 20}, 6, 16, 256, 1, 1, 168, 2048},
		// unknown sizes keep the defaults
		{cacheSizes{}, 6, 16, 256, 144, 2048, 144, 2048},
		// tiny caches are clamped to at least one tile
		{cacheSizes{1 << 10, 1 << 10, 1 << 10}, 6, 16, 256, 144, 2048, 6, 64},
	} {
		g := &gemmKernel{mr: tc.mr, nr: tc.nr, kc: tc.kc, mc: tc.mc0, nc: tc.nc0}
		g.fitCaches(tc.c)
		if g.mc != tc.wantMC || g.nc != tc.wantNC || g.kc != tc.kc {
			t.Errorf("%+v mr=%d nr=%d: mc, nc = %d, %d; want %d, %d", tc.c, tc.mr, tc.nr, g.mc, g.nc, tc.wantMC, tc.wantNC)
		}
	}
}

func TestParseCacheSize(t *testing.T) {
	for s, want := range map[string]int{"48K": 48 << 10, "32M": 32 << 20, "512": 512, "1G": 1 << 30, "": 0, "K": 0, "-1K": 0, "9999999999K": 0} {
		if got := parseCacheSize(s); got != want {
			t.Errorf("parseCacheSize(%q) = %d, want %d", s, got, want)
		}
	}
}
