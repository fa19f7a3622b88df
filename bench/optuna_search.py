#!/usr/bin/env python3
"""optuna_search.py: Optuna's TPE sampler on evofolio's search space, at a fixed budget.

Usage: optuna_search.py CONFIG BUDGET SEED

Reads the search space from CONFIG's `search:` section (as `evofolio check CONFIG` resolves it, every
default filled in), runs BUDGET trials of optuna.samplers.TPESampler(seed=SEED), each one
`evofolio eval CONFIG --genome JSON --seed I --format json` (I = 1..BUDGET, the trial's index; its
"fitness" is maximised; a failed status, a nonzero exit or no JSON counts as FAILED_VALUE), then
evaluates the best trial's genome on the held-out test period (`--seed 1 --test`, with `--nets
ga.confirm_seeds` when `eval` has --nets: `evofolio run` tests its champions as such an ensemble)
and prints one line to stdout:

    tpe_test=<test Sharpe> tpe_fitness=<best validation fitness>

Progress goes to stderr. The binary is $EVOFOLIO_BIN, else build/evofolio next to this script's
parent directory. Part of `make bench-quality` (bench/quality.sh, bench/README.md); not of the tests.

The space, as the GA samples it (src/genome.c): a numeric gene is {min, max} (suggest_int for the
integer genes layers, hidden, seq_len, batch, steps, rebalance; suggest_float for the others; log
scale for lr, weight_decay, steps, hidden) or a list (suggest_categorical over its values); model
and objective are categorical; features and strategies are subsets, one boolean per name. The
linear model has no layers, hidden, seq_len or dropout; dropout is used only with layers > 1;
features are not used by the portfolio model, strategies only by it (at least 2). A draw whose
subset is empty (or has fewer than 2 strategies) is resampled: the trial is told FAIL (TPE ignores
it) and a new one is asked, without spending budget. After RESAMPLES such draws in a row the last one
is repaired instead: names drawn at random (random.Random(SEED)) are switched on until the subset is
valid, and the repaired parameters are enqueued as the next trial, so that what TPE records is the
genome evaluated. (Resampling alone can loop for ever: once TPE has a model, its draw is nearly
deterministic - the argmax of l(x)/g(x) per boolean - and a FAIL trial does not change the model; on
a noise set every feature came out off 1000 times in a row.)
"""
import json
import math
import os
import random
import subprocess
import sys
import time

import yaml

INT_GENES = {"layers", "hidden", "seq_len", "batch", "steps", "rebalance"}
LOG_GENES = {"lr", "weight_decay", "steps", "hidden"}
NUMERIC_GENES = ["layers", "hidden", "seq_len", "lr", "weight_decay", "dropout", "batch", "steps",
                 "rebalance"]
FAILED_VALUE = -1e9
RESAMPLES = 10
EVAL_TIMEOUT_S = 1800


def evofolio_bin():
    env = os.environ.get("EVOFOLIO_BIN")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(here), "build", "evofolio")


