/* metrics: the DESIGN.md "Backtest conventions" metrics, forecast errors, and the Bailey and Lopez de
 * Prado statistics. Shapes: T days of one return series; N trials and S blocks for PBO. */
#include "evofolio/metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PERIODS_PER_YEAR 252.0
#define EULER_GAMMA 0.5772156649 /* the header's constant, to its 10 digits */
#define PBO_MAX_BLOCKS 32        /* C(32, 16) = 6e8 splits is already hours; keeps masks in 64 bits */

/* Mean and sd (denominator T-1) of x[T]. A constant series gets sd = 0 exactly: its rounded mean
 * can differ from the value by an ulp and would otherwise leave a spurious sd of ~1e-19 and a
 * Sharpe ratio of ~1e16. T < 2 also gives sd = 0. */
static void mean_sd(const double *x, int T, double *mean, double *sd)
{
    double sum = 0, lo = x[0], hi = x[0];
    for (int t = 0; t < T; t++) {
        sum += x[t];
        lo = x[t] < lo ? x[t] : lo;
        hi = x[t] > hi ? x[t] : hi;
    }
    *mean = sum / T;
    *sd = 0;
    if (T < 2 || lo == hi)
        return;
    double ss = 0; /* two passes: sum (x - mean)^2, no cancellation of sum x^2 - T mean^2 */
    for (int t = 0; t < T; t++)
        ss += (x[t] - *mean) * (x[t] - *mean);
    *sd = sqrt(ss / (T - 1));
}

/* Sum of the k lowest values of r[T] (1 <= k <= T), without sorting a copy (metrics_compute does not
 * allocate): take the distinct values in increasing order, each with its multiplicity, until k are
 * taken. O(T) per distinct value taken, so O(k T) at worst. NaN when r holds NaN. */
static double sum_lowest(const double *r, int T, int k)
{
    double sum = 0, prev = -INFINITY;
    int taken = 0, first = 1;
    while (taken < k) {
        double v = INFINITY;
        int found = 0;
        for (int t = 0; t < T; t++)
            if ((first || r[t] > prev) && (!found || r[t] < v)) {
                v = r[t];
                found = !isnan(v);
            }
        if (!found)
            return NAN;
        int count = 0;
        for (int t = 0; t < T; t++)
            count += r[t] == v;
        int take = count < k - taken ? count : k - taken;
        sum += take * v;
        taken += take;
        prev = v;
        first = 0;
    }
    return sum;
}

void metrics_compute(evo_metrics *m, const double *r, const double *turnover, int T)
{
    memset(m, 0, sizeof *m);
    if (T < 1)
        return;
    m->days = T;

    double mean, sd;
    mean_sd(r, T, &mean, &sd);
    double log_wealth = 0, down = 0, wealth = 1, peak = 1, max_dd = 0;
    int up = 0;
    for (int t = 0; t < T; t++) {
        log_wealth += log1p(r[t]);
        down += r[t] < 0 ? r[t] * r[t] : 0; /* sum min(r,0)^2 */
        up += r[t] > 0;
        wealth *= 1 + r[t]; /* wealth[0] = 1 is the first peak, so a first-day loss is a drawdown */
        peak = wealth > peak ? wealth : peak;
        double dd = 1 - wealth / peak;
        max_dd = dd > max_dd ? dd : max_dd;
    }
    double DD = sqrt(down / T); /* over all T days, not only the losing ones */

    /* prod(1+r)^(252/T) - 1 as expm1(252/T sum log1p r): no overflow on long series, and -1 when
     * wealth reaches 0. */
    m->ann_return = expm1(PERIODS_PER_YEAR / T * log_wealth);
    m->ann_vol = sd * sqrt(PERIODS_PER_YEAR);
    /* ratios guard a zero denominator with 0 and let NaN from NaN input through */
    m->sharpe = sd == 0 ? 0 : mean / sd * sqrt(PERIODS_PER_YEAR);
    m->sortino = DD == 0 ? 0 : mean / DD * sqrt(PERIODS_PER_YEAR);
    m->max_drawdown = max_dd;
    m->calmar = max_dd == 0 ? 0 : m->ann_return / max_dd;
    /* 0.05 is stored as 0.05000000000000000277, so for T a multiple of 20 the exact product 0.05 T
     * lies ~3e-18 T above the integer T / 20; wherever that survives rounding (a fused multiply-add,
     * extended precision) ceil would take one return too many. The 1e-9 guard absorbs it. */
    int k = (int)ceil(0.05 * T - 1e-9);
    k = k < 1 ? 1 : k;
    m->cvar95 = -sum_lowest(r, T, k) / k;
    m->hit_rate = (double)up / T;
    if (turnover) {
        double to = 0;
        for (int t = 0; t < T; t++) {
            to += turnover[t];
            m->trades += turnover[t] > 0;
        }
        m->avg_turnover = to / T;
    }
}

