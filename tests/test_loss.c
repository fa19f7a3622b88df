/* Tests of loss: each objective against values worked from its formula with literal portfolio
 * returns, gradients against central finite differences, and a zero-variance batch.
 * Shapes: N days, K assets; w[N][K] weights, r[N][K] next-day returns, p_n = sum_k w[n][k] r[n][k]. */
#include <criterion/criterion.h>
#include <math.h>

#include "evofolio/loss.h"

enum { N = 4, K = 2 };

/* Chosen so that p = [0.01, -0.02, 0.03, 0.00]:
 *   day 0: 0.5 * 0.03 + 0.5 * -0.01  =  0.015 - 0.005 =  0.01
 *   day 1: 0.25 * 0.04 + 0.75 * -0.04 = 0.01 - 0.03   = -0.02
 *   day 2: 1 * 0.03 + 0 * 0.05                         =  0.03
 *   day 3: 0.6 * 0.02 + 0.4 * -0.03  =  0.012 - 0.012  =  0.00
 * The float inputs carry relative rounding of 6e-8, so p is these values to ~1e-9. */
static const float W[N * K] = {0.5f, 0.5f, 0.25f, 0.75f, 1.0f, 0.0f, 0.6f, 0.4f};
static const float R[N * K] = {0.03f, -0.01f, 0.04f, -0.04f, 0.03f, 0.05f, 0.02f, -0.03f};
static const double LAMBDA = 2.0;

/* The losses move by at most ~50 per unit of p (max |dL/dp_n|: sharpe ~19, sortino 50, meanvar 0.3),
 * so the 1e-9 error in p is < 2e-7 relative on sharpe and sortino (|L| >= 0.27) and < 1e-7 relative
 * on meanvar; measured, the library agrees with the hand values to 2e-8. Tolerance 1e-6 relative: it
 * still sees a dropped LOSS_VAR_EPS (sharpe moves 1.5e-5, sortino 5e-5) and a sample variance
 * (denominator N - 1: sharpe moves 13%). */
#define LOSS_REL_TOL 1e-6
/* 1% per unit of turnover: the batch trades 0.5, 1.5 and 0.8 between its days, so costs take 0.005,
 * 0.015 and 0.008 off p - as large as the returns themselves. */
#define COST 0.01

static void assert_rel(double got, double want, double rel, const char *what)
{
    cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.12g, want %.12g", what, got, want);
}

Test(loss, sharpe_hand_value, .description = "-mean / sqrt(population var + 1e-8) for p = [.01, -.02, .03, 0]")
{
    float dw[N * K];
    double got = loss_portfolio(dw, W, R, N, K, &(loss_spec){OBJECTIVE_SHARPE, 0, 0});
    double mean = (0.01 - 0.02 + 0.03 + 0.00) / 4; /* 0.005 */
    double var = ((0.01 - mean) * (0.01 - mean) + (-0.02 - mean) * (-0.02 - mean) +
                  (0.03 - mean) * (0.03 - mean) + (0.00 - mean) * (0.00 - mean)) /
                 4; /* (2.5e-5 + 6.25e-4 + 6.25e-4 + 2.5e-5) / 4 = 3.25e-4 */
    double want = -mean / sqrt(var + 1e-8); /* -0.005 / sqrt(3.2501e-4) = -0.277345831286 */
    cr_assert(fabs(want - -0.277345831286) < 1e-11, "hand arithmetic: %.12g", want);
    assert_rel(got, want, LOSS_REL_TOL, "sharpe");
}

Test(loss, sortino_hand_value, .description = "-mean / sqrt(mean(min(p,0)^2) + 1e-8) for the same batch")
{
    float dw[N * K];
    double got = loss_portfolio(dw, W, R, N, K, &(loss_spec){OBJECTIVE_SORTINO, 0, 0});
    double mean = (0.01 - 0.02 + 0.03 + 0.00) / 4;          /* 0.005 */
    double down = (0.0 + (-0.02) * (-0.02) + 0.0 + 0.0) / 4; /* only day 1 is negative: 1e-4 */
    double want = -mean / sqrt(down + 1e-8);                 /* -0.005 / sqrt(1.0001e-4) = -0.499975001875 */
    cr_assert(fabs(want - -0.499975001875) < 1e-11, "hand arithmetic: %.12g", want);
    assert_rel(got, want, LOSS_REL_TOL, "sortino");
}

