/* search: the master loop. Shapes: P = ga.population, K = champions. */
#include "evofolio/search.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evofolio/archive.h"
#include "evofolio/asha.h"
#include "evofolio/blas_plan.h"
#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/farm.h"
#include "evofolio/folds.h"
#include "evofolio/ga.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/rng.h"
#include "evofolio/strategies.h"
#include "evofolio/version.h"

enum { HOF_MAX = SEARCH_FINALISTS_MAX - 1 }; /* best distinct candidates kept for the champions */
#define SEARCH_PROGRESS_SECONDS 5.0 /* steady mode: a progress line at least this often */
#define HEARTBEAT_SECONDS 30.0      /* how often the master renews its claim on the run while it waits */

/* A candidate in the hall of fame, with the moments of its validation returns for the DSR. */
typedef struct {
    ga_individual ind;
    double sr, skew, kurt;
    int n_val;
} hof_entry;

/* A stored evaluation, as loaded on resume. */
typedef struct {
    int64_t id;
    double fitness;
    int64_t cache_of;
    ga_individual ind; /* a multi-fidelity run's rung in ind.rung, its budget in ind.key (rung_key) */
    int64_t promoted_from; /* a multi-fidelity run: the evaluation of the rung below it went up from */
} stored_row;

/* A task in flight: what its result will answer. */
typedef struct {
    int64_t id;  /* the task's evaluation id and replica */
    int replica;
    int of;      /* the submitter's index for it (a batch item, a steady slot); -1: a free entry */
} flight_entry;

typedef struct {
    const search_setup *s;
    const search_options *opt;
    const volatile sig_atomic_t *sig;
    const evo_config *cfg;
    char host[64];
    int64_t run;
    blas_plan blas;       /* the kernels every task is computed with (blas_plan.h): the run's own */
    char blas_how[256];   /* where that plan came from, in words */
    int claimed;          /* this master holds the run's writer claim (archive.h) */
    double last_heartbeat;
    flight_entry *flight; /* [W] the tasks in flight */
    double grace_end;     /* when the grace period after a stop ends; 0 before a stop */
    evo_rng rng;
    int64_t next_id;
    int generation;
    ga_population pop;
    ga_cache cache;
    hof_entry hof[HOF_MAX];
    int n_hof;
    double (*criteria)[CRITERION_COUNT]; /* ga.objectives: each evaluation's criteria, by id */
    int64_t n_criteria;                  /* ids 0 .. n_criteria - 1 have room */
    stored_row *stored; /* resume: every stored evaluation by id */
    size_t n_stored;
    asha_ladder ladder;     /* steady multi-fidelity runs: every rung's results (asha.h) */
    ga_individual *climbers; /* ... and the candidates on it, by the entries' ref, each keyed whole */
    int64_t n_climbers, cap_climbers;
    long evaluations, cache_hits, failures; /* of the whole run */
    double best;
    int stale;
    double t0, gen_t0, gen_busy0;
    long gen_evals, gen_hits, gen_fails;
    double last_progress; /* when a progress line was last printed */
} search_state;

static double elapsed(const search_state *st) { return farm_clock() - st->t0; }

/* ---------------------------------------------------------------- bookkeeping */

/* Keep the best distinct successful candidates, best first. r (may be NULL on resume) gives the
 * moments of the validation returns for the deflated Sharpe ratio. */
static void hof_add(search_state *st, const ga_individual *ind, const farm_result *r)
{
    if (!isfinite(ind->fitness))
        return;
    double sr = NAN, skew = NAN, kurt = NAN;
    if (r && r->res.n_val)
        metrics_moments(r->res.val_returns, r->res.n_val, &sr, &skew, &kurt);
    int at = st->n_hof < HOF_MAX ? st->n_hof : HOF_MAX - 1;
    if (st->n_hof == HOF_MAX && ind->fitness <= st->hof[at].ind.fitness)
        return;
    while (at > 0 && st->hof[at - 1].ind.fitness < ind->fitness) {
        st->hof[at] = st->hof[at - 1];
        at--;
    }
    st->hof[at] = (hof_entry){*ind, sr, skew, kurt, r ? r->res.n_val : 0};
    if (st->n_hof < HOF_MAX)
        st->n_hof++;
}

static int state_of(const search_state *st, archive_state *out, int64_t *ids)
{
    for (int i = 0; i < st->pop.size; i++)
        ids[i] = st->pop.members[i].id;
    *out = (archive_state){st->generation, st->rng, st->next_id, st->pop.size, ids};
    return 0;
}

/* ---------------------------------------------------------------- objectives (ga.objectives) */

/* Room for evaluation id's criteria; NaN until set. */
static double *criteria_slot(search_state *st, int64_t id, evo_error *err)
{
    if (id >= st->n_criteria) {
        int64_t n = id + 1 > 2 * st->n_criteria ? id + 1 : 2 * st->n_criteria;
        double(*grown)[CRITERION_COUNT] = realloc(st->criteria, sizeof *grown * (size_t)n);
        if (!grown) {
            evo_fail(err, EVO_ERR_NOMEM, "out of memory for the objectives of %lld evaluations", (long long)n);
            return NULL;
        }
        for (int64_t i = st->n_criteria; i < n; i++)
            for (int c = 0; c < CRITERION_COUNT; c++)
                grown[i][c] = NAN;
        st->criteria = grown;
        st->n_criteria = n;
    }
    return st->criteria[id];
}

/* ind->obj from ind->fitness and the criteria of the evaluation that scored it: its own result r, or
 * evaluation cache_of's (a cache hit or a resumed row); ga.objectives in catalogue order, minimised ones
 * negated, all -inf when it failed. Nothing to do for one objective. */
static int set_objectives(search_state *st, ga_individual *ind, const farm_result *r, int64_t cache_of,
                          evo_error *err)
{
    if (!st->pop.objectives)
        return EVO_OK;
    double *crit = criteria_slot(st, r ? ind->id : cache_of, err);
    if (!crit)
        return EVO_ERR_NOMEM;
    if (r) {
        evo_metrics m[FOLDS_MAX];
        const int n = r->res.status == EVAL_OK ? r->res.n_folds : 0;
        for (int k = 0; k < n; k++)
            m[k] = r->res.folds[k].metrics;
        evaluate_criteria(crit, m, n, ind->fitness);
    }
    const int m = evaluate_objectives(ind->obj, crit, st->cfg->ga.objectives);
    for (int k = 0; k < m && !isfinite(ind->fitness); k++)
        ind->obj[k] = -INFINITY;
    return EVO_OK;
}

/* Store one evaluation (r NULL: a cache hit of cache_of; rung: its rung in a multi-fidelity run) and
 * update the cache and statistics. */
static int store(search_state *st, ga_individual *ind, uint64_t seed, const farm_result *r, int64_t cache_of,
                 const archive_rung *rung, int with_state, evo_error *err)
{
    if (r)
        ind->fitness = r->res.status == EVAL_OK ? r->res.fitness : -INFINITY;
    int orc = set_objectives(st, ind, r, cache_of, err);
    if (orc)
        return orc;
    /* 1-based: the generation the candidate belongs to (steady mode: every P evaluations) */
    const int generation = (st->cfg->ga.mode == GA_STEADY ? (int)(st->evaluations / st->cfg->ga.population)
                                                          : st->generation) + 1;
    archive_eval e = {.run = st->run, .id = ind->id, .generation = generation, .ind = ind, .seed = seed,
                      .dates = st->s->panel->dates,
                      .res = r ? &r->res : NULL, .cache_of = cache_of, .rank = r ? r->rank : 0,
                      .host = r ? r->host : st->host, .started = r ? r->started : farm_clock(),
                      .finished = r ? r->finished : farm_clock(), .val_returns = r ? r->res.val_returns : NULL,
                      .n_val = r ? r->res.n_val : 0, .rung = rung};
    int64_t ids[st->pop.size + 1];
    archive_state state;
    state_of(st, &state, ids);
    int rc = archive_put_evaluation(st->s->archive, &e, with_state ? &state : NULL, err);
    if (rc)
        return rc;
    st->evaluations++;
    st->gen_evals++;
    if (!r) {
        st->cache_hits++;
        st->gen_hits++;
        return EVO_OK;
    }
    if (!isfinite(ind->fitness)) {
        st->failures++;
        st->gen_fails++;
    }
    if (!rung || rung->rung == st->cfg->ga.rungs - 1) /* finalists come from the full budget only */
        hof_add(st, ind, r);
    return ga_cache_put(&st->cache, ind->key, ind->id, ind->fitness, err);
}

