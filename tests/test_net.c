/* Tests of net (and through it lstm, head, loss): central finite-difference gradient checks of every
 * parameter tensor and of the input for each head with each loss over several shapes, the fused path
 * against a plain-loop double reference (tests/ref_net.h), determinism, a toy problem that needs
 * memory, save/load, and bad sizes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "evofolio/net.h"
#include "evofolio/rng.h"
#include "ref_net.h"

typedef struct {
    const char *name;
    int layers, seq_len, days, n_in, hidden; /* hidden: the attention encoder's d_model */
    float dropout;
    evo_arch arch;
    int heads, ff;
} shape;

typedef struct {
    const char *name;
    int n_out, block, rows_per_day; /* see net.h: asset, portfolio, shared */
} head_kind;

static const shape shapes[] = {
    {"L1 T1", 1, 1, 2, 3, 5, 0, ARCH_LSTM, 0, 0},
    {"L2 B1", 2, 4, 1, 2, 3, 0, ARCH_LSTM, 0, 0},
    {"L3 H7", 3, 3, 3, 4, 7, 0, ARCH_LSTM, 0, 0},
    {"L2 H9 dropout", 2, 5, 4, 3, 9, 0.3f, ARCH_LSTM, 0, 0},
    {"L0 linear", 0, 1, 3, 4, 0, 0, ARCH_LSTM, 0, 0},
    {"L0 T3", 0, 3, 2, 3, 0, 0, ARCH_LSTM, 0, 0},
    {"attention L1 T1", 1, 1, 2, 3, 4, 0, ARCH_ATTENTION, 2, 5},
    {"attention L2 T4 two heads", 2, 4, 2, 3, 6, 0, ARCH_ATTENTION, 2, 7},
    {"attention L1 B1 dropout", 1, 3, 1, 2, 4, 0.3f, ARCH_ATTENTION, 1, 6},
    {"attention L3 four heads", 3, 3, 2, 2, 4, 0, ARCH_ATTENTION, 4, 3},
};
static const head_kind heads[] = {
    {"asset", 3, 3, 1},
    {"portfolio", 4, 4, 1},
    {"shared", 1, 3, 3},
};
static const evo_objective objectives[] = {OBJECTIVE_SHARPE, OBJECTIVE_SORTINO, OBJECTIVE_MEANVAR,
                                           OBJECTIVE_FORECAST};
#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))
#define LAMBDA 2.0
/* A cost of 5% per unit of turnover: the weights move by ~0.1 between the test's days, so the cost
 * term is ~5e-3 a day against returns of sd 0.02 - large enough that a wrong cost gradient shows. */
#define COST 0.05
static const loss_spec SHARPE = {OBJECTIVE_SHARPE, 1, 0};

static net_spec spec_of(const shape *s, const head_kind *h, uint64_t seed)
{
    return (net_spec){.n_in = s->n_in, .arch = s->arch, .hidden = s->hidden, .heads = s->heads, .ff = s->ff,
                      .layers = s->layers, .n_out = h->n_out, .block = h->block, .seq_len = s->seq_len,
                      .max_rows = s->days * h->rows_per_day, .dropout = s->dropout, .seed = seed};
}

static void fill_normal(float *a, size_t n, double scale, evo_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(scale * rng_normal(rng));
}

/* Worst relative error of analytic a against finite differences fd over one tensor. Elements are
 * compared relative to max(|fd|, 1e-2 * the tensor's largest |fd|): float32 rounding in the engine
 * (eps 6e-8, summed over at most a few hundred terms here) stays below 1e-4 of that scale, while a
 * wrong or missing term is off by O(1). (A floor of 1e-3 failed once: in the three-layer LSTM an
 * element of W_x at 0.2% of its tensor's scale was off by 9e-6, 3e-7 of the check's largest gradient.) A tensor whose true gradient is identically zero (W_h when
 * T = 1; the shared head's bias, which shifts every score of a softmax block alike) has only rounding
 * noise: below 1e-6 of the largest gradient of the whole check (`global`), it passes when the
 * analytic values are below 1e-5 of it too. */
static double tensor_error(const float *a, const double *fd, size_t n, double global)
{
    double scale = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(fd[i]));
    if (scale < 1e-6 * global) {
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(a[i]) / (1e-5 * global) * 1e-3);
        return worst;
    }
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(a[i] - fd[i]) / fmax(fabs(fd[i]), 1e-2 * scale));
    return worst;
}

