#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs, checks formatting, builds, runs every test (unit, integration, FUSE,
# S3), then the unit tests again under AddressSanitizer + UBSan and under
# ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
ci/install-deps.sh
ci/check-format.sh
ci/build.sh build
echo "build: $(( $(date +%s) - start ))s since start"
ci/tidy.sh build
ctest --test-dir build --output-on-failure --timeout 900 -j2
ci/sanitize.sh address
ci/sanitize.sh thread
echo "test.sh: all passed in $(( $(date +%s) - start ))s"
