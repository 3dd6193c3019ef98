// Package tensor provides n-dimensional float32 arrays with NumPy-style
// broadcasting, eager ops and reverse-mode automatic differentiation.
//
// # Tensors
//
// A Tensor has a shape and row-major storage. Reshape (of a contiguous
// tensor), Transpose, Permute, BroadcastTo and Slice return views that share
// storage; kernels copy a view to contiguous memory only when they must.
// Dimension letters used in docs: B batch, H height, W width, C channels,
// T time, D model width. Images are NHWC; convolution kernels are HWIO.
//
// # Ops
//
//   - creation: Zeros, Ones, Full, Scalar, FromSlice, Arange, RandNormal,
//     RandUniform, RandTruncNormal (from an explicit NewRNG source);
//   - element-wise with broadcasting: Add, Sub, Mul, Div, Neg, Exp, Log,
//     Sqrt, Rsqrt, Square, Abs, Pow, PowT, Reciprocal, Maximum, Minimum,
//     Clip, Where, and the 0/1 comparisons Equal ... LessEqual;
//   - reductions over any axes with keepdims: Sum, Mean, Max, Min, Var, Std,
//     LogSumExp, ArgMax, ArgMin;
//   - MatMul (2-d and batched; transposed views go to GEMM without a copy);
//   - shape: Reshape, Permute, Transpose, BroadcastTo, Slice, Squeeze,
//     Unsqueeze, Concat, Stack, Split, Take, Pad, Tile, Repeat;
//   - neural-network primitives: Conv2D (NHWC, HWIO, strides, valid/same,
//     dilation, fused bias and ReLU), Conv2DMaxPool, MaxPool2D, AvgPool2D, ReLU, LeakyReLU,
//     Sigmoid, Tanh, ELU, GELU, Softplus, Swish, Softmax, LogSoftmax,
//     Dropout, DropoutMask, and the fused, stable SoftmaxCrossEntropy,
//     SoftmaxCrossEntropyDense and SigmoidCrossEntropy.
//
// # Autodiff
//
// Ops record a backward function next to their forward computation when any
// input requires a gradient (SetRequiresGrad) and recording is enabled (not
// inside NoGrad). loss.Backward() walks the recorded graph in reverse
// topological order, un-broadcasts each input gradient to its input's shape
// (the only place that happens), accumulates into the Grad of leaf tensors,
// and releases the graph. Gradients accumulate across Backward calls until
// ZeroGrad. BackwardNotify also reports each leaf as soon as its gradient is
// complete (after the last op that consumes it), while the rest of the pass
// still runs: data-parallel training starts all-reducing it then.
//
// # Backends
//
// Ops say what to compute; a backend (package backend) runs it. A Tensor
// holds a backend storage handle (backend.Buffer) with its shape, strides,
// offset and tape node. Every op validates shapes here, then calls the
// backend with buffers, sizes and op codes: conv planning and scratch
// pools, parallel scheduling, the fused LSTM/GRU loops and the SIMD
// kernels all live in the CPU backend (package backend/cpu), the default.
// UseBackend and SetBackend select another registered backend before any
// tensor is made. Data returns a host view of CPU storage, the escape hatch
// for I/O; Float32s and CopyFromSlice copy out and in through the backend.
//
// Conv2DMaxPool is the explicitly fused convolution + max pooling: where
// the backend fuses the pair, its backward pass feeds the pooled gradient
// straight into the convolution's backward. Models use it for a Conv2D
// whose only consumer is a max pooling (nn.Conv2D.ForwardPooled).
//
// # Memory
//
// An Arena recycles buffers between training steps: ops on arena tensors
// allocate from the arena, and Arena.Reset makes the buffers reusable.
//
// # Errors
//
// Shape, axis and argument mismatches are programmer errors: ops panic with a
// *ShapeError naming the op and the shapes, e.g.
//
//	tensor: MatMul: shapes [32 576] and [64 10] do not match
//
// Code that must return errors (model fitting, loading, the CLI) recovers
// these panics and reports the layer at fault.
//
// # Example
//
//	w := tensor.RandNormal(tensor.NewRNG(1), 0, 0.1, 3, 2).SetRequiresGrad(true)
//	x := tensor.FromSlice([]float32{1, 2, 3}, 1, 3)
//	loss := tensor.Sum(tensor.MatMul(x, w), nil, false)
//	loss.Backward()
//	_ = w.Grad() // dloss/dw
package tensor
