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
# every run is bounded by SECONDS. The load generator (bench/serveload,
# vegeta) runs on the same CPUs as the servers; each line also gives its
# CPU per request (client_cpu_us), the server process's (server_cpu_us,
# from /proc) and tensile's mean batch size, and the last lines the
# ratios within the run.
#
# usage: bench/serve_load.sh [SECONDS]     (default 10 per run; 9 runs)
# env:   CLIENTS ("1 8 64"), PORT (18080)
# Needs Debian's python3-flask and python3-torch for the Flask server.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
clients=${CLIENTS:-"1 8 64"}
port=${PORT:-18080}
work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
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
stop() {
	kill -TERM "$pid"; wait "$pid" || true; pid=""
}
tck=$(getconf CLK_TCK)
cputicks() { awk '{print $14+$15}' "/proc/$pid/stat"; } # the server's user+system CPU
batches() { # "samples batches" of the tensile_batch_size histogram so far
	curl -fs "$1" | awk '/^tensile_batch_size_sum/{s=$2} /^tensile_batch_size_count/{c=$2} END{print s+0, c+0}'
}
load() { # LABEL URL [METRICS_URL]
	for c in $clients; do
		# a short warm-up, then the measured run
		"$work/serveload" --url "$2" --body "$work/body.json" --clients "$c" --duration 1s --label warmup >/dev/null
		t0=$(cputicks)
		b0=$([ -n "${3:-}" ] && batches "$3" || echo "0 0")
		line=$("$work/serveload" --url "$2" --body "$work/body.json" --clients "$c" --duration "${secs}s" --label "$1")
		t1=$(cputicks)
		b1=$([ -n "${3:-}" ] && batches "$3" || echo "0 0")
		# the server's CPU per request, and the mean batch size
		echo "$line $(echo "$line" "$t0 $t1 $b0 $b1" | awk -v tck="$tck" '{
			for (i = 1; i <= NF; i++) if ($i ~ /^requests=/) { split($i, kv, "="); n = kv[2] }
			t0 = $(NF-5); t1 = $(NF-4); s = $(NF-1) - $(NF-3); k = $NF - $(NF-2)
			printf "server_cpu_us=%.1f", (n > 0 ? (t1 - t0) / tck * 1e6 / n : 0)
			if (k > 0) printf " mean_batch=%.1f", s / k
		}')" | tee -a "$work/results"
	done
}

echo "# $(date -u +%FT%TZ) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/tensile" bench train mnist-cnn --steps 30 --warmup 5 | tee "$work/bench" | sed 's/^/bench: /'

url="http://127.0.0.1:$port/v1/models/mnist:predict"
for mb in 64 1; do
	"$work/tensile" serve "mnist=$work/mnist.tsm" --addr "127.0.0.1:$port" --max-batch "$mb" --max-delay 2ms --quiet >/dev/null 2>"$work/serve.log" &
	pid=$!
	waitfor "http://127.0.0.1:$port/v2/health/ready"
	load "tensile-batch$mb" "$url" "http://127.0.0.1:$port/metrics"
	stop
done

/usr/bin/python3 bench/serve_flask.py "$port" >/dev/null 2>"$work/flask.log" &
pid=$!
waitfor "http://127.0.0.1:$port/health"
load "flask-pytorch" "$url"
stop

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
