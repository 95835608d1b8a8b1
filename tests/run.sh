#!/usr/bin/env bash
# Runs every test in the repository: installs what the tests talk to, then the whole solution.
set -uo pipefail
cd "$(dirname "$0")/.."

deploy/host-packages.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test BuildFarm.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One closing line for the whole run, summed over the per-assembly summaries dotnet test prints.
awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i + 1) }
      if ($i == "Passed:")  { p += $(i + 1) }
      if ($i == "Skipped:") { s += $(i + 1) }
    }
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit "$status"
