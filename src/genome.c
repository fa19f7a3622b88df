/* genome: the gene table and everything that walks it. */
#include "evofolio/genome.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/suggest.h"

/* The C type that holds each kind of gene, checked against genes.h's rows below. */
#define GENE_CTYPE_CHOICE int /* an enum: as wide as int */
#define GENE_CTYPE_SET unsigned
#define GENE_CTYPE_INT int
#define GENE_CTYPE_REAL double
#define GENE_INFO(E, name, type, kind, log, nm, lo, hi, dlo, dhi, words) \
    [GENE_##E] = {#name, words, GENE_KIND_##kind, log, nm, offsetof(evo_genome, name), \
                  offsetof(evo_config, search.name)},
#define GENE_CHECK(E, name, type, kind, ...) \
    _Static_assert(sizeof(((evo_genome *)0)->name) == sizeof(GENE_CTYPE_##kind), \
                   "gene " #name ": its type does not hold a " #kind " gene");

const evo_gene_info genome_genes[GENE_COUNT] = {EVO_GENES(GENE_INFO)};
EVO_GENES(GENE_CHECK)

/* ---------------------------------------------------------------- gene access */

/* Through memcpy: the field's type is the kind's (checked above), an enum read as the int it is. */
double genome_gene_get(const evo_genome *g, evo_gene k)
{
    const char *p = (const char *)g + genome_genes[k].field;
    int i;
    unsigned u;
    double d;
    switch (genome_genes[k].kind) {
    case GENE_KIND_SET: memcpy(&u, p, sizeof u); return u;
    case GENE_KIND_REAL: memcpy(&d, p, sizeof d); return d;
    default: memcpy(&i, p, sizeof i); return i;
    }
}

/* Can gene k hold v? A choice is an index into its catalogue, a set a bitmask over it, an int gene
 * a whole number an int holds; a real gene holds any double. Checked before the cast, which is
 * undefined for a double outside the integer's range (an archive may hold hidden = 3000000000). */
static int gene_fits(evo_gene k, double v, evo_error *err)
{
    const evo_gene_info *info = &genome_genes[k];
    double lo = 0, hi;
    switch (info->kind) {
    case GENE_KIND_CHOICE: hi = info->names->count - 1; break;
    case GENE_KIND_SET: hi = ldexp(1, info->names->count) - 1; break;
    case GENE_KIND_INT: lo = INT_MIN, hi = INT_MAX; break;
    default: return EVO_OK;
    }
    if (v >= lo && v <= hi && v == floor(v))
        return EVO_OK;
    if (info->kind == GENE_KIND_INT)
        return evo_fail(err, EVO_ERR_USAGE, "gene %s: %.17g is not a whole number from %.0f to %.0f.",
                        info->name, v, lo, hi);
    if (info->kind == GENE_KIND_SET)
        return evo_fail(err, EVO_ERR_USAGE, "gene %s: %.17g is not a set of %s names (a bitmask from 0 "
                        "to %.0f).", info->name, v, info->names->what, hi);
    return evo_fail(err, EVO_ERR_USAGE, "gene %s: %.17g is not %s %s (an index from 0 to %.0f).",
                    info->name, v, strchr("aeiou", info->names->what[0]) ? "an" : "a", info->names->what, hi);
}

int genome_gene_set(evo_genome *g, evo_gene k, double v, evo_error *err)
{
    int rc = gene_fits(k, v, err);
    if (rc)
        return rc;
    char *p = (char *)g + genome_genes[k].field;
    if (genome_genes[k].kind == GENE_KIND_REAL) {
        memcpy(p, &v, sizeof v);
    } else if (genome_genes[k].kind == GENE_KIND_SET) { /* cast only what gene_fits let through */
        unsigned u = (unsigned)v;
        memcpy(p, &u, sizeof u);
    } else {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    }
    return EVO_OK;
}

int genome_gene_is_number(evo_gene k)
{
    return genome_genes[k].kind == GENE_KIND_INT || genome_genes[k].kind == GENE_KIND_REAL;
}

const evo_gene_range *genome_gene_space(const evo_config *cfg, evo_gene k)
{
    return genome_gene_is_number(k) ? (const evo_gene_range *)((const char *)cfg + genome_genes[k].space) : NULL;
}

unsigned genome_gene_allowed(const evo_config *cfg, evo_gene k)
{
    unsigned mask = 0;
    if (!genome_gene_is_number(k))
        memcpy(&mask, (const char *)cfg + genome_genes[k].space, sizeof mask);
    return mask;
}

static double round_sig(double x)
{
    if (x == 0 || !isfinite(x))
        return x;
    double scale = pow(10, GENOME_SIG_DIGITS - (int)ceil(log10(fabs(x))));
    return round(x * scale) / scale;
}

/* ---------------------------------------------------------------- random, normalise, validate */

static int pick_bit(unsigned mask, evo_rng *rng)
{
    int n = __builtin_popcount(mask), k = (int)rng_below(rng, (uint64_t)n);
    for (int b = 0;; b++)
        if ((mask >> b) & 1u && k-- == 0)
            return b;
}

static int pick_lowest(unsigned mask) { return __builtin_ctz(mask); }

/* Each allowed name in with probability 1/2, then names added until at_least are in. */
static unsigned random_subset(unsigned allowed, int at_least, evo_rng *rng)
{
    unsigned set = 0;
    for (int b = 0; b < 32; b++)
        if ((allowed >> b) & 1u && rng_uniform(rng) < 0.5)
            set |= 1u << b;
    while (__builtin_popcount(set) < at_least && set != allowed)
        set |= 1u << pick_bit(allowed & ~set, rng);
    return set;
}

/* A feature set of k names drawn uniformly, k from P(k) = 2^-k on 1..n (the rest of the mass on n):
 * half the draws are one feature, a quarter two. Each irrelevant input costs a model signal (an
 * extra feature lowers a learnable candidate's fitness), so the prior favours small sets; with p =
 * 1/2 per name, an 11-feature space gave one or two features in 0.6% of the draws. */
static unsigned random_small_subset(unsigned allowed, evo_rng *rng)
{
    const int n = __builtin_popcount(allowed);
    int k = 1;
    while (k < n && rng_uniform(rng) < 0.5)
        k++;
    unsigned set = 0;
    for (int i = 0; i < k; i++)
        set |= 1u << pick_bit(allowed & ~set, rng);
    return set;
}

static double random_number(const evo_gene_range *r, int integer, int log_scale, evo_rng *rng)
{
    if (r->form == GENE_LIST)
        return r->values[rng_below(rng, (uint64_t)r->n)];
    double lo = r->min, hi = r->max, u = rng_uniform(rng), v;
    if (integer) { /* uniform over the integers, or over their logs */
        v = log_scale ? floor(exp(log(lo) + u * (log(hi + 1) - log(lo)))) : floor(lo + u * (hi - lo + 1));
        return v > hi ? hi : v;
    }
    v = log_scale ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo);
    return v;
}

void genome_gene_random(evo_genome *g, evo_gene k, const evo_config *cfg, evo_rng *rng)
{
    const evo_gene_info *info = &genome_genes[k];
    unsigned allowed = genome_gene_allowed(cfg, k);
    if (info->kind == GENE_KIND_CHOICE)
        genome_gene_set(g, k, pick_bit(allowed, rng), NULL);
    else if (k == GENE_FEATURES)
        genome_gene_set(g, k, random_small_subset(allowed, rng), NULL);
    else if (info->kind == GENE_KIND_SET)
        genome_gene_set(g, k, random_subset(allowed, 2, rng), NULL);
    else
        genome_gene_set(g, k, random_number(genome_gene_space(cfg, k), info->kind == GENE_KIND_INT,
                                            info->log_scale, rng), NULL);
}

void genome_random(evo_genome *g, const evo_config *cfg, evo_rng *rng)
{
    memset(g, 0, sizeof *g);
    for (int k = 0; k < GENE_COUNT; k++)
        genome_gene_random(g, (evo_gene)k, cfg, rng);
    genome_normalise(g, cfg);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The middle of a numeric gene's space (see genome_screen). */
static double middle_of(const evo_gene_range *r, int integer, int log_scale)
{
    if (r->form == GENE_LIST) {
        double v[EVO_GENE_LIST_MAX];
        memcpy(v, r->values, sizeof(double) * (size_t)r->n);
        qsort(v, (size_t)r->n, sizeof *v, compare_doubles);
        return v[(r->n - 1) / 2];
    }
    double m = log_scale && r->min > 0 ? sqrt(r->min * r->max) : (r->min + r->max) / 2;
    return integer ? round(m) : m;
}

int genome_screen(evo_genome *g, int i, const evo_config *cfg)
{
    const unsigned models = cfg->search.model, features = cfg->search.features;
    const evo_model_kind kinds[3] = {MODEL_LINEAR, MODEL_ASSET, MODEL_SHARED};
    int k = 0;
    while (k < 3 && !(models & (1u << kinds[k])))
        k++;
    if (k == 3 || i < 0 || i >= __builtin_popcount(features))
        return 0;
    memset(g, 0, sizeof *g);
    g->model = kinds[k];
    const unsigned objectives = cfg->search.objective;
    g->objective = objectives & (1u << OBJECTIVE_SHARPE) ? OBJECTIVE_SHARPE : (evo_objective)pick_lowest(objectives);
    for (int gene = 0; gene < GENE_COUNT; gene++) {
        const evo_gene_info *info = &genome_genes[gene];
        if (genome_gene_is_number((evo_gene)gene))
            genome_gene_set(g, (evo_gene)gene, middle_of(genome_gene_space(cfg, (evo_gene)gene),
                                                          info->kind == GENE_KIND_INT, info->log_scale), NULL);
    }
    g->rebalance = (int)cfg->search.rebalance.min;
    g->arch = (evo_arch)pick_lowest(cfg->search.arch);
    int bit = -1;
    for (int n = 0; n <= i; n++) /* the i-th allowed feature */
        while (!((features >> ++bit) & 1u))
            ;
    g->features = 1u << bit;
    genome_normalise(g, cfg);
    return 1;
}

int genome_gene_used(const evo_genome *g, evo_gene k)
{
    const int linear = g->model == MODEL_LINEAR, attention = !linear && g->arch == ARCH_ATTENTION;
    switch (k) {
    case GENE_FEATURES: return g->model != MODEL_PORTFOLIO;
    case GENE_OBJECTIVE: return g->model != MODEL_AUTOENCODER; /* it trains to reconstruct its inputs */
    case GENE_STRATEGIES: return g->model == MODEL_PORTFOLIO;
    case GENE_DROPOUT: return attention || (!linear && g->layers > 1);
    case GENE_HIDDEN: return !linear && !attention;
    case GENE_D_MODEL:
    case GENE_HEADS:
    case GENE_FF: return attention;
    case GENE_LAYERS:
    case GENE_ARCH:
    case GENE_SEQ_LEN: return !linear;
    default: return 1;
    }
}

/* The value of space r nearest to v that is a multiple of m (v itself when it is one); v when the space
 * holds none (config_load refuses such spaces). A range holds one next to v when it holds any: the
 * multiple below v or the one above. */
static int nearest_multiple(int v, int m, const evo_gene_range *r)
{
    int best = v;
    double gap = INFINITY;
    if (r->form == GENE_LIST) {
        for (int i = 0; i < r->n; i++)
            if ((int)r->values[i] % m == 0 && fabs(r->values[i] - v) < gap) {
                gap = fabs(r->values[i] - v);
                best = (int)r->values[i];
            }
        return best;
    }
    const int down = v - v % m, up = down + m;
    if (down >= r->min && down <= r->max)
        best = down, gap = v - down;
    if (up >= r->min && up <= r->max && up - v < gap)
        best = up;
    return best;
}

void genome_normalise(evo_genome *g, const evo_config *cfg)
{
    if (g->model != MODEL_PORTFOLIO)
        g->strategies = 0;
    else
        g->features = cfg->search.features;
    if (g->model == MODEL_AUTOENCODER)
        g->objective = OBJECTIVE_SHARPE;
    if (g->model == MODEL_LINEAR) { /* no sequence encoder: it reads the last day alone */
        g->layers = g->hidden = 0;
        g->seq_len = 1;
        g->arch = ARCH_LSTM;
    }
    if (genome_gene_used(g, GENE_D_MODEL) && g->heads > 0) /* the heads split d_model evenly */
        g->d_model = nearest_multiple(g->d_model, g->heads, &cfg->search.d_model);
    else if (!genome_gene_used(g, GENE_D_MODEL))
        g->d_model = g->heads = g->ff = 0;
    if (!genome_gene_used(g, GENE_HIDDEN))
        g->hidden = 0;
    for (int k = 0; k < GENE_COUNT; k++) { /* reals to 4 digits; one the model does not read to 0 */
        const evo_gene gene = (evo_gene)k;
        if (genome_genes[k].kind == GENE_KIND_REAL)
            genome_gene_set(g, gene, genome_gene_used(g, gene) ? round_sig(genome_gene_get(g, gene)) : 0, NULL);
    }
}

static int in_space(double v, const evo_gene_range *r)
{
    if (r->form == GENE_RANGE)
        return v >= round_sig(r->min) && v <= round_sig(r->max);
    for (int i = 0; i < r->n; i++)
        if (round_sig(r->values[i]) == v)
            return 1;
    return 0;
}

static void describe_space(const evo_gene_range *r, char *buf, size_t size)
{
    if (r->form == GENE_RANGE) {
        snprintf(buf, size, "{min: %g, max: %g}", r->min, r->max);
        return;
    }
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < r->n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%g", i ? ", " : "", r->values[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

int genome_validate(const evo_genome *g, const evo_config *cfg, evo_error *err)
{
    for (int k = 0; k < GENE_COUNT; k++) {
        const evo_gene_info *info = &genome_genes[k];
        double v = genome_gene_get(g, (evo_gene)k);
        unsigned allowed = genome_gene_allowed(cfg, (evo_gene)k);
        char space[256];
        if (info->kind == GENE_KIND_CHOICE && !(v >= 0 && v < info->names->count))
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: %g is not a %s.", info->name, v,
                            info->names->what);
        if (info->kind == GENE_KIND_CHOICE && genome_gene_used(g, (evo_gene)k) && !((allowed >> (int)v) & 1u))
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: '%s' is not in search.%s of %s.", info->name,
                            info->names->names[(int)v], info->name, cfg->path);
        if (info->kind == GENE_KIND_SET) {
            unsigned set = (unsigned)v;
            if (k == GENE_STRATEGIES && g->model != MODEL_PORTFOLIO)
                continue;
            if (!set || (set & ~allowed))
                return evo_fail(err, EVO_ERR_USAGE, "gene %s: %s; every name must be in search.%s of %s.",
                                info->name, set ? "a name outside the search space" : "empty", info->name,
                                cfg->path);
            if (k == GENE_STRATEGIES && __builtin_popcount(set) < 2)
                return evo_fail(err, EVO_ERR_USAGE, "gene strategies: the portfolio model blends at "
                                "least 2 strategies.");
        }
        if (genome_gene_is_number((evo_gene)k) && genome_gene_used(g, (evo_gene)k) &&
            !in_space(v, genome_gene_space(cfg, (evo_gene)k))) {
            describe_space(genome_gene_space(cfg, (evo_gene)k), space, sizeof space);
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: %g is outside search.%s %s of %s.", info->name,
                            v, info->name, space, cfg->path);
        }
    }
    return EVO_OK;
}

