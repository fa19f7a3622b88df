/* config: libyaml's document API turns the file into a node tree that keeps line/column marks; one
 * table of key specs per section drives parsing, validation and the canonical YAML emission, so a key
 * is declared once. */
#include "evofolio/config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "evofolio/buf.h"
#include "evofolio/hash.h"
#include "evofolio/pareto.h"
#include "evofolio/suggest.h"

typedef enum {
    KEY_SECTION,     /* a mapping of further keys */
    KEY_STRING,      /* char[aux]; "" when null */
    KEY_STRING_LIST, /* char **, count at offset aux */
    KEY_INT,         /* int in [min, max] */
    KEY_REAL,        /* double in [min, max] */
    KEY_SEED,        /* uint64_t */
    KEY_DATE,        /* evo_date, has-flag (int) at offset aux */
    KEY_CHOICE,      /* one name of names, stored as its enum value */
    KEY_NAME_SET,    /* one or more names of names, stored as a bitmask */
    KEY_GENE         /* evo_gene_range with values in [min, max] */
} key_type;

enum {
    KEY_NULLABLE = 1u << 0, /* null is allowed and means "unset" */
    KEY_RUN_ONLY = 1u << 3, /* where to read or write, or how long this job may take: left out of the
                               configuration hash, so a resume may change it (configs/README.md) */
    KEY_MAY_BE_EMPTY = 1u << 4,        /* a name set that may be empty ([]) */
    KEY_UNHASHED_AT_DEFAULT = 1u << 5, /* left out of the configuration hash while at config_defaults'
                                          value: a key added after archives existed, so that the
                                          configurations from before it keep their hash (and resume) */
    GENE_INTEGER = 1u << 1, /* values must be whole numbers */
    GENE_LOG = 1u << 2      /* sampled on a log scale: a range needs min > 0 */
};

typedef struct key_spec {
    const char *key;
    key_type type;
    size_t offset; /* into evo_config */
    size_t aux;    /* see key_type */
    double min, max;
    const evo_names *names;
    unsigned flags;
    const struct key_spec *children; /* KEY_SECTION */
    int n_children;
} key_spec;

#define OFF(f) offsetof(evo_config, f)
#define SIZE(f) sizeof(((evo_config *)0)->f)
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define K_SECTION(k, tbl) {k, KEY_SECTION, 0, 0, 0, 0, NULL, 0, tbl, COUNT(tbl)}
#define K_STRING(k, f, fl) {k, KEY_STRING, OFF(f), SIZE(f), 0, 0, NULL, fl, NULL, 0}
#define K_LIST(k, f, n, fl) {k, KEY_STRING_LIST, OFF(f), OFF(n), 0, 0, NULL, fl, NULL, 0}
#define K_INT(k, f, lo, hi) {k, KEY_INT, OFF(f), 0, lo, hi, NULL, 0, NULL, 0}
#define K_INT_OR_NULL(k, f, lo, hi) {k, KEY_INT, OFF(f), 0, lo, hi, NULL, KEY_NULLABLE, NULL, 0}
#define K_REAL(k, f, lo, hi) {k, KEY_REAL, OFF(f), 0, lo, hi, NULL, 0, NULL, 0}
#define K_REAL_RUN_ONLY(k, f, lo, hi) {k, KEY_REAL, OFF(f), 0, lo, hi, NULL, KEY_RUN_ONLY, NULL, 0}
#define K_SEED(k, f) {k, KEY_SEED, OFF(f), 0, 0, 0, NULL, 0, NULL, 0}
#define K_DATE(k, f, has) {k, KEY_DATE, OFF(f), OFF(has), 0, 0, NULL, KEY_NULLABLE, NULL, 0}
#define K_CHOICE(k, f, nm, fl) {k, KEY_CHOICE, OFF(f), 0, 0, 0, &nm, fl, NULL, 0}
#define K_SET(k, f, nm) {k, KEY_NAME_SET, OFF(f), 0, 0, 0, &nm, 0, NULL, 0}
#define K_SET_MAY_BE_EMPTY(k, f, nm) {k, KEY_NAME_SET, OFF(f), 0, 0, 0, &nm, KEY_MAY_BE_EMPTY | KEY_UNHASHED_AT_DEFAULT, NULL, 0}
#define K_INT_ADDED(k, f, lo, hi) {k, KEY_INT, OFF(f), 0, lo, hi, NULL, KEY_UNHASHED_AT_DEFAULT, NULL, 0}
#define K_GENE(k, f, lo, hi, fl) {k, KEY_GENE, OFF(f), 0, lo, hi, NULL, fl, NULL, 0}

static const key_spec data_keys[] = {
    K_STRING("prices", data.prices, KEY_NULLABLE | KEY_RUN_ONLY), /* the data hash checks the prices */
    K_LIST("files", data.files, data.n_files, KEY_RUN_ONLY),
    K_STRING("dir", data.dir, KEY_NULLABLE | KEY_RUN_ONLY),
    K_LIST("assets", data.assets, data.n_assets, 0),
    K_DATE("start", data.start, data.has_start),
    K_DATE("end", data.end, data.has_end),
    K_CHOICE("missing", data.missing, catalog_missing, 0),
    K_INT("ffill_limit", data.ffill_limit, 1, 252),
};

static const key_spec split_keys[] = {
    K_DATE("test_start", split.test_start, split.has_test_start),
    K_INT_OR_NULL("test_days", split.test_days, EVO_TEST_MIN_DAYS, 100000),
    K_INT("folds", split.folds, 1, 100),
    K_INT("train_days", split.train_days, 20, 100000),
    K_INT("val_days", split.val_days, 5, 100000),
    K_INT("embargo_days", split.embargo_days, 1, 1000),
};

