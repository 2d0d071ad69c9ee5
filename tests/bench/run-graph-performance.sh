#!/usr/bin/env bash
# Measures ndes-gateway in Graph mode (--store=graph) over the tests' fake
# Graph, beside direct HTTP calls to the same fake, and the translation
# layer's microbenchmarks; prints one Markdown table (docs/performance.md
# explains each figure). The embedded store's figures come from
# run-performance.sh.
#
#   tests/bench/run-graph-performance.sh BUILD_DIR
#
# Builds nothing: BUILD_DIR must hold ndes-gateway, ndes-bench,
# ndes-fake-graph and ndes-translation-benchmark
#   cmake --build BUILD_DIR --target ndes-gateway ndes-bench ndes-fake-graph \
#       ndes-translation-benchmark
# Starts its own gateways and fakes on free ports and stops them, by their
# PIDs, on exit.
#
# Knobs (environment): CONCURRENCY (64), CHANNELS (4), ROUNDS (5),
# GRAPH_SECONDS (3), GRAPH_DELAY_MS (20: the fake's service time in the
# third comparison).
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/bench_lib.sh
source "$SOURCE/tests/bench/bench_lib.sh"
read_build_dir "$@"
FAKE_GRAPH=$BUILD/tests/bench/ndes-fake-graph
MICRO=$BUILD/tests/bench/ndes-translation-benchmark
require_binaries "$GATEWAY" "$BENCH" "$FAKE_GRAPH" "$MICRO"

CONCURRENCY=${CONCURRENCY:-64}
CHANNELS=${CHANNELS:-4}
ROUNDS=${ROUNDS:-5}
GRAPH_SECONDS=${GRAPH_SECONDS:-3}

start_work ndes-graph-performance

# json_field KEY JSON: the value of a flat JSON key (numbers, null).
json_field() {
  sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2" | head -n 1
}
verdict() {  # verdict CONDITION (awk expression)
  if awk "BEGIN {exit !($1)}"; then echo "met"; else echo "**not met**"; fi
}

# --- Graph mode over the fake, beside direct HTTP to the fake ---------------
# graph_runs NAME CONCURRENCY DELAY_MS [reuse]: starts a fake Graph answering
# after DELAY_MS and a gateway over it, then runs $ROUNDS interleaved rounds of
# Get through the gateway and of direct HTTP GETs to the fake, into
# $WORK/graph-NAME.txt and $WORK/http-NAME.txt. With "reuse", also counts the
# fake's new connections during one more gateway run (REUSE_CALLS,
# CONNECTIONS_AFTER, NEW_CONNECTIONS).
graph_runs() {
  local name=$1 concurrency=$2 delay_ms=$3 reuse=${4:-}
  local out=$WORK/fake-graph-$name.out base='' fake_pid gateway_pid address
  "$FAKE_GRAPH" --response_delay_ms="$delay_ms" >"$out" &
  fake_pid=$!
  STARTED_PIDS+=("$fake_pid")
  for _ in $(seq 1 200); do
    base=$(sed -n 's/^fake graph on //p' "$out")
    [[ -n $base ]] && break
    sleep 0.05
  done
  # The fake does not throttle: the gateway's own overhead is measured, with
  # its request budget off (tests/bench/run-intune-budget.sh measures that).
  start_gateway "graph-$name" --store=graph --graph_base_url="$base" \
    --graph_auth=passthrough --graph_write_budget=0 --graph_request_budget=0
  gateway_pid=$GATEWAY_PID
  address=$GATEWAY_ADDRESS
  local bench=(--concurrency="$concurrency" --duration="${GRAPH_SECONDS}s"
    --warmup=1s --json --metadata="authorization=Bearer bench-dummy-token")
  : >"$WORK/graph-$name.txt"
  : >"$WORK/http-$name.txt"
  local channels=$((concurrency < CHANNELS ? concurrency : CHANNELS))
  for _ in $(seq 1 "$ROUNDS"); do
    "$BENCH" --target="$address" --mode=get --channels="$channels" \
      "${bench[@]}" >>"$WORK/graph-$name.txt"
    "$BENCH" --target="$base" --mode=http_get --channels=1 \
      "${bench[@]}" >>"$WORK/http-$name.txt"
  done
  if [[ $reuse == reuse ]]; then
    # Connection reuse: the fake's count of accepted connections must not
    # grow during one more gateway run (every upstream connection is pooled).
    fake_counters() {  # fake_counters N: waits for the fake's Nth counters line
      local line=
      kill -USR1 "$fake_pid"
      for _ in $(seq 1 100); do
        line=$(grep '^connections_accepted=' "$out" | sed -n "${1}p")
        [[ -n $line ]] && break
        sleep 0.05
      done
      sed -n 's/.*connections_accepted=\([0-9]*\).*/\1/p' <<<"$line"
    }
    local before reuse_run
    before=$(fake_counters 1)
    reuse_run=$("$BENCH" --target="$address" --mode=get \
      --channels="$channels" "${bench[@]}" --warmup=0)
    CONNECTIONS_AFTER=$(fake_counters 2)
    REUSE_CALLS=$(json_field ok "$reuse_run")
    NEW_CONNECTIONS=$((CONNECTIONS_AFTER - before))
  fi
  stop_pid "$gateway_pid"
  stop_pid "$fake_pid"
}
per_file() {  # per_file FILE KEY: median of KEY over the rounds in FILE
  while read -r line; do json_field "$2" "$line"; done <"$1" | median
}
# added NAME: the gateway's added median latency in %, for graph_runs NAME.
added() {
  calc "($(per_file "$WORK/graph-$1.txt" p50_ms) / \
$(per_file "$WORK/http-$1.txt" p50_ms) - 1) * 100" 1
}
GRAPH_DELAY_MS=${GRAPH_DELAY_MS:-20}
log "graph: gateway --store=graph vs direct HTTP, c$CONCURRENCY"
graph_runs load "$CONCURRENCY" 0 reuse
log "graph: the same at concurrency 1"
graph_runs c1 1 0
log "graph: the same with the fake answering after ${GRAPH_DELAY_MS} ms"
graph_runs delayed "$CONCURRENCY" "$GRAPH_DELAY_MS"
GRAPH_QPS=$(per_file "$WORK/graph-load.txt" qps)
GRAPH_P50=$(per_file "$WORK/graph-load.txt" p50_ms)
GRAPH_P99=$(per_file "$WORK/graph-load.txt" p99_ms)
HTTP_QPS=$(per_file "$WORK/http-load.txt" qps)
HTTP_P50=$(per_file "$WORK/http-load.txt" p50_ms)
HTTP_P99=$(per_file "$WORK/http-load.txt" p99_ms)
GRAPH_ERRORS=$(cat "$WORK"/graph-*.txt "$WORK"/http-*.txt |
  while read -r line; do json_field errors "$line"; done |
  awk '{s += $1} END {print s + 0}')

