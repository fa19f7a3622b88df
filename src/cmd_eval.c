/* cmd_eval: `evofolio eval CONFIG --genome JSON|@FILE` - train and backtest one candidate on every
 * walk-forward fold (and with --test on the held-out test period, next to the baselines). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "evofolio/archive.h"
#include "evofolio/blas.h"
#include "evofolio/blas_plan.h"
#include "evofolio/buf.h"
#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/folds.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/strategies.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio eval CONFIG --genome JSON|@FILE [--seed N] [--test [--nets N]]\n"
                 "                     [--csv FILE] [--format table|json]\n"
                 "       evofolio eval [CONFIG] --from ARCHIVE:ID [--run N] [--test [--nets N] [--save PATH]] [--format F]\n\n"
                 "Train the genome's network on each walk-forward fold of CONFIG, backtest its weights on the\n"
                 "fold's validation window with costs, and print per-fold metrics, the fitness, timings\n"
                 "and the status. The genome is JSON, e.g.\n"
                 "  '{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":1,\"hidden\":16,\"seq_len\":10,\n"
                 "    \"lr\":0.003,\"weight_decay\":0.0001,\"batch\":32,\"steps\":500,\n"
                 "    \"features\":[\"ret1\",\"ret20\",\"vol20\"],\"rebalance\":5}'\n"
                 "(an attention encoder: \"arch\":\"attention\",\"d_model\":32,\"heads\":2,\"ff\":64\n"
                 "in place of \"hidden\")\n\n"
                 "  -g, --genome G   the genome as JSON text, or @FILE to read it from a file\n"
                 "  -s, --seed N     evaluation seed (default 1): same genome and seed, same numbers\n"
                 "  -t, --test       also train on the window before the test period and report the\n"
                 "                   held-out test metrics next to the baselines on the same period\n"
                 "  -n, --nets N     on the test period, hold the mean weights of N nets trained with\n"
                 "                   seeds derived from --seed (default 1; `run` tests with\n"
                 "                   ga.confirm_seeds)\n"
                 "  -o, --csv FILE   write daily weights and returns of every window\n"
                 "  -F, --from A:ID  reproduce evaluation ID of archive A (the newest run, or --run N)\n"
                 "                   with its stored genome and seed, under the run's configuration (CONFIG,\n"
                 "                   or the one stored in the archive, its data paths read from here),\n"
                 "                   and say whether the fitness is the archived one (exit 1 if not)\n"
                 "  -r, --run N      with --from: the run\n"
                 "  -S, --save PATH  with --test: write the net trained for the test period (net_save's\n"
                 "                   format; with --nets N, PATH.1 .. PATH.N)\n"
                 "  -f, --format F   table (default) or json\n"
                 "  -h, --help       this help\n");
}

static void print_fold_row(const char *label, const evo_fold_result *fr, const evo_panel *p, int forecast)
{
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    const evo_metrics *m = &fr->metrics;
    printf("%-6s %s..%s %5d %5d %9.5f %9.5f %9.5f %8.2f%% %7.2f%% %7.3f %8.3f %7.2f%% %9.4f", label,
           date_format(p->dates[fr->window.first], a), date_format(p->dates[fr->window.last], b),
           fr->train.steps, fr->train.best_step, fr->train.train_loss, fr->train.initial_loss,
           fr->train.holdout_loss, 100 * m->ann_return, 100 * m->ann_vol, m->sharpe, m->sortino,
           100 * m->max_drawdown, m->avg_turnover);
    if (forecast)
        printf("  conviction %.4g mae %.4g rmse %.4g mape %.3f%%", fr->train.conviction, fr->errors.mae,
               fr->errors.rmse, fr->errors.mape);
    if (!(fr->train.holdout_loss < fr->train.initial_loss))
        printf("  (no gain on the hold-out)");
    printf("\n");
}

static void print_table_header(void)
{
    printf("%-6s %-22s %5s %5s %9s %9s %9s %9s %8s %7s %8s %8s %9s\n", "window", "return days", "steps", "best",
           "train", "untrained", "holdout", "return/y", "vol/y", "sharpe", "sortino", "max dd", "turnover");
}

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static void print_table(const evo_eval_result *res, const evo_eval_result *test, const evo_genome *g,
                        const evo_eval_context *ctx)
{
    char key[GENOME_KEY_MAX];
    genome_key(g, key);
    printf("genome   %s\n", key);
    printf("params   %zu\n\n", res->n_params);
    print_table_header();
    for (int k = 0; k < res->n_folds; k++) {
        char label[32];
        snprintf(label, sizeof label, "fold %d", k + 1);
        if (k < res->n_folds && (res->status == EVAL_OK || res->folds[k].train.steps))
            print_fold_row(label, &res->folds[k], ctx->panel, g->objective == OBJECTIVE_FORECAST);
    }
    printf("\nstatus   %s%s%s%s\n", res->status == EVAL_OK ? "ok" : "failed", res->truncated ? " (truncated by train.max_seconds)" : "",
           res->status == EVAL_OK ? "" : ": ", res->status == EVAL_OK ? "" : res->reason);
    if (res->status == EVAL_OK)
        printf("fitness  %.6f (%s over %d folds; validation Sharpe ratio %.4f, equal weight's %.4f)\n",
               res->fitness, catalog_fitness.names[ctx->cfg->ga.fitness], res->n_folds, res->val_sharpe,
               ctx->ew_val_sharpe);
    for (int k = 0; res->status == EVAL_OK && k < res->n_folds; k++)
        if (!(res->folds[k].train.holdout_loss < res->folds[k].train.initial_loss)) {
            printf("note     on %s the hold-out loss never fell below the untrained net's: training found "
                   "nothing the hold-out confirms (raise steps or lr, or drop inputs)\n",
                   res->n_folds > 1 ? "some folds" : "this fold");
            break;
        }
    printf("time     %.2f s (training %.2f s, %.1f%% outside training); peak RSS %ld MiB\n", res->seconds,
           res->train_seconds, res->seconds > 0 ? 100 * (1 - res->train_seconds / res->seconds) : 0.0,
           peak_rss_mib());
    if (!test)
        return;
    printf("\nheld-out test period\n");
    print_table_header();
    if (test->status == EVAL_OK)
        print_fold_row("test", &test->folds[0], ctx->panel, g->objective == OBJECTIVE_FORECAST);
    else
        printf("test   failed: %s\n", test->reason);
}

/* The baselines on the test period, for comparison. */
static int print_test_baselines(const evo_eval_context *ctx, evo_error *err)
{
    const evo_config *cfg = ctx->cfg;
    const evo_window w = ctx->split.test;
    const evo_strategy_settings settings = strategy_settings_of(cfg);
    printf("\n%-10s %9s %8s %7s %8s %8s %9s   (baselines, same period and costs)\n", "strategy", "return/y",
           "vol/y", "sharpe", "sortino", "max dd", "turnover");
    for (int s = 0; s < STRATEGY_COUNT; s++) {
        if (!(cfg->baselines & (1u << s)))
            continue;
        evo_strategy_run run;
        int rc = strategy_run(&run, (evo_strategy)s, ctx->panel, w.first - 1, w.last,
                              &settings, cfg->backtest.rebalance, cfg->backtest.cost_bps, err);
        if (rc)
            return rc;
        evo_metrics m;
        metrics_compute(&m, run.bt.net, run.bt.turnover, run.bt.T);
        printf("%-10s %8.2f%% %7.2f%% %7.3f %8.3f %7.2f%% %9.4f\n", catalog_strategies.names[s],
               100 * m.ann_return, 100 * m.ann_vol, m.sharpe, m.sortino, 100 * m.max_drawdown, m.avg_turnover);
        strategy_run_free(&run);
    }
    return EVO_OK;
}

