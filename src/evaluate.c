/* evaluate: context, model data per genome, and the fold loop. Shapes: D days, A assets, U units,
 * W values per unit, S strategies, T return days of a window. */
#include "evofolio/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "evofolio/net.h"
#include "evofolio/strategies.h"

/* ---------------------------------------------------------------- context */

void evaluate_context_free(evo_eval_context *ctx)
{
    if (!ctx)
        return;
    free(ctx->returns);
    features_free(&ctx->features);
    for (int i = 0; i < ctx->n_strat; i++)
        strategy_run_free(&ctx->runs[i]);
    free(ctx->strat_returns);
    features_free(&ctx->strat_stats);
    free(ctx->ew_val);
    memset(ctx, 0, sizeof *ctx);
}

/* Every strategy the portfolio model may blend, run over the whole panel, and its statistics. */
static int context_strategies(evo_eval_context *ctx, evo_error *err)
{
    const evo_config *cfg = ctx->cfg;
    const evo_panel *p = ctx->panel;
    const int D = p->n_days;
    /* the first day every strategy can decide: its estimation window, and momentum's mom126 */
    const int mom = features_lookback(FEATURE_MOM126);
    ctx->strat_day0 = cfg->backtest.window > mom ? cfg->backtest.window : mom;
    for (int s = 0; s < STRATEGY_COUNT; s++)
        if (cfg->search.strategies & (1u << s))
            ctx->strat[ctx->n_strat++] = (evo_strategy)s;
    const int S = ctx->n_strat;
    const evo_strategy_settings settings = strategy_settings_of(cfg);
    double *ret = calloc((size_t)S * D, sizeof *ret);
    ctx->strat_returns = calloc((size_t)D * S, sizeof *ctx->strat_returns);
    if (!ret || !ctx->strat_returns) {
        free(ret);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory running %d strategies", S);
    }
    int rc = EVO_OK;
    for (int i = 0; i < S && !rc; i++) {
        rc = strategy_run(&ctx->runs[i], ctx->strat[i], p, ctx->strat_day0, D - 1, &settings,
                          cfg->backtest.rebalance, cfg->backtest.cost_bps, err);
        for (int d = ctx->strat_day0 + 1; !rc && d < D; d++) {
            ret[(size_t)i * D + d] = ctx->runs[i].bt.net[d - ctx->strat_day0 - 1];
            ctx->strat_returns[(size_t)d * S + i] = (float)ret[(size_t)i * D + d];
        }
    }
    if (!rc)
        rc = features_strategy_stats(&ctx->strat_stats, ret, S, D, cfg->backtest.window, err);
    free(ret);
    return rc;
}

/* Equal weight on every validation window, as the benchmark of the fitness and the verdict. */
static int context_benchmark(evo_eval_context *ctx, evo_error *err)
{
    const evo_config *cfg = ctx->cfg;
    const evo_split *s = &ctx->split;
    const evo_strategy_settings settings = strategy_settings_of(cfg);
    ctx->n_val = 0;
    for (int k = 0; k < s->n_folds; k++)
        ctx->n_val += s->folds[k].val.last - s->folds[k].val.first + 1;
    if (!(ctx->ew_val = malloc(sizeof(double) * (size_t)ctx->n_val)))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d validation days", ctx->n_val);
    int rc = EVO_OK, at = 0;
    for (int k = 0; k < s->n_folds && !rc; k++) {
        evo_strategy_run run;
        rc = strategy_run(&run, STRATEGY_EW, ctx->panel, s->folds[k].val.first - 1, s->folds[k].val.last,
                          &settings, cfg->backtest.rebalance, cfg->backtest.cost_bps, err);
        if (rc)
            break;
        memcpy(ctx->ew_val + at, run.bt.net, sizeof(double) * (size_t)run.bt.T);
        at += run.bt.T;
        strategy_run_free(&run);
    }
    if (!rc) {
        evo_metrics m;
        metrics_compute(&m, ctx->ew_val, NULL, ctx->n_val);
        ctx->ew_val_sharpe = m.sharpe;
    }
    return rc;
}