Test(loss, meanvar_hand_value, .description = "-(mean - lambda var) with lambda = 2 for the same batch")
{
    float dw[N * K];
    double got = loss_portfolio(dw, W, R, N, K, &(loss_spec){OBJECTIVE_MEANVAR, LAMBDA, 0});
    double mean = (0.01 - 0.02 + 0.03 + 0.00) / 4; /* 0.005 */
    double var = ((0.01 - mean) * (0.01 - mean) + (-0.02 - mean) * (-0.02 - mean) +
                  (0.03 - mean) * (0.03 - mean) + (0.00 - mean) * (0.00 - mean)) /
                 4;                      /* 3.25e-4 */
    double want = -(mean - 2.0 * var); /* -(0.005 - 0.00065) = -0.00435 */
    cr_assert(fabs(want - -0.00435) < 1e-15, "hand arithmetic: %.17g", want);
    assert_rel(got, want, LOSS_REL_TOL, "meanvar");
}

Test(loss, cost_of_trading_hand_value,
     .description = "p_n loses c * sum |w_n - w_{n-1}| (smoothed) after day 0; meanvar and sharpe by hand")
{
    /* TO = [0, |.25-.5|+|.75-.5|, |1-.25|+|0-.75|, |.6-1|+|.4-0|] = [0, 0.5, 1.5, 0.8]; smoothing takes
     * LOSS_TURNOVER_SMOOTH (1e-4) off each of the 2 terms a day, less 1e-8 / (2|x|) (< 2e-8):
     * TO_s = [0, 0.4998, 1.4998, 0.7998] to 1e-7. p = gross - 0.01 TO_s =
     * [0.01, -0.02 - 0.004998, 0.03 - 0.014998, 0 - 0.007998] = [0.01, -0.024998, 0.015002, -0.007998]. */
    const double p[N] = {0.01, -0.024998, 0.015002, -0.007998};
    double mean = 0, var = 0;
    for (int n = 0; n < N; n++)
        mean += p[n] / N;
    for (int n = 0; n < N; n++)
        var += (p[n] - mean) * (p[n] - mean) / N;
    float dw[N * K];
    /* p to 1e-9 (the smoothing's 1e-7 of TO times c), so 1e-6 relative as for the cost-free values */
    assert_rel(loss_portfolio(dw, W, R, N, K, &(loss_spec){OBJECTIVE_MEANVAR, LAMBDA, COST}),
               -(mean - LAMBDA * var), 1e-5, "meanvar with costs");
    assert_rel(loss_portfolio(dw, W, R, N, K, &(loss_spec){OBJECTIVE_SHARPE, 0, COST}), -mean / sqrt(var + 1e-8),
               1e-5, "sharpe with costs");
    /* Costs only lower returns: every objective is worse with them. */
    for (evo_objective o = OBJECTIVE_SHARPE; o <= OBJECTIVE_MEANVAR; o++)
        cr_assert_gt(loss_portfolio(dw, W, R, N, K, &(loss_spec){o, LAMBDA, COST}),
                     loss_portfolio(dw, W, R, N, K, &(loss_spec){o, LAMBDA, 0}), "objective %d", o);
}

