/* Tests of strategies: each baseline's weights on small panels built here (by hand or with synth), the
 * estimation window's convention, the maxsharpe fallback, strategy_run against a hand-worked backtest,
 * k = 0 as buy and hold, causality, and the errors. Shapes: D panel days, A assets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/qp.h"
#include "evofolio/rng.h"
#include "evofolio/strategies.h"
#include "evofolio/synth.h"

/* The settings of a window of w returns (and 2 clusters). */
#define WINDOW(w) (&(evo_strategy_settings){.window = (w), .clusters = 2})

/* A D x A panel of closes, all 100; names and dates left NULL (strategies read neither). */
static evo_panel panel_new(int D, int A)
{
    evo_panel p = {.n_days = D, .n_assets = A};
    p.close = malloc(sizeof *p.close * D * A);
    cr_assert_not_null(p.close);
    for (int i = 0; i < D * A; i++)
        p.close[i] = 100;
    return p;
}

static evo_panel synth(int A, int D, uint64_t seed)
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = A;
    o.n_days = D;
    o.seed = seed;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_OK, "%s", err.msg);
    return p;
}

/* Prices whose every daily return lies in [-0.3%, -0.1%]: every sample mean is negative. */
static evo_panel falling(int A, int D, uint64_t seed)
{
    evo_panel p = panel_new(D, A);
    evo_rng rng;
    rng_seed(&rng, seed);
    for (int d = 1; d < D; d++)
        for (int a = 0; a < A; a++)
            p.close[d * A + a] = p.close[(d - 1) * A + a] * (1 - 0.002 + 0.001 * (2 * rng_uniform(&rng) - 1));
    return p;
}

static void weights(double *w, evo_strategy s, const evo_panel *p, int t, int window, int *fell_back)
{
    evo_error err = {0};
    cr_assert_eq(strategy_weights(w, s, p, t, WINDOW(window), fell_back, &err), EVO_OK, "%s: %s",
                 catalog_strategies.names[s], err.msg);
}

Test(strategies, ew_and_buyhold_weights, .description = "ew and buyhold decide 1/A on every asset")
{
    evo_panel p = synth(7, 300, 1);
    double w[7];
    const evo_strategy both[] = {STRATEGY_EW, STRATEGY_BUYHOLD};
    for (int k = 0; k < 2; k++) {
        int fell_back = -1;
        weights(w, both[k], &p, 260, 252, &fell_back);
        cr_assert_eq(fell_back, 0);
        for (int a = 0; a < 7; a++)
            cr_assert_eq(w[a], 1.0 / 7);
    }
    data_panel_free(&p);
}

/* Window 3 at day t = 4 uses the returns of days 2, 3, 4 only (day 1's +100% must not count):
 *   asset 0: 200, 220, 198, 217.8 -> r = (.1, -.1, .1), mean 1/30, deviations (2, -4, 2)/30,
 *            sd = sqrt((4 + 16 + 4)/900 / 2) = sqrt(1/75)
 *   asset 1: 100, 102, 99.96, 101.9592 -> r = (.02, -.02, .02) = r0 / 5, sd = sqrt(1/75) / 5
 *   w ∝ 1/sd = (1, 5): w = (1/6, 5/6). The prices are not exact in binary, so the returns carry
 *   ~1e-16 absolute error on values of .02..0.1 (1e-14 relative); 1e-12 leaves a wide margin. */
Test(strategies, invvol_by_hand, .description = "two assets, window 3: w = (1/6, 5/6)")
{
    evo_panel p = panel_new(5, 2);
    const double close[] = {100, 50, 200, 100, 220, 102, 198, 99.96, 217.8, 101.9592};
    memcpy(p.close, close, sizeof close);
    double w[2];
    weights(w, STRATEGY_INVVOL, &p, 4, 3, NULL);
    cr_assert_float_eq(w[0], 1.0 / 6, 1e-12);
    cr_assert_float_eq(w[1], 5.0 / 6, 1e-12);
    data_panel_free(&p);
}

