#!/usr/bin/env bash
# The README's test command. On a fresh clone it installs everything it needs (Node.js 24, npm packages,
# Debian's docker-registry and image tools, the Go-built control plane cached by version, the container
# images) and runs every layer of tests against the real components, on the Node.js major in .node-version.
# No suite is ever skipped for a missing component: a missing piece fails the run.
# Usage: hack/test.sh [unit|integration|e2e]...   (default: all, after lint and typecheck)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
log() { printf '\n[test] %s (+%ss)\n' "$*" $((SECONDS - start)) >&2; }

layers=("$@")
[ ${#layers[@]} -gt 0 ] || layers=(static unit integration e2e)
needs_env=false
for l in "${layers[@]}"; do case $l in integration|e2e) needs_env=true ;; esac; done

# The supported Node.js first on PATH: npm, npx, vitest and every program the tests start run on it.
node_bin=$(bash hack/node.sh)
export PATH="$node_bin:$PATH"
log "Node.js $(node --version) ($(command -v node)), npm $(npm --version)"

if $needs_env; then bash hack/ensure-deps.sh --registry --images; else bash hack/ensure-deps.sh; fi
if $needs_env; then
  log "control plane binaries"
  TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh)
  export TAGPILOT_ASSETS
fi

projects=()
for l in "${layers[@]}"; do
  case $l in
    static) log "lint + typecheck"; npm run -s lint; npm run -s typecheck ;;
    unit) log "unit tests"; npx vitest run --project unit ;;
    integration|e2e) projects+=(--project "$l") ;;
    *) echo "unknown test layer: $l (want unit, integration or e2e)" >&2; exit 2 ;;
  esac
done
if [[ " ${projects[*]} " == *" e2e "* ]]; then
  # test/e2e/images.test.ts runs these; built here so the build is its own step (a no-op when no input
  # changed since the last build).
  log "container images (make images, kept when unchanged)"
  bash hack/images.sh --if-changed
fi
if [ ${#projects[@]} -gt 0 ]; then
  log "integration/e2e tests against the real control plane and registry"
  npx vitest run "${projects[@]}"
fi
log "all tests passed"
