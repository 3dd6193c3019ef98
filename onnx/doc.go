// Package onnx converts tensile models to and from ONNX.
//
// Export writes a built model (Sequential or functional) as an ONNX graph
// at opsets 13..17. Tensile's layouts are kept at the graph's edges:
// images are NHWC, sequences [B, T, D], token ids float32; inside, each
// convolution or pooling runs between Transposes to ONNX's NCHW (runtimes
// fold adjacent transposes). Weights become initializers named by their
// tensile paths ("conv2d_1/kernel", converted from HWIO to OIHW where ONNX
// wants it). Inference semantics: Dropout is Identity, BatchNormalization
// folds its moving statistics into a per-channel scale and shift.
//
// Errors: a layer with no ONNX mapping, an unsupported opset or an unbuilt
// model is an error naming the layer; Export never panics on a valid model.
//
// Example:
//
//	m := zoo.MNISTCNN()
//	if err := onnx.Save(m, "mnist.onnx", onnx.ExportOptions{}); err != nil { ... }
package onnx
