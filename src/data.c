/* data: CSV tables (csv module) -> per-file series -> one aligned panel -> the config's selection. */
#include "evofolio/data.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "evofolio/catalog.h"
#include "evofolio/csv.h"
#include "evofolio/folds.h"
#include "evofolio/hash.h"
#include "evofolio/suggest.h"

/* Dates further apart than this many calendar days count as a gap (a weekend plus a holiday is 4). */
enum { DATA_GAP_DAYS = 4 };

void data_panel_free(evo_panel *p)
{
    if (!p)
        return;
    for (int a = 0; a < p->n_assets && p->assets; a++)
        free(p->assets[a]);
    free(p->assets);
    free(p->dates);
    free(p->close);
    free(p->volume);
    memset(p, 0, sizeof *p);
}

static int panel_alloc(evo_panel *p, int n_days, int n_assets, int with_volume)
{
    p->n_days = n_days;
    p->n_assets = n_assets;
    p->assets = calloc((size_t)n_assets, sizeof *p->assets);
    p->dates = calloc((size_t)n_days + 1, sizeof *p->dates);
    p->close = calloc((size_t)n_days * n_assets + 1, sizeof *p->close);
    p->volume = with_volume ? calloc((size_t)n_days * n_assets + 1, sizeof *p->volume) : NULL;
    return p->assets && p->dates && p->close && (!with_volume || p->volume) ? EVO_OK : EVO_ERR_NOMEM;
}

/* ---------------------------------------------------------------- cells */

static int is_missing(const char *s)
{
    return !*s || !strcasecmp(s, "NA") || !strcasecmp(s, "NaN") || !strcasecmp(s, "null");
}

/* Where a cell is and what it holds, for reading and for messages. */
typedef struct {
    const csv_table *t;
    int row, col;
    const char *column; /* header name */
} cell_ref;

static int cell_fail(const cell_ref *c, evo_error *err, const char *what, const char *hint)
{
    return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: %s in column '%s'. %s", c->t->path,
                    c->t->rows[c->row].line, csv_column(c->t, c->row, c->col), what, c->column, hint);
}

/* Read a price (> 0) or a volume (>= 0). A missing cell is forward-filled from *prev when the options
 * allow it; *run counts this column's consecutive fills, *filled all fills. */
static int read_value(const cell_ref *c, int is_volume, const data_options *opt, const double *prev,
                      int *run, int *filled, double *out, evo_error *err)
{
    const char *s = csv_cell(c->t, c->row, c->col);
    char what[160];
    if (is_missing(s)) {
        if (opt->missing != MISSING_FFILL)
            return cell_fail(c, err, *s ? "missing value" : "empty cell",
                             "Fill it in, or set data.missing: ffill to forward-fill short gaps.");
        if (!prev)
            return cell_fail(c, err, "missing value on the first row",
                             "There is nothing before it to forward-fill; fill it in or drop the row.");
        if (++*run > opt->ffill_limit) {
            snprintf(what, sizeof what, "more than %d missing values in a row (data.ffill_limit)",
                     opt->ffill_limit);
            return cell_fail(c, err, what, "Raise data.ffill_limit or repair the file.");
        }
        ++*filled;
        *out = *prev;
        return EVO_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || (errno == ERANGE && fabs(v) > 1) || !isfinite(v)) { /* underflow reads as tiny */
        snprintf(what, sizeof what, "'%.40s' is not a number", s);
        return cell_fail(c, err, what, "Fix the cell.");
    }
    if (is_volume ? v < 0 : v <= 0) {
        snprintf(what, sizeof what, "%s %.40s is %s", is_volume ? "volume" : "price", s,
                 is_volume ? "negative" : "not positive");
        return cell_fail(c, err, what, is_volume ? "Volumes must be >= 0." : "Prices must be > 0.");
    }
    *run = 0;
    *out = v;
    return EVO_OK;
}

