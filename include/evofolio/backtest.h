/* backtest: target weights in, net daily returns, turnover and wealth out, exactly per DESIGN.md
 * ("Backtest conventions"). Shapes: T return days, A assets. A period starts at its day 0 (the close
 * before its first return day); return day t = 1..T is stored at index t-1.
 *   w[1] = target[0] (the initial purchase: not counted, not charged)
 *   g[t] = sum_i w[t,i] r[t,i];  drifted_i = w[t,i] (1 + r[t,i]) / (1 + g[t])
 *   at the close of day t < T, when trade[t]: TO[t] = sum_i |target[t,i] - drifted_i|, w[t+1] = target[t]
 *   otherwise TO[t] = 0, w[t+1] = drifted (no trade on the last close)
 *   r_net[t] = (1 + g[t]) (1 - c TO[t]) - 1,  c = cost_bps / 1e4;  wealth[0] = 1
 * The result owns its arrays (backtest_free); failures are EVO_ERR_NOMEM or EVO_ERR_USAGE. */
#ifndef EVOFOLIO_BACKTEST_H
#define EVOFOLIO_BACKTEST_H

#include "evofolio/error.h"

typedef struct {
    int T, A;
    double *net;      /* [T] net return of return day t (index t-1) */
    double *gross;    /* [T] */
    double *turnover; /* [T] two-sided turnover traded at the close of day t (0 on the last day) */
    double *weights;  /* [T][A] weights held over day t, set at the close of day t-1 */
    double *wealth;   /* [T+1] wealth from 1 at day 0 */
    int trades;       /* closes with a non-zero turnover (the initial purchase not counted) */
} evo_backtest;

/* r[T][A]: simple returns of the T return days. targets[T][A]: row t (t = 0..T-1) holds the target
 * decided at the close of day t; it is read only where trade[t] is set, and always at t = 0.
 * trade[T] (may be NULL = never rebalance): trade[t] for t >= 1 rebalances at the close of day t. */
int backtest_run(evo_backtest *out, const double *r, const double *targets, const unsigned char *trade,
                 int T, int A, double cost_bps, evo_error *err);
void backtest_free(evo_backtest *bt);

/* Rebalance flags for "every k trading days counted from day 0" (k = 1 daily, k = 0 never):
 * trade[t] = k > 0 && t % k == 0. */
void backtest_schedule(unsigned char *trade, int T, int k);

#endif
