/* Tests of the `evofolio` command as users run it: exit codes, --help and --version, and messages
 * that carry file:line:column. The binary comes from $EVOFOLIO_BIN (set by `make test`). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch.h"

typedef struct {
    int status;       /* exit code */
    char out[65536];  /* standard output, truncated */
    char err[4096];   /* standard error, truncated */
} result;

static char tmp[64];

static void setup(void)
{
    scratch_create(tmp, sizeof tmp, "cli");
}

static void teardown(void)
{
    scratch_remove(tmp);
}

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Run `evofolio ARGS` with stdout and stderr captured. */
static void run(result *r, const char *args)
{
    const char *bin = getenv("EVOFOLIO_BIN") ? getenv("EVOFOLIO_BIN") : "build/evofolio";
    char cmd[1024], o[128], e[128];
    snprintf(o, sizeof o, "%s/stdout", tmp);
    snprintf(e, sizeof e, "%s/stderr", tmp);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", bin, args, o, e);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "%s did not exit normally", cmd);
    r->status = WEXITSTATUS(st);
    slurp(o, r->out, sizeof r->out);
    slurp(e, r->err, sizeof r->err);
    cr_assert_null(strstr(r->err, "Sanitizer"), "%s reported:\n%s", cmd, r->err);
    cr_assert_null(strstr(r->err, "runtime error:"), "%s: UBSan reported:\n%s", cmd, r->err);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, version_and_help_on_every_level, .description = "--version, --help exit 0 and say what they do")
{
    static result r;
    run(&r, "--version");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "evofolio 0."), "%s", r.out);
    run(&r, "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "check") && strstr(r.out, "data") && strstr(r.out, "synth"));
    const char *cmds[] = {"baselines", "check", "data", "synth"};
    for (int i = 0; i < 4; i++) {
        char args[64];
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        run(&r, args);
        cr_assert_eq(r.status, 0, "%s", args);
        cr_assert(strstr(r.out, "usage: evofolio"), "%s: %s", args, r.out);
    }
    run(&r, "");
    cr_assert_eq(r.status, 2, "no command is a usage error");
}

Test(cli, unknown_command_and_options, .description = "bad usage exits 2 with a hint")
{
    static result r;
    run(&r, "chek configs/default.yaml");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "did you mean 'check'"), "%s", r.err);
    run(&r, "check --bogus configs/default.yaml");
    cr_assert_eq(r.status, 2);
    run(&r, "check");
    cr_assert_eq(r.status, 2);
    run(&r, "synth --assets many");
    cr_assert_eq(r.status, 2);
    run(&r, "data");
    cr_assert_eq(r.status, 2);
}

Test(cli, shared_options_say_what_they_take, .description = "--format, --run and a missing argument: one wording, exit 2, the usage")
{
    static result r;
    run(&r, "eval configs/default.yaml --format csv");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "evofolio eval: --format expects table or json, got 'csv'."), "%s", r.err);
    run(&r, "baselines configs/default.yaml --format xml");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "evofolio baselines: --format expects table, csv or json, got 'xml'."), "%s", r.err);
    const char *runs[3] = {"query x.db --run 0", "report x.db --run two", "eval --from x.db:1 --run -1"};
    for (int i = 0; i < 3; i++) {
        run(&r, runs[i]);
        cr_assert_eq(r.status, 2, "%s", runs[i]);
        cr_assert(strstr(r.err, "--run expects a run id (a whole number > 0)") &&
                  strstr(r.err, "`evofolio query ARCHIVE runs` lists them"), "%s: %s", runs[i], r.err);
    }
    run(&r, "report");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "evofolio report: expected one ARCHIVE, got 0 arguments.") && strstr(r.err, "usage: "),
              "%s", r.err);
}

Test(cli, check_default_config, .description = "the default config resolves, hashes and fits its data")
{
    static result r;
    run(&r, "check configs/default.yaml");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "name: dow30-default\n"), "%s", r.out);
    cr_assert(strstr(r.out, "# hash: "));
    cr_assert(strstr(r.out, "# data: 30 assets, 2529 rows from 1990-12-31 to 2001-01-02"), "%s", r.out);
}

