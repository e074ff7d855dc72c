#!/usr/bin/env bash
# fsx (File System eXerciser, the Rust port, built by ci/third-party.sh) on
# the shim and on a real alluxio-fuse mount, both over a local UFS with the
# random-access switch on: 100,000 pseudorandom preads, pwrites, mapped
# reads, mapped writes (msync), truncates, msync(MS_INVALIDATE), fsyncs and
# close/open cycles of one file, each read checked against fsx's model of
# the file and the size checked after every step. The seed is fixed, so a
# failure reproduces with the command line printed.
#
# The same run on a local directory first gives the content the file must
# end with; after fsx exits (shim) or the mount is taken down (FUSE), the
# file in the UFS must hold exactly that. Under the shim, no process fsx
# started may still run 5 s after it exits.
#
# usage: fsx_test.sh <liballuxio_posix.so> <alluxio-fuse> [shim|fuse|all]
# Environment: ALLUXIO_FSX_OPS (100000), ALLUXIO_FSX_SEED (12345),
#   ALLUXIO_FSX_CONF (tests/integration/fsx.toml), ALLUXIO_FSX_TIMEOUT (600 s
#   for one fsx run), ALLUXIO_FSX_KEEP=1 (keep the logs of a failed run),
#   ALLUXIO_FUSE_TEST_ROOT (where the mount point goes; the CTest fixture
#   clears leftovers there).
# Exit: 0 passed, 1 failed (also when fsx cannot be built), 77 skipped: only
# the FUSE half, and only where /dev/fuse is missing (a failure instead when
# ALLUXIO_TEST_REQUIRE lists fuse, tests/testing/require.sh).
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <liballuxio_posix.so> <alluxio-fuse> [shim|fuse|all]" >&2
  exit 2
fi
SHIM=$(realpath "$1")
FUSE_BIN=$2
[ "$FUSE_BIN" = none ] || FUSE_BIN=$(realpath "$FUSE_BIN")
WHICH=${3:-all}
case $WHICH in shim | fuse | all) ;; *) echo "unknown half '$WHICH'" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OPS=${ALLUXIO_FSX_OPS:-100000}
SEED=${ALLUXIO_FSX_SEED:-12345}
CONF=$(realpath "${ALLUXIO_FSX_CONF:-$HERE/fsx.toml}")
RUN_TIMEOUT=${ALLUXIO_FSX_TIMEOUT:-600}  # seconds for one fsx run

[ -f "$SHIM" ] || { echo "FAIL: no shim at $1"; exit 1; }
[ -x "$FUSE_BIN" ] || [ "$WHICH" = shim ] || { echo "FAIL: no alluxio-fuse at $2"; exit 1; }

# fsx is built from crates.io into a cache outside the repository; a build
# that fails fails the test.
if ! FSX=$("$SRC/ci/third-party.sh" fsx); then
  echo "FAIL: fsx could not be built (ci/third-party.sh fsx; needs cargo and crates.io)"
  exit 1
fi
# shellcheck source=../testing/require.sh
. "$HERE/../testing/require.sh"
NO_FUSE="fuse: /dev/fuse is missing: cannot mount FUSE here"
if [ "$WHICH" = fuse ] && [ ! -e /dev/fuse ]; then skip_or_fail fuse "$NO_FUSE"; fi
FSX_ARGS=(-f "$CONF" -N "$OPS" -S "$SEED")
echo "fsx: $FSX ($("$FSX" --version)); ${FSX_ARGS[*]}"

# Data on tmpfs where there is one: fsx's msync(MS_SYNC) and fsync on a
# disk cost more than all the rest.
DATA=${TMPDIR:-/tmp}
if [ -d /dev/shm ] && [ -w /dev/shm ]; then DATA=/dev/shm; fi
T=$(mktemp -d "$DATA/alluxio-fsx.XXXXXX")
chmod 755 "$T"
MROOT=${ALLUXIO_FUSE_TEST_ROOT:-$T}
mkdir -p "$MROOT"
M=
PID=

mounted() { [ -n "$M" ] && grep -q " $M " /proc/self/mountinfo; }

unmount() {
  mounted || return 0
  "$FUSE_BIN" unmount "$M" 2> /dev/null || "$FUSE_BIN" unmount -l "$M" 2> /dev/null ||
    umount -l "$M" 2> /dev/null
}