static const key_spec backtest_keys[] = {
    K_REAL("cost_bps", backtest.cost_bps, 0, 1000),
    K_INT("window", backtest.window, 20, 5000),
    K_INT("rebalance", backtest.rebalance, 0, 1000),
    K_INT_ADDED("clusters", backtest.clusters, 1, 1000),
};

/* The `search:` keys, one per gene (genes.h): a set of names for choice and set genes, a range or
 * list inside the gene's bounds for numbers. */
#define SEARCH_KEY_CHOICE(k, f, nm, lo, hi, log) {k, KEY_NAME_SET, OFF(f), 0, 0, 0, nm, 0, NULL, 0}
#define SEARCH_KEY_SET SEARCH_KEY_CHOICE
#define SEARCH_KEY_INT(k, f, nm, lo, hi, log) K_GENE(k, f, lo, hi, GENE_INTEGER | ((log) ? GENE_LOG : 0))
#define SEARCH_KEY_REAL(k, f, nm, lo, hi, log) K_GENE(k, f, lo, hi, (log) ? GENE_LOG : 0)
#define SEARCH_KEY(E, name, type, kind, log, nm, lo, hi, dlo, dhi, words) \
    SEARCH_KEY_##kind(#name, search.name, nm, lo, hi, log),

static const key_spec search_keys[] = {EVO_GENES(SEARCH_KEY)};

static const key_spec ga_keys[] = {
    K_CHOICE("mode", ga.mode, catalog_ga_modes, 0),
    K_INT("population", ga.population, 2, 100000),
    K_INT("generations", ga.generations, 1, 1000000),
    K_INT("max_evaluations", ga.max_evaluations, 0, 100000000),
    K_REAL_RUN_ONLY("max_seconds", ga.max_seconds, 0, 1e9),
    K_INT("patience", ga.patience, 0, 1000000),
    K_INT("tournament", ga.tournament, 1, 1000),
    K_REAL("crossover", ga.crossover, 0, 1),
    K_REAL("mutation", ga.mutation, 0, 1),
    K_INT("elite", ga.elite, 0, 100000),
    K_REAL("immigrants", ga.immigrants, 0, 1),
    K_SEED("seed", ga.seed),
    K_REAL_RUN_ONLY("grace_seconds", ga.grace_seconds, 0, 86400),
    K_CHOICE("fitness", ga.fitness, catalog_fitness, 0),
    K_INT("champions", ga.champions, 1, 1000),
    K_INT("confirm", ga.confirm, 0, 64),
    K_INT("confirm_seeds", ga.confirm_seeds, 1, 100),
    K_SET_MAY_BE_EMPTY("objectives", ga.objectives, catalog_criteria),
    K_INT_ADDED("rungs", ga.rungs, 1, GA_RUNGS_MAX),
    K_INT_ADDED("eta", ga.eta, 2, 10),
};

static const key_spec train_keys[] = {
    K_INT("patience", train.patience, 1, 10000),
    K_REAL("max_seconds", train.max_seconds, 0.1, 1e7),
    K_REAL("val_fraction", train.val_fraction, 0.05, 0.5),
    K_REAL("clip_norm", train.clip_norm, 0, 1e6),
    K_REAL("risk_aversion", train.risk_aversion, 0, 1000),
};

static const key_spec output_keys[] = {
    K_STRING("archive", output.archive, KEY_RUN_ONLY),
    K_CHOICE("journal", output.journal, catalog_journals, KEY_RUN_ONLY),
};

static const key_spec root_keys[] = {
    K_STRING("name", name, 0),
    K_SECTION("data", data_keys),
    K_SECTION("split", split_keys),
    K_SECTION("backtest", backtest_keys),
    K_SET("baselines", baselines, catalog_strategies),
    K_SECTION("search", search_keys),
    K_SECTION("ga", ga_keys),
    K_SECTION("train", train_keys),
    K_SECTION("output", output_keys),
};

static const key_spec root_spec = K_SECTION("", root_keys);

/* ---------------------------------------------------------------- defaults */

static void gene_set_range(evo_gene_range *g, double min, double max)
{
    memset(g, 0, sizeof *g);
    g->form = GENE_RANGE;
    g->min = min;
    g->max = max;
}

static unsigned all_of(int count) { return (1u << count) - 1u; }

/* A gene's default search space (genes.h): every name of its catalogue, or its default range. */
#define SEARCH_DEFAULT_CHOICE(f, nm, dlo, dhi) f = all_of((nm)->count)
#define SEARCH_DEFAULT_SET SEARCH_DEFAULT_CHOICE
#define SEARCH_DEFAULT_INT(f, nm, dlo, dhi) gene_set_range(&f, dlo, dhi)
#define SEARCH_DEFAULT_REAL SEARCH_DEFAULT_INT
#define SEARCH_DEFAULT(E, name, type, kind, log, nm, lo, hi, dlo, dhi, words) \
    SEARCH_DEFAULT_##kind(cfg->search.name, nm, dlo, dhi);