/* Parse the date of a data row and check it follows prev (NULL on the first row). */
static int read_date(const csv_table *t, int row, int col, const evo_date *prev, evo_date *out,
                     evo_error *err)
{
    const char *s = csv_cell(t, row, col);
    int line = t->rows[row].line, column = csv_column(t, row, col);
    char a[EVO_DATE_STR];
    if (date_parse(s, out))
        return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: '%.40s' is not a date YYYY-MM-DD. Fix the "
                        "date column.", t->path, line, column, s);
    if (prev && *out == *prev)
        return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: duplicate date %s. Remove the repeated row.",
                        t->path, line, column, s);
    if (prev && *out < *prev)
        return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: date %s comes after %s; dates must be sorted. "
                        "Sort the file by date.", t->path, line, column, s, date_format(*prev, a));
    return EVO_OK;
}

static int check_ragged(const csv_table *t, int row, int n_cols, evo_error *err)
{
    int n = t->rows[row].n_cells;
    if (n == n_cols)
        return EVO_OK;
    return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: this row has %d cells but the header has %d. Every "
                    "row needs one value per column.", t->path, t->rows[row].line,
                    csv_column(t, row, n < n_cols ? n : n_cols), n, n_cols);
}

/* ---------------------------------------------------------------- wide CSV */

static int read_wide(const csv_table *t, const data_options *opt, evo_panel *p, evo_error *err)
{
    int n_cols = t->rows[0].n_cells, A = n_cols - 1, D = t->n_rows - 1;
    if (strcasecmp(csv_cell(t, 0, 0), "date"))
        return evo_fail(err, EVO_ERR_DATA, "%s:%d:1: the first column must be 'date', found '%.40s'. "
                        "A wide file has a date column, then one column of closes per asset.",
                        t->path, t->rows[0].line, csv_cell(t, 0, 0));
    if (A < 1 || D < 1)
        return evo_fail(err, EVO_ERR_DATA, "%s: %s. A wide file has a header (date, then asset names) "
                        "and one row of closes per date.", t->path,
                        A < 1 ? "the header names no asset" : "there are no rows after the header");
    if (panel_alloc(p, D, A, 0))
        return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", t->path);
    for (int a = 0; a < A; a++) {
        const char *name = csv_cell(t, 0, a + 1);
        if (!*name)
            return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: column %d has no asset name. Name it in "
                            "the header.", t->path, t->rows[0].line, csv_column(t, 0, a + 1), a + 2);
        for (int b = 0; b < a; b++)
            if (!strcmp(p->assets[b], name))
                return evo_fail(err, EVO_ERR_DATA, "%s:%d:%d: duplicate asset name '%s' (also column "
                                "%d). Asset names must be unique.", t->path, t->rows[0].line,
                                csv_column(t, 0, a + 1), name, b + 2);
        if (!(p->assets[a] = strdup(name)))
            return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", t->path);
    }
    int *run = calloc((size_t)A, sizeof *run);
    if (!run)
        return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", t->path);
    int rc = EVO_OK;
    for (int d = 0; d < D && !rc; d++) {
        int row = d + 1;
        rc = check_ragged(t, row, n_cols, err);
        if (!rc)
            rc = read_date(t, row, 0, d ? &p->dates[d - 1] : NULL, &p->dates[d], err);
        for (int a = 0; a < A && !rc; a++) {
            cell_ref c = {t, row, a + 1, p->assets[a]};
            rc = read_value(&c, 0, opt, d ? &p->close[(size_t)(d - 1) * A + a] : NULL, &run[a],
                            &p->filled_cells, &p->close[(size_t)d * A + a], err);
        }
    }
    free(run);
    p->format = DATA_WIDE;
    p->n_sources = 1;
    p->rows_read = D;
    return rc;
}

/* ---------------------------------------------------------------- per-ticker files */

/* One per-ticker file as read. */
typedef struct {
    char *name; /* file stem */
    int n;
    evo_date *dates;
    double *close, *volume; /* volume NULL when the file has none */
    int filled;
} ticker;

static void ticker_free(ticker *k)
{
    free(k->name);
    free(k->dates);
    free(k->close);
    free(k->volume);
}

static int find_column(const csv_table *t, const char *name)
{
    for (int c = 0; c < t->rows[0].n_cells; c++)
        if (!strcasecmp(csv_cell(t, 0, c), name))
            return c;
    return -1;
}

static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return strndup(base, n);
}

