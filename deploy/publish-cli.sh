#!/usr/bin/env bash
# Publishes the farm CLI (which also runs `farm server`) to OUTPUT_DIR, ready to run as
# `dotnet OUTPUT_DIR/farm.dll` or `OUTPUT_DIR/farm`.
#
#   deploy/publish-cli.sh OUTPUT_DIR
#
# Precompiled (ReadyToRun): every `farm build` is a new process, and without it the JIT compiles
# the client, the Dockerfile planner and gRPC anew each time, most of a warm build's wall time.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTPUT_DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -v quiet --nologo "$root/src/BuildFarm.Cli" -o "$1" >/dev/null
