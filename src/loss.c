/* loss: objectives and their gradients. dL/dp_n is worked out per objective, then
 * dL/dw[n][k] = dL/dp_n * r[n][k]. */
#include "evofolio/loss.h"

#include <math.h>
#include <stddef.h>

/* p_n = w_n . r_n, recomputed where needed (N*K multiply-adds) rather than kept in a buffer. */
static double day_return(const float *w, const float *r, int n, int K)
{
    double s = 0;
    for (int k = 0; k < K; k++)
        s += (double)w[(size_t)n * K + k] * r[(size_t)n * K + k];
    return s;
}

double loss_portfolio(float *dw, const float *w, const float *r, int N, int K, evo_objective objective,
                      double lambda)
{
    double mean = 0, var = 0, down = 0;
    for (int n = 0; n < N; n++)
        mean += day_return(w, r, n, K);
    mean /= N;
    for (int n = 0; n < N; n++) {
        double p = day_return(w, r, n, K);
        var += (p - mean) * (p - mean);
        down += p < 0 ? p * p : 0;
    }
    var /= N;
    down /= N;
    double sd = sqrt(var + LOSS_VAR_EPS), dd = sqrt(down + LOSS_VAR_EPS);
    for (int n = 0; n < N; n++) {
        double p = day_return(w, r, n, K), dp; /* dL/dp_n */
        switch (objective) {
        case OBJECTIVE_SORTINO: /* L = -m/DD; dDD/dp_n = min(p_n,0)/(N DD) */
            dp = -1.0 / (N * dd) + mean * (p < 0 ? p : 0) / (N * dd * dd * dd);
            break;
        case OBJECTIVE_MEANVAR: /* L = -m + lambda v; dv/dp_n = 2 (p_n - m)/N */
            dp = -1.0 / N + lambda * 2 * (p - mean) / N;
            break;
        default: /* sharpe: L = -m/sd; dsd/dp_n = (p_n - m)/(N sd) */
            dp = -1.0 / (N * sd) + mean * (p - mean) / (N * sd * sd * sd);
        }
        for (int k = 0; k < K; k++)
            dw[(size_t)n * K + k] = (float)(dp * r[(size_t)n * K + k]);
    }
    switch (objective) {
    case OBJECTIVE_SORTINO:
        return -mean / dd;
    case OBJECTIVE_MEANVAR:
        return -(mean - lambda * var);
    default:
        return -mean / sd;
    }
}

double loss_mse(float *dy, const float *y, const float *r, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double e = (double)y[i] - r[i];
        sum += e * e;
        dy[i] = (float)(2 * e / n);
    }
    return sum / n;
}