static double max_abs(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* Central differences in double: step 1e-5 gives truncation ~1e-10 and rounding ~1e-16/1e-5. */
static void finite_differences(double *fd, double *v, size_t n, const net_spec *s, double *params,
                               double *x, int rows, const float *const *masks, const float *r,
                               const loss_spec *loss, double *y, double *w)
{
    const double h = 1e-5;
    for (size_t i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + h;
        double up = ref_forward(s, params, x, rows, masks, r, loss, y, w);
        v[i] = keep - h;
        double down = ref_forward(s, params, x, rows, masks, r, loss, y, w);
        v[i] = keep;
        fd[i] = (up - down) / (2 * h);
    }
}

/* The parameter tensors of a net of spec s in layout order (net.h): their sizes and names; returns
 * how many. */
static int tensors_of(const net_spec *s, size_t *sizes, const char **names)
{
    const size_t F = (size_t)s->n_in, H = s->layers ? (size_t)s->hidden : 0, G = 4 * H, K = (size_t)s->n_out;
    int n = 0;
#define TENSOR(name, size) (names[n] = (name), sizes[n++] = (size))
    if (s->arch == ARCH_ATTENTION && s->layers) {
        const size_t D = H, FF = (size_t)s->ff;
        TENSOR("W_in", F * D);
        TENSOR("b_in", D);
        for (int l = 0; l < s->layers; l++) {
            TENSOR("LN_1 g", D);
            TENSOR("LN_1 b", D);
            TENSOR("W_qkv", D * 3 * D);
            TENSOR("b_qkv", 3 * D);
            TENSOR("W_o", D * D);
            TENSOR("b_o", D);
            TENSOR("LN_2 g", D);
            TENSOR("LN_2 b", D);
            TENSOR("W_1", D * FF);
            TENSOR("b_1", FF);
            TENSOR("W_2", FF * D);
            TENSOR("b_2", D);
        }
        TENSOR("LN_f g", D);
        TENSOR("LN_f b", D);
    }
    for (int l = 0; l < s->layers && s->arch == ARCH_LSTM; l++) {
        TENSOR("W_x", (l == 0 ? F : H) * G);
        TENSOR("W_h", H * G);
        TENSOR("b", G);
    }
    TENSOR("head W", H * K); /* on the encoder's output (none with L = 0) */
    TENSOR("skip W", F * K);
    TENSOR("head b", K);
#undef TENSOR
    return n;
}

static void check_gradients(const shape *sh, const head_kind *hk, evo_objective obj)
{
    net_spec s = spec_of(sh, hk, 7);
    evo_net *net;
    evo_error err = {0};
    cr_assert_eq(net_create(&s, &net, &err), EVO_OK, "%s", err.msg);
    const int rows = s.max_rows, T = s.seq_len, n_y = rows * s.n_out;
    const size_t n_x = (size_t)T * rows * s.n_in, n_p = net_param_count(net);
    float *x = malloc(n_x * sizeof *x), *dx = malloc(n_x * sizeof *dx), *r = malloc(n_y * sizeof *r);
    double *xd = malloc(n_x * sizeof *xd), *pd = malloc(n_p * sizeof *pd);
    double *fd = malloc((n_p > n_x ? n_p : n_x) * sizeof *fd), *y = malloc(n_y * sizeof *y),
           *w = malloc(n_y * sizeof *w);
    evo_rng rng;
    rng_seed(&rng, 11);
    fill_normal(x, n_x, 1.0, &rng);
    fill_normal(r, n_y, 0.02, &rng);
    /* The head starts at 0, where the encoder's gradients are all 0 and the check would be empty: move
     * the head on the encoder and the skip connection. */
    const size_t n_head = (size_t)((s.layers ? s.hidden : 0) + s.n_in) * s.n_out;
    fill_normal(net_params(net) + n_p - n_head - s.n_out, n_head, 0.5, &rng);
    /* One day: the Sortino of a negative p saturates at 1 (DD = |p|) and its gradient, ~1e-8 / |p|^3,
     * is rounding noise; positive returns keep p > 0 (the weights are positive). */
    for (int i = 0; sh->days == 1 && i < n_y; i++)
        r[i] = fabsf(r[i]);
    const loss_spec ls = {obj, LAMBDA, COST};
    cr_assert_eq(net_forward(net, x, rows, 1, &err), EVO_OK, "%s", err.msg);
    double loss = net_backward(net, r, &ls, dx);
    const float *masks[NET_MAX_LAYERS] = {NULL};
    for (int l = 0; l < s.layers; l++)
        masks[l] = net_dropout_mask(net, l);
    cr_assert(s.dropout == 0 || (s.arch == ARCH_LSTM ? s.layers == 1 || masks[1] : masks[0] != NULL),
              "dropout on in training");
    for (size_t i = 0; i < n_x; i++)
        xd[i] = x[i];
    const float *p = net_params(net);
    for (size_t i = 0; i < n_p; i++)
        pd[i] = p[i];
    double ref_loss = ref_forward(&s, pd, xd, rows, masks, r, &ls, y, w);
    cr_assert(fabs(loss - ref_loss) <= 1e-4 * fmax(1.0, fabs(ref_loss)), "%s %s %s: loss %g vs reference %g",
              sh->name, hk->name, catalog_objectives.names[obj], loss, ref_loss);

    /* every parameter tensor, in layout order */
    finite_differences(fd, pd, n_p, &s, pd, xd, rows, masks, r, &ls, y, w);
    const float *g = net_grads(net);
    const double global = max_abs(fd, n_p);
    size_t at = 0, sizes[64];
    const char *names[64];
    const int n_tensors = tensors_of(&s, sizes, names);
    for (int k = 0; k < n_tensors; at += sizes[k++]) {
        if (!sizes[k])
            continue;
        double e = tensor_error(g + at, fd + at, sizes[k], global);
        cr_assert(e <= 1e-3, "%s %s %s: tensor %d %s max relative error %.3g", sh->name, hk->name,
                  catalog_objectives.names[obj], k, names[k], e);
    }
    cr_assert_eq(at, n_p);
    /* the input */
    finite_differences(fd, xd, n_x, &s, pd, xd, rows, masks, r, &ls, y, w);
    double e = tensor_error(dx, fd, n_x, max_abs(fd, n_x));
    cr_assert(e <= 1e-3, "%s %s %s: input gradient max relative error %.3g", sh->name, hk->name,
              catalog_objectives.names[obj], e);
    free(x);
    free(dx);
    free(r);
    free(xd);
    free(pd);
    free(fd);
    free(y);
    free(w);
    net_free(net);
}

Test(net, gradient_check_every_head_loss_and_shape,
     .description = "analytic gradients of all parameters and the input match central differences")
{
    for (int i = 0; i < COUNT(shapes); i++)
        for (int j = 0; j < COUNT(heads); j++)
            for (int k = 0; k < COUNT(objectives); k++)
                check_gradients(&shapes[i], &heads[j], objectives[k]);
}

Test(net, forward_matches_reference, .description = "fused forward = plain-loop double reference")
{
    const shape shs[2] = {{"L2 H13", 2, 6, 5, 4, 13, 0, ARCH_LSTM, 0, 0},
                          {"attention L2 d_model 12", 2, 6, 5, 4, 12, 0, ARCH_ATTENTION, 3, 10}};
    for (int j = 0; j < 2 * COUNT(heads); j++) {
        const shape sh = shs[j / COUNT(heads)];
        net_spec s = spec_of(&sh, &heads[j % COUNT(heads)], 3);
        evo_net *net;
        evo_error err = {0};
        cr_assert_eq(net_create(&s, &net, &err), EVO_OK);
        const int rows = s.max_rows, n_y = rows * s.n_out;
        const size_t n_x = (size_t)s.seq_len * rows * s.n_in, n_p = net_param_count(net);
        float *x = malloc(n_x * sizeof *x), *r = calloc(n_y, sizeof *r);
        double *xd = malloc(n_x * sizeof *xd), *pd = malloc(n_p * sizeof *pd), y[64], w[64];
        evo_rng rng;
        rng_seed(&rng, 5);
        fill_normal(x, n_x, 2.0, &rng);
        /* the head starts at 0: move it, or every output would be 0 whatever the encoder computes */
        fill_normal(net_params(net) + n_p - (size_t)(s.hidden + s.n_in + 1) * s.n_out,
                    (size_t)(s.hidden + s.n_in) * s.n_out, 0.5, &rng);
        for (size_t i = 0; i < n_x; i++)
            xd[i] = x[i];
        for (size_t i = 0; i < n_p; i++)
            pd[i] = net_params(net)[i];
        cr_assert_eq(net_forward(net, x, rows, 0, &err), EVO_OK);
        ref_forward(&s, pd, xd, rows, NULL, r, &SHARPE, y, w);
        /* float32 GEMMs plus activations with |error| <= 4e-7: outputs of order 1 agree to 1e-5 */
        for (int i = 0; i < n_y; i++) {
            cr_assert(fabs(net_outputs(net)[i] - y[i]) <= 1e-5 * fmax(1, fabs(y[i])), "%s %s y[%d] %g vs %g",
                      sh.name, heads[j % COUNT(heads)].name, i, net_outputs(net)[i], y[i]);
            cr_assert(fabs(net_weights(net)[i] - w[i]) <= 1e-5, "%s %s w[%d]", sh.name, heads[j % COUNT(heads)].name, i);
        }
        free(x);
        free(r);
        free(xd);
        free(pd);
        net_free(net);
    }
}

/* Train steps on fixed data; return the parameters' checksum-free copy via out. */
static void train_steps(uint64_t seed, int steps, float *out, size_t n_out_params)
{
    const shape sh = {"L2", 2, 8, 16, 3, 10, 0.2f, ARCH_LSTM, 0, 0};
    net_spec s = spec_of(&sh, &heads[0], seed);
    evo_net *net;
    evo_error err = {0};
    cr_assert_eq(net_create(&s, &net, &err), EVO_OK);
    cr_assert_eq(net_param_count(net), n_out_params);
    size_t n_x = (size_t)s.seq_len * s.max_rows * s.n_in;
    float *x = malloc(n_x * sizeof *x), r[16 * 3];
    evo_rng rng;
    rng_seed(&rng, 99);
    fill_normal(x, n_x, 1, &rng);
    fill_normal(r, 48, 0.01, &rng);
    adamw_options opt = adamw_defaults(1e-2f);
    for (int i = 0; i < steps; i++) {
        cr_assert_eq(net_forward(net, x, s.max_rows, 1, &err), EVO_OK);
        net_backward(net, r, &SHARPE, NULL);
        net_step(net, &opt, 1.0);
    }
    memcpy(out, net_params(net), n_out_params * sizeof *out);
    free(x);
    net_free(net);
}

Test(net, same_seed_same_bits, .description = "creation and training (with dropout) are deterministic")
{
    enum { N = 4 * 10 * (3 + 10 + 1) + 4 * 10 * (10 + 10 + 1) + 10 * 3 + 3 * 3 + 3 };
    static float a[N], b[N], c[N];
    train_steps(1, 20, a, N);
    train_steps(1, 20, b, N);
    train_steps(2, 20, c, N);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "same seed, different parameters");
    cr_assert_neq(memcmp(a, c, sizeof a), 0, "another seed, same parameters");
}

