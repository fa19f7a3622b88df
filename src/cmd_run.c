/* cmd_run: `evofolio run CONFIG [--resume]` - the search as an MPI job: rank 0 is the master (and the
 * only archive writer), the other ranks are workers; one rank evaluates in-process. */
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/archive.h"
#include "evofolio/blas.h"
#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/farm.h"
#include "evofolio/metrics.h"
#include "evofolio/search.h"

/* The one mutable global the style allows: signals received by the master. */
static volatile sig_atomic_t signals_received;

static void on_signal(int sig)
{
    (void)sig;
    if (signals_received < 2)
        signals_received++;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio run CONFIG [--resume|--continue] [--seed N] [--archive FILE] [--quiet]\n"
                 "       mpirun -n N evofolio run CONFIG [--resume]\n\n"
                 "Search for the best model with the genetic algorithm of CONFIG: rank 0 breeds candidates and\n"
                 "stores every result in the archive (output.archive), the other ranks train and backtest\n"
                 "them; with one rank everything runs in-process. Progress goes to stderr. At the end the\n"
                 "champions are evaluated on the held-out test period next to the baselines.\n\n"
                 "Ctrl-C, Ctrl-\\, SIGUSR1 or SIGTERM: stop handing out work, wait up to ga.grace_seconds for\n"
                 "evaluations in flight, save, and exit 3; a second one stops at once. Then --resume continues.\n"
                 "(Under a bare mpirun, Ctrl-C makes mpirun end the ranks a second later and exit 1; what was\n"
                 "stored is kept. jobs/local.sh and slurm/evofolio.sbatch turn it into a graceful stop.)\n\n"
                 "  -r, --resume       continue the newest unfinished run of this configuration in the archive\n"
                 "  -c, --continue     resume when the archive has an unfinished run, else start a new one\n"
                 "                     (what a batch job that may be requeued wants)\n"
                 "  -s, --seed N       override ga.seed (e.g. one seed per task of a job array)\n"
                 "  -a, --archive FILE override output.archive (relative to the current directory)\n"
                 "  -q, --quiet        no progress lines\n"
                 "  -h, --help         this help\n\n"
                 "Exit codes: 0 done, 1 failure, 2 bad usage/configuration/data, 3 stopped (resumable).\n");
}

/* What the command line changes in the configuration, and the line itself (for the archive). */
typedef struct {
    int has_seed;
    uint64_t seed;
    const char *archive;
    char command[4096];
} run_overrides;

/* "evofolio run ARGS..." with arguments holding spaces or quotes in single quotes; cut at the size. */
static void join_command(char *out, size_t size, int argc, char **argv)
{
    size_t n = (size_t)snprintf(out, size, "evofolio");
    for (int i = 0; i < argc && n < size; i++) {
        int quote = !argv[i][0] || strpbrk(argv[i], " \t'\"$\\") != NULL;
        n += (size_t)snprintf(out + n, size - n, quote ? " '%s'" : " %s", argv[i]);
    }
}

static int apply_overrides(evo_config *cfg, const run_overrides *o, evo_error *err)
{
    if (o->has_seed)
        cfg->ga.seed = o->seed;
    if (o->archive) { /* relative to where the command runs, so made absolute */
        char cwd[EVO_PATH_MAX / 2];
        if (o->archive[0] != '/' && !getcwd(cwd, sizeof cwd))
            return evo_fail(err, EVO_ERR_IO, "cannot read the current directory");
        int n = o->archive[0] == '/' ? snprintf(cfg->output.archive, sizeof cfg->output.archive, "%s", o->archive)
                                     : snprintf(cfg->output.archive, sizeof cfg->output.archive, "%s/%s", cwd,
                                                o->archive);
        if (n < 0 || (size_t)n >= sizeof cfg->output.archive)
            return evo_fail(err, EVO_ERR_USAGE, "--archive: the path is too long");
    }
    return EVO_OK;
}

static void print_metrics_row(const char *name, const evo_metrics *m)
{
    printf("%-22s %8.2f%% %7.2f%% %7.3f %8.3f %7.2f%% %9.4f\n", name, 100 * m->ann_return, 100 * m->ann_vol,
           m->sharpe, m->sortino, 100 * m->max_drawdown, m->avg_turnover);
}

/* The end of a finished run on stdout: the champion and the finalists, the held-out test period next
 * to the baselines, the deflated Sharpe ratio, the PBO and the verdict. */
