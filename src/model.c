/* model: training loop and predictions around the net. Shapes: D, U, W, T, B (see the header). */
#include "evofolio/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evofolio/rng.h"

/* A gradient norm above this means the candidate exploded, even if it is still finite. */
#define MODEL_EXPLODED_NORM 1e8

double model_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void model_data_free(model_data *md)
{
    if (!md)
        return;
    free(md->inputs);
    free(md->targets);
    memset(md, 0, sizeof *md);
}

static int rows_per_day(const model_data *md) { return md->kind == MODEL_SHARED ? md->U : 1; }

net_spec model_net_spec(const evo_genome *g, const model_data *md, uint64_t seed)
{
    const int shared = md->kind == MODEL_SHARED;
    return (net_spec){.n_in = shared ? md->W : md->U * md->W,
                      .hidden = g->hidden,
                      .layers = g->layers,
                      .n_out = shared ? 1 : md->U,
                      .block = md->U,
                      .seq_len = g->seq_len,
                      .max_rows = g->batch * rows_per_day(md),
                      .dropout = (float)g->dropout,
                      .window_step = rows_per_day(md),
                      .seed = seed};
}

/* x[T][n*rows][n_in] and r[n*rows*n_out] for decision days days[n]: a day's rows are its U*W inputs,
 * contiguous in md->inputs, so each (step, day) is one copy; r is day d+1's U returns. */
static void assemble(float *x, float *r, const model_data *md, const int *days, int n, int T)
{
    const size_t day_width = (size_t)md->U * md->W;
    for (int tau = 0; tau < T; tau++)
        for (int b = 0; b < n; b++)
            memcpy(x + ((size_t)tau * n + b) * day_width,
                   md->inputs + (size_t)(days[b] - T + 1 + tau) * day_width, day_width * sizeof *x);
    for (int b = 0; r && b < n; b++)
        memcpy(r + (size_t)b * md->U, md->targets + (size_t)(days[b] + 1) * md->U, md->U * sizeof *r);
}

typedef struct {
    float *x, *r; /* one minibatch */
} batch_buffers;

static int batch_alloc(batch_buffers *bb, const model_data *md, int T, int days)
{
    bb->x = malloc((size_t)T * days * md->U * md->W * sizeof *bb->x);
    bb->r = malloc((size_t)days * md->U * sizeof *bb->r);
    return bb->x && bb->r ? EVO_OK : EVO_ERR_NOMEM;
}

static void batch_free(batch_buffers *bb)
{
    free(bb->x);
    free(bb->r);
}

/* The inputs of the windows ending at days first .. first+n-1 (consecutive), for net_forward_window,
 * and their targets (the next days' returns): both are slices of md, nothing is copied. */
static const float *window_inputs(const model_data *md, int first, int T)
{
    return md->inputs + (size_t)(first - T + 1) * md->U * md->W;
}

static const float *window_targets(const model_data *md, int first)
{
    return md->targets + (size_t)(first + 1) * md->U;
}

/* Mean loss over the consecutive days first .. first+n-1 in eval mode, in blocks of at most B days,
 * weighted by days. */
static double holdout_loss(evo_net *net, const model_data *md, const evo_genome *g, int first, int n,
                           const model_train_options *opt, evo_error *err)
{
    double sum = 0;
    for (int at = 0; at < n; at += g->batch) {
        int m = n - at < g->batch ? n - at : g->batch;
        if (net_forward_window(net, window_inputs(md, first + at, g->seq_len), m * rows_per_day(md), 0, err))
            return NAN;
        sum += m * net_loss(net, window_targets(md, first + at), g->objective, opt->risk_aversion);
    }
    return sum / n;
}

