#!/usr/bin/env bash
# Several searches one after another on this machine, then their leaderboards side by side:
#   jobs/chain.sh CONFIG... (e.g. jobs/chain.sh configs/default.yaml configs/full.yaml)
# Each runs with jobs/local.sh; a search stopped by a signal (exit 3) ends the chain, and running the
# same command again continues it where it stopped (finished searches are started afresh, so remove
# those configs from the command line first).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: jobs/chain.sh CONFIG..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${EVOFOLIO_BIN:-$here/build/evofolio}
archives=()
for config in "$@"; do
    echo "== $config"
    "$here/jobs/local.sh" "$config" || exit $?
    archive=$(cd "$(dirname "$config")" && realpath -m "$("$bin" check --no-data "$(basename "$config")" |
        sed -n 's/^  archive:[[:space:]]*//p')")
    archives+=("$archive")
done
"$bin" query "${archives[@]}" top
