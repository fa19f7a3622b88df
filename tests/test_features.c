/* Tests of features: every definition against values worked by hand on small panels written here,
 * look-backs and first_usable, the rolling z-score by hand (W = 3), clipping and the sd = 0 rule,
 * the rolling O(D) series against the per-day reference on a synthetic panel, causality (changing the
 * future leaves the past bit-identical), and the strategy statistics. Shapes: D days, A assets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/features.h"
#include "evofolio/rng.h"
#include "evofolio/synth.h"

/* A panel of D days x A assets with the closes (and volumes) to be filled in; no names or dates. */
static evo_panel panel_make(int D, int A, int with_volume)
{
    evo_panel p = {.n_days = D, .n_assets = A};
    p.close = calloc((size_t)D * A, sizeof *p.close);
    cr_assert_not_null(p.close);
    if (with_volume) {
        p.volume = calloc((size_t)D * A, sizeof *p.volume);
        cr_assert_not_null(p.volume);
    }
    return p;
}

static double *at(evo_panel *p, int t, int a) { return &p->close[(size_t)t * p->n_assets + a]; }

/* Synthetic closes (synth_panel) with seeded random volumes added, so volchg is covered too. */
static evo_panel synth_with_volume(int D, int A, uint64_t seed)
{
    synth_options o;
    synth_defaults(&o);
    o.n_days = D;
    o.n_assets = A;
    o.seed = seed;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(synth_panel(&o, &p, &err), EVO_OK, "%s", err.msg);
    p.volume = malloc((size_t)D * A * sizeof *p.volume);
    cr_assert_not_null(p.volume);
    evo_rng rng;
    rng_seed(&rng, seed + 1);
    for (int i = 0; i < D * A; i++)
        p.volume[i] = floor(1e6 * (0.5 + rng_uniform(&rng)));
    return p;
}

static const unsigned ALL = (1u << FEATURE_COUNT) - 1;

/* Hand values below are exact rationals or logs of them; the code's few double operations are
 * accurate to ~1e-15 relative, so 1e-12 (absolute, values of order 1..100) is a safe margin that
 * still catches any off-by-one day or wrong formula. */
#define HAND_TOL 1e-12

/* Asset 0's closes for t = 0..21, chosen so the price changes are small integers:
 *   changes t = 1..16: +1 +2 -1 +2 +1 -1 +2 +1 -1 +2 +1 -1 +2 +1 -2 +1
 * Asset 1: 10, 11, then flat. */
static const double SHORT_P0[22] = {20, 21, 23, 22, 24, 25, 24, 26, 27, 26, 28,
                                    29, 28, 30, 31, 29, 30, 32, 31, 33, 34, 33};

static evo_panel short_panel(void)
{
    evo_panel p = panel_make(22, 2, 1);
    for (int t = 0; t < 22; t++) {
        *at(&p, t, 0) = SHORT_P0[t];
        *at(&p, t, 1) = t == 0 ? 10 : 11;
        p.volume[t * 2] = t == 0 ? 0 : t == 1 ? 99 : 49; /* V_0 = 0, V_1 = 99, V_2.. = 49 */
        p.volume[t * 2 + 1] = 1000;
    }
    return p;
}

Test(features, log_returns_by_hand, .description = "ret1/ret5/ret20 = ln(P_t / P_{t-n})")
{
    evo_panel p = short_panel();
    /* ret1 at t = 3: ln(P_3 / P_2) = ln(22/23) = -0.0444517625708338 */
    cr_assert_float_eq(features_raw(FEATURE_RET1, &p, NULL, 0, 3), log(22.0 / 23), HAND_TOL);
    cr_assert_float_eq(features_raw(FEATURE_RET1, &p, NULL, 0, 3), -0.0444517625708338, 1e-15);
    /* ret5 at t = 7: ln(P_7 / P_2) = ln(26/23) = 0.1226023220923323 */
    cr_assert_float_eq(features_raw(FEATURE_RET5, &p, NULL, 0, 7), 0.1226023220923323, HAND_TOL);
    /* ret20 at t = 21: ln(P_21 / P_1) = ln(33/21) = 0.4519851237430572 */
    cr_assert_float_eq(features_raw(FEATURE_RET20, &p, NULL, 0, 21), 0.4519851237430572, HAND_TOL);
    data_panel_free(&p);
}

Test(features, rsi_by_hand, .description = "Wilder's RSI: simple first averages, then (avg*13 + x)/14")
{
    evo_panel p = short_panel();
    /* t = 14: changes 1..14 give gains 1+2+2+1+2+1+2+1+2+1 = 15 and losses 1+1+1+1 = 4, so
     * avg gain 15/14, avg loss 4/14, RS = 15/4, RSI = 100 - 100/4.75 = 1500/19 = 78.947368421052632 */
    cr_assert_float_eq(features_raw(FEATURE_RSI14, &p, NULL, 0, 14), 1500.0 / 19, HAND_TOL);
    /* t = 15, change -2: gain = (15/14 * 13 + 0)/14 = 195/196, loss = (4/14 * 13 + 2)/14 = 80/196,
     * RSI = 100 - 100/(1 + 195/80) = 100 * 195/275 = 780/11 = 70.909090909090909 */
    cr_assert_float_eq(features_raw(FEATURE_RSI14, &p, NULL, 0, 15), 780.0 / 11, HAND_TOL);
    /* t = 16, change +1: gain = (195/196 * 13 + 1)/14 = 2731/2744, loss = (80/196 * 13)/14 = 1040/2744,
     * RSI = 100 * 2731/3771 = 72.421108459294617 */
    cr_assert_float_eq(features_raw(FEATURE_RSI14, &p, NULL, 0, 16), 273100.0 / 3771, HAND_TOL);
    /* asset 1 never falls after t = 1: loss = 0, so RSI = 100 by definition */
    cr_assert_eq(features_raw(FEATURE_RSI14, &p, NULL, 1, 14), 100);
    data_panel_free(&p);
}

