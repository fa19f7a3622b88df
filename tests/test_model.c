/* Tests of model (src/model.c) without evaluate: early stopping on the hold-out, the training
 * deadline, divergence, and the refusals, on a one-unit input table made here. Shapes: D days, U = 1
 * unit, W = 1 value a day, T = seq_len 1.
 *
 * The table: x_d ~ N(0, 1) and the target of decision day d (day d+1's return) is K x_d on the fitted
 * days and -K x_d on the hold-out. A linear forecaster y = w x + b trained by MSE moves w up towards K
 * at about lr a step (AdamW's steps are lr in size while the gradient keeps its sign), so the hold-out
 * loss (w + K)^2 E[x^2] + b^2 rises at every step: with |w| below Xavier's bound sqrt(6 / 2) = 1.73 at
 * the start and K = 5, a step adds ~2 (w + K) lr ~ 0.07 from w and at most 2 |b| lr + lr^2 < 0.01
 * from b over 30 steps, so the best hold-out check is the first. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/catalog.h"
#include "evofolio/error.h"
#include "evofolio/genome.h"
#include "evofolio/model.h"
#include "evofolio/net.h"
#include "evofolio/rng.h"

enum { D = 400, LAST = D - 2, N_HOLD = 100 }; /* decision days 0..LAST; the last has day D-1's target */
#define K 5.0
#define VAL_FRACTION ((double)N_HOLD / (LAST + 1))

static void make_data(model_data *md)
{
    *md = (model_data){.kind = MODEL_LINEAR, .D = D, .U = 1, .W = 1, .first_day = 0};
    md->inputs = calloc(D, sizeof *md->inputs);
    md->targets = calloc(D, sizeof *md->targets);
    cr_assert(md->inputs && md->targets);
    evo_rng rng;
    rng_seed(&rng, 42);
    for (int d = 0; d < D; d++)
        md->inputs[d] = (float)rng_normal(&rng);
    for (int d = 0; d <= LAST; d++) /* hold-out decision days: the last N_HOLD (model.h) */
        md->targets[d + 1] = (float)((d > LAST - N_HOLD ? -K : K) * md->inputs[d]);
}

static evo_genome genome(int layers, int steps)
{
    return (evo_genome){.model = MODEL_LINEAR, .objective = OBJECTIVE_FORECAST, .layers = layers,
                        .hidden = 4, .seq_len = 1, .lr = 0.01, .weight_decay = 0, .dropout = 0,
                        .batch = 16, .steps = steps, .rebalance = 1};
}

static model_train_options options(int patience, double deadline)
{
    return (model_train_options){.patience = patience, .val_fraction = VAL_FRACTION, .embargo = 0,
                                 .clip_norm = 0, .risk_aversion = 0, .cost = 0, .deadline = deadline};
}

/* Train a fresh net (net seed 3, training seed 9: the same net and minibatches in every call). The
 * caller frees *net. */
static int train(evo_net **net, const model_data *md, const evo_genome *g, const model_train_options *opt,
                 model_train_report *rep, evo_error *err)
{
    net_spec spec = model_net_spec(g, md, 3);
    cr_assert_eq(net_create(&spec, net, err), EVO_OK, "%s", err->msg);
    return model_train(*net, md, g, 0, LAST, opt, 9, rep, err);
}

/* A deadline the clock passed long ago: training stops after its first step (a deadline of 0 means
 * none). */
static double past_deadline(void)
{
    cr_assert_gt(model_now(), 2.0, "the monotonic clock has run for more than 2 s");
    return model_now() - 1;
}

Test(model, deadline_in_the_past_truncates_after_one_step,
     .description = "train.max_seconds already spent: one step, truncated, its hold-out checked and kept")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(0, 1000);
    model_train_options opt = options(1000, past_deadline());
    model_train_report rep;
    evo_error err = {0};
    evo_net *net = NULL;
    net_spec spec = model_net_spec(&g, &md, 3);
    cr_assert_eq(net_create(&spec, &net, &err), EVO_OK, "%s", err.msg);
    const size_t n = net_param_count(net);
    float *untrained = malloc(n * sizeof *untrained);
    memcpy(untrained, net_params(net), n * sizeof *untrained);
    cr_assert_eq(model_train(net, &md, &g, 0, LAST, &opt, 9, &rep, &err), EVO_OK, "%s", err.msg);
    cr_assert(rep.truncated, "the deadline flags the report");
    cr_assert_not(rep.failed, "%s", rep.reason);
    cr_assert_eq(rep.steps, 1, "one step before the deadline is looked at, then none");
    cr_assert_eq(rep.best_step, 1, "the truncated step is checked and kept, not the untrained net");
    cr_assert(isfinite(rep.holdout_loss) && isfinite(rep.initial_loss));
    cr_assert_neq(memcmp(net_params(net), untrained, n * sizeof *untrained), 0, "the step moved the net");
    free(untrained);
    net_free(net);
    model_data_free(&md);
}

