/* archive_bench: write an archive of N synthetic evaluations the way a generational search does (one
 * transaction per archive_put_evaluation; archive_put_generation with the resume state every P
 * evaluations), report evaluations per second, then time the query commands on it: the `evofolio
 * query` binary itself, run as a user runs it (process start, read-only open, the command's SQL,
 * printing), median of 5 runs.
 *
 *   build/bench/archive_bench EVOFOLIO ARCHIVE [N]   (`make bench-archive`: N = 100000)
 *
 * Each evaluation has K = 5 folds and K x 63 validation returns. Targets (issue 6): `query top -n 10`
 * on 100,000 evaluations under 100 ms; the archive is not the bottleneck of a master that stores
 * >= 2000 evaluations/s. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evofolio/archive.h"

enum {
    BENCH_REPEATS = 5,  /* timed runs of each command; the median is reported */
    BENCH_P = 100,      /* population: a generation every P evaluations */
    BENCH_K = 5,        /* folds */
    BENCH_VAL_DAYS = 63 /* validation days per fold */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A genome drawn from a fixed space (no configuration needed). */
static void draw(ga_individual *ind, evo_rng *rng)
{
    static const int hidden[] = {8, 16, 32, 64, 128};
    evo_genome *g = &ind->genome;
    memset(ind, 0, sizeof *ind);
    g->model = (evo_model_kind)rng_below(rng, MODEL_KIND_COUNT);
    g->objective = (evo_objective)rng_below(rng, OBJECTIVE_COUNT);
    g->layers = 1 + (int)rng_below(rng, 3);
    g->hidden = hidden[rng_below(rng, 5)];
    g->seq_len = 10 + (int)rng_below(rng, 111);
    g->lr = round(1e4 * exp(log(1e-4) + rng_uniform(rng) * log(100))) / 1e4;
    g->weight_decay = 1e-4 * (1 + (int)rng_below(rng, 100));
    g->dropout = g->layers > 1 ? 0.05 * (int)rng_below(rng, 10) : 0;
    g->batch = 16 << rng_below(rng, 4);
    g->steps = 5 + (int)rng_below(rng, 46);
    g->features = 1u + (unsigned)rng_below(rng, (1u << FEATURE_COUNT) - 1);
    g->strategies = g->model == MODEL_PORTFOLIO ? 3u + (unsigned)rng_below(rng, 120) : 0;
    g->rebalance = 1 + (int)rng_below(rng, 21);
    genome_key(g, ind->key);
}

static int build(const char *path, int n, evo_error *err)
{
    evo_archive *a = NULL;
    int rc = archive_open(&a, path, 0, err);
    if (rc)
        return rc;
    archive_run run = {.seed = 1, .mode = GA_GENERATIONAL, .ranks = 9, .status = RUN_RUNNING};
    snprintf(run.name, sizeof run.name, "bench");
    snprintf(run.config_hash, sizeof run.config_hash, "0000000000000000");
    snprintf(run.data_hash, sizeof run.data_hash, "0000000000000000");
    snprintf(run.host, sizeof run.host, "bench");
    if ((rc = archive_run_create(a, &run, "name: bench\n", err))) {
        archive_close(a);
        return rc;
    }
    evo_rng rng;
    rng_seed(&rng, 2024);
    static evo_eval_result res;
    static evo_date dates[BENCH_K * BENCH_VAL_DAYS + 1];
    static double val[BENCH_K * BENCH_VAL_DAYS];
    int64_t members[BENCH_P];
    for (int d = 0; d <= BENCH_K * BENCH_VAL_DAYS; d++)
        dates[d] = date_from_ymd(2000, 1, 3) + d;
    res.n_folds = BENCH_K;
    double t0 = now_s(), clock0 = 1.7e9;
    for (int i = 1; i <= n && !rc; i++) {
        ga_individual ind;
        draw(&ind, &rng);
        ind.id = i;
        ind.origin = i <= BENCH_P ? ORIGIN_RANDOM : ORIGIN_CROSSOVER;
        if (i > BENCH_P) {
            ind.parents[0] = 1 + (int64_t)rng_below(&rng, (uint64_t)(i - 1));
            ind.parents[1] = 1 + (int64_t)rng_below(&rng, (uint64_t)(i - 1));
        }
        int cache_hit = i > BENCH_P && rng_uniform(&rng) < 0.05, failed = rng_uniform(&rng) < 0.03;
        res.status = failed ? EVAL_FAILED : EVAL_OK;
        snprintf(res.reason, sizeof res.reason, "%s", failed ? "diverged: loss is NaN" : "");
        res.fitness = failed ? -INFINITY : rng_normal(&rng);
        ind.fitness = res.fitness;
        res.n_params = 1000 + rng_below(&rng, 100000);
        res.seconds = 1 + 9 * rng_uniform(&rng);
        res.train_seconds = 0.9 * res.seconds;
        for (int k = 0; k < BENCH_K; k++) {
            evo_fold_result *f = &res.folds[k];
            f->window = (evo_window){k * BENCH_VAL_DAYS + 1, (k + 1) * BENCH_VAL_DAYS};
            f->metrics = (evo_metrics){.days = BENCH_VAL_DAYS, .ann_return = 0.1 * rng_normal(&rng),
                                       .ann_vol = 0.2, .sharpe = res.fitness + 0.3 * rng_normal(&rng),
                                       .sortino = 1.3, .max_drawdown = 0.1, .calmar = 1, .cvar95 = 0.02,
                                       .avg_turnover = 0.05, .hit_rate = 0.52, .trades = 12};
            f->train = (model_train_report){.steps = 20, .best_step = 12, .train_loss = -0.1,
                                            .holdout_loss = -0.05, .seconds = res.train_seconds / BENCH_K};
        }
        for (int t = 0; t < BENCH_K * BENCH_VAL_DAYS; t++)
            val[t] = 0.01 * rng_normal(&rng);
        archive_eval e = {.run = run.id, .id = i, .generation = (i - 1) / BENCH_P, .ind = &ind,
                          .seed = rng_next(&rng), .res = cache_hit ? NULL : &res,
                          .cache_of = cache_hit ? 1 + (int64_t)rng_below(&rng, (uint64_t)(i - 1)) : 0,
                          .rank = 1 + i % 8, .host = "bench", .started = clock0 + i,
                          .finished = clock0 + i + res.seconds, .val_returns = cache_hit ? NULL : val,
                          .n_val = cache_hit ? 0 : BENCH_K * BENCH_VAL_DAYS, .dates = dates};
        rc = archive_put_evaluation(a, &e, NULL, err);
        members[(i - 1) % BENCH_P] = i;
        if (!rc && i % BENCH_P == 0) {
            archive_generation g = {i / BENCH_P, 2, 0.1, 0.1, 1, 0.9, BENCH_P, 5, 3, 60, 0.95};
            archive_state s = {.generation = i / BENCH_P, .rng = rng, .next_id = i + 1,
                               .n_members = BENCH_P, .members = members};
            rc = archive_put_generation(a, run.id, &g, &s, err);
        }
    }
    double dt = now_s() - t0;
    if (!rc)
        rc = archive_run_set_status(a, run.id, RUN_DONE, err);
    archive_close(a);
    if (!rc)
        printf("write      %d evaluations (%d folds, %d validation returns each, a generation with the "
               "resume state every %d) in %.2f s: %.0f evaluations/s\n", n, BENCH_K,
               BENCH_K * BENCH_VAL_DAYS, BENCH_P, dt, n / dt);
    return rc;
}

