#!/usr/bin/env bash
# Measures ndes-gateway on its embedded SQLite store against gRPC's own
# health check and against etcd, and prints the tables of README.md and
# docs/performance.md (docs/performance.md explains each figure).
#
#   tests/bench/run-performance.sh BUILD_DIR
#
# Builds nothing: BUILD_DIR must hold ndes-gateway, ndes-bench,
# ndes-populate-store, ndes-grpc-load and ndes-startup-probe:
#   cmake --build BUILD_DIR --target ndes-gateway ndes-bench \
#       ndes-populate-store ndes-grpc-load ndes-startup-probe
# and the machine h2load and nghttp (nghttp2-client), protoc, etcd
# (etcd-server) and etcdctl (etcd-client); deploy/install-deps.sh installs
# them all.
#
# For each store size (SIZES: 1,000 and 1,000,000 connectors, written with
# ndes-populate-store), it starts a gateway on that file and, for the first
# size, a throw-away etcd beside it (one member on loopback, its own data
# directory, fsync on). Every payload is first checked to be a successful
# call (grpc-status 0). Then ROUNDS rounds run each mode in turn for
# ROUND_SECONDS after WARMUP_SECONDS, all with the same shape: CONNECTIONS
# connections x STREAMS calls in flight. Fixed payloads go through h2load;
# payloads that change from call to call (a random id, an update spread over
# every row) through ndes-grpc-load, which has h2load's engine and shape,
# with its own health check as their reference. Calls are checked during
# the load too: the gateway's and etcd's own call counters must show no
# call but successful ones, and each of etcd's successful Puts must have
# added exactly one revision (an untimed run of VERIFY_PUTS Puts must add
# exactly that many). Figures are medians over rounds; a ratio is the
# median over rounds of the ratio within the round.
#
# Knobs (environment): SIZES ("1000 1000000"), ROUNDS (5), ROUND_SECONDS
# (3), WARMUP_SECONDS (1), CONNECTIONS (8), STREAMS (16), RESTARTS (5),
# LIST_ROUNDS (3), VERIFY_PUTS (2000), BENCH_CONCURRENCY (64: ndes-bench).
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/bench_lib.sh
source "$SOURCE/tests/bench/bench_lib.sh"
read_build_dir "$@"
POPULATE=$BUILD/tests/bench/ndes-populate-store
LOAD=$BUILD/tests/bench/ndes-grpc-load
STARTUP_PROBE=$BUILD/tests/bench/ndes-startup-probe
require_binaries "$GATEWAY" "$BENCH" "$POPULATE" "$LOAD" "$STARTUP_PROBE"
require_tools h2load nghttp protoc etcd etcdctl

SIZES=${SIZES:-1000 1000000}
ROUNDS=${ROUNDS:-5}
ROUND_SECONDS=${ROUND_SECONDS:-3}
WARMUP_SECONDS=${WARMUP_SECONDS:-1}
CONNECTIONS=${CONNECTIONS:-8}
STREAMS=${STREAMS:-16}
RESTARTS=${RESTARTS:-5}
LIST_ROUNDS=${LIST_ROUNDS:-3}
VERIFY_PUTS=${VERIFY_PUTS:-2000}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-64}
read -r -a SIZE_LIST <<<"$SIZES"
FIRST_SIZE=${SIZE_LIST[0]}

start_work ndes-performance

SERVICE=/ndes.v1.NdesConnectorService
HEALTH=/grpc.health.v1.Health/Check

# --- Counters: the gateway's and etcd's own ---------------------------------

