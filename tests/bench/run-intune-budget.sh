#!/usr/bin/env bash
# Measures Graph mode against an Intune-like Graph with Intune's real
# budget, and prints one Markdown table (docs/performance.md quotes it).
#
#   tests/bench/run-intune-budget.sh BUILD_DIR
#
# Builds nothing: BUILD_DIR must hold ndes-gateway, ndes-bench and
# ndes-fake-graph
#   cmake --build BUILD_DIR --target ndes-gateway ndes-bench ndes-fake-graph
#
# The fake runs with --intune: 100 POST/PATCH/DELETE and 1,000 requests per
# 20 s, 429 without Retry-After beyond them, PATCH answered 204, no etags,
# and GRAPH_DELAY_MS of service time per answer. CALLERS concurrent callers
# update ROWS connectors (display_name, a new value each call, each call
# with a deadline of DEADLINE) for RUN_SECONDS, through a gateway
#   1. with its budget (the defaults: Intune's figures), and
#   2. with its budget off (--graph_write_budget=0 --graph_request_budget=0),
#      as the gateway behaved before it had one.
# For each: calls that succeeded and failed, calls per second, Graph
# requests by method, 429s, latency per call, and the time requests waited
# for the budget (ndes_gateway_graph_queue_wait_seconds, from /metrics).
#
# Knobs (environment): CALLERS (50), ROWS (1), RUN_SECONDS (60), DEADLINE (10s),
# GRAPH_DELAY_MS (50).
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/bench_lib.sh
source "$SOURCE/tests/bench/bench_lib.sh"
read_build_dir "$@"
FAKE_GRAPH=$BUILD/tests/bench/ndes-fake-graph
require_binaries "$GATEWAY" "$BENCH" "$FAKE_GRAPH"

CALLERS=${CALLERS:-50}
ROWS=${ROWS:-1}
# Not SECONDS: bash sets that itself (seconds since the shell started).
SECONDS_PER_RUN=${RUN_SECONDS:-60}
DEADLINE=${DEADLINE:-10s}
GRAPH_DELAY_MS=${GRAPH_DELAY_MS:-50}

start_work ndes-intune-budget

json_field() {  # json_field KEY JSON: a flat JSON number
  sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2" | head -n 1
}
counter() {  # counter NAME LINE: NAME=value of the fake's counters line
  sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$2"
}
# wait_for_line FILE PATTERN: the first line of FILE matching PATTERN.
wait_for_line() {
  local line=
  for _ in $(seq 1 400); do
    line=$(grep -m 1 -e "$2" "$1" || true)
    [[ -n $line ]] && break
    sleep 0.05
  done
  echo "$line"
}
# metric_sum TEXT NAME: the sum over every series of NAME in an exposition.
metric_sum() {
  awk -v name="$2" '$1 ~ "^"name"({|$)" {sum += $2} END {printf "%g", sum}' \
    <<<"$1"
}

