#!/usr/bin/env bash
# Alluxio's Python client (alluxiofs, pip) against a real alluxio-worker:
# runs alluxiofs_test.py. Without alluxiofs for python3 it skips (exit 77),
# or fails when ALLUXIO_TEST_REQUIRE lists "alluxiofs"
# (tests/testing/require.sh); ci/install-deps.sh installs it.
#
# Usage: alluxiofs_test.sh ALLUXIO_WORKER_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../testing/require.sh
. "$here/../testing/require.sh"
worker=${1:?usage: alluxiofs_test.sh ALLUXIO_WORKER_BINARY}
# Absolute: the test runs in a directory of its own.
worker=$(realpath "$worker")
# alluxiofs writes its log under the working directory: keep it out of the
# tree. (And nothing there can pass for the module.)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! why=$(python3 -c 'import alluxiofs' 2>&1); then
  skip_or_fail alluxiofs "alluxiofs is not installed for $(command -v python3): ${why##*$'\n'}"
fi
exec python3 "$here/alluxiofs_test.py" "$worker"
