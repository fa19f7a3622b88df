/* strategies: baseline target weights from a trailing window of the panel, and their backtests.
 * Shapes: D panel days, A assets, n = window returns; r[n][A] the window's simple returns
 * r[t,a] = P[t,a] / P[t-1,a] - 1 of panel days t-n+1..t, mu[A] their sample mean, cov[A][A] their
 * sample covariance (denominator n-1). Estimates are recomputed from prices at every decision, so a
 * weight at day t depends on closes up to day t only. */
#include "evofolio/strategies.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/cluster.h"
#include "evofolio/date.h"
#include "evofolio/qp.h"

#define MOM_LOOKBACK 126 /* mom126 = P[t-21] / P[t-126] - 1 */
#define MOM_SKIP 21

/* "panel day t (YYYY-MM-DD)" into out, for messages; the date only when the panel has dates. */
static const char *day_name(char out[48], const evo_panel *p, int t)
{
    char date[EVO_DATE_STR];
    if (p->dates && t >= 0 && t < p->n_days)
        snprintf(out, 48, "panel day %d (%s)", t, date_format(p->dates[t], date));
    else
        snprintf(out, 48, "panel day %d", t);
    return out;
}

/* The returns of the n days ending at panel day t (t >= n) into r[n][A]; their mean into mu[A]. */
static void window_returns(double *r, double *mu, const evo_panel *p, int t, int n)
{
    const int A = p->n_assets;
    for (int a = 0; a < A; a++)
        mu[a] = 0;
    for (int k = 0; k < n; k++) {
        const double *now = p->close + (size_t)(t - n + 1 + k) * A, *before = now - A;
        double *rk = r + (size_t)k * A;
        for (int a = 0; a < A; a++) {
            rk[a] = now[a] / before[a] - 1; /* r[t,a] = P[t,a]/P[t-1,a] - 1 */
            mu[a] += rk[a];
        }
    }
    for (int a = 0; a < A; a++)
        mu[a] /= n;
}

/* cov[A][A] = sum_k (r_k - mu)(r_k - mu)' / (n - 1), through xt[A][n], the centred returns asset by
 * asset, so that each entry is one contiguous dot product (four partial sums in a fixed order). */
static void window_covariance(double *cov, double *xt, const double *r, const double *mu, int n, int A)
{
    for (int k = 0; k < n; k++)
        for (int a = 0; a < A; a++)
            xt[(size_t)a * n + k] = r[(size_t)k * A + a] - mu[a];
    for (int a = 0; a < A; a++) {
        const double *xa = xt + (size_t)a * n;
        for (int b = 0; b <= a; b++) {
            const double *xb = xt + (size_t)b * n;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int k = 0;
            for (; k + 4 <= n; k += 4) {
                s0 += xa[k] * xb[k];
                s1 += xa[k + 1] * xb[k + 1];
                s2 += xa[k + 2] * xb[k + 2];
                s3 += xa[k + 3] * xb[k + 3];
            }
            for (; k < n; k++)
                s0 += xa[k] * xb[k];
            cov[(size_t)a * A + b] = cov[(size_t)b * A + a] = ((s0 + s1) + (s2 + s3)) / (n - 1);
        }
    }
}

/* Equal weight on the top ceil(A/3) assets by mom126 (ties: the lower index ranks higher). */
static void momentum_weights(double *w, const evo_panel *p, int t)
{
    const int A = p->n_assets, top = (A + 2) / 3;
    const double *skip = p->close + (size_t)(t - MOM_SKIP) * A;
    const double *look = p->close + (size_t)(t - MOM_LOOKBACK) * A;
    for (int a = 0; a < A; a++) {
        const double ma = skip[a] / look[a] - 1; /* mom126 = P[t-21]/P[t-126] - 1 */
        int rank = 0;
        for (int b = 0; b < A; b++) {
            const double mb = skip[b] / look[b] - 1;
            rank += mb > ma || (mb == ma && b < a);
        }
        w[a] = rank < top ? 1.0 / top : 0;
    }
}

/* The variance of assets items[n] under inverse-variance weights among them. */
static double ivp_variance(const double *cov, int A, const int *items, int n)
{
    double sum = 0, v = 0;
    for (int i = 0; i < n; i++)
        sum += 1 / cov[(size_t)items[i] * A + items[i]];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            v += cov[(size_t)items[i] * A + items[j]] / (cov[(size_t)items[i] * A + items[i]] * sum) /
                 (cov[(size_t)items[j] * A + items[j]] * sum);
    return v;
}

