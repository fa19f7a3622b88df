/* lstm_bench: training speed of the LSTM engine (net_forward + net_backward + net_step, one BLAS
 * thread) against the GEMM-only floor - the same forward+backward GEMMs timed alone in the same run.
 *
 *   build/bench/lstm_bench [CONFIG...] [--steps N]
 *
 * CONFIG is one of small, seed, large, portfolio (default: all). Without --steps each of the 3 timed
 * repeats runs enough steps for >= 0.5 s (>= 1.5 s per config) and the median repeat is reported;
 * --steps N fixes the steps (and floor iterations) per repeat instead. Each config runs in its own
 * child process, so the peak resident memory (getrusage ru_maxrss, taken before the floor's buffers
 * exist) is that config's alone.
 *
 * Shapes: B batch (days), T steps, F input width, H hidden, L layers, A assets, G = 4H.
 * Output: comment lines start with '#'; one machine-readable line per config (bench/compare.sh reads
 * it):
 *   evofolio NAME samples_per_s ms_per_step gflop_per_s floor_ms floor_fraction peak_mib peak_share
 * where peak_share is the engine's GFLOP/s over the machine's practical single-core FP32 peak,
 * measured first in the same run: the best of every GEMM path this CPU runs (OpenBLAS and the project's
 * own kernels, blas.h) on a 1024^3 product. One line "peak GFLOP_PER_S PATH" gives it. */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_train.h"

typedef struct {
    const char *name;
    int B, T, F, H, L, A;
} bench_config;

static const bench_config CONFIGS[] = {
    {"small", 32, 30, 20, 32, 1, 5},
    {"seed", 64, 60, 150, 32, 2, 30},
    {"large", 64, 120, 150, 128, 2, 30},
    {"portfolio", 64, 60, 18, 64, 2, 6},
};
enum { N_CONFIGS = sizeof CONFIGS / sizeof CONFIGS[0] };

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

static int layer_in(const bench_config *c, int l) { return l == 0 ? c->F : c->H; }

/* Nominal GEMM flops of one training step (forward + backward), the usual LSTM count:
 *   per layer l with input width F_l (F, then H):
 *     forward   2*T*B*F_l*4H + 2*T*B*H*4H     (input projection + recurrent GEMMs)
 *     backward  2 x forward                    (weight gradients, and dX/dh)
 *   step = sum over layers of 3 * forward. The head (2*B*H*A each way) is left out (< 0.1%); so are
 * the element-wise gate math, the loss and AdamW. The engine does slightly less than this count
 * (no recurrent GEMM at t = 0, no dX for layer 0), so GFLOP/s is a nominal rate for comparisons. */
static double step_flops(const bench_config *c)
{
    double f = 0, TB = (double)c->T * c->B, G = 4.0 * c->H;
    for (int l = 0; l < c->L; l++)
        f += 3 * (2 * TB * layer_in(c, l) * G + 2 * TB * c->H * G);
    return f;
}

/* ---------------------------------------------------------------- the GEMM-only floor */

/* Buffers for the floor's GEMMs, shaped like the engine's (time-major, gates contiguous per row). */
typedef struct {
    float *in[NET_MAX_LAYERS];    /* [T*B][F_l] layer input */
    float *gates[NET_MAX_LAYERS]; /* [T*B][G] */
    float *h[NET_MAX_LAYERS];     /* [T*B][H] */
    float *w_x[NET_MAX_LAYERS], *w_h[NET_MAX_LAYERS];   /* [F_l][G], [H][G] */
    float *dw_x[NET_MAX_LAYERS], *dw_h[NET_MAX_LAYERS]; /* like the weights */
    float *dgates, *dh, *dx;      /* [T*B][G], [T*B][H], [T*B][H] */
    float *w_out, *dw_out, *y, *dy; /* [H][A], [H][A], [B][A], [B][A] */
    float *all;                   /* the one allocation */
} floor_bufs;