static int read_ticker(const csv_table *t, const data_options *opt, ticker *k, evo_error *err)
{
    int c_date = find_column(t, "Date"), c_adj = find_column(t, "Adj Close");
    int c_close = c_adj >= 0 ? c_adj : find_column(t, "Close"), c_vol = find_column(t, "Volume");
    int n_cols = t->rows[0].n_cells;
    if (c_date < 0 || c_close < 0)
        return evo_fail(err, EVO_ERR_DATA, "%s:%d:1: the header has no '%s' column. A per-ticker file "
                        "looks like a Yahoo Finance export: Date,Open,High,Low,Close,Adj Close,Volume.",
                        t->path, t->rows[0].line, c_date < 0 ? "Date" : "Close");
    k->n = t->n_rows - 1;
    if (k->n < 1)
        return evo_fail(err, EVO_ERR_DATA, "%s: there are no rows after the header.", t->path);
    k->name = file_stem(t->path);
    k->dates = calloc((size_t)k->n, sizeof *k->dates);
    k->close = calloc((size_t)k->n, sizeof *k->close);
    k->volume = c_vol >= 0 ? calloc((size_t)k->n, sizeof *k->volume) : NULL;
    if (!k->name || !k->dates || !k->close || (c_vol >= 0 && !k->volume))
        return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", t->path);
    int run_close = 0, run_vol = 0, rc = EVO_OK;
    for (int d = 0; d < k->n && !rc; d++) {
        int row = d + 1;
        cell_ref price = {t, row, c_close, csv_cell(t, 0, c_close)};
        cell_ref vol = {t, row, c_vol, "Volume"};
        rc = check_ragged(t, row, n_cols, err);
        if (!rc)
            rc = read_date(t, row, c_date, d ? &k->dates[d - 1] : NULL, &k->dates[d], err);
        if (!rc)
            rc = read_value(&price, 0, opt, d ? &k->close[d - 1] : NULL, &run_close, &k->filled,
                            &k->close[d], err);
        if (!rc && k->volume)
            rc = read_value(&vol, 1, opt, d ? &k->volume[d - 1] : NULL, &run_vol, &k->filled,
                            &k->volume[d], err);
    }
    return rc;
}

static int compare_dates(const void *a, const void *b)
{
    evo_date x = *(const evo_date *)a, y = *(const evo_date *)b;
    return (x > y) - (x < y);
}

/* Keep the dates every ticker has; count the others as dropped by alignment. */
static int align_tickers(ticker *k, int n, evo_panel *p, evo_error *err)
{
    size_t total = 0;
    int with_volume = 1;
    for (int i = 0; i < n; i++) {
        total += (size_t)k[i].n;
        with_volume &= k[i].volume != NULL;
    }
    evo_date *all = malloc(total * sizeof *all);
    if (!all)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory aligning %d files", n);
    size_t m = 0;
    for (int i = 0; i < n; i++)
        for (int d = 0; d < k[i].n; d++)
            all[m++] = k[i].dates[d];
    qsort(all, total, sizeof *all, compare_dates);
    int distinct = 0, common = 0;
    for (size_t i = 0; i < total;) { /* keep a date in `all` when all n files have it */
        size_t j = i;
        while (j < total && all[j] == all[i])
            j++;
        distinct++;
        if ((int)(j - i) == n)
            all[common++] = all[i];
        i = j;
    }
    int rc = EVO_OK;
    if (common < 1)
        rc = evo_fail(err, EVO_ERR_DATA, "the %d per-ticker files share no date. Check that they "
                      "cover the same period.", n);
    else if (panel_alloc(p, common, n, with_volume))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory aligning %d files", n);
    for (int a = 0; a < n && !rc; a++) {
        p->assets[a] = k[a].name;
        k[a].name = NULL;
        for (int d = 0, s = 0; d < common; d++, s++) {
            while (k[a].dates[s] < all[d])
                s++;
            p->close[(size_t)d * n + a] = k[a].close[s];
            if (with_volume)
                p->volume[(size_t)d * n + a] = k[a].volume[s];
        }
        p->filled_cells += k[a].filled;
    }
    if (!rc) {
        memcpy(p->dates, all, (size_t)common * sizeof *all);
        p->format = DATA_TICKERS;
        p->n_sources = n;
        p->rows_read = distinct;
        p->dropped_alignment = distinct - common;
    }
    free(all);
    return rc;
}

