/* cmd_baselines: `evofolio baselines CONFIG` - every configured baseline strategy backtested over a
 * period, with every metric; the daily series to CSV on request; the fold layout with --folds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/backtest.h"
#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/features.h"
#include "evofolio/folds.h"
#include "evofolio/metrics.h"
#include "evofolio/strategies.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio baselines CONFIG [--period PERIOD] [--format table|csv|json] [--csv FILE]\n"
                 "       evofolio baselines CONFIG --folds\n\n"
                 "Backtest every strategy in the configuration's `baselines` over a period (costs\n"
                 "backtest.cost_bps, rebalancing every backtest.rebalance days, estimates over the\n"
                 "trailing backtest.window returns) and print their metrics.\n\n"
                 "  -p, --period P   test (default: the held-out test period), search (the search period),\n"
                 "                   fold:N (validation window of fold N, 1-based), or FROM:TO (dates)\n"
                 "  -f, --format F   table (default), csv or json\n"
                 "  -o, --csv FILE   write the daily net returns, turnover and weights of every strategy\n"
                 "      --folds      print the test period and the walk-forward folds, then stop\n"
                 "  -h, --help       this help\n");
}

/* Day 0 and last return day of the period named by spec. */
static int resolve_period(const char *spec, const evo_split *s, const evo_panel *p, int *day0,
                          int *last, evo_error *err)
{
    evo_date from, to;
    int n;
    char a[EVO_DATE_STR + 1], b[EVO_DATE_STR + 1];
    if (!strcmp(spec, "test")) {
        *day0 = s->test.first - 1;
        *last = s->test.last;
    } else if (!strcmp(spec, "search")) {
        *day0 = s->search.first - 1;
        *last = s->search.last;
    } else if (sscanf(spec, "fold:%d", &n) == 1) {
        if (n < 1 || n > s->n_folds)
            return evo_fail(err, EVO_ERR_USAGE, "--period fold:%d: the configuration has folds 1 to %d.",
                            n, s->n_folds);
        *day0 = s->folds[n - 1].val.first - 1;
        *last = s->folds[n - 1].val.last;
    } else if (sscanf(spec, "%10[0-9-]:%10[0-9-]", a, b) == 2 && !date_parse(a, &from) &&
               !date_parse(b, &to) && from <= to) {
        int first = 0;
        while (first < p->n_days && p->dates[first] < from)
            first++;
        *last = p->n_days - 1;
        while (*last >= 0 && p->dates[*last] > to)
            (*last)--;
        *day0 = first - 1;
        if (*last <= first)
            return evo_fail(err, EVO_ERR_USAGE, "--period %s holds fewer than 2 days of data.", spec);
    } else {
        return evo_fail(err, EVO_ERR_USAGE, "--period '%s': expected test, search, fold:N or "
                        "YYYY-MM-DD:YYYY-MM-DD.", spec);
    }
    return EVO_OK;
}

/* The first day every searched feature is defined and normalised: its look-back plus the window. */
static int first_usable_day(const evo_config *cfg)
{
    int last = 0;
    for (int f = 0; f < FEATURE_COUNT; f++)
        if (cfg->search.features & (1u << f) && features_lookback((evo_feature)f) > last)
            last = features_lookback((evo_feature)f);
    return last + cfg->backtest.window - 1;
}

static void print_folds(const evo_config *cfg, const evo_split *s, const evo_panel *p)
{
    char a[EVO_DATE_STR], b[EVO_DATE_STR], c[EVO_DATE_STR], d[EVO_DATE_STR];
    int usable = first_usable_day(cfg);
    printf("data        %s .. %s, %d days; the first training window needs %d days of history\n",
           date_format(p->dates[0], a), date_format(p->dates[p->n_days - 1], b), p->n_days, s->warmup);
    if (usable < p->n_days)
        printf("features    the searched features are usable from day %d (%s)\n", usable,
               date_format(p->dates[usable], a));
    printf("%-6s %-25s %6s   %-25s %6s\n", "fold", "train (return days)", "days", "validation", "days");
    for (int k = 0; k < s->n_folds; k++) {
        const evo_fold *f = &s->folds[k];
        printf("%-6d %s .. %s %6d   %s .. %s %6d\n", k + 1, date_format(p->dates[f->train.first], a),
               date_format(p->dates[f->train.last], b), f->train.last - f->train.first + 1,
               date_format(p->dates[f->val.first], c), date_format(p->dates[f->val.last], d),
               f->val.last - f->val.first + 1);
    }
    printf("test   %s .. %s %6d days (held out)\n", date_format(p->dates[s->test.first], a),
           date_format(p->dates[s->test.last], b), s->test.last - s->test.first + 1);
}

static void print_metrics(out_format fmt, const char *name, const evo_metrics *m, int first)
{
    if (fmt == OUT_TABLE) {
        printf("%-10s %8.2f%% %7.2f%% %7.3f %8.3f %7.2f%% %7.3f %7.2f%% %9.4f %6.1f%% %6d\n", name,
               100 * m->ann_return, 100 * m->ann_vol, m->sharpe, m->sortino, 100 * m->max_drawdown,
               m->calmar, 100 * m->cvar95, m->avg_turnover, 100 * m->hit_rate, m->trades);
    } else if (fmt == OUT_CSV) {
        printf("%s,%d,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%d\n", name, m->days,
               m->ann_return, m->ann_vol, m->sharpe, m->sortino, m->max_drawdown, m->calmar, m->cvar95,
               m->avg_turnover, m->hit_rate, m->trades);
    } else { /* JSON by hand: the keys and strategy names are fixed identifiers, nothing to escape */
        printf("%s{\"strategy\":\"%s\",\"days\":%d,\"ann_return\":%.10g,\"ann_vol\":%.10g,\"sharpe\":%.10g,"
               "\"sortino\":%.10g,\"max_drawdown\":%.10g,\"calmar\":%.10g,\"cvar95\":%.10g,"
               "\"avg_turnover\":%.10g,\"hit_rate\":%.10g,\"trades\":%d}",
               first ? "[" : ",\n ", name, m->days, m->ann_return, m->ann_vol, m->sharpe, m->sortino,
               m->max_drawdown, m->calmar, m->cvar95, m->avg_turnover, m->hit_rate, m->trades);
    }
}

