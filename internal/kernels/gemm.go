package kernels

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/tensile-ml/tensile/internal/parallel"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices: C is m×n with leading dimension ldc, op(A) is m×k (A is k×m when
// transA), op(B) is k×n (B is n×k when transB). When beta is 0, C is only
// written. Large products are split across the parallel worker pool.
//
// The reference loop is SgemmRef. Sgemm is a BLIS-style blocked GEMM: B is
// packed into KC×NR column panels, A into MR×KC row panels, and a
// register-blocked micro-kernel (AVX-512 14×32, AVX2+FMA 6×16 or pure Go 4×2,
// chosen at run time) computes each MR×NR tile of C. Sgemm is safe for
// concurrent use and does not allocate in steady state on one thread.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmWith(simd.gemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Epilogue{})
}

// Epilogue is work fused into the store of SgemmEpilogue, applied to each
// element of C after alpha and beta: first the bias, then the activation.
type Epilogue struct {
	Bias []float32 // per-column bias (len >= n) added to C, or nil
	ReLU bool      // replace negative results by 0
}

// SgemmEpilogue is Sgemm followed by ep, fused into the store while each
// tile of C is in cache:
//
//	C[i*ldc+j] = relu(alpha·Σ_p opA(i,p)·opB(p,j) + beta·C[i*ldc+j] + bias[j])
//
// It suits convolution and dense layers (bias, then optional ReLU).
func SgemmEpilogue(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	sgemmWith(simd.gemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep)
}

// gemmKernel is one micro-kernel with its register tile (mr×nr) and the cache
// blocking that suits it.
type gemmKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int // blocking: kc | depth, mc rows of A, nc columns of B
	// fn computes the mr×nr tile C = alpha·Σ_p a[p*mr+i]·b[p*nr+j] + beta·C
	// from packed panels; C is not read when beta is 0. k >= 1.
	fn func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	// edge, when not nil, computes edge tiles in place: edge[v-1][r-1]
	// handles r rows and v vectors of edgeVec floats of columns, writing
	// only the columns in mask. Otherwise edge tiles go through a scratch
	// tile.
	edge    *[2][14]func(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
	edgeVec int
	// packTrans and packCopy, when not nil, are fast paths for packing:
	// packTrans sets panel[p*w+i] = src[off+i*ld+p] and packCopy sets
	// panel[p*w+i] = src[off+p*ld+i], for i < rows (cols), p < kc, and
	// zero for rows (cols) <= i < w. They report false (having done
	// nothing) when they cannot handle the case. panel has 16 floats of
	// slack past kc*w.
	packTrans func(panel []float32, w int, src []float32, off, ld, rows, kc int) bool
	packCopy  func(panel []float32, w int, src []float32, off, ld, cols, kc int) bool
	// free holds packing buffers for reuse. Unlike a sync.Pool it is not
	// emptied by garbage collection: a buffer holds several MiB (the B
	// panel is nc×kc floats), and re-allocating and zeroing it after every
	// GC cycle showed up as ~80 KB/op in BenchmarkTrainStep.
	mu   sync.Mutex
	free []*gemmBuf
}

// gemmBuf holds one thread's packing buffers, 64-byte aligned.
type gemmBuf struct {
	a, b []float32
	tile []float32 // mr×nr scratch for edge tiles
}

func (g *gemmKernel) getBuf() *gemmBuf {
	g.mu.Lock()
	if n := len(g.free); n > 0 {
		b := g.free[n-1]
		g.free = g.free[:n-1]
		g.mu.Unlock()
		return b
	}
	g.mu.Unlock()
	mc := (g.mc + g.mr - 1) / g.mr * g.mr
	nc := (g.nc + g.nr - 1) / g.nr * g.nr
	return &gemmBuf{
		a:    alignedFloats(mc*g.kc + 16), // slack for packTrans
		b:    alignedFloats(nc*g.kc + 16),
		tile: alignedFloats(g.mr * g.nr),
	}
}

// putBuf returns a packing buffer for reuse; at most one per thread (plus
// one) is kept.
func (g *gemmKernel) putBuf(b *gemmBuf) {
	g.mu.Lock()
	if len(g.free) <= parallel.Threads() {
		g.free = append(g.free, b)
	}
	g.mu.Unlock()
}

// alignedFloats returns n float32s starting on a 64-byte boundary.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&s[0])) % 64; r != 0 {
		off = int(64-r) / 4
	}
	return s[off : off+n : off+n]
}

// gemmSerialWork is the product size (m·n·k) below which Sgemm stays on the
// calling goroutine. Measured on 2 Zen 5 vCPUs: waking the second worker and
// running both costs tens of microseconds, so two threads only beat one from
// about n = 320-384 (square); below, 1 thread runs at 180-190 GFLOP/s.
var gemmSerialWork = 1 << 25 // tests lower it

