/* farm: the MPI master/worker protocol (DESIGN.md, "MPI farm"). Rank 0 is the master: it shares the
 * resolved configuration and the data with every worker (no shared filesystem needed), hands each free
 * worker one task at a time and collects results from any worker. Waiting never busy-polls: Iprobe and
 * short sleeps, so master + N workers run well on N cores and a signal is noticed within milliseconds.
 * With one rank the master evaluates in-process through the same calls. Messages are raw structs
 * (ranks of one job run the same binary on the same architecture). A farm owns its buffers
 * (farm_free); failures are EVO_ERR_INTERNAL (an MPI call failed), EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_FARM_H
#define EVOFOLIO_FARM_H

#include <signal.h>
#include <stdint.h>

#include "evofolio/blas.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/genome.h"

typedef enum {
    FARM_TAG_TASK = 1, /* master -> worker: one farm_task */
    FARM_TAG_RESULT,   /* worker -> master: a packed farm_result */
    FARM_TAG_STOP      /* master -> worker: no more work; leave the loop */
} farm_tag;

typedef struct {
    int64_t id;       /* evaluation id */
    uint64_t seed;    /* drawn by the master: the result never depends on the rank */
    int32_t test;     /* 1: evaluate on the held-out test period (champions) */
    int32_t replica;  /* 0, or k >= 1: the k-th confirmation of evaluation id with a fresh seed */
    blas_plan blas;   /* the kernels to compute it with: the run's, so that every rank computes alike */
    int32_t steps;    /* > 0: train this many steps instead of the genome's (a rung of ga.rungs) */
    int32_t unused;
    evo_genome genome;
} farm_task;

typedef struct {
    int64_t id;
    int replica; /* of the task */
    int rank;
    char host[64];
    double started, finished; /* Unix time */
    evo_eval_result res;      /* test tasks keep their fold's series, the others res.val_returns */
} farm_result;

void farm_result_free(farm_result *r);

typedef struct evo_farm evo_farm;

/* Collective over MPI_COMM_WORLD: rank 0 passes its config text and panel; the others receive them
 * into *config_text (malloc'd) and *panel (caller frees with data_panel_free). A master that failed
 * before it had a problem passes *config_text = NULL: every rank then returns EVO_ERR_USAGE (workers
 * quietly: the master reports the error). */
int farm_share(char **config_text, evo_panel *panel, int rank, evo_error *err);

/* How a task is evaluated: the real evaluation is farm_evaluate (ctx = an evo_eval_context); a
 * benchmark may plug in a zero-cost one. Returns 0 or an evo_err (the candidate then fails). */
typedef int (*farm_evaluate_fn)(farm_result *r, const farm_task *task, int rank, const void *ctx,
                                evo_error *err);

/* Train and backtest the task's genome: validation folds keep only their joined net returns (for the
 * DSR and PBO); a test task keeps its daily series (for the archive). */
int farm_evaluate(farm_result *r, const farm_task *task, int rank, const void *ctx, evo_error *err);

/* Worker ranks: evaluate tasks until STOP. BLAS runs on one thread. */
int farm_worker_loop(farm_evaluate_fn fn, const void *ctx, int rank, evo_error *err);

/* Master: fn and ctx evaluate in-process when there is one rank. */
int farm_create(evo_farm **out, farm_evaluate_fn fn, const void *ctx, int size, evo_error *err);
void farm_free(evo_farm *f);
int farm_workers(const evo_farm *f);   /* workers (1 when evaluating in-process) */
int farm_idle(const evo_farm *f);      /* workers without a task */
int farm_in_flight(const evo_farm *f); /* tasks handed out and not yet collected */
/* Hand the task to an idle worker (precondition: farm_idle > 0); with one rank, evaluate it now. */
int farm_submit(evo_farm *f, const farm_task *task, evo_error *err);
/* Wait for the next result: 1 when *out is filled, 0 when *stop became non-zero or timeout seconds
 * passed (timeout <= 0: wait as long as tasks are in flight). */
int farm_wait(evo_farm *f, farm_result *out, const volatile sig_atomic_t *stop, double timeout,
              evo_error *err);
/* Send STOP to every worker (their in-flight tasks, if any, are abandoned). */
void farm_stop_workers(evo_farm *f);
/* Seconds each worker has spent on tasks, summed (for utilisation). */
double farm_busy_seconds(const evo_farm *f);

/* Unix time in seconds. */
double farm_clock(void);

#endif
