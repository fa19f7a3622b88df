#!/bin/sh
# compare.sh EVOFOLIO_OUT TORCH_OUT: the table of `make bench` from the machine-readable lines of
# build/bench/lstm_bench ("peak GFLOP/s PATH" and "evofolio NAME samples/s ms/step GFLOP/s floor_ms
# floor_fraction peak_MiB peak_share") and bench/torch_lstm.py ("torch NAME samples/s ms/step");
# TORCH_OUT may be empty (no PyTorch). Targets (bench/README.md, issue 14): large >= 75% of the
# machine's peak and >= 1.5x PyTorch; seed and portfolio >= 60% of peak and >= 3x; small >= 3x.
awk '
    $1 == "peak"     { peak = $2; peak_path = $3 }
    $1 == "evofolio" { order[++n] = $2; evo[$2] = $3; ms[$2] = $4; gf[$2] = $5; fl[$2] = $7; mib[$2] = $8
                       share[$2] = $9 }
    $1 == "torch"    { tch[$2] = $3 }
    END {
        printf "machine peak (best 1024^3 sgemm, one thread): %.1f GFLOP/s (%s)\n", peak, peak_path
        printf "%-10s %12s %9s %12s %7s %8s %7s %7s %9s\n", "config", "evofolio/s", "ms/step", "torch/s",
               "ratio", "GFLOP/s", "peak", "floor", "peak MiB"
        for (i = 1; i <= n; i++) {
            c = order[i]
            want_r = c == "large" ? 1.5 : 3
            want_p = c == "large" ? 0.75 : c == "small" ? 0 : 0.6
            if (c in tch && tch[c] > 0) {
                r = evo[c] / tch[c]
                t = sprintf("%12.1f", tch[c]); rs = sprintf("%6.2fx", r)
                miss_r = r < want_r
            } else {
                t = sprintf("%12s", "-"); rs = sprintf("%7s", "-"); miss_r = 0
            }
            note = ""
            if (miss_r) note = note sprintf(" ratio<%gx", want_r)
            if (share[c] < want_p) note = note sprintf(" peak<%d%%", 100 * want_p)
            printf "%-10s %12.1f %9.3f %s %s %8.1f %6.0f%% %6.0f%% %9.1f%s\n", c, evo[c], ms[c], t, rs,
                   gf[c], 100 * share[c], 100 * fl[c], mib[c], note == "" ? "" : "   below target:" note
        }
    }' "$1" "$2"
