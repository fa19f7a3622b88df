/* report: the HTML report of a run (report.h), the page and its sections. Shapes: N evaluations of the
 * run, T days of the test period, A assets. Everything is read from the archive into arrays first
 * (report_load.c: the evaluations, the test-period series, the champion's weights), then the page is
 * written section by section into a growing buffer (svg_out) that goes to the caller's FILE at the end.
 * Every text from the archive passes through svg_escape. */
#include "evofolio/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report_int.h"

#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/genes.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/svg.h"
#include "evofolio/version.h"

enum {
    LEADERBOARD_ROWS = 15, /* candidates in the leaderboard table */
    WEIGHTS_SHOWN = 8,     /* assets drawn on their own in the weights chart; the rest are "other" */
    POINTS_MAX = 1500,     /* points drawn in one scatter chart (a deterministic sample beyond) */
    BINS_MAX = 60          /* steady mode: at most this many bins of evaluations */
};

#define WIDE_W 1040.0 /* a full-width chart, px (scaled to the page by CSS) */
#define SMALL_W 340.0 /* one of the small multiples */
#define SMALL_H 270.0

/* ---------------------------------------------------------------- small helpers */

static void put(report *r, const char *s) { svg_puts(r->o, s); }
static void esc(report *r, const char *s) { svg_escape(r->o, s); }
#define pr(r, ...) svg_printf((r)->o, __VA_ARGS__)

/* A number formatted for people, in one of FMT_SLOTS rotating buffers (enough for one printf). */
static const char *num(report *r, double v, svg_fmt f, int decimals)
{
    char *b = r->fmt[r->fmt_i++ % FMT_SLOTS];
    return svg_format(b, v, f, decimals);
}