void config_defaults(evo_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->name, sizeof cfg->name, "evofolio");
    cfg->data.missing = MISSING_ERROR;
    cfg->data.ffill_limit = 5;

    cfg->split.test_days = EVO_TEST_DEFAULT_DAYS;
    cfg->split.folds = 3;
    cfg->split.train_days = 756;
    cfg->split.val_days = 252;
    cfg->split.embargo_days = 5;

    cfg->backtest.cost_bps = 10;
    cfg->backtest.window = 252;
    cfg->backtest.rebalance = 5;
    cfg->backtest.clusters = 5;
    cfg->baselines = all_of(STRATEGY_COUNT);

    EVO_GENES(SEARCH_DEFAULT)
    /* volchg needs volume, which a wide close-price file does not have: asked for by name only */
    cfg->search.features &= ~(1u << FEATURE_VOLCHG);

    cfg->ga.mode = GA_GENERATIONAL;
    cfg->ga.population = 32;
    cfg->ga.generations = 20;
    cfg->ga.tournament = 3;
    cfg->ga.crossover = 0.7;
    cfg->ga.mutation = 0.2;
    cfg->ga.elite = 2;
    cfg->ga.immigrants = 0.1;
    cfg->ga.seed = 1;
    cfg->ga.fitness = FITNESS_EXCESS_SHARPE;
    cfg->ga.champions = 3;
    cfg->ga.confirm = 4;
    cfg->ga.confirm_seeds = 3;
    cfg->ga.rungs = 1;
    cfg->ga.eta = 3;
    cfg->ga.grace_seconds = 60;

    cfg->train.patience = 5;
    cfg->train.max_seconds = 600;
    cfg->train.val_fraction = 0.2;
    cfg->train.clip_norm = 1.0;
    cfg->train.risk_aversion = 1.0;

    snprintf(cfg->output.archive, sizeof cfg->output.archive, "evofolio.db");
}

static void free_list(char **list, int n)
{
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void config_free(evo_config *cfg)
{
    if (!cfg)
        return;
    free_list(cfg->data.files, cfg->data.n_files);
    free_list(cfg->data.assets, cfg->data.n_assets);
    free(cfg->places);
    memset(cfg, 0, sizeof *cfg);
}

/* ---------------------------------------------------------------- places and messages */

static int place_add(evo_config *cfg, const char *key, evo_mark mark)
{
    if ((cfg->n_places & (cfg->n_places - 1)) == 0) { /* grow at 0, 1, 2, 4, ... */
        int cap = cfg->n_places ? 2 * cfg->n_places : 1;
        evo_config_place *p = realloc(cfg->places, (size_t)cap * sizeof *p);
        if (!p)
            return EVO_ERR_NOMEM;
        cfg->places = p;
    }
    evo_config_place *pl = &cfg->places[cfg->n_places++];
    snprintf(pl->key, sizeof pl->key, "%s", key);
    pl->mark = mark;
    return EVO_OK;
}

evo_mark config_where(const evo_config *cfg, const char *key)
{
    char k[EVO_KEY_MAX];
    snprintf(k, sizeof k, "%s", key);
    for (;;) {
        for (int i = 0; i < cfg->n_places; i++)
            if (strcmp(cfg->places[i].key, k) == 0)
                return cfg->places[i].mark;
        char *cut = strrchr(k, '[') ? strrchr(k, '[') : strrchr(k, '.');
        if (!cut)
            return (evo_mark){0, 0};
        *cut = '\0';
    }
}

static int vfail_mark(evo_error *err, int code, const char *path, evo_mark m, const char *fmt,
                      va_list ap)
{
    char what[EVO_ERROR_MSG_MAX];
    vsnprintf(what, sizeof what, fmt, ap);
    if (m.line > 0)
        return evo_fail(err, code, "%s:%d:%d: %s", path, m.line, m.column, what);
    return evo_fail(err, code, "%s: %s", path, what);
}

int config_fail_at(const evo_config *cfg, const char *key, evo_error *err, int code, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_mark(err, code, cfg->path, config_where(cfg, key), fmt, ap);
    va_end(ap);
    return rc;
}

void config_resolve_path(const evo_config *cfg, const char *rel, char out[EVO_PATH_MAX])
{
    const char *slash = strrchr(cfg->path, '/');
    if (rel[0] == '/' || !slash)
        snprintf(out, EVO_PATH_MAX, "%s", rel);
    else
        snprintf(out, EVO_PATH_MAX, "%.*s/%s", (int)(slash - cfg->path), cfg->path, rel);
}

/* ---------------------------------------------------------------- parsing */

typedef struct {
    yaml_document_t *doc;
    evo_config *cfg;
    evo_error *err;
} parser;

static evo_mark node_mark(const yaml_node_t *n)
{
    return (evo_mark){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static int fail_node(parser *p, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_node(parser *p, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_mark(p->err, EVO_ERR_CONFIG, p->cfg->path, node_mark(n), fmt, ap);
    va_end(ap);
    return EVO_ERR_CONFIG;
}

static const char *scalar(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = scalar(n);
    return !*s || !strcmp(s, "~") || !strcasecmp(s, "null");
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return is_null(n) ? "nothing (null)" : "a scalar";
    }
}

/* "got 'x'" for a scalar, "got a list" otherwise. */
static const char *got(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_SCALAR_NODE && !is_null(n))
        snprintf(buf, size, "'%.60s'", scalar(n));
    else
        snprintf(buf, size, "%s", node_kind(n));
    return buf;
}

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || (errno == ERANGE && fabs(v) > 1) || !isfinite(v)) /* underflow reads as tiny */
        return -1;
    *out = v;
    return 0;
}

/* Shortest decimal that reads back as x, without an exponent for everyday magnitudes:
 * "0.001", not "0.0010000000000000000208"; "0.000001", not "1e-06" (which YAML 1.1 reads as text). */
static void format_real(double x, char *buf, size_t size)
{
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(buf, size, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    double mag = fabs(x);
    if (mag == 0 || (mag >= 1e-9 && mag < 1e15)) {
        int decimals = digits - 1 - (mag == 0 ? 0 : (int)floor(log10(mag)));
        snprintf(buf, size, "%.*f", decimals > 0 ? decimals : 0, x);
    } else {
        snprintf(buf, size, "%.*g", digits, x);
    }
}

static void range_text(const key_spec *s, char *buf, size_t size)
{
    char lo[32], hi[32];
    format_real(s->min, lo, sizeof lo);
    format_real(s->max, hi, sizeof hi);
    snprintf(buf, size, "%s from %s to %s", s->type == KEY_INT || (s->flags & GENE_INTEGER) ?
             "a whole number" : "a number", lo, hi);
}

static void names_text(const evo_names *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < names->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names->names[i]);
}

