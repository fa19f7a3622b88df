/* Tests of archive: creating and reopening, the schema version check, runs, evaluations stored with
 * their folds and state in one transaction (and nothing stored when any part fails), the resume state,
 * the walk the resume uses, cache hits, generations, test results, baselines and series, champion
 * statistics, validation returns, the leaderboard view and its index, the printed formats, a
 * read-only handle that cannot write, and WAL: readers beside a writer, and rows that survive a
 * writer killed without closing. Results and individuals are built by hand; each test works in its own
 * temporary directory. */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evofolio/archive.h"
#include "scratch.h"

static char dir[64];
static char path[128];

static void setup(void)
{
    scratch_create(dir, sizeof dir, "archive");
    snprintf(path, sizeof path, "%s/a.db", dir);
}

static void teardown(void)
{
    scratch_remove(dir);
}

TestSuite(archive, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- builders */

static evo_archive *open_rw(void)
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    return a;
}

static evo_archive *open_ro(void)
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 1, &err), EVO_OK, "%s", err.msg);
    return a;
}

static int64_t new_run(evo_archive *a, const char *name)
{
    archive_run run = {0};
    evo_error err = {0};
    snprintf(run.name, sizeof run.name, "%s", name);
    snprintf(run.config_hash, sizeof run.config_hash, "0123456789abcdef");
    snprintf(run.data_hash, sizeof run.data_hash, "fedcba9876543210");
    run.seed = 42;
    run.mode = GA_GENERATIONAL;
    run.ranks = 3;
    snprintf(run.host, sizeof run.host, "node1");
    run.status = RUN_RUNNING;
    cr_assert_eq(archive_run_create(a, &run, "name: test\n", &err), EVO_OK, "%s", err.msg);
    cr_assert_gt(run.id, 0);
    return run.id;
}

/* An asset-model individual whose genes vary with hidden (so keys differ). */
static ga_individual individual(int64_t id, int hidden, double fitness, int64_t p1, int64_t p2,
                                evo_origin origin)
{
    ga_individual ind;
    memset(&ind, 0, sizeof ind);
    ind.genome = (evo_genome){.model = MODEL_ASSET, .objective = OBJECTIVE_SHARPE, .layers = 2,
                              .hidden = hidden, .seq_len = 20, .lr = 0.001, .weight_decay = 1e-4,
                              .dropout = 0.1, .batch = 32, .steps = 10,
                              .features = (1u << FEATURE_RET1) | (1u << FEATURE_VOL20), .rebalance = 5};
    genome_key(&ind.genome, ind.key);
    ind.fitness = fitness;
    ind.id = id;
    ind.parents[0] = p1;
    ind.parents[1] = p2;
    ind.origin = origin;
    return ind;
}

/* A result with n folds; fold k has Sharpe sharpe0 + k and covers days 10k+1 .. 10k+10. */
static evo_eval_result *result(double fitness, int n, double sharpe0, int failed)
{
    evo_eval_result *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    r->status = failed ? EVAL_FAILED : EVAL_OK;
    if (failed)
        snprintf(r->reason, sizeof r->reason, "diverged: loss is NaN at step 3");
    r->fitness = failed ? -INFINITY : fitness;
    r->val_sharpe = sharpe0 + (n - 1) / 2.0; /* stands for the pooled one: the folds' mean here */
    r->n_folds = n;
    r->n_params = 1234;
    r->seconds = 2.5;
    r->train_seconds = 2.0;
    for (int k = 0; k < n; k++) {
        evo_fold_result *f = &r->folds[k];
        f->window = (evo_window){10 * k + 1, 10 * k + 10};
        f->metrics = (evo_metrics){.days = 10, .ann_return = 0.1 * (k + 1), .ann_vol = 0.2,
                                   .sharpe = sharpe0 + k, .sortino = 2 * (sharpe0 + k),
                                   .max_drawdown = 0.05, .calmar = 2, .cvar95 = 0.02,
                                   .avg_turnover = 0.1, .hit_rate = 0.55, .trades = 4};
        f->errors = (evo_forecast_errors){1, 2, 3, 4};
        f->train = (model_train_report){.steps = 8, .best_step = 5, .train_loss = -0.5,
                                        .holdout_loss = -0.4, .initial_loss = -0.1, .seconds = 0.4};
    }
    return r;
}

/* Panel dates: day d is 2020-01-01 + d. */
static evo_date dates[200];

static void fill_dates(void)
{
    for (int d = 0; d < 200; d++)
        dates[d] = date_from_ymd(2020, 1, 1) + d;
}

/* Store one evaluation (res may be NULL: a cache hit of cache_of); returns the status. */
static int put(evo_archive *a, int64_t run, const ga_individual *ind, const evo_eval_result *res,
               int64_t cache_of, const archive_state *state, evo_error *err)
{
    fill_dates();
    double val[4] = {0.01, -0.02, 0.03, (double)ind->id};
    archive_eval e = {.run = run, .id = ind->id, .generation = 1, .ind = ind, .seed = 0xfedcba9876543210ull,
                      .res = res, .cache_of = cache_of, .rank = 2, .host = "node2", .started = 1.7e9,
                      .finished = 1.7e9 + 3, .val_returns = res ? val : NULL, .n_val = res ? 4 : 0,
                      .dates = dates};
    return archive_put_evaluation(a, &e, state, err);
}

static void put_ok(evo_archive *a, int64_t run, const ga_individual *ind, const evo_eval_result *res,
                   int64_t cache_of)
{
    evo_error err = {0};
    cr_assert_eq(put(a, run, ind, res, cache_of, NULL, &err), EVO_OK, "%s", err.msg);
}

/* The CSV of a query (header and rows); caller frees. */
static char *query(evo_archive *a, const char *sql, int format)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    evo_error err = {0};
    int rc = archive_query_print(a, sql, format, f, &err);
    fclose(f);
    cr_assert_eq(rc, EVO_OK, "%s: %s", sql, err.msg);
    return text;
}

/* Assert that a query's CSV is exactly `expected`. */
static void expect(evo_archive *a, const char *sql, const char *expected)
{
    char *text = query(a, sql, ARCHIVE_FORMAT_CSV);
    cr_assert_str_eq(text, expected, "%s\ngot:\n%s", sql, text);
    free(text);
}

/* Run SQL on the file through a separate connection (to damage or instrument the archive). */
static void raw_sql(const char *sql)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
}

/* The file's journal mode, read through a separate connection. */
static void expect_journal(const char *mode)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), mode);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---------------------------------------------------------------- open */

Test(archive, create_and_reopen, .description = "a new file gets the schema; it reopens both ways")
{
    evo_archive *a = open_rw();
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n6\n");
    expect(a, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type IN "
              "('table', 'view') ORDER BY name)",
           "\"group_concat(name, ' ')\"\n"
           "baselines confirmations evaluations folds generations leaderboard meta runs series state tests writers\n");
    expect_journal("wal");
    new_run(a, "r");
    archive_close(a);
    expect_journal("delete"); /* at rest: one file */
    cr_assert_eq(access(path, F_OK), 0);
    a = open_rw();
    expect(a, "SELECT count(*) AS n FROM runs", "n\n1\n");
    archive_close(a);
    a = open_ro();
    expect(a, "SELECT name FROM runs", "name\nr\n");
    archive_close(a);
    archive_close(NULL);
}

/* What a new archive had before schema 6: no columns for the attention genes, keys without them. */
#define BEFORE_SCHEMA_6                                                                                    \
    "DROP VIEW leaderboard; ALTER TABLE evaluations DROP COLUMN arch; ALTER TABLE evaluations DROP COLUMN " \
    "d_model; ALTER TABLE evaluations DROP COLUMN heads; ALTER TABLE evaluations DROP COLUMN ff; "          \
    "UPDATE evaluations SET key = replace(key, ';arch=lstm;d_model=0;heads=0;ff=0', ''); "                 \
    "CREATE VIEW leaderboard AS SELECT * FROM evaluations; "

