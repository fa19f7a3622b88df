/* features: every definition twice - features_raw recomputes one day from scratch (the reference),
 * features_series runs over all days in O(D) - and the rolling z-score. Shapes: D days, A assets,
 * F selected features, S strategies; panel arrays are [D][A], P_t is asset a's close at day t and
 * r_t = P_t / P_{t-1} - 1 its simple return.
 *
 * Rolling windows of n values keep means and sums of products of deviations, computed in two passes
 * when the window first fills and again every n days, and moved by Welford's update for a window of
 * fixed length in between (the new day in, the day that leaves out), so rounding builds up over at
 * most n updates. A window's sd is 0 exactly when its values are all equal: both paths test that
 * equality (the fast one by counting how long the value has stayed unchanged), never a rounded sd,
 * which can be a few ulps off 0 for a constant window. */
#include "evofolio/features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    RSI_N = 14,         /* Wilder's smoothing length */
    MACD_FAST = 12,     /* EMA lengths of the MACD line ... */
    MACD_SLOW = 26,
    MACD_SIGNAL = 9,    /* ... and of its signal */
    MOM_FAR = 126,      /* mom126 runs from t - MOM_FAR to t - MOM_NEAR */
    MOM_NEAR = 21,
    MA_N = 50,          /* ma50's mean */
    DD_N = 252,         /* dd252's running-max window */
    VOL_MAX_N = 60,     /* the longest vol window */
    BETA_N = 60,        /* beta60's window */
    STAT_VOL_N = 20,    /* strategy statistics' windows */
    STAT_SHARPE_N = 60,
    TRADING_DAYS = 252  /* annualisation of the strategies' Sharpe */
};

/* First day each feature is defined (see features_raw for the definitions). */
static const int LOOKBACK[FEATURE_COUNT] = {
    [FEATURE_RET1] = 1,
    [FEATURE_RET5] = 5,
    [FEATURE_RET20] = 20,
    [FEATURE_VOL20] = 20,             /* r_1..r_20 */
    [FEATURE_VOL60] = 60,
    [FEATURE_BETA60] = BETA_N,
    [FEATURE_RSI14] = RSI_N,          /* the first averages use the changes of t = 1..14 */
    [FEATURE_MACD] = MACD_SLOW + MACD_SIGNAL - 2, /* 33 = (26 - 1) + (9 - 1): the signal has seen 9
                                                     values of a line whose slow EMA has seen 26 prices */
    [FEATURE_MOM126] = MOM_FAR,
    [FEATURE_MA50] = MA_N - 1,        /* P_0..P_49 */
    [FEATURE_DD252] = DD_N - 1,       /* P_0..P_251 */
    [FEATURE_VOLCHG] = 1,
};

static const int STAT_LOOKBACK[FEATURES_STAT_COUNT] = {
    [FEATURES_STAT_RET] = 1, [FEATURES_STAT_VOL20] = STAT_VOL_N, [FEATURES_STAT_DRAWDOWN] = 0,
    [FEATURES_STAT_SHARPE60] = STAT_SHARPE_N,
};

int features_lookback(evo_feature f) { return LOOKBACK[f]; }

int features_stat_lookback(features_stat k) { return STAT_LOOKBACK[k]; }

static double price(const evo_panel *p, int a, int t) { return p->close[(size_t)t * p->n_assets + a]; }

static double volume(const evo_panel *p, int a, int t) { return p->volume[(size_t)t * p->n_assets + a]; }

/* r_t = P_t / P_{t-1} - 1 */
static double simple_return(const evo_panel *p, int a, int t)
{
    return price(p, a, t) / price(p, a, t - 1) - 1;
}

static double clip(double z)
{
    return z > FEATURE_CLIP ? FEATURE_CLIP : z < -FEATURE_CLIP ? -FEATURE_CLIP : z;
}

/* RSI = 100 - 100 / (1 + gain / loss), 100 when loss = 0. */
static double rsi_value(double gain, double loss) { return loss == 0 ? 100 : 100 - 100 / (1 + gain / loss); }

