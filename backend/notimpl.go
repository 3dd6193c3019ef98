package backend

// NotImplemented is a Backend whose every op panics with
// *ErrNotImplemented naming the op. Embed it in a new backend and override
// ops one by one; the ones not yet written fail loudly and by name:
//
//	type GPU struct{ backend.NotImplemented }
//	func NewGPU() *GPU { return &GPU{backend.NotImplemented{BackendName: "gpu"}} }
//	func (g *GPU) Gemm(...) { ... }
type NotImplemented struct {
	BackendName string
}

var _ Backend = NotImplemented{}

func (n NotImplemented) fail(op string) {
	panic(&ErrNotImplemented{Backend: n.BackendName, Op: op})
}

// Name returns BackendName.
func (n NotImplemented) Name() string { return n.BackendName }

// Alloc panics with *ErrNotImplemented.
func (n NotImplemented) Alloc(int) Buffer { n.fail("Alloc"); return Buffer{} }

// Free panics with *ErrNotImplemented.
func (n NotImplemented) Free(Buffer) { n.fail("Free") }

// CopyIn panics with *ErrNotImplemented.
func (n NotImplemented) CopyIn(Buffer, []float32) { n.fail("CopyIn") }

// CopyOut panics with *ErrNotImplemented.
func (n NotImplemented) CopyOut([]float32, Buffer) { n.fail("CopyOut") }

// Fill panics with *ErrNotImplemented.
func (n NotImplemented) Fill(Buffer, float32) { n.fail("Fill") }

// Unary panics with *ErrNotImplemented.
func (n NotImplemented) Unary(UnaryOp, Buffer, Buffer, float32, float32) { n.fail("Unary") }

// UnaryBackward panics with *ErrNotImplemented.
func (n NotImplemented) UnaryBackward(UnaryOp, Buffer, Buffer, Buffer, Buffer, float32) {
	n.fail("UnaryBackward")
}

// Binary panics with *ErrNotImplemented.
func (n NotImplemented) Binary(BinaryOp, Buffer, Buffer, Buffer) { n.fail("Binary") }

// BinaryScalar panics with *ErrNotImplemented.
func (n NotImplemented) BinaryScalar(BinaryOp, Buffer, Buffer, float32, bool) { n.fail("BinaryScalar") }

// Where panics with *ErrNotImplemented.
func (n NotImplemented) Where(Buffer, Buffer, Buffer, Buffer) { n.fail("Where") }

// SumSquares panics with *ErrNotImplemented.
func (n NotImplemented) SumSquares(Buffer) float64 { n.fail("SumSquares"); return 0 }

// Softmax panics with *ErrNotImplemented.
func (n NotImplemented) Softmax(Buffer, Buffer, int, int, int, bool) { n.fail("Softmax") }

// SoftmaxBackward panics with *ErrNotImplemented.
func (n NotImplemented) SoftmaxBackward(Buffer, Buffer, Buffer, int, int, int, bool) {
	n.fail("SoftmaxBackward")
}

// XentSparse panics with *ErrNotImplemented.
func (n NotImplemented) XentSparse(Buffer, Buffer, []int, int) { n.fail("XentSparse") }

// XentSparseBackward panics with *ErrNotImplemented.
func (n NotImplemented) XentSparseBackward(Buffer, Buffer, Buffer, []int, int) {
	n.fail("XentSparseBackward")
}

// XentDense panics with *ErrNotImplemented.
func (n NotImplemented) XentDense(Buffer, Buffer, Buffer, int) { n.fail("XentDense") }

// XentDenseBackward panics with *ErrNotImplemented.
func (n NotImplemented) XentDenseBackward(Buffer, Buffer, Buffer, Buffer, Buffer, int) {
	n.fail("XentDenseBackward")
}

// SigmoidXent panics with *ErrNotImplemented.
func (n NotImplemented) SigmoidXent(Buffer, Buffer, Buffer) { n.fail("SigmoidXent") }

// SigmoidXentBackward panics with *ErrNotImplemented.
func (n NotImplemented) SigmoidXentBackward(Buffer, Buffer, Buffer, Buffer, Buffer) {
	n.fail("SigmoidXentBackward")
}

// Reduce panics with *ErrNotImplemented.
func (n NotImplemented) Reduce(ReduceOp, Buffer, Buffer, int, int, int) { n.fail("Reduce") }

// Arg panics with *ErrNotImplemented.
func (n NotImplemented) Arg([]int, Buffer, int, int, int, bool) { n.fail("Arg") }

