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

/* One training of a fresh net (net seed 3, training seed 9: the same net and minibatches in every
 * run) on the table above; untrained holds the net's parameters before training. */
typedef struct {
    model_data md;
    evo_genome g;
    evo_net *net;
    float *untrained;
    model_train_report rep;
    evo_error err;
    int rc; /* model_train's */
} run;

static void run_train(run *r, evo_genome g, model_train_options opt)
{
    memset(r, 0, sizeof *r);
    make_data(&r->md);
    r->g = g;
    net_spec spec = model_net_spec(&r->g, &r->md, 3);
    cr_assert_eq(net_create(&spec, &r->net, &r->err), EVO_OK, "%s", r->err.msg);
    const size_t n = net_param_count(r->net) * sizeof *r->untrained;
    r->untrained = malloc(n);
    cr_assert_not_null(r->untrained);
    memcpy(r->untrained, net_params(r->net), n);
    r->rc = model_train(r->net, &r->md, &r->g, 0, LAST, &opt, 9, &r->rep, &r->err);
}

static void run_free(run *r)
{
    free(r->untrained);
    net_free(r->net);
    model_data_free(&r->md);
}

static int same_params(const run *a, const run *b)
{
    const size_t n = net_param_count(a->net);
    return n == net_param_count(b->net) && !memcmp(net_params(a->net), net_params(b->net), n * sizeof(float));
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
    run r;
    run_train(&r, genome(0, 1000), options(1000, past_deadline()));
    cr_assert_eq(r.rc, EVO_OK, "%s", r.err.msg);
    cr_assert(r.rep.truncated, "the deadline flags the report");
    cr_assert_not(r.rep.failed, "%s", r.rep.reason);
    cr_assert_eq(r.rep.steps, 1, "one step before the deadline is looked at, then none");
    cr_assert_eq(r.rep.best_step, 1, "the truncated step is checked and kept, not the untrained net");
    cr_assert(isfinite(r.rep.holdout_loss) && isfinite(r.rep.initial_loss));
    cr_assert_neq(memcmp(net_params(r.net), r.untrained, net_param_count(r.net) * sizeof(float)), 0,
                  "the step moved the net");
    run_free(&r);
}

Test(model, no_deadline_runs_every_step,
     .description = "deadline 0 and patience above the checks: all g.steps steps, not truncated")
{
    run r;
    run_train(&r, genome(0, 30), options(1000, 0));
    cr_assert_eq(r.rc, EVO_OK, "%s", r.err.msg);
    cr_assert_eq(r.rep.steps, 30);
    cr_assert_not(r.rep.truncated);
    cr_assert_not(r.rep.failed, "%s", r.rep.reason);
    run_free(&r);
}

/* With 30 steps the hold-out is checked after every step (steps / MODEL_CHECKS < 1), and by the
 * construction above the first check is the best: both the early-stopped run and the run through all
 * 30 steps must end with exactly the parameters after step 1, which a run cut by a passed deadline
 * after step 1 gives. */
Test(model, early_stopping_keeps_the_best_holdout_step,
     .description = "hold-out loss rising: stops after `patience` checks, best_step < steps, best step's bits kept")
{
    run one, early, full;
    run_train(&one, genome(0, 30), options(1000, past_deadline()));
    run_train(&early, genome(0, 30), options(3, 0));
    run_train(&full, genome(0, 30), options(1000, 0));
    cr_assert(one.rc == EVO_OK && early.rc == EVO_OK && full.rc == EVO_OK);
    cr_assert_eq(one.rep.steps, 1);
    cr_assert_eq(early.rep.steps, 1 + 3, "the first check, then 3 without improvement");
    cr_assert_eq(early.rep.best_step, 1);
    cr_assert_lt(early.rep.best_step, early.rep.steps);
    cr_assert_not(early.rep.truncated);
    cr_assert(isfinite(early.rep.holdout_loss) && isfinite(early.rep.train_loss));
    cr_assert_eq(full.rep.steps, 30);
    cr_assert_eq(full.rep.best_step, 1, "the hold-out loss rose at every later check");
    /* the same net, minibatches and step 1 in all three runs: equal bits, no tolerance */
    cr_assert(same_params(&early, &one), "early stopping restored step 1's parameters");
    cr_assert(same_params(&full, &one), "the full run restored step 1's parameters");
    cr_assert_eq(early.rep.holdout_loss, one.rep.holdout_loss, "%.9g vs %.9g", early.rep.holdout_loss,
                 one.rep.holdout_loss);
    cr_assert_eq(full.rep.holdout_loss, one.rep.holdout_loss);
    run_free(&one);
    run_free(&early);
    run_free(&full);
}

