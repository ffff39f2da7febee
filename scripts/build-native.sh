#!/usr/bin/env bash
# Builds Hale's native helpers (today: the process runtime's supervisor, hale-shim) into
# build/. Runs as npm's postinstall; does nothing when the binary is newer than its source.
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/hale-shim.c
out=build/hale-shim
if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ]; then
  exit 0
fi
if [ "$(uname -s)" != Linux ]; then
  echo "build-native: skipping hale-shim (the process runtime needs Linux)" >&2
  exit 0
fi
cc="${CC:-}"
if [ -z "$cc" ]; then
  for candidate in cc gcc clang; do
    if command -v "$candidate" >/dev/null 2>&1; then cc=$candidate; break; fi
  done
fi
if [ -z "$cc" ]; then
  echo "build-native: no C compiler found (install gcc or clang, or set CC); the process runtime needs build/hale-shim" >&2
  exit 1
fi
mkdir -p build
# Build to a temporary name, then rename: a running shim keeps its old inode.
trap 'rm -f "$out.tmp.$$"' EXIT
"$cc" -O2 -std=c11 -Wall -Wextra -o "$out.tmp.$$" "$src"
mv -f "$out.tmp.$$" "$out"
echo "build-native: built $out"
