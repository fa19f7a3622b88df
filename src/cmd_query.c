/* cmd_query: `evofolio query ARCHIVE [COMMAND]` - read a search's archive: its runs, the leaderboard,
 * generation statistics, one candidate, its lineage, the test period next to the baselines, or any
 * read-only SQL. The archive is opened read-only, so nothing here can change it; every command is one
 * or more SQL statements printed by archive_query_print (the SQL is docs/archive.md's schema). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evofolio/archive.h"
#include "evofolio/buf.h"
#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/error.h"
#include "evofolio/genes.h"
#include "evofolio/suggest.h"

typedef enum {
    QUERY_RUNS,        /* every run */
    QUERY_TOP,         /* the leaderboard of a run */
    QUERY_GENERATIONS, /* generation statistics */
    QUERY_UTILISATION, /* worker utilisation over the run */
    QUERY_SHOW,        /* one evaluation */
    QUERY_LINEAGE,     /* an evaluation's ancestors */
    QUERY_BASELINES,   /* champions and baselines on the test period */
    QUERY_PARETO,      /* the Pareto front of a multi-objective run */
    QUERY_RUNGS,       /* the compute of a multi-fidelity run, by rung */
    QUERY_SQL,         /* the user's SQL */
    QUERY_COUNT
} query_command;

static const char *const command_names[QUERY_COUNT] = {"runs", "top", "generations", "utilisation", "show",
                                                       "lineage", "baselines", "pareto", "rungs", "sql"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: evofolio query ARCHIVE [COMMAND] [--run ID] [--format table|csv|json]\n"
            "       evofolio query ARCHIVE ARCHIVE... runs|top [-n N] [--format table|csv|json]\n\n"
            "Read the SQLite archive a search writes (also while it runs). The archive is opened\n"
            "read-only. Tables, columns and example SQL: docs/archive.md.\n\n"
            "commands:\n"
            "  runs              every run: status, evaluations, failures, cache hits, best fitness,\n"
            "                    champion, deflated Sharpe ratio, PBO\n"
            "  top [-n N]        the leaderboard: the N best successful candidates (default 10) with\n"
            "                    their genes and mean validation metrics (the default command)\n"
            "  generations       fitness statistics, diversity, cache hits, failures, wall time and\n"
            "                    worker utilisation per generation\n"
            "  utilisation       the utilisation over the run, measured from the evaluations'\n"
            "                    timestamps: busy worker-seconds / (workers x wall)\n"
            "  show ID           one candidate: its record and genome, metrics per validation fold,\n"
            "                    metrics on the test period, and its parents\n"
            "  lineage ID        the candidate and its ancestors through their parents, generation by\n"
            "                    generation\n"
            "  baselines         the champions and the baseline strategies on the held-out test period\n"
            "  pareto            a Pareto search (ga.objectives): its front - the successful candidates\n"
            "                    no other one beats in every objective - with each objective's value\n"
            "  rungs             a multi-fidelity search (ga.rungs): per rung, its training steps,\n"
            "                    evaluations, failures, promotions, best and mean fitness, worker-seconds\n"
            "                    and their share, and how well its ranking foretold the next rung's\n"
            "  sql \"SELECT ...\"  any read-only SQL statement\n\n"
            "several archives (the arguments before the command, e.g. the archives of a SLURM job\n"
            "array) are compared side by side: `runs` lists the runs of all of them, `top` the N best\n"
            "candidates over the newest run of each, fitness descending; both with a first column\n"
            "`archive`, the file's name (its path as given when two names are the same). The other\n"
            "commands, and --run, take one archive.\n\n"
            "options:\n"
            "  -r, --run ID      the run (default: the newest)\n"
            "  -n, --top N       rows of `top` (default 10)\n"
            "  -f, --format F    table (default), csv or json. With csv, the sections of `show` are\n"
            "                    separated by a blank line; with json they make one object\n"
            "  -h, --help        this help\n\n"
            "examples:\n"
            "  evofolio query results/dow30.db top -n 20\n"
            "  evofolio query results/dow30-*.db top -n 20    # a job array's archives\n"
            "  evofolio query results/dow30.db sql \"SELECT model, count(*), max(fitness) FROM\n"
            "      evaluations WHERE status = 'ok' GROUP BY model\"\n");
}