/* An LSTM trains its linear part alone for the first MODEL_LINEAR_SHARE of the steps (model.h), and
 * early stopping waits for the whole net: the hold-out rising from the first check does not stop it
 * before the LSTM has trained. */
Test(model, early_stopping_waits_for_the_lstm_phase,
     .description = "one LSTM layer, hold-out rising from the start: training goes past the linear-only steps")
{
    run r;
    run_train(&r, genome(1, 30), options(2, 0));
    cr_assert_eq(r.rc, EVO_OK, "%s", r.err.msg);
    cr_assert_not(r.rep.failed, "%s", r.rep.reason);
    const int linear_steps = (int)(MODEL_LINEAR_SHARE * r.g.steps);
    cr_assert_gt(r.rep.steps, linear_steps, "stopped at step %d, inside the %d linear-only steps", r.rep.steps,
                 linear_steps);
    cr_assert_geq(r.rep.best_step, 1);
    cr_assert_leq(r.rep.best_step, r.rep.steps);
    run_free(&r);
}

/* AdamW's decoupled decay multiplies every parameter by 1 - lr * wd = -9 a step: they overflow within
 * a few dozen steps. Divergence is a result, not an error (model.h). */
Test(model, diverging_learning_rate_is_reported_as_failed,
     .description = "lr 10, decay 1: status 0, failed with 'diverged: ... at step n', training stopped there")
{
    evo_genome g = genome(0, 1000);
    g.lr = 10;
    g.weight_decay = 1;
    run r;
    run_train(&r, g, options(1000, 0));
    cr_assert_eq(r.rc, EVO_OK, "divergence is not an error: %s", r.err.msg);
    cr_assert(r.rep.failed, "diverged without being flagged (steps %d, hold-out loss %g)", r.rep.steps,
              r.rep.holdout_loss);
    cr_assert_eq(strncmp(r.rep.reason, "diverged: ", 10), 0, "%s", r.rep.reason);
    char at[32];
    snprintf(at, sizeof at, "at step %d", r.rep.steps);
    cr_assert(strstr(r.rep.reason, at), "'%s' names the step it stopped at (%d)", r.rep.reason, r.rep.steps);
    cr_assert_lt(r.rep.steps, g.steps, "training stopped at the divergence");
    cr_assert_not(r.rep.truncated);
    run_free(&r);
}

Test(model, refuses_one_day_minibatches_and_too_few_days,
     .description = "batch 1, or a hold-out leaving under 2 fitted days: EVO_ERR_USAGE with a hint")
{
    evo_genome g = genome(0, 30);
    g.batch = 1;
    run r;
    run_train(&r, g, options(3, 0));
    cr_assert_eq(r.rc, EVO_ERR_USAGE);
    cr_assert(strstr(r.err.msg, "search.batch"), "%s", r.err.msg);
    run_free(&r);
    model_train_options opt = options(3, 0);
    opt.val_fraction = 0.995; /* 397 of the 399 days held out, 2 left... */
    opt.embargo = 1;          /* ... less one embargoed: 1 fitted day */
    run_train(&r, genome(0, 30), opt);
    cr_assert_eq(r.rc, EVO_ERR_USAGE);
    cr_assert(strstr(r.err.msg, "decision days to train on"), "%s", r.err.msg);
    run_free(&r);
}