/* Asset a's mean over sd (per day), 0 when its variance is 0. */
static double trailing_sharpe(const double *mu, const double *cov, int A, int a)
{
    const double var = cov[(size_t)a * A + a];
    return var > 0 ? mu[a] / sqrt(var) : 0;
}

/* d[A][A] = sqrt((1 - rho) / 2) from cov[A][A], rho 0 for an asset whose variance is 0 (it moves
 * with nothing); the diagonal 0. */
static void correlation_distances(const double *cov, int A, double *d)
{
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++) {
            const double vi = cov[(size_t)i * A + i], vj = cov[(size_t)j * A + j];
            double rho = vi > 0 && vj > 0 ? cov[(size_t)i * A + j] / sqrt(vi * vj) : 0;
            rho = rho > 1 ? 1 : rho < -1 ? -1 : rho; /* rounding */
            d[(size_t)i * A + j] = i == j ? 0 : sqrt((1 - rho) / 2);
        }
}

/* Recursive bisection over the assets in order[A] (strategy_hrp_weights): a stack of [lo, hi) lists. */
static void hrp_bisect(double *w, const double *cov, int A, const int *order)
{
    int lo_of[2 * A], hi_of[2 * A], top = 0;
    for (int a = 0; a < A; a++)
        w[a] = 1;
    lo_of[top] = 0, hi_of[top++] = A;
    while (top > 0) {
        const int lo = lo_of[--top], hi = hi_of[top];
        if (hi - lo < 2)
            continue;
        const int mid = lo + (hi - lo) / 2;
        const double v1 = ivp_variance(cov, A, order + lo, mid - lo), v2 = ivp_variance(cov, A, order + mid, hi - mid);
        const double alpha = 1 - v1 / (v1 + v2);
        for (int i = lo; i < hi; i++)
            w[order[i]] *= i < mid ? alpha : 1 - alpha;
        lo_of[top] = lo, hi_of[top++] = mid;
        lo_of[top] = mid, hi_of[top++] = hi;
    }
}

int strategy_hrp_weights(double *w, const double *cov, int A, evo_error *err)
{
    for (int a = 0; a < A; a++)
        if (!(cov[(size_t)a * A + a] > 0) || !isfinite(cov[(size_t)a * A + a]))
            return evo_fail(err, EVO_ERR_NUMERIC, "hrp: asset %d has variance %g over the window; every asset "
                            "needs a positive one (a price that never moves cannot be risk-weighted)", a,
                            cov[(size_t)a * A + a]);
    double *d = calloc((size_t)A * A, sizeof *d), *e = calloc((size_t)A * A, sizeof *e);
    cluster_merge *merges = malloc(sizeof *merges * (size_t)(A > 1 ? A - 1 : 1));
    int *order = malloc(sizeof *order * (size_t)A);
    int rc = d && e && merges && order ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "hrp: out of memory for %d assets", A);
    if (!rc)
        correlation_distances(cov, A, d);
    for (int i = 0; !rc && i < A; i++)
        for (int j = 0; j < A; j++) {
            double s = 0;
            for (int k = 0; k < A; k++)
                s += (d[(size_t)k * A + i] - d[(size_t)k * A + j]) * (d[(size_t)k * A + i] - d[(size_t)k * A + j]);
            e[(size_t)i * A + j] = sqrt(s);
        }
    if (!rc)
        rc = cluster_linkage(e, A, CLUSTER_SINGLE, merges, err);
    if (!rc) {
        cluster_leaves(merges, A, order);
        hrp_bisect(w, cov, A, order);
    }
    free(d);
    free(e);
    free(merges);
    free(order);
    return rc;
}

int strategy_cluster_pick(double *w, const double *dist, const double *sharpe, int A, int K, evo_error *err)
{
    if (K < 1)
        return evo_fail(err, EVO_ERR_USAGE, "cluster selection: %d clusters; expected at least 1", K);
    K = K > A ? A : K;
    cluster_merge *merges = malloc(sizeof *merges * (size_t)(A > 1 ? A - 1 : 1));
    int *label = malloc(sizeof *label * (size_t)A), *best = malloc(sizeof *best * (size_t)K);
    int rc = merges && label && best
                 ? EVO_OK
                 : evo_fail(err, EVO_ERR_NOMEM, "cluster selection: out of memory for %d assets", A);
    if (!rc)
        rc = cluster_linkage(dist, A, CLUSTER_WARD, merges, err);
    if (!rc) {
        cluster_cut(merges, A, K, label);
        for (int k = 0; k < K; k++)
            best[k] = -1;
        for (int a = 0; a < A; a++) { /* ascending a: a tie keeps the lower index */
            const int b = best[label[a]];
            if (b < 0 || sharpe[a] > sharpe[b])
                best[label[a]] = a;
        }
        for (int a = 0; a < A; a++)
            w[a] = 0;
        for (int k = 0; k < K; k++)
            w[best[k]] = 1.0 / K;
    }
    free(merges), free(label), free(best);
    return rc;
}

