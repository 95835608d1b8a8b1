#!/usr/bin/env bash
# The monorepo benchmark from a clean checkout: farm build against buildah bud --layers on a
# generated monorepo (cold, warm, one app file edited, one library file edited), one run each,
# with the farm CLI published as users get it (deploy/publish-cli.sh).
#
#   tests/BuildFarm.Benchmarks/run-monorepo.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.farm/bench"

"$root/deploy/host-packages.sh"
"$root/deploy/publish-cli.sh" "$out/farm"
dotnet build -c Release -v quiet --nologo "$root/tests/BuildFarm.Benchmarks" -o "$out/benchmarks" >/dev/null
dotnet "$out/benchmarks/BuildFarm.Benchmarks.dll" monorepo --farm "$out/farm/farm"