static int all_equal(const double *x, int n)
{
    for (int i = 1; i < n; i++)
        if (x[i] != x[0])
            return 0;
    return 1;
}

static double mean_of(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s / n;
}

/* Sample covariance of x[n] and y[n], two passes: sum (x - mx)(y - my) / (n - 1). */
static double cov_of(const double *x, const double *y, int n)
{
    double mx = mean_of(x, n), my = mean_of(y, n), s = 0;
    for (int i = 0; i < n; i++)
        s += (x[i] - mx) * (y[i] - my);
    return s / (n - 1);
}

void features_market(double *market, const evo_panel *p)
{
    market[0] = 0;
    for (int t = 1; t < p->n_days; t++) {
        double s = 0;
        for (int a = 0; a < p->n_assets; a++)
            s += simple_return(p, a, t);
        market[t] = s / p->n_assets; /* m_t = mean over assets of r_t */
    }
}

/* The reference: each value from its definition, with nothing carried from other days. */
double features_raw(evo_feature f, const evo_panel *p, const double *market, int a, int t)
{
    if ((unsigned)f >= FEATURE_COUNT || t < LOOKBACK[f] || t >= p->n_days ||
        (f == FEATURE_VOLCHG && !p->volume))
        return NAN;
    switch (f) {
    case FEATURE_RET1:
    case FEATURE_RET5:
    case FEATURE_RET20: {
        int n = LOOKBACK[f];
        return log(price(p, a, t) / price(p, a, t - n)); /* ln(P_t / P_{t-n}) */
    }
    case FEATURE_VOL20:
    case FEATURE_VOL60: {
        double r[VOL_MAX_N];
        int n = LOOKBACK[f];
        for (int i = 0; i < n; i++)
            r[i] = simple_return(p, a, t - n + 1 + i); /* r_{t-n+1..t} */
        return all_equal(r, n) ? 0 : sqrt(cov_of(r, r, n));
    }
    case FEATURE_BETA60: {
        double r[BETA_N], m[BETA_N];
        for (int i = 0; i < BETA_N; i++) {
            r[i] = simple_return(p, a, t - BETA_N + 1 + i);
            m[i] = market[t - BETA_N + 1 + i];
        }
        return all_equal(m, BETA_N) ? 0 : cov_of(r, m, BETA_N) / cov_of(m, m, BETA_N); /* cov(r, m)/var(m) */
    }
    case FEATURE_RSI14: {
        /* first averages: simple means of the gains and losses of t = 1..14 */
        double gain = 0, loss = 0;
        for (int s = 1; s <= RSI_N; s++) {
            double x = price(p, a, s) - price(p, a, s - 1);
            gain += x > 0 ? x : 0;
            loss += x < 0 ? -x : 0;
        }
        gain /= RSI_N;
        loss /= RSI_N;
        for (int s = RSI_N + 1; s <= t; s++) { /* then avg = (avg * 13 + x) / 14 */
            double x = price(p, a, s) - price(p, a, s - 1);
            gain = (gain * (RSI_N - 1) + (x > 0 ? x : 0)) / RSI_N;
            loss = (loss * (RSI_N - 1) + (x < 0 ? -x : 0)) / RSI_N;
        }
        return rsi_value(gain, loss);
    }
    case FEATURE_MACD: {
        /* EMA_t = EMA_{t-1} + alpha (x_t - EMA_{t-1}), alpha = 2 / (n + 1), seeded with x_0 */
        const double af = 2.0 / (MACD_FAST + 1), as = 2.0 / (MACD_SLOW + 1), ag = 2.0 / (MACD_SIGNAL + 1);
        double fast = price(p, a, 0), slow = fast, line = 0, signal = 0;
        for (int s = 1; s <= t; s++) {
            double x = price(p, a, s);
            fast += af * (x - fast);
            slow += as * (x - slow);
            line = fast - slow;             /* EMA12 - EMA26 */
            signal += ag * (line - signal); /* its EMA9, seeded with line_0 = 0 */
        }
        return line - signal;
    }
    case FEATURE_MOM126:
        return price(p, a, t - MOM_NEAR) / price(p, a, t - MOM_FAR) - 1; /* P_{t-21} / P_{t-126} - 1 */
    case FEATURE_MA50: {
        double s = 0;
        for (int u = t - MA_N + 1; u <= t; u++)
            s += price(p, a, u);
        return price(p, a, t) / (s / MA_N) - 1; /* P_t / mean(P_{t-49..t}) - 1 */
    }
    case FEATURE_DD252: {
        double hi = price(p, a, t);
        for (int u = t - DD_N + 1; u < t; u++)
            hi = fmax(hi, price(p, a, u));
        return price(p, a, t) / hi - 1; /* P_t / max(P_{t-251..t}) - 1 */
    }
    case FEATURE_VOLCHG:
        return log((volume(p, a, t) + 1) / (volume(p, a, t - 1) + 1)); /* ln((V_t + 1) / (V_{t-1} + 1)) */
    case FEATURE_COUNT:
        break;
    }
    return NAN;
}

