#!/usr/bin/env bash
# Run a search on this machine without SLURM: jobs/local.sh CONFIG [RANKS] [evofolio run options...]
# RANKS defaults to the number of cores + 1 (the master mostly waits; one worker per core). Adds the
# flags Open MPI needs here: --allow-run-as-root for root, --oversubscribe for more ranks than cores.
# A stopped run (Ctrl-\ or kill -USR1 of mpirun, exit 3) continues with the same command: --continue
# resumes the newest unfinished run of the configuration, or starts one.
set -euo pipefail
config=${1:?usage: jobs/local.sh CONFIG [RANKS] [evofolio run options...]}
ranks=${2:-$(($(nproc) + 1))}
shift $(($# > 1 ? 2 : 1))
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${EVOFOLIO_BIN:-$here/build/evofolio}
flags=()
[ "$(id -u)" = 0 ] && flags+=(--allow-run-as-root)
[ "$ranks" -gt "$(nproc)" ] && flags+=(--oversubscribe)
exec mpirun "${flags[@]}" -n "$ranks" "$bin" run "$config" --continue "$@"
