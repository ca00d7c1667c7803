#!/usr/bin/env bash
# Builds a stand-in for the official node:<major>-trixie-slim image, for machines that cannot
# pull from a container registry but reach Debian's packages and the npm registry.
# Usage (as root): scripts/node-stand-in.sh TAG [NODE_BINARY]
# What it holds and how it differs from the official image: docs/images.md.
#   - Debian trixie, minbase (debootstrap), plus libatomic1 (Node's only library beyond libc)
#   - Node: NODE_BINARY, by default the images' Node that scripts/image-node.ts fetches for Linux
#     on this machine's arch (the Node the tests' second pass runs on)
#   - npm 11 from the npm registry, as the official image's /usr/local/lib/node_modules/npm
#   - the user and group node (1000), home /home/node, as the official image
#   - this machine's CA bundle, which npm is told to use (/usr/local/etc/npmrc)
set -euo pipefail
tag=${1:?usage: node-stand-in.sh TAG [NODE_BINARY]}
cd "$(dirname "$0")/.."

# Containers run on this machine's arch (podman runs them natively), so its Linux binary.
node_bin=${2:-$(npx tsx scripts/image-node.ts --platform linux)/node}
[[ -x $node_bin ]] || { echo "no Node binary at $node_bin" >&2; exit 1; }
for tool in debootstrap podman tar npm; do
  command -v "$tool" >/dev/null || { echo "node-stand-in needs $tool" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "node-stand-in needs root (debootstrap)" >&2; exit 1; }

node_version=$("$node_bin" --version)
work=$(mktemp -d /var/tmp/node-stand-in.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

echo "node-stand-in: debootstrap trixie (minbase) from $mirror" >&2
debootstrap --variant=minbase --include=libatomic1 trixie "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}

echo "node-stand-in: Node $node_version, npm 11" >&2
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
(cd "$work" && npm pack --silent npm@11 >npm-pack.txt)
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(tail -1 "$work/npm-pack.txt")" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
npm_version=$(chroot "$root" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)

chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# npm (in RUN npm ci) reaches the registry through whatever this machine trusts; only npm is
# told, so the apps' own Node keeps its built-in CA list as in the official image.
mkdir -p "$root/etc/ssl/certs" "$root/usr/local/etc"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$root/usr/local/etc/npmrc"

# What the official image leaves out: apt's lists and caches, docs and man pages.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log "$root"/root/.npm

echo "node-stand-in: importing as $tag" >&2
tar --numeric-owner -C "$root" -c . | podman import \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "stand-in for node:${node_version#v}-trixie-slim (npm $npm_version)" \
  --quiet - "$tag" >/dev/null
echo "node-stand-in: $tag (Node $node_version, npm $npm_version)" >&2
