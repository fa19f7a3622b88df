/* Tests of evaluate and model: learning tests per model kind on data with a planted pattern made here
 * (and the same models on pure noise), determinism, causality at the model level, a diverging genome,
 * and the fitness aggregates. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/blas.h"
#include "evofolio/evaluate.h"
#include "evofolio/rng.h"

#define WINDOW(w) (&(evo_strategy_settings){.window = (w), .clusters = 2})

enum { A = 8, D = 1400 };

/* Daily returns r[t,a] = phi r[t-1,a] + e[t,a], e ~ N(0, 1%): with phi > 0 tomorrow's winners are
 * today's, which ret1 (a feature) shows; with phi = 0 there is nothing to learn. For the portfolio
 * model, regime: assets 0..A/2-1 drift up and the rest down (+-regime_drift a day), the regime
 * flipping every 500 days, so the momentum strategy's recent record predicts its next days. */
static void make_panel(evo_panel *p, double phi, double regime_drift, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->n_days = D;
    p->n_assets = A;
    p->assets = calloc(A, sizeof *p->assets);
    p->dates = calloc(D, sizeof *p->dates);
    p->close = calloc((size_t)D * A, sizeof *p->close);
    evo_rng rng;
    rng_seed(&rng, seed);
    double r_prev[A] = {0};
    for (int a = 0; a < A; a++) {
        p->assets[a] = malloc(16);
        snprintf(p->assets[a], 16, "X%d", a);
        p->close[a] = 100;
    }
    for (int t = 0; t < D; t++)
        p->dates[t] = 10000 + t;
    for (int t = 1; t < D; t++) {
        double sign = (t / 500) % 2 ? -1 : 1;
        for (int a = 0; a < A; a++) {
            double drift = regime_drift * sign * (a < A / 2 ? 1 : -1);
            double r = drift + phi * r_prev[a] + 0.01 * rng_normal(&rng);
            r_prev[a] = r;
            p->close[(size_t)t * A + a] = p->close[(size_t)(t - 1) * A + a] * (1 + r);
        }
    }
}

/* Window 60 keeps the warm-up short: 252 + 60 + 400 train + 2 + 2 x 250 val + 2 = 1216 < 1400 - 100. */
static const char *CONFIG =
    "data: {prices: p.csv}\n"
    "split: {test_days: 100, folds: 2, train_days: 400, val_days: 250, embargo_days: 2}\n"
    "backtest: {cost_bps: 0, window: 60, rebalance: 1}\n"
    "search:\n"
    "  features: [ret1, ret5, vol20]\n"
    "  strategies: [ew, minvar, momentum]\n"
    "train: {patience: 6, max_seconds: 600}\n";

typedef struct {
    evo_config cfg;
    evo_panel panel;
    evo_eval_context ctx;
} fixture;

static void fixture_make(fixture *f, double phi, double drift, uint64_t seed)
{
    evo_error err = {0};
    blas_single_thread();
    cr_assert_eq(config_parse(CONFIG, strlen(CONFIG), "e.yaml", &f->cfg, &err), EVO_OK, "%s", err.msg);
    make_panel(&f->panel, phi, drift, seed);
    cr_assert_eq(evaluate_context_create(&f->ctx, &f->cfg, &f->panel, &err), EVO_OK, "%s", err.msg);
}

static void fixture_free(fixture *f)
{
    evaluate_context_free(&f->ctx);
    data_panel_free(&f->panel);
    config_free(&f->cfg);
}

/* The models the engine builds: each kind with an LSTM, then each but linear with attention. */
enum { MODEL_VARIANTS = 2 * MODEL_KIND_COUNT - 1 };

static evo_genome genome(evo_model_kind kind, evo_objective obj);

/* Model variant v (0 .. MODEL_VARIANTS-1): kind v with an LSTM, or a non-linear kind with a 2-head
 * attention encoder of width 16. */
static evo_genome variant(int v, evo_objective obj)
{
    const evo_model_kind attentive[MODEL_KIND_COUNT - 1] = {MODEL_ASSET, MODEL_SHARED, MODEL_PORTFOLIO, MODEL_AUTOENCODER};
    evo_genome g = genome(v < MODEL_KIND_COUNT ? (evo_model_kind)v : attentive[v - MODEL_KIND_COUNT], obj);
    if (v >= MODEL_KIND_COUNT) {
        g.arch = ARCH_ATTENTION;
        g.hidden = 0;
        g.d_model = 16;
        g.heads = 2;
        g.ff = 16;
    }
    return g;
}

