/* A plain-loop double-precision reference of the network in include/evofolio/net.h, for tests: the
 * same parameter layout (per layer W_x[F][4H], W_h[H][4H], b[4H], or the attention encoder's tensors
 * in attention.h's order; then the head's W[H][n_out],
 * its skip connection W_skip[F][n_out] on the last step's input, b[n_out]; no hidden state with L = 0),
 * the same gate order (i, f, g, o) and the same losses (trading cost included), with no GEMM, no fused
 * pass and exact libm activations. Shapes: T, B, F, H, L, n_out, block as in net.h. The attention
 * encoder is written from its equations (attention.h) token by token, sequence by sequence. */
#ifndef EVOFOLIO_TESTS_REF_NET_H
#define EVOFOLIO_TESTS_REF_NET_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/catalog.h"
#include "evofolio/loss.h"
#include "evofolio/net.h"

static double ref_sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* y[n][D] = LN(x) with gains g and shifts b. */
static void ref_layer_norm(double *y, const double *x, const double *g, const double *b, int n, int D)
{
    for (int r = 0; r < n; r++) {
        double mean = 0, var = 0;
        for (int j = 0; j < D; j++)
            mean += x[r * D + j] / D;
        for (int j = 0; j < D; j++)
            var += (x[r * D + j] - mean) * (x[r * D + j] - mean) / D;
        for (int j = 0; j < D; j++)
            y[r * D + j] = g[j] * (x[r * D + j] - mean) / sqrt(var + 1e-5) + b[j];
    }
}

/* y[n][K] = x[n][J] w[J][K] + b[K] */
static void ref_dense(double *y, const double *x, const double *w, const double *b, int n, int J, int K)
{
    for (int r = 0; r < n; r++)
        for (int k = 0; k < K; k++) {
            double v = b[k];
            for (int j = 0; j < J; j++)
                v += x[r * J + j] * w[j * K + k];
            y[r * K + k] = v;
        }
}

/* The attention encoder of B sequences of x[T][B][F] into out[B][D]; returns the parameters after it.
 * masks[l] ([B*T][ff], sequence-major) scale block l's feed-forward activations when not NULL. */
static const double *ref_attention(const net_spec *s, const double *p, const double *x, int B,
                                   const float *const *masks, double *out)
{
    const int T = s->seq_len, F = s->n_in, D = s->hidden, NH = s->heads, dh = D / NH, FF = s->ff, N = B * T;
    double *z = calloc((size_t)N * D, sizeof(double)), *u = calloc((size_t)N * D, sizeof(double));
    double *qkv = calloc((size_t)N * 3 * D, sizeof(double)), *o = calloc((size_t)N * D, sizeof(double));
    double *f = calloc((size_t)N * FF, sizeof(double)), *a = calloc((size_t)N * D, sizeof(double));
    const double *w_in = p, *b_in = w_in + F * D;
    p = b_in + D;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int j = 0; j < D; j++) {
                double v = b_in[j], angle = t / pow(10000.0, (double)(j - j % 2) / D);
                for (int k = 0; k < F; k++)
                    v += x[((size_t)t * B + b) * F + k] * w_in[k * D + j];
                z[(b * T + t) * D + j] = v + (j % 2 ? cos(angle) : sin(angle));
            }
    for (int l = 0; l < s->layers; l++) {
        const double *g1 = p, *be1 = g1 + D, *wqkv = be1 + D, *bqkv = wqkv + D * 3 * D, *wo = bqkv + 3 * D,
                     *bo = wo + D * D, *g2 = bo + D, *be2 = g2 + D, *w1 = be2 + D, *b1 = w1 + D * FF,
                     *w2 = b1 + FF, *b2 = w2 + FF * D;
        p = b2 + D;
        ref_layer_norm(u, z, g1, be1, N, D);
        ref_dense(qkv, u, wqkv, bqkv, N, D, 3 * D);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int i = 0; i < T; i++) { /* query i of sequence b, head h: softmax over every key */
                    double score[256], max = -INFINITY, sum = 0;
                    for (int j = 0; j < T; j++) {
                        score[j] = 0;
                        for (int c = 0; c < dh; c++)
                            score[j] += qkv[(b * T + i) * 3 * D + h * dh + c] * qkv[(b * T + j) * 3 * D + D + h * dh + c];
                        score[j] /= sqrt((double)dh);
                        max = fmax(max, score[j]);
                    }
                    for (int j = 0; j < T; j++)
                        sum += score[j] = exp(score[j] - max);
                    for (int c = 0; c < dh; c++) {
                        double v = 0;
                        for (int j = 0; j < T; j++)
                            v += score[j] / sum * qkv[(b * T + j) * 3 * D + 2 * D + h * dh + c];
                        o[(b * T + i) * D + h * dh + c] = v;
                    }
                }
        ref_dense(a, o, wo, bo, N, D, D);
        for (int i = 0; i < N * D; i++)
            z[i] += a[i];
        ref_layer_norm(u, z, g2, be2, N, D);
        ref_dense(f, u, w1, b1, N, D, FF);
        for (int i = 0; i < N * FF; i++)
            f[i] = fmax(f[i], 0) * (masks && masks[l] ? masks[l][i] : 1.0);
        ref_dense(a, f, w2, b2, N, FF, D);
        for (int i = 0; i < N * D; i++)
            z[i] += a[i];
    }
    const double *gf = p, *bf = gf + D;
    p = bf + D;
    ref_layer_norm(u, z, gf, bf, N, D);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < D; j++) {
            out[b * D + j] = 0;
            for (int t = 0; t < T; t++)
                out[b * D + j] += u[(b * T + t) * D + j] / T;
        }
    free(z), free(u), free(qkv), free(o), free(f), free(a);
    return p;
}

