#!/usr/bin/env bash
# Installs what Tagpilot's build and tests need on a fresh machine, idempotently:
# the supported Node.js (hack/node.sh), npm packages exactly as package-lock.json pins them (npm ci) and
# Debian packages: docker-registry (--registry, the real registry tests use) and mmdebstrap, umoci,
# skopeo and runc (--images: `make images` and the image tests).
# Usage: hack/ensure-deps.sh [--registry] [--images]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[deps] %s\n' "$*" >&2; }
# shellcheck source=lib/progress.sh
. hack/lib/progress.sh

# The supported Node.js major (.node-version) first on PATH, so npm runs under it (installed once if missing).
node_bin=$(bash hack/node.sh)
export PATH="$node_bin:$PATH"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages from package-lock.json (npm ci)"
  with_progress "npm ci" npm ci --no-audit --no-fund
fi

# Debian packages, installed only when missing (one apt-get update first).
apt_missing=()
for arg in "$@"; do
  case $arg in
    --registry) [ -x /usr/bin/docker-registry ] || apt_missing+=(docker-registry) ;;
    # What `make images` and the image tests use: no container daemon, only these (all in Debian).
    --images)
      for tool in mmdebstrap umoci skopeo runc; do command -v "$tool" >/dev/null 2>&1 || apt_missing+=("$tool"); done
      ;;
    *) log "error: unknown option $arg (want --registry or --images)"; exit 2 ;;
  esac
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${apt_missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    log "error: installing them needs root: run 'sudo apt-get install ${apt_missing[*]}'"; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  with_progress "apt-get update" apt-get -o DPkg::Lock::Timeout=600 update -qq
  with_progress "apt-get install" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${apt_missing[@]}"
  # docker-registry enables a system service on :5000; tests start their own instances on free ports.
  case " ${apt_missing[*]} " in
    *" docker-registry "*) (systemctl disable --now docker-registry >/dev/null 2>&1 || true) ;;
  esac
fi
