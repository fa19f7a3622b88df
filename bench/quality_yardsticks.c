/* quality_yardsticks: what a quant would compare a search's champion with, on a planted synthetic
 * set, over the config's held-out test period, net of the config's costs:
 *   ew      the equal-weight baseline as the search prints it (backtest.rebalance)
 *   rule    a long-only rule that knows the plant: equal weight on the top third of the assets by
 *           the true next-day planted drift (synth_signal), rebalanced daily
 *   ridge   ridge regression of each asset's next-day return on every asset's z-scored ret1 (the
 *           feature evofolio computes), fitted on the train_days before the test period (as the
 *           champion's test refit is), then the same top-third rule on its predictions
 * Usage: quality_yardsticks CONFIG PLANTED STRENGTH SEED ASSETS DAYS  (the synth options that made
 * the config's data file). Prints one line of key=value pairs (net and gross Sharpe ratios) for
 * bench/quality.sh. Shapes: D days, A assets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/backtest.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/features.h"
#include "evofolio/folds.h"
#include "evofolio/metrics.h"
#include "evofolio/strategies.h"
#include "evofolio/synth.h"

#define RIDGE_LAMBDA 1.0 /* on z-scored inputs over ~750 days: a light touch */

static int top_third(double *w_a, const double *score_a, int A)
{
    int k = (A + 1) / 3 > 0 ? (A + 1) / 3 : 1;
    for (int a = 0; a < A; a++) {
        int above = 0;
        for (int b = 0; b < A; b++)
            above += score_a[b] > score_a[a] || (score_a[b] == score_a[a] && b < a);
        w_a[a] = above < k ? 1.0 / k : 0;
    }
    return k;
}

/* Daily top-third portfolio on score[t][A] (decided at the close of panel day test.first - 1 + t) over
 * the test window; *net and *gross Sharpe. */
static int backtest_scores(double *net, double *gross, const double *score_ta, const evo_panel *p,
                           evo_window test, double cost_bps, evo_error *err)
{
    const int A = p->n_assets, T = test.last - test.first + 1;
    double *targets = malloc(sizeof(double) * T * A), *r = malloc(sizeof(double) * T * A);
    unsigned char *trade = malloc((size_t)T);
    evo_backtest bt = {0};
    int rc = targets && r && trade ? EVO_OK : EVO_ERR_NOMEM;
    for (int t = 0; !rc && t < T; t++) {
        top_third(targets + (size_t)t * A, score_ta + (size_t)t * A, A);
        for (int a = 0; a < A; a++) {
            int d = test.first + t;
            r[(size_t)t * A + a] = p->close[(size_t)d * A + a] / p->close[(size_t)(d - 1) * A + a] - 1;
        }
    }
    if (!rc) {
        backtest_schedule(trade, T, 1);
        rc = backtest_run(&bt, r, targets, trade, T, A, cost_bps, err);
    }
    if (!rc) {
        evo_metrics m;
        metrics_compute(&m, bt.net, bt.turnover, T);
        *net = m.sharpe;
        metrics_compute(&m, bt.gross, NULL, T);
        *gross = m.sharpe;
    }
    backtest_free(&bt);
    free(targets);
    free(r);
    free(trade);
    return rc;
}

/* Solve the n x n system M x = b in place (Gaussian elimination with partial pivoting). */
static void solve(double *M, double *b, int n)
{
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int i = c + 1; i < n; i++)
            piv = fabs(M[i * n + c]) > fabs(M[piv * n + c]) ? i : piv;
        for (int j = 0; j < n; j++) {
            double t = M[c * n + j];
            M[c * n + j] = M[piv * n + j];
            M[piv * n + j] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int i = c + 1; i < n; i++) {
            double f = M[i * n + c] / M[c * n + c];
            for (int j = c; j < n; j++)
                M[i * n + j] -= f * M[c * n + j];
            b[i] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int j = c + 1; j < n; j++)
            b[c] -= M[c * n + j] * b[j];
        b[c] /= M[c * n + c];
    }
}

/* Ridge of r[d+1][a] on (1, x[d][0..A-1]) for decision days first..last, one regression per asset;
 * scores for the test decisions. x = z-scored ret1 [D][A]. */