static int parse_name(parser *p, const yaml_node_t *n, const evo_names *names, const char *key,
                      int *out)
{
    char g[96], allowed[512];
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return fail_node(p, n, "%s: expected a %s name, got %s. Use one of: %s.", key, names->what,
                         got(n, g, sizeof g), (names_text(names, allowed, sizeof allowed), allowed));
    *out = catalog_find(names, scalar(n));
    if (*out >= 0)
        return EVO_OK;
    const char *near = suggest_closest(scalar(n), names->names, names->count);
    names_text(names, allowed, sizeof allowed);
    if (near)
        return fail_node(p, n, "%s: unknown %s '%s'; did you mean '%s'? Use one of: %s.", key,
                         names->what, scalar(n), near, allowed);
    return fail_node(p, n, "%s: unknown %s '%s'. Use one of: %s.", key, names->what, scalar(n),
                     allowed);
}

static int parse_name_set(parser *p, const yaml_node_t *n, const key_spec *s, const char *key,
                          unsigned *out)
{
    if (n->type == YAML_SCALAR_NODE && !is_null(n)) { /* a single name is a set of one */
        int v, rc = parse_name(p, n, s->names, key, &v);
        if (rc)
            return rc;
        *out = 1u << v;
        return EVO_OK;
    }
    const int empty = n->type == YAML_SEQUENCE_NODE && n->data.sequence.items.top == n->data.sequence.items.start;
    if (n->type != YAML_SEQUENCE_NODE || (empty && !(s->flags & KEY_MAY_BE_EMPTY))) {
        char g[96];
        return fail_node(p, n, "%s: expected a %slist of %s names, got %s.", key,
                         s->flags & KEY_MAY_BE_EMPTY ? "" : "non-empty ", s->names->what, got(n, g, sizeof g));
    }
    unsigned set = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        const yaml_node_t *item = yaml_document_get_node(p->doc, *it);
        int v, rc = parse_name(p, item, s->names, key, &v);
        if (rc)
            return rc;
        if (set & (1u << v))
            return fail_node(p, item, "%s: '%s' is listed twice. Remove the repeat.", key,
                             scalar(item));
        set |= 1u << v;
    }
    *out = set;
    return EVO_OK;
}

static int parse_number(parser *p, const yaml_node_t *n, const key_spec *s, const char *key,
                        double *out)
{
    char g[96], want[96];
    double v;
    range_text(s, want, sizeof want);
    if (n->type != YAML_SCALAR_NODE || is_null(n) || parse_real(scalar(n), &v))
        return fail_node(p, n, "%s: expected %s, got %s.", key, want, got(n, g, sizeof g));
    int integral = s->type == KEY_INT || (s->flags & GENE_INTEGER);
    if (integral && v != floor(v))
        return fail_node(p, n, "%s: expected %s, got %s (not a whole number).", key, want,
                         got(n, g, sizeof g));
    if (v < s->min || v > s->max)
        return fail_node(p, n, "%s: %s is out of range; expected %s.", key, scalar(n), want);
    *out = v;
    return EVO_OK;
}

static int parse_gene(parser *p, const yaml_node_t *n, const key_spec *s, const char *key,
                      evo_gene_range *g)
{
    memset(g, 0, sizeof *g);
    if (n->type == YAML_MAPPING_NODE) {
        const yaml_node_t *min = NULL, *max = NULL;
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
            const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
            const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
            const char *name = k->type == YAML_SCALAR_NODE ? scalar(k) : "";
            if (!strcmp(name, "min") && !min)
                min = v;
            else if (!strcmp(name, "max") && !max)
                max = v;
            else
                return fail_node(p, k, "%s: a range has exactly the keys min and max, found '%s'.",
                                 key, name);
        }
        if (!min || !max)
            return fail_node(p, n, "%s: a range needs both min and max, e.g. {min: 8, max: 64}.",
                             key);
        g->form = GENE_RANGE;
        int rc = parse_number(p, min, s, key, &g->min);
        if (!rc)
            rc = parse_number(p, max, s, key, &g->max);
        if (rc)
            return rc;
        if (g->min > g->max)
            return fail_node(p, n, "%s: min %s is greater than max %s. Swap them.", key, scalar(min),
                             scalar(max));
        if ((s->flags & GENE_LOG) && g->min <= 0)
            return fail_node(p, min, "%s is searched on a log scale, so a range needs min > 0; "
                             "use a list such as [0, 0.0001, 0.001] to include 0.", key);
        return EVO_OK;
    }
    g->form = GENE_LIST;
    const yaml_node_t *one[1] = {n};
    int count = 1;
    yaml_node_item_t *items = NULL;
    if (n->type == YAML_SEQUENCE_NODE) {
        items = n->data.sequence.items.start;
        count = (int)(n->data.sequence.items.top - items);
        if (count == 0 || count > EVO_GENE_LIST_MAX)
            return fail_node(p, n, "%s: a list of values needs 1 to %d entries, found %d.", key,
                             EVO_GENE_LIST_MAX, count);
    }
    for (int i = 0; i < count; i++) {
        const yaml_node_t *item = items ? yaml_document_get_node(p->doc, items[i]) : one[0];
        double v;
        int rc = parse_number(p, item, s, key, &v);
        if (rc)
            return rc;
        for (int j = 0; j < g->n; j++)
            if (g->values[j] == v)
                return fail_node(p, item, "%s: %s is listed twice. Remove the repeat.", key,
                                 scalar(item));
        g->values[g->n++] = v;
        g->min = i == 0 || v < g->min ? v : g->min;
        g->max = i == 0 || v > g->max ? v : g->max;
    }
    return EVO_OK;
}