// Gemm panics with *ErrNotImplemented.
func (n NotImplemented) Gemm(bool, bool, int, int, int, float32, Buffer, int, Buffer, int, float32, Buffer, int, Buffer, bool) {
	n.fail("Gemm")
}

// PlanConv panics with *ErrNotImplemented.
func (n NotImplemented) PlanConv(ConvSpec) ConvPlan { n.fail("PlanConv"); return nil }

// ConvForward panics with *ErrNotImplemented.
func (n NotImplemented) ConvForward(ConvPlan, Buffer, Buffer, Buffer, Buffer, bool) {
	n.fail("ConvForward")
}

// ConvBackwardWorkspace panics with *ErrNotImplemented.
func (n NotImplemented) ConvBackwardWorkspace(ConvPlan, bool, bool) int {
	n.fail("ConvBackwardWorkspace")
	return 0
}

// ConvBackward panics with *ErrNotImplemented.
func (n NotImplemented) ConvBackward(ConvPlan, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer) {
	n.fail("ConvBackward")
}

// ConvBackwardData panics with *ErrNotImplemented.
func (n NotImplemented) ConvBackwardData(ConvPlan, Buffer, Buffer, Buffer) {
	n.fail("ConvBackwardData")
}

// ConvBackwardFilter panics with *ErrNotImplemented.
func (n NotImplemented) ConvBackwardFilter(ConvPlan, Buffer, Buffer, Buffer, Buffer) {
	n.fail("ConvBackwardFilter")
}

// ConvMaxPoolFusable reports false: without the fused op, callers run the
// convolution and the pooling separately.
func (n NotImplemented) ConvMaxPoolFusable(ConvPlan, ConvGeom, bool) bool { return false }

// ConvMaxPoolBackward panics with *ErrNotImplemented.
func (n NotImplemented) ConvMaxPoolBackward(ConvPlan, ConvGeom, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, bool) {
	n.fail("ConvMaxPoolBackward")
}

// MaxPoolWorkspace panics with *ErrNotImplemented.
func (n NotImplemented) MaxPoolWorkspace(PoolSpec) int { n.fail("MaxPoolWorkspace"); return 0 }

// MaxPool panics with *ErrNotImplemented.
func (n NotImplemented) MaxPool(PoolSpec, Buffer, Buffer, Buffer) { n.fail("MaxPool") }

// MaxPoolBackward panics with *ErrNotImplemented.
func (n NotImplemented) MaxPoolBackward(PoolSpec, Buffer, Buffer, Buffer, Buffer, Buffer) {
	n.fail("MaxPoolBackward")
}

// AvgPool panics with *ErrNotImplemented.
func (n NotImplemented) AvgPool(PoolSpec, Buffer, Buffer) { n.fail("AvgPool") }

// AvgPoolBackward panics with *ErrNotImplemented.
func (n NotImplemented) AvgPoolBackward(PoolSpec, Buffer, Buffer) { n.fail("AvgPoolBackward") }

// LSTMCell panics with *ErrNotImplemented.
func (n NotImplemented) LSTMCell(Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, int, int) {
	n.fail("LSTMCell")
}

// LSTMCellBackwardH panics with *ErrNotImplemented.
func (n NotImplemented) LSTMCellBackwardH(Buffer, Buffer, Buffer, Buffer, Buffer, int, int) {
	n.fail("LSTMCellBackwardH")
}

// LSTMCellBackwardC panics with *ErrNotImplemented.
func (n NotImplemented) LSTMCellBackwardC(Buffer, Buffer, Buffer, Buffer, Buffer, int, int) {
	n.fail("LSTMCellBackwardC")
}

// LSTMSequence panics with *ErrNotImplemented.
func (n NotImplemented) LSTMSequence(LSTMSeq) { n.fail("LSTMSequence") }

// LSTMSequenceBackward panics with *ErrNotImplemented.
func (n NotImplemented) LSTMSequenceBackward(LSTMSeq, LSTMSeqGrad) { n.fail("LSTMSequenceBackward") }

// GRUSequence panics with *ErrNotImplemented.
func (n NotImplemented) GRUSequence(GRUSeq) { n.fail("GRUSequence") }

// GRUSequenceBackward panics with *ErrNotImplemented.
func (n NotImplemented) GRUSequenceBackward(GRUSeq, GRUSeqGrad) { n.fail("GRUSequenceBackward") }

// ApplyUpdate panics with *ErrNotImplemented.
func (n NotImplemented) ApplyUpdate(Update, Buffer, Buffer, Buffer, Buffer, Buffer) {
	n.fail("ApplyUpdate")
}
