/* report_load: the report's reading half - the run and its evaluations, the test-period series and the
 * champion's weights from the archive, the run's data file looked up beside the archive (checked by its
 * hash), and the assets' names. Each archive query fills the report through an on_* row callback. */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_int.h"

#include "evofolio/catalog.h"
#include "evofolio/date.h"

enum { GENERATIONS_MAX = 1000000 }; /* ga.generations' largest value (configs/README.md) */

/* Evaluation ids run from 1 (beyond 2^53 they would not survive as the doubles a chart plots). */
#define EVAL_ID_MAX ((int64_t)1 << 53)

static int on_run(void *ctx, const archive_value *v, int n_col)
{
    report_rows *k = ctx;
    report *r = k->r;
    (void)n_col;
    k->n++;
    const char *config = value_text(&v[0]);
    if (!(r->config = strdup(config ? config : "")))
        return nomem(r);
    r->champion = v[1].type == ARCHIVE_VALUE_INTEGER ? v[1].integer : 0;
    r->dsr = value_real(&v[2]);
    r->n_trials = (int)v[3].integer;
    r->pbo = value_real(&v[4]);
    r->n_effective = value_real(&v[5]);
    r->skill = v[6].type == ARCHIVE_VALUE_INTEGER && v[6].integer == 1;
    const char *verdict = value_text(&v[7]);
    if (verdict && !(r->verdict = strdup(verdict)))
        return nomem(r);
    return 0;
}

static int on_cand(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        cand *c = realloc(r->c, cap * sizeof *c);
        if (!c)
            return nomem(r);
        r->c = c;
        r->cap = cap;
    }
    /* The convergence chart indexes arrays by id (steady mode) or generation: only what evofolio
     * writes, ids from 1 and generations up to GENERATIONS_MAX + 1 (the end) in generational mode. */
    int64_t id = v[0].integer, generation = v[1].integer;
    int64_t generation_max = r->run.mode == GA_STEADY ? INT_MAX : GENERATIONS_MAX + 1;
    if (id < 1 || id > EVAL_ID_MAX || generation < 0 || generation > generation_max)
        return evo_fail(r->err, EVO_ERR_DATA, "%s: run %lld has an evaluation with id %lld and generation "
                        "%lld; evofolio writes ids from 1 to %lld and generations from 0 to %lld, so the "
                        "archive was changed by hand or is damaged. Query it with `evofolio query %s sql "
                        "\"SELECT ...\"`.", r->path, (long long)r->run.id, (long long)id, (long long)generation,
                        (long long)EVAL_ID_MAX, (long long)generation_max, r->path);
    cand *c = &r->c[r->n++];
    c->id = id;
    c->generation = (int)generation;
    c->ok = value_text(&v[2]) && !strcmp(v[2].text, "ok");
    c->hit = v[3].type != ARCHIVE_VALUE_NULL;
    c->fitness = c->ok ? value_real(&v[4]) : NAN;
    c->truncated = v[5].integer != 0;
    c->params = value_real(&v[6]);
    c->seconds = value_real(&v[7]);
    c->train_seconds = value_real(&v[8]);
    c->started = value_real(&v[9]);
    c->finished = value_real(&v[10]);
    for (int k = 0; k < GENE_COUNT; k++) { /* names as text, numbers; NAN for NULL or no such value */
        const archive_value *g = &v[11 + k];
        c->gene[k] = genome_gene_is_number((evo_gene)k) ? value_real(g)
                                                        : genome_gene_parse((evo_gene)k, value_text(g));
    }
    memset(&c->genome, 0, sizeof c->genome);
    for (int k = 0; k < GENE_COUNT; k++) {
        evo_error why = {0};
        if (isfinite(c->gene[k]) && genome_gene_set(&c->genome, (evo_gene)k, c->gene[k], &why))
            return evo_fail(r->err, EVO_ERR_DATA, "%s: evaluation %lld of run %lld: %s evofolio never "
                            "writes such a value: the archive was changed by hand or is damaged. See the "
                            "row with `evofolio query %s show %lld --run %lld`.", r->path, (long long)c->id,
                            (long long)r->run.id, why.msg, r->path, (long long)c->id, (long long)r->run.id);
    }
    return 0;
}

