// Package nn holds Keras-style layers, activations, initializers and
// regularizers.
//
// # Lifecycle
//
// A layer is constructed from its configuration (NewDense, NewConv2D, ...),
// built once its per-sample input shape is known (Build creates the named
// weights, e.g. "conv2d_1/kernel"), then applied to batches with
// Forward(x, training). OutputShape maps per-sample shapes, Params lists the
// trainable weights and Config returns a JSON-serialisable configuration
// from which FromConfig rebuilds the layer (Register adds a class). Models
// (package model) assign unique Keras-style names (dense, dense_1, ...) and
// call Build for you.
//
// Optional interfaces: Stateful (non-trainable weights such as
// BatchNormalization's moving statistics), Regularized (weight penalties
// added to the training loss), LogitsLayer (the pre-activation, used to
// fuse softmax or sigmoid with cross-entropy) and MultiInputLayer (Add,
// Concatenate).
//
// # Layouts
//
// Dimension letters: B batch, H height, W width, C channels. Images are
// NHWC; Conv2D kernels are HWIO [kh, kw, in, filters]; Dense kernels are
// [in, units]. Shapes passed to Build and OutputShape exclude B.
//
// # Errors
//
// Constructors panic on an invalid literal configuration (a programmer
// error, like regexp.MustCompile); FromConfig, the path for configurations
// read from files, returns an error instead. Build and OutputShape return
// errors naming the layer when an input shape does not fit. Forward panics
// with a *tensor.ShapeError on mismatched batches; package model recovers it
// and names the layer.
//
// # Example
//
//	d := nn.NewDense(10, nn.DenseConfig{Activation: "softmax"})
//	if err := d.Build([]int{64}, tensor.NewRNG(1)); err != nil { ... }
//	y := d.Forward(x, false) // x: [B 64] → y: [B 10]
package nn
