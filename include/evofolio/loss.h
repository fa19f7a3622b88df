/* loss: training objectives with analytic gradients, computed in double over a minibatch of N
 * consecutive days. Portfolio objectives see K-wide weights w[N][K] and next-day returns r[N][K], and
 * score the portfolio's return net of the cost of trading from one day's weights to the next:
 *   p_n = sum_k w[n][k] r[n][k] - c TO_n,  TO_n = sum_k |w[n][k] - w[n-1][k]|_s  (TO_0 = 0)
 * with |x|_s = sqrt(x^2 + LOSS_TURNOVER_SMOOTH^2) - LOSS_TURNOVER_SMOOTH, a smoothed |x| (it has a
 * gradient at 0 and undercounts each term by at most LOSS_TURNOVER_SMOOTH). This is the backtest's
 * r_net = (1 + g)(1 - c TO) - 1 to first order, without the drift between closes; for a model that
 * rebalances every k days it is an upper bound of the cost actually paid (the triangle inequality).
 * Mean and variance are over the N days (denominator N):
 *   sharpe:  -mean(p) / sd(p)          sd = sqrt(var(p) + LOSS_VAR_EPS)
 *   sortino: -mean(p) / DD             DD = sqrt(mean(min(p, 0)^2) + LOSS_VAR_EPS)
 *   meanvar: -(mean(p) - lambda var(p))
 * LOSS_VAR_EPS (1e-8, an sd floor of 1 basis point a day) keeps a zero-variance batch finite.
 * The forecast objective is the MSE of y[N][K] against r (no cost: its weights are set apart from
 * training, see model.h). Nothing allocates or fails. */
#ifndef EVOFOLIO_LOSS_H
#define EVOFOLIO_LOSS_H

#include "evofolio/catalog.h"

#define LOSS_VAR_EPS 1e-8
#define LOSS_TURNOVER_SMOOTH 1e-4

typedef struct {
    evo_objective objective;
    double risk_aversion; /* lambda of meanvar */
    double cost;          /* c: cost per unit of two-sided turnover (backtest.cost_bps / 1e4) */
} loss_spec;

/* Returns the loss of a portfolio objective (not OBJECTIVE_FORECAST); dw[N][K] = dLoss/dw. */
double loss_portfolio(float *dw, const float *w, const float *r, int N, int K, const loss_spec *spec);
/* Returns mean((y - r)^2) over n values; dy[n] = dLoss/dy. */
double loss_mse(float *dy, const float *y, const float *r, int n);

#endif