/* An archive of schema 3 (before runs.blas): read as it is, upgraded in place by a writer. */
Test(archive, schema_4_is_read_and_upgraded, .description = "read-only: no rungs; a writer says 6 (table rungs comes with the first rung)")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    archive_close(a);
    raw_sql(BEFORE_SCHEMA_6 "UPDATE meta SET value = '4' WHERE key = 'schema_version'");
    a = open_ro();
    archive_rung r;
    evo_error err = {0};
    cr_assert_eq(archive_get_rung(a, run, 1, &r, &err), 0, "schema 4 has no rungs");
    archive_close(a);
    a = open_rw();
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n6\n");
    archive_close(a);
}

/* An archive of schema 5 (before the attention genes): its LSTMs read with arch lstm; a writer adds the
 * columns and gives the old keys the new genes, so that a resumed run finds its candidates. */
Test(archive, schema_5_is_read_and_upgraded, .description = "read-only: views with arch lstm; a writer adds the genes' columns, keys as genome_key")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    ga_individual i1 = individual(1, 16, 0.9, 0, 0, ORIGIN_RANDOM);
    evo_eval_result *r1 = result(0.9, 2, 0.5, 0);
    put_ok(a, run, &i1, r1, 0);
    archive_close(a);
    raw_sql(BEFORE_SCHEMA_6 "UPDATE meta SET value = '5' WHERE key = 'schema_version'");
    a = open_ro();
    expect(a, "SELECT id, arch, d_model, heads, ff, hidden FROM evaluations", "id,arch,d_model,heads,ff,hidden\n1,lstm,0,0,0,16\n");
    expect(a, "SELECT id, arch FROM leaderboard", "id,arch\n1,lstm\n");
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n5\n"); /* a reader changes nothing */
    archive_close(a);
    a = open_rw();
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n6\n");
    char want[GENOME_KEY_MAX + 64];
    snprintf(want, sizeof want, "key,arch,d_model\n%s,lstm,0\n", i1.key);
    expect(a, "SELECT key, arch, d_model FROM evaluations", want);
    expect(a, "SELECT id, arch FROM leaderboard", "id,arch\n1,lstm\n");
    ga_individual i2 = individual(2, 8, 0.5, 0, 0, ORIGIN_RANDOM);
    put_ok(a, run, &i2, r1, 0); /* the upgraded file takes new rows */
    expect(a, "SELECT count(*) AS n FROM leaderboard", "n\n2\n");
    archive_close(a);
    free(r1);
}

Test(archive, schema_3_is_read_and_upgraded, .description = "read-only: no kernel plan; a writer adds runs.blas and says 6")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    archive_provenance p = {"0.1.0", "abc", "evofolio run x.yaml", "avx2", NULL, 0, NULL, 0};
    evo_error err = {0};
    cr_assert_eq(archive_run_set_provenance(a, run, &p, &err), EVO_OK, "%s", err.msg);
    char plan[64];
    cr_assert_eq(archive_run_blas(a, run, plan, sizeof plan, &err), EVO_OK);
    cr_assert_str_eq(plan, "avx2");
    archive_close(a);
    raw_sql(BEFORE_SCHEMA_6 "ALTER TABLE runs DROP COLUMN blas; UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    a = open_ro();
    cr_assert_eq(archive_run_blas(a, run, plan, sizeof plan, &err), EVO_OK);
    cr_assert_str_eq(plan, "", "schema 3 recorded no plan");
    expect(a, "SELECT name FROM runs", "name\nr\n");
    archive_close(a);
    a = open_ro();
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n3\n"); /* a reader changes nothing */
    archive_close(a);
    a = open_rw();
    expect(a, "SELECT value FROM meta WHERE key = 'schema_version'", "value\n6\n");
    cr_assert_eq(archive_run_blas(a, run, plan, sizeof plan, &err), EVO_OK);
    cr_assert_str_eq(plan, "", "the old run's plan stays unknown");
    cr_assert_eq(archive_run_set_provenance(a, run, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_run_blas(a, run, plan, sizeof plan, &err), EVO_OK);
    cr_assert_str_eq(plan, "avx2");
    archive_close(a);
}

Test(archive, refuses_newer_schema_and_foreign_files, .description = "a clear message, EVO_ERR_DATA/IO")
{
    evo_archive *a = open_rw();
    archive_close(a);
    raw_sql("UPDATE meta SET value = '7' WHERE key = 'schema_version'");
    evo_error err = {0};
    for (int ro = 0; ro < 2; ro++) {
        a = (evo_archive *)1;
        cr_assert_eq(archive_open(&a, path, ro, &err), EVO_ERR_DATA);
        cr_assert_null(a);
        cr_assert(strstr(err.msg, "schema version 7 is newer than this evofolio reads (6)"), "%s", err.msg);
        cr_assert(strstr(err.msg, path), "%s", err.msg);
    }
    /* an archive of the first schema (epochs, no confirmations): named, with what to do */
    raw_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "schema version 1 was written by an older evofolio"), "%s", err.msg);
    cr_assert(strstr(err.msg, "new archive"), "%s", err.msg);
    /* an SQLite database that is not an archive, a text file, a missing file */
    snprintf(path, sizeof path, "%s/other.db", dir);
    raw_sql("CREATE TABLE t (x)");
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "not an evofolio archive"), "%s", err.msg);
    snprintf(path, sizeof path, "%s/text.db", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("date,AAA\n2020-01-02,1\n", f);
    fclose(f);
    cr_assert_eq(archive_open(&a, path, 1, &err), EVO_ERR_DATA, "%s", err.msg);
    cr_assert(strstr(err.msg, "not an evofolio archive"), "%s", err.msg);
    snprintf(path, sizeof path, "%s/missing.db", dir);
    cr_assert_eq(archive_open(&a, path, 1, &err), EVO_ERR_IO);
    cr_assert(strstr(err.msg, "missing.db") && strstr(err.msg, "Check the path"), "%s", err.msg);
    cr_assert_eq(access(path, F_OK), -1, "a read-only open does not create the file");
}

/* ---------------------------------------------------------------- runs */

