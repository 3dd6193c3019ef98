// Package explain computes attributions and visualisations for tensile
// models: which inputs a prediction depends on, and what layers compute.
//
// An Explainer wraps a built model whose layers form a chain (Sequential
// models, and functional models without branches; New checks this by
// comparing a layer-by-layer pass with the model's own). Its methods
// return one score per input value, in the input's layout (NHWC images):
//
//   - Saliency: ∂score/∂x (Simonyan et al. 2014);
//   - GradientXInput: x ⊙ ∂score/∂x;
//   - SmoothGrad: the mean gradient over noisy copies (Smilkov et al. 2017);
//   - IntegratedGradients: (x − b) ⊙ ∫ ∇score along the straight path from
//     a baseline b (Sundararajan et al. 2017), by the trapezoid rule, with
//     the completeness error |Σ attributions − (f(x) − f(b))| / |f(x) − f(b)|;
//   - GradCAM: ReLU(Σ_c α_c A_c) on a named layer with output [H, W, C]
//     (Selvaraju et al. 2017), and Upsample to scale it to the input;
//   - Occlusion: the score drop when patches are blanked (Zeiler and Fergus
//     2014).
//
// The score is the target class's logit (the pre-activation of the last
// layer) by default, or its probability (Explainer.Score = Probability).
// Every gradient method runs all its points (SmoothGrad's samples, IG's
// path) as one batch: one forward and one backward pass.
//
// RandomizationRankCorrelation is the statistic of the model-randomisation
// sanity check of Adebayo et al. (2018).
//
// # Errors
//
// Inputs of the wrong size, unknown layers, targets out of range and
// layers of the wrong kind return errors; panics inside layers are turned
// into errors by model.Guard.
//
// # Example
//
//	e, err := explain.New(m)
//	sal, err := e.Saliency(x, 7)
//	ig, err := e.IntegratedGradients(x, nil, 7, 50) // ig.CompletenessError
package explain
