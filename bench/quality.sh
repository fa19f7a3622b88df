#!/usr/bin/env bash
# bench/quality.sh: search quality on synthetic data (make bench-quality; bench/README.md).
#
# For each set kind:strength:seed it writes a synthetic panel (a planted ar or leadlag signal, or pure
# noise: kind none), a configuration that is configs/default.yaml with only name, data, split and
# output replaced, and then runs, on the same data and budget:
#   ga      the default search (mpirun, nproc + 1 ranks, --seed = the set's seed)
#   random  the same configuration with ga.generations 1 and ga.population = the GA run's
#           evaluations + confirmations (random search; its champion is confirmed and tested alike)
#   tpe     Optuna's TPE sampler, as many trials (bench/optuna_search.py; optional: python3-optuna)
#   rungs   multi-fidelity: the default search with ga.rungs 3, ga.eta 3 (successive halving in each
#           generation), no generation limit and ga.max_seconds = the GA run's search time (its first
#           evaluation's start to its last one's end), on as many ranks: equal core-seconds
#   asha    the same in steady mode (ASHA's asynchronous promotions)
#   lstm    the default search with search.arch: [lstm] (the GA's budget: population x generations)
#   attention  the same with search.arch: [attention]: LSTM against attention on the same data,
#           budget and seed (the default search lets both compete)
# next to the yardsticks of build/bench/quality_yardsticks (equal weight, the rule that knows the
# plant, ridge on ret1). Prints a table (stdout), the means and the targets (PASS/FAIL, informational),
# and writes build/bench/quality/results.csv. Exits 0 unless a step crashed.
#
# Environment: BENCH_QUALITY_SETS (default below), BENCH_QUALITY_METHODS (default "ga random tpe"),
# BENCH_QUALITY_RANKS (default nproc + 1), BENCH_QUALITY_BUDGET (the random/TPE budget when ga is not
# among the methods; default population x generations + confirm x confirm_seeds of the default),
# BENCH_QUALITY_SECONDS (the rungs/asha search time when ga is not among the methods; default 90),
# BENCH_QUALITY_FOLDS (split.folds; default 2), EVOFOLIO_BIN and QUALITY_YARDSTICKS (the binaries;
# the scratch directory is quality/ next to the latter), BENCH_PYTHON (default /usr/bin/python3).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${EVOFOLIO_BIN:-$ROOT/build/evofolio}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
YARD=${QUALITY_YARDSTICKS:-$ROOT/build/bench/quality_yardsticks}
case $YARD in /*) ;; *) YARD=$PWD/$YARD ;; esac
PY=${BENCH_PYTHON:-/usr/bin/python3}
SETS=${BENCH_QUALITY_SETS:-"ar:0.25:11 ar:0.35:12 leadlag:0.3:13 leadlag:0.45:14 none:0:15 none:0:16"}
METHODS=${BENCH_QUALITY_METHODS:-"ga random tpe"}
RANKS=${BENCH_QUALITY_RANKS:-$(( $(nproc) + 1 ))}
DAYS=2520
WORK=$(dirname "$YARD")/quality   # build/bench/quality
DEFAULT_CFG=$ROOT/configs/default.yaml
export BENCH_QUALITY_FOLDS=${BENCH_QUALITY_FOLDS:-2}
export EVOFOLIO_BIN=$BIN

log() { echo "quality: $*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
has() { case " $METHODS " in *" $1 "*) return 0 ;; esac; return 1; }

[ -x "$BIN" ] || die "$BIN is missing: run make first"
[ -x "$YARD" ] || die "$YARD is missing: run make $YARD"
"$PY" -c 'import yaml' 2>/dev/null || die "$PY cannot import yaml (PyYAML)"
for m in $METHODS; do
  case $m in ga|random|tpe|rungs|asha|lstm|attention) ;;
    *) die "unknown method '$m' in BENCH_QUALITY_METHODS (ga random tpe rungs asha lstm attention)" ;; esac
done
TPE_OK=0
if has tpe; then
  if "$PY" -c 'import optuna' 2>/dev/null; then TPE_OK=1
  else echo "tpe: skipped: python3-optuna not installed"; log "tpe skipped: python3-optuna not installed"; fi
fi

START=$(now)
rm -rf "$WORK" && mkdir -p "$WORK/bin" || die "cannot create $WORK"
# Run copies of the binaries: a rebuild in the middle of the benchmark must not change (or, while the
# linker writes it, break) the binary that the remaining sets run.
cp "$BIN" "$WORK/bin/evofolio" && cp "$YARD" "$WORK/bin/quality_yardsticks" || die "cannot copy the binaries to $WORK/bin"
BIN=$WORK/bin/evofolio YARD=$WORK/bin/quality_yardsticks
export EVOFOLIO_BIN=$BIN
"$BIN" --version >/dev/null || die "$BIN does not run"
log "$("$BIN" --version | head -n 1), $RANKS ranks, $BENCH_QUALITY_FOLDS folds, sets: $SETS; methods: $METHODS"
CRASHED=0

# mkcfg OUT NAME [KEY=VALUE...]: configs/default.yaml with name, data (data.csv), split and output
# (OUT's name with .db for .yaml) replaced, all relative to OUT's directory, and each ga KEY set to
# VALUE (the random search's population, the rungs' settings); a KEY with a dot names its section
# (search.arch=[lstm]), its VALUE read as YAML.
mkcfg() {
  "$PY" - "$DEFAULT_CFG" "$@" <<'EOF'
import os, sys, yaml
src, out, name = sys.argv[1:4]
with open(src) as f:
    cfg = yaml.safe_load(f)
cfg["name"] = name
cfg["data"] = {"prices": "data.csv"}
cfg["split"] = {"test_days": 500, "folds": int(os.environ.get("BENCH_QUALITY_FOLDS", "2")),
                "train_days": 750, "val_days": 250, "embargo_days": 5}
cfg["output"] = {"archive": os.path.splitext(os.path.basename(out))[0] + ".db"}
def scalar(v):
    for kind in (int, float):
        try:
            return kind(v)
        except ValueError:
            pass
    return v
for kv in sys.argv[4:]:
    key, value = kv.split("=", 1)
    if "." in key:
        section, key = key.split(".", 1)
        cfg.setdefault(section, {})[key] = yaml.safe_load(value)
    else:
        cfg["ga"][key] = scalar(value)
with open(out, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
EOF
}

# q DB SQL: the first row of a query, as CSV without the header.
q() { "$BIN" query "$1" sql "$2" --format csv | sed -n 2p; }

# search METHOD DIR CFG SEED: run the search, read its archive; sets S_TEST S_SKILL S_DSR S_PBO S_EVALS
# S_SECS, S_SEARCH (seconds from the first evaluation's start to the last one's end) and S_CHAMP (the
# champion's model kind and architecture, as asset/attention).
search() {
  local method=$1 dir=$2 cfg=$3 seed=$4 db t0 rc n c
  db=$dir/$(basename "$cfg" .yaml).db
  S_TEST=ERR S_SKILL=ERR S_DSR=ERR S_PBO=ERR S_EVALS=ERR S_SECS=ERR S_SEARCH=ERR S_CHAMP=ERR
  t0=$(now)
  mpirun --allow-run-as-root --oversubscribe -n "$RANKS" "$BIN" run "$cfg" --seed "$seed" \
    >"$dir/$method.out" 2>"$dir/$method.err"
  rc=$?
  S_SECS=$(elapsed "$t0")
  if [ $rc != 0 ]; then
    log "$method: evofolio run exited $rc after $S_SECS s; see $dir/$method.out and $dir/$method.err:"
    tail -n 5 "$dir/$method.err" >&2
    CRASHED=1
    return 1
  fi
  S_TEST=$(q "$db" "SELECT f.sharpe FROM tests t JOIN folds f ON f.run = t.run AND f.eval = t.eval AND f.fold = 0 WHERE t.rank = 1")
  S_CHAMP=$(q "$db" "SELECT e.model || '/' || e.arch FROM tests t JOIN evaluations e ON e.run = t.run AND e.id = t.eval WHERE t.rank = 1")
  IFS=, read -r S_SKILL S_DSR S_PBO <<EOF
$(q "$db" "SELECT skill, dsr, pbo FROM runs")
EOF
  n=$(q "$db" "SELECT count(*) FROM evaluations")
  c=$(q "$db" "SELECT count(*) FROM confirmations")
  S_SEARCH=$(q "$db" "SELECT printf('%.1f', max(finished) - min(started)) FROM evaluations")
  case "$n,$c" in ,*|*,|*[!0-9,]*) S_EVALS=ERR ;; *) S_EVALS=$((n + c)) ;; esac
  [ -n "$S_TEST" ] || { S_TEST=ERR; log "$method: no champion test row in $db"; CRASHED=1; }
  [ -n "$S_SKILL" ] || S_SKILL=ERR
  log "$method: done in $S_SECS s: test Sharpe $S_TEST, skill $S_SKILL, dsr $S_DSR, pbo $S_PBO, $S_EVALS evaluations ($n + $c confirmations)"
  grep '^verdict:' "$dir/$method.out" | sed "s/^/quality: $method: /" >&2
}

# The budget random and TPE get when GA does not run: the default's population x generations plus
# its confirmation retrains (evofolio check resolves the defaults).
fallback_budget() {
  "$BIN" check "$1" | "$PY" -c '
import sys, yaml
g = yaml.safe_load(sys.stdin)["ga"]
print(g["population"] * g["generations"] + g.get("confirm", 0) * g.get("confirm_seeds", 0))'
}

CSV=$WORK/results.csv
echo "kind,strength,seed,assets,days,ew,rule,rule_gross,ridge,ridge_gross,ga_test,ga_skill,ga_dsr,ga_pbo,ga_evals,ga_seconds,random_test,random_skill,random_evals,random_seconds,tpe_test,tpe_fitness,tpe_trials,tpe_seconds,ga_search_seconds,rungs_test,rungs_skill,rungs_evals,rungs_search_seconds,asha_test,asha_skill,asha_evals,asha_search_seconds,lstm_test,lstm_skill,lstm_evals,lstm_champion,attention_test,attention_skill,attention_evals,attention_champion" >"$CSV"

nsets=$(echo $SETS | wc -w)
i=0
for set in $SETS; do
  i=$((i + 1))
  IFS=: read -r kind strength seed <<EOF
$set
EOF
  [ -n "$kind" ] && [ -n "$strength" ] && [ -n "$seed" ] || die "bad set '$set': expected kind:strength:seed"
  case $kind in leadlag) assets=8 ;; *) assets=10 ;; esac
  tag=$kind-$strength-$seed
  dir=$WORK/$tag
  mkdir -p "$dir"
  log "set $i/$nsets $set: $assets assets x $DAYS days in $dir"
  if [ "$kind" = none ]; then
    "$BIN" synth --seed "$seed" --assets "$assets" --days "$DAYS" --out "$dir/data.csv" || die "synth failed for $set"
  else
    "$BIN" synth --planted "$kind" --strength "$strength" --seed "$seed" --assets "$assets" --days "$DAYS" \
      --out "$dir/data.csv" || die "synth failed for $set"
  fi
  mkcfg "$dir/ga.yaml" "quality-$tag-ga" || die "cannot write $dir/ga.yaml"
  "$BIN" check "$dir/ga.yaml" >"$dir/ga.check" || die "evofolio check rejects $dir/ga.yaml"

  ew=ERR rule=ERR rule_gross=ERR ridge=ERR ridge_gross=ERR
  yl=$("$YARD" "$dir/ga.yaml" "$kind" "$strength" "$seed" "$assets" "$DAYS")
  if [ $? = 0 ]; then
    for kv in $yl; do
      case $kv in ew=*|rule=*|rule_gross=*|ridge=*|ridge_gross=*) eval "${kv%%=*}=\${kv#*=}" ;; esac
    done
    log "yardsticks: $yl"
  else
    log "quality_yardsticks failed for $set"; CRASHED=1
  fi

  ga_test=- ga_skill=- ga_dsr=- ga_pbo=- ga_evals=- ga_secs=- ga_search=-
  if has ga; then
    log "ga: mpirun -n $RANKS evofolio run $dir/ga.yaml --seed $seed"
    search ga "$dir" "$dir/ga.yaml" "$seed"
    ga_test=$S_TEST ga_skill=$S_SKILL ga_dsr=$S_DSR ga_pbo=$S_PBO ga_evals=$S_EVALS ga_secs=$S_SECS ga_search=$S_SEARCH
  fi
  case $ga_search in ''|-|ERR) seconds=${BENCH_QUALITY_SECONDS:-90} ;; *) seconds=$ga_search ;; esac

  # the multi-fidelity searches: the GA's search time, on as many ranks (ga.max_seconds counts the
  # search only; the finalists' confirmation and test come after it, as in the GA run)
  for m in rungs asha; do
    eval "${m}_test=- ${m}_skill=- ${m}_evals=- ${m}_search=-"
    has $m || continue
    case $m in rungs) mode=generational ;; asha) mode=steady ;; esac
    mkcfg "$dir/$m.yaml" "quality-$tag-$m" mode=$mode rungs=3 eta=3 generations=1000000 max_seconds="$seconds" ||
      die "cannot write $dir/$m.yaml"
    log "$m: ga.rungs 3, eta 3, ga.max_seconds $seconds: mpirun -n $RANKS evofolio run $dir/$m.yaml --seed $seed"
    search $m "$dir" "$dir/$m.yaml" "$seed"
    eval "${m}_test=\$S_TEST ${m}_skill=\$S_SKILL ${m}_evals=\$S_EVALS ${m}_search=\$S_SEARCH"
  done
  # one architecture alone, on the GA's budget and seed
  for m in lstm attention; do
    eval "${m}_test=- ${m}_skill=- ${m}_evals=- ${m}_champion=-"
    has $m || continue
    mkcfg "$dir/$m.yaml" "quality-$tag-$m" "search.arch=[$m]" || die "cannot write $dir/$m.yaml"
    log "$m: search.arch [$m]: mpirun -n $RANKS evofolio run $dir/$m.yaml --seed $seed"
    search $m "$dir" "$dir/$m.yaml" "$seed"
    eval "${m}_test=\$S_TEST ${m}_skill=\$S_SKILL ${m}_evals=\$S_EVALS ${m}_champion=\$S_CHAMP"
  done
  case $ga_evals in ''|0|*[!0-9]*) budget=${BENCH_QUALITY_BUDGET:-$(fallback_budget "$dir/ga.yaml")} ;; *) budget=$ga_evals ;; esac

  rnd_test=- rnd_skill=- rnd_evals=- rnd_secs=-
  if has random; then
    mkcfg "$dir/random.yaml" "quality-$tag-random" generations=1 population="$budget" || die "cannot write $dir/random.yaml"
    log "random: population $budget, 1 generation: mpirun -n $RANKS evofolio run $dir/random.yaml --seed $seed"
    search random "$dir" "$dir/random.yaml" "$seed"
    rnd_test=$S_TEST rnd_skill=$S_SKILL rnd_evals=$S_EVALS rnd_secs=$S_SECS
  fi

  tpe_test=- tpe_fit=- tpe_trials=- tpe_secs=-
  if has tpe && [ $TPE_OK = 1 ]; then
    log "tpe: $PY bench/optuna_search.py $dir/ga.yaml $budget $seed"
    t0=$(now)
    line=$("$PY" "$ROOT/bench/optuna_search.py" "$dir/ga.yaml" "$budget" "$seed" 2>"$dir/tpe.err")
    rc=$?
    tpe_secs=$(elapsed "$t0")
    tpe_trials=$budget
    tpe_test=ERR tpe_fit=ERR
    for kv in $line; do
      case $kv in tpe_test=*) tpe_test=${kv#*=} ;; tpe_fitness=*) tpe_fit=${kv#*=} ;; esac
    done
    if [ $rc != 0 ]; then
      log "tpe: optuna_search.py exited $rc; see $dir/tpe.err:"; tail -n 5 "$dir/tpe.err" >&2; CRASHED=1
    else
      log "tpe: done in $tpe_secs s: test Sharpe $tpe_test, best fitness $tpe_fit ($(grep '^tpe: [0-9]*/' "$dir/tpe.err" | tail -n 1 | sed 's/^tpe: //'))"
    fi
  fi

  echo "$kind,$strength,$seed,$assets,$DAYS,$ew,$rule,$rule_gross,$ridge,$ridge_gross,$ga_test,$ga_skill,$ga_dsr,$ga_pbo,$ga_evals,$ga_secs,$rnd_test,$rnd_skill,$rnd_evals,$rnd_secs,$tpe_test,$tpe_fit,$tpe_trials,$tpe_secs,$ga_search,$rungs_test,$rungs_skill,$rungs_evals,$rungs_search,$asha_test,$asha_skill,$asha_evals,$asha_search,$lstm_test,$lstm_skill,$lstm_evals,$lstm_champion,$attention_test,$attention_skill,$attention_evals,$attention_champion" >>"$CSV"