static const char *variant_name(const evo_genome *g)
{
    static char name[64];
    snprintf(name, sizeof name, "%s %s", catalog_model_kinds.names[g->model], catalog_architectures.names[g->arch]);
    return name;
}

static evo_genome genome(evo_model_kind kind, evo_objective obj)
{
    return (evo_genome){.model = kind, .objective = obj, .layers = 1, .hidden = 8, .seq_len = 5,
                        .lr = 0.01, .weight_decay = 0.0001, .dropout = 0, .batch = 32, .steps = 300,
                        .features = 1u << FEATURE_RET1,
                        .strategies = (1u << STRATEGY_EW) | (1u << STRATEGY_MOMENTUM), .rebalance = 1};
}

/* Equal weight's validation Sharpe ratio, both folds' days pooled, worked here from its daily returns. */
static double ew_pooled_sharpe(const fixture *f)
{
    double r[2 * 250], sum = 0, sq = 0;
    int T = 0;
    for (int k = 0; k < f->ctx.split.n_folds; k++) {
        evo_window v = f->ctx.split.folds[k].val;
        evo_strategy_run run;
        evo_error err = {0};
        cr_assert_eq(strategy_run(&run, STRATEGY_EW, &f->panel, v.first - 1, v.last, WINDOW(60), 1, 0, &err), EVO_OK);
        for (int t = 0; t < run.bt.T; t++)
            sum += r[T++] = run.bt.net[t];
        strategy_run_free(&run);
    }
    for (int t = 0; t < T; t++)
        sq += (r[t] - sum / T) * (r[t] - sum / T);
    return sum / T / sqrt(sq / (T - 1)) * sqrt(252);
}