static void ridge_scores(double *score_ta, const float *x, const evo_panel *p, int first, int last,
                         evo_window test)
{
    const int A = p->n_assets, n = A + 1, T = test.last - test.first + 1;
    double *M = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n);
    double *beta = malloc(sizeof(double) * n * A), *z = malloc(sizeof(double) * n);
    for (int a = 0; a < A; a++) {
        memset(M, 0, sizeof(double) * n * n);
        memset(b, 0, sizeof(double) * n);
        for (int d = first; d <= last; d++) {
            z[0] = 1;
            for (int j = 0; j < A; j++)
                z[j + 1] = x[(size_t)d * A + j];
            double y = p->close[(size_t)(d + 1) * A + a] / p->close[(size_t)d * A + a] - 1;
            for (int i = 0; i < n; i++) {
                b[i] += z[i] * y;
                for (int j = 0; j < n; j++)
                    M[i * n + j] += z[i] * z[j];
            }
        }
        for (int i = 1; i < n; i++)
            M[i * n + i] += RIDGE_LAMBDA;
        solve(M, b, n);
        memcpy(beta + (size_t)a * n, b, sizeof(double) * n);
    }
    for (int t = 0; t < T; t++) {
        int d = test.first - 1 + t;
        for (int a = 0; a < A; a++) {
            double s = beta[(size_t)a * n];
            for (int j = 0; j < A; j++)
                s += beta[(size_t)a * n + j + 1] * x[(size_t)d * A + j];
            score_ta[(size_t)t * A + a] = s;
        }
    }
    free(M);
    free(b);
    free(beta);
    free(z);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: quality_yardsticks CONFIG PLANTED STRENGTH SEED ASSETS DAYS\n");
        return 2;
    }
    evo_config cfg = {0};
    evo_panel p = {0}, made = {0};
    evo_features f = {0};
    evo_error err = {0};
    evo_split split;
    synth_options o;
    synth_defaults(&o);
    o.planted = (synth_planted)catalog_find(&synth_plants, argv[2]);
    o.strength = atof(argv[3]);
    o.seed = strtoull(argv[4], NULL, 10);
    o.n_assets = atoi(argv[5]);
    o.n_days = atoi(argv[6]);
    int rc = config_load(argv[1], &cfg, &err);
    if (!rc)
        rc = data_load_config(&cfg, &p, &err);
    if (!rc)
        rc = folds_make(&split, &cfg, p.dates, p.n_days, &err);
    if (!rc)
        rc = synth_panel(&o, &made, &err);
    if (!rc && (made.n_days != p.n_days || made.n_assets != p.n_assets))
        rc = evo_fail(&err, EVO_ERR_USAGE, "the synth options do not make the config's data");
    if (!rc)
        rc = features_compute(&f, &p, 1u << FEATURE_RET1, cfg.backtest.window, &err);
    const int A = p.n_assets, D = p.n_days;
    const evo_window test = split.test;
    const int T = test.last - test.first + 1;
    double *signal = rc ? NULL : malloc(sizeof(double) * D * A), *score = malloc(sizeof(double) * T * A);
    double ew = NAN, rule = NAN, rule_gross = NAN, ridge = NAN, ridge_gross = NAN;
    if (!rc) {
        evo_strategy_run run;
        const evo_strategy_settings settings = strategy_settings_of(&cfg);
        rc = strategy_run(&run, STRATEGY_EW, &p, test.first - 1, test.last, &settings, cfg.backtest.rebalance,
                          cfg.backtest.cost_bps, &err);
        if (!rc) {
            evo_metrics m;
            metrics_compute(&m, run.bt.net, run.bt.turnover, run.bt.T);
            ew = m.sharpe;
            strategy_run_free(&run);
        }
    }
    if (!rc && o.planted != SYNTH_PLANT_NONE) {
        synth_signal(&o, &made, signal);
        memcpy(score, signal + (size_t)(test.first - 1) * A, sizeof(double) * T * A);
        rc = backtest_scores(&rule, &rule_gross, score, &p, test, cfg.backtest.cost_bps, &err);
    }
    if (!rc) { /* the training window of evaluate_test: train_days ending an embargo before the test */
        const int last = test.first - 1 - cfg.split.embargo_days - 1;
        const int first = last - cfg.split.train_days + 1;
        /* f.x is [D][A][1]: ret1 alone */
        ridge_scores(score, f.x, &p, first > f.first_usable ? first : f.first_usable, last, test);
        rc = backtest_scores(&ridge, &ridge_gross, score, &p, test, cfg.backtest.cost_bps, &err);
    }
    if (rc)
        fprintf(stderr, "quality_yardsticks: %s\n", err.msg);
    else
        printf("ew=%.3f rule=%.3f rule_gross=%.3f ridge=%.3f ridge_gross=%.3f\n", ew, rule, rule_gross, ridge,
               ridge_gross);
    free(signal);
    free(score);
    features_free(&f);
    data_panel_free(&p);
    data_panel_free(&made);
    config_free(&cfg);
    return rc ? 1 : 0;
}