/* The toy problem: the sign of the input seen LAG steps before the end decides which of two assets
 * wins the next day; every other input is noise. Only a model that carries that sign through the
 * recurrence can put its weight on the winner. */
enum { TOY_T = 12, TOY_LAG = 6, TOY_B = 64 };

static void toy_batch(float *x, float *r, evo_rng *rng)
{
    for (int t = 0; t < TOY_T; t++)
        for (int b = 0; b < TOY_B; b++)
            x[t * TOY_B + b] = (float)rng_normal(rng);
    for (int b = 0; b < TOY_B; b++) {
        int up = x[(TOY_T - 1 - TOY_LAG) * TOY_B + b] > 0;
        double noise = 0.002 * rng_normal(rng);
        r[2 * b] = (float)((up ? 0.01 : -0.01) + noise);
        r[2 * b + 1] = (float)((up ? -0.01 : 0.01) + noise);
    }
}

/* Train s on the toy problem; assert that the loss falls and the weight goes to the winner. */
static void learn_the_toy(const net_spec *s, const char *what)
{
    evo_net *net;
    evo_error err = {0};
    cr_assert_eq(net_create(s, &net, &err), EVO_OK, "%s", err.msg);
    static float x[TOY_T * TOY_B], r[2 * TOY_B];
    evo_rng rng;
    rng_seed(&rng, 8);
    adamw_options opt = adamw_defaults(1e-2f);
    double first = 0, last = 0;
    for (int step = 0; step < 400; step++) {
        toy_batch(x, r, &rng);
        net_forward(net, x, TOY_B, 1, &err);
        double loss = net_backward(net, r, &SHARPE, NULL);
        cr_assert(isfinite(net_step(net, &opt, 1.0)));
        if (step < 20)
            first += loss / 20;
        if (step >= 380)
            last += loss / 20;
    }
    /* fresh data: weight on the winner */
    double on_winner = 0;
    for (int k = 0; k < 4; k++) {
        toy_batch(x, r, &rng);
        net_forward(net, x, TOY_B, 0, &err);
        for (int b = 0; b < TOY_B; b++)
            on_winner += net_weights(net)[2 * b + (r[2 * b] > r[2 * b + 1] ? 0 : 1)] / (4 * TOY_B);
    }
    cr_assert_lt(last, first, "%s: loss did not fall: %g -> %g", what, first, last);
    cr_assert_gt(on_winner, 0.9, "%s: mean weight on the winner %.3f (0.5 is a coin flip)", what, on_winner);
    net_free(net);
}