/* *p resized to n doubles: 0, or -1 with *p as it was. */
static int resize(double **p, size_t n)
{
    double *q = realloc(*p, n * sizeof *q);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

static int on_series(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    const char *owner = value_text(&v[0]), *date = value_text(&v[1]);
    evo_date d;
    if (!owner || !date || date_parse(date, &d))
        return 0;
    series *s = r->n_series ? &r->s[r->n_series - 1] : NULL;
    if (!s || strcmp(s->owner, owner)) {
        if (r->n_series == OWNERS_MAX)
            return 0;
        s = &r->s[r->n_series++];
        memset(s, 0, sizeof *s);
        snprintf(s->owner, sizeof s->owner, "%s", owner);
    }
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 256;
        if (resize(&s->x, (size_t)cap) || resize(&s->net, (size_t)cap) || resize(&s->turnover, (size_t)cap))
            return nomem(r);
        s->cap = cap;
    }
    s->x[s->n] = d;
    s->net[s->n] = isfinite(value_real(&v[2])) ? value_real(&v[2]) : 0;
    s->turnover[s->n] = isfinite(value_real(&v[3])) ? value_real(&v[3]) : 0;
    s->n++;
    return 0;
}

static int on_weights(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    const char *date = value_text(&v[0]), *text = value_text(&v[1]);
    evo_date d;
    if (!date || !text || date_parse(date, &d))
        return 0;
    json_t *arr = json_loads(text, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return 0;
    }
    int A = (int)json_array_size(arr);
    if (r->w_T == 0)
        r->w_A = A;
    if (A != r->w_A || A == 0) { /* a row that does not fit the first: skip it */
        json_decref(arr);
        return 0;
    }
    if (r->w_T == r->w_cap) {
        int cap = r->w_cap ? 2 * r->w_cap : 256;
        if (resize(&r->w, (size_t)cap * A) || resize(&r->w_x, (size_t)cap)) {
            json_decref(arr);
            return nomem(r);
        }
        r->w_cap = cap;
    }
    for (int i = 0; i < A; i++) {
        double w = json_number_value(json_array_get(arr, (size_t)i));
        r->w[(size_t)r->w_T * A + i] = isfinite(w) ? w : 0;
    }
    r->w_x[r->w_T++] = d;
    json_decref(arr);
    return 0;
}

/* The leading "./" and "../" of a relative path: how many "../" into *ups; returns the rest. */
static const char *path_ups(const char *p, int *ups)
{
    *ups = 0;
    for (;;) {
        if (!strncmp(p, "./", 2))
            p += 2;
        else if (!strncmp(p, "../", 3))
            p += 3, (*ups)++;
        else
            return p;
    }
}

/* rel, relative to the configuration's directory, as a path from base, which is that directory's
 * ups-th ancestor (ups < 0: rel with every leading "../" dropped). 0 when rel climbs less than ups. */
static int rebase(char out[EVO_PATH_MAX], const char *rel, const char *base, int ups)
{
    int k;
    const char *rest = path_ups(rel, &k);
    if (rel[0] == '/') {
        snprintf(out, EVO_PATH_MAX, "%s", rel);
        return 1;
    }
    if (ups < 0)
        ups = k;
    if (k < ups)
        return 0;
    size_t n = (size_t)snprintf(out, EVO_PATH_MAX, "%s", base);
    for (int i = 0; i < k - ups && n < EVO_PATH_MAX; i++)
        n += (size_t)snprintf(out + n, EVO_PATH_MAX - n, "/..");
    if (n < EVO_PATH_MAX)
        snprintf(out + n, EVO_PATH_MAX - n, "/%s", rest);
    return 1;
}

/* The configuration's data paths seen from base (see rebase), loaded and kept when the panel's hash is
 * the run's: 1 when kept. */