/* A = 7: the top ceil(7/3) = 3 by mom126 = P[t-21]/P[t-126] - 1 at t = 129, so P[108] / P[3] - 1.
 * P[3] = 100 for all; P[108] = (105, 120, 90, 110, 100, 130, 110): order 5 (30%), 1 (20%), then 3 and
 * 6 tie at 10% for the last place and the lower index, 3, wins. Asset 6 soars after day 108 (the
 * skipped month) and asset 2 before day 3: neither may matter. */
Test(strategies, momentum_top_third, .description = "top ceil(A/3) by mom126, ties to the lower index")
{
    const int A = 7, D = 130, t = 129;
    evo_panel p = panel_new(D, A);
    const double at108[] = {105, 120, 90, 110, 100, 130, 110};
    for (int a = 0; a < A; a++)
        p.close[108 * A + a] = at108[a];
    for (int d = 109; d < D; d++)
        p.close[d * A + 6] = 1000;
    p.close[1 * A + 2] = 1;
    double w[7];
    weights(w, STRATEGY_MOMENTUM, &p, t, 20, NULL);
    const double want[] = {0, 1.0 / 3, 0, 1.0 / 3, 0, 1.0 / 3, 0};
    for (int a = 0; a < A; a++)
        cr_assert_eq(w[a], want[a], "asset %d: %g", a, w[a]);
    /* A = 6 -> top 2; A = 4 -> top ceil(4/3) = 2 as well. */
    evo_panel q = panel_new(D, 4);
    const double q108[] = {101, 104, 103, 102};
    for (int a = 0; a < 4; a++)
        q.close[108 * 4 + a] = q108[a];
    weights(w, STRATEGY_MOMENTUM, &q, t, 20, NULL);
    cr_assert(w[0] == 0 && w[1] == 0.5 && w[2] == 0.5 && w[3] == 0);
    data_panel_free(&p);
    data_panel_free(&q);
}

Test(strategies, maxsharpe_falls_back_to_minvar, .description = "no positive mean: minvar's weights, flagged")
{
    evo_panel p = falling(4, 80, 5);
    double w[4], mv[4];
    int fell_back = 0, mv_fell_back = -1;
    weights(w, STRATEGY_MAXSHARPE, &p, 79, 60, &fell_back);
    weights(mv, STRATEGY_MINVAR, &p, 79, 60, &mv_fell_back);
    cr_assert_eq(fell_back, 1);
    cr_assert_eq(mv_fell_back, 0, "only maxsharpe falls back");
    cr_assert_eq(memcmp(w, mv, sizeof w), 0, "the same solve on the same covariance: bit-identical");
    data_panel_free(&p);

    evo_panel q = synth(4, 300, 3); /* drift 8% a year: some positive mean over 252 days */
    weights(w, STRATEGY_MAXSHARPE, &q, 299, 252, &fell_back);
    cr_assert_eq(fell_back, 0);
    data_panel_free(&q);
}

/* The window is the `window` returns of days t-window+1..t, mean and covariance with n-1: estimate
 * them here, solve with qp, and compare. Summation orders differ, so covariances agree to ~1e-16
 * relative and weights to that times the conditioning of 5 assets' covariance (1e-12 is ample). */
