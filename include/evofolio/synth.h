/* synth: synthetic market data for tests and demos - correlated geometric Brownian motion on business
 * days (a market factor plus idiosyncratic noise), optionally with a planted, learnable cross-sectional
 * signal. Deterministic for a seed. The returned panel is the caller's (data_panel_free); fails with
 * EVO_ERR_USAGE on bad options, EVO_ERR_NOMEM. Shape letters: A assets, D days. */
#ifndef EVOFOLIO_SYNTH_H
#define EVOFOLIO_SYNTH_H

#include <stdint.h>

#include "evofolio/catalog.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"

/* A planted signal: each asset's next-day expected log return gets an extra
 *   +- strength * sigma_i / sqrt(252) * z_{t,i},
 * z_{t,i} = the cross-sectional z-score (mean 0, population sd 1 across the A assets at day t) of
 * m_{t,i} = log(P_{t,i} / P_{t-K,i}), the asset's log return over the last K days up to day t's close.
 * Causal: the return from t to t+1 depends on prices up to t only. z = 0 while t < K, and on days when
 * every m_{t,i} is equal (A = 1). For small strength the signal's information coefficient (the
 * correlation across assets of z_t and the next day's returns) is about strength / sqrt(1 - corr):
 * 0.02-0.1 is realistic, 0.3 is easy to find. */
/*
 * Two plants are autoregressive in daily log returns instead; with e_{t,i} = ln(P_{t,i}/P_{t-1,i}) -
 * (mu - s_i^2/2)/252 the previous step's deviation from the drift (0 at t = 0), the extra log return
 * of the step t -> t+1 is
 *   ar:      phi_i e_{t,i}, phi_i = +strength for the first ceil(A/2) assets (momentum), -strength
 *            for the rest (reversal): each asset's own AR(1) coefficient;
 *   leadlag: strength * s_i / s_{i-1} * e_{t,i-1} for i >= 2 (asset i follows asset i-1 a day
 *            late, scaled to its volatility); asset 1 leads and follows nothing.
 * strength is then a correlation-like coefficient in [0, 1): 0.05 is subtle, 0.2 strong. */
typedef enum {
    SYNTH_PLANT_NONE,     /* pure GBM */
    SYNTH_PLANT_MOMENTUM, /* +strength: the last SYNTH_MOMENTUM_DAYS days' winners keep winning */
    SYNTH_PLANT_REVERSAL, /* -strength: the last SYNTH_REVERSAL_DAYS days' losers bounce back */
    SYNTH_PLANT_AR,       /* AR(1): half the assets momentum, half reversal, on yesterday's return */
    SYNTH_PLANT_LEADLAG,  /* asset i follows asset i-1's return of the day before */
    SYNTH_PLANT_COUNT
} synth_planted;

enum {
    SYNTH_MOMENTUM_DAYS = 20, /* K of the momentum plant */
    SYNTH_REVERSAL_DAYS = 5   /* K of the reversal plant */
};

/* The names of synth_planted ("none", "momentum", "reversal", "ar", "leadlag"), indexed by value. */
extern const evo_names synth_plants;

typedef struct {
    int n_assets;       /* A */
    int n_days;         /* D: rows, business days */
    uint64_t seed;
    double drift;       /* annual drift mu of every asset */
    double vol;         /* mean annual volatility; asset i gets vol * (0.5 + u_i), u_i ~ U[0, 1) */
    double corr;        /* share of each asset's variance from the market factor = pairwise correlation */
    double start_price; /* every asset's price on the first day */
    evo_date start;     /* first day (moved to the next business day if needed) */
    synth_planted planted;
    double strength; /* of the planted signal, >= 0; must be 0 with SYNTH_PLANT_NONE */
} synth_options;

void synth_defaults(synth_options *opt);
/* Daily log return of asset i from day t to t+1: (mu - s_i^2/2)/252 + plant_{t,i}
 *   + s_i/sqrt(252) (sqrt(corr) z_m + sqrt(1-corr) z_i); plant = 0 unless planted (see synth_planted). */
int synth_panel(const synth_options *opt, evo_panel *panel, evo_error *err);
/* The plant a panel made by synth_panel(opt) carries, recomputed from its prices: signal_da[d][A] =
 * the extra expected log return of each asset from day d to d+1, known at day d's close (the last row
 * is the plant a next day would get). The yardstick "a rule that knows the signal" ranks by it. */
void synth_signal(const synth_options *opt, const evo_panel *panel, double *signal_da);

#endif