/* ---------------------------------------------------------------- key and JSON */

static size_t append_set(char *out, size_t size, unsigned set, const evo_names *names)
{
    size_t used = 0;
    out[0] = '\0';
    for (int b = 0; b < names->count && used < size; b++)
        if ((set >> b) & 1u)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "+" : "", names->names[b]);
    return used;
}

void genome_gene_text(const evo_genome *g, evo_gene k, char *out, size_t size)
{
    const evo_gene_info *info = &genome_genes[k];
    double v = genome_gene_get(g, k);
    if (info->kind == GENE_KIND_CHOICE)
        snprintf(out, size, "%s", info->names->names[(int)v]);
    else if (info->kind == GENE_KIND_SET)
        append_set(out, size, (unsigned)v, info->names);
    else if (info->kind == GENE_KIND_INT)
        snprintf(out, size, "%d", (int)v);
    else
        snprintf(out, size, "%.*g", GENOME_SIG_DIGITS, v);
}

double genome_gene_parse(evo_gene k, const char *text)
{
    const evo_gene_info *info = &genome_genes[k];
    if (!text)
        return NAN;
    if (genome_gene_is_number(k)) {
        char *end;
        double v = strtod(text, &end);
        return end != text && !*end ? v : NAN;
    }
    if (info->kind == GENE_KIND_CHOICE) {
        int i = catalog_find(info->names, text);
        return i >= 0 ? i : NAN;
    }
    unsigned mask = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "+");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
        int i = catalog_find(info->names, name);
        if (i < 0)
            return NAN;
        mask |= 1u << i;
        p += len + (p[len] == '+');
    }
    return mask;
}

