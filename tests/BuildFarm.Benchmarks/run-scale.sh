#!/usr/bin/env bash
# The scale benchmark from a clean checkout: farm build against buildah bud --layers on contexts
# of N small files (cold, warm, one file edited) for each N, one run each, with the farm CLI
# published as users get it (deploy/publish-cli.sh).
#
#   tests/BuildFarm.Benchmarks/run-scale.sh [--files 1000,10000,50000]
set -euo pipefail
exec "$(dirname "$0")/publish-and-run.sh" scale "$@"