Test(archive, runs_create_find_resumable_and_status, .description = "the newest unfinished run by name")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    archive_run run = {0};
    int64_t newest = -1;
    cr_assert_eq(archive_run_newest(a, &newest, &err), EVO_OK);
    cr_assert_eq(newest, 0, "no run yet");
    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 0);

    archive_run r = {0};
    snprintf(r.name, sizeof r.name, "a");
    snprintf(r.config_hash, sizeof r.config_hash, "00000000000000ff");
    snprintf(r.data_hash, sizeof r.data_hash, "ff00000000000000");
    r.seed = 0xffffffffffffff01ull; /* above 2^63: stored as a signed integer, read back whole */
    r.mode = GA_STEADY;
    r.ranks = 8;
    snprintf(r.host, sizeof r.host, "login1");
    r.status = RUN_RUNNING;
    cr_assert_eq(archive_run_create(a, &r, "name: a\n", &err), EVO_OK, "%s", err.msg);
    cr_assert_gt(r.started, 1.6e9, "started filled with the time now");
    int64_t r1 = r.id, r2 = new_run(a, "a"), r3 = new_run(a, "b");
    cr_assert(r1 < r2 && r2 < r3);

    cr_assert_eq(archive_run_get(a, r1, &run, &err), 1);
    cr_assert_str_eq(run.name, "a");
    cr_assert_str_eq(run.config_hash, "00000000000000ff");
    cr_assert_str_eq(run.data_hash, "ff00000000000000");
    cr_assert_eq(run.seed, 0xffffffffffffff01ull);
    cr_assert_eq(run.mode, GA_STEADY);
    cr_assert_eq(run.ranks, 8);
    cr_assert_str_eq(run.host, "login1");
    cr_assert_eq(run.status, RUN_RUNNING);
    cr_assert_eq(run.started, r.started);
    cr_assert_eq(run.ended, 0);
    cr_assert_eq(archive_run_get(a, 99, &run, &err), 0);
    cr_assert_eq(archive_run_newest(a, &newest, &err), EVO_OK);
    cr_assert_eq(newest, r3);

    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 1);
    cr_assert_eq(run.id, r2, "the newest of the name");
    cr_assert_eq(archive_run_set_status(a, r2, RUN_DONE, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 1);
    cr_assert_eq(run.id, r1, "a finished run is not resumable");
    cr_assert_eq(archive_run_set_status(a, r1, RUN_STOPPED, &err), EVO_OK);
    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 1);
    cr_assert_eq(run.id, r1, "a stopped run is");
    cr_assert_eq(run.status, RUN_STOPPED);
    cr_assert_gt(run.ended, 1.6e9);
    cr_assert_eq(archive_run_set_status(a, r1, RUN_RUNNING, &err), EVO_OK);
    cr_assert_eq(archive_run_get(a, r1, &run, &err), 1);
    cr_assert_eq(run.ended, 0, "a resumed run is running again");
    cr_assert_eq(archive_run_fail(a, r1, "the disk is full", &err), EVO_OK);
    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 1);
    cr_assert_eq(run.status, RUN_FAILED, "a failed run resumes once its cause is fixed: nothing is lost");
    expect(a, "SELECT reason FROM runs WHERE status = 'failed'", "reason\nthe disk is full\n");
    cr_assert_eq(archive_run_set_status(a, r1, RUN_DONE, &err), EVO_OK);
    cr_assert_eq(archive_run_find_resumable(a, "a", &run, &err), 0);
    cr_assert_eq(archive_run_find_resumable(a, "b", &run, &err), 1);
    cr_assert_eq(run.id, r3);

    cr_assert_eq(archive_run_set_status(a, 77, RUN_DONE, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "no run 77"), "%s", err.msg);
    expect(a, "SELECT id, status, printf('%llu', seed) AS seed, mode FROM runs ORDER BY id",
           "id,status,seed,mode\n1,done,18446744073709551361,steady\n2,done,42,generational\n"
           "3,running,42,generational\n");
    archive_close(a);
}

/* ---------------------------------------------------------------- evaluations */

Test(archive, evaluation_folds_and_state_in_one_transaction, .description = "all or nothing")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    ga_individual i1 = individual(1, 16, 0.9, 0, 0, ORIGIN_RANDOM);
    evo_eval_result *r1 = result(0.9, 3, 0.5, 0);
    int64_t members[2] = {1, 1};
    archive_state s = {.generation = 1, .next_id = 2, .n_members = 2, .members = members};
    rng_seed(&s.rng, 7);
    cr_assert_eq(put(a, run, &i1, r1, 0, &s, &err), EVO_OK, "%s", err.msg);
    expect(a, "SELECT id, generation, model, objective, layers, hidden, seq_len, lr, weight_decay, dropout,"
              " batch, steps, features, strategies, rebalance, parent1, parent2, origin,"
              " printf('%llu', seed) AS seed, status, reason, fitness, truncated, params, seconds,"
              " train_seconds, started, finished, rank, host, cache_of, length(val_returns) AS val FROM"
              " evaluations",
           "id,generation,model,objective,layers,hidden,seq_len,lr,weight_decay,dropout,batch,steps,"
           "features,strategies,rebalance,parent1,parent2,origin,seed,status,reason,fitness,truncated,"
           "params,seconds,train_seconds,started,finished,rank,host,cache_of,val\n"
           "1,1,asset,sharpe,2,16,20,0.001,0.0001,0.1,32,10,ret1+vol20,,5,,,random,"
           "18364758544493064720,ok,,0.9,0,1234,2.5,2,1700000000,1700000003,2,node2,,32\n");
    expect(a, "SELECT key, genome FROM evaluations",
           "key,genome\n"
           "model=asset;objective=sharpe;layers=2;hidden=16;seq_len=20;lr=0.001;weight_decay=0.0001;"
           "dropout=0.1;batch=32;steps=10;features=ret1+vol20;strategies=;rebalance=5;arch=lstm;d_model=0;"
           "heads=0;ff=0,"
           "\"{\"\"model\"\":\"\"asset\"\",\"\"objective\"\":\"\"sharpe\"\",\"\"layers\"\":2,"
           "\"\"hidden\"\":16,\"\"seq_len\"\":20,\"\"lr\"\":0.001,\"\"weight_decay\"\":0.0001,"
           "\"\"dropout\"\":0.1,\"\"batch\"\":32,\"\"steps\"\":10,\"\"features\"\":[\"\"ret1\"\",\"\"vol20\"\"],"
           "\"\"rebalance\"\":5,\"\"arch\"\":\"\"lstm\"\"}\"\n");
    expect(a, "SELECT fold, first, last, days, sharpe, sortino, steps, best_step, train_loss, initial_loss, mae"
              " FROM folds ORDER BY fold",
           "fold,first,last,days,sharpe,sortino,steps,best_step,train_loss,initial_loss,mae\n"
           "1,2020-01-02,2020-01-11,10,0.5,1,8,5,-0.5,-0.1,\n"
           "2,2020-01-12,2020-01-21,10,1.5,3,8,5,-0.5,-0.1,\n"
           "3,2020-01-22,2020-01-31,10,2.5,5,8,5,-0.5,-0.1,\n");
    expect(a, "SELECT generation, next_id, members FROM state", "generation,next_id,members\n1,2,\"[1,1]\"\n");

    /* a duplicate id: nothing of the second put is kept, not its folds and not its state */
    evo_eval_result *r2 = result(0.1, 5, -1, 0);
    s.generation = 9;
    cr_assert_eq(put(a, run, &i1, r2, 0, &s, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, path) && strstr(err.msg, "evaluation 1 of run 1") &&
              strstr(err.msg, "UNIQUE"), "%s", err.msg);
    expect(a, "SELECT count(*) AS n, max(fold) AS k FROM folds", "n,k\n3,3\n");
    expect(a, "SELECT generation FROM state", "generation\n1\n");

    /* a failure after the evaluation and its folds are written (a trigger refuses the state row):
     * the evaluation and its folds go too */
    raw_sql("CREATE TRIGGER refuse BEFORE INSERT ON state WHEN NEW.generation = 666 "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    ga_individual i2 = individual(2, 32, 0.5, 1, 0, ORIGIN_MUTATION);
    s.generation = 666;
    cr_assert_neq(put(a, run, &i2, r2, 0, &s, &err), EVO_OK);
    cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
    expect(a, "SELECT count(*) AS n FROM evaluations WHERE id = 2", "n\n0\n");
    expect(a, "SELECT count(*) AS n FROM folds WHERE eval = 2", "n\n0\n");
    expect(a, "SELECT generation FROM state", "generation\n1\n");
    /* the handle goes on working */
    s.generation = 2;
    cr_assert_eq(put(a, run, &i2, r2, 0, &s, &err), EVO_OK, "%s", err.msg);
    expect(a, "SELECT count(*) AS n FROM folds WHERE eval = 2", "n\n5\n");
    /* an unknown run breaks a foreign key */
    ga_individual i3 = individual(3, 8, 0.5, 0, 0, ORIGIN_RANDOM);
    cr_assert_eq(put(a, 99, &i3, r2, 0, NULL, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "FOREIGN KEY"), "%s", err.msg);
    free(r1);
    free(r2);
    archive_close(a);
}

