/* evaluate: one genome in, a fitness and per-fold metrics out - the unit of work the cluster farms
 * out. An evaluation context holds what every candidate shares (the panel's returns, every searched
 * feature, the baseline strategies' runs and statistics for the portfolio model) and is built once
 * per process; evaluate_genome then trains and backtests one genome on every walk-forward fold, and
 * evaluate_test on the held-out test period (champions only; never used for fitness).
 * Deterministic: the same genome, seed, data and config give bit-identical results (one BLAS thread).
 * A diverging candidate is a result with status EVAL_FAILED, not an error; errors are EVO_ERR_*. */
#ifndef EVOFOLIO_EVALUATE_H
#define EVOFOLIO_EVALUATE_H

#include <stdint.h>

#include "evofolio/backtest.h"
#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/features.h"
#include "evofolio/folds.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/model.h"
#include "evofolio/strategies.h"

typedef struct {
    const evo_config *cfg;
    const evo_panel *panel;    /* D days, A assets */
    evo_split split;
    float *returns;            /* [D][A] simple returns; row 0 = 0 */
    evo_features features;     /* every searched feature, [D][A][F] */
    int n_strat;               /* baseline strategies the portfolio model may blend (0 if not searched) */
    evo_strategy strat[STRATEGY_COUNT];
    evo_strategy_run runs[STRATEGY_COUNT]; /* each from day strat_day0 to the last day */
    int strat_day0;
    float *strat_returns;      /* [D][n_strat] daily net returns (0 up to strat_day0) */
    evo_features strat_stats;  /* [D][n_strat][4] */
    /* The benchmark a user would otherwise hold: the equal-weight baseline (backtest.rebalance, costs)
     * run on each fold's validation window, its net returns concatenated over the folds. */
    int n_val;                 /* validation days, all folds */
    double *ew_val;            /* [n_val] */
    double ew_val_sharpe;      /* Sharpe ratio of ew_val, annualised */
} evo_eval_context;

int evaluate_context_create(evo_eval_context *ctx, const evo_config *cfg, const evo_panel *panel,
                            evo_error *err);
void evaluate_context_free(evo_eval_context *ctx);

typedef enum {
    EVAL_OK,     /* evaluated */
    EVAL_FAILED  /* the candidate diverged or could not be trained; reason says why */
} evo_eval_status;

typedef struct {
    evo_window window;          /* the validation (or test) return days */
    evo_metrics metrics;        /* net of costs */
    evo_forecast_errors errors; /* forecast objective only: of implied next-day prices */
    model_train_report train;
    evo_backtest bt;            /* daily series, kept only when asked */
} evo_fold_result;

typedef struct {
    evo_eval_status status;
    char reason[192];
    int truncated;   /* a fold hit train.max_seconds and kept its best parameters so far */
    double fitness;  /* the config's aggregate over folds (-inf when failed) */
    double val_sharpe; /* Sharpe ratio of the validation days of all folds pooled, annualised */
    int n_folds;
    evo_fold_result folds[FOLDS_MAX];
    size_t n_params;
    double seconds, train_seconds; /* whole evaluation; inside model_train */
    double *val_returns; /* EVAL_KEEP_VAL_RETURNS, when evaluated: [n_val] the folds' daily net returns
                          * joined in fold order, the validation days of the split (malloc'd) */
    int n_val;
} evo_eval_result;

/* What an evaluation keeps beyond its metrics (bits). */
enum {
    EVAL_KEEP_SERIES = 1,     /* each fold's daily backtest, folds[k].bt */
    EVAL_KEEP_VAL_RETURNS = 2 /* the folds' net returns joined, val_returns (for the DSR and PBO) */
};

/* Train and backtest g on every fold. keep (EVAL_KEEP_* bits, 0: none) says which series the result
 * keeps (free with evaluate_result_free). */
int evaluate_genome(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g,
                    uint64_t seed, int keep, evo_error *err);
/* Train on the train_days ending an embargo before the test period, then backtest the test period;
 * the result has one fold (the test window). With n_nets > 1, that many nets are trained with seeds
 * derived from seed and the portfolio holds the mean of their weights (an ensemble: a genome's
 * seed-to-seed luck averaged out, as a quant would deploy it). */
int evaluate_test(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g, uint64_t seed,
                  int n_nets, int keep_series, evo_error *err);
/* The same, writing each trained net to save (net_save's format; with n_nets > 1, save.1 .. save.N). */
int evaluate_test_saving(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g, uint64_t seed,
                         int n_nets, int keep_series, const char *save, evo_error *err);
void evaluate_result_free(evo_eval_result *res);

/* The aggregate of the folds' validation results named by f: mean, worst or mean - sd of the fold
 * Sharpe ratios, mean Sortino, or (excess_sharpe) the Sharpe ratio of every fold's daily net returns
 * pooled (folds[k].bt.net, needed then) minus benchmark_sharpe, equal weight's on the same days. */
double evaluate_fitness(evo_fitness f, const evo_fold_result *folds, int n, double benchmark_sharpe);
/* Annualised Sharpe ratio of the folds' daily net returns pooled (folds[k].bt.net). */
double evaluate_pooled_sharpe(const evo_fold_result *folds, int n);
/* The criteria of ga.objectives (catalog.h) of a candidate as they are, not negated: fitness as given,
 * the others the mean over its n validation folds' metrics, summed in fold order (a resume recomputes
 * them from the archive's folds rows and must get the same bits). */
void evaluate_criteria(double out[CRITERION_COUNT], const evo_metrics *folds, int n, double fitness);
/* The objectives of a ga.objectives bitmask from criteria, in catalogue order, each to be maximised
 * (a minimised criterion negated), into obj[]; returns how many. */
int evaluate_objectives(double *obj, const double criteria[CRITERION_COUNT], unsigned objectives);
/* The criterion of objective k of that list (pareto_picks' reason), or -1 past its end (the knee). */
int evaluate_objective_criterion(unsigned objectives, int k);

#endif