/* Forward: y[B][n_out] (head outputs) and w (block softmax). masks[l] (l >= 1) scale layer l's input
 * when not NULL. Returns the loss against r for the objective. */
static double ref_forward(const net_spec *s, const double *params, const double *x, int B,
                          const float *const *masks, const float *r, const loss_spec *loss, double *y,
                          double *w)
{
    const int T = s->seq_len, H = s->layers ? s->hidden : 0, G = 4 * H, attention = s->arch == ARCH_ATTENTION;
    double *in = malloc(sizeof(double) * (size_t)T * B * (s->n_in > H ? s->n_in : H));
    double *h = calloc((size_t)T * B * H + 1, sizeof(double));
    double *c = calloc((size_t)B * H + 1, sizeof(double));
    memcpy(in, x, sizeof(double) * (size_t)T * B * s->n_in);
    const double *p = params;
    double *last = calloc((size_t)B * H + 1, sizeof(double)); /* what the head reads */
    if (attention && s->layers)
        p = ref_attention(s, p, x, B, masks, last);
    for (int l = 0; l < s->layers && !attention; l++) {
        const int F = l == 0 ? s->n_in : H;
        const double *wx = p, *wh = p + (size_t)F * G, *b = wh + (size_t)H * G;
        p = b + G;
        if (l > 0)
            for (size_t i = 0; i < (size_t)T * B * H; i++)
                in[i] = h[i] * (masks && masks[l] ? masks[l][i] : 1.0);
        memset(c, 0, sizeof(double) * (size_t)B * H);
        for (int t = 0; t < T; t++)
            for (int bb = 0; bb < B; bb++) {
                double a[4 * 64];
                for (int k = 0; k < G; k++) {
                    a[k] = b[k];
                    for (int f = 0; f < F; f++)
                        a[k] += in[((size_t)t * B + bb) * F + f] * wx[(size_t)f * G + k];
                    for (int j = 0; t > 0 && j < H; j++)
                        a[k] += h[((size_t)(t - 1) * B + bb) * H + j] * wh[(size_t)j * G + k];
                }
                for (int j = 0; j < H; j++) {
                    double i = ref_sigmoid(a[j]), fg = ref_sigmoid(a[H + j]), g = tanh(a[2 * H + j]),
                           o = ref_sigmoid(a[3 * H + j]);
                    double *cj = &c[(size_t)bb * H + j];
                    *cj = fg * *cj + i * g;
                    h[((size_t)t * B + bb) * H + j] = o * tanh(*cj);
                }
            }
    }
    for (size_t i = 0; !attention && i < (size_t)B * H; i++)
        last[i] = h[(size_t)(T - 1) * B * H + i];
    const double *wo = p, *ws = p + (size_t)H * s->n_out, *bo = ws + (size_t)s->n_in * s->n_out;
    const int n_y = B * s->n_out, K = s->block, N = n_y / K;
    for (int bb = 0; bb < B; bb++)
        for (int k = 0; k < s->n_out; k++) {
            double v = bo[k];
            for (int j = 0; j < H; j++)
                v += last[(size_t)bb * H + j] * wo[(size_t)j * s->n_out + k];
            for (int f = 0; f < s->n_in; f++)
                v += x[((size_t)(T - 1) * B + bb) * s->n_in + f] * ws[(size_t)f * s->n_out + k];
            y[bb * s->n_out + k] = v;
        }
    for (int n = 0; n < N; n++) {
        double max = y[n * K], sum = 0;
        for (int k = 1; k < K; k++)
            max = fmax(max, y[n * K + k]);
        for (int k = 0; k < K; k++)
            sum += w[n * K + k] = exp(y[n * K + k] - max);
        for (int k = 0; k < K; k++)
            w[n * K + k] /= sum;
    }
    double value = 0;
    const double lambda = loss->risk_aversion;
    if (loss->objective == OBJECTIVE_FORECAST) {
        for (int i = 0; i < n_y; i++)
            value += (y[i] - r[i]) * (y[i] - r[i]) / n_y;
    } else {
        double pr[1024], mean = 0, var = 0, down = 0;
        for (int n = 0; n < N; n++) {
            pr[n] = 0;
            for (int k = 0; k < K; k++) { /* minus the smoothed cost of trading from day n-1 */
                pr[n] += w[n * K + k] * r[n * K + k];
                if (n > 0) {
                    double d = w[n * K + k] - w[(n - 1) * K + k];
                    pr[n] -= loss->cost * (sqrt(d * d + LOSS_TURNOVER_SMOOTH * LOSS_TURNOVER_SMOOTH) -
                                           LOSS_TURNOVER_SMOOTH);
                }
            }
            mean += pr[n] / N;
        }
        for (int n = 0; n < N; n++) {
            var += (pr[n] - mean) * (pr[n] - mean) / N;
            down += pr[n] < 0 ? pr[n] * pr[n] / N : 0;
        }
        value = loss->objective == OBJECTIVE_SORTINO   ? -mean / sqrt(down + LOSS_VAR_EPS)
                : loss->objective == OBJECTIVE_MEANVAR ? -(mean - lambda * var)
                                                       : -mean / sqrt(var + LOSS_VAR_EPS);
    }
    free(in);
    free(h);
    free(c);
    free(last);
    return value;
}

#endif