Test(cli, check_bad_config_says_where, .description = "exit 2 and file:line:column on stderr")
{
    static result r;
    write_file("bad.yaml", "data:\n  prices: p.csv\nga:\n  elitism: 2\n");
    char args[256];
    snprintf(args, sizeof args, "check --no-data %s/bad.yaml", tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "bad.yaml:4:3: unknown key 'ga.elitism'"), "%s", r.err);
    cr_assert_str_eq(r.out, "", "nothing on stdout when the check fails");
    snprintf(args, sizeof args, "check %s/nope.yaml", tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2, "a missing file is bad usage");
    cr_assert(strstr(r.err, "nope.yaml: cannot open"), "%s", r.err);
    write_file("nodata.yaml", "data:\n  prices: missing.csv\n");
    snprintf(args, sizeof args, "check %s/nodata.yaml", tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "nodata.yaml:2:3: data.prices: cannot open"), "%s", r.err);
}

Test(cli, check_reports_data_problems, .description = "data the config names is checked too")
{
    static result r;
    write_file("p.csv", "date,A,B\n2000-01-03,1,2\n2000-01-04,1,-2\n");
    write_file("c.yaml", "data:\n  prices: p.csv\n");
    char args[256];
    snprintf(args, sizeof args, "check %s/c.yaml", tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "p.csv:3:14: price -2 is not positive"), "%s", r.err);
}

Test(cli, synth_is_deterministic_and_loadable, .description = "same seed, same bytes; data reads it")
{
    static result a, b;
    run(&a, "synth --assets 3 --days 50 --seed 9");
    cr_assert_eq(a.status, 0, "%s", a.err);
    run(&b, "synth --assets 3 --days 50 --seed 9");
    cr_assert_str_eq(a.out, b.out);
    run(&b, "synth --assets 3 --days 50 --seed 10");
    cr_assert_str_neq(a.out, b.out);
    cr_assert(!strncmp(a.out, "date,S01,S02,S03\n2000-01-03,100,100,100\n", 40), "%s", a.out);
    char args[256];
    snprintf(args, sizeof args, "synth --assets 3 --days 50 --seed 9 --out %s/s.csv", tmp);
    run(&b, args);
    cr_assert_eq(b.status, 0);
    snprintf(args, sizeof args, "data %s/s.csv", tmp);
    run(&b, args);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_assert(strstr(b.out, "assets        3\n"), "%s", b.out);
    cr_assert(strstr(b.out, "rows          50 "), "%s", b.out);
}

Test(cli, synth_planted_signal_options, .description = "--planted/--strength: documented, checked, exit 2")
{
    static result r, plain;
    run(&r, "synth --help");
    cr_assert(strstr(r.out, "--planted KIND") && strstr(r.out, "--strength S"), "%s", r.out);
    run(&r, "synth --assets 4 --days 60 --planted momentum --strength 0.3");
    cr_assert_eq(r.status, 0, "%s", r.err);
    run(&plain, "synth --assets 4 --days 60");
    cr_assert_str_neq(r.out, plain.out, "the plant changes prices");
    run(&r, "synth --assets 4 --days 60 --planted none");
    cr_assert_str_eq(r.out, plain.out, "--planted none is the plain panel");
    run(&r, "synth --planted momentm --strength 0.3");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown --planted 'momentm' (did you mean 'momentum'?)"), "%s", r.err);
    run(&r, "synth --planted reversal --strength -0.1");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--strength in [0, 10]"), "%s", r.err);
    run(&r, "synth --strength 0.3");
    cr_assert_eq(r.status, 2, "a strength without a plant is a mistake");
    cr_assert(strstr(r.err, "add --planted"), "%s", r.err);
    run(&r, "synth --planted momentum --strength lots");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--strength expects a number"), "%s", r.err);
}

Test(cli, data_summary_of_the_dow, .description = "the shipped data: 30 assets, known first/last rows")
{
    static result r;
    run(&r, "data data/dow30.csv");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "dates         1990-12-31 to 2001-01-02\n"), "%s", r.out);
    /* AA's lowest close, checked with awk -F, 'NR>1 && (m==""||$2<m){m=$2;d=$1} END{print m,d}' */
    cr_assert(strstr(r.out, "AA                   5.5300 1991-01-09"), "%s", r.out);
}