typedef struct {
    evo_archive *a;
    out_format fmt;
    int64_t run;
    char name[EVO_NAME_MAX];
    evo_error err;
    int sections; /* sections printed so far (CSV blank lines, JSON commas) */
} query_ctx;

/* Print one section: a table of rows, or one record (one_row). JSON sections become "title": value
 * members of one object that the caller opens and closes; table sections get the title above. */
static int section(query_ctx *q, const char *key, const char *title, const char *sql, int one_row)
{
    static const int formats[3][2] = {{ARCHIVE_FORMAT_TABLE, ARCHIVE_FORMAT_LINES},
                                      {ARCHIVE_FORMAT_CSV, ARCHIVE_FORMAT_CSV},
                                      {ARCHIVE_FORMAT_JSON, ARCHIVE_FORMAT_OBJECT}};
    if (q->fmt == OUT_JSON && key)
        printf("%s\"%s\": ", q->sections ? ",\n " : "{", key);
    else if (q->fmt == OUT_CSV && q->sections)
        printf("\n");
    else if (q->fmt == OUT_TABLE && title)
        printf("%s%s\n", q->sections ? "\n" : "", title);
    q->sections++;
    fflush(stdout);
    return archive_query_print(q->a, sql, formats[q->fmt][one_row], stdout, &q->err);
}

/* Every run with its counts. Each count walks an index, not the evaluations themselves: failures are
 * what is neither a success nor a cache hit. */
#define RUNS_SQL                                                                                         \
    "SELECT r.id, r.name, r.status, r.mode, r.ranks, datetime(r.started, 'unixepoch') AS "             \
    "started, datetime(r.ended, 'unixepoch') AS ended, e.n AS evaluations, "                            \
    "e.n - e.ok - e.hits AS failures, e.hits AS cache_hits, e.best, r.champion, r.dsr, "               \
    "r.n_trials, r.n_effective, r.pbo, r.skill, printf('%llu', r.seed) AS seed, r.config_hash, "       \
    "r.data_hash, r.host, r.verdict, r.reason, r.version, r.git_commit, r.command, r.assets "           \
    "FROM runs r, (SELECT r2.id AS run, "                                                               \
    "(SELECT count(*) FROM evaluations WHERE run = r2.id) AS n, "                                       \
    "(SELECT count(*) FROM evaluations INDEXED BY evaluations_fitness WHERE run = r2.id AND "           \
    "status = 'ok' AND cache_of IS NULL) AS ok, "                                                       \
    "(SELECT count(*) FROM evaluations WHERE run = r2.id AND cache_of IS NOT NULL) AS hits, "           \
    "(SELECT max(fitness) FROM evaluations WHERE run = r2.id AND status = 'ok' AND cache_of "          \
    "IS NULL) AS best FROM runs r2) e WHERE e.run = r.id ORDER BY r.id"

/* The leaderboard's columns that `top` prints after the id. */
#define TOP_COLUMNS_AFTER_ID                                                                             \
    "generation, fitness" ARCHIVE_GENE_COLUMNS ", val_sharpe, val_sortino, "                              \
    "val_max_drawdown, val_turnover, untrained_folds, params, seconds, origin"

/* One table of the run: in table format under "run ID 'NAME': what". */
static int run_table(query_ctx *q, const char *what, const char *sql, int one_row)
{
    if (q->fmt == OUT_TABLE)
        printf("run %lld '%s': %s\n\n", (long long)q->run, q->name, what);
    return section(q, NULL, NULL, sql, one_row);
}

static int query_runs(query_ctx *q)
{
    return section(q, NULL, NULL, RUNS_SQL, 0);
}

