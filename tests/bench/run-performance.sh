#!/usr/bin/env bash
# Measures ndes-gateway and prints one Markdown table of figures and ratios
# (docs/performance.md explains each one).
#
#   tests/bench/run-performance.sh BUILD_DIR
#
# Builds nothing: BUILD_DIR must hold ndes-gateway, ndes-bench,
# ndes-fake-graph, ndes-startup-probe and ndes-translation-benchmark
#   cmake --build BUILD_DIR --target ndes-gateway ndes-bench ndes-fake-graph \
#       ndes-startup-probe ndes-translation-benchmark
# Starts its own gateways (memory, SQLite in a temp dir, Graph over the
# fake) on free ports and stops them, by their PIDs, on exit.
#
# Knobs (environment): CONCURRENCY (64), CHANNELS (4), ROUNDS (5),
# ROUND_SECONDS (2), STARTUP_ROWS (20000), RESTARTS (5), GRAPH_SECONDS (3),
# GRAPH_DELAY_MS (20: the fake's service time in the third Graph comparison).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
GATEWAY=$BUILD/server/ndes-gateway
BENCH=$BUILD/client/ndes-bench
FAKE_GRAPH=$BUILD/tests/bench/ndes-fake-graph
STARTUP_PROBE=$BUILD/tests/bench/ndes-startup-probe
MICRO=$BUILD/tests/bench/ndes-translation-benchmark
for binary in "$GATEWAY" "$BENCH" "$FAKE_GRAPH" "$STARTUP_PROBE" "$MICRO"; do
  if [[ ! -x $binary ]]; then
    echo "$0: missing $binary (build it first; this script builds nothing)" >&2
    exit 2
  fi
done

CONCURRENCY=${CONCURRENCY:-64}
CHANNELS=${CHANNELS:-4}
ROUNDS=${ROUNDS:-5}
ROUND_SECONDS=${ROUND_SECONDS:-2}
STARTUP_ROWS=${STARTUP_ROWS:-20000}
RESTARTS=${RESTARTS:-5}
GRAPH_SECONDS=${GRAPH_SECONDS:-3}

WORK=$(mktemp -d /tmp/ndes-performance.XXXXXX)
STARTED_PIDS=()
cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

