#!/usr/bin/env bash
# Real programs under the shim: each case is a bash function run twice, in
# a fresh temporary directory: natively on a local directory, and under
# liballuxio_posix.so on a served prefix whose root UFS is another local
# directory. The outputs (with the root replaced by ROOT) and the resulting
# trees must be identical.
#
# usage: programs_test.sh /path/to/liballuxio_posix.so CASE
# Exit 77 (skipped) when a program the case needs is not installed; exit 1
# instead when ALLUXIO_TEST_REQUIRE lists "programs" (tests/testing/require.sh).
set -euo pipefail
# shellcheck source=../testing/require.sh
. "$(dirname "${BASH_SOURCE[0]}")/../testing/require.sh"

SHIM=$1
CASE=$2
PY=/usr/bin/python3  # Debian's python (numpy and torch come from Debian packages)

T=$(mktemp -d "${TMPDIR:-/tmp}/alluxio-preload-prog.XXXXXX")
chmod 755 "$T"
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/local" "$T/ufs" "$T/work" "$T/home" "$T/conf" "$T/scratch"
SERVED=$T/served

native() { env HOME="$T/home" SCRATCH="$T/scratch" "$@"; }
served() {
  env LD_PRELOAD="$SHIM" ALLUXIO_POSIX_PREFIXES="$SERVED" ALLUXIO_WORK_DIR="$T/work" \
    ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS="$T/ufs" ALLUXIO_CONF_DIR="$T/conf" HOME="$T/home" \
    ALLUXIO_USER_FUSE_RANDOM_ACCESS_FILE_STREAM_ENABLED=true SCRATCH="$T/scratch" "$@"
}

need() {
  for p in "$@"; do
    if ! command -v "$p" > /dev/null 2>&1; then
      skip_or_fail programs "$p is not installed (ci/install-deps.sh installs it)"
    fi
  done
}

need_py_module() {
  if ! "$PY" -c "import $1" > /dev/null 2>&1; then
    skip_or_fail programs "$PY cannot import $1 (Debian package python3-$1)"
  fi
}

# One line per entry below $1: type, permission bits, size of files, path;
# then the content hashes of the files.
tree_of() {
  (cd "$1" && find . -mindepth 1 \( -type f -printf '%y %m %s %P\n' \) -o -printf '%y %m - %P\n' |
    LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum)
}

# run_both FUNCTION: the comparison described above.
run_both() {
  local fn=$1 body
  body="$(declare -f "$fn" make_tree); PY=$PY; set -euo pipefail; cd /; $fn \"\$1\""
  if ! native bash -c "$body" bash "$T/local" > "$T/native.out" 2>&1; then
    echo "FAIL: $fn failed natively:"
    cat "$T/native.out"
    exit 1
  fi
  if ! served bash -c "$body" bash "$SERVED" > "$T/served.out" 2>&1; then
    echo "FAIL: $fn failed under the shim:"
    cat "$T/served.out"
    exit 1
  fi
  sed "s#$T/local#ROOT#g; s#$T/scratch#SCRATCH#g" "$T/native.out" > "$T/native.norm"
  sed "s#$SERVED#ROOT#g; s#$T/scratch#SCRATCH#g" "$T/served.out" > "$T/served.norm"
  if ! diff -u "$T/native.norm" "$T/served.norm"; then
    echo "FAIL: $fn: output differs (- native, + served)"
    exit 1
  fi
  tree_of "$T/local" > "$T/native.tree"
  tree_of "$T/ufs" > "$T/served.tree"
  if ! diff -u "$T/native.tree" "$T/served.tree"; then
    echo "FAIL: $fn: trees differ (- native, + UFS)"
    exit 1
  fi
  echo "ok: $fn ($(wc -l < "$T/native.out") lines of output compared)"
}

# A nested tree with fixed times, for the archivers and copiers.
make_tree() {
  local r=$1
  mkdir -p "$r/tree/a/b/c" "$r/tree/empty" "$r/tree/sp ace"
  echo hello > "$r/tree/top.txt"
  seq 1 20000 > "$r/tree/a/nums"
  printf 'binary\0data\n' > "$r/tree/a/b/bin"
  echo deep > "$r/tree/a/b/c/deep.txt"
  echo "with space" > "$r/tree/sp ace/f g.txt"
  chmod 600 "$r/tree/a/b/bin"
  chmod 700 "$r/tree/a/b/c"
  # Times set by path (utimensat), children before their directories.
  "$PY" - "$r/tree" << 'PYEOF'
import os, sys
for root, dirs, files in os.walk(sys.argv[1], topdown=False):
    for n in files + dirs:
        os.utime(os.path.join(root, n), (1622548800, 1622548800))
os.utime(sys.argv[1], (1622548800, 1622548800))
os.utime(os.path.join(sys.argv[1], "a", "nums"), (1640995200, 1640995200))
PYEOF
}

