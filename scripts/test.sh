#!/usr/bin/env bash
# Runs the test suite with node:test. Node 20 does not expand globs itself, so the
# shell lists the files, and the run fails if it finds none.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
files=()
if [ "$which" = all ] || [ "$which" = unit ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find src -name '*.test.ts' | sort)
fi
if [ "$which" = all ] || [ "$which" = e2e ]; then
  while IFS= read -r f; do files+=("$f"); done < <(find test -name '*.test.ts' | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