static size_t floor_layout(floor_bufs *fb, const bench_config *c, float *base)
{
    const size_t TB = (size_t)c->T * c->B, H = c->H, G = 4 * H, A = c->A;
    size_t at = 0;
#define CARVE(ptr, n)                                                                              \
    do {                                                                                           \
        if (base)                                                                                  \
            (ptr) = base + at;                                                                     \
        at += (n);                                                                                 \
    } while (0)
    for (int l = 0; l < c->L; l++) {
        size_t F = layer_in(c, l);
        CARVE(fb->in[l], TB * F);
        CARVE(fb->gates[l], TB * G);
        CARVE(fb->h[l], TB * H);
        CARVE(fb->w_x[l], F * G);
        CARVE(fb->w_h[l], H * G);
        CARVE(fb->dw_x[l], F * G);
        CARVE(fb->dw_h[l], H * G);
    }
    CARVE(fb->dgates, TB * G);
    CARVE(fb->dh, TB * H);
    CARVE(fb->dx, TB * H);
    CARVE(fb->w_out, H * A);
    CARVE(fb->dw_out, H * A);
    CARVE(fb->y, (size_t)c->B * A);
    CARVE(fb->dy, (size_t)c->B * A);
#undef CARVE
    return at;
}

static int floor_create(floor_bufs *fb, const bench_config *c, evo_rng *rng)
{
    memset(fb, 0, sizeof *fb);
    size_t n = floor_layout(fb, c, NULL);
    fb->all = malloc(n * sizeof(float));
    if (!fb->all)
        return EVO_ERR_NOMEM;
    floor_layout(fb, c, fb->all);
    for (size_t i = 0; i < n; i++) /* small normal values: no denormals, no overflow over many passes */
        fb->all[i] = (float)(0.01 * rng_normal(rng));
    return EVO_OK;
}

/* One training step's GEMMs, with the engine's shapes, transposes and betas:
 *   forward, per layer:  A = X W_x (M = T*B, N = G, K = F_l);  a_t += h_{t-1} W_h for t = 1..T-1
 *                        (M = B, N = G, K = H)
 *   head:                y = h_last W_out (M = B, N = A, K = H)
 *   head backward:       dW_out += h_last^T dy (M = H, N = A, K = B);  dh_last = dy W_out^T
 *                        (M = B, N = H, K = A)
 *   backward, per layer: dh_{t-1} += da_t W_h^T for t = T-1..1 (M = B, N = H, K = G);
 *                        dW_x += X^T dA (M = F_l, N = G, K = T*B);
 *                        dW_h += H_{0..T-2}^T dA_{1..T-1} (M = H, N = G, K = (T-1)*B);
 *                        dX = dA W_x^T for layers > 0 (M = T*B, N = F_l, K = G)
 * The recurrence has T-1 GEMMs each way (h_{-1} = 0), as in the engine: the floor is the GEMM work
 * no implementation of this model can avoid. */
static void floor_step(floor_bufs *fb, const bench_config *c)
{
    const int T = c->T, B = c->B, H = c->H, G = 4 * H, A = c->A;
    const size_t BH = (size_t)B * H, BG = (size_t)B * G;
    for (int l = 0; l < c->L; l++) {
        const int F = layer_in(c, l);
        blas_sgemm(0, 0, T * B, G, F, 1.0f, fb->in[l], F, fb->w_x[l], G, 0.0f, fb->gates[l], G);
        for (int t = 1; t < T; t++)
            blas_sgemm(0, 0, B, G, H, 1.0f, fb->h[l] + (t - 1) * BH, H, fb->w_h[l], G, 1.0f,
                       fb->gates[l] + t * BG, G);
    }
    const float *h_last = fb->h[c->L - 1] + (size_t)(T - 1) * BH;
    blas_sgemm(0, 0, B, A, H, 1.0f, h_last, H, fb->w_out, A, 1.0f, fb->y, A);
    blas_sgemm(1, 0, H, A, B, 1.0f, h_last, H, fb->dy, A, 1.0f, fb->dw_out, A);
    blas_sgemm(0, 1, B, H, A, 1.0f, fb->dy, A, fb->w_out, A, 0.0f, fb->dh + (size_t)(T - 1) * BH, H);
    for (int l = c->L - 1; l >= 0; l--) {
        const int F = layer_in(c, l);
        for (int t = T - 1; t > 0; t--)
            blas_sgemm(0, 1, B, H, G, 1.0f, fb->dgates + t * BG, G, fb->w_h[l], G, 1.0f,
                       fb->dh + (t - 1) * BH, H);
        blas_sgemm(1, 0, F, G, T * B, 1.0f, fb->in[l], F, fb->dgates, G, 1.0f, fb->dw_x[l], G);
        blas_sgemm(1, 0, H, G, (T - 1) * B, 1.0f, fb->h[l], H, fb->dgates + BG, G, 1.0f, fb->dw_h[l], G);
        if (l > 0)
            blas_sgemm(0, 1, T * B, F, G, 1.0f, fb->dgates, G, fb->w_x[l], G, 0.0f, fb->dx, F);
    }
}

