/* Tests of qp: closed-form 2- and 3-asset cases, the KKT conditions on seeded random covariances of
 * 2..100 assets (near-boundary and rank-deficient ones included), maximum Sharpe's KKT conditions,
 * equal risk contributions, and the failures. Shapes: A assets, cov[A][A] row-major, n samples. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/qp.h"
#include "evofolio/rng.h"

/* Solves below are exact up to rounding: an LU solve of an O(1)-conditioned 2x2 or 3x3 system
 * (after scaling) is good to a few ulps, so hand-worked weights must agree to 1e-14. */
#define EXACT_TOL 1e-14
/* The contract for the solver: KKT conditions within 1e-10, and equal risk contributions
 * within 1e-10 relative. */
#define KKT_TOL 1e-10

static void min_variance(double *w, const double *cov, int A)
{
    evo_error err = {0};
    cr_assert_eq(qp_min_variance(w, cov, A, &err), EVO_OK, "%s", err.msg);
}

/* cov[A][A] = scale^2 * (D G G' D / n + ridge I), G[A][n] standard normal, D = diag(d_i) with
 * d_i in [0.5, 2) so the assets' volatilities differ. scale = 0.01 gives daily-return magnitudes. */
static double *random_cov(evo_rng *rng, int A, int n, double ridge, double scale)
{
    double *G = malloc(sizeof *G * A * n), *cov = malloc(sizeof *cov * A * A);
    cr_assert(G && cov);
    for (int i = 0; i < A; i++) {
        const double d = 0.5 + 1.5 * rng_uniform(rng);
        for (int k = 0; k < n; k++)
            G[i * n + k] = d * rng_normal(rng);
    }
    for (int i = 0; i < A; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += G[i * n + k] * G[j * n + k];
            s = s / n + (i == j ? ridge : 0);
            cov[i * A + j] = cov[j * A + i] = s * scale * scale;
        }
    free(G);
    return cov;
}

static double quad(const double *w, const double *cov, int A)
{
    double q = 0;
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++)
            q += w[i] * cov[i * A + j] * w[j];
    return q;
}

/* Min variance over two assets: interior w1 = (s2^2 - s12) / (s1^2 + s2^2 - 2 s12).
 * s1 = .2, s2 = .3, rho = .3: s12 = .018, w1 = (.09 - .018) / (.04 + .09 - .036) = .072 / .094. */
Test(qp, two_assets_interior_closed_form, .description = "w1 = (s2^2 - s12)/(s1^2 + s2^2 - 2 s12)")
{
    const double cov[] = {0.04, 0.018, 0.018, 0.09};
    double w[2];
    min_variance(w, cov, 2);
    cr_assert_float_eq(w[0], 0.072 / 0.094, EXACT_TOL);
    cr_assert_float_eq(w[1], 0.022 / 0.094, EXACT_TOL);
    cr_assert_leq(qp_min_variance_kkt(w, cov, 2), KKT_TOL);
}

/* s1 = .1, s2 = .3, rho = .9: s12 = .027 > s1^2 = .01, so the interior formula gives w2 < 0
 * ((.01 - .027) / .046) and the long-only optimum is the corner (1, 0): (cov w)_2 = .027 >= lambda
 * = .01. The solver sets an excluded weight to exactly zero. */
Test(qp, two_assets_corner, .description = "a negative interior weight is clipped: the answer is (1, 0)")
{
    const double cov[] = {0.01, 0.027, 0.027, 0.09};
    double w[2];
    min_variance(w, cov, 2);
    cr_assert_eq(w[0], 1.0);
    cr_assert_eq(w[1], 0.0);
    cr_assert_leq(qp_min_variance_kkt(w, cov, 2), KKT_TOL);
}

/* Diagonal covariance: w_i ∝ 1/s_i^2. Variances .04, .09, .16: w ∝ (25, 100/9, 6.25), sum 2725/36. */
Test(qp, three_assets_diagonal, .description = "uncorrelated assets: w_i proportional to 1/s_i^2")
{
    const double cov[] = {0.04, 0, 0, 0, 0.09, 0, 0, 0, 0.16};
    double w[3];
    min_variance(w, cov, 3);
    const double sum = 25 + 100.0 / 9 + 6.25;
    cr_assert_float_eq(w[0], 25 / sum, EXACT_TOL);
    cr_assert_float_eq(w[1], 100.0 / 9 / sum, EXACT_TOL);
    cr_assert_float_eq(w[2], 6.25 / sum, EXACT_TOL);
}

