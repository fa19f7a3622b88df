/* Tests of synth: determinism, the panel's shape and calendar, positive prices, the realised
 * correlation and volatility of the returns against the options, the planted signals (their definition,
 * causality, and an oracle that profits from them), and rejected options. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/synth.h"

static void make(const synth_options *o, evo_panel *p)
{
    evo_error err = {0};
    cr_assert_eq(synth_panel(o, p, &err), EVO_OK, "%s", err.msg);
}

static synth_options small(uint64_t seed)
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 5;
    o.n_days = 300;
    o.seed = seed;
    return o;
}

Test(synth, same_seed_same_panel, .description = "a seed fixes every price bit for bit")
{
    synth_options o = small(42);
    evo_panel a, b;
    make(&o, &a);
    make(&o, &b);
    cr_assert_eq(memcmp(a.close, b.close, sizeof *a.close * 300 * 5), 0);
    cr_assert_eq(memcmp(a.dates, b.dates, sizeof *a.dates * 300), 0);
    data_panel_free(&a);
    data_panel_free(&b);
}

Test(synth, other_seed_other_panel, .description = "another seed changes every path after day 0")
{
    synth_options o = small(42), q = small(43);
    evo_panel a, b;
    make(&o, &a);
    make(&q, &b);
    int same = 0;
    for (int i = 5; i < 300 * 5; i++) /* day 0 is start_price in both */
        same += a.close[i] == b.close[i];
    cr_assert_eq(same, 0, "%d prices equal across seeds", same);
    cr_assert_eq(a.close[0], b.close[0], "both start at start_price");
    data_panel_free(&a);
    data_panel_free(&b);
}

Test(synth, shape_names_and_business_days, .description = "A x D, S01.., weekdays strictly increasing")
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 12;
    o.n_days = 40;
    o.start = date_from_ymd(2026, 11, 21); /* a Saturday */
    evo_panel p;
    make(&o, &p);
    cr_assert_eq(p.n_assets, 12);
    cr_assert_eq(p.n_days, 40);
    cr_assert_eq(p.format, DATA_WIDE);
    cr_assert_null(p.volume);
    cr_assert_str_eq(p.assets[0], "S01");
    cr_assert_str_eq(p.assets[9], "S10");
    cr_assert_str_eq(p.assets[11], "S12");
    cr_assert_eq(p.dates[0], date_from_ymd(2026, 11, 23), "Saturday start moves to Monday");
    for (int d = 0; d < 40; d++) {
        cr_assert_lt(date_weekday(p.dates[d]), 5, "day %d is a weekend", d);
        if (d)
            cr_assert_gt(p.dates[d], p.dates[d - 1]);
    }
    /* 40 business days from Monday 2026-11-23 span 8 weeks: the last is Friday 2027-01-15. */
    cr_assert_eq(p.dates[39], date_from_ymd(2027, 1, 15));
    for (int a = 0; a < 12; a++)
        cr_assert_eq(p.close[a], o.start_price, "day 0 is start_price");
    data_panel_free(&p);

    o.start = date_from_ymd(2000, 1, 3); /* a Monday stays */
    make(&o, &p);
    cr_assert_eq(p.dates[0], date_from_ymd(2000, 1, 3));
    cr_assert_eq(p.dates[5], date_from_ymd(2000, 1, 10), "Friday's next row is Monday");
    data_panel_free(&p);
}

Test(synth, prices_positive_and_finite, .description = "every price > 0 and finite at high volatility")
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 10;
    o.n_days = 2520;
    o.vol = 1.5;
    o.seed = 3;
    evo_panel p;
    make(&o, &p);
    for (size_t i = 0; i < (size_t)o.n_assets * o.n_days; i++)
        cr_assert(p.close[i] > 0 && isfinite(p.close[i]), "close[%zu] = %g", i, p.close[i]);
    data_panel_free(&p);
}

