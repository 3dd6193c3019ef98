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
// fuse softmax or sigmoid with cross-entropy), MultiInputLayer (Add,
// Concatenate, Multiply, Dot), and MaskProducer / MaskConsumer (padding masks: Embedding
// with MaskZero produces one, recurrent layers consume it; package model
// passes masks between layers).
//
// # Layouts
//
// Dimension letters: B batch, H height, W width, C channels. Images are
// NHWC; Conv2D kernels are HWIO [kh, kw, in, filters]; Dense kernels are
// [in, units]. Shapes passed to Build and OutputShape exclude B.
//
// # Sequences
//
// Sequence layers take [B, T, D] batches (T time steps, D features);
// Embedding takes [B, T] token ids stored as float32. A mask is a [B, T]
// tensor with 1 for real steps and 0 for padding: Embedding with MaskZero
// computes one (ComputeMask), recurrent layers accept one (ForwardMasked)
// and carry their state unchanged through masked steps. ForwardState takes
// an initial state and returns the final one (for sampling step by step).
//
// Embedding tables for recommendation: Embedding looks up one id per
// position, EmbeddingBag combines a bag of ids ([B, ..., L], -1 padded) by
// sum, mean or sqrtn (multi-hot features, SVD++'s implicit feedback); both
// give the table a row-sparse gradient. Dot scores a vector against one or
// C others, Rescaling adds a constant such as a global mean.
//
// Recurrent layers follow Keras: LSTM gates in the order i, f, c̃, o with
// c_t = f⊙c_{t-1} + i⊙c̃ and h_t = o⊙tanh(c_t); GRU gates z, r, h̃ with
// h_t = z⊙h_{t-1} + (1-z)⊙h̃ (the overview's z' is 1-z), reset_after (the
// PyTorch form) by default and Cho et al.'s original with ResetBefore.
// Kernels are [D, G·H] and recurrent kernels [H, G·H]; ImportPyTorchRNN
// maps a PyTorch state dict onto them (weights transposed, GRU gates
// reordered from r, z, n). The input projections of all steps are one GEMM.
//
// MultiHeadAttention computes softmax(QKᵀ/√d_k)V per head with optional
// causal and padding masks; TransformerEncoder and TransformerDecoder build
// on it with residuals, layer norm (post- or pre-norm) and a feed-forward
// block.
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