# http_body HOST:PORT PATH: the body of an HTTP/1.0 GET (bash's /dev/tcp).
http_body() {
  local host=${1%:*} port=${1##*:}
  exec 3<>"/dev/tcp/$host/$port"
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&3
  sed '1,/^\r*$/d' <&3
  exec 3<&-
}
# counter_sum FILE FAMILY LABEL=VALUE [CODE_LABEL CODE]: the sum of the
# Prometheus series of FAMILY with that label (and that code) in FILE.
counter_sum() {
  local file=$1 family=$2 match=$3 code_label=${4:-} code=${5:-}
  awk -v family="$family" -v want="$match" -v code_label="$code_label" \
    -v code="$code" '
    index($0, family "{") == 1 && index($0, want) > 0 &&
    (code_label == "" || index($0, code_label "=\"" code "\"") > 0) {
      sum += $NF
    }
    END { printf "%d\n", sum }' "$file"
}
# calls KIND METHOD [CODE]: from the last scrape of KIND (gateway or etcd),
# its calls of METHOD (with that code). Both count calls the same way:
# grpc_server_handled_total{grpc_method, grpc_code}, with Go's code names.
calls() {
  counter_sum "$WORK/scrape-$1" grpc_server_handled_total \
    "grpc_method=\"$2\"" ${3:+grpc_code "$3"}
}
# scrape KIND METHOD: reads KIND's metrics into $WORK/scrape-KIND once no
# call of METHOD is in flight (the last calls of a run may still be
# answered after the client has gone).
scrape() {
  local target=$METRICS_ADDRESS gauge=ndes_gateway_calls_in_flight
  local match="method=\"$2\""
  if [[ $1 == etcd ]]; then
    target=$ETCD_ADDRESS gauge=grpc_server_started_total match=
  fi
  for _ in $(seq 1 100); do
    http_body "$target" /metrics >"$WORK/scrape-$1"
    [[ $1 == etcd ]] && return
    [[ $(counter_sum "$WORK/scrape-$1" "$gauge" "$match") == 0 ]] && return
    sleep 0.05
  done
}
etcd_revision() {
  ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ADDRESS" endpoint status -w json |
    sed -n 's/.*"revision":\([0-9]*\).*/\1/p'
}
# The revision once Puts still being applied have landed: two equal reads.
settled_etcd_revision() {
  local last now
  last=$(etcd_revision)
  while true; do
    sleep 0.1
    now=$(etcd_revision)
    [[ $now == "$last" ]] && break
    last=$now
  done
  echo "$now"
}

# --- etcd -------------------------------------------------------------------

start_etcd() {
  local client_port peer_port
  client_port=$(free_port)
  peer_port=$(free_port)
  ETCD_ADDRESS=127.0.0.1:$client_port
  # One member, loopback only, its own data directory; etcd syncs its log
  # before it answers a Put (no --unsafe-no-fsync).
  etcd --name bench --data-dir "$WORK/etcd" \
    --listen-client-urls "http://$ETCD_ADDRESS" \
    --advertise-client-urls "http://$ETCD_ADDRESS" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "bench=http://127.0.0.1:$peer_port" \
    --log-level error >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  STARTED_PIDS+=("$ETCD_PID")
  for _ in $(seq 1 200); do
    ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ADDRESS" endpoint health \
      >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$0: etcd did not start:" >&2
  cat "$WORK/etcd.log" >&2
  exit 1
}

# --- One timed run of one mode ----------------------------------------------

# Each run appends "qps p50_ms p99_ms" to $WORK/<size>-<mode>.rounds.

# percentiles FILE: p50 and p99 in ms of the microsecond durations in
# column 3 of an h2load log (nearest rank).
percentiles() {
  awk '{print $3}' "$1" | sort -n | awk '{v[NR] = $1} END {
    if (NR == 0) { print "nan nan"; exit }
    r50 = int(NR * 0.50); if (r50 < NR * 0.50) r50++
    r99 = int(NR * 0.99); if (r99 < NR * 0.99) r99++
    printf "%.4f %.4f\n", v[r50] / 1000, v[r99] / 1000 }'
}