/* ---- rolling windows ---- */

/* Means and sums of products of deviations of n pairs (x, y). */
typedef struct {
    double mx, my, sxx, syy, sxy;
} moments;

/* Two passes over the pairs s = t-n+1..t: mx = sum x / n, then sxx = sum (x - mx)^2,
 * syy = sum (y - my)^2, sxy = sum (x - mx)(y - my). x_s = xs[s * stride] and y_s = ys[s] (0 when ys
 * is NULL). */
static moments moments_of_array(const double *xs, size_t stride, const double *ys, int t, int n)
{
    moments m = {0};
    double sx = 0, sy = 0;
    for (int s = t - n + 1; s <= t; s++) {
        sx += xs[s * stride];
        sy += ys ? ys[s] : 0;
    }
    m.mx = sx / n;
    m.my = sy / n;
    for (int s = t - n + 1; s <= t; s++) {
        double dx = xs[s * stride] - m.mx, dy = (ys ? ys[s] : 0) - m.my;
        m.sxx += dx * dx;
        m.syy += dy * dy;
        m.sxy += dx * dy;
    }
    return m;
}

/* The same with x_s = asset a's simple return r_s. */
static moments moments_of_returns(const evo_panel *p, int a, const double *ys, int t, int n)
{
    moments m = {0};
    double sx = 0, sy = 0;
    for (int s = t - n + 1; s <= t; s++) {
        sx += simple_return(p, a, s);
        sy += ys ? ys[s] : 0;
    }
    m.mx = sx / n;
    m.my = sy / n;
    for (int s = t - n + 1; s <= t; s++) {
        double dx = simple_return(p, a, s) - m.mx, dy = (ys ? ys[s] : 0) - m.my;
        m.sxx += dx * dx;
        m.syy += dy * dy;
        m.sxy += dx * dy;
    }
    return m;
}

/* The last n pairs of a series with values from day `first` on. The caller feeds every day to
 * roll_step and, as it answers, rebuilds the moments from the window (moments_of_*) or slides them
 * (roll_slide). The loops keep a roll in registers, so these helpers are small and inline. */
typedef struct {
    int n, full_from;  /* window length; first day it is full (first + n - 1) */
    int since;         /* days since the moments were rebuilt */
    double inv_n;      /* 1 / n */
    moments m;         /* of the window ending at the last day fed, once full */
    int run_x, run_y;  /* days, up to the last, that x (y) has kept its value: all n equal when >= n */
    double last_x, last_y;
} roll;

typedef enum {
    ROLL_FILLING, /* fewer than n values so far: no moments */
    ROLL_REBUILD, /* set m from the window in two passes: the first full day, then every n days */
    ROLL_SLIDE    /* update m with the day that enters and the one that leaves */
} roll_action;

static inline roll roll_make(int n, int first)
{
    return (roll){.n = n, .full_from = first + n - 1, .inv_n = 1.0 / n, .last_x = NAN, .last_y = NAN};
}

