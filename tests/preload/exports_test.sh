#!/usr/bin/env bash
# The shim exports exactly the symbols listed in preload/symbols.inc: a
# symbol interposed in code but missing from the list is never called, and
# one listed but not defined would fail at link time anyway (this also
# catches our own code leaking out of the hidden visibility).
#
# Each ALLUXIO_TWIN(twin, plain) is an alias: the shim exports both names at
# one address (the behaviour is written once), and the libc the shim runs
# over defines both names as one function too, so a twin's call that the
# shim passes on to its plain twin's real entry point runs what libc would.
# usage: exports_test.sh /path/to/liballuxio_posix.so /path/to/symbols.inc
set -euo pipefail
lib=$1
list=$2
syms=$(nm -D --defined-only "$lib")
got=$(awk '{print $3}' <<<"$syms" | LC_ALL=C sort)
want=$(grep -oE '^ALLUXIO_(SYM|EXPORT|TWIN)\([A-Za-z0-9_]*' "$list" | sed -E 's/^ALLUXIO_(SYM|EXPORT|TWIN)\(//' |
  LC_ALL=C sort)
if [ "$got" != "$want" ]; then
  echo "FAIL: exported symbols differ from symbols.inc (- exported, + listed):"
  diff <(echo "$got") <(echo "$want") || true
  exit 1
fi

libc=$(ldd "$lib" | awk '$1 == "libc.so.6" {print $3}')
[ -n "$libc" ] || { echo "FAIL: cannot find the libc $lib links"; exit 1; }
libc_syms=$(nm -D --defined-only "$libc")
# The address of a default-version definition of $2 in the nm output $1.
addr() { awk -v n="$2" '$3 == n || $3 == n "@@" substr($3, length(n) + 3) {print $1; exit}' <<<"$1"; }
twins=0
bad=0
while read -r twin plain; do
  twins=$((twins + 1))
  a=$(addr "$syms" "$twin")
  b=$(addr "$syms" "$plain")
  if [ -z "$b" ] || [ "$a" != "$b" ]; then
    echo "FAIL: $twin (at ${a:-?}) is not an alias of $plain (at ${b:-?}) in the shim"
    bad=1
  fi
  a=$(addr "$libc_syms" "$twin")
  b=$(addr "$libc_syms" "$plain")
  if [ -z "$a" ] || [ "$a" != "$b" ]; then
    echo "FAIL: $libc defines $twin (at ${a:-?}) and $plain (at ${b:-?}) as different functions:"
    echo "      list $twin as ALLUXIO_SYM with a definition of its own"
    bad=1
  fi
done < <(sed -nE 's/^ALLUXIO_TWIN\(([A-Za-z0-9_]+), *([A-Za-z0-9_]+)\).*/\1 \2/p' "$list")
[ $bad -eq 0 ] || exit 1
echo "ok: $(echo "$got" | wc -l) exported symbols, exactly those of symbols.inc;" \
  "$twins twins, each an alias in the shim and in $libc"
