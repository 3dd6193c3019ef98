package main

import (
	"time"

	"github.com/tensile-ml/tensile/internal/cputime"
)

// cpuTime returns the process's user + system CPU time, or false where it
// is not available.
func cpuTime() (time.Duration, bool) { return cputime.Process() }