static inline roll_action roll_step(roll *r, int t, double x, double y)
{
    r->run_x = x == r->last_x ? r->run_x + 1 : 1; /* NaN (before the first day) equals nothing */
    r->run_y = y == r->last_y ? r->run_y + 1 : 1;
    r->last_x = x;
    r->last_y = y;
    if (t < r->full_from)
        return ROLL_FILLING;
    if (t == r->full_from || ++r->since == r->n) {
        r->since = 0;
        return ROLL_REBUILD;
    }
    return ROLL_SLIDE;
}

/* Welford's update for a window of fixed length n when (x, y) enters and (xo, yo) leaves:
 *   mx' = mx + (x - xo) / n
 *   sxx' = sxx + (x - xo)(x - mx' + xo - mx)
 *   sxy' = sxy + (x - xo)(y - my') + (y - yo)(xo - mx)
 * (expand sum x y - n mx my before and after to check). */
static inline void roll_slide(roll *r, double x, double y, double xo, double yo)
{
    moments *m = &r->m;
    const double dx = x - xo, dy = y - yo, mx = m->mx, my = m->my;
    m->mx += dx * r->inv_n;
    m->my += dy * r->inv_n;
    m->sxx += dx * (x - m->mx + xo - mx);
    m->syy += dy * (y - m->my + yo - my);
    m->sxy += dx * (y - m->my) + dy * (xo - mx);
}

/* Feed day t of the series x (every stride-th value) to r: 1 with r->m the moments of the window
 * ending at t, 0 while it fills. */
static inline int roll_array(roll *r, const double *x, size_t stride, int t)
{
    switch (roll_step(r, t, x[t * stride], 0)) {
    case ROLL_FILLING:
        return 0;
    case ROLL_REBUILD:
        r->m = moments_of_array(x, stride, NULL, t, r->n);
        break;
    case ROLL_SLIDE:
        roll_slide(r, x[t * stride], 0, x[(t - r->n) * stride], 0);
        break;
    }
    return 1;
}

/* Sample sd of the window's x: sqrt(sxx / (n - 1)); 0 when they are all equal. */
static inline double roll_sd_x(const roll *r)
{
    return r->run_x >= r->n || !(r->m.sxx > 0) ? 0 : sqrt(r->m.sxx / (r->n - 1));
}

/* ---- the fast series: v[D], already NaN everywhere; each fills its days from its look-back ---- */

static void series_ret(double *v, const evo_panel *p, int a, int n)
{
    for (int t = n; t < p->n_days; t++)
        v[t] = log(price(p, a, t) / price(p, a, t - n)); /* ln(P_t / P_{t-n}) */
}

static void series_vol(double *v, const evo_panel *p, int a, int n)
{
    roll r = roll_make(n, 1); /* r_{t-n+1..t} */
    for (int t = 1; t < p->n_days; t++) {
        const double x = simple_return(p, a, t);
        switch (roll_step(&r, t, x, 0)) {
        case ROLL_FILLING:
            continue;
        case ROLL_REBUILD:
            r.m = moments_of_returns(p, a, NULL, t, n);
            break;
        case ROLL_SLIDE:
            roll_slide(&r, x, 0, simple_return(p, a, t - n), 0);
            break;
        }
        v[t] = roll_sd_x(&r);
    }
}

static void series_beta(double *v, const evo_panel *p, const double *market, int a)
{
    roll r = roll_make(BETA_N, 1); /* (r_s, m_s), s = t-59..t */
    for (int t = 1; t < p->n_days; t++) {
        const double x = simple_return(p, a, t);
        switch (roll_step(&r, t, x, market[t])) {
        case ROLL_FILLING:
            continue;
        case ROLL_REBUILD:
            r.m = moments_of_returns(p, a, market, t, BETA_N);
            break;
        case ROLL_SLIDE:
            roll_slide(&r, x, market[t], simple_return(p, a, t - BETA_N), market[t - BETA_N]);
            break;
        }
        /* beta = cov(r, m) / var(m) = (sxy / (n-1)) / (syy / (n-1)); 0 when m is constant */
        v[t] = r.run_y >= BETA_N || !(r.m.syy > 0) ? 0 : r.m.sxy / r.m.syy;
    }
}

