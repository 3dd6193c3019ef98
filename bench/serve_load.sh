#!/usr/bin/env bash
# Load test of "tensile serve": throughput and p50/p99 latency at 1, 8 and
# 64 concurrent clients (closed loop, one MNIST image per request, v1
# predict JSON), for
#   1. tensile serve with dynamic batching (--max-batch 64),
#   2. tensile serve without batching (--max-batch 1),
#   3. the Keras MNIST CNN's architecture in PyTorch behind Flask's threaded
#      server (bench/serve_flask.py), what a Python user would write,
# in the same run on the same machine, plus "tensile bench train"'s
# in-process inference samples/s (batch 256) as the ceiling. Loopback only;
# every run is bounded by SECONDS. The three servers run side by side and
# each client count sends to them in turn, 5 s at a time, so that load
# from other processes falls on all three alike. The load generator
# (bench/serveload, vegeta) runs on the same CPUs as the servers; each
# line also gives its CPU per request (client_cpu_us), the server
# process's (server_cpu_us, from /proc) and tensile's mean batch size, and
# the last lines the ratios within the run.
#
# usage: bench/serve_load.sh [SECONDS]     (default 10 per run; 9 runs)
# env:   CLIENTS ("1 8 64"), PORT (18080; the servers take PORT..PORT+2)
# Needs Debian's python3-flask and python3-torch for the Flask server.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
clients=${CLIENTS:-"1 8 64"}
port=${PORT:-18080}
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -o "$work/tensile" ./cmd/tensile
CGO_ENABLED=0 go build -o "$work/serveload" ./bench/serveload
"$work/serveload" --write-mnist-body "$work/body.json"
"$work/tensile" train mnist-cnn --epochs 1 --train-limit 2000 --verbose 0 --out "$work/mnist.tsm" >/dev/null

waitfor() { # URL
	for _ in $(seq 300); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "server at $1 did not come up" >&2; exit 1
}
batches() { # "samples batches" of the tensile_batch_size histogram so far
	curl -fs "$1" | awk '/^tensile_batch_size_sum/{s=$2} /^tensile_batch_size_count/{c=$2} END{print s+0, c+0}'
}

echo "# $(date -u +%FT%TZ) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/tensile" bench train mnist-cnn --steps 30 --warmup 5 | tee "$work/bench" | sed 's/^/bench: /'

# The three servers run side by side (idle but for their turn); each
# client count sends to them in turn, 5 s at a time, so that load from
# other processes falls on all three alike.
p1=$port p2=$((port + 1)) p3=$((port + 2))
"$work/tensile" serve "mnist=$work/mnist.tsm" --addr "127.0.0.1:$p1" --max-batch 64 --max-delay 2ms --quiet >/dev/null 2>"$work/serve64.log" &
pids="$!"
"$work/tensile" serve "mnist=$work/mnist.tsm" --addr "127.0.0.1:$p2" --max-batch 1 --quiet >/dev/null 2>"$work/serve1.log" &
pids="$pids $!"
/usr/bin/python3 bench/serve_flask.py "$p3" >/dev/null 2>"$work/flask.log" &
pids="$pids $!"
waitfor "http://127.0.0.1:$p1/v2/health/ready"
waitfor "http://127.0.0.1:$p2/v2/health/ready"
waitfor "http://127.0.0.1:$p3/health"

u1="http://127.0.0.1:$p1/v1/models/mnist:predict"
u2="http://127.0.0.1:$p2/v1/models/mnist:predict"
u3="http://127.0.0.1:$p3/v1/models/mnist:predict"
for c in $clients; do
	for u in "$u1" "$u2" "$u3"; do # a short warm-up
		"$work/serveload" --url "$u" --body "$work/body.json" --clients "$c" --duration 1s --label warmup >/dev/null
	done
	b0=$(batches "http://127.0.0.1:$p1/metrics")
	"$work/serveload" --url "$u1,$u2,$u3" --label tensile-batch64,tensile-batch1,flask-pytorch --pid "${pids// /,}" \
		--body "$work/body.json" --clients "$c" --duration "${secs}s" --slice 5s >"$work/run"
	b1=$(batches "http://127.0.0.1:$p1/metrics")
	# the batching server's mean batch size over the run
	mean=$(echo "$b0 $b1" | awk '{ if ($4 > $2) printf "%.1f", ($3 - $1) / ($4 - $2) }')
	sed "s/^\(label=tensile-batch64 .*\)$/\1 mean_batch=$mean/" "$work/run" | tee -a "$work/results"
done

# Ratios within this run, per client count: batching over batch-1 serving,
# over Flask + PyTorch, and over the in-process inference rate.
inf=$(sed -n 's/.*inference_samples_per_second=\([0-9.]*\).*/\1/p' "$work/bench")
awk -v inf="$inf" '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	rate[f["label"], f["clients"]] = f["throughput"]; cl[f["clients"]] = 1
} END {
	for (c in cl) {
		b = rate["tensile-batch64", c]; o = rate["tensile-batch1", c]; p = rate["flask-pytorch", c]
		printf "ratios clients=%s batching/batch1=%.2f batching/flask=%.2f batching/inference=%.2f\n", c, (o > 0 ? b / o : 0), (p > 0 ? b / p : 0), (inf > 0 ? b / inf : 0)
	}
}' "$work/results" | sort -t= -k2 -n