case_coreutils() {
  local r=$1
  mkdir -p "$r/a/b/c"
  echo hello > "$r/a/f1"
  seq 1 1000 > "$r/a/b/c/nums"
  printf 'x%.0s' $(seq 1 5000) > "$r/a/b/f2"
  ls "$r/a"
  ls -l "$r/a" | awk '/^total/ {next} /^d/ {print $1, $9; next} {print $1, $5, $9}'
  ls -la "$r/a/b" | awk '/^total/ {next} {print $NF}'
  cat "$r/a/f1"
  cp "$r/a/f1" "$r/a/f1.copy"
  cp -r "$r/a/b" "$r/a/b2"
  mv "$r/a/f1.copy" "$r/a/f1.moved"
  mv "$r/a/b2/c" "$r/a/c2"
  find "$r/a" | LC_ALL=C sort
  find "$r/a" -type f -name 'f*' | LC_ALL=C sort
  find "$r/a" -type d -empty | LC_ALL=C sort
  du -a -b "$r/a" | while read -r s p; do if [ -f "$p" ]; then echo "$s $p"; fi; done | LC_ALL=C sort -k2
  stat -c '%n %s %F %a' "$r/a/f1"
  stat -c '%n %F %a' "$r/a/b"
  head -c 100 "$r/a/b/f2" | wc -c
  head -n 3 "$r/a/b/c/nums"
  tail -n 3 "$r/a/b/c/nums"
  tail -c 10 "$r/a/b/c/nums"
  wc "$r/a/b/c/nums"
  md5sum "$r/a/b/c/nums" "$r/a/f1"
  touch "$r/a/new"
  touch -d '2020-01-02 03:04:05' "$r/a/f1"
  stat -c '%n %s %Y' "$r/a/f1" "$r/a/new" | cut -d' ' -f1,2
  stat -c '%Y' "$r/a/f1"
  mkdir -p "$r/a/p/q/r"
  mkdir -p "$r/a/p/q"
  rm -r "$r/a/b2"
  rm "$r/a/f1.moved"
  rmdir "$r/a/p/q/r"
  ls "$r/a"
  cd "$r/a" && ls && cat f1 && pwd && ls b/c && cd b && pwd && cat ../f1
  cd /
  bash -c 'cat <&3' 3< "$r/a/f1"
  sort -r "$r/a/b/c/nums" | head -2
  sort -n -r "$r/a/b/c/nums" -o "$r/a/sorted"
  head -1 "$r/a/sorted"
  echo appended >> "$r/a/f1"
  cat "$r/a/f1"
  tee "$r/a/teed" < "$r/a/f1" > /dev/null
  cmp "$r/a/f1" "$r/a/teed" && echo same
  dd if="$r/a/b/c/nums" of="$r/a/dd" bs=1000 count=2 status=none
  wc -c < "$r/a/dd"
  truncate -s 5 "$r/a/dd"
  cat "$r/a/dd"
  echo
  ln -s f1 "$r/a/link" 2> /dev/null || echo "symlink refused (expected only under the shim)" > /dev/null
  rm -f "$r/a/link"
}

