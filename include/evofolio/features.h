/* features: the per-asset feature catalogue (catalog.h's evo_feature), each computed at day t from
 * data up to the close of t only, then normalised with past data only: a rolling z-score over the
 * last `window` values (including t), clipped to +-5, and 0 where the z-score's sd is 0. Also the same
 * normalisation of per-strategy statistics for the portfolio-level model. Definitions: README.md,
 * "Features". The result owns its array (features_free); fails with EVO_ERR_CONFIG (volchg without
 * volume), EVO_ERR_NOMEM. Shapes: D days, A assets, F selected features, S strategies. */
#ifndef EVOFOLIO_FEATURES_H
#define EVOFOLIO_FEATURES_H

#include "evofolio/catalog.h"
#include "evofolio/data.h"
#include "evofolio/error.h"

enum { FEATURE_CLIP = 5 };

typedef struct {
    int D, A, F;
    evo_feature ids[FEATURE_COUNT]; /* the selected features, in catalogue order [F] (features_compute;
                                       features_strategy_stats leaves them 0: its columns are
                                       features_stat) */
    float *x;                       /* [D][A][F] normalised values; 0 before first_usable */
    int first_usable;               /* first day every selected feature is defined and normalised */
} evo_features;

/* The statistics of features_strategy_stats, in column order; r_t is the strategy's net return. */
typedef enum {
    FEATURES_STAT_RET,      /* r_t (from t = 1) */
    FEATURES_STAT_VOL20,    /* sample sd of r_{t-19..t} (from t = 20) */
    FEATURES_STAT_DRAWDOWN, /* W_t / max_{u<=t} W_u - 1, W_0 = 1, W_t = W_{t-1} (1 + r_t) (from t = 0) */
    FEATURES_STAT_SHARPE60, /* sqrt(252) mean / sd of r_{t-59..t}, 0 when they are all equal (from 60) */
    FEATURES_STAT_COUNT
} features_stat;

/* The raw (unnormalised) value of one feature for asset a at day t, or NaN before it is defined.
 * market[D] is the equal-weight market's simple return (market[0] unused; see features_market); it
 * may be NULL unless f is beta60. A rolling sd counts as 0 exactly when its window's values are equal. */
double features_raw(evo_feature f, const evo_panel *p, const double *market, int a, int t);
/* market[t] = mean over assets of P[t,a]/P[t-1,a] - 1, t >= 1; market[0] = 0. */
void features_market(double *market, const evo_panel *p);
/* The first day feature f is defined (its look-back), before normalisation. */
int features_lookback(evo_feature f);
/* v[D]: the raw series of feature f for asset a, NaN before features_lookback(f) (everywhere for
 * volchg without volume) - the O(D) rolling computation features_compute uses; features_raw, which
 * recomputes each day from scratch, is its reference. market as for features_raw (NULL unless beta60). */
void features_series(double *v, evo_feature f, const evo_panel *p, const double *market, int a);
/* z[D]: the rolling z-score of v[D], whose values are defined from day `first`: z_t = (v_t - mean) / sd
 * over v[t-window+1..t] (sample sd), clipped to +-FEATURE_CLIP, 0 when those values are all equal; NaN
 * before first + window - 1. window >= 2. */
void features_normalise(double *z, const double *v, int D, int first, int window);
/* v[D]: statistic k of one strategy's daily net returns ret[D] (ret[0] unused), NaN before
 * features_stat_lookback(k). */
void features_stat_series(double *v, features_stat k, const double *ret, int D);
int features_stat_lookback(features_stat k);

/* Every selected feature (bitmask over evo_feature) for all days and assets. */
int features_compute(evo_features *out, const evo_panel *p, unsigned feature_mask, int window,
                     evo_error *err);

/* Portfolio-level inputs: for each of S strategies, from its daily net returns ret[S][D] (ret[s][0]
 * unused), the statistics {net return, 20-day volatility, current drawdown, 60-day Sharpe}, each
 * normalised like the features. out->A = S (one "asset" per strategy), out->F = 4. */
int features_strategy_stats(evo_features *out, const double *ret, int S, int D, int window,
                            evo_error *err);

void features_free(evo_features *f);

#endif