Test(cli, baselines_on_the_test_period, .description = "every configured strategy, every metric, three formats")
{
    static result r;
    run(&r, "baselines configs/default.yaml --period test");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "period 2000-01-03 .. 2001-01-02 (253 return days)"), "%s", r.out);
    const char *names[] = {"ew", "buyhold", "invvol", "minvar", "maxsharpe", "erc", "momentum", "hrp", "cluster"};
    for (int i = 0; i < 9; i++) {
        char row[32];
        snprintf(row, sizeof row, "\n%-10s ", names[i]);
        cr_assert(strstr(r.out, row), "no row for %s:\n%s", names[i], r.out);
    }
    run(&r, "baselines configs/default.yaml --format csv");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "strategy,days,ann_return,", 25), "%s", r.out);
    int lines = 0;
    for (const char *c = r.out; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 10, "a header and 9 rows:\n%s", r.out);
    cr_assert(strstr(r.out, "\new,253,"), "%s", r.out);
    run(&r, "baselines configs/default.yaml --format json");
    cr_assert_eq(r.status, 0);
    cr_assert(r.out[0] == '[' && strstr(r.out, "{\"strategy\":\"momentum\",\"days\":253,") &&
              !strcmp(r.out + strlen(r.out) - 2, "]\n"), "%s", r.out);
}

Test(cli, baselines_daily_series_and_periods, .description = "--csv writes every day of every strategy; periods resolve")
{
    static result r;
    char args[256], path[128];
    snprintf(path, sizeof path, "%s/daily.csv", tmp);
    snprintf(args, sizeof args, "baselines configs/default.yaml --period fold:3 --csv %s", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "period 1998-12-24 .. 1999-12-23 (252 return days)"), "%s", r.out);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[4096];
    int rows = 0;
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert(!strncmp(line, "date,strategy,net_return,turnover,w_AA,", 38), "%s", line);
    while (fgets(line, sizeof line, f))
        rows++;
    fclose(f);
    cr_assert_eq(rows, 9 * 252, "9 baselines x 252 days");
    run(&r, "baselines configs/default.yaml --period 1999-01-04:1999-03-31");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "period 1999-01-04 .. 1999-03-31"), "%s", r.out);
    run(&r, "baselines configs/default.yaml --folds");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "3      1996-12-18 .. 1998-12-16    504   1998-12-24 .. 1999-12-23    252"), "%s", r.out);
    /* dd252 defined from day 251, normalised over 252 values: day 502 */
    cr_assert(strstr(r.out, "usable from day 502 (1992-12-23)"), "%s", r.out);
    run(&r, "baselines configs/default.yaml --period fold:9");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "folds 1 to 3"), "%s", r.err);
    run(&r, "baselines configs/default.yaml --period yesterday");
    cr_assert_eq(r.status, 2);
    run(&r, "baselines configs/default.yaml --period 1991-01-02:1991-06-01");
    cr_assert_eq(r.status, 2, "no history for the estimates");
    cr_assert(strstr(r.err, "backtest.window"), "%s", r.err);
}

#define GENOME "'{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":1,\"hidden\":8,\"seq_len\":10," \
               "\"lr\":0.003,\"weight_decay\":0.0001,\"batch\":32,\"steps\":200,\"features\":[\"ret1\",\"vol20\"]," \
               "\"rebalance\":5}'"

Test(cli, eval_a_genome, .timeout = 60, .description = "eval prints the key, folds, fitness; --test, --csv, json")
{
    static result r;
    char args[1024], path[128];
    snprintf(path, sizeof path, "%s/eval.csv", tmp);
    snprintf(args, sizeof args, "eval configs/default.yaml --test --csv %s --genome " GENOME, path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "genome   model=asset;objective=sharpe;layers=1;hidden=8;seq_len=10;lr=0.003;"),
              "%s", r.out);
    cr_assert(strstr(r.out, "fold 1 1996-12-26..1997-12-23") && strstr(r.out, "fold 3 1998-12-24..1999-12-23"),
              "%s", r.out);
    cr_assert(strstr(r.out, "status   ok\nfitness  "), "%s", r.out);
    cr_assert(strstr(r.out, "test   2000-01-03..2001-01-02"), "%s", r.out);
    cr_assert(strstr(r.out, "\new         "), "the baselines on the test period:\n%s", r.out);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[4096];
    int rows = 0;
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert(!strncmp(line, "window,date,net_return,turnover,w_AA,", 37), "%s", line);
    while (fgets(line, sizeof line, f))
        rows++;
    fclose(f);
    cr_assert_eq(rows, 3 * 252 + 253, "three folds and the test period, one row a day");
    snprintf(args, sizeof args, "eval configs/default.yaml --format json --genome " GENOME);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"status\": \"ok\"") && strstr(r.out, "\"folds\": ["), "%s", r.out);
    static result again;
    run(&again, args);
    const char *f1 = strstr(r.out, "\"fitness\""), *f2 = strstr(again.out, "\"fitness\"");
    cr_assert(f1 && f2 && !strncmp(f1, f2, strcspn(f1, "\n")), "same genome and seed, same fitness");
}