static const char *utc(report *r, double t)
{
    char *b = r->fmt[r->fmt_i++ % FMT_SLOTS];
    struct tm tm;
    time_t s;
    /* In range before the cast (a double outside time_t's range makes it undefined); gmtime_r takes
     * years up to 2^31 - 1 anyway, so +-1e16 s (300 million years) is as far as it needs to go. */
    if (!(fabs(t) < 1e16) || (s = (time_t)t, !gmtime_r(&s, &tm)))
        snprintf(b, SVG_NUM_MAX, "n/a");
    else
        strftime(b, SVG_NUM_MAX, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return b;
}

static double now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A "not available yet" paragraph. */
static void not_available(report *r, const char *why)
{
    put(r, "<p class=\"na\">Not available yet: ");
    esc(r, why);
    put(r, "</p>\n");
}

/* Quantile p of sorted v[n] by linear interpolation. */
static double quantile(const double *v, int n, double p)
{
    if (n <= 0)
        return NAN;
    double h = (n - 1) * p;
    int i = (int)floor(h);
    return i >= n - 1 ? v[n - 1] : v[i] + (h - i) * (v[i + 1] - v[i]);
}

/* A deterministic jitter in [-1, 1] for index i (a hash, so the picture does not change between
 * reports). */
static double jitter(size_t i)
{
    uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (double)(h % 20001) / 10000.0 - 1;
}

/* ---------------------------------------------------------------- page frame */

static const char css[] =
    "body{font-family:sans-serif;color:#111;background:#fff;max-width:1100px;margin:0 auto;"
    "padding:12px 24px 40px;line-height:1.45;font-size:15px}\n"
    "h1{font-size:26px;margin:8px 0 2px}h2{font-size:20px;margin:34px 0 8px;border-bottom:2px solid #222;"
    "padding-bottom:3px}h3{font-size:16px;margin:18px 0 6px}\n"
    ".sub{color:#444;margin:0 0 10px}\n"
    ".banner{border:3px solid #a00;background:#fff0f0;color:#600;padding:10px 14px;font-size:17px;"
    "font-weight:bold;margin:12px 0}\n"
    ".na{color:#555;font-style:italic;border:1px dashed #999;padding:8px 12px;background:#fafafa}\n"
    "nav{font-size:14px;margin:6px 0 0}nav a{margin-right:14px;color:#03c}\n"
    "table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid #d6d6d6;text-align:right;vertical-align:top}\n"
    "th{border-bottom:2px solid #444;background:#f2f2f2}\n"
    ".l{text-align:left}.nw{white-space:nowrap}\n"
    ".kv th{text-align:left;background:none;border-bottom:1px solid #d6d6d6;"
    "white-space:nowrap;padding-right:18px}.kv td{text-align:left}\n"
    "tr.champ td{font-weight:bold;background:#eef3fa}\n"
    ".board{font-size:12.5px}.board td,.board th{padding:3px 5px}.board td{white-space:nowrap}\n"
    ".board td.wrap{white-space:normal}.board tr.top td{border-bottom:none}"
    ".board tr.in td{color:#555;font-size:12px;padding-top:0;white-space:normal}\n"
    ".wide{overflow-x:auto}\n"
    "svg.chart{display:block;width:100%;height:auto;margin:8px 0}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:6px 14px}\n"
    ".card{border:1px solid #ddd;padding:10px;font-size:14px;color:#333}\n"
    ".reading{border-left:4px solid #444;padding:4px 12px;margin:8px 0;background:#f7f7f7}\n"
    ".verdict{font-size:120%;border:2px solid #444;padding:8px 14px;margin:8px 0}\n"
    ".verdict.skill{border-color:#009E73;background:#eefaf5}.verdict.none{border-color:#D55E00;background:#fdf3ec}\n"
    ".note{color:#444;font-size:13px}\n"
    "code{font-size:12px;background:#f2f2f2;padding:0 3px;word-break:break-all}\n"
    "footer{margin-top:40px;color:#555;font-size:12px;border-top:1px solid #ccc;padding-top:6px}\n"
    "@media print{body{max-width:none;font-size:12px}nav{display:none}h2{break-after:avoid}"
    "svg.chart,table,.grid>*{break-inside:avoid}.banner{border-width:2px}}\n";

static void write_head(report *r)
{
    long long run = (long long)r->run.id;
    put(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>evofolio report: ");
    esc(r, r->run.name);
    pr(r, " (run %lld)</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>evofolio report: ", run,
       css);
    esc(r, r->run.name);
    pr(r, "</h1>\n<p class=\"sub\">Run %lld of <code>", run);
    esc(r, r->path);
    pr(r, "</code>, status <b>%s</b>; report made %s.</p>\n", archive_run_statuses.names[r->run.status],
        utc(r, r->now));
    if (r->in_progress) {
        long n = (long)r->n;
        put(r, "<div class=\"banner\" id=\"in-progress\">");
        switch (r->run.status) {
        case RUN_RUNNING:
            pr(r, "This search is still in progress (or was killed without a chance to say so): the report "
                "shows the %s evaluations stored so far. ", num(r, (double)n, SVG_FMT_NUMBER, 0));
            break;
        case RUN_STOPPED:
            pr(r, "This search was stopped before its end and can be resumed (<code>evofolio run --resume "
                "CONFIG</code>): the report shows the %s evaluations stored so far. ",
                num(r, (double)n, SVG_FMT_NUMBER, 0));
            break;
        case RUN_FAILED:
            pr(r, "This search ended with an error: the report shows the %s evaluations it stored. ",
                num(r, (double)n, SVG_FMT_NUMBER, 0));
            break;
        default:
            put(r, "This search is marked done but has no champion tested on the held-out period (no candidate "
                   "succeeded, or the run ended before its test). ");
            break;
        }
        put(r, "Sections that need the end of the search say &ldquo;not available yet&rdquo;; make the report "
               "again when it is done.</div>\n");
    }
    put(r, "<nav><a href=\"#summary\">Summary</a><a href=\"#convergence\">Convergence</a>"
           "<a href=\"#leaderboard\">Leaderboard</a><a href=\"#test\">Test period</a>"
           "<a href=\"#weights\">Weights</a><a href=\"#genes\">Genes</a><a href=\"#cost\">Cost</a></nav>\n"
           "</header>\n");
}

/* ---------------------------------------------------------------- summary */

static int on_fold_window(void *ctx, const archive_value *v, int n_col)
{
    report_rows *k = ctx;
    (void)n_col;
    pr(k->r, "%sfold %lld: ", k->n++ ? "; " : "", (long long)v[0].integer);
    esc(k->r, value_text(&v[1]) ? v[1].text : "?");
    put(k->r, " to ");
    esc(k->r, value_text(&v[2]) ? v[2].text : "?");
    pr(k->r, " (%s days)", num(k->r, value_real(&v[3]), SVG_FMT_NUMBER, 0));
    return 0;
}

static void kv(report *r, const char *key)
{
    pr(r, "<tr><th>%s</th><td>", key);
}

static int on_software(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    kv(r, "Made with");
    put(r, "evofolio ");
    esc(r, value_text(&v[0]) ? value_text(&v[0]) : "?");
    put(r, ", commit <code>");
    esc(r, value_text(&v[1]) ? value_text(&v[1]) : "unknown");
    put(r, "</code>: <code>");
    esc(r, value_text(&v[2]) ? value_text(&v[2]) : "");
    put(r, "</code></td></tr>\n");
    return 0;
}

static const char *fitness_words(report *r)
{
    if (!r->have_cfg)
        return "fitness";
    switch (r->cfg.ga.fitness) {
    case FITNESS_EXCESS_SHARPE: return "fitness: validation Sharpe ratio (folds pooled) minus equal weight's";
    case FITNESS_MEAN_SORTINO: return "fitness: mean validation Sortino ratio";
    case FITNESS_SHARPE_MEAN_MINUS_SD: return "fitness: mean minus sd of validation Sharpe ratios";
    case FITNESS_WORST_SHARPE: return "fitness: worst fold's validation Sharpe ratio";
    default: return "fitness: mean validation Sharpe ratio";
    }
}

static int section_summary(report *r)
{
    const evo_config *cfg = &r->cfg;
    char sql[512];
    long long run = (long long)r->run.id;
    put(r, "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n");
    kv(r, "Run");
    pr(r, "%lld, <b>%s</b>, %s mode, seed %llu, %d MPI rank%s", run, archive_run_statuses.names[r->run.status],
        catalog_ga_modes.names[r->run.mode], (unsigned long long)r->run.seed, r->run.ranks,
        r->run.ranks == 1 ? " (serial)" : "s");
    if (r->run.host[0]) {
        put(r, " on ");
        esc(r, r->run.host);
    }
    put(r, "</td></tr>\n");
    kv(r, "Configuration");
    esc(r, r->run.name);
    put(r, ", hash <code>");
    esc(r, r->run.config_hash);
    put(r, "</code>, data hash <code>");
    esc(r, r->run.data_hash);
    put(r, "</code></td></tr>\n");
    snprintf(sql, sizeof sql, "SELECT version, git_commit, command FROM runs WHERE id = %lld AND version IS NOT NULL",
             run);
    int made = archive_query_rows(r->a, sql, on_software, r, r->err);
    if (made)
        return made;

    kv(r, "Data");
    if (r->have_panel) {
        const evo_panel *p = &r->panel;
        char d0[EVO_DATE_STR], d1[EVO_DATE_STR];
        pr(r, "%d assets, %s days from %s to %s (<code>", p->n_assets, num(r, p->n_days, SVG_FMT_NUMBER, 0),
            date_format(p->dates[0], d0), date_format(p->dates[p->n_days - 1], d1));
        esc(r, r->data_path);
        put(r, "</code>, the run's data by its hash): ");
        for (int i = 0; i < p->n_assets; i++) {
            put(r, i ? ", " : "");
            esc(r, p->assets[i]);
        }
    } else {
        if (r->w_A > 0)
            pr(r, "%d assets", r->w_A);
        else if (r->have_cfg && cfg->data.n_assets)
            pr(r, "%d assets", cfg->data.n_assets);
        else
            put(r, "assets unknown until the test period is stored");
        if (r->have_cfg && cfg->data.n_assets) {
            put(r, ": ");
            for (int i = 0; i < cfg->data.n_assets; i++) {
                put(r, i ? ", " : "");
                esc(r, cfg->data.assets[i]);
            }
        }
        if (r->have_cfg) {
            const char *src = cfg->data.prices[0] ? cfg->data.prices : cfg->data.dir[0] ? cfg->data.dir
                              : cfg->data.n_files ? cfg->data.files[0] : NULL;
            if (src) {
                put(r, " from <code>");
                esc(r, src);
                put(r, "</code>");
            }
            char d[EVO_DATE_STR];
            if (cfg->data.has_start)
                pr(r, ", from %s", date_format(cfg->data.start, d));
            if (cfg->data.has_end)
                pr(r, ", to %s", date_format(cfg->data.end, d));
        }
        put(r, " <span class=\"note\">(the data file was not found from here with the run's hash, so the "
               "assets are named from the configuration or numbered)</span>");
    }
    put(r, "</td></tr>\n");

    kv(r, "Walk-forward folds");
    if (r->have_cfg)
        pr(r, "%d folds: training %s days, validation %s days, embargo %d days. ", cfg->split.folds,
            num(r, cfg->split.train_days, SVG_FMT_NUMBER, 0), num(r, cfg->split.val_days, SVG_FMT_NUMBER, 0),
            cfg->split.embargo_days);
    put(r, "Validation windows: ");
    snprintf(sql, sizeof sql, "SELECT fold, first, last, days FROM folds WHERE run = %lld AND fold > 0 AND "
             "eval = (SELECT min(eval) FROM folds WHERE run = %lld AND fold > 0) ORDER BY fold", run, run);
    report_rows k = {r, 0};
    int rc = archive_query_rows(r->a, sql, on_fold_window, &k, r->err);
    if (rc)
        return rc;
    if (!k.n)
        put(r, "not stored yet");
    put(r, "</td></tr>\n");

    kv(r, "Test period");
    if (r->n_series > 0 && r->s[0].n > 0) {
        const series *s = &r->s[0];
        pr(r, "%s to %s, %s days (held out: never used for fitness)", num(r, s->x[0], SVG_FMT_DATE, 0),
            num(r, s->x[s->n - 1], SVG_FMT_DATE, 0), num(r, s->n, SVG_FMT_NUMBER, 0));
    } else if (r->have_cfg && cfg->split.has_test_start) {
        char d[EVO_DATE_STR];
        pr(r, "from %s (held out; evaluated when the search ends)", date_format(cfg->split.test_start, d));
    } else if (r->have_cfg) {
        pr(r, "the last %d days (held out; evaluated when the search ends)",
            cfg->split.test_days ? cfg->split.test_days : EVO_TEST_DEFAULT_DAYS);
    } else {
        put(r, "not stored yet");
    }
    put(r, "</td></tr>\n");

    if (r->have_cfg) {
        kv(r, "Budget");
        pr(r, "population %d, ", cfg->ga.population);
        if (cfg->ga.generations)
            pr(r, "%d generations, ", cfg->ga.generations);
        if (cfg->ga.max_evaluations)
            pr(r, "at most %s evaluations, ", num(r, cfg->ga.max_evaluations, SVG_FMT_NUMBER, 0));
        if (cfg->ga.max_seconds > 0)
            pr(r, "at most %s of search, ", num(r, cfg->ga.max_seconds, SVG_FMT_SECONDS, 0));
        if (cfg->ga.patience)
            pr(r, "stop after %d generations without improvement, ", cfg->ga.patience);
        pr(r, "each evaluation at most %s of training; %d champion%s tested on the held-out period",
            num(r, cfg->train.max_seconds, SVG_FMT_SECONDS, 0), cfg->ga.champions,
            cfg->ga.champions == 1 ? "" : "s");
        put(r, "</td></tr>\n");
        kv(r, "Fitness and costs");
        pr(r, "%s (<code>%s</code>); trading costs %s bps per unit of turnover", fitness_words(r),
            catalog_fitness.names[cfg->ga.fitness], num(r, cfg->backtest.cost_bps, SVG_FMT_NUMBER, -1));
        put(r, "</td></tr>\n");
    }

    /* counts and timings from the evaluations */
    long trained = 0, hits = 0, failed = 0, truncated = 0;
    double busy = 0, t0 = INFINITY, t1 = -INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        if (c->hit) {
            hits++;
            continue;
        }
        trained++;
        failed += !c->ok;
        truncated += c->truncated;
        if (isfinite(c->started) && isfinite(c->finished)) {
            busy += c->finished - c->started;
            t0 = c->started < t0 ? c->started : t0;
            t1 = c->finished > t1 ? c->finished : t1;
        }
    }
    kv(r, "Time");
    pr(r, "started %s", utc(r, r->run.started));
    if (r->run.ended > 0)
        pr(r, ", ended %s; wall time <b>%s</b>", utc(r, r->run.ended),
            num(r, r->run.ended - r->run.started, SVG_FMT_SECONDS, 0));
    else if (t1 > -INFINITY)
        pr(r, "; last result %s, <b>%s</b> so far", utc(r, t1),
           num(r, t1 - r->run.started, SVG_FMT_SECONDS, 0));
    put(r, "</td></tr>\n");
    kv(r, "Evaluations");
    pr(r, "<b>%s</b> stored: %s trained, %s cache hits (a genome seen before, not trained again), "
        "%s failed, %s stopped at the time cap", num(r, (double)r->n, SVG_FMT_NUMBER, 0),
        num(r, trained, SVG_FMT_NUMBER, 0), num(r, hits, SVG_FMT_NUMBER, 0), num(r, failed, SVG_FMT_NUMBER, 0),
        num(r, truncated, SVG_FMT_NUMBER, 0));
    put(r, "</td></tr>\n");
    kv(r, "Workers");
    int workers = r->run.ranks > 1 ? r->run.ranks - 1 : 1;
    if (t1 > t0) {
        double util = busy / (workers * (t1 - t0));
        pr(r, "%d worker%s busy <b>%s</b> of the time (busy worker-seconds / (workers &times; the span from "
            "the first start to the last finish)); %s evaluations a minute", workers, workers == 1 ? "" : "s",
            num(r, util, SVG_FMT_PERCENT, 1), num(r, trained / ((t1 - t0) / 60), SVG_FMT_NUMBER, -1));
    } else {
        pr(r, "%d worker%s; utilisation not available yet", workers, workers == 1 ? "" : "s");
    }
    put(r, "</td></tr>\n</table>\n</section>\n");
    return 0;
}

/* ---------------------------------------------------------------- convergence */

/* Keep integer ticks only (generations, counts). */
static void integer_ticks(svg_axis *a)
{
    int n = 0;
    for (int i = 0; i < a->ticks.n; i++)
        if (fabs(a->ticks.v[i] - round(a->ticks.v[i])) < 1e-9)
            a->ticks.v[n++] = round(a->ticks.v[i]);
    a->ticks.n = n;
    a->decimals = 0;
}

static int section_convergence(report *r)
{
    put(r, "<section id=\"convergence\">\n<h2>Convergence</h2>\n");
    int steady = r->run.mode == GA_STEADY;
    /* group the successful evaluations: by generation, or (steady) in bins of evaluations by id */
    size_t n_ok = 0;
    int g_min = 0, g_max = 0;
    int64_t id_max = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        id_max = c->id > id_max ? c->id : id_max;
        if (!c->ok || !isfinite(c->fitness))
            continue;
        if (!n_ok || c->generation < g_min)
            g_min = c->generation;
        if (!n_ok || c->generation > g_max)
            g_max = c->generation;
        n_ok++;
    }
    if (n_ok == 0) {
        not_available(r, "no evaluation has succeeded yet.");
        put(r, "</section>\n");
        return 0;
    }
    int64_t bin = 1;
    int n_groups;
    if (steady) {
        bin = r->have_cfg && r->cfg.ga.population > 0 ? r->cfg.ga.population : 10;
        while ((id_max + bin - 1) / bin > BINS_MAX)
            bin *= 2;
        n_groups = (int)((id_max + bin - 1) / bin);
    } else {
        n_groups = g_max - g_min + 1;
    }
    double *vals = malloc(n_ok * sizeof *vals);
    int *count = calloc((size_t)n_groups, sizeof *count), *start = calloc((size_t)n_groups + 1, sizeof *start);
    double *x = malloc((size_t)n_groups * 6 * sizeof *x);
    if (!vals || !count || !start || !x) {
        free(vals), free(count), free(start), free(x);
        return nomem(r);
    }
    double *best = x + n_groups, *q1 = best + n_groups, *med = q1 + n_groups, *q3 = med + n_groups;
    double *so_far = q3 + n_groups;
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        if (c->ok && isfinite(c->fitness))
            count[steady ? (c->id - 1) / bin : c->generation - g_min]++;
    }
    for (int g = 0; g < n_groups; g++)
        start[g + 1] = start[g] + count[g];
    memset(count, 0, (size_t)n_groups * sizeof *count);
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        if (!c->ok || !isfinite(c->fitness))
            continue;
        int g = steady ? (int)((c->id - 1) / bin) : c->generation - g_min;
        vals[start[g] + count[g]++] = c->fitness;
    }
    double lo = INFINITY, hi = -INFINITY, run_best = -INFINITY;
    int best_g = 0;
    for (int g = 0; g < n_groups; g++) {
        double *v = vals + start[g];
        int m = count[g];
        x[g] = steady ? (double)((g + 1) * bin < id_max ? (g + 1) * bin : id_max) : g + g_min;
        qsort(v, (size_t)m, sizeof *v, cmp_double);
        best[g] = m ? v[m - 1] : NAN;
        q1[g] = quantile(v, m, 0.25);
        med[g] = quantile(v, m, 0.5);
        q3[g] = quantile(v, m, 0.75);
        if (m && best[g] > run_best)
            run_best = best[g], best_g = g;
        so_far[g] = run_best > -INFINITY ? run_best : NAN;
        if (m) {
            lo = v[0] < lo ? v[0] : lo;
            hi = v[m - 1] > hi ? v[m - 1] : hi;
        }
        if (m && q1[g] < lo)
            lo = q1[g];
    }
    /* the axis shows the quartiles and the best; the worst candidates would squash the picture */
    double floor_y = INFINITY;
    for (int g = 0; g < n_groups; g++)
        if (isfinite(q1[g]) && q1[g] < floor_y)
            floor_y = q1[g];
    lo = floor_y;
    svg_legend_item items[4] = {
        {"best of the group", svg_palette(0), SVG_MARK_CIRCLE, 0},
        {"best so far", svg_palette(2), -1, 0},
        {"median", svg_palette(1), -1, 0},
        {"middle half (1st to 3rd quartile)", {"#6baed6", "", 0}, -1, 1}};
    if (!steady)
        items[0].label = "best of the generation";
    svg_chart c;
    char title[160];
    snprintf(title, sizeof title, "Fitness per %s (%s successful evaluations)",
             steady ? "bin of evaluations" : "generation", num(r, (double)n_ok, SVG_FMT_NUMBER, 0));
    svg_chart_begin(&c, r->o, WIDE_W, 400, title);
    svg_chart_legend_rows(&c, svg_legend_rows(items, 4, WIDE_W));
    double xlo = x[0], xhi = x[n_groups - 1];
    if (xhi - xlo < 2)
        xlo -= 1, xhi += 1;
    svg_chart_x(&c, SVG_SCALE_LINEAR, xlo, xhi, 1, SVG_FMT_NUMBER,
                steady ? "evaluations stored (each point: the bin that ends there)" : "generation");
    integer_ticks(&c.x);
    svg_chart_y(&c, SVG_SCALE_LINEAR, lo, hi, 1, SVG_FMT_NUMBER, fitness_words(r));
    svg_chart_axes(&c);
    svg_band(&c, x, q1, q3, n_groups, "#6baed6", 0.35);
    svg_line(&c, x, med, n_groups, svg_palette(1), 0);
    svg_line(&c, x, so_far, n_groups, svg_palette(2), 1);
    svg_line(&c, x, best, n_groups, svg_palette(0), 0);
    if (n_groups <= 60) /* markers only while they stay apart */
        svg_points(&c, x, best, n_groups, SVG_MARK_CIRCLE, "#000", 3.2, 1);
    svg_legend(&c, items, 4);
    svg_chart_end(&c);
    pr(r, "<p class=\"note\">Best fitness <b>%s</b>, first reached in %s %s; ",
        num(r, run_best, SVG_FMT_NUMBER, 3), steady ? "the bin ending at evaluation" : "generation",
        num(r, x[best_g], SVG_FMT_NUMBER, 0));
    pr(r, "the median of the last %s is %s. %s</p>\n", steady ? "bin" : "generation",
        num(r, med[n_groups - 1], SVG_FMT_NUMBER, 3),
        steady ? "In steady mode a child joins the population as soon as its result returns; the evaluations "
                 "are grouped in bins of equal size by their order."
               : "Each generation counts its new evaluations; elites carried over unchanged are not evaluated "
                 "again, so the best so far can lie above a generation's best.");
    put(r, "</section>\n");
    free(vals);
    free(count);
    free(start);
    free(x);
    return 0;
}

