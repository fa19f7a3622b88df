/* Tests of report: the HTML of a small archive made here through the archive API (a finished run with
 * a champion, baselines and daily series; a run in progress; an empty run): one self-contained page
 * without scripts or links, every section, numbers that match the archive, names from the archive
 * escaped, and the errors for a missing archive or run. Then `evofolio report` as users run it (the
 * binary from $EVOFOLIO_BIN): default output path, exit codes. Each test works in its own temporary
 * directory. */
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
#include "evofolio/metrics.h"
#include "evofolio/report.h"
#include "scratch.h"

static char dir[64];
static char path[128];

static void setup(void)
{
    scratch_create(dir, sizeof dir, "report");
    snprintf(path, sizeof path, "%s/a.db", dir);
}

static void teardown(void)
{
    scratch_remove(dir);
}

TestSuite(report, .init = setup, .fini = teardown);

/* ---------------------------------------------------------------- a small archive */

#define NASTY "<&>\"'"                         /* every character HTML must escape */
#define NASTY_HTML "&lt;&amp;&gt;&quot;&#39;" /* as svg_escape writes it */
#define NASTY_YAML "<&>\\\"'"                  /* inside a YAML double-quoted string */

/* The stored configuration: two named assets (one nasty), a data file that is not there. */
static const char config_text[] = "name: \"dow " NASTY_YAML "\"\n"
                                  "data:\n  prices: nowhere.csv\n  assets: [AAA, \"B" NASTY_YAML "\"]\n"
                                  "ga: {population: 7, generations: 3, champions: 2}\n";

enum { N_EVALS = 20, T_TEST = 40, A_ASSETS = 2, N_DATES = 200 };

static evo_date dates[N_DATES]; /* day d is 2020-01-01 + d */

typedef struct {
    int64_t run, champion, runner_up;
    double champion_fitness;
    double net[T_TEST], turnover[T_TEST], weights[T_TEST * A_ASSETS]; /* the champion's test series */
    double ew_net[T_TEST];
} fixture;

static int64_t new_run(evo_archive *a, const char *name, const char *config)
{
    archive_run run = {0};
    evo_error err = {0};
    snprintf(run.name, sizeof run.name, "%s", name);
    snprintf(run.config_hash, sizeof run.config_hash, "0123456789abcdef");
    snprintf(run.data_hash, sizeof run.data_hash, "fedcba9876543210");
    run.seed = 42;
    run.mode = GA_GENERATIONAL;
    run.ranks = 3;
    snprintf(run.host, sizeof run.host, "node" NASTY);
    run.status = RUN_RUNNING;
    run.started = 1.7e9;
    cr_assert_eq(archive_run_create(a, &run, config, &err), EVO_OK, "%s", err.msg);
    return run.id;
}

/* Candidate i: genes that vary with i (model kinds in turn; portfolio models blend strategies). */
static ga_individual individual(int64_t id, double fitness)
{
    ga_individual ind;
    memset(&ind, 0, sizeof ind);
    int k = (int)id;
    ind.genome = (evo_genome){.model = (evo_model_kind)(k % 3), .objective = (evo_objective)(k % 4),
                              .layers = 1 + k % 2, .hidden = 8 << (k % 3), .seq_len = 10 + k,
                              .lr = 0.001 * (1 + k % 5), .weight_decay = 1e-5 * (1 + k % 7),
                              .dropout = k % 2 ? 0.1 : 0, .batch = 32, .steps = 3 + k % 4,
                              .rebalance = 1 + 4 * (k % 2)};
    if (ind.genome.model == MODEL_PORTFOLIO)
        ind.genome.strategies = (1u << STRATEGY_EW) | (1u << STRATEGY_INVVOL);
    else
        ind.genome.features = (1u << FEATURE_RET1) | (k % 2 ? 1u << FEATURE_VOL20 : 1u << FEATURE_MACD);
    genome_key(&ind.genome, ind.key);
    ind.fitness = fitness;
    ind.id = id;
    ind.origin = id <= 7 ? ORIGIN_RANDOM : ORIGIN_CROSSOVER;
    return ind;
}