static int parse_string_list(parser *p, const yaml_node_t *n, const key_spec *s, const char *key)
{
    char ***list = (char ***)((char *)p->cfg + s->offset);
    int *count = (int *)((char *)p->cfg + s->aux);
    char g[96];
    if (is_null(n))
        return EVO_OK;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_node(p, n, "%s: expected a list such as [a, b], got %s.", key,
                         got(n, g, sizeof g));
    int cap = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    *list = calloc((size_t)cap + 1, sizeof **list);
    if (!*list)
        return evo_fail(p->err, EVO_ERR_NOMEM, "out of memory reading %s", p->cfg->path);
    for (int i = 0; i < cap; i++) {
        const yaml_node_t *item = yaml_document_get_node(p->doc, n->data.sequence.items.start[i]);
        if (item->type != YAML_SCALAR_NODE || is_null(item))
            return fail_node(p, item, "%s: expected a name, got %s.", key, got(item, g, sizeof g));
        for (int j = 0; j < *count; j++)
            if (!strcmp((*list)[j], scalar(item)))
                return fail_node(p, item, "%s: '%s' is listed twice. Remove the repeat.", key,
                                 scalar(item));
        char place[3 * EVO_KEY_MAX];
        snprintf(place, sizeof place, "%s[%d]", key, i);
        if (!((*list)[i] = strdup(scalar(item))) || place_add(p->cfg, place, node_mark(item)))
            return evo_fail(p->err, EVO_ERR_NOMEM, "out of memory reading %s", p->cfg->path);
        (*count)++;
    }
    return EVO_OK;
}

static int parse_mapping(parser *p, const yaml_node_t *n, const key_spec *section, const char *prefix);

static int parse_value(parser *p, const yaml_node_t *n, const key_spec *s, const char *key)
{
    void *field = (char *)p->cfg + s->offset;
    char g[96];
    double v;
    int rc = EVO_OK;
    switch (s->type) {
    case KEY_SECTION:
        return parse_mapping(p, n, s, key);
    case KEY_STRING: {
        char *buf = field;
        if (is_null(n) && (s->flags & KEY_NULLABLE)) {
            buf[0] = '\0';
            return EVO_OK;
        }
        if (n->type != YAML_SCALAR_NODE || is_null(n))
            return fail_node(p, n, "%s: expected a text value, got %s.", key, got(n, g, sizeof g));
        if (strlen(scalar(n)) >= s->aux)
            return fail_node(p, n, "%s: longer than %zu characters. Shorten it.", key, s->aux - 1);
        memcpy(buf, scalar(n), strlen(scalar(n)) + 1);
        return EVO_OK;
    }
    case KEY_STRING_LIST:
        return parse_string_list(p, n, s, key);
    case KEY_INT:
        if (is_null(n) && (s->flags & KEY_NULLABLE)) {
            *(int *)field = 0;
            return EVO_OK;
        }
        if ((rc = parse_number(p, n, s, key, &v)))
            return rc; /* v is unset: never cast it */
        *(int *)field = (int)v; /* inside [s->min, s->max], which an int holds */
        return EVO_OK;
    case KEY_REAL:
        return parse_number(p, n, s, key, field);
    case KEY_SEED: {
        const char *t = n->type == YAML_SCALAR_NODE ? scalar(n) : "";
        char *end;
        errno = 0;
        unsigned long long seed = strtoull(t, &end, 10);
        if (!*t || *end || errno || t[0] == '-')
            return fail_node(p, n, "%s: expected a whole number from 0 to 18446744073709551615, "
                             "got %s.", key, got(n, g, sizeof g));
        *(uint64_t *)field = seed;
        return EVO_OK;
    }
    case KEY_DATE: {
        int *has = (int *)((char *)p->cfg + s->aux);
        *has = 0;
        if (is_null(n))
            return EVO_OK;
        if (n->type != YAML_SCALAR_NODE || date_parse(scalar(n), field))
            return fail_node(p, n, "%s: expected a date YYYY-MM-DD, got %s.", key,
                             got(n, g, sizeof g));
        *has = 1;
        return EVO_OK;
    }
    case KEY_CHOICE:
        return parse_name(p, n, s->names, key, field);
    case KEY_NAME_SET:
        return parse_name_set(p, n, s, key, field);
    case KEY_GENE:
        return parse_gene(p, n, s, key, field);
    }
    return EVO_ERR_INTERNAL;
}

static int parse_mapping(parser *p, const yaml_node_t *n, const key_spec *section, const char *prefix)
{
    char g[96];
    if (is_null(n))
        return EVO_OK; /* an empty section keeps every default */
    if (n->type != YAML_MAPPING_NODE)
        return fail_node(p, n, "%s: expected a mapping of keys (key: value), got %s.",
                         *prefix ? prefix : "the file", got(n, g, sizeof g));
    unsigned seen = 0;
    const char *names[32];
    for (int i = 0; i < section->n_children; i++)
        names[i] = section->children[i].key;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
        const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
        if (k->type != YAML_SCALAR_NODE)
            return fail_node(p, k, "%s: keys must be plain names, got %s.",
                             *prefix ? prefix : "the file", node_kind(k));
        int i = 0;
        while (i < section->n_children && strcmp(names[i], scalar(k)))
            i++;
        char key[2 * EVO_KEY_MAX];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", scalar(k));
        if (i == section->n_children) {
            const char *near = suggest_closest(scalar(k), names, section->n_children);
            char allowed[512];
            evo_names list = {"key", names, section->n_children, NULL};
            names_text(&list, allowed, sizeof allowed);
            if (near)
                return fail_node(p, k, "unknown key '%s'; did you mean '%s'?", key, near);
            return fail_node(p, k, "unknown key '%s'. Keys allowed %s%s: %s.", key,
                             *prefix ? "in " : "at the top level", prefix, allowed);
        }
        if (seen & (1u << i))
            return fail_node(p, k, "key '%s' is given twice. Keep one.", key);
        seen |= 1u << i;
        if (place_add(p->cfg, key, node_mark(k)))
            return evo_fail(p->err, EVO_ERR_NOMEM, "out of memory reading %s", p->cfg->path);
        int rc = parse_value(p, v, &section->children[i], key);
        if (rc)
            return rc;
    }
    return EVO_OK;
}