static void series_rsi(double *v, const evo_panel *p, int a)
{
    double gain = 0, loss = 0;
    for (int t = 1; t < p->n_days; t++) {
        double x = price(p, a, t) - price(p, a, t - 1);
        double g = x > 0 ? x : 0, l = x < 0 ? -x : 0;
        if (t <= RSI_N) { /* first averages: simple means over t = 1..14 */
            gain += g;
            loss += l;
            if (t < RSI_N)
                continue;
            gain /= RSI_N;
            loss /= RSI_N;
        } else { /* avg = (avg * 13 + x) / 14 */
            gain = (gain * (RSI_N - 1) + g) / RSI_N;
            loss = (loss * (RSI_N - 1) + l) / RSI_N;
        }
        v[t] = rsi_value(gain, loss);
    }
}

static void series_macd(double *v, const evo_panel *p, int a)
{
    /* EMA_t = EMA_{t-1} + alpha (x_t - EMA_{t-1}), alpha = 2 / (n + 1), seeded with x_0 (line_0 = 0) */
    const double af = 2.0 / (MACD_FAST + 1), as = 2.0 / (MACD_SLOW + 1), ag = 2.0 / (MACD_SIGNAL + 1);
    double fast = price(p, a, 0), slow = fast, signal = 0;
    for (int t = 1; t < p->n_days; t++) {
        double x = price(p, a, t);
        fast += af * (x - fast);
        slow += as * (x - slow);
        double line = fast - slow; /* EMA12 - EMA26 */
        signal += ag * (line - signal);
        if (t >= LOOKBACK[FEATURE_MACD])
            v[t] = line - signal;
    }
}

static void series_mom(double *v, const evo_panel *p, int a)
{
    for (int t = MOM_FAR; t < p->n_days; t++)
        v[t] = price(p, a, t - MOM_NEAR) / price(p, a, t - MOM_FAR) - 1; /* P_{t-21} / P_{t-126} - 1 */
}

static void series_ma(double *v, const evo_panel *p, int a)
{
    const size_t A = (size_t)p->n_assets;
    const double *col = p->close + a; /* P_s = col[s * A] */
    roll r = roll_make(MA_N, 0);
    for (int t = 0; t < p->n_days; t++)
        if (roll_array(&r, col, A, t))
            v[t] = col[t * A] / r.m.mx - 1; /* P_t / mean(P_{t-49..t}) - 1 */
}

/* Running max over P_{t-251..t} with a monotone deque: dq holds, oldest first, the days of the window
 * that no later day's price reaches, so their prices fall from front to back and the front is the max. */
static void series_dd(double *v, const evo_panel *p, int a)
{
    int dq[DD_N]; /* ring of days; at most DD_N, all inside the window */
    int head = 0, len = 0;
    for (int t = 0; t < p->n_days; t++) {
        if (len && dq[head] <= t - DD_N) { /* the max has left the window */
            head = head + 1 == DD_N ? 0 : head + 1;
            len--;
        }
        const double pt = price(p, a, t);
        while (len && price(p, a, dq[(head + len - 1) % DD_N]) <= pt)
            len--;
        dq[(head + len) % DD_N] = t;
        len++;
        if (t >= DD_N - 1)
            v[t] = pt / price(p, a, dq[head]) - 1; /* P_t / max(P_{t-251..t}) - 1 */
    }
}

static void series_volchg(double *v, const evo_panel *p, int a)
{
    for (int t = 1; t < p->n_days; t++)
        v[t] = log((volume(p, a, t) + 1) / (volume(p, a, t - 1) + 1)); /* ln((V_t + 1) / (V_{t-1} + 1)) */
}

