/* A plain-loop double-precision reference of the network in include/evofolio/net.h, for tests: the
 * same parameter layout (per layer W_x[F][4H], W_h[H][4H], b[4H]; then the head's W[H][n_out],
 * its skip connection W_skip[F][n_out] on the last step's input, b[n_out]; no hidden state with L = 0),
 * the same gate order (i, f, g, o) and the same losses (trading cost included), with no GEMM, no fused
 * pass and exact libm activations. Shapes: T, B, F, H, L, n_out, block as in net.h. */
#ifndef EVOFOLIO_TESTS_REF_NET_H
#define EVOFOLIO_TESTS_REF_NET_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/catalog.h"
#include "evofolio/loss.h"
#include "evofolio/net.h"

static double ref_sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* Forward: y[B][n_out] (head outputs) and w (block softmax). masks[l] (l >= 1) scale layer l's input
 * when not NULL. Returns the loss against r for the objective. */
static double ref_forward(const net_spec *s, const double *params, const double *x, int B,
                          const float *const *masks, const float *r, const loss_spec *loss, double *y,
                          double *w)
{
    const int T = s->seq_len, H = s->layers ? s->hidden : 0, G = 4 * H;
    double *in = malloc(sizeof(double) * (size_t)T * B * (s->n_in > H ? s->n_in : H));
    double *h = calloc((size_t)T * B * H + 1, sizeof(double));
    double *c = calloc((size_t)B * H + 1, sizeof(double));
    memcpy(in, x, sizeof(double) * (size_t)T * B * s->n_in);
    const double *p = params;
    for (int l = 0; l < s->layers; l++) {
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
    const double *wo = p, *ws = p + (size_t)H * s->n_out, *bo = ws + (size_t)s->n_in * s->n_out;
    const int n_y = B * s->n_out, K = s->block, N = n_y / K;
    for (int bb = 0; bb < B; bb++)
        for (int k = 0; k < s->n_out; k++) {
            double v = bo[k];
            for (int j = 0; j < H; j++)
                v += h[((size_t)(T - 1) * B + bb) * H + j] * wo[(size_t)j * s->n_out + k];
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
    return value;
}

#endif
