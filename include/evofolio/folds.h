/* folds: the held-out test period and the walk-forward folds of the search period, as panel day
 * indices. A window's return days are first..last; its day 0 (the close where the first position is
 * taken) is first - 1. Fold k (0-based) of K: validation ends embargo_days before the test period for
 * k = K-1 and each earlier fold steps back by val_days; its training window ends embargo_days before
 * its validation window. Layout rules: configs/README.md ("split"). No allocation. */
#ifndef EVOFOLIO_FOLDS_H
#define EVOFOLIO_FOLDS_H

#include "evofolio/config.h"
#include "evofolio/date.h"
#include "evofolio/error.h"

enum { FOLDS_MAX = 100 };

typedef struct {
    int first, last; /* return days, inclusive */
} evo_window;

typedef struct {
    evo_window train, val;
} evo_fold;

typedef struct {
    int n_folds;
    evo_fold folds[FOLDS_MAX];
    evo_window test;   /* the held-out test period */
    evo_window search; /* from the first fold's training start to the last validation end */
    int warmup;        /* days before the first training window (feature look-back + window) */
} evo_split;

/* Lay out cfg->split over the panel's dates; EVO_ERR_DATA with the config's place when it does not
 * fit (see folds_check). */
int folds_make(evo_split *s, const evo_config *cfg, const evo_date *dates, int n_days, evo_error *err);
/* Does cfg->split fit these dates (configs/README.md, "split")? EVO_ERR_DATA at the config's place,
 * saying how many rows there are, how many are needed and what to change. */
int folds_check(const evo_config *cfg, const evo_date *dates, int n_days, evo_error *err);

#endif
