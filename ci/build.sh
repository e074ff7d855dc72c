#!/usr/bin/env bash
# Configures and builds. Usage: ci/build.sh [build-dir] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
jobs="${ALLUXIO_JOBS:-$(nproc)}"
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j"$jobs"
