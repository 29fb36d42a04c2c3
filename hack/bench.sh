#!/usr/bin/env bash
# `make bench`: runs every benchmark under bench/ (or the ones named) and prints their tables.
# Benchmarks that need a cluster start the real test environment themselves.
# Usage: hack/bench.sh [bench/NAME.ts ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/ensure-deps.sh --registry
TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh)
export TAGPILOT_ASSETS
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(bench/*.ts)
for b in "${benches[@]}"; do
  printf '\n=== %s\n' "$b"
  npx tsx "$b"
done