# start_gateway NAME ARGS...: starts a gateway on 127.0.0.1:0 with its log in
# $WORK/NAME.log; sets GATEWAY_PID and GATEWAY_ADDRESS.
start_gateway() {
  local name=$1
  shift
  "$GATEWAY" --listen=127.0.0.1:0 "$@" 2>"$WORK/$name.log" &
  GATEWAY_PID=$!
  STARTED_PIDS+=("$GATEWAY_PID")
  GATEWAY_ADDRESS=
  for _ in $(seq 1 600); do
    GATEWAY_ADDRESS=$(sed -n 's/.*serving on \([^ ]*\) .*/\1/p' \
      "$WORK/$name.log" | head -n 1)
    [[ -n $GATEWAY_ADDRESS ]] && return 0
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
      echo "$0: gateway $name exited:" >&2
      cat "$WORK/$name.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "$0: gateway $name did not start" >&2
  exit 1
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# json_field KEY JSON: the value of a flat JSON key (numbers, null).
json_field() {
  sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2" | head -n 1
}
# compare_field MODE KEY JSON: KEY of MODE in ndes-bench --compare --json.
compare_field() {
  json_field "$2" "$(tr '{' '\n' <<<"$3" | grep "\"mode\":\"$1\"")"
}
kib_field() {  # kib_field PID VmRSS|VmHWM
  awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"
}
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
verdict() {  # verdict CONDITION (awk expression)
  if awk "BEGIN {exit !($1)}"; then echo "met"; else echo "**not met**"; fi
}
median() { sort -g | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

BENCH_COMMON=(--concurrency="$CONCURRENCY" --channels="$CHANNELS")

# cpu_per_call PID ADDRESS: the gateway's own CPU time (user + system, from
# /proc/PID/stat) per successful call, in microseconds, for each mode; one
# "mode=value" per line. Unlike QPS on a shared machine, this barely depends
# on what else runs. Rows must exist already (after a --compare run).
cpu_per_call() {
  local pid=$1 address=$2 mode before after json ok ticks
  ticks=$(getconf CLK_TCK)
  for mode in health get update update_spread; do
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    json=$("$BENCH" --target="$address" --mode="$mode" "${BENCH_COMMON[@]}" \
      --duration=3s --warmup=0 --skip_setup --json)
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    ok=$(json_field ok "$json")
    echo "$mode=$(calc "($after - $before) * 1000000 / $ticks / $ok" 1)"
  done
}
cpu_field() { sed -n "s/^$1=//p" <<<"$2"; }
COMPARE_ARGS=(--compare=health,get,update,update_spread --rounds="$ROUNDS"
  --round_duration="${ROUND_SECONDS}s" --warmup=1s --json)

# --- 1. Memory store: the service without durable writes -------------------
log "memory store: health, get, update, update_spread"
start_gateway memory --store=memory
MEMORY_PID=$GATEWAY_PID
MEMORY=$("$BENCH" --target="$GATEWAY_ADDRESS" "${BENCH_COMMON[@]}" \
  "${COMPARE_ARGS[@]}")
MEMORY_CPU=$(cpu_per_call "$MEMORY_PID" "$GATEWAY_ADDRESS")
stop_pid "$MEMORY_PID"

# --- 2. SQLite store: durable writes, memory under load ---------------------
log "sqlite store: health, get, update, update_spread; memory"
start_gateway sqlite --store="sqlite:$WORK/bench.db"
SQLITE_PID=$GATEWAY_PID
SQLITE_ADDRESS=$GATEWAY_ADDRESS
RSS_IDLE=$(kib_field "$SQLITE_PID" VmRSS)
SQLITE=$("$BENCH" --target="$SQLITE_ADDRESS" "${BENCH_COMMON[@]}" \
  "${COMPARE_ARGS[@]}")
SQLITE_CPU=$(cpu_per_call "$SQLITE_PID" "$SQLITE_ADDRESS")
# Resident memory while concurrency-64 updates run: sampled every 0.2 s.
"$BENCH" --target="$SQLITE_ADDRESS" --mode=update --concurrency=64 \
  --channels="$CHANNELS" --duration=5s --warmup=1s --json \
  >"$WORK/rss-update.json" &
LOAD_PID=$!
STARTED_PIDS+=("$LOAD_PID")
RSS_LOAD=0
while kill -0 "$LOAD_PID" 2>/dev/null; do
  rss=$(kib_field "$SQLITE_PID" VmRSS)
  ((rss > RSS_LOAD)) && RSS_LOAD=$rss
  sleep 0.2
done
wait "$LOAD_PID" || true
RSS_HWM=$(kib_field "$SQLITE_PID" VmHWM)
stop_pid "$SQLITE_PID"

# --- 3. Start-up with STARTUP_ROWS connectors -------------------------------
log "start-up: creating $STARTUP_ROWS connectors"
start_gateway populate --store="sqlite:$WORK/startup.db"
POPULATE_PID=$GATEWAY_PID
"$BENCH" --target="$GATEWAY_ADDRESS" --mode=list --list_rows="$STARTUP_ROWS" \
  --concurrency=64 --channels="$CHANNELS" --requests=1 --warmup=0 \
  --json >/dev/null
stop_pid "$POPULATE_PID"
log "start-up: $RESTARTS restarts"
STARTUP=$("$STARTUP_PROBE" --gateway="$GATEWAY" --restarts="$RESTARTS" -- \
  --store="sqlite:$WORK/startup.db")
STARTUP_EMPTY=$("$STARTUP_PROBE" --gateway="$GATEWAY" --restarts="$RESTARTS" \
  -- --store="sqlite:$WORK/empty.db")

# --- 4. Graph mode over the fake, beside direct HTTP to the fake ------------
# graph_runs NAME CONCURRENCY DELAY_MS [reuse]: starts a fake Graph answering
# after DELAY_MS and a gateway over it, then runs $ROUNDS interleaved rounds of
# Get through the gateway and of direct HTTP GETs to the fake, into
# $WORK/graph-NAME.txt and $WORK/http-NAME.txt. With "reuse", also counts the
# fake's new connections during one more gateway run (REUSE_CALLS,
# CONNECTIONS_AFTER, NEW_CONNECTIONS).
graph_runs() {
  local name=$1 concurrency=$2 delay_ms=$3 reuse=${4:-}
  local out=$WORK/fake-graph-$name.out base= fake_pid gateway_pid address
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

# --- 5. Translation microbenchmarks ----------------------------------------
log "translation microbenchmarks"
MICRO_CSV=$("$MICRO" --benchmark_min_time=0.2 --benchmark_format=csv \
  2>/dev/null | grep '^"BM_')

# --- The table --------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
m() { compare_field "$1" "$2" "$MEMORY"; }
s() { compare_field "$1" "$2" "$SQLITE"; }
ADDED=$(added load)
ADDED_C1=$(added c1)
ADDED_DELAYED=$(added delayed)
c1() { per_file "$WORK/$1-c1.txt" p50_ms; }
delayed() { per_file "$WORK/$1-delayed.txt" p50_ms; }

cat <<TABLE
Machine: $(nproc) CPUs, $CPU; $(date -u +%Y-%m-%dT%H:%MZ).
Load: concurrency $CONCURRENCY over $CHANNELS channels, $ROUNDS rounds x ${ROUND_SECONDS} s per mode, medians over rounds.

| Figure | Value | Ratio | Target | Verdict |
|---|---|---|---|---|
| health QPS (sqlite gateway) | $(s health qps) | 1.00 | reference | |
| health p50 / p99 ms | $(s health p50_ms) / $(s health p99_ms) | | reference | |
| Get QPS (sqlite) | $(s get qps) | $(s get qps_ratio) x health | >= 0.9 | $(verdict "$(s get qps_ratio) >= 0.9") |
| Update QPS, 1 hot row (sqlite, durable) | $(s update qps) | $(s update qps_ratio) x health | >= 0.7 | $(verdict "$(s update qps_ratio) >= 0.7") |
| Update QPS, 1,000 rows (sqlite, durable) | $(s update_spread qps) | $(s update_spread qps_ratio) x health | >= 0.7 | $(verdict "$(s update_spread qps_ratio) >= 0.7") |
| Update p99 ms at c$CONCURRENCY (sqlite) | $(s update p99_ms) | $(s update p99_ratio) x health p99 | <= 2 | $(verdict "$(s update p99_ratio) <= 2") |
| Update p99 ms, 1,000 rows (sqlite) | $(s update_spread p99_ms) | $(s update_spread p99_ratio) x health p99 | <= 2 | $(verdict "$(s update_spread p99_ratio) <= 2") |
| health QPS (memory gateway) | $(m health qps) | 1.00 | reference | |
| Get QPS (memory) | $(m get qps) | $(m get qps_ratio) x health | >= 0.9 | $(verdict "$(m get qps_ratio) >= 0.9") |
| Update QPS, 1 hot row (memory) | $(m update qps) | $(m update qps_ratio) x health | | |
| Update QPS, 1,000 rows (memory) | $(m update_spread qps) | $(m update_spread qps_ratio) x health | | |
| Update p99 ms (memory) | $(m update p99_ms) | $(m update p99_ratio) x health p99 | | |
| Gateway CPU us per call, sqlite: health / get / update / update_spread | $(cpu_field health "$SQLITE_CPU") / $(cpu_field get "$SQLITE_CPU") / $(cpu_field update "$SQLITE_CPU") / $(cpu_field update_spread "$SQLITE_CPU") | get $(calc "$(cpu_field get "$SQLITE_CPU") / $(cpu_field health "$SQLITE_CPU")"), update $(calc "$(cpu_field update "$SQLITE_CPU") / $(cpu_field health "$SQLITE_CPU")") x health | | |
| Gateway CPU us per call, memory: health / get / update / update_spread | $(cpu_field health "$MEMORY_CPU") / $(cpu_field get "$MEMORY_CPU") / $(cpu_field update "$MEMORY_CPU") / $(cpu_field update_spread "$MEMORY_CPU") | get $(calc "$(cpu_field get "$MEMORY_CPU") / $(cpu_field health "$MEMORY_CPU")"), update $(calc "$(cpu_field update "$MEMORY_CPU") / $(cpu_field health "$MEMORY_CPU")") x health | | |
| RSS idle (sqlite) | $(calc "$RSS_IDLE / 1024" 1) MiB | | | |
| RSS under c64 updates, max sampled / VmHWM | $(calc "$RSS_LOAD / 1024" 1) / $(calc "$RSS_HWM / 1024" 1) MiB | | <= 32 MiB | $(verdict "$RSS_HWM / 1024 <= 32") |
| exec -> SERVING, $STARTUP_ROWS rows (median of $RESTARTS; gateway CPU) | $(json_field median_ms "$STARTUP") ms (CPU $(json_field median_cpu_ms "$STARTUP") ms) | | <= 100 ms | $(verdict "$(json_field median_ms "$STARTUP") <= 100") |
| exec -> SERVING, empty file (median of $RESTARTS; gateway CPU) | $(json_field median_ms "$STARTUP_EMPTY") ms (CPU $(json_field median_cpu_ms "$STARTUP_EMPTY") ms) | | | |
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