Test(cli, eval_bad_genomes, .description = "bad JSON, genes outside the search space, a missing file: exit 2")
{
    static result r;
    run(&r, "eval configs/default.yaml --genome '{\"model\":\"asset\"'");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "genome JSON 1:"), "%s", r.err);
    run(&r, "eval configs/default.yaml --genome '{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":1,"
            "\"hidden\":999,\"seq_len\":10,\"lr\":0.003,\"weight_decay\":0.0001,\"batch\":32,\"steps\":3,"
            "\"features\":[\"ret1\"],\"rebalance\":5}'");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "gene hidden: 999 is outside search.hidden"), "%s", r.err);
    run(&r, "eval configs/default.yaml --genome @/nonexistent.json");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "/nonexistent.json: cannot open"), "%s", r.err);
    run(&r, "eval configs/default.yaml");
    cr_assert_eq(r.status, 2, "--genome is required");
}

/* ---------------------------------------------------------------- evofolio query
 * A small archive written through the library: run 1 (done) holds evaluations 1 (fitness 0.5) and
 * 2 (failed), drawn at random, 3 (0.9) their crossover, 4 a cache hit of 3, two folds each, one
 * generation, 3's test result as the champion and the ew baseline; run 2 (running, the newest) holds
 * evaluation 1 (0.1). */
#include <math.h>

#include "evofolio/archive.h"