static const stored_row *find_stored(const search_state *st, int64_t id)
{
    size_t lo = 0, hi = st->n_stored;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (st->stored[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->n_stored && st->stored[lo].id == id ? &st->stored[lo] : NULL;
}

/* ---------------------------------------------------------------- progress */

static void progress(search_state *st, const char *what)
{
    if (st->opt->quiet)
        return;
    ga_stats gs;
    ga_population_stats(&st->pop, &gs);
    double t = elapsed(st), rate = t > 0 ? 60 * st->evaluations / t : 0;
    double util = farm_busy_seconds(st->s->farm) / (farm_workers(st->s->farm) * (t > 0 ? t : 1));
    char eta[32] = "-";
    int total = st->cfg->ga.generations;
    if (st->generation > 0 && st->generation < total) {
        double left = t / st->generation * (total - st->generation);
        snprintf(eta, sizeof eta, "%02d:%02d:%02d", (int)left / 3600, (int)left / 60 % 60, (int)left % 60);
    }
    int tty = isatty(STDERR_FILENO);
    st->last_progress = farm_clock();
    fprintf(stderr, "%s%s gen %d/%d  evals %ld  best %.4f  mean %.4f  cache %ld  failed %ld  %.1f evals/min  "
                    "workers %.0f%% busy  ETA %s%s", tty ? "\r\033[K" : "", what, st->generation, total,
            st->evaluations, gs.best, gs.mean, st->cache_hits, st->failures, rate, 100 * util, eta,
            tty ? "" : "\n");
    fflush(stderr);
}

/* ---------------------------------------------------------------- evaluating a batch */

typedef enum {
    BATCH_SEARCH,  /* candidates of the search: stored as evaluations */
    BATCH_CONFIRM, /* candidates retrained with fresh seeds: stored as confirmations */
    BATCH_TEST     /* champions on the held-out test period */
} batch_kind;

typedef struct {
    ga_individual *ind;
    uint64_t seed;
    int replica;      /* BATCH_CONFIRM: 1, 2, ... */
    int dup_of;       /* index of an earlier child with the same key, or -1 */
    int done;
    int ok;           /* confirm and test batches: evaluated successfully */
    double fitness;   /* confirm batches: the fresh seed's fitness */
    evo_metrics test; /* test batches: the metrics on the test period */
    int rank;         /* test batches: the rank stored with the result; 0: its place in the batch + 1 */
    const archive_rung *rung; /* search batches of a multi-fidelity run: the item's rung */
} batch_item;

/* Seconds to wait for in-flight results now: until the next heartbeat, or what is left of the grace
 * period once a stop was asked for. The run is marked stopped as soon as the stop is seen: under
 * mpirun, Ctrl-C kills the ranks a second after it asks them to stop. */
static double wait_budget(search_state *st)
{
    if (*st->sig == 0)
        return fmax(HEARTBEAT_SECONDS - (farm_clock() - st->last_heartbeat), 1e-3);
    if (st->grace_end == 0) {
        evo_error ignore = {0};
        st->grace_end = farm_clock() + st->cfg->ga.grace_seconds;
        archive_run_set_status(st->s->archive, st->run, RUN_STOPPED, &ignore);
    }
    double left = st->grace_end - farm_clock();
    return left > 0 ? left : -1;
}

/* Renew the claim on the run when it is due. */
static int heartbeat(search_state *st, evo_error *err)
{
    if (farm_clock() - st->last_heartbeat < HEARTBEAT_SECONDS)
        return EVO_OK;
    st->last_heartbeat = farm_clock();
    return archive_heartbeat(st->s->archive, st->run, err);
}

/* Hand the task to an idle worker (farm_idle > 0); its result will answer `of` (see collect). */
static int submit(search_state *st, const farm_task *task, int of, evo_error *err)
{
    const int W = farm_workers(st->s->farm);
    int e = 0;
    while (e < W && st->flight[e].of >= 0)
        e++;
    if (e == W)
        return evo_fail(err, EVO_ERR_INTERNAL, "evaluation %lld was handed out with every worker busy",
                        (long long)task->id);
    farm_task t = *task;
    t.blas = st->blas; /* every rank computes alike: 1 and N ranks, and a resume, give the same archive */
    int rc = farm_submit(st->s->farm, &t, err);
    if (!rc)
        st->flight[e] = (flight_entry){task->id, task->replica, of};
    return rc;
}

/* The next result of a task in flight: renew the claim when due, then wait until the next heartbeat
 * or, once a stop was asked for, for what is left of the grace period. Returns 1 with *r filled (the
 * caller frees it) and *of the index its task was submitted with, 0 when the wait ended without a
 * result (wait again), EVO_STOPPED when the grace period is over or a second signal came (results
 * still in flight are abandoned), or an evo_err. */
static int collect(search_state *st, farm_result *r, int *of, evo_error *err)
{
    int rc = heartbeat(st, err);
    if (rc)
        return rc;
    double budget = wait_budget(st);
    if (budget < 0 || *st->sig >= 2)
        return EVO_STOPPED;
    int got = farm_wait(st->s->farm, r, st->grace_end > 0 ? NULL : st->sig, budget, err);
    if (got <= 0)
        return got;
    for (int e = 0; e < farm_workers(st->s->farm); e++) {
        flight_entry *f = &st->flight[e];
        if (f->of >= 0 && f->id == r->id && f->replica == r->replica) {
            *of = f->of;
            f->of = -1;
            return 1;
        }
    }
    const long long id = (long long)r->id;
    farm_result_free(r);
    return evo_fail(err, EVO_ERR_INTERNAL, "a result for evaluation %lld that was not asked for", id);
}

static int store_duplicates(search_state *st, batch_item *items, int n, int of, evo_error *err)
{
    for (int j = 0; j < n; j++)
        if (items[j].dup_of == of && !items[j].done) {
            items[j].ind->fitness = items[of].ind->fitness;
            int rc = store(st, items[j].ind, items[j].seed, NULL, items[of].ind->id, items[j].rung, 0, err);
            if (rc)
                return rc;
            items[j].done = 1;
        }
    return EVO_OK;
}

/* Items stored before an interruption are taken as they are; in a search batch cached keys become
 * cache hits and duplicates within the batch wait for their first copy. */
static int take_stored(search_state *st, batch_item *items, int n, batch_kind kind, evo_error *err)
{
    for (int i = 0; i < n; i++) {
        batch_item *it = &items[i];
        it->dup_of = -1;
        if (kind == BATCH_CONFIRM) {
            archive_confirmation c;
            int found = archive_get_confirmation(st->s->archive, st->run, it->ind->id, it->replica, &c, err);
            if (found < 0)
                return found;
            if (found)
                *it = (batch_item){it->ind, it->seed, it->replica, -1, 1, c.status == EVAL_OK, c.fitness, {0}, 0, NULL};
            continue;
        }
        if (kind == BATCH_TEST)
            continue;
        const stored_row *row = find_stored(st, it->ind->id);
        int64_t id;
        double fit;
        if (row) {
            it->ind->fitness = row->fitness;
            memcpy(it->ind->obj, row->ind.obj, sizeof it->ind->obj);
            it->done = 1;
        } else if (ga_cache_get(&st->cache, it->ind->key, &id, &fit)) {
            it->ind->fitness = fit;
            int rc = store(st, it->ind, it->seed, NULL, id, it->rung, 0, err);
            if (rc)
                return rc;
            it->done = 1;
        } else {
            for (int j = 0; j < i && it->dup_of < 0; j++)
                if (!items[j].done && items[j].dup_of < 0 && !strcmp(items[j].ind->key, it->ind->key))
                    it->dup_of = j;
        }
    }
    return EVO_OK;
}

/* Record the result of items[i]. */
static int take_result(search_state *st, batch_item *items, int n, int i, batch_kind kind, farm_result *r,
                       evo_error *err)
{
    batch_item *it = &items[i];
    it->ok = r->res.status == EVAL_OK;
    if (kind == BATCH_TEST) {
        it->test = r->res.folds[0].metrics;
        return archive_put_test_result(st->s->archive, st->run, r->id, it->rank ? it->rank : i + 1, &r->res.folds[0],
                                       st->s->panel->dates + st->s->ctx->split.test.first, err);
    }
    if (kind == BATCH_CONFIRM) {
        it->fitness = it->ok ? r->res.fitness : -INFINITY;
        archive_confirmation c = {r->id, it->replica, it->seed, r->res.status, it->fitness, r->res.val_sharpe};
        return archive_put_confirmation(st->s->archive, st->run, &c, err);
    }
    int rc = store(st, it->ind, it->seed, r, 0, it->rung, st->cfg->ga.mode == GA_STEADY, err);
    return rc ? rc : store_duplicates(st, items, n, i, err);
}

/* Evaluate items (see take_stored) on the workers. Returns 0, EVO_STOPPED when a signal ended it
 * early, or an evo_err. */
static int evaluate_batch(search_state *st, batch_item *items, int n, batch_kind kind, evo_error *err)
{
    int next = 0, rc = take_stored(st, items, n, kind, err);
    while (!rc) {
        while (!*st->sig && farm_idle(st->s->farm) > 0 && next < n) {
            const int i = next++;
            if (items[i].done || items[i].dup_of >= 0)
                continue;
            farm_task task = {.id = items[i].ind->id, .seed = items[i].seed, .test = kind == BATCH_TEST,
                              .replica = items[i].replica, .genome = items[i].ind->genome,
                              .steps = items[i].rung ? items[i].rung->steps : 0};
            if ((rc = submit(st, &task, i, err)))
                return rc;
        }
        if (farm_in_flight(st->s->farm) == 0)
            break;
        farm_result r;
        int i, got = collect(st, &r, &i, err);
        if (got < 0)
            return got;
        if (!got)
            continue;
        rc = take_result(st, items, n, i, kind, &r, err);
        items[i].done = 1;
        farm_result_free(&r);
    }
    return rc ? rc : *st->sig ? EVO_STOPPED : EVO_OK;
}

/* ---------------------------------------------------------------- generational mode */

static int generation_boundary(search_state *st, evo_error *err)
{
    ga_stats gs;
    ga_population_stats(&st->pop, &gs);
    double wall = farm_clock() - st->gen_t0;
    double busy = farm_busy_seconds(st->s->farm) - st->gen_busy0;
    archive_generation g = {st->generation, gs.best, gs.mean, gs.median, gs.sd, gs.diversity,
                            (int)st->gen_evals, (int)st->gen_hits, (int)st->gen_fails, wall,
                            wall > 0 ? busy / (farm_workers(st->s->farm) * wall) : 0};
    st->stale = gs.best > st->best ? 0 : st->stale + 1;
    st->best = gs.best > st->best ? gs.best : st->best;
    int64_t ids[st->pop.size + 1];
    archive_state state;
    state_of(st, &state, ids);
    int rc = archive_put_generation(st->s->archive, st->run, &g, &state, err);
    st->gen_t0 = farm_clock();
    st->gen_busy0 = farm_busy_seconds(st->s->farm);
    st->gen_evals = st->gen_hits = st->gen_fails = 0;
    progress(st, "");
    return rc;
}

/* The training steps of rung r of R: the full steps over eta^(R-1-r), rounded up, at least 1. */
static int rung_steps(int full, int r, int R, int eta)
{
    double steps = full;
    for (int k = r; k < R - 1; k++)
        steps /= eta;
    return steps < 1 ? 1 : (int)ceil(steps - 1e-9);
}

/* The key of genome g trained for `steps`: its own when that is its full budget, else with
 * ";budget=STEPS" after it, so that the duplicate cache tells a rung's evaluation from another's. */
static void rung_key(char key[GENOME_KEY_MAX], const evo_genome *g, int steps)
{
    genome_key(g, key);
    if (steps != g->steps) {
        size_t n = strlen(key);
        snprintf(key + n, GENOME_KEY_MAX - n, ";budget=%d", steps);
    }
}

/* Child i of next ahead of child k: fitter (failures last), or as fit and earlier. */
static int fitter(const ga_individual *next, int i, int k)
{
    double fi = isfinite(next[i].fitness) ? next[i].fitness : -INFINITY,
           fk = isfinite(next[k].fitness) ? next[k].fitness : -INFINITY;
    return fi > fk || (fi == fk && i < k);
}

/* Evaluate the generation's bred children (elites keep theirs). With ga.rungs R > 1, successive
 * halving within the generation: every child trains at rung 0 (rung_steps), the best ceil(n/eta) of a
 * rung that did not fail go up one, until rung R-1, the full budget; each rung's result is an
 * evaluation of its own (table rungs: rung, steps, promoted_from). Rungs are synchronous within the
 * generation and promotion depends only on fitness, so the run stays reproducible for any number of
 * workers and resumes like one rung. A child ends as its highest rung's evaluation (id, fitness,
 * rung), with its full genome. */
static int evaluate_generation(search_state *st, ga_individual *next, batch_item *items, evo_error *err)
{
    const int P = st->cfg->ga.population, R = st->cfg->ga.rungs, eta = st->cfg->ga.eta;
    int n = 0, *alive = calloc((size_t)P, sizeof *alive);
    ga_individual *runged = calloc((size_t)P, sizeof *runged);
    archive_rung *info = calloc((size_t)P, sizeof *info);
    int rc = alive && runged && info ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int i = 0; !rc && i < P; i++)
        if (next[i].origin != ORIGIN_ELITE)
            alive[n++] = i;
    for (int r = 0; !rc && r < R && n > 0; r++) {
        for (int j = 0; j < n; j++) {
            const int i = alive[j];
            runged[j] = next[i];
            if (R > 1) {
                info[j] = (archive_rung){r, rung_steps(next[i].genome.steps, r, R, eta), r > 0 ? next[i].id : 0};
                rung_key(runged[j].key, &next[i].genome, info[j].steps);
            }
            runged[j].id = st->next_id++;
            runged[j].rung = r;
            items[j] = (batch_item){.ind = &runged[j], .seed = rng_next(&st->rng), .dup_of = -1,
                                    .rung = R > 1 ? &info[j] : NULL};
        }
        if ((rc = evaluate_batch(st, items, n, BATCH_SEARCH, err)))
            break;
        for (int j = 0; j < n; j++) { /* the child as its latest rung scored it, its genome whole */
            ga_individual *child = &next[alive[j]];
            child->id = runged[j].id;
            child->fitness = runged[j].fitness;
            child->rung = r;
            memcpy(child->obj, runged[j].obj, sizeof child->obj);
        }
        if (r == R - 1)
            break;
        for (int j = 1; j < n; j++) /* insertion sort, best first: n is a population */
            for (int k = j; k > 0 && fitter(next, alive[k], alive[k - 1]); k--) {
                int t = alive[k];
                alive[k] = alive[k - 1], alive[k - 1] = t;
            }
        int up = (n + eta - 1) / eta;
        while (up > 0 && !isfinite(next[alive[up - 1]].fitness))
            up--;
        n = up;
    }
    free(alive);
    free(runged);
    free(info);
    return rc;
}

static int run_generational(search_state *st, evo_error *err)
{
    const int P = st->cfg->ga.population;
    ga_individual *next = calloc((size_t)P, sizeof *next);
    batch_item *items = calloc((size_t)P, sizeof *items);
    int rc = next && items ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    while (!rc && !*st->sig &&
           ga_should_stop(&(ga_progress){st->generation, st->evaluations, elapsed(st), st->stale}, st->cfg) ==
               GA_CONTINUE) {
        if (st->generation == 0)
            for (int i = 0; i < P; i++)
                ga_initial(&next[i], i, st->cfg, &st->rng);
        else
            ga_breed_generation(next, &st->pop, st->cfg, &st->rng);
        rc = evaluate_generation(st, next, items, err);
        if (rc)
            break;
        if (st->pop.objectives && st->pop.size == P) { /* NSGA-II: the best P of parents and children */
            rc = ga_nsga_survivors(&st->pop, next, P, err);
        } else {
            memcpy(st->pop.members, next, (size_t)P * sizeof *next);
            st->pop.size = P;
            rc = st->pop.objectives ? ga_pareto_sort(&st->pop, err) : EVO_OK;
        }
        if (rc)
            break;
        st->generation++;
        rc = generation_boundary(st, err);
    }
    if (!rc && *st->sig)
        rc = EVO_STOPPED;
    free(next);
    free(items);
    return rc;
}

/* ---------------------------------------------------------------- steady mode */

/* The next new child of a steady run: random until the population has been seeded, bred afterwards. */
static void next_child(search_state *st, ga_individual *child)
{
    if (st->pop.size < st->cfg->ga.population || st->pop.size < 2)
        ga_random(child, st->cfg, ORIGIN_RANDOM, &st->rng);
    else
        ga_breed_child(child, &st->pop, st->cfg, &st->rng);
}

/* A task of a steady run: the child, its seed, and in a multi-fidelity run its rung and the
 * candidate's place in st->climbers (-1 for a new child, which gets one when its rung 0 is back). */
typedef struct {
    ga_individual ind; /* keyed with its rung's budget (rung_key) */
    uint64_t seed;
    archive_rung rung;
    int64_t ref;
} steady_task;

/* The next task of a steady run (its id is the caller's to give). With ga.rungs > 1, ASHA's promotion
 * when one is due (asha.h): the candidate again, one rung up; else a new child at rung 0, seeded while
 * the first P are handed out (*seeded counts them), bred afterwards (next_child). */
static void steady_next(search_state *st, int *seeded, steady_task *t)
{
    const int R = st->cfg->ga.rungs;
    int k;
    asha_entry e;
    memset(t, 0, sizeof *t);
    t->ref = -1;
    if (R > 1 && asha_promote(&st->ladder, &k, &e)) {
        t->ind = st->climbers[e.ref];
        t->ind.rung = k + 1;
        t->rung = (archive_rung){k + 1, 0, e.id};
        t->ref = e.ref;
    } else if (*seeded < st->cfg->ga.population) {
        ga_initial(&t->ind, (*seeded)++, st->cfg, &st->rng);
    } else {
        next_child(st, &t->ind);
    }
    if (R > 1) {
        t->rung.steps = rung_steps(t->ind.genome.steps, t->rung.rung, R, st->cfg->ga.eta);
        rung_key(t->ind.key, &t->ind.genome, t->rung.steps);
    }
    t->seed = rng_next(&st->rng);
}

/* The steady population takes a result: a promoted candidate's member (id `from`) gives way to it
 * whatever it scored, since selection goes by a candidate's highest rung; any other result enters as a
 * child does (a failure never). */
static int steady_enter(search_state *st, const ga_individual *child, int64_t from, evo_error *err)
{
    ga_individual member = *child;
    genome_key(&member.genome, member.key); /* the member is the candidate, whatever rung scored it */
    for (int i = 0; from && i < st->pop.size; i++)
        if (st->pop.members[i].id == from) {
            st->pop.members[i] = member;
            return st->pop.objectives ? ga_pareto_sort(&st->pop, err) : EVO_OK;
        }
    if (!isfinite(member.fitness))
        return EVO_OK;
    if (st->pop.size < st->cfg->ga.population) {
        st->pop.members[st->pop.size++] = member;
        return st->pop.objectives ? ga_pareto_sort(&st->pop, err) : EVO_OK;
    }
    if (st->pop.objectives) {
        int entered;
        return ga_nsga_insert(&st->pop, &member, &entered, err);
    }
    ga_steady_insert(&st->pop, &member);
    return EVO_OK;
}

/* Put a candidate's result on the ladder: a new child becomes a climber first. */
static int climb(search_state *st, const ga_individual *ind, int rung, int64_t ref, evo_error *err)
{
    if (ref < 0) {
        if (st->n_climbers == st->cap_climbers) {
            int64_t cap = st->cap_climbers ? 2 * st->cap_climbers : 256;
            ga_individual *grown = realloc(st->climbers, sizeof *grown * (size_t)cap);
            if (!grown)
                return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %lld candidates on the rungs", (long long)cap);
            st->climbers = grown;
            st->cap_climbers = cap;
        }
        ref = st->n_climbers++;
        st->climbers[ref] = *ind;
        st->climbers[ref].rung = 0;
        genome_key(&st->climbers[ref].genome, st->climbers[ref].key);
    }
    return asha_add(&st->ladder, rung, ind->id, ind->fitness, ref, err);
}

/* A steady task's result r, or (r NULL) a cache hit of evaluation cache_of: into the population, the
 * archive (with the new state) and, in a multi-fidelity run, onto the ladder. A cache hit at rung 0 is
 * a candidate already on the ladder (its first copy), so it is only recorded; a cache hit of a
 * promotion is the candidate's result at that rung and climbs like one. */
static int steady_result(search_state *st, steady_task *t, const farm_result *r, int64_t cache_of, evo_error *err)
{
    const int R = st->cfg->ga.rungs, fresh = r || t->rung.rung > 0;
    if (r)
        t->ind.fitness = r->res.status == EVAL_OK ? r->res.fitness : -INFINITY;
    int rc = set_objectives(st, &t->ind, r, cache_of, err);
    if (!rc && fresh)
        rc = steady_enter(st, &t->ind, t->rung.promoted_from, err);
    if (!rc)
        rc = store(st, &t->ind, t->seed, r, cache_of, R > 1 ? &t->rung : NULL, 1, err);
    if (!rc && fresh && R > 1)
        rc = climb(st, &t->ind, t->rung.rung, t->ref, err);
    return rc;
}

/* Is a task of key in flight? */
static int in_flight(const steady_task *slots, int W, const char *key)
{
    for (int i = 0; i < W; i++)
        if (slots[i].ind.id && !strcmp(slots[i].ind.key, key))
            return 1;
    return 0;
}

enum { STEADY_REDRAWS = 8 }; /* new children drawn again when they duplicate one in flight */

static int run_steady(search_state *st, evo_error *err)
{
    const int P = st->cfg->ga.population, W = farm_workers(st->s->farm);
    /* one slot per worker: the task it is evaluating (ind.id 0: a free slot) */
    steady_task *slots = calloc((size_t)W, sizeof *slots);
    int rc = slots ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    int seeded = st->pop.size; /* new children seeded so far (resume: the members) */
    while (!rc) {
        int stop = ga_should_stop(&(ga_progress){st->evaluations / P, st->evaluations, elapsed(st), st->stale},
                                  st->cfg) != GA_CONTINUE;
        while (!stop && !*st->sig && farm_idle(st->s->farm) > 0) {
            steady_task t;
            steady_next(st, &seeded, &t);
            /* a twin of a task in flight would train the same thing twice: draw again, a few times */
            for (int k = 0; k < STEADY_REDRAWS && t.rung.rung == 0 && in_flight(slots, W, t.ind.key); k++)
                steady_next(st, &seeded, &t);
            t.ind.id = st->next_id++;
            int64_t id;
            double fit;
            if (ga_cache_get(&st->cache, t.ind.key, &id, &fit)) { /* known: record it, send another */
                t.ind.fitness = fit;
                if ((rc = steady_result(st, &t, NULL, id, err)))
                    break;
                continue;
            }
            int slot = 0;
            while (slot < W && slots[slot].ind.id)
                slot++;
            assert(slot < W && "farm_idle > 0: fewer than W children in flight");
            slots[slot] = t;
            farm_task task = {.id = t.ind.id, .seed = t.seed, .test = 0, .genome = t.ind.genome,
                              .steps = st->cfg->ga.rungs > 1 ? t.rung.steps : 0};
            if ((rc = submit(st, &task, slot, err)))
                break;
        }
        if (rc || farm_in_flight(st->s->farm) == 0)
            break;
        farm_result r;
        int slot, got = collect(st, &r, &slot, err);
        if (got < 0) {
            rc = got;
            break;
        }
        if (!got)
            continue;
        steady_task t = slots[slot];
        memset(&slots[slot], 0, sizeof slots[slot]);
        rc = steady_result(st, &t, &r, 0, err);
        farm_result_free(&r);
        if (!rc && st->evaluations / P > st->generation) { /* every P evaluations: a "generation" */
            st->generation = (int)(st->evaluations / P);
            rc = generation_boundary(st, err);
        } else if (farm_clock() - st->last_progress > SEARCH_PROGRESS_SECONDS) {
            progress(st, "");
        }
    }
    if (!rc && *st->sig)
        rc = EVO_STOPPED;
    free(slots);
    return rc;
}

/* ---------------------------------------------------------------- resume */

typedef struct {
    search_state *st;
    evo_error *err;
} collect_ctx;

static int collect_row(void *ctx, const archive_eval_row *row)
{
    search_state *st = ((collect_ctx *)ctx)->st;
    stored_row *s = &st->stored[st->n_stored++];
    evo_error why = {0};
    memset(s, 0, sizeof *s);
    s->id = row->id;
    s->fitness = row->fitness;
    s->cache_of = row->cache_of;
    if (genome_from_json(&s->ind.genome, row->genome_json, st->cfg, &why))
        return evo_fail(((collect_ctx *)ctx)->err, EVO_ERR_DATA, "evaluation %lld of run %lld: its stored genome "
                        "cannot be read (%s). The archive is damaged, or the run's search space was changed: "
                        "restore a copy, or start a new run without --resume.", (long long)row->id,
                        (long long)st->run, why.msg);
    genome_key(&s->ind.genome, s->ind.key);
    s->ind.id = row->id;
    s->ind.fitness = row->fitness;
    s->ind.parents[0] = row->parents[0];
    s->ind.parents[1] = row->parents[1];
    s->ind.origin = row->origin;
    return EVO_OK;
}

static int count_row(void *ctx, const archive_eval_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return EVO_OK;
}

/* Resume with ga.objectives: each stored evaluation's criteria from its folds rows (the metrics the
 * live run took them from, bit for bit), then every stored row's objectives. */
static int remember_criteria(void *ctx, int64_t eval, const double *crit)
{
    collect_ctx *c = ctx;
    double *slot = criteria_slot(c->st, eval, c->err);
    if (!slot)
        return EVO_ERR_NOMEM;
    memcpy(slot, crit, sizeof(double) * CRITERION_COUNT);
    return EVO_OK;
}

static int take_rung(void *ctx, int64_t eval, const archive_rung *r)
{
    collect_ctx *c = ctx;
    stored_row *row = (stored_row *)find_stored(c->st, eval);
    if (row) {
        row->ind.rung = r->rung;
        row->promoted_from = r->promoted_from;
        rung_key(row->ind.key, &row->ind.genome, r->steps);
    }
    return EVO_OK;
}

/* A steady run's ladder as it stood: every stored row on its rung (in id order, so a promoted row
 * finds the entry it went up from and marks it), but rung 0's cache hits, as the live run did
 * (steady_result). A promotion that was in flight is not marked, so it is made again. */
static int restore_ladder(search_state *st, evo_error *err)
{
    for (size_t i = 0; i < st->n_stored; i++) {
        const stored_row *s = &st->stored[i];
        int64_t ref = -1;
        if (s->ind.rung == 0 && s->cache_of)
            continue;
        if (s->ind.rung > 0 && !asha_mark_promoted(&st->ladder, s->ind.rung - 1, s->promoted_from, &ref))
            return evo_fail(err, EVO_ERR_DATA, "evaluation %lld of run %lld went up to rung %d from evaluation "
                            "%lld, which is not at rung %d. The archive is damaged: restore a copy, or start a "
                            "new run without --resume.", (long long)s->id, (long long)st->run, s->ind.rung,
                            (long long)s->promoted_from, s->ind.rung - 1);
        int rc = climb(st, &s->ind, s->ind.rung, ref, err);
        if (rc)
            return rc;
    }
    return EVO_OK;
}

/* What a resumed steady run's rungs hold: "rungs: 12 / 4 / 1 results stored, 5 / 1 gone up". */
static void print_ladder(const asha_ladder *l)
{
    fprintf(stderr, "rungs:");
    for (int k = 0; k < l->rungs; k++)
        fprintf(stderr, "%s %d", k ? " /" : "", l->rung[k].n);
    fprintf(stderr, " results stored,");
    for (int k = 0; k < l->rungs - 1; k++) {
        int up = 0;
        for (int i = 0; i < l->rung[k].n; i++)
            up += l->rung[k].e[i].promoted;
        fprintf(stderr, "%s %d", k ? " /" : "", up);
    }
    fprintf(stderr, " gone up\n");
}

/* A multi-fidelity run's stored rows get their rungs back (archive_for_each_rung), and a steady one
 * its ladder. */
static int restore_rungs(search_state *st, evo_error *err)
{
    if (st->cfg->ga.rungs == 1)
        return EVO_OK;
    collect_ctx c = {st, err};
    int rc = archive_for_each_rung(st->s->archive, st->run, take_rung, &c, err);
    return rc || st->cfg->ga.mode != GA_STEADY ? rc : restore_ladder(st, err);
}

static int restore_objectives(search_state *st, evo_error *err)
{
    if (!st->pop.objectives)
        return EVO_OK;
    collect_ctx c = {st, err};
    int rc = archive_for_each_criteria(st->s->archive, st->run, remember_criteria, &c, err);
    for (size_t i = 0; !rc && i < st->n_stored; i++) {
        stored_row *s = &st->stored[i];
        rc = set_objectives(st, &s->ind, NULL, s->cache_of ? s->cache_of : s->id, err);
    }
    return rc;
}

/* Rebuild the cache, the statistics and the population from the archive. */
static int restore(search_state *st, evo_error *err)
{
    size_t n = 0;
    int rc = archive_for_each_evaluation(st->s->archive, st->run, count_row, &n, err);
    if (!rc && !(st->stored = calloc(n + 1, sizeof *st->stored)))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory restoring %zu evaluations", n);
    collect_ctx collect = {st, err};
    if (!rc)
        rc = archive_for_each_evaluation(st->s->archive, st->run, collect_row, &collect, err);
    if (!rc)
        rc = restore_rungs(st, err);
    if (!rc)
        rc = restore_objectives(st, err);
    for (size_t i = 0; !rc && i < st->n_stored; i++) {
        const stored_row *s = &st->stored[i];
        st->evaluations++;
        if (s->cache_of) {
            st->cache_hits++;
            continue;
        }
        st->failures += !isfinite(s->fitness);
        rc = ga_cache_put(&st->cache, s->ind.key, s->id, s->fitness, err);
    }
    archive_state state = {0};
    int has = rc ? 0 : archive_get_state(st->s->archive, st->run, &state, err);
    if (has < 0)
        rc = has;
    if (!rc && has) {
        st->rng = state.rng;
        st->next_id = state.next_id;
        st->generation = state.generation;
        st->pop.size = 0;
        for (int i = 0; i < state.n_members; i++) {
            const stored_row *s = find_stored(st, state.members[i]);
            if (!s)
                continue;
            ga_individual *m = &st->pop.members[st->pop.size++];
            *m = s->ind;
            genome_key(&m->genome, m->key); /* the member is the candidate, whatever rung scored it */
        }
        if (st->pop.objectives)
            rc = ga_pareto_sort(&st->pop, err);
        ga_stats gs;
        ga_population_stats(&st->pop, &gs);
        st->best = gs.best;
    }
    free(state.members);
    /* The hall of fame is rebuilt from the stored fitness; the DSR's moments come from the archive's
     * validation returns at the end. */
    for (size_t i = 0; !rc && i < st->n_stored; i++)
        if (!st->stored[i].cache_of && isfinite(st->stored[i].fitness) &&
            st->stored[i].ind.rung == st->cfg->ga.rungs - 1)
            hof_add(st, &st->stored[i].ind, NULL);
    return rc;
}

/* ---------------------------------------------------------------- the end: confirm, crown, test, verdict */

/* The verdict's thresholds (search.h). */
#define VERDICT_DSR 0.95
#define VERDICT_PBO 0.5

/* The seed of confirmation `replica` of evaluation id: fixed by the run's seed, so a resumed run
 * retrains with the same ones. */
static uint64_t confirm_seed(const search_state *st, int64_t id, int replica)
{
    uint64_t z = st->cfg->ga.seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)id) ^ ((uint64_t)replica << 48);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; /* splitmix64's finaliser */
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The linear model on the champion's inputs and training settings, when the champion reads features
 * through an LSTM and the search space has the linear model: stored (or found in the cache) as an
 * evaluation of its own. Returns 1 with *out filled, 0 when there is no twin, or an evo_err. */