/* Unit variances, assets 1 and 2 uncorrelated, asset 3 correlated .6 with both (eigenvalues 1 and
 * 1 +- .6 sqrt 2 > 0). Unconstrained, symmetry gives w = (u, u, v) with u + .6 v = 1.2 u + v, so
 * v = -u/2 < 0: asset 3 must go. On {1, 2}: w = (.5, .5, 0), lambda = .5, (cov w)_3 = .6 > .5. */
Test(qp, three_assets_one_excluded, .description = "an asset hedged by the others is left out exactly")
{
    const double cov[] = {1, 0, 0.6, 0, 1, 0.6, 0.6, 0.6, 1};
    double w[3];
    min_variance(w, cov, 3);
    cr_assert_float_eq(w[0], 0.5, EXACT_TOL);
    cr_assert_float_eq(w[1], 0.5, EXACT_TOL);
    cr_assert_eq(w[2], 0.0);
    cr_assert_leq(qp_min_variance_kkt(w, cov, 3), KKT_TOL);
}

Test(qp, kkt_detects_a_wrong_answer, .description = "the checker is not trivially satisfied")
{
    const double cov[] = {1, 0, 0.6, 0, 1, 0.6, 0.6, 0.6, 1};
    const double equal[] = {1.0 / 3, 1.0 / 3, 1.0 / 3}, unnormalised[] = {0.5, 0.5, 0.01},
                 negative[] = {0.6, 0.6, -0.2}, near[] = {0.5 - 5e-7, 0.5 - 5e-7, 1e-6};
    /* equal: (cov w) = (.533, .533, .733), lambda = w'cov w = .6: off by .067 on the support. */
    cr_assert_gt(qp_min_variance_kkt(equal, cov, 3), 0.06);
    cr_assert_float_eq(qp_min_variance_kkt(unnormalised, cov, 3), 0.1, 0.05);
    cr_assert_geq(qp_min_variance_kkt(negative, cov, 3), 0.2);
    /* A loose solver's 1e-6 on an asset whose multiplier is .1: (cov w)_3 - lambda ~ .1 on the support. */
    cr_assert_gt(qp_min_variance_kkt(near, cov, 3), 0.09);
}

/* Max Sharpe, diagonal cov: y_i ∝ mu_i / s_i^2. mu = (.1, .05, .08), var = (.04, .01, .09):
 * y ∝ (2.5, 5, .08/.09 = 8/9). With mu_2 = -.05 asset 2 is excluded: y ∝ (2.5, 0, 8/9). */
Test(qp, max_sharpe_diagonal, .description = "y_i ∝ mu_i/s_i^2; a negative-mean asset is excluded")
{
    const double cov[] = {0.04, 0, 0, 0, 0.01, 0, 0, 0, 0.09};
    const double mu[] = {0.1, 0.05, 0.08}, mu_neg[] = {0.1, -0.05, 0.08};
    double w[3];
    evo_error err = {0};
    cr_assert_eq(qp_max_sharpe(w, mu, cov, 3, &err), EVO_OK, "%s", err.msg);
    double sum = 2.5 + 5 + 8.0 / 9;
    cr_assert_float_eq(w[0], 2.5 / sum, EXACT_TOL);
    cr_assert_float_eq(w[1], 5 / sum, EXACT_TOL);
    cr_assert_float_eq(w[2], 8.0 / 9 / sum, EXACT_TOL);
    cr_assert_eq(qp_max_sharpe(w, mu_neg, cov, 3, &err), EVO_OK, "%s", err.msg);
    sum = 2.5 + 8.0 / 9;
    cr_assert_float_eq(w[0], 2.5 / sum, EXACT_TOL);
    cr_assert_eq(w[1], 0.0);
    cr_assert_float_eq(w[2], 8.0 / 9 / sum, EXACT_TOL);
}

/* Two correlated assets: the tangency portfolio y ∝ cov^-1 mu = (s2^2 mu1 - s12 mu2, s1^2 mu2 - s12 mu1)
 * when both are positive. s1 = .2, s2 = .3, s12 = .018, mu = (.06, .1): y ∝ (.0054 - .0018, .004 -
 * .00108) = (.0036, .00292). With mu = (.1, .02) the second component .0008 - .0018 < 0: all in asset 1. */
