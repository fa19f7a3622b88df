/* ga: operators, breeding, steady-state replacement, the duplicate cache, statistics and stopping rules.
 * Shapes: P population members. Every random choice draws from the caller's evo_rng in a fixed order,
 * so the same state breeds the same children.
 * Order of fitness everywhere (selection, elites, best, worst): higher is better, NaN (not evaluated)
 * counts as -inf, and equal fitness goes to the lower index. */
#include "evofolio/ga.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/hash.h"

/* Steps of a mutation, as shares of the gene's range (ga.h): log-scale genes move by a Gaussian of sd
 * LOG_STEP_SD of the log range, real genes by one of sd LINEAR_STEP_SD of the range, integer genes by
 * 1 .. INT_STEP_SHARE of the range. */
#define LOG_STEP_SD 0.3
#define LINEAR_STEP_SD 0.15
#define INT_STEP_SHARE 0.1

enum {
    STEP_TRIES = 8,  /* draws of a step that leaves the value where it was (clipped, rounded back) */
    BREED_TRIES = 8, /* extra one-gene mutations of a child equal to a parent */
    CACHE_MIN_CAP = 16
};

static const char *const stop_names[] = {"continue", "generations", "evaluations", "time", "stale"};
_Static_assert(sizeof stop_names / sizeof stop_names[0] == GA_STOP_STALE + 1, "a name per ga_stop");
const evo_names ga_stop_names = {"stop rule", stop_names, GA_STOP_STALE + 1, NULL};

/* ---------------------------------------------------------------- population */

int ga_population_create(ga_population *pop, int size, evo_error *err)
{
    memset(pop, 0, sizeof *pop);
    if (size < 1)
        return evo_fail(err, EVO_ERR_INTERNAL, "ga: a population needs at least 1 member, not %d.", size);
    pop->members = calloc((size_t)size, sizeof *pop->members);
    if (!pop->members)
        return evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory for a population of %d.", size);
    pop->size = size;
    for (int i = 0; i < size; i++)
        pop->members[i].fitness = NAN;
    return EVO_OK;
}

void ga_population_free(ga_population *pop)
{
    if (!pop)
        return;
    free(pop->members);
    memset(pop, 0, sizeof *pop);
}

void ga_random(ga_individual *out, const evo_config *cfg, evo_origin origin, evo_rng *rng)
{
    memset(out, 0, sizeof *out);
    genome_random(&out->genome, cfg, rng);
    genome_key(&out->genome, out->key);
    out->fitness = NAN;
    out->origin = origin;
}

void ga_initial(ga_individual *out, int i, const evo_config *cfg, evo_rng *rng)
{
    memset(out, 0, sizeof *out);
    if (!genome_screen(&out->genome, i, cfg)) {
        ga_random(out, cfg, ORIGIN_RANDOM, rng);
        return;
    }
    genome_key(&out->genome, out->key);
    out->fitness = NAN;
    out->origin = ORIGIN_SCREEN;
}

/* ---------------------------------------------------------------- order of fitness */

static double rank_value(double fitness)
{
    return isnan(fitness) ? -INFINITY : fitness;
}

/* How two members compare on one objective, ties left to the caller: 1 when a is ahead of b, -1 when
 * behind, 0 when as good. A member that did not fail is ahead of any of a lower rung (its fitness
 * comes from more training, ga.h), and a failure is behind every success whatever its rung; otherwise
 * the fitter is ahead. With one rung that is the order of fitness alone. */
static int compare_members(const ga_individual *a, const ga_individual *b)
{
    const double fa = rank_value(a->fitness), fb = rank_value(b->fitness);
    const int ra = isfinite(fa) ? a->rung : -1, rb = isfinite(fb) ? b->rung : -1;
    if (ra != rb)
        return ra > rb ? 1 : -1;
    return (fa > fb) - (fa < fb);
}

/* Is member i strictly ahead of member j (compare_members, or as good with a lower index)? With
 * objectives, by NSGA-II's crowded comparison. */
