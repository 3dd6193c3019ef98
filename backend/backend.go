package backend

import (
	"fmt"

	"github.com/tensile-ml/tensile/internal/registry"

	"github.com/tensile-ml/tensile/internal/kernels"
)

// Device is a backend's handle to memory it owns outside the Go heap (for
// example a GPU allocation). The CPU backend has none: its buffers are host
// slices.
type Device interface {
	// Len returns the number of float32 elements the handle covers.
	Len() int
	// Slice returns a handle to elements [lo, hi) of this one, sharing memory.
	Slice(lo, hi int) Device
}

// Buffer is a handle to a run of float32 elements owned by a backend. A CPU
// buffer is a host slice (Host); a device buffer carries its handle in Dev
// and Host is nil until a backend copies it out. The zero Buffer is "none":
// ops take it where an optional operand (a bias, a gradient nobody wants) is
// absent.
//
// Buffer is a small value, passed by value, so ops do not allocate handles.
type Buffer struct {
	Host []float32
	Dev  Device
}

// Host wraps a host slice as a Buffer (no copy).
func Host(s []float32) Buffer { return Buffer{Host: s} }

// Len returns the number of elements.
func (b Buffer) Len() int {
	if b.Dev != nil {
		return b.Dev.Len()
	}
	return len(b.Host)
}

// IsNil reports whether b is the zero Buffer ("none").
func (b Buffer) IsNil() bool { return b.Host == nil && b.Dev == nil }

// Slice returns elements [lo, hi) of b, sharing memory.
func (b Buffer) Slice(lo, hi int) Buffer {
	if b.Dev != nil {
		return Buffer{Dev: b.Dev.Slice(lo, hi)}
	}
	return Buffer{Host: b.Host[lo:hi]}
}

// ConvGeom is the per-image geometry of a 2-d convolution or pooling window
// over an NHWC image: input H×W×C, window KH×KW, strides SH, SW, dilation
// DH, DW, leading padding PadT, PadL and output OH×OW.
type ConvGeom = kernels.ConvGeom

// ConvSpec is one Conv2D call: the geometry, the batch size and the number
// of filters. The input is [Batch, H, W, C], the kernel HWIO
// [KH, KW, C, Filters], the output [Batch, OH, OW, Filters].
type ConvSpec struct {
	Geom    ConvGeom
	Batch   int
	Filters int
}

// ConvPlan is a backend's plan for one ConvSpec (how the work is cut, which
// algorithm runs). Tensor code treats it as opaque and passes it back to the
// same backend's conv ops.
type ConvPlan interface {
	Spec() ConvSpec
}

// PoolSpec is one pooling call over [Batch, H, W, C] with window geometry
// Geom (DH = DW = 1): the output is [Batch, OH, OW, C].
type PoolSpec struct {
	Geom  ConvGeom
	Batch int
}

// LSTMSeq describes one fused LSTM sequence op (sigmoid gates, tanh
// activations, gate blocks i, f, g, o). T steps, batch B, width H; step k
// reads time t = k (t = T-1-k when Reverse). Inputs: Xp [T,B,4H] input
// projections with bias, U [H,4H] recurrent kernel, H0 and C0 [B,H],
// RecMask [B,H] and Mask [T,B] (both optional). Outputs of the forward pass:
// Out [T+1,B,H] (h of each step in processing order, then the final c), and
// the saved activations Act [T,B,4H], Tc, Cs, Hp [T,B,H] in time order,
// which the backward pass reads. Z [B,4H] is scratch.
type LSTMSeq struct {
	T, B, H                      int
	Reverse                      bool
	Xp, U, H0, C0, RecMask, Mask Buffer
	Out, Act, Tc, Cs, Hp, Z      Buffer
}

// LSTMSeqGrad holds the buffers of LSTMSeq's backward pass. G [T+1,B,H] is
// the gradient of Out. On return Dz [T,B,4H] holds the gradient of Xp (in
// time order), Dh and Dc [B,H] those of H0 and C0, and GU [H,4H] that of U
// (skipped when GU is nil). DhP, DcP, Dcn [B,H] are scratch.
type LSTMSeqGrad struct {
	G, Dz, Dh, Dc, DhP, DcP, Dcn, GU Buffer
}

// GRUSeq describes one fused GRU sequence op in PyTorch's reset-after form
// (gate blocks z, r, h̃). Xp [T,B,3H], U [H,3H], Rb [3H] recurrent bias
// (optional), H0 [B,H], RecMask [B,H] and Mask [T,B] (optional). Outputs:
// Hs [T,B,H] in processing order and the saved Act, Qs [T,B,3H] and
// Hp [T,B,H] in time order.
type GRUSeq struct {
	T, B, H                      int
	Reverse                      bool
	Xp, U, Rb, H0, RecMask, Mask Buffer
	Hs, Act, Qs, Hp              Buffer
}

