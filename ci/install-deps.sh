#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests, the benchmarks and
# the demo use; from PyPI moto_server (the S3 API server the S3 tests start
# on loopback) and alluxiofs (Alluxio's Python client, which
# tests/worker/alluxiofs_test.sh runs against alluxio-worker); and Alluxio's
# own 313 Java client jars from Maven Central into ~/.cache
# (ci/alluxio-java.sh; tests/cluster runs it against our worker). Runs
# apt-get, pip and mvn only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libfuse3-dev fuse3
  libboost-context-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  robin-map-dev
  libgtest-dev libgmock-dev
  libcurl4-openssl-dev libssl-dev libpugixml-dev
  clang-format clang-tidy
  python3 strace busybox-static fio coreutils tar findutils
  gzip rsync sqlite3 python3-numpy python3-torch
  etcd-server
  default-jdk-headless maven
)
if [ -n "${ALLUXIO_EXTRA_PACKAGES:-}" ]; then
  # shellcheck disable=SC2206
  PACKAGES+=(${ALLUXIO_EXTRA_PACKAGES})
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  echo "install-deps: installing $*"
  if [ $apt_updated -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

# cargo, for the third-party suites ci/third-party.sh builds from crates.io
# (fsx 0.3.2 needs rustc >= 1.82, pjdfstest 0.2.2 >= 1.85). A cargo that is
# already there (rustup's, in ~/.cargo/bin too) is used as it is. Debian
# 12's `cargo` package brings rustc 1.63, too old for both; its `cargo-web`
# package (rustc 1.85 in bookworm, newer in bookworm-security) is new
# enough, and provides /usr/bin/cargo.
if ! command -v cargo > /dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
  PACKAGES+=(cargo-web)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  apt_install "${missing[@]}"
  if [[ " ${missing[*]} " == *" cargo-web "* ]]; then
    have=$(rustc --version | awk '{print $2}')
    if [ "$(printf '%s\n%s\n' "$have" 1.85.0 | sort -V | head -n1)" != 1.85.0 ]; then
      echo "install-deps: Debian's rustc $have is older than 1.85: ci/third-party.sh cannot" \
        "build fsx (1.82) or pjdfstest (1.85); install a newer toolchain (rustup)" >&2
    fi
  fi
fi

# moto_server, found where the tests look (tests/s3/moto_server.cc): the
# first on PATH, else pyenv's shim. Working means it starts (a pyenv shim
# exists as soon as any pyenv Python has moto, even when the active one has
# not).
moto_server_works() {
  local exe
  exe=$(command -v moto_server || true)
  [ -n "$exe" ] || exe=/root/.pyenv/shims/moto_server
  [ -x "$exe" ] && "$exe" --help > /dev/null 2>&1
}

# Alluxio's Java client, cached outside the repository (quick when cached).
echo "install-deps: Alluxio's Java client classpath in $("$(dirname "$0")/alluxio-java.sh")"

# The alluxiofs release the test was written against (its client code is
# what the worker's REST API follows); pip brings its dependencies (fsspec,
# requests, aiohttp, pycurl, etcd3, ...).
ALLUXIOFS_VERSION=1.1.17
alluxiofs_works() {
  python3 -c 'import sys, importlib.metadata as m, alluxiofs
sys.exit(m.version("alluxiofs") != sys.argv[1])' "$ALLUXIOFS_VERSION" > /dev/null 2>&1
}

wanted=()
if moto_server_works; then
  echo "install-deps: moto_server present"
else
  wanted+=('moto[server]')
fi
if alluxiofs_works; then
  echo "install-deps: alluxiofs $ALLUXIOFS_VERSION present"
else
  wanted+=("alluxiofs==$ALLUXIOFS_VERSION")
fi
[ ${#wanted[@]} -gt 0 ] || exit 0
# Into the python3 on PATH, so that its moto_server lands on PATH (or among
# pyenv's shims): a pyenv or virtualenv Python as is; Debian's own (marked
# EXTERNALLY-MANAGED, PEP 668) with --break-system-packages, into
# /usr/local. Downloads stay in pip's cache (~/.cache/pip), outside the
# repository, so a second install downloads nothing.
py=$(command -v python3)
if ! "$py" -m pip --version > /dev/null 2>&1; then
  if [ "$py" = /usr/bin/python3 ]; then apt_install python3-pip; else "$py" -m ensurepip --upgrade; fi
fi
pip_args=(install --quiet)
if "$py" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
  pip_args+=(--break-system-packages)
fi
# sudo only when the site directory (or the nearest existing parent) is not ours.
pip_sudo=""
d=$("$py" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
while [ ! -e "$d" ]; do d=$(dirname "$d"); done
[ -w "$d" ] || pip_sudo=$SUDO
echo "install-deps: installing ${wanted[*]} for $py: pip ${pip_args[*]}"
$pip_sudo env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
  "$py" -m pip "${pip_args[@]}" "${wanted[@]}"
# pyenv makes the shim for a new command only when asked.
if command -v pyenv > /dev/null 2>&1; then pyenv rehash; fi
hash -r
if ! moto_server_works; then
  echo "install-deps: moto[server] installed for $py, but no working moto_server on PATH" \
    "or in /root/.pyenv/shims (PATH=$PATH)" >&2
  exit 1
fi
echo "install-deps: moto_server installed: $(command -v moto_server || echo /root/.pyenv/shims/moto_server)"
if ! alluxiofs_works; then
  echo "install-deps: alluxiofs==$ALLUXIOFS_VERSION installed for $py, but python3 on PATH" \
    "cannot import it (PATH=$PATH)" >&2
  exit 1
fi
echo "install-deps: alluxiofs $ALLUXIOFS_VERSION installed"
