/* baselines_bench: time of the seven baseline strategies (strategy_run) over a whole panel with daily
 * rebalancing, on one core. The target: all seven over the Dow 30 data in under 1 s.
 *
 *   build/bench/baselines_bench [CSV]        (default data/dow30.csv)
 *
 * Each strategy runs from panel day 252 (the first day with a full 252-return window) to the last day,
 * k = 1, 10 bps, window 252; the median of 3 repeats is reported. Shapes: D days, A assets, T return
 * days. Output: one line per strategy (seconds, decisions, trades, fallbacks, final wealth), then the
 * total and whether it meets the 1 s target. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "evofolio/catalog.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/strategies.h"

enum {
    BENCH_WINDOW = 252, /* estimation window, returns */
    BENCH_REPEATS = 3   /* timed repeats per strategy; the median is reported */
};
static const double BENCH_COST_BPS = 10;
static const double BENCH_TARGET_S = 1.0; /* all seven strategies together */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double median3(double a, double b, double c)
{
    return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

int main(int argc, char **argv)
{
    char *path = argc > 1 ? argv[1] : "data/dow30.csv";
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [CSV]   (a wide CSV of closes; default data/dow30.csv)\n", argv[0]);
        return 2;
    }
    evo_panel p;
    evo_error err = {0};
    const data_options opt = {.missing = MISSING_ERROR, .ffill_limit = 0};
    int rc = data_load_files(&path, 1, &opt, &p, &err);
    if (rc) {
        fprintf(stderr, "baselines_bench: %s\n", err.msg);
        return evo_exit_code(rc);
    }
    const int first = BENCH_WINDOW, last = p.n_days - 1;
    if (last <= first) {
        fprintf(stderr, "baselines_bench: %s has %d days; need more than %d\n", path, p.n_days, first + 1);
        data_panel_free(&p);
        return 2;
    }
    printf("# %s: %d days x %d assets; days %d..%d (T = %d), window %d, k = 1, %g bps, one core, "
           "median of %d\n", path, p.n_days, p.n_assets, first, last, last - first, BENCH_WINDOW,
           BENCH_COST_BPS, BENCH_REPEATS);
    printf("%-10s %9s %9s %7s %9s %12s\n", "strategy", "seconds", "ms/day", "trades", "fallbacks",
           "final wealth");
    double total = 0;
    for (int s = 0; s < STRATEGY_COUNT; s++) {
        double t[BENCH_REPEATS];
        evo_strategy_run run = {0};
        for (int r = 0; r < BENCH_REPEATS; r++) {
            strategy_run_free(&run);
            const double t0 = now_s();
            rc = strategy_run(&run, s, &p, first, last, &(evo_strategy_settings){BENCH_WINDOW, 5}, 1, BENCH_COST_BPS, &err);
            t[r] = now_s() - t0;
            if (rc) {
                fprintf(stderr, "baselines_bench: %s: %s\n", catalog_strategies.names[s], err.msg);
                data_panel_free(&p);
                return evo_exit_code(rc);
            }
        }
        const double sec = median3(t[0], t[1], t[2]);
        total += sec;
        printf("%-10s %9.4f %9.4f %7d %9d %12.4f\n", catalog_strategies.names[s], sec,
               1e3 * sec / (last - first), run.bt.trades, run.fallbacks, run.bt.wealth[run.bt.T]);
        strategy_run_free(&run);
    }
    printf("%-10s %9.4f   target < %g s: %s\n", "total", total, BENCH_TARGET_S,
           total < BENCH_TARGET_S ? "met" : "MISSED");
    data_panel_free(&p);
    return 0;
}