/* The autoencoder on six assets in two groups: within a group every asset reads the same feature
 * series (group 1's is group 0's negated, then scaled by 3), so equal inputs give equal embeddings and
 * Ward's first merges are within the groups: cut into 2 clusters they are the groups. Returns are
 * a group's common noise plus a drift that grows with the asset's index in the group, so the
 * trailing Sharpe ratio picks the last of each: weights 0, 0, 1/2, 0, 0, 1/2 on every day. Training
 * cuts the reconstruction error below the untrained net's. Both encoders. */
Test(model, autoencoder_holds_the_best_asset_of_each_cluster,
     .description = "embeddings cluster the two groups; each group's best trailing Sharpe held at 1/K")
{
    enum { U = 6, T = 5, AD = 300 };
    for (int arch = 0; arch < ARCH_COUNT; arch++) {
        model_data md = {.kind = MODEL_AUTOENCODER, .D = AD, .U = U, .W = 1, .first_day = 0, .clusters = 2,
                         .window = 60};
        md.inputs = calloc((size_t)AD * U, sizeof *md.inputs);
        md.targets = calloc((size_t)AD * U, sizeof *md.targets);
        cr_assert(md.inputs && md.targets);
        evo_rng rng;
        rng_seed(&rng, 17);
        for (int d = 0; d < AD; d++) {
            const double x = rng_normal(&rng), noise[2] = {0.01 * rng_normal(&rng), 0.01 * rng_normal(&rng)};
            for (int u = 0; u < U; u++) {
                md.inputs[(size_t)d * U + u] = (float)(u < 3 ? x : -3 * x);
                md.targets[(size_t)d * U + u] = (float)(noise[u / 3] + 0.001 * (u % 3) + 0.0005 * rng_normal(&rng));
            }
        }
        evo_genome g = {.model = MODEL_AUTOENCODER, .arch = (evo_arch)arch, .layers = 1, .hidden = 8, .d_model = 8,
                        .heads = 2, .ff = 16, .seq_len = T, .lr = 0.01, .batch = 16, .steps = 200, .rebalance = 1};
        if (arch == ARCH_ATTENTION)
            g.hidden = 0;
        net_spec spec = model_net_spec(&g, &md, 3);
        cr_assert_eq(spec.n_out, T, "it reconstructs the T x W window");
        evo_net *net;
        evo_error err = {0};
        cr_assert_eq(net_create(&spec, &net, &err), EVO_OK, "%s", err.msg);
        model_train_report rep;
        model_train_options opt = options(20, 0);
        opt.val_fraction = 0.2;
        cr_assert_eq(model_train(net, &md, &g, 0, 199, &opt, 9, &rep, &err), EVO_OK, "%s", err.msg);
        cr_assert(!rep.failed, "%s", rep.reason);
        cr_assert_lt(rep.holdout_loss, 0.5 * rep.initial_loss, "%s: reconstruction MSE %g from %g",
                     catalog_architectures.names[arch], rep.holdout_loss, rep.initial_loss);
        int days[40];
        double w[40 * U];
        for (int i = 0; i < 40; i++)
            days[i] = 220 + i;
        cr_assert_eq(model_predict(w, NULL, net, &md, &g, &rep, days, 40, &err), EVO_OK, "%s", err.msg);
        for (int i = 0; i < 40; i++)
            for (int u = 0; u < U; u++)
                cr_assert_float_eq(w[i * U + u], u % 3 == 2 ? 0.5 : 0.0, 1e-12, "%s day %d asset %d: %g",
                                   catalog_architectures.names[arch], days[i], u, w[i * U + u]);
        net_free(net);
        model_data_free(&md);
    }
}
