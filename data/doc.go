// Package data feeds training: in-memory datasets, batching with seeded
// shuffling and background prefetch, and loaders for the file formats users
// keep their data in.
//
// # Datasets
//
// A Dataset holds N samples as one flat []float32 X with a per-sample shape
// XShape, and their labels as a flat []float32 Y with a per-sample shape
// YShape. It holds no tensors: the model layer wraps batches into tensors.
// Images are NHWC, so an image sample has shape [H, W, C] (H height, W
// width, C channels). YShape is empty when each sample has one scalar label:
// a class id stored as float32 (for sparse categorical cross-entropy) or a
// regression target. Dataset.Split takes the last fraction of the samples
// as validation data, like Keras's validation_split.
//
// # Batching
//
// A Loader cuts a Dataset into batches of BatchSize (default 32) samples.
// Loader.Epoch(e) is a Go iterator (range-over-func) over the batches of
// epoch e; with Shuffle the order is a permutation determined by (Seed, e)
// alone, so a run is reproducible. With Prefetch > 0 one background
// goroutine gathers batches ahead of the consumer into a small ring of
// reused buffers: there is no allocation per batch in steady state, and a
// Batch is valid only until the next one is requested. Breaking out of the
// loop stops the goroutine before Epoch's iterator returns. A
// BatchSize larger than the dataset is clamped to it.
//
// # Sources
//
// Source is what training consumes: Batches(epoch) iterates over an
// epoch's batches with an error per batch (a streaming reader can fail).
// Dataset (in order, batches of 32), Loader and SourceFunc (a generator
// function) implement it; Prefetch wraps any source with a background
// goroutine copying batches ahead into reused buffers. A source's batches
// may differ in their sample dimensions (padded text, audio of per-batch
// length); CheckBatch validates one.
//
// # Loaders
//
//   - IDX (the MNIST format): ReadIDX, LoadIDX (gunzips ".gz"), LoadIDXDataset.
//   - CSV: LoadCSV, one sample per row, a label column (by name or index,
//     default the last), numeric features; text labels become class ids.
//   - NumPy: LoadNPY, LoadNPZ, LoadNPZDataset, LoadNPYDataset read .npy and
//     .npz files of bool, integer and float dtypes into float32; WriteNPY
//     and SaveNPY write float32 arrays.
//   - Images: LoadImageFolder (one sub-folder per class), LoadImage and
//     DecodeImage read PNG and JPEG files, converted to grayscale or RGB,
//     resized with bilinear interpolation (ResizeBilinear) and scaled to
//     [0, 1].
//
// The embedded MNIST set is in package datasets/mnist.
//
// # Limits
//
// What a file declares (array shapes, image sizes) is checked against the
// file's size and against MaxElements and MaxImagePixels, with
// overflow-safe arithmetic, before anything is allocated; see
// docs/robustness.md. Datasets read from NPY, NPZ and IDX reject NaN and
// infinite values, as CSV does.
//
// # Errors
//
// Anything a file can cause (I/O, truncation, corrupt or inconsistent
// content) is returned as an error that names the file and where in it the
// problem is: a line and column, an entry, an archive member. Misuse by the
// program, such as an out-of-range index passed to Subset or a fraction
// outside [0, 1] passed to Split, panics.
//
// # Example
//
//	train, _, err := mnist.Load()
//	if err != nil {
//		return err
//	}
//	train, val := train.Split(0.1)
//	loader := data.NewLoader(train, data.LoaderOptions{BatchSize: 128, Shuffle: true, Seed: 1, Prefetch: 2})
//	for epoch := range 12 {
//		for b := range loader.Epoch(epoch) {
//			_ = b.X // b.XShape = [128 28 28 1]; b.Y holds 128 class ids
//		}
//	}
//	_ = val
package data