int evaluate_context_create(evo_eval_context *ctx, const evo_config *cfg, const evo_panel *panel,
                            evo_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = cfg;
    ctx->panel = panel;
    const int D = panel->n_days, A = panel->n_assets;
    int rc = folds_make(&ctx->split, cfg, panel->dates, D, err);
    if (!rc && !(ctx->returns = calloc((size_t)D * A, sizeof *ctx->returns)))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d x %d returns", D, A);
    for (int d = 1; !rc && d < D; d++)
        for (int a = 0; a < A; a++) /* r[d,a] = P[d,a] / P[d-1,a] - 1 */
            ctx->returns[(size_t)d * A + a] =
                (float)(panel->close[(size_t)d * A + a] / panel->close[(size_t)(d - 1) * A + a] - 1);
    if (!rc && (cfg->search.model & ~(1u << MODEL_PORTFOLIO)))
        rc = features_compute(&ctx->features, panel, cfg->search.features, cfg->backtest.window, err);
    if (!rc && (cfg->search.model & (1u << MODEL_PORTFOLIO)))
        rc = context_strategies(ctx, err);
    if (!rc)
        rc = context_benchmark(ctx, err);
    if (rc)
        evaluate_context_free(ctx);
    return rc;
}

/* ---------------------------------------------------------------- model data of a genome */

static int strategy_index(const evo_eval_context *ctx, evo_strategy s)
{
    for (int i = 0; i < ctx->n_strat; i++)
        if (ctx->strat[i] == s)
            return i;
    return -1;
}

/* The units a genome reads: assets, or its strategies as indices into the context's runs. */
static int make_model_data(model_data *md, const evo_eval_context *ctx, const evo_genome *g,
                           int *units, evo_error *err)
{
    const int D = ctx->panel->n_days, A = ctx->panel->n_assets;
    const int portfolio = g->model == MODEL_PORTFOLIO;
    const evo_features *src = portfolio ? &ctx->strat_stats : &ctx->features;
    int cols[FEATURE_COUNT], W = 0, U = 0;
    memset(md, 0, sizeof *md);
    if (portfolio) {
        for (int s = 0; s < STRATEGY_COUNT; s++)
            if (g->strategies & (1u << s))
                units[U++] = strategy_index(ctx, (evo_strategy)s);
        for (W = 0; W < src->F; W++)
            cols[W] = W;
        md->first_day = src->first_usable;
    } else {
        for (U = 0; U < A; U++)
            units[U] = U;
        for (int f = 0; f < src->F; f++)
            if (g->features & (1u << src->ids[f])) {
                cols[W++] = f;
                int usable = features_lookback(src->ids[f]) + ctx->cfg->backtest.window - 1;
                md->first_day = usable > md->first_day ? usable : md->first_day;
            }
    }
    for (int u = 0; u < U; u++)
        if (units[u] < 0)
            return evo_fail(err, EVO_ERR_USAGE, "the genome blends a strategy outside search.strategies");
    md->kind = g->model;
    md->clusters = ctx->cfg->backtest.clusters;
    md->window = ctx->cfg->backtest.window;
    md->D = D;
    md->U = U;
    md->W = W;
    md->inputs = malloc((size_t)D * U * W * sizeof *md->inputs);
    md->targets = malloc((size_t)D * U * sizeof *md->targets);
    if (!md->inputs || !md->targets) {
        model_data_free(md);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d x %d x %d inputs", D, U, W);
    }
    /* No window reads a day before the first fold's first input window: fill from there. */
    int lo = ctx->split.search.first - 1 - g->seq_len;
    lo = lo > md->first_day ? lo : md->first_day;
    md->first_day = lo;
    for (int d = lo; d < D; d++)
        for (int u = 0; u < U; u++) {
            const float *from = src->x + ((size_t)d * src->A + units[u]) * src->F;
            for (int w = 0; w < W; w++)
                md->inputs[((size_t)d * U + u) * W + w] = from[cols[w]];
            md->targets[(size_t)d * U + u] = portfolio ? ctx->strat_returns[(size_t)d * ctx->n_strat + units[u]]
                                                       : ctx->returns[(size_t)d * A + u];
        }
    return EVO_OK;
}

/* ---------------------------------------------------------------- one window */

