/* backtest: the loop of the header's equations, in double. Shapes: T return days, A assets. */
#include "evofolio/backtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void backtest_free(evo_backtest *bt)
{
    if (!bt)
        return;
    free(bt->net);
    free(bt->gross);
    free(bt->turnover);
    free(bt->weights);
    free(bt->wealth);
    memset(bt, 0, sizeof *bt);
}

void backtest_schedule(unsigned char *trade, int T, int k)
{
    for (int t = 0; t < T; t++)
        trade[t] = k > 0 && t % k == 0;
}

int backtest_run(evo_backtest *out, const double *r, const double *targets, const unsigned char *trade,
                 int T, int A, double cost_bps, evo_error *err)
{
    memset(out, 0, sizeof *out);
    if (T < 1 || A < 1 || !(cost_bps >= 0))
        return evo_fail(err, EVO_ERR_USAGE, "backtest of %d days and %d assets at %g bps: expected at "
                        "least one day, one asset and a cost >= 0", T, A, cost_bps);
    out->T = T;
    out->A = A;
    out->net = calloc((size_t)T, sizeof *out->net);
    out->gross = calloc((size_t)T, sizeof *out->gross);
    out->turnover = calloc((size_t)T, sizeof *out->turnover);
    out->weights = calloc((size_t)T * A, sizeof *out->weights);
    out->wealth = calloc((size_t)T + 1, sizeof *out->wealth);
    double *drifted = calloc((size_t)A, sizeof *drifted);
    if (!out->net || !out->gross || !out->turnover || !out->weights || !out->wealth || !drifted) {
        free(drifted);
        backtest_free(out);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory backtesting %d days x %d assets", T, A);
    }
    const double c = cost_bps / 1e4;
    memcpy(out->weights, targets, (size_t)A * sizeof *targets); /* w[1] = target[0], free */
    out->wealth[0] = 1;
    for (int t = 1; t <= T; t++) {
        const double *w = out->weights + (size_t)(t - 1) * A, *rt = r + (size_t)(t - 1) * A;
        double g = 0;
        for (int i = 0; i < A; i++)
            g += w[i] * rt[i];
        for (int i = 0; i < A; i++)
            drifted[i] = w[i] * (1 + rt[i]) / (1 + g);
        double to = 0;
        const int rebalance = t < T && trade && trade[t];
        if (rebalance) {
            const double *target = targets + (size_t)t * A;
            for (int i = 0; i < A; i++)
                to += fabs(target[i] - drifted[i]);
        }
        if (t < T)
            memcpy(out->weights + (size_t)t * A, rebalance ? targets + (size_t)t * A : drifted,
                   (size_t)A * sizeof *drifted);
        out->gross[t - 1] = g;
        out->turnover[t - 1] = to;
        out->net[t - 1] = (1 + g) * (1 - c * to) - 1;
        out->wealth[t] = out->wealth[t - 1] * (1 + out->net[t - 1]);
        out->trades += to > 0;
    }
    free(drifted);
    return EVO_OK;
}