static void print_header(out_format fmt, const evo_config *cfg, const evo_panel *p, int day0, int last)
{
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    if (fmt == OUT_TABLE) {
        printf("period %s .. %s (%d return days); cost %g bps; rebalance every %d days; window %d\n\n",
               date_format(p->dates[day0 + 1], a), date_format(p->dates[last], b), last - day0,
               cfg->backtest.cost_bps, cfg->backtest.rebalance, cfg->backtest.window);
        printf("%-10s %9s %8s %7s %8s %8s %7s %8s %9s %7s %6s\n", "strategy", "return/y", "vol/y",
               "sharpe", "sortino", "max dd", "calmar", "cvar95", "turnover", "hit", "trades");
    } else if (fmt == OUT_CSV) {
        printf("strategy,days,ann_return,ann_vol,sharpe,sortino,max_drawdown,calmar,cvar95,avg_turnover,"
               "hit_rate,trades\n");
    }
}

/* Daily series of every run: date, strategy, net, turnover, then the weights held that day. */
static int write_series(const char *path, const evo_strategy_run *runs, int n, const evo_panel *p,
                        int day0, evo_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot write. Check the path.", path);
    char d[EVO_DATE_STR];
    fprintf(f, "date,strategy,net_return,turnover");
    for (int a = 0; a < p->n_assets; a++)
        fprintf(f, ",w_%s", p->assets[a]);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const evo_backtest *bt = &runs[i].bt;
        for (int t = 0; t < bt->T; t++) {
            fprintf(f, "%s,%s,%.12g,%.12g", date_format(p->dates[day0 + 1 + t], d),
                    catalog_strategies.names[runs[i].strategy], bt->net[t], bt->turnover[t]);
            for (int a = 0; a < bt->A; a++)
                fprintf(f, ",%.8g", bt->weights[(size_t)t * bt->A + a]);
            fputc('\n', f);
        }
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? evo_fail(err, EVO_ERR_IO, "%s: write error.", path) : EVO_OK;
}

static int run_baselines(const evo_config *cfg, const evo_panel *p, int day0, int last, out_format fmt,
                         const char *csv_path, evo_error *err)
{
    if (day0 < cfg->backtest.window)
        return evo_fail(err, EVO_ERR_USAGE, "the period starts at day %d of the data, but estimates need "
                        "backtest.window = %d days of history before it. Choose a later period.", day0,
                        cfg->backtest.window);
    evo_strategy_runs set;
    const evo_strategy_settings settings = strategy_settings_of(cfg);
    int rc = strategy_run_all(&set, cfg->baselines, p, day0, last, &settings, cfg->backtest.rebalance,
                              cfg->backtest.cost_bps, err);
    const evo_strategy_run *runs = set.runs;
    const int n = set.n;
    print_header(fmt, cfg, p, day0, last);
    for (int i = 0; i < n; i++)
        print_metrics(fmt, catalog_strategies.names[runs[i].strategy], &set.metrics[i], i == 0);
    if (fmt == OUT_JSON && n)
        printf("]\n");
    for (int i = 0; i < n && fmt == OUT_TABLE; i++)
        if (runs[i].fallbacks)
            printf("\nnote: maxsharpe had no asset with a positive mean at %d rebalance%s and used "
                   "minimum variance there.\n", runs[i].fallbacks, runs[i].fallbacks == 1 ? "" : "s");
    if (!rc && csv_path)
        rc = write_series(csv_path, runs, n, p, day0, err);
    strategy_runs_free(&set);
    return rc;
}

int cmd_baselines(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"period", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
        {"csv", required_argument, NULL, 'o'},    {"folds", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *period = "test", *csv_path = NULL;
    out_format fmt = OUT_TABLE;
    int show_folds = 0, c;
    int done;
    while ((c = cmd_option(argc, argv, "p:f:o:h", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'f':
            if (cmd_parse_format("baselines", optarg, OUT_ALL, &fmt))
                return 2;
            break;
        case 'o':
            csv_path = optarg;
            break;
        case 'F':
            show_folds = 1;
            break;
        }
    }
    if (done >= 0)
        return done;
    if (optind != argc - 1)
        return cmd_usage_error("baselines", usage, "expected one CONFIG file.");
    evo_config cfg;
    evo_panel panel = {0};
    evo_split split;
    evo_error err = {0};
    int day0 = 0, last = 0;
    int rc = config_load(argv[optind], &cfg, &err);
    if (!rc)
        rc = data_load_config(&cfg, &panel, &err);
    if (!rc)
        rc = folds_make(&split, &cfg, panel.dates, panel.n_days, &err);
    if (!rc && show_folds)
        print_folds(&cfg, &split, &panel);
    else if (!rc && !(rc = resolve_period(period, &split, &panel, &day0, &last, &err)))
        rc = run_baselines(&cfg, &panel, day0, last, fmt, csv_path, &err);
    if (rc)
        fprintf(stderr, "evofolio baselines: %s\n", err.msg);
    data_panel_free(&panel);
    config_free(&cfg);
    return evo_exit_code(rc);
}