Test(net, learns_a_problem_that_needs_memory, .description = "sign 6 steps back picks the winning asset")
{
    net_spec s = {.n_in = 1, .hidden = 16, .layers = 1, .n_out = 2, .block = 2, .seq_len = TOY_T,
                  .max_rows = TOY_B, .dropout = 0, .seed = 4};
    learn_the_toy(&s, "LSTM");
    /* attention: the positional encoding tells the query which step is 6 back */
    s.arch = ARCH_ATTENTION;
    s.heads = 2;
    s.ff = 32;
    learn_the_toy(&s, "attention");
}


Test(net, save_and_load_round_trip, .description = "parameters survive a file; bad files are refused")
{
    net_spec s = {.n_in = 3, .hidden = 5, .layers = 2, .n_out = 2, .block = 2, .seq_len = 4,
                  .max_rows = 8, .seed = 1};
    evo_net *a, *b, *c;
    evo_error err = {0};
    cr_assert_eq(net_create(&s, &a, &err), EVO_OK);
    s.seed = 2;
    cr_assert_eq(net_create(&s, &b, &err), EVO_OK);
    s.hidden = 6;
    cr_assert_eq(net_create(&s, &c, &err), EVO_OK);
    char path[] = "/tmp/evofolio-net-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(net_save(a, path, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(net_load(b, path, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(memcmp(net_params(a), net_params(b), net_param_count(a) * sizeof(float)), 0);
    cr_assert_eq(net_load(c, path, &err), EVO_ERR_DATA, "other sizes are refused");
    cr_assert(strstr(err.msg, "sizes differ"), "%s", err.msg);
    /* an attention net: its own round trip; an LSTM's file is not its */
    net_spec sa = {.n_in = 3, .arch = ARCH_ATTENTION, .hidden = 4, .heads = 2, .ff = 5, .layers = 2, .n_out = 2,
                   .block = 2, .seq_len = 4, .max_rows = 8, .seed = 3};
    evo_net *d, *e;
    cr_assert_eq(net_create(&sa, &d, &err), EVO_OK, "%s", err.msg);
    sa.seed = 4;
    cr_assert_eq(net_create(&sa, &e, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(net_load(d, path, &err), EVO_ERR_DATA, "an LSTM's parameters are refused");
    cr_assert(strstr(err.msg, "sizes differ") && strstr(err.msg, "lstm"), "%s", err.msg);
    char path2[] = "/tmp/evofolio-net-XXXXXX";
    fd = mkstemp(path2);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(net_save(d, path2, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(net_load(e, path2, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(memcmp(net_params(d), net_params(e), net_param_count(d) * sizeof(float)), 0);
    unlink(path2);
    net_free(d);
    net_free(e);
    FILE *f = fopen(path, "r+b"); /* flip one parameter byte: the checksum catches it */
    fseek(f, 64, SEEK_SET);
    int byte = fgetc(f);
    fseek(f, 64, SEEK_SET);
    fputc(byte ^ 0x40, f);
    fclose(f);
    cr_assert_eq(net_load(b, path, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "checksum"), "%s", err.msg);
    f = fopen(path, "wb");
    fputs("not a network", f);
    fclose(f);
    cr_assert_eq(net_load(b, path, &err), EVO_ERR_DATA);
    unlink(path);
    net_free(a);
    net_free(b);
    net_free(c);
}

Test(net, bad_sizes_are_refused, .description = "impossible specs and batches fail with a message")
{
    evo_net *net;
    evo_error err = {0};
    net_spec s = {.n_in = 3, .hidden = 5, .layers = 4, .n_out = 2, .block = 2, .seq_len = 4,
                  .max_rows = 8};
    cr_assert_eq(net_create(&s, &net, &err), EVO_ERR_USAGE);
    cr_assert_null(net);
    s.layers = 1;
    s.dropout = 1;
    cr_assert_eq(net_create(&s, &net, &err), EVO_ERR_USAGE);
    s.dropout = 0;
    s.block = 3;
    cr_assert_eq(net_create(&s, &net, &err), EVO_ERR_USAGE, "block must hold whole rows");
    s.n_out = 1;
    cr_assert_eq(net_create(&s, &net, &err), EVO_OK, "%s", err.msg);
    float x[4 * 8 * 3] = {0};
    cr_assert_eq(net_forward(net, x, 9, 0, &err), EVO_ERR_USAGE, "more rows than max_rows");
    cr_assert_eq(net_forward(net, x, 4, 0, &err), EVO_ERR_USAGE, "4 rows are not whole days of 3");
    cr_assert_eq(net_forward(net, x, 6, 0, &err), EVO_OK);
    net_free(net);
    net_free(NULL);
}

/* Sliding windows of one table (net_forward_window) against the same windows copied out step by step
 * (net_forward): same outputs and gradients. The projection of a row is the same dot product either
 * way; only dW_x sums the same terms in another order (per row, then over rows), so float32 rounding
 * over at most T*B = 60 terms bounds the difference well below 1e-5 of the gradient's scale. */
Test(net, window_mode_equals_copied_windows, .description = "net_forward_window = net_forward on assembled x")
{
    const int steps[2] = {1, 3}; /* one row a day (asset model), three (shared model with A = 3) */
    for (int si = 0; si < 4; si++) { /* the LSTM, then attention */
        const int step = steps[si % 2], T = 5, F = 4, B = 4 * step, attention = si >= 2;
        net_spec s = {.n_in = F, .arch = attention ? ARCH_ATTENTION : ARCH_LSTM, .hidden = attention ? 8 : 7,
                      .heads = 2, .ff = 6, .layers = 2, .n_out = step == 1 ? 3 : 1, .block = 3, .seq_len = T,
                      .max_rows = B, .dropout = 0, .window_step = step, .seed = 9};
        evo_net *a, *b;
        evo_error err = {0};
        cr_assert_eq(net_create(&s, &a, &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(net_create(&s, &b, &err), EVO_OK);
        const int rows = B + (T - 1) * step;
        float table[64 * 4], x[5 * 12 * 4], r[12 * 3];
        evo_rng rng;
        rng_seed(&rng, 21);
        /* the head starts at 0, which would leave the encoder without gradients: move it, alike in both */
        const size_t n_p = net_param_count(a), n_head = (size_t)(s.hidden + F) * s.n_out;
        fill_normal(net_params(a) + n_p - n_head - s.n_out, n_head, 0.5, &rng);
        memcpy(net_params(b), net_params(a), n_p * sizeof(float));
        fill_normal(table, (size_t)rows * F, 1, &rng);
        fill_normal(r, (size_t)B * s.n_out, 0.02, &rng);
        for (int t = 0; t < T; t++)
            memcpy(x + (size_t)t * B * F, table + (size_t)t * step * F, sizeof(float) * B * F);
        cr_assert_eq(net_forward_window(a, table, B, 1, &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(net_forward(b, x, B, 1, &err), EVO_OK);
        for (int i = 0; i < B * s.n_out; i++)
            cr_assert(fabs(net_outputs(a)[i] - net_outputs(b)[i]) <= 1e-6, "y[%d]", i);
        const loss_spec costly = {OBJECTIVE_SHARPE, 1, COST};
        double la = net_backward(a, r, &costly, NULL), lb = net_backward(b, r, &costly, NULL);
        cr_assert(fabs(la - lb) <= 1e-6 * fabs(lb), "loss %g vs %g", la, lb);
        const float *ga = net_grads(a), *gb = net_grads(b);
        double scale = 0;
        for (size_t i = 0; i < net_param_count(a); i++)
            scale = fmax(scale, fabs(gb[i]));
        for (size_t i = 0; i < net_param_count(a); i++)
            cr_assert(fabs(ga[i] - gb[i]) <= 1e-5 * scale, "%s step %d: grad[%zu] %g vs %g", attention ? "attention" : "LSTM",
                      step, i, ga[i], gb[i]);
        net_free(a);
        net_free(b);
    }
    evo_net *plain;
    evo_error err = {0};
    net_spec s = {.n_in = 2, .hidden = 3, .layers = 1, .n_out = 2, .block = 2, .seq_len = 2, .max_rows = 2};
    cr_assert_eq(net_create(&s, &plain, &err), EVO_OK);
    float x[8] = {0};
    cr_assert_eq(net_forward_window(plain, x, 2, 0, &err), EVO_ERR_USAGE, "needs window_step");
    net_free(plain);
}

Test(net, linear_only_trains_the_skip_alone,
     .description = "net_set_linear_only: the LSTM and its head get no gradient and stay put; outputs unchanged")
{
    const shape sh = {"L2", 2, 4, 3, 3, 5, 0, ARCH_LSTM, 0, 0};
    net_spec s = spec_of(&sh, &heads[0], 13);
    evo_net *net;
    evo_error err = {0};
    cr_assert_eq(net_create(&s, &net, &err), EVO_OK, "%s", err.msg);
    const int rows = s.max_rows;
    const size_t n_x = (size_t)s.seq_len * rows * s.n_in, n_p = net_param_count(net);
    const size_t n_lstm = n_p - (size_t)(s.hidden + s.n_in + 1) * s.n_out; /* then head W, skip W, b */
    float *x = malloc(n_x * sizeof *x), r[3 * 3], y[3 * 3], *before = malloc(n_p * sizeof *before);
    evo_rng rng;
    rng_seed(&rng, 3);
    fill_normal(x, n_x, 1, &rng);
    fill_normal(r, 9, 0.02, &rng);
    cr_assert_eq(net_forward(net, x, rows, 1, &err), EVO_OK);
    memcpy(y, net_outputs(net), sizeof y);
    net_set_linear_only(net, 1);
    cr_assert_eq(net_forward(net, x, rows, 1, &err), EVO_OK);
    /* the head on the hidden state starts at 0: without it the outputs are the same */
    cr_assert_eq(memcmp(y, net_outputs(net), sizeof y), 0);
    memcpy(before, net_params(net), n_p * sizeof *before);
    adamw_options opt = adamw_defaults(1e-2f);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(net_forward(net, x, rows, 1, &err), EVO_OK);
        net_backward(net, r, &SHARPE, NULL);
        for (size_t k = 0; k < n_lstm + (size_t)s.hidden * s.n_out; k++)
            cr_assert_eq(net_grads(net)[k], 0.0f, "gradient %zu of the LSTM or its head", k);
        net_step(net, &opt, 1.0);
    }
    const float *p = net_params(net);
    cr_assert_eq(memcmp(p, before, (n_lstm + (size_t)s.hidden * s.n_out) * sizeof *p), 0, "the LSTM stays put");
    int moved = 0;
    for (size_t k = n_lstm + (size_t)s.hidden * s.n_out; k < n_p; k++)
        moved += p[k] != before[k];
    cr_assert_eq(moved, (s.n_in + 1) * s.n_out, "every skip weight and bias moved");
    net_set_linear_only(net, 0);
    cr_assert_eq(net_forward(net, x, rows, 1, &err), EVO_OK);
    net_backward(net, r, &SHARPE, NULL);
    double lstm_grad = 0;
    for (size_t k = n_lstm; k < n_lstm + (size_t)s.hidden * s.n_out; k++)
        lstm_grad += fabs(net_grads(net)[k]);
    cr_assert_gt(lstm_grad, 0, "switched off: the head on the hidden state learns again");
    free(x);
    free(before);
    net_free(net);
}