static int try_data(report *r, const char *base, int ups)
{
    evo_config *cfg = &r->cfg;
    char prices[EVO_PATH_MAX], dir[EVO_PATH_MAX], saved_prices[EVO_PATH_MAX], saved_dir[EVO_PATH_MAX];
    int n_files = cfg->data.n_files, ok = 1;
    char **files = n_files ? calloc((size_t)n_files, sizeof *files) : NULL;
    if (n_files && !files)
        return 0;
    for (int i = 0; i < n_files && ok; i++)
        ok = (files[i] = malloc(EVO_PATH_MAX)) && rebase(files[i], cfg->data.files[i], base, ups);
    ok = ok && (!cfg->data.prices[0] || rebase(prices, cfg->data.prices, base, ups));
    ok = ok && (!cfg->data.dir[0] || rebase(dir, cfg->data.dir, base, ups));
    int kept = 0;
    if (ok) {
        memcpy(saved_prices, cfg->data.prices, sizeof saved_prices);
        memcpy(saved_dir, cfg->data.dir, sizeof saved_dir);
        char **saved_files = cfg->data.files;
        if (cfg->data.prices[0])
            memcpy(cfg->data.prices, prices, sizeof prices);
        if (cfg->data.dir[0])
            memcpy(cfg->data.dir, dir, sizeof dir);
        if (n_files)
            cfg->data.files = files;
        evo_error ignored = {0};
        evo_panel panel;
        if (!data_load_config(cfg, &panel, &ignored)) {
            char hash[17];
            data_panel_hash(&panel, hash);
            if (!strcmp(hash, r->run.data_hash)) {
                r->panel = panel;
                r->have_panel = kept = 1;
                const char *shown = n_files ? files[0] : cfg->data.prices[0] ? cfg->data.prices : cfg->data.dir;
                char cwd[EVO_PATH_MAX];
                size_t lc = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
                if (lc > 1 && !strncmp(shown, cwd, lc) && shown[lc] == '/')
                    shown += lc + 1; /* relative to the current directory when under it */
                snprintf(r->data_path, sizeof r->data_path, "%s", shown);
            } else {
                data_panel_free(&panel);
            }
        }
        memcpy(cfg->data.prices, saved_prices, sizeof saved_prices);
        memcpy(cfg->data.dir, saved_dir, sizeof saved_dir);
        cfg->data.files = saved_files;
    }
    for (int i = 0; files && i < n_files; i++)
        free(files[i]);
    free(files);
    return kept;
}

/* Find the run's market data, to name the assets: its paths are relative to the configuration's
 * directory, which the archive does not record, so try (1) the directory that output.archive, read
 * backwards from where the archive is, points to; (2) the current directory as the configuration's;
 * (3) the current directory as the project's root (the paths without their leading "../"). A panel
 * counts only when its hash equals the run's. */
static void find_data(report *r)
{
    const evo_config *cfg = &r->cfg;
    if (!r->have_cfg || (!cfg->data.prices[0] && !cfg->data.dir[0] && !cfg->data.n_files))
        return;
    char *abs = realpath(r->path, NULL);
    if (abs && cfg->output.archive[0] && cfg->output.archive[0] != '/') {
        int ups;
        const char *rest = path_ups(cfg->output.archive, &ups);
        size_t la = strlen(abs), lr = strlen(rest);
        if (lr > 0 && la > lr && !strcmp(abs + la - lr, rest) && abs[la - lr - 1] == '/') {
            abs[la - lr - 1] = '\0';
            if (try_data(r, abs[0] ? abs : "/", ups)) {
                free(abs);
                return;
            }
        }
    }
    free(abs);
    if (!try_data(r, ".", 0))
        try_data(r, ".", -1);
}

typedef struct {
    report *r;
    int A, found;
} stored_names;

static int on_stored_assets(void *ctx, const archive_value *v, int n_col)
{
    stored_names *k = ctx;
    (void)n_col;
    json_t *names = value_text(&v[0]) ? json_loads(value_text(&v[0]), 0, NULL) : NULL;
    if (json_is_array(names) && (int)json_array_size(names) == k->A) {
        k->found = 1;
        for (int i = 0; i < k->A; i++) {
            const char *s = json_string_value(json_array_get(names, i));
            snprintf(k->r->asset_buf[i], sizeof k->r->asset_buf[i], "%s", s ? s : "?");
        }
    }
    json_decref(names);
    return 0;
}

