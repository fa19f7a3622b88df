/* Tests of folds: the walk-forward layout worked by hand, test_start versus test_days, and data too
 * short for the split. */
#include <criterion/criterion.h>
#include <string.h>

#include "evofolio/folds.h"

static void parse(const char *yaml, evo_config *cfg)
{
    evo_error err = {0};
    cr_assert_eq(config_parse(yaml, strlen(yaml), "f.yaml", cfg, &err), EVO_OK, "%s", err.msg);
}

Test(folds, layout_by_hand, .description = "K folds stepping by val_days, embargoes, the test period")
{
    /* 1000 days, test = last 100 (900..999). Embargo 5, val 50, train 200, K = 3, window 20:
     * fold 2: val 845..894 (894 = 900 - 1 - 5), train 640..839 (839 = 845 - 1 - 5)
     * fold 1: val 795..844, train 590..789;  fold 0: val 745..794, train 540..739
     * warm-up 252 + 20 = 272 <= 540. */
    evo_config cfg;
    parse("data: {prices: p.csv}\nbacktest: {window: 20}\nsplit: {test_days: 100, folds: 3, "
          "train_days: 200, val_days: 50, embargo_days: 5}\n", &cfg);
    static evo_date dates[1000];
    for (int i = 0; i < 1000; i++)
        dates[i] = 10000 + i;
    evo_split s;
    evo_error err = {0};
    cr_assert_eq(folds_make(&s, &cfg, dates, 1000, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(s.n_folds, 3);
    cr_assert_eq(s.test.first, 900);
    cr_assert_eq(s.test.last, 999);
    const int want[3][4] = {{540, 739, 745, 794}, {590, 789, 795, 844}, {640, 839, 845, 894}};
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(s.folds[k].train.first, want[k][0], "fold %d", k);
        cr_assert_eq(s.folds[k].train.last, want[k][1], "fold %d", k);
        cr_assert_eq(s.folds[k].val.first, want[k][2], "fold %d", k);
        cr_assert_eq(s.folds[k].val.last, want[k][3], "fold %d", k);
        cr_assert_eq(s.folds[k].train.last - s.folds[k].train.first + 1, 200);
        cr_assert_eq(s.folds[k].val.first - s.folds[k].train.last - 1, 5, "embargo");
    }
    cr_assert_eq(s.search.first, 540);
    cr_assert_eq(s.search.last, 894);
    cr_assert_eq(s.warmup, 272);
    config_free(&cfg);
}

Test(folds, test_start_date, .description = "the test period starts at the first date >= test_start")
{
    evo_config cfg;
    parse("data: {prices: p.csv}\nbacktest: {window: 20}\nsplit: {test_start: 1970-01-01, folds: 1, "
          "train_days: 100, val_days: 20, embargo_days: 2}\n", &cfg);
    cfg.split.test_start = 10500; /* between dates: 10499 is absent, 10501 is the first after */
    static evo_date dates[600];
    for (int i = 0; i < 600; i++)
        dates[i] = 10000 + i + (i >= 500); /* a one-day hole at 10500 */
    evo_split s;
    evo_error err = {0};
    cr_assert_eq(folds_make(&s, &cfg, dates, 600, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(s.test.first, 500);
    cr_assert_eq(dates[s.test.first], 10501);
    cr_assert_eq(s.folds[0].val.last, 497);
    config_free(&cfg);
}

Test(folds, too_short_is_an_error, .description = "data too short for the split: EVO_ERR_DATA, located")
{
    evo_config cfg;
    parse("data: {prices: p.csv}\nbacktest: {window: 20}\nsplit: {test_days: 100, folds: 3, "
          "train_days: 200, val_days: 50, embargo_days: 5}\n", &cfg);
    static evo_date dates[800]; /* needs 272 + 200 + 5 + 150 + 5 = 632 before the test: has 700 */
    for (int i = 0; i < 800; i++)
        dates[i] = i;
    evo_split s;
    evo_error err = {0};
    cr_assert_eq(folds_make(&s, &cfg, dates, 800, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(folds_make(&s, &cfg, dates, 731, &err), EVO_ERR_DATA, "631 < 632 rows before the test");
    cr_assert(strstr(err.msg, "f.yaml:3:1:") && strstr(err.msg, "632"), "%s", err.msg);
    config_free(&cfg);
}

Test(folds, check_counts_the_rows_the_split_needs,
     .description = "rows needed = warm-up + train + folds*val + 2 embargoes; the message names the key")
{
    evo_config cfg;
    /* the split on line 3 of the text */
    parse("data: {prices: p.csv}\nbacktest: {window: 20}\n"
          "split: {test_days: 20, folds: 2, train_days: 50, val_days: 10, embargo_days: 2}\n", &cfg);
    enum { NEED = 252 + 20 + 50 + 2 + 2 * 10 + 2 }; /* 346 rows before the test period */
    evo_date dates[NEED + 20];
    for (int i = 0; i < NEED + 20; i++)
        dates[i] = i;
    evo_error err = {0};
    cr_assert_eq(folds_check(&cfg, dates, NEED + 20, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(folds_check(&cfg, dates, NEED + 19, &err), EVO_ERR_DATA);
    cr_assert(strstr(err.msg, "f.yaml:3:1:") && strstr(err.msg, "= 346 are needed"), "%s", err.msg);
    config_free(&cfg);
}