static uint64_t fold_seed(uint64_t seed, int fold)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(fold + 1); /* splitmix64 step */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The price of unit u at day d, for forecast errors: the asset's close, or the strategy's wealth. */
static double unit_price(const evo_eval_context *ctx, const evo_genome *g, const int *units, int u, int d)
{
    if (g->model != MODEL_PORTFOLIO)
        return ctx->panel->close[(size_t)d * ctx->panel->n_assets + units[u]];
    return ctx->runs[units[u]].bt.wealth[d - ctx->strat_day0];
}

/* Asset weights for the day after decision day d from unit weights: the unit weights themselves, or
 * for the portfolio model the blend sum_u alpha_u w_u of the strategies' weights held that day. */
static void asset_weights(double *w, const double *unit_w, const evo_eval_context *ctx,
                          const evo_genome *g, const int *units, int U, int d)
{
    const int A = ctx->panel->n_assets;
    if (g->model != MODEL_PORTFOLIO) {
        memcpy(w, unit_w, (size_t)A * sizeof *w);
        return;
    }
    memset(w, 0, (size_t)A * sizeof *w);
    for (int u = 0; u < U; u++) {
        const double *ws = ctx->runs[units[u]].bt.weights + (size_t)(d - ctx->strat_day0) * A;
        for (int a = 0; a < A; a++)
            w[a] += unit_w[u] * ws[a];
    }
}

typedef struct {
    const evo_eval_context *ctx;
    const evo_genome *g;
    const model_data *md;
    const int *units;
    double deadline;
    int n_nets;       /* nets trained per window, their weights averaged (1 in the search) */
    const char *save; /* NULL, or where each trained net goes (net_save; PATH.k for net k of several) */
} window_job;

/* The decisions of a window: the rebalance closes of val (from its day 0), and the unit weights and
 * forecasts decided there. */
typedef struct {
    int n;          /* decisions */
    int *days;      /* [n] panel days */
    double *unit_w; /* [n][U] */
    double *fc;     /* [n][U] raw forecasts (the forecast objective's errors) */
} decisions;

static void decisions_free(decisions *d)
{
    free(d->days);
    free(d->unit_w);
    free(d->fc);
}

static int decisions_alloc(decisions *d, const window_job *job, evo_window val, evo_error *err)
{
    const int U = job->md->U, T = val.last - val.first + 1, k = job->g->rebalance;
    d->n = 1 + (T - 1) / k;
    d->days = malloc((size_t)d->n * sizeof *d->days);
    d->unit_w = calloc((size_t)d->n * U, sizeof *d->unit_w);
    d->fc = calloc((size_t)d->n * U, sizeof *d->fc);
    if (!d->days || !d->unit_w || !d->fc) {
        decisions_free(d);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d decisions", d->n);
    }
    for (int j = 0; j < d->n; j++)
        d->days[j] = val.first - 1 + j * k;
    return EVO_OK;
}

/* Backtest the decided weights over val with costs; metrics and the forecast errors. */
static int backtest_decisions(evo_fold_result *fr, const window_job *job, evo_window val, const decisions *d,
                              evo_error *err)
{
    const evo_eval_context *ctx = job->ctx;
    const int A = ctx->panel->n_assets, U = job->md->U, T = val.last - val.first + 1, k = job->g->rebalance;
    double *targets = calloc((size_t)T * A, sizeof *targets), *r = malloc((size_t)T * A * sizeof *r);
    unsigned char *trade = malloc((size_t)T);
    int rc = targets && r && trade ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory backtesting %d days", T);
    if (!rc) {
        backtest_schedule(trade, T, k);
        for (int j = 0; j < d->n; j++)
            asset_weights(targets + (size_t)j * k * A, d->unit_w + (size_t)j * U, ctx, job->g, job->units, U,
                          d->days[j]);
        for (int t = 0; t < T; t++)
            for (int a = 0; a < A; a++)
                r[(size_t)t * A + a] = ctx->returns[(size_t)(val.first + t) * A + a];
        rc = backtest_run(&fr->bt, r, targets, trade, T, A, ctx->cfg->backtest.cost_bps, err);
    }
    if (!rc) {
        metrics_compute(&fr->metrics, fr->bt.net, fr->bt.turnover, T);
        if (job->g->objective == OBJECTIVE_FORECAST) { /* implied next-day prices P_d (1 + forecast) */
            double *pred = r, *actual = targets; /* reuse: n * U <= T * A */
            for (int j = 0; j < d->n; j++)
                for (int u = 0; u < U; u++) {
                    double p = unit_price(ctx, job->g, job->units, u, d->days[j]);
                    pred[(size_t)j * U + u] = p * (1 + d->fc[(size_t)j * U + u]);
                    actual[(size_t)j * U + u] = unit_price(ctx, job->g, job->units, u, d->days[j] + 1);
                }
            metrics_forecast_errors(&fr->errors, pred, actual, d->n * U);
        }
    }
    free(targets);
    free(r);
    free(trade);
    return rc;
}