# h2load_run OUT ADDRESS PATH PAYLOAD
h2load_run() {
  local out=$1
  rm -f "$WORK/h2load.log"
  h2load -c "$CONNECTIONS" -m "$STREAMS" -D "$ROUND_SECONDS" \
    --warm-up-time="$WARMUP_SECONDS" --log-file="$WORK/h2load.log" \
    -d "$4" "${BENCH_HEADERS[@]}" "http://$2$3" >"$WORK/h2load.out" 2>&1
  if ! grep -q ' 0 failed, 0 errored, 0 timeout' "$WORK/h2load.out" ||
    ! grep -q ' 0 3xx, 0 4xx, 0 5xx' "$WORK/h2load.out"; then
    echo "$0: h2load $3 on $2 failed:" >&2
    cat "$WORK/h2load.out" >&2
    exit 1
  fi
  echo "$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' \
    "$WORK/h2load.out") $(percentiles "$WORK/h2load.log")" >>"$out"
}

# load_run OUT ADDRESS PATH PAYLOAD VARY_ROWS
load_run() {
  local json
  if ! json=$("$LOAD" --target="$2" --path="$3" --payload="$4" \
    --vary_rows="$5" --connections="$CONNECTIONS" --streams="$STREAMS" \
    --duration="$ROUND_SECONDS" --warmup="$WARMUP_SECONDS"); then
    echo "$0: ndes-grpc-load $3 on $2 failed: $json" >&2
    exit 1
  fi
  echo "$(json_field qps "$json") $(json_field p50_ms "$json") \
$(json_field p99_ms "$json")" >>"$1"
}

json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2" | head -n 1; }

# checked MODE METHOD KIND RUN...: runs RUN, then checks the server's own
# counters (KIND gateway or etcd; "-": none): every call of METHOD during
# the run succeeded, except those the client cut off at the end of the run
# (h2load resets the streams still in flight; etcd counts them Canceled).
# For etcd's Puts, each successful one added exactly one revision (and a
# cut-off one at most one).
checked() {
  local mode=$1 method=$2 kind=$3
  shift 3
  if [[ $kind == - ]]; then
    "$@"
    return
  fi
  # How each server counts a call whose client went away.
  local cut_code=Canceled
  [[ $kind == etcd ]] && cut_code=Unknown
  local all_before ok_before cut_before rev_before=0
  scrape "$kind" "$method"
  all_before=$(calls "$kind" "$method")
  ok_before=$(calls "$kind" "$method" OK)
  cut_before=$(calls "$kind" "$method" "$cut_code")
  [[ $method == Put ]] && rev_before=$(etcd_revision)
  "$@"
  scrape "$kind" "$method"
  local all ok cut
  all=$(( $(calls "$kind" "$method") - all_before ))
  ok=$(( $(calls "$kind" "$method" OK) - ok_before ))
  cut=$(( $(calls "$kind" "$method" "$cut_code") - cut_before ))
  if ((ok == 0 || all != ok + cut || cut > CONNECTIONS * STREAMS)); then
    echo "$0: $mode: of $all calls of $method, $ok succeeded and $cut were" \
      "cut off at the end; the rest failed. Now:" >&2
    grep "$method" "$WORK/scrape-$kind" | grep -v '^#' | grep -v ' 0$' >&2
    exit 1
  fi
  if [[ $method == Put ]]; then
    local added=$(( $(settled_etcd_revision) - rev_before ))
    if ((added < ok || added > ok + cut)); then
      echo "$0: $mode: etcd answered $ok Puts ($cut cut off) but its" \
        "revision grew by $added" >&2
      exit 1
    fi
  fi
}

# --- One store size -----------------------------------------------------------

declare -A STARTUP STARTUP_CPU RSS_IDLE RSS_LOAD RSS_HWM LIST_RATE BENCH_JSON

