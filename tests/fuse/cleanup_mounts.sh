#!/bin/bash
# Test fixture: takes down every mount left under the FUSE tests' root (a
# test that crashed could not) and stops the daemons that served them.
# usage: cleanup_mounts.sh <test root>
set -u
ROOT=$1
[ -d "$ROOT" ] || exit 0
# Mount points under ROOT, deepest first.
awk -v root="$ROOT/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
  while read -r mp; do
    echo "cleanup: unmounting $mp"
    umount -l "$mp" 2>/dev/null || fusermount3 -uz "$mp" 2>/dev/null
  done
# Daemons started by the tests name a directory under ROOT on their command line.
for cmdline in /proc/[0-9]*/cmdline; do
  pid=${cmdline#/proc/}; pid=${pid%/cmdline}
  args=$(tr '\0' ' ' <"$cmdline" 2>/dev/null) || continue
  case "$args" in
    *alluxio-fuse\ mount\ "$ROOT"/*)
      echo "cleanup: stopping leftover daemon $pid"; kill -9 "$pid" 2>/dev/null ;;
  esac
done
exit 0
