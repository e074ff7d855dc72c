#!/usr/bin/env bash
# Builds third-party test suites from their public source (crates.io) at test
# time. Nothing of them is committed: each is built once into a cache outside
# the repository and reused from there.
#
# usage: ci/third-party.sh [--quiet] NAME...
#   NAME: fsx        fsx 0.3.2 (File System eXerciser, Rust port)  -> bin/fsx
#         pjdfstest  pjdfstest 0.2.2 (POSIX conformance suite)     -> bin/pjdfstest
#         all        both
# Prints the absolute path of each binary on stdout, one a line, in the order
# asked; build logs go to stderr. Exits non-zero when a build fails.
#
# Cache: $ALLUXIO_THIRD_PARTY_CACHE, else
#        ${XDG_CACHE_HOME:-$HOME/.cache}/alluxio-posix/third-party
# A build that is already in the cache costs one stat: no cargo, no network.
# Needs cargo and a rustc at least as new as the crate's rust-version
# (ci/install-deps.sh installs one where cargo is missing).
set -euo pipefail

CACHE=${ALLUXIO_THIRD_PARTY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alluxio-posix/third-party}
QUIET=0

# name -> "version rust-version binary"
spec() {
  case $1 in
    fsx) echo "0.3.2 1.82.0 fsx" ;;
    pjdfstest) echo "0.2.2 1.85.0 pjdfstest" ;;
    *) return 1 ;;
  esac
}

log() { [ "$QUIET" = 1 ] || echo "third-party: $*" >&2; }
die() { echo "third-party: $*" >&2; exit 1; }

# version_ge A B: A >= B for dotted numeric versions.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

check_toolchain() {
  local need=$1
  # rustup installs into ~/.cargo/bin, which a non-login shell may not have
  # on its PATH.
  local cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
  if ! command -v cargo > /dev/null 2>&1 && [ -x "$cargo_bin/cargo" ]; then
    PATH=$cargo_bin:$PATH
  fi
  command -v cargo > /dev/null 2>&1 ||
    die "cargo is not installed (ci/install-deps.sh installs Debian's cargo-web, or use rustup)"
  local have
  have=$(rustc --version 2> /dev/null | awk '{print $2}') || true
  [ -n "$have" ] || die "cargo is there but rustc is not"
  version_ge "${have%%-*}" "$need" || die "rustc $have is older than $need, which the crate needs"
}

build() {
  local name=$1 version rust bin
  read -r version rust bin <<< "$(spec "$name")" || die "unknown suite '$name' (fsx, pjdfstest, all)"
  local root="$CACHE/$name-$version"
  local exe="$root/bin/$bin"
  local stamp="$root/.built"
  if [ -x "$exe" ] && [ -f "$stamp" ]; then
    echo "$exe"
    return 0
  fi
  check_toolchain "$rust"
  mkdir -p "$CACHE"
  # One build of a suite at a time (ctest -j runs several tests at once).
  exec {lock}> "$CACHE/.$name.lock"
  flock "$lock"
  if ! { [ -x "$exe" ] && [ -f "$stamp" ]; }; then
    log "building $name $version from crates.io into $root (once; later runs reuse it)"
    local start=$SECONDS
    rm -rf "$root"
    # The target dir lives in the cache too, so the repository stays clean
    # and an interrupted build resumes where it stopped.
    if ! CARGO_TARGET_DIR="$CACHE/target-$name-$version" \
      cargo install "$name" --version "$version" --locked --root "$root" \
      $([ "$QUIET" = 1 ] && echo --quiet) >&2; then
      flock -u "$lock"
      die "building $name $version failed"
    fi
    [ -x "$exe" ] || die "cargo install $name finished, but $exe is not there"
    "$exe" --help > /dev/null 2>&1 || die "$exe does not run"
    rm -rf "$CACHE/target-$name-$version"
    echo "$name $version built with $(rustc --version) on $(date -u +%FT%TZ)" > "$stamp"
    log "built $name $version in $((SECONDS - start)) s"
  fi
  flock -u "$lock"
  echo "$exe"
}

names=()
for a in "$@"; do
  case $a in
    --quiet | -q) QUIET=1 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    all) names+=(fsx pjdfstest) ;;
    -*) die "unknown option $a" ;;
    *) names+=("$a") ;;
  esac
done
[ ${#names[@]} -gt 0 ] || die "usage: ci/third-party.sh [--quiet] fsx|pjdfstest|all..."
for n in "${names[@]}"; do
  spec "$n" > /dev/null || die "unknown suite '$n' (fsx, pjdfstest, all)"
done
for n in "${names[@]}"; do build "$n"; done