static int linear_twin(search_state *st, const ga_individual *champion, ga_individual *out, evo_error *err)
{
    const evo_genome *g = &champion->genome;
    if (g->model == MODEL_LINEAR || g->model == MODEL_PORTFOLIO || g->model == MODEL_AUTOENCODER ||
        !(st->cfg->search.model & (1u << MODEL_LINEAR)))
        return 0;
    memset(out, 0, sizeof *out);
    out->genome = *g;
    out->genome.model = MODEL_LINEAR;
    genome_normalise(&out->genome, st->cfg);
    genome_key(&out->genome, out->key);
    out->origin = ORIGIN_TWIN;
    out->parents[0] = champion->id;
    out->id = st->next_id++;
    batch_item item = {.ind = out, .seed = rng_next(&st->rng), .dup_of = -1};
    int rc = evaluate_batch(st, &item, 1, BATCH_SEARCH, err);
    if (rc)
        return rc;
    int64_t id; /* a cache hit: the twin is the evaluation it repeats */
    double fit;
    if (ga_cache_get(&st->cache, out->key, &id, &fit))
        out->id = id;
    return isfinite(out->fitness) ? 1 : 0;
}

/* Retrain the best ga.confirm candidates (and the champion's linear twin) with ga.confirm_seeds fresh
 * seeds each, and order them by the mean: the first is the champion. Fills fin[*n]. */