static void put_eval(evo_archive *a, int64_t run, int64_t id, double fitness, int failed, int64_t cache_of)
{
    ga_individual ind = individual(id, failed ? -INFINITY : fitness);
    evo_eval_result *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    r->status = failed ? EVAL_FAILED : EVAL_OK;
    if (failed)
        snprintf(r->reason, sizeof r->reason, "diverged: loss is NaN " NASTY);
    r->fitness = failed ? -INFINITY : fitness;
    r->n_folds = 2;
    r->n_params = 1000 + 250 * (size_t)id;
    r->seconds = 0.5 + 0.1 * (double)id;
    r->train_seconds = 0.4 + 0.1 * (double)id;
    for (int f = 0; f < 2; f++)
        r->folds[f] = (evo_fold_result){.window = {20 + 30 * f, 49 + 30 * f},
                                        .metrics = {.days = 30, .sharpe = fitness, .max_drawdown = 0.1,
                                                    .avg_turnover = 0.05}};
    double val[4] = {0.01, -0.01, 0.02, 0.001 * (double)id};
    archive_eval e = {.run = run, .id = id, .generation = 1 + (int)(id - 1) / 7, .ind = &ind, .seed = 7,
                      .res = cache_of ? NULL : r, .cache_of = cache_of, .rank = 1, .host = "w1",
                      .started = 1.7e9 + (double)id, .finished = 1.7e9 + (double)id + 0.5,
                      .val_returns = cache_of ? NULL : val, .n_val = cache_of ? 0 : 4, .dates = dates};
    evo_error err = {0};
    cr_assert_eq(archive_put_evaluation(a, &e, NULL, &err), EVO_OK, "%s", err.msg);
    free(r);
}

/* The finished run: N_EVALS evaluations (every 7th failed, one cache hit), the champion and a
 * runner-up on the test period, baselines ew and invvol, DSR and PBO. */
static void make_done_run(evo_archive *a, fixture *fx, const char *name)
{
    evo_error err = {0};
    for (int d = 0; d < N_DATES; d++)
        dates[d] = date_from_ymd(2020, 1, 1) + d;
    fx->run = new_run(a, name, config_text);
    fx->champion = 12;
    fx->runner_up = 5;
    for (int64_t id = 1; id <= N_EVALS; id++) {
        double fitness = id == fx->champion ? 2.4567 : 0.5 + 0.05 * (double)id;
        put_eval(a, fx->run, id, fitness, id % 7 == 0, 0);
    }
    fx->champion_fitness = 2.4567;
    put_eval(a, fx->run, N_EVALS + 1, 0.55, 0, 1); /* a cache hit of evaluation 1 */

    for (int t = 0; t < T_TEST; t++) {
        fx->net[t] = 0.004 * sin(0.7 * t) + 0.001;
        fx->turnover[t] = t % 5 == 0 ? 0.3 : 0;
        fx->weights[t * A_ASSETS] = 0.25 + 0.01 * (t % 10);
        fx->weights[t * A_ASSETS + 1] = 1 - fx->weights[t * A_ASSETS];
        fx->ew_net[t] = 0.003 * cos(0.3 * t);
    }
    evo_fold_result test = {.window = {101, 100 + T_TEST}, .metrics = {.days = T_TEST}};
    test.bt = (evo_backtest){.T = T_TEST, .A = A_ASSETS, .net = fx->net, .turnover = fx->turnover,
                             .weights = fx->weights};
    cr_assert_eq(archive_put_test_result(a, fx->run, fx->champion, 1, &test, dates + 101, &err), EVO_OK, "%s",
                 err.msg);
    cr_assert_eq(archive_put_test_result(a, fx->run, fx->runner_up, 2, &test, dates + 101, &err), EVO_OK, "%s",
                 err.msg);
    evo_backtest ew = {.T = T_TEST, .A = A_ASSETS, .net = fx->ew_net, .turnover = fx->turnover,
                       .weights = fx->weights};
    evo_metrics m = {.days = T_TEST};
    cr_assert_eq(archive_put_baseline(a, fx->run, STRATEGY_EW, &m, &ew, dates + 101, &err), EVO_OK, "%s",
                 err.msg);
    cr_assert_eq(archive_put_baseline(a, fx->run, STRATEGY_INVVOL, &m, &ew, dates + 101, &err), EVO_OK, "%s",
                 err.msg);
    for (int g = 1; g <= 3; g++) {
        archive_generation gen = {.generation = g, .best = 1, .mean = 0.5, .evaluations = 7,
                                  .utilisation = 0.9};
        cr_assert_eq(archive_put_generation(a, fx->run, &gen, NULL, &err), EVO_OK, "%s", err.msg);
    }
    /* the finalists retrained: the champion 2.0 and 2.2 (mean 2.1, sd 0.1414), the runner-up 1.0, 1.2 */
    const double refit[2][2] = {{2.0, 2.2}, {1.0, 1.2}};
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < 2; k++) {
            archive_confirmation cf = {f ? fx->runner_up : fx->champion, k + 1, 100 + k, EVAL_OK, refit[f][k], 1.5};
            cr_assert_eq(archive_put_confirmation(a, fx->run, &cf, &err), EVO_OK, "%s", err.msg);
        }
    archive_champion_stats c = {fx->champion, 0.87654, 17, 6.5, 0.313, 0, "no skill shown: a fixture"};
    cr_assert_eq(archive_put_champion_stats(a, fx->run, &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_run_set_status(a, fx->run, RUN_DONE, &err), EVO_OK, "%s", err.msg);
}