/* Train one net with seed on decision days first..last into *rep and add its weights and forecasts
 * at d's decisions, divided by `share`, to d. A candidate that cannot be trained (it diverges, or its
 * sizes leave no days to train on) is reported failed; only resource errors are returned. */
static int train_and_decide(model_train_report *rep, decisions *d, double share, const window_job *job,
                            int first, int last, uint64_t seed, int index, evo_error *err)
{
    evo_net *net = NULL;
    net_spec spec = model_net_spec(job->g, job->md, seed);
    const evo_config *cfg = job->ctx->cfg;
    const int U = job->md->U;
    model_train_options opt = {.patience = cfg->train.patience,
                               .val_fraction = cfg->train.val_fraction,
                               .embargo = cfg->split.embargo_days,
                               .clip_norm = cfg->train.clip_norm,
                               .risk_aversion = cfg->train.risk_aversion,
                               .cost = cfg->backtest.cost_bps / 1e4,
                               .deadline = job->deadline};
    double *w = malloc((size_t)d->n * U * sizeof *w), *fc = malloc((size_t)d->n * U * sizeof *fc);
    int rc = w && fc ? net_create(&spec, &net, err) : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = model_train(net, job->md, job->g, first, last, &opt, seed, rep, err);
    if (rc == EVO_ERR_USAGE) { /* e.g. seq_len leaves no training days: the candidate fails */
        rep->failed = 1;
        snprintf(rep->reason, sizeof rep->reason, "%.150s", err->msg);
        rc = EVO_OK;
    }
    if (!rc && !rep->failed)
        rc = model_predict(w, fc, net, job->md, job->g, rep, d->days, d->n, err);
    if (!rc && !rep->failed && job->save) {
        char path[EVO_PATH_MAX + 16];
        snprintf(path, sizeof path, job->n_nets > 1 ? "%s.%d" : "%s", job->save, index + 1);
        rc = net_save(net, path, err);
    }
    for (size_t i = 0; !rc && !rep->failed && i < (size_t)d->n * U; i++) {
        d->unit_w[i] += w[i] / share;
        d->fc[i] += fc[i] / share;
    }
    net_free(net);
    free(w);
    free(fc);
    return rc;
}

/* Train job->n_nets nets on decision days first..last (the first with seed, as the search does) and
 * backtest val on the mean of their weights. fr->train is the first net's report, with the seconds
 * of all; a failing net fails the window. */
static int run_window(evo_fold_result *fr, const window_job *job, int first, int last, evo_window val,
                      uint64_t seed, evo_error *err)
{
    memset(fr, 0, sizeof *fr);
    fr->window = val;
    decisions d = {0};
    int rc = decisions_alloc(&d, job, val, err);
    for (int i = 0; !rc && i < job->n_nets && !fr->train.failed; i++) {
        model_train_report rep;
        rc = train_and_decide(&rep, &d, job->n_nets, job, first, last, i ? fold_seed(seed, 1000 + i) : seed, i, err);
        if (i == 0) {
            fr->train = rep;
        } else {
            fr->train.seconds += rep.seconds;
            fr->train.truncated |= rep.truncated;
            if (rep.failed)
                fr->train = rep;
        }
    }
    if (!rc && !fr->train.failed)
        rc = backtest_decisions(fr, job, val, &d, err);
    decisions_free(&d);
    return rc;
}