int strategy_cluster_weights(double *w, const double *mu, const double *cov, int A, int K, evo_error *err)
{
    double *d = calloc((size_t)A * A, sizeof *d), *sharpe = malloc(sizeof *sharpe * (size_t)A);
    int rc = d && sharpe ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "cluster selection: out of memory for %d assets", A);
    if (!rc) {
        correlation_distances(cov, A, d);
        for (int a = 0; a < A; a++)
            sharpe[a] = trailing_sharpe(mu, cov, A, a);
        rc = strategy_cluster_pick(w, d, sharpe, A, K, err);
    }
    free(d), free(sharpe);
    return rc;
}

evo_strategy_settings strategy_settings_of(const evo_config *cfg)
{
    return (evo_strategy_settings){cfg->backtest.window, cfg->backtest.clusters};
}

int strategy_weights(double *w, evo_strategy s, const evo_panel *p, int t, const evo_strategy_settings *set,
                     int *fell_back, evo_error *err)
{
    const int A = p->n_assets, D = p->n_days, window = set->window;
    if (fell_back)
        *fell_back = 0;
    if ((int)s < 0 || s >= STRATEGY_COUNT)
        return evo_fail(err, EVO_ERR_USAGE, "strategies: unknown strategy %d", (int)s);
    const char *name = catalog_strategies.names[s];
    if (A < 1 || t < 0 || t >= D)
        return evo_fail(err, EVO_ERR_USAGE, "strategies: %s: day %d is outside the panel's %d days "
                        "(%d assets)", name, t, D, A);
    if (window < 2)
        return evo_fail(err, EVO_ERR_USAGE, "strategies: %s: the estimation window is %d returns; "
                        "use at least 2 (backtest.window)", name, window);
    char day[48];
    if (t < window)
        return evo_fail(err, EVO_ERR_DATA, "strategies: %s at %s needs the %d daily returns ending "
                        "there (backtest.window) but only %d exist; start the period at panel day %d "
                        "or later, or shorten backtest.window", name, day_name(day, p, t), window, t,
                        window);
    switch (s) {
    case STRATEGY_EW:
    case STRATEGY_BUYHOLD:
        for (int a = 0; a < A; a++)
            w[a] = 1.0 / A;
        return EVO_OK;
    case STRATEGY_MOMENTUM:
        if (t < MOM_LOOKBACK)
            return evo_fail(err, EVO_ERR_DATA, "strategies: momentum at %s needs the close %d days "
                            "earlier (mom126); start the period at panel day %d or later",
                            day_name(day, p, t), MOM_LOOKBACK, MOM_LOOKBACK);
        momentum_weights(w, p, t);
        return EVO_OK;
    default:
        break;
    }
    const size_t n = (size_t)window;
    double *r = malloc(n * A * sizeof *r), *mu = malloc((size_t)A * sizeof *mu);
    const int need_cov = s != STRATEGY_INVVOL;
    double *cov = need_cov ? malloc((size_t)A * A * sizeof *cov) : NULL;
    double *xt = need_cov ? malloc(n * A * sizeof *xt) : NULL;
    int rc = EVO_OK;
    if (!r || !mu || (need_cov && (!cov || !xt))) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "strategies: out of memory estimating %d assets over %d days",
                      A, window);
        goto done;
    }
    window_returns(r, mu, p, t, window);
    if (s == STRATEGY_INVVOL) {
        double sum = 0;
        for (int a = 0; a < A; a++) {
            double ss = 0;
            for (size_t k = 0; k < n; k++) {
                const double x = r[k * A + a] - mu[a];
                ss += x * x;
            }
            const double sd = sqrt(ss / (window - 1)); /* sample sd, denominator n-1 */
            if (!(sd > 0)) {
                rc = evo_fail(err, EVO_ERR_NUMERIC, "strategies: invvol at %s: asset %s has zero "
                              "volatility over the last %d returns; check its prices or drop it",
                              day_name(day, p, t), p->assets ? p->assets[a] : "?", window);
                goto done;
            }
            w[a] = 1 / sd; /* w_a ∝ 1/sd_a */
            sum += w[a];
        }
        for (int a = 0; a < A; a++)
            w[a] /= sum;
        goto done;
    }
    window_covariance(cov, xt, r, mu, window, A);
    if (s == STRATEGY_HRP || s == STRATEGY_CLUSTER) {
        rc = s == STRATEGY_HRP ? strategy_hrp_weights(w, cov, A, err)
                               : strategy_cluster_weights(w, mu, cov, A, set->clusters, err);
        goto done;
    }
    int any_positive = 0;
    for (int a = 0; a < A; a++)
        any_positive |= mu[a] > 0;
    if (s == STRATEGY_MAXSHARPE && any_positive) {
        rc = qp_max_sharpe(w, mu, cov, A, err);
    } else if (s == STRATEGY_MAXSHARPE || s == STRATEGY_MINVAR) {
        if (s == STRATEGY_MAXSHARPE && fell_back)
            *fell_back = 1; /* no positive mean: maximum Sharpe is undefined, use minimum variance */
        rc = qp_min_variance(w, cov, A, err);
    } else {
        rc = qp_equal_risk(w, cov, A, err);
    }