/* The report of run `run` of the archive as a string (caller frees); asserts that it was written. */
static char *report_text(int64_t run)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    evo_error err = {0};
    int rc = report_write(path, run, f, &err);
    fclose(f);
    cr_assert_eq(rc, EVO_OK, "%s", err.msg);
    return text;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* One page: a doctype, one html element, no scripts, no external references. */
static void expect_self_contained(const char *html)
{
    cr_assert_eq(strncmp(html, "<!DOCTYPE html>", 15), 0, "starts with the doctype");
    cr_assert_eq(count(html, "<html"), 1);
    cr_assert_eq(count(html, "</html>"), 1);
    cr_assert(strstr(html, "<meta charset=\"utf-8\">"));
    cr_assert_null(strstr(html, "<script"));
    cr_assert_null(strstr(html, "<link"));
    cr_assert_null(strstr(html, "<img"));
    cr_assert_null(strstr(html, "@import"));
    cr_assert_null(strstr(html, "url("));
    cr_assert_eq(count(html, "http://") + count(html, "https://"), count(html, "http://www.w3.org/2000/svg"),
                 "the only URL is the SVG namespace");
    cr_assert_eq(count(html, "<svg"), count(html, "</svg>"));
    cr_assert_null(strstr(html, ">nan<"));
    cr_assert_null(strstr(html, "\"nan\""));
}

static const char *const headings[] = {
    "<h2>Summary</h2>", "<h2>Convergence</h2>", "<h2>Leaderboard</h2>",
    "<h2>The champion on the held-out test period</h2>", "<h2>Weights and turnover of the champion</h2>",
    "<h2>Which genes matter</h2>", "<h2>Evaluation cost</h2>"};

/* ---------------------------------------------------------------- the finished run */

Test(report, finished_run_has_every_section, .description = "doctype, no scripts or URLs, all seven sections")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "dow30");
    archive_close(a);
    char *html = report_text(0);
    expect_self_contained(html);
    for (size_t i = 0; i < sizeof headings / sizeof *headings; i++)
        cr_assert(strstr(html, headings[i]), "missing %s", headings[i]);
    cr_assert_null(strstr(html, "id=\"in-progress\""), "a finished run is not in progress");
    cr_assert_null(strstr(html, "Not available yet"), "every section has its data");
    cr_assert(strstr(html, "<p class=\"note\" id=\"untrained\">Of the ") && strstr(html, "untrained folds</th>"),
              "folds whose training never beat the untrained net are counted");
    /* charts: convergence, wealth, drawdown, weights, turnover, genes, cost; each with a title */
    cr_assert_geq(count(html, "<svg"), 12);
    cr_assert_eq(count(html, "<svg"), count(html, "<title>") - 1, "one <title> per chart plus the page's");
    free(html);
}

