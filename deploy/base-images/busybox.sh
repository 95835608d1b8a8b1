#!/usr/bin/env bash
# Makes a reproducible busybox base image from Debian's busybox-static, with no registry and no
# Docker: an OCI image layout directory OUTPUT_DIR/busybox and an oci-archive
# OUTPUT_DIR/busybox.oci.tar, both holding one linux/amd64 image named busybox:latest.
#
#   deploy/base-images/busybox.sh OUTPUT_DIR      prints the image's manifest digest
#
# Same bytes on every run and every machine with the same busybox-static, tar and gzip: entries
# are sorted, every timestamp is the epoch, owners are numeric, gzip stores no name or time, and
# the JSON documents are written byte by byte here, in the canonical form of BuildFarm's image
# model (BuildFarm.Oci.Images). Only the busybox binary is environment input.
set -euo pipefail

usage() { echo "usage: $0 OUTPUT_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
out=$1
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "$0: $busybox not found; install busybox-static" >&2; exit 1; }

readonly created="1970-01-01T00:00:00Z"
readonly path_env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
readonly layer_type="application/vnd.oci.image.layer.v1.tar+gzip"
readonly config_type="application/vnd.oci.image.config.v1+json"
readonly manifest_type="application/vnd.oci.image.manifest.v1+json"
readonly index_type="application/vnd.oci.image.index.v1+json"
# "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary." -> "v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)"
# sed reads the whole help text: with `head -n 1` busybox could die of SIGPIPE, failing this
# script under pipefail now and then (silently, as the assignment's status).
version=$("$busybox" 2>&1 | sed -n -e '1{s/^BusyBox //;s/ multi-call binary\.$//;p;}')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
layout=$out/busybox

# --- root file system -------------------------------------------------------------------------
mkdir -p "$rootfs"/{bin,etc,home/user,root,tmp}
cp "$busybox" "$rootfs/bin/busybox"
# One ln per applet and nothing else per applet: this loop is most of the script's run time.
"$busybox" --list-full | while IFS= read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  case $applet in */*) [ -d "$rootfs/${applet%/*}" ] || mkdir -p "$rootfs/${applet%/*}" ;; esac
  ln -s /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' >"$rootfs/etc/group"

# Modes are set, not inherited from the umask of whoever runs this.
find "$rootfs" -type d -exec chmod 0755 {} +
chmod 0755 "$rootfs/bin/busybox"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
chmod 0700 "$rootfs/root"
chmod 1777 "$rootfs/tmp"

# --- layer ------------------------------------------------------------------------------------
# tar applies one owner to a whole invocation, so the archive is written in sorted runs: everything
# is root's except home/user, which belongs to uid/gid 1000 (no root or fakeroot needed for that).
tar_layer() { tar -C "$rootfs" --format=ustar --sort=name --mtime=@0 --numeric-owner "$@"; }
layer_tar=$work/layer.tar
tar_layer -cf "$layer_tar" --owner=0 --group=0 bin etc
tar_layer -rf "$layer_tar" --owner=0 --group=0 --no-recursion home
tar_layer -rf "$layer_tar" --owner=1000 --group=1000 home/user
others=()
for entry in $(cd "$rootfs" && LC_ALL=C ls -d -- *); do
  case $entry in bin | etc | home) ;; *) others+=("$entry") ;; esac
done
tar_layer -rf "$layer_tar" --owner=0 --group=0 "${others[@]}"

diff_id=sha256:$(sha256sum "$layer_tar" | cut -d' ' -f1)
gzip -n -9 -c "$layer_tar" >"$work/layer.tar.gz"

# --- blobs ------------------------------------------------------------------------------------
rm -rf "$layout" "$out/busybox.oci.tar"
mkdir -p "$layout/blobs/sha256"

# add_blob FILE -> prints "sha256:<hex> <size>" and stores FILE in the layout under its digest.
add_blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(wc -c <"$1")
  cp "$1" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

read -r layer_digest layer_size < <(add_blob "$work/layer.tar.gz")

printf '%s' \
  '{"architecture":"amd64",' \
  '"config":{"Env":["'"$path_env"'"],"Cmd":["sh"]},' \
  '"created":"'"$created"'",' \
  '"history":[{"created":"'"$created"'","created_by":"deploy/base-images/busybox.sh: BusyBox '"$version"'"}],' \
  '"os":"linux",' \
  '"rootfs":{"type":"layers","diff_ids":["'"$diff_id"'"]}}' >"$work/config.json"
read -r config_digest config_size < <(add_blob "$work/config.json")

printf '%s' \
  '{"schemaVersion":2,"mediaType":"'"$manifest_type"'",' \
  '"config":{"mediaType":"'"$config_type"'","digest":"'"$config_digest"'","size":'"$config_size"'},' \
  '"layers":[{"mediaType":"'"$layer_type"'","digest":"'"$layer_digest"'","size":'"$layer_size"'}]}' >"$work/manifest.json"
read -r manifest_digest manifest_size < <(add_blob "$work/manifest.json")

# --- layout and archive -----------------------------------------------------------------------
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '%s' \
  '{"schemaVersion":2,"mediaType":"'"$index_type"'","manifests":[' \
  '{"mediaType":"'"$manifest_type"'","digest":"'"$manifest_digest"'","size":'"$manifest_size"',' \
  '"annotations":{"io.containerd.image.name":"docker.io/library/busybox:latest","org.opencontainers.image.ref.name":"busybox:latest"},' \
  '"platform":{"architecture":"amd64","os":"linux"}}]}' >"$layout/index.json"

find "$layout" -type d -exec chmod 0755 {} +
find "$layout" -type f -exec chmod 0644 {} +
tar -C "$layout" --format=ustar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  -cf "$out/busybox.oci.tar" oci-layout index.json blobs

echo "$manifest_digest"
