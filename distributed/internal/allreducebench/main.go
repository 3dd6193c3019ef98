// Command allreducebench times distributed.Comm.AllReduce for a few
// buffer sizes: run it under mpirun with a tensile build tag mpi,
//
//	go build -tags mpi -o /tmp/arb ./distributed/internal/allreducebench
//	mpirun -np 2 /tmp/arb
//
// Rank 0 prints, per size, the mean time of one all-reduce (after a
// barrier, over -reps calls) and the bus bandwidth 2(N-1)/N × bytes / time.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tensile-ml/tensile/distributed"
)

func main() {
	reps := flag.Int("reps", 50, "all-reduce calls per size")
	flag.Parse()
	c, err := distributed.Init()
	if err != nil {
		fmt.Fprintln(os.Stderr, "allreducebench:", err)
		os.Exit(1)
	}
	defer c.Finalize()
	n := c.Size()
	if c.Rank() == 0 {
		fmt.Printf("ranks %d\n%12s %12s %14s\n", n, "floats", "µs/call", "bus GB/s")
	}
	// mnist-cnn: its 3 automatic buckets and all its gradients in one.
	for _, size := range []int{1, 1 << 10, 18816, 36928, 37579, 93323, 1 << 20, 9332201} {
		buf := make([]float32, size)
		for i := range buf {
			buf[i] = float32(i % 7)
		}
		if err := c.AllReduce(buf, distributed.Sum); err != nil { // warm up
			fmt.Fprintln(os.Stderr, "allreducebench:", err)
			c.Abort(1)
		}
		c.Barrier()
		t := time.Now()
		for range *reps {
			if err := c.AllReduce(buf, distributed.Sum); err != nil {
				fmt.Fprintln(os.Stderr, "allreducebench:", err)
				c.Abort(1)
			}
		}
		d := time.Since(t) / time.Duration(*reps)
		if c.Rank() == 0 {
			bus := 2 * float64(n-1) / float64(n) * float64(4*size) / d.Seconds() / 1e9
			fmt.Printf("%12d %12.1f %14.2f\n", size, float64(d.Nanoseconds())/1e3, bus)
		}
	}
}