Test(report, numbers_match_the_archive, .description = "fitness, DSR, PBO, counts and the test metrics")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "dow30");
    archive_close(a);
    char *html = report_text(fx.run);
    char want[256];
    /* the champion: in the leaderboard's first row and named in the test section */
    snprintf(want, sizeof want, "<td>1</td><td>%lld<br><small>champion</small></td><td>%.3f</td>",
             (long long)fx.champion, fx.champion_fitness);
    cr_assert(strstr(html, want), "expected %s", want);
    snprintf(want, sizeof want, "evaluation <b>#%lld</b>", (long long)fx.champion);
    cr_assert(strstr(html, want), "expected %s", want);
    cr_assert(strstr(html, "validation fitness <b>2.457</b>"));
    cr_assert(strstr(html, "Deflated Sharpe ratio <b>0.877</b>: the probability"));
    cr_assert(strstr(html, "the best of 17 candidates, which, correlated as they are, are worth 6.5 independent"));
    cr_assert(strstr(html, "about 88%"));
    cr_assert(strstr(html, "<b>No skill shown</b>: a fixture."), "the verdict");
    /* the finalists, best confirmed mean first */
    snprintf(want, sizeof want, "<td class=\"l\">#%lld (champion)</td>", (long long)fx.champion);
    char *champ_row = strstr(html, want);
    cr_assert(champ_row, "expected %s", want);
    cr_assert(strstr(champ_row, "<td>2.457</td><td>2.100</td><td>0.141</td><td>0</td>"), "champion's refits: %.300s",
              champ_row);
    snprintf(want, sizeof want, "<td class=\"l\">#%lld</td>", (long long)fx.runner_up);
    cr_assert(strstr(champ_row, want), "the runner-up after the champion");
    cr_assert(strstr(html, "Probability of backtest overfitting <b>31.3%</b>"));
    /* 21 stored: 20 trained, 1 cache hit, 2 failed (ids 7 and 14) */
    cr_assert(strstr(html, "<b>21</b> stored: 20 trained, 1 cache hits"), "counts");
    cr_assert(strstr(html, "2 failed"));
    /* the champion's test-period metrics, computed from the series as the report does */
    evo_metrics m;
    metrics_compute(&m, fx.net, fx.turnover, T_TEST);
    snprintf(want, sizeof want, "<td class=\"l nw\">champion #%lld</td><td>%.1f%%</td><td>%.1f%%</td>"
             "<td>%.2f</td>"
             "<td>%.2f</td>", (long long)fx.champion, 100 * m.ann_return, 100 * m.ann_vol, m.sharpe, m.sortino);
    cr_assert(strstr(html, want), "expected %s", want);
    snprintf(want, sizeof want, "finalist #%lld", (long long)fx.runner_up);
    cr_assert(strstr(html, want));
    cr_assert(strstr(html, "ew (equal weight)"));
    cr_assert(strstr(html, "invvol (inverse volatility)"));
    /* the test period's dates: 2020-01-01 + 101 = 2020-04-11, 40 days */
    cr_assert(strstr(html, "2020-04-11 to 2020-05-20, 40 days"));
    /* the validation windows of the folds, as stored */
    cr_assert(strstr(html, "fold 1: 2020-01-21 to 2020-02-19 (30 days)"));
    /* the champion's turnover: 8 trades in 40 days */
    cr_assert(strstr(html, "8 rebalancing trades in 40 days"));
    free(html);
}

Test(report, names_from_the_archive_are_escaped, .description = "run, host, asset and reason text stay text")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "run " NASTY);
    archive_close(a);
    char *html = report_text(0);
    expect_self_contained(html);
    cr_assert_null(strstr(html, NASTY), "the raw text never appears");
    cr_assert(strstr(html, "<title>evofolio report: run " NASTY_HTML " (run 1)</title>"));
    cr_assert(strstr(html, "<h1>evofolio report: run " NASTY_HTML "</h1>"));
    cr_assert(strstr(html, "node" NASTY_HTML), "the host");
    /* the assets are named from the configuration's selection (the data file is not there) */
    cr_assert(strstr(html, "AAA, B" NASTY_HTML), "the configuration's assets in the summary");
    cr_assert(strstr(html, ">B" NASTY_HTML " "), "the asset in the weights chart's legend");
    free(html);
}

/* ---------------------------------------------------------------- a run in progress, an empty run */

