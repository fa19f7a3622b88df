/* Tests of data: wide and per-ticker files into a panel, alignment, forward fill, the config's asset
 * and date selection, and each rejection with its file:line:column. Every test writes its files into
 * a fresh mkdtemp directory (the suite's fixture), removed after the test. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/synth.h"
#include "scratch.h"

/* The test's directory. Criterion runs each test in its own process, so this is per test. */
static char tmp[64];

static void tmp_create(void) { scratch_create(tmp, sizeof tmp, "data"); }
static void tmp_remove(void) { scratch_remove(tmp); }

TestSuite(data, .init = tmp_create, .fini = tmp_remove);

typedef char path_buf[512];

static char *path_in(const char *dir, const char *name, path_buf out)
{
    snprintf(out, sizeof(path_buf), "%s/%s", dir, name);
    return out;
}

/* Write text to dir/name; name may have one directory part, made when missing. */
static void write_file(const char *dir, const char *name, const char *text)
{
    path_buf path;
    const char *slash = strchr(name, '/');
    if (slash) {
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(slash - name), name);
        mkdir(path, 0700);
    }
    FILE *f = fopen(path_in(dir, name, path), "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const data_options strict = {MISSING_ERROR, 5};

/* Load the named files (or directories) of the test directory together. */
static int load_names(const data_options *opt, evo_panel *p, evo_error *err, int n, const char **names)
{
    path_buf paths[4];
    char *argv[4];
    cr_assert(n <= 4);
    for (int i = 0; i < n; i++)
        argv[i] = path_in(tmp, names[i], paths[i]);
    return data_load_files(argv, n, opt, p, err);
}

static int load1(const char *name, const data_options *opt, evo_panel *p, evo_error *err)
{
    return load_names(opt, p, err, 1, &name);
}

/* Write text as name, load it alone, expect EVO_ERR_DATA with "<dir>/<name>:<at>" and what. */
static void expect_rejected(const char *name, const char *text, const data_options *opt,
                            const char *at, const char *what)
{
    write_file(tmp, name, text);
    evo_panel p;
    evo_error err = {0};
    path_buf where;
    snprintf(where, sizeof where, "%s/%s:%s", tmp, name, at);
    cr_assert_eq(load1(name, opt, &p, &err), EVO_ERR_DATA, "accepted:\n%s", text);
    cr_assert(strstr(err.msg, where), "message '%s' lacks '%s'", err.msg, where);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
    cr_assert_null(p.close, "a failed load leaves the panel freed");
}

static evo_date ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* Row d of the generated files: business days from Monday 2000-01-03, no holidays. */
static evo_date row_date(int d)
{
    return ymd(2000, 1, 3) + 7 * (d / 5) + d % 5;
}

/* Price of asset a on row d in the generated files; exact in 10 significant digits. */
static double row_price(int d, int a)
{
    return 100 + 10 * a + d / 100.0;
}

/* A wide CSV of n rows for the A asset names; malloc'd, caller frees. */
static char *wide_text(int n, const char *const *names, int A)
{
    char *text;
    size_t len;
    char date[EVO_DATE_STR];
    FILE *f = open_memstream(&text, &len);
    fputs("date", f);
    for (int a = 0; a < A; a++)
        fprintf(f, ",%s", names[a]);
    fputc('\n', f);
    for (int d = 0; d < n; d++) {
        fputs(date_format(row_date(d), date), f);
        for (int a = 0; a < A; a++)
            fprintf(f, ",%.10g", row_price(d, a));
        fputc('\n', f);
    }
    fclose(f);
    return text;
}

/* A Yahoo-style file of n rows for asset number a, volume 1000 + d; caller frees. */
static char *ticker_text(int n, int a)
{
    char *text;
    size_t len;
    char date[EVO_DATE_STR];
    FILE *f = open_memstream(&text, &len);
    fputs("Date,Open,High,Low,Close,Adj Close,Volume\n", f);
    for (int d = 0; d < n; d++) {
        double p = row_price(d, a);
        fprintf(f, "%s,%g,%g,%g,%g,%g,%d\n", date_format(row_date(d), date), p, p, p, p, p, 1000 + d);
    }
    fclose(f);
    return text;
}

static const char *const abc[] = {"AAA", "BBB", "CCC"};

/* Needs 252 look-back + 20 window + 20 train + 1 + 1 x 5 val + 1 = 299 rows before a 20-row test. */
#define SMALL_SPLIT                                                                                \
    "backtest: {window: 20}\n"                                                                     \
    "split: {test_days: 20, folds: 1, train_days: 20, val_days: 5, embargo_days: 1}\n"

/* Write p.csv (n rows of AAA, BBB, CCC), parse yaml as <dir>/c.yaml (must be valid) and load its data. */
static int load_config(const char *yaml, int n_rows, evo_config *cfg, evo_panel *p, evo_error *err)
{
    char *text = wide_text(n_rows, abc, 3);
    write_file(tmp, "p.csv", text);
    free(text);
    path_buf cpath;
    evo_error perr = {0};
    cr_assert_eq(config_parse(yaml, strlen(yaml), path_in(tmp, "c.yaml", cpath), cfg, &perr), EVO_OK,
                 "%s", perr.msg);
    return data_load_config(cfg, p, err);
}

/* Expect load_config to fail with code and "<dir>/c.yaml:<at>" and what in the message. */
static void expect_config_rejected(const char *yaml, int n_rows, int code, const char *at,
                                   const char *what)
{
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    path_buf where;
    snprintf(where, sizeof where, "%s/c.yaml:%s", tmp, at);
    cr_assert_eq(load_config(yaml, n_rows, &cfg, &p, &err), code, "%s", err.msg);
    cr_assert(strstr(err.msg, where), "message '%s' lacks '%s'", err.msg, where);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
    cr_assert_null(p.close);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- wide files */

Test(data, wide_csv_values, .description = "a wide CSV: names, dates, closes, no volume")
{
    write_file(tmp, "p.csv", "date,AAA,BBB\n2000-01-03,10.5,20\n2000-01-04,11,21.25\n"
                             "2000-01-05,12,22\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("p.csv", &strict, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.format, DATA_WIDE);
    cr_assert_eq(p.n_days, 3);
    cr_assert_eq(p.n_assets, 2);
    cr_assert_str_eq(p.assets[0], "AAA");
    cr_assert_str_eq(p.assets[1], "BBB");
    cr_assert_eq(p.dates[0], ymd(2000, 1, 3));
    cr_assert_eq(p.dates[2], ymd(2000, 1, 5));
    const double want[3][2] = {{10.5, 20}, {11, 21.25}, {12, 22}};
    for (int d = 0; d < 3; d++)
        for (int a = 0; a < 2; a++) /* exact: each is a short decimal read by strtod */
            cr_assert_eq(p.close[d * 2 + a], want[d][a], "(%d, %d)", d, a);
    cr_assert_null(p.volume);
    cr_assert_eq(p.n_sources, 1);
    cr_assert_eq(p.rows_read, 3);
    cr_assert_eq(p.filled_cells, 0);
    cr_assert_eq(p.dropped_alignment, 0);
    data_panel_free(&p);
}

Test(data, write_wide_round_trip, .description = "data_write_wide then data_load_files gives the panel")
{
    synth_options o;
    synth_defaults(&o);
    o.n_assets = 4;
    o.n_days = 60;
    o.seed = 7;
    evo_panel s, p;
    evo_error err = {0};
    cr_assert_eq(synth_panel(&o, &s, &err), EVO_OK, "%s", err.msg);
    path_buf path;
    FILE *f = fopen(path_in(tmp, "rt.csv", path), "w");
    cr_assert_not_null(f);
    cr_assert_eq(data_write_wide(&s, f), EVO_OK);
    fclose(f);
    cr_assert_eq(load1("rt.csv", &strict, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.n_days, s.n_days);
    cr_assert_eq(p.n_assets, s.n_assets);
    for (int a = 0; a < s.n_assets; a++)
        cr_assert_str_eq(p.assets[a], s.assets[a]);
    for (int d = 0; d < s.n_days; d++) {
        cr_assert_eq(p.dates[d], s.dates[d]);
        /* %.10g rounds to 10 significant digits: relative error <= 5e-10, so 1e-9 holds. */
        for (int a = 0; a < s.n_assets; a++) {
            double x = s.close[d * 4 + a], y = p.close[d * 4 + a];
            cr_assert_leq(fabs(y - x), 1e-9 * fabs(x), "(%d, %d): %.17g vs %.17g", d, a, x, y);
        }
    }
    data_panel_free(&s);
    data_panel_free(&p);
}

/* ---------------------------------------------------------------- per-ticker files */

Test(data, tickers_prefer_adj_close, .description = "Adj Close when present, Close otherwise; Volume kept")
{
    write_file(tmp, "AAA.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n"
                               "2000-01-03,10,11,9,10.5,10.25,1000\n"
                               "2000-01-04,10.5,11,10,10.75,10.5,1100\n"
                               "2000-01-05,10.75,12,10,11.5,11.25,0\n");
    write_file(tmp, "BBB.csv", "Date,Open,High,Low,Close,Volume\n"
                               "2000-01-03,20,21,19,20.5,500\n"
                               "2000-01-04,20,22,19,21.5,600\n"
                               "2000-01-05,21,23,20,22.5,700\n");
    evo_panel p;
    evo_error err = {0};
    const char *names[] = {"AAA.csv", "BBB.csv"};
    cr_assert_eq(load_names(&strict, &p, &err, 2, names), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.format, DATA_TICKERS);
    cr_assert_eq(p.n_sources, 2);
    cr_assert_eq(p.n_days, 3);
    cr_assert_eq(p.n_assets, 2);
    cr_assert_str_eq(p.assets[0], "AAA", "the asset is the file stem");
    cr_assert_str_eq(p.assets[1], "BBB");
    const double close[3][2] = {{10.25, 20.5}, {10.5, 21.5}, {11.25, 22.5}};
    const double volume[3][2] = {{1000, 500}, {1100, 600}, {0, 700}};
    cr_assert_not_null(p.volume);
    for (int d = 0; d < 3; d++)
        for (int a = 0; a < 2; a++) { /* exact: short decimals */
            cr_assert_eq(p.close[d * 2 + a], close[d][a], "close (%d, %d)", d, a);
            cr_assert_eq(p.volume[d * 2 + a], volume[d][a], "volume (%d, %d)", d, a);
        }
    cr_assert_eq(p.dates[1], ymd(2000, 1, 4));
    cr_assert_eq(p.dropped_alignment, 0);
    data_panel_free(&p);
}

Test(data, single_ticker_file_is_not_wide, .description = "one file with a Close column: per-ticker")
{
    write_file(tmp, "XYZ.csv", "Date,Close\n2000-01-03,5\n2000-01-04,6\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("XYZ.csv", &strict, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.format, DATA_TICKERS);
    cr_assert_eq(p.n_assets, 1);
    cr_assert_str_eq(p.assets[0], "XYZ");
    cr_assert_eq(p.close[1], 6.0);
    cr_assert_null(p.volume, "no Volume column");
    data_panel_free(&p);
}

Test(data, directory_aligns_common_dates, .description = "a directory: *.csv by name, common dates kept")
{
    /* a: Jan 3-6, b: Jan 4-7, c: Jan 3,5,6,7 (all 2000). Common: 5, 6. Distinct: 3..7 = 5 dates, so
     * 3 dropped: Jan 3 (no b), Jan 4 (no c), Jan 7 (no a). Close = 100 x asset + day. */
    write_file(tmp, "t/b.csv", "Date,Close,Volume\n2000-01-04,204,24\n2000-01-05,205,25\n"
                               "2000-01-06,206,26\n2000-01-07,207,27\n");
    write_file(tmp, "t/a.csv", "Date,Close,Volume\n2000-01-03,103,13\n2000-01-04,104,14\n"
                               "2000-01-05,105,15\n2000-01-06,106,16\n");
    write_file(tmp, "t/c.csv", "Date,Close,Volume\n2000-01-03,303,33\n2000-01-05,305,35\n"
                               "2000-01-06,306,36\n2000-01-07,307,37\n");
    write_file(tmp, "t/notes.txt", "not data\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("t", &strict, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.n_sources, 3, "notes.txt is not read");
    cr_assert_eq(p.n_assets, 3);
    cr_assert_str_eq(p.assets[0], "a");
    cr_assert_str_eq(p.assets[1], "b");
    cr_assert_str_eq(p.assets[2], "c");
    cr_assert_eq(p.n_days, 2);
    cr_assert_eq(p.dates[0], ymd(2000, 1, 5));
    cr_assert_eq(p.dates[1], ymd(2000, 1, 6));
    cr_assert_eq(p.rows_read, 5);
    cr_assert_eq(p.dropped_alignment, 3);
    for (int d = 0; d < 2; d++)
        for (int a = 0; a < 3; a++) {
            cr_assert_eq(p.close[d * 3 + a], 100.0 * (a + 1) + 5 + d, "close (%d, %d)", d, a);
            cr_assert_eq(p.volume[d * 3 + a], 10.0 * (a + 1) + 5 + d, "volume (%d, %d)", d, a);
        }
    data_panel_free(&p);
}

Test(data, volume_null_when_one_file_lacks_it, .description = "no Volume in one file: no volume at all")
{
    write_file(tmp, "t/a.csv", "Date,Close,Volume\n2000-01-03,10,1\n2000-01-04,11,2\n");
    write_file(tmp, "t/b.csv", "Date,Close\n2000-01-03,20\n2000-01-04,21\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("t", &strict, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.n_assets, 2);
    cr_assert_null(p.volume);
    cr_assert_eq(p.close[3], 21.0);
    data_panel_free(&p);
}

Test(data, duplicate_stems_rejected, .description = "two directories holding x.csv: EVO_ERR_DATA")
{
    const char *text = "Date,Close\n2000-01-03,10\n2000-01-04,11\n";
    write_file(tmp, "d1/x.csv", text);
    write_file(tmp, "d2/x.csv", text);
    write_file(tmp, "d2/y.csv", text);
    evo_panel p;
    evo_error err = {0};
    path_buf a, b;
    const char *names[] = {"d1", "d2"};
    cr_assert_eq(load_names(&strict, &p, &err, 2, names), EVO_ERR_DATA);
    /* A name clash has no line or column: the message names both files instead. */
    cr_assert(strstr(err.msg, path_in(tmp, "d1/x.csv", a)), "%s", err.msg);
    cr_assert(strstr(err.msg, path_in(tmp, "d2/x.csv", b)), "%s", err.msg);
    cr_assert(strstr(err.msg, "'x'"), "%s", err.msg);
}

Test(data, missing_path_rejected, .description = "a path that does not exist is bad data (exit 2)")
{
    evo_panel p;
    evo_error err = {0};
    int rc = load1("nothing.csv", &strict, &p, &err);
    cr_assert_eq(rc, EVO_ERR_DATA, "rc %d: %s", rc, err.msg);
    cr_assert(strstr(err.msg, "nothing.csv: cannot open"), "%s", err.msg);
}

/* ---------------------------------------------------------------- rejections */

/* Three good lines, then line 4 as given. */
#define HEAD "date,AAA,BBB\n2000-01-03,10,20\n2000-01-04,11,21\n"

Test(data, rejects_empty_file_and_missing_header, .description = "no header, or a data row as header")
{
    expect_rejected("p.csv", "", &strict, " the file is empty", "header");
    expect_rejected("p.csv", "\n\n", &strict, " the file is empty", "header");
    expect_rejected("p.csv", "date,AAA\n", &strict, " there are no rows", "header");
    expect_rejected("p.csv", "2000-01-03,10,20\n2000-01-04,11,21\n", &strict, "1:1:",
                    "the first column must be 'date', found '2000-01-03'");
}

Test(data, rejects_first_column_not_date, .description = "header's first cell must be 'date'")
{
    expect_rejected("p.csv", "\nDay,AAA\n2000-01-03,10\n", &strict, "2:1:", "found 'Day'");
}

Test(data, rejects_duplicate_asset_names, .description = "a wide header naming an asset twice")
{
    /* "date,AAA,BBB," is 13 chars: the second AAA starts at column 14. */
    expect_rejected("p.csv", "date,AAA,BBB,AAA\n2000-01-03,1,2,3\n", &strict, "1:14:",
                    "duplicate asset name 'AAA'");
}

Test(data, rejects_bad_numbers, .description = "non-numeric, empty, zero and negative prices")
{
    /* "2000-01-05," is 11 chars (AAA at column 12); "2000-01-05,12," 14 (BBB at 15). */
    expect_rejected("p.csv", HEAD "2000-01-05,12,abc\n", &strict, "4:15:", "'abc' is not a number");
    expect_rejected("p.csv", HEAD "2000-01-05,12,1.5x\n", &strict, "4:15:", "is not a number");
    expect_rejected("p.csv", HEAD "2000-01-05,,22\n", &strict, "4:12:", "empty cell");
    expect_rejected("p.csv", HEAD "2000-01-05,0,22\n", &strict, "4:12:", "not positive");
    expect_rejected("p.csv", HEAD "2000-01-05,12,-1.5\n", &strict, "4:15:", "not positive");
    /* Underflow reads as a (zero) number, so the message says why it is refused. */
    expect_rejected("p.csv", HEAD "2000-01-05,12,1e-400\n", &strict, "4:15:", "not positive");
}

Test(data, rejects_negative_volume, .description = "a per-ticker Volume below zero")
{
    /* "2000-01-04,1,1,1,10,10," is 23 chars: Volume starts at column 24. */
    expect_rejected("v.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n"
                             "2000-01-03,1,1,1,10,10,100\n2000-01-04,1,1,1,10,10,-5\n",
                    &strict, "3:24:", "volume -5 is negative");
}

Test(data, rejects_unsorted_and_duplicate_dates, .description = "dates must strictly increase")
{
    expect_rejected("p.csv", HEAD "2000-01-02,12,22\n", &strict, "4:1:", "dates must be sorted");
    expect_rejected("p.csv", HEAD "2000-01-04,12,22\n", &strict, "4:1:", "duplicate date 2000-01-04");
}

Test(data, rejects_ragged_rows, .description = "a row with too few or too many cells")
{
    /* Too few: the column just past "2000-01-05,12" (13 chars). Too many: the first extra cell,
     * after "2000-01-05,12,22," (17 chars). */
    expect_rejected("p.csv", HEAD "2000-01-05,12\n", &strict, "4:14:",
                    "has 2 cells but the header has 3");
    expect_rejected("p.csv", HEAD "2000-01-05,12,22,99\n", &strict, "4:18:",
                    "has 4 cells but the header has 3");
}

Test(data, rejects_bad_dates, .description = "a date that is not a real YYYY-MM-DD day")
{
    expect_rejected("p.csv", HEAD "2000-02-30,12,22\n", &strict, "4:1:", "'2000-02-30' is not a date");
    expect_rejected("p.csv", HEAD "01/05/2000,12,22\n", &strict, "4:1:", "is not a date");
    /* Per-ticker with Date second: "11," is 3 chars, the date starts at column 4. */
    expect_rejected("q.csv", "Close,Date\n10,2000-01-03\n11,2000-13-01\n", &strict, "3:4:",
                    "'2000-13-01' is not a date");
}

/* ---------------------------------------------------------------- forward fill */

static const data_options ffill2 = {MISSING_FFILL, 2};

Test(data, ffill_fills_short_gaps, .description = "ffill limit 2: two empties in a row take the last value")
{
    write_file(tmp, "p.csv", "date,AAA,BBB\n2000-01-03,10,20\n2000-01-04,,21\n2000-01-05,NA,22\n"
                             "2000-01-06,13,null\n2000-01-07,,24\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("p.csv", &ffill2, &p, &err), EVO_OK, "%s", err.msg);
    const double want[5][2] = {{10, 20}, {10, 21}, {10, 22}, {13, 22}, {13, 24}};
    for (int d = 0; d < 5; d++)
        for (int a = 0; a < 2; a++)
            cr_assert_eq(p.close[d * 2 + a], want[d][a], "(%d, %d)", d, a);
    cr_assert_eq(p.filled_cells, 4);
    data_panel_free(&p);
}

Test(data, ffill_limit_exceeded, .description = "three empties in a row with ffill_limit 2 fail")
{
    /* The third empty AAA is on line 5, column 12. */
    expect_rejected("p.csv", "date,AAA,BBB\n2000-01-03,10,20\n2000-01-04,,21\n2000-01-05,,22\n"
                             "2000-01-06,,23\n", &ffill2, "5:12:", "ffill_limit");
    /* A value in between resets the run: 2 + 2 empties pass. */
    write_file(tmp, "ok.csv", "date,AAA,BBB\n2000-01-03,10,20\n2000-01-04,,21\n2000-01-05,,22\n"
                              "2000-01-06,12,23\n2000-01-07,,24\n2000-01-10,,25\n");
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load1("ok.csv", &ffill2, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.filled_cells, 4);
    cr_assert_eq(p.close[5 * 2], 12.0);
    data_panel_free(&p);
}

Test(data, ffill_cannot_fill_first_row, .description = "an empty cell on the first data row fails")
{
    expect_rejected("p.csv", "date,AAA,BBB\n2000-01-03,10,\n2000-01-04,11,21\n", &ffill2, "2:15:",
                    "missing value on the first row");
}

Test(data, na_and_null_are_missing, .description = "NA, null and NaN are missing values, not numbers")
{
    expect_rejected("p.csv", HEAD "2000-01-05,NA,22\n", &strict, "4:12:", "missing value");
    expect_rejected("p.csv", HEAD "2000-01-05,12,null\n", &strict, "4:15:", "missing value");
    expect_rejected("p.csv", HEAD "2000-01-05,NaN,22\n", &strict, "4:12:", "missing value");
}

/* ---------------------------------------------------------------- config selection */

Test(data, config_assets_pick_and_reorder, .description = "data.assets keeps the listed columns in order")
{
    const char *yaml = "data:\n  prices: p.csv\n  assets: [CCC, AAA]\n" SMALL_SPLIT;
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load_config(yaml, 330, &cfg, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(p.n_assets, 2);
    cr_assert_str_eq(p.assets[0], "CCC");
    cr_assert_str_eq(p.assets[1], "AAA");
    cr_assert_eq(p.n_days, 330);
    cr_assert_eq(p.dropped_selection, 0);
    for (int d = 0; d < 330; d += 37) { /* exact: row_price has <= 5 significant digits */
        cr_assert_eq(p.close[d * 2 + 0], row_price(d, 2), "row %d", d);
        cr_assert_eq(p.close[d * 2 + 1], row_price(d, 0), "row %d", d);
    }
    config_free(&cfg);
    data_panel_free(&p);
}

Test(data, config_unknown_asset, .description = "an asset not in the data: its list item's place, a hint")
{
    /* Line 5 is "    - BBX": the item starts at column 7. */
    expect_config_rejected("data:\n  prices: p.csv\n  assets:\n    - AAA\n    - BBX\n" SMALL_SPLIT, 330,
                           EVO_ERR_CONFIG, "5:7:", "asset 'BBX' is not in the data (did you mean 'BBB'?)");
    /* Nothing close: no hint. */
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load_config("data:\n  prices: p.csv\n  assets: [AAA, ZZZZZZ]\n" SMALL_SPLIT, 330, &cfg,
                             &p, &err), EVO_ERR_CONFIG);
    cr_assert(strstr(err.msg, "c.yaml:3:17:"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "did you mean"), "%s", err.msg);
    config_free(&cfg);
}

Test(data, config_date_range_selects_rows, .description = "data.start..data.end keeps those rows only")
{
    /* 360 rows: Mon 2000-01-03 .. row 359. start is Saturday 2000-01-08, so rows 0-4 go and 2000-01-10
     * (row 5) is first; row 354 = 70 weeks + 4 days after 2000-01-03 = Friday 2001-05-11, end is the
     * Saturday after it, so rows 355-359 go. 10 rows dropped, 350 kept. */
    const char *yaml = "data:\n  prices: p.csv\n  start: 2000-01-08\n  end: 2001-05-12\n" SMALL_SPLIT;
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load_config(yaml, 360, &cfg, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(row_date(354), ymd(2001, 5, 11));
    cr_assert_eq(p.n_days, 350);
    cr_assert_eq(p.dropped_selection, 10);
    cr_assert_eq(p.dates[0], ymd(2000, 1, 10));
    cr_assert_eq(p.dates[349], ymd(2001, 5, 11));
    cr_assert_eq(p.close[0 * 3 + 1], row_price(5, 1));
    cr_assert_eq(p.close[349 * 3 + 2], row_price(354, 2));
    config_free(&cfg);
    data_panel_free(&p);
}

Test(data, config_missing_file_names_key, .description = "data.prices that does not exist: its key")
{
    /* "  prices: q.csv" on line 2: the key starts at column 3. */
    expect_config_rejected("data:\n  prices: q.csv\n" SMALL_SPLIT, 330, EVO_ERR_CONFIG, "2:3:",
                           "data.prices: cannot open");
}

Test(data, config_needs_two_assets, .description = "fewer than 2 assets: EVO_ERR_DATA at data.assets")
{
    /* "  assets:" - the key is at line 3, column 3. */
    expect_config_rejected("data:\n  prices: p.csv\n  assets: [BBB]\n" SMALL_SPLIT, 330, EVO_ERR_DATA,
                           "3:3:", "at least 2");
}

Test(data, config_volchg_needs_volume, .description = "volchg with a wide file (no volume) fails")
{
    /* Line 5 "search: {features: ...": the key starts at column 10. */
    expect_config_rejected("data:\n  prices: p.csv\n" SMALL_SPLIT "search: {features: [ret1, volchg]}\n",
                           330, EVO_ERR_CONFIG, "5:10:", "volchg needs volume");
    /* The same features over per-ticker files with Volume load. */
    for (int a = 0; a < 2; a++) {
        char *text = ticker_text(330, a);
        write_file(tmp, a ? "t/B.csv" : "t/A.csv", text);
        free(text);
    }
    const char *yaml = "data:\n  dir: t\n" SMALL_SPLIT "search: {features: [ret1, volchg]}\n";
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    path_buf cpath;
    cr_assert_eq(config_parse(yaml, strlen(yaml), path_in(tmp, "c.yaml", cpath), &cfg, &err), EVO_OK,
                 "%s", err.msg);
    cr_assert_eq(data_load_config(&cfg, &p, &err), EVO_OK, "%s", err.msg);
    cr_assert_not_null(p.volume);
    cr_assert_eq(p.volume[329 * 2 + 1], 1329.0);
    config_free(&cfg);
    data_panel_free(&p);
}

Test(data, config_split_must_fit, .description = "too few rows for the split: EVO_ERR_DATA at split")
{
    /* 318 rows: 298 before the 20-row test period, one short of the 299 SMALL_SPLIT needs. */
    expect_config_rejected("data:\n  prices: p.csv\n" SMALL_SPLIT, 318, EVO_ERR_DATA, "4:1:",
                           "has 298 rows");
    evo_config cfg;
    evo_panel p;
    evo_error err = {0};
    cr_assert_eq(load_config("data:\n  prices: p.csv\n" SMALL_SPLIT, 319, &cfg, &p, &err), EVO_OK,
                 "319 rows is exactly enough: %s", err.msg);
    config_free(&cfg);
    data_panel_free(&p);
}
