#!/usr/bin/env bash
# Runs PyTorch's reference MNIST CNN benchmark and tensile's side by side,
# alternating, ROUNDS times each (default 3), on the same machine and batch,
# and prints the median samples/s of each and their ratio.
#
# usage: bench/compare_pytorch.sh [ROUNDS]
# env:   BATCH (32), STEPS (300), TORCH_BENCH (../shared/bench/torch_mnist_cnn.py),
#        MNIST_DIR (MNIST IDX .gz files; default: the copy embedded in the repo)
# Needs Debian's python3-torch (apt-get install -y python3-torch).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
batch=${BATCH:-32}
steps=${STEPS:-300}
torch_bench=${TORCH_BENCH:-../shared/bench/torch_mnist_cnn.py}
mnist=${MNIST_DIR:-datasets/mnist/data}
go build -o /tmp/tensile-bench ./cmd/tensile

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { tr ' ' '\n' | awk -F= -v k="$1" '$1==k {print $2}'; }

: >/tmp/cmp_torch_train; : >/tmp/cmp_torch_infer; : >/tmp/cmp_ts_train; : >/tmp/cmp_ts_infer
for r in $(seq "$rounds"); do
	best_train=0; best_infer=0
	for th in 1 2; do
		out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$torch_bench" "$mnist" --steps "$steps" --batch "$batch" --threads "$th")
		echo "round $r pytorch threads=$th: $out" >&2
		tr=$(echo "$out" | sed -n 's/.*train \([0-9.]*\) samples\/s.*/\1/p')
		inf=$(echo "$out" | sed -n 's/.*inference \([0-9.]*\) samples\/s.*/\1/p')
		best_train=$(awk -v a="$best_train" -v b="$tr" 'BEGIN{print (b>a?b:a)}')
		best_infer=$(awk -v a="$best_infer" -v b="$inf" 'BEGIN{print (b>a?b:a)}')
	done
	echo "$best_train" >>/tmp/cmp_torch_train; echo "$best_infer" >>/tmp/cmp_torch_infer
	out=$(/tmp/tensile-bench bench train mnist-cnn --steps "$steps" --batch-size "$batch" --threads 2)
	echo "round $r tensile: $out" >&2
	echo "$out" | field train_samples_per_second >>/tmp/cmp_ts_train
	echo "$out" | field inference_samples_per_second >>/tmp/cmp_ts_infer
done
tt=$(median </tmp/cmp_torch_train); ti=$(median </tmp/cmp_torch_infer)
st=$(median </tmp/cmp_ts_train); si=$(median </tmp/cmp_ts_infer)
echo "| | PyTorch (best of 1/2 threads) | tensile (2 threads) | ratio |"
echo "|---|---|---|---|"
awk -v a="$tt" -v b="$st" 'BEGIN{printf "| training samples/s (batch '"$batch"') | %.0f | %.0f | %.2fx |\n", a, b, b/a}'
awk -v a="$ti" -v b="$si" 'BEGIN{printf "| inference samples/s (batch 256) | %.0f | %.0f | %.2fx |\n", a, b, b/a}'
