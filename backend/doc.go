// Package backend is the execution seam under package tensor: a small,
// data-only interface that runs ops on buffers, and the registry of
// implementations.
//
// # Layers
//
//	internal/kernels ← backend (cpu, ...) ← tensor ← nn, optim, losses, metrics ← model ← tasks ← cmd
//
// Package tensor says what to compute (shapes, broadcasting, views, the
// autodiff tape); a Backend decides how and where; kernels are loops over
// slices. A Backend never sees a Tensor: it gets Buffers, sizes and scalars.
//
// # What a backend provides
//
//   - buffers: Alloc, Free, CopyIn, CopyOut, Fill;
//   - element-wise ops by op code: Unary (Exp ... Swish, with parameters),
//     UnaryBackward (the activations), Binary and BinaryScalar (Add ...
//     LessEq), Where, SumSquares, Reduce and Arg;
//   - Softmax and the fused cross-entropies;
//   - Gemm with a bias/ReLU epilogue;
//   - convolution: PlanConv, then ConvForward, ConvBackward (or
//     ConvBackwardData / ConvBackwardFilter), and the explicit fused
//     ConvMaxPoolBackward of a convolution followed by max pooling;
//   - pooling: MaxPool, AvgPool and their backward passes;
//   - the fused recurrent ops: LSTMCell, LSTMSequence, GRUSequence and their
//     backward passes;
//   - optimizer updates by rule: ApplyUpdate (SGD, momentum, Adam, AMSGrad,
//     Adagrad, RMSprop).
//
// Workspace sizes (MaxPoolWorkspace, ConvBackwardWorkspace) are the
// backend's business: tensor asks and allocates them from its arena.
//
// # Writing a backend
//
// Embed NotImplemented, whose every op panics with *ErrNotImplemented
// naming the op, and override ops one at a time. Run the conformance suite
// from its test:
//
//	func TestConformance(t *testing.T) { backendtest.Run(t, mybackend.New()) }
//
// The suite compares every op with reference loops in float64 (numeric
// gradients for the fused recurrent ops) on odd and large sizes; ops still
// missing show as skipped subtests. Register the backend under a name
// (Register, from an init function) and select it with tensor.UseBackend.
// The CPU backend (package backend/cpu) is the default.
//
// # How a GPU backend would plug in
//
// A GPU backend lives in its own package and is opt-in: importing it
// registers it, and tensor.UseBackend("cuda") selects it before any tensor
// is made. The default build stays pure Go with CGO_ENABLED=0:
//
//   - the driver is loaded at run time (dlopen of libcuda / the Vulkan or
//     Metal loader through a pure-Go loader such as github.com/ebitengine/purego), never linked
//     with cgo; Open returns an error naming the missing library when the
//     machine has none, so programs fall back to the CPU;
//   - buffers live on the device: Alloc returns a Buffer whose Dev is the
//     device allocation (Host stays nil), Buffer.Slice narrows the handle,
//     and ops launch kernels (precompiled PTX/SPIR-V shipped as embedded
//     files) on those handles without copying to the host;
//   - CopyIn and CopyOut are the only host transfers. Tensor.Data, the
//     escape hatch for I/O code, would sync the buffer to the host first;
//     Float32s and CopyFromSlice go through CopyOut and CopyIn directly;
//   - PlanConv picks the device algorithm (implicit GEMM, Winograd) and
//     keeps its workspace size; ConvMaxPoolFusable reports what the device
//     fuses.
//
// What this seam does not cover yet, and a device backend would need next:
// the host loops left in package tensor (creation from Go slices, At/Set,
// copies of strided views, Concat/Take/Pad, Dropout masks), the
// optimizers' slots (host slices, so that State and LoadState can return
// them), and label slices ([]int) passed to the cross-entropy ops.
//
// # Errors
//
// Backends trust their caller: package tensor has checked every shape
// before an op runs. An op a backend lacks panics with *ErrNotImplemented.
package backend
