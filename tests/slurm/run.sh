#!/usr/bin/env bash
# The SLURM harness: brings up a real one-node SLURM (tests/slurm/cluster.sh) in a scratch directory,
# submits evofolio's batch scripts to it, checks the outcomes, and always tears it down. `make test` runs
# it after the Criterion suites; it says SKIPPED, and why, when SLURM cannot be started here.
# Checks: 1 a job completes; 2 a warning signal mid-run -> exit 3 -> requeue -> complete, every
# evaluation once and as an uninterrupted run; 3 a real time limit -> requeue(s) -> complete; 4 an
# array of 3 seeds completes and `query top` reads the 3 archives; 5 a bad config fails fast with exit
# 2, its message in the job's output, not requeued; 6 a Pareto search (ga.objectives) signalled mid-run
# requeues and ends as an uninterrupted run; 7 a multi-fidelity steady search (ASHA) signalled mid-run
# requeues, rebuilds its rungs and completes; 8 a warning that reaches the ranks before they can take
# it (a stand-in binary that dies of SIGUSR1, as a rank does before its handlers are set) requeues too.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin=$(realpath "${EVOFOLIO_BIN:-build/evofolio}")
export EVOFOLIO_BIN=$bin

skip() { echo "slurm harness: SKIPPED - $*"; exit 0; }
for tool in slurmctld slurmd sbatch scontrol munged mungekey mpirun; do
    command -v "$tool" >/dev/null || skip "$tool is missing (make deps installs slurmctld, slurmd, slurm-client, munge)"
done
[ "$(id -u)" = 0 ] || skip "starting munge and the SLURM daemons needs root"
[ -x "$bin" ] || skip "$bin is not built"

scratch=$(mktemp -d /tmp/evofolio-slurm-XXXXXX)
up=0
cleanup() {
    [ "$up" = 1 ] && timeout 10 scancel --quiet --user=root 2>/dev/null
    tests/slurm/cluster.sh down "$scratch/cluster" >/dev/null 2>&1
    rm -rf "$scratch"
}
trap cleanup EXIT
if ! env_line=$(tests/slurm/cluster.sh up "$scratch/cluster" 2>"$scratch/up.err"); then
    skip "the SLURM daemons did not start: $(tail -n 3 "$scratch/up.err")"
fi
eval "$env_line"
up=1
echo "slurm harness: a one-node SLURM is up ($SLURM_CONF)"

passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        echo "ok     $name"
        passed=$((passed + 1))
    else
        echo "FAILED $name"
        failed=$((failed + 1))
    fi
}
note() { echo "       $*"; }