Test(report, run_in_progress_says_so_and_renders, .description = "a banner; what exists; the rest not yet")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "first");
    int64_t run = new_run(a, "second", config_text);
    for (int64_t id = 1; id <= 5; id++)
        put_eval(a, run, id, 0.1 * (double)id, 0, 0);
    archive_close(a);

    char *html = report_text(0); /* the newest: the run in progress */
    expect_self_contained(html);
    for (size_t i = 0; i < sizeof headings / sizeof *headings; i++)
        cr_assert(strstr(html, headings[i]), "missing %s", headings[i]);
    cr_assert(strstr(html, "id=\"in-progress\""));
    cr_assert(strstr(html, "still in progress"));
    cr_assert(strstr(html, "the 5 evaluations stored so far"));
    cr_assert(strstr(html, "Not available yet: the champion and the baselines are evaluated"));
    cr_assert(strstr(html, "Not available yet: the champion&#39;s weights") ||
              strstr(html, "Not available yet: the champion's weights"));
    cr_assert(strstr(html, "Fitness per generation (5 successful evaluations)"), "convergence so far");
    cr_assert(strstr(html, "<td>1</td><td>5</td><td>0.500</td>"), "the leaderboard so far");
    free(html);

    html = report_text(fx.run); /* --run picks the finished one */
    cr_assert_null(strstr(html, "id=\"in-progress\""));
    free(html);
}

Test(report, empty_run_renders, .description = "a run without evaluations: every section, nothing fails")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    new_run(a, "empty", "name: empty\n");
    archive_close(a);
    char *html = report_text(0);
    expect_self_contained(html);
    for (size_t i = 0; i < sizeof headings / sizeof *headings; i++)
        cr_assert(strstr(html, headings[i]), "missing %s", headings[i]);
    cr_assert_geq(count(html, "Not available yet"), 6, "%s", html);
    cr_assert(strstr(html, "<b>0</b> stored"));
    free(html);
}

/* ---------------------------------------------------------------- errors */

Test(report, missing_archive_or_run_is_an_error,
     .description = "no file or no run: EVO_ERR_USAGE; not an archive")
{
    evo_error err = {0};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(report_write(path, 0, f, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "no such archive"), "%s", err.msg);
    fflush(f);
    cr_assert_eq(len, 0, "nothing written");

    evo_archive *a = NULL;
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    archive_close(a);
    cr_assert_eq(report_write(path, 0, f, &err), EVO_ERR_DATA, "an archive without runs");
    cr_assert(strstr(err.msg, "holds no run"), "%s", err.msg);
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    new_run(a, "one", "name: one\n");
    archive_close(a);
    cr_assert_eq(report_write(path, 99, f, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "no run 99"), "%s", err.msg);

    char junk[160];
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    FILE *j = fopen(junk, "w");
    cr_assert_not_null(j);
    fputs("this is not a database, just text that is long enough to have a header page..........\n", j);
    fclose(j);
    cr_assert_neq(report_write(junk, 0, f, &err), EVO_OK, "not an archive");
    fflush(f);
    cr_assert_eq(len, 0, "nothing written");
    fclose(f);
    free(text);
}

/* ---------------------------------------------------------------- archives changed by hand */

/* Run sql on the archive at path as a writer would (what a hand edit or a damaged file leaves). */
static void archive_edit(const char *sql)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    cr_assert_eq(sqlite3_changes(db), 1, "%s changed one row", sql);
    sqlite3_close(db);
}

Test(report, gene_no_int_holds_is_an_error, .description = "hidden = 3000000000: an error naming it, never cast")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "dow30");
    archive_close(a);
    archive_edit("UPDATE evaluations SET hidden = 3000000000 WHERE id = 4");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_assert_eq(report_write(path, 0, f, &err), EVO_ERR_DATA);
    fflush(f);
    cr_assert_eq(len, 0, "nothing written");
    fclose(f);
    free(text);
    cr_assert(strstr(err.msg, "a.db: evaluation 4 of run 1: gene hidden: 3000000000 is not a whole number"),
              "%s", err.msg);
    cr_assert(strstr(err.msg, "evofolio query"), "says what to do: %s", err.msg);
}

/* report_write on a fresh archive after sql: expect EVO_ERR_DATA, nothing written, and `what` said. */
static void expect_refused(const char *sql, const char *what)
{
    remove(path); /* closed archives leave no -wal or -shm file */
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "dow30");
    archive_close(a);
    archive_edit(sql);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_assert_eq(report_write(path, 0, f, &err), EVO_ERR_DATA, "after %s: %s", sql, err.msg);
    fflush(f);
    cr_assert_eq(len, 0, "nothing written");
    fclose(f);
    free(text);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
    cr_assert(strstr(err.msg, "evofolio query"), "says what to do: %s", err.msg);
}