/* ---------------------------------------------------------------- leaderboard */

/* The leaderboard query's columns. Every gene is shown (genes.h): the choices together in one cell,
 * each number in a column of its own, the sets on the candidate's second row. */
enum {
    B_ID, B_GENERATION, B_FITNESS,
    B_GENES, /* B_GENES + k: gene k */
    B_SHARPE = B_GENES + GENE_COUNT, B_MAX_DD, B_TURNOVER, B_UNTRAINED, B_PARAMS, B_SECONDS, B_ORIGIN
};
#define BOARD_COLUMNS                                                                                    \
    "id, generation, fitness" ARCHIVE_GENE_COLUMNS ", val_sharpe, val_max_drawdown, val_turnover, "       \
    "untrained_folds, params, seconds, origin"

/* Columns of the board's first row: #, eval., fitness, the choices, the numbers, six metrics. */
static int board_shown(void)
{
    int n = 4 + 6;
    for (int k = 0; k < GENE_COUNT; k++)
        n += genome_gene_is_number((evo_gene)k);
    return n;
}

static void board_cell(report *r, const archive_value *v, svg_fmt f, int decimals)
{
    pr(r, "<td>%s</td>", v->type == ARCHIVE_VALUE_NULL ? "" : num(r, value_real(v), f, decimals));
}

/* The genes of a row: the choices as "asset / sharpe", then one cell per number. */
static void board_genes(report *r, const archive_value *v)
{
    put(r, "<td class=\"l wrap\">");
    for (int k = 0, n = 0; k < GENE_COUNT; k++)
        if (genome_genes[k].kind == GENE_KIND_CHOICE) {
            put(r, n++ ? " / " : "");
            esc(r, value_text(&v[B_GENES + k]));
        }
    put(r, "</td>");
    for (int k = 0; k < GENE_COUNT; k++)
        if (genome_gene_is_number((evo_gene)k))
            board_cell(r, &v[B_GENES + k], SVG_FMT_NUMBER, genome_genes[k].kind == GENE_KIND_INT ? 0 : -1);
}

/* The second row: generation, origin and the sets the model reads ("features: ret1, vol20"). */
static void board_inputs(report *r, const archive_value *v, int champion)
{
    pr(r, "<tr class=\"in%s\"><td></td><td class=\"l\" colspan=\"%d\">generation %lld, ", champion ? " champ" : "",
       board_shown() - 1, (long long)v[B_GENERATION].integer);
    esc(r, value_text(&v[B_ORIGIN]));
    for (int k = 0; k < GENE_COUNT; k++) {
        const char *names = value_text(&v[B_GENES + k]); /* NULL for a set the model does not read */
        if (genome_genes[k].kind != GENE_KIND_SET || !names)
            continue;
        pr(r, "; %s: ", genome_genes[k].name);
        for (const char *p = names; *p;) {
            size_t len = strcspn(p, "+");
            char part[64];
            snprintf(part, sizeof part, "%.*s", (int)(len < sizeof part ? len : sizeof part - 1), p);
            esc(r, part);
            if (p[len] == '+')
                put(r, ", ");
            p += len + (p[len] == '+');
        }
    }
    put(r, "</td></tr>\n");
}

static int on_board(void *ctx, const archive_value *v, int n_col)
{
    report_rows *k = ctx;
    report *r = k->r;
    (void)n_col;
    int64_t id = v[B_ID].integer;
    int tested = 0;
    char owner[48];
    snprintf(owner, sizeof owner, "eval:%lld", (long long)id);
    for (int i = 0; i < r->n_series; i++)
        if (!strcmp(r->s[i].owner, owner))
            tested = r->s[i].rank;
    k->n++;
    pr(r, "<tr class=\"top%s\"><td>%d</td><td>%lld%s</td>", id == r->champion ? " champ" : "", k->n,
       (long long)id,
       id == r->champion ? "<br><small>champion</small>" : tested ? "<br><small>tested</small>" : "");
    board_cell(r, &v[B_FITNESS], SVG_FMT_NUMBER, 3);
    board_genes(r, v);
    board_cell(r, &v[B_SHARPE], SVG_FMT_NUMBER, 2);
    board_cell(r, &v[B_MAX_DD], SVG_FMT_PERCENT, 1);
    board_cell(r, &v[B_TURNOVER], SVG_FMT_PERCENT, 1);
    board_cell(r, &v[B_UNTRAINED], SVG_FMT_NUMBER, 0);
    board_cell(r, &v[B_PARAMS], SVG_FMT_COMPACT, -1);
    board_cell(r, &v[B_SECONDS], SVG_FMT_SECONDS, 0);
    put(r, "</tr>\n");
    board_inputs(r, v, id == r->champion);
    return 0;
}

/* The header row: each gene's name, its words on hover. */
static void board_header(report *r)
{
    put(r, "<div class=\"wide\"><table class=\"board\">\n<tr><th>#</th><th>eval.</th><th>fitness</th>"
           "<th class=\"l\">");
    for (int k = 0, n = 0; k < GENE_COUNT; k++)
        if (genome_genes[k].kind == GENE_KIND_CHOICE)
            pr(r, "%s%s", n++ ? " / " : "", genome_genes[k].name);
    put(r, "</th>");
    for (int k = 0; k < GENE_COUNT; k++)
        if (genome_gene_is_number((evo_gene)k))
            pr(r, "<th title=\"%s\">%s</th>", genome_genes[k].words, genome_genes[k].name);
    put(r, "<th>val. Sharpe</th><th>val. max DD</th><th>val. turnover</th>"
           "<th title=\"folds whose training never brought the hold-out loss below the untrained net's\">"
           "untrained folds</th><th>params</th><th>time</th></tr>\n");
}

static int on_untrained(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    pr(r, "<p class=\"note\" id=\"untrained\">Of the %lld validation folds trained in this run, %lld never brought "
       "the hold-out loss below the untrained net's (column &ldquo;untrained folds&rdquo;): their weights are what "
       "training found best, but no better than where it began.</p>\n", (long long)v[0].integer,
       (long long)v[1].integer);
    return 0;
}

static int section_leaderboard(report *r)
{
    char sql[1024];
    put(r, "<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n");
    snprintf(sql, sizeof sql, "SELECT " BOARD_COLUMNS " FROM leaderboard WHERE run = %lld LIMIT %d",
             (long long)r->run.id, LEADERBOARD_ROWS);
    svg_out *o = r->o;
    size_t mark = o->text.len;
    put(r, "<p class=\"note\">The best successful candidates by fitness (cache hits aside), each with its "
           "inputs on the line below. Validation metrics are means over the folds; turnover is the average "
           "two-sided turnover a day; hover over a gene's name for what it is.</p>\n");
    board_header(r);
    report_rows k = {r, 0};
    int rc = archive_query_rows(r->a, sql, on_board, &k, r->err);
    if (rc)
        return rc;
    if (k.n == 0 && !o->f && !o->failed) { /* nothing: take the table back out */
        buf_truncate(&o->text, mark);
        not_available(r, "no evaluation has succeeded yet.");
    } else {
        put(r, "</table></div>\n");
        snprintf(sql, sizeof sql, "SELECT count(*), coalesce(sum(NOT (holdout_loss < initial_loss)), 0) FROM folds "
                 "WHERE run = %lld AND fold > 0", (long long)r->run.id);
        if ((rc = archive_query_rows(r->a, sql, on_untrained, r, r->err)))
            return rc;
    }
    put(r, "</section>\n");
    return 0;
}

/* ---------------------------------------------------------------- the test period */

static int on_finalist(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    const double mean = value_real(&v[4]), sq = value_real(&v[5]), n = (double)v[6].integer;
    const double sd = n > 1 ? sqrt(fmax(0, sq - mean * mean) * n / (n - 1)) : 0;
    pr(r, "<tr><td class=\"l\">#%lld%s</td><td class=\"l\">", (long long)v[0].integer,
       v[0].integer == r->champion ? " (champion)" : v[7].integer == 1 ? " (linear twin)" : "");
    esc(r, value_text(&v[1]) ? value_text(&v[1]) : "");
    put(r, "</td><td class=\"l\">");
    esc(r, value_text(&v[2]) ? value_text(&v[2]) : "");
    pr(r, "</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>\n", num(r, value_real(&v[3]), SVG_FMT_NUMBER, 3),
       num(r, mean, SVG_FMT_NUMBER, 3), num(r, sd, SVG_FMT_NUMBER, 3), (int)v[8].integer);
    return 0;
}

