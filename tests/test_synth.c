/* Tests of synth: determinism, the panel's shape and calendar, positive prices, the realised
 * correlation and volatility of the returns against the options, and rejected options. */
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