static json_t *number(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *fold_json(const evo_fold_result *fr, const evo_panel *p)
{
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    const evo_metrics *m = &fr->metrics;
    return json_pack("{s:s,s:s,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o}",
                     "first", date_format(p->dates[fr->window.first], a), "last",
                     date_format(p->dates[fr->window.last], b), "steps", fr->train.steps, "best_step",
                     fr->train.best_step, "train_loss", number(fr->train.train_loss), "initial_loss",
                     number(fr->train.initial_loss), "holdout_loss", number(fr->train.holdout_loss),
                     "conviction", number(fr->train.conviction), "ann_return", number(m->ann_return), "ann_vol",
                     number(m->ann_vol), "sharpe", number(m->sharpe), "sortino", number(m->sortino),
                     "max_drawdown", number(m->max_drawdown), "calmar", number(m->calmar), "cvar95",
                     number(m->cvar95), "avg_turnover", number(m->avg_turnover), "hit_rate",
                     number(m->hit_rate), "train_seconds", number(fr->train.seconds), "trades", m->trades,
                     "mae", number(fr->errors.mae), "mse", number(fr->errors.mse), "rmse",
                     number(fr->errors.rmse), "mape", number(fr->errors.mape));
}

static void print_json(const evo_eval_result *res, const evo_eval_result *test, const evo_genome *g,
                       const evo_eval_context *ctx)
{
    char key[GENOME_KEY_MAX], *gj = genome_to_json(g);
    genome_key(g, key);
    json_t *folds = json_array();
    for (int k = 0; k < res->n_folds && res->status == EVAL_OK; k++)
        json_array_append_new(folds, fold_json(&res->folds[k], ctx->panel));
    json_t *o = json_pack("{s:s,s:o,s:s,s:s,s:b,s:o,s:o,s:o,s:I,s:o,s:o,s:o}", "key", key, "genome",
                          gj ? json_loads(gj, 0, NULL) : json_null(), "status",
                          res->status == EVAL_OK ? "ok" : "failed", "reason", res->reason, "truncated",
                          res->truncated, "fitness", number(res->fitness), "val_sharpe", number(res->val_sharpe),
                          "ew_val_sharpe", number(ctx->ew_val_sharpe), "params", (json_int_t)res->n_params,
                          "seconds", number(res->seconds), "train_seconds", number(res->train_seconds), "folds",
                          folds);
    if (test && test->status == EVAL_OK)
        json_object_set_new(o, "test", fold_json(&test->folds[0], ctx->panel));
    char *text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text)
        puts(text);
    free(text);
    free(gj);
    json_decref(o);
}