Test(features, volchg_and_market_by_hand, .description = "volchg = ln((V_t+1)/(V_{t-1}+1)); m_t = mean r_t")
{
    evo_panel p = short_panel();
    /* t = 1: ln((99 + 1)/(0 + 1)) = ln 100 = 4.605170185988091; t = 2: ln(50/100) = -ln 2 */
    cr_assert_float_eq(features_raw(FEATURE_VOLCHG, &p, NULL, 0, 1), 4.605170185988091, HAND_TOL);
    cr_assert_float_eq(features_raw(FEATURE_VOLCHG, &p, NULL, 0, 2), -0.6931471805599453, HAND_TOL);
    cr_assert_eq(features_raw(FEATURE_VOLCHG, &p, NULL, 0, 3), 0, "equal volumes: ln 1 = 0");
    double market[22];
    features_market(market, &p);
    /* m_1 = ((21/20 - 1) + (11/10 - 1))/2 = (0.05 + 0.10)/2 = 0.075; m_2 = ((23/21 - 1) + 0)/2 = 1/21 */
    cr_assert_eq(market[0], 0);
    cr_assert_float_eq(market[1], 0.075, 1e-15);
    cr_assert_float_eq(market[2], 1.0 / 21, 1e-15);
    data_panel_free(&p);
}

/* 401 days. Asset 0 rises 100, 101, .., 200 (t = 100), then falls by 0.5 a day to 50 (t = 400):
 * P_t = 100 + t (t <= 100), 200 - (t - 100)/2 (t >= 100). Asset 1: P_t = 100 + t throughout. */
static evo_panel ramp_panel(void)
{
    evo_panel p = panel_make(401, 2, 0);
    for (int t = 0; t < 401; t++) {
        *at(&p, t, 0) = t <= 100 ? 100 + t : 200 - 0.5 * (t - 100);
        *at(&p, t, 1) = 100 + t;
    }
    return p;
}

Test(features, ma_mom_dd_by_hand, .description = "ma50, mom126 and dd252 on straight-line prices")
{
    evo_panel p = ramp_panel();
    /* ma50, asset 1, t = 60: mean(P_11..P_60) = 100 + (11 + 60)/2 = 135.5; 160/135.5 - 1 = 24.5/135.5 */
    cr_assert_float_eq(features_raw(FEATURE_MA50, &p, NULL, 1, 60), 24.5 / 135.5, HAND_TOL);
    /* mom126, asset 1, t = 130: P_109/P_4 - 1 = 209/104 - 1 = 105/104 */
    cr_assert_float_eq(features_raw(FEATURE_MOM126, &p, NULL, 1, 130), 105.0 / 104, HAND_TOL);
    /* mom126, asset 0, t = 300: P_279/P_174 - 1 = (200 - 89.5)/(200 - 37) - 1 = 110.5/163 - 1 */
    cr_assert_float_eq(features_raw(FEATURE_MOM126, &p, NULL, 0, 300), 110.5 / 163 - 1, HAND_TOL);
    /* dd252, asset 0, t = 251: max(P_0..P_251) = P_100 = 200, P_251 = 200 - 75.5: 124.5/200 - 1 */
    cr_assert_float_eq(features_raw(FEATURE_DD252, &p, NULL, 0, 251), -0.3775, HAND_TOL);
    /* t = 400: P_100 has left the window 149..400, whose max is P_149 = 175.5: 50/175.5 - 1 */
    cr_assert_float_eq(features_raw(FEATURE_DD252, &p, NULL, 0, 400), 50 / 175.5 - 1, HAND_TOL);
    cr_assert_eq(features_raw(FEATURE_DD252, &p, NULL, 1, 300), 0, "always at its high");
    /* the rolling series agrees on the same days */
    double v[401];
    features_series(v, FEATURE_DD252, &p, NULL, 0);
    cr_assert_float_eq(v[251], -0.3775, HAND_TOL);
    cr_assert_float_eq(v[400], 50 / 175.5 - 1, HAND_TOL);
    features_series(v, FEATURE_MA50, &p, NULL, 1);
    cr_assert_float_eq(v[60], 24.5 / 135.5, HAND_TOL);
    /* only gains on asset 1: RSI 100 (loss = 0) */
    cr_assert_eq(features_raw(FEATURE_RSI14, &p, NULL, 1, 200), 100);
    data_panel_free(&p);
}

/* 61 days. Asset 0 alternates 100, 110, 100, ...: r_t = +0.1 for odd t and 100/110 - 1 = -1/11 for
 * even t. Asset 1 has exactly twice asset 0's returns: P_t = P_{t-1} (1 + 2 r_t), P_0 = 100. */
