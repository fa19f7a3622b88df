/* folds: walk-forward layout. Windows are panel days of returns, inclusive. */
#include "evofolio/folds.h"

#include <string.h>

int folds_make(evo_split *s, const evo_config *cfg, const evo_date *dates, int n_days, evo_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = config_check_split(cfg, dates, n_days, err); /* the same arithmetic, with a located message */
    if (rc)
        return rc;
    int test_first = n_days - cfg->split.test_days;
    if (cfg->split.has_test_start)
        for (test_first = 0; dates[test_first] < cfg->split.test_start; test_first++)
            ;
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
