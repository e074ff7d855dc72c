#!/usr/bin/env bash
# The shim exports exactly the symbols listed in preload/symbols.inc: a
# symbol interposed in code but missing from the list is never called, and
# one listed but not defined would fail at link time anyway (this also
# catches our own code leaking out of the hidden visibility).
# usage: exports_test.sh /path/to/liballuxio_posix.so /path/to/symbols.inc
set -euo pipefail
lib=$1
list=$2
got=$(nm -D --defined-only "$lib" | awk '{print $3}' | LC_ALL=C sort)
want=$(grep -oE '^ALLUXIO_(SYM|EXPORT)\([A-Za-z0-9_]*\)' "$list" | sed -E 's/^ALLUXIO_(SYM|EXPORT)\(//; s/\)$//' |
  LC_ALL=C sort)
if [ "$got" != "$want" ]; then
  echo "FAIL: exported symbols differ from symbols.inc (- exported, + listed):"
  diff <(echo "$got") <(echo "$want") || true
  exit 1
fi
echo "ok: $(echo "$got" | wc -l) exported symbols, exactly those of symbols.inc"