stop_daemon() {
  [ -n "$PID" ] || return 0
  for _ in $(seq 100); do kill -0 "$PID" 2> /dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2> /dev/null; then
    echo "alluxio-fuse ($PID) still running 10 s after the unmount: killing it"
    kill -9 "$PID" 2> /dev/null
  fi
  wait "$PID" 2> /dev/null
  PID=
}

# Processes of this test still running: fsx and whatever it left behind
# (the shim's commit watchers are forks of fsx and carry its command line,
# which names a path under $T; so does the FUSE daemon's).
leftovers() {
  local f
  # One grep for all (the list is made before it starts, so not itself).
  for f in $(grep -laF -- "$T/" /proc/[0-9]*/cmdline 2> /dev/null); do
    f=${f#/proc/}
    f=${f%/cmdline}
    [ "$f" = $$ ] || echo "$f"
  done
}

kill_leftovers() {
  local p
  for p in $(leftovers); do kill -9 "$p" 2> /dev/null; done
}

cleanup() {
  unmount
  stop_daemon
  kill_leftovers
  # Never delete through a mount.
  if mounted; then
    echo "WARNING: $M is still mounted; leaving $T"
    return
  fi
  [ -n "$M" ] && [ "$MROOT" != "$T" ] && rm -rf "$(dirname "$M")"
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run_fsx NAME FILE [env assignments...]: one fsx run; its log in $T/NAME.log.
run_fsx() {
  local name=$1 file=$2
  shift 2
  local start rc
  start=$(now)
  env "$@" RUST_BACKTRACE=0 timeout -k 10 "$RUN_TIMEOUT" \
    "$FSX" -v "${FSX_ARGS[@]}" -P "$T/$name.art" "$file" > "$T/$name.log" 2>&1
  rc=$?
  LAST_TIME=$(since "$start")
  if [ $rc = 0 ] && grep -q "All operations completed A-OK" "$T/$name.log"; then
    echo "ok: fsx $name: $OPS operations in ${LAST_TIME} s"
    return 0
  fi
  [ $rc = 124 ] && echo "FAIL: fsx $name did not finish within $RUN_TIMEOUT s"
  echo "FAIL: fsx $name exited $rc after ${LAST_TIME} s on $file"
  echo "--- the last steps (fsx -v):"
  grep '^\[INFO' "$T/$name.log" | tail -n 12
  echo "--- what fsx reported:"
  # Errors and panics, with the first entries of fsx's log dump.
  grep -v '^\[INFO' "$T/$name.log" | grep -v '^\[DEBUG' | head -n 40
  if [ -f "$T/$name.art/testfile.fsxgood" ]; then
    echo "--- expected content: $T/$name.art/testfile.fsxgood (kept: set ALLUXIO_FSX_KEEP=1)"
  fi
  echo "--- reproduce: $FSX -v ${FSX_ARGS[*]} <file>"
  return 1
}

# check_ufs NAME: the UFS file holds what the local run ended with.
check_ufs() {
  local name=$1 ufs_file=$2
  if [ ! -f "$ufs_file" ]; then
    echo "FAIL: $name: $ufs_file is not in the UFS after the run"
    return 1
  fi
  if ! cmp "$T/native/testfile" "$ufs_file"; then
    echo "FAIL: $name: the UFS file differs from the local run's final file" \
      "($(stat -c %s "$ufs_file") bytes, expected $(stat -c %s "$T/native/testfile"))"
    return 1
  fi
  echo "ok: $name: the UFS file matches the local run ($(stat -c %s "$ufs_file") bytes)"
}

# The reference: fsx on a local directory must pass, and its final file is
# what the others must leave in their UFS.
mkdir -p "$T/native" "$T/native.art"
if ! run_fsx native "$T/native/testfile"; then
  echo "FAIL: fsx fails on a local directory ($DATA): the test itself is broken here"
  exit 1
fi

FAILED=0
SKIPPED=0

shim_half() {
  local d=$T/shim
  mkdir -p "$d/ufs" "$d/work" "$d/conf" "$d/home" "$T/shim.art"
  local served=$d/served
  run_fsx shim "$served/testfile" LD_PRELOAD="$SHIM" ALLUXIO_POSIX_PREFIXES="$served" \
    ALLUXIO_WORK_DIR="$d/work" ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS="$d/ufs" \
    ALLUXIO_CONF_DIR="$d/conf" HOME="$d/home" \
    ALLUXIO_USER_FUSE_RANDOM_ACCESS_FILE_STREAM_ENABLED=true
  local rc=$?
  # Nothing fsx started may outlive it for long: a process the shim leaves
  # to commit the file finishes once no one holds the file.
  local left=
  for _ in $(seq 50); do
    left=$(leftovers)
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -n "$left" ]; then
    echo "FAIL: shim: process(es) left running 5 s after fsx exited (killed now):"
    local p
    for p in $left; do
      echo "  $p (parent $(awk '{print $4}' "/proc/$p/stat" 2> /dev/null)," \
        "waiting in $(cat "/proc/$p/wchan" 2> /dev/null)," \
        "$(grep -c " $d/.*(deleted)\$" "/proc/$p/maps" 2> /dev/null) maps of deleted (staging)" \
        "files under $d):" \
        "$({ tr '\0' ' ' < "/proc/$p/cmdline"; } 2> /dev/null | cut -c1-160)"
    done
    kill_leftovers
    rc=1
  fi
  [ $rc = 0 ] || return 1
  # fsx has exited: the shim committed the file on its last close or at exit.
  check_ufs shim "$d/ufs/testfile"
}

fuse_half() {
  if [ ! -e /dev/fuse ]; then
    # 77 (skipped), or 1 where ALLUXIO_TEST_REQUIRE requires FUSE.
    (skip_or_fail fuse "$NO_FUSE")
    return
  fi
  local d=$T/fuse
  mkdir -p "$d/ufs" "$d/work" "$d/conf" "$T/fuse.art"
  M=$(mktemp -d "$MROOT/fsx-mnt.XXXXXX")/mnt
  mkdir -p "$M"
  env ALLUXIO_CONF_DIR="$d/conf" "$FUSE_BIN" mount "$M" -f \
    --conf "alluxio.work.dir=$d/work" \
    --conf "alluxio.master.mount.table.root.ufs=$d/ufs" \
    --conf "alluxio.user.fuse.random.access.file.stream.enabled=true" > "$d/fuse.log" 2>&1 &
  PID=$!
  for _ in $(seq 200); do
    mounted && break
    if ! kill -0 "$PID" 2> /dev/null; then
      wait "$PID" 2> /dev/null
      PID=
      echo "FAIL: fuse: alluxio-fuse exited before mounting:"
      cat "$d/fuse.log"
      return 1
    fi
    sleep 0.1
  done
  if ! mounted; then
    echo "FAIL: fuse: no mount at $M after 20 s:"
    cat "$d/fuse.log"
    return 1
  fi
  local rc=0
  run_fsx fuse "$M/testfile" || rc=1
  # Take the mount down before looking at the UFS: the daemon has then
  # handled every release.
  if ! "$FUSE_BIN" unmount "$M" > "$d/unmount.log" 2>&1; then
    echo "FAIL: fuse: unmount failed: $(cat "$d/unmount.log")"
    rc=1
    unmount
  fi
  stop_daemon
  if grep -qiE 'error|fail' "$d/fuse.log"; then
    echo "--- alluxio-fuse log:"
    tail -n 20 "$d/fuse.log"
  fi
  [ $rc = 0 ] || return 1
  check_ufs fuse "$d/ufs/testfile"
}

if [ "$WHICH" != fuse ]; then
  shim_half || FAILED=$((FAILED + 1))
fi
if [ "$WHICH" != shim ]; then
  fuse_half
  case $? in 0) ;; 77) SKIPPED=1 ;; *) FAILED=$((FAILED + 1)) ;; esac
fi

if [ "${ALLUXIO_FSX_KEEP:-0}" = 1 ] && [ $FAILED != 0 ]; then
  echo "keeping $T"
  trap - EXIT
  unmount
  stop_daemon
  kill_leftovers
fi
if [ $FAILED != 0 ]; then
  echo "FAIL: fsx: $FAILED front end(s) failed"
  exit 1
fi
if [ $SKIPPED = 1 ] && [ "$WHICH" = fuse ]; then exit 77; fi
if [ $SKIPPED = 1 ]; then
  echo "PASS: fsx $OPS operations, seed $SEED, under the shim (FUSE skipped)"
else
  echo "PASS: fsx $OPS operations, seed $SEED, on $WHICH"
fi
