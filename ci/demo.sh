#!/usr/bin/env bash
# The demo: PyTorch training from S3 through the cache, on a fresh Debian 12
# machine, in one command.
#
#   ci/demo.sh [--keep] [--per-class N] [--no-install] [--no-build]
#
# 1. installs what it needs (ci/install-deps.sh, plus python3-torch,
#    python3-numpy, curl) and builds (ci/build.sh);
# 2. generates an image-folder dataset (examples/make_dataset.py) on local disk;
# 3. starts an S3 API server on loopback (moto_server, if this machine has it;
#    otherwise a local directory stands in for the object store, and it says so);
# 4. mounts the bucket in the Alluxio namespace and uploads the dataset with the
#    alluxio CLI;
# 5. trains two epochs of examples/train.py three ways: the local copy, the
#    LD_PRELOAD shim, and an alluxio-fuse mount (the node's page cache is freed
#    before each, so epoch 1 reads S3 and epoch 2 the cache);
# 6. prints the per-epoch times side by side, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

keep=0 per_class=200 install=1 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --per-class) per_class=$2; shift ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

step=0
say() { step=$((step + 1)); printf '\n\033[1m== %d. %s\033[0m\n' "$step" "$*"; }
info() { printf '   %s\n' "$*"; }
die() { printf 'demo.sh: error: %s\n' "$*" >&2; exit 1; }

# Everything we start is recorded here and stopped on exit, also on failure.
demo=""
moto_pid=""
fuse_mnt=""
fuse_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$fuse_mnt" ] && mountpoint -q "$fuse_mnt" 2>/dev/null; then
    "$repo/build/fuse/alluxio-fuse" unmount "$fuse_mnt" 2>/dev/null ||
      "$repo/build/fuse/alluxio-fuse" unmount -l "$fuse_mnt" 2>/dev/null || true
  fi
  if [ -n "$fuse_pid" ]; then
    for _ in $(seq 50); do kill -0 "$fuse_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$fuse_pid" 2>/dev/null || true
    wait "$fuse_pid" 2>/dev/null || true
  fi
  if [ -n "$moto_pid" ]; then
    kill -- "-$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [ -n "$demo" ]; then
    if [ $keep -eq 1 ]; then echo "demo.sh: kept $demo"; else rm -rf "$demo"; fi
  fi
  [ $rc -eq 0 ] || echo "demo.sh: failed (exit $rc); everything it started is stopped" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

py=/usr/bin/python3

if [ $install -eq 1 ]; then
  say "Installing dependencies (Debian packages)"
  ALLUXIO_EXTRA_PACKAGES="python3-torch python3-numpy curl ${ALLUXIO_EXTRA_PACKAGES:-}" ci/install-deps.sh
fi
if [ $build -eq 1 ]; then
  say "Building (ci/build.sh)"
  lock=()
  command -v flock >/dev/null && lock=(flock /tmp/alluxio-build.lock)
  if ! "${lock[@]}" ci/build.sh build >"${TMPDIR:-/tmp}/alluxio-demo-build.log" 2>&1; then
    tail -n 40 "${TMPDIR:-/tmp}/alluxio-demo-build.log" >&2
    die "the build failed (full log: ${TMPDIR:-/tmp}/alluxio-demo-build.log)"
  fi
  tail -n 1 "${TMPDIR:-/tmp}/alluxio-demo-build.log" | sed 's/^/   /'
fi
cli=$repo/build/cli/alluxio
fuse=$repo/build/fuse/alluxio-fuse
shim=$repo/build/preload/liballuxio_posix.so
for f in "$cli" "$fuse" "$shim"; do [ -e "$f" ] || die "$f is missing: build first"; done

demo=$(mktemp -d "${TMPDIR:-/tmp}/alluxio-demo.XXXXXX")
export ALLUXIO_WORK_DIR=$demo/work  # this demo's private node state and cache

say "Generating the dataset on local disk"
"$py" examples/make_dataset.py "$demo/dataset" --per-class "$per_class" | sed 's/^/   /'