Test(model, no_deadline_runs_every_step,
     .description = "deadline 0 and patience above the checks: all g.steps steps, not truncated")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(0, 30);
    model_train_options opt = options(1000, 0);
    model_train_report rep;
    evo_error err = {0};
    evo_net *net = NULL;
    cr_assert_eq(train(&net, &md, &g, &opt, &rep, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(rep.steps, 30);
    cr_assert_not(rep.truncated);
    cr_assert_not(rep.failed, "%s", rep.reason);
    net_free(net);
    model_data_free(&md);
}

/* With 30 steps the hold-out is checked after every step (steps / MODEL_CHECKS < 1), and by the
 * construction above the first check is the best: both the early-stopped run and the run through all
 * 30 steps must end with exactly the parameters after step 1, which a run cut by a passed deadline
 * after step 1 gives. */
Test(model, early_stopping_keeps_the_best_holdout_step,
     .description = "hold-out loss rising: stops after `patience` checks, best_step < steps, best step's bits kept")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(0, 30);
    evo_error err = {0};
    model_train_report one, early, full;
    evo_net *net_one = NULL, *net_early = NULL, *net_full = NULL;
    model_train_options opt = options(1000, past_deadline());
    cr_assert_eq(train(&net_one, &md, &g, &opt, &one, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(one.steps, 1);
    opt = options(3, 0);
    cr_assert_eq(train(&net_early, &md, &g, &opt, &early, &err), EVO_OK, "%s", err.msg);
    opt = options(1000, 0);
    cr_assert_eq(train(&net_full, &md, &g, &opt, &full, &err), EVO_OK, "%s", err.msg);

    cr_assert_eq(early.steps, 1 + 3, "the first check, then 3 without improvement");
    cr_assert_eq(early.best_step, 1);
    cr_assert_lt(early.best_step, early.steps);
    cr_assert_not(early.truncated);
    cr_assert_eq(full.steps, 30);
    cr_assert_eq(full.best_step, 1, "the hold-out loss rose at every later check");
    cr_assert(isfinite(early.holdout_loss) && isfinite(early.train_loss));
    /* the same net, minibatches and step 1 in all three runs: equal bits, no tolerance */
    const size_t n = net_param_count(net_one);
    cr_assert_eq(memcmp(net_params(net_early), net_params(net_one), n * sizeof(float)), 0,
                 "early stopping restored step 1's parameters");
    cr_assert_eq(memcmp(net_params(net_full), net_params(net_one), n * sizeof(float)), 0,
                 "the full run restored step 1's parameters");
    cr_assert_eq(early.holdout_loss, one.holdout_loss, "%.9g vs %.9g", early.holdout_loss, one.holdout_loss);
    cr_assert_eq(full.holdout_loss, one.holdout_loss);
    net_free(net_one);
    net_free(net_early);
    net_free(net_full);
    model_data_free(&md);
}

/* An LSTM trains its linear part alone for the first MODEL_LINEAR_SHARE of the steps (model.h), and
 * early stopping waits for the whole net: the hold-out rising from the first check does not stop it
 * before the LSTM has trained. */
Test(model, early_stopping_waits_for_the_lstm_phase,
     .description = "one LSTM layer, hold-out rising from the start: training goes past the linear-only steps")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(1, 30);
    model_train_options opt = options(2, 0);
    model_train_report rep;
    evo_error err = {0};
    evo_net *net = NULL;
    cr_assert_eq(train(&net, &md, &g, &opt, &rep, &err), EVO_OK, "%s", err.msg);
    cr_assert_not(rep.failed, "%s", rep.reason);
    const int linear_steps = (int)(MODEL_LINEAR_SHARE * g.steps);
    cr_assert_gt(rep.steps, linear_steps, "stopped at step %d, inside the %d linear-only steps", rep.steps,
                 linear_steps);
    cr_assert_geq(rep.best_step, 1);
    cr_assert_leq(rep.best_step, rep.steps);
    net_free(net);
    model_data_free(&md);
}

/* AdamW's decoupled decay multiplies every parameter by 1 - lr * wd = -9 a step: they overflow within
 * a few dozen steps. Divergence is a result, not an error (model.h). */
Test(model, diverging_learning_rate_is_reported_as_failed,
     .description = "lr 10, decay 1: status 0, failed with 'diverged: ... at step n', training stopped there")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(0, 1000);
    g.lr = 10;
    g.weight_decay = 1;
    model_train_options opt = options(1000, 0);
    model_train_report rep;
    evo_error err = {0};
    evo_net *net = NULL;
    cr_assert_eq(train(&net, &md, &g, &opt, &rep, &err), EVO_OK, "divergence is not an error: %s", err.msg);
    cr_assert(rep.failed, "diverged without being flagged (steps %d, hold-out loss %g)", rep.steps,
              rep.holdout_loss);
    cr_assert_eq(strncmp(rep.reason, "diverged: ", 10), 0, "%s", rep.reason);
    char at[32];
    snprintf(at, sizeof at, "at step %d", rep.steps);
    cr_assert(strstr(rep.reason, at), "'%s' names the step it stopped at (%d)", rep.reason, rep.steps);
    cr_assert_lt(rep.steps, g.steps, "training stopped at the divergence");
    cr_assert_not(rep.truncated);
    net_free(net);
    model_data_free(&md);
}

Test(model, refuses_one_day_minibatches_and_too_few_days,
     .description = "batch 1, or a hold-out leaving under 2 fitted days: EVO_ERR_USAGE with a hint")
{
    model_data md;
    make_data(&md);
    evo_genome g = genome(0, 30);
    model_train_options opt = options(3, 0);
    model_train_report rep;
    evo_error err = {0};
    evo_net *net = NULL;
    net_spec spec = model_net_spec(&g, &md, 3);
    cr_assert_eq(net_create(&spec, &net, &err), EVO_OK, "%s", err.msg);
    g.batch = 1;
    cr_assert_eq(model_train(net, &md, &g, 0, LAST, &opt, 9, &rep, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "search.batch"), "%s", err.msg);
    g.batch = 16;
    err = (evo_error){0};
    opt.val_fraction = 0.995; /* 397 of the 399 days held out, 2 left... */
    opt.embargo = 1;          /* ... less one embargoed: 1 fitted day */
    cr_assert_eq(model_train(net, &md, &g, 0, LAST, &opt, 9, &rep, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "decision days to train on"), "%s", err.msg);
    net_free(net);
    model_data_free(&md);
}