Test(archive, failed_and_forecast_evaluations, .description = "failed: NULL fitness, reason; forecast: errors")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    ga_individual i1 = individual(1, 16, -INFINITY, 0, 0, ORIGIN_RANDOM);
    evo_eval_result *r1 = result(0, 2, 0.5, 1);
    put_ok(a, run, &i1, r1, 0);
    ga_individual i2 = individual(2, 16, 0.3, 0, 0, ORIGIN_RANDOM);
    i2.genome.objective = OBJECTIVE_FORECAST;
    genome_key(&i2.genome, i2.key);
    evo_eval_result *r2 = result(0.3, 1, 0.3, 0);
    r2->folds[0].metrics.calmar = NAN; /* non-finite doubles are stored as NULL */
    put_ok(a, run, &i2, r2, 0);
    ga_individual i3 = individual(3, 16, 0.3, 0, 0, ORIGIN_RANDOM);
    i3.genome.model = MODEL_PORTFOLIO;
    i3.genome.strategies = (1u << STRATEGY_EW) | (1u << STRATEGY_ERC);
    genome_key(&i3.genome, i3.key);
    put_ok(a, run, &i3, r2, 0);
    expect(a, "SELECT id, objective, features, strategies, status, reason, fitness FROM evaluations",
           "id,objective,features,strategies,status,reason,fitness\n"
           "1,sharpe,ret1+vol20,,failed,diverged: loss is NaN at step 3,\n"
           "2,forecast,ret1+vol20,,ok,,0.3\n3,sharpe,,ew+erc,ok,,0.3\n");
    expect(a, "SELECT eval, fold, calmar, mae, mse, rmse, mape FROM folds WHERE eval = 2",
           "eval,fold,calmar,mae,mse,rmse,mape\n2,1,,1,2,3,4\n");
    free(r1);
    free(r2);
    archive_close(a);
}