/* The finalists: the best candidates retrained with fresh seeds; the best mean is the champion. */
static int finalists_table(report *r)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT c.eval, e.model, coalesce(e.features, e.strategies), e.fitness, "
             "avg(c.fitness), avg(c.fitness * c.fitness), count(*), e.origin = 'twin', "
             "sum(c.status = 'failed') FROM confirmations c JOIN "
             "evaluations e ON e.run = c.run AND e.id = c.eval WHERE c.run = %lld GROUP BY c.eval "
             "ORDER BY avg(c.fitness) DESC, c.eval", (long long)r->run.id);
    put(r, "<div class=\"wide\"><table>\n<tr><th class=\"l\">finalist</th><th class=\"l\">model</th>"
           "<th class=\"l\">inputs</th><th>fitness in the search</th><th>retrained: mean</th><th>sd</th>"
           "<th>seeds failed</th></tr>\n");
    int rc = archive_query_rows(r->a, sql, on_finalist, r, r->err);
    put(r, "</table></div>\n<p class=\"note\">Each finalist is retrained with fresh seeds on the same "
           "validation folds (ga.confirm_seeds); the fitness in the search is the luckiest of many tries, the "
           "mean over fresh seeds is what the genome is worth. The linear twin is the champion's inputs and "
           "training settings without a sequence encoder (LSTM or attention): one that does not beat it "
           "adds nothing.</p>\n");
    return rc;
}

/* Readings of the deflated Sharpe ratio and PBO in plain words. */
static const char *dsr_reading(double dsr)
{
    if (dsr >= 0.95)
        return "Strong evidence of skill: a Sharpe ratio this high is unlikely to be only the luck of the "
               "best of that many tries.";
    if (dsr >= 0.5)
        return "More likely skill than luck, but not conclusive: the best of that many tries could reach it "
               "by chance.";
    return "More likely luck than skill: the best of that many tries would often score this well by chance.";
}

static const char *pbo_reading(double pbo)
{
    if (pbo < 0.1)
        return "Low risk of overfitting: the search's choice usually holds up on data it was not chosen on.";
    if (pbo < 0.5)
        return "Some overfitting: the choice holds up more often than not, but not reliably.";
    return "High risk of overfitting: picking the best on one half does no better than chance on the other; "
           "distrust the champion's validation numbers.";
}

/* Wealth (growth of 1) with a first point of 1 the day before the first return day: x[n+1], w[n+1]. */
static void wealth(const series *s, double *x, double *w, double *dd)
{
    double v = 1, peak = 1;
    x[0] = s->x[0] - 1;
    w[0] = 1;
    if (dd)
        dd[0] = 0;
    for (int t = 0; t < s->n; t++) {
        v *= 1 + s->net[t];
        peak = v > peak ? v : peak;
        x[t + 1] = s->x[t];
        w[t + 1] = v;
        if (dd)
            dd[t + 1] = v / peak - 1;
    }
}

static void metrics_row(report *r, const series *s)
{
    const evo_metrics *m = &s->m;
    double end = 1;
    for (int t = 0; t < s->n; t++)
        end *= 1 + s->net[t];
    pr(r, "<tr%s><td class=\"l nw\">", s->rank == 1 ? " class=\"champ\"" : "");
    esc(r, s->label);
    pr(r, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
        "<td>%s</td><td>%s</td></tr>\n",
        num(r, m->ann_return, SVG_FMT_PERCENT, 1), num(r, m->ann_vol, SVG_FMT_PERCENT, 1),
        num(r, m->sharpe, SVG_FMT_NUMBER, 2), num(r, m->sortino, SVG_FMT_NUMBER, 2),
        num(r, m->max_drawdown, SVG_FMT_PERCENT, 1), num(r, m->calmar, SVG_FMT_NUMBER, 2),
        num(r, m->cvar95, SVG_FMT_PERCENT, 2), num(r, m->avg_turnover, SVG_FMT_PERCENT, 2),
        num(r, m->hit_rate, SVG_FMT_PERCENT, 1), num(r, end, SVG_FMT_NUMBER, 3));
}

static int on_champion(void *ctx, const archive_value *v, int n_col)
{
    report_rows *k = ctx;
    report *r = k->r;
    (void)n_col;
    k->n++;
    pr(r, "<p>The champion is evaluation <b>#%lld</b> (generation %lld, origin ", (long long)r->champion,
       (long long)v[1].integer);
    esc(r, value_text(&v[2]));
    pr(r, "), validation fitness <b>%s</b>: <code>", num(r, value_real(&v[0]), SVG_FMT_NUMBER, 3));
    esc(r, value_text(&v[3]));
    const int nets = r->have_cfg && r->cfg.ga.confirm > 0 ? r->cfg.ga.confirm_seeds : 1;
    put(r, "</code>. It was trained again on the days before the test period");
    if (nets > 1)
        pr(r, " as an ensemble of %d nets with fresh seeds (it holds the mean of their weights)", nets);
    put(r, " and traded it with costs, next to every baseline.</p>\n");
    return 0;
}

static int section_test(report *r)
{
    put(r, "<section id=\"test\">\n<h2>The champion on the held-out test period</h2>\n");
    char sql[512];
    if (r->champion) {
        snprintf(sql, sizeof sql, "SELECT fitness, generation, origin, key FROM evaluations WHERE run = %lld "
                 "AND id = %lld", (long long)r->run.id, (long long)r->champion);
        report_rows k = {r, 0};
        int rc = archive_query_rows(r->a, sql, on_champion, &k, r->err);
        if (rc)
            return rc;
    }
    if (r->n_series == 0) {
        not_available(r, "the champion and the baselines are evaluated on the test period when the search "
                         "ends.");
        put(r, "</section>\n");
        return 0;
    }
    if (!r->champion || r->s[0].rank != 1)
        not_available(r, "no champion has been tested yet; the baselines alone are shown.");
    /* the champion and the baselines (runners-up only in the table) */
    int idx[OWNERS_MAX], n = 0, T_max = 0;
    for (int i = 0; i < r->n_series; i++)
        if (r->s[i].rank <= 1 && r->s[i].n > 0) {
            idx[n++] = i;
            T_max = r->s[i].n > T_max ? r->s[i].n : T_max;
        }
    if (n == 0) { /* only runners-up: the table below has them */
        put(r, "</section>\n");
        return 0;
    }
    double *x = malloc((size_t)(T_max + 1) * 3 * sizeof *x);
    if (!x)
        return nomem(r);
    double *w = x + T_max + 1, *dd = w + T_max + 1;
    double wlo = INFINITY, whi = -INFINITY, ddlo = 0, xlo = INFINITY, xhi = -INFINITY;
    for (int j = 0; j < n; j++) {
        const series *s = &r->s[idx[j]];
        wealth(s, x, w, dd);
        for (int t = 0; t <= s->n; t++) {
            wlo = w[t] < wlo ? w[t] : wlo;
            whi = w[t] > whi ? w[t] : whi;
            ddlo = dd[t] < ddlo ? dd[t] : ddlo;
        }
        xlo = x[0] < xlo ? x[0] : xlo;
        xhi = x[s->n] > xhi ? x[s->n] : xhi;
    }
    svg_legend_item items[OWNERS_MAX];
    for (int j = 0; j < n; j++)
        items[j] = (svg_legend_item){r->s[idx[j]].label, svg_palette(j), -1, 0};
    char title[256];
    const char *d0 = num(r, r->s[idx[0]].x[0], SVG_FMT_DATE, 0);
    const char *d1 = num(r, r->s[idx[0]].x[r->s[idx[0]].n - 1], SVG_FMT_DATE, 0);
    snprintf(title, sizeof title, "Wealth on the test period, %s to %s (growth of 1, net of costs)", d0, d1);
    svg_chart c;
    svg_chart_begin(&c, r->o, WIDE_W, 440, title);
    svg_chart_legend_rows(&c, svg_legend_rows(items, n, WIDE_W));
    svg_chart_x(&c, SVG_SCALE_LINEAR, xlo, xhi, 0, SVG_FMT_DATE, "date");
    svg_chart_y(&c, SVG_SCALE_LOG, wlo / 1.01, whi * 1.01, 0, SVG_FMT_NUMBER, "wealth (log scale)");
    svg_chart_axes(&c);
    svg_hline(&c, 1, "start: 1");
    for (int j = n - 1; j >= 0; j--) { /* the champion last, on top */
        const series *s = &r->s[idx[j]];
        wealth(s, x, w, NULL);
        svg_line(&c, x, w, s->n + 1, svg_palette(j), 0);
    }
    svg_legend(&c, items, n);
    svg_chart_end(&c);

    svg_chart_begin(&c, r->o, WIDE_W, 360, "Drawdown: the fall from the highest wealth so far");
    svg_chart_legend_rows(&c, svg_legend_rows(items, n, WIDE_W));
    svg_chart_x(&c, SVG_SCALE_LINEAR, xlo, xhi, 0, SVG_FMT_DATE, "date");
    svg_chart_y(&c, SVG_SCALE_LINEAR, ddlo < 0 ? ddlo : -0.01, 0, 1, SVG_FMT_PERCENT, "drawdown");
    svg_chart_axes(&c);
    for (int j = n - 1; j >= 0; j--) {
        const series *s = &r->s[idx[j]];
        wealth(s, x, w, dd);
        svg_line(&c, x, dd, s->n + 1, svg_palette(j), 0);
    }
    svg_legend(&c, items, n);
    svg_chart_end(&c);
    free(x);

    put(r, "<div class=\"wide\"><table>\n<tr><th class=\"l\">strategy</th><th>annual return</th>"
           "<th>annual volatility</th><th>Sharpe</th><th>Sortino</th><th>max drawdown</th><th>Calmar</th>"
           "<th>CVaR 95% (daily)</th><th>turnover (a day)</th><th>days up</th><th>final wealth</th></tr>\n");
    for (int i = 0; i < r->n_series; i++)
        if (r->s[i].rank > 0)
            metrics_row(r, &r->s[i]);
    /* baselines by Sharpe ratio, best first */
    int order[OWNERS_MAX], nb = 0;
    for (int i = 0; i < r->n_series; i++)
        if (r->s[i].rank == 0) {
            int at = nb++;
            while (at > 0 && r->s[order[at - 1]].m.sharpe < r->s[i].m.sharpe) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
        }
    for (int j = 0; j < nb; j++)
        metrics_row(r, &r->s[order[j]]);
    put(r, "</table></div>\n<p class=\"note\">From the daily net returns on the test period: annual return "
           "compounds them over 252 days a year; volatility, Sharpe and Sortino are annualised (risk-free rate "
           "0); CVaR 95% is the mean loss of the worst 5% of days; turnover is two-sided; Calmar is annual "
           "return over max drawdown. Conventions: README, &ldquo;Backtest conventions&rdquo;.</p>\n");

    /* the verdict and its evidence, from the validation folds */
    put(r, "<h3>Is it skill? The verdict</h3>\n");
    if (r->verdict) {
        pr(r, "<p class=\"verdict %s\"><b>%s</b>: ", r->skill ? "skill" : "none",
           r->skill ? "Skill" : "No skill shown");
        const char *colon = strchr(r->verdict, ':');
        esc(r, colon ? colon + 2 : r->verdict);
        put(r, ".</p>\n<p class=\"note\">The run claims skill only when all three hold: the champion, retrained "
               "with fresh seeds, beats equal weight on the validation days; its deflated Sharpe ratio (below) is "
               "at least 0.95; and its PBO is below 0.5. README, &ldquo;Does the search find a signal?&rdquo;.</p>\n");
    } else {
        not_available(r, "the verdict is given when the search ends.");
    }
    int rc = finalists_table(r);
    if (rc)
        return rc;
    if (isfinite(r->dsr))
        pr(r, "<p class=\"reading\">Deflated Sharpe ratio <b>%s</b>: the probability that the champion's edge "
           "over equal weight on the validation days reflects skill rather than the luck of the best of %d "
           "candidates, which, correlated as they are, are worth %s independent tries, is about %s. %s</p>\n",
           num(r, r->dsr, SVG_FMT_NUMBER, 3), r->n_trials, num(r, r->n_effective, SVG_FMT_NUMBER, 1),
           num(r, r->dsr, SVG_FMT_PERCENT, 0), dsr_reading(r->dsr));
    else
        not_available(r, "the deflated Sharpe ratio is computed when the search ends.");
    if (isfinite(r->pbo))
        pr(r, "<p class=\"reading\">Probability of backtest overfitting <b>%s</b>: splitting the validation "
           "days "
            "into two halves in every balanced way, the candidate best on one half ranked below the median on "
            "the other in %s of the splits. %s</p>\n", num(r, r->pbo, SVG_FMT_PERCENT, 1),
            num(r, r->pbo, SVG_FMT_PERCENT, 0), pbo_reading(r->pbo));
    else if (r->champion)
        put(r, "<p class=\"na\">The PBO could not be computed for this run (too few candidates or validation "
               "days).</p>\n");
    else
        not_available(r, "the PBO is computed when the search ends.");
    put(r, "</section>\n");
    return 0;
}

