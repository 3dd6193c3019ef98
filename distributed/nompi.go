//go:build !mpi

package distributed

const mpiAvailable = false

func initMPI() (Comm, error) { return nil, ErrNoMPI }