say "Starting an S3 server on loopback"
moto=$(command -v moto_server || true)
[ -z "$moto" ] && [ -x /root/.pyenv/shims/moto_server ] && moto=/root/.pyenv/shims/moto_server
if [ -n "$moto" ] && command -v curl >/dev/null; then
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  endpoint=http://127.0.0.1:$port
  setsid "$moto" -H 127.0.0.1 -p "$port" >"$demo/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "$endpoint/" && break; sleep 0.1; done
  curl -sf -X PUT "$endpoint/demo-bucket" -o /dev/null || die "moto_server did not start (see $demo/moto.log)"
  info "moto_server (pid $moto_pid) on $endpoint, bucket demo-bucket"
  apath=/s3
  say "Mounting s3://demo-bucket/ at $apath in the Alluxio namespace"
  (set -x; "$cli" fs mount --option "alluxio.underfs.s3.endpoint=$endpoint" \
    --option s3a.accessKeyId=demo --option s3a.secretKey=demo-secret \
    "$apath" s3://demo-bucket/) 2>&1 | sed 's/^/   /'
  kind="S3 (moto on loopback)"
else
  info "moto_server not found (pip install 'moto[server]' provides it):"
  info "a local directory stands in for the object store"
  mkdir -p "$demo/object-store"
  apath=/store
  say "Mounting the local directory at $apath in the Alluxio namespace"
  (set -x; "$cli" fs mount "$apath" "$demo/object-store") 2>&1 | sed 's/^/   /'
  kind="a local directory (no S3 server on this machine)"
fi

say "Uploading the dataset with the alluxio CLI (copyFromLocal, one class per process)"
t0=$SECONDS
"$cli" fs mkdir -p "$apath/dataset"
# One copyFromLocal per class directory, four at a time.
find "$demo/dataset" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort |
  xargs -P 4 -I{} "$cli" fs copyFromLocal "$demo/dataset/{}" "$apath/dataset/{}"
info "uploaded $(find "$demo/dataset" -type f | wc -l) files in $((SECONDS - t0))s"
"$cli" fs count "$apath/dataset" 2>/dev/null | sed 's/^/   /' || true

results=$demo/results
: >"$results"
train() {  # <label> <dataset dir> [command prefix...]
  local label=$1 data=$2
  shift 2
  "$@" "$py" examples/train.py "$data" --epochs 2 --workers 2 --label "$label" 2>&1 |
    tee -a "$demo/train.log" | sed 's/^/   /'
  grep "^RESULT " "$demo/train.log" | tail -n 1 | sed 's/^RESULT //' >>"$results"
}

say "Training on the local copy (reference)"
train "local disk" "$demo/dataset"

say "Training through the LD_PRELOAD shim (cache freed first: epoch 1 reads $apath)"
"$cli" fs free "$apath/dataset" | sed 's/^/   /'
shim_dir=$demo/shim  # not a directory on disk: the shim serves it
info "LD_PRELOAD=$shim"
info "ALLUXIO_POSIX_PREFIXES=$shim_dir=$apath/dataset"
train "shim" "$shim_dir" env LD_PRELOAD="$shim" ALLUXIO_POSIX_PREFIXES="$shim_dir=$apath/dataset"

say "Training through an alluxio-fuse mount (cache freed first)"
"$cli" fs free "$apath/dataset" | sed 's/^/   /'
fuse_mnt=$demo/mnt
mkdir -p "$fuse_mnt"
info "alluxio-fuse mount $fuse_mnt $apath/dataset -o ro"
"$fuse" mount "$fuse_mnt" "$apath/dataset" -o ro -f >"$demo/fuse.log" 2>&1 &
fuse_pid=$!
for _ in $(seq 100); do mountpoint -q "$fuse_mnt" && break; sleep 0.1; done
mountpoint -q "$fuse_mnt" || die "the FUSE mount did not come up: $(tail -n 3 "$demo/fuse.log")"
train "FUSE" "$fuse_mnt"
"$fuse" unmount "$fuse_mnt"
wait "$fuse_pid" 2>/dev/null || true
fuse_pid=""

say "Node page cache"
"$cli" cache stats 2>&1 | sed 's/^/   /' || true

say "Results: $(find "$demo/dataset" -type f | wc -l) files, data in $kind"
"$py" - "$results" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ref = rows[0]["epoch_seconds"] if rows else None
print(f"   {'':<12}{'epoch 1':>10}{'epoch 2':>10}   epoch 2 vs local disk")
for r in rows:
    e = r["epoch_seconds"]
    vs = f"{(e[1] / ref[1] - 1) * 100:+.0f}%" if ref and r is not rows[0] else ""
    print(f"   {r['label']:<12}{e[0]:>9.2f}s{e[1]:>9.2f}s   {vs}")
EOF
echo
echo "demo.sh: done; stopping what it started"