void features_series(double *v, evo_feature f, const evo_panel *p, const double *market, int a)
{
    for (int t = 0; t < p->n_days; t++)
        v[t] = NAN;
    switch (f) {
    case FEATURE_RET1:
    case FEATURE_RET5:
    case FEATURE_RET20:
        series_ret(v, p, a, LOOKBACK[f]);
        break;
    case FEATURE_VOL20:
    case FEATURE_VOL60:
        series_vol(v, p, a, LOOKBACK[f]);
        break;
    case FEATURE_BETA60:
        series_beta(v, p, market, a);
        break;
    case FEATURE_RSI14:
        series_rsi(v, p, a);
        break;
    case FEATURE_MACD:
        series_macd(v, p, a);
        break;
    case FEATURE_MOM126:
        series_mom(v, p, a);
        break;
    case FEATURE_MA50:
        series_ma(v, p, a);
        break;
    case FEATURE_DD252:
        series_dd(v, p, a);
        break;
    case FEATURE_VOLCHG:
        if (p->volume)
            series_volchg(v, p, a);
        break;
    case FEATURE_COUNT:
        break;
    }
}

/* out[t] for t >= first + n - 1: the sample sd of x[t-n+1..t], or with `sharpe` sqrt(252) mean / sd;
 * both 0 when those values are all equal. */
static void rolling_sd(double *out, const double *x, int D, int first, int n, int sharpe)
{
    roll r = roll_make(n, first);
    for (int t = first; t < D; t++) {
        if (!roll_array(&r, x, 1, t))
            continue;
        const double sd = roll_sd_x(&r);
        out[t] = !sharpe ? sd : sd > 0 ? r.m.mx / sd * sqrt(TRADING_DAYS) : 0;
    }
}

void features_normalise(double *z, const double *v, int D, int first, int window_len)
{
    for (int t = 0; t < D; t++)
        z[t] = NAN;
    roll r = roll_make(window_len, first);
    for (int t = first; t < D; t++) {
        if (!roll_array(&r, v, 1, t))
            continue;
        const double sd = roll_sd_x(&r);
        z[t] = sd > 0 ? clip((v[t] - r.m.mx) / sd) : 0; /* z_t = (v_t - mean(v_{t-W+1..t})) / sd(...) */
    }
}

void features_stat_series(double *v, features_stat k, const double *ret, int D)
{
    for (int t = 0; t < D; t++)
        v[t] = NAN;
    switch (k) {
    case FEATURES_STAT_RET:
        for (int t = 1; t < D; t++)
            v[t] = ret[t];
        break;
    case FEATURES_STAT_VOL20:
        rolling_sd(v, ret, D, 1, STAT_VOL_N, 0); /* sd of r_{t-19..t} */
        break;
    case FEATURES_STAT_DRAWDOWN: {
        double wealth = 1, peak = 1; /* W_0 = 1 */
        if (D > 0)
            v[0] = 0;
        for (int t = 1; t < D; t++) {
            wealth *= 1 + ret[t]; /* W_t = W_{t-1} (1 + r_t) */
            peak = fmax(peak, wealth);
            v[t] = wealth / peak - 1; /* W_t / max_{u<=t} W_u - 1 */
        }
        break;
    }
    case FEATURES_STAT_SHARPE60:
        rolling_sd(v, ret, D, 1, STAT_SHARPE_N, 1); /* sqrt(252) mean / sd of r_{t-59..t} */
        break;
    case FEATURES_STAT_COUNT:
        break;
    }
}

/* ---- the normalised arrays ---- */

static int max_int(int a, int b) { return a > b ? a : b; }

static int check_window(int window_len, evo_error *err)
{
    if (window_len < 2)
        return evo_fail(err, EVO_ERR_CONFIG, "features: a normalisation window of %d days is too short; "
                        "the rolling z-score needs at least 2 (set backtest.window >= 2)", window_len);
    return EVO_OK;
}