void metrics_forecast_errors(evo_forecast_errors *e, const double *predicted, const double *actual, int n)
{
    memset(e, 0, sizeof *e);
    if (n < 1)
        return;
    double abs_sum = 0, sq_sum = 0, pct_sum = 0;
    for (int i = 0; i < n; i++) {
        double err = predicted[i] - actual[i];
        abs_sum += fabs(err);
        sq_sum += err * err;
        pct_sum += fabs(err) / fabs(actual[i]); /* |p - a| / a, actual > 0 */
    }
    e->mae = abs_sum / n;
    e->mse = sq_sum / n;
    e->rmse = sqrt(e->mse);
    e->mape = 100 * pct_sum / n;
}

/* Skewness and kurtosis use population central moments m_j = sum (r - mean)^j / T:
 * g3 = m3 / m2^1.5 and g4 = m4 / m2^2 (raw, normal = 3), the moment estimators of Bailey and Lopez de
 * Prado's PSR (no small-sample bias correction). The Sharpe ratio keeps the project's sd with T-1.
 * A constant series (or T < 2) has no shape: sr = 0, skew = 0, kurt = 3, the normal values, so
 * the PSR's denominator stays 1. */
void metrics_moments(const double *r, int T, double *sr, double *skew, double *kurt)
{
    *sr = 0;
    *skew = 0;
    *kurt = 3;
    if (T < 2)
        return;
    double mean, sd;
    mean_sd(r, T, &mean, &sd);
    if (!(sd > 0))
        return;
    double m2 = 0, m3 = 0, m4 = 0;
    for (int t = 0; t < T; t++) {
        double d = r[t] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= T;
    m3 /= T;
    m4 /= T;
    *sr = mean / sd;
    *skew = m3 / (m2 * sqrt(m2));
    *kurt = m4 / (m2 * m2);
}

double metrics_psr(double sr, double sr_star, int T, double skew, double kurt)
{
    if (T < 2)
        return 0.5; /* sqrt(T-1) = 0: no evidence either way */
    double var = 1 - skew * sr + (kurt - 1) / 4 * sr * sr;
    double diff = sr - sr_star;
    if (!(var > 0)) /* only for inconsistent moments (g4 < 1 + g3^2): the limit of the formula */
        return diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
    /* z = (SR - SR*) sqrt(T-1) / sqrt(1 - g3 SR + (g4-1)/4 SR^2) */
    return metrics_norm_cdf(diff * sqrt(T - 1.0) / sqrt(var));
}

double metrics_expected_max_sharpe(double n_trials, double var_trials)
{
    if (n_trials < 2 || !(var_trials > 0))
        return 0; /* one trial (or no spread among them): nothing was selected, nothing to deflate */
    double N = n_trials;
    /* SR0 = sqrt(V) ((1-gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))) */
    return sqrt(var_trials) * ((1 - EULER_GAMMA) * metrics_norm_ppf(1 - 1 / N) +
                               EULER_GAMMA * metrics_norm_ppf(1 - 1 / (N * exp(1.0))));
}

double metrics_dsr(double sr, int T, double skew, double kurt, double n_trials, double var_trials)
{
    return metrics_psr(sr, metrics_expected_max_sharpe(n_trials, var_trials), T, skew, kurt);
}

/* Trial i standardised: z = (r - mean) / sqrt(sum (r - mean)^2), so rho_ij = z_i . z_j; all 0 for a
 * constant series. */
static void standardise(double *z, const double *r, int T)
{
    double mean = 0, ss = 0;
    for (int t = 0; t < T; t++)
        mean += r[t] / T;
    for (int t = 0; t < T; t++)
        ss += (r[t] - mean) * (r[t] - mean);
    for (int t = 0; t < T; t++)
        z[t] = ss > 0 ? (r[t] - mean) / sqrt(ss) : 0;
}

double metrics_effective_trials(const double *returns, int N, int T)
{
    if (N < 2 || T < 2)
        return N;
    const int n = N < METRICS_EFFECTIVE_SAMPLE ? N : METRICS_EFFECTIVE_SAMPLE;
    double *z = malloc(sizeof(double) * (size_t)n * T);
    if (!z)
        return N; /* out of memory: no credit for correlation, the conservative answer */
    for (int i = 0; i < n; i++) /* evenly spaced over the N trials */
        standardise(z + (size_t)i * T, returns + (size_t)((long)i * N / n) * T, T);
    double sum = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double rho = 0;
            for (int t = 0; t < T; t++)
                rho += z[(size_t)i * T + t] * z[(size_t)j * T + t];
            sum += rho * rho;
        }
    free(z);
    const double m = sum / ((double)n * (n - 1) / 2);
    return N / (1 + (N - 1) * m);
}