static void mark_failed(evo_eval_result *res, int fold, const char *why)
{
    res->status = EVAL_FAILED;
    res->fitness = -INFINITY;
    snprintf(res->reason, sizeof res->reason, "fold %d: %s", fold + 1, why);
}

/* ---------------------------------------------------------------- genome and test evaluations */

typedef struct {
    int first, last; /* training decision days */
    evo_window val;
} window_plan;

/* The folds' daily net returns joined in fold order into res->val_returns[res->n_val]. */
static int join_returns(evo_eval_result *res, evo_error *err)
{
    int T = 0;
    for (int k = 0; k < res->n_folds; k++)
        T += res->folds[k].bt.T;
    if (!(res->val_returns = malloc(sizeof(double) * (size_t)(T ? T : 1))))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d validation returns", T);
    for (int k = 0; k < res->n_folds; k++) {
        memcpy(res->val_returns + res->n_val, res->folds[k].bt.net, sizeof(double) * (size_t)res->folds[k].bt.T);
        res->n_val += res->folds[k].bt.T;
    }
    return EVO_OK;
}

static int evaluate_windows(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g,
                            uint64_t seed, int n_nets, int keep, const char *save, const window_plan *plan,
                            int n, evo_error *err)
{
    const double t0 = model_now();
    memset(res, 0, sizeof *res);
    model_data md;
    const int n_units = ctx->panel->n_assets > STRATEGY_COUNT ? ctx->panel->n_assets : STRATEGY_COUNT;
    int *unit_buf = malloc((size_t)n_units * sizeof *unit_buf);
    if (!unit_buf)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    int rc = make_model_data(&md, ctx, g, unit_buf, err);
    window_job job = {ctx, g, &md, unit_buf, t0 + ctx->cfg->train.max_seconds * n_nets, n_nets, save};
    res->n_folds = n;
    for (int k = 0; !rc && k < n && res->status == EVAL_OK; k++) {
        evo_fold_result *fr = &res->folds[k];
        rc = run_window(fr, &job, plan[k].first, plan[k].last, plan[k].val, fold_seed(seed, k), err);
        res->train_seconds += fr->train.seconds;
        res->truncated |= fr->train.truncated;
        if (!rc && fr->train.failed)
            mark_failed(res, k, fr->train.reason);
        else if (!rc && !isfinite(fr->metrics.sharpe + fr->metrics.ann_return))
            mark_failed(res, k, "non-finite validation returns");
    }
    if (!rc && res->status == EVAL_OK) {
        res->val_sharpe = evaluate_pooled_sharpe(res->folds, n);
        res->fitness = evaluate_fitness(ctx->cfg->ga.fitness, res->folds, n, ctx->ew_val_sharpe);
        if (keep & EVAL_KEEP_VAL_RETURNS)
            rc = join_returns(res, err);
    }
    for (int k = 0; !(keep & EVAL_KEEP_SERIES) && k < n; k++)
        backtest_free(&res->folds[k].bt);
    if (!rc) {
        net_spec spec = model_net_spec(g, &md, 0);
        evo_net *probe = NULL;
        if (!net_create(&spec, &probe, NULL))
            res->n_params = net_param_count(probe);
        net_free(probe);
    }
    model_data_free(&md);
    free(unit_buf);
    res->seconds = model_now() - t0;
    return rc;
}

int evaluate_genome(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g, uint64_t seed,
                    int keep, evo_error *err)
{
    window_plan plan[FOLDS_MAX];
    const evo_split *s = &ctx->split;
    for (int k = 0; k < s->n_folds; k++) /* targets of days train.first .. train.last */
        plan[k] = (window_plan){s->folds[k].train.first - 1, s->folds[k].train.last - 1, s->folds[k].val};
    return evaluate_windows(res, ctx, g, seed, 1, keep, NULL, plan, s->n_folds, err);
}

int evaluate_test_saving(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g, uint64_t seed,
                         int n_nets, int keep_series, const char *save, evo_error *err)
{
    const evo_window test = ctx->split.test;
    const int last_train = test.first - 1 - ctx->cfg->split.embargo_days;
    window_plan plan = {last_train - ctx->cfg->split.train_days, last_train - 1, test};
    return evaluate_windows(res, ctx, g, seed ^ 0x7e57ULL, n_nets > 0 ? n_nets : 1,
                            keep_series ? EVAL_KEEP_SERIES : 0, save, &plan, 1, err);
}