void genome_key(const evo_genome *g, char out[GENOME_KEY_MAX])
{
    size_t used = 0;
    for (int k = 0; k < GENE_COUNT && used < GENOME_KEY_MAX; k++) {
        char value[256];
        genome_gene_text(g, (evo_gene)k, value, sizeof value);
        used += (size_t)snprintf(out + used, GENOME_KEY_MAX - used, "%s%s=%s", k ? ";" : "",
                                 genome_genes[k].name, value);
    }
}

static json_t *set_to_json(unsigned set, const evo_names *names)
{
    json_t *a = json_array();
    for (int b = 0; a && b < names->count; b++)
        if ((set >> b) & 1u)
            json_array_append_new(a, json_string(names->names[b]));
    return a;
}

char *genome_to_json(const evo_genome *g)
{
    json_t *o = json_object();
    for (int k = 0; o && k < GENE_COUNT; k++) {
        const evo_gene_info *info = &genome_genes[k];
        double v = genome_gene_get(g, (evo_gene)k);
        json_t *value;
        if (!genome_gene_used(g, (evo_gene)k))
            continue;
        if (info->kind == GENE_KIND_CHOICE)
            value = json_string(info->names->names[(int)v]);
        else if (info->kind == GENE_KIND_SET)
            value = set_to_json((unsigned)v, info->names);
        else if (info->kind == GENE_KIND_INT)
            value = json_integer((json_int_t)v);
        else
            value = json_real(v);
        json_object_set_new(o, info->name, value);
    }
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                       JSON_REAL_PRECISION(GENOME_SIG_DIGITS)) : NULL;
    json_decref(o);
    return text;
}

