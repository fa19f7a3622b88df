/* strategies: the baseline portfolios (catalog.h's evo_strategy) and their backtests. Estimates use
 * the trailing `window` daily simple returns ending at the decision day's close (sample mean and
 * covariance, denominator n-1), re-estimated at every rebalance; rebalancing every k trading days
 * from day 0 of the period (k = 1 daily, k = 0 never). Shapes: D panel days, A assets.
 * A run owns its series (strategy_run_free; strategy_runs_free for a set of them).
 * Fails with EVO_ERR_DATA (not enough history before the period), EVO_ERR_NUMERIC, EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_STRATEGIES_H
#define EVOFOLIO_STRATEGIES_H

#include "evofolio/backtest.h"
#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/metrics.h"

/* What the strategies estimate with. */
typedef struct {
    int window;   /* the trailing daily returns (backtest.window) */
    int clusters; /* cluster: K, the clusters held (backtest.clusters) */
} evo_strategy_settings;

/* The configuration's settings. */
evo_strategy_settings strategy_settings_of(const evo_config *cfg);

/* The target weights w[A] of strategy s at the close of panel day t (t >= set->window). *fell_back is
 * set when maxsharpe had no asset with a positive mean and returned minimum variance instead. hrp is
 * strategy_hrp_weights of the window's covariance, cluster strategy_cluster_weights of its returns. */
int strategy_weights(double *w, evo_strategy s, const evo_panel *p, int t, const evo_strategy_settings *set,
                     int *fell_back, evo_error *err);

/* Hierarchical risk parity (Lopez de Prado 2016, "Building diversified portfolios that outperform
 * out of sample") of A assets from their covariance cov[A][A]: correlation distances
 * d_ij = sqrt((1 - rho_ij) / 2); the paper's distance between two assets' columns of d,
 * e_ij = sqrt(sum_k (d_ki - d_kj)^2); single linkage on e (cluster.h); the dendrogram's leaf order
 * (quasi-diagonalisation); then recursive bisection: each list of assets splits into its first
 * floor(n/2) and the rest, each half's variance V = w' cov w under inverse-variance weights within it,
 * and the first half gets 1 - V1 / (V1 + V2) of the list's weight. With no correlation that is the
 * inverse-variance portfolio. w[A] sums to 1, all >= 0. EVO_ERR_NUMERIC for a variance that is not
 * positive and finite; EVO_ERR_NOMEM. */
int strategy_hrp_weights(double *w, const double *cov, int A, evo_error *err);

/* Cluster selection from the trailing returns' means mu[A] and covariance cov[A][A]: Ward linkage
 * (cluster.h) of the assets on their correlation distances sqrt((1 - rho) / 2) (a Euclidean distance
 * between the standardised return series, as Ward's method needs; rho 0 for an asset that never
 * moved), cut into K clusters (K above A: A), and equal weight on each cluster's best asset by
 * trailing Sharpe ratio mean / sd (0 when sd is 0; ties: the lower index). EVO_ERR_USAGE for K < 1;
 * EVO_ERR_NOMEM. */
int strategy_cluster_weights(double *w, const double *mu, const double *cov, int A, int K, evo_error *err);
/* Its selection step on any Euclidean distances dist[A][A] between the assets (the autoencoder model's
 * embeddings, model.h): Ward linkage, cut into K clusters (K above A: A), equal weight on each
 * cluster's asset of the highest sharpe[a] (ties: the lower index). EVO_ERR_USAGE for K < 1 or
 * distances cluster_linkage refuses; EVO_ERR_NOMEM. */
int strategy_cluster_pick(double *w, const double *dist, const double *sharpe, int A, int K, evo_error *err);

typedef struct {
    evo_strategy strategy;
    evo_backtest bt;   /* over the period's return days */
    int fallbacks;     /* maxsharpe rebalances that fell back to minimum variance */
} evo_strategy_run;

/* Backtest strategy s over the period whose day 0 is panel day first and whose last return day is
 * panel day last (T = last - first return days), rebalancing every k days, at cost_bps. */
int strategy_run(evo_strategy_run *out, evo_strategy s, const evo_panel *p, int first, int last,
                 const evo_strategy_settings *set, int k, double cost_bps, evo_error *err);
void strategy_run_free(evo_strategy_run *run);

/* The runs of every strategy of a set (a bitmask over evo_strategy), in catalog order. */
typedef struct {
    int n;
    evo_strategy_run runs[STRATEGY_COUNT];
    evo_metrics metrics[STRATEGY_COUNT]; /* of runs[i]'s net returns and turnover */
} evo_strategy_runs;

/* strategy_run for every strategy in the bitmask `strategies`, over the same period and settings.
 * On failure out->n counts the runs made before it; free them all the same (strategy_runs_free). */
int strategy_run_all(evo_strategy_runs *out, unsigned strategies, const evo_panel *p, int first, int last,
                     const evo_strategy_settings *set, int k, double cost_bps, evo_error *err);
void strategy_runs_free(evo_strategy_runs *runs);

#endif
