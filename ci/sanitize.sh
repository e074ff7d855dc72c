#!/usr/bin/env bash
# Builds with AddressSanitizer + UBSan and runs the unit tests.
# Usage: ci/sanitize.sh [address|thread]
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
dir="build-$kind"
ci/build.sh "$dir" -DALLUXIO_SANITIZER="$kind" -DCMAKE_BUILD_TYPE=Debug
ctest --test-dir "$dir" -L unit --output-on-failure -j"$(nproc)"
