/* attention_bench: training speed of the attention encoder (net_forward + net_backward + net_step, one
 * BLAS thread), for bench/compare_attention.sh to set beside bench/torch_attention.py.
 *
 *   build/bench/attention_bench [CONFIG...] [--steps N]
 *
 * CONFIG is one of small, seed, portfolio (default: all). The timing protocol is bench_train.h's: warm up
 * (>= 3 steps and >= 0.2 s), then 3 repeats of enough steps for >= 0.5 s each (or --steps N each), and
 * the median repeat is reported.
 *
 * Shapes: B batch (days), T steps, F input width, D d_model, NH heads, FF feed-forward width, L blocks,
 * A assets; N = B*T tokens.
 * Output: comment lines start with '#'; one machine-readable line per config:
 *   evofolio-attention NAME samples_per_s ms_per_step gflop_per_s */
#include "bench_train.h"

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
    fill_data(x, n_x, r, n_r, &rng);

    net_spec spec = {.n_in = c->F, .arch = ARCH_ATTENTION, .hidden = c->D, .heads = c->heads, .ff = c->ff,
                     .layers = c->L, .n_out = c->A, .block = c->A, .seq_len = c->T, .max_rows = c->B,
                     .dropout = 0.0f, .seed = BENCH_SEED};
    if (net_create(&spec, &net, &err)) {
        fprintf(stderr, "attention_bench: %s: %s\n", c->name, err.msg);
        goto done;
    }
    train_ctx tc = {"attention_bench", net, x, r, c->B, adamw_defaults(1e-3f)};
    int steps = 0;
    double t_step = time_work((bench_work){train_step, &tc}, fixed_steps, &steps);
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

int main(int argc, char **argv)
{
    const char *names[N_CONFIGS];
    int fixed_steps, chosen[N_CONFIGS] = {0};
    for (int k = 0; k < N_CONFIGS; k++)
        names[k] = CONFIGS[k].name;
    int done = parse_args(argc, argv, "attention_bench", names, N_CONFIGS, chosen, &fixed_steps);
    if (done >= 0)
        return done;
    use_machine_plan("attention_bench");
    int failed = 0;
    for (int k = 0; k < N_CONFIGS; k++)
        if (chosen[k] && bench_one(&CONFIGS[k], fixed_steps)) {
            fprintf(stderr, "attention_bench: config %s failed\n", CONFIGS[k].name);
            failed = 1;
        }
    return failed;
}
