/* Tests of search in-process (one rank, no MPI, so every allocation is leak-checked under `make asan`):
 * a generational run fills the archive consistently, a stop after k evaluations followed by --resume
 * gives exactly the evaluations of an uninterrupted run, steady mode completes, and a resume with other
 * data is refused. The MPI side is tests/test_run.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evofolio/search.h"
#include "evofolio/synth.h"
#include "scratch.h"

static char dir[64];

static const char *CONFIG_FMT =
    "name: stest\n"
    "data: {prices: s.csv}\n"
    "split: {test_days: 60, folds: 2, train_days: 200, val_days: 60, embargo_days: 2}\n"
    "backtest: {window: 20, rebalance: 5}\n"
    "search:\n  model: [asset, shared, portfolio]\n  objective: [sharpe, meanvar, forecast]\n"
    "  layers: [1]\n  hidden: [4, 8]\n  seq_len: [5, 8]\n  lr: {min: 0.001, max: 0.01}\n"
    "  weight_decay: [0.0001]\n  batch: [16]\n  steps: [2, 3]\n  features: [ret1, ret5, vol20]\n"
    "  strategies: [ew, invvol, momentum]\n  rebalance: [1, 5]\n"
    "ga: {mode: %s, population: 6, generations: %d, elite: 1, tournament: 2, seed: 5, champions: 2}\n"
    "train: {patience: 2}\n";

typedef struct {
    evo_config cfg;
    evo_panel panel;
    evo_eval_context ctx;
    evo_archive *archive;
    evo_farm *farm;
    char *text, hash[17], data_hash[17];
    /* the evaluator's counter: after stop_after evaluations it raises the signal flag */
    const evo_eval_context *eval_ctx;
    int evaluations, stop_after;
    volatile sig_atomic_t flag;
} fixture;

static int counting_evaluate(farm_result *r, const farm_task *t, int rank, const void *ctx, evo_error *err)
{
    fixture *f = (fixture *)ctx;
    int rc = farm_evaluate(r, t, rank, f->eval_ctx, err);
    if (++f->evaluations == f->stop_after)
        f->flag = 1;
    return rc;
}

static void setup(void)
{
    scratch_create(dir, sizeof dir, "search");
    cr_assert_not_null(freopen("/dev/null", "w", stdout), "the run's summary is not this test's output");
}

static void teardown(void)
{
    scratch_remove(dir);
}

TestSuite(search, .init = setup, .fini = teardown, .timeout = 300);

static void fixture_open(fixture *f, const char *db, const char *mode, int generations, uint64_t data_seed)
{
    memset(f, 0, sizeof *f);
    evo_error err = {0};
    char yaml[4096], path[128];
    snprintf(yaml, sizeof yaml, CONFIG_FMT, mode, generations);
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    cr_assert_eq(config_parse(yaml, strlen(yaml), path, &f->cfg, &err), EVO_OK, "%s", err.msg);
    synth_options so;
    synth_defaults(&so);
    so.n_assets = 6;
    so.n_days = 900;
    so.seed = data_seed;
    cr_assert_eq(synth_panel(&so, &f->panel, &err), EVO_OK);
    cr_assert_eq(config_to_yaml(&f->cfg, &f->text, &err), EVO_OK);
    cr_assert_eq(config_hash(&f->cfg, f->hash, &err), EVO_OK);
    data_panel_hash(&f->panel, f->data_hash);
    cr_assert_eq(evaluate_context_create(&f->ctx, &f->cfg, &f->panel, &err), EVO_OK, "%s", err.msg);
    snprintf(path, sizeof path, "%s/%s", dir, db);
    cr_assert_eq(archive_open(&f->archive, path, 0, &err), EVO_OK, "%s", err.msg);
    f->eval_ctx = &f->ctx;
    cr_assert_eq(farm_create(&f->farm, counting_evaluate, f, 1, &err), EVO_OK);
}

static int fixture_run(fixture *f, int resume, evo_error *err)
{
    search_setup s = {&f->cfg, f->text, f->hash, f->data_hash, &f->panel, &f->ctx, f->archive, f->farm, 1, "test"};
    search_options opt = {.resume = resume, .quiet = 1};
    return search_run(&s, &opt, &f->flag, NULL, err);
}

static void fixture_close(fixture *f)
{
    farm_free(f->farm);
    archive_close(f->archive);
    evaluate_context_free(&f->ctx);
    data_panel_free(&f->panel);
    free(f->text);
    config_free(&f->cfg);
}

/* The CSV of a query on the fixture's archive. */
static void query(fixture *f, const char *sql, char *out, size_t size)
{
    evo_error err = {0};
    FILE *m = fmemopen(out, size, "w");
    cr_assert_not_null(m);
    cr_assert_eq(archive_query_print(f->archive, sql, 1, m, &err), EVO_OK, "%s: %s", sql, err.msg);
    fclose(m);
}

static long number(fixture *f, const char *sql)
{
    char out[256];
    query(f, sql, out, sizeof out);
    const char *nl = strchr(out, '\n');
    return nl ? atol(nl + 1) : -1;
}