/* Names of the w_A assets: the data's, else those the archive stored with the run, else the
 * configuration's selection, else numbers. */
static int name_assets(report *r)
{
    int A = r->w_A;
    if (A <= 0)
        return 0;
    r->asset = calloc((size_t)A, sizeof *r->asset);
    if (!r->asset)
        return nomem(r);
    if (r->have_panel && r->panel.n_assets == A) {
        for (int i = 0; i < A; i++)
            r->asset[i] = r->panel.assets[i];
        return 0;
    }
    if (!(r->asset_buf = calloc((size_t)A, sizeof *r->asset_buf)))
        return nomem(r);
    char sql[128];
    stored_names k = {r, A, 0};
    snprintf(sql, sizeof sql, "SELECT assets FROM runs WHERE id = %lld", (long long)r->run.id);
    int rc = archive_query_rows(r->a, sql, on_stored_assets, &k, r->err);
    if (rc || k.found) {
        for (int i = 0; i < A; i++)
            r->asset[i] = r->asset_buf[i];
        return rc;
    }
    if (r->have_cfg && r->cfg.data.n_assets == A) {
        for (int i = 0; i < A; i++)
            r->asset[i] = r->cfg.data.assets[i];
        return 0;
    }
    for (int i = 0; i < A; i++) {
        snprintf(r->asset_buf[i], sizeof r->asset_buf[i], "asset %d", i + 1);
        r->asset[i] = r->asset_buf[i];
    }
    return 0;
}

/* Label and order of the series: the tested candidates by rank, then the baselines. */
static int on_test_rank(void *ctx, const archive_value *v, int n_col)
{
    report *r = ctx;
    (void)n_col;
    char owner[48];
    snprintf(owner, sizeof owner, "eval:%lld", (long long)v[0].integer);
    for (int i = 0; i < r->n_series; i++)
        if (!strcmp(r->s[i].owner, owner)) {
            r->s[i].rank = (int)v[1].integer;
            r->s[i].twin = v[2].integer == 1;
        }
    return 0;
}

static int series_order(const void *a, const void *b)
{
    const series *x = a, *y = b;
    int bx = x->rank == 0, by = y->rank == 0; /* baselines after the candidates */
    if (bx != by)
        return bx - by;
    if (!bx)
        return x->rank - y->rank;
    int ix = catalog_find(&catalog_strategies, x->owner + 9);
    int iy = catalog_find(&catalog_strategies, y->owner + 9);
    if (ix != iy)
        return (ix < 0 ? 99 : ix) - (iy < 0 ? 99 : iy);
    return strcmp(x->owner, y->owner);
}


/* A Pareto run's front picks (search.c tests them after the finalists, by the same rule): a tested
 * series that is one of them and not the champion or the twin is named for what it is best in. */
static int label_front_picks(report *r)
{
    const unsigned objectives = r->have_cfg ? r->cfg.ga.objectives : 0;
    archive_pick picks[PARETO_MAX_OBJECTIVES + 1];
    int n = 0, rc = objectives ? archive_front_picks(r->a, r->run.id, objectives, picks, &n, r->err) : EVO_OK;
    for (int j = 0; !rc && j < n; j++)
        for (int i = 0; i < r->n_series; i++) {
            series *s = &r->s[i];
            char owner[32];
            snprintf(owner, sizeof owner, "eval:%lld", (long long)picks[j].id);
            if (s->rank > 1 && !s->twin && !strcmp(s->owner, owner) && !strncmp(s->label, "finalist", 8))
                snprintf(s->label, sizeof s->label, "front: %s #%lld",
                         picks[j].criterion >= 0 ? catalog_criteria.names[picks[j].criterion] : "knee",
                         (long long)picks[j].id);
        }
    return rc;
}

