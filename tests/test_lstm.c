/* Tests of lstm: the fast activations' error bounds against libm, and one layer's forward and
 * backward against plain loops in double (the net suite checks the stack through finite differences). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "evofolio/lstm.h"
#include "evofolio/rng.h"

Test(lstm, activation_error_bounds, .description = "fast sigmoid/tanh within the header's bounds")
{
    enum { N = 400001 }; /* x from -40 to 40 in steps of 2e-4, plus the extremes */
    static float x[N + 2], s[N + 2], t[N + 2];
    for (int i = 0; i < N; i++)
        x[i] = -40.0f + 2e-4f * i;
    x[N] = -1e30f;
    x[N + 1] = 1e30f;
    lstm_sigmoid(s, x, N + 2);
    lstm_tanh(t, x, N + 2);
    double worst_s = 0, worst_t = 0;
    for (int i = 0; i < N + 2; i++) {
        worst_s = fmax(worst_s, fabs(s[i] - 1 / (1 + exp(-(double)x[i]))));
        worst_t = fmax(worst_t, fabs(t[i] - tanh((double)x[i])));
    }
    cr_assert_leq(worst_s, 2e-7, "sigmoid max |error| %.3g", worst_s);
    cr_log_info("fast activations: sigmoid max |error| %.3g, tanh %.3g", worst_s, worst_t);
    cr_assert_leq(worst_t, 4e-7, "tanh max |error| %.3g", worst_t);
    cr_assert(s[N] == 0 || s[N] < 1e-37f, "sigmoid(-inf-ish) ~ 0");
    cr_assert_eq(t[N + 1], 1.0f);
    cr_assert_eq(t[N], -1.0f);
}

/* One layer in double with plain loops: h[T][B][H] and the gradients of L = sum(h * gh). */
static void layer_reference(double *h, double *dwx, double *dwh, double *db, double *dx, const float *x,
                            const lstm_weights *w, const float *gh, int T, int B, int F, int H)
{
    const int G = 4 * H;
    double *a = calloc((size_t)T * B * G, sizeof *a), *c = calloc((size_t)T * B * H, sizeof *c);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int k = 0; k < G; k++) {
                double v = w->b[k];
                for (int f = 0; f < F; f++)
                    v += (double)x[(t * B + b) * F + f] * w->w_x[f * G + k];
                for (int j = 0; t > 0 && j < H; j++)
                    v += h[((t - 1) * B + b) * H + j] * w->w_h[j * G + k];
                a[(t * B + b) * G + k] = v;
                if (k == G - 1)
                    for (int j = 0; j < H; j++) {
                        double *ab = &a[(t * B + b) * G];
                        double i = 1 / (1 + exp(-ab[j])), fg = 1 / (1 + exp(-ab[H + j])),
                               g = tanh(ab[2 * H + j]), o = 1 / (1 + exp(-ab[3 * H + j]));
                        double cp = t > 0 ? c[((t - 1) * B + b) * H + j] : 0;
                        c[(t * B + b) * H + j] = fg * cp + i * g;
                        h[(t * B + b) * H + j] = o * tanh(c[(t * B + b) * H + j]);
                        ab[j] = i, ab[H + j] = fg, ab[2 * H + j] = g, ab[3 * H + j] = o;
                    }
            }
    /* backward through time, element by element */
    double *dh = calloc((size_t)B * H, sizeof *dh), *dc = calloc((size_t)B * H, sizeof *dc);
    double *da = calloc((size_t)G, sizeof *da);
    for (int t = T - 1; t >= 0; t--) {
        double *dh_prev = calloc((size_t)B * H, sizeof *dh_prev);
        for (int b = 0; b < B; b++) {
            const double *ab = &a[(t * B + b) * G];
            for (int j = 0; j < H; j++) {
                double g_h = gh[(t * B + b) * H + j] + dh[b * H + j];
                double tc = tanh(c[(t * B + b) * H + j]), cp = t > 0 ? c[((t - 1) * B + b) * H + j] : 0;
                double i = ab[j], fg = ab[H + j], g = ab[2 * H + j], o = ab[3 * H + j];
                double dcj = dc[b * H + j] + g_h * o * (1 - tc * tc);
                da[j] = dcj * g * i * (1 - i);
                da[H + j] = dcj * cp * fg * (1 - fg);
                da[2 * H + j] = dcj * i * (1 - g * g);
                da[3 * H + j] = g_h * tc * o * (1 - o);
                dc[b * H + j] = dcj * fg;
            }
            for (int k = 0; k < G; k++) {
                db[k] += da[k];
                for (int f = 0; f < F; f++) {
                    dwx[f * G + k] += x[(t * B + b) * F + f] * da[k];
                    dx[(t * B + b) * F + f] += w->w_x[f * G + k] * da[k];
                }
                for (int j = 0; t > 0 && j < H; j++) {
                    dwh[j * G + k] += h[((t - 1) * B + b) * H + j] * da[k];
                    dh_prev[b * H + j] += w->w_h[j * G + k] * da[k];
                }
            }
        }
        free(dh);
        dh = dh_prev;
    }
    free(a);
    free(c);
    free(dh);
    free(dc);
    free(da);
}

static void expect_close(const float *a, const double *b, int n, double tol, const char *what)
{
    for (int i = 0; i < n; i++)
        cr_assert(fabs(a[i] - b[i]) <= tol * fmax(1, fabs(b[i])), "%s[%d]: %g vs %g", what, i, a[i], b[i]);
}

Test(lstm, layer_matches_plain_loops, .description = "fused forward and BPTT = element-wise double loops")
{
    enum { T = 5, B = 3, F = 4, H = 11, G = 4 * H };
    static float wx[F * G], wh[H * G], b[G], x[T * B * F], gh[T * B * H];
    static float gates[T * B * G], c[T * B * H], tc[T * B * H], h[T * B * H];
    static float dwx[F * G], dwh[H * G], db[G], dx[T * B * F], dh[T * B * H], dgates[T * B * G], dc[B * H];
    static double rh[T * B * H], rdwx[F * G], rdwh[H * G], rdb[G], rdx[T * B * F];
    evo_rng rng;
    rng_seed(&rng, 3);
    float *all[] = {wx, wh, b, x, gh};
    int sizes[] = {F * G, H * G, G, T * B * F, T * B * H};
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < sizes[k]; i++)
            all[k][i] = (float)(0.5 * rng_normal(&rng));
    lstm_weights w = {wx, wh, b}, dw = {dwx, dwh, db};
    lstm_cache cache = {gates, c, tc, h};
    lstm_forward(&cache, x, &w, T, B, F, H);
    memcpy(dh, gh, sizeof dh);
    lstm_backward(&dw, dx, dh, dgates, dc, &cache, x, &w, T, B, F, H);
    layer_reference(rh, rdwx, rdwh, rdb, rdx, x, &w, gh, T, B, F, H);
    /* float32 GEMMs over <= 4H = 44 terms and activations within 4e-7: 2e-5 relative is ample, and a
     * wrong term is off by far more */
    expect_close(h, rh, T * B * H, 2e-5, "h");
    expect_close(dwx, rdwx, F * G, 2e-5, "dW_x");
    expect_close(dwh, rdwh, H * G, 2e-5, "dW_h");
    expect_close(db, rdb, G, 2e-5, "db");
    expect_close(dx, rdx, T * B * F, 2e-5, "dx");
}
