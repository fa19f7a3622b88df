#!/bin/sh
# The code map, checked (make check-layers; README.md, "Code map"). Each module - its
# include/evofolio/<module>.h and src/<module>.c - belongs to one layer, and an #include "evofolio/..."
# may name a module of its own layer or of a layer below, never one above. nn and market are siblings
# on one rung: neither includes the other. Every src/*.c and include/evofolio/*.h must be in the table.
# Exit status 1, with one "file:line: ..." message per break, when the map does not hold.
cd "$(dirname "$0")/.." || exit 2

# layer rung modules...: the one table.
LAYERS='
base      0 error rng hash date csv catalog suggest buf svg version genes config pareto asha
nn        1 blas blas_plan adamw loss vecmath lstm head attention net
market    1 data features folds strategies backtest metrics qp synth cluster
candidate 2 genome model evaluate
search    3 ga archive archive_print archive_int farm search
report    4 report report_load report_int
cmd       5 cmd main cmd_baselines cmd_check cmd_data cmd_eval cmd_query cmd_report cmd_run cmd_synth
'

printf '%s\n' "$LAYERS" | awk '
    NR == FNR {
        for (i = 3; i <= NF; i++) { layer[$i] = $1; rung[$i] = $2 }
        next
    }
    FNR == 1 {
        file = FILENAME
        mod = file; sub(/^.*\//, "", mod); sub(/\.[ch]$/, "", mod)
        if (!(mod in layer)) {
            printf "%s: module %s is in no layer; add it to the table in tools/check-layers.sh\n", file, mod
            bad = 1
        }
    }
    /^[ \t]*#[ \t]*include[ \t]*"evofolio\// && (mod in layer) {
        dep = $0; sub(/^[^"]*"evofolio\//, "", dep); sub(/\.h".*$/, "", dep)
        if (!(dep in layer)) {
            printf "%s:%d: module %s includes %s, which is in no layer\n", file, FNR, mod, dep
            bad = 1
        } else if (rung[dep] > rung[mod]) {
            printf "%s:%d: module %s (layer %s) includes %s (layer %s), which is above it\n",
                   file, FNR, mod, layer[mod], dep, layer[dep]
            bad = 1
        } else if (rung[dep] == rung[mod] && layer[dep] != layer[mod]) {
            printf "%s:%d: module %s (layer %s) includes %s (layer %s), its sibling: neither may include the other\n",
                   file, FNR, mod, layer[mod], dep, layer[dep]
            bad = 1
        }
    }
    END { exit bad }
' - src/*.c src/*.h include/evofolio/*.h