static void query_archive(const char *path)
{
    evo_archive *a = NULL;
    evo_error err = {0};
    cr_assert_eq(archive_open(&a, path, 0, &err), EVO_OK, "%s", err.msg);
    static evo_date dates[64];
    for (int d = 0; d < 64; d++)
        dates[d] = date_from_ymd(2021, 3, 1) + d;
    static evo_eval_result res;
    res.n_folds = 2;
    for (int k = 0; k < 2; k++) {
        res.folds[k].window = (evo_window){10 * k + 1, 10 * k + 10};
        res.folds[k].metrics = (evo_metrics){.days = 10, .sharpe = 1 + k, .ann_return = 0.1};
    }
    for (int r = 1; r <= 2; r++) {
        archive_run run = {.seed = 7, .mode = GA_GENERATIONAL, .ranks = 3, .status = RUN_RUNNING};
        snprintf(run.name, sizeof run.name, "query-test");
        cr_assert_eq(archive_run_create(a, &run, "name: query-test\n", &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(run.id, r);
        int n = r == 1 ? 4 : 1;
        for (int i = 1; i <= n; i++) {
            ga_individual ind;
            memset(&ind, 0, sizeof ind);
            ind.genome = (evo_genome){.model = MODEL_ASSET, .objective = OBJECTIVE_SHARPE, .layers = 1,
                                      .hidden = i == 4 ? 24 : 8 * i, .seq_len = 20, .lr = 0.001,
                                      .weight_decay = 1e-4, .batch = 32, .steps = 5,
                                      .features = 1u << FEATURE_RET1, .rebalance = 5};
            genome_key(&ind.genome, ind.key);
            ind.id = i;
            ind.origin = i >= 3 ? ORIGIN_CROSSOVER : ORIGIN_RANDOM;
            ind.parents[0] = i >= 3 ? 1 : 0;
            ind.parents[1] = i >= 3 ? 2 : 0;
            res.status = i == 2 ? EVAL_FAILED : EVAL_OK;
            snprintf(res.reason, sizeof res.reason, "%s", i == 2 ? "diverged" : "");
            res.fitness = r == 2 ? 0.1 : i == 1 ? 0.5 : i == 2 ? -INFINITY : 0.9;
            ind.fitness = res.fitness;
            archive_eval e = {.run = r, .id = i, .generation = i >= 3, .ind = &ind, .seed = 11,
                              .res = i == 4 ? NULL : &res, .cache_of = i == 4 ? 3 : 0, .rank = 1,
                              .host = "h", .started = 1.7e9 + i, .finished = 1.7e9 + i + 1, .dates = dates};
            cr_assert_eq(archive_put_evaluation(a, &e, NULL, &err), EVO_OK, "%s", err.msg);
        }
    }
    archive_generation g = {1, 0.9, 0.7, 0.7, 0.2, 1, 2, 0, 1, 3, 0.5};
    cr_assert_eq(archive_put_generation(a, 1, &g, NULL, &err), EVO_OK, "%s", err.msg);
    evo_fold_result test = res.folds[0];
    test.window = (evo_window){41, 50};
    test.metrics.sharpe = 1.5;
    cr_assert_eq(archive_put_test_result(a, 1, 3, 1, &test, dates + 41, &err), EVO_OK, "%s", err.msg);
    evo_metrics m = {.days = 10, .sharpe = 0.25};
    cr_assert_eq(archive_put_baseline(a, 1, STRATEGY_EW, &m, NULL, dates + 41, &err), EVO_OK, "%s", err.msg);
    archive_champion_stats c = {3, 0.75, 3, 2.5, 0.25, 0, "no skill shown: a test"};
    cr_assert_eq(archive_put_champion_stats(a, 1, &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(archive_run_set_status(a, 1, RUN_DONE, &err), EVO_OK, "%s", err.msg);
    archive_close(a);
}

Test(cli, query_commands_and_formats, .description = "runs, top, generations, show, lineage, baselines, sql")
{
    static result r;
    char path[128], args[512];
    snprintf(path, sizeof path, "%s/q.db", tmp);
    query_archive(path);
    snprintf(args, sizeof args, "query %s runs", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "query-test  done") && strstr(r.out, "query-test  running"), "%s", r.out);
    snprintf(args, sizeof args, "query %s runs --format csv", path);
    run(&r, args);
    cr_assert(strstr(r.out, "\n1,query-test,done,generational,3,") &&
                  strstr(r.out, ",4,1,1,0.9,3,0.75,3,2.5,0.25,0,7,") && strstr(r.out, ",no skill shown: a test,,,,,\n"),
              "4 evaluations, 1 failure, 1 cache hit, best 0.9, champion 3, DSR, trials, effective trials, PBO, "
              "skill, seed, verdict: %s", r.out);

    snprintf(args, sizeof args, "query %s top --format csv", path); /* the newest run: 2 */
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "id,generation,fitness,model,", 28), "%s", r.out);
    cr_assert(strstr(r.out, "\n1,0,0.1,asset,") && !strstr(r.out, "\n3,"), "%s", r.out);
    snprintf(args, sizeof args, "query %s top -n 1 --run 1 --format csv", path);
    run(&r, args);
    cr_assert(strstr(r.out, "\n3,1,0.9,asset,") && !strstr(r.out, "\n1,"), "%s", r.out);
    snprintf(args, sizeof args, "query %s --run 1", path); /* top is the default command */
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "run 1 'query-test': the best successful candidates, fitness descending (at most "
                            "10)"), "%s", r.out);
    cr_assert(strstr(r.out, "\n 3           1      0.9  asset") && strstr(r.out, "\n 1           0      0.5"),
              "%s", r.out);

    snprintf(args, sizeof args, "query %s generations --run 1 --format json", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "[{\"generation\":1,\"evaluations\":2,", 33), "%s", r.out);
    snprintf(args, sizeof args, "query %s utilisation --run 1 --format json", path);
    run(&r, args);
    cr_assert(!strncmp(r.out, "{\"evaluations\":3,\"workers\":2,\"busy_seconds\":3,", 45), "%s", r.out);
    /* csv: one table each, every row as wide as the header */
    for (int k = 0; k < 2; k++) {
        snprintf(args, sizeof args, "query %s %s --run 1 --format csv", path, k ? "utilisation" : "generations");
        run(&r, args);
        int commas = -1, lines = 0;
        for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
            int c = 0;
            for (char *p = line; *p; p++)
                c += *p == ',';
            if (commas < 0)
                commas = c;
            cr_assert_eq(c, commas, "%s: a row of another table: %s", args, line);
        }
        cr_assert_geq(lines, 2, "%s: a header and rows", args);
    }
    snprintf(args, sizeof args, "query %s utilisation --run 1", path);
    run(&r, args);
    cr_assert(strstr(r.out, "utilisation") && strstr(r.out, "workers       2"), "%s", r.out);

    snprintf(args, sizeof args, "query %s show 3 --run 1", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "evaluation 3 of run 1") && strstr(r.out, "\ntest_rank        1\n") &&
              strstr(r.out, "\ngenome           {\"model\":\"asset\"") && strstr(r.out, "validation folds\n") &&
              strstr(r.out, "\n   2  2021-03-12  2021-03-21") && strstr(r.out, "\nfirst          2021-04-11\n") &&
              strstr(r.out, "\nsharpe         1.5\n"), "%s", r.out);
    cr_assert(strstr(r.out, "\nuntrained_folds  "), "folds whose training never beat the untrained net: %s", r.out);
    cr_assert(strstr(r.out, "parents\n") && strstr(r.out, "\n 1           0  random") &&
              strstr(r.out, "\n 2           0  random  failed"), "%s", r.out);
    snprintf(args, sizeof args, "query %s show 4 --run 1 --format json", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "{\"evaluation\": {\"run\":1,\"id\":4,", 31) && strstr(r.out, "\"cache_of\":3") &&
              strstr(r.out, "\"folds\": [{\"fold\":1,") && strstr(r.out, "\"test\": {\"first\":\"2021-04-11\""),
              "a cache hit shows its source's metrics: %s", r.out);

    snprintf(args, sizeof args, "query %s lineage 3 --run 1 --format csv", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "generation,id,origin,parent1,parent2,status,fitness,") &&
              strstr(r.out, "\n1,3,crossover,1,2,ok,0.9,") && strstr(r.out, "\n0,2,random,,,failed,,") &&
              strstr(r.out, "\n0,1,random,,,ok,0.5,") && strstr(r.out, "\n0,2,") < strstr(r.out, "\n0,1,"),
              "%s", r.out);

    snprintf(args, sizeof args, "query %s baselines --run 1 --format csv", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "name,rank,first,last,days,ann_return,ann_vol,sharpe,") &&
              strstr(r.out, "\neval:3,1,2021-04-11,2021-04-20,10,0.1,0,1.5,") &&
              strstr(r.out, "\nbaseline:ew,,2021-04-11,2021-04-20,10,0,0,0.25,"), "%s", r.out);

    snprintf(args, sizeof args, "query %s sql \"SELECT run, count(*) AS n FROM evaluations GROUP BY run\""
             " --format json", path);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "[{\"run\":1,\"n\":4},\n {\"run\":2,\"n\":1}]\n");
}