field() { scontrol show job -o "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# Wait until job $1 (every task of an array) reaches a final state; prints the states. SIGNALING,
# STAGE_OUT and RESIZING are passing states too (SIGNALING shows while the time-limit warning is sent).
wait_done() {
    local id=$1 limit=$2 states
    for _ in $(seq "$limit"); do
        states=$(scontrol show job -o "$id" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort -u | tr '\n' ' ')
        if [ -n "$states" ] && ! echo "$states" | grep -qE 'PENDING|RUNNING|REQUEUE|CONFIGURING|COMPLETING|SUSPENDED|SIGNALING|STAGE_OUT|RESIZING'; then
            echo "$states"
            return 0
        fi
        sleep 1
    done
    echo "timeout: $states"
}
q() { "$bin" query "$1" sql "$2" --format csv | tail -n +2; }

# ---------------------------------------------------------------- data and configurations
"$bin" synth --assets 6 --days 900 --seed 3 --out "$scratch/s.csv" >/dev/null
config() { # config NAME GENERATIONS STEPS [EXTRA] (STEPS is also the patience: no early stop)
    cat >"$scratch/$1.yaml" <<CONF
name: $1  # a trailing comment, which array.sbatch must not take into the archive's name
data: {prices: s.csv}
split: {test_days: 60, folds: 2, train_days: 200, val_days: 60, embargo_days: 2}
backtest: {window: 20, rebalance: 5}
search:
  model: [asset, shared, portfolio]
  objective: [sharpe, meanvar, forecast]
  arch: [lstm]  # the checks' timings are the LSTM's; attention runs under mpirun in tests/test_run.c
  layers: [1]
  hidden: [16]
  seq_len: [5, 8]
  lr: {min: 0.001, max: 0.01}
  weight_decay: [0.0001]
  batch: [16]
  steps: [$3]
  features: [ret1, ret5, vol20]
  strategies: [ew, invvol, momentum]
  rebalance: [1, 5]
ga: {mode: generational, population: 6, generations: $2, elite: 1, tournament: 2, seed: 5, champions: 2, grace_seconds: 5}
train: {patience: $3}
output: {archive: $1.db}
${4:-}
CONF
}
config tiny 3 2
config signal 20 2000  # ~0.4 s a generation on 2 cores: the signal lands mid-run
config limit 200 2000  # ~90 s of work on 2 cores: the search outlasts the 1-minute limit
config array 3 2
config pareto 20 2000
sed -i 's/^ga: {/ga: {objectives: [sharpe, drawdown, turnover], /' "$scratch/pareto.yaml"
config asha 20 2000
sed -i 's/^ga: {mode: generational,/ga: {mode: steady, rungs: 3, eta: 3,/' "$scratch/asha.yaml"

submit() { sbatch --parsable --ntasks=3 --chdir="$root" "$@"; }

# ---------------------------------------------------------------- 1: a job completes
check1() {
    local id state
    id=$(submit --output="$scratch/tiny.out" slurm/evofolio.sbatch "$scratch/tiny.yaml") || return 1
    state=$(wait_done "$id" 120)
    note "job $id: $state, exit $(field "$id" ExitCode)"
    [ "$state" = "COMPLETED " ] && [ "$(q "$scratch/tiny.db" "SELECT status FROM runs")" = done ] &&
        "$bin" query "$scratch/tiny.db" top >/dev/null
}
check "a batch job completes and its archive answers query top" check1

# ---------------------------------------------------------------- 2: warning signal, requeue, resume
# signalled NAME: submit NAME.yaml, send the warning signal once its first generation is stored, wait
# for the requeued job to complete; 0 when it did, with a restart and its run done.
signalled() {
    local name=$1 id state n
    id=$(submit --output="$scratch/$name.out" slurm/evofolio.sbatch "$scratch/$name.yaml") || return 1
    for _ in $(seq 120); do # the first generation stored
        n=$(q "$scratch/$name.db" "SELECT COUNT(*) FROM generations" 2>/dev/null || echo 0)
        [ "${n:-0}" -ge 1 ] && break
        sleep 0.5
    done
    scancel --batch --signal=USR1 "$id"
    state=$(wait_done "$id" 240)
    note "job $id: $state, restarts $(field "$id" Restarts), exit $(field "$id" ExitCode)"
    grep -q "requeueing job" "$scratch/$name.out" || { note "no requeue in the job's output"; return 1; }
    [ "$state" = "COMPLETED " ] && [ "$(field "$id" Restarts)" -ge 1 ] || return 1
    [ "$(q "$scratch/$name.db" "SELECT status FROM runs")" = done ]
}
# as_uninterrupted NAME: NAME.db holds the same evaluations as an uninterrupted run of NAME.yaml
as_uninterrupted() {
    sed "s/^output: {archive: $1.db}/output: {archive: $1-reference.db}/" "$scratch/$1.yaml" >"$scratch/$1-reference.yaml"
    "$bin" run --quiet "$scratch/$1-reference.yaml" >/dev/null || return 1
    diff <(q "$scratch/$1.db" "SELECT id, key, fitness, cache_of FROM evaluations ORDER BY id") \
         <(q "$scratch/$1-reference.db" "SELECT id, key, fitness, cache_of FROM evaluations ORDER BY id") >/dev/null
}
check2() {
    signalled signal || return 1
    [ "$(q "$scratch/signal.db" "SELECT COUNT(*) FROM (SELECT key FROM evaluations WHERE cache_of IS NULL GROUP BY key HAVING COUNT(*) > 1)")" = 0 ] &&
        as_uninterrupted signal
}
check "a warning signal stops the job, it requeues, resumes and completes as if uninterrupted" check2

# ---------------------------------------------------------------- 3: a real time limit
check3() {
    local id state
    # The warning comes 10 s into each 2-minute attempt, or up to 30 s later (SLURM checks about every
    # 30 s), so each attempt has at least 80 s to stop and requeue however loaded the machine is.
    id=$(submit --time=2 --signal=B:USR1@110 --output="$scratch/limit.out" slurm/evofolio.sbatch "$scratch/limit.yaml") || return 1
    state=$(wait_done "$id" 900)
    note "job $id: $state, restarts $(field "$id" Restarts), $(q "$scratch/limit.db" "SELECT COUNT(*) FROM evaluations") evaluations"
    [ "$state" = "COMPLETED " ] || { note "the job's output ends:"; tail -n 15 "$scratch/limit.out" | sed 's/^/         /'; }
    [ "$state" = "COMPLETED " ] && [ "$(field "$id" Restarts)" -ge 1 ] &&
        [ "$(q "$scratch/limit.db" "SELECT status FROM runs")" = done ] &&
        [ "$(q "$scratch/limit.db" "SELECT COUNT(*) FROM (SELECT key FROM evaluations WHERE cache_of IS NULL GROUP BY key HAVING COUNT(*) > 1)")" = 0 ]
}
check "a real time limit: warning, requeue(s), a complete archive" check3

# ---------------------------------------------------------------- 4: an array over seeds
check4() {
    local id state
    id=$(EVOFOLIO_HOME=$root EVOFOLIO_ARCHIVE_DIR=$scratch submit --ntasks=2 --array=1-3 \
        --output="$scratch/array-%a.out" slurm/array.sbatch "$scratch/array.yaml") || return 1
    state=$(wait_done "$id" 240)
    note "array $id: $state"
    [ "$state" = "COMPLETED " ] || return 1
    for t in 1 2 3; do [ "$(q "$scratch/array-$t.db" "SELECT seed FROM runs")" = "$t" ] || return 1; done
    "$bin" query "$scratch/array-1.db" "$scratch/array-2.db" "$scratch/array-3.db" top >"$scratch/array-top.txt" &&
        [ "$(grep -c 'array-[123]' "$scratch/array-top.txt")" -ge 3 ]
}
check "an array of 3 seeds completes; query top reads the 3 archives side by side" check4

# ---------------------------------------------------------------- 5: a bad configuration
check5() {
    local id state
    printf 'data: {prices: s.csv}\nga: {populaton: 4}\n' >"$scratch/bad.yaml"
    id=$(submit --output="$scratch/bad.out" slurm/evofolio.sbatch "$scratch/bad.yaml") || return 1
    state=$(wait_done "$id" 60)
    note "job $id: $state, exit $(field "$id" ExitCode), restarts $(field "$id" Restarts)"
    [ "$state" = "FAILED " ] && [ "$(field "$id" ExitCode)" = "2:0" ] && [ "$(field "$id" Restarts)" = 0 ] &&
        grep -q "bad.yaml:2:6: unknown key 'ga.populaton'" "$scratch/bad.out"
}
check "a bad configuration fails fast with exit 2 and its message, not requeued" check5

# ---------------------------------------------------------------- 6, 7: Pareto and multi-fidelity searches
check6() {
    signalled pareto && as_uninterrupted pareto && "$bin" query "$scratch/pareto.db" pareto >/dev/null
}
check "a Pareto search signalled mid-run requeues and ends as an uninterrupted run" check6

check7() {
    signalled asha || return 1
    grep -q "^rungs: .* results stored" "$scratch/asha.out" || { note "the requeued job printed no rungs"; return 1; }
    note "$(grep "^rungs: " "$scratch/asha.out" | head -n 1)"
    [ "$(q "$scratch/asha.db" "SELECT (SELECT COUNT(*) FROM evaluations) - (SELECT COUNT(*) FROM rungs)")" = 0 ] &&
        [ "$(q "$scratch/asha.db" "SELECT COUNT(*) FROM rungs r JOIN rungs p ON p.eval = r.promoted_from WHERE p.rung != r.rung - 1")" = 0 ] &&
        [ "$(q "$scratch/asha.db" "SELECT COUNT(*) FROM rungs WHERE rung = 2")" -ge 1 ] &&
        "$bin" query "$scratch/asha.db" rungs >/dev/null
}
check "a multi-fidelity steady search (ASHA) signalled mid-run requeues, rebuilds its rungs, completes" check7

# ---------------------------------------------------------------- 8: a warning too early to take
check8() {
    local id state
    cat >"$scratch/early.sh" <<'SH'
#!/bin/sh
# a rank that has not set up its handlers: SIGUSR1 kills it; the restarted job completes
[ "${SLURM_RESTART_COUNT:-0}" -ge 1 ] && exit 0
sleep 120
SH
    chmod +x "$scratch/early.sh"
    id=$(EVOFOLIO_BIN=$scratch/early.sh submit --output="$scratch/early.out" slurm/evofolio.sbatch "$scratch/tiny.yaml") || return 1
    for _ in $(seq 60); do [ "$(field "$id" JobState)" = RUNNING ] && break; sleep 0.5; done
    sleep 2
    scancel --batch --signal=USR1 "$id"
    state=$(wait_done "$id" 120)
    note "job $id: $state, restarts $(field "$id" Restarts)"
    [ "$state" = "COMPLETED " ] && [ "$(field "$id" Restarts)" -ge 1 ] && grep -q "before the search could take it" "$scratch/early.out"
}
check "a warning that comes before the ranks can take it still requeues" check8

echo "slurm harness: $passed passed, $failed failed"
[ "$failed" = 0 ]
