#!/bin/bash
# A static binary (busybox-static) on an alluxio-fuse mount gives the same
# results as on a plain local directory: ls, cat, cp, mkdir, rm, mv, find,
# md5sum and friends, compared by exit status and output.
#
# usage: busybox_test.sh <alluxio-fuse binary>
# Exit status 77 = skipped (no busybox-static, no /dev/fuse, may not mount);
# 1 instead when ALLUXIO_TEST_REQUIRE lists "programs" (for busybox) or
# "fuse" (tests/testing/require.sh).
set -u
# shellcheck source=mount_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mount_lib.sh"
BIN=$1
BB=${BUSYBOX:-/bin/busybox}

if [ ! -x "$BB" ]; then skip_or_fail programs "$BB missing (install busybox-static)"; fi
mount_setup fuse-busybox
mkdir -p "$T/local"
mount_start "$BIN"

# Inputs that live outside both trees.
"$BB" dd if=/dev/urandom of="$T/src.bin" bs=65536 count=80 2>/dev/null
printf 'line one\nline two\nline three\n' >"$T/src.txt"

FAILED=0
STEPS=0
# run <description> <busybox applet and arguments...>: the same command in
# both trees, compared.
run() {
  local what=$1; shift
  (cd "$MNT" && "$BB" "$@") >"$T/out.mnt" 2>&1; local rc_mnt=$?
  (cd "$T/local" && "$BB" "$@") >"$T/out.local" 2>&1; local rc_local=$?
  STEPS=$((STEPS + 1))
  if [ "$rc_mnt" != "$rc_local" ] || ! cmp -s "$T/out.mnt" "$T/out.local"; then
    FAILED=$((FAILED + 1))
    echo "DIFF in '$what' ($*): mount rc=$rc_mnt, local rc=$rc_local"
    echo "--- mount:"; head -20 "$T/out.mnt"
    echo "--- local:"; head -20 "$T/out.local"
  fi
}

run "mkdir -p" mkdir -p a/b/c
run "mkdir existing" mkdir a
run "shell redirect" sh -c 'echo hello > a/f1'
run "cat" cat a/f1
run "cp big" cp "$T/src.bin" a/b/big
run "cp text" cp "$T/src.txt" a/text
run "md5sum" md5sum a/b/big a/f1 a/text
run "wc" wc -c a/b/big
run "head" head -n 2 a/text
run "tail" tail -c 100 a/b/big
run "ls" ls -1 a
run "ls -R" ls -1R .
run "ls -l size" sh -c 'ls -l a/b/big | awk "{print \$1, \$5, \$NF}"'
run "stat" stat -c '%s %a %F %n' a/b/big a/f1 a/text
run "find" sh -c 'find . | sort'
run "find -type f" sh -c 'find . -type f -name "*i*" | sort'
run "cp -r" cp -r a a2
run "md5 of copy" sh -c 'find a2 -type f | sort | xargs md5sum'
run "mv file" mv a/f1 a/b/f2
run "cat moved" cat a/b/f2
run "cat old name" cat a/f1
run "mv dir" mv a2 a3
run "ls after mv" ls -1R .
run "touch" touch a/t
run "stat touched size" stat -c '%s %F' a/t
run "chmod" chmod 600 a/t
run "stat mode" stat -c '%a' a/t
run "rm dir without -r" rm a
run "rmdir non-empty" rmdir a
run "rm missing" rm a/none
run "cat missing" cat none
run "cat dir" cat a
run "rm file" rm a/b/f2
run "rm -r" rm -r a3
run "rmdir empty" rmdir a/b/c
run "overwrite" sh -c 'echo replaced > a/text && cat a/text'
run "pipeline" sh -c 'cat a/b/big | md5sum'
run "dd" dd if=a/b/big of=a/dd.out bs=1048576
run "cmp" cmp a/b/big a/dd.out
run "final tree" sh -c 'find . | sort'
run "final md5" sh -c 'find . -type f | sort | xargs md5sum'

# The UFS holds what the local tree holds.
(cd "$T/ufs" && "$BB" sh -c 'find . -type f | sort | xargs md5sum') >"$T/ufs.md5"
(cd "$T/local" && "$BB" sh -c 'find . -type f | sort | xargs md5sum') >"$T/local.md5"
STEPS=$((STEPS + 1))
if ! cmp -s "$T/ufs.md5" "$T/local.md5"; then
  FAILED=$((FAILED + 1)); echo "DIFF: UFS content differs from the local tree"
  diff "$T/ufs.md5" "$T/local.md5"
fi

echo "$((STEPS - FAILED))/$STEPS busybox steps matched"
[ "$FAILED" = 0 ]
