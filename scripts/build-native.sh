#!/usr/bin/env bash
# Builds Hale's native helpers into build/: the process runtime's supervisor (hale-shim) and
# the spawn server every Node process starts its children through (hale-spawner). Runs as
# npm's postinstall; skips a binary that is newer than its source and this script.
set -euo pipefail
cd "$(dirname "$0")/.."
names=(hale-shim hale-spawner)
# Each binary's C files (native/NAME.c and these) and headers.
sources() {
  case $1 in
    hale-spawner) echo native/hale-spawner.c native/pod-network.c native/pod-network.h ;;
    *) echo "native/$1.c" ;;
  esac
}
newer_than_sources() {
  local out=$1 source
  for source in $(sources "$(basename "$out")") "$0"; do
    [ "$out" -nt "$source" ] || return 1
  done
}
stale=()
for name in "${names[@]}"; do
  out=build/$name
  if ! { [ -x "$out" ] && newer_than_sources "$out"; }; then
    stale+=("$name")
  fi
done
if [ ${#stale[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(uname -s)" != Linux ]; then
  echo "build-native: skipping ${stale[*]} (the process runtime needs Linux)" >&2
  exit 0
fi
cc="${CC:-}"
if [ -z "$cc" ]; then
  for candidate in cc gcc clang; do
    if command -v "$candidate" >/dev/null 2>&1; then cc=$candidate; break; fi
  done
fi
if [ -z "$cc" ]; then
  echo "build-native: no C compiler found (install gcc or clang, or set CC); the process runtime needs ${stale[*]/#/build/}" >&2
  exit 1
fi
mkdir -p build
# Build to a temporary name, then rename: a running binary keeps its old inode.
trap 'rm -f build/*.tmp.$$' EXIT
for name in "${stale[@]}"; do
  out=build/$name
  c_files=$(sources "$name" | tr ' ' '\n' | grep '\.c$')
  # The shim against musl where musl-gcc is there (Debian's musl-tools): every container start
  # and exec probe execs a shim, and a static glibc program starts by asking the CPU for its
  # cache sizes, hundreds of CPUID instructions that each trap to the hypervisor in a VM
  # (~0.2-0.3 ms of CPU per exec here; docs/benchmarks-agent.md). The spawn server is exec'd
  # once and includes kernel headers musl does not have, so it stays on the system's libc.
  if [ "$name" = hale-shim ] && [ -z "${CC:-}" ] && command -v musl-gcc >/dev/null 2>&1 &&
    musl-gcc -O2 -std=c11 -Wall -Wextra -static -o "$out.tmp.$$" $c_files 2>/dev/null; then
    linked="static, musl"
  # Static where the C library allows it (glibc's libc.a, from libc6-dev): it skips the
  # dynamic loader (~30% less CPU per exec here). Otherwise, dynamic.
  elif "$cc" -O2 -std=c11 -Wall -Wextra -static -o "$out.tmp.$$" $c_files 2>/dev/null; then
    linked=static
  else
    "$cc" -O2 -std=c11 -Wall -Wextra -o "$out.tmp.$$" $c_files
    linked=dynamic
  fi
  mv -f "$out.tmp.$$" "$out"
  echo "build-native: built $out ($linked)"
done