Test(archive, state_round_trip, .description = "generation, the RNG's 256 bits, next id, members")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    archive_state got;
    cr_assert_eq(archive_get_state(a, run, &got, &err), 0, "no state saved yet");
    cr_assert_null(got.members);
    int64_t members[5] = {11, 12, 13, 1ll << 40, 12};
    archive_state s = {.generation = 4, .next_id = 1ll << 40, .n_members = 5, .members = members};
    s.rng.s[0] = 0xffffffffffffffffull; /* every bit pattern survives SQLite's signed integers */
    s.rng.s[1] = 0x8000000000000000ull;
    s.rng.s[2] = 0;
    s.rng.s[3] = 0x0123456789abcdefull;
    archive_generation g = {.generation = 4, .best = 1};
    cr_assert_eq(archive_put_generation(a, run, &g, &s, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_get_state(a, run, &got, &err), 1, "%s", err.msg);
    cr_assert_eq(got.generation, 4);
    cr_assert_eq(got.next_id, 1ll << 40);
    cr_assert_arr_eq(got.rng.s, s.rng.s, sizeof s.rng.s);
    cr_assert_eq(got.n_members, 5);
    cr_assert_arr_eq(got.members, members, sizeof members);
    free(got.members);
    /* the next save replaces it; an empty population reads back empty */
    s.generation = 5;
    s.n_members = 0;
    g.generation = 5;
    cr_assert_eq(archive_put_generation(a, run, &g, &s, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_get_state(a, run, &got, &err), 1);
    cr_assert_eq(got.generation, 5);
    cr_assert_eq(got.n_members, 0);
    cr_assert_null(got.members);
    archive_close(a);
}

/* for_each_evaluation collects rows here. */
typedef struct {
    archive_eval_row rows[8];
    int n, stop_at;
} walk;

static int collect(void *ctx, const archive_eval_row *row)
{
    walk *w = ctx;
    w->rows[w->n++] = *row;
    return w->n == w->stop_at ? -99 : 0;
}

Test(archive, for_each_evaluation_order_and_fields, .description = "id order, every field, early stop")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r"), other = new_run(a, "other");
    ga_individual i3 = individual(3, 12, 0.7, 1, 2, ORIGIN_CROSSOVER);
    ga_individual i1 = individual(1, 10, 0.2, 0, 0, ORIGIN_RANDOM);
    ga_individual i2 = individual(2, 11, -INFINITY, 0, 0, ORIGIN_IMMIGRANT);
    ga_individual i4 = individual(4, 12, 0.7, 3, 0, ORIGIN_MUTATION);
    evo_eval_result *ok = result(0.7, 2, 0.5, 0), *bad = result(0, 1, 0, 1);
    ok->fitness = 0.7;
    put_ok(a, run, &i3, ok, 0);
    ok->fitness = 0.2;
    put_ok(a, run, &i1, ok, 0);
    put_ok(a, run, &i2, bad, 0);
    put_ok(a, run, &i4, NULL, 3); /* a cache hit of 3 */
    put_ok(a, other, &i1, ok, 0);

    walk w = {.stop_at = -1};
    cr_assert_eq(archive_for_each_evaluation(a, run, collect, &w, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(w.n, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w.rows[i].id, i + 1, "id order");
    cr_assert_str_eq(w.rows[0].key, i1.key);
    char *json = genome_to_json(&i1.genome);
    cr_assert_str_eq(w.rows[0].genome_json, json);
    free(json);
    cr_assert_eq(w.rows[0].fitness, 0.2);
    cr_assert_eq(w.rows[0].origin, ORIGIN_RANDOM);
    cr_assert_eq(w.rows[0].generation, 1);
    cr_assert(isinf(w.rows[1].fitness) && w.rows[1].fitness < 0, "a failed evaluation reads -inf");
    cr_assert_eq(w.rows[1].origin, ORIGIN_IMMIGRANT);
    cr_assert_eq(w.rows[2].fitness, 0.7);
    cr_assert_eq(w.rows[2].parents[0], 1);
    cr_assert_eq(w.rows[2].parents[1], 2);
    cr_assert_eq(w.rows[2].origin, ORIGIN_CROSSOVER);
    cr_assert_eq(w.rows[2].cache_of, 0);
    cr_assert_eq(w.rows[3].cache_of, 3);
    cr_assert_eq(w.rows[3].fitness, 0.7);
    cr_assert_eq(w.rows[3].parents[0], 3);
    cr_assert_eq(w.rows[3].parents[1], 0);
    cr_assert_eq(w.rows[3].origin, ORIGIN_MUTATION);

    walk stop = {.stop_at = 2};
    cr_assert_eq(archive_for_each_evaluation(a, run, collect, &stop, &err), -99, "fn's value is returned");
    cr_assert_eq(stop.n, 2);
    walk again = {.stop_at = -1}; /* the statement was reset by the early stop */
    cr_assert_eq(archive_for_each_evaluation(a, run, collect, &again, &err), EVO_OK);
    cr_assert_eq(again.n, 4);

    archive_eval_row row;
    cr_assert_eq(archive_get_evaluation(a, run, 3, &row, &err), 1);
    cr_assert_eq(row.parents[1], 2);
    cr_assert_eq(archive_get_evaluation(a, run, 5, &row, &err), 0);
    cr_assert_eq(archive_get_evaluation(a, other, 1, &row, &err), 1);
    free(ok);
    free(bad);
    archive_close(a);
}

Test(archive, cache_hits, .description = "no folds of their own; out of the leaderboard; a failed one says so")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    ga_individual i2 = individual(2, 11, -INFINITY, 0, 0, ORIGIN_RANDOM);
    evo_eval_result *ok = result(0.4, 2, 0.5, 0), *bad = result(0, 1, 0, 1);
    put_ok(a, run, &i1, ok, 0);
    put_ok(a, run, &i2, bad, 0);
    ga_individual h1 = individual(3, 10, 0.4, 1, 0, ORIGIN_MUTATION);
    ga_individual h2 = individual(4, 11, -INFINITY, 2, 0, ORIGIN_MUTATION);
    put_ok(a, run, &h1, NULL, 1);
    put_ok(a, run, &h2, NULL, 2);
    expect(a, "SELECT id, status, reason, fitness, cache_of, params, seconds, val_returns FROM evaluations"
              " WHERE cache_of IS NOT NULL",
           "id,status,reason,fitness,cache_of,params,seconds,val_returns\n"
           "3,ok,,0.4,1,,,\n4,failed,\"the same genome as evaluation 2, which failed\",,2,,,\n");
    expect(a, "SELECT count(*) AS n FROM folds WHERE eval IN (3, 4)", "n\n0\n");
    expect(a, "SELECT id FROM leaderboard", "id\n1\n");
    free(ok);
    free(bad);
    archive_close(a);
}

Test(archive, generations, .description = "every field, finished time; a generation stored again replaces")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    archive_generation g1 = {1, 0.9, 0.5, 0.45, 0.2, 0.8, 20, 2, 1, 12.5, 0.97};
    archive_generation g2 = {2, 1.1, NAN, 0.6, 0.1, 0.6, 20, 5, 0, 10, 0.95};
    cr_assert_eq(archive_put_generation(a, run, &g1, NULL, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_put_generation(a, run, &g2, NULL, &err), EVO_OK, "%s", err.msg);
    g2.best = 1.2;
    cr_assert_eq(archive_put_generation(a, run, &g2, NULL, &err), EVO_OK, "%s", err.msg);
    expect(a, "SELECT generation, best, mean, median, sd, diversity, evaluations, cache_hits, failures,"
              " wall_seconds, utilisation, finished > 1.6e9 AS timed FROM generations ORDER BY generation",
           "generation,best,mean,median,sd,diversity,evaluations,cache_hits,failures,wall_seconds,"
           "utilisation,timed\n1,0.9,0.5,0.45,0.2,0.8,20,2,1,12.5,0.97,1\n2,1.2,,0.6,0.1,0.6,20,5,0,10,0.95,1\n");
    cr_assert_eq(archive_put_generation(a, 55, &g1, NULL, &err), EVO_ERR_DATA, "no run 55");
    archive_close(a);
}

/* ---------------------------------------------------------------- the test period */

Test(archive, test_results_baselines_and_series, .description = "fold 0, ranks, daily series, replaced on a retry")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    ga_individual i2 = individual(2, 10, 0.3, 0, 0, ORIGIN_RANDOM);
    i2.genome.objective = OBJECTIVE_FORECAST;
    evo_eval_result *ok = result(0.4, 2, 0.5, 0);
    put_ok(a, run, &i1, ok, 0);
    put_ok(a, run, &i2, ok, 0);

    double net[3] = {0.01, -0.005, 0.002}, to[3] = {0.5, 0, 0}, w[6] = {0.25, 0.75, 0.3, 0.7, 1, 0};
    evo_fold_result test = ok->folds[0];
    test.window = (evo_window){101, 103};
    test.metrics.sharpe = 1.25;
    test.bt = (evo_backtest){.T = 3, .A = 2, .net = net, .turnover = to, .weights = w};
    fill_dates();
    for (int retry = 0; retry < 2; retry++) { /* storing again replaces: a resumed run's end */
        cr_assert_eq(archive_put_test_result(a, run, 1, 1, &test, dates + 101, &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(archive_put_test_result(a, run, 2, 2, &test, dates + 101, &err), EVO_OK, "%s", err.msg);
    }
    expect(a, "SELECT t.rank, f.eval, f.first, f.last, f.sharpe, f.mae FROM tests t JOIN folds f"
              " ON f.run = t.run AND f.eval = t.eval AND f.fold = 0 ORDER BY t.rank",
           "rank,eval,first,last,sharpe,mae\n1,1,2020-04-11,2020-04-13,1.25,\n2,2,2020-04-11,2020-04-13,1.25,1\n");
    expect(a, "SELECT owner, date, net_return, turnover, weights FROM series WHERE owner = 'eval:1' ORDER BY date",
           "owner,date,net_return,turnover,weights\n"
           "eval:1,2020-04-11,0.01,0.5,\"[0.25,0.75]\"\neval:1,2020-04-12,-0.005,0,\"[0.3,0.7]\"\n"
           "eval:1,2020-04-13,0.002,0,\"[1,0]\"\n");
    cr_assert_eq(archive_put_test_result(a, run, 9, 3, &test, dates + 101, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "no evaluation 9"), "%s", err.msg);

    evo_metrics m = {.days = 3, .ann_return = 0.05, .sharpe = 0.8, .trades = 1};
    for (int retry = 0; retry < 2; retry++)
        cr_assert_eq(archive_put_baseline(a, run, STRATEGY_INVVOL, &m, &test.bt, dates + 101, &err), EVO_OK,
                     "%s", err.msg);
    cr_assert_eq(archive_put_baseline(a, run, STRATEGY_EW, &m, NULL, dates + 101, &err), EVO_OK, "%s", err.msg);
    evo_backtest no_weights = {.T = 3, .A = 2, .net = net, .turnover = to};
    cr_assert_eq(archive_put_baseline(a, run, STRATEGY_ERC, &m, &no_weights, dates + 101, &err), EVO_OK, "%s",
                 err.msg);
    expect(a, "SELECT strategy, first, last, days, ann_return, sharpe, trades FROM baselines ORDER BY strategy",
           "strategy,first,last,days,ann_return,sharpe,trades\nerc,2020-04-11,2020-04-13,3,0.05,0.8,1\n"
           "ew,2020-04-11,2020-04-13,3,0.05,0.8,1\ninvvol,2020-04-11,2020-04-13,3,0.05,0.8,1\n");
    expect(a, "SELECT owner, count(*) AS days, count(weights) AS weights FROM series GROUP BY owner ORDER BY owner",
           "owner,days,weights\nbaseline:erc,3,0\nbaseline:invvol,3,3\neval:1,3,3\neval:2,3,3\n");
    free(ok);
    archive_close(a);
}

Test(archive, champion_stats, .description = "champion, DSR, trials; a NaN PBO is NULL")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    archive_champion_stats c = {7, 0.93, 120, 31.5, NAN, 0, "no skill shown: luck"};
    cr_assert_eq(archive_put_champion_stats(a, run, &c, &err), EVO_OK, "%s", err.msg);
    expect(a, "SELECT champion, dsr, n_trials, n_effective, pbo, skill, verdict FROM runs",
           "champion,dsr,n_trials,n_effective,pbo,skill,verdict\n7,0.93,120,31.5,,0,no skill shown: luck\n");
    c = (archive_champion_stats){7, 0.5, 10, 2, 0.25, 1, "skill"};
    cr_assert_eq(archive_put_champion_stats(a, run, &c, &err), EVO_OK);
    expect(a, "SELECT dsr, pbo, skill FROM runs", "dsr,pbo,skill\n0.5,0.25,1\n");
    cr_assert_eq(archive_put_champion_stats(a, 9, &c, &err), EVO_ERR_DATA);
    archive_close(a);
}

Test(archive, validation_returns, .description = "distinct successful candidates with n_val values, id order")
{
    evo_archive *a = open_rw();
    evo_error err = {0};
    int64_t run = new_run(a, "r");
    evo_eval_result *ok = result(0.4, 2, 0.5, 0), *bad = result(0, 1, 0, 1);
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    ga_individual i2 = individual(2, 11, -INFINITY, 0, 0, ORIGIN_RANDOM); /* failed */
    ga_individual i3 = individual(3, 12, 0.4, 0, 0, ORIGIN_RANDOM);
    ga_individual i4 = individual(4, 12, 0.4, 0, 0, ORIGIN_RANDOM);       /* same key as 3 */
    ga_individual i5 = individual(5, 10, 0.4, 0, 0, ORIGIN_RANDOM);       /* a cache hit */
    put_ok(a, run, &i3, ok, 0);
    put_ok(a, run, &i1, ok, 0);
    put_ok(a, run, &i2, bad, 0);
    put_ok(a, run, &i4, ok, 0);
    put_ok(a, run, &i5, NULL, 1);
    double *ret = NULL;
    int64_t *ids = NULL;
    int n = -1;
    cr_assert_eq(archive_validation_returns(a, run, 4, &ret, &ids, &n, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_eq(ids[0], 1);
    cr_assert_eq(ids[1], 3);
    double want[8] = {0.01, -0.02, 0.03, 1, 0.01, -0.02, 0.03, 3}; /* put() stores (.., id) */
    cr_assert_arr_eq(ret, want, sizeof want);
    free(ret);
    free(ids);
    cr_assert_eq(archive_validation_returns(a, run, 5, &ret, &ids, &n, &err), EVO_OK);
    cr_assert_eq(n, 0, "other windows");
    cr_assert_null(ret);
    free(ok);
    free(bad);
    archive_close(a);
}

/* ---------------------------------------------------------------- leaderboard and printing */

Test(archive, leaderboard_order_means_and_index,
     .description = "fitness desc, the pooled Sharpe, mean validation metrics, no sort")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    double fit[4] = {0.2, 0.9, 0.5, 0.9};
    for (int i = 0; i < 4; i++) {
        ga_individual ind = individual(i + 1, 10 + i, fit[i], 0, 0, ORIGIN_RANDOM);
        evo_eval_result *r = result(fit[i], 3, i, 0);
        put_ok(a, run, &ind, r, 0);
        free(r);
    }
    /* a test-period fold does not count in the validation means */
    evo_error err = {0};
    evo_eval_result *r = result(0, 1, 100, 0);
    r->folds[0].window = (evo_window){101, 110};
    fill_dates();
    cr_assert_eq(archive_put_test_result(a, run, 2, 1, &r->folds[0], dates + 101, &err), EVO_OK, "%s", err.msg);
    free(r);
    expect(a, "SELECT id, fitness, val_sharpe, val_sortino, round(val_ann_return, 12) AS r FROM leaderboard",
           "id,fitness,val_sharpe,val_sortino,r\n2,0.9,2,4,0.2\n4,0.9,4,8,0.2\n"
           "3,0.5,3,6,0.2\n1,0.2,1,2,0.2\n");
    /* `query top` walks the partial index and sorts nothing */
    char *plan = query(a, "EXPLAIN QUERY PLAN SELECT * FROM leaderboard WHERE run = 1 LIMIT 10",
                       ARCHIVE_FORMAT_CSV);
    cr_assert(strstr(plan, "evaluations_fitness"), "%s", plan);
    cr_assert_null(strstr(plan, "TEMP B-TREE"), "%s", plan);
    free(plan);
    archive_close(a);
}

Test(archive, query_formats, .description = "table, CSV, JSON, lines, object; escaping, NULL, blobs")
{
    evo_archive *a = open_rw();
    const char *sql = "SELECT 1 AS n, 2.5 AS x, 'a,\"b\"' AS s, NULL AS z, x'0aff' AS b UNION ALL "
                      "SELECT 100, 1712345678.25, 'line\nbreak \xc3\xa9', 'q', NULL";
    char *t = query(a, sql, ARCHIVE_FORMAT_CSV);
    cr_assert_str_eq(t, "n,x,s,z,b\n1,2.5,\"a,\"\"b\"\"\",,0aff\n100,1712345678.25,\"line\nbreak \xc3\xa9\",q,\n");
    free(t);
    t = query(a, sql, ARCHIVE_FORMAT_JSON);
    cr_assert_str_eq(t, "[{\"n\":1,\"x\":2.5,\"s\":\"a,\\\"b\\\"\",\"z\":null,\"b\":\"0aff\"},\n"
                        " {\"n\":100,\"x\":1712345678.25,\"s\":\"line\\nbreak \xc3\xa9\",\"z\":\"q\",\"b\":null}]\n");
    free(t);
    t = query(a, sql, ARCHIVE_FORMAT_TABLE);
    cr_assert_str_eq(t, "  n           x  s             z  b\n"
                        "  1         2.5  a,\"b\"            (2-byte blob)\n"
                        "100  1712345678  line\nbreak \xc3\xa9  q\n");
    free(t);
    t = query(a, "SELECT 1 AS id, 'x' AS longer_name", ARCHIVE_FORMAT_LINES);
    cr_assert_str_eq(t, "id           1\nlonger_name  x\n");
    free(t);
    t = query(a, sql, ARCHIVE_FORMAT_OBJECT);
    cr_assert_str_eq(t, "{\"n\":1,\"x\":2.5,\"s\":\"a,\\\"b\\\"\",\"z\":null,\"b\":\"0aff\"}\n");
    free(t);
    t = query(a, "SELECT 1 AS n WHERE 0", ARCHIVE_FORMAT_OBJECT);
    cr_assert_str_eq(t, "null\n");
    free(t);
    t = query(a, "SELECT 1 AS n WHERE 0", ARCHIVE_FORMAT_JSON);
    cr_assert_str_eq(t, "[]\n");
    free(t);
    t = query(a, "SELECT 0.1 AS x, 1e300 AS y, -0.0 AS z", ARCHIVE_FORMAT_CSV);
    cr_assert_str_eq(t, "x,y,z\n0.1,1e+300,-0\n", "round-trip precision, shortest form: %s", t);
    free(t);

    evo_error err = {0};
    FILE *null = fopen("/dev/null", "w");
    cr_assert_eq(archive_query_print(a, "SELECT * FROM nowhere", ARCHIVE_FORMAT_CSV, null, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "no such table: nowhere"), "%s", err.msg);
    cr_assert_eq(archive_query_print(a, "SELEKT 1", ARCHIVE_FORMAT_CSV, null, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "syntax error"), "%s", err.msg);
    cr_assert_eq(archive_query_print(a, " -- nothing\n", ARCHIVE_FORMAT_CSV, null, &err), EVO_ERR_USAGE);
    cr_assert_eq(archive_query_print(a, "SELECT 1; -- a comment is fine\n", ARCHIVE_FORMAT_CSV, null, &err),
                 EVO_OK, "%s", err.msg);
    fclose(null);
    archive_close(a);
}

/* ---------------------------------------------------------------- read-only handles and WAL */

Test(archive, read_only_handle_cannot_write, .description = "the `sql` command's handle: every write refused")
{
    evo_archive *w = open_rw();
    int64_t run = new_run(w, "r");
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    evo_eval_result *ok = result(0.4, 2, 0.5, 0);
    put_ok(w, run, &i1, ok, 0);
    archive_close(w);

    evo_archive *a = open_ro();
    char other[160], attach[256];
    snprintf(other, sizeof other, "%s/other.db", dir);
    snprintf(attach, sizeof attach, "ATTACH '%s' AS o", other);
    const char *writes[] = {
        "INSERT INTO runs (name, config, config_hash, data_hash, seed, mode, ranks, status, started)"
        " VALUES ('x', '', '', '', 1, 'steady', 1, 'done', 0)",
        "UPDATE evaluations SET fitness = 99",
        "DELETE FROM evaluations",
        "DROP TABLE folds",
        "DROP VIEW leaderboard",
        "CREATE TABLE t (x)",
        "CREATE TEMP TABLE t (x)",
        "ALTER TABLE runs ADD COLUMN x",
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = DELETE",
        "VACUUM",
        "REINDEX",
        attach,
        "SELECT 1; DELETE FROM evaluations",
        "WITH d AS (SELECT 1) DELETE FROM runs",
        "INSERT INTO meta VALUES ('x', 'y') RETURNING *",
    };
    FILE *null = fopen("/dev/null", "w");
    evo_error err = {0};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        err.msg[0] = '\0';
        cr_assert_neq(archive_query_print(a, writes[i], ARCHIVE_FORMAT_CSV, null, &err), EVO_OK,
                      "%s was allowed", writes[i]);
        cr_assert_neq(err.msg[0], '\0', "%s: a message", writes[i]);
    }
    cr_assert_eq(access(other, F_OK), -1, "ATTACH made no file");
    /* the library's own writers are refused too */
    archive_run run2 = {0};
    cr_assert_eq(archive_run_create(a, &run2, "", &err), EVO_ERR_IO);
    cr_assert(strstr(err.msg, "read-only"), "%s", err.msg);
    ga_individual i2 = individual(2, 11, 0.4, 0, 0, ORIGIN_RANDOM);
    cr_assert_neq(put(a, run, &i2, ok, 0, NULL, &err), EVO_OK);
    cr_assert_neq(archive_run_set_status(a, run, RUN_DONE, &err), EVO_OK);
    /* and nothing changed */
    expect(a, "SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM evaluations) AS evals,"
              " (SELECT fitness FROM evaluations) AS fitness, (SELECT status FROM runs) AS status,"
              " (SELECT count(*) FROM sqlite_master) AS objects, (SELECT count(*) FROM pragma_database_list"
              " WHERE name = 'o') AS attached",
           "runs,evals,fitness,status,objects,attached\n1,1,0.4,running,22,0\n");
    expect_journal("delete"); /* as the writer left it */
    fclose(null);
    free(ok);
    archive_close(a);
}

Test(archive, reader_sees_commits_while_writer_is_open, .description = "WAL: a reader beside the writer")
{
    evo_archive *w = open_rw();
    int64_t run = new_run(w, "r");
    evo_eval_result *ok = result(0.4, 2, 0.5, 0);
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    put_ok(w, run, &i1, ok, 0);
    evo_archive *r = open_ro();
    expect(r, "SELECT count(*) AS n FROM evaluations", "n\n1\n");
    for (int i = 2; i <= 5; i++) {
        ga_individual ind = individual(i, 10 + i, 0.4, 0, 0, ORIGIN_RANDOM);
        put_ok(w, run, &ind, ok, 0);
    }
    expect(r, "SELECT count(*) AS n, max(id) AS last FROM evaluations", "n,last\n5,5\n");
    evo_archive *r2 = open_ro(); /* a second reader, and the writer still writes */
    ga_individual i6 = individual(6, 20, 0.4, 0, 0, ORIGIN_RANDOM);
    put_ok(w, run, &i6, ok, 0);
    expect(r2, "SELECT count(*) AS n FROM folds", "n\n12\n");
    archive_close(r);
    archive_close(r2);
    archive_close(w);
    free(ok);
}

Test(archive, rows_survive_a_writer_killed_without_closing, .description = "committed rows are kept")
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) { /* the child writes, then dies without archive_close */
        evo_archive *a = NULL;
        evo_error err = {0};
        if (archive_open(&a, path, 0, &err))
            _exit(1);
        archive_run run = {.ranks = 1, .status = RUN_RUNNING};
        snprintf(run.name, sizeof run.name, "killed");
        if (archive_run_create(a, &run, "", &err))
            _exit(1);
        evo_eval_result *ok = result(0.4, 3, 0.5, 0);
        int64_t members[1] = {20};
        for (int i = 1; i <= 20; i++) {
            ga_individual ind = individual(i, i, 0.01 * i, i > 1 ? i - 1 : 0, 0, ORIGIN_MUTATION);
            archive_state s = {.generation = i, .next_id = i + 1, .n_members = 1, .members = members};
            if (put(a, run.id, &ind, ok, 0, &s, &err))
                _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed to write");
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    cr_assert_eq(access(wal, F_OK), 0, "the rows are in the write-ahead log, not yet checkpointed");
    evo_archive *r = open_ro();
    expect(r, "SELECT count(*) AS n, sum(id) AS ids FROM evaluations", "n,ids\n20,210\n");
    archive_close(r);
    evo_archive *a = open_rw();
    expect(a, "SELECT count(*) AS n FROM folds", "n\n60\n");
    evo_error err = {0};
    archive_state s;
    cr_assert_eq(archive_get_state(a, 1, &s, &err), 1);
    cr_assert_eq(s.generation, 20);
    cr_assert_eq(s.next_id, 21);
    free(s.members);
    walk w = {.stop_at = 8};
    cr_assert_eq(archive_for_each_evaluation(a, 1, collect, &w, &err), -99, "8 rows collected, then stop");
    cr_assert_eq(w.rows[7].parents[0], 7);
    archive_close(a);
}

/* ---------------------------------------------------------------- the writer of a run */

/* A claim on run by someone else, written straight into the table. */
static void fake_claim(int64_t run, const char *host, long long pid, double heartbeat_age, double silent)
{
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO writers VALUES (%lld, '%s', %lld, 0, "
             "((julianday('now') - 2440587.5) * 86400) - 100, ((julianday('now') - 2440587.5) * 86400) - %g, %g)", (long long)run, host, pid, heartbeat_age,
             silent);
    raw_sql(sql);
}

static void my_host(char *out, size_t size)
{
    memset(out, 0, size);
    gethostname(out, size - 1);
}

Test(archive, a_live_writer_is_refused, .description = "same host, live pid: 'being written by HOST pid P'")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    char host[128], want[256];
    my_host(host, sizeof host);
    evo_error err = {0};
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_OK, "claiming again is ours");
    fake_claim(run, host, getppid(), 0, 60); /* the test's parent: alive */
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_ERR_USAGE);
    snprintf(want, sizeof want, "run %lld is being written by %s pid %lld since ", (long long)run, host,
             (long long)getppid());
    cr_assert(strstr(err.msg, want), "%s", err.msg);
    cr_assert(strstr(err.msg, "UTC") && strstr(err.msg, "duplicate"), "%s", err.msg);
    cr_assert_eq(archive_heartbeat(a, run, &err), EVO_ERR_IO, "the claim is someone else's");
    cr_assert(strstr(err.msg, "taken over"), "%s", err.msg);
    archive_close(a);
}

