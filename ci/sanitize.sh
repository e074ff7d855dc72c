#!/usr/bin/env bash
# Builds with a sanitizer (AddressSanitizer + UBSan, or ThreadSanitizer) and
# runs the unit tests. Under ThreadSanitizer these include the shim's
# descriptor code under threads (linked.DescRaceTest.*: the shim linked into
# the test program, since an LD_PRELOADed shim cannot run under a sanitizer).
# Usage: ci/sanitize.sh [address|thread]
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
dir="build-$kind"
ci/build.sh "$dir" -DALLUXIO_SANITIZER="$kind" -DCMAKE_BUILD_TYPE=Debug
exclude=()
if [ "$kind" = thread ]; then
  # Debian's gRPC and Abseil are not built with ThreadSanitizer: it reports
  # races inside them (epoll, absl::GraphCycles) in every test that runs a
  # gRPC server. Those tests run in the plain and address builds.
  exclude=(-E '^(WorkerServiceTest|DataServerTest)[.]')
fi
ctest --test-dir "$dir" -L unit --output-on-failure -j"$(nproc)" "${exclude[@]}"
