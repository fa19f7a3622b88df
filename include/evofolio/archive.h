/* archive: the SQLite archive of a search - runs, every evaluation with its genes, per-fold metrics,
 * generation statistics, the state a resume needs, daily series of champions and baselines on the test
 * period, and a leaderboard view. One writer (the master), WAL mode so readers (query, report, the
 * sqlite3 shell) can open it while a run writes; one transaction per stored result, so a crash loses
 * at most the evaluations in flight. Schema: docs/archive.md; its version is in table meta.
 * An evo_archive owns its connection and statements (archive_close). Failures: EVO_ERR_IO (cannot
 * open/write, busy, read-only), EVO_ERR_DATA (not an evofolio archive, a newer schema, a row that
 * breaks a key: a duplicate id, an unknown run or evaluation), EVO_ERR_USAGE (bad SQL given to
 * archive_query_print), EVO_ERR_NOMEM. Every message names the file and what to do. */
#ifndef EVOFOLIO_ARCHIVE_H
#define EVOFOLIO_ARCHIVE_H

#include <stdint.h>
#include <stdio.h>

#include "evofolio/backtest.h"
#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/ga.h"
#include "evofolio/genes.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/rng.h"

enum { ARCHIVE_SCHEMA_VERSION = 6 };
/* No fitness of this project's (annualised ratios) comes near it: a stored one beyond it is damage. */
#define ARCHIVE_FITNESS_MAX 1e6

/* The genes' columns of evaluations and of the leaderboard view (genes.h), in gene order, each after
 * a comma, for SQL text: "SELECT id" ARCHIVE_GENE_COLUMNS ", fitness ...";
 * ARCHIVE_GENE_COLUMNS_E names them as columns of `e`. A choice or set is its name(s) joined by '+'
 * (genome_gene_text); a set the model does not read is NULL. */
#define ARCHIVE_GENE_COLUMN_(E, name, ...) ", " #name
#define ARCHIVE_GENE_COLUMN_E_(E, name, ...) ", e." #name
#define ARCHIVE_GENE_COLUMNS EVO_GENES(ARCHIVE_GENE_COLUMN_)
#define ARCHIVE_GENE_COLUMNS_E EVO_GENES(ARCHIVE_GENE_COLUMN_E_)

/* How a multi-fidelity run (ga.rungs > 1) spent its compute, one row per rung (`evofolio query ARCHIVE
 * rungs` and the report): the steps trained there, evaluations, trained (cache hits aside), failed,
 * went_up (promoted to the next rung), best and mean fitness of its successes, worker_seconds (the
 * trained evaluations' seconds; each worker runs on one core) and their share of the run's, and
 * spearman_next: the rank correlation (average ranks for ties) between the fitness at this rung and at
 * the next of the candidates that went up, both successful - how well the cheap ranking foretold the
 * dearer one (NULL with fewer than two such pairs or no spread). One printf argument: the run. */
