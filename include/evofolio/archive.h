/* archive: the SQLite archive of a search - runs, every evaluation with its genes, per-fold metrics,
 * generation statistics, the state a resume needs, daily series of champions and baselines on the test
 * period, and a leaderboard view. One writer (the master), WAL mode so readers (query, report, the
 * sqlite3 shell) can open it while a run writes; one transaction per stored result, so a crash loses
 * at most the evaluations in flight. Schema: docs/archive.md; its version is in table meta.
 * An evo_archive owns its connection and statements (archive_close). Failures: EVO_ERR_IO (cannot
 * open/write, busy), EVO_ERR_DATA (not an evofolio archive, or a newer schema), EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_ARCHIVE_H
#define EVOFOLIO_ARCHIVE_H

#include <stdint.h>
#include <stdio.h>

#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/ga.h"
#include "evofolio/rng.h"

enum { ARCHIVE_SCHEMA_VERSION = 1 };

typedef struct evo_archive evo_archive;

/* read_only: opened with SQLITE_OPEN_READONLY (and PRAGMA query_only), so no statement can write.
 * A writable open creates the file and the schema when missing. */
int archive_open(evo_archive **out, const char *path, int read_only, evo_error *err);
void archive_close(evo_archive *a);

typedef enum {
    RUN_RUNNING, /* being written (or killed without a chance to say so) */
    RUN_STOPPED, /* stopped by a signal with a resumable state */
    RUN_DONE,    /* finished */
    RUN_FAILED,  /* ended by an error */
    RUN_STATUS_COUNT
} evo_run_status;

extern const evo_names archive_run_statuses; /* "running", "stopped", "done", "failed" */

typedef struct {
    int64_t id;
    char name[EVO_NAME_MAX];
    char config_hash[17], data_hash[17];
    uint64_t seed;
    evo_ga_mode mode;
    int ranks;
    char host[128];
    evo_run_status status;
    double started, ended; /* Unix time, seconds; ended 0 while running */
} archive_run;

/* A new run; config is the resolved canonical YAML (stored verbatim). Fills run->id. */
int archive_run_create(evo_archive *a, archive_run *run, const char *config, evo_error *err);
/* The newest run named `name` whose status is running or stopped: 1 and *run filled, or 0. */
int archive_run_find_resumable(evo_archive *a, const char *name, archive_run *run, evo_error *err);
int archive_run_set_status(evo_archive *a, int64_t run, evo_run_status status, evo_error *err);

/* What a resume needs, saved with each generation boundary (generational) or each result (steady). */
typedef struct {
    int generation;     /* generations completed */
    evo_rng rng;        /* the master's RNG at that point */
    int64_t next_id;    /* the next evaluation id to assign */
    int n_members;
    int64_t *members;   /* [n_members] evaluation ids of the population */
} archive_state;

/* One stored evaluation. res is NULL for a cache hit (cache_of > 0: its metrics are those of that
 * evaluation). val_returns[n_val] are the candidate's validation net returns, folds concatenated (for
 * PBO); may be NULL. */
typedef struct {
    int64_t run, id;
    int generation;
    const ga_individual *ind;
    uint64_t seed;
    const evo_eval_result *res;
    int64_t cache_of;
    int rank;
    const char *host;
    double started, finished; /* Unix time */
    const double *val_returns;
    int n_val;
} archive_eval;

/* In one transaction: the evaluation row, its per-fold rows, and the state when not NULL. */
int archive_put_evaluation(evo_archive *a, const archive_eval *e, const archive_state *state,
                           evo_error *err);

typedef struct {
    int generation;
    double best, mean, median, sd, diversity;
    int evaluations, cache_hits, failures;
    double wall_seconds, utilisation; /* utilisation: busy worker-seconds / (workers x wall) */
} archive_generation;

/* In one transaction: the generation's statistics and the state at its boundary. */
int archive_put_generation(evo_archive *a, int64_t run, const archive_generation *g,
                           const archive_state *state, evo_error *err);

/* The latest saved state of a run: 1 (caller frees state->members) or 0 when none was saved. */
int archive_get_state(evo_archive *a, int64_t run, archive_state *state, evo_error *err);

/* Every evaluation of a run in id order, as the search needs them to rebuild its cache and population
 * on resume. */
typedef struct {
    int64_t id;
    int generation;
    char key[GENOME_KEY_MAX];
    char genome_json[1024];
    double fitness;  /* -inf when failed */
    int64_t parents[2];
    evo_origin origin;
    int64_t cache_of;
} archive_eval_row;

int archive_for_each_evaluation(evo_archive *a, int64_t run,
                                int (*fn)(void *ctx, const archive_eval_row *row), void *ctx,
                                evo_error *err);

/* The held-out test period: a champion's result (rank 1 = the champion) or a baseline's run, with
 * their daily series (dates[T] are the return days). */
int archive_put_test_result(evo_archive *a, int64_t run, int64_t eval_id, int rank,
                            const evo_fold_result *test, const evo_date *dates, evo_error *err);
int archive_put_baseline(evo_archive *a, int64_t run, evo_strategy strategy, const evo_metrics *m,
                         const evo_backtest *bt, const evo_date *dates, evo_error *err);
/* The champion's multiple-testing statistics: deflated Sharpe for n_trials distinct candidates, and
 * the PBO over the archived candidates' validation returns. */
int archive_put_champion_stats(evo_archive *a, int64_t run, int64_t eval_id, double dsr, int n_trials,
                               double pbo, evo_error *err);

/* Validation returns of every distinct successful evaluation of a run with n_val values (the same
 * windows): *returns [*n][n_val] malloc'd (caller frees), *n rows. For PBO. */
int archive_validation_returns(evo_archive *a, int64_t run, int n_val, double **returns, int *n,
                               evo_error *err);

/* Run a read-only SQL statement and print its rows (format: 0 aligned table, 1 CSV, 2 JSON). */
int archive_query_print(evo_archive *a, const char *sql, int format, FILE *out, evo_error *err);

#endif