int report_load(report *r)
{
    char sql[2048];
    long long run = (long long)r->run.id;
    int rc;
    report_rows rk = {r, 0};
    snprintf(sql, sizeof sql, "SELECT config, champion, dsr, n_trials, pbo, n_effective, skill, verdict FROM runs "
             "WHERE id = %lld", run);
    if ((rc = archive_query_rows(r->a, sql, on_run, &rk, r->err)))
        return rc;
    r->in_progress = r->run.status != RUN_DONE || r->champion == 0;
    evo_error ignored = {0};
    r->have_cfg = !config_parse(r->config, strlen(r->config), "runs.config", &r->cfg, &ignored);

    /* the evaluations, genes in evo_gene order */
    snprintf(sql, sizeof sql, "SELECT id, generation, status, cache_of, fitness, truncated, params, seconds, "
             "train_seconds, started, finished" ARCHIVE_GENE_COLUMNS " FROM evaluations WHERE run = %lld "
             "ORDER BY id", run);
    if ((rc = archive_query_rows(r->a, sql, on_cand, r, r->err)))
        return rc;

    snprintf(sql, sizeof sql, "SELECT owner, date, net_return, turnover FROM series WHERE run = %lld "
             "ORDER BY owner, date", run);
    if ((rc = archive_query_rows(r->a, sql, on_series, r, r->err)))
        return rc;
    snprintf(sql, sizeof sql, "SELECT t.eval, t.rank, e.origin = 'twin' FROM tests t JOIN evaluations e ON "
             "e.run = t.run AND e.id = t.eval WHERE t.run = %lld", run);
    if ((rc = archive_query_rows(r->a, sql, on_test_rank, r, r->err)))
        return rc;
    /* series of evaluations that are not (or no longer) tested champions are left out */
    int kept = 0;
    for (int i = 0; i < r->n_series; i++) {
        series *s = &r->s[i];
        int baseline = !strncmp(s->owner, "baseline:", 9);
        if (!baseline && s->rank <= 0) {
            free(s->x);
            free(s->net);
            free(s->turnover);
            continue;
        }
        r->s[kept++] = *s;
    }
    r->n_series = kept;
    qsort(r->s, (size_t)r->n_series, sizeof *r->s, series_order);
    for (int i = 0; i < r->n_series; i++) {
        series *s = &r->s[i];
        metrics_compute(&s->m, s->net, s->turnover, s->n);
        char owner[sizeof s->owner]; /* a copy: GCC cannot tell the two fields apart */
        memcpy(owner, s->owner, sizeof owner);
        if (s->rank > 0) {
            snprintf(s->label, sizeof s->label, "%s #%s", s->rank == 1 ? "champion" : s->twin ? "linear twin"
                     : "finalist", owner + 5);
        } else {
            int k = catalog_find(&catalog_strategies, owner + 9);
            int words = k >= 0 && strcmp(catalog_strategies.words[k], owner + 9);
            snprintf(s->label, sizeof s->label, "%s%s%s%s", owner + 9, words ? " (" : "",
                     words ? catalog_strategies.words[k] : "", words ? ")" : "");
        }
    }

    if ((rc = label_front_picks(r)))
        return rc;
    if (r->champion) {
        snprintf(sql, sizeof sql, "SELECT date, weights FROM series WHERE run = %lld AND owner = 'eval:%lld' "
                 "ORDER BY date", run, (long long)r->champion);
        if ((rc = archive_query_rows(r->a, sql, on_weights, r, r->err)))
            return rc;
    }
    find_data(r);
    return name_assets(r);
}

void report_free(report *r)
{
    archive_close(r->a);
    free(r->config);
    free(r->verdict);
    if (r->have_cfg)
        config_free(&r->cfg);
    if (r->have_panel)
        data_panel_free(&r->panel);
    free(r->c);
    for (int i = 0; i < r->n_series; i++) {
        free(r->s[i].x);
        free(r->s[i].net);
        free(r->s[i].turnover);
    }
    free(r->w);
    free(r->w_x);
    free(r->asset);
    free(r->asset_buf);
}