static int parse_gene(evo_genome *g, evo_gene k, json_t *v, evo_error *err)
{
    const evo_gene_info *info = &genome_genes[k];
    if (info->kind == GENE_KIND_CHOICE) {
        const char *s = json_string_value(v);
        int idx = s ? catalog_find(info->names, s) : -1;
        if (idx < 0) {
            const char *near = s ? suggest_closest(s, info->names->names, info->names->count) : NULL;
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: expected %s %s name%s%s%s, got %s%s%s.",
                            info->name, strchr("aeiou", info->names->what[0]) ? "an" : "a",
                            info->names->what, near ? " (did you mean '" : "",
                            near ? near : "", near ? "'?)" : "", s ? "'" : "a non-string",
                            s ? s : "", s ? "'" : "");
        }
        return genome_gene_set(g, k, idx, err);
    } else if (info->kind == GENE_KIND_SET) {
        size_t i;
        json_t *item;
        unsigned set = 0;
        if (!json_is_array(v) || json_array_size(v) == 0)
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: expected a non-empty list of %s names.",
                            info->name, info->names->what);
        json_array_foreach(v, i, item)
        {
            const char *s = json_string_value(item);
            int idx = s ? catalog_find(info->names, s) : -1;
            if (idx < 0) {
                const char *near = s ? suggest_closest(s, info->names->names, info->names->count) : NULL;
                return evo_fail(err, EVO_ERR_USAGE, "gene %s: unknown %s '%s'%s%s%s.", info->name,
                                info->names->what, s ? s : "(not a string)", near ? " (did you mean '" : "",
                                near ? near : "", near ? "'?)" : "");
            }
            if (set & (1u << idx))
                return evo_fail(err, EVO_ERR_USAGE, "gene %s: '%s' is listed twice.", info->name, s);
            set |= 1u << idx;
        }
        return genome_gene_set(g, k, set, err);
    } else {
        double x = json_number_value(v);
        if (!json_is_number(v) || (info->kind == GENE_KIND_INT && (x != floor(x) || fabs(x) > 1e9)))
            return evo_fail(err, EVO_ERR_USAGE, "gene %s: expected %s.", info->name,
                            info->kind == GENE_KIND_INT ? "a whole number" : "a number");
        return genome_gene_set(g, k, x, err);
    }
}

