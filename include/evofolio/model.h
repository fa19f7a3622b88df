/* model: a genome's network on its data - the per-day input table a model kind reads, minibatches of
 * decision days, training with early stopping on a held-out tail, divergence detection and a wall-time
 * cap, and predictions turned into portfolio weights. Shapes: D days; U units a day reads and weights
 * (A assets for the asset, shared and autoencoder models, S chosen strategies for the portfolio
 * model); W values per unit (selected features, or the 4 strategy statistics); T = seq_len; B days per
 * minibatch.
 *   asset:     one row a day, input U*W, outputs U, softmax over the U assets
 *   shared:    U rows a day (one per asset), input W, one score each, softmax across the day's rows
 *   portfolio: one row a day, input U*W, outputs U (strategies), softmax over them
 *   linear:    one row a day, input U*W of the last day only (no LSTM), outputs U, softmax
 *   autoencoder: U rows a day (one per asset), input W, outputs T*W: the row's own window, which it
 *              learns to reconstruct (MSE; the objective gene is not read). Its weights are cluster
 *              selection on the encoder's output, the asset's embedding: the embeddings of a day's U
 *              assets, scaled to unit length, are Ward-clustered on their Euclidean distances into
 *              `clusters` groups (strategy_cluster_pick), and each group's asset of the best Sharpe
 *              ratio over the last `window` days' returns is held in equal weight
 * model_data owns its arrays (model_data_free). Failures: EVO_ERR_NOMEM, EVO_ERR_USAGE; a diverging
 * candidate is not an error but a result (model_train_report.failed). */
#ifndef EVOFOLIO_MODEL_H
#define EVOFOLIO_MODEL_H

#include <stdint.h>

#include "evofolio/catalog.h"
#include "evofolio/error.h"
#include "evofolio/genome.h"
#include "evofolio/net.h"

typedef struct {
    evo_model_kind kind;
    int D, U, W;
    float *inputs;  /* [D][U][W] normalised inputs known at the close of each day */
    float *targets; /* [D][U] simple return of each unit over day d (row 0 unused) */
    int first_day;  /* first day whose inputs are defined */
    int clusters;   /* autoencoder: K (backtest.clusters) */
    int window;     /* autoencoder: the trailing days of its Sharpe ratios (backtest.window) */
} model_data;

void model_data_free(model_data *md);
/* The net sizes a genome needs on md: rows per day, input width, outputs, softmax block. */
net_spec model_net_spec(const evo_genome *g, const model_data *md, uint64_t seed);

/* Training runs g->steps AdamW steps on minibatches of B consecutive days and checks the hold-out
 * loss MODEL_CHECKS times, evenly spaced (the last check at the last step); it stops early after
 * `patience` checks without improvement and keeps the parameters of the best check. The untrained
 * parameters are never kept: the first check comes after steps / MODEL_CHECKS steps.
 * A network with an encoder (LSTM or attention; not the autoencoder) trains residually: for the first
 * MODEL_LINEAR_SHARE of the steps only its linear part (the skip connection from the last day's
 * inputs, and the bias) moves - the encoder's head starts at 0, so the net is the linear model then -
 * and early stopping waits; then everything trains, and the encoder learns what the linear part
 * leaves. Measured on planted one-day signals (bench/README.md): one-layer
 * LSTMs of 2-10 days went from 60-86% of ridge regression's gross test Sharpe ratio to 77-109%. */
enum { MODEL_CHECKS = 20 };
#define MODEL_LINEAR_SHARE (2.0 / 3)

typedef struct {
    int patience;          /* hold-out checks without improvement before stopping */
    double val_fraction;   /* share of the decision days held out at the end */
    int embargo;           /* days dropped between the fitted days and the hold-out */
    double clip_norm;      /* gradient clipping */
    double risk_aversion;  /* meanvar lambda */
    double cost;           /* trading cost per unit of turnover in the portfolio losses (loss.h) */
    double deadline;       /* absolute monotonic time (model_now) to stop at, or 0 */
} model_train_options;

typedef struct {
    int steps;             /* optimizer steps taken */
    int best_step;         /* the step whose parameters were kept (>= the first check's) */
    double train_loss;     /* mean minibatch loss between the best check and the one before */
    double holdout_loss;   /* the best check's hold-out loss */
    double initial_loss;   /* the hold-out loss of the untrained parameters: a holdout_loss not below
                              it means training found nothing the hold-out confirms */
    double conviction;     /* forecast objective: weights = softmax(conviction * (f - mean f)), chosen
                              on the hold-out (0 = equal weight); 0 for the other objectives */
    int truncated;         /* stopped by the deadline */
    int failed;            /* diverged: reason says how */
    char reason[160];
    double seconds;
} model_train_report;

/* Train net (made with model_net_spec) on decision days first..last (the target of day d is day
 * d+1's return); days whose input window starts before md->first_day are skipped. The net ends with
 * the best hold-out parameters. */
int model_train(evo_net *net, const model_data *md, const evo_genome *g, int first, int last,
                const model_train_options *opt, uint64_t seed, model_train_report *rep, evo_error *err);

/* Weights over the U units decided at the close of each of days[n] (out[n][U], each row sums to 1):
 * the softmax of the outputs, or for the forecast objective softmax(conviction * (f - mean f)) of the
 * forecasts f, with rep->conviction from training. A forecaster without skill gets conviction 0 and
 * holds equal weights instead of trading noise. forecasts[n][U] (may be NULL) receives the raw
 * outputs. */
int model_predict(double *out, double *forecasts, evo_net *net, const model_data *md,
                  const evo_genome *g, const model_train_report *rep, const int *days, int n,
                  evo_error *err);

/* w[U] = softmax(conviction * (f - mean f)) of one day's forecasts f[U] (conviction 0: 1/U each). */
void model_forecast_weights(float *w, const float *f, int U, double conviction);

/* Monotonic seconds, for deadlines and timings. */
double model_now(void);

#endif
