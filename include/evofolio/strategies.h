/* strategies: the baseline portfolios (catalog.h's evo_strategy) and their backtests. Estimates use
 * the trailing `window` daily simple returns ending at the decision day's close (sample mean and
 * covariance, denominator n-1), re-estimated at every rebalance; rebalancing every k trading days
 * from day 0 of the period (k = 1 daily, k = 0 never). Shapes: D panel days, A assets.
 * Fails with EVO_ERR_DATA (not enough history before the period), EVO_ERR_NUMERIC, EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_STRATEGIES_H
#define EVOFOLIO_STRATEGIES_H

#include "evofolio/backtest.h"
#include "evofolio/catalog.h"
#include "evofolio/data.h"
#include "evofolio/error.h"

/* The target weights w[A] of strategy s at the close of panel day t (t >= window). *fell_back is set
 * when maxsharpe had no asset with a positive mean and returned minimum variance instead. */
int strategy_weights(double *w, evo_strategy s, const evo_panel *p, int t, int window, int *fell_back,
                     evo_error *err);

typedef struct {
    evo_strategy strategy;
    evo_backtest bt;   /* over the period's return days */
    int fallbacks;     /* maxsharpe rebalances that fell back to minimum variance */
} evo_strategy_run;

/* Backtest strategy s over the period whose day 0 is panel day first and whose last return day is
 * panel day last (T = last - first return days), rebalancing every k days, at cost_bps. */
int strategy_run(evo_strategy_run *out, evo_strategy s, const evo_panel *p, int first, int last,
                 int window, int k, double cost_bps, evo_error *err);
void strategy_run_free(evo_strategy_run *run);

#endif
