#!/usr/bin/env bash
# Runs a benchmark that drives the farm CLI as users get it (deploy/publish-cli.sh: ReadyToRun,
# separate processes) from a clean checkout: installs the host packages, publishes the CLI and
# builds the benchmarks into .farm/bench, then runs MODE with --farm and the remaining arguments.
#
#   tests/BuildFarm.Benchmarks/publish-and-run.sh monorepo|scale|upload [ARGS...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 monorepo|scale|upload [ARGS...]" >&2; exit 2; }
mode=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.farm/bench"

"$root/deploy/host-packages.sh"
"$root/deploy/publish-cli.sh" "$out/farm"
dotnet build -c Release -v quiet --nologo "$root/tests/BuildFarm.Benchmarks" -o "$out/benchmarks" >/dev/null
exec dotnet "$out/benchmarks/BuildFarm.Benchmarks.dll" "$mode" --farm "$out/farm/farm" "$@"