static evo_panel alternating_panel(void)
{
    evo_panel p = panel_make(61, 2, 0);
    for (int t = 0; t < 61; t++) {
        *at(&p, t, 0) = t % 2 ? 110 : 100;
        *at(&p, t, 1) = t == 0 ? 100 : *at(&p, t - 1, 1) * (1 + 2 * (*at(&p, t, 0) / *at(&p, t - 1, 0) - 1));
    }
    return p;
}

Test(features, vol_and_beta_by_hand, .description = "sample sd of simple returns; beta = cov/var vs market")
{
    evo_panel p = alternating_panel();
    /* vol20 at t = 20: r_1..r_20 are ten +0.1 and ten -1/11, each d = (0.1 + 1/11)/2 = 21/220 from
     * their mean, so sum of squares = 20 d^2 and sd = d sqrt(20/19) = 0.0979342972444920 */
    const double d = 21.0 / 220;
    cr_assert_float_eq(features_raw(FEATURE_VOL20, &p, NULL, 0, 20), d * sqrt(20.0 / 19), HAND_TOL);
    cr_assert_float_eq(features_raw(FEATURE_VOL20, &p, NULL, 0, 20), 0.0979342972444920, 1e-15);
    /* t = 21: r_2..r_21, again ten of each */
    cr_assert_float_eq(features_raw(FEATURE_VOL20, &p, NULL, 0, 21), d * sqrt(20.0 / 19), HAND_TOL);
    /* vol60 at t = 60: thirty of each, sd = d sqrt(60/59) */
    cr_assert_float_eq(features_raw(FEATURE_VOL60, &p, NULL, 0, 60), d * sqrt(60.0 / 59), HAND_TOL);
    /* m = (r + 2r)/2 = 1.5 r, so beta_0 = cov(r, 1.5r)/var(1.5r) = 1/1.5 = 2/3 and beta_1 = 4/3
     * (asset 1's returns are 2r up to the rounding of its prices: ~1e-15) */
    double market[61];
    features_market(market, &p);
    cr_assert_float_eq(features_raw(FEATURE_BETA60, &p, market, 0, 60), 2.0 / 3, HAND_TOL);
    cr_assert_float_eq(features_raw(FEATURE_BETA60, &p, market, 1, 60), 4.0 / 3, HAND_TOL);
    double v[61];
    features_series(v, FEATURE_BETA60, &p, market, 1);
    cr_assert_float_eq(v[60], 4.0 / 3, HAND_TOL);
    features_series(v, FEATURE_VOL20, &p, NULL, 0);
    cr_assert_float_eq(v[40], d * sqrt(20.0 / 19), HAND_TOL);
    data_panel_free(&p);
}

/* MACD on a step: P_t = 10 for t <= 32, then 12. Every EMA is 10 and the line 0 up to t = 32 (had
 * the EMAs been seeded with 0 instead of P_0, EMA26 would still be (25/27)^32 * 10 ~ 0.9 short).
 *   t = 33: EMA12 = 10 + (2/13) 2 = 10 + 4/13, EMA26 = 10 + (2/27) 2 = 10 + 4/27,
 *           line = 4/13 - 4/27 = 56/351, signal = 0 + (2/10)(56/351) = 11.2/351,
 *           macd = 56/351 - 11.2/351 = 44.8/351 = 0.127635327635328
 *   t = 34: EMA12 = 10 + 4/13 + (2/13)(2 - 4/13) = 10 + 96/169, EMA26 = 10 + 4/27 + (2/27)(2 - 4/27)
 *           = 10 + 208/729, line = 96/169 - 208/729 = 0.282724977881673,
 *           signal = 11.2/351 + 0.2 (line - 11.2/351) = 0.082072061103400,
 *           macd = 0.200652916778273 */
Test(features, macd_by_hand, .description = "EMA12 - EMA26 minus its EMA9, EMAs seeded with the first value")
{
    evo_panel p = panel_make(35, 1, 0);
    for (int t = 0; t < 35; t++)
        *at(&p, t, 0) = t <= 32 ? 10 : 12;
    cr_assert(isnan(features_raw(FEATURE_MACD, &p, NULL, 0, 32)), "defined from t = 33");
    cr_assert_float_eq(features_raw(FEATURE_MACD, &p, NULL, 0, 33), 44.8 / 351, HAND_TOL);
    const double line = 96.0 / 169 - 208.0 / 729, s33 = 11.2 / 351, signal = s33 + 0.2 * (line - s33);
    cr_assert_float_eq(features_raw(FEATURE_MACD, &p, NULL, 0, 34), line - signal, HAND_TOL);
    cr_assert_float_eq(features_raw(FEATURE_MACD, &p, NULL, 0, 34), 0.200652916778273, 1e-14);
    double v[35];
    features_series(v, FEATURE_MACD, &p, NULL, 0);
    cr_assert_float_eq(v[33], 44.8 / 351, HAND_TOL);
    cr_assert_float_eq(v[34], line - signal, HAND_TOL);
    data_panel_free(&p);
}

