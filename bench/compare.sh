#!/bin/sh
# compare.sh EVOFOLIO_OUT TORCH_OUT: the table of `make bench` from the machine-readable lines of
# build/bench/lstm_bench ("evofolio NAME samples/s ms/step GFLOP/s floor_ms floor_fraction peak_MiB")
# and bench/torch_lstm.py ("torch NAME samples/s ms/step"); TORCH_OUT may be empty (no PyTorch).
# Targets (bench/README.md): ratio >= 3 (>= 1.2 on large); floor >= 60% (>= 80% on large).
awk '
    $1 == "evofolio" { order[++n] = $2; evo[$2] = $3; ms[$2] = $4; gf[$2] = $5; fl[$2] = $7; mib[$2] = $8 }
    $1 == "torch"    { tch[$2] = $3 }
    END {
        printf "%-10s %12s %9s %12s %7s %7s %8s %9s\n", "config", "evofolio/s", "ms/step", "torch/s",
               "ratio", "floor", "GFLOP/s", "peak MiB"
        for (i = 1; i <= n; i++) {
            c = order[i]
            want_r = c == "large" ? 1.2 : 3; want_f = c == "large" ? 0.8 : 0.6
            if (c in tch && tch[c] > 0) {
                r = evo[c] / tch[c]
                t = sprintf("%12.1f", tch[c]); rs = sprintf("%6.2fx", r)
                miss_r = r < want_r
            } else {
                t = sprintf("%12s", "-"); rs = sprintf("%7s", "-"); miss_r = 0
            }
            note = ""
            if (miss_r) note = note sprintf(" ratio<%gx", want_r)
            if (fl[c] < want_f) note = note sprintf(" floor<%d%%", 100 * want_f)
            printf "%-10s %12.1f %9.3f %s %s %6.0f%% %8.1f %9.1f%s\n", c, evo[c], ms[c], t, rs,
                   100 * fl[c], gf[c], mib[c], note == "" ? "" : "   below target:" note
        }
    }' "$1" "$2"