done:
    free(r);
    free(mu);
    free(cov);
    free(xt);
    return rc;
}

void strategy_run_free(evo_strategy_run *run)
{
    if (!run)
        return;
    backtest_free(&run->bt);
}

int strategy_run(evo_strategy_run *out, evo_strategy s, const evo_panel *p, int first, int last,
                 const evo_strategy_settings *set, int k, double cost_bps, evo_error *err)
{
    memset(out, 0, sizeof *out);
    out->strategy = s;
    const int A = p->n_assets, D = p->n_days;
    if ((int)s < 0 || s >= STRATEGY_COUNT)
        return evo_fail(err, EVO_ERR_USAGE, "strategies: unknown strategy %d", (int)s);
    if (first < 0 || last <= first || last >= D || k < 0)
        return evo_fail(err, EVO_ERR_USAGE, "strategies: %s over panel days %d..%d rebalanced every %d "
                        "days: expected 0 <= first < last < %d (the panel's days) and k >= 0; choose a period "
                        "inside the data",
                        catalog_strategies.names[s], first, last, k, D);
    const int T = last - first;
    double *r = malloc((size_t)T * A * sizeof *r), *targets = calloc((size_t)T * A, sizeof *targets);
    unsigned char *trade = malloc((size_t)T);
    int rc = EVO_OK;
    if (!r || !targets || !trade) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "strategies: out of memory for %s over %d days x %d assets",
                      catalog_strategies.names[s], T, A);
        goto done;
    }
    for (int t = 1; t <= T; t++) { /* return day t of the period = panel day first + t, row t-1 */
        const double *now = p->close + (size_t)(first + t) * A, *before = now - A;
        for (int a = 0; a < A; a++)
            r[(size_t)(t - 1) * A + a] = now[a] / before[a] - 1;
    }
    backtest_schedule(trade, T, s == STRATEGY_BUYHOLD ? 0 : k); /* buyhold never rebalances */
    for (int t = 0; t < T; t++) {
        if (t > 0 && !trade[t])
            continue;
        int fell_back = 0;
        rc = strategy_weights(targets + (size_t)t * A, s, p, first + t, set, &fell_back, err);
        if (rc)
            goto done;
        out->fallbacks += fell_back;
    }
    rc = backtest_run(&out->bt, r, targets, trade, T, A, cost_bps, err);
done:
    free(r);
    free(targets);
    free(trade);
    return rc;
}

int strategy_run_all(evo_strategy_runs *out, unsigned strategies, const evo_panel *p, int first, int last,
                     const evo_strategy_settings *set, int k, double cost_bps, evo_error *err)
{
    out->n = 0;
    for (int s = 0; s < STRATEGY_COUNT; s++) {
        if (!(strategies & (1u << s)))
            continue;
        evo_strategy_run *run = &out->runs[out->n];
        int rc = strategy_run(run, (evo_strategy)s, p, first, last, set, k, cost_bps, err);
        if (rc) {
            strategy_run_free(run);
            return rc;
        }
        metrics_compute(&out->metrics[out->n++], run->bt.net, run->bt.turnover, run->bt.T);
    }
    return EVO_OK;
}

void strategy_runs_free(evo_strategy_runs *runs)
{
    if (!runs)
        return;
    for (int i = 0; i < runs->n; i++)
        strategy_run_free(&runs->runs[i]);
    runs->n = 0;
}