Test(archive, a_dead_writer_is_taken_over, .description = "same host, pid gone; other host, heartbeat stale")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    char host[128];
    my_host(host, sizeof host);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0); /* a pid that was just alive and is gone now */
    fake_claim(run, host, child, 0, 1e9);
    evo_error err = {0};
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_heartbeat(a, run, &err), EVO_OK, "%s", err.msg);
    fake_claim(run, "another-node", 4242, 200, 120); /* silent for longer than it said it could be */
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_OK, "%s", err.msg);
    char out[256];
    snprintf(out, sizeof out, "SELECT host = '%s' AND pid = %lld AS mine FROM writers", host, (long long)getpid());
    expect(a, out, "mine\n1\n");
    archive_release_run(a, run);
    expect(a, "SELECT count(*) AS n FROM writers", "n\n0\n");
    archive_close(a);
}

Test(archive, another_host_is_waited_out, .description = "a fresh claim from another host: waited until stale")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    fake_claim(run, "another-node", 4242, 0, 3); /* silent at most 3 s, and now not moving */
    evo_error err = {0};
    cr_assert_eq(archive_claim_run(a, run, 60, NULL, &err), EVO_OK, "%s", err.msg);
    expect(a, "SELECT host != 'another-node' AS taken FROM writers", "taken\n1\n");
    archive_close(a);
}