case_shell() {
  local r=$1
  mkdir -p "$r/d/sub"
  echo one > "$r/d/f"
  echo two > "$r/d/sub/g"
  cd "$r/d"
  pwd
  echo *
  echo sub/*
  for f in *; do echo "item $f"; done
  [ -d sub ] && echo "sub is a dir"
  [ -f f ] && echo "f is a file"
  [ -e missing ] || echo "missing is missing"
  while read -r line; do echo "read: $line"; done < f
  echo written > out
  echo more >> out
  cat out
  exec 4< sub/g
  read -r x <&4
  echo "fd 4: $x"
  exec 4<&-
  cd sub && cat g && cd .. && pwd
  (cd sub && pwd)
  cd /
  bash -c "cd $r/d && cat f && ls"
}

# Descriptors of files being written, handed to other programs the way
# shells and Python do (redirections, inherited fds, subprocess).
case_descriptors() {
  local r=$1
  mkdir -p "$r/d"
  seq 1 200000 > "$r/d/big"
  cat /etc/hostname > "$r/d/host"
  cat "$r/d/host"
  cat "$r/d/big" > "$r/d/c"
  cmp "$r/d/big" "$r/d/c" && echo "c is complete"
  cat < "$r/d/big" > "$r/d/f2"
  cmp "$r/d/big" "$r/d/f2" && echo "f2 is complete"
  tar cf - --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" d > "$r/d.tar"
  tar tf "$r/d.tar"
  exec 7< "$r/d/big"
  head -n1 <&7
  head -n1 <&7
  exec 7<&-
  exec 3> "$r/d/exec3"
  echo one >&3
  /bin/true
  echo two >&3
  exec 3>&-
  cat "$r/d/exec3"
  { echo first; /bin/echo second; sh -c 'echo third'; } > "$r/d/group"
  cat "$r/d/group"
  "$PY" - "$r/d" << 'EOF'
import os, subprocess, sys
d = sys.argv[1]
fd = os.open(f"{d}/py", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"a" * (1 << 20))
subprocess.run(["true"], check=True)
os.write(fd, b"b" * (1 << 20))
os.close(fd)
print(os.stat(f"{d}/py").st_size)
with open(f"{d}/log", "w") as f:
    f.write("before\n")
    f.flush()
    subprocess.run(["sh", "-c", "echo from child"], stdout=f, check=True)
    f.write("after\n")
print(open(f"{d}/log").read(), end="")
EOF
  "$PY" - "$r/d" << 'EOF'
import numpy as np, sys
m = np.memmap(f"{sys.argv[1]}/mm", dtype="int32", mode="w+", shape=(1000,))
m[:] = np.arange(1000)
m.flush()
del m
print(int(np.fromfile(f"{sys.argv[1]}/mm", dtype="int32").sum()))
EOF
  sqlite3 "$r/d/wal.db" 'PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);'
  sqlite3 "$r/d/wal.db" 'SELECT sum(x) FROM t;'
  ls "$r/d"
}

case_python() {
  local r=$1
  "$PY" - "$r" << 'EOF'
import os, pathlib, shutil, sys, tempfile
r = sys.argv[1]
os.makedirs(f"{r}/p/q/s", exist_ok=True)
with open(f"{r}/p/a.txt", "w") as f:
    f.write("alpha\n" * 100)
with open(f"{r}/p/q/b.bin", "wb") as f:
    f.write(bytes(range(256)) * 300)
with open(f"{r}/p/q/s/c.txt", "w") as f:
    print("gamma", file=f)
with open(f"{r}/p/a.txt") as f:
    print(len(f.read()), f.tell())
with open(f"{r}/p/q/b.bin", "rb") as f:
    f.seek(1000)
    print(f.read(4), f.tell())
with open(f"{r}/p/a.txt", "a") as f:
    f.write("appended\n")
with open(f"{r}/p/a.txt", "r+b") as f:
    f.seek(2)
    f.write(b"PH")
st = os.stat(f"{r}/p/a.txt")
print(st.st_size, oct(st.st_mode), os.path.isdir(f"{r}/p/q"), os.path.isfile(f"{r}/p/q"))
print(sorted((e.name, e.is_dir(), e.is_file()) for e in os.scandir(f"{r}/p")))
for root, dirs, files in sorted(os.walk(f"{r}/p")):
    print(root.replace(r, "ROOT"), sorted(dirs), sorted(files))
p = pathlib.Path(r) / "p"
print(sorted(str(x.relative_to(p)) for x in p.rglob("*")))
print(sorted(x.name for x in p.glob("*.txt")))
(p / "new.txt").write_text("pathlib\n")
print((p / "new.txt").read_text(), (p / "new.txt").exists(), (p / "nope").exists())
shutil.copytree(f"{r}/p", f"{r}/copy")
print(sorted(os.listdir(f"{r}/copy/q")))
shutil.copy2(f"{r}/p/a.txt", f"{r}/copy/a2.txt")
print(open(f"{r}/copy/a2.txt").read() == open(f"{r}/p/a.txt").read())
shutil.rmtree(f"{r}/copy/q")
os.rename(f"{r}/copy/a2.txt", f"{r}/copy/a3.txt")
os.remove(f"{r}/copy/a.txt")
print(sorted(os.listdir(f"{r}/copy")))
with tempfile.NamedTemporaryFile(dir=f"{r}/p", delete=True) as t:
    t.write(b"temp")
    t.flush()
    print(os.path.getsize(t.name))
try:
    open(f"{r}/missing")
except FileNotFoundError as e:
    print("FileNotFoundError", e.errno)
try:
    os.rmdir(f"{r}/p")
except OSError as e:
    print("rmdir", e.errno)
os.chdir(f"{r}/p")
print(os.getcwd().replace(r, "ROOT"), sorted(os.listdir(".")))
print(os.path.realpath("q/../a.txt").replace(r, "ROOT"))
EOF
}

case_archives() {
  local r=$1
  make_tree "$r"
  tar -C "$r" -cf "$r/t.tar" tree
  tar -tf "$r/t.tar" | LC_ALL=C sort
  mkdir "$r/x"
  tar -C "$r/x" -xf "$r/t.tar"
  tar -C "$r" -czf "$r/t.tgz" tree
  mkdir "$r/z"
  tar -C "$r/z" -xzf "$r/t.tgz"
  diff -r "$r/tree" "$r/x/tree" && echo "tar round trip equal"
  diff -r "$r/tree" "$r/z/tree" && echo "tgz round trip equal"
  rm "$r/t.tar" "$r/t.tgz"
  cp -a "$r/tree" "$r/copy"
  find "$r/copy" -printf '%y %m %TY-%Tm-%Td %TH:%TM %P\n' | LC_ALL=C sort
  touch -d '2021-12-01 00:00:00' "$r/ref"
  find "$r/tree" -newer "$r/ref" | LC_ALL=C sort
  find "$r/tree" ! -newer "$r/ref" -type f | LC_ALL=C sort
  rm "$r/ref"
}

case_rsync() {
  local r=$1
  make_tree "$r"
  # Known to fail under the shim (docs/SEMANTICS.md); not in the CTest list.
  rsync -a "$r/tree/" "$r/rs/"
  echo changed > "$r/tree/top.txt"
  touch -d '2023-01-01 00:00:00' "$r/tree/top.txt"
  # Directories are left out: a commit on a served prefix renames the new
  # content into place, which updates the directory's time (SEMANTICS.md).
  rsync -a --itemize-changes "$r/tree/" "$r/rs/" | grep -v '/$' | LC_ALL=C sort
  rsync -a --delete "$r/tree/a/" "$r/rs2/"
  diff -r "$r/tree" "$r/rs" && echo "rsync equal"
}

case_sqlite() {
  local r=$1
  mkdir "$r/db"
  sqlite3 "$r/db/test.db" "create table t(a integer, b text);"
  sqlite3 "$r/db/test.db" "begin; insert into t values(1,'one'); insert into t values(2,'two');
    insert into t select a+2, b||'!' from t; commit;"
  sqlite3 "$r/db/test.db" "begin; update t set b='TWO' where a=2; rollback;"
  sqlite3 "$r/db/test.db" "begin; delete from t where a=1; commit;"
  sqlite3 "$r/db/test.db" "select * from t order by a; pragma integrity_check;"
  sqlite3 "$r/db/test.db" "create index ti on t(b); vacuum; select count(*) from t;"
  ls "$r/db"
}

case_git() {
  local r=$1
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t
  export GIT_COMMITTER_EMAIL=t@example.com GIT_AUTHOR_DATE='2020-01-01T00:00:00Z'
  export GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' GIT_CONFIG_NOSYSTEM=1
  mkdir "$r/repo"
  cd "$r/repo"
  git init -q -b main .
  echo hello > a.txt
  mkdir sub
  echo world > sub/b.txt
  git add .
  git commit -q -m first
  echo again >> a.txt
  git commit -q -am second
  git log --format='%H %s'
  git status --porcelain
  git cat-file -p HEAD^{tree}
  git fsck --no-progress 2>&1 | grep -v '^Checking' || true
  cd /
  git clone -q "$r/repo" "$r/clone"
  cat "$r/clone/a.txt"
  # The object store differs (packing, hooks samples): compare the work tree.
  rm -rf "$r/repo/.git" "$r/clone/.git"
}

case_fio() {
  local r=$1
  mkdir "$r/fio"
  local common="--directory=$r/fio --ioengine=psync --size=8m --verify=crc32c --do_verify=1"
  common="$common --verify_fatal=1 --group_reporting --minimal --fallocate=none"
  fio --name=seqw --rw=write --bs=64k $common > /dev/null
  fio --name=seqw --rw=read --bs=64k $common --verify_only > /dev/null
  fio --name=randw --rw=randwrite --bs=4k --randseed=7 $common > /dev/null
  fio --name=randw --rw=randread --bs=4k --randseed=7 $common --verify_only > /dev/null
  echo "fio verified"
  ls "$r/fio"
  rm -r "$r/fio"
}

case_multiprocessing() {
  local r=$1
  "$PY" - "$r" << 'EOF'
import hashlib, multiprocessing as mp, os, sys
r = sys.argv[1]
os.makedirs(f"{r}/mp", exist_ok=True)
for i in range(8):
    with open(f"{r}/mp/{i}.bin", "wb") as f:
        f.write(bytes([i]) * (50000 + 1000 * i) + os.urandom(0) + str(i).encode() * 300)
# Opened by the parent, read by the forked workers.
files = [open(f"{r}/mp/{i}.bin", "rb") for i in range(8)]
fds = [os.open(f"{r}/mp/{i}.bin", os.O_RDONLY) for i in range(8)]

def work(i):
    files[i].seek(0)
    a = hashlib.md5(files[i].read()).hexdigest()
    size = os.fstat(fds[i]).st_size
    b = hashlib.md5(os.pread(fds[i], size, 0)).hexdigest()
    with open(f"{r}/mp/{i}.bin", "rb") as f:
        c = hashlib.md5(f.read()).hexdigest()
    with open(f"{r}/mp/out{i}.txt", "w") as f:
        f.write(a)
    return i, a == b == c, a

with mp.get_context("fork").Pool(3) as pool:
    for res in sorted(pool.map(work, range(8))):
        print(*res)
print(sorted(os.listdir(f"{r}/mp")))
EOF
}

case_zipfile() {
  local r=$1
  "$PY" - "$r" << 'EOF'
import os, sys, zipfile
r = sys.argv[1]
os.makedirs(f"{r}/z/src", exist_ok=True)
for i in range(5):
    with open(f"{r}/z/src/f{i}.txt", "w") as f:
        f.write(f"file {i}\n" * (i * 1000 + 1))
with zipfile.ZipFile(f"{r}/z/a.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(5):
        z.write(f"{r}/z/src/f{i}.txt", f"f{i}.txt")
    z.writestr("inline.txt", "inline\n")
with zipfile.ZipFile(f"{r}/z/a.zip", "a") as z:
    z.writestr("appended.txt", "appended\n")
with zipfile.ZipFile(f"{r}/z/a.zip") as z:
    print(z.testzip(), sorted(z.namelist()))
    print(z.read("f3.txt")[:20], len(z.read("f4.txt")))
    z.extractall(f"{r}/z/out")
print(sorted(os.listdir(f"{r}/z/out")))
os.remove(f"{r}/z/a.zip")
EOF
}

case_numpy() {
  local r=$1
  "$PY" - "$r" << 'EOF'
import os, sys, mmap
import numpy as np
r = sys.argv[1]
os.makedirs(f"{r}/np", exist_ok=True)
a = np.arange(300000, dtype=np.float64).reshape(1000, 300)
np.save(f"{r}/np/a.npy", a)
m = np.load(f"{r}/np/a.npy", mmap_mode="r")
print(m.shape, m.dtype, float(m[123, 45]), float(m.sum()), bool((m == a).all()))
np.savez_compressed(f"{r}/np/b.npz", x=a[:10], y=np.ones(5))
with np.load(f"{r}/np/b.npz") as z:
    print(sorted(z.files), float(z["x"].sum()), float(z["y"].sum()))
with open(f"{r}/np/a.npy", "rb") as f:
    mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    print(mm[:6], len(mm))
    mm.close()
a.tofile(f"{r}/np/raw")
print(float(np.fromfile(f"{r}/np/raw").sum()))
mp = np.memmap(f"{r}/np/raw", dtype=np.float64, mode="r", shape=(1000, 300))
print(float(mp[999, 299]))
del m, mp
EOF
}

case_torch() {
  local r=$1
  "$PY" - "$r" << 'EOF'
import os, sys
import torch
r = sys.argv[1]
os.makedirs(f"{r}/t", exist_ok=True)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(10, 20), torch.nn.ReLU(), torch.nn.Linear(20, 2))
state = model.state_dict()
torch.save(state, f"{r}/t/model.pt")
back = torch.load(f"{r}/t/model.pt")
print(sorted(back.keys()), all(torch.equal(state[k], back[k]) for k in state))
torch.save({"x": torch.arange(100000)}, f"{r}/t/big.pt")
print(int(torch.load(f"{r}/t/big.pt")["x"].sum()))
with open(f"{r}/t/buf.pt", "wb") as f:
    torch.save([1, 2, 3], f)
with open(f"{r}/t/buf.pt", "rb") as f:
    print(torch.load(f))
os.remove(f"{r}/t/model.pt")
os.remove(f"{r}/t/big.pt")
os.remove(f"{r}/t/buf.pt")
EOF
}

# No kernel crossing for served data: a read loop under strace shows no
# read/pread64 on the served descriptor (its placeholder is /dev/null) or
# on the served path; only the client's reads of the UFS file.
no_kernel_crossing() {
  need strace
  mkdir -p "$T/ufs/data"
  head -c 3000000 /dev/urandom > "$T/ufs/data/blob"
  local want
  want=$(md5sum < "$T/ufs/data/blob")
  cat > "$T/reader.py" << 'EOF'
import hashlib, os, sys
h = hashlib.md5()
with open(sys.argv[1], "rb", buffering=0) as f:
    while True:
        b = f.read(65536)
        if not b:
            break
        h.update(b)
fd = os.open(sys.argv[1], os.O_RDONLY)
for off in range(0, 3000000, 100000):
    os.pread(fd, 4096, off)
os.close(fd)
print(h.hexdigest() + "  -")
EOF
  served strace -f -qq -y -e trace=read,pread64,readv,preadv,preadv2 -o "$T/trace" \
    "$PY" "$T/reader.py" "$SERVED/data/blob" > "$T/got"
  if [ "$(cat "$T/got")" != "$want" ]; then
    echo "FAIL: served read returned other data"
    exit 1
  fi
  if grep -E "</dev/null>|$SERVED" "$T/trace" > "$T/bad"; then
    echo "FAIL: the kernel saw reads of the served file:"
    head "$T/bad"
    exit 1
  fi
  local ufs_reads
  ufs_reads=$(grep -c "$T/ufs/data/blob" "$T/trace" || true)
  echo "ok: no read syscall on the served descriptor ($ufs_reads reads of the UFS file by the client)"
}

# The shim's configuration: a prefix of / or a duplicate prefix is an error
# said once, and the program runs unserved; warnings (unknown keys, Alluxio
# keys this product does not use) never reach a served program's stderr.
shim_config() {
  local out err
  mkdir -p "$T/ufs/d"
  echo data > "$T/ufs/d/f"
  err=$(served env ALLUXIO_POSIX_PREFIXES=/ ls / 2>&1 > /dev/null || true)
  if ! grep -q "the root cannot be a prefix" <<<"$err"; then
    echo "FAIL: a prefix of / was not refused: $err"
    exit 1
  fi
  out=$(served env ALLUXIO_POSIX_PREFIXES="$SERVED:$SERVED" cat "$SERVED/d/f" 2>&1 || true)
  if ! grep -q "listed twice" <<<"$out"; then
    echo "FAIL: a duplicate prefix was not refused: $out"
    exit 1
  fi
  out=$(served env ALLUXIO_USER_FILE_WRITETYPE_DEFAULT=CACHE_THROUGH ALLUXIO_USER_NO_SUCH=1 \
    cat "$SERVED/d/f" 2> "$T/stderr")
  if [ "$out" != data ] || [ -s "$T/stderr" ]; then
    echo "FAIL: served cat printed '$out' and on stderr: $(cat "$T/stderr")"
    exit 1
  fi
  echo "ok: bad prefixes refused, warnings kept off served programs' stderr"
}

case "$CASE" in
  coreutils) run_both case_coreutils ;;
  shell) run_both case_shell ;;
  python) run_both case_python ;;
  descriptors) need sqlite3; need_py_module numpy; run_both case_descriptors ;;
  archives) need tar gzip; run_both case_archives ;;
  rsync) need rsync; run_both case_rsync ;;
  sqlite) need sqlite3; run_both case_sqlite ;;
  git) need git; run_both case_git ;;
  fio) need fio; run_both case_fio ;;
  multiprocessing) run_both case_multiprocessing ;;
  zipfile) run_both case_zipfile ;;
  numpy) need_py_module numpy; run_both case_numpy ;;
  torch) need_py_module torch; run_both case_torch ;;
  strace) no_kernel_crossing ;;
  config) shim_config ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
