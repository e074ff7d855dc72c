# Sourced by the shell tests that mount alluxio-fuse: one mount under
# $ALLUXIO_FUSE_TEST_ROOT, started in the foreground (-f) in the background,
# and torn down on exit (unmounted, the daemon waited for by its pid, the
# temporary tree removed only once nothing is mounted on it).
#
#   mount_setup NAME       makes $T (with $T/mnt = $MNT, $T/ufs, $T/work)
#   mount_start BIN ARGS.. mounts $MNT over $T/ufs; sets PID; fails the test
#                          (or skips, see require.sh) when it cannot
#   mounted                whether $MNT is a mount point
# shellcheck source=../testing/require.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testing/require.sh"

mount_setup() {
  if [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then skip_or_fail fuse "/dev/fuse is not usable here"; fi
  local root=${ALLUXIO_FUSE_TEST_ROOT:-${TMPDIR:-/tmp}}
  mkdir -p "$root"
  T=$(mktemp -d "$root/$1.XXXXXX")
  MNT=$T/mnt
  mkdir -p "$MNT" "$T/ufs" "$T/work"
  PID=
  MOUNT_BIN=
  trap mount_cleanup EXIT
  trap 'exit 1' INT TERM
}

mounted() { grep -q " $MNT " /proc/self/mountinfo; }

mount_cleanup() {
  if mounted; then "$MOUNT_BIN" unmount "$MNT" 2>/dev/null || "$MOUNT_BIN" unmount -l "$MNT"; fi
  if [ -n "$PID" ]; then
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  # Never delete through a mount.
  mounted || rm -rf "$T"
}

mount_start() {
  MOUNT_BIN=$1
  shift
  "$MOUNT_BIN" mount "$MNT" -f --conf "alluxio.work.dir=$T/work" \
    --conf "alluxio.master.mount.table.root.ufs=$T/ufs" "$@" >"$T/fuse.log" 2>&1 &
  PID=$!
  # Mounted and answering: a dead mount left by a killed daemon is also in
  # mountinfo until the new daemon replaces it (statfs always reaches the
  # daemon; stat may be answered from the kernel's cache).
  for _ in $(seq 200); do
    mounted && stat -f "$MNT" >/dev/null 2>&1 && return 0
    if ! kill -0 "$PID" 2>/dev/null; then
      if [ "$(id -u)" != 0 ] && grep -q "cannot mount" "$T/fuse.log"; then
        skip_or_fail fuse "this user may not mount FUSE: $(cat "$T/fuse.log")"
      fi
      echo "FAIL: alluxio-fuse exited before mounting:"; cat "$T/fuse.log"; exit 1
    fi
    sleep 0.1
  done
  echo "FAIL: no mount after 20 s"; cat "$T/fuse.log"; exit 1
}
