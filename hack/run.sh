#!/usr/bin/env bash
# The README's run command. Runs Tagpilot against the current kubeconfig; when no cluster is reachable (or
# with --embedded) it first starts an embedded local control plane + registry, installing what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# The supported Node.js first on PATH, so npx and the programs run on it.
PATH="$(bash hack/node.sh):$PATH"
export PATH
bash hack/ensure-deps.sh --registry
if [ "${1:-}" = "--embedded" ] || ! npx tsx hack/cluster-reachable.ts 2>/dev/null; then
  TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh)
  export TAGPILOT_ASSETS
  exec npx tsx hack/run.ts --embedded
fi
exec npx tsx hack/run.ts