#define ARCHIVE_RUNGS_SQL                                                                                    \
    "WITH p(run) AS (SELECT %lld), "                                                                          \
    "r AS (SELECT g.rung, g.steps, e.status, e.fitness, e.cache_of, e.seconds FROM rungs g JOIN p ON g.run = "  \
    "p.run JOIN evaluations e ON e.run = g.run AND e.id = g.eval), "                                          \
    "pairs AS (SELECT g.rung - 1 AS rung, b.fitness AS x, e.fitness AS y FROM rungs g JOIN p ON g.run = p.run " \
    "JOIN evaluations e ON e.run = g.run AND e.id = g.eval JOIN evaluations b ON b.run = g.run AND b.id = "      \
    "g.promoted_from WHERE e.status = 'ok' AND b.status = 'ok'), "                                            \
    "ranked AS (SELECT rung, rank() OVER (PARTITION BY rung ORDER BY x) + (count(*) OVER (PARTITION BY rung, "  \
    "x) - 1) / 2.0 AS rx, rank() OVER (PARTITION BY rung ORDER BY y) + (count(*) OVER (PARTITION BY rung, y) " \
    "- 1) / 2.0 AS ry FROM pairs), "                                                                          \
    "agree AS (SELECT rung, (count(*) * sum(rx * ry) - sum(rx) * sum(ry)) / sqrt((count(*) * sum(rx * rx) - "   \
    "sum(rx) * sum(rx)) * (count(*) * sum(ry * ry) - sum(ry) * sum(ry))) AS rho FROM ranked GROUP BY rung "     \
    "HAVING count(*) >= 2), "                                                                                 \
    "total AS (SELECT sum(seconds) AS s FROM r WHERE cache_of IS NULL) "                                      \
    "SELECT r.rung, min(r.steps) AS min_steps, max(r.steps) AS max_steps, count(*) AS evaluations, "            \
    "sum(r.cache_of IS NULL) AS trained, sum(r.status = 'failed') AS failed, (SELECT count(*) FROM rungs u "   \
    "JOIN p ON u.run = p.run WHERE u.rung = r.rung + 1) AS went_up, max(CASE WHEN r.status = 'ok' THEN "      \
    "r.fitness END) AS best, avg(CASE WHEN r.status = 'ok' AND r.cache_of IS NULL THEN r.fitness END) AS mean, " \
    "sum(CASE WHEN r.cache_of IS NULL THEN r.seconds END) AS worker_seconds, sum(CASE WHEN r.cache_of IS NULL " \
    "THEN r.seconds END) / (SELECT s FROM total) AS share, (SELECT rho FROM agree a WHERE a.rung = r.rung) AS " \
    "spearman_next FROM r GROUP BY r.rung ORDER BY r.rung"

typedef struct evo_archive evo_archive;

/* How archive_open opens the file. */
enum {
    ARCHIVE_WRITE = 0,          /* write with a write-ahead log: readers never wait (local disks) */
    ARCHIVE_READ_ONLY = 1,      /* SQLITE_OPEN_READONLY and PRAGMA query_only, ATTACH refused: no statement
                                   can write, and no file is created next to the archive (it must exist) */
    ARCHIVE_WRITE_ROLLBACK = 2  /* write with a rollback journal: safe on network filesystems */
};
/* A writable open creates the file and the schema when missing; closing a writer turns the file back
 * to a rollback journal, so that an archive at rest is one file to copy, move or read anywhere. */
int archive_open(evo_archive **out, const char *path, int mode, evo_error *err);
void archive_close(evo_archive *a);
/* SQLite's quick_check of the whole file (what a resume runs first): EVO_ERR_DATA, with what to do,
 * when the file is damaged. */
int archive_check(evo_archive *a, evo_error *err);

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

/* A new run; config is the resolved canonical YAML (stored verbatim). Fills run->id, and
 * run->started with the time now when it is 0. */
int archive_run_create(evo_archive *a, archive_run *run, const char *config, evo_error *err);
/* The newest run named `name` that is not done (running, stopped, or failed: a failure such as a full
 * disk loses nothing committed, and the run resumes once it is fixed): 1 and *run filled, or 0. */
int archive_run_find_resumable(evo_archive *a, const char *name, archive_run *run, evo_error *err);
/* Sets ended to now, or clears it for RUN_RUNNING (a resume). EVO_ERR_DATA when there is no such run. */
int archive_run_set_status(evo_archive *a, int64_t run, evo_run_status status, evo_error *err);
/* Status failed, with the reason in words (runs.reason). */
int archive_run_fail(evo_archive *a, int64_t run, const char *reason, evo_error *err);
/* Where a run came from, so that a copied archive stands on its own: the software (version, git
 * commit), the command line, the assets in panel order, the dates of the validation returns stored
 * with each evaluation (evaluations.val_returns, the folds' validation days joined in order) and the
 * kernel plan every rank computed with (blas_plan_text; runs.blas). */