static void shuffle(int *a, int n, evo_rng *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static int fail_report(model_train_report *rep, const char *fmt, double value, int epoch)
{
    rep->failed = 1;
    snprintf(rep->reason, sizeof rep->reason, fmt, value, epoch);
    return EVO_OK;
}

/* One epoch over the fitted days first .. first+n_fit-1: minibatches are blocks of B consecutive days
 * (a portfolio's stretch of life, read as sliding windows of one table), cut at a random phase and
 * visited in a shuffled order; blocks of fewer than 2 days are skipped (no variance to learn from).
 * starts[] is scratch for n_fit / B + 2 block starts. Returns the mean loss, or the offending value
 * with *why set when the candidate diverges. */
static double train_epoch(evo_net *net, const model_data *md, const evo_genome *g, int first, int n_fit,
                          int *starts, const model_train_options *opt, const adamw_options *aw,
                          evo_rng *rng, int *timed_out, const char **why, evo_error *err)
{
    const int B = g->batch, phase = (int)rng_below(rng, (uint64_t)B);
    int n_blocks = 0;
    for (int at = phase > 0 ? phase - B : 0; at < n_fit; at += B)
        starts[n_blocks++] = at;
    shuffle(starts, n_blocks, rng);
    double sum = 0;
    int seen = 0;
    for (int i = 0; i < n_blocks; i++) {
        int lo = starts[i] < 0 ? 0 : starts[i], hi = starts[i] + B > n_fit ? n_fit : starts[i] + B;
        int m = hi - lo, day = first + lo;
        if (m < 2)
            continue;
        if (net_forward_window(net, window_inputs(md, day, g->seq_len), m * rows_per_day(md), 1, err))
            return NAN;
        double loss = net_backward(net, window_targets(md, day), g->objective, opt->risk_aversion, NULL);
        double norm = net_step(net, aw, opt->clip_norm);
        if (!isfinite(loss) || !isfinite(norm) || norm > MODEL_EXPLODED_NORM) {
            *why = !isfinite(loss) ? "loss" : "gradient norm";
            return !isfinite(loss) ? loss : norm > MODEL_EXPLODED_NORM ? INFINITY : norm;
        }
        sum += loss * m;
        seen += m;
        if (opt->deadline > 0 && model_now() > opt->deadline) {
            *timed_out = 1;
            break;
        }
    }
    return seen ? sum / seen : 0;
}

int model_train(evo_net *net, const model_data *md, const evo_genome *g, int first, int last,
                const model_train_options *opt, uint64_t seed, model_train_report *rep, evo_error *err)
{
    memset(rep, 0, sizeof *rep);
    const double t0 = model_now();
    const int T = g->seq_len;
    if (first < md->first_day + T - 1)
        first = md->first_day + T - 1;
    const int n = last - first + 1;
    int n_hold = (int)lround(opt->val_fraction * n);
    n_hold = n_hold < 2 ? 2 : n_hold;
    const int n_fit = n - n_hold - opt->embargo;
    if (n_fit < 2)
        return evo_fail(err, EVO_ERR_USAGE, "only %d decision days to train on (of %d, after seq_len %d, "
                        "the hold-out and the embargo); lower seq_len or train.val_fraction, or raise "
                        "split.train_days", n_fit < 0 ? 0 : n_fit, n, T);
    const int hold_first = last - n_hold + 1;
    const size_t n_params = net_param_count(net);
    int *starts = malloc(((size_t)n_fit / g->batch + 2) * sizeof *starts);
    float *best = malloc(n_params * sizeof *best);
    int rc = EVO_OK;
    if (!starts || !best) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory training on %d days", n);
        goto done;
    }
    evo_rng rng;
    rng_seed(&rng, seed ^ 0x5eed5eedULL);
    adamw_options aw = adamw_defaults((float)g->lr);
    aw.weight_decay = (float)g->weight_decay;
    memcpy(best, net_params(net), n_params * sizeof *best);
    rep->holdout_loss = holdout_loss(net, md, g, hold_first, n_hold, opt, err);
    rep->train_loss = NAN;
    int since_best = 0;
    for (int epoch = 1; epoch <= g->epochs && !rep->truncated; epoch++) {
        const char *why = NULL;
        double loss = train_epoch(net, md, g, first, n_fit, starts, opt, &aw, &rng, &rep->truncated, &why, err);
        rep->epochs = epoch;
        if (isnan(loss) && !why) { /* the forward refused the batch: a broken invariant */
            rc = EVO_ERR_INTERNAL;
            goto done;
        }
        if (why) {
            fail_report(rep, why[0] == 'l' ? "diverged: loss %g at epoch %d" : "diverged: gradient norm %g "
                        "at epoch %d", loss, epoch);
            goto done;
        }
        double h = holdout_loss(net, md, g, hold_first, n_hold, opt, err);
        if (!isfinite(h)) {
            fail_report(rep, "diverged: hold-out loss %g at epoch %d", h, epoch);
            goto done;
        }
        if (h < rep->holdout_loss || !isfinite(rep->holdout_loss)) {
            rep->holdout_loss = h;
            rep->train_loss = loss;
            rep->best_epoch = epoch;
            memcpy(best, net_params(net), n_params * sizeof *best);
            since_best = 0;
        } else if (++since_best >= opt->patience) {
            break;
        }
    }
    memcpy(net_params(net), best, n_params * sizeof *best); /* keep the best parameters */
done:
    rep->seconds = model_now() - t0;
    free(starts);
    free(best);
    return rc;
}

/* softmax over n values, in place, in double */
static void softmax(double *v, int n)
{
    double max = v[0], sum = 0;
    for (int i = 1; i < n; i++)
        max = v[i] > max ? v[i] : max;
    for (int i = 0; i < n; i++)
        sum += v[i] = exp(v[i] - max);
    for (int i = 0; i < n; i++)
        v[i] /= sum;
}

int model_predict(double *out, double *forecasts, evo_net *net, const model_data *md,
                  const evo_genome *g, const int *days, int n, evo_error *err)
{
    batch_buffers bb = {0};
    if (batch_alloc(&bb, md, g->seq_len, g->batch))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory predicting %d days", n);
    const int U = md->U;
    int rc = EVO_OK;
    for (int at = 0; at < n && !rc; at += g->batch) {
        int m = n - at < g->batch ? n - at : g->batch;
        assemble(bb.x, NULL, md, days + at, m, g->seq_len);
        rc = net_forward(net, bb.x, m * rows_per_day(md), 0, err);
        const float *y = net_outputs(net), *w = net_weights(net);
        for (int b = 0; !rc && b < m; b++) {
            double *o = out + (size_t)(at + b) * U;
            for (int u = 0; u < U; u++) {
                o[u] = g->objective == OBJECTIVE_FORECAST ? y[b * U + u] : w[b * U + u];
                if (forecasts)
                    forecasts[(size_t)(at + b) * U + u] = y[b * U + u];
            }
            if (g->objective == OBJECTIVE_FORECAST) { /* softmax of standardised forecasts */
                double mean = 0, var = 0;
                for (int u = 0; u < U; u++)
                    mean += o[u] / U;
                for (int u = 0; u < U; u++)
                    var += (o[u] - mean) * (o[u] - mean) / U;
                double sd = sqrt(var);
                for (int u = 0; u < U; u++)
                    o[u] = sd > 0 ? (o[u] - mean) / sd : 0;
                softmax(o, U);
            }
        }
    }
    batch_free(&bb);
    return rc;
}