/* ---------------------------------------------------------------- the floor as timed work */

typedef struct {
    floor_bufs *fb;
    const bench_config *c;
} floor_ctx;

static int floor_pass(void *p)
{
    floor_ctx *fc = p;
    floor_step(fc->fb, fc->c);
    return 0;
}

/* ---------------------------------------------------------------- the machine's peak */

enum { PEAK_N = 1024, PEAK_REPEATS = 5 };

/* GFLOP/s of blas_sgemm on a PEAK_N^3 product on the path in force: the best of PEAK_REPEATS after a
 * warm-up (the peak is what the core can do, so the fastest repeat, not the median). */
static double square_gflops(const float *a, const float *b, float *c)
{
    const int n = PEAK_N;
    double best = INFINITY;
    for (int r = 0; r <= PEAK_REPEATS; r++) {
        double t0 = now_s();
        blas_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = now_s() - t0;
        if (r > 0 && t < best) /* r = 0 warms up */
            best = t;
    }
    return 2.0 * n * n * n / best * 1e-9;
}

/* The best GFLOP/s over every path this CPU runs, with its name; the path in force is kept. */
static double machine_peak(const char **best_path)
{
    const size_t nn = (size_t)PEAK_N * PEAK_N;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    double peak = 0;
    *best_path = "none";
    if (!a || !b || !c) {
        fprintf(stderr, "lstm_bench: out of memory for the peak's %dx%d matrices\n", PEAK_N, PEAK_N);
        free(a), free(b), free(c);
        return 0;
    }
    evo_rng rng;
    rng_seed(&rng, BENCH_SEED);
    for (size_t i = 0; i < nn; i++) {
        a[i] = (float)rng_normal(&rng);
        b[i] = (float)rng_normal(&rng);
    }
    const blas_plan was = blas_active_plan();
    printf("# peak: %dx%dx%d sgemm, one thread, best of %d:", PEAK_N, PEAK_N, PEAK_N, PEAK_REPEATS);
    for (int p = BLAS_AUTO + 1; p < BLAS_PATH_COUNT; p++) {
        if (blas_runnable((blas_path)p) != (blas_path)p) /* this CPU cannot run it */
            continue;
        blas_set_path((blas_path)p);
        double g = square_gflops(a, b, c);
        printf(" %s %.1f GFLOP/s", blas_path_name((blas_path)p), g);
        if (g > peak) {
            peak = g;
            *best_path = blas_path_name((blas_path)p);
        }
    }
    printf("\n");
    blas_set_plan(&was);
    free(a), free(b), free(c);
    return peak;
}

/* ---------------------------------------------------------------- one config */

