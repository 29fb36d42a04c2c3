#!/usr/bin/env bash
# `make images`: the operator and controller OCI images, built without a container daemon from Debian and
# npm packages only, reproducibly (same sources and packages → same digests):
#   layer 1  a distroless-like Debian base: libc6, libstdc++6, libgcc-s1 (mmdebstrap --variant=extract)
#            plus the data of base-files, ca-certificates, netbase and tzdata; no shell, no package
#            manager, user nonroot (65532) — hack/images/rootfs.sh
#   layer 2  the official Node.js binary pinned in .node-version (npm package node-linux-<arch>) as
#            /nodejs/bin/node — hack/node.sh --pinned
#   layer 3  /app/node_modules: `npm ci --omit=dev` from package-lock.json
#   layer 4  /app/dist (`tsc -p tsconfig.build.json`, each program's entrypoint bundled by
#            hack/bundle.mjs) and the CLI launcher /app/bin/tagpilot
# Both images share the four layers; they differ in entrypoint and labels (hack/images/layout.ts).
# Tarballs are sorted, owned by root (home/nonroot by 65532) and stamped with SOURCE_DATE_EPOCH (default:
# the commit time of HEAD); gzip writes no name or time; the image config has no timestamp.
#
# Output: dist/images/oci, an OCI image layout with the refs "operator" and "controller", e.g.
#   skopeo copy oci:dist/images/oci:operator docker://REGISTRY/tagpilot-operator:0.1.0
# Usage:  hack/images.sh [--if-changed]   --if-changed: keep the images when no input changed since they
#                                         were built (the test run's build step uses it)
# Env:    TAGPILOT_IMAGES_DIR  output directory (default dist/images); SOURCE_DATE_EPOCH; TAGPILOT_DEBIAN_SUITE
set -euo pipefail
umask 022
export LC_ALL=C
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS
log() { printf '[images] %s (+%ss)\n' "$*" $((SECONDS - start)) >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

out=${TAGPILOT_IMAGES_DIR:-$root/dist/images}
suite=${TAGPILOT_DEBIAN_SUITE:-trixie}
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "images are built for amd64 and arm64 only, not $(uname -m)" ;;
esac

# Everything that goes into an image, test files excluded; the hash names a build for --if-changed.
inputs_hash() {
  git ls-files -co --exclude-standard -- common crds webhook operator controller bin package.json \
    package-lock.json tsconfig.json tsconfig.build.json .node-version hack/node.sh hack/images.sh hack/images hack/build-info.mjs hack/bundle.mjs |
    grep -v '\.test\.ts$' | sort | while read -r f; do [ ! -f "$f" ] || sha256sum "$f"; done |
    { cat; echo "suite $suite arch $arch"; } | sha256sum | cut -d' ' -f1
}
mkdir -p "$out"
# One build at a time per output directory (a test run and `make images` may overlap).
exec 9>"$out/.lock"
flock 9
hash=$(inputs_hash)
if [ "${1:-}" = "--if-changed" ] && [ -f "$out/oci/index.json" ] && [ "$(cat "$out/inputs.sha256" 2>/dev/null)" = "$hash" ]; then
  log "up to date: $out/oci (inputs unchanged, $hash)"
  cat "$out/digests" >&2
  exit 0
fi

[ "$(id -u)" = 0 ] || die "building the images needs root (mmdebstrap extracts Debian packages with their owners, and the layers are owned by uid 0); run it as root or in CI"
bash hack/ensure-deps.sh --images
node_bin=$(bash hack/node.sh --pinned)
export PATH="$node_bin:$PATH"
node_version=$(tr -d ' \n\r' <.node-version)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
revision=$(git rev-parse HEAD)
[ -z "$(git status --porcelain -- common crds webhook operator controller bin package.json package-lock.json tsconfig.build.json)" ] ||
  revision="$revision-dirty"

work=$(mktemp -d "${TMPDIR:-/tmp}/tagpilot-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/layers"

log "base: Debian $suite libc6 libstdc++6 libgcc-s1 + base-files ca-certificates netbase tzdata (mmdebstrap)"
if ! bash hack/images/rootfs.sh build "$work/base" "$suite" "$arch" >"$work/mmdebstrap.log" 2>&1; then
  tail -30 "$work/mmdebstrap.log" >&2
  die "building the Debian base failed (output above); the Debian mirror (deb.debian.org) must be reachable"
fi
packages=$(cd "$work/base/var/lib/dpkg/status.d" && for p in *; do printf '%s=%s ' "$p" "$(sed -n 's/^Version: //p' "$p")"; done)
log "base packages: $packages"

log "node: Node.js $node_version ($node_bin/node)"
mkdir -p "$work/node/nodejs/bin"
cp "$node_bin/node" "$work/node/nodejs/bin/node"
cp "$node_bin/../LICENSE" "$work/node/nodejs/LICENSE"

log "node_modules: npm ci --omit=dev"
mkdir -p "$work/deps/app"
cp package.json package-lock.json "$work/deps/app/"
(cd "$work/deps/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
rm "$work/deps/app/package-lock.json"

log "dist: tsc -p tsconfig.build.json"
npx tsc -p tsconfig.build.json --outDir "$work/app/app/dist"
# Each program's entrypoint becomes one bundle (hack/bundle.mjs says why).
node hack/bundle.mjs "$work/app/app/dist"
# What --version prints (common/version.ts): the version and this revision.
TAGPILOT_GIT_COMMIT=$revision node hack/build-info.mjs "$work/app/app/dist"
mkdir -p "$work/app/app/bin"
cp bin/tagpilot "$work/app/app/bin/tagpilot"

# One reproducible tar per layer: entries sorted by name, no "./" prefix, numeric owners, mtimes clamped to
# SOURCE_DATE_EPOCH, no atime/ctime in PAX headers; then gzip without name or time.
: >"$work/layers.tsv"
n=0
for layer in base node deps app; do
  n=$((n + 1))
  dir="$work/$layer"
  [ "$layer" = base ] || chown -R 0:0 "$dir"
  tarball="$work/layers/$n-$layer.tar"
  (cd "$dir" && find . -mindepth 1 -printf '%P\n' | sort |
    tar --create --file="$tarball" --no-recursion --verbatim-files-from --files-from=- \
      --format=posix --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
  diff_id="sha256:$(sha256sum "$tarball" | cut -d' ' -f1)"
  gzip -n -6 "$tarball"
  case $layer in
    base) created="Debian $suite: $packages(hack/images/rootfs.sh: mmdebstrap --variant=extract)" ;;
    node) created="Node.js $node_version: npm package node-linux-${arch/amd64/x64}@$node_version" ;;
    deps) created="npm ci --omit=dev (package-lock.json)" ;;
    app) created="tsc -p tsconfig.build.json; node hack/bundle.mjs; bin/tagpilot" ;;
  esac
  printf '%s\t%s\t%s\n' "$tarball.gz" "$diff_id" "$created" >>"$work/layers.tsv"
  log "layer $layer: $(du -m "$tarball.gz" | cut -f1) MB compressed"
done

log "OCI layout"
TAGPILOT_REVISION=$revision TAGPILOT_ARCH=$arch npx tsx hack/images/layout.ts "$work/layers.tsv" "$work/oci" >"$work/digests"
rm -rf "$out/oci"
mv "$work/oci" "$out/oci"
compressed=$(($(cat "$work/layers/"*.gz | wc -c) / 1000000))
unpacked=$(($(du -sb "$work/base" "$work/node" "$work/deps" "$work/app" | awk '{s+=$1} END {print s}') / 1000000))
while IFS=$'\t' read -r name digest; do
  printf '%s\t%s\t%s MB compressed, %s MB unpacked\n' "$name" "$digest" "$compressed" "$unpacked"
done <"$work/digests" >"$out/digests"
printf '%s\n' "$hash" >"$out/inputs.sha256"
log "built in $((SECONDS - start))s: $out/oci (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, revision $revision)"
cat "$out/digests" >&2
