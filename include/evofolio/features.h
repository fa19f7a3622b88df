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
    evo_feature ids[FEATURE_COUNT]; /* the selected features, in catalogue order [F] */
    float *x;                       /* [D][A][F] normalised values; 0 before first_usable */
    int first_usable;               /* first day every selected feature is defined and normalised */
} evo_features;

/* The raw (unnormalised) value of one feature for asset a at day t, or NaN before it is defined.
 * market[D] is the equal-weight market's simple return (market[0] unused); see features_market. */
double features_raw(evo_feature f, const evo_panel *p, const double *market, int a, int t);
/* market[t] = mean over assets of P[t,a]/P[t-1,a] - 1, t >= 1; market[0] = 0. */
void features_market(double *market, const evo_panel *p);
/* The first day feature f is defined (its look-back), before normalisation. */
int features_lookback(evo_feature f);

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
