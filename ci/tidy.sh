#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) over our C++ sources (not tests,
# not generated code).
# Usage: ci/tidy.sh [build-dir]   (the build dir provides compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
mapfile -t files < <(git ls-files 'client/src/*.cc' 'client/src/s3/*.cc' 'preload/*.cc' \
  'fuse/*.cc' 'cli/*.cc' 'worker/*.cc')
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$dir" --quiet 2>/dev/null
echo "tidy: ${#files[@]} files clean"