/* The default fitness, excess_sharpe: the candidate's pooled validation Sharpe ratio minus that. */
static double fitness_of(fixture *f, evo_genome g)
{
    evo_eval_result res;
    evo_error err = {0};
    cr_assert_eq(evaluate_genome(&res, &f->ctx, &g, 7, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(res.status, EVAL_OK, "%s", res.reason);
    return res.fitness;
}

Test(evaluate, benchmark_is_equal_weight_on_the_pooled_validation_days,
     .description = "the context's benchmark Sharpe = equal weight's over both folds' days, by hand")
{
    fixture f;
    fixture_make(&f, 0.4, 0, 11);
    cr_assert_eq(f.ctx.n_val, 2 * 250);
    /* the same returns in the same order: only summation order differs, ~1e-15 relative */
    cr_assert_float_eq(f.ctx.ew_val_sharpe, ew_pooled_sharpe(&f), 1e-12, "%.15g", f.ctx.ew_val_sharpe);
    evo_eval_result res;
    evo_error err = {0};
    evo_genome g = genome(MODEL_LINEAR, OBJECTIVE_SHARPE);
    genome_normalise(&g, &f.cfg);
    cr_assert_eq(evaluate_genome(&res, &f.ctx, &g, 7, 1, &err), EVO_OK, "%s", err.msg);
    cr_assert_float_eq(res.fitness, res.val_sharpe - f.ctx.ew_val_sharpe, 1e-12);
    cr_assert_float_eq(res.val_sharpe, evaluate_pooled_sharpe(res.folds, res.n_folds), 1e-12);
    evaluate_result_free(&res);
    fixture_free(&f);
}

/* Planted AR(1) with phi = 0.4 at 1% daily noise: a portfolio tilted to yesterday's winners earns
 * about phi x E|r| ~ 0.4 x 0.8% a day per unit tilt, an annual Sharpe of several units, while equal
 * weight earns nothing but noise (mean 0). The model must beat equal weight by 1.0 of annual Sharpe
 * over the two 250-day folds pooled: the sampling sd of a 500-day Sharpe ratio is ~0.7. Over eight
 * data seeds the smallest margins seen were 1.6 (asset), 10.3 (shared) and 7.0 (shared forecaster)
 * before the fitness was pooled; the seed below is not a lucky one. */
Test(evaluate, every_feature_model_learns_a_planted_pattern, .timeout = 120,
     .description = "AR(1) returns: linear, asset, shared (and a forecaster) tilt to yesterday's winners")
{
    fixture f;
    fixture_make(&f, 0.4, 0, 11);
    evo_genome linear = genome(MODEL_LINEAR, OBJECTIVE_SHARPE);
    genome_normalise(&linear, &f.cfg);
    double lin = fitness_of(&f, linear);
    double asset = fitness_of(&f, genome(MODEL_ASSET, OBJECTIVE_SHARPE));
    double shared = fitness_of(&f, genome(MODEL_SHARED, OBJECTIVE_SHARPE));
    double forecast = fitness_of(&f, genome(MODEL_SHARED, OBJECTIVE_FORECAST));
    cr_assert_gt(lin, 1.0, "linear model beats equal weight by %.2f", lin);
    cr_assert_gt(asset, 1.0, "asset model beats equal weight by %.2f", asset);
    cr_assert_gt(shared, 1.0, "shared model beats equal weight by %.2f", shared);
    cr_assert_gt(forecast, 1.0, "shared forecaster beats equal weight by %.2f", forecast);
    fixture_free(&f);
}

/* Regimes of 500 days in which half the assets drift up 0.2% a day and half down: the momentum
 * strategy rides them (after a lag of a few months at each flip), equal weight nets to zero, and a
 * model that reads the strategies' recent records learns to weight momentum when it works. Same
 * margin as above; over eight data seeds the smallest margin seen was 2.6. */
Test(evaluate, portfolio_model_learns_to_pick_the_strategy, .timeout = 120,
     .description = "persistent regimes: the blend leans on momentum and beats equal weight")
{
    fixture f;
    fixture_make(&f, 0, 0.002, 12);
    evo_genome g = genome(MODEL_PORTFOLIO, OBJECTIVE_SHARPE);
    g.seq_len = 10;
    double blend = fitness_of(&f, g);
    cr_assert_gt(blend, 1.0, "portfolio model beats equal weight by %.2f", blend);
    fixture_free(&f);
}

/* Pure noise (phi = 0, no regimes): whatever the model learns is noise, so its validation Sharpe may
 * differ from equal weight's only by chance. The difference of two 250-day Sharpe ratios of nearly
 * uncorrelated strategies has an sd of ~1.4 per fold, ~1.0 for the two folds' mean; 3.0 is three of
 * those, so the check fails only for a real leak of future information (which earns far more: the
 * planted test above shows what information buys). Over eight data seeds the largest excess seen
 * was 0.6. */
Test(evaluate, noise_is_not_learned, .timeout = 120,
     .description = "no pattern: no model beats equal weight by more than chance")
{
    fixture f;
    fixture_make(&f, 0, 0, 13);
    for (int k = 0; k < MODEL_KIND_COUNT; k++) {
        evo_genome g = genome((evo_model_kind)k, OBJECTIVE_SHARPE);
        genome_normalise(&g, &f.cfg);
        double fit = fitness_of(&f, g);
        cr_assert_lt(fit, 3.0, "%s: beats equal weight by %.2f on noise", catalog_model_kinds.names[k], fit);
    }
    fixture_free(&f);
}

Test(evaluate, same_inputs_same_bits, .timeout = 120, .description = "two runs: identical fitness and metrics")
{
    fixture f;
    fixture_make(&f, 0.3, 0, 14);
    for (int k = 0; k < MODEL_VARIANTS; k++) {
        evo_genome g = variant(k, OBJECTIVE_SORTINO);
        g.layers = 2;
        g.dropout = 0.2;
        g.steps = 40;
        genome_normalise(&g, &f.cfg);
        evo_eval_result a, b;
        evo_error err = {0};
        cr_assert_eq(evaluate_genome(&a, &f.ctx, &g, 99, 0, &err), EVO_OK);
        cr_assert_eq(evaluate_genome(&b, &f.ctx, &g, 99, 0, &err), EVO_OK);
        cr_assert_eq(memcmp(&a.fitness, &b.fitness, sizeof a.fitness), 0);
        for (int k = 0; k < a.n_folds; k++)
            cr_assert_eq(memcmp(&a.folds[k].metrics, &b.folds[k].metrics, sizeof a.folds[k].metrics), 0);
        evaluate_genome(&b, &f.ctx, &g, 100, 0, &err);
        cr_assert_neq(memcmp(&a.fitness, &b.fitness, sizeof a.fitness), 0, "%s: another seed changes the result",
                      variant_name(&g));
    }
    fixture_free(&f);
}

/* Change every price after day d (inside the last fold's validation window): every weight decided up
 * to the close of day d - 1 (held over days up to d) is bit-identical. */
Test(evaluate, future_prices_do_not_change_decided_weights, .timeout = 120,
     .description = "causality at the model level, for every model kind and architecture")
{
    for (int k = 0; k < MODEL_VARIANTS; k++) {
        fixture f, g2;
        fixture_make(&f, 0.3, 0.001, 15);
        fixture_make(&g2, 0.3, 0.001, 15);
        const evo_window val = f.ctx.split.folds[1].val;
        const int d = val.first + 100;
        evaluate_context_free(&g2.ctx);
        evo_rng rng;
        rng_seed(&rng, 5);
        for (size_t x = (size_t)(d + 1) * A; x < (size_t)D * A; x++)
            g2.panel.close[x] *= 0.8 + 0.4 * rng_uniform(&rng);
        evo_error err = {0};
        cr_assert_eq(evaluate_context_create(&g2.ctx, &g2.cfg, &g2.panel, &err), EVO_OK);
        evo_genome g = variant(k, OBJECTIVE_SHARPE);
        g.steps = 30;
        genome_normalise(&g, &f.cfg);
        evo_eval_result a, b;
        cr_assert_eq(evaluate_genome(&a, &f.ctx, &g, 3, 1, &err), EVO_OK);
        cr_assert_eq(evaluate_genome(&b, &g2.ctx, &g, 3, 1, &err), EVO_OK);
        const int n = d - val.first + 1; /* weights held over return days val.first .. d */
        cr_assert_eq(memcmp(a.folds[1].bt.weights, b.folds[1].bt.weights, sizeof(double) * n * A), 0,
                     "%s: a weight decided before day %d changed", variant_name(&g), d);
        cr_assert_neq(memcmp(a.folds[1].bt.weights, b.folds[1].bt.weights, sizeof(double) * (val.last - val.first + 1) * A),
                      0, "the change shows after day d");
        evaluate_result_free(&a);
        evaluate_result_free(&b);
        fixture_free(&f);
        fixture_free(&g2);
    }
}

/* AdamW's decoupled decay multiplies every parameter by 1 - lr * wd = -9 a step: the parameters
 * overflow within a few dozen steps. */
Test(evaluate, diverging_genome_fails_cleanly, .timeout = 120,
     .description = "an absurd learning rate: status failed with a reason, no crash, fitness -inf")
{
    fixture f;
    fixture_make(&f, 0.3, 0, 16);
    evo_genome g = genome(MODEL_ASSET, OBJECTIVE_SHARPE);
    g.lr = 10;
    g.weight_decay = 1;
    evo_eval_result res;
    evo_error err = {0};
    cr_assert_eq(evaluate_genome(&res, &f.ctx, &g, 1, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(res.status, EVAL_FAILED);
    cr_assert(strstr(res.reason, "fold 1: diverged"), "%s", res.reason);
    cr_assert(isinf(res.fitness) && res.fitness < 0);
    fixture_free(&f);
}

Test(evaluate, fitness_aggregates,
     .description = "mean Sharpe, mean Sortino, mean - sd, worst fold; excess: pooled days minus the benchmark")
{
    evo_fold_result folds[3];
    memset(folds, 0, sizeof folds);
    const double sharpe[3] = {1.0, 2.0, 0.0}, sortino[3] = {1.5, 3.0, -0.5};
    /* Pooled net returns [0.01, -0.01, 0.02 | 0.0 | 0.03, -0.02]: mean 0.005, sum of squared
     * deviations 2.5e-5 + 2.25e-4 + 2.25e-4 + 2.5e-5 + 6.25e-4 + 6.25e-4 = 1.75e-3, sample sd
     * sqrt(1.75e-3 / 5) = 0.0187083..., Sharpe 0.005 / 0.0187083 * sqrt(252) = 4.24264... */
    double r0[3] = {0.01, -0.01, 0.02}, r1[1] = {0.0}, r2[2] = {0.03, -0.02};
    double *r[3] = {r0, r1, r2};
    const int T[3] = {3, 1, 2};
    for (int k = 0; k < 3; k++) {
        folds[k].metrics.sharpe = sharpe[k];
        folds[k].metrics.sortino = sortino[k];
        folds[k].bt.net = r[k];
        folds[k].bt.T = T[k];
    }
    cr_assert_float_eq(evaluate_fitness(FITNESS_MEAN_SHARPE, folds, 3, 9), 1.0, 1e-15);
    cr_assert_float_eq(evaluate_fitness(FITNESS_MEAN_SORTINO, folds, 3, 9), 4.0 / 3, 1e-15);
    cr_assert_float_eq(evaluate_fitness(FITNESS_SHARPE_MEAN_MINUS_SD, folds, 3, 9), 0.0, 1e-15, "sd (n-1) = 1");
    cr_assert_float_eq(evaluate_fitness(FITNESS_WORST_SHARPE, folds, 3, 9), 0.0, 0);
    const double pooled = 0.005 / sqrt(1.75e-3 / 5) * sqrt(252);
    cr_assert(fabs(pooled - 4.24264) < 1e-5, "hand arithmetic: %.6f", pooled);
    cr_assert_float_eq(evaluate_pooled_sharpe(folds, 3), pooled, 1e-12);
    cr_assert_float_eq(evaluate_fitness(FITNESS_EXCESS_SHARPE, folds, 3, 1.5), pooled - 1.5, 1e-12);
}

/* ---------------------------------------------------------------- training and forecasts */

Test(evaluate, training_never_keeps_the_untrained_parameters, .timeout = 120,
     .description = "the kept step is a hold-out check after training began; the untrained loss is reported")
{
    fixture f;
    fixture_make(&f, 0, 0, 17); /* noise: the hold-out rarely improves, the case that used to keep step 0 */
    for (int k = 0; k < MODEL_KIND_COUNT; k++) {
        evo_genome g = genome((evo_model_kind)k, OBJECTIVE_SHARPE);
        g.steps = 200;
        genome_normalise(&g, &f.cfg);
        evo_eval_result res;
        evo_error err = {0};
        cr_assert_eq(evaluate_genome(&res, &f.ctx, &g, 5, 0, &err), EVO_OK, "%s", err.msg);
        for (int j = 0; j < res.n_folds; j++) {
            const model_train_report *t = &res.folds[j].train;
            cr_assert_geq(t->best_step, g.steps / MODEL_CHECKS, "%s fold %d kept step %d",
                          catalog_model_kinds.names[k], j, t->best_step);
            cr_assert_leq(t->best_step, t->steps);
            cr_assert(isfinite(t->initial_loss) && isfinite(t->holdout_loss), "losses reported");
        }
    }
    fixture_free(&f);
}

Test(evaluate, forecast_weights_follow_the_conviction, .description = "softmax(c (f - mean f)) by hand; c = 0 is 1/U")
{
    const float f[3] = {0.01f, 0.0f, -0.01f};
    float w[3];
    model_forecast_weights(w, f, 3, 0);
    for (int u = 0; u < 3; u++)
        cr_assert_float_eq(w[u], 1.0 / 3, 1e-7);
    /* c = 100: z = [1, 0, -1] (f in float: 1e-9 off), softmax = [e, 1, 1/e] / (e + 1 + 1/e) */
    model_forecast_weights(w, f, 3, 100);
    const double e = exp(1.0), sum = e + 1 + 1 / e;
    cr_assert_float_eq(w[0], e / sum, 1e-6);
    cr_assert_float_eq(w[1], 1 / sum, 1e-6);
    cr_assert_float_eq(w[2], 1 / e / sum, 1e-6);
}

Test(evaluate, forecaster_without_skill_does_not_churn, .timeout = 120,
     .description = "on noise the forecast objective's weights stay near equal weight (little turnover)")
{
    fixture f;
    fixture_make(&f, 0, 0, 18);
    f.cfg.backtest.cost_bps = 10; /* training and the backtest pay for trading */
    evo_genome g = genome(MODEL_ASSET, OBJECTIVE_FORECAST);
    evo_eval_result res;
    evo_error err = {0};
    cr_assert_eq(evaluate_genome(&res, &f.ctx, &g, 3, 0, &err), EVO_OK, "%s", err.msg);
    /* Without the hold-out's evidence of skill (an information coefficient of two standard errors;
     * by chance in 2.3% of folds) the conviction is 0: equal weight, whose daily rebalancing of the
     * drift trades ~0.0075 a day here. Before the gate and the one-standard-error rule, this
     * forecaster traded 1.4-1.6 a day on these data. */
    for (int j = 0; j < res.n_folds; j++) {
        cr_assert_eq(res.folds[j].train.conviction, 0.0, "fold %d: conviction %g", j, res.folds[j].train.conviction);
        cr_assert_lt(res.folds[j].metrics.avg_turnover, 0.02, "fold %d trades %.3f a day", j,
                     res.folds[j].metrics.avg_turnover);
    }
    fixture_free(&f);
}

Test(evaluate, one_day_minibatches_fail_cleanly, .timeout = 120,
     .description = "batch 1 has no Sharpe ratio to train on: the candidate fails with a reason")
{
    fixture f;
    fixture_make(&f, 0.3, 0, 19);
    evo_genome g = genome(MODEL_ASSET, OBJECTIVE_SHARPE);
    g.batch = 1;
    evo_eval_result res;
    evo_error err = {0};
    cr_assert_eq(evaluate_genome(&res, &f.ctx, &g, 1, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(res.status, EVAL_FAILED);
    cr_assert(strstr(res.reason, "at least 2 days"), "%s", res.reason);
    fixture_free(&f);
}

Test(evaluate, test_period_ensemble_averages_nets, .timeout = 120,
     .description = "--nets N: the first net is the single net's; the mean of N nets' weights is held")
{
    fixture f;
    fixture_make(&f, 0.4, 0, 20);
    evo_genome g = genome(MODEL_ASSET, OBJECTIVE_SHARPE);
    evo_eval_result one, three, again;
    evo_error err = {0};
    cr_assert_eq(evaluate_test(&one, &f.ctx, &g, 9, 1, 1, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(evaluate_test(&three, &f.ctx, &g, 9, 3, 1, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(evaluate_test(&again, &f.ctx, &g, 9, 3, 1, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(one.status, EVAL_OK);
    cr_assert_eq(three.status, EVAL_OK);
    const evo_fold_result *a = &one.folds[0], *b = &three.folds[0], *c = &again.folds[0];
    cr_assert_eq(a->train.steps, b->train.steps, "the first net trains as the single one");
    cr_assert_eq(a->train.best_step, b->train.best_step);
    cr_assert_gt(b->train.seconds, a->train.seconds, "three nets take longer than one");
    const int T = a->bt.T;
    cr_assert_eq(memcmp(b->bt.weights, c->bt.weights, sizeof(double) * T * A), 0, "deterministic");
    cr_assert_neq(memcmp(a->bt.weights, b->bt.weights, sizeof(double) * T * A), 0, "the ensemble differs");
    /* the first day's weights are the mean of softmax rows: positive, summing to 1 (each row is a float
     * softmax: 1 to ~1e-7) */
    double sum = 0;
    for (int i = 0; i < A; i++) {
        cr_assert_gt(b->bt.weights[i], 0);
        sum += b->bt.weights[i];
    }
    cr_assert_float_eq(sum, 1.0, 1e-6);
    evaluate_result_free(&one);
    evaluate_result_free(&three);
    evaluate_result_free(&again);
    fixture_free(&f);
}

Test(evaluate, criteria_are_fold_means, .description = "evaluate_criteria: fitness as given, each other criterion the mean over folds")
{
    evo_metrics m[2] = {{.sharpe = 1.0, .sortino = 2.0, .ann_return = 0.10, .ann_vol = 0.20, .max_drawdown = 0.05,
                         .avg_turnover = 0.01, .cvar95 = 0.03},
                        {.sharpe = 0.5, .sortino = 1.0, .ann_return = -0.02, .ann_vol = 0.10, .max_drawdown = 0.15,
                         .avg_turnover = 0.03, .cvar95 = 0.01}};
    double c[CRITERION_COUNT];
    evaluate_criteria(c, m, 2, 0.42);
    cr_assert_eq(c[CRITERION_FITNESS], 0.42);
    cr_assert_float_eq(c[CRITERION_SHARPE], 0.75, 1e-15);
    cr_assert_float_eq(c[CRITERION_SORTINO], 1.5, 1e-15);
    cr_assert_float_eq(c[CRITERION_RETURN], 0.04, 1e-15);
    cr_assert_float_eq(c[CRITERION_VOL], 0.15, 1e-15);
    cr_assert_float_eq(c[CRITERION_DRAWDOWN], 0.10, 1e-15);
    cr_assert_float_eq(c[CRITERION_TURNOVER], 0.02, 1e-15);
    cr_assert_float_eq(c[CRITERION_CVAR], 0.02, 1e-15);
    evaluate_criteria(c, m, 0, -INFINITY);
    cr_assert(isnan(c[CRITERION_SHARPE]) && c[CRITERION_FITNESS] == -INFINITY, "no folds (a failed candidate)");
}