static int confirm(search_state *st, search_finalist *fin, int *n, evo_error *err)
{
    const evo_config *cfg = st->cfg;
    const int S = cfg->ga.confirm_seeds;
    *n = 0;
    for (int i = 0; i < st->n_hof && *n < (cfg->ga.confirm > 0 ? cfg->ga.confirm : 1); i++)
        if (st->hof[i].ind.origin != ORIGIN_TWIN) /* as in the run before a resume */
            fin[(*n)++] = (search_finalist){.ind = st->hof[i].ind, .mean = st->hof[i].ind.fitness};
    if (cfg->ga.confirm == 0)
        return EVO_OK; /* crowned by the search fitness alone */
    int rc = linear_twin(st, &fin[0].ind, &fin[*n].ind, err);
    if (rc < 0)
        return rc;
    int dup = 0;
    for (int i = 0; rc == 1 && i < *n; i++)
        dup |= fin[i].ind.id == fin[*n].ind.id;
    if (rc == 1 && !dup)
        fin[(*n)++].twin = 1;
    batch_item *items = calloc((size_t)*n * S, sizeof *items);
    if (!items)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < *n; i++)
        for (int k = 0; k < S; k++)
            items[i * S + k] = (batch_item){.ind = &fin[i].ind, .seed = confirm_seed(st, fin[i].ind.id, k + 1),
                                            .replica = k + 1, .dup_of = -1};
    if (!st->opt->quiet)
        fprintf(stderr, "%sconfirming %d candidate%s with %d fresh seed%s each\n", isatty(STDERR_FILENO) ? "\n" : "",
                *n, *n == 1 ? "" : "s", S, S == 1 ? "" : "s");
    rc = evaluate_batch(st, items, *n * S, BATCH_CONFIRM, err);
    for (int i = 0; !rc && i < *n; i++) {
        double sum = 0, sq = 0;
        for (int k = 0; k < S; k++)
            sum += items[i * S + k].fitness;
        fin[i].mean = sum / S; /* -inf when a seed failed */
        for (int k = 0; isfinite(fin[i].mean) && k < S; k++)
            sq += (items[i * S + k].fitness - fin[i].mean) * (items[i * S + k].fitness - fin[i].mean);
        fin[i].sd = S > 1 && isfinite(fin[i].mean) ? sqrt(sq / (S - 1)) : 0;
    }
    free(items);
    if (!rc) { /* stable: equal means keep the search's order */
        for (int i = 1; i < *n; i++)
            for (int j = i; j > 0 && fin[j].mean > fin[j - 1].mean; j--) {
                search_finalist t = fin[j];
                fin[j] = fin[j - 1];
                fin[j - 1] = t;
            }
    }
    return rc;
}

