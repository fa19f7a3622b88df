/* metrics: performance statistics of a daily return series, forecast errors, and the multiple-testing
 * statistics of Bailey and Lopez de Prado (probabilistic and deflated Sharpe ratio, probability of
 * backtest overfitting). Conventions (DESIGN.md): 252 periods a year, risk-free rate 0, sd with
 * denominator T-1. Pure functions over caller arrays; only metrics_pbo allocates (and may fail). */
#ifndef EVOFOLIO_METRICS_H
#define EVOFOLIO_METRICS_H

#include "evofolio/error.h"

typedef struct {
    int days;            /* T */
    double ann_return;   /* prod(1 + r)^(252/T) - 1 */
    double ann_vol;      /* sd(r) sqrt(252) */
    double sharpe;       /* mean / sd * sqrt(252) (0 when sd = 0) */
    double sortino;      /* mean / DD * sqrt(252), DD = sqrt(sum min(r,0)^2 / T) (0 when DD = 0) */
    double max_drawdown; /* largest fall from a peak of wealth starting at 1, a positive fraction */
    double calmar;       /* ann_return / max_drawdown (0 when there is no drawdown) */
    double cvar95;       /* minus the mean of the ceil(0.05 T - 1e-9) lowest returns */
    double avg_turnover; /* sum TO / T */
    double hit_rate;     /* share of days with r > 0 */
    int trades;          /* days with TO > 0 */
} evo_metrics;

/* turnover may be NULL (then avg_turnover = trades = 0). A constant series has sd = 0 exactly; T < 1
 * gives all zeros. */
void metrics_compute(evo_metrics *m, const double *r, const double *turnover, int T);

typedef struct {
    double mae, mse, rmse, mape; /* of implied next-day prices; mape in percent */
} evo_forecast_errors;

/* predicted and actual prices over n values (actual > 0). */
void metrics_forecast_errors(evo_forecast_errors *e, const double *predicted, const double *actual, int n);

/* Per-period (daily) Sharpe ratio mean/sd (sd with T-1), skewness g3 = m3/m2^1.5 and raw kurtosis
 * g4 = m4/m2^2 (normal 3) from population central moments m_j = sum (r - mean)^j / T, for the
 * statistics below. A constant series or T < 2 gives sr = 0, g3 = 0, g4 = 3. */
void metrics_moments(const double *r, int T, double *sr, double *skew, double *kurt);
/* PSR(SR*) = Phi((SR - SR*) sqrt(T-1) / sqrt(1 - g3 SR + (g4-1)/4 SR^2)), per-period SR.
 * T < 2 gives 0.5. */
double metrics_psr(double sr, double sr_star, int T, double skew, double kurt);
/* SR0 = sqrt(V) ((1-gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))), gamma = 0.5772156649.
 * 0 when N < 2 or V <= 0 (nothing to deflate). */
double metrics_expected_max_sharpe(double n_trials, double var_trials);
/* DSR = PSR(SR0) for n_trials trials whose per-period Sharpe ratios have variance var_trials. */
double metrics_dsr(double sr, int T, double skew, double kurt, double n_trials, double var_trials);
/* The number of independent trials that N correlated ones, returns[N][T], are worth: the
 * participation ratio of their correlation matrix, N_eff = N^2 / sum_ij rho_ij^2 = N / (1 + (N-1) m)
 * with m the mean squared correlation between two different trials (1 for N copies of one trial, N
 * for uncorrelated ones). Above METRICS_EFFECTIVE_SAMPLE trials, m is the mean over that many evenly
 * spaced ones. A constant series counts as uncorrelated with every other. N < 2 gives N. */
enum { METRICS_EFFECTIVE_SAMPLE = 1000 };
double metrics_effective_trials(const double *returns, int N, int T);

/* Probability of backtest overfitting by combinatorially symmetric cross-validation: returns[N][T]
 * (N trials), split into S (even) blocks; for each of the C(S, S/2) in-sample halves the in-sample
 * best trial (by per-period Sharpe; ties -> lowest index) is ranked out of sample (1 = worst .. N,
 * ties averaged), w = rank/(N+1), logit = ln(w/(1-w)); PBO is the share of logits <= 0. Blocks
 * have T / S days; the last T mod S days are dropped. Fails with EVO_ERR_USAGE when S is odd, S < 2,
 * S > T, S > 32 or N < 2, EVO_ERR_NOMEM when out of memory; *pbo is written only on success. */
int metrics_pbo(double *pbo, const double *returns, int N, int T, int S, evo_error *err);

/* Standard normal CDF and its inverse (Acklam's rational approximation refined by one Halley step,
 * |error| < 1e-13). */
double metrics_norm_cdf(double x);
double metrics_norm_ppf(double p);

#endif