static int write_csv(const char *path, const evo_eval_result *res, const evo_eval_result *test,
                     const evo_panel *p, evo_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    char d[EVO_DATE_STR];
    fprintf(f, "window,date,net_return,turnover");
    for (int a = 0; a < p->n_assets; a++)
        fprintf(f, ",w_%s", p->assets[a]);
    fputc('\n', f);
    for (int k = 0; k < res->n_folds + (test != NULL); k++) {
        const evo_fold_result *fr = k < res->n_folds ? &res->folds[k] : &test->folds[0];
        for (int t = 0; t < fr->bt.T; t++) {
            if (k < res->n_folds)
                fprintf(f, "fold%d", k + 1);
            else
                fprintf(f, "test");
            fprintf(f, ",%s,%.12g,%.12g", date_format(p->dates[fr->window.first + t], d), fr->bt.net[t],
                    fr->bt.turnover[t]);
            for (int a = 0; a < fr->bt.A; a++)
                fprintf(f, ",%.8g", fr->bt.weights[(size_t)t * fr->bt.A + a]);
            fputc('\n', f);
        }
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? evo_fail(err, EVO_ERR_IO, "%s: write error", path) : EVO_OK;
}

/* The run and evaluation `from` (ARCHIVE:ID) names, with the configuration to evaluate it under: CONFIG
 * when given, else the run's stored one (its data paths taken from the current directory). The
 * configuration and the data must be the run's (their hashes). */
typedef struct {
    evo_archive *a;
    archive_run run;
    archive_eval_row row;
    evo_config cfg;
    int have_cfg;
} from_source;

static int open_source(from_source *s, const char *from, long long run_id, const char *config_path, evo_error *err)
{
    char path[EVO_PATH_MAX];
    const char *colon = strrchr(from, ':');
    long long id = colon ? cmd_parse_id(colon + 1) : -1;
    if (!colon || id < 0 || (size_t)(colon - from) >= sizeof path)
        return evo_fail(err, EVO_ERR_USAGE, "--from expects ARCHIVE:ID (e.g. results/default.db:42), got '%s'.", from);
    snprintf(path, sizeof path, "%.*s", (int)(colon - from), from);
    int64_t newest = 0;
    int rc = archive_open(&s->a, path, ARCHIVE_READ_ONLY, err);
    if (!rc && !run_id && !(rc = archive_run_newest(s->a, &newest, err)))
        run_id = newest;
    int found = rc ? 0 : archive_run_get(s->a, run_id, &s->run, err);
    if (!rc && found <= 0)
        return found < 0 ? found : evo_fail(err, EVO_ERR_USAGE, "%s has no run %lld. `evofolio query %s runs` lists "
                                            "them.", path, run_id, path);
    found = rc ? 0 : archive_get_evaluation(s->a, s->run.id, id, &s->row, err);
    if (!rc && found > 0 && s->row.cache_of) /* a cache hit: the evaluation it points to */
        found = archive_get_evaluation(s->a, s->run.id, s->row.cache_of, &s->row, err);
    if (!rc && found <= 0)
        return found < 0 ? found : evo_fail(err, EVO_ERR_USAGE, "run %lld of %s has no evaluation %lld. `evofolio "
                                            "query %s top` lists the best.", (long long)s->run.id, path, id, path);
    if (rc)
        return rc;
    char *yaml = NULL;
    if (config_path)
        rc = config_load(config_path, &s->cfg, err);
    else if (!(rc = archive_run_config(s->a, s->run.id, &yaml, err)))
        rc = config_parse(yaml, strlen(yaml), "./(the run's stored configuration)", &s->cfg, err);
    free(yaml);
    s->have_cfg = rc == EVO_OK;
    char hash[17];
    if (!rc && !(rc = config_hash(&s->cfg, hash, err)) && strcmp(hash, s->run.config_hash))
        rc = evo_fail(err, EVO_ERR_USAGE, "%s is not the configuration run %lld used (hash %s, the run's %s): the "
                      "evaluation would not be reproduced. Give the run's configuration, or none to use the one "
                      "stored in the archive.", config_path, (long long)s->run.id, hash, s->run.config_hash);
    return rc;
}

/* One evaluation's data, context and results (eval_work_free). */
typedef struct {
    evo_panel panel;
    evo_eval_context ctx;
    evo_eval_result res, test;
} eval_work;

static void eval_work_free(eval_work *w)
{
    evaluate_result_free(&w->res);
    evaluate_result_free(&w->test);
    evaluate_context_free(&w->ctx);
    data_panel_free(&w->panel);
}

/* What to evaluate besides the folds, and how to print it. */
typedef struct {
    int with_test;    /* --test: the test period too */
    int nets;         /* --nets: nets trained for the test period */
    const char *save; /* --save: write the test period's net(s) here */
    int json;         /* --format json */
} eval_opts;

/* Evaluate g on every fold (keep: EVAL_KEEP_* of evaluate_genome), the test period when asked, and
 * print the result. */
static int evaluate_and_print(eval_work *w, const evo_genome *g, uint64_t seed, int keep, const eval_opts *o,
                              evo_error *err)
{
    int rc = evaluate_genome(&w->res, &w->ctx, g, seed, keep, err);
    if (!rc && o->with_test)
        rc = evaluate_test_saving(&w->test, &w->ctx, g, seed, o->nets, keep, o->save, err);
    if (!rc && o->json)
        print_json(&w->res, o->with_test ? &w->test : NULL, g, &w->ctx);
    else if (!rc)
        print_table(&w->res, o->with_test ? &w->test : NULL, g, &w->ctx);
    return rc;
}

/* One thread, and the kernels: the run's own where it recorded them (so that the evaluation is
 * reproduced), else this machine's plan. *how says which. */
static void use_kernels(const char *recorded, char *how, size_t n)
{
    blas_single_thread();
    blas_plan plan;
    char why[256] = "the run's own", text[BLAS_PLAN_TEXT_MAX];
    const int own = recorded && !blas_plan_parse(&plan, recorded);
    if (!own)
        blas_plan_machine(&plan, why, sizeof why);
    blas_plan_text(&plan, text);
    snprintf(how, n, "%s, %s%s", text, why, recorded && !own ? "; the run recorded none" : "");
    blas_set_plan(&plan);
}

static int eval_from(const char *from, long long run_id, const char *config_path, int extra, const eval_opts *o)
{
    from_source s = {0};
    eval_work w = {0};
    evo_genome g;
    evo_error err = {0};
    char hash[17];
    int rc = extra ? evo_fail(&err, EVO_ERR_USAGE, "--from takes at most one CONFIG.")
                   : open_source(&s, from, run_id, config_path, &err);
    if (!rc)
        rc = genome_from_json(&g, s.row.genome_json, &s.cfg, &err);
    archive_rung rung;
    int found = rc ? 0 : archive_get_rung(s.a, s.run.id, s.row.id, &rung, &err);
    if (found < 0)
        rc = found;
    else if (found) /* a rung of a multi-fidelity run: the steps it trained with */
        g.steps = rung.steps;
    if (!rc)
        rc = data_load_config(&s.cfg, &w.panel, &err);
    if (!rc) {
        data_panel_hash(&w.panel, hash);
        if (strcmp(hash, s.run.data_hash))
            rc = evo_fail(&err, EVO_ERR_DATA, "the data is not the data run %lld used (hash %s, the run's %s). Give "
                          "the run's configuration (CONFIG) with its data where it names it.", (long long)s.run.id,
                          hash, s.run.data_hash);
    }
    char recorded[BLAS_PLAN_TEXT_MAX] = "", kernels[512];
    if (!rc)
        rc = archive_run_blas(s.a, s.run.id, recorded, sizeof recorded, &err);
    use_kernels(recorded, kernels, sizeof kernels);
    if (!rc)
        rc = evaluate_context_create(&w.ctx, &s.cfg, &w.panel, &err);
    if (!rc)
        rc = evaluate_and_print(&w, &g, s.row.seed, 0, o, &err);
    const int same = !rc && (w.res.fitness == s.row.fitness || (!isfinite(w.res.fitness) && !isfinite(s.row.fitness)));
    if (!rc && !o->json)
        printf("\nevaluation %lld of run %lld, seed %llu: archived fitness %.17g, now %.17g: %s\nkernels: %s\n",
               (long long)s.row.id, (long long)s.run.id, (unsigned long long)s.row.seed, s.row.fitness, w.res.fitness,
               same ? "reproduced" : "NOT reproduced (another machine or build computes differently)", kernels);
    if (rc)
        fprintf(stderr, "evofolio eval: %s\n", err.msg);
    eval_work_free(&w);
    if (s.have_cfg)
        config_free(&s.cfg);
    archive_close(s.a);
    return rc ? evo_exit_code(rc) : same ? 0 : 1;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"genome", required_argument, NULL, 'g'}, {"seed", required_argument, NULL, 's'},
        {"test", no_argument, NULL, 't'},         {"csv", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'}, {"nets", required_argument, NULL, 'n'},
        {"from", required_argument, NULL, 'F'},   {"run", required_argument, NULL, 'r'},
        {"save", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *genome_arg = NULL, *csv_path = NULL, *from = NULL;
    eval_opts o = {.nets = 1};
    long long from_run = 0;
    uint64_t seed = 1;
    int c;
    out_format fmt = OUT_TABLE;
    char *end;
    int done;
    while ((c = cmd_option(argc, argv, "g:s:to:f:n:h", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'g': genome_arg = optarg; break;
        case 's':
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end || errno || optarg[0] == '-') {
                fprintf(stderr, "evofolio eval: --seed expects a whole number >= 0, got '%s'.\n", optarg);
                return 2;
            }
            break;
        case 't': o.with_test = 1; break;
        case 'o': csv_path = optarg; break;
        case 'n':
            o.nets = (int)strtol(optarg, &end, 10);
            if (!*optarg || *end || o.nets < 1 || o.nets > 100) {
                fprintf(stderr, "evofolio eval: --nets expects a whole number 1..100, got '%s'.\n", optarg);
                return 2;
            }
            break;
        case 'f':
            if (cmd_parse_format("eval", optarg, (1u << OUT_TABLE) | (1u << OUT_JSON), &fmt))
                return 2;
            o.json = fmt == OUT_JSON;
            break;
        case 'F': from = optarg; break;
        case 'S': o.save = optarg; break;
        case 'r':
            if (cmd_parse_run("eval", optarg, &from_run))
                return 2;
            break;
        }
    }
    if (done >= 0)
        return done;
    if (o.save && !o.with_test) {
        fprintf(stderr, "evofolio eval: --save writes the net trained for the test period: add --test.\n");
        return 2;
    }
    if (from && (csv_path || genome_arg)) {
        fprintf(stderr, "evofolio eval: --%s does not go with --from. For the daily weights of an archived "
                "candidate, pass its genome and seed: evofolio eval CONFIG --genome JSON --seed S --csv FILE "
                "(`evofolio query ARCHIVE show ID` prints both).\n", csv_path ? "csv" : "genome");
        return 2;
    }
    if (from)
        return eval_from(from, from_run, optind < argc ? argv[optind] : NULL, optind < argc - 1, &o);
    if (optind != argc - 1 || !genome_arg)
        return cmd_usage_error("eval", usage, "expected CONFIG and --genome (or --from ARCHIVE:ID).");
    char kernels[512];
    use_kernels(NULL, kernels, sizeof kernels);
    evo_config cfg;
    eval_work w = {0};
    evo_genome g;
    evo_error err = {0};
    evo_buf text = {0};
    int rc = config_load(argv[optind], &cfg, &err);
    if (!rc && genome_arg[0] == '@')
        rc = buf_read_file(&text, genome_arg + 1, EVO_ERR_USAGE, &err);
    if (!rc)
        rc = genome_from_json(&g, text.data ? text.data : genome_arg, &cfg, &err);
    if (!rc)
        rc = data_load_config(&cfg, &w.panel, &err);
    if (!rc)
        rc = evaluate_context_create(&w.ctx, &cfg, &w.panel, &err);
    if (!rc)
        rc = evaluate_and_print(&w, &g, seed, csv_path != NULL, &o, &err);
    if (!rc && o.with_test && !o.json)
        rc = print_test_baselines(&w.ctx, &err);
    if (!rc && !o.json)
        printf("\nkernels: %s\n", kernels);
    if (!rc && csv_path && w.res.status == EVAL_OK)
        rc = write_csv(csv_path, &w.res, o.with_test && w.test.status == EVAL_OK ? &w.test : NULL, &w.panel, &err);
    if (rc)
        fprintf(stderr, "evofolio eval: %s\n", err.msg);
    buf_free(&text);
    eval_work_free(&w);
    config_free(&cfg);
    return rc ? evo_exit_code(rc) : w.res.status == EVAL_OK ? 0 : 1;
}