Test(strategies, estimates_follow_the_window, .description = "minvar, maxsharpe, erc: qp on our estimate")
{
    enum { A = 5, N = 60 };
    const int t = 280;
    evo_panel p = synth(A, 300, 11);
    double r[N][A], mu[A] = {0}, cov[A * A] = {0};
    for (int k = 0; k < N; k++)
        for (int a = 0; a < A; a++) {
            const int d = t - N + 1 + k;
            r[k][a] = p.close[d * A + a] / p.close[(d - 1) * A + a] - 1;
            mu[a] += r[k][a] / N;
        }
    for (int a = 0; a < A; a++)
        for (int b = 0; b < A; b++)
            for (int k = 0; k < N; k++)
                cov[a * A + b] += (r[k][a] - mu[a]) * (r[k][b] - mu[b]) / (N - 1);
    double want[A], got[A];
    evo_error err = {0};
    cr_assert_eq(qp_min_variance(want, cov, A, &err), EVO_OK, "%s", err.msg);
    weights(got, STRATEGY_MINVAR, &p, t, N, NULL);
    for (int a = 0; a < A; a++)
        cr_assert_float_eq(got[a], want[a], 1e-12, "minvar asset %d", a);
    cr_assert_eq(qp_equal_risk(want, cov, A, &err), EVO_OK, "%s", err.msg);
    weights(got, STRATEGY_ERC, &p, t, N, NULL);
    for (int a = 0; a < A; a++)
        cr_assert_float_eq(got[a], want[a], 1e-12, "erc asset %d", a);
    int positive = 0;
    for (int a = 0; a < A; a++)
        positive |= mu[a] > 0;
    cr_assert(positive, "the seed gives some positive mean");
    cr_assert_eq(qp_max_sharpe(want, mu, cov, A, &err), EVO_OK, "%s", err.msg);
    weights(got, STRATEGY_MAXSHARPE, &p, t, N, NULL);
    for (int a = 0; a < A; a++)
        cr_assert_float_eq(got[a], want[a], 1e-12, "maxsharpe asset %d", a);
    data_panel_free(&p);
}

/* ew, k = 1, 10 bps, window 2, period day 0 = panel day 2, last = panel day 5 (T = 3):
 *   closes: day 2 (100, 100), day 3 (110, 100), day 4 (110, 110), day 5 (99, 121)
 *   r: day 1 (.1, 0), day 2 (0, .1), day 3 (-.1, .1)
 *   day 1: w = (.5, .5), g = .05, drifted = (.55, .5)/1.05, TO = 2 * .05/1.05 = 1/21,
 *          net = 1.05 (1 - .001/21) - 1 = .04995
 *   day 2: w = (.5, .5) again, g = .05, drifted = (.5, .55)/1.05, TO = 1/21, net = .04995
 *   day 3: w = (.5, .5), g = 0, last close: no trade, net = 0
 * Returns from these closes carry ~1e-16 error; net values are .05 in size, so 1e-15. */
