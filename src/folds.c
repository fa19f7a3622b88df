/* folds: walk-forward layout. Windows are panel days of returns, inclusive. */
#include "evofolio/folds.h"

#include <string.h>

/* The first day of the test period: the first on or after split.test_start, or the last test_days. */
static int test_first_day(const evo_config *cfg, const evo_date *dates, int n_days)
{
    if (!cfg->split.has_test_start)
        return n_days - cfg->split.test_days;
    int first = 0;
    while (first < n_days && dates[first] < cfg->split.test_start)
        first++;
    return first;
}

/* Does the split fit the data? The message names the config's key and what to change. */
static int check_fit(const evo_config *cfg, const evo_date *dates, int n_days, int test_first, evo_error *err)
{
    const char *key = cfg->split.has_test_start ? "split.test_start" : "split.test_days";
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    int test_days = n_days - test_first;
    if (test_first < 0 || test_days < EVO_TEST_MIN_DAYS)
        return config_fail_at(cfg, key, err, EVO_ERR_DATA,
                              "the test period has %d rows of data (%s to %s); at least %d are "
                              "needed. Move split.test_start earlier or lower split.test_days.",
                              test_days < 0 ? 0 : test_days, date_format(dates[0], a),
                              date_format(dates[n_days - 1], b), EVO_TEST_MIN_DAYS);
    int warmup = EVO_FEATURE_LOOKBACK + cfg->backtest.window;
    int need = warmup + cfg->split.train_days + cfg->split.embargo_days +
               cfg->split.folds * cfg->split.val_days + cfg->split.embargo_days;
    if (test_first < need)
        return config_fail_at(cfg, "split", err, EVO_ERR_DATA,
                              "the split does not fit the data: the search period before the test "
                              "period has %d rows, but warm-up %d (%d look-back + backtest.window "
                              "%d) + train_days %d + embargo_days %d + folds %d x val_days %d + "
                              "embargo_days %d = %d are needed. Lower split.folds, "
                              "split.train_days or split.val_days, or use more data.",
                              test_first, warmup, EVO_FEATURE_LOOKBACK, cfg->backtest.window,
                              cfg->split.train_days, cfg->split.embargo_days, cfg->split.folds,
                              cfg->split.val_days, cfg->split.embargo_days, need);
    return EVO_OK;
}

int folds_make(evo_split *s, const evo_config *cfg, const evo_date *dates, int n_days, evo_error *err)
{
    memset(s, 0, sizeof *s);
    const int test_first = test_first_day(cfg, dates, n_days);
    int rc = check_fit(cfg, dates, n_days, test_first, err);
    if (rc)
        return rc;
    const int K = cfg->split.folds, V = cfg->split.val_days, E = cfg->split.embargo_days,
              R = cfg->split.train_days;
    s->n_folds = K;
    s->test = (evo_window){test_first, n_days - 1};
    for (int k = 0; k < K; k++) {
        evo_fold *f = &s->folds[k];
        f->val.last = test_first - 1 - E - (K - 1 - k) * V; /* embargo before the test period */
        f->val.first = f->val.last - V + 1;
        f->train.last = f->val.first - 1 - E; /* embargo before validation */
        f->train.first = f->train.last - R + 1;
    }
    s->search = (evo_window){s->folds[0].train.first, s->folds[K - 1].val.last};
    s->warmup = EVO_FEATURE_LOOKBACK + cfg->backtest.window;
    return EVO_OK;
}

int folds_check(const evo_config *cfg, const evo_date *dates, int n_days, evo_error *err)
{
    return check_fit(cfg, dates, n_days, test_first_day(cfg, dates, n_days), err);
}
