#!/usr/bin/env bash
# Installs what Tagpilot's build and tests need on a fresh machine, idempotently:
# the supported Node.js (hack/node.sh), npm packages exactly as package-lock.json pins them (npm ci) and
# Debian's docker-registry (the real registry tests use).
# Usage: hack/ensure-deps.sh [--registry]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[deps] %s\n' "$*" >&2; }

# The supported Node.js major (.node-version) first on PATH, so npm runs under it (installed once if missing).
node_bin=$(bash hack/node.sh)
export PATH="$node_bin:$PATH"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages from package-lock.json (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

if [ "${1:-}" = "--registry" ] && ! [ -x /usr/bin/docker-registry ]; then
  log "installing Debian's docker-registry (the CNCF Distribution registry used by the tests)"
  if [ "$(id -u)" != 0 ]; then
    log "error: docker-registry is missing and installing it needs root: run 'sudo apt-get install docker-registry'"; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends docker-registry >&2
  # The package enables a system service on :5000; tests start their own instances on free ports.
  (systemctl disable --now docker-registry >/dev/null 2>&1 || true)
fi