Test(strategies, run_ew_by_hand, .description = "ew daily at 10 bps over 3 days: the backtest equations")
{
    evo_panel p = panel_new(6, 2);
    const double close[] = {100, 100, 100, 100, 100, 100, 110, 100, 110, 110, 99, 121};
    memcpy(p.close, close, sizeof close);
    evo_strategy_run run;
    evo_error err = {0};
    cr_assert_eq(strategy_run(&run, STRATEGY_EW, &p, 2, 5, WINDOW(2), 1, 10, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(run.strategy, STRATEGY_EW);
    cr_assert_eq(run.bt.T, 3);
    cr_assert_eq(run.bt.A, 2);
    cr_assert_float_eq(run.bt.gross[0], 0.05, 1e-15);
    cr_assert_float_eq(run.bt.turnover[0], 1.0 / 21, 1e-15);
    cr_assert_float_eq(run.bt.net[0], 0.04995, 1e-15);
    cr_assert_float_eq(run.bt.turnover[1], 1.0 / 21, 1e-15);
    cr_assert_float_eq(run.bt.net[1], 0.04995, 1e-15);
    cr_assert_eq(run.bt.turnover[2], 0.0, "no trade at the close of the last day");
    cr_assert_float_eq(run.bt.net[2], 0, 1e-15);
    cr_assert_float_eq(run.bt.wealth[3], 1.04995 * 1.04995, 1e-14);
    cr_assert_eq(run.bt.trades, 2);
    cr_assert_eq(run.fallbacks, 0);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(run.bt.weights[i], 0.5, "every day starts from the 50/50 target");
    strategy_run_free(&run);
    strategy_run_free(&run); /* after free the run is empty: freeing again is harmless */
    strategy_run_free(NULL);
    data_panel_free(&p);
}

static void run(evo_strategy_run *out, evo_strategy s, const evo_panel *p, int first, int last, int k)
{
    evo_error err = {0};
    cr_assert_eq(strategy_run(out, s, p, first, last, WINDOW(252), k, 5, &err), EVO_OK, "%s: %s",
                 catalog_strategies.names[s], err.msg);
}

Test(strategies, k0_is_buy_and_hold, .description = "ew with k = 0 = buyhold; buyhold ignores k")
{
    evo_panel p = synth(5, 400, 21);
    evo_strategy_run ew0, bh1, bh5, ew5;
    run(&ew0, STRATEGY_EW, &p, 260, 399, 0);
    run(&bh1, STRATEGY_BUYHOLD, &p, 260, 399, 1);
    run(&bh5, STRATEGY_BUYHOLD, &p, 260, 399, 5);
    run(&ew5, STRATEGY_EW, &p, 260, 399, 5);
    const int T = 139;
    cr_assert_eq(memcmp(ew0.bt.net, bh1.bt.net, sizeof *ew0.bt.net * T), 0);
    cr_assert_eq(memcmp(bh1.bt.net, bh5.bt.net, sizeof *ew0.bt.net * T), 0);
    cr_assert_eq(memcmp(ew0.bt.weights, bh1.bt.weights, sizeof *ew0.bt.weights * T * 5), 0);
    cr_assert_eq(bh1.bt.trades, 0);
    cr_assert_eq(ew0.bt.trades, 0);
    /* k = 5 trades at the closes of days 5, 10, ..., 135 (t < T): 27 trades, and differs from k = 0. */
    cr_assert_eq(ew5.bt.trades, 27);
    cr_assert_neq(memcmp(ew5.bt.net, ew0.bt.net, sizeof *ew0.bt.net * T), 0);
    strategy_run_free(&ew0);
    strategy_run_free(&bh1);
    strategy_run_free(&bh5);
    strategy_run_free(&ew5);
    data_panel_free(&p);
}

Test(strategies, fallbacks_are_counted, .description = "each maxsharpe fallback is counted")
{
    evo_panel p = falling(3, 80, 9);
    evo_strategy_run r1, r3;
    evo_error err = {0};
    cr_assert_eq(strategy_run(&r1, STRATEGY_MAXSHARPE, &p, 60, 79, WINDOW(40), 1, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(strategy_run(&r3, STRATEGY_MAXSHARPE, &p, 60, 79, WINDOW(40), 3, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(r1.fallbacks, 19, "decisions at t = 0..18");
    cr_assert_eq(r3.fallbacks, 7, "decisions at t = 0, 3, ..., 18");
    strategy_run_free(&r1);
    strategy_run_free(&r3);
    data_panel_free(&p);
}

/* Change every close after panel day d: every strategy's weights and net returns up to return day d
 * (indices 0..d-first-1) must be bit-identical - each decision reads closes up to its own day only. */
Test(strategies, causal, .description = "prices after day d change nothing up to day d")
{
    const int A = 6, D = 420, first = 300, d = 360;
    evo_panel p = synth(A, D, 8), q = synth(A, D, 8);
    evo_rng rng;
    rng_seed(&rng, 1234);
    for (int i = (d + 1) * A; i < D * A; i++)
        q.close[i] *= 0.5 + rng_uniform(&rng);
    for (int s = 0; s < STRATEGY_COUNT; s++) {
        evo_strategy_run a, b;
        run(&a, s, &p, first, D - 1, 1);
        run(&b, s, &q, first, D - 1, 1);
        const int n = d - first;
        cr_assert_eq(memcmp(a.bt.net, b.bt.net, sizeof *a.bt.net * n), 0, "%s", catalog_strategies.names[s]);
        cr_assert_eq(memcmp(a.bt.weights, b.bt.weights, sizeof *a.bt.weights * n * A), 0, "%s",
                     catalog_strategies.names[s]);
        cr_assert_neq(memcmp(a.bt.net, b.bt.net, sizeof *a.bt.net * (D - 1 - first)), 0,
                      "%s: the change does show after day d", catalog_strategies.names[s]);
        strategy_run_free(&a);
        strategy_run_free(&b);
    }
    data_panel_free(&p);
    data_panel_free(&q);
}

Test(strategies, not_enough_history, .description = "t < window, momentum before day 126: EVO_ERR_DATA")
{
    evo_panel p = synth(4, 300, 2);
    double w[4];
    evo_error err = {0};
    for (int s = 0; s < STRATEGY_COUNT; s++) {
        cr_assert_eq(strategy_weights(w, s, &p, 251, WINDOW(252), NULL, &err), EVO_ERR_DATA, "%s",
                     catalog_strategies.names[s]);
        cr_assert_neq(strstr(err.msg, "252"), NULL, "the message names the window: %s", err.msg);
    }
    cr_assert_eq(strategy_weights(w, STRATEGY_MOMENTUM, &p, 125, WINDOW(60), NULL, &err), EVO_ERR_DATA);
    cr_assert_eq(strategy_weights(w, STRATEGY_MOMENTUM, &p, 126, WINDOW(60), NULL, &err), EVO_OK, "%s", err.msg);
    evo_strategy_run r;
    cr_assert_eq(strategy_run(&r, STRATEGY_MINVAR, &p, 200, 299, WINDOW(252), 1, 0, &err), EVO_ERR_DATA);
    cr_assert_null(r.bt.net, "nothing is left allocated on failure");
    strategy_run_free(&r);
    cr_assert_eq(strategy_run(&r, STRATEGY_EW, &p, 260, 300, WINDOW(252), 1, 0, &err), EVO_ERR_USAGE,
                 "last beyond the panel");
    cr_assert_eq(strategy_run(&r, STRATEGY_EW, &p, 260, 260, WINDOW(252), 1, 0, &err), EVO_ERR_USAGE, "T = 0");
    cr_assert_eq(strategy_weights(w, STRATEGY_EW, &p, 260, WINDOW(1), NULL, &err), EVO_ERR_USAGE, "window 1");
    data_panel_free(&p);
}

Test(strategies, invvol_zero_volatility, .description = "a flat price over the window: EVO_ERR_NUMERIC")
{
    evo_panel p = panel_new(10, 2);
    for (int d = 0; d < 10; d++)
        p.close[d * 2] = 100 + d;
    double w[2];
    evo_error err = {0};
    cr_assert_eq(strategy_weights(w, STRATEGY_INVVOL, &p, 9, WINDOW(5), NULL, &err), EVO_ERR_NUMERIC);
    cr_assert_neq(strstr(err.msg, "zero volatility"), NULL, "%s", err.msg);
    data_panel_free(&p);
}

/* ---------------------------------------------------------------- hierarchical risk parity */

static void expect_weights(const double *w, const double *want, int A, const char *what)
{
    for (int a = 0; a < A; a++)
        cr_assert_float_eq(w[a], want[a], 1e-12, "%s: asset %d weight %.15g, want %.15g", what, a, w[a], want[a]);
}

/* Two pairs: assets 0, 1 (variances 1 and 4, correlation 0.8) and 2, 3 (variances 1, correlation 0.8),
 * uncorrelated across. The pairs cluster first ((0, 1) ties (2, 3) and comes first), leaves 0 1 2 3.
 * Pair A under inverse variance (0.8, 0.2): V = 0.64 + 0.16 + 2 x 0.16 x 1.6 = 1.312; pair B (0.5, 0.5):
 * V = 0.9; A gets 1 - 1.312 / 2.212 = 0.9 / 2.212, split 4:1 by the variances; B halves the rest. */
Test(strategies, hrp_by_hand, .description = "two assets: inverse variance; uncorrelated: inverse variance; two correlated pairs: the bisection by hand")
{
    double w[4];
    evo_error err = {0};
    const double two[4] = {0.04, 0.01, 0.01, 0.09};
    cr_assert_eq(strategy_hrp_weights(w, two, 2, &err), EVO_OK, "%s", err.msg);
    expect_weights(w, (double[]){0.09 / 0.13, 0.04 / 0.13}, 2, "two assets");
    const double diag[9] = {1, 0, 0, 0, 2, 0, 0, 0, 4};
    cr_assert_eq(strategy_hrp_weights(w, diag, 3, &err), EVO_OK, "%s", err.msg);
    expect_weights(w, (double[]){1 / 1.75, 0.5 / 1.75, 0.25 / 1.75}, 3, "no correlation");
    const double pairs[16] = {1, 1.6, 0, 0, 1.6, 4, 0, 0, 0, 0, 1, 0.8, 0, 0, 0.8, 1};
    cr_assert_eq(strategy_hrp_weights(w, pairs, 4, &err), EVO_OK, "%s", err.msg);
    const double a = 0.9 / 2.212;
    expect_weights(w, (double[]){a * 0.8, a * 0.2, (1 - a) / 2, (1 - a) / 2}, 4, "two pairs");
    cr_assert_eq(strategy_hrp_weights(w, (double[]){0.5}, 1, &err), EVO_OK);
    cr_assert_float_eq(w[0], 1, 0, "one asset holds everything");
    const double flat[4] = {0.04, 0, 0, 0};
    cr_assert_eq(strategy_hrp_weights(w, flat, 2, &err), EVO_ERR_NUMERIC, "a zero variance");
    cr_assert(strstr(err.msg, "asset 1"), "%s", err.msg);
}

enum { HRP_A = 12, HRP_T = 60 };

/* A random covariance of HRP_A assets over HRP_T days: two groups moving with factors of their own,
 * each asset with noise of its own scale. */
static void random_covariance(double *cov, evo_rng *rng)
{
    enum { A = HRP_A, T = HRP_T };
    double x[T * A];
    for (int t = 0; t < T; t++) {
        const double f = rng_normal(rng), g = rng_normal(rng);
        for (int a = 0; a < A; a++)
            x[t * A + a] = (a < 6 ? 0.02 * f : 0.01 * g) + rng_normal(rng) * (1 + a) * 0.01;
    }
    for (int a = 0; a < A; a++)
        for (int b = 0; b < A; b++) {
            double ma = 0, mb = 0, s = 0;
            for (int t = 0; t < T; t++)
                ma += x[t * A + a] / T, mb += x[t * A + b] / T;
            for (int t = 0; t < T; t++)
                s += (x[t * A + a] - ma) * (x[t * A + b] - mb) / (T - 1);
            cov[a * A + b] = s;
        }
}

/* Against the paper's own Python (Lopez de Prado 2016, getQuasiDiag / getRecBipart / getClusterVar;
 * scipy's linkage of the distance matrix's rows, single linkage, which is the distance of distances),
 * when python3-scipy is installed. */
Test(strategies, hrp_agrees_with_the_papers_code, .description = "12 assets, 3 random covariances: the weights of Lopez de Prado's Python (needs python3-scipy)")
{
    if (system("/usr/bin/python3 -c 'import scipy.cluster.hierarchy' >/dev/null 2>&1") != 0)
        cr_skip_test("python3-scipy is not installed (apt-get install python3-scipy)");
    enum { A = HRP_A };
    static const char script[] =
        "import sys, numpy as np, scipy.cluster.hierarchy as sch\n"
        "cov = np.loadtxt(sys.argv[1])\n"
        "sd = np.sqrt(np.diag(cov)); corr = np.clip(cov / np.outer(sd, sd), -1, 1)\n"
        "dist = np.sqrt((1 - corr) / 2); np.fill_diagonal(dist, 0)\n"
        "link = sch.linkage(dist, 'single')\n"  /* rows as observations: the paper's d-tilde */
        "order = list(sch.leaves_list(link))\n"
        "def cvar(items):\n"
        "    c = cov[np.ix_(items, items)]; ivp = 1 / np.diag(c); ivp /= ivp.sum(); return ivp @ c @ ivp\n"
        "w = np.ones(len(cov)); lists = [order]\n"
        "while lists:\n"
        "    lists = [l[j:k] for l in lists for j, k in ((0, len(l) // 2), (len(l) // 2, len(l))) if len(l) > 1]\n"
        "    for i in range(0, len(lists), 2):\n"
        "        a, b = lists[i], lists[i + 1]; v1, v2 = cvar(a), cvar(b); alpha = 1 - v1 / (v1 + v2)\n"
        "        w[a] *= alpha; w[b] *= 1 - alpha\n"
        "print(' '.join(repr(x) for x in w))\n";
    char dir[] = "/tmp/evofolio-hrp-XXXXXX", path[96], cmd[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hrp.py", dir);
    FILE *f = fopen(path, "w");
    fputs(script, f);
    fclose(f);
    evo_rng rng;
    rng_seed(&rng, 23);
    for (int trial = 0; trial < 3; trial++) {
        double cov[A * A], w[A], want[A];
        random_covariance(cov, &rng);
        snprintf(path, sizeof path, "%s/cov.txt", dir);
        f = fopen(path, "w");
        for (int a = 0; a < A; a++)
            for (int b = 0; b < A; b++)
                fprintf(f, "%.17g%s", cov[a * A + b], b + 1 < A ? " " : "\n");
        fclose(f);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/hrp.py %s > %s/w.txt", dir, path, dir);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        snprintf(path, sizeof path, "%s/w.txt", dir);
        f = fopen(path, "r");
        for (int a = 0; a < A; a++)
            cr_assert_eq(fscanf(f, "%lf", &want[a]), 1);
        fclose(f);
        evo_error err = {0};
        cr_assert_eq(strategy_hrp_weights(w, cov, A, &err), EVO_OK, "%s", err.msg);
        for (int a = 0; a < A; a++)
            cr_assert_float_eq(w[a], want[a], 1e-10, "trial %d asset %d: %.15g, the paper's code %.15g", trial, a, w[a], want[a]);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(strategies, hrp_on_random_covariances, .description = "12 assets, 5 random covariances: weights in [0, 1] summing to 1")
{
    enum { A = HRP_A };
    evo_rng rng;
    rng_seed(&rng, 5);
    for (int trial = 0; trial < 5; trial++) {
        double cov[A * A], w[A];
        random_covariance(cov, &rng);
        evo_error err = {0};
        cr_assert_eq(strategy_hrp_weights(w, cov, A, &err), EVO_OK, "%s", err.msg);
        double sum = 0;
        for (int a = 0; a < A; a++) {
            cr_assert(w[a] >= 0 && w[a] <= 1, "weight %g", w[a]);
            sum += w[a];
        }
        cr_assert_float_eq(sum, 1, 1e-12);
    }
}

/* The means mu[A] and sample covariance cov[A][A] (denominator n-1) of returns r[n][A]. */
static void estimates(const double *r, int n, int A, double *mu, double *cov)
{
    for (int a = 0; a < A; a++) {
        mu[a] = 0;
        for (int k = 0; k < n; k++)
            mu[a] += r[k * A + a] / n;
    }
    for (int a = 0; a < A; a++)
        for (int b = 0; b < A; b++) {
            double c = 0;
            for (int k = 0; k < n; k++)
                c += (r[k * A + a] - mu[a]) * (r[k * A + b] - mu[b]);
            cov[a * A + b] = c / (n - 1);
        }
}

/* Two pairs over 6 days: assets 0 and 1 move as base1 (1 at twice the size, a smaller mean), 2 and 3
 * as base2 (3 with a little noise of its own, a smaller mean); corr(base1, base2) = 0.0012 /
 * sqrt(0.0028 x 0.0012) = 0.65. Trailing Sharpe ratios: 0.042, 0.011, 0.129, ~0.065. Ward merges
 * (0, 1) first (distance 0), then (2, 3), then the pairs. */
Test(strategies, cluster_selection_by_hand, .description = "K 1..4 (and above A): each cluster's best trailing Sharpe, equal weight")
{
    enum { n = 6, A = 4 };
    const double base1[n] = {0.01, -0.01, 0.02, -0.02, 0.03, -0.03}, base2[n] = {0.01, 0.01, -0.01, -0.01, 0.02, -0.02};
    const double noise[n] = {0.001, 0, 0, 0, 0, -0.001};
    double r[n * A], w[A], mu[A], cov[A * A];
    for (int k = 0; k < n; k++) {
        r[k * A + 0] = base1[k] + 0.001;
        r[k * A + 1] = 2 * base1[k] + 0.0005;
        r[k * A + 2] = base2[k] + 0.002;
        r[k * A + 3] = base2[k] + 0.001 + noise[k];
    }
    static const double want[6][A] = {{0}, {0, 0, 1, 0}, {0.5, 0, 0.5, 0}, {1.0 / 3, 0, 1.0 / 3, 1.0 / 3},
                                      {0.25, 0.25, 0.25, 0.25}, {0.25, 0.25, 0.25, 0.25}};
    evo_error err = {0};
    estimates(r, n, A, mu, cov);
    for (int K = 1; K <= 5; K++) {
        cr_assert_eq(strategy_cluster_weights(w, mu, cov, A, K, &err), EVO_OK, "%s", err.msg);
        char what[16];
        snprintf(what, sizeof what, "K = %d", K);
        expect_weights(w, want[K], A, what);
    }
    cr_assert_eq(strategy_cluster_weights(w, mu, cov, A, 0, &err), EVO_ERR_USAGE, "K = 0");
    for (int k = 0; k < n; k++) /* an asset that never moves: correlation 0, Sharpe 0 */
        r[k * A + 1] = 0;
    estimates(r, n, A, mu, cov);
    cr_assert_eq(strategy_cluster_weights(w, mu, cov, A, 4, &err), EVO_OK, "%s", err.msg);
    expect_weights(w, want[4], A, "a flat asset");
}

/* hrp and cluster through strategy_weights: the pure functions of the window's returns and covariance,
 * computed here from the closes (r = P[t]/P[t-1] - 1 over the 40 returns ending at day 100). */
Test(strategies, hrp_and_cluster_read_the_window, .description = "strategy_weights(hrp | cluster) = the functions of the window's estimates; K from the settings")
{
    enum { A = 6, D = 160, t = 100, n = 40 };
    evo_panel p = synth(A, D, 9);
    double r[n * A], mu[A], cov[A * A], w[A], want[A];
    for (int k = 0; k < n; k++)
        for (int a = 0; a < A; a++) {
            const int day = t - n + 1 + k;
            r[k * A + a] = p.close[day * A + a] / p.close[(day - 1) * A + a] - 1;
        }
    estimates(r, n, A, mu, cov);
    evo_error err = {0};
    weights(w, STRATEGY_HRP, &p, t, n, NULL);
    cr_assert_eq(strategy_hrp_weights(want, cov, A, &err), EVO_OK, "%s", err.msg);
    for (int a = 0; a < A; a++)
        cr_assert_float_eq(w[a], want[a], 1e-9, "hrp asset %d", a);
    for (int K = 1; K <= 3; K++) {
        cr_assert_eq(strategy_weights(w, STRATEGY_CLUSTER, &p, t, &(evo_strategy_settings){n, K}, NULL, &err), EVO_OK,
                     "%s", err.msg);
        cr_assert_eq(strategy_cluster_weights(want, mu, cov, A, K, &err), EVO_OK, "%s", err.msg);
        int held = 0;
        for (int a = 0; a < A; a++) {
            cr_assert_float_eq(w[a], want[a], 1e-12, "cluster K %d asset %d", K, a);
            held += w[a] > 0;
        }
        cr_assert_eq(held, K, "K = %d clusters: one asset each", K);
    }
    data_panel_free(&p);
}