static int read_tickers(csv_table *tables, int n, const data_options *opt, evo_panel *p,
                        evo_error *err)
{
    ticker *k = calloc(n > 0 ? (size_t)n : 1, sizeof *k);
    if (!k)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory reading %d files", n);
    int rc = EVO_OK;
    for (int i = 0; i < n && !rc; i++) {
        rc = read_ticker(&tables[i], opt, &k[i], err);
        for (int j = 0; j < i && !rc; j++)
            if (!strcmp(k[i].name, k[j].name))
                rc = evo_fail(err, EVO_ERR_DATA, "%s and %s both name the asset '%s'. Asset names "
                              "(file stems) must be unique.", tables[j].path, tables[i].path,
                              k[i].name);
    }
    if (!rc)
        rc = align_tickers(k, n, p, err);
    for (int i = 0; i < n; i++)
        ticker_free(&k[i]);
    free(k);
    return rc;
}

/* ---------------------------------------------------------------- files and directories */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    char **paths;
    int n, cap;
} file_list;

static int file_list_add(file_list *l, const char *dir, const char *name, evo_error *err)
{
    if (l->n == l->cap) {
        char **p = realloc(l->paths, (size_t)(l->cap = 2 * l->cap + 8) * sizeof *p);
        if (!p)
            return evo_fail(err, EVO_ERR_NOMEM, "out of memory listing files");
        l->paths = p;
    }
    size_t size = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    char *full = malloc(size);
    if (!full)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory listing files");
    snprintf(full, size, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    l->paths[l->n++] = full;
    return EVO_OK;
}

static void file_list_free(file_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
}

/* Add path, or the *.csv files of a directory in name order. */
static int expand_path(const char *path, file_list *l, evo_error *err)
{
    struct stat st;
    if (stat(path, &st))
        return evo_fail(err, EVO_ERR_DATA, "%s: cannot open: %s. Check the path.", path,
                        strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return file_list_add(l, NULL, path, err);
    DIR *dir = opendir(path);
    if (!dir)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot list: %s", path, strerror(errno));
    int first = l->n, rc = EVO_OK;
    struct dirent *e;
    while (!rc && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcasecmp(e->d_name + len - 4, ".csv"))
            rc = file_list_add(l, path, e->d_name, err);
    }
    closedir(dir);
    if (!rc && l->n == first)
        rc = evo_fail(err, EVO_ERR_DATA, "%s: the directory has no *.csv file. Put one file per "
                      "ticker in it.", path);
    if (!rc)
        qsort(l->paths + first, (size_t)(l->n - first), sizeof *l->paths, compare_strings);
    return rc;
}

int data_load_files(char *const *paths, int n_paths, const data_options *opt, evo_panel *panel,
                    evo_error *err)
{
    memset(panel, 0, sizeof *panel);
    file_list files = {0};
    csv_table *tables = NULL;
    int rc = EVO_OK;
    for (int i = 0; i < n_paths && !rc; i++)
        rc = expand_path(paths[i], &files, err);
    int n = files.n;
    if (!rc && n == 0)
        rc = evo_fail(err, EVO_ERR_USAGE, "no data file given. Name a CSV file or a directory.");
    if (!rc && !(tables = calloc((size_t)files.cap, sizeof *tables)))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && !rc; i++) {
        rc = csv_table_read(files.paths[i], &tables[i], err);
        if (!rc && tables[i].n_rows == 0)
            rc = evo_fail(err, EVO_ERR_DATA, "%s: the file is empty; the first line must be a "
                          "header naming the columns.", files.paths[i]);
    }
    if (!rc) {
        int ohlcv = find_column(&tables[0], "Close") >= 0 || find_column(&tables[0], "Adj Close") >= 0;
        rc = n == 1 && !ohlcv ? read_wide(&tables[0], opt, panel, err)
                              : read_tickers(tables, n, opt, panel, err);
    }
    for (int i = 0; tables && i < n; i++)
        csv_table_free(&tables[i]);
    free(tables);
    file_list_free(&files);
    if (rc)
        data_panel_free(panel);
    return rc;
}

/* ---------------------------------------------------------------- selection */

