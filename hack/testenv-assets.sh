#!/usr/bin/env bash
# Builds (once) and prints the directory holding the test control plane:
#   etcd kube-apiserver kube-controller-manager kube-scheduler kwok
# Binaries come from the Go module proxy through the wrapper modules in hack/tools/ and are cached by
# version outside the repository, so a second run is a cache hit. KUBEBUILDER_ASSETS, when set, is used
# for any binary it already holds.
#
# Usage: hack/testenv-assets.sh            # prints the assets directory on stdout, progress on stderr
# Env:   TAGPILOT_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/tagpilot)
set -euo pipefail

KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.7.0

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/progress.sh
. "$here/lib/progress.sh"
cache_root=${TAGPILOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tagpilot}
dest="$cache_root/testenv/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
# Progress also goes to $dest/progress, so a second run waiting on the lock can say what the first is doing.
log() { printf '[testenv-assets] %s\n' "$*" >&2; [ -z "${progress_file:-}" ] || printf '%s\n' "$*" >"$progress_file" 2>/dev/null || true; }
die() { printf '[testenv-assets] error: %s\n' "$*" >&2; exit 1; }

if ! command -v go >/dev/null 2>&1; then
  die "the Go toolchain is not on PATH; install Go >= 1.24 (https://go.dev/dl) or set KUBEBUILDER_ASSETS to a directory that holds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok"
fi
mkdir -p "$dest"

# One build at a time per cache directory: parallel test runs must not both build. A second run waits,
# saying every PROGRESS_EVERY seconds how long and what the first one is doing.
other_build_status() {
  if [ -s "$dest/progress" ]; then echo "it reports: $(cat "$dest/progress")"; return; fi
  local built; built=$(cd "$dest" && ls -1 -- etcd kube-apiserver kube-controller-manager kube-scheduler kwok 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
  echo "built so far: ${built:-none of the five}"
}
exec 9>"$dest/.lock"
if ! flock -n 9; then
  wait_start=$SECONDS
  log "another run is building the control plane into $dest (a test run or another make run); waiting for it"
  until flock -w "$PROGRESS_EVERY" 9; do
    log "still waiting for the other build ($(elapsed $((SECONDS - wait_start))) so far; $(other_build_status))"
  done
  log "the other build finished after $(elapsed $((SECONDS - wait_start)))"
fi
progress_file="$dest/progress"

kube_minor=${KUBE_VERSION#v1.}; kube_minor=${kube_minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor -X $pkg.gitTreeState=clean"
done

step=0
build() { # name module-dir package [ldflags]
  local name=$1 dir=$2 pkg=$3 flags=${4:-"-s -w"}
  step=$((step + 1))
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$name" ]; then
    ln -sf "$KUBEBUILDER_ASSETS/$name" "$dest/$name"
    log "$name: using \$KUBEBUILDER_ASSETS/$name"
    return
  fi
  if [ -x "$dest/$name" ]; then
    log "$name: cache hit ($dest/$name)"
    return
  fi
  log "$name ($step/5): building $pkg (cold build: minutes; kube-apiserver is the longest)..."
  local start=$SECONDS
  if ! with_progress "$name ($step/5) build" \
    env -C "$here/tools/$dir" CGO_ENABLED=0 GOFLAGS=-mod=readonly \
    go build -trimpath -ldflags "$flags" -o "$dest/$name.tmp" "$pkg"; then
    die "building $name failed; the Go module proxy ($(go env GOPROXY)) must be reachable. Output above."
  fi
  mv "$dest/$name.tmp" "$dest/$name"
  log "$name ($step/5): built in $(elapsed $((SECONDS - start)))"
}

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver kube k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
build kube-controller-manager kube k8s.io/kubernetes/cmd/kube-controller-manager "$ldflags"
build kube-scheduler kube k8s.io/kubernetes/cmd/kube-scheduler "$ldflags"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
printf '%s\n' "$dest"
