#!/usr/bin/env bash
# The benchmark: the same workloads, on the same data, through every access
# path, side by side in one run. See bench/README.md.
#
#   bench/run.sh            full run (~5 min on 2 cores), writes bench/results/latest.{md,png,jsonl}
#   bench/run.sh --quick    smaller sizes (< 2 min), writes bench/results/quick.{md,png,jsonl}
#   options: --no-s3 --no-torch --no-cluster --keep (leave the run directory) --out <prefix>
#
# Contenders. Warm section (local UFS on tmpfs): native tmpfs, the LD_PRELOAD
# shim, alluxio-fuse -o ro,kernel_cache, alluxio-fuse read-write (defaults).
# Cold section (S3 API on loopback, moto): the shim, alluxio-fuse -o ro,
# s3fs and rclone mount when installed, each starting from empty caches.
# Cluster section (local UFS on tmpfs): the shim reading through two
# alluxio-worker processes, against reading the UFS directly.
#
# Everything this script starts (moto_server, mounts) is stopped by pid or
# unmounted on exit, also on failure or Ctrl-C.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${ALLUXIO_BUILD_DIR:-$repo/build}
py=/usr/bin/python3

quick=0 do_s3=1 do_torch=1 do_cluster=1 keep=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-s3) do_s3=0 ;;
    --no-torch) do_torch=0 ;;
    --no-cluster) do_cluster=0 ;;
    --keep) keep=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Sizes: the issue's by default, smaller with --quick; each can be overridden.
if [ $quick -eq 1 ]; then
  files=${ALLUXIO_BENCH_FILES:-2000}; big_mb=${ALLUXIO_BENCH_BIG_MB:-256}
  s3_files=${ALLUXIO_BENCH_S3_FILES:-100}; s3_big_mb=${ALLUXIO_BENCH_S3_BIG_MB:-16}
  ds_per_class=${ALLUXIO_BENCH_DATASET_PER_CLASS:-100}
  s3_ds_per_class=${ALLUXIO_BENCH_S3_DATASET_PER_CLASS:-0}
  torch_reps=${ALLUXIO_BENCH_TORCH_REPS:-1}
  timeout_s=${ALLUXIO_BENCH_TIMEOUT:-30}
  : "${out:=$here/results/quick}"
else
  files=${ALLUXIO_BENCH_FILES:-10000}; big_mb=${ALLUXIO_BENCH_BIG_MB:-1024}
  s3_files=${ALLUXIO_BENCH_S3_FILES:-1000}; s3_big_mb=${ALLUXIO_BENCH_S3_BIG_MB:-128}
  ds_per_class=${ALLUXIO_BENCH_DATASET_PER_CLASS:-300}
  s3_ds_per_class=${ALLUXIO_BENCH_S3_DATASET_PER_CLASS:-100}
  torch_reps=${ALLUXIO_BENCH_TORCH_REPS:-2}
  timeout_s=${ALLUXIO_BENCH_TIMEOUT:-120}
  : "${out:=$here/results/latest}"
fi
# The memory-bound check: a page cache far smaller than what is read.
bound_cache=${ALLUXIO_BENCH_BOUND_CACHE:-8MB}
# Warm means the data fits: the warm section's page cache holds all of it
# (the default 1GB would be smaller than the data set of a full run).
warm_cache=${ALLUXIO_BENCH_WARM_CACHE:-4GB}

bench=$build/bench/alluxio-bench
shim=$build/preload/liballuxio_posix.so
fuse=$build/fuse/alluxio-fuse
cli=$build/cli/alluxio
worker=$build/worker/alluxio-worker

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "error: $*" >&2; exit 1; }