/* Regression: options that drive prices to inf or to 0 are refused rather than written. */
Test(synth, accepted_options_keep_prices_finite,
     .description = "drift 5, vol 0, 40000 days: accepted, so every price must stay finite and > 0")
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 1;
    o.n_days = 40000;
    o.drift = 5;
    o.vol = 0;
    evo_panel p;
    evo_error err = {0};
    int rc = synth_panel(&o, &p, &err);
    if (rc) { /* refusing the options is a fix too */
        cr_assert_eq(rc, EVO_ERR_USAGE, "%s", err.msg);
        return;
    }
    double last = p.close[o.n_days - 1];
    data_panel_free(&p);
    cr_assert(isfinite(last) && last > 0, "last price %g", last);
}

/* Daily log returns of p as r[(d - 1) * A + a], d = 1..D-1; caller frees. */
static double *log_returns(const evo_panel *p)
{
    int A = p->n_assets, D = p->n_days;
    double *r = malloc(sizeof *r * (size_t)(D - 1) * A);
    cr_assert_not_null(r);
    for (int d = 1; d < D; d++)
        for (int a = 0; a < A; a++)
            r[(size_t)(d - 1) * A + a] = log(p->close[(size_t)d * A + a] / p->close[(size_t)(d - 1) * A + a]);
    return r;
}

/* Sample mean and sd of column a of r[N][A]. */
static void column_moments(const double *r, int N, int A, int a, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int t = 0; t < N; t++)
        s += r[(size_t)t * A + a];
    *mean = s / N;
    for (int t = 0; t < N; t++) {
        double x = r[(size_t)t * A + a] - *mean;
        ss += x * x;
    }
    *sd = sqrt(ss / (N - 1));
}

Test(synth, pairwise_correlation_matches_corr, .description = "mean pairwise corr of log returns ~ corr")
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 20;
    o.n_days = 20000;
    o.corr = 0.3;
    o.seed = 11;
    evo_panel p;
    make(&o, &p);
    int A = 20, N = o.n_days - 1;
    double *r = log_returns(&p);
    double mean[20], sd[20], sum = 0;
    for (int a = 0; a < A; a++)
        column_moments(r, N, A, a, &mean[a], &sd[a]);
    int pairs = 0;
    for (int a = 0; a < A; a++)
        for (int b = a + 1; b < A; b++, pairs++) {
            double c = 0;
            for (int t = 0; t < N; t++)
                c += (r[(size_t)t * A + a] - mean[a]) * (r[(size_t)t * A + b] - mean[b]);
            sum += c / (N - 1) / (sd[a] * sd[b]);
        }
    /* One pair's sample correlation has sd (1 - rho^2) / sqrt(N) = 0.91 / 141 = 0.0064; the pairs
     * share the market factor, so the mean over 190 pairs is no better than that in the worst case.
     * 0.02 is 3 such sd, and a wrong loading (e.g. weight corr instead of sqrt(corr):
     * 0.09 / 0.79 = 0.11) fails it. */
    double mean_corr = sum / pairs;
    cr_assert_float_eq(mean_corr, o.corr, 0.02, "mean pairwise correlation %.4f", mean_corr);
    free(r);
    data_panel_free(&p);
}

Test(synth, volatility_matches_vol, .description = "realised annual sd in vol*[0.5, 1.5), mean ~ vol")
{
    synth_options o;
    synth_defaults(&o);
    o.vol = 0.25;
    o.corr = 0.3;

    /* Each asset: sigma_i = vol (0.5 + u_i) lies in [0.125, 0.375). Its realised sd over 19999 days
     * has relative sd 1 / sqrt(2 N) = 0.5%; allow 3% (6 such sd) beyond the range. A missing
     * sqrt(dt) (x 15.9) or an sd taken per year instead of per day fails it. */
    o.n_assets = 20;
    o.n_days = 20000;
    o.seed = 5;
    evo_panel p;
    make(&o, &p);
    double *r = log_returns(&p);
    for (int a = 0; a < 20; a++) {
        double mean, sd;
        column_moments(r, o.n_days - 1, 20, a, &mean, &sd);
        double annual = sd * sqrt(252);
        cr_assert(annual >= 0.5 * o.vol * 0.97 && annual < 1.5 * o.vol * 1.03,
                  "asset %d: annual sd %.4f outside vol x [0.5, 1.5)", a, annual);
    }
    free(r);
    data_panel_free(&p);

    /* The cross-asset mean of the realised sds estimates vol. Over 20 assets the spread of u_i alone
     * gives it a relative sd of sqrt(1/12) / sqrt(20) = 6.5%, too wide for a 5% check, so use 2000
     * assets x 300 days: u_i spread 0.29 / sqrt(2000) = 0.65%; the market factor's sample variance
     * (relative sd sqrt(2/299) = 8.2%, weight corr = 0.3, halved for an sd) moves every asset
     * together by 1.2%; each asset's own noise (4% / sqrt(2000)) is negligible. Total about 1.4%:
     * 5% is 3.6 sd. */
    o.n_assets = 2000;
    o.n_days = 300;
    o.seed = 9;
    make(&o, &p);
    r = log_returns(&p);
    double sum = 0;
    for (int a = 0; a < 2000; a++) {
        double mean, sd;
        column_moments(r, o.n_days - 1, 2000, a, &mean, &sd);
        sum += sd * sqrt(252);
    }
    double mean_vol = sum / 2000;
    cr_assert_float_eq(mean_vol, o.vol, 0.05 * o.vol, "mean annual sd %.4f", mean_vol);
    free(r);
    data_panel_free(&p);
}