static void print_summary(const search_summary *sum, const evo_config *cfg, const evo_eval_context *ctx,
                          const evo_panel *panel)
{
    const search_finalist *fin = sum->fin;
    printf("\nchampion  #%lld  %s\n", (long long)fin[0].ind.id, fin[0].ind.key);
    printf("fitness   %.4f (%s over %d folds; equal weight's validation Sharpe ratio %.3f)\n\n", fin[0].ind.fitness,
           catalog_fitness.names[cfg->ga.fitness], ctx->split.n_folds, ctx->ew_val_sharpe);
    if (cfg->ga.confirm > 0) {
        printf("finalists retrained with %d fresh seeds (fitness mean +- sd); the first is the champion\n",
               cfg->ga.confirm_seeds);
        for (int i = 0; i < sum->n; i++)
            printf("  #%-6lld %-9s %-8s searched %8.4f  confirmed %8.4f +- %.4f%s\n", (long long)fin[i].ind.id,
                   catalog_model_kinds.names[fin[i].ind.genome.model],
                   catalog_objectives.names[fin[i].ind.genome.objective], fin[i].ind.fitness, fin[i].mean,
                   fin[i].sd, fin[i].twin ? "  (linear twin of the best)" : "");
        printf("\n");
    }
    const evo_window test = ctx->split.test;
    char a[EVO_DATE_STR], b[EVO_DATE_STR], label[64];
    printf("held-out test period %s .. %s (%d days), costs %g bps\n", date_format(panel->dates[test.first], a),
           date_format(panel->dates[test.last], b), test.last - test.first + 1, cfg->backtest.cost_bps);
    printf("%-22s %9s %8s %7s %8s %8s %9s\n", "", "return/y", "vol/y", "sharpe", "sortino", "max dd", "turnover");
    for (int i = 0, shown = 0; i < sum->n; i++) {
        if (!fin[i].tested)
            continue;
        const int twin = fin[i].ind.origin == ORIGIN_TWIN;
        snprintf(label, sizeof label, "%s #%lld", shown++ == 0 ? "champion" : twin ? "linear twin" : "finalist",
                 (long long)fin[i].ind.id);
        if (fin[i].test_ok)
            print_metrics_row(label, &fin[i].test);
        else
            printf("%-22s failed on the test period\n", label);
    }
    for (int i = 0; i < sum->n_picks; i++) { /* a Pareto run: the front's best in each objective, its knee */
        const search_pick *p = &sum->pick[i];
        snprintf(label, sizeof label, "front: %s #%lld", p->why >= 0 ? catalog_criteria.names[p->why] : "knee",
                 (long long)p->id);
        if (p->test_ok)
            print_metrics_row(label, &p->test);
        else
            printf("%-22s failed on the test period\n", label);
    }
    for (int i = 0; i < sum->n_baselines; i++) {
        snprintf(label, sizeof label, "baseline %s", catalog_strategies.names[sum->baseline[i]]);
        print_metrics_row(label, &sum->baseline_test[i]);
    }
    const archive_champion_stats *st = &sum->stats;
    printf("\ndeflated Sharpe ratio %.3f: the probability that the champion's edge over equal weight on\n"
           "  validation is real rather than the best of %d candidates (worth %.1f independent ones) by luck.\n",
           st->dsr, st->n_trials, st->n_effective);
    printf("PBO %.3f: the share of cross-validation splits in which the in-sample best candidate ranked\n"
           "  below the median out of sample (0 = selection generalises, 0.5 = no better than chance).\n", st->pbo);
    printf("\nverdict: %s\n", sum->verdict);
}