Test(features, constant_prices_give_exact_zeros, .description = "vol 0, beta 0 (var 0), ma/dd/ret 0")
{
    evo_panel p = panel_make(300, 2, 0);
    for (int i = 0; i < 600; i++)
        p.close[i] = 7.25; /* sums of up to 50 of them are exact, so the reference's mean is too */
    double market[300], v[300];
    features_market(market, &p);
    const evo_feature zero[] = {FEATURE_RET1, FEATURE_VOL20, FEATURE_VOL60, FEATURE_BETA60,
                                FEATURE_MACD, FEATURE_MOM126, FEATURE_MA50, FEATURE_DD252};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        evo_feature f = zero[i];
        cr_assert_eq(features_raw(f, &p, market, 1, 299), 0, "%s", catalog_features.names[f]);
        features_series(v, f, &p, market, 1);
        for (int t = features_lookback(f); t < 300; t++)
            cr_assert_eq(v[t], 0, "%s at %d: %g", catalog_features.names[f], t, v[t]);
    }
    data_panel_free(&p);
}

/* Prices that move until day 49, then: assets 0 and 1 stay put, asset 2 alternates 100, 125, 100, ..
 * from day 50 and asset 3 the opposite. From day 51 the returns are 0, 0 and +0.25/-0.2 in turn, so
 * the market return is the same double every day (0 + 0 + 0.25 - 0.2, over 4) and var(m) = 0 over
 * any 60 days from 51: beta60 = 0 from day 110, and vol20 of assets 0 and 1 = 0 from day 70 -
 * exactly, although the rolling sums still carry the rounding of the days that left (on this path,
 * testing their rounded var instead gives arbitrary betas, e.g. 0.06, on days 110..119). */
Test(features, flat_windows_give_exact_zeros, .description = "vol 0, beta 0 (var m = 0) in flat windows")
{
    evo_panel p = panel_make(200, 4, 0);
    for (int t = 0; t < 200; t++)
        for (int a = 0; a < 4; a++)
            *at(&p, t, a) = t < 50       ? 100 + 3 * sin(0.3 * t + a)
                            : a < 2       ? *at(&p, 49, a)
                            : (t + a) % 2 ? 125
                                          : 100;
    double market[200], v[200];
    features_market(market, &p);
    for (int t = 52; t < 200; t++)
        cr_assert_eq(market[t], market[51], "a constant market from day 51");
    for (int a = 0; a < 4; a++) {
        features_series(v, FEATURE_BETA60, &p, market, a);
        if (a >= 2)
            cr_assert_neq(v[109], 0, "asset %d: day 50's return is still in the window", a);
        for (int t = 110; t < 200; t++) {
            cr_assert_eq(v[t], 0, "beta60 asset %d day %d: %g", a, t, v[t]);
            cr_assert_eq(features_raw(FEATURE_BETA60, &p, market, a, t), 0);
        }
    }
    for (int a = 0; a < 2; a++) {
        features_series(v, FEATURE_VOL20, &p, NULL, a);
        for (int t = 70; t < 200; t++)
            cr_assert_eq(v[t], 0, "vol20 asset %d day %d: %g", a, t, v[t]);
    }
    data_panel_free(&p);
}

/* Rolling sums that have held values of 1e6 keep rounding of ~1e-10 in absolute terms; once the
 * series falls to 1e-3 that would swamp its variance (~1e-7 per value). Rebuilding from the window
 * every W days restores full precision: from day 100 + 2W the z-scores match a two-pass
 * recomputation to 1e-9. */
Test(features, normalise_recovers_after_scale_change, .description = "precision survives a fall of 9 orders")
{
    enum { D = 300, W = 20 };
    double v[D], z[D];
    for (int t = 0; t < D; t++)
        v[t] = (t < 100 ? 1e6 : 1e-3) * sin(1.3 * t);
    features_normalise(z, v, D, 0, W);
    for (int t = 100 + 2 * W; t < D; t++) {
        double mean = 0, ss = 0;
        for (int s = t - W + 1; s <= t; s++)
            mean += v[s] / W;
        for (int s = t - W + 1; s <= t; s++)
            ss += (v[s] - mean) * (v[s] - mean);
        double ref = fmax(-5, fmin(5, (v[t] - mean) / sqrt(ss / (W - 1))));
        cr_assert_float_eq(z[t], ref, 1e-9, "day %d", t);
    }
}

Test(features, lookbacks, .description = "the first day of each feature, as documented")
{
    const int expect[FEATURE_COUNT] = {
        [FEATURE_RET1] = 1,    [FEATURE_RET5] = 5,    [FEATURE_RET20] = 20,  [FEATURE_VOL20] = 20,
        [FEATURE_VOL60] = 60,  [FEATURE_BETA60] = 60, [FEATURE_RSI14] = 14,  [FEATURE_MACD] = 33,
        [FEATURE_MOM126] = 126, [FEATURE_MA50] = 49,  [FEATURE_DD252] = 251, [FEATURE_VOLCHG] = 1,
    };
    for (int f = 0; f < FEATURE_COUNT; f++)
        cr_assert_eq(features_lookback(f), expect[f], "%s", catalog_features.names[f]);
    cr_assert_eq(features_stat_lookback(FEATURES_STAT_RET), 1);
    cr_assert_eq(features_stat_lookback(FEATURES_STAT_VOL20), 20);
    cr_assert_eq(features_stat_lookback(FEATURES_STAT_DRAWDOWN), 0);
    cr_assert_eq(features_stat_lookback(FEATURES_STAT_SHARPE60), 60);
}