done

# The table, the means and the targets, from results.csv.
"$PY" - "$CSV" "$METHODS" "$TPE_OK" <<'EOF' || CRASHED=1
import csv, math, sys
path, methods, tpe_ok = sys.argv[1], sys.argv[2].split(), sys.argv[3] == "1"
rows = list(csv.DictReader(open(path)))

def num(s):
    try:
        x = float(s)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None

def f(x, d=2):
    if x is None:
        return "-"
    s = "%.*f" % (d, x)
    return s[1:] if s.startswith("-") and float(s) == 0 else s  # no -0.00

def cell(s, d=2):
    x = num(s)
    return f(x, d) if x is not None else (s or "-")

def verdict(s):
    return {"1": "skill", "0": "none"}.get(s, s or "-")

cols = ["kind", "strength", "seed", "ew", "rule", "ridge", "ga_test", "ga_verdict", "ga_evals", "ga_s",
        "random_test", "tpe_test", "rungs_test", "rungs_evals", "asha_test", "asha_evals", "lstm_test",
        "lstm_verdict", "lstm_champion", "attention_test", "attention_verdict", "attention_champion"]
table = [[r["kind"], r["strength"], r["seed"], cell(r["ew"]), cell(r["rule"]), cell(r["ridge"]),
          cell(r["ga_test"]), verdict(r["ga_skill"]), r["ga_evals"], cell(r["ga_seconds"], 0),
          cell(r["random_test"]), cell(r["tpe_test"]), cell(r["rungs_test"]), r["rungs_evals"],
          cell(r["asha_test"]), r["asha_evals"], cell(r["lstm_test"]), verdict(r["lstm_skill"]), r["lstm_champion"],
          cell(r["attention_test"]), verdict(r["attention_skill"]), r["attention_champion"]] for r in rows]

