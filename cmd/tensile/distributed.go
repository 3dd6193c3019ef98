package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"

	"github.com/tensile-ml/tensile/distributed"
	"github.com/tensile-ml/tensile/internal/parallel"
	"github.com/tensile-ml/tensile/model"
)

// cluster is the data-parallel setup of a --distributed run: one process
// per rank, started by mpirun. A nil *cluster is an ordinary run of one
// process.
type cluster struct {
	comm distributed.Comm
	dp   *distributed.DataParallel
}

// startCluster joins the MPI job when enabled. Unless --threads was given,
// each rank takes its share of the machine's cores (the cores divided by
// the ranks mpirun started on this machine).
func startCluster(enabled bool, threads int) (*cluster, error) {
	if !enabled {
		return nil, nil
	}
	c, err := distributed.Init()
	if err != nil {
		return nil, fmt.Errorf("--distributed: %w", err)
	}
	if threads == 0 {
		local := 1
		if v, err := strconv.Atoi(os.Getenv("OMPI_COMM_WORLD_LOCAL_SIZE")); err == nil && v > 0 {
			local = v
		}
		parallel.SetThreads(max(1, runtime.NumCPU()/local))
	}
	return &cluster{comm: c, dp: distributed.NewDataParallel(c)}, nil
}

// leader reports whether this process writes files and progress: rank 0,
// or the only process.
func (c *cluster) leader() bool { return c == nil || c.comm.Rank() == 0 }

// size returns the number of ranks (1 without a cluster).
func (c *cluster) size() int {
	if c == nil {
		return 1
	}
	return c.comm.Size()
}

// output returns where this rank prints: w on the leader, nothing on the
// other ranks.
func (c *cluster) output(w io.Writer) io.Writer {
	if c.leader() {
		return w
	}
	return io.Discard
}

// attach makes m's training data-parallel: it builds m for samples of
// shape xShape, copies rank 0's weights to every rank and sets the
// replicas (gradients and epoch metrics averaged over the ranks; each rank
// reads its shard of every batch).
func (c *cluster) attach(m *model.Model, xShape []int) error {
	if c == nil {
		return nil
	}
	if err := m.Build(xShape); err != nil {
		return err
	}
	if err := distributed.BroadcastWeights(c.comm, m); err != nil {
		return err
	}
	m.SetReplicas(c.dp)
	return nil
}

// allReduceSeconds returns the time this rank spent in gradient
// all-reduce, or nil without a cluster.
func (c *cluster) allReduceSeconds() *float64 {
	if c == nil {
		return nil
	}
	s := c.dp.Stats().AllReduceTime.Seconds()
	return &s
}

// finish ends the rank's part in the job. On an error (or a panic, which
// is re-raised) with several ranks it prints the error naming the rank and
// aborts the whole job, so that the other ranks do not wait for this one
// in a collective; otherwise it finalizes MPI.
func (c *cluster) finish(err error, panicked any) error {
	if c == nil {
		if panicked != nil {
			panic(panicked)
		}
		return err
	}
	if panicked != nil && err == nil {
		err = fmt.Errorf("%v", panicked)
	}
	if err != nil && c.comm.Size() > 1 {
		fmt.Fprintf(os.Stderr, "tensile train: rank %d of %d: %v; ending the job\n", c.comm.Rank(), c.comm.Size(), err)
		c.comm.Abort(1)
	}
	if panicked != nil {
		panic(panicked)
	}
	if err != nil {
		return err
	}
	return c.comm.Finalize()
}
