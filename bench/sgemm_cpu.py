#!/usr/bin/env python3
"""Single-threaded OpenBLAS SGEMM (through numpy) timed by wall and CPU time.

usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/sgemm_cpu.py [N ...]

On a machine shared with other jobs, wall time mostly measures the scheduler;
the process CPU time (time.process_time) counts only the time OpenBLAS ran.
It pairs with tensile's thread-CPU-time harness:

  TENSILE_GEMM_CPU="512 1024 2048" go test -run GemmCPUTime -v ./internal/kernels

Prints one line per size: openblas n=N wall=G cpu=G (GFLOP/s, best of 9
rounds of about 1 GFLOP each). Only meaningful with one thread.
"""
import sys
import time

import numpy as np


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [512, 1024, 2048]
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        a @ b
        reps = max(1, int(1e9 / (2 * n ** 3)))
        bw = bc = float("inf")
        for _ in range(9):
            t, c = time.perf_counter(), time.process_time()
            for _ in range(reps):
                a @ b
            bw = min(bw, (time.perf_counter() - t) / reps)
            bc = min(bc, (time.process_time() - c) / reps)
        fl = 2 * n ** 3 / 1e9
        print(f"openblas n={n} wall={fl / bw:.1f} cpu={fl / bc:.1f}")


if __name__ == "__main__":
    main()