planted = [r for r in rows if r["kind"] != "none"]
noise = [r for r in rows if r["kind"] == "none"]

def mean(rs, key):
    xs = [num(r[key]) for r in rs]
    return None if not rs or any(x is None for x in xs) else sum(xs) / len(xs)

def skills(rs, key):
    s = [num(r[key]) for r in rs]
    return "-" if None in s else "%d/%d" % (sum(s), len(s))

for label, rs in (("mean planted", planted), ("mean noise", noise)):
    if rs:
        skill = [num(r["ga_skill"]) for r in rs]
        table.append([label, "", "n=%d" % len(rs)] +
                     [f(mean(rs, k)) for k in ("ew", "rule", "ridge", "ga_test")] +
                     ["-" if None in skill else "%d/%d skill" % (sum(skill), len(skill)),
                      f(mean(rs, "ga_evals"), 0), f(mean(rs, "ga_seconds"), 0),
                      f(mean(rs, "random_test")), f(mean(rs, "tpe_test")), f(mean(rs, "rungs_test")),
                      f(mean(rs, "rungs_evals"), 0), f(mean(rs, "asha_test")), f(mean(rs, "asha_evals"), 0),
                      f(mean(rs, "lstm_test")), skills(rs, "lstm_skill"), "", f(mean(rs, "attention_test")),
                      skills(rs, "attention_skill"), ""])

widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(cols)]
line = lambda cells: "  ".join(c.rjust(w) if i >= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
print()
print("search quality: champion test Sharpe ratios (net of costs) over the last 500 days; %s" % path)
print(line(cols))
print(line(["-" * w for w in widths]))
for t in table[:len(rows)]:
    print(line(t))
if len(table) > len(rows):
    print(line(["-" * w for w in widths]))
    for t in table[len(rows):]:
        print(line(t))

print()
print("targets (informational):")
npass = nfail = 0
def target(ok, text):
    global npass, nfail
    if ok is None:
        print("  n/a   " + text)
        return
    npass += ok
    nfail += not ok
    print("  %s  %s" % ("PASS" if ok else "FAIL", text))

if "ga" in methods:
    for r in planted:
        name = "%s:%s:%s" % (r["kind"], r["strength"], r["seed"])
        g, ew, rule = num(r["ga_test"]), num(r["ew"]), num(r["rule"])
        target(None if g is None or ew is None else g >= ew + 1.0,
               "%-16s GA test %s >= ew %s + 1.0" % (name, f(g), f(ew)))
        target(None if g is None or rule is None else g >= 0.5 * rule,
               "%-16s GA test %s >= 0.5 x rule %s = %s" % (name, f(g), f(rule), f(None if rule is None else 0.5 * rule)))
        s = num(r["ga_skill"])
        target(None if s is None else s == 1, "%-16s GA verdict %s (planted: skill)" % (name, verdict(r["ga_skill"])))
    for r in noise:
        name = "%s:%s:%s" % (r["kind"], r["strength"], r["seed"])
        s = num(r["ga_skill"])
        target(None if s is None else s == 0, "%-16s GA verdict %s (noise: none)" % (name, verdict(r["ga_skill"])))
    g = mean(planted, "ga_test")
    for m, key in (("random", "random_test"), ("tpe", "tpe_test")):
        if m in methods and planted and (m != "tpe" or tpe_ok):
            o = mean(planted, key)
            target(None if g is None or o is None else g >= o,
                   "mean over planted sets: GA %s >= %s %s" % (f(g), m, f(o)))
# the multi-fidelity searches (at the GA's search time) and each architecture alone: honest on both
# kinds of set; the multi-fidelity ones no worse than the GA (the architectures' comparison is the table's)
for m in ("rungs", "asha", "lstm", "attention"):
    if m not in methods:
        continue
    for r in rows:
        name = "%s:%s:%s" % (r["kind"], r["strength"], r["seed"])
        s, want = num(r[m + "_skill"]), 0 if r["kind"] == "none" else 1
        target(None if s is None else s == want, "%-16s %s verdict %s (%s: %s)" % (
            name, m, verdict(r[m + "_skill"]), "noise" if want == 0 else "planted", verdict(str(want))))
    o, g = mean(planted, m + "_test"), mean(planted, "ga_test")
    if m in ("rungs", "asha") and "ga" in methods and planted:
        target(None if g is None or o is None else o >= g,
               "mean over planted sets at equal core-seconds: %s %s >= GA %s" % (m, f(o), f(g)))
print("%d PASS, %d FAIL" % (npass, nfail))
EOF

log "$nsets sets in $(elapsed "$START") s; results: $CSV"
[ $CRASHED = 0 ] || { log "a step failed (ERR in the table); see the logs under $WORK"; exit 1; }
exit 0
