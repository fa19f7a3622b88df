/* attention_bench: training speed of the attention encoder (net_forward + net_backward + net_step, one
 * BLAS thread), for bench/compare_attention.sh to set beside bench/torch_attention.py.
 *
 *   build/bench/attention_bench [CONFIG...] [--steps N]
 *
 * CONFIG is one of small, seed, portfolio (default: all). The timing protocol is lstm_bench's: warm up
 * (>= 3 steps and >= 0.2 s), then 3 repeats of enough steps for >= 0.5 s each (or --steps N each), and
 * the median repeat is reported.
 *
 * Shapes: B batch (days), T steps, F input width, D d_model, NH heads, FF feed-forward width, L blocks,
 * A assets; N = B*T tokens.
 * Output: comment lines start with '#'; one machine-readable line per config:
 *   evofolio-attention NAME samples_per_s ms_per_step gflop_per_s */
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
    BENCH_SEED = 20240611   /* data and initialisation, as lstm_bench */
};
static const double BENCH_WARMUP_S = 0.2; /* warm up for at least this long too */
static const double BENCH_REPEAT_S = 0.5; /* each repeat runs at least this long (auto steps) */

typedef struct {
    const char *name;
    int B, T, F, D, heads, ff, L, A;
} bench_config;

static const bench_config CONFIGS[] = {
    {"small", 32, 30, 20, 32, 2, 64, 1, 5},
    {"seed", 64, 60, 150, 64, 4, 128, 2, 30}, /* d_model 64, as the seed document's Transformer */
    {"portfolio", 64, 60, 18, 32, 2, 64, 2, 6},
};
enum { N_CONFIGS = sizeof CONFIGS / sizeof CONFIGS[0] };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Nominal GEMM flops of one training step, N = B*T tokens:
 *   forward     2*N*F*D                         input projection
 *             + per block: 2*N*D*3D             q, k, v
 *                          2*B*T*T*D            scores q k^T (all heads: NH * dh = D)
 *                          2*B*T*T*D            att v
 *                          2*N*D*D              W_o
 *                          2*N*D*FF * 2         W_1 and W_2
 *   step = 3 * forward (backward: a weight gradient and an input gradient per product).
 * Left out: the head (2*B*D*A each way), layer norms, softmax, loss and AdamW. The engine does slightly
 * less (no input gradient of the projection: the bench passes dx = NULL), so this is a nominal rate. */
static double step_flops(const bench_config *c)
{
    const double N = (double)c->B * c->T, D = c->D, TT = (double)c->B * c->T * c->T;
    double f = 2 * N * c->F * D;
    for (int l = 0; l < c->L; l++)
        f += 2 * N * D * 3 * D + 2 * TT * D + 2 * TT * D + 2 * N * D * D + 2 * 2 * N * D * c->ff;
    return 3 * f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    evo_net *net;
    const float *x, *r; /* x[T][B][F], r[B][A] */
    int B;
    adamw_options opt;
} train_ctx;

/* One training step: forward (train mode), the Sharpe loss's backward, an AdamW step. */
static int train_step(train_ctx *tc)
{
    evo_error err;
    if (net_forward(tc->net, tc->x, tc->B, 1, &err)) {
        fprintf(stderr, "attention_bench: %s\n", err.msg);
        return -1;
    }
    double loss = net_backward(tc->net, tc->r, &(loss_spec){OBJECTIVE_SHARPE, 0, 0}, NULL);
    double norm = net_step(tc->net, &tc->opt, 0.0);
    if (!isfinite(loss) || !isfinite(norm)) {
        fprintf(stderr, "attention_bench: training diverged (loss %g, gradient norm %g)\n", loss, norm);
        return -1;
    }
    return 0;
}

