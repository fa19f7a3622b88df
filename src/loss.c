/* loss: objectives and their gradients. dL/dp_n is worked out per objective, then through
 * p_n = w_n . r_n - c TO_n:
 *   dL/dw[n][k] = dL/dp_n (r[n][k] - c s'(w[n][k] - w[n-1][k])) + dL/dp_{n+1} c s'(w[n+1][k] - w[n][k])
 * with s' the derivative of the smoothed |x| (the first term's cost part only for n >= 1, the second
 * only for n + 1 < N). */
#include "evofolio/loss.h"

#include <math.h>
#include <stddef.h>

/* |x|_s and its derivative */
static double smooth_abs(double x)
{
    return sqrt(x * x + LOSS_TURNOVER_SMOOTH * LOSS_TURNOVER_SMOOTH) - LOSS_TURNOVER_SMOOTH;
}

static double smooth_abs_grad(double x) { return x / sqrt(x * x + LOSS_TURNOVER_SMOOTH * LOSS_TURNOVER_SMOOTH); }

/* p_n = w_n . r_n - c TO_n, recomputed where needed (N*K work) rather than kept in a buffer. */
static double day_return(const float *w, const float *r, int n, int K, double c)
{
    double s = 0;
    for (int k = 0; k < K; k++) {
        s += (double)w[(size_t)n * K + k] * r[(size_t)n * K + k];
        if (n > 0 && c > 0)
            s -= c * smooth_abs((double)w[(size_t)n * K + k] - w[(size_t)(n - 1) * K + k]);
    }
    return s;
}

/* dL/dp_n of the objective given the batch's mean, variance and downside deviation. */
static double return_gradient(const loss_spec *spec, double p, double mean, double sd, double dd, int N)
{
    switch (spec->objective) {
    case OBJECTIVE_SORTINO: /* L = -m/DD; dDD/dp_n = min(p_n,0)/(N DD) */
        return -1.0 / (N * dd) + mean * (p < 0 ? p : 0) / (N * dd * dd * dd);
    case OBJECTIVE_MEANVAR: /* L = -m + lambda v; dv/dp_n = 2 (p_n - m)/N */
        return -1.0 / N + spec->risk_aversion * 2 * (p - mean) / N;
    default: /* sharpe: L = -m/sd; dsd/dp_n = (p_n - m)/(N sd) */
        return -1.0 / (N * sd) + mean * (p - mean) / (N * sd * sd * sd);
    }
}

double loss_portfolio(float *dw, const float *w, const float *r, int N, int K, const loss_spec *spec)
{
    const double c = spec->cost;
    double mean = 0, var = 0, down = 0;
    for (int n = 0; n < N; n++)
        mean += day_return(w, r, n, K, c);
    mean /= N;
    for (int n = 0; n < N; n++) {
        double p = day_return(w, r, n, K, c);
        var += (p - mean) * (p - mean);
        down += p < 0 ? p * p : 0;
    }
    var /= N;
    down /= N;
    double sd = sqrt(var + LOSS_VAR_EPS), dd = sqrt(down + LOSS_VAR_EPS);
    double dp_after = 0; /* dL/dp_{n+1}; nothing follows the last day */
    for (int n = N - 1; n >= 0; n--) {
        double dp = return_gradient(spec, day_return(w, r, n, K, c), mean, sd, dd, N);
        for (int k = 0; k < K; k++) {
            const size_t i = (size_t)n * K + k;
            double g = dp * r[i];
            if (c > 0 && n > 0)
                g -= dp * c * smooth_abs_grad((double)w[i] - w[i - K]);
            if (c > 0 && n + 1 < N)
                g += dp_after * c * smooth_abs_grad((double)w[i + K] - w[i]);
            dw[i] = (float)g;
        }
        dp_after = dp;
    }
    switch (spec->objective) {
    case OBJECTIVE_SORTINO:
        return -mean / dd;
    case OBJECTIVE_MEANVAR:
        return -(mean - spec->risk_aversion * var);
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