static int ahead(const ga_population *pop, int i, int j)
{
    const ga_individual *a = &pop->members[i], *b = &pop->members[j];
    if (pop->objectives)
        return a->front < b->front || (a->front == b->front && (a->crowd > b->crowd || (a->crowd == b->crowd && i < j)));
    const int c = compare_members(a, b);
    return c > 0 || (c == 0 && i < j);
}

int ga_best(const ga_population *pop)
{
    int best = 0;
    for (int i = 1; i < pop->size; i++)
        if (ahead(pop, i, best))
            best = i;
    return best;
}

/* The member behind all others (compare_members); among equals the lower index, as for the best
 * (ga.h). */
static int worst_member(const ga_population *pop)
{
    int worst = 0;
    for (int i = 1; i < pop->size; i++)
        if (compare_members(&pop->members[i], &pop->members[worst]) < 0)
            worst = i;
    return worst;
}

/* The fittest member with finite fitness that comes after member prev in the order of fitness
 * (prev < 0: the first); -1 when none. O(P), so elites cost O(elite P) without any allocation. */
static int next_finite(const ga_population *pop, int prev)
{
    int best = -1;
    for (int i = 0; i < pop->size; i++) {
        if (!isfinite(pop->members[i].fitness) || (prev >= 0 && !ahead(pop, prev, i)))
            continue;
        if (best < 0 || ahead(pop, i, best))
            best = i;
    }
    return best;
}

int ga_tournament(const ga_population *pop, int tournament, evo_rng *rng)
{
    int best = -1;
    for (int i = 0; i < (tournament < 1 ? 1 : tournament); i++) {
        int j = (int)rng_below(rng, (uint64_t)pop->size);
        if (best < 0 || ahead(pop, j, best))
            best = j;
    }
    return best;
}

/* ---------------------------------------------------------------- making genomes valid */