def load_config(binary, config):
    """The resolved configuration (evofolio check), every default filled in."""
    out = subprocess.run([binary, "check", config], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("optuna_search: %s check %s failed (exit %d):\n%s"
                 % (binary, config, out.returncode, out.stderr.strip()))
    return yaml.safe_load(out.stdout)


def suggest_number(trial, name, space):
    if isinstance(space, list):
        return trial.suggest_categorical(name, space)
    lo, hi = space["min"], space["max"]
    log = name in LOG_GENES and lo > 0
    if name in INT_GENES:
        return trial.suggest_int(name, int(lo), int(hi), log=log)
    return trial.suggest_float(name, float(lo), float(hi), log=log)


def suggest_subset(trial, name, names):
    return [n for n in names if trial.suggest_categorical("%s.%s" % (name, n), [False, True])]


def repair(params, space, rng):
    """params with names of the too-small subset switched on (at random) until it is valid."""
    gene, need = ("strategies", 2) if params["model"] == "portfolio" else ("features", 1)
    names = list(space[gene])
    have = [n for n in names if params.get("%s.%s" % (gene, n))]
    off = [n for n in names if n not in have]
    rng.shuffle(off)
    fixed = dict(params)
    for n in off[:max(0, need - len(have))]:
        fixed["%s.%s" % (gene, n)] = True
    return fixed


def suggest_genome(trial, space):
    """A genome (dict), or None when a subset came out too small (resample)."""
    g = {"model": trial.suggest_categorical("model", list(space["model"])),
         "objective": trial.suggest_categorical("objective", list(space["objective"]))}
    linear, portfolio = g["model"] == "linear", g["model"] == "portfolio"
    for gene in NUMERIC_GENES:
        if linear and gene in ("layers", "hidden", "seq_len", "dropout"):
            continue
        if gene == "dropout" and g["layers"] <= 1:
            continue
        g[gene] = suggest_number(trial, gene, space[gene])
    if portfolio:
        g["strategies"] = suggest_subset(trial, "strategies", list(space["strategies"]))
        if len(g["strategies"]) < 2:
            return None
    else:
        g["features"] = suggest_subset(trial, "features", list(space["features"]))
        if not g["features"]:
            return None
    return g


def test_nets(binary, cfg):
    """How many nets `evofolio run` averages on the test period: ga.confirm_seeds when `eval` has
    --nets (the run tests its champion as an ensemble of that many), else 1."""
    out = subprocess.run([binary, "eval", "--help"], capture_output=True, text=True)
    if "--nets" not in out.stdout + out.stderr:
        return 1
    return max(1, int(cfg.get("ga", {}).get("confirm_seeds", 1) or 1))


def evaluate(binary, config, genome, seed, test=False, nets=1):
    """(status, fitness, test sharpe or None, reason) of one `evofolio eval`."""
    cmd = [binary, "eval", config, "--genome", json.dumps(genome), "--seed", str(seed),
           "--format", "json"] + (["--test"] if test else []) + (["--nets", str(nets)] if nets > 1 else [])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=EVAL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "failed", None, None, "timed out after %d s" % EVAL_TIMEOUT_S
    try:
        res = json.loads(out.stdout)
    except ValueError:
        return "failed", None, None, "exit %d, no JSON: %s" % (out.returncode, out.stderr.strip()[:200])
    fitness = res.get("fitness")
    if out.returncode != 0 or res.get("status") != "ok" or not isinstance(fitness, (int, float)) \
            or not math.isfinite(fitness):
        return "failed", None, None, "exit %d, status %s: %s" % (out.returncode, res.get("status"),
                                                                  res.get("reason") or out.stderr.strip()[:200])
    sharpe = (res.get("test") or {}).get("sharpe") if test else None
    return "ok", float(fitness), sharpe, ""


def main():
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    config, budget, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        import optuna
    except ImportError:
        sys.exit("optuna_search: cannot import optuna (install python3-optuna)")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    binary = evofolio_bin()
    cfg = load_config(binary, config)
    space = cfg["search"]
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    rng = random.Random(seed)
    best = None  # (fitness, genome)
    failures = resamples = repairs = 0
    started = time.time()
    for i in range(1, budget + 1):
        tries = 0
        while True:
            trial = study.ask()
            genome = suggest_genome(trial, space)
            if genome is not None:
                break
            drawn = dict(trial.params)  # every gene of the draw, the too-small subset included
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            tries += 1
            if tries < RESAMPLES:
                resamples += 1
            elif tries == RESAMPLES:
                study.enqueue_trial(repair(drawn, space, rng))
                repairs += 1
            else:
                sys.exit("optuna_search: the repaired draw is still invalid: %s" % json.dumps(drawn))
        status, fitness, _, reason = evaluate(binary, config, genome, i)
        if status != "ok":
            failures += 1
            sys.stderr.write("tpe: trial %d failed: %s\n" % (i, reason))
        value = fitness if status == "ok" else FAILED_VALUE
        study.tell(trial, value)
        if status == "ok" and (best is None or fitness > best[0]):
            best = (fitness, genome)
        if i % 25 == 0 or i == budget:
            sys.stderr.write("tpe: %d/%d trials  best %.4f  failed %d  resampled %d  repaired %d  %.0f s\n"
                             % (i, budget, best[0] if best else float("nan"), failures, resamples,
                                repairs, time.time() - started))
    if best is None:
        print("tpe_test=nan tpe_fitness=nan")
        sys.exit("optuna_search: every trial failed")
    sys.stderr.write("tpe: best genome %s\n" % json.dumps(best[1]))
    nets = test_nets(binary, cfg)
    sys.stderr.write("tpe: testing it with --seed 1 --test%s\n" % (" --nets %d" % nets if nets > 1 else ""))
    status, _, sharpe, reason = evaluate(binary, config, best[1], 1, test=True, nets=nets)
    if status != "ok" or sharpe is None:
        print("tpe_test=nan tpe_fitness=%.6g" % best[0])
        sys.exit("optuna_search: the test evaluation of the best genome failed: %s" % reason)
    print("tpe_test=%.6g tpe_fitness=%.6g" % (sharpe, best[0]))


if __name__ == "__main__":
    main()
