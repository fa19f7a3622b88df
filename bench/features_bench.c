/* features_bench: time features_compute over a market data file - every feature but volchg (wide CSVs
 * carry no volume), normalisation window 252 - and print the median of 5 runs in milliseconds.
 *
 *   build/bench/features_bench [FILE]      (default data/dow30.csv; `make bench-features`)
 *
 * Shapes: D days, A assets, F features. Target (issue 4): under 100 ms for the Dow 30 (2529 x 30). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "evofolio/data.h"
#include "evofolio/features.h"

enum {
    BENCH_REPEATS = 5, /* timed runs; the median is reported */
    BENCH_WINDOW = 252 /* normalisation window, the default backtest.window */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    char *path = argc > 1 ? argv[1] : "data/dow30.csv";
    data_options opt = {.missing = MISSING_ERROR};
    evo_panel panel;
    evo_error err = {0};
    if (data_load_files(&path, 1, &opt, &panel, &err)) {
        fprintf(stderr, "features_bench: %s\n", err.msg);
        return 1;
    }
    const unsigned mask = ((1u << FEATURE_COUNT) - 1) & ~(1u << FEATURE_VOLCHG);
    double ms[BENCH_REPEATS];
    int F = 0, first = 0;
    for (int r = 0; r < BENCH_REPEATS; r++) {
        evo_features x;
        double t0 = now_ms();
        int rc = features_compute(&x, &panel, mask, BENCH_WINDOW, &err);
        ms[r] = now_ms() - t0;
        if (rc) {
            fprintf(stderr, "features_bench: %s\n", err.msg);
            data_panel_free(&panel);
            return 1;
        }
        F = x.F;
        first = x.first_usable;
        features_free(&x);
    }
    qsort(ms, BENCH_REPEATS, sizeof ms[0], cmp_double);
    printf("# features_compute: %s, %d days x %d assets x %d features, window %d, first usable day %d\n",
           path, panel.n_days, panel.n_assets, F, BENCH_WINDOW, first);
    printf("# runs (ms, sorted):");
    for (int r = 0; r < BENCH_REPEATS; r++)
        printf(" %.2f", ms[r]);
    printf("\nfeatures_ms %.2f (median of %d; target < 100)\n", ms[BENCH_REPEATS / 2], BENCH_REPEATS);
    data_panel_free(&panel);
    return 0;
}