static double clip(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* A uniformly drawn set bit of mask (mask != 0). */
static int random_bit(unsigned mask, evo_rng *rng)
{
    int k = (int)rng_below(rng, (uint64_t)__builtin_popcount(mask));
    for (int b = 0;; b++)
        if ((mask >> b) & 1u && k-- == 0)
            return b;
}

/* The index of the list value nearest to x (the first of equals). */
static int list_nearest(const evo_gene_range *r, double x)
{
    int best = 0;
    for (int i = 1; i < r->n; i++)
        if (fabs(r->values[i] - x) < fabs(r->values[best] - x))
            best = i;
    return best;
}

/* Keep set inside allowed and give it at least `at_least` names (or all allowed ones), adding names
 * drawn from pool first (a crossover's parents) and from allowed after. */
static unsigned fill_set(unsigned set, unsigned allowed, unsigned pool, int at_least, evo_rng *rng)
{
    set &= allowed;
    while (__builtin_popcount(set) < at_least && set != allowed) {
        unsigned from = pool & allowed & ~set;
        set |= 1u << random_bit(from ? from : allowed & ~set, rng);
    }
    return set;
}

/* Every gene into cfg's search space: choices outside it redrawn, numbers clipped to a range or moved
 * to the nearest list value, sets given >= 1 feature and >= 2 strategies (from the pools first); then
 * normalised. Genes already inside are untouched, so a valid genome comes out as it went in. */
static void make_valid(evo_genome *g, const evo_config *cfg, unsigned feature_pool, unsigned strategy_pool,
                       evo_rng *rng)
{
    for (int k = 0; k < GENE_COUNT; k++) {
        const evo_gene_info *info = &genome_genes[k];
        unsigned allowed = genome_gene_allowed(cfg, (evo_gene)k);
        double v = genome_gene_get(g, (evo_gene)k);
        if (info->kind == GENE_KIND_CHOICE) {
            if (!(v >= 0 && v < info->names->count && (allowed >> (int)v) & 1u))
                genome_gene_set(g, (evo_gene)k, random_bit(allowed, rng), NULL);
        } else if (info->kind == GENE_KIND_SET) {
            int strategies = k == GENE_STRATEGIES;
            genome_gene_set(g, (evo_gene)k, fill_set((unsigned)v, allowed, strategies ? strategy_pool :
                                                     feature_pool, strategies ? 2 : 1, rng), NULL);
        } else {
            const evo_gene_range *r = genome_gene_space(cfg, (evo_gene)k);
            genome_gene_set(g, (evo_gene)k, r->form == GENE_LIST ? r->values[list_nearest(r, v)] :
                                            clip(v, r->min, r->max), NULL);
        }
    }
    genome_normalise(g, cfg);
}

/* Genes whose values differ between a and b. */
static int genes_changed(const evo_genome *a, const evo_genome *b)
{
    int n = 0;
    for (int k = 0; k < GENE_COUNT; k++)
        n += genome_gene_get(a, (evo_gene)k) != genome_gene_get(b, (evo_gene)k);
    return n;
}

/* ---------------------------------------------------------------- crossover and mutation */

void ga_crossover(evo_genome *child, const evo_genome *a, const evo_genome *b, const evo_config *cfg,
                  evo_rng *rng)
{
    evo_genome pa = *a, pb = *b, c = *a; /* copies: child may alias a parent */
    unsigned pool[2] = {0, 0};           /* features, strategies the parents use */
    for (int k = 0; k < GENE_COUNT; k++) {
        const evo_gene_info *info = &genome_genes[k];
        int used_a = genome_gene_used(&pa, (evo_gene)k), used_b = genome_gene_used(&pb, (evo_gene)k);
        double va = genome_gene_get(&pa, (evo_gene)k), vb = genome_gene_get(&pb, (evo_gene)k);
        if (info->kind == GENE_KIND_SET)
            pool[k == GENE_STRATEGIES] = (used_a ? (unsigned)va : 0) | (used_b ? (unsigned)vb : 0);
        if (info->kind == GENE_KIND_SET && used_a && used_b) {
            unsigned set = 0;
            for (int bit = 0; bit < info->names->count; bit++)
                set |= (rng_uniform(rng) < 0.5 ? (unsigned)va : (unsigned)vb) & (1u << bit);
            genome_gene_set(&c, (evo_gene)k, set, NULL);
            continue;
        }
        /* A gene only one parent uses (dropout of a one-layer net, a portfolio's features) comes from
         * that parent: the other's value is a placeholder. */
        int from_a = rng_uniform(rng) < 0.5;
        if (used_a != used_b)
            from_a = used_a;
        genome_gene_set(&c, (evo_gene)k, from_a ? va : vb, NULL);
    }
    make_valid(&c, cfg, pool[0], pool[1], rng);
    *child = c;
}

/* A new value of numeric gene k near x, inside r (see ga_mutate). */
static double step_number(double x, const evo_gene_range *r, const evo_gene_info *info, evo_rng *rng)
{
    if (r->form == GENE_LIST) { /* the next value below or above in size */
        double v = r->values[list_nearest(r, x)], below = -INFINITY, above = INFINITY;
        for (int i = 0; i < r->n; i++) {
            double w = r->values[i];
            below = w < v && w > below ? w : below;
            above = w > v && w < above ? w : above;
        }
        if (isinf(below) && isinf(above))
            return v;
        if (isinf(below) || isinf(above))
            return isinf(below) ? above : below;
        return rng_uniform(rng) < 0.5 ? below : above;
    }
    double lo = r->min, hi = r->max, x0 = clip(x, lo, hi), y = x0;
    for (int t = 0; t < STEP_TRIES && y == x0 && lo < hi; t++) {
        if (info->log_scale) { /* log y = log x + N(0, (0.3 log(hi/lo))^2); config: lo > 0 */
            y = exp(log(x0) + LOG_STEP_SD * log(hi / lo) * rng_normal(rng));
            y = info->kind == GENE_KIND_INT ? round(y) : y;
        } else if (info->kind == GENE_KIND_REAL) { /* y = x + N(0, (0.15 (hi - lo))^2) */
            y = x0 + LINEAR_STEP_SD * (hi - lo) * rng_normal(rng);
        } else { /* y = x +- U{1..m}, m = max(1, floor(0.1 (hi - lo))) */
            double m = fmax(1, floor(INT_STEP_SHARE * (hi - lo)));
            double step = 1 + (double)rng_below(rng, (uint64_t)m);
            y = rng_uniform(rng) < 0.5 ? x0 - step : x0 + step;
        }
        y = clip(y, lo, hi);
    }
    return y;
}

/* Move gene k of g to a neighbouring value (see ga_mutate). */
static void mutate_gene(evo_genome *g, evo_gene k, const evo_config *cfg, evo_rng *rng)
{
    const evo_gene_info *info = &genome_genes[k];
    unsigned allowed = genome_gene_allowed(cfg, k);
    double v = genome_gene_get(g, k);
    if (info->kind == GENE_KIND_SET) { /* one allowed name, drawn uniformly, goes in or out */
        if (allowed)
            genome_gene_set(g, k, (unsigned)v ^ (1u << random_bit(allowed, rng)), NULL);
    } else if (info->kind == GENE_KIND_CHOICE) { /* another allowed name, drawn uniformly */
        unsigned others = v >= 0 && v < 32 ? allowed & ~(1u << (int)v) : allowed;
        if (others)
            genome_gene_set(g, k, random_bit(others, rng), NULL);
    } else {
        genome_gene_set(g, k, step_number(v, genome_gene_space(cfg, k), info, rng), NULL);
    }
}

/* Mutate every gene of g with probability rate, or only gene `only` when only >= 0; then make g valid.
 * Returns the number of genes changed. */
static int mutate(evo_genome *g, double rate, int only, const evo_config *cfg, evo_rng *rng)
{
    evo_genome before = *g;
    /* Unused genes get random values first, so a mutation that makes one used (1 -> 2 layers, a switch
     * to or from the portfolio model) gives it a fresh draw, not a placeholder; normalising clears them
     * again when they stay unused. */
    for (int k = 0; k < GENE_COUNT; k++)
        if (!genome_gene_used(g, (evo_gene)k))
            genome_gene_random(g, (evo_gene)k, cfg, rng);
    if (only >= 0)
        mutate_gene(g, (evo_gene)only, cfg, rng);
    for (int k = 0; only < 0 && k < GENE_COUNT; k++)
        if (rng_uniform(rng) < rate)
            mutate_gene(g, (evo_gene)k, cfg, rng);
    make_valid(g, cfg, cfg->search.features, cfg->search.strategies, rng);
    return genes_changed(&before, g);
}

int ga_mutate(evo_genome *g, double rate, const evo_config *cfg, evo_rng *rng)
{
    return mutate(g, rate, -1, cfg, rng);
}

/* ---------------------------------------------------------------- breeding */

/* A gene g uses, drawn uniformly (a linear model uses 8 of the 17). */
static int random_used_gene(const evo_genome *g, evo_rng *rng)
{
    int used[GENE_COUNT], n = 0;
    for (int k = 0; k < GENE_COUNT; k++)
        if (genome_gene_used(g, (evo_gene)k))
            used[n++] = k;
    return used[rng_below(rng, (uint64_t)n)];
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

double ga_diversity(const ga_population *pop)
{
    const char **keys = malloc((size_t)pop->size * sizeof *keys);
    if (!keys)
        return NAN;
    for (int i = 0; i < pop->size; i++)
        keys[i] = pop->members[i].key;
    qsort(keys, (size_t)pop->size, sizeof *keys, compare_keys);
    int distinct = 0;
    for (int i = 0; i < pop->size; i++)
        distinct += i == 0 || strcmp(keys[i], keys[i - 1]) != 0;
    free(keys);
    return (double)distinct / pop->size;
}

void ga_breed_child(ga_individual *child, const ga_population *pop, const evo_config *cfg, evo_rng *rng)
{
    const int tournament = pop->objectives ? 2 : cfg->ga.tournament;
    int a = ga_tournament(pop, tournament, rng), b = -1;
    ga_individual c;
    memset(&c, 0, sizeof c);
    if (rng_uniform(rng) < cfg->ga.crossover) {
        b = ga_tournament(pop, tournament, rng);
        ga_crossover(&c.genome, &pop->members[a].genome, &pop->members[b].genome, cfg, rng);
        c.origin = ORIGIN_CROSSOVER;
    } else {
        c.genome = pop->members[a].genome;
        c.origin = ORIGIN_MUTATION;
    }
    ga_mutate(&c.genome, cfg->ga.mutation, cfg, rng);
    genome_key(&c.genome, c.key);
    /* A copy of a parent would only be a cache hit: mutate one more gene, drawn uniformly from those the
     * child uses (a draw can hit a gene that cannot move, hence the tries), even when ga.mutation is 0. */
    for (int t = 0; t < BREED_TRIES && (!strcmp(c.key, pop->members[a].key) ||
                                        (b >= 0 && !strcmp(c.key, pop->members[b].key))); t++) {
        mutate(&c.genome, 1.0, random_used_gene(&c.genome, rng), cfg, rng);
        genome_key(&c.genome, c.key);
    }
    c.fitness = NAN;
    c.parents[0] = pop->members[a].id;
    c.parents[1] = b >= 0 && b != a ? pop->members[b].id : 0;
    *child = c;
}

void ga_breed_generation(ga_individual *next, const ga_population *pop, const evo_config *cfg,
                         evo_rng *rng)
{
    int n = 0;
    const int elite = pop->objectives ? 0 : cfg->ga.elite; /* NSGA-II: the survivor selection is elitist */
    for (int prev = -1; n < elite && n < pop->size; n++) {
        int j = next_finite(pop, prev);
        if (j < 0)
            break;
        next[n] = pop->members[j];
        next[n].origin = ORIGIN_ELITE;
        prev = j;
    }
    if (ga_diversity(pop) < GA_DIVERSITY_MIN) {
        /* round(immigrants P), at least one when the share is not 0 */
        long m = lround(cfg->ga.immigrants * pop->size);
        m = m < 1 && cfg->ga.immigrants > 0 ? 1 : m;
        for (long i = 0; i < m && n < pop->size; i++)
            ga_random(&next[n++], cfg, ORIGIN_IMMIGRANT, rng);
    }
    while (n < pop->size)
        ga_breed_child(&next[n++], pop, cfg, rng);
}

/* The objectives of v[n] as one row-major matrix [n][m] for pareto.h (malloc'd; NULL when out of
 * memory). */
static double *objective_matrix(const ga_individual *v, int n, int m)
{
    double *obj = malloc(sizeof *obj * ((size_t)n * (size_t)m + 1));
    for (int i = 0; obj && i < n; i++)
        memcpy(obj + (size_t)i * m, v[i].obj, sizeof *obj * (size_t)m);
    return obj;
}

int ga_pareto_sort(ga_population *pop, evo_error *err)
{
    const int n = pop->size, m = pop->objectives;
    double *obj = objective_matrix(pop->members, n, m), *crowd = calloc((size_t)n + 1, sizeof *crowd);
    int *rank = calloc((size_t)n + 1, sizeof *rank);
    int rc = obj && crowd && rank ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory sorting %d members", n);
    if (!rc)
        rc = pareto_rank(obj, n, m, rank, err);
    if (!rc)
        rc = pareto_crowding(obj, n, m, rank, crowd, err);
    for (int i = 0; !rc && i < n; i++) {
        pop->members[i].front = rank[i];
        pop->members[i].crowd = crowd[i];
    }
    free(obj);
    free(crowd);
    free(rank);
    return rc;
}

/* The P best of pool[n] (n >= P) in the crowded order, into the population, which is then sorted;
 * *kept_last: whether pool[n - 1] is among them. */
static int keep_best(ga_population *pop, const ga_individual *pool, int n, int *kept_last, evo_error *err)
{
    double *obj = objective_matrix(pool, n, pop->objectives);
    int *order = calloc((size_t)n + 1, sizeof *order);
    *kept_last = 0;
    int rc = obj && order ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory selecting from %d", n);
    if (!rc)
        rc = pareto_order(obj, n, pop->objectives, order, err);
    for (int i = 0; !rc && i < pop->size; i++) {
        pop->members[i] = pool[order[i]];
        *kept_last |= order[i] == n - 1;
    }
    free(obj);
    free(order);
    return rc ? rc : ga_pareto_sort(pop, err);
}

int ga_nsga_survivors(ga_population *pop, const ga_individual *children, int n, evo_error *err)
{
    ga_individual *pool = malloc(sizeof *pool * (size_t)(pop->size + n));
    if (!pool)
        return evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory for %d survivors' pool", pop->size + n);
    memcpy(pool, pop->members, sizeof *pool * (size_t)pop->size);
    memcpy(pool + pop->size, children, sizeof *pool * (size_t)n);
    int kept_last;
    int rc = keep_best(pop, pool, pop->size + n, &kept_last, err);
    free(pool);
    return rc;
}

int ga_nsga_insert(ga_population *pop, const ga_individual *child, int *entered, evo_error *err)
{
    *entered = 0;
    ga_individual *pool = malloc(sizeof *pool * (size_t)(pop->size + 1));
    if (!pool)
        return evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory inserting a child");
    memcpy(pool, pop->members, sizeof *pool * (size_t)pop->size);
    pool[pop->size] = *child;
    int rc = keep_best(pop, pool, pop->size + 1, entered, err);
    free(pool);
    return rc;
}

int ga_steady_insert(ga_population *pop, const ga_individual *child)
{
    if (!(child->fitness > -INFINITY)) /* failed (-inf) or not evaluated (NaN) */
        return 0;
    int w = worst_member(pop);
    if (compare_members(child, &pop->members[w]) < 0)
        return 0;
    pop->members[w] = *child;
    return 1;
}

/* ---------------------------------------------------------------- statistics */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ga_population_stats(const ga_population *pop, ga_stats *out)
{
    memset(out, 0, sizeof *out);
    out->best = out->mean = out->median = out->sd = NAN;
    out->diversity = ga_diversity(pop);
    double *f = malloc((size_t)pop->size * sizeof *f), sum = 0;
    int n = 0;
    for (int i = 0; i < pop->size; i++) {
        double v = pop->members[i].fitness;
        out->failures += v == -INFINITY;
        if (!isfinite(v))
            continue;
        out->best = n == 0 || v > out->best ? v : out->best;
        sum += v;
        if (f)
            f[n] = v;
        n++;
    }
    if (n > 0) {
        double ss = 0;
        out->mean = sum / n;
        for (int i = 0; i < pop->size; i++)
            if (isfinite(pop->members[i].fitness))
                ss += (pop->members[i].fitness - out->mean) * (pop->members[i].fitness - out->mean);
        out->sd = n > 1 ? sqrt(ss / (n - 1)) : 0; /* sample sd, denominator n - 1 */
        if (f) { /* without memory the median stays NaN */
            qsort(f, (size_t)n, sizeof *f, compare_doubles);
            out->median = n % 2 ? f[n / 2] : 0.5 * (f[n / 2 - 1] + f[n / 2]);
        }
    }
    free(f);
}

/* ---------------------------------------------------------------- duplicate cache */

/* Open addressing with linear probing over cap = 2^k slots; an empty key marks a free slot (genome
 * keys are never empty). The table grows (doubles) before it is 3/4 full. */

static size_t cache_slot(const ga_cache *c, const char *key)
{
    size_t mask = c->cap - 1, i = (size_t)hash_fnv1a(key, strlen(key)) & mask;
    while (c->keys[i][0] && strcmp(c->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int cache_alloc(ga_cache *c, size_t cap, evo_error *err)
{
    memset(c, 0, sizeof *c);
    if (cap > SIZE_MAX / GENOME_KEY_MAX)
        return evo_fail(err, EVO_ERR_NOMEM, "ga: a duplicate cache of %zu slots is too large.", cap);
    c->keys = calloc(cap, sizeof *c->keys);
    c->ids = calloc(cap, sizeof *c->ids);
    c->fitness = calloc(cap, sizeof *c->fitness);
    if (!c->keys || !c->ids || !c->fitness) {
        ga_cache_free(c);
        return evo_fail(err, EVO_ERR_NOMEM, "ga: out of memory for a duplicate cache of %zu keys "
                        "(%zu MiB).", cap, cap * GENOME_KEY_MAX >> 20);
    }
    c->cap = cap;
    return EVO_OK;
}

int ga_cache_create(ga_cache *c, size_t expected, evo_error *err)
{
    size_t cap = CACHE_MIN_CAP;
    while (cap / 4 * 3 <= expected && cap <= SIZE_MAX / 4)
        cap *= 2;
    return cache_alloc(c, cap, err);
}

void ga_cache_free(ga_cache *c)
{
    if (!c)
        return;
    free(c->keys);
    free(c->ids);
    free(c->fitness);
    memset(c, 0, sizeof *c);
}

int ga_cache_get(const ga_cache *c, const char *key, int64_t *id, double *fitness)
{
    if (c->cap == 0 || !key[0])
        return 0;
    size_t i = cache_slot(c, key);
    if (!c->keys[i][0])
        return 0;
    *id = c->ids[i];
    *fitness = c->fitness[i];
    return 1;
}

/* Move every entry of c into a table of twice the slots. */
static int cache_grow(ga_cache *c, evo_error *err)
{
    ga_cache bigger;
    int rc = cache_alloc(&bigger, c->cap * 2, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->keys[i][0])
            continue;
        size_t j = cache_slot(&bigger, c->keys[i]);
        memcpy(bigger.keys[j], c->keys[i], GENOME_KEY_MAX);
        bigger.ids[j] = c->ids[i];
        bigger.fitness[j] = c->fitness[i];
        bigger.count++;
    }
    ga_cache_free(c);
    *c = bigger;
    return EVO_OK;
}

int ga_cache_put(ga_cache *c, const char *key, int64_t id, double fitness, evo_error *err)
{
    size_t len = strlen(key);
    if (len == 0 || len >= GENOME_KEY_MAX)
        return evo_fail(err, EVO_ERR_INTERNAL, "ga: a cache key must have 1 to %d characters, not %zu.",
                        GENOME_KEY_MAX - 1, len);
    if (c->cap == 0) { /* a zeroed cache starts small */
        int rc = cache_alloc(c, CACHE_MIN_CAP, err);
        if (rc)
            return rc;
    }
    size_t i = cache_slot(c, key);
    if (c->keys[i][0]) /* known: the first evaluation stays */
        return EVO_OK;
    if ((c->count + 1) * 4 > c->cap * 3) {
        int rc = cache_grow(c, err);
        if (rc)
            return rc;
        i = cache_slot(c, key);
    }
    memcpy(c->keys[i], key, len + 1);
    c->ids[i] = id;
    c->fitness[i] = fitness;
    c->count++;
    return EVO_OK;
}

/* ---------------------------------------------------------------- stopping */

ga_stop ga_should_stop(const ga_progress *p, const evo_config *cfg)
{
    if (p->generation >= cfg->ga.generations)
        return GA_STOP_GENERATIONS;
    if (cfg->ga.max_evaluations > 0 && p->evaluations >= cfg->ga.max_evaluations)
        return GA_STOP_EVALUATIONS;
    if (cfg->ga.max_seconds > 0 && p->seconds >= cfg->ga.max_seconds)
        return GA_STOP_TIME;
    if (cfg->ga.patience > 0 && p->stale >= cfg->ga.patience)
        return GA_STOP_STALE;
    return GA_CONTINUE;
}