/* ---------------------------------------------------------------- weights and turnover */

static int section_weights(report *r)
{
    put(r, "<section id=\"weights\">\n<h2>Weights and turnover of the champion</h2>\n");
    const series *champ = r->n_series && r->s[0].rank == 1 ? &r->s[0] : NULL;
    if (!champ || r->w_T == 0) {
        not_available(r, "the champion's weights are stored with its test-period run when the search ends.");
        put(r, "</section>\n");
        return 0;
    }
    int T = r->w_T, A = r->w_A;
    /* assets by mean weight; the WEIGHTS_SHOWN largest on their own, the rest as "other" */
    double *mean = calloc((size_t)A, sizeof *mean);
    int *order = malloc((size_t)A * sizeof *order);
    int shown = A <= WEIGHTS_SHOWN + 1 ? A : WEIGHTS_SHOWN, bands = shown + (shown < A);
    double *band = malloc((size_t)bands * T * sizeof *band);
    const double **rows = malloc((size_t)bands * sizeof *rows);
    svg_legend_item *items = malloc((size_t)bands * sizeof *items);
    char (*labels)[96] = malloc((size_t)bands * sizeof *labels);
    if (!mean || !order || !band || !rows || !items || !labels) {
        free(mean), free(order), free(band), free(rows), free(items), free(labels);
        return nomem(r);
    }
    for (int t = 0; t < T; t++)
        for (int i = 0; i < A; i++)
            mean[i] += r->w[(size_t)t * A + i] / T;
    for (int i = 0; i < A; i++) {
        int at = i;
        while (at > 0 && mean[order[at - 1]] < mean[i]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    double other_mean = 0;
    for (int b = 0; b < bands; b++) {
        double *y = band + (size_t)b * T;
        rows[b] = y;
        for (int t = 0; t < T; t++) {
            double v = 0;
            if (b < shown)
                v = r->w[(size_t)t * A + order[b]];
            else
                for (int j = shown; j < A; j++)
                    v += r->w[(size_t)t * A + order[j]];
            y[t] = v;
        }
        if (b < shown)
            snprintf(labels[b], sizeof labels[b], "%s %s", r->asset[order[b]],
                     num(r, mean[order[b]], SVG_FMT_PERCENT, 1));
        else {
            for (int j = shown; j < A; j++)
                other_mean += mean[order[j]];
            snprintf(labels[b], sizeof labels[b], "other %d assets %s", A - shown,
                     num(r, other_mean, SVG_FMT_PERCENT, 1));
        }
        items[b] = (svg_legend_item){labels[b], {svg_area_color(b), "", 0}, -1, 1};
    }
    svg_chart c;
    svg_chart_begin(&c, r->o, WIDE_W, 440,
                    "The champion's weights over the test period (average weight in the legend)");
    svg_chart_legend_rows(&c, svg_legend_rows(items, bands, WIDE_W));
    svg_chart_x(&c, SVG_SCALE_LINEAR, r->w_x[0], r->w_x[T - 1], 0, SVG_FMT_DATE, "date");
    svg_chart_y(&c, SVG_SCALE_LINEAR, 0, 1, 0, SVG_FMT_PERCENT, "weight held over the day (stacked)");
    svg_chart_axes(&c);
    svg_stack(&c, r->w_x, rows, bands, T);
    svg_legend(&c, items, bands);
    svg_chart_end(&c);
    pr(r, "<p class=\"note\">The %d largest positions on average, bottom up%s. ", shown,
        shown < A ? "; the remaining assets are summed as &ldquo;other&rdquo;" : "");
    for (size_t i = 0; i < r->n; i++)
        if (r->c[i].id == r->champion && r->c[i].gene[GENE_MODEL] == MODEL_PORTFOLIO)
            put(r, "The champion is a portfolio model: it holds the blend of its strategies' weights, shown "
                   "per asset. ");
    put(r, "</p>\n");

    /* turnover: bars a day and the mean */
    double hi = 0;
    for (int t = 0; t < champ->n; t++)
        hi = champ->turnover[t] > hi ? champ->turnover[t] : hi;
    svg_legend_item tl[2] = {{"turnover traded at the close", {"#1f4e79", "", 0}, -1, 1},
                             {"average a day", {"#555", "5 4", 1}, -1, 0}};
    svg_chart_begin(&c, r->o, WIDE_W, 300, "The champion's daily turnover (two-sided)");
    svg_chart_legend_rows(&c, 1);
    svg_chart_x(&c, SVG_SCALE_LINEAR, champ->x[0] - 1, champ->x[champ->n - 1] + 1, 0, SVG_FMT_DATE, "date");
    svg_chart_y(&c, SVG_SCALE_LINEAR, 0, hi > 0 ? hi : 0.01, 1, SVG_FMT_PERCENT, "turnover (share of wealth)");
    svg_chart_axes(&c);
    double bw = (c.right - c.left) / (champ->n + 2) * 0.8;
    svg_bars(&c, champ->x, champ->turnover, champ->n, bw < 1 ? 1 : bw, "#1f4e79");
    char avg[96];
    snprintf(avg, sizeof avg, "average %s", num(r, champ->m.avg_turnover, SVG_FMT_PERCENT, 2));
    svg_hline(&c, champ->m.avg_turnover, avg);
    svg_legend(&c, tl, 2);
    svg_chart_end(&c);
    double bps = r->have_cfg ? r->cfg.backtest.cost_bps : NAN;
    pr(r, "<p class=\"note\">%d rebalancing trades in %d days; average turnover %s a day", champ->m.trades,
        champ->n, num(r, champ->m.avg_turnover, SVG_FMT_PERCENT, 2));
    if (isfinite(bps))
        pr(r, ", which at %s bps costs about %s of wealth a year", num(r, bps, SVG_FMT_NUMBER, -1),
            num(r, champ->m.avg_turnover * 252 * bps / 1e4, SVG_FMT_PERCENT, 2));
    put(r, ".</p>\n</section>\n");
    free(mean), free(order), free(band), free(rows), free(items), free(labels);
    return 0;
}

/* ---------------------------------------------------------------- which genes matter */


/* Does candidate c's model read gene k? */
static int gene_used(const cand *c, int k)
{
    return isfinite(c->gene[k]) && genome_gene_used(&c->genome, (evo_gene)k);
}

static void gene_legend(report *r, svg_chart *c, int n_all, int n_top, double cut)
{
    char a[64], b[96];
    snprintf(a, sizeof a, "others (%d)", n_all - n_top);
    snprintf(b, sizeof b, "top decile (%d, fitness %s+)", n_top, num(r, cut, SVG_FMT_NUMBER, 2));
    svg_legend_item items[2] = {{b, {"#000", "", 0}, SVG_MARK_CIRCLE, 0},
                                {a, {"#777", "", 0}, SVG_MARK_RING, 0}};
    svg_legend(c, items, 2);
}

/* One gene's values over the successful candidates that use it: x[m] the value (choice: index, set:
 * bitmask), y[m] the fitness, top[m] in the top decile (m_top of them; cut the decile's lowest fitness). */
typedef struct {
    const evo_gene_info *info;
    int m, m_top;
    double *x, *y;
    char *top;
    double cut, lo, hi, ylo, yhi;
} gene_points;

static void points_legend(report *r, svg_chart *c, const gene_points *p)
{
    gene_legend(r, c, p->m, p->m_top, p->cut);
}

/* Others first, the top decile on top; with many, every step-th of each, so the sample keeps their
 * proportions. */
static void number_points(svg_chart *c, const gene_points *p, const double *xj)
{
    int step = p->m > POINTS_MAX ? (p->m + POINTS_MAX - 1) / POINTS_MAX : 1;
    svg_puts(c->o, "<g>");
    for (int i = 0, seen = 0; i < p->m; i++)
        if (!p->top[i] && seen++ % step == 0)
            svg_points(c, &xj[i], &p->y[i], 1, SVG_MARK_RING, "#777", 2.6, 0.8);
    for (int i = 0, seen = 0; i < p->m; i++)
        if (p->top[i] && seen++ % step == 0)
            svg_points(c, &xj[i], &p->y[i], 1, SVG_MARK_CIRCLE, "#000", 3, 1);
    svg_puts(c->o, "</g>\n");
}

/* A numeric gene: its row (median and middle half, all and top decile) and a scatter of fitness
 * against the value, log scale for log-scale genes. sorted and xj are scratch of m values. */
static void number_chart(report *r, const gene_points *p, double *sorted, double *xj, svg_out *tbl)
{
    const evo_gene_info *info = p->info;
    const int m = p->m, logx = info->log_scale && p->lo > 0;
    memcpy(sorted, p->x, (size_t)m * sizeof *sorted);
    qsort(sorted, (size_t)m, sizeof *sorted, cmp_double);
    double dv[8]; /* the distinct values while there are few */
    int n_dv = 1;
    dv[0] = sorted[0];
    for (int i = 1; i < m; i++)
        if (sorted[i] != sorted[i - 1]) {
            if (n_dv < 8)
                dv[n_dv] = sorted[i];
            n_dv++;
        }
    /* few distinct values: spread the points sideways so they do not hide each other */
    double span = logx ? log10(p->hi / p->lo) : p->hi - p->lo;
    for (int i = 0; i < m; i++) {
        double j = n_dv <= 12 ? 0.015 * span * jitter((size_t)i) : 0;
        xj[i] = logx ? p->x[i] * pow(10, j) : p->x[i] + j;
    }
    double all_med = quantile(sorted, m, 0.5), all_q1 = quantile(sorted, m, 0.25);
    double all_q3 = quantile(sorted, m, 0.75);
    int mt = 0;
    for (int i = 0; i < m; i++)
        if (p->top[i])
            sorted[mt++] = p->x[i];
    qsort(sorted, (size_t)mt, sizeof *sorted, cmp_double);
    svg_printf(tbl, "<td class=\"l\">median %s (middle half %s to %s)</td><td class=\"l\">median %s "
               "(middle half %s to %s)</td></tr>\n", num(r, all_med, SVG_FMT_NUMBER, -1),
               num(r, all_q1, SVG_FMT_NUMBER, -1), num(r, all_q3, SVG_FMT_NUMBER, -1),
               num(r, quantile(sorted, mt, 0.5), SVG_FMT_NUMBER, -1),
               num(r, quantile(sorted, mt, 0.25), SVG_FMT_NUMBER, -1),
               num(r, quantile(sorted, mt, 0.75), SVG_FMT_NUMBER, -1));
    char title[128];
    snprintf(title, sizeof title, "%s%s", info->name, logx ? " (log scale)" : "");
    svg_chart c;
    svg_chart_begin(&c, r->o, SMALL_W, SMALL_H, title);
    svg_chart_legend_rows(&c, 2);
    if (logx)
        svg_chart_x(&c, SVG_SCALE_LOG, p->lo / pow(10, 0.03 * span), p->hi * pow(10, 0.03 * span), 0,
                    SVG_FMT_NUMBER, info->words);
    else /* a wider margin when the points stand in a few columns */
        svg_chart_x(&c, SVG_SCALE_LINEAR, p->lo - (n_dv <= 8 ? 0.1 : 0.04) * span,
                    p->hi + (n_dv <= 8 ? 0.1 : 0.04) * span, 0, SVG_FMT_NUMBER, info->words);
    if (info->kind == GENE_KIND_INT && n_dv <= 8) { /* ticks at the values tried */
        memcpy(c.x.ticks.v, dv, (size_t)n_dv * sizeof *dv);
        c.x.ticks.n = n_dv;
        c.x.ticks.step = 0;
        c.x.decimals = 0;
    } else if (info->kind == GENE_KIND_INT) {
        integer_ticks(&c.x);
    }
    svg_chart_y(&c, SVG_SCALE_LINEAR, p->ylo, p->yhi, 1, SVG_FMT_NUMBER, "fitness");
    svg_chart_axes(&c);
    number_points(&c, p, xj);
    points_legend(r, &c, p);
    svg_chart_end(&c);
}

/* The categories of a choice or set gene that occur: cats[n] (at most 32), each with its share among
 * all candidates using the gene and among the top decile, and a label. */
typedef struct {
    int n, cat[32];
    double share_all[32], share_top[32];
    char label_buf[32][48];
    const char *label[32];
} gene_categories;

static int has_category(const gene_points *p, int i, int j)
{
    return p->info->kind == GENE_KIND_CHOICE ? (int)p->x[i] == j : (int)(((unsigned)p->x[i] >> j) & 1u);
}

static void count_categories(gene_categories *g, const gene_points *p)
{
    const evo_names *names = p->info->names;
    g->n = 0;
    for (int j = 0; j < names->count && j < 32; j++) {
        int in = 0, in_top = 0;
        for (int i = 0; i < p->m; i++) {
            in += has_category(p, i, j);
            in_top += has_category(p, i, j) && p->top[i];
        }
        if (!in)
            continue;
        int q = g->n++;
        g->cat[q] = j;
        g->share_all[q] = (double)in / p->m;
        g->share_top[q] = p->m_top ? (double)in_top / p->m_top : NAN;
        if (p->info->kind == GENE_KIND_CHOICE)
            snprintf(g->label_buf[q], sizeof g->label_buf[q], "%s (%d)", names->names[j], in);
        else
            snprintf(g->label_buf[q], sizeof g->label_buf[q], "%s", names->names[j]);
        g->label[q] = g->label_buf[q];
    }
}

static void category_row(report *r, const gene_categories *g, const gene_points *p, svg_out *tbl)
{
    const evo_names *names = p->info->names;
    svg_puts(tbl, "<td class=\"l\">");
    for (int q = 0; q < g->n; q++)
        svg_printf(tbl, "%s%s %s", q ? " &middot; " : "", names->names[g->cat[q]],
                   num(r, g->share_all[q], SVG_FMT_PERCENT, 0));
    svg_puts(tbl, "</td><td class=\"l\">");
    for (int q = 0; q < g->n && p->m_top; q++)
        svg_printf(tbl, "%s%s %s", q ? " &middot; " : "", names->names[g->cat[q]],
                   num(r, g->share_top[q], SVG_FMT_PERCENT, 0));
    if (!p->m_top)
        svg_puts(tbl, "no candidate of the top decile uses it");
    svg_puts(tbl, "</td></tr>\n");
}

/* A choice gene: a box of fitness per choice with the points over it, spread sideways. vals is
 * scratch of m values. */
static void choice_chart(report *r, const gene_categories *g, const gene_points *p, double *vals)
{
    char title[128];
    snprintf(title, sizeof title, "%s: fitness by choice", p->info->name);
    svg_chart c;
    svg_chart_begin(&c, r->o, SMALL_W, SMALL_H, title);
    svg_chart_legend_rows(&c, 2);
    svg_chart_x_names(&c, g->label, g->n, p->info->words);
    svg_chart_y(&c, SVG_SCALE_LINEAR, p->ylo, p->yhi, 1, SVG_FMT_NUMBER, "fitness");
    svg_chart_axes(&c);
    double slot = (c.right - c.left) / (g->n ? g->n : 1);
    for (int q = 0; q < g->n; q++) {
        int nv = 0;
        for (int i = 0; i < p->m; i++)
            if ((int)p->x[i] == g->cat[q])
                vals[nv++] = p->y[i];
        svg_box_stats b;
        svg_box_stats_compute(&b, vals, nv);
        svg_box(&c, q, slot * 0.5 < 46 ? slot * 0.5 : 46, &b, "#0072b2");
    }
    int step = p->m > POINTS_MAX ? (p->m + POINTS_MAX - 1) / POINTS_MAX : 1;
    for (int pass = 0; pass < 2; pass++) /* the others, then the top decile over them */
        for (int i = 0; i < p->m; i++) {
            if (p->top[i] != pass || i % step)
                continue;
            int q = 0;
            while (q < g->n && g->cat[q] != (int)p->x[i])
                q++;
            double px = q + 0.3 * jitter((size_t)i);
            svg_points(&c, &px, &p->y[i], 1, pass ? SVG_MARK_CIRCLE : SVG_MARK_RING, pass ? "#000" : "#777",
                       pass ? 2.6 : 2.2, pass ? 1 : 0.7);
        }
    points_legend(r, &c, p);
    svg_chart_end(&c);
}

/* A set gene: how often each name is in the set, among all candidates using it and the top decile. */
static void set_chart(report *r, const gene_categories *g, const gene_points *p)
{
    char title[128], a[64], b[64];
    snprintf(title, sizeof title, "%s: how often each is chosen", p->info->name);
    svg_chart c;
    svg_chart_begin(&c, r->o, SMALL_W, SMALL_H, title);
    svg_chart_legend_rows(&c, 2);
    svg_chart_x_names(&c, g->label, g->n, p->info->words);
    svg_chart_y(&c, SVG_SCALE_LINEAR, 0, 1, 0, SVG_FMT_PERCENT, "share of candidates");
    svg_chart_axes(&c);
    double slot = (c.right - c.left) / (g->n ? g->n : 1), bw = slot * 0.36;
    for (int q = 0; q < g->n; q++) {
        double xa = q - 0.2, xt = q + 0.2;
        svg_bars(&c, &xa, &g->share_all[q], 1, bw, "#b0b0b0");
        svg_bars(&c, &xt, &g->share_top[q], 1, bw, "#111");
    }
    snprintf(a, sizeof a, "all candidates using it (%d)", p->m);
    snprintf(b, sizeof b, "top decile (%d)", p->m_top);
    svg_legend_item items[2] = {{a, {"#b0b0b0", "", 0}, -1, 1}, {b, {"#111", "", 0}, -1, 1}};
    svg_legend(&c, items, 2);
    svg_chart_end(&c);
}

/* The candidates of ok[n] (best first, the first n_top the top decile) that use gene k, with their
 * value range. */
static void collect_points(gene_points *p, int k, const cand *const *ok, int n, int n_top)
{
    p->m = p->m_top = 0;
    p->lo = p->ylo = INFINITY;
    p->hi = p->yhi = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!gene_used(ok[i], k))
            continue;
        double x = ok[i]->gene[k], y = ok[i]->fitness;
        p->x[p->m] = x;
        p->y[p->m] = y;
        p->top[p->m] = i < n_top;
        p->m_top += i < n_top;
        p->m++;
        p->lo = x < p->lo ? x : p->lo;
        p->hi = x > p->hi ? x : p->hi;
        p->ylo = y < p->ylo ? y : p->ylo;
        p->yhi = y > p->yhi ? y : p->yhi;
    }
    p->cut = n_top > 0 ? ok[n_top - 1]->fitness : NAN;
}