Test(synth, rejects_bad_options, .description = "no assets, corr 1 or negative vol: EVO_ERR_USAGE")
{
    synth_options o;
    evo_panel p;
    evo_error err;

    synth_defaults(&o);
    o.n_assets = 0;
    err = (evo_error){0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "--assets"), "%s", err.msg);
    cr_assert_null(p.close);

    synth_defaults(&o);
    o.corr = 1.0; /* sqrt(1 - corr) = 0: no idiosyncratic part; the range is [0, 1) */
    err = (evo_error){0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "--corr"), "%s", err.msg);

    synth_defaults(&o);
    o.vol = -0.1;
    err = (evo_error){0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "--vol"), "%s", err.msg);

    synth_defaults(&o);
    o.n_days = 0;
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    data_panel_free(&p); /* zeroed by the failed call: freeing is safe */
}

/* ---------------------------------------------------------------- planted signals */

static synth_options planted(synth_planted kind, double strength, int A, int D, uint64_t seed)
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = A;
    o.n_days = D;
    o.seed = seed;
    o.planted = kind;
    o.strength = strength;
    return o;
}

static int plant_days(synth_planted kind)
{
    return kind == SYNTH_PLANT_MOMENTUM ? SYNTH_MOMENTUM_DAYS : SYNTH_REVERSAL_DAYS;
}

/* The test's own z_{t,a} (synth.h): cross-sectional z-score, population sd, of log(P_t / P_{t-K});
 * 0 for t < K. Written from the definition, not from synth.c. */
static void zscores(const evo_panel *p, int t, int K, double *z_a)
{
    int A = p->n_assets;
    double mean = 0, ss = 0;
    for (int a = 0; a < A; a++) {
        z_a[a] = t < K ? 0 : log(p->close[(size_t)t * A + a] / p->close[(size_t)(t - K) * A + a]);
        mean += z_a[a] / A;
    }
    for (int a = 0; a < A; a++)
        ss += (z_a[a] - mean) * (z_a[a] - mean);
    for (int a = 0; a < A; a++)
        z_a[a] = ss > 0 ? (z_a[a] - mean) / sqrt(ss / A) : 0;
}

Test(synth, planted_is_deterministic, .description = "a seed fixes a planted panel; the plant changes it")
{
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        synth_options o = planted(k, 0.3, 6, 200, 4), n = planted(SYNTH_PLANT_NONE, 0, 6, 200, 4);
        evo_panel a, b, c;
        make(&o, &a);
        make(&o, &b);
        make(&n, &c);
        cr_assert_eq(memcmp(a.close, b.close, sizeof *a.close * 200 * 6), 0, "%s", synth_plants.names[k]);
        /* Days 0..K are prices before any plant (the first planted step is K -> K+1); after it,
         * every price moves. */
        int K = plant_days(k);
        cr_assert_eq(memcmp(a.close, c.close, sizeof *a.close * (K + 1) * 6), 0);
        for (int i = (K + 1) * 6; i < 200 * 6; i++)
            cr_assert_neq(a.close[i], c.close[i], "%s: price %d unchanged", synth_plants.names[k], i);
        data_panel_free(&a);
        data_panel_free(&b);
        data_panel_free(&c);
    }
}

