#!/usr/bin/env bash
# Counts the instructions the gateway executes per call, for each kind of
# call, under valgrind's callgrind: a figure that does not depend on what
# else the machine runs, for comparing two builds on a busy machine.
#
#   tests/bench/count-instructions.sh BUILD_DIR [OUT_DIR]
#
# Fills a SQLite store with ROWS connectors (ndes-populate-store), starts
# the gateway on it under callgrind, and for each mode runs CALLS calls with
# h2load (8 connections x 16 streams; ndes-grpc-load for the modes whose
# payload changes from call to call), zeroing the counters before and
# dumping them after. Prints one Markdown table: instructions per call and
# the ratio to a health check. Only user-space instructions of the gateway
# are counted (not the kernel's, not the client's). With OUT_DIR, the
# callgrind dumps are kept there for callgrind_annotate.
#
# Knobs (environment): ROWS (1000), CALLS (5000), MODES (all of health get
# get_random update update_spread).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [OUT_DIR]" >&2
  exit 2
fi
SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
GATEWAY=$BUILD/server/ndes-gateway
POPULATE=$BUILD/tests/bench/ndes-populate-store
LOAD=$BUILD/tests/bench/ndes-grpc-load
ROWS=${ROWS:-1000}
CALLS=${CALLS:-5000}
MODES=${MODES:-health get get_random update update_spread}
binaries=("$GATEWAY" "$POPULATE")
[[ $MODES == *_* ]] && binaries+=("$LOAD")
# shellcheck source=tests/bench/bench_lib.sh
source "$SOURCE/tests/bench/bench_lib.sh"
require_binaries "${binaries[@]}"
require_tools valgrind callgrind_control h2load nghttp protoc

start_work ndes-instructions
OUT=${2:-$WORK/dumps}
mkdir -p "$OUT"

log "populating $ROWS connectors"
"$POPULATE" --path="$WORK/bench.db" --rows="$ROWS" >/dev/null
log "starting the gateway under callgrind"
start_gateway callgrind \
  "--wrap=valgrind --tool=callgrind --callgrind-out-file=$OUT/callgrind.out" \
  --store="sqlite:$WORK/bench.db"

SERVICE=/ndes.v1.NdesConnectorService
health_payload "$WORK/health.grpc"
ndes_payload GetNdesConnectorRequest 'id: "row-0000000"' "$WORK/get.grpc"
ndes_payload UpdateNdesConnectorsRequest \
  'ndes_connector { id: "row-0000000" display_name: "renamed" }
   update_mask { paths: "display_name" }' "$WORK/update.grpc"
require_ok "$GATEWAY_ADDRESS" /grpc.health.v1.Health/Check "$WORK/health.grpc"
require_ok "$GATEWAY_ADDRESS" "$SERVICE/GetNdesConnector" "$WORK/get.grpc"
require_ok "$GATEWAY_ADDRESS" "$SERVICE/UpdateNdesConnectors" \
  "$WORK/update.grpc"

# run_mode MODE CALLS: one batch of calls of MODE.
run_mode() {
  local mode=$1 calls=$2
  local h2=(h2load -c 8 -m 16 -n "$calls" "${BENCH_HEADERS[@]}")
  local load=("$LOAD" --target="$GATEWAY_ADDRESS" --connections=8
    --streams=16 --requests="$calls" --vary_rows="$ROWS")
  case $mode in
    health)
      "${h2[@]}" -d "$WORK/health.grpc" \
        "http://$GATEWAY_ADDRESS/grpc.health.v1.Health/Check" ;;
    get)
      "${h2[@]}" -d "$WORK/get.grpc" \
        "http://$GATEWAY_ADDRESS$SERVICE/GetNdesConnector" ;;
    update)
      "${h2[@]}" -d "$WORK/update.grpc" \
        "http://$GATEWAY_ADDRESS$SERVICE/UpdateNdesConnectors" ;;
    get_random)
      "${load[@]}" --path="$SERVICE/GetNdesConnector" \
        --payload="$WORK/get.grpc" ;;
    update_spread)
      "${load[@]}" --path="$SERVICE/UpdateNdesConnectors" \
        --payload="$WORK/update.grpc" ;;
  esac >"$WORK/$mode.out"
  if grep -q '^requests:' "$WORK/$mode.out" &&
    ! grep -q "$calls succeeded, 0 failed, 0 errored" "$WORK/$mode.out"; then
    echo "$0: $mode: not every call succeeded:" >&2
    cat "$WORK/$mode.out" >&2
    exit 1
  fi
  if grep -q '"failed":' "$WORK/$mode.out" &&
    ! grep -q '"failed":0,' "$WORK/$mode.out"; then
    echo "$0: $mode: not every call succeeded:" >&2
    cat "$WORK/$mode.out" >&2
    exit 1
  fi
}

declare -A PER_CALL
for mode in $MODES; do
  log "$mode: warm-up, then $CALLS counted calls"
  run_mode "$mode" 1000
  callgrind_control --zero "$GATEWAY_PID" >/dev/null 2>&1
  run_mode "$mode" "$CALLS"
  callgrind_control --dump="$mode" "$GATEWAY_PID" >/dev/null 2>&1
  dump=$(grep -l "^desc: Trigger: dump $mode\$" "$OUT"/callgrind.out.* |
    tail -n 1)
  total=$(sed -n 's/^summary: //p' "$dump")
  PER_CALL[$mode]=$((total / CALLS))
done

echo "Instructions per call (callgrind, gateway user space, $ROWS rows," \
  "$CALLS calls per mode, 8 connections x 16 streams):"
echo
echo "| call | instructions | ratio to health |"
echo "|---|---|---|"
for mode in $MODES; do
  ratio=
  [[ -n ${PER_CALL[health]:-} ]] &&
    ratio=$(calc "${PER_CALL[$mode]} / ${PER_CALL[health]}")
  echo "| $mode | ${PER_CALL[$mode]} | $ratio |"
done