Test(cli, query_errors_exit_2, .description = "missing archive, run, id; bad SQL; sql cannot write")
{
    static result r;
    char path[128], args[512];
    snprintf(path, sizeof path, "%s/q.db", tmp);
    query_archive(path);
    run(&r, "query --help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: evofolio query ARCHIVE"), "%s", r.out);
    snprintf(args, sizeof args, "query %s/none.db runs", tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "none.db: no such archive"), "%s", r.err);
    write_file("text.csv", "a,b\n1,2\n");
    snprintf(args, sizeof args, "query %s/text.csv runs", tmp); /* a file that is not an archive */
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "not an evofolio archive"), "%s", r.err);
    snprintf(args, sizeof args, "query %s top --run 9", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "has no run 9") && strstr(r.err, "runs` lists them"), "%s", r.err);
    snprintf(args, sizeof args, "query %s show 99 --run 1", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "run 1 of ") && strstr(r.err, "has no evaluation 99"), "%s", r.err);
    snprintf(args, sizeof args, "query %s lineage x", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    snprintf(args, sizeof args, "query %s tops", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown command 'tops' (did you mean 'top'?)"), "%s", r.err);
    snprintf(args, sizeof args, "query %s top --format xml", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    snprintf(args, sizeof args, "query %s sql \"SELECT nocolumn FROM runs\"", path);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "no such column: nocolumn"), "SQLite's message: %s", r.err);

    const char *writes[] = {"DELETE FROM evaluations", "UPDATE runs SET status = 'failed'",
                            "INSERT INTO meta VALUES ('k', 'v')", "DROP TABLE folds",
                            "SELECT 1; DELETE FROM runs", "PRAGMA query_only = 0",
                            "ATTACH 'other.db' AS o"};
    for (int i = 0; i < 7; i++) {
        snprintf(args, sizeof args, "query %s sql \"%s\"", path, writes[i]);
        run(&r, args);
        cr_assert_eq(r.status, 2, "%s: %s", writes[i], r.err);
        cr_assert(strlen(r.err) > 20, "%s: a message", writes[i]);
    }
    snprintf(args, sizeof args, "query %s sql \"SELECT count(*) AS n, sum(status = 'ok') AS ok FROM "
             "evaluations\" --format csv", path);
    run(&r, args);
    cr_assert_str_eq(r.out, "n,ok\n5,4\n", "nothing changed");
}

#include <sys/stat.h>