Test(loss, mse_hand_value, .description = "mean((y - r)^2) and dy = 2 (y - r) / n by hand")
{
    const float y[3] = {0.1f, -0.2f, 0.3f}, r[3] = {0.0f, 0.1f, 0.5f};
    float dy[3];
    double got = loss_mse(dy, y, r, 3);
    /* e = y - r = [0.1, -0.3, -0.2]; (0.01 + 0.09 + 0.04) / 3 = 0.14 / 3 = 0.0466666...
     * dy = 2 e / 3 = [0.0666667, -0.2, -0.1333333]. Float inputs: relative 1e-7, so 1e-6. */
    double want = (0.1 * 0.1 + 0.3 * 0.3 + 0.2 * 0.2) / 3;
    const double want_dy[3] = {2 * 0.1 / 3, 2 * -0.3 / 3, 2 * -0.2 / 3};
    assert_rel(got, want, 1e-6, "mse");
    for (int i = 0; i < 3; i++)
        assert_rel(dy[i], want_dy[i], 1e-6, "dy");
}

/* The portfolio loss at w, with its gradient discarded. */
static double loss_at(const float *w, evo_objective objective, double cost)
{
    float scratch[N * K];
    return loss_portfolio(scratch, w, R, N, K, &(loss_spec){objective, LAMBDA, cost});
}

/* Central differences in w: w[i] is perturbed by +-1e-3 in float and the loss (double) evaluated; the
 * step actually taken, (double)(w+h) - (double)(w-h), is the denominator, so float rounding of w +- h
 * costs nothing. Each r is <= 0.05, so p moves by <= 5e-5, against scales sd = 0.018 and DD = 0.01:
 * the O(h^2) truncation is relative (5e-5 / 0.01)^2 ~ 2.5e-5 (measured: 5e-7 of the largest |dL/dw|
 * for sharpe, 2e-8 for meanvar). Sortino has a kink: min(p,0)^2 has no second derivative at p_3 = 0,
 * and there central differences are off by O(dp_3) (measured: 1.4e-4 of the largest component). The
 * analytic gradient is double rounded to float (6e-8). Tolerance: 1e-3 of the largest |dL/dw|; a
 * dropped variance term (sharpe: 38% of the first) or a factor of 2 in meanvar's dv/dp (4%) is far
 * outside. */
#define FD_STEP 1e-3f
#define FD_REL_TOL 1e-3

static void check_portfolio_gradient(evo_objective objective, double cost, const char *name)
{
    float w[N * K], dw[N * K];
    for (int i = 0; i < N * K; i++)
        w[i] = W[i];
    loss_portfolio(dw, w, R, N, K, &(loss_spec){objective, LAMBDA, cost});
    double scale = 0;
    for (int i = 0; i < N * K; i++)
        scale = fmax(scale, fabs(dw[i]));
    cr_assert(scale > 0, "%s: gradient is all zero", name);
    for (int i = 0; i < N * K; i++) {
        float w0 = w[i], wp = w0 + FD_STEP, wm = w0 - FD_STEP;
        w[i] = wp;
        double lp = loss_at(w, objective, cost);
        w[i] = wm;
        double lm = loss_at(w, objective, cost);
        w[i] = w0;
        double fd = (lp - lm) / ((double)wp - wm);
        cr_assert(fabs(dw[i] - fd) <= FD_REL_TOL * scale, "%s: dw[%d] analytic %.9g, fd %.9g (scale %.3g)",
                  name, i, dw[i], fd, scale);
    }
}

Test(loss, sharpe_gradient_matches_finite_differences, .description = "dL/dw vs central differences")
{
    check_portfolio_gradient(OBJECTIVE_SHARPE, 0, "sharpe");
    check_portfolio_gradient(OBJECTIVE_SHARPE, COST, "sharpe with costs");
}

Test(loss, sortino_gradient_matches_finite_differences, .description = "dL/dw vs central differences")
{
    check_portfolio_gradient(OBJECTIVE_SORTINO, 0, "sortino");
    check_portfolio_gradient(OBJECTIVE_SORTINO, COST, "sortino with costs");
}

Test(loss, meanvar_gradient_matches_finite_differences, .description = "dL/dw vs central differences")
{
    check_portfolio_gradient(OBJECTIVE_MEANVAR, 0, "meanvar");
    check_portfolio_gradient(OBJECTIVE_MEANVAR, COST, "meanvar with costs");
}

