// Package serve answers inference requests for saved tensile models over
// HTTP, from the same static binary that trains them ("tensile serve").
//
// # Endpoints
//
//	GET  /v2/health/live, /v2/health/ready       Open Inference Protocol v2 (KServe, Triton)
//	GET  /v2/models/NAME                         model metadata (inputs, outputs, classes)
//	POST /v2/models/NAME/infer                   {"inputs":[{"name","shape","datatype","data"}]}
//	POST /v1/models/NAME:predict                 TensorFlow Serving REST: {"instances":[...]}
//	POST /models/NAME/predict                    a PNG/JPEG body (image models), text (text models) or a WAV (audio models)
//	GET  /metrics                                Prometheus metrics
//	GET  /                                       a web page: draw a digit, type text or choose a WAV
//
// An image model has one [H, W, 1|3] input: uploads are decoded, converted
// and resized as "tensile predict" does (data.DecodeImage). A text model is
// one saved by train-text (textclf): it takes raw strings (BYTES in v2,
// strings as v1 instances, a text body). An audio model is a speech
// classifier saved by train-audio (speech): a WAV body is mixed to mono,
// resampled and turned into features by the model's own pipeline, as
// "tensile predict" does. Any other single-input, single-output model
// takes JSON tensors.
//
// # Batching, limits, lifecycle
//
// Concurrent requests for a model are gathered into one batch of at most
// Options.MaxBatch samples, waiting at most Options.MaxDelay after the first
// one, and each batch is one model.Predict call (safe for concurrent use).
// Bodies over MaxBody get 413, more than MaxConcurrent requests at once get
// 503, a request over Timeout gets 504; every error is a JSON object
// {"error": "..."}. Run stops accepting connections when its context ends
// (SIGTERM in the CLI) and finishes the requests in flight. With
// ReloadInterval set, a changed model file is loaded again and swapped in
// atomically: requests in flight finish on the old version; a file that
// does not load leaves the old version serving.
//
// Errors: a model file that does not load is an error from New; a bad
// request is a 4xx answer, never a panic (handlers run under model.Guard).
package serve
