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
cache_root=${TAGPILOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tagpilot}
dest="$cache_root/testenv/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
log() { printf '[testenv-assets] %s\n' "$*" >&2; }
die() { printf '[testenv-assets] error: %s\n' "$*" >&2; exit 1; }

if ! command -v go >/dev/null 2>&1; then
  die "the Go toolchain is not on PATH; install Go >= 1.24 (https://go.dev/dl) or set KUBEBUILDER_ASSETS to a directory that holds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok"
fi
mkdir -p "$dest"

# One build at a time per cache directory: parallel test runs must not both build.
exec 9>"$dest/.lock"
flock 9

kube_minor=${KUBE_VERSION#v1.}; kube_minor=${kube_minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor -X $pkg.gitTreeState=clean"
done

build() { # name module-dir package [ldflags]
  local name=$1 dir=$2 pkg=$3 flags=${4:-"-s -w"}
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$name" ]; then
    ln -sf "$KUBEBUILDER_ASSETS/$name" "$dest/$name"
    log "$name: using \$KUBEBUILDER_ASSETS/$name"
    return
  fi
  if [ -x "$dest/$name" ]; then
    log "$name: cache hit ($dest/$name)"
    return
  fi
  log "$name: building $pkg (cold build, this takes minutes)..."
  local start=$SECONDS out
  if ! out=$(cd "$here/tools/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "$flags" -o "$dest/$name.tmp" "$pkg" 2>&1); then
    printf '%s\n' "$out" | tail -20 >&2
    die "building $name failed; the Go module proxy ($(go env GOPROXY)) must be reachable. Output above."
  fi
  mv "$dest/$name.tmp" "$dest/$name"
  log "$name: built in $((SECONDS - start))s"
}

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver kube k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
build kube-controller-manager kube k8s.io/kubernetes/cmd/kube-controller-manager "$ldflags"
build kube-scheduler kube k8s.io/kubernetes/cmd/kube-scheduler "$ldflags"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
printf '%s\n' "$dest"