int features_compute(evo_features *out, const evo_panel *p, unsigned feature_mask, int window_len,
                     evo_error *err)
{
    memset(out, 0, sizeof *out);
    if (feature_mask == 0 || feature_mask >> FEATURE_COUNT)
        return evo_fail(err, EVO_ERR_CONFIG, "features: the selection 0x%x names no feature or one "
                        "outside the catalogue; select from ret1 .. volchg (README.md, \"Features\")",
                        feature_mask);
    int rc = check_window(window_len, err);
    if (rc)
        return rc;
    if ((feature_mask >> FEATURE_VOLCHG & 1) && !p->volume)
        return evo_fail(err, EVO_ERR_CONFIG, "features: volchg needs volumes, but the data have none "
                        "(a wide CSV holds closes only); drop volchg from the features or load "
                        "per-ticker OHLCV files with a Volume column");
    if (p->n_days < 1 || p->n_assets < 1)
        return evo_fail(err, EVO_ERR_DATA, "features: the panel has %d days and %d assets; load data "
                        "with at least one of each", p->n_days, p->n_assets);
    const int D = p->n_days, A = p->n_assets;
    int F = 0, first_usable = 0;
    for (int f = 0; f < FEATURE_COUNT; f++)
        if (feature_mask >> f & 1) {
            out->ids[F++] = (evo_feature)f;
            first_usable = max_int(first_usable, LOOKBACK[f] + window_len - 1);
        }
    out->D = D;
    out->A = A;
    out->F = F;
    out->first_usable = first_usable;
    out->x = calloc((size_t)D * A * F, sizeof *out->x); /* [D][A][F], 0 before first_usable */
    double *market = malloc((size_t)D * sizeof *market), *v = malloc((size_t)D * sizeof *v);
    double *z = malloc((size_t)D * sizeof *z);
    if (!out->x || !market || !v || !z) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "features: out of memory for %d days x %d assets x %d "
                      "features", D, A, F);
        features_free(out);
        goto cleanup;
    }
    features_market(market, p);
    for (int a = 0; a < A; a++)
        for (int k = 0; k < F; k++) {
            features_series(v, out->ids[k], p, market, a);
            features_normalise(z, v, D, LOOKBACK[out->ids[k]], window_len);
            for (int t = first_usable; t < D; t++)
                out->x[((size_t)t * A + a) * F + k] = (float)z[t];
        }
cleanup:
    free(market);
    free(v);
    free(z);
    return rc;
}

int features_strategy_stats(evo_features *out, const double *ret, int S, int D, int window_len,
                            evo_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_window(window_len, err);
    if (rc)
        return rc;
    if (S < 1 || D < 1)
        return evo_fail(err, EVO_ERR_DATA, "features: strategy statistics of %d strategies over %d days; "
                        "expected at least one of each", S, D);
    const int F = FEATURES_STAT_COUNT;
    int first_usable = 0;
    for (int k = 0; k < F; k++)
        first_usable = max_int(first_usable, STAT_LOOKBACK[k] + window_len - 1);
    out->D = D;
    out->A = S;
    out->F = F;
    out->first_usable = first_usable;
    out->x = calloc((size_t)D * S * F, sizeof *out->x); /* [D][S][4], 0 before first_usable */
    double *v = malloc((size_t)D * sizeof *v), *z = malloc((size_t)D * sizeof *z);
    if (!out->x || !v || !z) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "features: out of memory for %d days x %d strategies", D, S);
        features_free(out);
        goto cleanup;
    }
    for (int s = 0; s < S; s++)
        for (int k = 0; k < F; k++) {
            features_stat_series(v, (features_stat)k, ret + (size_t)s * D, D);
            features_normalise(z, v, D, STAT_LOOKBACK[k], window_len);
            for (int t = first_usable; t < D; t++)
                out->x[((size_t)t * S + s) * F + k] = (float)z[t];
        }
cleanup:
    free(v);
    free(z);
    return rc;
}

void features_free(evo_features *f)
{
    if (!f)
        return;
    free(f->x);
    memset(f, 0, sizeof *f);
}
