# shellcheck shell=bash
# Sourced by the shell tests; the shell twin of require.h.
#
# skip_or_fail KIND MESSAGE...: ends the test for want of KIND (s3, fuse,
# programs, etcd, alluxio, alluxiofs): skipped (exit 77, "SKIP: MESSAGE"), or failed (exit 1) when the
# comma-separated ALLUXIO_TEST_REQUIRE lists KIND or names something unknown.
skip_or_fail() {
  local kind=$1
  shift
  local msg="$*" req=${ALLUXIO_TEST_REQUIRE:-} e entries
  IFS=, read -r -a entries <<< "$req"
  for e in "${entries[@]}"; do
    e="${e#"${e%%[![:blank:]]*}"}"
    e="${e%"${e##*[![:blank:]]}"}"
    case "$e" in
      "") ;;
      s3 | fuse | programs | etcd | alluxio | alluxiofs)
        if [ "$e" = "$kind" ]; then
          echo "FAIL: ALLUXIO_TEST_REQUIRE=$req requires $kind, so this test fails instead of skipping: $msg"
          exit 1
        fi
        ;;
      *)
        echo "FAIL: ALLUXIO_TEST_REQUIRE names $e (known: s3, fuse, programs, etcd, alluxio, alluxiofs); this test would skip: $msg"
        exit 1
        ;;
    esac
  done
  echo "SKIP: $msg"
  exit 77
}