/* The configuration the run stored (the caller frees it with config_free). */
static int run_config(query_ctx *q, evo_config *cfg)
{
    char *yaml = NULL;
    int rc = archive_run_config(q->a, q->run, &yaml, &q->err);
    if (!rc)
        rc = config_parse(yaml, strlen(yaml), "(the run's configuration)", cfg, &q->err);
    free(yaml);
    return rc;
}

/* The run's ga.objectives. */
static int run_objectives(query_ctx *q, unsigned *objectives)
{
    evo_config cfg;
    int rc = run_config(q, &cfg);
    if (!rc) {
        *objectives = cfg.ga.objectives;
        config_free(&cfg);
    }
    return rc;
}

static int first_rung(void *ctx, int64_t eval, const archive_rung *r)
{
    (void)eval, (void)r;
    *(int *)ctx = 1;
    return 1; /* stops the walk: one is enough */
}

/* Is the run a multi-fidelity one (rows in table rungs)? From the rows, not the stored configuration,
 * so that any archive answers. 0 or 1, or an evo_err. */
static int run_has_rungs(query_ctx *q)
{
    int has = 0, rc = archive_for_each_rung(q->a, q->run, first_rung, &has, &q->err);
    return rc == 1 || rc == EVO_OK ? has : rc;
}

/* The leaderboard; a multi-fidelity run's with each row's rung and the steps it trained, a higher rung
 * first, as the search ranks them (ga.h). */
static int query_top(query_ctx *q, int n)
{
    const int rungs = run_has_rungs(q);
    if (rungs < 0)
        return rungs;
    char sql[1536], what[128];
    if (rungs)
        snprintf(sql, sizeof sql, "SELECT id, (SELECT rung FROM rungs g WHERE g.run = l.run AND g.eval = l.id) AS rung, "
                 "(SELECT steps FROM rungs g WHERE g.run = l.run AND g.eval = l.id) AS trained_steps, "
                 TOP_COLUMNS_AFTER_ID " FROM leaderboard l WHERE run = %lld ORDER BY rung DESC, fitness DESC, id "
                 "LIMIT %d", (long long)q->run, n);
    else
        snprintf(sql, sizeof sql, "SELECT id, " TOP_COLUMNS_AFTER_ID " FROM leaderboard WHERE run = %lld LIMIT %d",
                 (long long)q->run, n);
    snprintf(what, sizeof what, "the best successful candidates, %sfitness descending (at most %d)",
             rungs ? "the highest rung first, then " : "", n);
    return run_table(q, what, sql, 0);
}

/* The front, each candidate's objectives first (as they are: a minimised one is not negated), then
 * its leaderboard row; by the first objective, best first. */