typedef struct {
    const char *version, *git_commit, *command, *blas;
    const char *const *assets;
    int n_assets;
    const evo_date *val_dates;
    int n_val;
} archive_provenance;
int archive_run_set_provenance(evo_archive *a, int64_t run, const archive_provenance *p, evo_error *err);
/* The run's kernel plan as text into out[n]: empty where none was recorded (schema 3). */
int archive_run_blas(evo_archive *a, int64_t run, char *out, size_t n, evo_error *err);
/* The configuration YAML a run was started with, malloc'd into *yaml. */
int archive_run_config(evo_archive *a, int64_t run, char **yaml, evo_error *err);

/* One job writes a run: its master claims it (table writers: host, pid, heartbeat) before it writes,
 * renews the claim with a heartbeat, and releases it at the end. A claim held by a live process is
 * refused with EVO_ERR_USAGE ("run N is being written by HOST pid P since TIME"); a stale one is taken
 * over, and said so on progress (may be NULL): on this host when its process has ended (its pid is
 * gone or now belongs to a later process), from another host when its heartbeat has not moved for the
 * holder's silent_seconds - which archive_claim_run waits out, polling, when it must. */
int archive_claim_run(evo_archive *a, int64_t run, double silent_seconds, FILE *progress, evo_error *err);
/* Renew this process's claim; EVO_ERR_IO when another job has taken the run over. */
int archive_heartbeat(evo_archive *a, int64_t run, evo_error *err);
void archive_release_run(evo_archive *a, int64_t run);

/* Run `id`: 1 and *run filled, or 0 when there is none. */
int archive_run_get(evo_archive *a, int64_t id, archive_run *run, evo_error *err);
/* The newest run's id into *id, 0 when the archive holds no run. */
int archive_run_newest(evo_archive *a, int64_t *id, evo_error *err);

/* What a resume needs, saved with each generation boundary (generational) or each result (steady). */
typedef struct {
    int generation;     /* generations completed */
    evo_rng rng;        /* the master's RNG at that point */
    int64_t next_id;    /* the next evaluation id to assign */
    int n_members;
    int64_t *members;   /* [n_members] evaluation ids of the population */
} archive_state;

/* A multi-fidelity run's evaluation (table rungs): its rung (0 = the cheapest; ga.rungs - 1 = the full
 * budget), the training steps it ran (its genome holds the candidate's full steps), and the
 * evaluation of the rung below it was promoted from (0 at rung 0). */
typedef struct {
    int rung;
    int steps;
    int64_t promoted_from;
} archive_rung;

/* One stored evaluation. res is NULL for a cache hit (cache_of > 0: its metrics are those of that
 * evaluation; the row takes ind->fitness). val_returns[n_val] are the candidate's validation net
 * returns, folds concatenated (for PBO); may be NULL. dates are the panel's dates [D], indexed by the
 * folds' window days, to name each fold's first and last day; NULL leaves those NULL. */
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
    const evo_date *dates;
    const archive_rung *rung; /* multi-fidelity runs: its rung (stored in the same transaction); else NULL */
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

/* Every rungs row of a run, in evaluation order (none in archives of schema 3 and 4). */
int archive_for_each_rung(evo_archive *a, int64_t run, int (*fn)(void *ctx, int64_t eval, const archive_rung *r),
                          void *ctx, evo_error *err);
/* Evaluation eval's rung: 1 and *out, or 0 when it has none (not a multi-fidelity run). */
int archive_get_rung(evo_archive *a, int64_t run, int64_t eval, archive_rung *out, evo_error *err);

/* The latest saved state of a run: 1 (caller frees state->members) or 0 when none was saved. */
int archive_get_state(evo_archive *a, int64_t run, archive_state *state, evo_error *err);

/* Every evaluation of a run in id order, as the search needs them to rebuild its cache and population
 * on resume. fn returns 0 to go on; anything else stops the walk and is returned. */
typedef struct {
    int64_t id;
    int generation;
    char key[GENOME_KEY_MAX];
    char genome_json[1024];
    double fitness;  /* -inf when failed */
    int64_t parents[2];
    evo_origin origin;
    int64_t cache_of;
    uint64_t seed;   /* the training seed it was evaluated with */
} archive_eval_row;

