package kernels

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// cacheSizes holds the data cache sizes of one core in bytes (0 when
// unknown); l3 is the share of the last-level cache per thread tensile
// may run (the cache divided among the CPUs that share it, at most
// GOMAXPROCS of them).
type cacheSizes struct {
	l1d, l2, l3 int
}

// sysCacheDir is where Linux describes cpu0's caches.
const sysCacheDir = "/sys/devices/system/cpu/cpu0/cache"

// readCacheSizes reads the cache description under dir (the layout of
// /sys/devices/system/cpu/cpu0/cache: index*/level, type, size,
// shared_cpu_list). Missing or malformed entries leave sizes at 0.
func readCacheSizes(dir string, maxThreads int) cacheSizes {
	var c cacheSizes
	idx, _ := filepath.Glob(filepath.Join(dir, "index[0-9]*"))
	for _, d := range idx {
		read := func(name string) string {
			b, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				return ""
			}
			return strings.TrimSpace(string(b))
		}
		size := parseCacheSize(read("size"))
		if size <= 0 || read("type") == "Instruction" {
			continue
		}
		switch read("level") {
		case "1":
			c.l1d = size
		case "2":
			c.l2 = size
		case "3":
			share := max(1, min(countCPUs(read("shared_cpu_list")), maxThreads))
			c.l3 = size / share
		}
	}
	return c
}

// parseCacheSize parses sizes such as "48K", "1024K", "32M" or "512".
func parseCacheSize(s string) int {
	mul := 1
	switch {
	case strings.HasSuffix(s, "K"):
		mul, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mul, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mul, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 1<<20 {
		return 0
	}
	return n * mul
}

// countCPUs counts the CPUs of a list such as "0-7,64-71"; 0 when malformed.
func countCPUs(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0
			}
		}
		n += b - a + 1
	}
	return n
}

// fitCaches sets the GEMM blocking mc and nc from the cache sizes, keeping
// the kernel's measured depth kc: the packed A block (mc×kc floats) takes
// about a third of L2 and the packed B block (kc×nc) half of the thread's
// share of L3, with mc a multiple of mr in [mr, 64·mr] and nc a multiple of
// nr in [4·nr, 4096]. Unknown sizes keep the kernel's defaults. On a Zen 5
// core (1 MiB L2, 16 MiB of L3 per thread) it gives the AVX-512 kernel's
// tuned mc = 168 and nc = 4096.
func (g *gemmKernel) fitCaches(c cacheSizes) {
	if c.l2 > 0 {
		mc := c.l2 / 3 / (4 * g.kc) / g.mr * g.mr
		g.mc = min(max(mc, g.mr), 64*g.mr)
	}
	if c.l3 > 0 {
		nc := c.l3 / 2 / (4 * g.kc) / g.nr * g.nr
		g.nc = min(max(nc, 4*g.nr), 4096)
	}
}

// machineCaches are this machine's cache sizes, read once.
var machineCaches = readCacheSizes(sysCacheDir, runtime.GOMAXPROCS(0))
