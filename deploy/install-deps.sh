#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing ndes-gateway
# needs, and nothing when they are all present already. Run as root.
# Used by the README's commands and by .ci/run; with --build-only (the
# README's first command, the container image's build stage) it installs
# only what building and running the gateway and its client need.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  protobuf-compiler libprotobuf-dev
  protobuf-compiler-grpc libgrpc++-dev
  libabsl-dev libcpprest-dev libsqlite3-dev libpq-dev libssl-dev
  libmicrohttpd-dev libgnutls28-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev
  # A throw-away PostgreSQL cluster; promtool for metrics and alert rules.
  postgresql prometheus
  # .ci/sanitize: clang with ASan, UBSan and libFuzzer.
  clang-14 libclang-rt-14-dev
  # tests/bench/run-performance.sh: h2load and nghttp, nghttp2 for
  # ndes-grpc-load, etcd beside the gateway, valgrind for instruction counts.
  nghttp2-client libnghttp2-dev etcd-server etcd-client valgrind
)
# tests/protojson and tests/graphjs run Node.js (18 or later) and npm. A
# Node.js installed from elsewhere (NodeSource's package bundles npm and
# conflicts with Debian's) is used as it is.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  test_packages+=(nodejs npm)
fi
if [ "${1:-}" != "--build-only" ]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