/* One gene's small chart and its row of the top-decile table (appended to tbl). ok[n] are the
 * successful distinct candidates, best first; the first n_top are the top decile. */
static int gene_chart(report *r, int k, const cand *const *ok, int n, int n_top, svg_out *tbl)
{
    const evo_gene_info *info = &genome_genes[k];
    const int number = genome_gene_is_number((evo_gene)k);
    gene_points p = {.info = info};
    gene_categories *g = NULL;
    double *scratch = malloc((size_t)(n ? n : 1) * 4 * sizeof *scratch); /* x, y and two of scratch */
    p.top = malloc((size_t)(n ? n : 1));
    if (!number)
        g = malloc(sizeof *g);
    int rc = 0;
    if (!scratch || !p.top || (!number && !g)) {
        rc = nomem(r);
        goto done;
    }
    p.x = scratch;
    p.y = scratch + n;
    collect_points(&p, k, ok, n, n_top);
    svg_printf(tbl, "<tr><td class=\"l\"><b>%s</b></td>", info->name);
    if (p.m == 0) {
        pr(r, "<div class=\"card\"><b>%s</b>: no successful candidate uses it.</div>\n", info->name);
        svg_puts(tbl, "<td class=\"l\" colspan=\"2\">not used</td></tr>\n");
    } else if (number && p.lo == p.hi) {
        pr(r, "<div class=\"card\"><b>%s</b>: one value only (%s) among %d candidates: nothing to "
           "compare.</div>\n", info->name, num(r, p.lo, SVG_FMT_NUMBER, -1), p.m);
        svg_printf(tbl, "<td class=\"l\">%s (one value)</td><td class=\"l\">%s</td></tr>\n",
                   num(r, p.lo, SVG_FMT_NUMBER, -1), num(r, p.lo, SVG_FMT_NUMBER, -1));
    } else if (number) {
        number_chart(r, &p, scratch + 2 * n, scratch + 3 * n, tbl);
    } else {
        count_categories(g, &p);
        category_row(r, g, &p, tbl);
        if (info->kind == GENE_KIND_CHOICE)
            choice_chart(r, g, &p, scratch + 2 * n);
        else
            set_chart(r, g, &p);
    }
done:
    free(scratch);
    free(p.top);
    free(g);
    return rc;
}