Test(archive, damaged_rows_are_named, .description = "a corrupt fitness, status or origin: which row, what to do")
{
    evo_archive *w = open_rw();
    int64_t run = new_run(w, "r");
    evo_eval_result *ok = result(0.4, 2, 0.5, 0);
    for (int i = 1; i <= 3; i++) {
        ga_individual ind = individual(i, 10 + i, 0.4, 0, 0, ORIGIN_RANDOM);
        put_ok(w, run, &ind, ok, 0);
    }
    archive_close(w);
    free(ok);
    const char *damage[][2] = {
        {"UPDATE evaluations SET fitness = 5.1e26 WHERE id = 2", "evaluation 2 is damaged (fitness 5.1e+26)"},
        {"UPDATE evaluations SET fitness = 0.4, origin = 'x\x01' WHERE id = 2", "evaluation 2 is damaged (origin"},
        {"PRAGMA ignore_check_constraints = 1; UPDATE evaluations SET origin = 'random', status = 'bogus' WHERE id = 3",
         "evaluation 3 is damaged (status 'bogus')"},
    };
    for (size_t k = 0; k < sizeof damage / sizeof damage[0]; k++) {
        raw_sql(damage[k][0]);
        evo_archive *a = open_ro();
        archive_eval_row row;
        evo_error err = {0};
        int64_t id = k == 2 ? 3 : 2;
        cr_assert_eq(archive_get_evaluation(a, run, id, &row, &err), EVO_ERR_DATA, "%s", damage[k][0]);
        cr_assert(strstr(err.msg, damage[k][1]) && strstr(err.msg, "Restore a copy"), "%s", err.msg);
        archive_close(a);
    }
}