/* Several archives side by side, as the tasks of a SLURM job array leave them (one archive each),
 * written through the library: r-1.db holds run 1 with candidates of fitness 0.5 and 0.2; r-2.db run 1
 * (0.99, older: not in `top`) and run 2 (0.7, 0.1 and a failure); r-3.db run 1 (0.6); e-4.db no run. */
Test(cli, query_several_archives, .description = "runs and top over several archives; the rest take one")
{
    static const struct {
        int archive, run, id;
        double fitness; /* -inf: failed */
    } rows[] = {{0, 1, 1, 0.5}, {0, 1, 2, 0.2},  {1, 1, 1, 0.99},      {1, 2, 1, 0.7},
                {1, 2, 2, 0.1}, {1, 2, 3, -INFINITY}, {2, 1, 1, 0.6}};
    static const int n_runs[4] = {1, 2, 1, 0};
    static result r;
    char path[4][160], args[1024];
    evo_error err = {0};
    for (int k = 0; k < 4; k++) {
        snprintf(path[k], sizeof path[k], "%s/%s-%d.db", tmp, k < 3 ? "r" : "e", k + 1);
        evo_archive *a = NULL;
        cr_assert_eq(archive_open(&a, path[k], 0, &err), EVO_OK, "%s", err.msg);
        for (int run_id = 1; run_id <= n_runs[k]; run_id++) {
            archive_run run = {.seed = 3, .mode = GA_GENERATIONAL, .ranks = 2, .status = RUN_RUNNING};
            snprintf(run.name, sizeof run.name, "array-%d", k + 1);
            cr_assert_eq(archive_run_create(a, &run, "name: array\n", &err), EVO_OK, "%s", err.msg);
            cr_assert_eq(run.id, run_id);
        }
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            if (rows[i].archive != k)
                continue;
            static evo_eval_result res;
            memset(&res, 0, sizeof res);
            res.n_folds = 1;
            res.folds[0].window = (evo_window){1, 10};
            res.folds[0].metrics = (evo_metrics){.days = 10, .sharpe = 1};
            res.status = isfinite(rows[i].fitness) ? EVAL_OK : EVAL_FAILED;
            res.fitness = rows[i].fitness;
            ga_individual ind;
            memset(&ind, 0, sizeof ind);
            ind.genome = (evo_genome){.model = MODEL_ASSET, .objective = OBJECTIVE_SHARPE, .layers = 1,
                                      .hidden = 8 * rows[i].id, .seq_len = 20, .lr = 0.001,
                                      .weight_decay = 1e-4, .batch = 32, .steps = 5,
                                      .features = 1u << FEATURE_RET1, .rebalance = 5};
            genome_key(&ind.genome, ind.key);
            ind.id = rows[i].id;
            ind.fitness = rows[i].fitness;
            archive_eval e = {.run = rows[i].run, .id = rows[i].id, .ind = &ind, .seed = 5, .res = &res,
                              .rank = 1, .host = "h", .started = 1.7e9, .finished = 1.7e9 + 1};
            cr_assert_eq(archive_put_evaluation(a, &e, NULL, &err), EVO_OK, "%s", err.msg);
        }
        archive_close(a);
    }

    /* runs: every run of every archive, in the order given, the archive first */
    snprintf(args, sizeof args, "query %s %s %s runs --format csv", path[0], path[1], path[2]);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "archive,id,name,status,mode,", 28), "%s", r.out);
    const char *r1 = strstr(r.out, "\nr-1.db,1,array-1,running,"), *r21 = strstr(r.out, "\nr-2.db,1,array-2,");
    const char *r22 = strstr(r.out, "\nr-2.db,2,array-2,"), *r3 = strstr(r.out, "\nr-3.db,1,array-3,");
    cr_assert(r1 && r21 && r22 && r3 && r1 < r21 && r21 < r22 && r22 < r3, "%s", r.out);
    cr_assert(strstr(r22, ",3,1,0,0.7,"), "3 evaluations, 1 failure, no cache hit, best 0.7: %s", r.out);
    snprintf(args, sizeof args, "query %s %s runs", path[0], path[1]);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "archive  id  name     status", 28) &&
              strstr(r.out, "\nr-2.db    2  array-2  running"), "%s", r.out);

    /* top: the newest run of each, merged by fitness; -n cuts the merged list */
    snprintf(args, sizeof args, "query %s %s %s top --format csv", path[0], path[1], path[2]);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strncmp(r.out, "archive,run,id,generation,fitness,model,", 40), "%s", r.out);
    const char *t[5] = {strstr(r.out, "\nr-2.db,2,1,0,0.7,"), strstr(r.out, "\nr-3.db,1,1,0,0.6,"),
                        strstr(r.out, "\nr-1.db,1,1,0,0.5,"), strstr(r.out, "\nr-1.db,1,2,0,0.2,"),
                        strstr(r.out, "\nr-2.db,2,2,0,0.1,")};
    for (int i = 0; i < 5; i++)
        cr_assert(t[i] && (i == 0 || t[i - 1] < t[i]), "row %d in fitness order: %s", i, r.out);
    cr_assert(!strstr(r.out, "0.99") && !strstr(r.out, "r-2.db,2,3,"), "older run, failure: %s", r.out);
    snprintf(args, sizeof args, "query %s %s %s -n 2 --format json", path[2], path[0], path[1]);
    run(&r, args); /* top is the default command */
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *first = "[{\"archive\":\"r-2.db\",\"run\":2,\"id\":1,\"generation\":0,\"fitness\":0.7,";
    cr_assert(!strncmp(r.out, first, strlen(first)), "%s", r.out);
    cr_assert(strstr(r.out, "\n {\"archive\":\"r-3.db\",\"run\":1,\"id\":1,") && !strstr(r.out, "r-1.db") &&
              !strstr(r.out, "0.5"), "%s", r.out);
    snprintf(args, sizeof args, "query %s %s top -n 3", path[0], path[1]);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "the best successful candidates of 2 archives, the newest run of each, fitness "
                            "descending (at most 3)\n  r-1.db  run 1 'array-1'\n  r-2.db  run 2 'array-2'\n\n"
                            "archive  run  id  generation  fitness"), "%s", r.out);
    cr_assert(strstr(r.out, "\nr-2.db     2   1           0      0.7") &&
              strstr(r.out, "\nr-1.db     1   2           0      0.2") && !strstr(r.out, "0.1  "),
              "the older run and the cut: %s", r.out);

    /* the same base name twice: the paths tell them apart */
    char sub[2][160];
    for (int k = 0; k < 2; k++) {
        snprintf(sub[k], sizeof sub[k], "%s/%c", tmp, 'a' + k);
        cr_assert_eq(mkdir(sub[k], 0700), 0);
        snprintf(args, sizeof args, "cp %s %s/r.db", path[k], sub[k]);
        cr_assert_eq(system(args), 0);
    }
    snprintf(args, sizeof args, "query %s/r.db %s/r.db runs --format csv", sub[0], sub[1]);
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[256];
    snprintf(want, sizeof want, "\n%s/r.db,2,array-2,", sub[1]);
    cr_assert(strstr(r.out, want), "%s", r.out);

    /* errors exit 2 and name the archive or the rule */
    const char *one[] = {"generations", "baselines", "show 1", "lineage 1", "sql \"SELECT 1\""};
    for (int i = 0; i < 5; i++) {
        snprintf(args, sizeof args, "query %s %s %s", path[0], path[1], one[i]);
        run(&r, args);
        cr_assert_eq(r.status, 2, "%s: %s", one[i], r.err);
        cr_assert(strstr(r.err, "takes one archive, but 2 were given") && strstr(r.err, "r-1.db"), "%s",
                  r.err);
    }
    snprintf(args, sizeof args, "query %s %s top --run 1", path[0], path[1]);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--run picks a run of one archive, but 2 archives were given"), "%s", r.err);
    snprintf(args, sizeof args, "query %s %s/none.db %s top", path[0], tmp, path[1]);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "none.db: no such archive") && !*r.out, "%s", r.err);
    write_file("text.csv", "a,b\n1,2\n");
    snprintf(args, sizeof args, "query %s %s/text.csv runs", path[0], tmp);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "text.csv") && strstr(r.err, "not an evofolio archive"), "%s", r.err);
    snprintf(args, sizeof args, "query %s %s top", path[0], path[3]);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "e-4.db holds no run yet"), "%s", r.err);
    snprintf(args, sizeof args, "query %s %s runs --format csv", path[3], path[0]); /* no run: no rows */
    run(&r, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\nr-1.db,1,") && !strstr(r.out, "e-4.db"), "%s", r.out);
    snprintf(args, sizeof args, "query %s %s tops", path[0], path[1]);
    run(&r, args);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown command 'tops' (did you mean 'top'?)"), "%s", r.err);
}
