// Package model holds Keras-style models: Sequential stacks and functional
// graphs of nn layers, with Compile, Fit, Evaluate, Predict, callbacks,
// Summary and save/load.
//
// # Models
//
// NewSequential takes layers in order; its input shape comes from a leading
// InputShape (nn.Input) layer, SetInput, or the data at the first Fit. The
// functional API builds graphs with several inputs, branches and merges:
// Input makes an input node, Apply(layer, nodes...) applies a layer (merge
// layers nn.Add and nn.Concatenate take several nodes) and NewModel(inputs,
// outputs) makes the model. Both are a *Model. Layers get unique Keras-style
// names (conv2d, conv2d_1, ...) and weights are named "<layer>/<weight>".
// ApplyMulti applies a layer with several outputs (a recurrent layer with
// ReturnState: its output, then its final states) and returns one node per
// output for separate branches; the layer runs once per pass, and Save and
// Load keep the wiring (a saved reference "lstm:1" names output 1).
//
// # Masking
//
// Padding masks propagate as in Keras: a layer implementing
// nn.MaskProducer (nn.Embedding with MaskZero) emits a [B, T] mask of its
// non-zero ids; the following nn.MaskConsumer layers (recurrent layers,
// Bidirectional, attention, Transformer blocks, GlobalAveragePooling1D)
// receive it through ForwardMasked, and it passes on through step-wise
// layers that keep the time axis (Dropout, Dense, Activation, normalisation,
// recurrent layers with return_sequences, attention) and through merges
// (logical AND). Other layers (Conv1D, pooling, Flatten, a recurrent layer
// returning its last output) drop it. So Embedding(mask_zero) → LSTM gives
// the same output for a padded sequence as for the unpadded one.
//
// # Training
//
// Compile sets an optim.Optimizer, a losses.Loss and metrics. Fit trains on
// a data.Source: a data.Dataset (batch size 32 and shuffling by default, a
// seed, a validation split taken from the end before shuffling, or
// validation data, class weights, callbacks), a data.Loader, a generator
// (data.SourceFunc, whose batches may differ in sequence length) or a
// data.Prefetch wrapper, and returns a History. Epoch e's shuffle order
// depends only on the seed and e, so a run resumed with InitialEpoch
// repeats the uninterrupted run. When the last
// layer ends in softmax or sigmoid and the loss is a losses.LogitsLoss
// expecting probabilities, training feeds the pre-activation to the loss's
// logits form (one fused, stable step); metrics and predictions still see
// probabilities.
//
// Every batch goes through TrainStep (forward, loss, backward, optimizer
// update, metrics), which custom loops (reinforcement learning,
// recommendation, distributed training) call directly. Each step allocates
// its activations and gradients from the model's training arena, reset
// after the optimizer step, so steady-state steps reuse memory.
//
// # Concurrent inference
//
// Evaluate, Predict and Call on a built model are safe from many
// goroutines at once: each call takes its own arena from a pool and runs
// its inputs in tensor inference mode. Metrics with a Clone method are
// cloned per Evaluate call; Evaluate calls with other metrics take turns.
// Nothing may run concurrently with Fit or TrainStep on the same model.
//
// # Errors
//
// Fit, TrainStep, Evaluate, Predict, Call, Save and Load return errors:
// data whose shape does not match the model's input, labels out of range
// for a sparse loss, a NaN loss (*NaNLossError with epoch and batch), and
// panics inside a layer, recovered into a *LayerError naming the layer:
//
//	model: layer "dense_1" (Dense): tensor: MatMul: shapes [32 576] and [64 10] do not match
//
// One recover boundary implements this policy (recover.go) and is exported
// as Guard for task packages and custom loops: a panic becomes an error (a
// *LayerError inside a layer, an *InternalError with the stack for a Go
// runtime error), and never crashes the program.
//
// # Files
//
// Save writes one safetensors file (readable by other tools): the weights
// as F32 tensors, the architecture JSON under the "tensile.model" metadata
// key, and for a compiled model the compile config and optimizer slots, so
// training can resume. SetMetadata attaches further JSON values (a text
// vectorizer, class names), stored under "tensile.meta.<key>" and restored
// by Load (Metadata). Files are written to a temporary file, fsynced and
// renamed. Load validates the header and names the file in errors: shapes
// against MaxWeightElements, overlapping offsets, NaN or infinite weights,
// an architecture nested deeper than MaxSpecDepth, and an architecture
// needing more weight values than the file holds (refused before its
// weights are allocated). A save removes the temporary files that killed
// earlier saves of the same file left behind.
//
// # Example
//
//	m := model.NewSequential(
//		model.InputShape(28, 28, 1),
//		nn.NewConv2D(32, [2]int{3, 3}, nn.Conv2DConfig{Activation: "relu"}),
//		nn.NewMaxPooling2D([2]int{2, 2}, nn.PoolConfig{}),
//		nn.NewFlatten(),
//		nn.NewDense(10, nn.DenseConfig{Activation: "softmax"}),
//	)
//	m.Compile(optim.NewAdam(optim.AdamConfig{}), losses.NewSparseCategoricalCrossentropy(losses.Options{}), nil)
//	hist, err := m.Fit(train, model.FitConfig{Epochs: 5})
package model
