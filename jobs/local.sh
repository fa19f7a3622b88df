#!/usr/bin/env bash
# Run a search on this machine without SLURM: jobs/local.sh CONFIG [RANKS] [evofolio run options...]
# RANKS defaults to the number of cores + 1 (the master mostly waits; one worker per core). Adds the
# flags Open MPI needs here: --allow-run-as-root for root, --oversubscribe for more ranks than cores.
# Ctrl-C or Ctrl-\ (or SIGTERM to this script) stops the search gracefully: it stops handing out
# work, waits up to ga.grace_seconds for evaluations in flight, saves, and exits 3; press it again to
# stop at once. The same command then continues: --continue resumes the newest unfinished run of the
# configuration, or starts one. (A bare mpirun would end the ranks a second after Ctrl-C: mpirun runs
# here in its own session, out of reach of the terminal's keys, and gets them as SIGUSR1, which it
# forwards to every rank.)
set -euo pipefail
config=${1:?usage: jobs/local.sh CONFIG [RANKS] [evofolio run options...]}
ranks=${2:-$(($(nproc) + 1))}
shift $(($# > 1 ? 2 : 1))
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${EVOFOLIO_BIN:-$here/build/evofolio}
flags=()
[ "$(id -u)" = 0 ] && flags+=(--allow-run-as-root)
[ "$ranks" -gt "$(nproc)" ] && flags+=(--oversubscribe)
setsid mpirun "${flags[@]}" -n "$ranks" "$bin" run "$config" --continue "$@" &
pid=$!
trap 'kill -USR1 $pid 2>/dev/null' INT QUIT TERM
while true; do
    rc=0
    wait $pid || rc=$?
    kill -0 $pid 2>/dev/null || break # wait returned because of the trap: wait again
done
exit $rc