# run NAME GATEWAY_FLAGS...: one measurement; sets RESULT_* variables.
run() {
  local name=$1
  shift
  local fake_out=$WORK/fake-$name.out gateway_log=$WORK/gateway-$name.log
  "$FAKE_GRAPH" --intune --seed="$ROWS" --seed_prefix=bench-spread- \
    --response_delay_ms="$GRAPH_DELAY_MS" >"$fake_out" &
  local fake_pid=$!
  STARTED_PIDS+=("$fake_pid")
  local base
  base=$(wait_for_line "$fake_out" '^fake graph on ' | sed 's/^fake graph on //')
  "$GATEWAY" --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 \
    --store=graph --graph_base_url="$base" --graph_auth=passthrough \
    --log_level=warning "$@" 2>"$gateway_log" &
  local gateway_pid=$!
  STARTED_PIDS+=("$gateway_pid")
  local address metrics
  address=$(wait_for_line "$gateway_log" 'serving on ' |
    sed 's/.*serving on \([^ ]*\).*/\1/')
  metrics=$(wait_for_line "$gateway_log" 'metrics on ' |
    sed 's/.*metrics on \([^ ]*\).*/\1/')
  if [[ -z $address || -z $metrics ]]; then
    echo "$0: the gateway did not start:" >&2
    cat "$gateway_log" >&2
    exit 1
  fi
  local mode=update_spread
  [[ $ROWS -eq 1 ]] && mode=update
  log "$name: $CALLERS callers, $ROWS row(s), ${SECONDS_PER_RUN}s"
  local json
  json=$("$BENCH" --target="$address" --mode="$mode" --spread_rows="$ROWS" \
    --id=bench-spread-0000 --skip_setup --concurrency="$CALLERS" \
    --channels=4 --duration="${SECONDS_PER_RUN}s" --warmup=0 \
    --deadline="$DEADLINE" --json \
    --metadata="authorization=Bearer bench-dummy-token" || true)
  local scrape
  scrape=$(curl -sf --max-time 20 "$metrics" || true)
  kill -USR1 "$fake_pid"
  local counters
  counters=$(wait_for_line "$fake_out" '^connections_accepted=')
  RESULT_OK=$(json_field ok "$json")
  RESULT_ERRORS=$(json_field errors "$json")
  RESULT_CODES=$(sed -n 's/.*"errors_by_code":{\([^}]*\)}.*/\1/p' <<<"$json" |
    tr -d '"' | sed 's/,/, /g')
  RESULT_QPS=$(json_field qps "$json")
  RESULT_P50=$(json_field p50_ms "$json")
  RESULT_P99=$(json_field p99_ms "$json")
  RESULT_GETS=$(counter get "$counters")
  RESULT_PATCHES=$(counter patch "$counters")
  RESULT_THROTTLED=$(counter throttled "$counters")
  local wait_sum wait_count
  wait_sum=$(metric_sum "$scrape" ndes_gateway_graph_queue_wait_seconds_sum)
  wait_count=$(metric_sum "$scrape" ndes_gateway_graph_queue_wait_seconds_count)
  RESULT_WAIT_MS=$(calc "($wait_count > 0) ? $wait_sum * 1000 / $wait_count : 0" 1)
  RESULT_REFUSED=$(metric_sum "$scrape" ndes_gateway_graph_budget_refusals_total)
  RESULT_COALESCED=$(metric_sum "$scrape" ndes_gateway_graph_coalesced_updates_total)
  kill -TERM "$gateway_pid" "$fake_pid" 2>/dev/null || true
  wait "$gateway_pid" "$fake_pid" 2>/dev/null || true
}

row() {  # row LABEL
  local calls=$((RESULT_OK + RESULT_ERRORS))
  echo "| $1 | $calls | $RESULT_OK | $RESULT_ERRORS ${RESULT_CODES:+($RESULT_CODES)} | $RESULT_QPS |" \
    "$RESULT_PATCHES | $RESULT_GETS | $RESULT_THROTTLED |" \
    "$RESULT_COALESCED | $RESULT_REFUSED | $RESULT_P50 / $RESULT_P99 |" \
    "$RESULT_WAIT_MS |"
}

run budget
BUDGET_ROW=$(row "budget (100 writes, 1,000 requests / 20 s)")
run off --graph_write_budget=0 --graph_request_budget=0
OFF_ROW=$(row "budget off")

echo "Intune-like Graph (--intune, ${GRAPH_DELAY_MS} ms per answer):" \
  "$CALLERS callers updating $ROWS connector(s) for ${SECONDS_PER_RUN} s," \
  "deadline $DEADLINE"
echo
echo "| gateway | calls | OK | failed | calls/s | PATCH | GET | 429 |" \
  "merged | refused at once | p50 / p99 ms | mean wait for budget ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "$BUDGET_ROW"
echo "$OFF_ROW"