measure_size() {
  local rows=$1 db=$WORK/rows-$1.db
  log "$rows connectors: writing the file"
  "$POPULATE" --path="$db" --rows="$rows" >"$WORK/populate-$rows.json"
  log "$rows connectors: exec -> SERVING, $RESTARTS restarts"
  local probe
  probe=$("$STARTUP_PROBE" --gateway="$GATEWAY" --restarts="$RESTARTS" -- \
    --store="sqlite:$db")
  STARTUP[$rows]=$(json_field median_ms "$probe")
  STARTUP_CPU[$rows]=$(json_field median_cpu_ms "$probe")

  METRICS_ADDRESS=127.0.0.1:$(free_port)
  start_gateway "gateway-$rows" --store="sqlite:$db" \
    --metrics_listen="$METRICS_ADDRESS"
  local pid=$GATEWAY_PID address=$GATEWAY_ADDRESS
  RSS_IDLE[$rows]=$(kib_field "$pid" VmRSS)

  local p=$WORK/payload-$rows
  health_payload "$p-health.grpc"
  ndes_payload GetNdesConnectorRequest 'id: "row-0000000"' "$p-get.grpc"
  ndes_payload UpdateNdesConnectorsRequest \
    'ndes_connector { id: "row-0000000" display_name: "NDES renamed" }
     update_mask { paths: "display_name" }' "$p-update.grpc"
  require_ok "$address" "$HEALTH" "$p-health.grpc"
  require_ok "$address" "$SERVICE/GetNdesConnector" "$p-get.grpc"
  require_ok "$address" "$SERVICE/UpdateNdesConnectors" "$p-update.grpc"
  # The ids the varying payloads name exist: the first and the last.
  local last
  last=$(printf 'row-%07d' $((rows - 1)))
  ndes_payload GetNdesConnectorRequest "id: \"$last\"" "$p-get-last.grpc"
  require_ok "$address" "$SERVICE/GetNdesConnector" "$p-get-last.grpc"

  local with_etcd=
  if [[ $rows == "$FIRST_SIZE" ]]; then
    with_etcd=1
    log "etcd: verifying $VERIFY_PUTS counted Puts"
    local before after
    before=$(etcd_revision)
    h2load -c "$CONNECTIONS" -m "$STREAMS" -n "$VERIFY_PUTS" \
      -d "$WORK/etcd-put.grpc" "${BENCH_HEADERS[@]}" \
      "http://$ETCD_ADDRESS/etcdserverpb.KV/Put" >"$WORK/h2load.out" 2>&1
    after=$(etcd_revision)
    if ! grep -q "$VERIFY_PUTS succeeded, 0 failed" "$WORK/h2load.out" ||
      ((after - before != VERIFY_PUTS)); then
      echo "$0: etcd: $VERIFY_PUTS Puts added $((after - before))" \
        "revisions:" >&2
      cat "$WORK/h2load.out" >&2
      exit 1
    fi
  fi

  # Resident memory, sampled every 0.2 s while the rounds run.
  (
    max=0
    while kill -0 "$pid" 2>/dev/null; do
      rss=$(kib_field "$pid" VmRSS)
      ((rss > max)) && max=$rss && echo "$max" >"$WORK/rss-$rows"
      sleep 0.2
    done
  ) &
  local sampler=$!
  STARTED_PIDS+=("$sampler")

  local r o=$WORK/$rows
  for r in $(seq 1 "$ROUNDS"); do
    log "$rows connectors: round $r of $ROUNDS"
    checked health - - h2load_run "$o-health.rounds" "$address" "$HEALTH" \
      "$p-health.grpc"
    checked get GetNdesConnector gateway h2load_run "$o-get.rounds" \
      "$address" "$SERVICE/GetNdesConnector" "$p-get.grpc"
    checked update UpdateNdesConnectors gateway h2load_run \
      "$o-update.rounds" "$address" "$SERVICE/UpdateNdesConnectors" \
      "$p-update.grpc"
    if [[ -n $with_etcd ]]; then
      checked etcd_put Put etcd h2load_run "$o-etcd_put.rounds" \
        "$ETCD_ADDRESS" /etcdserverpb.KV/Put "$WORK/etcd-put.grpc"
      checked etcd_range Range etcd h2load_run "$o-etcd_range.rounds" \
        "$ETCD_ADDRESS" /etcdserverpb.KV/Range "$WORK/etcd-range.grpc"
    fi
    checked load_health - - load_run "$o-load_health.rounds" "$address" \
      "$HEALTH" "$p-health.grpc" 0
    checked get_random GetNdesConnector gateway load_run \
      "$o-get_random.rounds" "$address" "$SERVICE/GetNdesConnector" \
      "$p-get.grpc" "$rows"
    checked update_spread UpdateNdesConnectors gateway load_run \
      "$o-update_spread.rounds" "$address" "$SERVICE/UpdateNdesConnectors" \
      "$p-update.grpc" "$rows"
  done
  RSS_HWM[$rows]=$(kib_field "$pid" VmHWM)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  RSS_LOAD[$rows]=$(cat "$WORK/rss-$rows" 2>/dev/null || echo 0)

  log "$rows connectors: full List by paging, $LIST_ROUNDS times"
  local list_file=$WORK/$rows-list
  : >"$list_file"
  for _ in $(seq 1 "$LIST_ROUNDS"); do
    json_field connectors_per_second \
      "$("$LOAD" --target="$address" --list_all --page_size=1000)" \
      >>"$list_file"
  done
  LIST_RATE[$rows]=$(median <"$list_file")

  log "$rows connectors: ndes-bench --compare"
  BENCH_JSON[$rows]=$("$BENCH" --target="$address" \
    --compare=health,get,update,update_spread --rounds="$ROUNDS" \
    --round_duration="${ROUND_SECONDS}s" --warmup="${WARMUP_SECONDS}s" \
    --concurrency="$BENCH_CONCURRENCY" --channels="$CONNECTIONS" --json)
  stop_pid "$pid"
}