// GRUSeqGrad holds the buffers of GRUSeq's backward pass. G [T,B,H] is the
// gradient of Hs. On return Dx [T,B,3H] holds the gradient of Xp, Dh [B,H]
// that of H0, GU [H,3H] that of U and GRb [3H] that of Rb (each of the last
// two skipped when nil). Dq [T,B,3H], DhP and Dhd [B,H] are scratch.
type GRUSeqGrad struct {
	G, Dx, Dq, Dh, DhP, Dhd, GU, GRb Buffer
}

// Update is one optimizer update rule with its hyperparameters. LR is the
// step size (for Adam, the bias-corrected α).
type Update struct {
	Op                    UpdateOp
	LR, Beta1, Beta2, Eps float32
	Momentum, Rho         float32
	Nesterov              bool
}

// Backend executes tensor ops on buffers it owns. Every op is data-only: it
// takes buffers, sizes and scalars, never a Tensor. Outputs come first, as in
// copy(dst, src). Shapes are the caller's business: a backend may assume the
// buffers are as long as the op needs.
//
// A new backend embeds NotImplemented and overrides ops one by one; the
// conformance suite (package backendtest) says which ops it gets right.
type Backend interface {
	// Name returns the name the backend registers under, e.g. "cpu".
	Name() string

	// Alloc returns a buffer of n elements with undefined contents.
	Alloc(n int) Buffer
	// Free releases a buffer from Alloc; it must not be used afterwards.
	Free(b Buffer)
	// CopyIn copies host data into dst (len(src) elements).
	CopyIn(dst Buffer, src []float32)
	// CopyOut copies src into host memory dst (len(dst) elements).
	CopyOut(dst []float32, src Buffer)
	// Fill sets every element of dst to v.
	Fill(dst Buffer, v float32)

	// Unary computes dst = op(x) element by element; a and b are the op's
	// parameters (see UnaryOp).
	Unary(op UnaryOp, dst, x Buffer, a, b float32)
	// UnaryBackward computes dx = dy · op'(x) for an activation op, given
	// its input x and output y (ops read whichever they need).
	UnaryBackward(op UnaryOp, dx, dy, x, y Buffer, a float32)
	// Binary computes dst = op(a, b) element by element (equal lengths).
	Binary(op BinaryOp, dst, a, b Buffer)
	// BinaryScalar computes dst = op(a, s), or op(s, a) when scalarFirst.
	BinaryScalar(op BinaryOp, dst, a Buffer, s float32, scalarFirst bool)
	// Where computes dst = cond != 0 ? a : b element by element.
	Where(dst, cond, a, b Buffer)
	// SumSquares returns Σ x², accumulated in float64.
	SumSquares(x Buffer) float64

	// Softmax computes dst = softmax(x) (LogSoftmax when log) along the
	// middle axis of the [pre, n, post] layout, stably (the maximum is
	// subtracted first).
	Softmax(dst, x Buffer, pre, n, post int, log bool)
	// SoftmaxBackward computes dx from dy and the forward output y.
	SoftmaxBackward(dx, dy, y Buffer, pre, n, post int, log bool)
	// XentSparse computes loss[r] = -logp[r, labels[r]] for the rows×k
	// log-probabilities logp.
	XentSparse(loss, logp Buffer, labels []int, k int)
	// XentSparseBackward computes dx[r, j] = g[r]·(exp(logp[r, j]) -
	// [j == labels[r]]), the gradient with respect to the logits.
	XentSparseBackward(dx, g, logp Buffer, labels []int, k int)
	// XentDense computes loss[r] = -Σ_j t[r, j]·logp[r, j].
	XentDense(loss, logp, t Buffer, k int)
	// XentDenseBackward computes the gradients of XentDense scaled by g[r]
	// with respect to the logits (dx) and, when dt is set, the targets.
	XentDenseBackward(dx, dt, g, logp, t Buffer, k int)
	// SigmoidXent computes the binary cross-entropy of targets t against
	// sigmoid(x), stably: max(x,0) - x·t + log(1+exp(-|x|)).
	SigmoidXent(dst, x, t Buffer)
	// SigmoidXentBackward computes dx = dy·(sigmoid(x) - t) and, when dt is
	// set, dt = -dy·x.
	SigmoidXentBackward(dx, dt, dy, x, t Buffer)

	// Reduce computes dst[p, q] = op over i of x[p, i, q] for the
	// [pre, n, post] layout of x (n >= 1; for Sum n may be 0). The order of
	// accumulation is fixed: results do not depend on threads.
	Reduce(op ReduceOp, dst, x Buffer, pre, n, post int)
	// Arg writes to idx[p*post+q] the index along the middle axis of the
	// largest (max) or smallest element of x[p, :, q].
	Arg(idx []int, x Buffer, pre, n, post int, max bool)

	// Gemm computes C = relu?(alpha·op(A)·op(B) + beta·C + bias) for row-major
	// A (m×k, or k×m when transA), B (k×n, or n×k when transB) and C (m×n)
	// with leading dimensions lda, ldb, ldc. bias (n values) may be nil.
	Gemm(transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int, b Buffer, ldb int,
		beta float32, c Buffer, ldc int, bias Buffer, relu bool)

	// PlanConv plans a convolution; the plan is passed to the conv ops.
	PlanConv(s ConvSpec) ConvPlan
	// ConvForward computes y = relu?(conv(x, w) + bias); bias may be nil.
	ConvForward(p ConvPlan, y, x, w, bias Buffer, relu bool)
	// ConvBackwardWorkspace returns the number of float32 elements of
	// scratch ConvBackward needs (its ws argument; 0: none).
	ConvBackwardWorkspace(p ConvPlan, needDx, relu bool) int
	// ConvBackward computes the input, kernel and bias gradients dx, dw, db
	// (each nil when not wanted, else fully overwritten) from the output
	// gradient dy. When y (the forward output of a ReLU-fused convolution)
	// is set, dy is masked by y > 0 first, using ws (len(dy)) as scratch.
	ConvBackward(p ConvPlan, dx, dw, db, dy, x, w, y, ws Buffer)
	// ConvBackwardData computes the input gradient dx only.
	ConvBackwardData(p ConvPlan, dx, dy, w Buffer)
	// ConvBackwardFilter computes the kernel and bias gradients dw, db (db
	// may be nil).
	ConvBackwardFilter(p ConvPlan, dw, db, dy, x Buffer)
	// ConvMaxPoolFusable reports whether ConvMaxPoolBackward handles conv
	// plan p followed by a max pooling of geometry pool, with or without an
	// input gradient wanted.
	ConvMaxPoolFusable(p ConvPlan, pool ConvGeom, needDx bool) bool
	// ConvMaxPoolBackward is the backward pass of conv (plan p, fused ReLU
	// when relu) followed by max pooling: from dz, the gradient of the
	// pooled output z, and the saved conv output y, it computes dx, dw and
	// db (each nil when not wanted) without materialising the gradient of y.
	ConvMaxPoolBackward(p ConvPlan, pool ConvGeom, dx, dw, db, dz, z, y, x, w Buffer, relu bool)

	// MaxPoolWorkspace returns the number of float32 elements MaxPool needs
	// for its saved argmax indices (0: none).
	MaxPoolWorkspace(s PoolSpec) int
	// MaxPool computes y = max over each window of x; ws (MaxPoolWorkspace
	// elements) saves what MaxPoolBackward needs besides x and y.
	MaxPool(s PoolSpec, y, ws, x Buffer)
	// MaxPoolBackward routes dy to each window's maximum (the first in
	// row-major window order on ties) and writes the whole of dx.
	MaxPoolBackward(s PoolSpec, dx, dy, ws, x, y Buffer)
	// AvgPool computes y = the mean over each window of x (padding not
	// counted).
	AvgPool(s PoolSpec, y, x Buffer)
	// AvgPoolBackward writes the whole of dx from dy.
	AvgPoolBackward(s PoolSpec, dx, dy Buffer)

	// LSTMCell runs one fused LSTM step on [B,4H] pre-activations xz + hz and
	// cell c [B,H]: outputs h, cNew [B,H] and saved act [B,4H], tc [B,H].
	LSTMCell(h, cNew, act, tc, xz, hz, c Buffer, B, H int)
	// LSTMCellBackwardH writes the o block of dz and dcn (the gradient
	// reaching cNew through h) from dh.
	LSTMCellBackwardH(dz, dcn, dh, act, tc Buffer, B, H int)
	// LSTMCellBackwardC writes the i, f, g blocks of dz and dc (nil: skip)
	// from dcn, the whole gradient of cNew.
	LSTMCellBackwardC(dz, dc, dcn, act, c Buffer, B, H int)
	// LSTMSequence runs the fused LSTM sequence forward.
	LSTMSequence(s LSTMSeq)
	// LSTMSequenceBackward runs it backward.
	LSTMSequenceBackward(s LSTMSeq, g LSTMSeqGrad)
	// GRUSequence runs the fused GRU sequence forward.
	GRUSequence(s GRUSeq)
	// GRUSequenceBackward runs it backward.
	GRUSequenceBackward(s GRUSeq, g GRUSeqGrad)

	// ApplyUpdate updates parameter p in place from gradient g with rule u
	// and its slots s0, s1, s2 (see UpdateOp for which each rule uses).
	ApplyUpdate(u Update, p, g, s0, s1, s2 Buffer)
}

// ErrNotImplemented is the error a backend panics with for an op it does
// not implement.
type ErrNotImplemented struct {
	Backend string // the backend's name
	Op      string // the op, e.g. "ConvForward"
}

func (e *ErrNotImplemented) Error() string {
	return fmt.Sprintf("backend %s: %s is not implemented", e.Backend, e.Op)
}

var backends = registry.New[func() (Backend, error)]("backend", "backend")

// Register makes a backend available under name (matched ignoring case and
// underscores). open is called by Open; it returns an error when the
// backend cannot run here (no device, no driver). Register panics if name
// is taken; call it from an init function.
func Register(name string, open func() (Backend, error)) { backends.Register(name, open) }

// Open returns the registered backend called name.
func Open(name string) (Backend, error) {
	open, err := backends.Lookup(name)
	if err != nil {
		return nil, err
	}
	return open()
}

// Names returns the registered backend names, sorted.
func Names() []string { return backends.Names() }