static int bench_one(const bench_config *c, int fixed_steps, double peak)
{
    blas_single_thread();
    evo_rng rng;
    rng_seed(&rng, BENCH_SEED);
    const size_t n_x = (size_t)c->T * c->B * c->F, n_r = (size_t)c->B * c->A;
    float *x = malloc(n_x * sizeof *x), *r = malloc(n_r * sizeof *r);
    evo_net *net = NULL;
    floor_bufs fb = {0};
    evo_error err;
    int rc = 1;
    if (!x || !r) {
        fprintf(stderr, "lstm_bench: %s: out of memory for the data\n", c->name);
        goto done;
    }
    fill_data(x, n_x, r, n_r, &rng);

    net_spec spec = {.n_in = c->F, .hidden = c->H, .layers = c->L, .n_out = c->A, .block = c->A,
                     .seq_len = c->T, .max_rows = c->B, .dropout = 0.0f, .seed = BENCH_SEED};
    if (net_create(&spec, &net, &err)) {
        fprintf(stderr, "lstm_bench: %s: %s\n", c->name, err.msg);
        goto done;
    }
    train_ctx tc = {"lstm_bench", net, x, r, c->B, adamw_defaults(1e-3f)};
    int steps = 0;
    double t_step = time_work((bench_work){train_step, &tc}, fixed_steps, &steps);
    if (t_step < 0)
        goto done;
    double mib = peak_mib(); /* the engine's peak, before the floor's buffers exist */
    size_t n_params = net_param_count(net);
    net_free(net);
    net = NULL;

    if (floor_create(&fb, c, &rng)) {
        fprintf(stderr, "lstm_bench: %s: out of memory for the GEMM floor's buffers\n", c->name);
        goto done;
    }
    floor_ctx fc = {&fb, c};
    int floor_steps = 0;
    double t_floor = time_work((bench_work){floor_pass, &fc}, fixed_steps, &floor_steps);

    double flops = step_flops(c);
    printf("# %-9s B %d T %d F %d H %d L %d A %d: %zu parameters, %.1f MFLOP/step; %d steps x %d "
           "repeats, floor %d passes x %d\n", c->name, c->B, c->T, c->F, c->H, c->L, c->A, n_params,
           flops * 1e-6, steps, BENCH_REPEATS, floor_steps, BENCH_REPEATS);
    printf("# %-9s %.1f samples/s, %.3f ms/step, %.1f GFLOP/s; GEMM floor %.3f ms/step (%.1f GFLOP/s), "
           "%.0f%% of it; %.0f%% of the machine's peak; peak %.1f MiB\n", c->name, c->B / t_step, t_step * 1e3,
           flops / t_step * 1e-9, t_floor * 1e3, flops / t_floor * 1e-9, 100 * t_floor / t_step,
           peak > 0 ? 100 * flops / t_step * 1e-9 / peak : NAN, mib);
    printf("evofolio %s %.1f %.3f %.2f %.3f %.3f %.1f %.3f\n", c->name, c->B / t_step, t_step * 1e3,
           flops / t_step * 1e-9, t_floor * 1e3, t_floor / t_step, mib,
           peak > 0 ? flops / t_step * 1e-9 / peak : NAN);
    rc = 0;
done:
    net_free(net);
    free(fb.all);
    free(x);
    free(r);
    return rc;
}

int main(int argc, char **argv)
{
    const char *names[N_CONFIGS], *peak_path;
    int fixed_steps, chosen[N_CONFIGS] = {0};
    for (int k = 0; k < N_CONFIGS; k++)
        names[k] = CONFIGS[k].name;
    int done = parse_args(argc, argv, "lstm_bench", names, N_CONFIGS, chosen, &fixed_steps);
    if (done >= 0)
        return done;
    use_machine_plan("lstm_bench");
    double peak = machine_peak(&peak_path);
    printf("peak %.2f %s\n", peak, peak_path);
    int failed = 0;
    for (int k = 0; k < N_CONFIGS; k++) {
        if (!chosen[k])
            continue;
        fflush(stdout);
        pid_t pid = fork(); /* a process per config: ru_maxrss is then that config's peak */
        if (pid < 0) {
            perror("lstm_bench: fork");
            return 1;
        }
        if (pid == 0) {
            int rc = bench_one(&CONFIGS[k], fixed_steps, peak);
            fflush(stdout);
            _exit(rc);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "lstm_bench: config %s failed\n", CONFIGS[k].name);
            failed = 1;
        }
    }
    return failed;
}