/* The multiple-testing statistics of the champion among every distinct successful candidate (trial),
 * from their archived validation returns: the deflated Sharpe ratio of its excess returns over equal
 * weight, against the best of n_effective independent trials whose excess Sharpe ratios vary as the
 * trials' do, and the PBO of the trials. */
/* A multi-fidelity run's rungs by evaluation id: rung[id], -1 for ids without one. */
typedef struct {
    int *rung;
    int64_t n;
    evo_error *err;
} rung_map;

static int map_rung(void *ctx, int64_t eval, const archive_rung *r)
{
    rung_map *m = ctx;
    if (eval >= m->n) {
        int64_t n = eval + 1 > 2 * m->n ? eval + 1 : 2 * m->n;
        int *grown = realloc(m->rung, sizeof *grown * (size_t)n);
        if (!grown)
            return evo_fail(m->err, EVO_ERR_NOMEM, "out of memory for the rungs of %lld evaluations", (long long)n);
        for (int64_t i = m->n; i < n; i++)
            grown[i] = -1;
        m->rung = grown;
        m->n = n;
    }
    m->rung[eval] = r->rung;
    return EVO_OK;
}

/* A multi-fidelity run's trials for the deflated Sharpe ratio: top[n], 1 for the full-budget
 * evaluations among the n rows of ids, and *tried, the candidates tried (their rung-0 rows). The
 * participation ratio does not fit such a run: the top rung holds what the cheap rungs picked out of
 * hundreds of looks at the same validation days, near-alike (measured: 43-228 of them worth 1.0-1.3
 * trials), so it credited the whole search as one or two trials and the verdict claimed skill on 2 of
 * 4 noise sets (bench/README.md, "Multi-fidelity"). So every candidate tried counts as a trial, and
 * the trials' spread is the top rung's, the Sharpe ratios a crowned candidate is drawn from. */
