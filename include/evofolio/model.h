/* model: a genome's network on its data - the per-day input table a model kind reads, minibatches of
 * decision days, training with early stopping on a held-out tail, divergence detection and a wall-time
 * cap, and predictions turned into portfolio weights. Shapes: D days; U units a day reads and weights
 * (A assets for the asset and shared models, S chosen strategies for the portfolio model); W values
 * per unit (selected features, or the 4 strategy statistics); T = seq_len; B days per minibatch.
 *   asset:     one row a day, input U*W, outputs U, softmax over the U assets
 *   shared:    U rows a day (one per asset), input W, one score each, softmax across the day's rows
 *   portfolio: one row a day, input U*W, outputs U (strategies), softmax over them
 * model_data owns its arrays (model_data_free). Failures: EVO_ERR_NOMEM, EVO_ERR_USAGE; a diverging
 * candidate is not an error but a result (model_train_report.failed). */
#ifndef EVOFOLIO_MODEL_H
#define EVOFOLIO_MODEL_H

#include <stdint.h>

#include "evofolio/error.h"
#include "evofolio/genome.h"
#include "evofolio/net.h"

typedef struct {
    evo_model_kind kind;
    int D, U, W;
    float *inputs;  /* [D][U][W] normalised inputs known at the close of each day */
    float *targets; /* [D][U] simple return of each unit over day d (row 0 unused) */
    int first_day;  /* first day whose inputs are defined */
} model_data;

void model_data_free(model_data *md);
/* The net sizes a genome needs on md: rows per day, input width, outputs, softmax block. */
net_spec model_net_spec(const evo_genome *g, const model_data *md, uint64_t seed);

typedef struct {
    int patience;          /* epochs without hold-out improvement before stopping */
    double val_fraction;   /* share of the decision days held out at the end */
    int embargo;           /* days dropped between the fitted days and the hold-out */
    double clip_norm;      /* gradient clipping */
    double risk_aversion;  /* meanvar lambda */
    double deadline;       /* absolute monotonic time (model_now) to stop at, or 0 */
} model_train_options;

typedef struct {
    int epochs;            /* epochs run */
    int best_epoch;        /* epoch whose parameters were kept (1-based; 0 = the initial ones) */
    double train_loss;     /* mean minibatch loss of the best epoch */
    double holdout_loss;   /* its hold-out loss */
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
 * the softmax of the outputs, or for the forecast objective the softmax of the cross-sectionally
 * standardised forecasts. forecasts[n][U] (may be NULL) receives the raw outputs. */
int model_predict(double *out, double *forecasts, evo_net *net, const model_data *md,
                  const evo_genome *g, const int *days, int n, evo_error *err);

/* Monotonic seconds, for deadlines and timings. */
double model_now(void);

#endif