# --- Translation microbenchmarks -------------------------------------------
log "translation microbenchmarks"
MICRO_CSV=$("$MICRO" --benchmark_min_time=0.2 --benchmark_format=csv \
  2>/dev/null | grep '^"BM_')

# --- The table --------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ADDED=$(added load)
ADDED_C1=$(added c1)
ADDED_DELAYED=$(added delayed)
c1() { per_file "$WORK/$1-c1.txt" p50_ms; }
delayed() { per_file "$WORK/$1-delayed.txt" p50_ms; }

cat <<TABLE
Machine: $(nproc) CPUs, $CPU; $(date -u +%Y-%m-%d).
Command: \`tests/bench/run-graph-performance.sh build\` (CONCURRENCY=$CONCURRENCY CHANNELS=$CHANNELS ROUNDS=$ROUNDS GRAPH_SECONDS=$GRAPH_SECONDS GRAPH_DELAY_MS=$GRAPH_DELAY_MS).

| Figure | Value | Ratio | Target | Verdict |
|---|---|---|---|---|
| Graph mode Get p50 / p99 ms | $GRAPH_P50 / $GRAPH_P99 | | | |
| Direct HTTP GET to the fake p50 / p99 ms | $HTTP_P50 / $HTTP_P99 | | | |
| Graph mode added median latency | +$ADDED % | | <= 10 % | $(verdict "$ADDED <= 10") |
| Graph mode at concurrency 1: gateway / direct p50 ms | $(c1 graph) / $(c1 http) | +$ADDED_C1 % | | |
| Graph mode, fake answering after ${GRAPH_DELAY_MS} ms, c$CONCURRENCY: gateway / direct p50 ms | $(delayed graph) / $(delayed http) | +$ADDED_DELAYED % | <= 10 % | $(verdict "$ADDED_DELAYED <= 10") |
| Graph mode QPS / direct HTTP QPS | $GRAPH_QPS / $HTTP_QPS | $(calc "$GRAPH_QPS / $HTTP_QPS") | | |
| Upstream connections: all runs / opened during a further $REUSE_CALLS calls | $CONNECTIONS_AFTER / $NEW_CONNECTIONS | | reused: 0 new | $(verdict "$NEW_CONNECTIONS == 0") |
| Errors in the graph runs | $GRAPH_ERRORS | | 0 | $(verdict "$GRAPH_ERRORS == 0") |
TABLE
echo
echo "| Microbenchmark | ns per op (CPU) |"
echo "|---|---|"
awk -F, '{gsub(/"/, "", $1); printf "| %s | %.0f |\n", $1, $4}' <<<"$MICRO_CSV"
