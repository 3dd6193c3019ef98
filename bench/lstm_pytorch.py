#!/usr/bin/env python3
"""Times one forward and backward pass of a PyTorch nn.LSTM with the shape of
tensile's BenchmarkLSTM (nn/rnn_test.go): batch 32, 50 steps, 128 features,
128 units, loss = sum of the last step's output.

Usage: lstm_pytorch.py [--threads N] [--iters N]
Prints one line: "pytorch lstm threads=N ms/step=X".
Run it as bench/lstm.sh does: with /usr/bin/python3 and OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE unset.
"""
import argparse
import time

import torch

B, T, D, H = 32, 50, 128, 128


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--iters", type=int, default=50)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(D, H, batch_first=True)
    x = torch.randn(B, T, D)

    def step():
        lstm.zero_grad(set_to_none=True)
        y, _ = lstm(x)
        y[:, -1].sum().backward()

    for _ in range(5):
        step()
    best = float("inf")
    for _ in range(3):  # best of three runs of iters steps
        t0 = time.perf_counter()
        for _ in range(a.iters):
            step()
        best = min(best, (time.perf_counter() - t0) / a.iters)
    print(f"pytorch lstm threads={a.threads} ms/step={best * 1e3:.2f}")


if __name__ == "__main__":
    main()