static int query_pareto(query_ctx *q)
{
    unsigned objectives = 0;
    int rc = run_objectives(q, &objectives);
    if (!rc && !objectives)
        return evo_fail(&q->err, EVO_ERR_USAGE, "run %lld '%s' searched one objective (ga.objectives: []): `top` "
                        "lists its best; give ga.objectives 2 to 4 names for a Pareto search.", (long long)q->run,
                        q->name);
    archive_criteria front = {0};
    if (!rc)
        rc = archive_pareto_front(q->a, q->run, objectives, &front, &q->err);
    const int n = front.n;
    evo_buf sql = {0}, names = {0};
    int first = -1;
    for (int c = 0; c < CRITERION_COUNT; c++)
        if (objectives & 1u << c) {
            first = first < 0 ? c : first;
            buf_printf(&names, ", f.\"%s\"", catalog_criteria.names[c]);
        }
    buf_puts(&sql, "WITH front(id");
    for (int c = 0; c < CRITERION_COUNT; c++)
        if (objectives & 1u << c)
            buf_printf(&sql, ", \"%s\"", catalog_criteria.names[c]);
    buf_puts(&sql, ") AS (");
    for (int i = 0; i < n; i++) {
        buf_printf(&sql, "%sVALUES (%lld", i ? " UNION ALL " : "", (long long)front.ids[i]);
        for (int c = 0; c < CRITERION_COUNT; c++)
            if (objectives & 1u << c) /* 17 digits: the double itself; a NaN criterion as NULL */
                buf_printf(&sql, isfinite(front.values[i][c]) ? ", %.17g" : ", NULL", front.values[i][c]);
        buf_puts(&sql, ")");
    }
    if (n == 0) /* no successful candidate yet: an empty table with the columns */
        buf_printf(&sql, "SELECT 0%.*s WHERE 0", (int)names.len, names.data ? names.data : "");
    buf_printf(&sql, ") SELECT f.id%s, e.generation, e.fitness" ARCHIVE_GENE_COLUMNS_E ", e.val_sharpe, "
               "e.val_sortino, e.val_max_drawdown, e.val_turnover, e.params, e.origin FROM front f JOIN leaderboard e "
               "ON e.run = %lld AND e.id = f.id ORDER BY f.\"%s\" %s, f.id", names.data ? names.data : "",
               (long long)q->run, first >= 0 ? catalog_criteria.names[first] : "id",
               first >= 0 && catalog_criterion_minimised[first] ? "ASC" : "DESC");
    if (!rc && (sql.failed || names.failed))
        rc = evo_fail(&q->err, EVO_ERR_NOMEM, "out of memory for the front's %d rows", n);
    char what[160];
    snprintf(what, sizeof what, "the Pareto front: %d candidate%s no other one beats in every objective", n,
             n == 1 ? "" : "s");
    if (!rc)
        rc = run_table(q, what, sql.data, 0);
    buf_free(&sql);
    buf_free(&names);
    archive_criteria_free(&front);
    return rc;
}

static int query_rungs(query_ctx *q)
{
    const int rungs = run_has_rungs(q);
    if (rungs < 0)
        return rungs;
    if (!rungs)
        return evo_fail(&q->err, EVO_ERR_USAGE, "run %lld '%s' trained every candidate with its full budget "
                        "(ga.rungs: 1): there are no rungs to show. ga.rungs 2 to 6 makes a multi-fidelity "
                        "search.", (long long)q->run, q->name);
    char sql[sizeof ARCHIVE_RUNGS_SQL + 32];
    snprintf(sql, sizeof sql, ARCHIVE_RUNGS_SQL, (long long)q->run);
    return run_table(q, "compute by rung (worker_seconds: the trained evaluations'; spearman_next: the rank "
                        "correlation of fitness here and at the next rung of those that went up)", sql, 0);
}

/* One table per command, so that its csv is one table too. */
static int query_generations(query_ctx *q)
{
    char gens[1024];
    snprintf(gens, sizeof gens,
             "SELECT generation, evaluations, cache_hits, failures, best, mean, median, sd, diversity, "
             "wall_seconds, utilisation, datetime(finished, 'unixepoch') AS finished FROM generations "
             "WHERE run = %lld ORDER BY generation", (long long)q->run);
    return run_table(q, "the generations", gens, 0);
}

static int query_utilisation(query_ctx *q)
{
    char util[1024];
    /* busy worker-seconds / (workers x the span from the first start to the last finish) */
    snprintf(util, sizeof util,
             "SELECT count(*) AS evaluations, max(r.ranks - 1, 1) AS workers, "
             "sum(e.finished - e.started) AS busy_seconds, max(e.finished) - min(e.started) AS wall_seconds, "
             "sum(e.finished - e.started) / (max(r.ranks - 1, 1) * (max(e.finished) - min(e.started))) "
             "AS utilisation FROM runs r JOIN evaluations e ON e.run = r.id "
             "WHERE r.id = %lld AND e.cache_of IS NULL", (long long)q->run);
    return run_table(q, "utilisation from the evaluations' timestamps (cache hits aside): busy "
                        "worker-seconds / (workers x wall)", util, 1);
}

