#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests, the benchmarks and
# the demo use. Runs apt-get only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libfuse3-dev fuse3
  libboost-context-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  robin-map-dev
  libgtest-dev libgmock-dev
  libcurl4-openssl-dev libssl-dev libpugixml-dev
  clang-format clang-tidy
  python3 strace busybox-static fio coreutils tar findutils
  gzip rsync sqlite3 python3-numpy python3-torch
)
if [ -n "${ALLUXIO_EXTRA_PACKAGES:-}" ]; then
  # shellcheck disable=SC2206
  PACKAGES+=(${ALLUXIO_EXTRA_PACKAGES})
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
