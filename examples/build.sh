#!/usr/bin/env bash
# The quick start's main job: builds the example multi-stage app (examples/app) on the farm of
# this machine and writes it as an OCI archive, checked by skopeo.
#
#   examples/build.sh            the image is also named app:latest (and app:<commit> in a git checkout)
#
# On a fresh Debian 12 machine with the .NET 10 SDK it installs what the farm needs (runc, ...),
# makes the reproducible busybox base image, loads it, and builds. A farm server starts on
# demand and stays up, so a second run is warm: every step is a cache hit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.farm"
export FARM_DATA_DIR=${FARM_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/buildfarm}

"$root/deploy/host-packages.sh"
"$root/deploy/publish-cli.sh" "$work/bin"
farm() { "$work/bin/farm" "$@"; }

# The base image, made from Debian's busybox-static: the same bytes on every machine.
mkdir -p "$work/base-images"
"$root/deploy/base-images/busybox.sh" "$work/base-images" >/dev/null

# farm load goes through the farm server (starting it when none runs), like the build below.
farm load -i "$work/base-images/busybox.oci.tar"

tags=(-t app:latest)
git -C "$root" rev-parse HEAD >/dev/null 2>&1 && tags+=(-t "app:{git.short}")
farm build --progress plain "${tags[@]}" --metadata-file "$work/app.metadata.json" \
  --output "type=oci,dest=$work/app.oci.tar" "$root/examples/app"

echo "image: $work/app.oci.tar ($(skopeo inspect --format "{{.Digest}}" "oci-archive:$work/app.oci.tar:docker.io/library/app:latest"))"
echo "metadata: $work/app.metadata.json"