Test(qp, max_sharpe_two_assets_closed_form, .description = "tangency cov^-1 mu, clipped at the boundary")
{
    const double cov[] = {0.04, 0.018, 0.018, 0.09};
    const double mu[] = {0.06, 0.1}, mu_corner[] = {0.1, 0.02};
    double w[2];
    evo_error err = {0};
    cr_assert_eq(qp_max_sharpe(w, mu, cov, 2, &err), EVO_OK, "%s", err.msg);
    cr_assert_float_eq(w[0], 0.0036 / 0.00652, EXACT_TOL);
    cr_assert_float_eq(w[1], 0.00292 / 0.00652, EXACT_TOL);
    cr_assert_eq(qp_max_sharpe(w, mu_corner, cov, 2, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(w[0], 1.0);
    cr_assert_eq(w[1], 0.0);
}

Test(qp, max_sharpe_needs_a_positive_mean, .description = "no mu_i > 0: EVO_ERR_USAGE with a message")
{
    const double cov[] = {0.04, 0, 0, 0.09}, mu[] = {-0.01, 0};
    double w[2];
    evo_error err = {0};
    cr_assert_eq(qp_max_sharpe(w, mu, cov, 2, &err), EVO_ERR_USAGE);
    cr_assert_eq(err.code, EVO_ERR_USAGE);
    cr_assert_neq(strstr(err.msg, "positive mean"), NULL, "%s", err.msg);
}

Test(qp, bad_covariance_fails, .description = "NaN or a negative variance: EVO_ERR_NUMERIC, no weights")
{
    const double nan_cov[] = {0.04, NAN, NAN, 0.09}, neg_cov[] = {-0.04, 0, 0, 0.09}, mu[] = {1, 1};
    double w[2];
    evo_error err = {0};
    cr_assert_eq(qp_min_variance(w, nan_cov, 2, &err), EVO_ERR_NUMERIC);
    cr_assert_eq(qp_min_variance(w, neg_cov, 2, &err), EVO_ERR_NUMERIC);
    cr_assert_eq(qp_max_sharpe(w, mu, nan_cov, 2, &err), EVO_ERR_NUMERIC);
    cr_assert_eq(qp_equal_risk(w, nan_cov, 2, &err), EVO_ERR_NUMERIC);
    const double zero_var[] = {0, 0, 0, 0.09};
    cr_assert_eq(qp_equal_risk(w, zero_var, 2, &err), EVO_ERR_NUMERIC, "zero variance has no ERC");
    cr_assert_eq(qp_min_variance(w, zero_var, 2, &err), EVO_OK, "a riskless asset is fine for minvar");
    cr_assert_eq(w[0], 1.0);
}

static const int SIZES[] = {2, 5, 20, 50, 100};
enum { N_SIZES = sizeof SIZES / sizeof SIZES[0], SEEDS = 6 };

/* Random well-posed covariances (n = 2A samples, ridge 1e-4, daily scale): the solver's answer meets
 * the KKT conditions within 1e-10, and no random feasible perturbation has a lower variance. */
Test(qp, min_variance_kkt_random, .description = "KKT within 1e-10 for A = 2..100, seeded")
{
    evo_rng rng;
    rng_seed(&rng, 20240917);
    double worst = 0;
    for (int s = 0; s < N_SIZES; s++)
        for (int seed = 0; seed < SEEDS; seed++) {
            const int A = SIZES[s];
            double *cov = random_cov(&rng, A, 2 * A, 1e-4, 0.01), *w = malloc(sizeof *w * A),
                   *v = malloc(sizeof *v * A);
            min_variance(w, cov, A);
            const double kkt = qp_min_variance_kkt(w, cov, A);
            cr_assert_leq(kkt, KKT_TOL, "A = %d, draw %d: KKT violation %g", A, seed, kkt);
            worst = fmax(worst, kkt);
            int support = 0;
            for (int i = 0; i < A; i++)
                support += w[i] > 0;
            /* Optimality, directly: mix in a random feasible point; the variance must not drop by more
             * than rounding (1e-12 relative). */
            const double q = quad(w, cov, A);
            for (int trial = 0; trial < 5; trial++) {
                double sum = 0;
                for (int i = 0; i < A; i++)
                    sum += v[i] = rng_uniform(&rng);
                for (int i = 0; i < A; i++)
                    v[i] = 0.99 * w[i] + 0.01 * v[i] / sum;
                cr_assert_geq(quad(v, cov, A), q * (1 - 1e-12), "A = %d: a better point exists", A);
            }
            if (A == 100)
                cr_assert(support > 1 && support < A, "a 100-asset case with a proper support (%d)",
                          support);
            free(cov);
            free(w);
            free(v);
        }
    cr_log_info("min variance, random covariances: worst KKT violation %.3g", worst);
}

/* An asset built on the optimum of the others: x = (1 + delta) w*'R + e with e independent of
 * variance v. Its covariance column is (1 + delta) cov w*, so its multiplier is nu = delta lambda:
 * delta = +-1e-9 puts it a hair outside or inside the support. Either way KKT must hold to 1e-10,
 * and with delta < 0 it must carry a positive weight. */
Test(qp, min_variance_near_boundary, .description = "an almost dominated asset: KKT within 1e-10 either side")
{
    evo_rng rng;
    rng_seed(&rng, 77);
    double worst = 0;
    for (int s = 1; s < N_SIZES; s++) {
        const int A = SIZES[s] - 1, B = A + 1;
        double *cov = random_cov(&rng, A, 2 * A, 1e-4, 0.01), *w = malloc(sizeof *w * B);
        double *big = malloc(sizeof *big * B * B);
        min_variance(w, cov, A);
        const double lambda = quad(w, cov, A);
        for (int sign = -1; sign <= 1; sign += 2) {
            const double delta = sign * 1e-9;
            for (int i = 0; i < A; i++) {
                double c = 0;
                for (int j = 0; j < A; j++) {
                    big[i * B + j] = cov[i * A + j];
                    c += cov[i * A + j] * w[j];
                }
                big[i * B + A] = big[A * B + i] = (1 + delta) * c;
            }
            big[A * B + A] = (1 + delta) * (1 + delta) * lambda + 0.5 * lambda; /* v = lambda / 2 */
            double *wb = malloc(sizeof *wb * B);
            min_variance(wb, big, B);
            const double kkt = qp_min_variance_kkt(wb, big, B);
            cr_assert_leq(kkt, KKT_TOL, "A = %d, delta = %g: KKT violation %g", B, delta, kkt);
            worst = fmax(worst, kkt);
            if (sign < 0)
                cr_assert_gt(wb[A], 0, "delta < 0: the new asset improves the portfolio");
            free(wb);
        }
        free(cov);
        free(w);
        free(big);
    }
    cr_log_info("min variance, near-boundary assets: worst KKT violation %.3g", worst);
}

/* Rank-deficient covariances: the lowest-variance asset duplicated (so it is on the support twice
 * over), and a sample covariance of n = A/2 draws with no ridge (rank A/2). */
Test(qp, min_variance_rank_deficient, .description = "identical assets and rank < A: KKT within 1e-10")
{
    evo_rng rng;
    rng_seed(&rng, 4242);
    double worst = 0;
    for (int s = 0; s < N_SIZES; s++) {
        const int A = SIZES[s], B = A + 1;
        double *cov = random_cov(&rng, A, 2 * A, 1e-4, 0.01), *big = malloc(sizeof *big * B * B),
               *w = malloc(sizeof *w * B);
        int lo = 0;
        for (int i = 1; i < A; i++)
            if (cov[i * A + i] < cov[lo * A + lo])
                lo = i;
        for (int i = 0; i < B; i++) /* asset A is a copy of asset lo */
            for (int j = 0; j < B; j++)
                big[i * B + j] = cov[(i == A ? lo : i) * A + (j == A ? lo : j)];
        min_variance(w, big, B);
        double kkt = qp_min_variance_kkt(w, big, B);
        cr_assert_leq(kkt, KKT_TOL, "A = %d with a duplicate: KKT violation %g", B, kkt);
        worst = fmax(worst, kkt);
        cr_assert_gt(w[lo] + w[A], 0, "the duplicated asset is held (through one copy or both)");
        free(big);
        free(cov);
        if (A >= 4) {
            double *low = random_cov(&rng, A, A / 2, 0, 0.01);
            min_variance(w, low, A);
            kkt = qp_min_variance_kkt(w, low, A);
            cr_assert_leq(kkt, KKT_TOL, "A = %d of rank %d: KKT violation %g", A, A / 2, kkt);
            worst = fmax(worst, kkt);
            free(low);
        }
        free(w);
    }
    cr_log_info("min variance, rank-deficient covariances: worst KKT violation %.3g", worst);
}

/* KKT of the maximum Sharpe problem min y'cov y s.t. mu'y = 1, y >= 0, made dimensionless the way the
 * solver scales it: x = m y with m = max|mu| (so (mu/m)'x = 1) and cov in units of its largest
 * variance. lambda = y'cov y; nu_i = m ((cov y)_i - lambda mu_i) / max_var is 0 on the support (w_i > 0)
 * and >= 0 off it. */
static double max_sharpe_kkt(const double *w, const double *mu, const double *cov, int A)
{
    double mw = 0, smax = 0, m = 0, worst = 0;
    for (int i = 0; i < A; i++) {
        mw += mu[i] * w[i];
        smax = fmax(smax, cov[i * A + i]);
        m = fmax(m, fabs(mu[i]));
        worst = fmax(worst, -w[i]);
    }
    const double lambda = quad(w, cov, A) / (mw * mw); /* y'cov y with y = w / mu'w */
    for (int i = 0; i < A; i++) {
        double cy = 0;
        for (int j = 0; j < A; j++)
            cy += cov[i * A + j] * w[j] / mw;
        const double nu = m * (cy - lambda * mu[i]) / smax;
        worst = fmax(worst, w[i] > 0 ? fabs(nu) : -nu);
    }
    return worst;
}

/* Means of daily size (N(2e-4, 1e-3^2)), so some are negative and several assets drop out. */
Test(qp, max_sharpe_kkt_random, .description = "max Sharpe KKT within 1e-10 for A = 2..100")
{
    evo_rng rng;
    rng_seed(&rng, 99);
    double worst = 0;
    for (int s = 0; s < N_SIZES; s++)
        for (int seed = 0; seed < SEEDS; seed++) {
            const int A = SIZES[s];
            double *cov = random_cov(&rng, A, 2 * A, 1e-4, 0.01), *mu = malloc(sizeof *mu * A),
                   *w = malloc(sizeof *w * A);
            mu[0] = 5e-4; /* at least one positive mean */
            for (int i = 1; i < A; i++)
                mu[i] = 2e-4 + 1e-3 * rng_normal(&rng);
            evo_error err = {0};
            cr_assert_eq(qp_max_sharpe(w, mu, cov, A, &err), EVO_OK, "%s", err.msg);
            double sum = 0;
            for (int i = 0; i < A; i++)
                sum += w[i];
            cr_assert_float_eq(sum, 1, 1e-14, "weights sum to one up to rounding of A terms");
            const double kkt = max_sharpe_kkt(w, mu, cov, A);
            cr_assert_leq(kkt, KKT_TOL, "A = %d, draw %d: KKT violation %g", A, seed, kkt);
            worst = fmax(worst, kkt);
            free(cov);
            free(mu);
            free(w);
        }
    cr_log_info("max Sharpe, random covariances: worst KKT violation %.3g", worst);
}

/* Diagonal covariance: w_i (cov w)_i = w_i^2 s_i^2 equal, so w_i ∝ 1/s_i. s = (.2, .3, .5, .1). */
Test(qp, equal_risk_diagonal, .description = "uncorrelated assets: w_i proportional to 1/s_i")
{
    const double s[] = {0.2, 0.3, 0.5, 0.1};
    double cov[16] = {0}, w[4], sum = 0;
    for (int i = 0; i < 4; i++) {
        cov[i * 4 + i] = s[i] * s[i];
        sum += 1 / s[i];
    }
    evo_error err = {0};
    cr_assert_eq(qp_equal_risk(w, cov, 4, &err), EVO_OK, "%s", err.msg);
    for (int i = 0; i < 4; i++) /* Newton stops at decrement 1e-14: weights exact to rounding */
        cr_assert_float_eq(w[i], 1 / s[i] / sum, EXACT_TOL, "asset %d", i);
}

/* Random covariances (correlations of both signs): every risk contribution w_i (cov w)_i equals their
 * mean within 1e-10 relative; weights are positive and sum to one. */
Test(qp, equal_risk_contributions_random, .description = "RC_i equal within 1e-10 for A = 2..100")
{
    evo_rng rng;
    rng_seed(&rng, 31337);
    double worst = 0;
    for (int s = 0; s < N_SIZES; s++)
        for (int seed = 0; seed < SEEDS; seed++) {
            const int A = SIZES[s];
            double *cov = random_cov(&rng, A, 2 * A, 1e-4, 0.01), *w = malloc(sizeof *w * A),
                   *rc = malloc(sizeof *rc * A);
            evo_error err = {0};
            cr_assert_eq(qp_equal_risk(w, cov, A, &err), EVO_OK, "%s", err.msg);
            double mean = 0, sum = 0;
            for (int i = 0; i < A; i++) {
                double c = 0;
                for (int j = 0; j < A; j++)
                    c += cov[i * A + j] * w[j];
                rc[i] = w[i] * c;
                mean += rc[i] / A;
                sum += w[i];
                cr_assert_gt(w[i], 0);
            }
            cr_assert_float_eq(sum, 1, 1e-14);
            for (int i = 0; i < A; i++) {
                const double rel = fabs(rc[i] / mean - 1);
                cr_assert_leq(rel, KKT_TOL, "A = %d, draw %d, asset %d: RC off by %g", A, seed, i, rel);
                worst = fmax(worst, rel);
            }
            free(cov);
            free(w);
            free(rc);
        }
    cr_log_info("ERC, random covariances: worst relative risk-contribution spread %.3g", worst);
}