/* ---------------------------------------------------------------- cross-key validation */

static int written(const evo_config *cfg, const char *key)
{
    for (int i = 0; i < cfg->n_places; i++)
        if (!strcmp(cfg->places[i].key, key))
            return 1;
    return 0;
}

/* Does a d_model space hold a multiple of m? */
static int has_multiple(const evo_gene_range *r, int m)
{
    if (r->form == GENE_LIST) {
        for (int i = 0; i < r->n; i++)
            if ((int)r->values[i] % m == 0)
                return 1;
        return 0;
    }
    return ceil(r->min / m) * m <= r->max;
}

/* A value of the heads space h that no value of d_model is a multiple of, or 0. */
static int heads_without_width(const evo_gene_range *h, const evo_gene_range *d_model)
{
    const int n = h->form == GENE_LIST ? h->n : (int)(h->max - h->min) + 1;
    for (int i = 0; i < n; i++) {
        int m = (int)(h->form == GENE_LIST ? h->values[i] : h->min + i);
        if (!has_multiple(d_model, m))
            return m;
    }
    return 0;
}

/* Checks that span keys; also settles which of split.test_start / split.test_days is in force. */
static int validate(evo_config *cfg, evo_error *err)
{
    int sources = (cfg->data.prices[0] != 0) + (cfg->data.n_files > 0) + (cfg->data.dir[0] != 0);
    if (sources == 0)
        return config_fail_at(cfg, "data", err, EVO_ERR_CONFIG,
                              "no market data given. Set data.prices (a wide CSV of closes), "
                              "data.files (per-ticker OHLCV files) or data.dir (a folder of them).");
    if (sources > 1)
        return config_fail_at(cfg, "data", err, EVO_ERR_CONFIG,
                              "data: give one of prices, files or dir, not %d of them.", sources);
    char a[EVO_DATE_STR], b[EVO_DATE_STR];
    if (cfg->data.has_start && cfg->data.has_end && cfg->data.start > cfg->data.end)
        return config_fail_at(cfg, "data.end", err, EVO_ERR_CONFIG,
                              "data.end %s is before data.start %s. Swap or fix the dates.",
                              date_format(cfg->data.end, a), date_format(cfg->data.start, b));
    if (cfg->split.has_test_start && cfg->split.test_days && written(cfg, "split.test_days"))
        return config_fail_at(cfg, "split.test_days", err, EVO_ERR_CONFIG,
                              "give split.test_start or split.test_days, not both.");
    if (cfg->split.has_test_start)
        cfg->split.test_days = 0;
    else if (!cfg->split.test_days)
        cfg->split.test_days = EVO_TEST_DEFAULT_DAYS;
    if (cfg->split.has_test_start && cfg->data.has_start && cfg->split.test_start <= cfg->data.start)
        return config_fail_at(cfg, "split.test_start", err, EVO_ERR_CONFIG,
                              "split.test_start %s is not after data.start %s; dates are out of "
                              "order. Move the test period later.",
                              date_format(cfg->split.test_start, a), date_format(cfg->data.start, b));
    if (cfg->split.has_test_start && cfg->data.has_end && cfg->split.test_start > cfg->data.end)
        return config_fail_at(cfg, "split.test_start", err, EVO_ERR_CONFIG,
                              "split.test_start %s is after data.end %s; dates are out of order. "
                              "Move the test period earlier.",
                              date_format(cfg->split.test_start, a), date_format(cfg->data.end, b));
    if (cfg->ga.elite >= cfg->ga.population)
        return config_fail_at(cfg, "ga.elite", err, EVO_ERR_CONFIG,
                              "ga.elite %d must be less than ga.population %d.", cfg->ga.elite,
                              cfg->ga.population);
    const int n_objectives = __builtin_popcount(cfg->ga.objectives);
    if (n_objectives == 1 || n_objectives > PARETO_MAX_OBJECTIVES)
        return config_fail_at(cfg, "ga.objectives", err, EVO_ERR_CONFIG,
                              "ga.objectives names %d objective%s: give 2 to %d (e.g. [sharpe, drawdown]) for a "
                              "Pareto search, or [] for one objective, ga.fitness.",
                              n_objectives, n_objectives == 1 ? "" : "s", PARETO_MAX_OBJECTIVES);
    if (cfg->ga.rungs > 1 && n_objectives)
        return config_fail_at(cfg, "ga.rungs", err, EVO_ERR_CONFIG,
                              "ga.rungs %d with ga.objectives: multi-fidelity Pareto searches are not supported "
                              "yet. Set ga.rungs: 1, or ga.objectives: [].", cfg->ga.rungs);
    if (cfg->ga.tournament > cfg->ga.population)
        return config_fail_at(cfg, "ga.tournament", err, EVO_ERR_CONFIG,
                              "ga.tournament %d is larger than ga.population %d.",
                              cfg->ga.tournament, cfg->ga.population);
    if (cfg->ga.champions > cfg->ga.population)
        return config_fail_at(cfg, "ga.champions", err, EVO_ERR_CONFIG,
                              "ga.champions %d is larger than ga.population %d.", cfg->ga.champions,
                              cfg->ga.population);
    const int heads = cfg->search.arch & (1u << ARCH_ATTENTION)
                          ? heads_without_width(&cfg->search.heads, &cfg->search.d_model) : 0;
    if (heads)
        return config_fail_at(cfg, "search.d_model", err, EVO_ERR_CONFIG,
                              "no value of search.d_model is a multiple of %d, a value of search.heads (the "
                              "heads split d_model evenly). Widen search.d_model or narrow search.heads.",
                              heads);
    int n_strategies = __builtin_popcount(cfg->search.strategies);
    if ((cfg->search.model & (1u << MODEL_PORTFOLIO)) && n_strategies < 2)
        return config_fail_at(cfg, "search.strategies", err, EVO_ERR_CONFIG,
                              "the portfolio model blends strategies, so search.strategies needs "
                              "at least 2 names (found %d).", n_strategies);
    return EVO_OK;
}

