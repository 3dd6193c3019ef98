#!/bin/sh
# LSTM speed: tensile's BenchmarkLSTM (nn/rnn_test.go) beside PyTorch's
# nn.LSTM with the same shape (batch 32, 50 steps, 128 features, 128 units,
# forward + backward), at 1 and 2 threads, and the ratio tensile/PyTorch.
# Usage: bench/lstm.sh (from the repository root). Needs python3-torch.
# PyTorch runs with OMP_WAIT_POLICY=PASSIVE: on a machine shared with other
# jobs, OpenMP's default spin-waiting makes its 2-thread run 20-50x slower.
set -e
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
for t in 1 2; do
	pt=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE "$PY" bench/lstm_pytorch.py --threads "$t" | sed -n 's/.*ms\/step=//p')
	ts=$(GOMAXPROCS=$t go test -run XXX -bench 'BenchmarkLSTM$' -benchtime 20x -count 3 ./nn |
		awk '/ms\/step/ { for (i = 1; i <= NF; i++) if ($(i+1) == "ms/step" && (best == "" || $i < best)) best = $i } END { print best }')
	echo "threads=$t tensile ${ts} ms/step  pytorch ${pt} ms/step  ratio $(echo "$ts $pt" | awk '{ printf "%.2f", $1 / $2 }')x"
done
