// Package onnx converts tensile models to and from ONNX.
//
// # Export
//
// Export writes a built model (Sequential or functional) as an ONNX graph
// at opsets 13..17. Tensile's layouts are kept at the graph's edges:
// images are NHWC, sequences [B, T, D], token ids float32; inside, each
// convolution or pooling runs between Transposes to ONNX's NCHW (runtimes
// fold adjacent transposes). Weights become initializers named by their
// tensile paths ("conv2d_1/kernel", converted from HWIO to OIHW where ONNX
// wants it). Recurrent layers map to ONNX's RNN/LSTM/GRU ops (LSTM gates
// reordered to i, o, f, c; linear_before_reset for the reset-after GRU);
// attention and the Transformer blocks are decomposed into MatMul and
// Softmax. Inference semantics: Dropout is Identity, BatchNormalization
// folds its moving statistics into a per-channel scale and shift.
//
// # Import
//
// Read and Import turn an ONNX graph into an ordinary tensile model whose
// weights are trainable parameters. Graphs as torch.onnx.export writes
// them for MLPs, CNNs and LSTM/GRU networks map node by node onto tensile
// layers; channels-first (NCHW) graphs run channels-last: a value's
// logical ONNX layout is tracked apart from its tensile storage (cl, tm and
// perm in value), and weights are converted on the way in. Graphs that do
// not map layer by layer (the Transformer encoders PyTorch exports) become
// one Graph layer that runs the nodes op by op on tensile tensors.
//
// # Errors
//
// A layer with no ONNX mapping, an unsupported opset or an unbuilt model
// is an export error naming the layer. On import, a malformed or truncated
// file, dims that would allocate gigabytes, cycles and unsupported ops are
// errors naming the file and the node; nothing panics (FuzzImport).
//
// Example:
//
//	if err := onnx.Save(zoo.MNISTCNN(), "mnist.onnx", onnx.ExportOptions{}); err != nil { ... }
//	m, err := onnx.Read("cnn_from_pytorch.onnx")
package onnx
