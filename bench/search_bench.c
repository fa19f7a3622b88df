/* search_bench: the master's throughput and the workers' utilisation, with stand-in evaluations.
 *   build/bench/search_bench throughput        one rank, zero-cost evaluations: evaluations/s of the
 *                                             master loop (breeding, cache, archive writes included)
 *   mpirun -n 3 build/bench/search_bench utilisation
 *                                             evaluations that sleep 20-200 ms (10x spread, by the
 *                                             genome's hidden size): worker utilisation of steady and
 *                                             generational mode, from the archive's timestamps
 * Not a test: it prints figures. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evofolio/search.h"
#include "evofolio/synth.h"

static const char *CONFIG_FMT =
    "name: bench-%s\n"
    "data: {prices: none.csv}\n"
    "split: {test_days: 60, folds: 2, train_days: 200, val_days: 60, embargo_days: 2}\n"
    "backtest: {window: 20, rebalance: 5}\n"
    "search:\n  hidden: {min: 4, max: 256}\n  features: [ret1, ret5, vol20]\n"
    "ga: {mode: %s, population: %d, generations: %d, max_evaluations: %d, elite: 2, seed: 3, champions: 1}\n"
    "output: {archive: %s}\n";

/* A stand-in evaluation: fitness from the genes (a smooth bowl), optionally after a sleep whose length
 * grows with the hidden size from 20 to 200 ms. */
static int stand_in(farm_result *r, const farm_task *t, int rank, const void *ctx, evo_error *err)
{
    (void)err;
    const int *sleepy = ctx;
    memset(r, 0, sizeof *r);
    r->id = t->id;
    r->replica = t->replica;
    r->rank = rank;
    snprintf(r->host, sizeof r->host, "bench");
    r->started = farm_clock();
    if (*sleepy) {
        double u = (log2(t->genome.hidden) - 2) / 6; /* hidden 4..256 -> 0..1 */
        struct timespec ts = {0, (long)(20e6 * (1 + 9 * u))};
        nanosleep(&ts, NULL);
    }
    const evo_genome *g = &t->genome;
    double f = -pow(log2(g->hidden) - 5, 2) - pow(log10(g->lr) + 3, 2) - 0.1 * g->layers;
    r->res.status = EVAL_OK;
    r->res.fitness = f;
    r->res.n_folds = 2;
    for (int k = 0; k < 2; k++)
        r->res.folds[k].metrics.sharpe = f;
    r->finished = farm_clock();
    return EVO_OK;
}

static int run_one(const char *mode, int population, int generations, int max_evals, int sleepy, int rank,
                   int size, double *seconds, long *evaluations, double *utilisation)
{
    char yaml[2048], db[128];
    snprintf(db, sizeof db, "/tmp/search-bench-%s-%d.db", mode, (int)getpid());
    snprintf(yaml, sizeof yaml, CONFIG_FMT, mode, mode, population, generations, max_evals, db);
    evo_config cfg;
    evo_panel panel;
    evo_eval_context ctx;
    evo_error err = {0};
    synth_options so;
    synth_defaults(&so);
    so.n_assets = 5;
    so.n_days = 900;
    if (config_parse(yaml, strlen(yaml), "bench.yaml", &cfg, &err) || synth_panel(&so, &panel, &err) ||
        evaluate_context_create(&ctx, &cfg, &panel, &err)) {
        fprintf(stderr, "search_bench: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    if (rank != 0) {
        rc = farm_worker_loop(stand_in, &sleepy, rank, &err);
    } else {
        unlink(db);
        evo_archive *archive;
        evo_farm *farm;
        char *text, hash[17], dhash[17];
        config_to_yaml(&cfg, &text, &err);
        config_hash(&cfg, hash, &err);
        data_panel_hash(&panel, dhash);
        if (archive_open(&archive, db, 0, &err) || farm_create(&farm, stand_in, &sleepy, size, &err)) {
            fprintf(stderr, "search_bench: %s\n", err.msg);
            return 1;
        }
        search_setup s = {&cfg, text, hash, dhash, &panel, &ctx, archive, farm, size, "search_bench"};
        search_options opt = {.quiet = 1};
        volatile sig_atomic_t none = 0;
        FILE *saved = stdout;
        stdout = fopen("/dev/null", "w"); /* the run's summary */
        double t0 = farm_clock();
        rc = search_run(&s, &opt, &none, NULL, &err);
        *seconds = farm_clock() - t0;
        fclose(stdout);
        stdout = saved;
        farm_stop_workers(farm);
        /* utilisation from the archive: busy worker-seconds over workers x the span of the evaluations */
        char sql[256], path[160];
        snprintf(path, sizeof path, "%s.q", db);
        FILE *q = fopen(path, "w");
        snprintf(sql, sizeof sql, "SELECT COUNT(*), SUM(finished - started), MAX(finished) - MIN(started) "
                                  "FROM evaluations WHERE cache_of IS NULL");
        archive_query_print(archive, sql, 1, q, &err);
        fclose(q);
        q = fopen(path, "r");
        double busy = 0, span = 1;
        char line[256];
        if (fgets(line, sizeof line, q) && fgets(line, sizeof line, q))
            sscanf(line, "%ld,%lf,%lf", evaluations, &busy, &span);
        fclose(q);
        unlink(path);
        *utilisation = busy / (farm_workers(farm) * span);
        farm_free(farm);
        archive_close(archive);
        free(text);
        if (rc)
            fprintf(stderr, "search_bench: %s\n", err.msg);
    }
    evaluate_context_free(&ctx);
    data_panel_free(&panel);
    config_free(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "throughput";
    int rank = 0, size = 1;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double seconds = 0, util = 0;
    long evals = 0;
    int rc = 0;
    if (!strcmp(what, "throughput")) {
        rc = run_one("generational", 200, 30, 0, 0, rank, size, &seconds, &evals, &util);
        if (rank == 0 && !rc)
            printf("master throughput: %ld evaluations in %.2f s = %.0f evaluations/s (target >= 2000), "
                   "zero-cost evaluations, archive writes included, %d rank%s\n", evals, seconds,
                   evals / seconds, size, size == 1 ? "" : "s");
    } else {
        const char *modes[2] = {"steady", "generational"};
        for (int m = 0; m < 2 && !rc; m++) {
            rc = run_one(modes[m], 8, 100, 96, 1, rank, size, &seconds, &evals, &util);
            if (rank == 0 && !rc)
                printf("%-12s %ld evaluations of 20-200 ms on %d workers in %.2f s: worker utilisation %.1f%%\n",
                       modes[m], evals, size > 1 ? size - 1 : 1, seconds, 100 * util);
            MPI_Barrier(MPI_COMM_WORLD);
        }
    }
    MPI_Finalize();
    return rc;
}