Test(synth, planted_with_strength_zero_is_unplanted,
     .description = "strength 0 gives the plain panel bit for bit")
{
    synth_options n = planted(SYNTH_PLANT_NONE, 0, 8, 500, 12);
    evo_panel plain, p;
    make(&n, &plain);
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        synth_options o = planted(k, 0, 8, 500, 12);
        make(&o, &p);
        cr_assert_eq(memcmp(p.close, plain.close, sizeof *p.close * 500 * 8), 0, "%s", synth_plants.names[k]);
        data_panel_free(&p);
    }
    data_panel_free(&plain);
}

Test(synth, plant_follows_its_definition,
     .description = "planted minus plain log return at t+1 = sign * strength * sigma_a / sqrt(252) * z_{t,a}")
{
    /* The plant draws no random numbers, so a planted and a plain panel of one seed share every shock
     * and the difference of their log returns over t -> t+1 is the plant alone: c_a z_{t,a}, with z
     * from the planted prices up to day t (so causal by construction) and c_a = sign * strength *
     * sigma_a / sqrt(252) fixed per asset. Fit c_a by least squares; the residual is rounding only
     * (log of price ratios near 1: ~1e-15), so 1e-12 catches any other definition (another window,
     * day t+1's prices, a missing sign). */
    enum { A = 5, D = 4000 };
    const double strength = 0.2;
    synth_options n = planted(SYNTH_PLANT_NONE, 0, A, D, 21);
    evo_panel plain;
    make(&n, &plain);
    double *rn = log_returns(&plain);
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        int K = plant_days(k);
        synth_options o = planted(k, strength, A, D, 21);
        evo_panel p;
        make(&o, &p);
        double *rp = log_returns(&p), z[A], szz[A] = {0}, szd[A] = {0}, c[A];
        for (int t = 0; t < D - 1; t++) { /* the step t -> t+1 is row t of rp and rn */
            zscores(&p, t, K, z);
            for (int a = 0; a < A; a++) {
                double diff = rp[(size_t)t * A + a] - rn[(size_t)t * A + a];
                if (t < K)
                    cr_assert_eq(diff, 0.0, "no plant before day K = %d: t %d", K, t);
                szz[a] += z[a] * z[a];
                szd[a] += z[a] * diff;
            }
        }
        for (int a = 0; a < A; a++)
            c[a] = szd[a] / szz[a];
        for (int t = 0; t < D - 1; t++) {
            zscores(&p, t, K, z);
            for (int a = 0; a < A; a++) {
                double diff = rp[(size_t)t * A + a] - rn[(size_t)t * A + a];
                cr_assert_float_eq(diff, c[a] * z[a], 1e-12, "%s: t %d asset %d: %.3g vs %.3g",
                                   synth_plants.names[k], t, a, diff, c[a] * z[a]);
            }
        }
        /* The scale: c_a / (strength * sd_a) = +1 (momentum) or -1 (reversal), with sd_a the realised
         * daily sd of the plain panel, an estimate of sigma_a / sqrt(252) with relative sd
         * 1 / sqrt(2 * 3999) = 1.1% per asset, ~0.5% for the mean of 5. 3% is 6 such sd; a sample sd in
         * z (factor sqrt(4/5) = 0.894) or a missing sigma_a (x 60) fails it. */
        double ratio = 0;
        for (int a = 0; a < A; a++) {
            double mean, sd;
            column_moments(rn, D - 1, A, a, &mean, &sd);
            ratio += c[a] / (strength * sd) / A;
        }
        cr_assert_float_eq(ratio, k == SYNTH_PLANT_MOMENTUM ? 1.0 : -1.0, 0.03,
                           "%s: c / (strength sd) = %.4f", synth_plants.names[k], ratio);
        free(rp);
        data_panel_free(&p);
    }
    free(rn);
    data_panel_free(&plain);
}