double metrics_norm_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0)); /* Phi(x) = erfc(-x/sqrt2)/2: no cancellation in the left tail */
}

/* Acklam's rational approximation (relative error < 1.15e-9) in three regions, then one Halley step
 * on Phi(x) - p, which cubes the error down to the accuracy of erfc. */
double metrics_norm_ppf(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00};
    const double p_low = 0.02425;
    if (isnan(p))
        return NAN;
    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;

    double x, q, s;
    if (p < p_low) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - p_low) {
        q = p - 0.5;
        s = q * q;
        x = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * q /
            (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    } else {
        q = sqrt(-2 * log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    /* Halley: e = Phi(x) - p, u = e / phi(x), x -= u / (1 + x u / 2). Above the median e is taken as
     * (1 - p) - Phi(-x): 1 - p is exact there and the upper tail keeps its relative accuracy. */
    double e = p > 0.5 ? (1 - p) - 0.5 * erfc(x / sqrt(2.0)) : 0.5 * erfc(-x / sqrt(2.0)) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* Per-period Sharpe ratio of the concatenation of the blocks in mask (h blocks of len days each),
 * from per-block mean, sum of squared deviations, min and max: mean = average of block means,
 * M2 = sum M2_b + len sum (mean_b - mean)^2 (Chan et al.), sd = sqrt(M2 / (h len - 1)).
 * Blocks are visited in index order, so identical trials get bit-identical ratios (exact ties).
 * A constant concatenation (min = max) has Sharpe 0, as in metrics_compute. */
static double blocks_sharpe(const double *bmean, const double *bm2, const double *bmin, const double *bmax,
                            int S, uint64_t mask, int h, int len)
{
    double mean = 0, lo = INFINITY, hi = -INFINITY;
    for (int b = 0; b < S; b++)
        if (mask >> b & 1) {
            mean += bmean[b];
            lo = bmin[b] < lo ? bmin[b] : lo;
            hi = bmax[b] > hi ? bmax[b] : hi;
        }
    mean /= h;
    long n = (long)h * len;
    if (n < 2 || lo == hi)
        return 0;
    double m2 = 0;
    for (int b = 0; b < S; b++)
        if (mask >> b & 1)
            m2 += bm2[b] + len * (bmean[b] - mean) * (bmean[b] - mean);
    double sd = sqrt(m2 / (n - 1));
    return sd > 0 ? mean / sd : 0;
}

/* CSCV (Bailey, Borwein, Lopez de Prado and Zhu). The T days are cut into S contiguous blocks of
 * len = T / S days; the last T mod S days are dropped so that every block, and so every half, has
 * the same length. The C(S, S/2) in-sample sets are the S-bit masks with S/2 bits set, visited in
 * increasing order by Gosper's hack; the out-of-sample set is the complement. */
int metrics_pbo(double *pbo, const double *returns, int N, int T, int S, evo_error *err)
{
    if (N < 2)
        return evo_fail(err, EVO_ERR_USAGE, "PBO over %d trial(s): ranking needs at least 2 trials", N);
    if (S < 2 || S % 2)
        return evo_fail(err, EVO_ERR_USAGE, "PBO with S = %d blocks: S must be even and at least 2 "
                        "(e.g. 16)", S);
    if (S > T)
        return evo_fail(err, EVO_ERR_USAGE, "PBO with S = %d blocks over T = %d days: each block needs "
                        "at least one day; use fewer blocks", S, T);
    if (S > PBO_MAX_BLOCKS)
        return evo_fail(err, EVO_ERR_USAGE, "PBO with S = %d blocks: at most %d are supported "
                        "(C(S, S/2) splits grows fast); use 16", S, PBO_MAX_BLOCKS);

    int len = T / S, h = S / 2, rc = EVO_OK;
    size_t ns = (size_t)N * S;
    double *buf = malloc((4 * ns + 2 * (size_t)N) * sizeof *buf);
    if (!buf)
        return evo_fail(err, EVO_ERR_NOMEM, "PBO over %d trials and %d blocks: out of memory", N, S);
    double *bmean = buf, *bm2 = bmean + ns, *bmin = bm2 + ns, *bmax = bmin + ns; /* [N][S] */
    double *is_sr = bmax + ns, *oos_sr = is_sr + N;                           /* [N] */

    for (int n = 0; n < N; n++)
        for (int b = 0; b < S; b++) {
            const double *x = returns + (size_t)n * T + (size_t)b * len; /* trial n, block b */
            double sum = 0, lo = x[0], hi = x[0], m2 = 0;
            for (int t = 0; t < len; t++) {
                sum += x[t];
                lo = x[t] < lo ? x[t] : lo;
                hi = x[t] > hi ? x[t] : hi;
            }
            double mean = sum / len;
            for (int t = 0; t < len; t++)
                m2 += (x[t] - mean) * (x[t] - mean);
            size_t i = (size_t)n * S + b;
            bmean[i] = mean;
            bm2[i] = m2;
            bmin[i] = lo;
            bmax[i] = hi;
        }

    uint64_t all = ((uint64_t)1 << S) - 1; /* S <= 32: no overflow, even in Gosper's step */
    long splits = 0, overfit = 0;
    for (uint64_t mask = ((uint64_t)1 << h) - 1; mask <= all;) {
        uint64_t oos = all & ~mask;
        for (int n = 0; n < N; n++) {
            size_t o = (size_t)n * S;
            is_sr[n] = blocks_sharpe(bmean + o, bm2 + o, bmin + o, bmax + o, S, mask, h, len);
            oos_sr[n] = blocks_sharpe(bmean + o, bm2 + o, bmin + o, bmax + o, S, oos, h, len);
        }
        int best = 0; /* in-sample best; ties -> lowest index */
        for (int n = 1; n < N; n++)
            if (is_sr[n] > is_sr[best])
                best = n;
        /* out-of-sample rank, 1 = worst .. N = best, ties averaged: 1 + #below + #equal-others / 2 */
        double rank = 1;
        for (int n = 0; n < N; n++)
            if (n != best)
                rank += oos_sr[n] < oos_sr[best] ? 1 : oos_sr[n] == oos_sr[best] ? 0.5 : 0;
        double w = rank / (N + 1);
        double logit = log(w / (1 - w)); /* w = rank/(N+1), logit = ln(w / (1 - w)) */
        overfit += logit <= 0;
        splits++;
        /* Gosper's hack: the next larger integer with the same number of set bits */
        uint64_t low = mask & -mask, ripple = mask + low;
        mask = (((ripple ^ mask) >> 2) / low) | ripple;
    }
    if (splits == 0) {
        rc = evo_fail(err, EVO_ERR_INTERNAL, "PBO enumerated no splits for S = %d", S);
        goto done;
    }
    *pbo = (double)overfit / splits;
done:
    free(buf);
    return rc;
}
