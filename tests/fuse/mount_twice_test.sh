#!/bin/bash
# A second `alluxio-fuse mount` on a mount point that is in use fails with
# a message naming it, and leaves the first mount serving; a mount point
# whose daemon died (ENOTCONN) is cleared and mounted again.
#
# usage: mount_twice_test.sh <alluxio-fuse binary>
# Exit status 77 = skipped (no /dev/fuse), 1 instead when
# ALLUXIO_TEST_REQUIRE lists "fuse".
set -u
# shellcheck source=mount_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mount_lib.sh"
BIN=$1
mount_setup fuse-twice
mount_start "$BIN"
echo hello >"$MNT/f" || { echo "FAIL: cannot write through the first mount"; exit 1; }

out=$("$BIN" mount "$MNT" --conf "alluxio.work.dir=$T/work2" \
  --conf "alluxio.master.mount.table.root.ufs=$T/ufs" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
  echo "FAIL: a second mount on $MNT succeeded: $out"
  exit 1
fi
case "$out" in
  *"$MNT"*"mounted there already"*) ;;
  *) echo "FAIL: the error does not say the mount point is in use: $out"; exit 1 ;;
esac
n=$(grep -c " $MNT " /proc/self/mountinfo)
[ "$n" -eq 1 ] || { echo "FAIL: $n mounts stacked on $MNT"; exit 1; }
[ "$(cat "$MNT/f")" = hello ] || { echo "FAIL: the first mount stopped serving"; exit 1; }
kill -0 "$PID" || { echo "FAIL: the first daemon died"; exit 1; }

# A dead mount is not "in use": kill the daemon, then mount again.
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
mount_start "$BIN"
[ "$(cat "$MNT/f")" = hello ] || { echo "FAIL: the new mount does not serve the file"; exit 1; }
n=$(grep -c " $MNT " /proc/self/mountinfo)
[ "$n" -eq 1 ] || { echo "FAIL: $n mounts stacked on $MNT after remounting a dead one"; exit 1; }
echo "ok: a second mount is refused, a dead one is replaced"