kib_field() {  # kib_field PID VmRSS|VmHWM
  awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"
}

# --- Run ------------------------------------------------------------------------

start_etcd
etcd_payload PutRequest 'key: "bench-key" value: "NDES renamed"' \
  "$WORK/etcd-put.grpc"
etcd_payload RangeRequest 'key: "bench-key" serializable: true' \
  "$WORK/etcd-range.grpc"
require_ok "$ETCD_ADDRESS" /etcdserverpb.KV/Put "$WORK/etcd-put.grpc"
require_ok "$ETCD_ADDRESS" /etcdserverpb.KV/Range "$WORK/etcd-range.grpc"

for rows in "${SIZE_LIST[@]}"; do measure_size "$rows"; done
stop_pid "$ETCD_PID"

# --- The tables -----------------------------------------------------------------

# column FILE N: the median of column N (1 qps, 2 p50, 3 p99) over rounds.
column() { awk -v n="$2" '{print $n}' "$1" | median; }
# ratio ROWS MODE REF [N]: the median over rounds of MODE / REF in column N.
ratio() {
  paste "$WORK/$1-$2.rounds" "$WORK/$1-$3.rounds" |
    awk -v n="${4:-1}" '{print $n / $(n + 3)}' | median
}
q() { calc "$(column "$WORK/$1-$2.rounds" 1)" 0; }
ms() { calc "$(column "$WORK/$1-$2.rounds" "$3")" 2; }
r() { calc "$(ratio "$@")" 2; }
verdict() {  # verdict CONDITION (awk expression, or "none": not measured)
  if [[ $1 == none ]]; then
    echo "not measured"
  elif awk "BEGIN {exit !($1)}"; then echo "met"; else echo "**not met**"; fi
}
mib() { calc "$1 / 1024" 1; }
fmt_int() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }
b() {  # b ROWS MODE KEY: a field of ndes-bench --compare --json
  json_field "$3" "$(tr '{' '\n' <<<"${BENCH_JSON[$1]}" | grep "\"mode\":\"$2\"")"
}