static int full_budget_rows(search_state *st, const int64_t *ids, int n, unsigned char *top, int *tried,
                            evo_error *err)
{
    rung_map m = {NULL, 0, err};
    int rc = archive_for_each_rung(st->s->archive, st->run, map_rung, &m, err);
    *tried = 0;
    for (int i = 0; !rc && i < n; i++) {
        const int r = ids[i] < m.n ? m.rung[ids[i]] : -1;
        *tried += r == 0;
        top[i] = r == st->cfg->ga.rungs - 1;
    }
    free(m.rung);
    return rc;
}

static int multiple_testing(search_state *st, int64_t champion, archive_champion_stats *out, evo_error *err)
{
    const evo_eval_context *ctx = st->s->ctx;
    const int T = ctx->n_val, multi_fidelity = st->cfg->ga.rungs > 1;
    int n = 0, rc;
    double *ret = NULL, *excess = NULL;
    int64_t *ids = NULL;
    unsigned char *top = NULL;
    out->dsr = out->pbo = out->n_effective = NAN;
    out->n_trials = 0;
    if ((rc = archive_validation_returns(st->s->archive, st->run, T, &ret, &ids, &n, err)) || n == 0)
        goto done;
    if (!(excess = malloc(sizeof(double) * (size_t)n * T)) || !(top = malloc((size_t)n))) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d x %d validation returns", n, T);
        goto done;
    }
    int tried = n;
    memset(top, 1, (size_t)n);
    if (multi_fidelity && (rc = full_budget_rows(st, ids, n, top, &tried, err)))
        goto done;
    double sum = 0, sq = 0, sr = NAN, skew = 0, kurt = 3;
    int spread = 0; /* the trials whose Sharpe ratios give the variance */
    for (int i = 0; i < n; i++) {
        double *e = excess + (size_t)i * T, s_i, g3, g4;
        for (int t = 0; t < T; t++)
            e[t] = ret[(size_t)i * T + t] - ctx->ew_val[t];
        metrics_moments(e, T, &s_i, &g3, &g4);
        if (top[i]) {
            sum += s_i;
            sq += s_i * s_i;
            spread++;
        }
        if (ids[i] == champion) {
            sr = s_i;
            skew = g3;
            kurt = g4;
        }
    }
    out->n_trials = tried;
    out->n_effective = multi_fidelity ? tried : metrics_effective_trials(excess, n, T);
    if (isfinite(sr))
        out->dsr = metrics_dsr(sr, T, skew, kurt, out->n_effective,
                               spread > 1 ? (sq - sum * sum / spread) / (spread - 1) : 0);
    /* PBO over every evaluation, the cheap rungs' too: they took part in the selection, and a top rung
     * of near-equals alone ranks its in-sample best at random out of sample even on planted data
     * (measured: PBO 0.15-0.88 over the top rung, 0.00-0.11 over every rung) */
    int S = T >= 160 ? 16 : T >= 20 ? 10 : 2; /* blocks of at least 10 days where possible */
    evo_error pbo_err = {0};
    if (n >= 2 && metrics_pbo(&out->pbo, ret, n, T, S, &pbo_err))
        out->pbo = NAN;
