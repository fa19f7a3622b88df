/* Tests of metrics: every DESIGN.md metric against values worked by hand from short literal series,
 * forecast errors, moments, the normal CDF/quantile against published values, PSR and DSR against a
 * worked example, and PBO on hand-built splits, pure noise, a dominant trial and trials built to
 * overfit. Shapes: T days; N trials, S blocks for PBO (returns[N][T], trial n in row n). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/metrics.h"
#include "evofolio/rng.h"

/* The series below are decimal literals (rounded to double at 1e-17 relative) pushed through a few
 * dozen double operations. The worst amplification is the annual return W^(252/T) - 1, whose
 * exponent 50.4 multiplies W's ~1e-16 relative error to ~1e-14; sums like the mean 0.03/5 cancel by
 * a factor ~3. 1e-12 relative keeps a margin of ~100 over that and still sees every convention slip
 * (sd with T instead of T-1 moves Sharpe by 12%, DD over losing days only by 58%). */
#define REL_TOL 1e-12

static void assert_rel(double got, double want, double rel, const char *what)
{
    cr_assert(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g", what, got, want);
}

/* ---------------------------------------------------------------- metrics_compute */

/* r = [0.01, -0.02, 0.03, -0.01, 0.02], TO = [0.1, 0, 0.3, 0.2, 0], T = 5.
 *   mean = 0.03 / 5 = 0.006
 *   r - mean = [0.004, -0.026, 0.024, -0.016, 0.014]
 *   squares  = [1.6e-5, 6.76e-4, 5.76e-4, 2.56e-4, 1.96e-4], sum 1.72e-3
 *   sd = sqrt(1.72e-3 / 4) = sqrt(4.3e-4) = 0.020736441353327721
 *   ann_vol = sd sqrt(252) = 0.020736441353327721 * 15.874507866387544 = 0.32918080138428486
 *   sharpe  = 0.006 / 0.020736441353327721 * 15.874507866387544 = 4.5932204844318818
 *   DD = sqrt((0.02^2 + 0.01^2) / 5) = sqrt(5e-4 / 5) = 0.01; sortino = 0.6 sqrt(252) = 9.5247047198325261
 *   wealth: 1.01, 0.9898, 1.019494, 1.00929906, 1.0294850412
 *   ann_return = 1.0294850412^(252/5) - 1 = 1.0294850412^50.4 - 1 = 3.3256367192912055
 *   drawdowns: 1 - 0.9898/1.01 = 0.02 (peak 1.01); 1 - 1.00929906/1.019494 = 0.01; max 0.02
 *   calmar = 3.3256367192912055 / 0.02 = 166.28183596456027
 *   cvar95: k = ceil(0.25 - 1e-9) = 1, the lowest return -0.02 -> 0.02
 *   avg_turnover = (0.1 + 0 + 0.3 + 0.2 + 0) / 5 = 0.12; hit_rate = 3/5; trades = 3 (TO > 0) */
static const double R5[5] = {0.01, -0.02, 0.03, -0.01, 0.02};
static const double TO5[5] = {0.1, 0.0, 0.3, 0.2, 0.0};

Test(metrics, compute_hand_values, .description = "every metric of a 5-day series worked by hand")
{
    evo_metrics m;
    metrics_compute(&m, R5, TO5, 5);
    cr_assert_eq(m.days, 5);
    assert_rel(m.ann_return, 3.3256367192912055, REL_TOL, "ann_return");
    assert_rel(m.ann_vol, 0.32918080138428486, REL_TOL, "ann_vol");
    assert_rel(m.sharpe, 4.5932204844318818, REL_TOL, "sharpe");
    assert_rel(m.sortino, 9.5247047198325261, REL_TOL, "sortino");
    assert_rel(m.max_drawdown, 0.02, REL_TOL, "max_drawdown");
    assert_rel(m.calmar, 166.28183596456027, REL_TOL, "calmar");
    assert_rel(m.cvar95, 0.02, REL_TOL, "cvar95");
    assert_rel(m.avg_turnover, 0.12, REL_TOL, "avg_turnover");
    assert_rel(m.hit_rate, 0.6, REL_TOL, "hit_rate");
    cr_assert_eq(m.trades, 3);
}

Test(metrics, turnover_null, .description = "turnover NULL gives avg_turnover = trades = 0, the rest unchanged")
{
    evo_metrics m;
    metrics_compute(&m, R5, NULL, 5);
    cr_assert_eq(m.avg_turnover, 0.0);
    cr_assert_eq(m.trades, 0);
    assert_rel(m.sharpe, 4.5932204844318818, REL_TOL, "sharpe");
}

/* r = [-0.05, 0.02, 0.01]: wealth 0.95, 0.969, 0.97869 never regains the start. With the start as a
 * peak the drawdown is 1 - 0.95 = 0.05; a peak taken from day 1 on would give 0.
 *   ann_return = 0.97869^(252/3) - 1 = 0.97869^84 - 1 = -0.83624571616901088
 *   calmar = -0.83624571616901088 / 0.05 = -16.724914323380218 */
Test(metrics, max_drawdown_first_day_loss, .description = "the start counts as a peak of wealth 1")
{
    const double r[3] = {-0.05, 0.02, 0.01};
    evo_metrics m;
    metrics_compute(&m, r, NULL, 3);
    assert_rel(m.max_drawdown, 0.05, REL_TOL, "max_drawdown");
    assert_rel(m.ann_return, -0.83624571616901088, REL_TOL, "ann_return");
    assert_rel(m.calmar, -16.724914323380218, REL_TOL, "calmar");
}

/* r = [0.10, -0.05, 0.02, -0.10, 0.20]: wealth 1.1, 1.045, 1.0659, 0.95931, 1.151172. The fall runs
 * over three days from the peak 1.1 (day 1) to the trough 0.95931 (day 4), through a partial
 * recovery: 1 - 0.95931 / 1.1 = 1 - 0.8721 = 0.1279. A one-day drop would be at most 0.10. */
Test(metrics, max_drawdown_spans_days, .description = "peak to trough across a partial recovery")
{
    const double r[5] = {0.10, -0.05, 0.02, -0.10, 0.20};
    evo_metrics m;
    metrics_compute(&m, r, NULL, 5);
    assert_rel(m.max_drawdown, 0.1279, REL_TOL, "max_drawdown");
}

/* A T-day series of small gains 0.001 (t + 1) with the given losses placed at days 3, 7, 11, ... so
 * that the lowest returns are not at the start. */
static void cvar_series(double *r, int T, const double *losses, int n_losses)
{
    for (int t = 0; t < T; t++)
        r[t] = 0.001 * (t + 1);
    for (int i = 0; i < n_losses; i++)
        r[3 + 4 * i] = losses[i];
}

Test(metrics, cvar_counts, .description = "CVaR95 averages ceil(0.05 T - 1e-9) lowest returns: T = 20, 21, 40")
{
    const double losses[3] = {-0.03, -0.05, -0.02};
    double r[40];
    evo_metrics m;
    /* T = 20: ceil(1 - 1e-9) = 1 -> the lowest, -0.05 -> 0.05 */
    cvar_series(r, 20, losses, 3);
    metrics_compute(&m, r, NULL, 20);
    assert_rel(m.cvar95, 0.05, REL_TOL, "cvar95 T=20");
    /* T = 21: ceil(1.05 - 1e-9) = 2 -> (0.05 + 0.03) / 2 = 0.04 */
    cvar_series(r, 21, losses, 3);
    metrics_compute(&m, r, NULL, 21);
    assert_rel(m.cvar95, 0.04, REL_TOL, "cvar95 T=21");
    /* T = 40: ceil(2 - 1e-9) = 2 exactly (3 would give (0.05 + 0.03 + 0.02) / 3 = 0.0333) -> 0.04 */
    cvar_series(r, 40, losses, 3);
    metrics_compute(&m, r, NULL, 40);
    assert_rel(m.cvar95, 0.04, REL_TOL, "cvar95 T=40");
}

Test(metrics, cvar_ties, .description = "equal lowest returns count once each: T = 21, three at -0.04, k = 2")
{
    const double losses[3] = {-0.04, -0.04, -0.04};
    double r[21];
    evo_metrics m;
    cvar_series(r, 21, losses, 3);
    metrics_compute(&m, r, NULL, 21);
    assert_rel(m.cvar95, 0.04, REL_TOL, "cvar95"); /* (0.04 + 0.04) / 2, not a third -0.04 or a gain */
}

/* A constant gain 0.001 over 10 days: sd = 0. Its mean sums to 0.0010000000000000002 in floating
 * point, so the library must not take sd from deviations (1e-19, a Sharpe of 1e16). There is
 * also no losing day (DD = 0) and no drawdown: Sharpe, Sortino and Calmar are 0, nothing is NaN.
 *   ann_return = (1.001^10)^(252/10) - 1 = 1.001^252 - 1 = 0.28643404437618775 */
Test(metrics, zero_volatility, .description = "a constant series gives 0 ratios and no NaN")
{
    double r[10];
    for (int t = 0; t < 10; t++)
        r[t] = 0.001;
    evo_metrics m;
    metrics_compute(&m, r, NULL, 10);
    cr_assert_eq(m.ann_vol, 0.0);
    cr_assert_eq(m.sharpe, 0.0);
    cr_assert_eq(m.sortino, 0.0);
    cr_assert_eq(m.max_drawdown, 0.0);
    cr_assert_eq(m.calmar, 0.0);
    assert_rel(m.ann_return, 0.28643404437618775, REL_TOL, "ann_return");
    assert_rel(m.cvar95, -0.001, REL_TOL, "cvar95");
    assert_rel(m.hit_rate, 1.0, REL_TOL, "hit_rate");

    double z[4] = {0, 0, 0, 0}, sr, skew, kurt;
    metrics_compute(&m, z, NULL, 4);
    const double zero_fields[9] = {m.ann_return, m.ann_vol, m.sharpe, m.sortino, m.max_drawdown,
                                   m.calmar, m.cvar95, m.avg_turnover, m.hit_rate};
    for (int i = 0; i < 9; i++)
        cr_assert(zero_fields[i] == 0.0, "field %d of an all-zero series: %g", i, zero_fields[i]);
    metrics_moments(r, 10, &sr, &skew, &kurt);
    cr_assert(sr == 0 && skew == 0 && kurt == 3, "moments of a constant: %g %g %g", sr, skew, kurt);
    cr_assert(!isnan(metrics_psr(sr, 0, 10, skew, kurt)));
}

Test(metrics, empty_and_single_day, .description = "T = 0 zeroes everything; T = 1 has no sd, so no ratio")
{
    evo_metrics m;
    metrics_compute(&m, R5, TO5, 0);
    cr_assert_eq(m.days, 0);
    cr_assert_eq(m.sharpe, 0.0);
    metrics_compute(&m, R5 + 2, TO5 + 2, 1); /* r = [0.03] */
    cr_assert_eq(m.days, 1);
    cr_assert_eq(m.ann_vol, 0.0);
    cr_assert_eq(m.sharpe, 0.0);
    assert_rel(m.ann_return, pow(1.03, 252) - 1, REL_TOL, "ann_return");
}

/* ---------------------------------------------------------------- forecast errors and moments */

/* predicted [102, 49, 190, 80] against actual [100, 50, 200, 80]: errors [2, -1, -10, 0]
 *   MAE = 13/4 = 3.25; MSE = (4 + 1 + 100 + 0)/4 = 26.25; RMSE = sqrt(26.25) = 5.1234753829797992
 *   MAPE = 100 (2/100 + 1/50 + 10/200 + 0)/4 = 100 * 0.09/4 = 2.25 */
Test(metrics, forecast_errors_hand_values, .description = "MAE, MSE, RMSE and MAPE (percent of actual)")
{
    const double predicted[4] = {102, 49, 190, 80}, actual[4] = {100, 50, 200, 80};
    evo_forecast_errors e;
    metrics_forecast_errors(&e, predicted, actual, 4);
    assert_rel(e.mae, 3.25, REL_TOL, "mae");
    assert_rel(e.mse, 26.25, REL_TOL, "mse");
    assert_rel(e.rmse, 5.1234753829797992, REL_TOL, "rmse");
    assert_rel(e.mape, 2.25, REL_TOL, "mape");
}

/* The 5-day series R5 (deviations d = [0.004, -0.026, 0.024, -0.016, 0.014] from the mean 0.006):
 *   sr = 0.006 / sqrt(1.72e-3 / 4) = 0.006 / 0.020736441353327721 = 0.28934569330224727
 *   population moments: m2 = 1.72e-3 / 5 = 3.44e-4
 *     d^3 sum = (0.064 - 17.576 + 13.824 - 4.096 + 2.744) e-6 = -5.04e-6, m3 = -1.008e-6
 *     d^4 sum = (0.000256 + 0.456976 + 0.331776 + 0.065536 + 0.038416) e-6 = 0.89296e-6, m4 = 1.78592e-7
 *   skew = m3 / m2^1.5 = -1.008e-6 / 6.3802495249010442e-6 = -0.15798755143759582
 *   kurt = m4 / m2^2 = 1.78592e-7 / 1.18336e-7 = 1.5091941590048675
 * (with sample moments, or excess kurtosis, these differ by 25% and more). */
Test(metrics, moments_hand_values, .description = "per-period Sharpe, population skewness and raw kurtosis")
{
    double sr, skew, kurt;
    metrics_moments(R5, 5, &sr, &skew, &kurt);
    assert_rel(sr, 0.28934569330224727, REL_TOL, "sr");
    assert_rel(skew, -0.15798755143759582, REL_TOL, "skew");
    assert_rel(kurt, 1.5091941590048675, REL_TOL, "kurt");
}

/* ---------------------------------------------------------------- normal distribution */

/* Reference values (40-digit evaluations of erfc and erfinv): Phi(1.96) = 0.9750021048517795658...,
 * Phi^-1(0.975) = 1.9599639845400542355..., Phi^-1(1e-10) = -6.3613409024040562047...
 * Tolerance 1e-13 absolute, the header's promise: Acklam's 1.15e-9 after one Halley step is ~1e-27,
 * leaving erfc's own few ulps, which 1/phi(x) turns into < 1e-15 in x even at p = 1e-10. */
#define NORM_TOL 1e-13

Test(metrics, norm_cdf_known_values, .description = "Phi at 0, +-1.96 and the far tails")
{
    cr_assert(fabs(metrics_norm_cdf(1.96) - 0.9750021048517795) < NORM_TOL);
    cr_assert(fabs(metrics_norm_cdf(-1.96) - 0.024997895148220435) < NORM_TOL);
    cr_assert_eq(metrics_norm_cdf(0), 0.5);
    /* The left tail keeps relative accuracy (erfc, not 1 - erf): Phi(-6.3613409024040562) = 1e-10 */
    assert_rel(metrics_norm_cdf(-6.3613409024040562), 1e-10, 1e-12, "Phi(-6.36)");
}

Test(metrics, norm_ppf_known_values, .description = "Phi^-1 at 0.975, 0.5, 1e-10 and the edges")
{
    cr_assert(fabs(metrics_norm_ppf(0.975) - 1.9599639845400542) < NORM_TOL, "%.17g", metrics_norm_ppf(0.975));
    cr_assert(fabs(metrics_norm_ppf(0.025) + 1.9599639845400542) < NORM_TOL);
    cr_assert(fabs(metrics_norm_ppf(1e-10) + 6.3613409024040562) < NORM_TOL, "%.17g", metrics_norm_ppf(1e-10));
    cr_assert(fabs(metrics_norm_ppf(0.5)) < NORM_TOL);
    cr_assert(fabs(metrics_norm_ppf(0.99) - 2.3263478740408411) < NORM_TOL);
    cr_assert(isinf(metrics_norm_ppf(0)) && metrics_norm_ppf(0) < 0);
    cr_assert(isinf(metrics_norm_ppf(1)) && metrics_norm_ppf(1) > 0);
    cr_assert(isnan(metrics_norm_ppf(NAN)));
}

/* p and 1 - p exactly representable (dyadic), so Phi^-1(1 - p) = -Phi^-1(p) must hold to rounding. */
Test(metrics, norm_ppf_symmetric, .description = "Phi^-1(1 - p) = -Phi^-1(p) for dyadic p")
{
    const double p[6] = {0.5, 0.25, 0.125, 0.0625, 0.0078125, 0.015625};
    for (int i = 0; i < 6; i++) {
        double lo = metrics_norm_ppf(p[i]), hi = metrics_norm_ppf(1 - p[i]);
        cr_assert(fabs(lo + hi) < NORM_TOL, "p = %g: %.17g vs %.17g", p[i], lo, hi);
    }
}

/* Phi(Phi^-1(p)) = p to 1e-12 relative across 1e-300 .. 1 - 1e-6: the quantile is accurate to a
 * few ulps in x, and Phi's slope turns that into a few 1e-16 relative in p (x ~ 37 at 1e-300 costs
 * x * dx ~ 1e-14 relative, still inside). */
Test(metrics, norm_round_trip, .description = "Phi(Phi^-1(p)) = p to 1e-12 relative")
{
    const double p[12] = {1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.5, 0.9, 0.97575, 0.999999};
    for (int i = 0; i < 12; i++)
        assert_rel(metrics_norm_cdf(metrics_norm_ppf(p[i])), p[i], 1e-12, "round trip");
}

/* ---------------------------------------------------------------- PSR and DSR */

/* Worked example: per-period SR = 0.1 over T = 252 days, skew g3 = -0.5, raw kurtosis g4 = 4,
 * N = 100 trials whose Sharpe ratios have variance V = 0.0025 (sd 0.05).
 *   denominator: 1 - g3 SR + (g4 - 1)/4 SR^2 = 1 + 0.05 + 0.75 * 0.01 = 1.0575, sqrt = 1.0283481900601566
 *   sqrt(T - 1) = sqrt(251) = 15.842979517754859
 *   PSR(0): z = 0.1 * 15.842979517754859 / 1.0283481900601566 = 1.5406240484390868
 *           Phi(1.5406240484390868) = 0.93829584423476666
 *   SR0: 1 - 1/N = 0.99, Phi^-1(0.99) = 2.3263478740408411
 *        1/(N e) = 1 / 271.82818284590452 = 0.0036787944117144232, Phi^-1(0.99632120558828558)
 *          = 2.6802104449668827
 *        (1 - 0.5772156649) * 2.3263478740408411 = 0.4227843351 * 2.3263478740408411 = 0.98354343913765556
 *        0.5772156649 * 2.6802104449668827 = 1.5470594540634841
 *        SR0 = 0.05 * (0.98354343913765556 + 1.5470594540634841) = 0.05 * 2.5306028932011396
 *            = 0.12653014466005698
 *   DSR: z = (0.1 - 0.12653014466005698) * 15.842979517754859 / 1.0283481900601566
 *          = -0.026530144660056980 * 15.406240484390868 = -0.40872978871851605
 *        Phi(-0.40872978871851605) = 0.34136898518821871
 * The literals come from the same steps at 40 digits. Tolerance 1e-9: far above the ~1e-15 of
 * ppf/cdf, far below what a wrong gamma weight, T instead of T - 1 (0.0008 in DSR) or excess instead
 * of raw kurtosis (0.004) would move. */
Test(metrics, psr_dsr_worked_example, .description = "PSR(0), SR0 and DSR for SR 0.1, T 252, g3 -0.5, g4 4, N 100")
{
    assert_rel(metrics_psr(0.1, 0, 252, -0.5, 4), 0.93829584423476666, 1e-9, "PSR(0)");
    assert_rel(metrics_expected_max_sharpe(100, 0.0025), 0.12653014466005698, 1e-9, "SR0");
    assert_rel(metrics_dsr(0.1, 252, -0.5, 4, 100, 0.0025), 0.34136898518821871, 1e-9, "DSR");
    assert_rel(metrics_psr(0.1, 0.12653014466005698, 252, -0.5, 4), 0.34136898518821871, 1e-9,
               "DSR = PSR(SR0)");
}

Test(metrics, psr_edge_cases, .description = "one trial deflates nothing; T < 2 carries no evidence")
{
    cr_assert_eq(metrics_expected_max_sharpe(1, 0.0025), 0.0);
    cr_assert_eq(metrics_expected_max_sharpe(100, 0), 0.0);
    cr_assert_eq(metrics_dsr(0.1, 252, -0.5, 4, 1, 0.0025), metrics_psr(0.1, 0, 252, -0.5, 4));
    cr_assert_eq(metrics_psr(0.1, 0, 1, 0, 3), 0.5);
    cr_assert_eq(metrics_psr(0.05, 0.05, 252, 0, 3), 0.5);
}

/* ---------------------------------------------------------------- PBO */

/* Two-day blocks [a, b] with a - b = 0.02 have Sharpe (a + b) / (sqrt(2) * 0.02), proportional to
 * q = 50 (a + b): q = 2 for [0.03, 0.01], q = 1 for [0.02, 0.00], q = 0 for [0.01, -0.01].
 * S = 2 gives two splits: IS = block 0 / OOS = block 1, and the reverse. */
#define Q2 0.03, 0.01
#define Q1 0.02, 0.00
#define Q0 0.01, -0.01

/* N = 3, T = 4. Block q values: trial 0: [2, 2], trial 1: [2, 0], trial 2: [0, 1].
 *   IS block 0: trials 0 and 1 tie at q = 2 (identical days: an exact tie) -> trial 0 (lowest index);
 *     OOS block 1: q = [2, 0, 1] -> trial 0 ranks 3 of 3, w = 3/4, logit = ln 3 > 0: not overfit
 *     (picking trial 1 instead would rank 1: overfit).
 *   IS block 1: trial 0 (q = 2); OOS block 0: q = [2, 2, 0] -> trial 0 ties trial 1 for ranks 2 and 3,
 *     averaged 2.5, w = 2.5/4 = 0.625, logit = ln(5/3) > 0: not overfit (rank 2 would give w = 0.5).
 *   PBO = 0/2 = 0. */
Test(metrics, pbo_hand_ties, .description = "in-sample ties go to the lowest index, out-of-sample ties are averaged")
{
    const double r[3 * 4] = {Q2, Q2, Q2, Q0, Q0, Q1};
    double pbo = -1;
    evo_error err = {0};
    cr_assert_eq(metrics_pbo(&pbo, r, 3, 4, 2, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(pbo, 0.0);
}

/* N = 3, T = 5, S = 2: blocks of 2 days; day 5 (index 4) is the remainder and is dropped. Block q
 * values: trial 0: [0, 1], trial 1: [1, 2], trial 2: [2, 0].
 *   IS block 0: trial 2 (q = 2); OOS block 1: q = [1, 2, 0] -> rank 1, w = 1/4, logit < 0: overfit.
 *   IS block 1: trial 1 (q = 2); OOS block 0: q = [0, 1, 2] -> rank 2, w = 2/4 = 0.5, logit = 0:
 *     overfit (the boundary counts: logit <= 0).
 *   PBO = 2/2 = 1. Trial 2's dropped day 0.5 would, if appended to block 1, make trial 2 the
 *   in-sample best there (rank 3 out of sample) and PBO 0.5. */
Test(metrics, pbo_hand_boundary_and_remainder, .description = "logit = 0 counts as overfit; T mod S days are dropped")
{
    const double r[3 * 5] = {Q0, Q1, 0.0, Q1, Q2, 0.0, Q2, Q0, 0.5};
    double pbo = -1;
    evo_error err = {0};
    cr_assert_eq(metrics_pbo(&pbo, r, 3, 5, 2, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(pbo, 1.0);
}

enum { NOISE_N = 20, NOISE_T = 1000, NOISE_S = 10 };

static void noise_trials(double *r, uint64_t seed)
{
    evo_rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < NOISE_N * NOISE_T; i++)
        r[i] = 0.01 * rng_normal(&rng);
}

/* 20 iid Gaussian trials: the in-sample winner is a random draw out of sample, so its rank is about
 * uniform and PBO has expectation 0.5. One data set's 252 splits share their blocks and are strongly
 * dependent, so a single seed's PBO scatters widely (measured 0.15 .. 0.87 over ten seeds); the test
 * averages 16 fixed seeds (measured mean 0.47, sd of the mean ~0.05) and asks (0.3, 0.7), > 3 sd. */
Test(metrics, pbo_noise_near_half, .description = "pure-noise trials give PBO near 0.5 (mean of 16 seeds)")
{
    static double r[NOISE_N * NOISE_T];
    double sum = 0;
    for (uint64_t seed = 20240601; seed < 20240601 + 16; seed++) {
        noise_trials(r, seed);
        double pbo = -1;
        evo_error err = {0};
        cr_assert_eq(metrics_pbo(&pbo, r, NOISE_N, NOISE_T, NOISE_S, &err), EVO_OK, "%s", err.msg);
        cr_assert(pbo >= 0 && pbo <= 1);
        sum += pbo;
    }
    cr_assert(sum / 16 > 0.3 && sum / 16 < 0.7, "mean PBO of noise = %g", sum / 16);
}

/* The same noise with a drift of 0.005 a day added to trial 0 (per-period Sharpe ~0.5 against the
 * others' 0 +- 1/sqrt(500) = 0.045 over a 500-day half): trial 0 wins every in-sample half and ranks
 * N = 20 out of sample, w = 20/21, logit > 0, in every split, so PBO = 0 (measured 0 for 16 seeds;
 * picking the in-sample worst instead gives 0.03 for this seed). */
Test(metrics, pbo_dominant_trial_near_zero, .description = "one trial better in every block gives PBO near 0")
{
    static double r[NOISE_N * NOISE_T];
    noise_trials(r, 20240601);
    for (int t = 0; t < NOISE_T; t++)
        r[t] += 0.005;
    double pbo = -1;
    evo_error err = {0};
    cr_assert_eq(metrics_pbo(&pbo, r, NOISE_N, NOISE_T, NOISE_S, &err), EVO_OK, "%s", err.msg);
    /* "near 0" is in fact exactly 0 here: the edge is > 8 sd of a half's noise Sharpe in every split */
    cr_assert_eq(pbo, 0.0, "PBO with a dominant trial = %g", pbo);
}

/* Trials built to overfit. S = 6 blocks of 4 days, N = C(6,3) = 20 trials: trial n is "good" (mean
 * +m) in the n-th 3-block set G_n and "bad" (mean -m) in the other three, plus the same zero-mean
 * wiggle +-sigma on alternate days. Every trial has the same full-sample mean 0, so whatever a trial
 * gains in sample it gives back out of sample. For the in-sample half H, trial G_n = H is the only
 * one good in all 3 in-sample blocks (others have at most 2), so it is the unique in-sample best;
 * its out-of-sample half is all bad, the unique worst: rank 1, w = 1/21, logit = ln(1/20) < 0, in
 * every one of the 20 splits. PBO = 1.
 * Sharpe rises strictly with the number j of good blocks in a half: mean m (2j - 3)/3 grows by 2m/3
 * per step while sd stays within sqrt(1 + (m/sigma)^2) = 0.5% of sigma sqrt(12/11) (m = 0.1 sigma),
 * so the ranking above is not an artefact of rounding. */
Test(metrics, pbo_overfit_near_one, .description = "trials whose in-sample gains are out-of-sample losses give PBO 1")
{
    enum { S = 6, LEN = 4, T = S * LEN, N = 20 };
    const double m = 0.001, sigma = 0.01;
    double r[N * T];
    int n = 0;
    for (unsigned mask = 0; mask < 1u << S; mask++) {
        if (__builtin_popcount(mask) != S / 2)
            continue;
        for (int b = 0; b < S; b++)
            for (int t = 0; t < LEN; t++)
                r[n * T + b * LEN + t] = (mask >> b & 1 ? m : -m) + (t % 2 ? -sigma : sigma);
        n++;
    }
    cr_assert_eq(n, N);
    double pbo = -1;
    evo_error err = {0};
    cr_assert_eq(metrics_pbo(&pbo, r, N, T, S, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(pbo, 1.0);
}

/* Naive reference for CSCV, written from the definition and sharing no code with the library: for
 * every S-bit mask with S/2 bits (all 2^S masks, filtered by popcount), copy each trial's in-sample
 * and out-of-sample blocks into two arrays, take mean / sd (T-1) directly, pick the first best, rank
 * with averaged ties, and count logit <= 0. */
static double sharpe_direct(const double *x, int n)
{
    double mean = 0, ss = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return ss > 0 ? mean / sqrt(ss / (n - 1)) : 0;
}

static double pbo_reference(const double *r, int N, int T, int S)
{
    int len = T / S, half = S / 2 * len, splits = 0, overfit = 0;
    double is[400], oos[400], is_sr[16], oos_sr[16];
    for (unsigned mask = 0; mask < 1u << S; mask++) {
        if (__builtin_popcount(mask) != S / 2)
            continue;
        for (int n = 0; n < N; n++) {
            int ni = 0, no = 0;
            for (int b = 0; b < S; b++)
                for (int t = 0; t < len; t++) {
                    double v = r[n * T + b * len + t];
                    if (mask >> b & 1)
                        is[ni++] = v;
                    else
                        oos[no++] = v;
                }
            is_sr[n] = sharpe_direct(is, half);
            oos_sr[n] = sharpe_direct(oos, half);
        }
        int best = 0;
        for (int n = 1; n < N; n++)
            best = is_sr[n] > is_sr[best] ? n : best;
        double rank = 1;
        for (int n = 0; n < N; n++)
            if (n != best)
                rank += oos_sr[n] < oos_sr[best] ? 1 : oos_sr[n] == oos_sr[best] ? 0.5 : 0;
        double w = rank / (N + 1);
        overfit += log(w / (1 - w)) <= 0;
        splits++;
    }
    return (double)overfit / splits;
}

/* Trials with regimes: each block has its own level mu[n][b] ~ N(0, 0.01) plus daily noise of sd
 * 0.01 over blocks of 5 days, so a half's sd is dominated by the spread of its block levels; a
 * library that pooled only within-block variance would rank differently. T = 5 S + 3 leaves a
 * remainder. PBO is a count of discrete decisions; Sharpe ratios of continuous random data are
 * far from ties (gaps >> 1e-15), so the two computations must agree exactly. */
Test(metrics, pbo_matches_reference, .description = "PBO equals a naive CSCV written from the definition")
{
    enum { N = 12, LEN = 5 };
    static double r[N * (8 * LEN + 3)];
    evo_rng rng;
    rng_seed(&rng, 7);
    for (int S = 2; S <= 8; S += 2) {
        int T = S * LEN + 3;
        for (int n = 0; n < N; n++)
            for (int b = 0; b <= S; b++) {
                double mu = 0.01 * rng_normal(&rng);
                for (int t = b * LEN; t < (b + 1) * LEN && t < T; t++)
                    r[n * T + t] = mu + 0.01 * rng_normal(&rng);
            }
        double pbo = -1, want = pbo_reference(r, N, T, S);
        evo_error err = {0};
        cr_assert_eq(metrics_pbo(&pbo, r, N, T, S, &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(pbo, want, "S = %d: PBO %g, reference %g", S, pbo, want);
    }
}

Test(metrics, pbo_usage_errors, .description = "odd or zero S, S > T, S > 32 and N < 2 fail with EVO_ERR_USAGE")
{
    static double r[2 * 100];
    const struct {
        int N, T, S;
    } bad[5] = {{2, 100, 3}, {2, 100, 0}, {2, 4, 6}, {1, 100, 4}, {2, 100, 34}};
    for (int i = 0; i < 5; i++) {
        double pbo = -1;
        evo_error err = {0};
        int rc = metrics_pbo(&pbo, r, bad[i].N, bad[i].T, bad[i].S, &err);
        cr_assert_eq(rc, EVO_ERR_USAGE, "case %d: rc %d", i, rc);
        cr_assert_eq(err.code, EVO_ERR_USAGE);
        cr_assert(strlen(err.msg) > 0, "case %d: no message", i);
        cr_assert_eq(pbo, -1.0, "case %d: pbo written on failure", i);
    }
    double pbo;
    cr_assert_eq(metrics_pbo(&pbo, r, 2, 100, 2, NULL), EVO_OK); /* err may be NULL */
}

/* ---------------------------------------------------------------- effective number of trials */

/* Row i of a 4 x 4 Walsh-Hadamard pattern, repeated: distinct rows are exactly uncorrelated after
 * demeaning (rows 1..3 have mean 0 and are orthogonal). */
static void walsh(double *r, int row, int T)
{
    static const int h[4][4] = {{1, 1, 1, 1}, {1, -1, 1, -1}, {1, 1, -1, -1}, {1, -1, -1, 1}};
    for (int t = 0; t < T; t++)
        r[t] = 0.01 * h[row][t % 4];
}

Test(metrics, effective_trials_hand_values,
     .description = "copies of one trial count once, uncorrelated trials each, two groups twice")
{
    enum { T = 40 };
    double r[6 * T];
    for (int i = 0; i < 6; i++) /* six copies of one series, scaled (correlation 1) */
        for (int t = 0; t < T; t++)
            r[i * T + t] = (i + 1) * 0.001 * sin(t);
    cr_assert_float_eq(metrics_effective_trials(r, 6, T), 1.0, 1e-9);
    for (int i = 0; i < 3; i++) /* three uncorrelated series */
        walsh(r + i * T, i + 1, T);
    cr_assert_float_eq(metrics_effective_trials(r, 3, T), 3.0, 1e-9);
    /* 3 copies of one and 3 of another, uncorrelated: N^2 / sum rho^2 = 36 / (2 * 9) = 2 */
    for (int i = 0; i < 6; i++)
        walsh(r + i * T, i < 3 ? 1 : 2, T);
    cr_assert_float_eq(metrics_effective_trials(r, 6, T), 2.0, 1e-9);
    cr_assert_float_eq(metrics_effective_trials(r, 1, T), 1.0, 0, "one trial is one");
    /* a constant series correlates with nothing */
    for (int t = 0; t < T; t++)
        r[T + t] = 0.002;
    walsh(r, 1, T);
    cr_assert_float_eq(metrics_effective_trials(r, 2, T), 2.0, 1e-9);
}

Test(metrics, effective_trials_samples_large_sets,
     .description = "above METRICS_EFFECTIVE_SAMPLE trials: copies of one still count once")
{
    enum { N = METRICS_EFFECTIVE_SAMPLE + 500, T = 8 };
    double *r = malloc(sizeof(double) * N * T);
    cr_assert_not_null(r);
    for (int i = 0; i < N; i++)
        walsh(r + (size_t)i * T, i % 2 ? 1 : 3, T); /* two uncorrelated groups, alternating */
    /* 750 of each: N / (1 + (N - 1) m), m = the share of pairs in one group (~1/2), gives ~2 */
    double n = metrics_effective_trials(r, N, T);
    cr_assert(n > 1.9 && n < 2.1, "N_eff %g", n);
    free(r);
}

Test(metrics, dsr_takes_fractional_trials, .description = "the expected maximum grows with N, 2.5 between 2 and 3")
{
    double a = metrics_expected_max_sharpe(2, 0.01), b = metrics_expected_max_sharpe(2.5, 0.01),
           c = metrics_expected_max_sharpe(3, 0.01);
    cr_assert(a < b && b < c, "%g %g %g", a, b, c);
    cr_assert_eq(metrics_expected_max_sharpe(1.5, 0.01), 0.0, "fewer than 2 trials: nothing to deflate");
}