Test(synth, plant_is_causal,
     .description = "a longer run (later shocks) leaves every earlier price as it was")
{
    /* The 300-day panel has no shocks after day 299; the 600-day one does. With a plant that looked
     * ahead (e.g. z standardised over the whole sample, or a centred window) the shared days would
     * differ. */
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        synth_options s = planted(k, 0.5, 7, 300, 8), l = planted(k, 0.5, 7, 600, 8);
        evo_panel a, b;
        make(&s, &a);
        make(&l, &b);
        cr_assert_eq(memcmp(a.close, b.close, sizeof *a.close * 300 * 7), 0, "%s", synth_plants.names[k]);
        data_panel_free(&a);
        data_panel_free(&b);
    }
}

typedef struct {
    double gap;      /* mean over days of (top third's next-day return - equal weight's) */
    double expected; /* mean over days of the same difference of expected returns (the formula) */
    double se;       /* standard error of mean(gap - expected) */
} oracle_result;

/* Each day t >= K, hold equal weights on the third of the assets with the highest sign * z_{t,a} for
 * the next day, and compare with equal weight on all, in simple returns. sigma_a: each asset's daily sd
 * (estimated by the caller). Expected next-day simple return of asset a: exp(mu/252 + plant_a) - 1,
 * plant_a = sign * strength * sigma_a * z_{t,a}. */
static oracle_result oracle(const evo_panel *p, int K, double sign, double strength, double mu,
                            const double *sigma_a)
{
    int A = p->n_assets, D = p->n_days, top = A / 3, n = 0;
    double *z = malloc(sizeof *z * A), *d = malloc(sizeof *d * D), sum_gap = 0, sum_exp = 0, mean, ss = 0;
    cr_assert(z && d);
    for (int t = K; t < D - 1; t++, n++) {
        zscores(p, t, K, z);
        double all = 0, best = 0, e_all = 0, e_best = 0;
        for (int a = 0; a < A; a++) {
            int rank = 0; /* assets with a higher signal */
            for (int b = 0; b < A; b++)
                rank += sign * z[b] > sign * z[a];
            double r = p->close[(size_t)(t + 1) * A + a] / p->close[(size_t)t * A + a] - 1;
            double e = exp(mu / 252 + sign * strength * sigma_a[a] * z[a]) - 1;
            all += r / A;
            e_all += e / A;
            if (rank < top) {
                best += r / top;
                e_best += e / top;
            }
        }
        sum_gap += best - all;
        sum_exp += e_best - e_all;
        d[n] = (best - all) - (e_best - e_all);
    }
    mean = (sum_gap - sum_exp) / n;
    for (int i = 0; i < n; i++)
        ss += (d[i] - mean) * (d[i] - mean);
    free(z);
    free(d);
    /* gap - expected is a martingale difference (next-day shocks are independent of the past), so
     * the days are uncorrelated and sd / sqrt(n) is its standard error. */
    return (oracle_result){sum_gap / n, sum_exp / n, sqrt(ss / (n - 1) / n)};
}

/* Daily sd of each asset's log returns in the plain panel of o's seed: sigma_a / sqrt(252), to 1.4%
 * over 2519 days. */
static void plain_sigmas(const synth_options *o, double *sigma_a)
{
    synth_options n = *o;
    n.planted = SYNTH_PLANT_NONE;
    n.strength = 0;
    evo_panel p;
    make(&n, &p);
    double *r = log_returns(&p), mean;
    for (int a = 0; a < o->n_assets; a++)
        column_moments(r, o->n_days - 1, o->n_assets, a, &mean, &sigma_a[a]);
    free(r);
    data_panel_free(&p);
}

