package model

import (
	"github.com/tensile-ml/tensile/tensor"
)

// Replicas connects a model to the other replicas of data-parallel
// training: every process (rank) holds the same model, trains on its own
// shard of each global batch, and the replicas combine their gradients
// before every optimizer step so that their weights stay equal. The
// distributed package implements it over MPI (distributed.DataParallel).
//
// With replicas set (SetReplicas):
//
//   - TrainStep (and so Fit) calls ReduceGradients after the backward pass
//     (which a GradientStream overlaps) and before the optimizer step,
//     with the step's parameters and the number n of samples in this
//     replica's batch. The gradients hold the gradient of this replica's
//     mean loss; on return they must hold the gradient of the mean loss
//     over the global batch (the n-weighted mean of the replicas'
//     gradients), identical on every replica.
//   - Fit given a *data.Dataset reads only shard Rank() of Size() of every
//     batch (data.LoaderOptions.Shard): FitConfig.BatchSize stays the
//     global batch. Another data.Source must shard its own batches.
//   - Fit calls ReduceLogs at the end of every epoch with the epoch's loss
//     and metrics over this replica's samples and their count; on return
//     logs must hold the values over all replicas' samples (the n-weighted
//     mean, exact for the loss and for mean metrics such as accuracy).
//     Validation runs on every replica over the whole validation data.
//
// A Replicas that also implements GradientStream reduces gradients while
// the backward pass still runs. The methods are collective: every replica
// must make the same calls in the same order.
type Replicas interface {
	Rank() int
	Size() int
	ReduceGradients(params []*tensor.Tensor, n int) error
	ReduceLogs(logs Logs, n int) error
}

// GradientStream is implemented by Replicas that overlap the reduction of
// gradients with the backward pass (as PyTorch's DistributedDataParallel
// does). Before the backward pass, a training step calls StartGradients
// with the step's parameters and this replica's sample count n; it runs
// the backward pass with tensor's BackwardNotify, which calls the returned
// ready (when not nil) for each parameter as soon as its gradient is
// final, on the goroutine of the step; then it calls ReduceGradients with
// the same arguments, which finishes the reduction (parameters never
// reported count as zero gradients) and returns once every gradient holds
// the global batch's. If the backward pass panics, ReduceGradients is still
// called, so that no reduction is left waiting.
type GradientStream interface {
	StartGradients(params []*tensor.Tensor, n int) (ready func(param *tensor.Tensor), err error)
}

// SetReplicas makes training data-parallel over r (see Replicas); nil goes
// back to training alone.
func (m *Model) SetReplicas(r Replicas) { m.replicas = r }

// GetReplicas returns the replicas set with SetReplicas, or nil.
func (m *Model) GetReplicas() Replicas { return m.replicas }