#define FOLD_COLUMNS                                                                                       \
    "first, last, days, sharpe, sortino, ann_return, ann_vol, max_drawdown, calmar, cvar95, "           \
    "avg_turnover, hit_rate, trades, steps, best_step, train_loss, holdout_loss, truncated, "         \
    "train_seconds, mae, mse, rmse, mape"

static int query_show(query_ctx *q, const archive_eval_row *row)
{
    char rec[2048], folds[768], test[768], parents[512], title[160];
    long long run = (long long)q->run, id = (long long)row->id;
    long long src = (long long)(row->cache_of ? row->cache_of : row->id); /* whose metrics */
    snprintf(rec, sizeof rec,
             "SELECT e.run, e.id, e.generation, e.origin, e.parent1, e.parent2, e.status, e.reason, "
             "e.fitness, e.cache_of, (SELECT rank FROM tests t WHERE t.run = e.run AND t.eval = e.id) AS "
             "test_rank, e.params, e.truncated, e.seconds, e.train_seconds, e.rank, e.host, "
             "datetime(e.started, 'unixepoch') AS started, datetime(e.finished, 'unixepoch') AS finished, "
             "printf('%%llu', e.seed) AS seed" ARCHIVE_GENE_COLUMNS_E ", e.key, "
             "e.genome, (SELECT count(*) FROM folds f WHERE f.run = e.run AND f.eval = %lld AND f.fold > 0 AND "
             "NOT (f.holdout_loss < f.initial_loss)) AS untrained_folds FROM evaluations e WHERE e.run = %lld "
             "AND e.id = %lld", src, run, id);
    snprintf(folds, sizeof folds, "SELECT fold, " FOLD_COLUMNS " FROM folds WHERE run = %lld AND eval = %lld "
             "AND fold > 0 ORDER BY fold", run, src);
    snprintf(test, sizeof test, "SELECT " FOLD_COLUMNS " FROM folds WHERE run = %lld AND eval = %lld AND "
             "fold = 0", run, src);
    snprintf(parents, sizeof parents, "SELECT id, generation, origin, status, fitness, key FROM evaluations "
             "WHERE run = %lld AND id IN (%lld, %lld) ORDER BY id", run, (long long)row->parents[0],
             (long long)row->parents[1]);
    snprintf(title, sizeof title, "evaluation %lld of run %lld '%s'", id, run, q->name);
    int rc = section(q, "evaluation", title, rec, 1);
    if (!rc) {
        if (row->cache_of)
            snprintf(title, sizeof title, "validation folds (of evaluation %lld: a cache hit reuses its "
                     "result)", (long long)row->cache_of);
        else
            snprintf(title, sizeof title, "validation folds");
        rc = section(q, "folds", title, folds, 0);
    }
    if (!rc)
        rc = section(q, "test", "held-out test period (champions only)", test, 1);
    if (!rc)
        rc = section(q, "parents", "parents", parents, 0);
    if (!rc && q->fmt == OUT_JSON)
        printf("}\n");
    return rc;
}

static int query_lineage(query_ctx *q, int64_t id)
{
    char sql[1536];
    long long run = (long long)q->run;
    /* UNION (not UNION ALL) visits each ancestor once, however many paths lead to it */
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE anc(id) AS (SELECT %lld UNION SELECT p.id FROM anc "
             "JOIN evaluations c ON c.run = %lld AND c.id = anc.id "
             "JOIN evaluations p ON p.run = %lld AND p.id IN (c.parent1, c.parent2)) "
             "SELECT e.generation, e.id, e.origin, e.parent1, e.parent2, e.status, e.fitness, e.cache_of"
             ARCHIVE_GENE_COLUMNS_E " FROM anc JOIN evaluations e ON e.run = %lld AND "
             "e.id = anc.id ORDER BY e.generation DESC, e.id DESC", (long long)id, run, run, run);
    if (q->fmt == OUT_TABLE)
        printf("evaluation %lld of run %lld '%s' and its ancestors, newest generation first\n\n",
               (long long)id, run, q->name);
    return section(q, NULL, NULL, sql, 0);
}

