#!/usr/bin/env bash
# Berth's own OCI image, built without a container daemon:
#   - a minimal Debian root file system from mmdebstrap (variant essential, plus the C++ runtime
#     Node.js links and the CA certificates);
#   - Node.js (the binary that runs this script, 22 or later) and the built app, installed from
#     `npm pack`'s tarball with its production dependencies (npm's cache first);
#   - committed by buildah (vfs storage, no daemon, no overlay mounts), running as the non-root
#     user berth (10001), `berth serve` as its entrypoint, /var/lib/berth a volume, SIGTERM to stop.
# Usage: scripts/image.sh [OUTPUT] — OUTPUT is an OCI archive (default berth-image.tar); push it
# with `skopeo copy oci-archive:berth-image.tar docker://REGISTRY/berth:TAG`.
# Needs: root (or run it under `buildah unshare`), mmdebstrap, buildah; `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-berth-image.tar}")
suite=${BERTH_IMAGE_SUITE:-bookworm}
mirror=${BERTH_IMAGE_MIRROR:-http://deb.debian.org/debian}
node_bin=$(command -v node)
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 22 ] || { echo "image.sh: Node.js 22 or later is needed on PATH (found $("$node_bin" --version))" >&2; exit 1; }
for tool in mmdebstrap buildah npm; do
  command -v "$tool" >/dev/null || { echo "image.sh: $tool is needed (apt-get install -y mmdebstrap buildah)" >&2; exit 1; }
done
[ -f dist/cli/main.js ] || { echo "image.sh: run npm run build first" >&2; exit 1; }

work=$(mktemp -d /tmp/berth-image.XXXXXX)
storage=(--storage-driver vfs --root "$work/storage" --runroot "$work/run")
container=
cleanup() {
  [ -n "$container" ] && buildah "${storage[@]}" rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "image.sh: packing the app"
npm pack --ignore-scripts --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/berth-*.tgz)
echo "image.sh: installing it with its production dependencies"
if ! npm install -g --offline --no-audit --no-fund --silent --prefix "$work/app" "$tarball" 2>/dev/null; then
  npm install -g --prefer-offline --no-audit --no-fund --silent --prefix "$work/app" "$tarball"
fi

echo "image.sh: a $suite root file system (mmdebstrap)"
# The downloaded packages are kept between builds (BERTH_IMAGE_CACHE), so a rebuild reads no mirror
# for what it has.
cache=${BERTH_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth-image/$suite}
mkdir -p "$cache"
mmdebstrap --variant=essential --include=libstdc++6,ca-certificates --mode=root \
  --skip=download/empty --skip=essential/unlink \
  --setup-hook="mkdir -p \"\$1/var/cache/apt/archives\" && cp -a '$cache'/. \"\$1/var/cache/apt/archives/\"" \
  --customize-hook="cp -a \"\$1/var/cache/apt/archives\"/*.deb '$cache'/ 2>/dev/null || true" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook="install -m 0755 '$node_bin' \"\$1/usr/local/bin/node\"" \
  --customize-hook="mkdir -p \"\$1/opt\" && cp -a '$work/app/lib/node_modules/berth' \"\$1/opt/berth\"" \
  --customize-hook="ln -s /opt/berth/dist/cli/main.js \"\$1/usr/local/bin/berth\"" \
  --customize-hook="ln -s /opt/berth/dist/cli/credential-helper.js \"\$1/usr/local/bin/docker-credential-berth\"" \
  --customize-hook="ln -s /opt/berth/dist/cli/credential-provider.js \"\$1/usr/local/bin/berth-credential-provider\"" \
  --customize-hook="echo 'berth:x:10001:10001:Berth:/var/lib/berth:/usr/sbin/nologin' >> \"\$1/etc/passwd\"" \
  --customize-hook="echo 'berth:x:10001:' >> \"\$1/etc/group\"" \
  --customize-hook="install -d -o 10001 -g 10001 -m 0700 \"\$1/var/lib/berth\"" \
  --customize-hook="rm -rf \"\$1/var/cache/apt\"/* \"\$1/var/lib/apt/lists\"/* \"\$1/var/log\"/*" \
  "$suite" "$work/rootfs.tar" "$mirror"

echo "image.sh: committing the image (buildah, vfs)"
version=$(node -p 'require("./package.json").version')
container=$(buildah "${storage[@]}" from scratch)
buildah "${storage[@]}" add "$container" "$work/rootfs.tar" / >/dev/null
buildah "${storage[@]}" config \
  --user 10001:10001 \
  --workingdir /var/lib/berth \
  --entrypoint '["/usr/local/bin/berth"]' \
  --cmd '["serve"]' \
  --env BERTH_DATA_DIR=/var/lib/berth \
  --env BERTH_LISTEN=0.0.0.0:5000 \
  --env BERTH_PUBLIC_LISTEN=0.0.0.0:5001 \
  --env BERTH_LOG_FORMAT=json \
  --volume /var/lib/berth \
  --port 5000/tcp --port 5001/tcp \
  --stop-signal SIGTERM \
  --label org.opencontainers.image.title=berth \
  --label "org.opencontainers.image.version=$version" \
  --label org.opencontainers.image.description="A self-hosted container registry that does what Amazon ECR does" \
  "$container"
rm -f "$out"
buildah "${storage[@]}" commit --format oci --rm "$container" "oci-archive:$out:berth:$version" >/dev/null
container=
echo "image.sh: wrote $out (berth:$version)"