K=$FIRST_SIZE
M=${SIZE_LIST[${#SIZE_LIST[@]}-1]}
# scale FIGURE_K FIGURE_M: the 1M figure over the 1K one.
scale() { calc "$2 / $1" 2; }
# A figure at both sizes, its scale ratio and verdicts: "| name | K | M |
# M/K | target | verdict |", VALUE_K and VALUE_M as numbers.
row() {
  local name=$1 k=$2 m=$3 target=$4 condition=$5 scaled=${6:-}
  local scale_cell="" verdict_text
  verdict_text=$(verdict "$condition")
  if [[ -n $scaled && $K != "$M" ]]; then
    scale_cell=$(scale "$k" "$m")
    if ! awk "BEGIN {exit !($scale_cell >= 0.85)}"; then
      verdict_text="$verdict_text; **not within 15 %**"
    fi
  fi
  echo "| $name | $k | $m | $scale_cell | $target | $verdict_text |"
}

CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
GET_K=$(r "$K" get health); GET_M=$(r "$M" get health)
GETR_K=$(r "$K" get_random load_health); GETR_M=$(r "$M" get_random load_health)
UPD_K=$(r "$K" update health); UPD_M=$(r "$M" update health)
UPDS_K=$(r "$K" update_spread load_health)
UPDS_M=$(r "$M" update_spread load_health)
P99_K=$(r "$K" update health 3); P99_M=$(r "$M" update health 3)
P99S_K=$(r "$K" update_spread load_health 3)
P99S_M=$(r "$M" update_spread load_health 3)
VS_PUT=$(r "$K" update etcd_put)
VS_RANGE=$(r "$K" get etcd_range)

# one_size: with a single store size, the tables without their second
# size and scale columns.
one_size() {
  if [[ $K != "$M" ]]; then
    cat
    return
  fi
  awk -F'|' -v OFS='|' '
    NF == 8 { print $1, $2, $3, $6, $7, $8; next }
    NF == 5 { print $1, $2, $3, $5; next }
    { print }'
}
# The start-up target is for a million rows: no verdict without them.
STARTUP_VERDICT_CONDITION="${STARTUP[$M]} <= 100"
((M < 1000000)) && STARTUP_VERDICT_CONDITION=none

one_size <<TABLE
Machine: $(nproc) CPUs, $CPU_MODEL, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(date -u +%Y-%m-%d).
Command: \`tests/bench/run-performance.sh build\` (SIZES="$SIZES" ROUNDS=$ROUNDS ROUND_SECONDS=$ROUND_SECONDS WARMUP_SECONDS=$WARMUP_SECONDS CONNECTIONS=$CONNECTIONS STREAMS=$STREAMS).
Load: $CONNECTIONS connections x $STREAMS streams, h2load (fixed payloads) and ndes-grpc-load (a random row per call), client and servers on the same machine; $ROUNDS interleaved rounds of $ROUND_SECONDS s per mode; medians over rounds.

| Figure (ratio) | $(fmt_int "$K") rows | $(fmt_int "$M") rows | $(fmt_int "$M") / $(fmt_int "$K") | Target | Verdict |
|---|---|---|---|---|---|
$(row "Get ÷ health (h2load, one row)" "$GET_K" "$GET_M" ">= 0.9" "$GET_K >= 0.9 && $GET_M >= 0.9" scaled)
$(row "Get of random ids ÷ health (ndes-grpc-load)" "$GETR_K" "$GETR_M" ">= 0.9" "$GETR_K >= 0.9 && $GETR_M >= 0.9" scaled)
$(row "durable Update ÷ health, one hot row (h2load)" "$UPD_K" "$UPD_M" ">= 0.5" "$UPD_K >= 0.5 && $UPD_M >= 0.5" scaled)
$(row "durable Update ÷ health, spread over all rows (ndes-grpc-load)" "$UPDS_K" "$UPDS_M" ">= 0.5" "$UPDS_K >= 0.5 && $UPDS_M >= 0.5" scaled)
$(row "Update p99 ÷ health p99, hot row" "$P99_K" "$P99_M" "<= 2" "$P99_K <= 2 && $P99_M <= 2")
$(row "Update p99 ÷ health p99, spread" "$P99S_K" "$P99S_M" "<= 2" "$P99S_K <= 2 && $P99S_M <= 2")
| durable Update ÷ etcd Put (h2load) | $VS_PUT | | | >= 2 | $(verdict "$VS_PUT >= 2") |
| Get ÷ etcd Range, serializable (h2load) | $VS_RANGE | | | >= 4 | $(verdict "$VS_RANGE >= 4") |
$(row "RSS under load, MiB (largest sample / VmHWM)" "$(mib "${RSS_LOAD[$K]}") / $(mib "${RSS_HWM[$K]}")" "$(mib "${RSS_LOAD[$M]}") / $(mib "${RSS_HWM[$M]}")" "<= 32 / <= 64" "${RSS_HWM[$K]} / 1024 <= 32 && ${RSS_HWM[$M]} / 1024 <= 64")
$(row "exec → SERVING, ms (median of $RESTARTS)" "${STARTUP[$K]}" "${STARTUP[$M]}" "<= 100 at 1M" "$STARTUP_VERDICT_CONDITION")
| full List by paging (1,000 a page), connectors/s | $(fmt_int "${LIST_RATE[$K]}") | $(fmt_int "${LIST_RATE[$M]}") | $(scale "${LIST_RATE[$K]}" "${LIST_RATE[$M]}") | | |

| Figure (measured) | $(fmt_int "$K") rows | $(fmt_int "$M") rows |
|---|---|---|
| health QPS, h2load | $(q "$K" health) | $(q "$M" health) |
| health p50 / p99 ms, h2load | $(ms "$K" health 2) / $(ms "$K" health 3) | $(ms "$M" health 2) / $(ms "$M" health 3) |
| Get QPS, one row | $(q "$K" get) | $(q "$M" get) |
| durable Update QPS, hot row; p50 / p99 ms | $(q "$K" update); $(ms "$K" update 2) / $(ms "$K" update 3) | $(q "$M" update); $(ms "$M" update 2) / $(ms "$M" update 3) |
| etcd Put QPS; p50 / p99 ms | $(q "$K" etcd_put); $(ms "$K" etcd_put 2) / $(ms "$K" etcd_put 3) | |
| etcd Range QPS (serializable) | $(q "$K" etcd_range) | |
| health QPS, ndes-grpc-load | $(q "$K" load_health) | $(q "$M" load_health) |
| Get QPS, random ids | $(q "$K" get_random) | $(q "$M" get_random) |
| durable Update QPS, spread; p50 / p99 ms | $(q "$K" update_spread); $(ms "$K" update_spread 2) / $(ms "$K" update_spread 3) | $(q "$M" update_spread); $(ms "$M" update_spread 2) / $(ms "$M" update_spread 3) |
| RSS idle, MiB | $(mib "${RSS_IDLE[$K]}") | $(mib "${RSS_IDLE[$M]}") |
| exec → SERVING, gateway CPU ms | ${STARTUP_CPU[$K]} | ${STARTUP_CPU[$M]} |
| ndes-bench (gRPC C++ client, concurrency $BENCH_CONCURRENCY): Get / Update / Update over 1,000 rows ÷ health | $(b "$K" get qps_ratio) / $(b "$K" update qps_ratio) / $(b "$K" update_spread qps_ratio) | $(b "$M" get qps_ratio) / $(b "$M" update qps_ratio) / $(b "$M" update_spread qps_ratio) |
TABLE