/* Keep the config's assets in its order. */
static int select_assets(const evo_config *cfg, evo_panel *p, evo_error *err)
{
    int n = cfg->data.n_assets, A = p->n_assets;
    int *pick = calloc((size_t)n + 1, sizeof *pick);
    if (!pick)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const char *want = cfg->data.assets[i];
        int a = 0;
        while (a < A && strcmp(p->assets[a], want))
            a++;
        if (a == A) {
            char key[EVO_KEY_MAX];
            snprintf(key, sizeof key, "data.assets[%d]", i);
            const char *near = suggest_closest(want, (const char *const *)p->assets, A);
            free(pick);
            return config_fail_at(cfg, key, err, EVO_ERR_CONFIG, "asset '%s' is not in the data%s%s%s. "
                                  "Run `evofolio data --config %s` to list the assets.", want,
                                  near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "",
                                  cfg->path);
        }
        pick[i] = a;
    }
    evo_panel q = *p;
    if (panel_alloc(&q, p->n_days, n, p->volume != NULL)) {
        free(pick);
        data_panel_free(&q);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    }
    memcpy(q.dates, p->dates, (size_t)p->n_days * sizeof *q.dates);
    for (int i = 0; i < n; i++) {
        q.assets[i] = p->assets[pick[i]];
        p->assets[pick[i]] = NULL;
        for (int d = 0; d < p->n_days; d++) {
            q.close[(size_t)d * n + i] = p->close[(size_t)d * A + pick[i]];
            if (q.volume)
                q.volume[(size_t)d * n + i] = p->volume[(size_t)d * A + pick[i]];
        }
    }
    free(pick);
    data_panel_free(p);
    *p = q;
    return EVO_OK;
}

/* Keep rows within data.start..data.end (in place). */
static int select_dates(const evo_config *cfg, evo_panel *p, evo_error *err)
{
    int A = p->n_assets, lo = 0, hi = p->n_days;
    while (cfg->data.has_start && lo < hi && p->dates[lo] < cfg->data.start)
        lo++;
    while (cfg->data.has_end && hi > lo && p->dates[hi - 1] > cfg->data.end)
        hi--;
    if (hi - lo < 2) {
        char a[EVO_DATE_STR], b[EVO_DATE_STR];
        return config_fail_at(cfg, cfg->data.has_start ? "data.start" : "data.end", err,
                              EVO_ERR_CONFIG, "only %d rows of the data (%s to %s) fall within "
                              "data.start..data.end. Widen the range.", hi - lo,
                              date_format(p->dates[0], a), date_format(p->dates[p->n_days - 1], b));
    }
    p->dropped_selection = p->n_days - (hi - lo);
    memmove(p->dates, p->dates + lo, (size_t)(hi - lo) * sizeof *p->dates);
    memmove(p->close, p->close + (size_t)lo * A, (size_t)(hi - lo) * A * sizeof *p->close);
    if (p->volume)
        memmove(p->volume, p->volume + (size_t)lo * A, (size_t)(hi - lo) * A * sizeof *p->volume);
    p->n_days = hi - lo;
    return EVO_OK;
}

int data_load_config(const evo_config *cfg, evo_panel *panel, evo_error *err)
{
    memset(panel, 0, sizeof *panel);
    data_options opt = {cfg->data.missing, cfg->data.ffill_limit};
    int n = cfg->data.n_files ? cfg->data.n_files : 1;
    char **paths = calloc((size_t)n, sizeof *paths);
    int rc = paths ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && !rc; i++) {
        const char *rel = cfg->data.n_files ? cfg->data.files[i]
                          : cfg->data.prices[0] ? cfg->data.prices : cfg->data.dir;
        char key[EVO_KEY_MAX];
        struct stat st;
        if (cfg->data.n_files)
            snprintf(key, sizeof key, "data.files[%d]", i);
        else
            snprintf(key, sizeof key, "%s", cfg->data.prices[0] ? "data.prices" : "data.dir");
        if (!(paths[i] = malloc(EVO_PATH_MAX)))
            rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory");
        else if (config_resolve_path(cfg, rel, paths[i]), stat(paths[i], &st))
            rc = config_fail_at(cfg, key, err, EVO_ERR_CONFIG, "%s: cannot open %s: %s. Paths are "
                                "relative to the configuration file's directory.", key, paths[i],
                                strerror(errno));
    }
    if (!rc)
        rc = data_load_files(paths, n, &opt, panel, err);
    for (int i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
    if (!rc && cfg->data.n_assets)
        rc = select_assets(cfg, panel, err);
    if (!rc)
        rc = select_dates(cfg, panel, err);
    if (!rc && panel->n_assets < 2)
        rc = config_fail_at(cfg, cfg->data.n_assets ? "data.assets" : "data", err, EVO_ERR_DATA,
                            "the data has %d asset; a portfolio needs at least 2. Add assets.",
                            panel->n_assets);
    if (!rc && !panel->volume && (cfg->search.features & (1u << FEATURE_VOLCHG)))
        rc = config_fail_at(cfg, "search.features", err, EVO_ERR_CONFIG,
                            "the feature volchg needs volume, and this data has none. Remove "
                            "volchg from search.features or use per-ticker files with a Volume "
                            "column.");
    if (!rc)
        rc = folds_check(cfg, panel->dates, panel->n_days, err);
    if (rc)
        data_panel_free(panel);
    return rc;
}

