#!/bin/sh
# LSTM speed: tensile's BenchmarkLSTM (nn/rnn_test.go) beside PyTorch's
# nn.LSTM with the same shape (batch 32, 50 steps, 128 features, 128 units,
# forward + backward), at 1 and 2 threads, in ROUNDS (default 3) alternated
# rounds: each round times PyTorch and tensile at 1 thread, then both at 2
# threads. Each timing is a best of three runs; the table gives the median
# over the rounds, and the last line the ratio of the best thread settings
# (PyTorch's ms over tensile's: above 1, tensile is faster).
# Usage: bench/lstm.sh (from the repository root). Needs python3-torch.
# For the AVX2 tier on an AVX-512 CPU, as in docs/performance.md:
#   TENSILE_SIMD=avx2 ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 bench/lstm.sh
# PyTorch runs with OMP_WAIT_POLICY=PASSIVE: on a machine shared with other
# jobs, OpenMP's default spin-waiting makes its 2-thread run 20-50x slower.
set -e
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
ROUNDS=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/nn.test" ./nn
for r in $(seq "$ROUNDS"); do
	for t in 1 2; do
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE "$PY" bench/lstm_pytorch.py --threads "$t" |
			sed -n 's/.*ms\/step=//p' >>"$tmp/pt$t"
		(cd nn && GOMAXPROCS=$t "$tmp/nn.test" -test.run XXX -test.bench 'BenchmarkLSTM$' -test.benchtime 20x -test.count 3) |
			awk '/ms\/step/ { for (i = 1; i <= NF; i++) if ($(i+1) == "ms/step" && (best == "" || $i < best)) best = $i } END { print best }' >>"$tmp/ts$t"
	done
done
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }
echo "$ROUNDS rounds, medians (the rounds in brackets, tensile / pytorch):"
for t in 1 2; do
	ts=$(median "$tmp/ts$t")
	pt=$(median "$tmp/pt$t")
	echo "threads=$t tensile $ts ms/step  pytorch $pt ms/step  ($(tr '\n' ' ' <"$tmp/ts$t")/ $(tr '\n' ' ' <"$tmp/pt$t"))"
	echo "$ts $pt" >>"$tmp/med"
done
awk 'NR == 1 || $1 < ts { ts = $1 } NR == 1 || $2 < pt { pt = $2 } END { printf "best thread setting: tensile %.2f ms/step, pytorch %.2f ms/step: tensile %.2fx faster\n", ts, pt, pt / ts }' "$tmp/med"
