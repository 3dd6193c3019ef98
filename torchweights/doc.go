// Package torchweights loads PyTorch state dicts into tensile models.
//
// A state dict saved as safetensors (ReadFile) is copied into a tensile
// model built to mirror the PyTorch module (Load): layers are matched to
// modules in order by parameter names and shapes, and every layout
// conversion (Linear transpose, OIHW → HWIO, RNN gate order, the
// MultiheadAttention in_proj split, channels-first flatten order) happens
// in Load's helpers, documented on Load.
//
// Pickle checkpoints (.pt, .pth) are refused with ErrPickle: unpickling
// can run arbitrary code. Convert them once in Python:
//
//	import torch
//	from safetensors.torch import save_file
//	save_file(torch.load("state.pt", weights_only=True), "state.safetensors")
//
// Errors: a malformed file, a layer without a matching module, or state
// dict tensors that no layer takes are errors naming the file, layer or
// tensors; nothing panics on a bad file (FuzzDecode).
//
// Example:
//
//	sd, err := torchweights.ReadFile("state.safetensors")
//	if err != nil { ... }
//	m := model.NewSequential(model.InputShape(784), nn.NewDense(128, nn.DenseConfig{Activation: "relu"}), nn.NewDense(10, nn.DenseConfig{}))
//	if err := m.Build(nil); err != nil { ... }
//	if err := torchweights.Load(m, sd); err != nil { ... }
package torchweights
