package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

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

// checkClusterFlags rejects the --distributed tuning flags without
// --distributed (they would do nothing) and a bad bucket size.
func checkClusterFlags(fs *flag.FlagSet, dist bool, bucketMB float64) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if (f.Name == "bucket-mb" || f.Name == "overlap") && !dist && err == nil {
			err = fmt.Errorf("--%s applies to --distributed training only", f.Name)
		}
	})
	if err == nil && (!(bucketMB >= 0) || bucketMB > 1<<20) {
		err = fmt.Errorf("--bucket-mb %g: want a size in MB in [0, %d] (0: automatic)", bucketMB, 1<<20)
	}
	return err
}

// configure sets the gradient buckets (bucketMB megabytes, 0 for
// automatic) and whether their all-reduce overlaps the backward pass.
func (c *cluster) configure(bucketMB float64, overlap bool) {
	if c == nil {
		return
	}
	c.dp.BucketBytes = int(bucketMB * (1 << 20))
	if bucketMB > 0 {
		c.dp.BucketBytes = max(c.dp.BucketBytes, 4)
	}
	c.dp.AfterBackward = !overlap
}

// commReport is the communication part of the training report: this
// rank's (rank 0's) time in gradient all-reduce, how much of it ran while
// the backward pass was still running, the time the steps waited for it
// after the backward pass, the backward passes' time, and the buckets.
type commReport struct {
	AllReduceSeconds        *float64 `json:"allreduce_seconds,omitempty"`
	AllReduceOverlapSeconds *float64 `json:"allreduce_overlap_seconds,omitempty"`
	AllReduceWaitSeconds    *float64 `json:"allreduce_wait_seconds,omitempty"`
	BackwardSeconds         *float64 `json:"backward_seconds,omitempty"`
	AllReduceBuckets        int      `json:"allreduce_buckets,omitempty"`
	// Per bucket, the mean over steps of when its all-reduce started,
	// in ms relative to the end of the backward pass (negative: during
	// it), and of how long it took.
	BucketStartMS []float64 `json:"allreduce_bucket_start_ms,omitempty"`
	BucketMS      []float64 `json:"allreduce_bucket_ms,omitempty"`
}

// commReport returns the communication figures, empty without a cluster.
func (c *cluster) commReport() commReport {
	if c == nil {
		return commReport{}
	}
	st := c.dp.Stats()
	sec := func(d time.Duration) *float64 { s := d.Seconds(); return &s }
	r := commReport{
		AllReduceSeconds: sec(st.AllReduceTime), AllReduceOverlapSeconds: sec(st.OverlapTime),
		AllReduceWaitSeconds: sec(st.WaitTime), BackwardSeconds: sec(st.BackwardTime),
		AllReduceBuckets: st.Buckets,
	}
	if n := float64(st.BucketSteps); n > 0 {
		for b := range st.BucketStart {
			r.BucketStartMS = append(r.BucketStartMS, 1e3*st.BucketStart[b].Seconds()/n)
			r.BucketMS = append(r.BucketMS, 1e3*st.BucketTime[b].Seconds()/n)
		}
	}
	return r
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