# --- build what is missing ---------------------------------------------------
missing=()
for f in "$bench" "$shim" "$fuse" "$cli" "$worker"; do [ -e "$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "building (missing: ${missing[*]})"
  [ -d "$build" ] || cmake -S "$repo" -B "$build" -G Ninja >/dev/null || die "cmake configure failed"
  lock=(); command -v flock >/dev/null && lock=(flock /tmp/alluxio-build.lock)
  "${lock[@]}" cmake --build "$build" -j"$(nproc)" \
    --target alluxio-bench alluxio_posix alluxio-fuse alluxio alluxio-worker alluxio_worker_client ||
    die "build failed"
fi

# --- run directory, cleanup --------------------------------------------------
base=${ALLUXIO_BENCH_DIR:-/dev/shm}
run=$(mktemp -d "$base/alluxio-bench.XXXXXX") || die "cannot create a directory in $base"
mkdir -p "$run/logs" "$run/mnt"
results=$run/results.jsonl
: >"$results"
mounts=()  # mount points we mounted
pids=()    # daemons we started (moto is killed by its process group)
moto_pid=""
worker_pids=()  # cache workers we started
stop_workers() {
  local p
  for p in "${worker_pids[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  worker_pids=()
}

unmount_one() {  # <mount point> <daemon pid or "">
  local m=$1 pid=${2:-}
  if mountpoint -q "$m" 2>/dev/null; then
    umount "$m" 2>/dev/null || fusermount3 -u "$m" 2>/dev/null ||
      umount -l "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null
  fi
  if [ -n "$pid" ]; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null; sleep 0.5; kill -9 "$pid" 2>/dev/null; fi
    wait "$pid" 2>/dev/null
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local i
  for i in "${!mounts[@]}"; do unmount_one "${mounts[$i]}" "${pids[$i]:-}"; done
  stop_workers
  if [ -n "$moto_pid" ]; then
    kill -- "-$moto_pid" 2>/dev/null
    wait "$moto_pid" 2>/dev/null
  fi
  if [ $keep -eq 1 ]; then log "kept $run"; else rm -rf "$run"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers -------------------------------------------------------------------
# Appends one JSON line (raw, pre-formatted) to the results.
record() { printf '%s\n' "$1" >>"$results"; }

# cell <section> <contender> <row> <command...>: runs one driver invocation
# under the per-cell time limit and records its JSON line, or the failure.
cell() {
  local section=$1 contender=$2 row=$3
  shift 3
  local t0=$SECONDS outp rc
  outp=$(timeout -k 5 "$timeout_s" "$@" --tag section="$section" --tag contender="$contender" \
    --tag row="$row" 2>>"$run/logs/cells.err")
  rc=$?
  if [ $rc -eq 0 ] && [ -n "$outp" ]; then
    record "$outp"
    log "  $section/$contender/$row: $((SECONDS - t0))s"
  else
    local why="exit $rc"
    [ $rc -eq 124 ] && why="timeout after ${timeout_s}s"
    record "{\"section\":\"$section\",\"contender\":\"$contender\",\"row\":\"$row\",\"error\":\"$why\"}"
    log "  $section/$contender/$row: FAILED ($why; see logs)"
    tail -n 2 "$run/logs/cells.err" | sed 's/^/      /'
  fi
}

# torch_cell <section> <contender> <dataset dir> <command prefix...>
torch_cell() {
  local section=$1 contender=$2 data=$3
  shift 3
  local rep line t0=$SECONDS reps=$torch_reps
  # A second cold run would start on warm caches: cold runs once.
  [ "$section" = cold ] && reps=1
  for rep in $(seq "$reps"); do
    line=$(timeout -k 5 $((timeout_s * 2)) "$@" "$py" "$repo/examples/train.py" "$data" \
      --epochs 2 --label "$contender" 2>>"$run/logs/torch.err" | tee -a "$run/logs/torch.out" |
      sed -n 's/^RESULT //p')
    if [ -n "$line" ]; then
      record "{\"section\":\"$section\",\"contender\":\"$contender\",\"row\":\"torch\",\"rep\":$rep,\"train\":$line}"
    else
      record "{\"section\":\"$section\",\"contender\":\"$contender\",\"row\":\"torch\",\"error\":\"train.py failed\"}"
      log "  $section/$contender/torch: FAILED"; tail -n 3 "$run/logs/torch.err" | sed 's/^/      /'
      return
    fi
  done
  log "  $section/$contender/torch: $((SECONDS - t0))s ($reps x 2 epochs)"
}

wait_mounted() {  # <mount point> <pid> <log>
  for _ in $(seq 200); do
    mountpoint -q "$1" && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  log "mount of $1 failed:"; tail -n 5 "$3" | sed 's/^/      /'
  return 1
}

# mount_bg <name> <mount point> <command...>: starts a foreground FUSE daemon
# in the background; sets mount_pid.
mount_bg() {
  local name=$1 mnt=$2
  shift 2
  mkdir -p "$mnt"
  "$@" >"$run/logs/$name.log" 2>&1 &
  mount_pid=$!
  mounts+=("$mnt")
  pids+=("$mount_pid")
  wait_mounted "$mnt" "$mount_pid" "$run/logs/$name.log"
}

unmount_bg() {  # <mount point>: unmounts one of ours and forgets it
  local i
  for i in "${!mounts[@]}"; do
    if [ "${mounts[$i]}" = "$1" ]; then
      unmount_one "${mounts[$i]}" "${pids[$i]}"
      unset 'mounts[i]' 'pids[i]'
    fi
  done
}

# "<VmHWM kB> <RssAnon kB>" of a process: its peak resident memory, and the
# private (non-file, non-shared) part of what is resident now.
rss_kb() {
  awk '/^VmHWM:/ {h = $2} /^RssAnon:/ {a = $2} END {if (h != "") print h, a}' "/proc/$1/status" 2>/dev/null
}

record_rss() {  # <section> <contender> <when> "<hwm kb> <anon kb>"
  local hwm anon
  read -r hwm anon <<<"$4"
  [ -n "$hwm" ] && record "{\"section\":\"$1\",\"contender\":\"$2\",\"row\":\"rss\",\"when\":\"$3\",\"rss_hwm_kb\":$hwm,\"rss_anon_kb\":${anon:--1}}"
}

# --- data --------------------------------------------------------------------
log "run directory $run (files=$files x 128KiB, big=${big_mb}MiB, s3: files=$s3_files big=${s3_big_mb}MiB)"
data=$run/data
"$bench" gen "$data" --files "$files" --big-size "${big_mb}M" >/dev/null || die "data generation failed"
mkdir -p "$data/write"
if [ $do_torch -eq 1 ]; then
  "$py" "$repo/examples/make_dataset.py" "$data/dataset" --per-class "$ds_per_class" >/dev/null ||
    die "make_dataset.py failed (is python3-numpy installed?)"
  "$py" -c 'import torch' 2>/dev/null || { log "python3-torch missing: no training runs"; do_torch=0; }
fi
log "data ready: $(du -sh "$data" | cut -f1) on $(df --output=fstype "$data" | tail -n 1)"

# Contender roots and command prefixes.
declare -A root prefix
root[native]=$data
prefix[native]=""
root[shim]=$run/shim  # not a real directory: only the shim knows it
prefix[shim]="env ALLUXIO_WORK_DIR=$run/work-shim ALLUXIO_USER_CLIENT_CACHE_SIZE=$warm_cache ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS=$data LD_PRELOAD=$shim ALLUXIO_POSIX_PREFIXES=$run/shim=/"
daemon_pid=""  # the FUSE daemon of the contender being measured, if any

# Records the size of a contender's cache directory, then removes its work
# directory (the warm caches would otherwise pile up in tmpfs).
retire_work_dir() {  # <section> <contender> <work dir>
  if [ -d "$3/cache" ]; then
    record "{\"section\":\"bound\",\"contender\":\"$2\",\"row\":\"cache_dir\",\"cache_dir_bytes\":$(du -sb "$3/cache" | cut -f1)}"
  fi
  rm -rf "$3"
}

warm_workloads() {  # <contender>: every warm row for one contender
  local c=$1 r=${root[$1]} p
  read -r -a p <<<"${prefix[$1]}"
  cell warm "$c" stat_hot "${p[@]}" "$bench" stat "$r/small/f00000" --min-time 0.5
  cell warm "$c" stat_many "${p[@]}" "$bench" statmany "$r/small" --files "$files" --passes 5
  cell warm "$c" read128k "${p[@]}" "$bench" smallread "$r/small" --files "$files" --passes 5
  [ -n "$daemon_pid" ] && record_rss warm "$c" "after $files files x 5 passes" "$(rss_kb "$daemon_pid")"
  cell warm "$c" seq1m "${p[@]}" "$bench" seqread "$r/big" --passes 4
  cell warm "$c" rand4k "${p[@]}" "$bench" randread "$r/big" --prewarm --min-time 0.5
  if [ "$c" != fuse-ro ]; then
    cell warm "$c" write "${p[@]}" "$bench" seqwrite "$r/write/out-$c" --size "${big_mb}M"
  fi
  cell warm "$c" list "${p[@]}" "$bench" list "$r/small" --passes 5
  [ $do_torch -eq 1 ] && torch_cell warm "$c" "$r/dataset" "${p[@]}"
}

# --- warm: local UFS on tmpfs ----------------------------------------------------
log "warm section: native tmpfs"
warm_workloads native
log "warm section: LD_PRELOAD shim"
# Peak RSS of a shim process after reading a quarter of the files, then all.
cell warm shim rss_small ${prefix[shim]} "$bench" smallread "${root[shim]}/small" --files $((files / 4)) --passes 1
warm_workloads shim
retire_work_dir warm shim "$run/work-shim"

for mode in ro rw; do
  c=fuse-$mode
  opts=(-o ro,kernel_cache)
  [ $mode = rw ] && opts=()
  log "warm section: alluxio-fuse ${opts[*]:-(default options)}"
  mnt=$run/mnt/$c
  if mount_bg "$c" "$mnt" env ALLUXIO_WORK_DIR="$run/work-$c" ALLUXIO_USER_CLIENT_CACHE_SIZE="$warm_cache" \
    ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS="$data" "$fuse" mount "$mnt" "${opts[@]}" -f; then
    root[$c]=$mnt
    prefix[$c]=""
    daemon_pid=$mount_pid
    "$bench" smallread "$mnt/small" --files $((files / 4)) >/dev/null 2>&1
    record_rss warm "$c" "after $((files / 4)) files" "$(rss_kb "$daemon_pid")"
    warm_workloads "$c"
    record_rss warm "$c" "after all warm workloads" "$(rss_kb "$daemon_pid")"
    daemon_pid=""
    unmount_bg "$mnt"
  fi
  retire_work_dir warm "$c" "$run/work-$c"
done

# --- cluster: two cache workers ------------------------------------------------------
if [ $do_cluster -eq 1 ]; then
  # The issue's sizes: the big file and up to 2000 small files.
  cluster_files=$((files < 2000 ? files : 2000))
  addresses=""
  for i in 1 2; do
    wd=$run/work-worker$i
    mkdir -p "$wd"
    "$worker" --port 0 --data-port 0 --conf alluxio.work.dir="$wd" \
      --conf alluxio.master.mount.table.root.ufs="$data" \
      --conf alluxio.user.client.cache.size="$warm_cache" \
      >"$run/logs/worker$i.out" 2>"$run/logs/worker$i.err" &
    worker_pids+=($!)
    for _ in $(seq 100); do grep -q '^alluxio-worker listening on ' "$run/logs/worker$i.out" && break; sleep 0.1; done
    a=$(sed -n 's/^alluxio-worker listening on //p' "$run/logs/worker$i.out")
    [ -n "$a" ] || { log "worker $i did not start:"; tail -n 3 "$run/logs/worker$i.err"; }
    addresses+=${addresses:+,}$a
  done
  if [ ${#worker_pids[@]} -eq 2 ] && [ "$(tr -cd , <<<"$addresses")" = , ]; then
    log "cluster section: 2 workers ($addresses)"
    cluster_workloads() {  # <contender> <root> [prefix...]
      local c=$1 r=$2
      shift 2
      cell cluster "$c" read128k "$@" "$bench" smallread "$r/small" --files "$cluster_files" --passes 3
      cell cluster "$c" seq1m "$@" "$bench" seqread "$r/big" --passes 3
    }
    cluster_workloads native "$data"
    # No page cache in the client: every byte comes through a worker (whose
    # cache is empty on the first pass: cold; then warm).
    cluster_workloads workers "$run/cshim" env ALLUXIO_WORK_DIR="$run/work-cluster-shim" \
      ALLUXIO_USER_CLIENT_CACHE_ENABLED=false ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS="$data" \
      ALLUXIO_USER_WORKER_ADDRESSES="$addresses" LD_PRELOAD="$shim" ALLUXIO_POSIX_PREFIXES="$run/cshim=/"
    # The same client reading the UFS itself, also without a page cache.
    cluster_workloads direct "$run/dshim" env ALLUXIO_WORK_DIR="$run/work-cluster-direct" \
      ALLUXIO_USER_CLIENT_CACHE_ENABLED=false ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS="$data" \
      LD_PRELOAD="$shim" ALLUXIO_POSIX_PREFIXES="$run/dshim=/"
  else
    log "cluster section: the workers did not start (see $run/logs/worker*.err): skipped"
    record "{\"section\":\"cluster\",\"contender\":\"workers\",\"row\":\"seq1m\",\"error\":\"workers did not start\"}"
  fi
  stop_workers
  rm -rf "$run"/work-worker* "$run"/work-cluster-*
fi

# --- cold: S3 API on loopback ------------------------------------------------------
moto_exe=$(command -v moto_server || true)
[ -z "$moto_exe" ] && [ -x /root/.pyenv/shims/moto_server ] && moto_exe=/root/.pyenv/shims/moto_server
if [ $do_s3 -eq 1 ] && { [ -z "$moto_exe" ] || ! command -v curl >/dev/null; }; then
  log "no moto_server or curl: skipping the S3 section"
  do_s3=0
fi

if [ $do_s3 -eq 1 ]; then
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  endpoint=http://127.0.0.1:$port
  log "cold section: moto_server on $endpoint"
  setsid "$moto_exe" -H 127.0.0.1 -p "$port" >"$run/logs/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "$endpoint/" && break; sleep 0.1; done
  curl -sf -X PUT "$endpoint/bench" -o /dev/null || die "moto_server did not start (see $run/logs/moto.log)"

  # The S3 data: hard links into a staging tree, uploaded with one PUT each
  # (moto accepts unsigned requests; curl runs them in parallel).
  src=$run/s3src
  mkdir -p "$src/small"
  for ((i = 0; i < s3_files; i++)); do
    printf -v n 'f%05d' "$i"
    ln "$data/small/$n" "$src/small/$n"
  done
  "$bench" gen "$src" --big-size "${s3_big_mb}M" >/dev/null
  if [ $do_torch -eq 1 ] && [ "$s3_ds_per_class" -gt 0 ]; then
    "$py" "$repo/examples/make_dataset.py" "$src/dataset" --per-class "$s3_ds_per_class" >/dev/null
  fi
  (cd "$src" && find . -type f | sed 's|^\./||' | while read -r key; do
    printf 'url = "%s/bench/%s"\nupload-file = "%s/%s"\noutput = "/dev/null"\n' "$endpoint" "$key" "$src" "$key"
  done) >"$run/upload.curl"
  t0=$SECONDS
  curl -sS -f --parallel --parallel-max 8 -K "$run/upload.curl" >"$run/logs/upload.log" 2>&1 ||
    die "upload to moto failed (see $run/logs/upload.log)"
  log "uploaded $(grep -c '^url' "$run/upload.curl") objects ($(du -sh "$src" | cut -f1)) in $((SECONDS - t0))s"
  # Warm the server up before the first contender: moto initializes each
  # request type on its first use, and is still busy after the upload;
  # whoever ran first would pay for both. A warm-up object, not the data.
  signed=(--aws-sigv4 "aws:amz:us-east-1:s3" --user bench:benchsecret)
  printf 'warm-up' | curl -sf "${signed[@]}" -T - "$endpoint/bench/warmup/object" -o /dev/null ||
    die "warm-up upload to moto failed"
  for _ in $(seq 30); do
    curl -sf "${signed[@]}" "$endpoint/bench/warmup/object" -o /dev/null
    curl -sf "${signed[@]}" -r 0-3 "$endpoint/bench/warmup/object" -o /dev/null
    curl -sf "${signed[@]}" -I "$endpoint/bench/warmup/object" -o /dev/null
    curl -sf "${signed[@]}" "$endpoint/bench?list-type=2&prefix=warmup/&delimiter=/" -o /dev/null
  done
  sleep 2

  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret
  s3env="ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS=s3://bench ALLUXIO_UNDERFS_S3_ENDPOINT=$endpoint"

  cold_workloads() {  # <contender> <root> [prefix...]
    local c=$1 r=$2
    shift 2
    cell cold "$c" s3_read128k "$@" "$bench" smallread "$r/small" --files "$s3_files" --passes 2
    cell cold "$c" s3_seq1m "$@" "$bench" seqread "$r/big" --passes 2
    if [ $do_torch -eq 1 ] && [ "$s3_ds_per_class" -gt 0 ]; then
      torch_cell cold "$c" "$r/dataset" "$@"
    fi
  }

  # Native tmpfs on the same files, for reference.
  log "cold section: native tmpfs (reference)"
  cold_workloads native "$src"

  log "cold section: LD_PRELOAD shim over s3://"
  # shellcheck disable=SC2086
  cold_workloads shim "$run/s3shim" env ALLUXIO_WORK_DIR="$run/work-s3-shim" $s3env \
    LD_PRELOAD="$shim" ALLUXIO_POSIX_PREFIXES="$run/s3shim=/"

  log "cold section: alluxio-fuse -o ro over s3://"
  mnt=$run/mnt/s3-fuse
  # shellcheck disable=SC2086
  if mount_bg s3-fuse "$mnt" env ALLUXIO_WORK_DIR="$run/work-s3-fuse" $s3env "$fuse" mount "$mnt" \
    -o ro,kernel_cache -f; then
    pid=$mount_pid
    cold_workloads fuse-ro "$mnt"
    record_rss cold fuse-ro "after all cold workloads" "$(rss_kb "$pid")"
    unmount_bg "$mnt"
  fi

  if command -v s3fs >/dev/null; then
    log "cold section: s3fs $(s3fs --version 2>/dev/null | sed -n 's/.*V\([0-9.]*\).*/\1/p;q')"
    echo "bench:benchsecret" >"$run/s3fs.passwd"
    chmod 600 "$run/s3fs.passwd"
    mnt=$run/mnt/s3fs
    if mount_bg s3fs "$mnt" s3fs bench "$mnt" -f \
      -o "url=$endpoint,use_path_request_style,passwd_file=$run/s3fs.passwd,ro"; then
      pid=$mount_pid
      cold_workloads s3fs "$mnt"
      record_rss cold s3fs "after all cold workloads" "$(rss_kb "$pid")"
      unmount_bg "$mnt"
    fi
  else
    log "s3fs not installed: skipped"
  fi

  if command -v rclone >/dev/null; then
    log "cold section: rclone mount $(rclone version 2>/dev/null | sed -n '1s/^rclone //p')"
    : >"$run/rclone.conf"
    mnt=$run/mnt/rclone
    # AWS_CA_BUNDLE (set on some machines) makes rclone's SDK fail on plain http.
    if mount_bg rclone "$mnt" env -u AWS_CA_BUNDLE rclone mount :s3:bench "$mnt" \
      --config "$run/rclone.conf" --s3-provider Other --s3-endpoint "$endpoint" \
      --s3-access-key-id bench --s3-secret-access-key benchsecret --read-only; then
      pid=$mount_pid
      cold_workloads rclone "$mnt"
      record_rss cold rclone "after all cold workloads" "$(rss_kb "$pid")"
      unmount_bg "$mnt"
    fi
  else
    log "rclone not installed: skipped"
  fi

  # Bounded memory: a cache much smaller than the data read through it.
  log "bound check: shim with alluxio.user.client.cache.size=$bound_cache"
  bw=$run/work-bound
  # shellcheck disable=SC2086
  cell bound shim s3_seq1m env ALLUXIO_WORK_DIR="$bw" ALLUXIO_USER_CLIENT_CACHE_SIZE="$bound_cache" \
    $s3env LD_PRELOAD="$shim" ALLUXIO_POSIX_PREFIXES="$run/s3shim=/" \
    "$bench" seqread "$run/s3shim/big" --passes 2
  cache_bytes=-1  # no cache directory at all
  [ -d "$bw/cache" ] && cache_bytes=$(du -sb "$bw/cache" | cut -f1)
  record "{\"section\":\"bound\",\"contender\":\"shim\",\"row\":\"cache_size\",\"configured\":\"$bound_cache\",\"cache_dir_bytes\":$cache_bytes,\"read_bytes\":$((s3_big_mb * 2 * 1048576))}"
fi

# The S3 contenders' cache directories, against the default size (1GB).
for w in "$run"/work-s3-*; do
  [ -d "$w" ] && retire_work_dir bound "$(basename "$w" | sed 's/^work-//')" "$w"
done

# --- report ----------------------------------------------------------------------
meta=$run/meta.json
cat >"$meta" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "commit": "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)",
 "dirty": $(if [ -n "$(git -C "$repo" status --porcelain -- client preload fuse 2>/dev/null)" ]; then echo true; else echo false; fi),
 "quick": $([ $quick -eq 1 ] && echo true || echo false), "files": $files, "big_mb": $big_mb,
 "s3_files": $s3_files, "s3_big_mb": $s3_big_mb, "cluster_files": ${cluster_files:-0}, "dataset_files": $((ds_per_class * 10)),
 "s3_dataset_files": $((s3_ds_per_class * 10)), "torch_reps": $torch_reps, "timeout_s": $timeout_s,
 "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)", "cores": $(nproc),
 "kernel": "$(uname -r)", "tmpfs": "$base",
 "cache_memory": "$(ALLUXIO_WORK_DIR=$run/work-conf "$cli" getConf alluxio.user.client.cache.memory.size 2>/dev/null)",
 "warm_cache": "$warm_cache",
 "cache_size": "$(ALLUXIO_WORK_DIR=$run/work-conf "$cli" getConf alluxio.user.client.cache.size 2>/dev/null)",
 "s3fs": "$(s3fs --version 2>/dev/null | sed -n 's/.*V\([0-9.]*\).*/\1/p;q')",
 "rclone": "$(rclone version 2>/dev/null | sed -n '1s/^rclone //p')"}
EOF
mkdir -p "$(dirname "$out")"
cp "$results" "$out.jsonl"
cp "$meta" "$out.meta.json"
"$py" "$here/report.py" "$out.jsonl" "$out.meta.json" "$out" || die "report.py failed"
log "wrote $out.md, $out.png, $out.jsonl"
cat "$out.md"
