#!/bin/sh
# Log-mel feature extraction of every FSDD file (3,000 WAVs): tensile's
# default 8 kHz front end ("tensile bench logmel") beside torch.stft + the
# same mel matrix (bench/logmel_torch.py), both on one thread after reading
# the files into memory, and the ratios tensile/PyTorch of the best wall and
# the best process CPU time (< 1: tensile faster; on a loaded machine the CPU
# time ratio is the steadier one).
# Usage: bench/logmel.sh [DIR] (from the repository root; default
# ../shared/datasets/fsdd/recordings). Needs python3-torch.
set -e
cd "$(dirname "$0")/.."
DIR=${1:-../shared/datasets/fsdd/recordings}
PY=${PYTHON:-/usr/bin/python3}
BIN=$(mktemp -d)/tensile
go build -o "$BIN" ./cmd/tensile
ts=$(GOMAXPROCS=1 "$BIN" bench logmel --data "$DIR" --repeat 5)
rm -rf "$(dirname "$BIN")"
pt=$(OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE "$PY" bench/logmel_torch.py "$DIR" --repeat 5)
echo "tensile: $ts"
echo "pytorch: $pt"
a=$(echo "$ts" | sed -n 's/.*: \([0-9.]*\) s (.*/\1/p')
b=$(echo "$pt" | sed -n 's/.*: \([0-9.]*\) s (.*/\1/p')
c=$(echo "$ts" | sed -n 's/.*CPU \([0-9.]*\) s.*/\1/p')
d=$(echo "$pt" | sed -n 's/.*CPU \([0-9.]*\) s.*/\1/p')
echo "ratio tensile/pytorch: wall $(echo "$a $b" | awk '{ printf "%.2f", $1 / $2 }')x, CPU time $(echo "$c $d" | awk '{ printf "%.2f", $1 / $2 }')x"