int evaluate_test(evo_eval_result *res, const evo_eval_context *ctx, const evo_genome *g, uint64_t seed,
                  int n_nets, int keep_series, evo_error *err)
{
    return evaluate_test_saving(res, ctx, g, seed, n_nets, keep_series, NULL, err);
}

void evaluate_result_free(evo_eval_result *res)
{
    if (!res)
        return;
    for (int k = 0; k < res->n_folds; k++)
        backtest_free(&res->folds[k].bt);
    free(res->val_returns);
    res->val_returns = NULL;
    res->n_val = 0;
}

double evaluate_pooled_sharpe(const evo_fold_result *folds, int n)
{
    double sum = 0, sq = 0;
    long T = 0;
    for (int k = 0; k < n; k++)
        for (int t = 0; t < folds[k].bt.T; t++) {
            sum += folds[k].bt.net[t];
            T++;
        }
    const double mean = T ? sum / T : 0;
    for (int k = 0; k < n; k++)
        for (int t = 0; t < folds[k].bt.T; t++)
            sq += (folds[k].bt.net[t] - mean) * (folds[k].bt.net[t] - mean);
    const double sd = T > 1 ? sqrt(sq / (T - 1)) : 0;
    return sd > 0 ? mean / sd * sqrt(252) : 0; /* metrics.h's Sharpe ratio, over every day at once */
}

double evaluate_fitness(evo_fitness f, const evo_fold_result *folds, int n, double benchmark_sharpe)
{
    double mean = 0, sortino = 0, worst = INFINITY, var = 0;
    for (int k = 0; k < n; k++) {
        mean += folds[k].metrics.sharpe / n;
        sortino += folds[k].metrics.sortino / n;
        worst = folds[k].metrics.sharpe < worst ? folds[k].metrics.sharpe : worst;
    }
    for (int k = 0; k < n; k++)
        var += (folds[k].metrics.sharpe - mean) * (folds[k].metrics.sharpe - mean) / (n > 1 ? n - 1 : 1);
    switch (f) {
    case FITNESS_MEAN_SORTINO: return sortino;
    case FITNESS_SHARPE_MEAN_MINUS_SD: return mean - sqrt(var);
    case FITNESS_WORST_SHARPE: return worst;
    case FITNESS_EXCESS_SHARPE: return evaluate_pooled_sharpe(folds, n) - benchmark_sharpe;
    default: return mean;
    }
}

void evaluate_criteria(double out[CRITERION_COUNT], const evo_metrics *folds, int n, double fitness)
{
    double sum[CRITERION_COUNT] = {0};
    for (int k = 0; k < n; k++) {
        sum[CRITERION_SHARPE] += folds[k].sharpe;
        sum[CRITERION_SORTINO] += folds[k].sortino;
        sum[CRITERION_RETURN] += folds[k].ann_return;
        sum[CRITERION_VOL] += folds[k].ann_vol;
        sum[CRITERION_DRAWDOWN] += folds[k].max_drawdown;
        sum[CRITERION_TURNOVER] += folds[k].avg_turnover;
        sum[CRITERION_CVAR] += folds[k].cvar95;
    }
    for (int c = 0; c < CRITERION_COUNT; c++)
        out[c] = n > 0 ? sum[c] / n : NAN;
    out[CRITERION_FITNESS] = fitness;
}

int evaluate_objectives(double *obj, const double criteria[CRITERION_COUNT], unsigned objectives)
{
    int m = 0;
    for (int c = 0; c < CRITERION_COUNT; c++)
        if (objectives & 1u << c)
            obj[m++] = catalog_criterion_minimised[c] ? -criteria[c] : criteria[c];
    return m;
}

int evaluate_objective_criterion(unsigned objectives, int k)
{
    for (int c = 0; c < CRITERION_COUNT; c++)
        if (objectives & 1u << c && k-- == 0)
            return c;
    return -1;
}
