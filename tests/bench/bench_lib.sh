# shellcheck shell=bash
# Shell helpers shared by run-performance.sh, run-graph-performance.sh,
# run-intune-budget.sh and count-instructions.sh:
# gRPC-framed payload files for h2load, checking that a payload is a
# successful call, starting gateways. Sourced, not run.
#
# The caller sets SOURCE (the repository) and sources this file, then calls
# start_work, which sets WORK (a scratch directory) and STARTED_PIDS (every
# process started here or by the caller is added to it, and stopped on exit).

BENCH_HEADERS=(-H 'content-type: application/grpc' -H 'te: trailers')

# read_build_dir ARG...: the script's one argument, a build directory, as
# an absolute path in BUILD, with GATEWAY and BENCH (ndes-gateway and
# ndes-bench in it); exits 2 with the script's usage unless there is
# exactly one argument.
# shellcheck disable=SC2034  # BUILD, GATEWAY and BENCH are the caller's.
read_build_dir() {
  if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
  fi
  BUILD=$(cd "$1" && pwd)
  GATEWAY=$BUILD/server/ndes-gateway
  BENCH=$BUILD/client/ndes-bench
}

# require_binaries FILE...: exits 2 unless every FILE is executable.
require_binaries() {
  local binary
  for binary in "$@"; do
    if [[ ! -x $binary ]]; then
      echo "$0: missing $binary (build it first; this script builds nothing)" >&2
      exit 2
    fi
  done
}
# require_tools TOOL...: exits 2 unless every TOOL is on the PATH.
require_tools() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$0: $tool is missing (bash deploy/install-deps.sh installs it)" >&2
      exit 2
    fi
  done
}
# start_work NAME: a new scratch directory /tmp/NAME.XXXXXX in WORK, and an
# EXIT trap that stops every process in STARTED_PIDS and removes WORK.
start_work() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  STARTED_PIDS=()
  trap stop_started_and_remove_work EXIT
}
stop_started_and_remove_work() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}

log() { echo "# $*" >&2; }

# encode_message PROTO TYPE TEXT OUT: the protobuf bytes of TYPE (declared in
# PROTO, under $SOURCE) given in text format, framed as one gRPC message
# (flag 0, 4-byte big-endian length), into OUT.
encode_message() {
  local proto=$1 type=$2 text=$3 out=$4 length
  local include
  include=$(dirname "$SOURCE/$proto")
  case $proto in
    proto/*) include=$SOURCE/proto ;;
  esac
  protoc --encode="$type" -I "$include" "$SOURCE/$proto" \
    <<<"$text" >"$out.message"
  length=$(stat -c %s "$out.message")
  printf "\\x00\\x$(printf %02x $((length >> 24 & 255)))\\x$(printf %02x \
$((length >> 16 & 255)))\\x$(printf %02x $((length >> 8 & 255)))\\x$(printf \
%02x $((length & 255)))" >"$out"
  cat "$out.message" >>"$out"
  rm -f "$out.message"
}

NDES_SERVICE_PROTO=proto/ndes/v1/ndes_connector_service.proto
ETCD_PROTO=tests/bench/etcd_kv.proto

# ndes_payload TYPE TEXT OUT: an ndes.v1 request.
ndes_payload() { encode_message "$NDES_SERVICE_PROTO" "ndes.v1.$1" "$2" "$3"; }
# etcd_payload TYPE TEXT OUT: an etcdserverpb request.
etcd_payload() { encode_message "$ETCD_PROTO" "etcdserverpb.$1" "$2" "$3"; }
# health_payload OUT: grpc.health.v1.HealthCheckRequest{service: ""}, which
# is the empty message.
health_payload() { printf '\x00\x00\x00\x00\x00' >"$1"; }

# grpc_status ADDRESS PATH PAYLOAD: the grpc-status of one call (nghttp),
# or "none" when the call got no status at all.
grpc_status() {
  local status
  status=$(nghttp -v -d "$3" "${BENCH_HEADERS[@]}" "http://$1$2" 2>&1 |
    sed -n 's/.*recv (stream_id=[0-9]*) grpc-status: \([0-9]*\).*/\1/p' |
    head -n 1)
  echo "${status:-none}"
}

# require_ok ADDRESS PATH PAYLOAD: exits unless the payload is a successful
# call (grpc-status 0). h2load counts every HTTP 200 as a success, and gRPC
# answers errors with 200 too, so each payload is checked before it is used.
require_ok() {
  local status
  status=$(grpc_status "$@")
  if [[ $status != 0 ]]; then
    echo "$0: $2 with $(basename "$3") on $1 answered grpc-status $status" \
      "(expected 0)" >&2
    exit 1
  fi
}

# start_gateway NAME [--wrap=COMMAND] ARGS...: starts $GATEWAY on
# 127.0.0.1:0 with its log in $WORK/NAME.log; sets GATEWAY_PID and
# GATEWAY_ADDRESS. --wrap runs it under COMMAND (e.g. valgrind ...).
start_gateway() {
  local name=$1 wrap=()
  shift
  if [[ ${1:-} == --wrap=* ]]; then
    read -r -a wrap <<<"${1#--wrap=}"
    shift
  fi
  "${wrap[@]}" "$GATEWAY" --listen=127.0.0.1:0 "$@" 2>"$WORK/$name.log" &
  GATEWAY_PID=$!
  STARTED_PIDS+=("$GATEWAY_PID")
  GATEWAY_ADDRESS=
  for _ in $(seq 1 1200); do
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

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

median() {
  sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