static int by_fitness_desc(const void *a, const void *b)
{
    const cand *x = *(const cand *const *)a, *y = *(const cand *const *)b;
    if (x->fitness != y->fitness)
        return x->fitness < y->fitness ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static int section_genes(report *r)
{
    put(r, "<section id=\"genes\">\n<h2>Which genes matter</h2>\n");
    const cand **ok = malloc((r->n ? r->n : 1) * sizeof *ok);
    if (!ok)
        return nomem(r);
    int n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->c[i].ok && !r->c[i].hit && isfinite(r->c[i].fitness))
            ok[n++] = &r->c[i];
    if (n < 2) {
        not_available(r, "fewer than two successful candidates so far.");
        put(r, "</section>\n");
        free(ok);
        return 0;
    }
    qsort(ok, (size_t)n, sizeof *ok, by_fitness_desc);
    int n_top = (n + 9) / 10;
    pr(r, "<p class=\"note\">For each gene, the fitness of the %d successful distinct candidates against its "
        "value (the models that do not read a gene are left out of its chart), with the top decile &mdash; the "
        "best %d &mdash; in black. A gene matters when the black points gather where the grey ones do not. "
        "Choices show a box per value (the middle half, the median, whiskers to 1.5 times the box); feature "
        "and strategy sets show how often each is chosen overall and in the top decile.%s</p>\n"
        "<div class=\"grid\">\n",
        n, n_top, n > POINTS_MAX ? " Charts with many candidates draw a regular sample of the points." : "");
    svg_out tbl;
    svg_out_init(&tbl, NULL);
    svg_puts(&tbl, "<div class=\"wide\"><table>\n<tr><th class=\"l\">gene</th><th class=\"l\">all successful "
                   "candidates</th><th class=\"l\">top decile</th></tr>\n");
    int rc = 0;
    for (int k = 0; k < GENE_COUNT && !rc; k++)
        rc = gene_chart(r, k, ok, n, n_top, &tbl);
    svg_puts(&tbl, "</table></div>\n");
    if (!rc && tbl.failed)
        rc = svg_out_status(&tbl, r->err);
    if (!rc) {
        pr(r, "</div>\n<h3>Top decile versus all</h3>\n<p class=\"note\">Numbers: the median and middle half "
           "of "
            "the value; choices and sets: the share of candidates with each value.</p>\n");
        put(r, tbl.text.data ? tbl.text.data : "");
        put(r, "</section>\n");
    }
    svg_out_free(&tbl);
    free(ok);
    return rc;
}

/* ---------------------------------------------------------------- evaluation cost */

static int section_cost(report *r)
{
    put(r, "<section id=\"cost\">\n<h2>Evaluation cost</h2>\n");
    size_t n = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY, total = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        if (c->hit || !(c->params > 0) || !isfinite(c->train_seconds))
            continue;
        n++;
        total += c->train_seconds;
        xlo = c->params < xlo ? c->params : xlo;
        xhi = c->params > xhi ? c->params : xhi;
        ylo = c->train_seconds < ylo ? c->train_seconds : ylo;
        yhi = c->train_seconds > yhi ? c->train_seconds : yhi;
    }
    if (n == 0) {
        not_available(r, "no evaluation with timings is stored yet.");
        put(r, "</section>\n");
        return 0;
    }
    double *x = malloc(n * 2 * sizeof *x), *times = malloc(n * sizeof *times);
    if (!x || !times) {
        free(x), free(times);
        return nomem(r);
    }
    double *y = x + n;
    static const char *const what[3] = {"trained", "stopped at the time cap", "failed"};
    static const char *const color[3] = {"#0072b2", "#e69f00", "#d55e00"};
    static const svg_mark marks[3] = {SVG_MARK_CIRCLE, SVG_MARK_TRIANGLE, SVG_MARK_CROSS};
    int counts[3] = {0, 0, 0};
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cand *c = &r->c[i];
        if (!c->hit && c->params > 0 && isfinite(c->train_seconds)) {
            counts[!c->ok ? 2 : c->truncated ? 1 : 0]++;
            times[m++] = c->train_seconds;
        }
    }
    qsort(times, m, sizeof *times, cmp_double);
    int logy = ylo > 0 && yhi / ylo > 30;
    char labels[3][80];
    svg_legend_item items[3];
    int n_items = 0;
    for (int s = 0; s < 3; s++)
        if (counts[s]) {
            snprintf(labels[s], sizeof labels[s], "%s (%d)", what[s], counts[s]);
            items[n_items++] = (svg_legend_item){labels[s], {color[s], "", 0}, marks[s], 0};
        }
    svg_chart c;
    svg_chart_begin(&c, r->o, WIDE_W, 420, "Training time against model size, by outcome");
    svg_chart_legend_rows(&c, svg_legend_rows(items, n_items, WIDE_W));
    double xs = xhi / xlo > 1 ? pow(xhi / xlo, 0.03) : 1.5;
    svg_chart_x(&c, SVG_SCALE_LOG, xlo / xs, xhi * xs, 0, SVG_FMT_COMPACT, "trainable parameters (log scale)");
    if (logy)
        svg_chart_y(&c, SVG_SCALE_LOG, ylo / 1.1, yhi * 1.1, 0, SVG_FMT_NUMBER, "training seconds (log scale)");
    else
        svg_chart_y(&c, SVG_SCALE_LINEAR, 0, yhi, 1, SVG_FMT_NUMBER, "training seconds");
    svg_chart_axes(&c);
    for (int s = 0; s < 3; s++) {
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++) {
            const cand *e = &r->c[i];
            int outcome = !e->ok ? 2 : e->truncated ? 1 : 0;
            if (e->hit || !(e->params > 0) || !isfinite(e->train_seconds) || outcome != s)
                continue;
            x[k] = e->params * pow(10, 0.006 * jitter(i)); /* equal sizes side by side */
            y[k] = e->train_seconds;
            k++;
        }
        size_t step = k > POINTS_MAX ? (k + POINTS_MAX - 1) / POINTS_MAX : 1, kk = 0;
        for (size_t i = 0; i < k; i += step)
            x[kk] = x[i], y[kk] = y[i], kk++;
        svg_points(&c, x, y, (int)kk, marks[s], color[s], 3.4, 0.8);
    }
    svg_legend(&c, items, n_items);
    svg_chart_end(&c);
    pr(r, "<p class=\"note\">%s evaluations trained for %s in all (median %s, slowest %s); cache hits are not "
        "trained and are left out.%s</p>\n</section>\n", num(r, (double)n, SVG_FMT_NUMBER, 0),
        num(r, total, SVG_FMT_SECONDS, 0), num(r, quantile(times, (int)m, 0.5), SVG_FMT_SECONDS, 0),
        num(r, times[m - 1], SVG_FMT_SECONDS, 0),
        n > POINTS_MAX ? " Large groups draw a regular sample of their points." : "");
    free(x);
    free(times);
    return 0;
}

/* ---------------------------------------------------------------- the Pareto front */

static void criterion_words(char *out, size_t n, int c)
{
    static const char *const words[CRITERION_COUNT] = {
        "fitness", "mean validation Sharpe ratio", "mean validation Sortino ratio", "mean annualised return",
        "mean annualised volatility", "mean maximum drawdown", "mean daily turnover", "mean CVaR 95%"};
    snprintf(out, n, "%s (%s is better)", words[c], catalog_criterion_minimised[c] ? "lower" : "higher");
}

/* One chart: objective cx across, cy up; every candidate grey, the front blue, the champion black. */
static void front_chart(report *r, const archive_criteria *all, const archive_criteria *front, int cx, int cy,
                        double *x, double *y)
{
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; i < all->n; i++)
        for (int k = 0; k < 2; k++) {
            const double v = all->values[i][k ? cy : cx];
            if (isfinite(v))
                lo[k] = v < lo[k] ? v : lo[k], hi[k] = v > hi[k] ? v : hi[k];
        }
    char title[160], xl[96], yl[96];
    snprintf(title, sizeof title, "The front: %s against %s", catalog_criteria.names[cy], catalog_criteria.names[cx]);
    criterion_words(xl, sizeof xl, cx);
    criterion_words(yl, sizeof yl, cy);
    svg_legend_item items[3] = {{"every successful candidate", {"#9e9e9e", "", 0}, SVG_MARK_CIRCLE, 0},
                                {"on the Pareto front", {"#0072b2", "", 0}, SVG_MARK_CIRCLE, 0},
                                {"the champion", {"#000", "", 0}, SVG_MARK_TRIANGLE, 0}};
    svg_chart c;
    svg_chart_begin(&c, r->o, WIDE_W, 420, title);
    svg_chart_legend_rows(&c, svg_legend_rows(items, 3, WIDE_W));
    for (int k = 0; k < 2; k++)
        if (!(hi[k] > lo[k])) /* one value, or none: a range around it */
            lo[k] = isfinite(lo[k]) ? lo[k] - 0.5 : 0, hi[k] = isfinite(hi[k]) ? hi[k] + 0.5 : 1;
    svg_chart_x(&c, SVG_SCALE_LINEAR, lo[0], hi[0], 1, SVG_FMT_NUMBER, xl);
    svg_chart_y(&c, SVG_SCALE_LINEAR, lo[1], hi[1], 1, SVG_FMT_NUMBER, yl);
    svg_chart_axes(&c);
    const int step = all->n > POINTS_MAX ? (all->n + POINTS_MAX - 1) / POINTS_MAX : 1;
    int m = 0, champion = -1;
    for (int i = 0; i < all->n; i += step, m++)
        x[m] = all->values[i][cx], y[m] = all->values[i][cy];
    svg_points(&c, x, y, m, SVG_MARK_CIRCLE, "#9e9e9e", 2.6, 0.6);
    for (int i = 0; i < front->n; i++) {
        x[i] = front->values[i][cx], y[i] = front->values[i][cy];
    }
    svg_points(&c, x, y, front->n, SVG_MARK_CIRCLE, "#0072b2", 3.6, 1);
    for (int i = 0; i < all->n; i++)
        champion = all->ids[i] == r->champion ? i : champion;
    if (champion >= 0)
        svg_points(&c, &all->values[champion][cx], &all->values[champion][cy], 1, SVG_MARK_TRIANGLE, "#000", 6, 1);
    svg_legend(&c, items, champion >= 0 ? 3 : 2);
    svg_chart_end(&c);
}