int genome_from_json(evo_genome *g, const char *text, const evo_config *cfg, evo_error *err)
{
    memset(g, 0, sizeof *g);
    json_error_t jerr;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return evo_fail(err, EVO_ERR_USAGE, "genome JSON %d:%d: %s. Write it like "
                        "{\"model\":\"asset\",\"objective\":\"sharpe\",...}.", jerr.line, jerr.column,
                        jerr.text);
    int rc = EVO_OK;
    unsigned seen = 0;
    const char *key;
    json_t *v;
    if (!json_is_object(o))
        rc = evo_fail(err, EVO_ERR_USAGE, "genome JSON: expected an object {\"gene\": value, ...}.");
    json_object_foreach(o, key, v)
    {
        if (rc)
            break;
        int k = 0;
        const char *names[GENE_COUNT];
        for (int i = 0; i < GENE_COUNT; i++)
            names[i] = genome_genes[i].name;
        while (k < GENE_COUNT && strcmp(names[k], key))
            k++;
        if (k == GENE_COUNT) {
            const char *near = suggest_closest(key, names, GENE_COUNT);
            rc = evo_fail(err, EVO_ERR_USAGE, "genome JSON: unknown gene '%s'%s%s%s.", key,
                          near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            break;
        }
        rc = parse_gene(g, (evo_gene)k, v, err);
        seen |= 1u << k;
    }
    json_decref(o);
    /* arch may be left out: genomes written before it existed are LSTMs (memset: ARCH_LSTM) */
    for (int k = 0; !rc && k < GENE_COUNT; k++) {
        int optional = !genome_gene_used(g, (evo_gene)k) || k == GENE_ARCH;
        if (!(seen & (1u << k)) && !optional)
            rc = evo_fail(err, EVO_ERR_USAGE, "genome JSON: gene '%s' is missing.", genome_genes[k].name);
    }
    if (!rc && genome_gene_used(g, GENE_D_MODEL) && (g->heads < 1 || g->d_model % g->heads))
        rc = evo_fail(err, EVO_ERR_USAGE, "genome JSON: d_model %d is not a multiple of heads %d (each head "
                      "reads d_model / heads values).", g->d_model, g->heads);
    if (!rc) {
        genome_normalise(g, cfg);
        rc = genome_validate(g, cfg, err);
    }
    return rc;
}