/* Seconds per step (the median repeat), or negative on failure; *steps_out the steps per repeat. */
static double time_steps(train_ctx *tc, int fixed_steps, int *steps_out)
{
    double t0 = now_s(), elapsed = 0;
    int warm = 0;
    while (warm < BENCH_WARMUP_STEPS || elapsed < BENCH_WARMUP_S) {
        if (train_step(tc))
            return -1;
        warm++;
        elapsed = now_s() - t0;
    }
    int steps = fixed_steps > 0 ? fixed_steps : (int)ceil(BENCH_REPEAT_S / (elapsed / warm));
    steps = steps < 1 ? 1 : steps;
    double per[BENCH_REPEATS];
    for (int r = 0; r < BENCH_REPEATS; r++) {
        double start = now_s();
        for (int s = 0; s < steps; s++)
            if (train_step(tc))
                return -1;
        per[r] = (now_s() - start) / steps;
    }
    qsort(per, BENCH_REPEATS, sizeof per[0], cmp_double);
    *steps_out = steps;
    return per[BENCH_REPEATS / 2];
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

static int bench_one(const bench_config *c, int fixed_steps)
{
    evo_rng rng;
    rng_seed(&rng, BENCH_SEED);
    const size_t n_x = (size_t)c->T * c->B * c->F, n_r = (size_t)c->B * c->A;
    float *x = malloc(n_x * sizeof *x), *r = malloc(n_r * sizeof *r);
    evo_net *net = NULL;
    evo_error err;
    int rc = 1;
    if (!x || !r) {
        fprintf(stderr, "attention_bench: %s: out of memory for the data\n", c->name);
        goto done;
    }
    for (size_t i = 0; i < n_x; i++) /* standardised features */
        x[i] = (float)rng_normal(&rng);
    for (size_t i = 0; i < n_r; i++) /* daily returns: mean 5 bp, sd 1% */
        r[i] = (float)(0.0005 + 0.01 * rng_normal(&rng));

    net_spec spec = {.n_in = c->F, .arch = ARCH_ATTENTION, .hidden = c->D, .heads = c->heads, .ff = c->ff,
                     .layers = c->L, .n_out = c->A, .block = c->A, .seq_len = c->T, .max_rows = c->B,
                     .dropout = 0.0f, .seed = BENCH_SEED};
    if (net_create(&spec, &net, &err)) {
        fprintf(stderr, "attention_bench: %s: %s\n", c->name, err.msg);
        goto done;
    }
    train_ctx tc = {net, x, r, c->B, adamw_defaults(1e-3f)};
    int steps = 0;
    double t_step = time_steps(&tc, fixed_steps, &steps);
    if (t_step < 0)
        goto done;
    const double flops = step_flops(c);
    printf("# %-9s B %d T %d F %d D %d heads %d ff %d L %d A %d: %zu parameters, %.1f MFLOP/step; "
           "%d steps x %d repeats\n", c->name, c->B, c->T, c->F, c->D, c->heads, c->ff, c->L, c->A,
           net_param_count(net), flops * 1e-6, steps, BENCH_REPEATS);
    printf("# %-9s %.1f samples/s, %.3f ms/step, %.1f GFLOP/s\n", c->name, c->B / t_step, t_step * 1e3,
           flops / t_step * 1e-9);
    printf("evofolio-attention %s %.1f %.3f %.2f\n", c->name, c->B / t_step, t_step * 1e3,
           flops / t_step * 1e-9);
    fflush(stdout);
    rc = 0;
done:
    net_free(net);
    free(x);
    free(r);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: attention_bench [CONFIG...] [--steps N]\n  CONFIG: ");
    for (int i = 0; i < N_CONFIGS; i++)
        fprintf(f, "%s%s", i ? ", " : "", CONFIGS[i].name);
    fprintf(f, " (default: all)\n  --steps N: steps per timed repeat (default: enough for %.1f s)\n",
            BENCH_REPEAT_S);
}

int main(int argc, char **argv)
{
    int fixed_steps = 0, chosen[N_CONFIGS] = {0}, any = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1000000) {
                fprintf(stderr, "attention_bench: --steps wants a whole number from 1 to 1000000, not '%s'\n",
                        argv[i]);
                return 2;
            }
            fixed_steps = (int)n;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            int k = 0;
            while (k < N_CONFIGS && strcmp(argv[i], CONFIGS[k].name))
                k++;
            if (k == N_CONFIGS) {
                fprintf(stderr, "attention_bench: unknown argument '%s'\n", argv[i]);
                usage(stderr);
                return 2;
            }
            chosen[k] = any = 1;
        }
    }
    const char *core = getenv("OPENBLAS_CORETYPE");
    char cpu[128];
    cpu_model(cpu, sizeof cpu);
    blas_single_thread();
    blas_plan plan;
    char how[512], text[BLAS_PLAN_TEXT_MAX];
    blas_plan_machine(&plan, how, sizeof how); /* what evofolio's commands compute with here */
    blas_set_plan(&plan);
    blas_plan_text(&plan, text);
    printf("# attention_bench: %s; one BLAS thread, OPENBLAS_CORETYPE=%s, median of %d repeats\n", cpu,
           core ? core : "(unset)", BENCH_REPEATS);
    printf("# kernels: %s (%s)\n", text, how);
    int failed = 0;
    for (int k = 0; k < N_CONFIGS; k++)
        if ((!any || chosen[k]) && bench_one(&CONFIGS[k], fixed_steps)) {
            fprintf(stderr, "attention_bench: config %s failed\n", CONFIGS[k].name);
            failed = 1;
        }
    return failed;
}