/* ---------------------------------------------------------------- output */

int data_write_wide(const evo_panel *p, FILE *out)
{
    char d[EVO_DATE_STR];
    fputs("date", out);
    for (int a = 0; a < p->n_assets; a++)
        fprintf(out, ",%s", p->assets[a]);
    fputc('\n', out);
    for (int t = 0; t < p->n_days; t++) {
        fputs(date_format(p->dates[t], d), out);
        for (int a = 0; a < p->n_assets; a++)
            fprintf(out, ",%.10g", p->close[(size_t)t * p->n_assets + a]);
        fputc('\n', out);
    }
    return ferror(out) ? EVO_ERR_IO : EVO_OK;
}

void data_summary_print(const evo_panel *p, FILE *out)
{
    int A = p->n_assets, D = p->n_days;
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    fprintf(out, "format        %s (%d file%s)\n",
            p->format == DATA_WIDE ? "wide CSV of closes" : "per-ticker OHLCV files", p->n_sources,
            p->n_sources == 1 ? "" : "s");
    fprintf(out, "assets        %d\n", A);
    fprintf(out, "dates         %s to %s\n", date_format(p->dates[0], a), date_format(p->dates[D - 1], b));
    fprintf(out, "rows          %d (read %d; dropped %d by alignment, %d outside data.start..end)\n",
            D, p->rows_read, p->dropped_alignment, p->dropped_selection);
    fprintf(out, "filled cells  %d\n", p->filled_cells);
    int gaps = 0, longest = 0, at = 0;
    for (int d = 1; d < D; d++) {
        int span = p->dates[d] - p->dates[d - 1];
        if (span > DATA_GAP_DAYS) {
            gaps++;
            if (span > longest) {
                longest = span;
                at = d - 1;
            }
        }
    }
    if (gaps)
        fprintf(out, "gaps          %d of more than %d calendar days; the longest is %d days after %s\n",
                gaps, DATA_GAP_DAYS, longest, date_format(p->dates[at], a));
    else
        fprintf(out, "gaps          none of more than %d calendar days\n", DATA_GAP_DAYS);
    fprintf(out, "volume        %s\n\n", p->volume ? "yes" : "no");
    fprintf(out, "%-12s %14s %-10s %14s %-10s\n", "asset", "min price", "on", "max price", "on");
    for (int i = 0; i < A; i++) {
        int lo = 0, hi = 0;
        for (int d = 1; d < D; d++) {
            double v = p->close[(size_t)d * A + i];
            if (v < p->close[(size_t)lo * A + i])
                lo = d;
            if (v > p->close[(size_t)hi * A + i])
                hi = d;
        }
        fprintf(out, "%-12s %14.4f %-10s %14.4f %-10s\n", p->assets[i], p->close[(size_t)lo * A + i],
                date_format(p->dates[lo], a), p->close[(size_t)hi * A + i], date_format(p->dates[hi], b));
    }
}

void data_panel_hash(const evo_panel *p, char out[17])
{
    uint64_t h = hash_fnv1a(p->dates, sizeof *p->dates * (size_t)p->n_days);
    h ^= hash_fnv1a(p->close, sizeof *p->close * (size_t)p->n_days * p->n_assets) * 31;
    for (int a = 0; a < p->n_assets; a++)
        h = h * 1099511628211ULL ^ hash_fnv1a(p->assets[a], strlen(p->assets[a]));
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
