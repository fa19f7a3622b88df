/* loss: training objectives with analytic gradients, computed in double over a minibatch of N days.
 * Portfolio objectives see K-wide weights w[N][K] and next-day returns r[N][K], with portfolio
 * returns p_n = sum_k w[n][k] r[n][k]; mean and variance are over the N days (denominator N).
 *   sharpe:  -mean(p) / sd(p)          sd = sqrt(var(p) + LOSS_VAR_EPS)
 *   sortino: -mean(p) / DD             DD = sqrt(mean(min(p, 0)^2) + LOSS_VAR_EPS)
 *   meanvar: -(mean(p) - lambda var(p))
 * LOSS_VAR_EPS (1e-8, an sd floor of 1 basis point a day) keeps a zero-variance batch finite.
 * The forecast objective is the MSE of y[N][K] against r. Nothing allocates or fails. */
#ifndef EVOFOLIO_LOSS_H
#define EVOFOLIO_LOSS_H

#include "evofolio/catalog.h"

#define LOSS_VAR_EPS 1e-8

/* Returns the loss of a portfolio objective (not OBJECTIVE_FORECAST); dw[N][K] = dLoss/dw. */
double loss_portfolio(float *dw, const float *w, const float *r, int N, int K, evo_objective objective,
                      double lambda);
/* Returns mean((y - r)^2) over n values; dy[n] = dLoss/dy. */
double loss_mse(float *dy, const float *y, const float *r, int n);

#endif