done:
    free(ret);
    free(excess);
    free(ids);
    free(top);
    return rc;
}

/* One verdict from the confirmed fitness, the DSR and the PBO (search.h). */
static void verdict(archive_champion_stats *c, const search_finalist *champ, int seeds, char *text, size_t size)
{
    const int beats = champ->mean > 0, dsr_ok = c->dsr >= VERDICT_DSR, pbo_ok = c->pbo < VERDICT_PBO;
    c->skill = beats && dsr_ok && pbo_ok;
    if (c->skill)
        snprintf(text, size, "skill: the champion beats equal weight on validation (Sharpe +%.2f over %d fresh "
                 "seeds) by more than luck explains (DSR %.3f over %.1f effective trials, PBO %.2f)",
                 champ->mean, seeds, c->dsr, c->n_effective, c->pbo);
    else
        snprintf(text, size, "no skill shown: %s (DSR %.3f over %.1f effective trials, PBO %.2f)",
                 !beats ? "retrained with fresh seeds, the champion does not beat equal weight on validation"
                 : !dsr_ok ? "the champion's edge over equal weight is within what the best of the trials would "
                             "show by luck"
                           : "the candidates that rank best in one half of the validation days do not rank well "
                             "in the other",
                 c->dsr, c->n_effective, c->pbo);
}

/* The test period for the first K finalists (and the twin), and the baselines on it. */
static int test_finalists(search_state *st, search_summary *out, int K, evo_error *err)
{
    const evo_config *cfg = st->cfg;
    const evo_window test = st->s->ctx->split.test;
    batch_item items[SEARCH_FINALISTS_MAX];
    int of[SEARCH_FINALISTS_MAX], m = 0;
    for (int i = 0; i < out->n; i++)
        if (i < K || out->fin[i].twin) {
            of[m] = i;
            items[m++] = (batch_item){.ind = &out->fin[i].ind, .seed = rng_next(&st->rng), .dup_of = -1};
        }
    if (!st->opt->quiet)
        fprintf(stderr, "evaluating %d finalist%s on the held-out test period\n", m, m == 1 ? "" : "s");
    int rc = evaluate_batch(st, items, m, BATCH_TEST, err);
    if (rc)
        return rc;
    for (int i = 0; i < m; i++) {
        search_finalist *f = &out->fin[of[i]];
        f->tested = 1;
        f->test_ok = items[i].ok;
        f->test = items[i].test;
    }
    evo_strategy_runs set;
    const evo_strategy_settings settings = strategy_settings_of(cfg);
    rc = strategy_run_all(&set, cfg->baselines, st->s->panel, test.first - 1, test.last, &settings,
                          cfg->backtest.rebalance, cfg->backtest.cost_bps, err);
    for (int i = 0; i < set.n && !rc; i++) {
        rc = archive_put_baseline(st->s->archive, st->run, set.runs[i].strategy, &set.metrics[i], &set.runs[i].bt,
                                  st->s->panel->dates + test.first, err);
        out->baseline[i] = set.runs[i].strategy;
        out->baseline_test[i] = set.metrics[i];
        out->n_baselines = i + 1;
    }
    strategy_runs_free(&set);
    return rc;
}

/* A Pareto run: the front's picks (the best in each objective and the knee, pareto.h) on the test
 * period too, each as the finalists are (an ensemble), ranked after them in table tests. */
static int test_front_picks(search_state *st, search_summary *out, evo_error *err)
{
    archive_pick picks[PARETO_MAX_OBJECTIVES + 1];
    int n_picks = 0, tested = 0;
    int rc = archive_front_picks(st->s->archive, st->run, st->cfg->ga.objectives, picks, &n_picks, err);
    for (int i = 0; i < out->n; i++)
        tested += out->fin[i].tested;
    ga_individual inds[PARETO_MAX_OBJECTIVES + 1];
    batch_item items[PARETO_MAX_OBJECTIVES + 1];
    int of[PARETO_MAX_OBJECTIVES + 1], n_items = 0;
    for (int j = 0; !rc && j < n_picks; j++) {
        search_pick *p = &out->pick[out->n_picks++];
        *p = (search_pick){picks[j].id, picks[j].criterion, 0, {0}};
        int known = 0;
        for (int i = 0; i < out->n && !known; i++)
            if (out->fin[i].tested && out->fin[i].ind.id == p->id) { /* a finalist: tested already */
                p->test_ok = out->fin[i].test_ok;
                p->test = out->fin[i].test;
                known = 1;
            }
        archive_eval_row row;
        int found = known ? 0 : archive_get_evaluation(st->s->archive, st->run, p->id, &row, err);
        if (found < 0)
            rc = found;
        if (rc || known || !found)
            continue;
        ga_individual *ind = &inds[n_items];
        memset(ind, 0, sizeof *ind);
        if ((rc = genome_from_json(&ind->genome, row.genome_json, st->cfg, err)))
            break;
        genome_key(&ind->genome, ind->key);
        ind->id = p->id;
        of[n_items] = out->n_picks - 1;
        items[n_items] = (batch_item){.ind = ind, .seed = rng_next(&st->rng), .dup_of = -1,
                                      .rank = tested + n_items + 1};
        n_items++;
    }
    if (!rc && n_items && !st->opt->quiet)
        fprintf(stderr, "evaluating %d pick%s of the Pareto front on the held-out test period\n", n_items,
                n_items == 1 ? "" : "s");
    if (!rc && n_items)
        rc = evaluate_batch(st, items, n_items, BATCH_TEST, err);
    for (int i = 0; !rc && i < n_items; i++) {
        out->pick[of[i]].test_ok = items[i].ok;
        out->pick[of[i]].test = items[i].test;
    }
    return rc;
}

static int finish(search_state *st, search_summary *out, evo_error *err)
{
    if (st->n_hof == 0)
        return evo_fail(err, EVO_ERR_NUMERIC, "no candidate was evaluated successfully, so there is no "
                        "champion; look at the reasons with `evofolio query ARCHIVE sql \"SELECT id, reason "
                        "FROM evaluations WHERE status = 'failed'\"`");
    memset(out, 0, sizeof *out);
    out->run = st->run;
    int rc = confirm(st, out->fin, &out->n, err);
    if (rc)
        return rc;
    const int K = st->cfg->ga.champions < out->n ? st->cfg->ga.champions : out->n;
    if ((rc = test_finalists(st, out, K, err)))
        return rc;
    if (st->pop.objectives && (rc = test_front_picks(st, out, err)))
        return rc;
    archive_champion_stats *stats = &out->stats;
    stats->champion = out->fin[0].ind.id;
    if ((rc = multiple_testing(st, out->fin[0].ind.id, stats, err)))
        return rc;
    verdict(stats, &out->fin[0], st->cfg->ga.confirm_seeds, out->verdict, sizeof out->verdict);
    stats->verdict = out->verdict;
    return archive_put_champion_stats(st->s->archive, st->run, stats, err);
}

/* ---------------------------------------------------------------- the run */

/* How long this master may go without a heartbeat: between two waits for results, or, evaluating
 * in-process, for the longest evaluation (a test ensemble at train.max_seconds per net). */
static double silent_seconds(const search_state *st)
{
    const evo_config *cfg = st->cfg;
    const int nets = cfg->ga.confirm > 0 ? cfg->ga.confirm_seeds : 1;
    return st->s->ranks > 1 ? 4 * HEARTBEAT_SECONDS : cfg->train.max_seconds * nets + 4 * HEARTBEAT_SECONDS;
}

