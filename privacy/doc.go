// Package privacy provides differentially private training support: the
// Rényi-DP accountant of the sampled Gaussian mechanism (Mironov, Talwar
// and Zhang 2019) that DP-SGD (Abadi et al. 2016) is analysed with.
//
// RDP gives the Rényi divergence bound of one step at an order α, with
// exact sums for integer orders and the convergent series for fractional
// orders. Epsilon composes Steps steps (RDP adds up) and converts to
// (ε, δ) with ε = min_α RDP(α) + log(1/δ)/(α−1) over DefaultOrders;
// EpsilonOrders takes other orders (TutorialOrders, with TutorialSteps,
// reproduces TF-Privacy's MNIST tutorial). NoiseMultiplier inverts it by
// bisection. An Accountant tracks a run.
//
// DPSGD runs DP-SGD steps: PerExample computes every example's gradient
// norm in one forward and one backward pass over the batch, and for
// models of Dense, Conv2D, Embedding and LayerNormalization layers the
// same pass yields the clipped gradient sum, so a DP step costs one pass
// plus the per-example rules. Recurrent layers (SimpleRNN, LSTM, GRU,
// Bidirectional, with padding masks) get per-example norms from the same
// pass; models with them take the update from a second, weighted training
// step. Train is the DP-SGD loop with Poisson
// sampling; MembershipAUC is a loss-threshold membership-inference attack.
//
// # Errors
//
// Out-of-range parameters (sampling rate outside (0, 1], negative noise,
// δ outside (0, 1)) return errors naming the parameter.
//
// # Example
//
//	eps, _, err := privacy.Epsilon(privacy.Params{SamplingRate: 256.0 / 60000,
//		NoiseMultiplier: 1.12, Steps: 14063}, 1e-5) // ε ≈ 2.92
package privacy