/* Median wall time in ms of `evofolio query ARCHIVE args...` with its output to /dev/null; -1 when the
 * command fails. */
static double time_command(const char *bin, const char *path, char *const *args, int n_args)
{
    double ms[BENCH_REPEATS];
    char *argv[16] = {(char *)bin, "query", (char *)path};
    for (int i = 0; i < n_args; i++)
        argv[3 + i] = args[i];
    argv[3 + n_args] = NULL;
    for (int r = 0; r < BENCH_REPEATS; r++) {
        double t0 = now_s();
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, STDOUT_FILENO);
            execv(bin, argv);
            _exit(127);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
            return -1;
        ms[r] = (now_s() - t0) * 1e3;
    }
    qsort(ms, BENCH_REPEATS, sizeof *ms, cmp_double);
    return ms[BENCH_REPEATS / 2];
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: archive_bench EVOFOLIO ARCHIVE [N]\n");
        return 2;
    }
    const char *bin = argv[1], *path = argv[2];
    int n = argc > 3 ? atoi(argv[3]) : 100000;
    char side[1100];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    evo_error err = {0};
    if (n < 2 * BENCH_P || build(path, n, &err)) {
        fprintf(stderr, "archive_bench: %s\n", n < 2 * BENCH_P ? "N must be at least 200" : err.msg);
        return 1;
    }
    char mid[32], last[32];
    snprintf(mid, sizeof mid, "%d", n / 2);
    snprintf(last, sizeof last, "%d", n);
    struct {
        const char *what;
        char *args[4];
        int n_args;
        double target_ms; /* 0: no target */
    } cmds[] = {
        {"top -n 10", {"top", "-n", "10"}, 3, 100},
        {"runs", {"runs"}, 1, 0},
        {"generations", {"generations"}, 1, 0},
        {"show N/2", {"show", mid}, 2, 0},
        {"lineage N", {"lineage", last}, 2, 0},
        {"baselines", {"baselines"}, 1, 0},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        double ms = time_command(bin, path, cmds[i].args, cmds[i].n_args);
        if (ms < 0) {
            fprintf(stderr, "archive_bench: `%s query %s %s` failed\n", bin, path, cmds[i].what);
            return 1;
        }
        int miss = cmds[i].target_ms > 0 && ms >= cmds[i].target_ms;
        bad |= miss;
        printf("query      %-12s %8.1f ms (median of %d, whole command)%s\n", cmds[i].what, ms,
               BENCH_REPEATS, cmds[i].target_ms > 0 ? miss ? "  MISSES the 100 ms target" : "  < 100 ms" : "");
    }
    return bad;
}