static int claim(search_state *st, int64_t run, evo_error *err)
{
    int rc = archive_claim_run(st->s->archive, run, silent_seconds(st), st->opt->quiet ? NULL : stderr, err);
    st->claimed = rc == EVO_OK;
    st->last_heartbeat = farm_clock();
    return rc;
}

/* A resume of another configuration is refused with the keys that differ. */
static int refuse_other_config(search_state *st, const archive_run *run, evo_error *err)
{
    const search_setup *s = st->s;
    if (strcmp(run->config_hash, s->config_hash) == 0)
        return evo_fail(err, EVO_ERR_USAGE, "--resume: run %lld was started with other data (data hash %s, now "
                        "%s): the prices differ. Restore the data, or start a new run without --resume.",
                        (long long)run->id, run->data_hash, s->data_hash);
    char *yaml = NULL, diff[1024] = "";
    evo_config then;
    evo_error ignore = {0};
    int rc = archive_run_config(s->archive, run->id, &yaml, err);
    if (rc)
        return rc;
    if (config_parse(yaml, strlen(yaml), "(the run's stored configuration)", &then, &ignore) == EVO_OK) {
        config_diff(&then, st->cfg, diff, sizeof diff);
        config_free(&then);
    }
    free(yaml);
    return evo_fail(err, EVO_ERR_USAGE, "--resume: run %lld was started with another configuration (%s); a resume "
                    "must use the same one. Restore those keys, or start a new run without --resume.",
                    (long long)run->id, *diff ? diff : "the stored one no longer parses");
}

/* The software, the command, the asset names and the validation days, for a copied archive. */
static int record_provenance(search_state *st, evo_error *err)
{
    const search_setup *s = st->s;
    const evo_split *split = &s->ctx->split;
    int n = 0;
    for (int k = 0; k < split->n_folds; k++)
        n += split->folds[k].val.last - split->folds[k].val.first + 1;
    evo_date *days = malloc(sizeof *days * (size_t)(n ? n : 1));
    if (!days)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    n = 0;
    for (int k = 0; k < split->n_folds; k++)
        for (int d = split->folds[k].val.first; d <= split->folds[k].val.last; d++)
            days[n++] = s->panel->dates[d];
    char blas[BLAS_PLAN_TEXT_MAX];
    blas_plan_text(&st->blas, blas);
    archive_provenance p = {EVO_VERSION, evo_git_commit(), s->command, blas,
                            (const char *const *)s->panel->assets, s->panel->n_assets, days, n};
    int rc = archive_run_set_provenance(s->archive, st->run, &p, err);
    free(days);
    return rc;
}

/* The kernel plan of a resumed run is the one it started with; a run of an archive of schema 3 has
 * none recorded and takes this machine's (it may then differ from an uninterrupted run in the last
 * digits). */
static int resume_kernels(search_state *st, evo_error *err)
{
    char text[BLAS_PLAN_TEXT_MAX];
    int rc = archive_run_blas(st->s->archive, st->run, text, sizeof text, err);
    if (!rc && !blas_plan_parse(&st->blas, text)) {
        snprintf(st->blas_how, sizeof st->blas_how, "the run's own");
        return EVO_OK;
    }
    if (!rc) {
        blas_plan_machine(&st->blas, st->blas_how, sizeof st->blas_how);
        fprintf(stderr, "evofolio run: run %lld recorded no kernel plan; using this machine's\n", (long long)st->run);
    }
    return rc;
}

static int open_run(search_state *st, evo_error *err)
{
    const search_setup *s = st->s;
    archive_run run = {0};
    if (st->opt->resume) {
        int found = archive_run_find_resumable(s->archive, st->cfg->name, &run, err);
        if (found < 0)
            return found;
        if (!found && st->opt->resume == SEARCH_RESUME_IF_ANY)
            goto new_run;
        if (!found)
            return evo_fail(err, EVO_ERR_USAGE, "--resume: the archive has no unfinished run named '%s'. Start "
                            "a new run without --resume.", st->cfg->name);
        if (strcmp(run.config_hash, s->config_hash) || strcmp(run.data_hash, s->data_hash))
            return refuse_other_config(st, &run, err);
        int rc = claim(st, run.id, err);
        if (!rc)
            rc = archive_check(s->archive, err);
        if (!rc) {
            st->run = run.id;
            rc = resume_kernels(st, err);
        }
        if (!rc)
            rc = restore(st, err);
        if (!rc)
            rc = archive_run_set_status(s->archive, run.id, RUN_RUNNING, err);
        if (rc && st->claimed) { /* a refused resume leaves the run as it was */
            archive_release_run(s->archive, run.id);
            st->claimed = 0;
        }
        return rc;
    }
new_run:
    blas_plan_machine(&st->blas, st->blas_how, sizeof st->blas_how);
    snprintf(run.name, sizeof run.name, "%s", st->cfg->name);
    snprintf(run.config_hash, sizeof run.config_hash, "%s", s->config_hash);
    snprintf(run.data_hash, sizeof run.data_hash, "%s", s->data_hash);
    run.seed = st->cfg->ga.seed;
    run.mode = st->cfg->ga.mode;
    run.ranks = s->ranks;
    snprintf(run.host, sizeof run.host, "%s", st->host);
    run.status = RUN_RUNNING;
    run.started = farm_clock();
    int rc = archive_run_create(s->archive, &run, s->config_text, err);
    st->run = run.id;
    if (!rc)
        rc = claim(st, run.id, err);
    return rc ? rc : record_provenance(st, err);
}

int search_run(const search_setup *s, const search_options *opt, const volatile sig_atomic_t *signals,
               search_summary *out, evo_error *err)
{
    search_summary unused;
    search_state st;
    memset(&st, 0, sizeof st);
    st.s = s;
    st.opt = opt;
    st.sig = signals;
    st.cfg = s->cfg;
    st.best = -INFINITY;
    st.next_id = 1;
    gethostname(st.host, sizeof st.host - 1);
    rng_seed(&st.rng, s->cfg->ga.seed);
    int rc = ga_population_create(&st.pop, s->cfg->ga.population, err);
    if (!rc)
        rc = ga_cache_create(&st.cache, 1024, err);
    if (!rc && !(st.flight = malloc(sizeof *st.flight * (size_t)farm_workers(s->farm))))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int e = 0; !rc && e < farm_workers(s->farm); e++)
        st.flight[e].of = -1;
    st.pop.size = 0;
    st.pop.objectives = __builtin_popcount(s->cfg->ga.objectives);
    asha_init(&st.ladder, s->cfg->ga.rungs, s->cfg->ga.eta);
    if (!rc)
        rc = open_run(&st, err);
    st.t0 = st.gen_t0 = farm_clock();
    char blas[BLAS_PLAN_TEXT_MAX];
    blas_plan_text(&st.blas, blas);
    if (!rc && !opt->quiet)
        fprintf(stderr, "run %lld of '%s': %s mode, population %d, %d worker%s%s\nkernels: %s (%s)\n",
                (long long)st.run, s->cfg->name, catalog_ga_modes.names[s->cfg->ga.mode],
                s->cfg->ga.population, farm_workers(s->farm), farm_workers(s->farm) == 1 ? "" : "s",
                st.stored ? ", resumed" : "", blas, st.blas_how);
    if (!rc && !opt->quiet && st.stored && st.ladder.rung[0].n)
        print_ladder(&st.ladder);
    if (!rc)
        rc = s->cfg->ga.mode == GA_STEADY ? run_steady(&st, err) : run_generational(&st, err);
    if (!rc)
        rc = finish(&st, out ? out : &unused, err);
    evo_error ignore = {0};
    if (st.claimed && rc != EVO_OK && rc != EVO_STOPPED)
        archive_run_fail(s->archive, st.run, err->msg, &ignore);
    else if (st.claimed)
        archive_run_set_status(s->archive, st.run, rc == EVO_OK ? RUN_DONE : RUN_STOPPED, &ignore);
    if (st.claimed)
        archive_release_run(s->archive, st.run);
    if (rc == EVO_STOPPED && !opt->quiet)
        fprintf(stderr, "\nstopped by a signal: %ld evaluations stored; continue with --resume\n", st.evaluations);
    ga_population_free(&st.pop);
    ga_cache_free(&st.cache);
    free(st.stored);
    asha_free(&st.ladder);
    free(st.climbers);
    free(st.criteria);
    free(st.flight);
    return rc;
}
