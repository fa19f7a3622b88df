/* bench_train: what the training-speed benchmarks (lstm_bench.c, attention_bench.c) share - the timing
 * protocol (warm up for >= BENCH_WARMUP_STEPS steps and >= BENCH_WARMUP_S, then BENCH_REPEATS repeats
 * of enough steps for >= BENCH_REPEAT_S each, or --steps N each; the median repeat), one training step,
 * the synthetic data, the command line and the header lines naming the machine and the kernel plan.
 * Header only: each benchmark is one program. */
#ifndef EVOFOLIO_BENCH_TRAIN_H
#define EVOFOLIO_BENCH_TRAIN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evofolio/adamw.h"
#include "evofolio/blas.h"
#include "evofolio/blas_plan.h"
#include "evofolio/catalog.h"
#include "evofolio/error.h"
#include "evofolio/net.h"
#include "evofolio/rng.h"

enum {
    BENCH_REPEATS = 3,      /* timed repeats; the median is reported */
    BENCH_WARMUP_STEPS = 3, /* untimed steps before timing (at least) */
    BENCH_SEED = 20240611   /* data and initialisation */
};
static const double BENCH_WARMUP_S = 0.2; /* warm up for at least this long too */
static const double BENCH_REPEAT_S = 0.5; /* each repeat runs at least this long (auto steps) */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* What is timed: one call does one unit of work (a training step, or a floor pass). */
typedef struct {
    int (*run)(void *ctx);
    void *ctx;
} bench_work;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per unit of work: warm up, pick the units per repeat (fixed_steps, or enough for
 * BENCH_REPEAT_S), time BENCH_REPEATS repeats and return the median. Negative on failure. */
static double time_work(bench_work w, int fixed_steps, int *steps_out)
{
    double t0 = now_s(), elapsed = 0;
    int warm = 0;
    while (warm < BENCH_WARMUP_STEPS || elapsed < BENCH_WARMUP_S) {
        if (w.run(w.ctx))
            return -1;
        warm++;
        elapsed = now_s() - t0;
    }
    int steps = fixed_steps;
    if (steps <= 0) {
        steps = (int)ceil(BENCH_REPEAT_S / (elapsed / warm));
        steps = steps < 1 ? 1 : steps;
    }
    double per[BENCH_REPEATS];
    for (int r = 0; r < BENCH_REPEATS; r++) {
        double start = now_s();
        for (int s = 0; s < steps; s++)
            if (w.run(w.ctx))
                return -1;
        per[r] = (now_s() - start) / steps;
    }
    qsort(per, BENCH_REPEATS, sizeof per[0], cmp_double);
    *steps_out = steps;
    return per[BENCH_REPEATS / 2];
}

typedef struct {
    const char *program; /* for messages */
    evo_net *net;
    const float *x, *r; /* x[T][B][F], r[B][A] */
    int B;
    adamw_options opt;
} train_ctx;

/* One training step: forward (train mode), the Sharpe loss's backward, an AdamW step. */
static int train_step(void *p)
{
    train_ctx *tc = p;
    evo_error err;
    if (net_forward(tc->net, tc->x, tc->B, 1, &err)) {
        fprintf(stderr, "%s: %s\n", tc->program, err.msg);
        return -1;
    }
    double loss = net_backward(tc->net, tc->r, &(loss_spec){OBJECTIVE_SHARPE, 0, 0}, NULL);
    double norm = net_step(tc->net, &tc->opt, 0.0);
    if (!isfinite(loss) || !isfinite(norm)) {
        fprintf(stderr, "%s: training diverged (loss %g, gradient norm %g)\n", tc->program, loss, norm);
        return -1;
    }
    return 0;
}

/* The inputs x[n_x] (standardised features) and the day returns r[n_r] (mean 5 bp, sd 1%). */
static void fill_data(float *x, size_t n_x, float *r, size_t n_r, evo_rng *rng)
{
    for (size_t i = 0; i < n_x; i++)
        x[i] = (float)rng_normal(rng);
    for (size_t i = 0; i < n_r; i++)
        r[i] = (float)(0.0005 + 0.01 * rng_normal(rng));
}

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(out, size, "%s", strchr(line, ':') + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
}

static void usage(FILE *f, const char *program, const char *const *names, int n)
{
    fprintf(f, "usage: %s [CONFIG...] [--steps N]\n  CONFIG: ", program);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? ", " : "", names[i]);
    fprintf(f, " (default: all)\n  --steps N: steps per timed repeat (default: enough for %.1f s)\n",
            BENCH_REPEAT_S);
}

/* The command line: CONFIG names (chosen[k] = 1; none named: all of them) and --steps N. Returns -1 to
 * go on, or the exit status (0 after --help, 2 on a bad argument). */
static int parse_args(int argc, char **argv, const char *program, const char *const *names, int n,
                      int *chosen, int *fixed_steps)
{
    int any = 0;
    *fixed_steps = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000) {
                fprintf(stderr, "%s: --steps wants a whole number from 1 to 1000000, not '%s'\n", program,
                        argv[i]);
                return 2;
            }
            *fixed_steps = (int)v;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, program, names, n);
            return 0;
        } else {
            int k = 0;
            while (k < n && strcmp(argv[i], names[k]))
                k++;
            if (k == n) {
                fprintf(stderr, "%s: unknown argument '%s'\n", program, argv[i]);
                usage(stderr, program, names, n);
                return 2;
            }
            chosen[k] = any = 1;
        }
    }
    for (int k = 0; !any && k < n; k++)
        chosen[k] = 1;
    return -1;
}

/* One BLAS thread and the plan evofolio's commands compute with on this machine; prints the header
 * lines that name the CPU and the plan. */
static void use_machine_plan(const char *program)
{
    const char *core = getenv("OPENBLAS_CORETYPE");
    char cpu[128], how[512], text[BLAS_PLAN_TEXT_MAX];
    cpu_model(cpu, sizeof cpu);
    blas_single_thread();
    blas_plan plan;
    blas_plan_machine(&plan, how, sizeof how);
    blas_set_plan(&plan);
    blas_plan_text(&plan, text);
    printf("# %s: %s; one BLAS thread, OPENBLAS_CORETYPE=%s, median of %d repeats\n# kernels: %s (%s)\n", program,
           cpu, core ? core : "(unset)", BENCH_REPEATS, text, how);
}

#endif
