/* synth: synthetic market data for tests and demos - correlated geometric Brownian motion on business
 * days (a market factor plus idiosyncratic noise). Deterministic for a seed. The returned panel is the
 * caller's (data_panel_free); fails with EVO_ERR_USAGE on bad options, EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_SYNTH_H
#define EVOFOLIO_SYNTH_H

#include <stdint.h>

#include "evofolio/data.h"

typedef struct {
    int n_assets;       /* A */
    int n_days;         /* D: rows, business days */
    uint64_t seed;
    double drift;       /* annual drift mu of every asset */
    double vol;         /* mean annual volatility; asset i gets vol * (0.5 + u_i), u_i ~ U[0, 1) */
    double corr;        /* share of each asset's variance from the market factor = pairwise correlation */
    double start_price; /* every asset's price on the first day */
    evo_date start;     /* first day (moved to the next business day if needed) */
} synth_options;

void synth_defaults(synth_options *opt);
/* Daily log return of asset i: (mu - s_i^2/2)/252 + s_i/sqrt(252) (sqrt(corr) z_m + sqrt(1-corr) z_i). */
int synth_panel(const synth_options *opt, evo_panel *panel, evo_error *err);

#endif