Test(features, nan_before_lookback, .description = "NaN before the look-back, finite from it")
{
    evo_panel p = synth_with_volume(300, 3, 11);
    double market[300], v[300];
    features_market(market, &p);
    for (int f = 0; f < FEATURE_COUNT; f++) {
        const char *name = catalog_features.names[f];
        int L = features_lookback(f);
        features_series(v, f, &p, market, 2);
        for (int t = 0; t < L; t++) {
            cr_assert(isnan(features_raw(f, &p, market, 2, t)), "%s raw at %d", name, t);
            cr_assert(isnan(v[t]), "%s series at %d", name, t);
        }
        for (int t = L; t < 300; t++)
            cr_assert(isfinite(v[t]), "%s series at %d", name, t);
        cr_assert(isfinite(features_raw(f, &p, market, 2, L)), "%s raw at its look-back %d", name, L);
    }
    cr_assert(isnan(features_raw(FEATURE_RET1, &p, market, 0, 300)), "past the last day");
    data_panel_free(&p);
}

Test(features, first_usable, .description = "max over the selection of look-back + W - 1; x is 0 before it")
{
    evo_panel p = synth_with_volume(400, 3, 5);
    evo_features x;
    evo_error err = {0};
    /* {ret1, dd252}, W = 20: max(1 + 19, 251 + 19) = 270 */
    cr_assert_eq(features_compute(&x, &p, 1u << FEATURE_RET1 | 1u << FEATURE_DD252, 20, &err), EVO_OK,
                 "%s", err.msg);
    cr_assert_eq(x.first_usable, 270);
    cr_assert_eq(x.F, 2);
    cr_assert_eq(x.ids[0], FEATURE_RET1);
    cr_assert_eq(x.ids[1], FEATURE_DD252);
    cr_assert_eq(x.D, 400);
    cr_assert_eq(x.A, 3);
    for (int i = 0; i < 270 * 3 * 2; i++)
        cr_assert_eq(x.x[i], 0, "ret1 is defined early, but x stays 0 before first_usable");
    features_free(&x);
    /* volchg alone, W = 3: 1 + 2 = 3 */
    cr_assert_eq(features_compute(&x, &p, 1u << FEATURE_VOLCHG, 3, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(x.first_usable, 3);
    cr_assert_neq(x.x[3 * 3], 0);
    features_free(&x);
    /* everything, W = 252: 251 + 251 = 502 (past this panel's end: x all 0, no error) */
    cr_assert_eq(features_compute(&x, &p, ALL, 252, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(x.first_usable, 502);
    cr_assert_eq(x.F, FEATURE_COUNT);
    features_free(&x);
    features_free(NULL);
    data_panel_free(&p);
}

/* z over W = 3 of v = (NaN, 1, 2, 4, 4, 4, 7), defined from day 1, so z is defined from day 3:
 *   t = 3: {1, 2, 4}: mean 7/3, deviations -4/3 -1/3 5/3, var = (16 + 1 + 25)/9 / 2 = 7/3,
 *          z = (5/3)/sqrt(7/3) = 1.091089451179962
 *   t = 4: {2, 4, 4}: mean 10/3, var = (16 + 4 + 4)/9 / 2 = 4/3, z = (2/3)/sqrt(4/3) = 1/sqrt(3)
 *   t = 5: {4, 4, 4}: sd = 0, so z = 0
 *   t = 6: {4, 4, 7}: mean 5, var = (1 + 1 + 4)/2 = 3, z = 2/sqrt(3) */
Test(features, normalise_by_hand, .description = "rolling z-score over W = 3 values, sample sd")
{
    const double v[] = {NAN, 1, 2, 4, 4, 4, 7};
    double z[7];
    features_normalise(z, v, 7, 1, 3);
    for (int t = 0; t < 3; t++)
        cr_assert(isnan(z[t]), "z undefined at %d", t);
    cr_assert_float_eq(z[3], (5.0 / 3) / sqrt(7.0 / 3), HAND_TOL);
    cr_assert_float_eq(z[3], 1.091089451179962, 1e-14);
    cr_assert_float_eq(z[4], 1 / sqrt(3), HAND_TOL);
    cr_assert_eq(z[5], 0);
    cr_assert_float_eq(z[6], 2 / sqrt(3), HAND_TOL);
}

/* With W equal values c and then x, z_x = (W - 1)/sqrt(W) (derivation: mean c + (x-c)/W, var (x-c)^2/W),
 * which exceeds 5 from W = 27; at W = 30 it is 29/sqrt(30) = 5.29. */
Test(features, normalise_clips_at_5, .description = "z beyond +-5 is clipped to +-FEATURE_CLIP")
{
    enum { D = 100, W = 30 };
    double v[D], z[D];
    for (int t = 0; t < D; t++)
        v[t] = t == 40 ? 1 : t == 80 ? -1 : 0;
    features_normalise(z, v, D, 0, W);
    cr_assert_eq(z[40], FEATURE_CLIP, "unclipped it would be %g", 29 / sqrt(30));
    cr_assert_eq(z[80], -FEATURE_CLIP);
    /* the day after the spike: {0 x 28, 1, 0}: z = (0 - 1/30) / sd, sd = sqrt((1 - 1/30)/29) */
    cr_assert_float_eq(z[41], -(1.0 / 30) / sqrt((1 - 1.0 / 30) / 29), HAND_TOL);
    cr_assert_eq(z[39], 0, "29 zeros and a 0: sd = 0");
}

Test(features, normalise_sd_zero_is_zero, .description = "a constant window gives z = 0")
{
    /* Varying values up to day 39, then 0.1 (not a binary fraction). Once the window holds only
     * 0.1's (from day 40 + W - 1 = 69), the sd is 0; rolling sums that once held other values leave
     * a mean a few ulps off 0.1 and a sd of a few ulps (here z would be ~3e-8 instead of 0). The rule
     * tests equality of the values instead. */
    enum { D = 120, W = 30 };
    double v[D], z[D];
    for (int t = 0; t < D; t++)
        v[t] = t < 40 ? 0.1 + 0.37 * sin(t) : 0.1;
    features_normalise(z, v, D, 0, W);
    for (int t = 69; t < D; t++)
        cr_assert_eq(z[t], 0, "t = %d: %g", t, z[t]);
    cr_assert_neq(z[68], 0, "day 39's value is still in the window");
}

Test(features, volchg_without_volume, .description = "asking for volchg without volumes is a config error")
{
    evo_panel p = ramp_panel();
    evo_features x;
    evo_error err = {0};
    cr_assert_eq(features_compute(&x, &p, 1u << FEATURE_VOLCHG | 1u << FEATURE_RET1, 20, &err),
                 EVO_ERR_CONFIG);
    cr_assert_not_null(strstr(err.msg, "volchg"), "%s", err.msg);
    cr_assert_null(x.x);
    double v[401];
    features_series(v, FEATURE_VOLCHG, &p, NULL, 0);
    cr_assert(isnan(v[1]) && isnan(v[400]));
    cr_assert(isnan(features_raw(FEATURE_VOLCHG, &p, NULL, 0, 5)));
    /* the rest works without volume */
    cr_assert_eq(features_compute(&x, &p, ALL & ~(1u << FEATURE_VOLCHG), 20, &err), EVO_OK, "%s", err.msg);
    features_free(&x);
    data_panel_free(&p);
}

Test(features, bad_selection_or_window, .description = "bad selection or window < 2: errors")
{
    evo_panel p = ramp_panel();
    evo_features x;
    evo_error err = {0};
    cr_assert_eq(features_compute(&x, &p, 0, 20, &err), EVO_ERR_CONFIG);
    cr_assert_eq(features_compute(&x, &p, 1u << FEATURE_COUNT, 20, &err), EVO_ERR_CONFIG);
    cr_assert_eq(features_compute(&x, &p, 1u, 1, &err), EVO_ERR_CONFIG);
    cr_assert_not_null(strstr(err.msg, "window"), "%s", err.msg);
    double r[10] = {0};
    cr_assert_eq(features_strategy_stats(&x, r, 1, 10, 1, &err), EVO_ERR_CONFIG);
    cr_assert_eq(features_strategy_stats(&x, r, 0, 10, 5, &err), EVO_ERR_DATA);
    data_panel_free(&p);
}

/* The O(D) rolling series against the per-day reference, and the rolling z-score against a two-pass
 * recomputation of every window, on 4 synthetic assets x 700 days (every feature, every day). Both
 * sides are double; the rolling sums are rebuilt every n days, so they differ from two-pass sums by a
 * few hundred ulps at most (~1e-14 relative); 1e-9 (relative to max(1, |value|)) is the brief's bar
 * and far above that, yet far below any definitional mistake. */
Test(features, rolling_matches_reference, .description = "series/normalise = naive recomputation")
{
    enum { D = 700, A = 4, W = 60 };
    evo_panel p = synth_with_volume(D, A, 2024);
    double market[D], v[D], z[D], win[W];
    features_market(market, &p);
    double worst_raw = 0, worst_z = 0;
    for (int f = 0; f < FEATURE_COUNT; f++)
        for (int a = 0; a < A; a++) {
            const char *name = catalog_features.names[f];
            features_series(v, f, &p, market, a);
            for (int t = features_lookback(f); t < D; t++) {
                double ref = features_raw(f, &p, market, a, t);
                double e = fabs(v[t] - ref) / fmax(1, fabs(ref));
                worst_raw = fmax(worst_raw, e);
                cr_assert_leq(e, 1e-9, "%s asset %d day %d: %.17g vs %.17g", name, a, t, v[t], ref);
            }
            const int L = features_lookback(f);
            features_normalise(z, v, D, L, W);
            for (int t = L + W - 1; t < D; t++) {
                /* z_t from scratch: two-pass mean and sample sd of v[t-W+1..t], 0 when all equal */
                memcpy(win, v + t - W + 1, sizeof win);
                double mean = 0, ss = 0;
                int equal = 1;
                for (int i = 0; i < W; i++) {
                    mean += win[i] / W;
                    equal &= win[i] == win[0];
                }
                for (int i = 0; i < W; i++)
                    ss += (win[i] - mean) * (win[i] - mean);
                double ref = equal ? 0 : fmax(-5, fmin(5, (v[t] - mean) / sqrt(ss / (W - 1))));
                worst_z = fmax(worst_z, fabs(z[t] - ref));
                cr_assert_leq(fabs(z[t] - ref), 1e-9, "%s asset %d day %d: z %.17g vs %.17g", name, a,
                              t, z[t], ref);
            }
        }
    cr_log_info("worst raw relative error %.3g, worst z error %.3g", worst_raw, worst_z);
    data_panel_free(&p);
}

Test(features, compute_is_normalised_series, .description = "x = (float) normalise(series), [D][A][F] layout")
{
    enum { D = 500, A = 3, W = 40 };
    evo_panel p = synth_with_volume(D, A, 99);
    evo_features x;
    evo_error err = {0};
    cr_assert_eq(features_compute(&x, &p, ALL, W, &err), EVO_OK, "%s", err.msg);
    double market[D], v[D], z[D];
    features_market(market, &p);
    for (int k = 0; k < x.F; k++)
        for (int a = 0; a < A; a++) {
            features_series(v, x.ids[k], &p, market, a);
            features_normalise(z, v, D, features_lookback(x.ids[k]), W);
            for (int t = 0; t < D; t++) {
                float want = t < x.first_usable ? 0 : (float)z[t];
                cr_assert_eq(x.x[((size_t)t * A + a) * x.F + k], want, "%s asset %d day %d",
                             catalog_features.names[x.ids[k]], a, t);
            }
        }
    for (int i = 0; i < D * A * x.F; i++)
        cr_assert_leq(fabsf(x.x[i]), (float)FEATURE_CLIP);
    features_free(&x);
    data_panel_free(&p);
}

/* Multiply every close and volume after day d by a random factor: every value up to d must keep its
 * bits (memcmp), raw series and normalised x alike, and something after d must change. */
Test(features, causal, .description = "changing prices after day d leaves every value up to d bit-identical")
{
    enum { D = 650, A = 5, W = 60, DAY = 400 };
    evo_panel p = synth_with_volume(D, A, 7), q = synth_with_volume(D, A, 7);
    evo_rng rng;
    rng_seed(&rng, 31337);
    for (int i = (DAY + 1) * A; i < D * A; i++) {
        q.close[i] *= exp(0.1 * rng_normal(&rng));
        q.volume[i] = floor(q.volume[i] * (0.5 + rng_uniform(&rng)));
    }
    evo_features xp, xq;
    evo_error err = {0};
    cr_assert_eq(features_compute(&xp, &p, ALL, W, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(features_compute(&xq, &q, ALL, W, &err), EVO_OK, "%s", err.msg);
    const size_t row = (size_t)A * xp.F; /* floats per day */
    cr_assert_eq(memcmp(xp.x, xq.x, (DAY + 1) * row * sizeof(float)), 0, "normalised x up to day d");
    cr_assert_neq(memcmp(xp.x + (DAY + 1) * row, xq.x + (DAY + 1) * row, (D - DAY - 1) * row * sizeof(float)),
                  0, "the perturbation reaches x after d");
    double mp[D], mq[D], vp[D], vq[D];
    features_market(mp, &p);
    features_market(mq, &q);
    cr_assert_eq(memcmp(mp, mq, (DAY + 1) * sizeof(double)), 0, "market up to d");
    for (int f = 0; f < FEATURE_COUNT; f++)
        for (int a = 0; a < A; a++) {
            features_series(vp, f, &p, mp, a);
            features_series(vq, f, &q, mq, a);
            cr_assert_eq(memcmp(vp, vq, (DAY + 1) * sizeof(double)), 0, "%s asset %d raw up to d",
                         catalog_features.names[f], a);
            for (int t = 0; t <= DAY; t++) /* the reference too, day by day */
                cr_assert_eq(memcmp(&(double){features_raw(f, &p, mp, a, t)},
                                    &(double){features_raw(f, &q, mq, a, t)}, sizeof(double)), 0);
        }
    features_free(&xp);
    features_free(&xq);
    data_panel_free(&p);
    data_panel_free(&q);
}

/* Three strategies, days 0..69 (ret[0] unused):
 *   s0 alternates r = +0.01 (odd t), -0.005 (even t): mean 0.0025, each 0.0075 from it;
 *   s1 earns 0.001 every day (sd 0);
 *   s2: +0.1, -0.2, +0.1 on days 1..3, then 0. */
static void strategy_returns(double *ret, int D)
{
    for (int t = 0; t < D; t++) {
        ret[t] = t == 0 ? 0 : t % 2 ? 0.01 : -0.005;
        ret[D + t] = t == 0 ? 0 : 0.001;
        ret[2 * D + t] = t == 1 || t == 3 ? 0.1 : t == 2 ? -0.2 : 0;
    }
}

Test(features, strategy_stats_by_hand, .description = "net return, 20-day vol, drawdown, 60-day Sharpe")
{
    enum { D = 70 };
    double ret[3 * D], v[D];
    strategy_returns(ret, D);
    features_stat_series(v, FEATURES_STAT_RET, ret, D);
    cr_assert(isnan(v[0]));
    cr_assert_eq(v[5], 0.01);
    /* vol20 at t = 20: ten of each, sd = 0.0075 sqrt(20/19) */
    features_stat_series(v, FEATURES_STAT_VOL20, ret, D);
    cr_assert(isnan(v[19]));
    cr_assert_float_eq(v[20], 0.0075 * sqrt(20.0 / 19), HAND_TOL);
    cr_assert_float_eq(v[69], 0.0075 * sqrt(20.0 / 19), HAND_TOL);
    /* Sharpe at t = 60: 0.0025 / (0.0075 sqrt(60/59)) * sqrt(252) = sqrt(252 * 59/60)/3 = 5.24722148697 */
    features_stat_series(v, FEATURES_STAT_SHARPE60, ret, D);
    cr_assert(isnan(v[59]));
    cr_assert_float_eq(v[60], sqrt(252 * 59.0 / 60) / 3, HAND_TOL);
    cr_assert_float_eq(v[60], 5.24722148697130, 1e-12);
    /* drawdown: W = 1, 1.01, 1.01 * 0.995: dd_2 = 0.995 - 1 */
    features_stat_series(v, FEATURES_STAT_DRAWDOWN, ret, D);
    cr_assert_eq(v[0], 0);
    cr_assert_eq(v[1], 0);
    cr_assert_float_eq(v[2], -0.005, HAND_TOL);
    /* s1: constant returns: vol 0, Sharpe 0 (sd 0), never in drawdown */
    features_stat_series(v, FEATURES_STAT_VOL20, ret + D, D);
    cr_assert_eq(v[30], 0);
    features_stat_series(v, FEATURES_STAT_SHARPE60, ret + D, D);
    cr_assert_eq(v[65], 0);
    features_stat_series(v, FEATURES_STAT_DRAWDOWN, ret + D, D);
    cr_assert_eq(v[65], 0);
    /* s2: W = 1.1, 0.88, 0.968, then flat; peak 1.1: dd_2 = -0.2, dd_3 = 0.968/1.1 - 1 = -0.12 */
    features_stat_series(v, FEATURES_STAT_DRAWDOWN, ret + 2 * D, D);
    cr_assert_eq(v[1], 0);
    cr_assert_float_eq(v[2], -0.2, HAND_TOL);
    cr_assert_float_eq(v[3], -0.12, HAND_TOL);
    cr_assert_float_eq(v[50], -0.12, HAND_TOL);
}

/* Normalised with W = 3 from first_usable = 60 + 2 = 62. s0's returns alternate, so each window is
 * (+, -, +) or (-, +, -): z = +-0.005 / sqrt(0.00015/2) = +-1/sqrt(3) (mean 0.005 or 0, deviations
 * 0.005, -0.01, 0.005). x is float: 1e-6 covers its rounding (2^-24 relative). */
Test(features, strategy_stats_normalised, .description = "[D][S][4] z-scores from day 60 + W - 1")
{
    enum { D = 70, S = 3, W = 3 };
    double ret[S * D], v[D], z[D];
    strategy_returns(ret, D);
    evo_features x;
    evo_error err = {0};
    cr_assert_eq(features_strategy_stats(&x, ret, S, D, W, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(x.A, S);
    cr_assert_eq(x.F, FEATURES_STAT_COUNT);
    cr_assert_eq(x.D, D);
    cr_assert_eq(x.first_usable, 62);
    const int F = FEATURES_STAT_COUNT;
    cr_assert_float_eq(x.x[(63 * S + 0) * F + FEATURES_STAT_RET], 1 / sqrt(3), 1e-6, "t = 63: +, -, +");
    cr_assert_float_eq(x.x[(62 * S + 0) * F + FEATURES_STAT_RET], -1 / sqrt(3), 1e-6, "t = 62: -, +, -");
    for (int k = 0; k < F; k++)
        cr_assert_eq(x.x[(65 * S + 1) * F + k], 0, "s1 is constant in every statistic");
    for (int i = 0; i < 62 * S * F; i++)
        cr_assert_eq(x.x[i], 0, "0 before first_usable");
    for (int s = 0; s < S; s++)
        for (int k = 0; k < F; k++) {
            features_stat_series(v, k, ret + s * D, D);
            features_normalise(z, v, D, features_stat_lookback(k), W);
            for (int t = 62; t < D; t++)
                cr_assert_eq(x.x[((size_t)t * S + s) * F + k], (float)z[t]);
        }
    features_free(&x);
}

Test(features, strategy_stats_causal, .description = "changing returns after day d leaves the stats up to d")
{
    enum { D = 300, S = 4, W = 50, DAY = 180 };
    double a[S * D], b[S * D];
    evo_rng rng;
    rng_seed(&rng, 5);
    for (int i = 0; i < S * D; i++)
        a[i] = b[i] = 0.01 * rng_normal(&rng);
    for (int s = 0; s < S; s++)
        for (int t = DAY + 1; t < D; t++)
            b[s * D + t] = 0.02 * rng_normal(&rng);
    evo_features xa, xb;
    evo_error err = {0};
    cr_assert_eq(features_strategy_stats(&xa, a, S, D, W, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(features_strategy_stats(&xb, b, S, D, W, &err), EVO_OK, "%s", err.msg);
    const size_t row = (size_t)S * FEATURES_STAT_COUNT;
    cr_assert_eq(memcmp(xa.x, xb.x, (DAY + 1) * row * sizeof(float)), 0);
    cr_assert_neq(memcmp(xa.x, xb.x, (size_t)D * row * sizeof(float)), 0);
    features_free(&xa);
    features_free(&xb);
}
