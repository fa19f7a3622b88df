/* model: training loop and predictions around the net. Shapes: D, U, W, T, B (see the header). */
#include "evofolio/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evofolio/adamw.h"
#include "evofolio/loss.h"
#include "evofolio/rng.h"
#include "evofolio/strategies.h"

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

/* The shared and autoencoder models read one row per asset a day. */
static int per_asset(const model_data *md) { return md->kind == MODEL_SHARED || md->kind == MODEL_AUTOENCODER; }
static int rows_per_day(const model_data *md) { return per_asset(md) ? md->U : 1; }

net_spec model_net_spec(const evo_genome *g, const model_data *md, uint64_t seed)
{
    const int attention = g->arch == ARCH_ATTENTION, window = g->seq_len * md->W;
    const int n_out = md->kind == MODEL_AUTOENCODER ? window : md->kind == MODEL_SHARED ? 1 : md->U;
    return (net_spec){.n_in = per_asset(md) ? md->W : md->U * md->W,
                      .arch = g->arch,
                      .hidden = attention ? g->d_model : g->hidden,
                      .heads = g->heads,
                      .ff = g->ff,
                      .layers = g->layers,
                      .n_out = n_out,
                      .block = md->kind == MODEL_AUTOENCODER ? window : md->U,
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

/* The autoencoder's targets for the windows ending at days first .. first+n-1: row (day b, asset u)
 * is that asset's window, its T days of W values in time order, out[b*U + u][T*W]. */
static const float *window_of_each_row(float *out, const model_data *md, int first, int n, int T)
{
    const int U = md->U, W = md->W;
    for (int b = 0; b < n; b++)
        for (int u = 0; u < U; u++)
            for (int t = 0; t < T; t++)
                memcpy(out + (((size_t)b * U + u) * T + t) * W,
                       md->inputs + ((size_t)(first + b - T + 1 + t) * U + u) * W, (size_t)W * sizeof *out);
    return out;
}

/* What the net learns for those days: the next days' returns, or (recon not NULL: the autoencoder,
 * recon its scratch) the windows themselves. */
static const float *targets_of(float *recon, const model_data *md, int first, int n, int T)
{
    return recon ? window_of_each_row(recon, md, first, n, T) : window_targets(md, first);
}

/* The autoencoder learns by mean squared error (net.h's forecast loss), whatever its objective gene. */
static loss_spec loss_of(const evo_genome *g, const model_train_options *opt)
{
    const evo_objective objective = g->model == MODEL_AUTOENCODER ? OBJECTIVE_FORECAST : g->objective;
    return (loss_spec){objective, opt->risk_aversion, opt->cost};
}

/* Mean loss over the consecutive days first .. first+n-1 in eval mode, in blocks of at most B days,
 * weighted by days. */
static double holdout_loss(evo_net *net, const model_data *md, const evo_genome *g, int first, int n,
                           const loss_spec *loss, float *recon, evo_error *err)
{
    double sum = 0;
    for (int at = 0; at < n; at += g->batch) {
        int m = n - at < g->batch ? n - at : g->batch;
        if (net_forward_window(net, window_inputs(md, first + at, g->seq_len), m * rows_per_day(md), 0, err))
            return NAN;
        sum += m * net_loss(net, targets_of(recon, md, first + at, m, g->seq_len), loss);
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

static int fail_report(model_train_report *rep, const char *fmt, double value, int step)
{
    rep->failed = 1;
    snprintf(rep->reason, sizeof rep->reason, fmt, value, step);
    return EVO_OK;
}

/* The minibatches of one pass over the fitted days: blocks of B consecutive days (a portfolio's
 * stretch of life, read as sliding windows of one table) cut at a random phase, in a shuffled order;
 * blocks of fewer than 2 days are left out (no variance to learn from). */
typedef struct {
    int *starts; /* [n_fit / B + 2] first fitted day of each block (relative) */
    int n, next;
} block_order;

static void block_order_draw(block_order *bo, int n_fit, int B, evo_rng *rng)
{
    const int phase = (int)rng_below(rng, (uint64_t)B);
    bo->n = bo->next = 0;
    for (int at = phase > 0 ? phase - B : 0; at < n_fit; at += B) {
        int lo = at < 0 ? 0 : at, hi = at + B > n_fit ? n_fit : at + B;
        if (hi - lo >= 2)
            bo->starts[bo->n++] = at;
    }
    shuffle(bo->starts, bo->n, rng);
}

/* One AdamW step on the block starting at relative day `at`. Returns the minibatch loss, NaN when the
 * forward refused the batch (an internal error), or the offending value with *why set when the
 * candidate diverges. */
static double train_step(evo_net *net, const model_data *md, const evo_genome *g, int first, int n_fit,
                         int at, const model_train_options *opt, const adamw_options *aw, float *recon,
                         const char **why, evo_error *err)
{
    const int B = g->batch, lo = at < 0 ? 0 : at, hi = at + B > n_fit ? n_fit : at + B, m = hi - lo;
    const loss_spec loss = loss_of(g, opt);
    if (net_forward_window(net, window_inputs(md, first + lo, g->seq_len), m * rows_per_day(md), 1, err))
        return NAN;
    double value = net_backward(net, targets_of(recon, md, first + lo, m, g->seq_len), &loss, NULL);
    double norm = net_step(net, aw, opt->clip_norm);
    if (!isfinite(value) || !isfinite(norm) || norm > MODEL_EXPLODED_NORM) {
        *why = !isfinite(value) ? "loss" : "gradient norm";
        return !isfinite(value) ? value : norm > MODEL_EXPLODED_NORM ? INFINITY : norm;
    }
    return value;
}

/* The hold-out's information coefficient: the correlation, pooled over days, of the forecasts' and
 * the next-day returns' deviations from their day's means; and its standard error under no skill,
 * 1 / sqrt(days (U - 1)). f[n][U], r[n][U]. */
static double holdout_ic(const float *f, const float *r, int n, int U, double *se)
{
    double fr = 0, ff = 0, rr = 0;
    for (int d = 0; d < n; d++) {
        double mf = 0, mr = 0;
        for (int u = 0; u < U; u++) {
            mf += (double)f[(size_t)d * U + u] / U;
            mr += (double)r[(size_t)d * U + u] / U;
        }
        for (int u = 0; u < U; u++) {
            double a = f[(size_t)d * U + u] - mf, b = r[(size_t)d * U + u] - mr;
            fr += a * b;
            ff += a * a;
            rr += b * b;
        }
    }
    *se = U > 1 ? 1 / sqrt((double)n * (U - 1)) : INFINITY;
    return ff > 0 && rr > 0 ? fr / sqrt(ff * rr) : 0;
}

/* Forecast objective: the conviction (model.h). Without skill on the hold-out - an information
 * coefficient (holdout_ic) below two standard errors - it is 0: equal weight, no trading on noise.
 * With skill, it comes from a grid of multiples of 1 / sd, sd the cross-sectional sd of the realised
 * next-day returns over the fitted days (so conviction * (f - mean f) is the forecast spread in units
 * of the return spread), scored by the hold-out's daily Sharpe ratio net of costs; the
 * one-standard-error rule takes the smallest conviction whose Sharpe ratio is within one standard
 * error, sqrt((1 + SR^2 / 2) / n) (Lo 2002), of the best, so conviction must earn its turnover. */
static int choose_conviction(model_train_report *rep, evo_net *net, const model_data *md, const evo_genome *g,
                             int first, int n_fit, int hold_first, int n_hold, const model_train_options *opt,
                             evo_error *err)
{
    enum { GRID = 9 };
    static const double grid[GRID] = {0, 1, 2, 4, 8, 16, 32, 64, 128};
    const int U = md->U;
    double ss = 0, sr[GRID], best = -INFINITY;
    for (int d = first; d < first + n_fit; d++) {
        const float *r = md->targets + (size_t)(d + 1) * U;
        double mean = 0;
        for (int u = 0; u < U; u++)
            mean += r[u] / U;
        for (int u = 0; u < U; u++)
            ss += (r[u] - mean) * (r[u] - mean);
    }
    const double sd = sqrt(ss / ((double)n_fit * U));
    float *f = malloc((size_t)n_hold * U * sizeof *f), *w = malloc((size_t)n_hold * U * sizeof *w),
          *dw = malloc((size_t)n_hold * U * sizeof *dw);
    int rc = f && w && dw ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory choosing a conviction");
    for (int at = 0; !rc && at < n_hold; at += g->batch) {
        int m = n_hold - at < g->batch ? n_hold - at : g->batch;
        rc = net_forward_window(net, window_inputs(md, hold_first + at, g->seq_len), m * rows_per_day(md), 0, err);
        if (!rc)
            memcpy(f + (size_t)at * U, net_outputs(net), (size_t)m * U * sizeof *f);
    }
    const loss_spec sharpe = {OBJECTIVE_SHARPE, 0, opt->cost};
    for (int k = 0; !rc && k < GRID; k++) {
        for (int n = 0; n < n_hold; n++)
            model_forecast_weights(w + (size_t)n * U, f + (size_t)n * U, U, sd > 0 ? grid[k] / sd : 0);
        sr[k] = -loss_portfolio(dw, w, window_targets(md, hold_first), n_hold, U, &sharpe);
        best = sr[k] > best ? sr[k] : best;
    }
    double ic_se = INFINITY, ic = rc ? 0 : holdout_ic(f, window_targets(md, hold_first), n_hold, U, &ic_se);
    const double se = sqrt((1 + best * best / 2) / n_hold);
    rep->conviction = 0;
    for (int k = 0; !rc && sd > 0 && ic > 2 * ic_se && k < GRID; k++)
        if (sr[k] >= best - se) {
            rep->conviction = grid[k] / sd;
            break;
        }
    free(f);
    free(w);
    free(dw);
    return rc;
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
    if (g->batch < 2)
        return evo_fail(err, EVO_ERR_USAGE, "batch %d: a minibatch needs at least 2 days (a Sharpe ratio "
                        "of one day is not defined); raise search.batch", g->batch);
    int n_hold = (int)lround(opt->val_fraction * n);
    n_hold = n_hold < 2 ? 2 : n_hold;
    const int n_fit = n - n_hold - opt->embargo;
    if (n_fit < 2)
        return evo_fail(err, EVO_ERR_USAGE, "only %d decision days to train on (of %d, after seq_len %d, "
                        "the hold-out and the embargo); lower seq_len or train.val_fraction, or raise "
                        "split.train_days", n_fit < 0 ? 0 : n_fit, n, T);
    const int hold_first = last - n_hold + 1;
    const int check_every = g->steps / MODEL_CHECKS > 0 ? g->steps / MODEL_CHECKS : 1;
    const loss_spec loss = loss_of(g, opt);
    const size_t n_params = net_param_count(net);
    block_order bo = {malloc(((size_t)n_fit / g->batch + 2) * sizeof *bo.starts), 0, 0};
    float *best = malloc(n_params * sizeof *best), *recon = NULL;
    if (md->kind == MODEL_AUTOENCODER)
        recon = malloc((size_t)g->batch * md->U * T * md->W * sizeof *recon);
    int rc = EVO_OK;
    if (!bo.starts || !best || (md->kind == MODEL_AUTOENCODER && !recon)) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory training on %d days", n);
        goto done;
    }
    evo_rng rng;
    rng_seed(&rng, seed ^ 0x5eed5eedULL);
    adamw_options aw = adamw_defaults((float)g->lr);
    aw.weight_decay = (float)g->weight_decay;
    rep->initial_loss = holdout_loss(net, md, g, hold_first, n_hold, &loss, recon, err);
    rep->holdout_loss = rep->train_loss = NAN;
    double since_check = 0; /* the sum of the minibatch losses since the last check, and their count */
    int n_since = 0, since_best = 0;
    /* residual training: the linear part alone first (model.h); not the autoencoder's, whose embedding
     * must carry the window */
    const int linear_steps = g->layers > 0 && !recon ? (int)(MODEL_LINEAR_SHARE * g->steps) : 0;
    net_set_linear_only(net, linear_steps > 0);
    while (rep->steps < g->steps && !rep->truncated) {
        if (rep->steps == linear_steps && linear_steps > 0) {
            net_set_linear_only(net, 0);
            since_best = 0;
        }
        if (bo.next == bo.n)
            block_order_draw(&bo, n_fit, g->batch, &rng);
        const char *why = NULL;
        double value = train_step(net, md, g, first, n_fit, bo.starts[bo.next++], opt, &aw, recon, &why, err);
        rep->steps++;
        if (isnan(value) && !why) { /* the forward refused the batch: a broken invariant */
            rc = EVO_ERR_INTERNAL;
            goto done;
        }
        if (why) {
            fail_report(rep, why[0] == 'l' ? "diverged: loss %g at step %d" : "diverged: gradient norm %g "
                        "at step %d", value, rep->steps);
            goto done;
        }
        since_check += value;
        n_since++;
        rep->truncated = opt->deadline > 0 && model_now() > opt->deadline;
        if (rep->steps % check_every && rep->steps < g->steps && !rep->truncated)
            continue;
        double h = holdout_loss(net, md, g, hold_first, n_hold, &loss, recon, err);
        if (!isfinite(h)) {
            fail_report(rep, "diverged: hold-out loss %g at step %d", h, rep->steps);
            goto done;
        }
        if (h < rep->holdout_loss || isnan(rep->holdout_loss)) { /* the first check always counts */
            rep->holdout_loss = h;
            rep->train_loss = since_check / n_since;
            rep->best_step = rep->steps;
            memcpy(best, net_params(net), n_params * sizeof *best);
            since_best = 0;
        } else if (++since_best >= opt->patience && rep->steps > linear_steps) {
            break;
        }
        since_check = 0;
        n_since = 0;
    }
    net_set_linear_only(net, 0);
    memcpy(net_params(net), best, n_params * sizeof *best); /* keep the best parameters */
    if (g->objective == OBJECTIVE_FORECAST)
        rc = choose_conviction(rep, net, md, g, first, n_fit, hold_first, n_hold, opt, err);
done:
    rep->seconds = model_now() - t0;
    free(bo.starts);
    free(best);
    free(recon);
    return rc;
}

void model_forecast_weights(float *w, const float *f, int U, double conviction)
{
    double mean = 0, max = -INFINITY, sum = 0, z[U];
    for (int u = 0; u < U; u++)
        mean += (double)f[u] / U;
    for (int u = 0; u < U; u++) {
        z[u] = conviction * (f[u] - mean);
        max = z[u] > max ? z[u] : max;
    }
    for (int u = 0; u < U; u++)
        sum += z[u] = exp(z[u] - max);
    for (int u = 0; u < U; u++)
        w[u] = (float)(z[u] / sum);
}

/* The autoencoder's weights w[U] at the close of day d from its assets' embeddings e[U][H] (model.h):
 * Ward clusters of the unit-length embeddings, each one's best trailing Sharpe ratio (sample sd). */
static int autoencoder_weights(double *w, const float *e, const model_data *md, int d, int H, evo_error *err)
{
    const int U = md->U, from = d - md->window + 1 > md->first_day + 1 ? d - md->window + 1 : md->first_day + 1;
    double *unit = malloc(sizeof *unit * (size_t)U * H), *dist = malloc(sizeof *dist * (size_t)U * U),
           *sharpe = malloc(sizeof *sharpe * (size_t)U);
    int rc = unit && dist && sharpe ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory clustering %d assets", U);
    for (int u = 0; !rc && u < U; u++) {
        double norm = 0, mean = 0, ss = 0;
        for (int j = 0; j < H; j++)
            norm += (double)e[(size_t)u * H + j] * e[(size_t)u * H + j];
        for (int j = 0; j < H; j++)
            unit[(size_t)u * H + j] = norm > 0 ? e[(size_t)u * H + j] / sqrt(norm) : 0;
        for (int t = from; t <= d; t++)
            mean += md->targets[(size_t)t * U + u] / (double)(d - from + 1);
        for (int t = from; t <= d; t++)
            ss += (md->targets[(size_t)t * U + u] - mean) * (md->targets[(size_t)t * U + u] - mean);
        sharpe[u] = d > from && ss > 0 ? mean / sqrt(ss / (d - from)) : 0;
    }
    for (int u = 0; !rc && u < U; u++)
        for (int v = 0; v < U; v++) {
            double s = 0;
            for (int j = 0; j < H; j++) {
                const double gap = unit[(size_t)u * H + j] - unit[(size_t)v * H + j];
                s += gap * gap;
            }
            dist[(size_t)u * U + v] = u == v ? 0 : sqrt(s);
        }
    if (!rc)
        rc = strategy_cluster_pick(w, dist, sharpe, U, md->clusters, err);
    free(unit), free(dist), free(sharpe);
    return rc;
}

int model_predict(double *out, double *forecasts, evo_net *net, const model_data *md,
                  const evo_genome *g, const model_train_report *rep, const int *days, int n,
                  evo_error *err)
{
    batch_buffers bb = {0};
    if (batch_alloc(&bb, md, g->seq_len, g->batch))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory predicting %d days", n);
    const int U = md->U;
    int rc = EVO_OK;
    float w_u[U];
    for (int at = 0; at < n && !rc; at += g->batch) {
        int m = n - at < g->batch ? n - at : g->batch;
        assemble(bb.x, NULL, md, days + at, m, g->seq_len);
        rc = net_forward(net, bb.x, m * rows_per_day(md), 0, err);
        const float *y = net_outputs(net), *w = net_weights(net);
        const int H = net_get_spec(net)->hidden;
        for (int b = 0; !rc && md->kind == MODEL_AUTOENCODER && b < m; b++)
            rc = autoencoder_weights(out + (size_t)(at + b) * U, net_encoding(net) + (size_t)b * U * H, md,
                                     days[at + b], H, err);
        for (int b = 0; !rc && md->kind != MODEL_AUTOENCODER && b < m; b++) {
            double *o = out + (size_t)(at + b) * U;
            if (g->objective == OBJECTIVE_FORECAST)
                model_forecast_weights(w_u, y + (size_t)b * U, U, rep->conviction);
            for (int u = 0; u < U; u++) {
                o[u] = g->objective == OBJECTIVE_FORECAST ? w_u[u] : w[b * U + u];
                if (forecasts)
                    forecasts[(size_t)(at + b) * U + u] = y[b * U + u];
            }
        }
    }
    batch_free(&bb);
    return rc;
}