/* ---------------------------------------------------------------- load */

int config_parse(const char *text, size_t len, const char *path, evo_config *cfg, evo_error *err)
{
    config_defaults(cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    yaml_parser_t yp;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&yp))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory reading %s", path);
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    int rc;
    if (!yaml_parser_load(&yp, &doc)) {
        rc = evo_fail(err, EVO_ERR_CONFIG,
                      "%s:%d:%d: YAML syntax error: %s%s%s. Check the indentation (spaces, not "
                      "tabs), colons and brackets near this place.",
                      path, (int)yp.problem_mark.line + 1, (int)yp.problem_mark.column + 1,
                      yp.problem ? yp.problem : "unreadable", yp.context ? " " : "",
                      yp.context ? yp.context : "");
        yaml_parser_delete(&yp);
        config_free(cfg);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    parser p = {&doc, cfg, err};
    if (!root)
        rc = evo_fail(err, EVO_ERR_CONFIG,
                      "%s: the file is empty. Start from configs/default.yaml.", path);
    else if ((rc = place_add(cfg, "", node_mark(root))) == EVO_OK &&
             (rc = parse_mapping(&p, root, &root_spec, "")) == EVO_OK)
        rc = validate(cfg, err);
    yaml_document_delete(&doc);
    yaml_parser_delete(&yp);
    if (rc)
        config_free(cfg);
    return rc;
}

int config_load(const char *path, evo_config *cfg, evo_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    evo_buf text = {0};
    /* a configuration that cannot be opened is a bad argument, not a run-time failure */
    int rc = buf_read_file(&text, path, EVO_ERR_CONFIG, err);
    if (!rc)
        rc = config_parse(text.data ? text.data : "", text.len, path, cfg, err);
    buf_free(&text);
    return rc;
}

/* ---------------------------------------------------------------- canonical YAML */

/* libyaml's write handler: 1 on success. */
static int text_write(void *data, unsigned char *bytes, size_t size)
{
    evo_buf *t = data;
    buf_add(t, bytes, size);
    return !t->failed;
}

/* Each emit_* returns 1 on success, like libyaml. */
static int emit_scalar(yaml_emitter_t *e, const char *s, int quoted)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), !quoted, 1,
                                 quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE);
    return yaml_emitter_emit(e, &ev);
}

static int emit_real(yaml_emitter_t *e, double v)
{
    char buf[40];
    format_real(v, buf, sizeof buf);
    return emit_scalar(e, buf, 0);
}