static int query_baselines(query_ctx *q)
{
    char sql[1536];
    long long run = (long long)q->run;
    snprintf(sql, sizeof sql,
             "SELECT * FROM (SELECT 'eval:' || t.eval AS name, t.rank, f.first, f.last, f.days, "
             "f.ann_return, f.ann_vol, f.sharpe, f.sortino, f.max_drawdown, f.calmar, f.cvar95, "
             "f.avg_turnover, f.hit_rate, f.trades FROM tests t CROSS JOIN folds f ON f.run = t.run AND "
             "f.eval = t.eval AND f.fold = 0 WHERE t.run = %lld "
             "UNION ALL SELECT 'baseline:' || strategy, NULL, first, last, days, ann_return, ann_vol, sharpe, "
             "sortino, max_drawdown, calmar, cvar95, avg_turnover, hit_rate, trades FROM baselines "
             "WHERE run = %lld) ORDER BY rank IS NULL, rank, name", run, run);
    return run_table(q, "the champions (by rank) and the baselines on the held-out test period", sql, 0);
}

/* `runs` or `top` over several archives (paths[n], n > 1), side by side: their rows merged into one
 * result by archive_query_print_merged with the archive's label in a first column `archive`. The label
 * is the file's base name, or the path as given when two base names are the same. */
static int query_several(char *const *paths, int n, int cmd, out_format fmt, long long top_n)
{
    static const int formats[3] = {ARCHIVE_FORMAT_TABLE, ARCHIVE_FORMAT_CSV, ARCHIVE_FORMAT_JSON};
    evo_error err = {0};
    evo_archive **a = calloc((size_t)n, sizeof *a);
    const char **labels = calloc((size_t)n, sizeof *labels);
    archive_run *runs = calloc((size_t)n, sizeof *runs); /* top: each archive's newest run */
    int rc = a && labels && runs ? EVO_OK : evo_fail(&err, EVO_ERR_NOMEM, "out of memory");
    int unique = 1, width = 0;
    for (int i = 0; !rc && i < n; i++) {
        const char *slash = strrchr(paths[i], '/');
        labels[i] = slash && slash[1] ? slash + 1 : paths[i];
        for (int j = 0; j < i; j++)
            unique = unique && strcmp(labels[i], labels[j]);
    }
    for (int i = 0; !rc && i < n; i++) {
        if (!unique)
            labels[i] = paths[i];
        if ((int)strlen(labels[i]) > width)
            width = (int)strlen(labels[i]);
    }
    for (int i = 0; !rc && i < n; i++) {
        if (access(paths[i], F_OK) != 0) {
            rc = evo_fail(&err, EVO_ERR_USAGE, "%s: no such archive. Check the path; `evofolio run CONFIG` "
                          "writes the archive named by output.archive.", paths[i]);
            break;
        }
        if ((rc = archive_open(&a[i], paths[i], 1, &err)) || cmd != QUERY_TOP)
            continue;
        int64_t id = 0;
        int found = 0;
        if (!(rc = archive_run_newest(a[i], &id, &err)) && id)
            found = archive_run_get(a[i], id, &runs[i], &err);
        if (found < 0)
            rc = found;
        else if (!rc && !found)
            rc = evo_fail(&err, EVO_ERR_DATA, "%s holds no run yet. Leave it out until its run starts.",
                          paths[i]);
    }
    if (!rc && cmd == QUERY_TOP && fmt == OUT_TABLE) {
        printf("the best successful candidates of %d archives, the newest run of each, fitness descending "
               "(at most %lld)\n", n, top_n);
        for (int i = 0; i < n; i++)
            printf("  %-*s  run %lld '%s'\n", width, labels[i], (long long)runs[i].id, runs[i].name);
        printf("\n");
    }
    if (!rc) {
        char top[1024];
        snprintf(top, sizeof top, "SELECT run, id, " TOP_COLUMNS_AFTER_ID " FROM leaderboard WHERE run = (SELECT max(id) "
                 "FROM runs) LIMIT %lld", top_n);
        fflush(stdout);
        rc = cmd == QUERY_TOP
                 ? archive_query_print_merged(a, labels, n, "archive", top, "fitness", (long)top_n,
                                              formats[fmt], stdout, &err)
                 : archive_query_print_merged(a, labels, n, "archive", RUNS_SQL, NULL, 0, formats[fmt],
                                              stdout, &err);
    }
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "evofolio query: %s\n", err.msg);
    }
    for (int i = 0; a && i < n; i++)
        archive_close(a[i]);
    free(a);
    free(labels);
    free(runs);
    return evo_exit_code(rc);
}

