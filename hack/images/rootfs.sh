#!/usr/bin/env bash
# The images' distroless-like Debian base, shared by `make images` (hack/images.sh) and the Dockerfile:
#   rootfs.sh build TARGET [SUITE] [ARCH]   builds it into TARGET (default trixie, the machine's arch)
# `build` runs `mmdebstrap --variant=extract` (chrootless: no mounts, so it also works inside `docker
# build`) with this script as its extract hook (`download`), then `finish`es the tree.
# mmdebstrap resolves and extracts libc6, libstdc++6 and libgcc-s1 with their hard dependencies; the
# data-only packages below are downloaded with the same apt configuration (same mirrors, same snapshot of
# the package lists) but WITHOUT dependencies, because theirs (debconf → perl, openssl) would bring
# interpreters into an image that must have none. Then: the CA bundle that update-ca-certificates would
# have written, users, a dpkg status.d entry per package (so image scanners see the Debian packages and
# versions), and no package manager, shell or apt state.
set -euo pipefail
step=${1:-} target=${2:-}
data_packages=(base-files ca-certificates netbase tzdata)
archives="$target/var/cache/apt/archives"

if [ "$step" = build ]; then
  suite=${3:-trixie}
  arch=${4:-$(dpkg --print-architecture)}
  here=$(cd "$(dirname "$0")" && pwd)
  mmdebstrap --quiet --variant=extract --mode=chrootless --architectures="$arch" \
    --include=libc6,libstdc++6,libgcc-s1 --skip=cleanup/apt/cache \
    --extract-hook="bash '$here/rootfs.sh' download \"\$1\"" "$suite" "$target"
  exec bash "$here/rootfs.sh" finish "$target"
fi
if [ "$step" = download ]; then
  cd "$archives"
  APT_CONFIG=$MMDEBSTRAP_APT_CONFIG apt-get download -qq -o APT::Sandbox::User=root "${data_packages[@]}"
  exit 0
fi
[ "$step" = finish ] && [ -n "$target" ] || { echo "usage: rootfs.sh build|download|finish TARGET" >&2; exit 2; }

for pkg in "${data_packages[@]}"; do dpkg-deb -x "$archives/${pkg}"_*.deb "$target"; done

# One status.d entry per extracted package, as distroless does (no /var/lib/dpkg/status: there is no dpkg).
mkdir -p "$target/var/lib/dpkg/status.d"
for deb in "$archives"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  { echo "Package: $name"; echo "Status: install ok installed"; dpkg-deb -f "$deb" | grep -v '^Package:'; } \
    >"$target/var/lib/dpkg/status.d/$name"
done

# What update-ca-certificates would have written: every certificate the package enables, in its order.
mkdir -p "$target/etc/ssl/certs"
(cd "$target/usr/share/ca-certificates" && find . -name '*.crt' | LC_ALL=C sort | while read -r crt; do cat "$crt"; done) \
  >"$target/etc/ssl/certs/ca-certificates.crt"

# ld.so's interpreter path, which libc6's maintainer scripts would ensure.
mkdir -p "$target/lib64"
[ -e "$target/lib64/ld-linux-x86-64.so.2" ] || [ "$(uname -m)" != x86_64 ] ||
  ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$target/lib64/ld-linux-x86-64.so.2"

cat >"$target/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$target/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
GROUP
printf 'hosts: files dns\n' >"$target/etc/nsswitch.conf"
chmod 0644 "$target/etc/passwd" "$target/etc/group" "$target/etc/nsswitch.conf"
mkdir -p "$target/home/nonroot" "$target/root"
chown 65532:65532 "$target/home/nonroot"
chmod 0700 "$target/home/nonroot" "$target/root"
chmod 1777 "$target/tmp"

# No package manager, no apt state, no host-specific files; documentation only as copyright notices.
rm -rf "$target/etc/apt" "$target/var/lib/apt" "$target/var/cache" "$target/var/log"/* \
  "$target/etc/dpkg" "$target/var/lib/dpkg/"{arch,available,cmethopt,diversions,status,status-old,triggers,info,updates,alternatives,parts} \
  "$target/etc/hostname" "$target/etc/resolv.conf" "$target/etc/fstab" "$target/dev"/* \
  "$target/usr/share/man" "$target/usr/share/info" "$target/usr/share/lintian" "$target/usr/share/bash-completion" \
  "$target/usr/share/gdb" "$target/usr/share/debconf" "$target/usr/share/pixmaps" "$target/usr/share/base-files" \
  "$target/etc/debconf.conf" "$target/etc/profile" "$target/etc/skel" "$target/etc/update-motd.d" \
  "$target/usr/share/gcc" "$target/usr/sbin/update-ca-certificates" "$target/etc/ca-certificates/update.d" \
  "$target/usr/share/ca-certificates/"*.conf "$target"/tmp/* "$target/.packages"
find "$target/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$target/usr/share/doc" -mindepth 1 -type d -empty -delete
for bin in sh bash dash perl apt apt-get dpkg; do
  if find "$target" -name "$bin" \( -type f -o -type l \) -path '*bin/*' | grep -q .; then
    echo "rootfs.sh: $bin is in the base; the image must have no shell or package manager" >&2
    exit 1
  fi
done
