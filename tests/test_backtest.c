/* Tests of backtest: DESIGN.md's conventions on series worked by hand. */
#include <criterion/criterion.h>
#include <math.h>

#include "evofolio/backtest.h"

/* Two assets, three return days, target 50/50, rebalanced at the close of day 1 only, 10 bps.
 *   r = day 1: (+10%, 0%), day 2: (0%, +10%), day 3: (-10%, +10%)
 *   day 1: w = (.5, .5); g = .05; drifted = (.55/1.05, .5/1.05) = (.5238095238, .4761904762);
 *          TO = |.5-.5238095238| + |.5-.4761904762| = .0476190476; net = 1.05 (1 - .001 * .0476190476) - 1
 *             = .05 - .00005 = .04995
 *   day 2: w = (.5, .5); g = .05; no trade (trade[2] = 0): TO = 0; net = .05
 *          drifted = (.5/1.05, .55/1.05) = (.4761904762, .5238095238)
 *   day 3: w = drifted; g = .4761904762 * -.1 + .5238095238 * .1 = .0047619048; last day: no trade.
 *   wealth: 1.04995, 1.1024475, 1.1024475 * 1.0047619048 = 1.1076972619 */
Test(backtest, hand_worked_two_assets, .description = "drift, two-sided turnover, cost from value, no last trade")
{
    const double r[] = {0.10, 0.00, 0.00, 0.10, -0.10, 0.10};
    const double targets[] = {0.5, 0.5, 0.5, 0.5, 0.9, 0.1}; /* row 2 is never read: no trade at t = 2 */
    const unsigned char trade[] = {1, 1, 0};
    evo_backtest bt;
    evo_error err = {0};
    cr_assert_eq(backtest_run(&bt, r, targets, trade, 3, 2, 10, &err), EVO_OK, "%s", err.msg);
    /* exact up to double rounding of a few operations: 1e-15 */
    cr_assert_float_eq(bt.turnover[0], 1.0 / 21, 1e-15);
    cr_assert_float_eq(bt.net[0], 1.05 * (1 - 0.001 / 21) - 1, 1e-15);
    cr_assert_float_eq(bt.turnover[1], 0, 0);
    cr_assert_float_eq(bt.net[1], 0.05, 1e-15);
    cr_assert_float_eq(bt.weights[4], 0.5 / 1.05, 1e-15);
    cr_assert_float_eq(bt.net[2], (-0.05 + 0.055) / 1.05, 1e-15);
    cr_assert_float_eq(bt.turnover[2], 0, 0, "no trade at the close of the last day");
    cr_assert_float_eq(bt.wealth[3], (1 + bt.net[0]) * 1.05 * (1 + bt.net[2]), 1e-14);
    cr_assert_eq(bt.trades, 1);
    backtest_free(&bt);
}

Test(backtest, initial_purchase_is_free, .description = "day 0's purchase costs nothing, whatever the cost")
{
    const double r[] = {0.01, 0.02};
    const double targets[] = {0.3, 0.7};
    evo_backtest bt;
    evo_error err = {0};
    cr_assert_eq(backtest_run(&bt, r, targets, NULL, 1, 2, 1000, &err), EVO_OK);
    cr_assert_float_eq(bt.net[0], 0.3 * 0.01 + 0.7 * 0.02, 1e-16);
    cr_assert_eq(bt.trades, 0);
    backtest_free(&bt);
}

Test(backtest, buy_and_hold_is_the_drifted_portfolio, .description = "no trades: wealth = sum w0 * prod(1+r)")
{
    enum { T = 50, A = 3 };
    double r[T * A], targets[T * A] = {0.2, 0.3, 0.5}, gross[A] = {1, 1, 1};
    for (int t = 0; t < T; t++)
        for (int a = 0; a < A; a++) {
            r[t * A + a] = 0.01 * sin(t * (a + 1.3));
            gross[a] *= 1 + r[t * A + a];
        }
    unsigned char trade[T];
    backtest_schedule(trade, T, 0);
    evo_backtest bt;
    evo_error err = {0};
    cr_assert_eq(backtest_run(&bt, r, targets, trade, T, A, 25, &err), EVO_OK);
    double want = 0.2 * gross[0] + 0.3 * gross[1] + 0.5 * gross[2];
    cr_assert(fabs(bt.wealth[T] - want) < 1e-13, "%.17g vs %.17g", bt.wealth[T], want);
    backtest_free(&bt);
}

Test(backtest, schedule_counts_from_day_zero, .description = "k = 1 daily, k = 5 every fifth close, k = 0 never")
{
    unsigned char t[12];
    backtest_schedule(t, 12, 5);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(t[i], i % 5 == 0, "day %d", i);
    backtest_schedule(t, 12, 1);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(t[i], 1);
    backtest_schedule(t, 12, 0);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(t[i], 0);
}

Test(backtest, bad_arguments, .description = "no days, no assets or a negative cost are refused")
{
    double x[2] = {0, 0};
    evo_backtest bt;
    evo_error err = {0};
    cr_assert_eq(backtest_run(&bt, x, x, NULL, 0, 2, 1, &err), EVO_ERR_USAGE);
    cr_assert_eq(backtest_run(&bt, x, x, NULL, 1, 2, -1, &err), EVO_ERR_USAGE);
    backtest_free(&bt);
    backtest_free(NULL);
}