// gemmJob is one call's arguments, shared by the threads that split it.
type gemmJob struct {
	g              *gemmKernel
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	ep             Epilogue
	pb             *PackedB // B packed in advance, or nil
	byCols         bool
	unit           int
	run            func(lo, hi int) // bound once to job.part
}

var jobPool = sync.Pool{New: func() any {
	j := new(gemmJob)
	j.run = j.part
	return j
}}

// part computes units [lo, hi) of the split dimension.
func (j *gemmJob) part(lo, hi int) {
	lo *= j.unit
	if j.byCols {
		hi = min(hi*j.unit, j.n)
		j.g.block(j, 0, j.m, lo, hi)
	} else {
		hi = min(hi*j.unit, j.m)
		j.g.block(j, lo, hi, 0, j.n)
	}
}

func sgemmWith(g *gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	sgemmRun(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep, nil)
}

// sgemmRun is sgemmWith after the size checks; with pb not nil, B comes
// packed from pb (b and ldb are unused).
func sgemmRun(g *gemmKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue, pb *PackedB) {
	if ep.Bias != nil && len(ep.Bias) < n {
		panic(fmt.Sprintf("kernels: Sgemm: len(bias)=%d < n=%d", len(ep.Bias), n))
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		applyEpilogue(c, ldc, m, n, ep.Bias, ep.ReLU)
		return
	}
	j := jobPool.Get().(*gemmJob)
	*j = gemmJob{g: g, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, ep: ep, pb: pb, run: j.run}
	t := parallel.Threads()
	if t <= 1 || m*n*k < gemmSerialWork {
		g.block(j, 0, m, 0, n)
	} else {
		// Split the wider dimension into one block per thread, aligned to
		// the register tile.
		j.byCols = n >= m || m < 2*g.mr
		if j.byCols {
			j.unit = g.nr
			units := (n + g.nr - 1) / g.nr
			parallel.For(units, (units+t-1)/t, j.run)
		} else {
			j.unit = g.mr
			units := (m + g.mr - 1) / g.mr
			parallel.For(units, (units+t-1)/t, j.run)
		}
	}
	j.a, j.b, j.c, j.ep, j.pb = nil, nil, nil, Epilogue{}, nil
	jobPool.Put(j)
}

// block computes rows [i0, i1) × columns [j0, j1) of C on one goroutine.
func (g *gemmKernel) block(j *gemmJob, i0, i1, j0, j1 int) {
	buf := g.getBuf()
	mr, nr := g.mr, g.nr
	ncStep := g.nc
	if j.pb != nil { // packed panels start at multiples of nr
		ncStep = (g.nc + nr - 1) / nr * nr
	}
	for jc := j0; jc < j1; jc += ncStep {
		nc := min(ncStep, j1-jc)
		for pc := 0; pc < j.k; pc += g.kc {
			kc := min(g.kc, j.k-pc)
			bp := buf.b
			if j.pb != nil {
				bp = j.pb.block(pc, jc)
			} else {
				packB(bp, j.b, j.ldb, j.transB, pc, kc, jc, nc, nr, g)
			}
			beta := j.beta
			if pc > 0 {
				beta = 1
			}
			epilogue := pc+kc == j.k && (j.ep.Bias != nil || j.ep.ReLU)
			for ic := i0; ic < i1; ic += g.mc {
				mc := min(g.mc, i1-ic)
				packA(buf.a, j.a, j.lda, j.transA, ic, mc, pc, kc, mr, g)
				var pf aPrefetch
				if g.packTrans != nil && gemmPrefetch {
					pf.next(j, g, ic, mc, i0, i1, pc, kc, nc)
				}
				for jr := 0; jr < nc; jr += nr {
					nrEff := min(nr, nc-jr)
					pb := &bp[jr*kc]
					for ir := 0; ir < mc; ir += mr {
						mrEff := min(mr, mc-ir)
						pa := &buf.a[ir*kc]
						ci := (ic+ir)*j.ldc + jc + jr
						if mrEff == mr && nrEff == nr {
							g.fn(kc, pa, pb, &j.c[ci], j.ldc, j.alpha, beta)
						} else if g.edge != nil {
							g.edge[(nrEff-1)/g.edgeVec][mrEff-1](kc, pa, pb, &j.c[ci], j.ldc, j.alpha, beta, uint32(1<<nrEff-1))
						} else {
							g.fn(kc, pa, pb, &buf.tile[0], nr, 1, 0)
							storeTile(j.c[ci:], j.ldc, buf.tile, nr, mrEff, nrEff, j.alpha, beta)
						}
						if pf.segs > 0 {
							pf.step()
						}
						if epilogue {
							var bias []float32
							if j.ep.Bias != nil {
								bias = j.ep.Bias[jc+jr:]
							}
							applyEpilogue(j.c[ci:], j.ldc, mrEff, nrEff, bias, j.ep.ReLU)
						}
					}
				}
			}
		}
	}
	g.putBuf(buf)
}