int archive_for_each_evaluation(evo_archive *a, int64_t run,
                                int (*fn)(void *ctx, const archive_eval_row *row), void *ctx,
                                evo_error *err);
/* Evaluation `id` of a run: 1 and *row filled, or 0 when there is none. */
/* The criteria (evaluate_criteria: fitness and the validation folds' mean metrics) of every evaluation
 * of a run that has validation folds (cache hits aside), in id order; the folds' metrics are read as
 * the run stored them (NULL, not finite, as NaN), so a resume gets the live run's values bit for bit.
 * fn returns 0 to go on. */
int archive_for_each_criteria(evo_archive *a, int64_t run,
                              int (*fn)(void *ctx, int64_t eval, const double *criteria), void *ctx,
                              evo_error *err);
/* Evaluations and their criteria (evaluate_criteria), every criterion as it is (not negated). */
typedef struct {
    int64_t *ids;                       /* [n], in id order */
    double (*values)[CRITERION_COUNT];  /* [n] */
    int n, cap;
} archive_criteria;
void archive_criteria_free(archive_criteria *c);
/* Every successful evaluation of a run (cache hits aside) with its criteria; *out is freed by the
 * caller (archive_criteria_free). */
int archive_successful_criteria(evo_archive *a, int64_t run, archive_criteria *out, evo_error *err);
/* The Pareto front of a run by the criteria of `objectives` (a ga.objectives bitmask, catalog.h): the
 * successful evaluations that no other one dominates (pareto.h), in id order. */
int archive_pareto_front(evo_archive *a, int64_t run, unsigned objectives, archive_criteria *front, evo_error *err);
/* The front's picks (pareto_picks): the evaluation best in each objective, then the knee, into
 * picks[PARETO_MAX_OBJECTIVES + 1], *n of them (0 without a front). */
typedef struct {
    int64_t id;
    int criterion; /* what it is the front's best in (evo_criterion), or -1: the knee */
} archive_pick;
int archive_front_picks(evo_archive *a, int64_t run, unsigned objectives, archive_pick *picks, int *n,
                        evo_error *err);
int archive_get_evaluation(evo_archive *a, int64_t run, int64_t id, archive_eval_row *row,
                           evo_error *err);

/* The held-out test period: a champion's result (rank 1 = the champion) or a baseline's run, with
 * their daily series when kept (bt.net not NULL). dates[T] are the T return days of the window
 * (the panel's dates from window.first). Storing one again replaces it (a resumed run's end). */
int archive_put_test_result(evo_archive *a, int64_t run, int64_t eval_id, int rank,
                            const evo_fold_result *test, const evo_date *dates, evo_error *err);
int archive_put_baseline(evo_archive *a, int64_t run, evo_strategy strategy, const evo_metrics *m,
                         const evo_backtest *bt, const evo_date *dates, evo_error *err);
/* The champion and the run's verdict (search.h): the deflated Sharpe ratio of its excess returns over
 * equal weight among n_trials distinct candidates worth n_effective independent ones, the PBO over the
 * candidates' validation returns, and the verdict in words. */
typedef struct {
    int64_t champion;
    double dsr;
    int n_trials;
    double n_effective;
    double pbo;
    int skill;           /* 1: the verdict claims skill */
    const char *verdict; /* one sentence */
} archive_champion_stats;

int archive_put_champion_stats(evo_archive *a, int64_t run, const archive_champion_stats *c, evo_error *err);

/* A candidate retrained with a fresh seed on the validation folds before the champion is crowned
 * (replica 1, 2, ...). Storing one again replaces it. */
typedef struct {
    int64_t eval;
    int replica;
    uint64_t seed;
    evo_eval_status status;
    double fitness;    /* -inf when failed */
    double val_sharpe; /* the pooled validation Sharpe ratio */
} archive_confirmation;