/* The command named s, or QUERY_COUNT. */
static int command_index(const char *s)
{
    int cmd = 0;
    while (cmd < QUERY_COUNT && strcmp(s, command_names[cmd]))
        cmd++;
    return cmd;
}

static void unknown_command(const char *name)
{
    const char *near = suggest_closest(name, command_names, QUERY_COUNT);
    fprintf(stderr, "evofolio query: unknown command '%s'%s%s%s. The commands:", name, near ? " (did you mean '" : "",
            near ? near : "", near ? "'?)" : "");
    for (int cmd = 0; cmd < QUERY_COUNT; cmd++)
        fprintf(stderr, "%s %s", cmd ? "," : "", command_names[cmd]);
    fprintf(stderr, ".\n");
}

int cmd_query(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"run", required_argument, NULL, 'r'}, {"top", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    out_format fmt = OUT_TABLE;
    long long run_id = 0, top_n = 10;
    int c;
    int done;
    while ((c = cmd_option(argc, argv, "r:n:f:h", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'r':
            if (cmd_parse_run("query", optarg, &run_id))
                return 2;
            break;
        case 'n':
            if ((top_n = cmd_parse_id(optarg)) < 0 || top_n > 1000000) {
                fprintf(stderr, "evofolio query: -n expects a whole number from 1 to 1000000, got '%s'.\n",
                        optarg);
                return 2;
            }
            break;
        case 'f':
            if (cmd_parse_format("query", optarg, OUT_ALL, &fmt))
                return 2;
            break;
        }
    }
    if (done >= 0)
        return done;
    /* ARCHIVE... [COMMAND [ARG]]: the archives are the arguments before the first command name */
    char **args = argv + optind;
    int n_args = argc - optind, n_archives = 0;
    while (n_archives < n_args && command_index(args[n_archives]) == QUERY_COUNT)
        n_archives++;
    if (n_archives == 0)
        return cmd_usage_error("query", usage, "expected an ARCHIVE file%s%s%s.", n_args ? " before the command '" : "",
                               n_args ? args[0] : "", n_args ? "'" : "");
    /* No command at all: a word after the first archive that is no file is more likely a misspelt
     * command than a missing archive when it is close to a command or does not look like a path. */
    for (int i = 1; n_archives == n_args && i < n_args; i++)
        if (access(args[i], F_OK) != 0 &&
            (suggest_closest(args[i], command_names, QUERY_COUNT) || !strpbrk(args[i], "./"))) {
            unknown_command(args[i]);
            return 2;
        }
    const char *path = args[0], *cmd_name = n_archives < n_args ? args[n_archives] : "top";
    int cmd = command_index(cmd_name);
    int n_rest = n_archives < n_args ? n_args - n_archives - 1 : 0; /* after the command */
    const char *arg = n_rest > 0 ? args[n_archives + 1] : NULL;
    if (n_archives > 1 && cmd != QUERY_RUNS && cmd != QUERY_TOP) {
        fprintf(stderr, "evofolio query %s: takes one archive, but %d were given (%s, %s%s). Only `runs` "
                "and `top` compare several archives.\n", cmd_name, n_archives, args[0], args[1],
                n_archives > 2 ? ", ..." : "");
        return 2;
    }
    if (n_archives > 1 && run_id) {
        fprintf(stderr, "evofolio query %s: --run picks a run of one archive, but %d archives were given "
                "(%s, %s%s); with several, `top` takes the newest run of each. Query one archive for "
                "another run.\n", cmd_name, n_archives, args[0], args[1], n_archives > 2 ? ", ..." : "");
        return 2;
    }
    int needs_arg = cmd == QUERY_SHOW || cmd == QUERY_LINEAGE || cmd == QUERY_SQL;
    if (needs_arg != (arg != NULL) || n_rest > 1) {
        fprintf(stderr, "evofolio query %s: %s.\n", cmd_name,
                cmd == QUERY_SQL ? "expected one SQL statement in quotes, e.g. sql \"SELECT * FROM runs\""
                : needs_arg      ? "expected an evaluation ID (`top` lists the best)"
                                 : "takes no argument besides the options");
        return 2;
    }
    long long eval_id = 0;
    if ((cmd == QUERY_SHOW || cmd == QUERY_LINEAGE) && (eval_id = cmd_parse_id(arg)) < 0) {
        fprintf(stderr, "evofolio query %s: expected an evaluation ID (a whole number > 0), got '%s'.\n",
                cmd_name, arg);
        return 2;
    }
    if (n_archives > 1)
        return query_several(args, n_archives, cmd, fmt, top_n);
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "evofolio query: %s: no such archive. Check the path; `evofolio run CONFIG` writes "
                "the archive named by output.archive.\n", path);
        return 2;
    }
    query_ctx q = {.fmt = fmt};
    int rc = archive_open(&q.a, path, 1, &q.err);
    if (!rc && cmd != QUERY_RUNS && cmd != QUERY_SQL) { /* the run: --run, or the newest */
        archive_run run;
        int64_t id = run_id;
        if (!id && !(rc = archive_run_newest(q.a, &id, &q.err)) && !id)
            rc = evo_fail(&q.err, EVO_ERR_DATA, "%s holds no run yet.", path);
        int found = rc ? 0 : archive_run_get(q.a, id, &run, &q.err);
        if (found < 0)
            rc = found;
        else if (!rc && !found)
            rc = evo_fail(&q.err, EVO_ERR_USAGE, "%s has no run %lld. `evofolio query %s runs` lists them.",
                          path, (long long)id, path);
        q.run = id;
        if (found > 0)
            snprintf(q.name, sizeof q.name, "%s", run.name);
    }
    archive_eval_row row;
    if (!rc && (cmd == QUERY_SHOW || cmd == QUERY_LINEAGE)) {
        int found = archive_get_evaluation(q.a, q.run, eval_id, &row, &q.err);
        if (found < 0)
            rc = found;
        else if (!found)
            rc = evo_fail(&q.err, EVO_ERR_USAGE, "run %lld of %s has no evaluation %lld. `evofolio query "
                          "%s top` lists the best%s.", (long long)q.run, path, eval_id, path,
                          run_id ? "" : "; --run ID picks another run");
    }
    if (!rc) {
        switch ((query_command)cmd) {
        case QUERY_RUNS: rc = query_runs(&q); break;
        case QUERY_TOP: rc = query_top(&q, (int)top_n); break;
        case QUERY_GENERATIONS: rc = query_generations(&q); break;
        case QUERY_UTILISATION: rc = query_utilisation(&q); break;
        case QUERY_SHOW: rc = query_show(&q, &row); break;
        case QUERY_LINEAGE: rc = query_lineage(&q, eval_id); break;
        case QUERY_BASELINES: rc = query_baselines(&q); break;
        case QUERY_PARETO: rc = query_pareto(&q); break;
        case QUERY_RUNGS: rc = query_rungs(&q); break;
        case QUERY_SQL: rc = section(&q, NULL, NULL, arg, 0); break;
        default: break;
        }
    }
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "evofolio query: %s\n", q.err.msg);
    }
    archive_close(q.a);
    return evo_exit_code(rc);
}