Test(archive, quick_check_finds_a_damaged_file, .description = "archive_check: ok, then a page overwritten")
{
    evo_archive *w = open_rw();
    int64_t run = new_run(w, "r");
    evo_eval_result *ok = result(0.4, 2, 0.5, 0);
    for (int i = 1; i <= 200; i++) {
        ga_individual ind = individual(i, 10, 0.4, 0, 0, ORIGIN_RANDOM);
        put_ok(w, run, &ind, ok, 0);
    }
    free(ok);
    evo_error err = {0};
    cr_assert_eq(archive_check(w, &err), EVO_OK, "%s", err.msg);
    archive_close(w);
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    cr_assert_gt(size, 16 * 4096);
    char junk[4096];
    memset(junk, 0x5a, sizeof junk);
    fseek(f, (size / 4096 / 2) * 4096, SEEK_SET); /* a page in the middle: a b-tree page */
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    evo_archive *a = NULL;
    int rc = archive_open(&a, path, ARCHIVE_WRITE, &err);
    if (rc == EVO_OK) {
        rc = archive_check(a, &err);
        archive_close(a);
    }
    cr_assert_eq(rc, EVO_ERR_DATA, "%s", err.msg);
    cr_assert(strstr(err.msg, "damaged") || strstr(err.msg, "malformed"), "%s", err.msg);
}

/* Copy the archive (copy: a cp command with %s for the path) onto a read-only tmpfs and count its runs
 * there; skipped where a tmpfs cannot be mounted. Read-only media stop root too. */
static void expect_on_read_only_media(const char *copy, const char *runs)
{
    char mnt[160], files[1024], cmd[2048], at[192];
    snprintf(mnt, sizeof mnt, "%s/media", dir);
    snprintf(files, sizeof files, copy, path, path, path);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && mount -t tmpfs -o size=4m tmpfs %s 2>/dev/null && %s %s/ && "
             "mount -o remount,ro %s", mnt, mnt, files, mnt, mnt);
    if (system(cmd) != 0)
        return;
    snprintf(at, sizeof at, "%s/a.db", mnt);
    evo_archive *a = NULL;
    evo_error err = {0};
    int rc = archive_open(&a, at, ARCHIVE_READ_ONLY, &err);
    char *text = rc ? NULL : query(a, "SELECT count(*) AS n FROM runs", ARCHIVE_FORMAT_CSV);
    archive_close(a);
    snprintf(cmd, sizeof cmd, "umount %s", mnt);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rc, EVO_OK, "read-only media: %s", err.msg);
    cr_assert_str_eq(text, runs);
    free(text);
}

Test(archive, readers_create_no_files, .description = "at rest, read-only dir, WAL left by a killed writer")
{
    evo_archive *w = open_rw();
    new_run(w, "r");
    archive_close(w);
    char wal[160], shm[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    evo_archive *a = open_ro();
    expect(a, "SELECT name FROM runs", "name\nr\n");
    archive_close(a);
    cr_assert(access(wal, F_OK) && access(shm, F_OK), "a reader of an archive at rest made no -wal or -shm");
    /* a file left in WAL mode with no log (as an older evofolio left it): nothing to miss, read as is */
    raw_sql("PRAGMA journal_mode = WAL");
    cr_assert(access(wal, F_OK) && access(shm, F_OK));
    a = open_ro();
    expect(a, "SELECT name FROM runs", "name\nr\n");
    archive_close(a);
    cr_assert(access(wal, F_OK) && access(shm, F_OK), "still no -wal or -shm");
    expect_on_read_only_media("cp %s", "n\n1\n"); /* where SQLite alone fails: it would create the -shm */
    /* a writer killed with its log in place, on media the reader cannot write: read without the log */
    pid_t child = fork();
    if (child == 0) {
        evo_archive *k = NULL;
        evo_error e = {0};
        if (archive_open(&k, path, ARCHIVE_WRITE, &e))
            _exit(1);
        new_run(k, "killed");
        _exit(0); /* no close: the -wal and -shm stay */
    }
    int status = 0;
    waitpid(child, &status, 0);
    cr_assert_eq(WEXITSTATUS(status), 0);
    cr_assert_eq(access(wal, F_OK), 0, "the killed writer's log is there");
    chmod(wal, 0444);
    chmod(shm, 0444);
    if (geteuid() != 0) { /* root writes through any mode bits: the fallback is only reachable as a user */
        a = open_ro();
        expect(a, "SELECT count(*) AS n FROM runs", "n\n1\n");
        archive_close(a);
    }
    chmod(wal, 0644);
    chmod(shm, 0644);
    expect_on_read_only_media("cp %s %s-wal %s-shm", "n\n2\n"); /* SQLite reads a log it cannot write */
    a = open_ro();
    expect(a, "SELECT count(*) AS n FROM runs", "n\n2\n");
    archive_close(a);
}

Test(archive, untrained_folds_are_counted, .description = "leaderboard.untrained_folds: hold-out never below the start")
{
    evo_archive *a = open_rw();
    int64_t run = new_run(a, "r");
    evo_eval_result *res = result(0.4, 3, 0.5, 0);
    res->folds[1].train.holdout_loss = res->folds[1].train.initial_loss;        /* no better than untrained */
    res->folds[2].train.holdout_loss = res->folds[2].train.initial_loss + 0.01; /* worse */
    ga_individual i1 = individual(1, 10, 0.4, 0, 0, ORIGIN_RANDOM);
    put_ok(a, run, &i1, res, 0);
    free(res);
    expect(a, "SELECT id, untrained_folds FROM leaderboard", "id,untrained_folds\n1,2\n");
    archive_close(a);
}

Test(archive, rollback_journal_for_network_filesystems, .description = "ARCHIVE_WRITE_ROLLBACK: never WAL, no -wal file")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, ARCHIVE_WRITE_ROLLBACK, &err), EVO_OK, "%s", err.msg);
    new_run(a, "r");
    expect_journal("delete");
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    cr_assert_neq(access(wal, F_OK), 0, "no write-ahead log beside it while it writes");
    evo_archive *reader = open_ro();
    expect(reader, "SELECT count(*) AS n FROM runs", "n\n1\n");
    archive_close(reader);
    archive_close(a);
    expect_journal("delete");
}

Test(archive, gene_columns_follow_the_gene_table, .description = "evaluations and leaderboard: one column per gene, in order")
{
    evo_archive *a = open_rw();
    char expected[1024] = "genes\n";
    for (int k = 0; k < GENE_COUNT; k++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", k ? " " : "",
                 genome_genes[k].name);
    strcat(expected, "\n");
    /* evaluations: after run, id, generation, key, genome; leaderboard: after run, id, generation, fitness */
    const char *tables[2] = {"evaluations", "leaderboard"};
    const int first[2] = {5, 4};
    for (int t = 0; t < 2; t++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT group_concat(name, ' ') AS genes FROM (SELECT name FROM "
                 "pragma_table_info('%s') WHERE cid >= %d AND cid < %d ORDER BY cid)", tables[t], first[t],
                 first[t] + GENE_COUNT);
        expect(a, sql, expected);
    }
    archive_close(a);
}