Test(synth, oracle_profits_from_the_plant,
     .description = "top third by the planted signal beats equal weight by the formula's gap, > 10 se")
{
    /* 30 assets, 2520 days, strength 0.1, vol 0.25, corr 0.3. The expected daily gap of the top third
     * over equal weight is strength * (mean over the top of sigma_a z_a - mean over all): sigma_a ~
     * 0.25 / sqrt(252) = 0.0157 and the top 10 of 30 z-scores average ~1.05, so ~0.1 * 0.0157 * 1.05 =
     * 1.7e-3 a day (1.8e-3 for this seed, as the volatile assets reach the top more often; the test
     * computes it per day from the realised z). The noise of the gap is that of a long-short book of 30
     * assets: ~ 0.0157 * sqrt(1 - 0.3) * sqrt(1/15) = 3.4e-3 a day, so its standard error over 2500
     * days is ~7e-5: the gap is ~25 se. Asserted: the gap exceeds 10 se, and matches the formula within
     * 4 se plus 3% of it (the sigma_a estimates' error, 1.4% each). */
    enum { A = 30, D = 2520 };
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        synth_options o = planted(k, 0.1, A, D, 31);
        double sigma[A], sign = k == SYNTH_PLANT_MOMENTUM ? 1 : -1;
        plain_sigmas(&o, sigma);
        evo_panel p;
        make(&o, &p);
        oracle_result r = oracle(&p, plant_days(k), sign, o.strength, o.drift, sigma);
        data_panel_free(&p);
        cr_assert_gt(r.expected, 10 * r.se, "%s: the formula's gap %.3g is not clearly positive (se %.3g)",
                     synth_plants.names[k], r.expected, r.se);
        cr_assert_gt(r.gap, 10 * r.se, "%s: oracle gap %.3g, se %.3g", synth_plants.names[k], r.gap, r.se);
        cr_assert_float_eq(r.gap, r.expected, 4 * r.se + 0.03 * r.expected,
                           "%s: gap %.4g vs formula %.4g, se %.3g", synth_plants.names[k], r.gap, r.expected,
                           r.se);
    }
}

Test(synth, oracle_without_a_plant_has_no_edge,
     .description = "strength 0: the same oracle's gap is within 4 se of 0")
{
    /* Without a plant every asset's expected next-day simple return is exp(mu/252) - 1 whatever the
     * past, so the gap has mean exactly 0; 4 se (~3e-4 a day, a fifth of the planted gap above) is
     * exceeded by chance with probability 6e-5, and the seed is fixed. The same test with strength 0.1
     * gives ~25 se. */
    enum { A = 30, D = 2520 };
    for (synth_planted k = SYNTH_PLANT_MOMENTUM; k <= SYNTH_PLANT_REVERSAL; k++) {
        synth_options o = planted(k, 0, A, D, 31);
        double sigma[A], sign = k == SYNTH_PLANT_MOMENTUM ? 1 : -1;
        plain_sigmas(&o, sigma);
        evo_panel p;
        make(&o, &p);
        oracle_result r = oracle(&p, plant_days(k), sign, 0, o.drift, sigma);
        data_panel_free(&p);
        cr_assert_eq(r.expected, 0.0, "no plant: equal expected returns");
        cr_assert_lt(fabs(r.gap), 4 * r.se, "%s: gap %.3g, se %.3g", synth_plants.names[k], r.gap, r.se);
    }
}

Test(synth, rejects_bad_plant_options,
     .description = "unknown plant, negative or stray strength: EVO_ERR_USAGE")
{
    evo_panel p;
    evo_error err = {0};
    synth_options o = planted((synth_planted)SYNTH_PLANT_COUNT, 0.1, 3, 50, 1);
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "--planted none, momentum, reversal, ar or leadlag"), "%s", err.msg);
    cr_assert_null(p.close);

    const double bad[] = {-0.1, NAN, INFINITY, 11};
    for (int i = 0; i < 4; i++) {
        o = planted(SYNTH_PLANT_MOMENTUM, bad[i], 3, 50, 1);
        err = (evo_error){0};
        cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE, "strength %g", bad[i]);
        cr_assert(strstr(err.msg, "--strength in [0, 10]"), "%s", err.msg);
    }

    o = planted(SYNTH_PLANT_NONE, 0.2, 3, 50, 1); /* a strength that would plant nothing */
    err = (evo_error){0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "add --planted momentum"), "%s", err.msg);

    cr_assert_eq(catalog_find(&synth_plants, "momentum"), SYNTH_PLANT_MOMENTUM);
    cr_assert_eq(catalog_find(&synth_plants, "reversal"), SYNTH_PLANT_REVERSAL);
    cr_assert_eq(catalog_find(&synth_plants, "none"), SYNTH_PLANT_NONE);
}

/* ---------------------------------------------------------------- autoregressive plants */