Test(report, ids_and_generations_evofolio_never_writes_are_errors,
     .description = "id -5 or 2^63-1 in steady mode, generation 2e9: errors, not a write before an array")
{
    expect_refused("UPDATE runs SET mode = 'steady' WHERE id = 1; UPDATE evaluations SET id = -5 WHERE id = 3",
                   "an evaluation with id -5 and generation 1; evofolio writes ids from 1 to");
    expect_refused("UPDATE runs SET mode = 'steady' WHERE id = 1; "
                   "UPDATE evaluations SET id = 9223372036854775807 WHERE id = 3", "id 9223372036854775807");
    expect_refused("UPDATE evaluations SET generation = 2000000000 WHERE id = 3", "generation 2000000000; "
                   "evofolio writes ids from 1 to 9007199254740992 and generations from 0 to 1000001");
    expect_refused("UPDATE evaluations SET generation = -2000000000 WHERE id = 3", "generation -2000000000");
}

Test(report, time_no_time_t_holds_reads_na, .description = "started = -3.4e250: n/a, never cast")
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "dow30");
    archive_close(a);
    archive_edit("UPDATE runs SET started = -3.4e250, ended = 1e300 WHERE id = 1");
    char *html = report_text(0);
    cr_assert(strstr(html, "started n/a, ended n/a"), "%.2000s", html);
    free(html);
}

/* ---------------------------------------------------------------- the command */

static int run_cmd(const char *args, char *out, size_t size)
{
    const char *bin = getenv("EVOFOLIO_BIN") ? getenv("EVOFOLIO_BIN") : "build/evofolio";
    char *abs = realpath(bin, NULL);
    cr_assert_not_null(abs, "%s: build it first (make)", bin);
    char cmd[1024], o[160];
    snprintf(o, sizeof o, "%s/cmd.out", dir);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s >%s 2>&1", dir, abs, args, o);
    free(abs);
    int st = system(cmd);
    cr_assert(WIFEXITED(st));
    FILE *f = fopen(o, "r");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    cr_assert_null(strstr(out, "Sanitizer"), "%s", out);
    cr_assert_null(strstr(out, "runtime error:"), "UBSan: %s", out);
    return WEXITSTATUS(st);
}

Test(report, command_writes_the_default_file,
     .description = "results/<run name>-report.html; exit codes 1 and 2")
{
    static char out[8192];
    cr_assert_eq(run_cmd("report --help", out, sizeof out), 0);
    cr_assert(strstr(out, "usage: evofolio report ARCHIVE"), "%s", out);
    cr_assert_eq(run_cmd("report nothing.db", out, sizeof out), 2);
    cr_assert(strstr(out, "no such archive"), "%s", out);
    cr_assert_eq(run_cmd("report", out, sizeof out), 2);

    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    fixture fx;
    make_done_run(a, &fx, "my run/" NASTY);
    archive_close(a);
    cr_assert_eq(run_cmd("report a.db --run 7", out, sizeof out), 2);
    cr_assert(strstr(out, "has no run 7"), "%s", out);
    cr_assert_eq(run_cmd("report a.db", out, sizeof out), 1, "no results/ here: %s", out);
    cr_assert(strstr(out, "Create results/"), "%s", out);

    char results[160], file[200];
    snprintf(results, sizeof results, "%s/results", dir);
    cr_assert_eq(mkdir(results, 0755), 0);
    cr_assert_eq(run_cmd("report a.db", out, sizeof out), 0, "%s", out);
    cr_assert_str_eq(out, "results/my_run______-report.html\n", "the name made safe for a file: %s", out);
    snprintf(file, sizeof file, "%s/results/my_run______-report.html", dir);
    cr_assert_eq(access(file, R_OK), 0);
    cr_assert_eq(run_cmd("report a.db --run 1 -o other.html", out, sizeof out), 0, "%s", out);
    snprintf(file, sizeof file, "%s/other.html", dir);
    cr_assert_eq(access(file, R_OK), 0);
}