// gemmPrefetch enables aPrefetch (a variable for measurements).
var gemmPrefetch = true

// aPrefetch brings the source of the next packed block of A into cache, a
// few segments after each micro-kernel call, so that packing it does not
// wait on memory (packing alone streams A at ~23 GB/s, about 1/3 of the
// kernel time for products with small n such as convolutions).
type aPrefetch struct {
	a                []float32
	lda              int
	start, segs, len int // segment s starts at a[start+s*lda], len floats
	cur, perCall     int
}

// next sets up prefetching of the A block that follows block (ic, pc).
func (pf *aPrefetch) next(j *gemmJob, g *gemmKernel, ic, mc, i0, i1, pc, kc, nc int) {
	ic2, pc2, mc2, kc2 := ic+mc, pc, min(g.mc, i1-ic-mc), kc
	if ic2 >= i1 {
		ic2, pc2, mc2, kc2 = i0, pc+kc, min(g.mc, i1-i0), min(g.kc, j.k-pc-kc)
		if pc2 >= j.k {
			return
		}
	}
	pf.a, pf.lda = j.a, j.lda
	if j.transA {
		pf.start, pf.segs, pf.len = pc2*j.lda+ic2, kc2, mc2
	} else {
		pf.start, pf.segs, pf.len = ic2*j.lda+pc2, mc2, kc2
	}
	calls := (nc + g.nr - 1) / g.nr * ((mc + g.mr - 1) / g.mr)
	if pf.len == pf.lda || pf.segs == 1 {
		// One contiguous run: cut it into one piece per call.
		total := pf.segs * pf.len
		pf.len = max((total+calls-1)/calls, 16)
		pf.segs = (total + pf.len - 1) / pf.len
		pf.lda = pf.len
	}
	pf.perCall = (pf.segs + calls - 1) / calls
}

// step prefetches the next perCall segments.
func (pf *aPrefetch) step() {
	end := min(pf.cur+pf.perCall, pf.segs)
	for ; pf.cur < end; pf.cur++ {
		prefetchFloats(&pf.a[pf.start+pf.cur*pf.lda], pf.len)
	}
}

// storeTile sets C = alpha·t + beta·C on an mrEff×nrEff edge tile.
func storeTile(c []float32, ldc int, t []float32, ldt, mrEff, nrEff int, alpha, beta float32) {
	for i := 0; i < mrEff; i++ {
		row := c[i*ldc : i*ldc+nrEff]
		tr := t[i*ldt : i*ldt+nrEff]
		if beta == 0 {
			for jj := range row {
				row[jj] = alpha * tr[jj]
			}
		} else {
			for jj := range row {
				row[jj] = alpha*tr[jj] + beta*row[jj]
			}
		}
	}
}

// applyEpilogue adds bias[j] (when bias is not nil) to each row of the m×n
// matrix c, then applies ReLU when relu is set.
func applyEpilogue(c []float32, ldc, m, n int, bias []float32, relu bool) {
	if bias != nil {
		bias = bias[:n]
	}
	if k := simd.epilogue; k != nil && m > 0 && n > 0 && (bias != nil || relu) {
		_ = c[(m-1)*ldc+n-1]
		var bp *float32
		if bias != nil {
			bp = &bias[0]
		}
		k(&c[0], ldc, m, n, bp, relu)
		return
	}
	applyEpilogueRef(c, ldc, m, n, bias, relu)
}

func applyEpilogueRef(c []float32, ldc, m, n int, bias []float32, relu bool) {
	if bias != nil {
		bias = bias[:n]
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch {
		case bias != nil && relu:
			for jj, bv := range bias {
				row[jj] = max(row[jj]+bv, 0)
			}
		case bias != nil:
			for jj, bv := range bias {
				row[jj] += bv
			}
		case relu:
			for jj, v := range row {
				row[jj] = max(v, 0)
			}
		}
	}
}

// scaleC sets C = beta·C (C = 0 when beta is 0).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for jj := range row {
				row[jj] *= beta
			}
		}
	}
}

// checkGemm panics when the sizes, leading dimensions or slice lengths are
// inconsistent; the assembly kernels rely on it.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMat("A", ar, ac, a, lda)
	checkMat("B", br, bc, b, ldb)
	checkMat("C", m, n, c, ldc)
}

func checkMat(name string, r, c int, s []float32, ld int) {
	if r == 0 || c == 0 {
		return
	}
	if r > 1 && ld < c {
		panic(fmt.Sprintf("kernels: Sgemm: ld%s=%d < %d columns", name, ld, c))
	}
	if len(s) < (r-1)*ld+c {
		panic(fmt.Sprintf("kernels: Sgemm: len(%s)=%d < %d for %d×%d with stride %d", name, len(s), (r-1)*ld+c, r, c, ld))
	}
}