/* The plant draws no random numbers, so planted minus plain log return over t -> t+1 is the plant,
 * which must equal synth_signal's row t and the definition (synth.h) worked here from the planted
 * prices: ar phi_a e_{t,a} with phi_a = +-strength (first half +), leadlag strength s_a / s_{a-1}
 * e_{t,a-1}, e = yesterday's log return minus the drift (mu - s^2/2) / 252. The sigmas are not
 * known here, so the test fits the leadlag scale per asset and checks it against the realised sd
 * ratio; the ar coefficient is known exactly. Rounding of logs of ratios near 1: ~1e-15. */
Test(synth, autoregressive_plants_follow_their_definition,
     .description = "ar: +-strength x yesterday's deviation; leadlag: the previous asset's, vol-scaled")
{
    enum { A = 6, D = 3000 };
    const double strength = 0.2;
    synth_options n = planted(SYNTH_PLANT_NONE, 0, A, D, 41);
    evo_panel plain;
    make(&n, &plain);
    double *rn = log_returns(&plain);
    for (synth_planted k = SYNTH_PLANT_AR; k <= SYNTH_PLANT_LEADLAG; k++) {
        synth_options o = planted(k, strength, A, D, 41);
        evo_panel p;
        make(&o, &p);
        double *rp = log_returns(&p), *signal = malloc(sizeof(double) * (size_t)D * A);
        cr_assert_not_null(signal);
        synth_signal(&o, &p, signal);
        double fit_num[A] = {0}, fit_den[A] = {0};
        for (int t = 0; t + 1 < D; t++)
            for (int a = 0; a < A; a++) {
                double diff = rp[(size_t)t * A + a] - rn[(size_t)t * A + a]; /* step t -> t+1 */
                cr_assert(fabs(diff - signal[(size_t)t * A + a]) < 1e-12, "%s: t %d asset %d: %.3g vs %.3g",
                          synth_plants.names[k], t, a, diff, signal[(size_t)t * A + a]);
                int from = k == SYNTH_PLANT_AR ? a : a - 1;
                if (t == 0 || from < 0) {
                    cr_assert_eq(diff, 0.0, "%s: nothing to follow at t %d asset %d", synth_plants.names[k], t, a);
                    continue;
                }
                /* e without the drift term: the drift is constant, a regression on the raw return
                 * picks it up in the intercept, so compare the demeaned slope */
                double e = rp[(size_t)(t - 1) * A + from];
                fit_num[a] += e * diff;
                fit_den[a] += e * e;
            }
        for (int a = 0; a < A; a++) {
            if (k == SYNTH_PLANT_LEADLAG && a == 0)
                continue;
            double slope = fit_num[a] / fit_den[a], mean, sd_a, sd_from;
            if (k == SYNTH_PLANT_AR) { /* plant = phi e, e = r - c: slope of r is phi up to c's share */
                double want = (2 * a < A ? 1 : -1) * strength;
                cr_assert(fabs(slope - want) < 0.01 * strength, "ar asset %d: slope %.4f vs %.4f", a, slope, want);
            } else { /* strength s_a / s_{a-1}: the ratio of realised sds, 1.3% each over 3000 days */
                column_moments(rn, D - 1, A, a, &mean, &sd_a);
                column_moments(rn, D - 1, A, a - 1, &mean, &sd_from);
                double want = strength * sd_a / sd_from;
                cr_assert(fabs(slope / want - 1) < 0.05, "leadlag asset %d: slope %.4f vs %.4f", a, slope, want);
            }
        }
        free(rp);
        free(signal);
        data_panel_free(&p);
    }
    free(rn);
    data_panel_free(&plain);
}

Test(synth, autoregressive_strength_below_one, .description = "ar/leadlag need strength < 1: EVO_ERR_USAGE")
{
    evo_panel p;
    evo_error err = {0};
    synth_options o = planted(SYNTH_PLANT_AR, 1.0, 3, 50, 1);
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "below 1"), "%s", err.msg);
    o = planted(SYNTH_PLANT_LEADLAG, 0.99, 3, 50, 1);
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_OK, "%s", err.msg);
    data_panel_free(&p);
}