/* A Pareto search (ga.objectives): its front, two objectives at a time. Other runs have no section. */
static int section_pareto(report *r)
{
    const unsigned objectives = r->have_cfg ? r->cfg.ga.objectives : 0;
    if (!objectives)
        return 0;
    put(r, "<section id=\"pareto\">\n<h2>Pareto front</h2>\n");
    archive_criteria all = {0}, front = {0};
    int rc = archive_successful_criteria(r->a, r->run.id, &all, r->err);
    if (!rc)
        rc = archive_pareto_front(r->a, r->run.id, objectives, &front, r->err);
    double *x = rc ? NULL : malloc(sizeof *x * 2 * (size_t)(all.n + 1));
    if (!rc && !x)
        rc = nomem(r);
    int picked[PARETO_MAX_OBJECTIVES], m = 0;
    for (int c = 0; c < CRITERION_COUNT; c++)
        if (objectives & 1u << c)
            picked[m++] = c;
    if (!rc && all.n == 0)
        not_available(r, "no candidate has been evaluated successfully yet.");
    for (int i = 0; !rc && all.n > 0 && i < m; i++)
        for (int j = i + 1; j < m; j++)
            front_chart(r, &all, &front, picked[i], picked[j], x, x + all.n + 1);
    if (!rc && all.n > 0)
        pr(r, "<p class=\"note\">%d of %d successful candidates are on the front: no other one is at least as "
           "good in every objective and better in one. Each objective is the mean over the validation folds "
           "(fitness: ga.fitness). <code>evofolio query ARCHIVE pareto</code> lists them.</p>\n",
           front.n, all.n);
    if (!rc)
        put(r, "</section>\n");
    free(x);
    archive_criteria_free(&all);
    archive_criteria_free(&front);
    return rc;
}

/* ---------------------------------------------------------------- compute by rung */

static int on_rung(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    pr(r, "<tr><td>%d</td><td>", (int)v[0].integer);
    pr(r, v[1].integer == v[2].integer ? "%s" : "%s&ndash;", num(r, (double)v[1].integer, SVG_FMT_NUMBER, 0));
    if (v[1].integer != v[2].integer)
        put(r, num(r, (double)v[2].integer, SVG_FMT_NUMBER, 0));
    put(r, "</td>");
    for (int k = 3; k <= 6; k++)
        board_cell(r, &v[k], SVG_FMT_NUMBER, 0);
    board_cell(r, &v[7], SVG_FMT_NUMBER, 3);
    board_cell(r, &v[8], SVG_FMT_NUMBER, 3);
    board_cell(r, &v[9], SVG_FMT_SECONDS, 0);
    board_cell(r, &v[10], SVG_FMT_PERCENT, 0);
    board_cell(r, &v[11], SVG_FMT_NUMBER, 2);
    put(r, "</tr>\n");
    return 0;
}

/* The promoted pairs of a multi-fidelity run, (fitness at rung k, fitness at k+1), both successful:
 * x[k * cap + i], y[...], n[k]. */
typedef struct {
    double *x, *y;
    int n[GA_RUNGS_MAX], cap;
} rung_pairs;

static int on_pair(void *ctx, const archive_value *v, int n_col)
{
    rung_pairs *p = ctx;
    (void)n_col;
    const int k = (int)v[0].integer;
    if (k < 0 || k >= GA_RUNGS_MAX - 1 || p->n[k] >= p->cap)
        return 0;
    p->x[k * p->cap + p->n[k]] = value_real(&v[1]);
    p->y[k * p->cap + p->n[k]++] = value_real(&v[2]);
    return 0;
}

/* Fitness at each rung against the next, for the candidates that went up: one colour per rung. */
static int rungs_chart(report *r, int rungs)
{
    rung_pairs p = {.cap = POINTS_MAX};
    p.x = malloc(sizeof *p.x * (size_t)(GA_RUNGS_MAX * p.cap));
    p.y = malloc(sizeof *p.y * (size_t)(GA_RUNGS_MAX * p.cap));
    if (!p.x || !p.y) {
        free(p.x);
        free(p.y);
        return nomem(r);
    }
    char sql[768];
    snprintf(sql, sizeof sql, "SELECT g.rung - 1, b.fitness, e.fitness FROM rungs g JOIN evaluations e ON e.run = "
             "g.run AND e.id = g.eval JOIN evaluations b ON b.run = g.run AND b.id = g.promoted_from WHERE g.run = "
             "%lld AND e.status = 'ok' AND b.status = 'ok' ORDER BY g.eval", (long long)r->run.id);
    int rc = archive_query_rows(r->a, sql, on_pair, &p, r->err);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}; /* across, up */
    int total = 0;
    for (int k = 0; k < rungs - 1; k++)
        for (int i = 0; i < p.n[k]; i++, total++) {
            const double a = p.x[k * p.cap + i], b = p.y[k * p.cap + i];
            lo[0] = fmin(lo[0], a), hi[0] = fmax(hi[0], a), lo[1] = fmin(lo[1], b), hi[1] = fmax(hi[1], b);
        }
    if (!rc && total > 0) {
        for (int d = 0; d < 2; d++)
            if (!(hi[d] > lo[d]))
                lo[d] -= 0.5, hi[d] += 0.5;
        svg_legend_item items[GA_RUNGS_MAX];
        char names[GA_RUNGS_MAX][48];
        for (int k = 0; k < rungs - 1; k++) {
            snprintf(names[k], sizeof names[k], "rung %d to rung %d", k, k + 1);
            items[k] = (svg_legend_item){names[k], svg_palette(k + 1), SVG_MARK_CIRCLE, 0};
        }
        svg_chart c;
        svg_chart_begin(&c, r->o, WIDE_W, 420, "Did the cheap rungs rank candidates as the dearer ones did?");
        svg_chart_legend_rows(&c, svg_legend_rows(items, rungs - 1, WIDE_W));
        svg_chart_x(&c, SVG_SCALE_LINEAR, lo[0], hi[0], 1, SVG_FMT_NUMBER, "fitness at the rung it went up from");
        svg_chart_y(&c, SVG_SCALE_LINEAR, lo[1], hi[1], 1, SVG_FMT_NUMBER, "fitness at the next rung");
        svg_chart_axes(&c);
        for (int k = 0; k < rungs - 1; k++)
            svg_points(&c, p.x + k * p.cap, p.y + k * p.cap, p.n[k], SVG_MARK_CIRCLE, svg_palette(k + 1).color, 3.2, 0.8);
        svg_legend(&c, items, rungs - 1);
        svg_chart_end(&c);
    }
    free(p.x);
    free(p.y);
    return rc;
}

/* A multi-fidelity search (ga.rungs > 1): how its compute went to each rung, and how well the cheap
 * rankings held. Other runs have no section. */
static int section_rungs(report *r)
{
    const int rungs = r->have_cfg ? r->cfg.ga.rungs : 1;
    if (rungs < 2)
        return 0;
    put(r, "<section id=\"rungs\">\n<h2>Compute by rung</h2>\n");
    char sql[sizeof ARCHIVE_RUNGS_SQL + 32];
    snprintf(sql, sizeof sql, ARCHIVE_RUNGS_SQL, (long long)r->run.id);
    put(r, "<div class=\"wide\"><table>\n<tr><th>rung</th><th>steps</th><th>evaluations</th><th>trained</th>"
           "<th>failed</th><th>went up</th><th>best fitness</th><th>mean fitness</th><th>worker time</th>"
           "<th>share</th><th>Spearman with the next rung</th></tr>\n");
    int rc = archive_query_rows(r->a, sql, on_rung, r, r->err);
    put(r, "</table></div>\n");
    if (!rc)
        rc = rungs_chart(r, rungs);
    if (!rc)
        pr(r, "<p class=\"note\">Each candidate first trains 1/%d of its steps at rung 0 and goes up a "
           "rung, to %d times the steps, when it ranks in the best 1/%d of its rung (%s); only the top rung's "
           "full-budget evaluations can become finalists. Spearman's rank correlation near 1 says the cheap rung "
           "ranked candidates as the next one did; near 0 or below, it was a coin toss, and fewer rungs (or a "
           "smaller ga.eta) would spend the compute better. <code>evofolio query ARCHIVE rungs</code> lists the "
           "same table.</p>\n</section>\n", (int)lround(pow(r->cfg.ga.eta, rungs - 1)), r->cfg.ga.eta, r->cfg.ga.eta,
           r->cfg.ga.mode == GA_STEADY ? "asynchronously, as in ASHA: whenever a worker is free" : "in each generation");
    return rc;
}

/* ---------------------------------------------------------------- entry points */

int report_find_run(const char *path, int64_t run, archive_run *out, evo_error *err)
{
    if (access(path, F_OK) != 0)
        return evo_fail(err, EVO_ERR_USAGE, "%s: no such archive. Check the path; `evofolio run CONFIG` writes "
                        "the archive named by output.archive.", path);
    evo_archive *a = NULL;
    int rc = archive_open(&a, path, 1, err);
    int64_t id = run;
    if (!rc && !id && !(rc = archive_run_newest(a, &id, err)) && !id)
        rc = evo_fail(err, EVO_ERR_DATA, "%s holds no run yet. Make the report once a search has started.",
                      path);
    if (!rc) {
        int found = archive_run_get(a, id, out, err);
        if (found < 0)
            rc = found;
        else if (!found)
            rc = evo_fail(err, EVO_ERR_USAGE, "%s has no run %lld. `evofolio query %s runs` lists them.", path,
                          (long long)id, path);
    }
    archive_close(a);
    return rc;
}

/* The page's sections, in order. */
static int (*const sections[])(report *r) = {section_summary, section_convergence, section_leaderboard,
                                             section_pareto,  section_rungs,       section_test,        section_weights,
                                             section_genes,   section_cost};

int report_write(const char *archive_path, int64_t run, FILE *out, evo_error *err)
{
    report r;
    memset(&r, 0, sizeof r);
    r.path = archive_path;
    r.err = err;
    r.dsr = r.pbo = NAN;
    r.now = now_unix();
    svg_out page;
    svg_out_init(&page, NULL);
    r.o = &page;
    int rc = report_find_run(archive_path, run, &r.run, err);
    if (!rc)
        rc = archive_open(&r.a, archive_path, 1, err);
    if (!rc)
        rc = report_load(&r);
    if (!rc)
        write_head(&r);
    for (size_t i = 0; !rc && i < sizeof sections / sizeof *sections; i++)
        rc = sections[i](&r);
    if (!rc) {
        pr(&r, "<footer>Made by evofolio %s from <code>", EVO_VERSION);
        esc(&r, archive_path);
        pr(&r, "</code>, run %lld, at %s. One file: inline CSS and SVG, no scripts; it opens offline."
           "</footer>\n"
            "</body>\n</html>\n", (long long)r.run.id, utc(&r, r.now));
        rc = svg_out_status(&page, err);
    }
    if (!rc && (fwrite(page.text.data, 1, page.text.len, out) != page.text.len || fflush(out) || ferror(out)))
        rc = evo_fail(err, EVO_ERR_IO, "cannot write the report (is the disk full?). Check the output path.");
    svg_out_free(&page);
    report_free(&r);
    return rc;
}
