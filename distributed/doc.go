// Package distributed runs data-parallel training across processes: one
// process per rank, started by mpirun, each holding a full replica of the
// model and training on its own shard of every batch.
//
// The collective operations (AllReduce, Broadcast, Barrier) go over MPI
// when tensile is built with the build tag mpi (cgo against Open MPI:
// go build -tags mpi ./cmd/tensile). The default build stays pure Go and
// static (CGO_ENABLED=0); its Comm is a single process (rank 0 of 1) for
// which every collective is the identity, so code written against this
// package runs unchanged without MPI.
//
// DataParallel plugs a Comm into a model's training step (see
// model.Replicas and model.GradientStream): weights are broadcast from
// rank 0, each step's gradients are averaged across ranks in buckets,
// weighted by each rank's share of the global batch, each bucket
// all-reduced on a communication goroutine as soon as the backward pass
// has finished its gradients (as PyTorch's DDP does), and the epoch's loss
// and metrics are averaged the same way. See docs/distributed.md.
package distributed