#define EVALS "SELECT id, key, fitness, status, cache_of, generation FROM evaluations ORDER BY id"

Test(search, generational_run_fills_the_archive, .description = "rows, generations, tests, baselines, champion")
{
    fixture f;
    fixture_open(&f, "g.db", "generational", 3, 3);
    evo_error err = {0};
    cr_assert_eq(fixture_run(&f, 0, &err), EVO_OK, "%s", err.msg);
    /* generation 1: 6 new rows; generations 2 and 3: 5 each (one elite survives without a new row) */
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM evaluations"), 16);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM evaluations WHERE generation = 3"), 5);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM generations"), 3);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM tests"), 2);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM baselines"), STRATEGY_COUNT, "every baseline by default");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM folds WHERE fold = 0"), 2, "the champions' test rows");
    cr_assert_eq(number(&f, "SELECT COUNT(DISTINCT owner) FROM series"), 2 + STRATEGY_COUNT, "2 champions + the baselines");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM runs WHERE status = 'done' AND champion IS NOT NULL "
                            "AND dsr BETWEEN 0 AND 1 AND n_trials > 0"), 1);
    /* the finalists: the 4 (ga.confirm) fittest distinct candidates, 3 fresh seeds each; the champion
     * is the one with the best mean over them */
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM confirmations"), 4 * 3);
    cr_assert_eq(number(&f, "SELECT COUNT(DISTINCT seed) FROM confirmations"), 4 * 3, "every seed fresh");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM confirmations c JOIN evaluations e ON e.id = c.eval "
                            "WHERE c.seed = e.seed"), 0, "none is the search's own seed");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM (SELECT DISTINCT eval FROM confirmations) c JOIN "
                            "(SELECT id FROM evaluations WHERE status = 'ok' AND cache_of IS NULL "
                            "ORDER BY fitness DESC, id LIMIT 4) e ON e.id = c.eval"), 4,
                 "the finalists are the fittest candidates");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM runs r WHERE r.champion = (SELECT eval FROM confirmations "
                            "GROUP BY eval ORDER BY avg(fitness) DESC LIMIT 1)"), 1,
                 "the champion has the best confirmed fitness");
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM runs WHERE verdict IS NOT NULL AND skill IN (0, 1) "
                            "AND n_effective BETWEEN 1 AND n_trials"), 1);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM state"), 1);
    fixture_close(&f);
}

Test(search, stop_then_resume_equals_an_uninterrupted_run, .description = "a stop after 9 evaluations, then --resume")
{
    fixture a, b;
    static char ea[65536], eb[65536];
    evo_error err = {0};
    fixture_open(&a, "a.db", "generational", 4, 3);
    cr_assert_eq(fixture_run(&a, 0, &err), EVO_OK, "%s", err.msg);
    query(&a, EVALS, ea, sizeof ea);
    fixture_open(&b, "b.db", "generational", 4, 3);
    b.stop_after = 9; /* in the middle of generation 2 */
    cr_assert_eq(fixture_run(&b, 0, &err), EVO_STOPPED);
    cr_assert_eq(number(&b, "SELECT COUNT(*) FROM runs WHERE status = 'stopped'"), 1);
    cr_assert_eq(number(&b, "SELECT COUNT(*) FROM evaluations"), 9, "every result in flight was collected");
    b.flag = 0;
    b.stop_after = 0;
    int before = b.evaluations;
    cr_assert_eq(fixture_run(&b, 1, &err), EVO_OK, "%s", err.msg);
    query(&b, EVALS, eb, sizeof eb);
    cr_assert_str_eq(ea, eb, "uninterrupted:\n%s\nresumed:\n%s", ea, eb);
    cr_assert_eq(before + (b.evaluations - before), a.evaluations, "nothing trained twice: %d + %d vs %d", before,
                 b.evaluations - before, a.evaluations);
    fixture_close(&a);
    fixture_close(&b);
}

Test(search, steady_mode_completes, .description = "steady: a generation row every P results, done")
{
    fixture f;
    fixture_open(&f, "s.db", "steady", 4, 3);
    evo_error err = {0};
    cr_assert_eq(fixture_run(&f, 0, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM generations"), 4);
    cr_assert_geq(number(&f, "SELECT COUNT(*) FROM evaluations"), 24);
    cr_assert_eq(number(&f, "SELECT COUNT(*) FROM runs WHERE status = 'done' AND mode = 'steady'"), 1);
    fixture_close(&f);
}

Test(search, resume_with_other_data_is_refused, .description = "the data hash must match")
{
    fixture f;
    fixture_open(&f, "r.db", "generational", 3, 3);
    f.stop_after = 3;
    evo_error err = {0};
    cr_assert_eq(fixture_run(&f, 0, &err), EVO_STOPPED);
    fixture_close(&f);
    fixture_open(&f, "r.db", "generational", 3, 4); /* other synthetic data */
    cr_assert_eq(fixture_run(&f, 1, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "other data") && strstr(err.msg, "without --resume"), "%s", err.msg);
    fixture_close(&f);
}
