#!/usr/bin/env bash
# gemm.sh: SGEMM throughput of tensile against OpenBLAS (through numpy),
# measured side by side in one run, as a markdown table.
#
#   bench/gemm.sh                  # threads 1 and 2, sizes 128..2048
#   SIZES=512,1024 THREADS="1" bench/gemm.sh
#
# The machine may be shared, so each size is measured in alternation,
# tensile then OpenBLAS, REPEAT times (default 2), and the best of each is kept.
#
# Environment: SIZES (comma-separated), THREADS (space-separated), REPEAT,
# SGEMM_REF (path of sgemm_ref.py; default ../shared/bench/sgemm_ref.py
# relative to the repository), PYTHON (default /usr/bin/python3).
# Needs python3-numpy and libopenblas0-pthread for the reference.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${SIZES:-128,256,512,1024,2048}
threads=${THREADS:-1 2}
repeat=${REPEAT:-2}
ref=${SGEMM_REF:-$root/../shared/bench/sgemm_ref.py}
python=${PYTHON:-/usr/bin/python3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/tensile" ./cmd/tensile)

# value KEY FILE N: the KEY=... field of the line for size N.
value() { grep -E "^n=$3 " "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n1; }

best() { sort -g | tail -n1; }

echo "| n | threads | tensile GFLOP/s | OpenBLAS GFLOP/s | ratio |"
echo "|---:|---:|---:|---:|---:|"
for t in $threads; do
	for n in ${sizes//,/ }; do
		: >"$tmp/g" && : >"$tmp/o"
		for _ in $(seq "$repeat"); do
			"$tmp/tensile" bench gemm --threads "$t" --sizes "$n" >"$tmp/out"
			value gflops "$tmp/out" "$n" >>"$tmp/g"
			env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" \
				"$python" "$ref" "$n" >"$tmp/out"
			value gflops "$tmp/out" "$n" >>"$tmp/o"
		done
		g=$(best <"$tmp/g")
		o=$(best <"$tmp/o")
		ratio=$(awk -v g="$g" -v o="$o" 'BEGIN { if (o > 0) printf "%.2f", g / o; else print "-" }')
		echo "| $n | $t | $g | $o | $ratio |"
	done
done