Test(loss, mse_gradient_matches_finite_differences, .description = "dL/dy vs central differences")
{
    enum { M = 6 };
    float y[M] = {0.01f, -0.03f, 0.2f, 0.0f, -0.5f, 0.07f};
    const float r[M] = {0.02f, 0.01f, -0.1f, 0.0f, 0.3f, 0.07f};
    float dy[M], scratch[M];
    loss_mse(dy, y, r, M);
    /* The MSE is quadratic in y, so central differences are exact up to roundoff: 1e-16 / 2e-3 in
     * the loss, and the float dy is relative 6e-8. Tolerance 1e-6 absolute on |dy| <= 0.27. */
    for (int i = 0; i < M; i++) {
        float y0 = y[i], yp = y0 + FD_STEP, ym = y0 - FD_STEP;
        y[i] = yp;
        double lp = loss_mse(scratch, y, r, M);
        y[i] = ym;
        double lm = loss_mse(scratch, y, r, M);
        y[i] = y0;
        double fd = (lp - lm) / ((double)yp - ym);
        cr_assert(fabs(dy[i] - fd) < 1e-6, "dy[%d] analytic %.9g, fd %.9g", i, dy[i], fd);
    }
}

Test(loss, zero_variance_batch_finite, .description = "all p equal: every objective gives a finite loss and gradient")
{
    /* p_n = 0.5 r + 0.5 r = r for every day, r in {0.01, -0.01, 0}. */
    const float levels[3] = {0.01f, -0.01f, 0.0f};
    for (int l = 0; l < 3; l++) {
        float w[N * K], r[N * K], dw[N * K];
        for (int i = 0; i < N * K; i++) {
            w[i] = 0.5f;
            r[i] = levels[l];
        }
        for (evo_objective o = OBJECTIVE_SHARPE; o <= OBJECTIVE_MEANVAR; o++) {
            double loss = loss_portfolio(dw, w, r, N, K, &(loss_spec){o, LAMBDA, COST});
            cr_assert(isfinite(loss), "level %g, objective %d: loss %g", levels[l], o, loss);
            for (int i = 0; i < N * K; i++)
                cr_assert(isfinite(dw[i]), "level %g, objective %d: dw[%d] = %g", levels[l], o, i, dw[i]);
        }
    }
    /* Hand values at p = 0.01 every day (var = 0, down = 0; sd = DD = sqrt(1e-8) = 1e-4):
     *   sharpe = sortino = -0.01 / 1e-4 = -100, and dL/dp_n = -1 / (N 1e-4) = -2500, so
     *   dw = -2500 * 0.01 = -25 in every entry; meanvar = -0.01, dw = -(1/N) * 0.01 = -0.0025.
     * 0.01f is 0.01 to relative 2.3e-8, and var is 0 up to ~1e-36 of summation roundoff: 1e-6 relative. */
    float w[N * K], r[N * K], dw[N * K];
    for (int i = 0; i < N * K; i++) {
        w[i] = 0.5f;
        r[i] = 0.01f;
    }
    assert_rel(loss_portfolio(dw, w, r, N, K, &(loss_spec){OBJECTIVE_SHARPE, 0, 0}), -100, 1e-6, "sharpe");
    for (int i = 0; i < N * K; i++)
        assert_rel(dw[i], -25, 1e-6, "sharpe dw");
    assert_rel(loss_portfolio(dw, w, r, N, K, &(loss_spec){OBJECTIVE_SORTINO, 0, 0}), -100, 1e-6, "sortino");
    for (int i = 0; i < N * K; i++)
        assert_rel(dw[i], -25, 1e-6, "sortino dw");
    assert_rel(loss_portfolio(dw, w, r, N, K, &(loss_spec){OBJECTIVE_MEANVAR, LAMBDA, 0}), -0.01, 1e-6, "meanvar");
    for (int i = 0; i < N * K; i++)
        assert_rel(dw[i], -0.0025, 1e-6, "meanvar dw");
}