static int emit_text(yaml_emitter_t *e, const char *s)
{
    /* Quote what would otherwise read back as null. */
    return emit_scalar(e, s, !*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

static int emit_start(yaml_emitter_t *e, int mapping, int flow)
{
    yaml_event_t ev;
    if (mapping)
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                            flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
    else
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
    return yaml_emitter_emit(e, &ev);
}

static int emit_end(yaml_emitter_t *e, int mapping)
{
    yaml_event_t ev;
    if (mapping)
        yaml_mapping_end_event_initialize(&ev);
    else
        yaml_sequence_end_event_initialize(&ev);
    return yaml_emitter_emit(e, &ev);
}

static int emit_set(yaml_emitter_t *e, unsigned set, const evo_names *names)
{
    int ok = emit_start(e, 0, 1);
    for (int i = 0; ok && i < names->count; i++)
        if (set & (1u << i))
            ok = emit_scalar(e, names->names[i], 0);
    return ok && emit_end(e, 0);
}

static int emit_gene(yaml_emitter_t *e, const evo_gene_range *g)
{
    if (g->form == GENE_RANGE)
        return emit_start(e, 1, 1) && emit_scalar(e, "min", 0) && emit_real(e, g->min) &&
               emit_scalar(e, "max", 0) && emit_real(e, g->max) && emit_end(e, 1);
    int ok = emit_start(e, 0, 1);
    for (int i = 0; ok && i < g->n; i++)
        ok = emit_real(e, g->values[i]);
    return ok && emit_end(e, 0);
}

/* What the emitted YAML holds: every key, or only those of the configuration hash. */
typedef enum { EMIT_ALL, EMIT_HASHED } emit_keys;

static int emit_section(yaml_emitter_t *e, const evo_config *cfg, const key_spec *section, emit_keys keys);

static int emit_value(yaml_emitter_t *e, const evo_config *cfg, const key_spec *s, emit_keys keys)
{
    const void *field = (const char *)cfg + s->offset;
    char buf[EVO_DATE_STR + 24];
    switch (s->type) {
    case KEY_SECTION:
        return emit_section(e, cfg, s, keys);
    case KEY_STRING: {
        const char *str = field;
        return !*str && (s->flags & KEY_NULLABLE) ? emit_scalar(e, "null", 0) : emit_text(e, str);
    }
    case KEY_STRING_LIST: {
        char *const *list = *(char **const *)field;
        int n = *(const int *)((const char *)cfg + s->aux);
        int ok = emit_start(e, 0, 1);
        for (int i = 0; ok && i < n; i++)
            ok = emit_text(e, list[i]);
        return ok && emit_end(e, 0);
    }
    case KEY_INT:
        if (!*(const int *)field && (s->flags & KEY_NULLABLE))
            return emit_scalar(e, "null", 0);
        snprintf(buf, sizeof buf, "%d", *(const int *)field);
        return emit_scalar(e, buf, 0);
    case KEY_REAL:
        return emit_real(e, *(const double *)field);
    case KEY_SEED:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(const uint64_t *)field);
        return emit_scalar(e, buf, 0);
    case KEY_DATE:
        if (!*(const int *)((const char *)cfg + s->aux))
            return emit_scalar(e, "null", 0);
        return emit_scalar(e, date_format(*(const evo_date *)field, buf), 0);
    case KEY_CHOICE:
        return emit_scalar(e, s->names->names[*(const int *)field], 0);
    case KEY_NAME_SET:
        return emit_set(e, *(const unsigned *)field, s->names);
    case KEY_GENE:
        return emit_gene(e, field);
    }
    return 0;
}

/* A KEY_UNHASHED_AT_DEFAULT key (an int, or a name set's bitmask) at its default value. */
static int at_added_default(const evo_config *cfg, const key_spec *s)
{
    static evo_config defaults;
    static int have;
    if (!(s->flags & KEY_UNHASHED_AT_DEFAULT))
        return 0;
    if (!have++)
        config_defaults(&defaults);
    return !memcmp((const char *)cfg + s->offset, (const char *)&defaults + s->offset, sizeof(int));
}

static int emit_section(yaml_emitter_t *e, const evo_config *cfg, const key_spec *section, emit_keys keys)
{
    int ok = emit_start(e, 1, 0);
    for (int i = 0; ok && i < section->n_children; i++) {
        const key_spec *s = &section->children[i];
        if (keys == EMIT_ALL || !(s->flags & KEY_RUN_ONLY || at_added_default(cfg, s)))
            ok = emit_scalar(e, s->key, 0) && emit_value(e, cfg, s, keys);
    }
    return ok && emit_end(e, 1);
}

/* The YAML document of one value (s a section: the section) into *out, malloc'd. */
static int emit_document(const evo_config *cfg, const key_spec *s, emit_keys keys, char **out, evo_error *err)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    evo_buf t = {0};
    *out = NULL;
    if (!yaml_emitter_initialize(&e))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory writing the configuration");
    yaml_emitter_set_output(&e, text_write, &t);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, 100);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int ok = yaml_emitter_emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&e, &ev) && emit_value(&e, cfg, s, keys);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e);
    int rc = ok ? EVO_OK
                : evo_fail(err, EVO_ERR_INTERNAL, "cannot write the configuration as YAML: %s",
                           e.problem ? e.problem : "out of memory");
    yaml_emitter_delete(&e);
    if (rc)
        buf_free(&t);
    else
        *out = buf_take(&t);
    return rc;
}

int config_to_yaml(const evo_config *cfg, char **out, evo_error *err)
{
    return emit_document(cfg, &root_spec, EMIT_ALL, out, err);
}

int config_hash(const evo_config *cfg, char out[17], evo_error *err)
{
    char *text;
    int rc = emit_document(cfg, &root_spec, EMIT_HASHED, &text, err);
    if (rc)
        return rc;
    snprintf(out, 17, "%016llx", (unsigned long long)hash_fnv1a(text, strlen(text)));
    free(text);
    return EVO_OK;
}

/* One value as flow YAML on one line ("[1, 2]", "0.001"), into out. */
static void value_text(const evo_config *cfg, const key_spec *s, char *out, size_t size)
{
    char *text = NULL;
    evo_error ignore = {0};
    if (emit_document(cfg, s, EMIT_ALL, &text, &ignore)) {
        snprintf(out, size, "?");
        return;
    }
    size_t n = strcspn(text, "\n"); /* the document is the value's line, then "...\n" for a scalar */
    snprintf(out, size, "%.*s", (int)n, text);
    free(text);
}

static void diff_section(const evo_config *a, const evo_config *b, const key_spec *section, const char *prefix,
                         char *out, size_t size, int *n)
{
    for (int i = 0; i < section->n_children; i++) {
        const key_spec *s = &section->children[i];
        char key[128], va[256], vb[256];
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", s->key);
        if (s->flags & KEY_RUN_ONLY)
            continue;
        if (s->type == KEY_SECTION) {
            diff_section(a, b, s, key, out, size, n);
            continue;
        }
        value_text(a, s, va, sizeof va);
        value_text(b, s, vb, sizeof vb);
        if (!strcmp(va, vb))
            continue;
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s: %s -> %s", *n ? "; " : "", key, va, vb);
        (*n)++;
    }
}

int config_get(const evo_config *cfg, const char *key, char *out, size_t size)
{
    const key_spec *s = &root_spec;
    for (const char *part = key; s && *part;) {
        size_t n = strcspn(part, ".");
        const key_spec *in = s->type == KEY_SECTION ? s : NULL;
        s = NULL;
        for (int i = 0; in && i < in->n_children; i++)
            if (strlen(in->children[i].key) == n && !strncmp(in->children[i].key, part, n))
                s = &in->children[i];
        part += n + (part[n] == '.');
    }
    if (!s || s->type == KEY_SECTION)
        return EVO_ERR_USAGE;
    value_text(cfg, s, out, size);
    return EVO_OK;
}

int config_diff(const evo_config *a, const evo_config *b, char *out, size_t size)
{
    int n = 0;
    out[0] = '\0';
    diff_section(a, b, &root_spec, "", out, size, &n);
    return n;
}

/* ---------------------------------------------------------------- split against the data */
