#!/usr/bin/env bash
# Publishes the farm CLI to OUTPUT_DIR, ready to run as `OUTPUT_DIR/farm`:
#
#   deploy/publish-cli.sh OUTPUT_DIR
#
# farm, which runs every client command, is compiled ahead of time (NativeAOT, which needs clang:
# deploy/host-packages.sh installs it): every `farm build` is a new process, and a JIT-compiled
# client spends most of a warm build's client time starting up and compiling itself.
# `farm server` hands over to farm-server beside it: Orleans and ASP.NET cannot be compiled
# ahead of time, so the server is published precompiled (ReadyToRun) for the .NET runtime.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTPUT_DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
command -v clang >/dev/null || { echo "$0: clang is missing (NativeAOT links with it); run deploy/host-packages.sh" >&2; exit 1; }
# Each program is published into a fresh directory of its own, then both are put together: dotnet
# publish deletes from its output what an earlier publish of the same project there wrote and this
# one does not, so publishing both into one directory lets the second take away files of the first
# (the R2R farm of earlier versions wrote the very libraries farm-server now needs).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -v quiet --nologo "$root/src/BuildFarm.Cli.Server" -o "$stage/server" >/dev/null
dotnet publish -c Release -r linux-x64 -v quiet --nologo "$root/src/BuildFarm.Cli" -o "$stage/farm" >/dev/null
mkdir -p "$stage/all" "$1"
cp -a "$stage/server/." "$stage/all/"
cp -a "$stage/farm/." "$stage/all/"
# Each file is put in place by a rename, never written over: a farm server started from OUTPUT_DIR
# may still be running (a program's file cannot be written while it runs), and a rename leaves it
# its old file while new processes get the new one.
(cd "$stage/all" && find . -type d) | while read -r dir; do mkdir -p "$1/$dir"; done
(cd "$stage/all" && find . ! -type d) | while read -r file; do
  cp -a "$stage/all/$file" "$1/$file.new" && mv -f "$1/$file.new" "$1/$file"
done