/* Rank 0: load, share, run. */
static int master(const char *path, const search_options *opt, const run_overrides *over, int size,
                  evo_error *err)
{
    evo_config cfg;
    evo_panel panel = {0};
    evo_eval_context ctx = {0};
    evo_archive *archive = NULL;
    evo_farm *farm = NULL;
    char *text = NULL, cfg_hash[17], data_hash[17], archive_path[EVO_PATH_MAX];
    int rc = config_load(path, &cfg, err);
    if (!rc)
        rc = apply_overrides(&cfg, over, err);
    if (!rc)
        rc = data_load_config(&cfg, &panel, err);
    if (!rc)
        rc = config_to_yaml(&cfg, &text, err);
    if (!rc)
        rc = config_hash(&cfg, cfg_hash, err);
    char *shared = rc ? NULL : text;
    int share_rc = farm_share(&shared, &panel, 0, err); /* always: workers wait for it */
    if (!rc)
        rc = share_rc;
    if (!rc)
        rc = evaluate_context_create(&ctx, &cfg, &panel, err);
    if (!rc) {
        data_panel_hash(&panel, data_hash);
        config_resolve_path(&cfg, cfg.output.archive, archive_path);
        rc = archive_open(&archive, archive_path, cfg.output.journal == JOURNAL_WAL ? ARCHIVE_WRITE : ARCHIVE_WRITE_ROLLBACK, err);
    }
    if (!rc)
        rc = farm_create(&farm, farm_evaluate, &ctx, size, err);
    if (!rc) {
        search_setup setup = {&cfg, text, cfg_hash, data_hash, &panel, &ctx, archive, farm, size, over->command};
        search_summary *summary = malloc(sizeof *summary);
        rc = summary ? search_run(&setup, opt, &signals_received, summary, err)
                     : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
        if (farm_in_flight(farm) > 0) { /* abandoned evaluations: end the job without waiting */
            archive_close(archive);
            if (rc != EVO_STOPPED)
                fprintf(stderr, "evofolio run: %s\n", err->msg);
            fprintf(stderr, "evofolio run: abandoning %d evaluation%s in flight\n", farm_in_flight(farm),
                    farm_in_flight(farm) == 1 ? "" : "s");
            MPI_Abort(MPI_COMM_WORLD, evo_exit_code(rc));
        }
        if (rc == EVO_OK)
            print_summary(summary, &cfg, &ctx, &panel);
        free(summary);
        char shown[PATH_MAX];
        if (!opt->quiet && rc == EVO_OK)
            printf("\narchive %s (see it with: evofolio query %s top)\n",
                   realpath(archive_path, shown) ? shown : archive_path, archive_path);
    } else if (share_rc == EVO_OK && size > 1) { /* workers got the data but there is no search */
        evo_farm *stopper = NULL;
        evo_error ignore = {0};
        if (!farm_create(&stopper, farm_evaluate, &ctx, size, &ignore))
            farm_stop_workers(stopper);
        farm_free(stopper);
    }
    if (farm)
        farm_stop_workers(farm);
    farm_free(farm);
    archive_close(archive);
    evaluate_context_free(&ctx);
    data_panel_free(&panel);
    free(text);
    config_free(&cfg);
    return rc;
}

/* Other ranks: receive the problem, evaluate until STOP. */
static int worker(int rank, evo_error *err)
{
    char *text = NULL;
    evo_panel panel = {0};
    evo_config cfg = {0};
    evo_eval_context ctx = {0};
    int rc = farm_share(&text, &panel, rank, err);
    if (rc == EVO_ERR_USAGE) /* the master failed and says why */
        return EVO_OK;
    if (!rc)
        rc = config_parse(text, strlen(text), "(configuration from rank 0)", &cfg, err);
    if (!rc)
        rc = evaluate_context_create(&ctx, &cfg, &panel, err);
    if (!rc)
        rc = farm_worker_loop(farm_evaluate, &ctx, rank, err);
    evaluate_context_free(&ctx);
    data_panel_free(&panel);
    config_free(&cfg);
    free(text);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"resume", no_argument, NULL, 'r'}, {"continue", no_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'}, {"archive", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    search_options opt = {0};
    run_overrides over = {0};
    int c;
    char *end;
    int done;
    while ((c = cmd_option(argc, argv, "rcs:a:qh", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'r': opt.resume = SEARCH_RESUME; break;
        case 'c': opt.resume = SEARCH_RESUME_IF_ANY; break;
        case 'q': opt.quiet = 1; break;
        case 's':
            over.has_seed = 1;
            over.seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "evofolio run: --seed expects a whole number >= 0, got '%s'.\n", optarg);
                return 2;
            }
            break;
        case 'a': over.archive = optarg; break;
        }
    }
    if (done >= 0)
        return done;
    if (optind != argc - 1)
        return cmd_usage_error("run", usage, "expected one CONFIG file.");
    join_command(over.command, sizeof over.command, argc, argv);
    int rank = 0, size = 1;
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "evofolio run: MPI could not start. Run under mpirun, or check the Open MPI install.\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    blas_single_thread();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rank == 0 ? on_signal : SIG_IGN; /* the master decides; workers wait for STOP */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGXFSZ, SIG_IGN); /* a file-size limit (ulimit -f) is a write error to report, not a crash */
    evo_error err = {0};
    int rc = rank == 0 ? master(argv[optind], &opt, &over, size, &err) : worker(rank, &err);
    if (rc && rc != EVO_STOPPED)
        fprintf(stderr, "evofolio run%s: %s\n", rank ? " (worker)" : "", err.msg);
    MPI_Finalize();
    return evo_exit_code(rc); /* EVO_STOPPED: 3, as the usage says */
}
