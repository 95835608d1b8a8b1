#!/usr/bin/env bash
# The monorepo benchmark from a clean checkout: farm build against buildah bud --layers on a
# generated monorepo (cold, warm, one app file edited, one library file edited), one run each,
# with the farm CLI published as users get it (deploy/publish-cli.sh).
#
#   tests/BuildFarm.Benchmarks/run-monorepo.sh
set -euo pipefail
exec "$(dirname "$0")/publish-and-run.sh" monorepo
