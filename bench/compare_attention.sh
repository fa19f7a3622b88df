#!/bin/sh
# compare_attention.sh EVOFOLIO_OUT TORCH_OUT: the table of `make bench-attention` from the
# machine-readable lines of build/bench/attention_bench ("evofolio-attention NAME samples/s ms/step
# GFLOP/s") and bench/torch_attention.py ("torch-attention NAME samples/s ms/step"); TORCH_OUT may be
# empty (no PyTorch). No targets yet: the ratio is informational (bench/README.md).
awk '
    $1 == "evofolio-attention" { order[++n] = $2; evo[$2] = $3; ms[$2] = $4; gf[$2] = $5 }
    $1 == "torch-attention"    { tch[$2] = $3; tms[$2] = $4 }
    END {
        printf "%-10s %12s %9s %8s %12s %9s %7s\n", "config", "evofolio/s", "ms/step", "GFLOP/s", "torch/s",
               "ms/step", "ratio"
        for (i = 1; i <= n; i++) {
            c = order[i]
            if (c in tch && tch[c] > 0)
                t = sprintf("%12.1f %9.3f %6.2fx", tch[c], tms[c], evo[c] / tch[c])
            else
                t = sprintf("%12s %9s %7s", "-", "-", "-")
            printf "%-10s %12.1f %9.3f %8.1f %s\n", c, evo[c], ms[c], gf[c], t
        }
    }' "$1" "$2"