int archive_put_confirmation(evo_archive *a, int64_t run, const archive_confirmation *c, evo_error *err);
/* A stored confirmation: 1 and *c filled, or 0 when there is none (a resume reuses it). */
int archive_get_confirmation(evo_archive *a, int64_t run, int64_t eval, int replica, archive_confirmation *c,
                             evo_error *err);

/* Validation returns of every distinct successful evaluation of a run with n_val values (the same
 * windows): *returns [*n][n_val] and their evaluation ids *ids [*n], both malloc'd (caller frees).
 * For the deflated Sharpe ratio and PBO. */
int archive_validation_returns(evo_archive *a, int64_t run, int n_val, double **returns, int64_t **ids,
                               int *n, evo_error *err);

typedef enum {
    ARCHIVE_FORMAT_TABLE,  /* aligned columns under a header, "(no rows)" when empty; reals to 6
                              significant digits (integral from 1e6, so Unix times stay whole) */
    ARCHIVE_FORMAT_CSV,    /* RFC 4180 with a header line; reals in round-trip precision */
    ARCHIVE_FORMAT_JSON,   /* an array of objects, one per row; round-trip precision */
    ARCHIVE_FORMAT_LINES,  /* one "column  value" line per column, a blank line between rows; as the
                              table for numbers */
    ARCHIVE_FORMAT_OBJECT  /* the first row as one JSON object, or null when there is none */
} archive_format;

/* Run one read-only SQL statement (anything that would write, or a second statement, is refused with
 * EVO_ERR_USAGE, as is bad SQL, with SQLite's message) and print its rows in an archive_format.
 * NULL prints as nothing (table, CSV) or null (JSON); a blob as its size (table) or hex. */
int archive_query_print(evo_archive *a, const char *sql, int format, FILE *out, evo_error *err);

/* One value of a row that archive_query_rows hands over, typed as SQLite stored it. */
typedef enum {
    ARCHIVE_VALUE_NULL,    /* SQL NULL (also a non-finite number the archive stored) */
    ARCHIVE_VALUE_INTEGER, /* integer; also in real */
    ARCHIVE_VALUE_REAL,    /* floating point; integer holds it truncated */
    ARCHIVE_VALUE_TEXT,    /* text */
    ARCHIVE_VALUE_BLOB     /* bytes */
} archive_value_type;

typedef struct {
    archive_value_type type;
    int64_t integer;  /* INTEGER, or REAL truncated; 0 otherwise */
    double real;      /* INTEGER or REAL as a double; NAN otherwise */
    const char *text; /* TEXT (NUL-terminated); NULL otherwise */
    const void *blob; /* BLOB; NULL otherwise */
    int bytes;        /* length of text or blob */
} archive_value;

/* Run one read-only SQL statement (refused as archive_query_print refuses) and hand each row's values
 * row[n_col], in the statement's column order, to fn. Text and blobs live only until fn returns.
 * fn returns 0 to go on; anything else stops the walk and is returned (fn fills err itself when it
 * wants its own message). For code that needs numbers rather than printed rows (the report). */
int archive_query_rows(evo_archive *a, const char *sql,
                       int (*fn)(void *ctx, const archive_value *row, int n_col), void *ctx,
                       evo_error *err);

/* archive_query_print over n >= 1 archives at once, to compare them (e.g. the archives of a SLURM job
 * array): the same read-only SQL runs on each of a[n], and all their rows print as one result whose
 * first column, named label_column, holds labels[i] on the rows of a[i]. Rows come in archive order,
 * each archive's in its statement's order; with order_desc (the name of one of the statement's
 * columns) they are sorted by that column, descending, NULLs last, ties kept in that order; limit > 0
 * keeps the first limit rows. Same refusals, formats and values as archive_query_print; each error
 * names the archive at fault. The rows are merged in a scratch in-memory SQLite database (a read-only
 * archive refuses ATTACH), so the archives' handles stay read-only. */
int archive_query_print_merged(evo_archive *const *a, const char *const *labels, int n,
                               const char *label_column, const char *sql, const char *order_desc,
                               long limit, int format, FILE *out, evo_error *err);

#endif
