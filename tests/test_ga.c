/* Tests of ga, without MPI: the operators keep every gene inside the search space, crossover takes genes
 * from the parents, mutation's rates and log-scale symmetry, tournament pressure against its formula,
 * elitism, immigrants, reproducible breeding, steady-state replacement, the duplicate cache, population
 * statistics by hand, the stopping rules, and an end-to-end search of a cheap analytic fitness defined
 * here (not in the library) against random search. Configurations are parsed from YAML text; every
 * random stream has a fixed seed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/ga.h"

#define SOURCE "data: {prices: p.csv}\n"

/* Every form of gene: lists, single values (a list of one), log-scale ranges of reals and integers,
 * linear ranges, restricted choice and set genes (the genome suite's mixed space). */
#define MIXED_SPACE                                                                                          \
    SOURCE "search:\n"                                                                                       \
           "  model: [asset, portfolio]\n"                                                                   \
           "  objective: sortino\n"                                                                          \
           "  layers: {min: 1, max: 3}\n"                                                                    \
           "  hidden: {min: 4, max: 40}\n"                                                                   \
           "  seq_len: [5, 10, 40]\n"                                                                        \
           "  lr: {min: 0.000001, max: 0.01}\n"                                                              \
           "  weight_decay: [0, 0.001, 0.01]\n"                                                              \
           "  dropout: {min: 0.1, max: 0.5}\n"                                                               \
           "  batch: 32\n"                                                                                   \
           "  steps: {min: 7, max: 9}\n"                                                                    \
           "  features: [ret5, vol60, macd]\n"                                                               \
           "  strategies: [ew, invvol, erc, momentum]\n"                                                     \
           "  rebalance: [1, 5, 21]\n"

/* Every gene but strategies has at least 2 values and is always used (2+ layers, no portfolio model),
 * so a mutation at rate 1 can change 12 of the 13 genes. */
#define MOVABLE_SPACE                                                                                        \
    SOURCE "search:\n"                                                                                       \
           "  model: [asset, shared]\n"                                                                      \
           "  layers: {min: 2, max: 3}\n"                                                                    \
           "  hidden: {min: 4, max: 64}\n"                                                                   \
           "  lr: {min: 0.000001, max: 0.01}\n"                                                              \
           "  weight_decay: [0, 0.0001, 0.01]\n"                                                             \
           "  dropout: {min: 0.1, max: 0.5}\n"                                                               \
           "  batch: [16, 32, 64]\n"                                                                   \
           "  arch: lstm\n"

static void parse(const char *yaml, evo_config *cfg)
{
    evo_error err = {0};
    cr_assert_eq(config_parse(yaml, strlen(yaml), "t.yaml", cfg, &err), EVO_OK, "%s\n%s", err.msg, yaml);
}

static unsigned bit(int b)
{
    return 1u << b;
}

static int in_range(double v, const evo_gene_range *r)
{
    if (r->form == GENE_RANGE)
        return v >= r->min && v <= r->max;
    for (int i = 0; i < r->n; i++)
        if (v == r->values[i])
            return 1;
    return 0;
}

/* Every gene of g inside cfg's search space, with the right type, checked here independently of
 * genome_validate, then genome_validate too; g is normalised (normalising again changes nothing). */
static void assert_inside(const evo_genome *g, const evo_config *cfg, const char *what, int i)
{
    char key[GENOME_KEY_MAX];
    genome_key(g, key);
    cr_assert(g->model >= 0 && g->model < MODEL_KIND_COUNT && (bit(g->model) & cfg->search.model),
              "%s %d: model outside: %s", what, i, key);
    cr_assert(g->objective >= 0 && g->objective < OBJECTIVE_COUNT &&
                  (bit(g->objective) & cfg->search.objective),
              "%s %d: objective outside: %s", what, i, key);
    const struct {
        double v;
        const evo_gene_range *r;
        const char *name;
    } num[] = {
        {g->layers, &cfg->search.layers, "layers"},
        {g->hidden, &cfg->search.hidden, "hidden"},
        {g->seq_len, &cfg->search.seq_len, "seq_len"},
        {g->lr, &cfg->search.lr, "lr"},
        {g->weight_decay, &cfg->search.weight_decay, "weight_decay"},
        {g->batch, &cfg->search.batch, "batch"},
        {g->steps, &cfg->search.steps, "steps"},
        {g->rebalance, &cfg->search.rebalance, "rebalance"},
    };
    const int linear = g->model == MODEL_LINEAR, attention = g->arch == ARCH_ATTENTION;
    for (size_t j = linear ? 3 : 0; j < sizeof num / sizeof num[0]; j++)
        cr_assert((attention && num[j].r == &cfg->search.hidden) || in_range(num[j].v, num[j].r),
                  "%s %d: %s = %.17g outside: %s", what, i, num[j].name, num[j].v, key);
    cr_assert(g->arch >= 0 && g->arch < ARCH_COUNT && (bit(g->arch) & cfg->search.arch), "%s %d: arch outside: %s",
              what, i, key);
    if (attention) /* no LSTM units; d_model a multiple of heads */
        cr_assert(!linear && g->hidden == 0 && in_range(g->d_model, &cfg->search.d_model) &&
                      in_range(g->heads, &cfg->search.heads) && in_range(g->ff, &cfg->search.ff) &&
                      g->d_model % g->heads == 0,
                  "%s %d: attention genes: %s", what, i, key);
    else
        cr_assert(g->d_model == 0 && g->heads == 0 && g->ff == 0, "%s %d: an LSTM's attention genes: %s", what, i,
                  key);
    if (linear)
        cr_assert(g->layers == 0 && g->hidden == 0 && g->seq_len == 1 && g->dropout == 0 && !attention,
                  "%s %d: linear: %s", what, i, key);
    else if (attention)
        cr_assert(in_range(g->dropout, &cfg->search.dropout), "%s %d: attention dropout %.17g", what, i, g->dropout);
    else if (g->layers == 1)
        cr_assert_eq(g->dropout, 0.0, "%s %d: one layer keeps dropout 0: %s", what, i, key);
    else
        cr_assert(in_range(g->dropout, &cfg->search.dropout), "%s %d: dropout %.17g", what, i, g->dropout);
    cr_assert(g->features && !(g->features & ~cfg->search.features), "%s %d: features: %s", what, i, key);
    if (g->model == MODEL_PORTFOLIO) {
        cr_assert_eq(g->features, cfg->search.features, "%s %d: portfolio reads every feature", what, i);
        cr_assert(__builtin_popcount(g->strategies) >= 2 && !(g->strategies & ~cfg->search.strategies),
                  "%s %d: strategies: %s", what, i, key);
    } else {
        cr_assert_eq(g->strategies, 0u, "%s %d: strategies of a non-portfolio model: %s", what, i, key);
    }
    evo_error err = {0};
    cr_assert_eq(genome_validate(g, cfg, &err), EVO_OK, "%s %d: %s: %s", what, i, key, err.msg);
    evo_genome again = *g;
    genome_normalise(&again, cfg);
    char key2[GENOME_KEY_MAX];
    genome_key(&again, key2);
    cr_assert_str_eq(key, key2, "%s %d: not normalised", what, i);
}

/* A population of random members with ids 1..n and the given fitness. */
static void make_population(ga_population *pop, const evo_config *cfg, const double *fitness, int n,
                            uint64_t seed)
{
    evo_error err = {0};
    evo_rng rng;
    rng_seed(&rng, seed);
    cr_assert_eq(ga_population_create(pop, n, &err), EVO_OK, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        ga_random(&pop->members[i], cfg, ORIGIN_RANDOM, &rng);
        pop->members[i].id = i + 1;
        pop->members[i].fitness = fitness ? fitness[i] : -(double)i;
    }
}

static int same_genome(const evo_genome *a, const evo_genome *b)
{
    for (int k = 0; k < GENE_COUNT; k++)
        if (genome_gene_get(a, (evo_gene)k) != genome_gene_get(b, (evo_gene)k))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- operators stay in the space */

Test(ga, operators_stay_in_the_search_space,
     .description = "2 spaces x 1500 rounds: random, crossover, mutation at 4 rates, a 1500-step walk")
{
    const char *spaces[] = {SOURCE, MIXED_SPACE};
    const double rates[] = {0.05, 0.2, 0.6, 1.0};
    for (int s = 0; s < 2; s++) {
        evo_config cfg;
        parse(spaces[s], &cfg);
        evo_rng rng;
        rng_seed(&rng, 100 + (uint64_t)s);
        ga_individual walker;
        ga_random(&walker, &cfg, ORIGIN_RANDOM, &rng);
        for (int i = 0; i < 1500; i++) {
            ga_individual a, b;
            ga_random(&a, &cfg, ORIGIN_RANDOM, &rng);
            ga_random(&b, &cfg, ORIGIN_RANDOM, &rng);
            assert_inside(&a.genome, &cfg, "random", i);
            evo_genome child;
            ga_crossover(&child, &a.genome, &b.genome, &cfg, &rng);
            assert_inside(&child, &cfg, "crossover", i);
            for (int r = 0; r < 4; r++) {
                evo_genome m = child;
                ga_mutate(&m, rates[r], &cfg, &rng);
                assert_inside(&m, &cfg, "mutation", i);
            }
            /* A long walk reaches the bounds and every list end, where clipping matters. */
            ga_mutate(&walker.genome, 0.3, &cfg, &rng);
            assert_inside(&walker.genome, &cfg, "walk", i);
            /* Crossing with itself in place (child aliases a parent). */
            ga_crossover(&a.genome, &a.genome, &walker.genome, &cfg, &rng);
            assert_inside(&a.genome, &cfg, "aliased crossover", i);
        }
        config_free(&cfg);
    }
}

Test(ga, mutation_moves_one_set_name_and_keeps_sets_valid,
     .description = "a set mutation adds or drops one name; a lone feature / 2 strategies never fall below")
{
    evo_config cfg;
    parse(SOURCE "search: {model: [asset, portfolio], features: [ret1, vol20, macd],"
                 " strategies: [ew, erc, momentum]}\n",
          &cfg);
    evo_rng rng;
    rng_seed(&rng, 5);
    /* Only the set genes move (rate 1 on a genome whose other genes cannot: single values). */
    evo_config fixed;
    parse(SOURCE "search: {model: asset, objective: sharpe, layers: 1, hidden: 8, seq_len: 10, lr: 0.001,"
                 " weight_decay: 0, batch: 16, steps: 5, features: [ret1, vol20, macd], rebalance: 5, arch: lstm}\n",
          &fixed);
    int swapped = 0, grown = 0;
    for (int i = 0; i < 3000; i++) {
        evo_genome g, m;
        genome_random(&g, &fixed, &rng);
        g.features = bit(FEATURE_RET1) | (i % 2 ? bit(FEATURE_MACD) : 0);
        m = g;
        int changed = ga_mutate(&m, 1.0, &fixed, &rng);
        cr_assert_eq(changed, m.features != g.features, "round %d: only features can change", i);
        assert_inside(&m, &fixed, "set mutation", i);
        int distance = __builtin_popcount(m.features ^ g.features);
        if (i % 2) { /* two names: one goes in or out */
            cr_assert_eq(distance, 1, "round %d: features %#x -> %#x", i, g.features, m.features);
        } else { /* a lone ret1: gains a name, or loses it and gets a random one back (maybe itself) */
            cr_assert(distance == 1 || __builtin_popcount(m.features) == 1, "round %d: features %#x -> %#x",
                      i, g.features, m.features);
            swapped += distance == 2;
            grown += distance == 1;
        }
    }
    /* From {ret1}: vol20 or macd goes in (2/3: 1000 of 1500 expected), or ret1 goes out and one of the
     * other two comes back (1/3 x 2/3: 333 expected; ret1 itself 1/9). Binomial sds are 18 and 16, so
     * 800 and 200 are > 8 sd below. */
    cr_assert(swapped > 200 && grown > 800, "swapped %d, grown %d of 1500", swapped, grown);
    config_free(&fixed);

    /* The portfolio's 2 strategies of 3: erc goes in (1/3), or one goes out, leaving 1, and one of the
     * other two comes back (2/3: a new pair 1/3, the same pair 1/3). Expected 667 of 2000 each, sd 21. */
    parse(SOURCE "search: {model: portfolio, objective: sharpe, layers: 1, hidden: 8, seq_len: 10, lr: 0.001,"
                 " weight_decay: 0, batch: 16, steps: 5, strategies: [ew, erc, momentum], rebalance: 5}\n",
          &fixed);
    int three = 0, other_pair = 0;
    for (int i = 0; i < 2000; i++) {
        evo_genome g;
        genome_random(&g, &fixed, &rng);
        g.strategies = bit(STRATEGY_EW) | bit(STRATEGY_MOMENTUM);
        ga_mutate(&g, 1.0, &fixed, &rng);
        assert_inside(&g, &fixed, "strategy mutation", i);
        three += __builtin_popcount(g.strategies) == 3;
        other_pair += __builtin_popcount(g.strategies) == 2 && g.strategies != (bit(STRATEGY_EW) | bit(STRATEGY_MOMENTUM));
    }
    cr_assert(three > 500 && three < 833 && other_pair > 500 && other_pair < 833, "3 strategies %d, another pair %d",
              three, other_pair);
    config_free(&fixed);

    /* Crossover of disjoint sets: the per-bit mix is often empty (features) or a single strategy. */
    evo_genome a, b;
    genome_random(&a, &cfg, &rng);
    a.model = MODEL_ASSET;
    a.features = bit(FEATURE_RET1);
    genome_normalise(&a, &cfg);
    b = a;
    b.features = bit(FEATURE_VOL20);
    evo_genome pa = a, pb = a;
    pa.model = pb.model = MODEL_PORTFOLIO;
    pa.strategies = bit(STRATEGY_EW) | bit(STRATEGY_ERC);
    pb.strategies = bit(STRATEGY_MOMENTUM) | bit(STRATEGY_ERC);
    genome_normalise(&pa, &cfg);
    genome_normalise(&pb, &cfg);
    for (int i = 0; i < 500; i++) {
        evo_genome c;
        ga_crossover(&c, &a, &b, &cfg, &rng);
        assert_inside(&c, &cfg, "feature crossover", i);
        cr_assert(c.features != 0 && !(c.features & ~(a.features | b.features)));
        ga_crossover(&c, &pa, &pb, &cfg, &rng);
        assert_inside(&c, &cfg, "strategy crossover", i);
        cr_assert(!(c.strategies & ~(pa.strategies | pb.strategies)), "strategies from the parents only");
    }
    config_free(&cfg);
}

/* ---------------------------------------------------------------- crossover */

Test(ga, crossover_takes_each_gene_from_a_parent,
     .description = "each used gene equals a parent's; a&b <= sets <= a|b; each parent ~half the genes")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_rng rng;
    rng_seed(&rng, 11);
    for (int i = 0; i < 3000; i++) {
        evo_genome a, b, c;
        genome_random(&a, &cfg, &rng);
        genome_random(&b, &cfg, &rng);
        ga_crossover(&c, &a, &b, &cfg, &rng);
        for (int k = 0; k < GENE_COUNT; k++) {
            if (!genome_gene_used(&c, (evo_gene)k))
                continue;
            double vc = genome_gene_get(&c, (evo_gene)k), va = genome_gene_get(&a, (evo_gene)k),
                   vb = genome_gene_get(&b, (evo_gene)k);
            if (k == GENE_D_MODEL) { /* a parent's, or the multiple of the child's heads nearest to it */
                cr_assert(fabs(vc - va) < c.heads || fabs(vc - vb) < c.heads, "round %d: d_model = %g, not near "
                          "a parent's (%g, %g) with %d heads", i, vc, va, vb, c.heads);
                continue;
            }
            if (genome_genes[k].kind != GENE_KIND_SET) {
                cr_assert(vc == va || vc == vb, "round %d: %s = %g from neither parent (%g, %g)", i,
                          genome_genes[k].name, vc, va, vb);
                continue;
            }
            /* A parent that does not use the set contributes nothing to it. */
            unsigned sc = (unsigned)vc, sa = genome_gene_used(&a, (evo_gene)k) ? (unsigned)va : 0,
                     sb = genome_gene_used(&b, (evo_gene)k) ? (unsigned)vb : 0;
            unsigned both = genome_gene_used(&a, (evo_gene)k) && genome_gene_used(&b, (evo_gene)k) ? sa & sb : 0;
            cr_assert(!(sc & ~(sa | sb)), "round %d: %s has a bit neither parent has", i, genome_genes[k].name);
            cr_assert_eq(sc & both, both, "round %d: %s lost a bit both parents have", i, genome_genes[k].name);
        }
    }

    /* Two parents that differ in every gene and use every gene but strategies: each gene (and each
     * feature bit where they differ) comes from a with probability 1/2. Over N = 2000 children a share
     * has sd sqrt(0.25 / N) = 0.0112; 0.045 is 4 sd. Always taking a (or b) misses by 0.5. */
    evo_genome a = {0}, b = {0};
    a.model = MODEL_ASSET, b.model = MODEL_SHARED;
    a.objective = OBJECTIVE_SHARPE, b.objective = OBJECTIVE_MEANVAR;
    a.layers = 2, b.layers = 1; /* dropout: used by a only, so it always comes from a */
    a.hidden = 8, b.hidden = 64;
    a.seq_len = 10, b.seq_len = 60;
    a.lr = 0.001, b.lr = 0.005;
    a.weight_decay = 1e-5, b.weight_decay = 1e-3;
    a.dropout = 0.2;
    a.batch = 16, b.batch = 128;
    a.steps = 150, b.steps = 1500;
    a.features = bit(FEATURE_RET1) | bit(FEATURE_RET5), b.features = bit(FEATURE_RET5) | bit(FEATURE_MACD);
    a.rebalance = 1, b.rebalance = 21;
    genome_normalise(&a, &cfg);
    genome_normalise(&b, &cfg);
    enum { N = 2000 };
    int from_a[GENE_COUNT] = {0}, ret1 = 0, macd = 0, ret5 = 0, dropout_a = 0, dropout_used = 0;
    for (int i = 0; i < N; i++) {
        evo_genome c;
        ga_crossover(&c, &a, &b, &cfg, &rng);
        for (int k = 0; k < GENE_COUNT; k++)
            from_a[k] += genome_gene_get(&c, (evo_gene)k) == genome_gene_get(&a, (evo_gene)k);
        ret1 += (c.features & bit(FEATURE_RET1)) != 0;
        macd += (c.features & bit(FEATURE_MACD)) != 0;
        ret5 += (c.features & bit(FEATURE_RET5)) != 0;
        dropout_used += c.layers > 1;
        dropout_a += c.layers > 1 && c.dropout == a.dropout;
    }
    const evo_gene single[] = {GENE_MODEL, GENE_OBJECTIVE, GENE_LAYERS, GENE_HIDDEN, GENE_SEQ_LEN, GENE_LR,
                               GENE_WEIGHT_DECAY, GENE_BATCH, GENE_STEPS, GENE_REBALANCE};
    for (size_t j = 0; j < sizeof single / sizeof single[0]; j++)
        cr_assert_float_eq((double)from_a[single[j]] / N, 0.5, 0.045, "%s from a in %d of %d",
                           genome_genes[single[j]].name, from_a[single[j]], N);
    cr_assert_float_eq((double)ret1 / N, 0.5, 0.045, "ret1 (a only) in %d of %d", ret1, N);
    /* ret5 is in both parents, so the mix is never empty and no name is added back: macd (b only)
     * stays at 1/2 too. */
    cr_assert_float_eq((double)macd / N, 0.5, 0.045, "macd (b only) in %d of %d", macd, N);
    cr_assert_eq(ret5, N, "ret5 is in both parents, so in every child");
    cr_assert_eq(dropout_a, dropout_used, "dropout always from the parent that uses it");
    config_free(&cfg);
}

Test(ga, crossover_keeps_portfolio_strategies,
     .description = "portfolio x asset: the child of the portfolio model gets the portfolio parent's strategies")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_rng rng;
    rng_seed(&rng, 12);
    evo_genome p, q;
    genome_random(&p, &cfg, &rng);
    q = p;
    p.model = MODEL_PORTFOLIO;
    p.strategies = bit(STRATEGY_MINVAR) | bit(STRATEGY_ERC) | bit(STRATEGY_MOMENTUM);
    q.model = MODEL_ASSET;
    q.features = bit(FEATURE_RSI14);
    genome_normalise(&p, &cfg);
    genome_normalise(&q, &cfg);
    int portfolio = 0, asset = 0;
    for (int i = 0; i < 1000; i++) {
        evo_genome c;
        ga_crossover(&c, &p, &q, &cfg, &rng);
        if (c.model == MODEL_PORTFOLIO) {
            portfolio++;
            cr_assert_eq(c.strategies, p.strategies, "round %d: the portfolio parent's strategies", i);
        } else {
            asset++;
            cr_assert_eq(c.features, q.features, "round %d: the asset parent's features", i);
        }
    }
    cr_assert(portfolio > 400 && asset > 400, "model from either parent: %d %d", portfolio, asset);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- mutation */

Test(ga, mutation_rate_0_changes_nothing, .description = "1000 random genomes, 2 spaces: same genes, returns 0")
{
    const char *spaces[] = {SOURCE, MIXED_SPACE};
    for (int s = 0; s < 2; s++) {
        evo_config cfg;
        parse(spaces[s], &cfg);
        evo_rng rng;
        rng_seed(&rng, 21);
        for (int i = 0; i < 1000; i++) {
            evo_genome g, m;
            genome_random(&g, &cfg, &rng);
            m = g;
            cr_assert_eq(ga_mutate(&m, 0.0, &cfg, &rng), 0, "round %d", i);
            cr_assert(same_genome(&g, &m), "round %d: a gene changed at rate 0", i);
        }
        config_free(&cfg);
    }
}

Test(ga, mutation_rate_1_changes_nearly_every_gene,
     .description = "12 movable genes: rate 1 changes all 12 in >= 97% of 2000 mutations")
{
    /* Each movable gene changes at rate 1 unless 8 redraws in a row are clipped back onto a bound
     * (at most 2^-8 per gene for a step that is outward half the time), a real rounds back to itself
     * (sd of a step >> 4 significant digits here), or a lone feature is dropped and drawn again (1/11 x
     * 1/11 at most): P(all 12 change) > 1 - 11/256 - 1/121 = 0.95 in the worst case of every gene at a
     * bound; starting from random genomes few sit on a bound (layers always does: 2^-8), so 97% is
     * conservative yet fails at once if a gene is skipped. */
    evo_config cfg;
    parse(MOVABLE_SPACE, &cfg);
    evo_rng rng;
    rng_seed(&rng, 22);
    enum { N = 2000 };
    int all = 0;
    for (int i = 0; i < N; i++) {
        evo_genome g, m;
        genome_random(&g, &cfg, &rng);
        m = g;
        int changed = ga_mutate(&m, 1.0, &cfg, &rng), counted = 0;
        for (int k = 0; k < GENE_COUNT; k++)
            counted += genome_gene_get(&g, (evo_gene)k) != genome_gene_get(&m, (evo_gene)k);
        cr_assert_eq(changed, counted, "round %d: the return value counts changed genes", i);
        cr_assert_leq(changed, 12, "strategies and the attention genes cannot change here");
        all += changed == 12;
        assert_inside(&m, &cfg, "rate 1", i);
    }
    cr_assert_geq(all, N * 97 / 100, "all 12 movable genes changed in only %d of %d", all, N);

    /* In between, rate 0.25 changes a quarter of the 12 movable genes: 3 on average. The count per
     * mutation is about Binomial(12, 1/4), sd 1.5, so the mean of N = 2000 has sd 0.034: 0.15 is 4 sd. */
    double mean = 0;
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        mean += ga_mutate(&g, 0.25, &cfg, &rng) / (double)N;
    }
    cr_assert(fabs(mean - 3) < 0.15, "mean genes changed at rate 0.25: %g, expected 3", mean);
    config_free(&cfg);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(ga, mutation_is_symmetric_in_log_space,
     .description = "lr at the log-centre of [1e-6, 1e-2]: log ratios have median, mean ~0, IQR of sd 0.3 log range")
{
    /* lr = 1e-4 is the geometric centre of [1e-6, 1e-2]; a step is ln(new/old) ~ N(0, s^2) with
     * s = 0.3 ln(1e4) = 2.763, clipped at +-ln(100) = +-4.605 (1.67 s, 4.8% each side, symmetric).
     * Over N = 4000 mutations:
     *  - the median's sd is 1.2533 s / sqrt(N) = 0.055: 0.22 is 4 sd;
     *  - the mean's sd is below s / sqrt(N) = 0.044 (clipping shrinks it): 0.18 is 4 sd;
     *  - quartiles +-0.6745 s = +-1.864 (inside the clip), IQR 3.728; a quartile's sd is
     *    sqrt(3/16 / N) / phi(0.6745) s = 0.060, so IQR and q25 + q75 have sd <= 0.12: 0.5 is > 4 sd.
     * A linear-space step (sd 0.15 of the range = 1.5e-3 around 1e-4) clips half the draws to 1e-6:
     * mean and q25 + q75 off by > 2; a step of the wrong sd moves the IQR by > 1. */
    evo_config cfg;
    parse(SOURCE "search: {lr: {min: 0.000001, max: 0.01}}\n", &cfg);
    evo_rng rng;
    rng_seed(&rng, 23);
    evo_genome g;
    genome_random(&g, &cfg, &rng);
    g.lr = 1e-4;
    genome_normalise(&g, &cfg);
    enum { N = 4000 };
    static double logr[N];
    double mean = 0;
    for (int i = 0; i < N; i++) {
        evo_genome m = g;
        ga_mutate(&m, 1.0, &cfg, &rng);
        logr[i] = log(m.lr / g.lr);
        mean += logr[i] / N;
    }
    qsort(logr, N, sizeof logr[0], compare_doubles);
    double median = 0.5 * (logr[N / 2 - 1] + logr[N / 2]), q25 = logr[N / 4], q75 = logr[3 * N / 4];
    cr_assert(fabs(median) < 0.22, "median ratio %g (log %g)", exp(median), median);
    cr_assert(fabs(mean) < 0.18, "mean log ratio %g", mean);
    cr_assert(fabs(q25 + q75) < 0.5, "quartiles of the log ratio %g, %g are not symmetric", q25, q75);
    cr_assert(fabs((q75 - q25) - 1.349 * 0.3 * log(1e4)) < 0.5, "IQR %g, expected 3.728", q75 - q25);
    config_free(&cfg);
}

Test(ga, mutation_steps_integers_and_lists_to_neighbours,
     .description = "integers step by 1..10% of the range; list values move to the next value")
{
    /* rebalance in 5..105: a step is +-U{1..10}; seq_len list [5, 10, 40, 20] moves to the next value in
     * size (written out of order on purpose); batch 16 alone never moves. */
    evo_config cfg;
    parse(SOURCE "search: {model: [asset], rebalance: {min: 5, max: 105}, seq_len: [5, 10, 40, 20], batch: 16}\n",
          &cfg);
    evo_rng rng;
    rng_seed(&rng, 24);
    int max_step = 0, down = 0, to10 = 0, to40 = 0;
    for (int i = 0; i < 2000; i++) {
        evo_genome g, m;
        genome_random(&g, &cfg, &rng);
        g.rebalance = 50;
        g.seq_len = 20;
        m = g;
        ga_mutate(&m, 1.0, &cfg, &rng);
        int step = abs(m.rebalance - 50);
        cr_assert(step >= 1 && step <= 10, "rebalance 50 -> %d", m.rebalance);
        max_step = step > max_step ? step : max_step;
        down += m.rebalance < 50;
        cr_assert(m.seq_len == 10 || m.seq_len == 40, "seq_len 20 -> %d, not a neighbour", m.seq_len);
        to10 += m.seq_len == 10;
        to40 += m.seq_len == 40;
        cr_assert_eq(m.batch, 16);
    }
    /* Each direction and neighbour with probability 1/2: sd over 2000 is 22, 4 sd = 90. */
    cr_assert_eq(max_step, 10, "the largest step is 10% of the range");
    cr_assert(abs(down - 1000) < 90, "rebalance went down %d times of 2000", down);
    cr_assert(abs(to10 - 1000) < 90 && to10 + to40 == 2000, "seq_len 10: %d, 40: %d", to10, to40);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- selection */

Test(ga, tournament_pressure_matches_theory,
     .description = "P(best of P) = 1 - (1 - 1/P)^k within 4 sd for k = 1, 2, 3, 5; k = 1 is uniform")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    enum { P = 10, N = 20000 };
    double fitness[P];
    for (int i = 0; i < P; i++) /* the best sits in the middle, so an index bias cannot pass for it */
        fitness[i] = i == 6 ? 10 : (double)(i % 5);
    ga_population pop;
    make_population(&pop, &cfg, fitness, P, 31);
    evo_rng rng;
    rng_seed(&rng, 32);
    const int ks[] = {1, 2, 3, 5};
    for (int j = 0; j < 4; j++) {
        int hits = 0, count[P] = {0};
        for (int i = 0; i < N; i++) {
            int w = ga_tournament(&pop, ks[j], &rng);
            cr_assert(w >= 0 && w < P);
            count[w]++;
            hits += w == 6;
        }
        double p = 1 - pow(1 - 1.0 / P, ks[j]), sd = sqrt(p * (1 - p) / N);
        cr_assert(fabs((double)hits / N - p) < 4 * sd, "k = %d: best picked %d of %d, expected %g +- %g", ks[j],
                  hits, N, p * N, 4 * sd * N);
        if (ks[j] == 1) /* every member 1/P: sd of a count sqrt(N p (1-p)) = 42.4 */
            for (int i = 0; i < P; i++)
                cr_assert(fabs(count[i] - (double)N / P) < 4 * sqrt(N * 0.1 * 0.9), "k = 1: member %d picked %d times",
                          i, count[i]);
    }
    /* Without replacement k = 3 would give 3/10 = 0.3 against 0.271: 9 sd away, so the test can tell. */
    ga_population_free(&pop);
    config_free(&cfg);
}

Test(ga, tournament_and_best_break_ties_by_lower_index,
     .description = "equal fitness: the lower index; NaN loses to -inf members by index only")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    ga_population pop;
    const double fitness[] = {1.0, 3.0, 3.0, 2.0};
    make_population(&pop, &cfg, fitness, 4, 33);
    cr_assert_eq(ga_best(&pop), 1);
    evo_rng rng;
    rng_seed(&rng, 34);
    /* k = 60 draws from 4: both 1 and 2 are drawn except with probability < 2 (3/4)^60 = 6e-8. */
    for (int i = 0; i < 200; i++)
        cr_assert_eq(ga_tournament(&pop, 60, &rng), 1, "ties go to the lower index");
    pop.members[1].fitness = NAN; /* not evaluated: counts as -inf */
    cr_assert_eq(ga_best(&pop), 2);
    pop.members[0].fitness = pop.members[2].fitness = pop.members[3].fitness = -INFINITY;
    cr_assert_eq(ga_best(&pop), 0, "all -inf or NaN: the lowest index");
    ga_population_free(&pop);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- breeding */

Test(ga, elitism_keeps_the_best_unchanged,
     .description = "elite 3: the 3 best finite members first, genomes, ids, parents and fitness kept")
{
    evo_config cfg;
    parse(SOURCE "ga: {population: 8, elite: 3}\n", &cfg);
    const double fitness[] = {0.5, -INFINITY, 2.0, 1.0, NAN, 2.0, -1.0, 0.7};
    ga_population pop;
    make_population(&pop, &cfg, fitness, 8, 41);
    pop.members[2].parents[0] = 77;
    ga_individual next[8];
    evo_rng rng;
    rng_seed(&rng, 42);
    ga_breed_generation(next, &pop, &cfg, &rng);
    const int want[] = {2, 5, 3}; /* 2.0 (index 2 before 5), 2.0, 1.0; never the NaN or -inf ones */
    for (int e = 0; e < 3; e++) {
        const ga_individual *src = &pop.members[want[e]];
        cr_assert_eq(next[e].origin, ORIGIN_ELITE, "slot %d", e);
        cr_assert_eq(next[e].id, src->id, "slot %d: id %lld, want %lld", e, (long long)next[e].id,
                     (long long)src->id);
        cr_assert_eq(next[e].fitness, src->fitness);
        cr_assert_eq(next[e].parents[0], src->parents[0]);
        cr_assert_str_eq(next[e].key, src->key);
        cr_assert(same_genome(&next[e].genome, &src->genome));
    }
    for (int i = 3; i < 8; i++) {
        cr_assert(next[i].origin != ORIGIN_ELITE && next[i].id == 0 && isnan(next[i].fitness), "slot %d", i);
        assert_inside(&next[i].genome, &cfg, "child", i);
    }

    /* Fewer finite members than elite slots: only those survive. */
    for (int i = 0; i < 8; i++)
        pop.members[i].fitness = i == 4 ? 1.0 : -INFINITY;
    ga_breed_generation(next, &pop, &cfg, &rng);
    cr_assert(next[0].origin == ORIGIN_ELITE && next[0].id == 5);
    cr_assert(next[1].origin != ORIGIN_ELITE && next[2].origin != ORIGIN_ELITE, "failed members never survive");
    ga_population_free(&pop);
    config_free(&cfg);
}

Test(ga, immigrants_only_when_diversity_collapses,
     .description = "diversity < 0.5: round(0.25 P) immigrants; diversity 0.5 or 1: none")
{
    evo_config cfg;
    parse(SOURCE "ga: {population: 16, elite: 2, immigrants: 0.25}\n", &cfg);
    ga_population pop;
    make_population(&pop, &cfg, NULL, 16, 51);
    ga_individual next[16];
    evo_rng rng;
    rng_seed(&rng, 52);
    const struct {
        int distinct;
        int immigrants;
    } cases[] = {{16, 0}, {8, 0}, {7, 4}, {1, 4}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* Members i >= distinct copy member i % distinct: distinct keys / 16. */
        ga_population_free(&pop);
        make_population(&pop, &cfg, NULL, 16, 51);
        for (int i = cases[c].distinct; i < 16; i++) {
            int64_t id = pop.members[i].id;
            pop.members[i] = pop.members[i % cases[c].distinct];
            pop.members[i].id = id;
        }
        cr_assert_float_eq(ga_diversity(&pop), cases[c].distinct / 16.0, 1e-12);
        for (int rep = 0; rep < 20; rep++) {
            ga_breed_generation(next, &pop, &cfg, &rng);
            int immigrants = 0;
            for (int i = 0; i < 16; i++) {
                immigrants += next[i].origin == ORIGIN_IMMIGRANT;
                if (next[i].origin == ORIGIN_IMMIGRANT)
                    cr_assert(i >= 2 && next[i].id == 0 && next[i].parents[0] == 0 && isnan(next[i].fitness),
                              "immigrants follow the elites and have no parents");
            }
            cr_assert_eq(immigrants, cases[c].immigrants, "%d distinct of 16: %d immigrants", cases[c].distinct,
                         immigrants);
        }
    }
    ga_population_free(&pop);
    config_free(&cfg);
}

Test(ga, breed_generation_is_deterministic, .description = "same rng state, same generation; other seed differs")
{
    evo_config cfg;
    parse(SOURCE "ga: {population: 24, elite: 2}\n", &cfg);
    ga_population pop;
    make_population(&pop, &cfg, NULL, 24, 61);
    ga_individual a[24], b[24], c[24];
    evo_rng r1, r2, r3;
    rng_seed(&r1, 62);
    r2 = r1;
    rng_seed(&r3, 63);
    ga_breed_generation(a, &pop, &cfg, &r1);
    ga_breed_generation(b, &pop, &cfg, &r2);
    ga_breed_generation(c, &pop, &cfg, &r3);
    cr_assert_eq(memcmp(&r1, &r2, sizeof r1), 0, "the same number of draws");
    int differ = 0;
    for (int i = 0; i < 24; i++) {
        cr_assert_str_eq(a[i].key, b[i].key, "slot %d", i);
        cr_assert(same_genome(&a[i].genome, &b[i].genome));
        cr_assert(a[i].origin == b[i].origin && a[i].parents[0] == b[i].parents[0] &&
                  a[i].parents[1] == b[i].parents[1] && a[i].id == b[i].id);
        differ += strcmp(a[i].key, c[i].key) != 0;
    }
    /* 22 bred children of two seeds coinciding would mean the rng is ignored. */
    cr_assert_geq(differ, 15, "another seed changed only %d slots", differ);
    ga_population_free(&pop);
    config_free(&cfg);
}

Test(ga, breed_child_makes_something_new,
     .description = "origins follow ga.crossover; parents' ids recorded; a child rarely equals a parent")
{
    const char *yaml[] = {SOURCE "ga: {population: 20, crossover: 0, mutation: 0}\n",
                          SOURCE "ga: {population: 20, crossover: 1, mutation: 0.2}\n"};
    for (int y = 0; y < 2; y++) {
        evo_config cfg;
        parse(yaml[y], &cfg);
        ga_population pop;
        make_population(&pop, &cfg, NULL, 20, 71);
        evo_rng rng;
        rng_seed(&rng, 72);
        int equal = 0, crossed = 0, from_b = 0;
        for (int i = 0; i < 1000; i++) {
            ga_individual child;
            ga_breed_child(&child, &pop, &cfg, &rng);
            cr_assert_eq(child.origin, y ? ORIGIN_CROSSOVER : ORIGIN_MUTATION);
            cr_assert(child.parents[0] >= 1 && child.parents[0] <= 20, "parent id %lld", (long long)child.parents[0]);
            cr_assert(y ? child.parents[1] >= 0 && child.parents[1] <= 20 : child.parents[1] == 0);
            cr_assert(child.id == 0 && isnan(child.fitness));
            char key[GENOME_KEY_MAX];
            genome_key(&child.genome, key);
            cr_assert_str_eq(key, child.key, "the key is the genome's");
            assert_inside(&child.genome, &cfg, "child", i);
            for (int p = 0; p < 2; p++)
                equal += child.parents[p] && !strcmp(child.key, pop.members[child.parents[p] - 1].key);
            if (child.parents[1]) { /* crossed: some gene from b that a does not have */
                const evo_genome *ga = &pop.members[child.parents[0] - 1].genome,
                                 *gb = &pop.members[child.parents[1] - 1].genome;
                crossed++;
                for (int k = 0; k < GENE_COUNT; k++)
                    if (genome_gene_get(&child.genome, (evo_gene)k) == genome_gene_get(gb, (evo_gene)k) &&
                        genome_gene_get(&child.genome, (evo_gene)k) != genome_gene_get(ga, (evo_gene)k)) {
                        from_b++;
                        break;
                    }
            }
        }
        /* Random parents differ in about 10 genes, each from b with probability 1/2 (and kept unless
         * mutated, 0.2): a crossed child misses all of b's with probability about 0.6^10 = 0.6%. */
        if (y)
            cr_assert(crossed > 800 && from_b > crossed * 9 / 10, "%d of %d crossed children have a gene of b",
                      from_b, crossed);
        else
            cr_assert_eq(crossed, 0);
        /* Even with mutation 0 a copy gets one more gene mutated, up to 8 times, drawn from the genes it
         * uses. A try fails when it draws a step that stays put (2^-8) or a choice with one value
         * (objective, arch: <= 2 of the 8 genes a linear model uses), so a copy survives with
         * probability < (1/4 + 1/256)^8 = 2e-5. Without the extra mutation every child of the first
         * config is a copy. */
        cr_assert_eq(equal, 0, "%d children of 1000 equal a parent", equal);
        ga_population_free(&pop);
        config_free(&cfg);
    }
}

Test(ga, steady_insert_replaces_the_worst_when_at_least_as_fit,
     .description = "fitter or equal child replaces the worst; worse, failed or NaN child never enters")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    const double fitness[] = {1.0, 0.2, 3.0, 0.2, 2.0};
    ga_population pop;
    make_population(&pop, &cfg, fitness, 5, 81);
    ga_individual child;
    evo_rng rng;
    rng_seed(&rng, 82);
    ga_random(&child, &cfg, ORIGIN_CROSSOVER, &rng);
    child.id = 100;

    child.fitness = 0.1; /* worse than the worst */
    cr_assert_eq(ga_steady_insert(&pop, &child), 0);
    child.fitness = -INFINITY;
    cr_assert_eq(ga_steady_insert(&pop, &child), 0, "a failed child never enters");
    child.fitness = NAN;
    cr_assert_eq(ga_steady_insert(&pop, &child), 0, "an unevaluated child never enters");
    for (int i = 0; i < 5; i++)
        cr_assert_eq(pop.members[i].id, i + 1, "nothing changed");

    child.fitness = 0.2; /* as fit as the worst: enters in place of the worst with the lower index */
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[1].id, 100);
    cr_assert_eq(pop.members[3].id, 4);
    cr_assert_str_eq(pop.members[1].key, child.key);

    child.id = 101;
    child.fitness = 5.0; /* members 1 (the last child) and 3 tie at 0.2: the lower index goes */
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[1].id, 101);
    cr_assert_eq(pop.members[1].fitness, 5.0);
    cr_assert_eq(pop.members[3].id, 4);

    /* A failed member is the worst of all: even a weak finite child replaces it. */
    pop.members[2].fitness = -INFINITY;
    child.id = 102;
    child.fitness = -50;
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[2].id, 102);
    ga_population_free(&pop);
    config_free(&cfg);
}

/* Multi-fidelity populations: a higher rung is ahead of any lower one, a failure behind every
 * success whatever its rung (ga.h). Members: #1 rung 1 0.1, #2 rung 0 5.0, #3 rung 1 failed, #4 rung 0 0.3. */
Test(ga, rungs_order_members_and_failures_last, .description = "higher rung first; a failed member of any rung is the worst")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    const double fitness[] = {0.1, 5.0, -INFINITY, 0.3};
    const int rung[] = {1, 0, 1, 0};
    ga_population pop;
    make_population(&pop, &cfg, fitness, 4, 83);
    for (int i = 0; i < 4; i++)
        pop.members[i].rung = rung[i];
    cr_assert_eq(ga_best(&pop), 0, "rung 1's 0.1 is ahead of rung 0's 5.0");
    ga_individual child;
    evo_rng rng;
    rng_seed(&rng, 84);
    ga_random(&child, &cfg, ORIGIN_CROSSOVER, &rng);
    child.id = 100;
    child.fitness = -9.0; /* rung 0, weaker than any member: still ahead of the failure */
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[2].id, 100, "the failed rung-1 member went");
    child.id = 101;
    child.fitness = 0.2; /* rung 0: behind rung 1's 0.1 but ahead of rung 0's -9 */
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[2].id, 101);
    child.id = 102;
    child.fitness = 0.25; /* now the worst is rung 0's 0.2 (#101): a rung-0 0.25 replaces it */
    cr_assert_eq(ga_steady_insert(&pop, &child), 1);
    cr_assert_eq(pop.members[2].id, 102);
    for (int i = 0; i < 4; i++)
        pop.members[i].rung = 1;
    child.id = 103;
    child.fitness = 100; /* rung 0 against a population all at rung 1: stays out */
    cr_assert_eq(ga_steady_insert(&pop, &child), 0);
    child.rung = 1;
    cr_assert_eq(ga_steady_insert(&pop, &child), 1, "at rung 1 it is the fittest");
    ga_population_free(&pop);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- cache */

Test(ga, cache_put_get_keeps_the_first_entry, .description = "hit returns id and fitness; a second put is ignored")
{
    ga_cache c;
    evo_error err = {0};
    cr_assert_eq(ga_cache_create(&c, 10, &err), EVO_OK);
    int64_t id = -1;
    double f = -1;
    cr_assert_eq(ga_cache_get(&c, "model=asset", &id, &f), 0, "empty cache: a miss");
    cr_assert(id == -1 && f == -1, "a miss leaves the outputs alone");
    cr_assert_eq(ga_cache_put(&c, "model=asset", 7, 1.5, &err), EVO_OK);
    cr_assert_eq(ga_cache_put(&c, "model=asset", 9, 3.0, &err), EVO_OK);
    cr_assert_eq(ga_cache_put(&c, "model=shared", 8, -INFINITY, &err), EVO_OK);
    cr_assert_eq(c.count, 2);
    cr_assert_eq(ga_cache_get(&c, "model=asset", &id, &f), 1);
    cr_assert(id == 7 && f == 1.5, "the first evaluation stays: %lld %g", (long long)id, f);
    cr_assert_eq(ga_cache_get(&c, "model=shared", &id, &f), 1);
    cr_assert(id == 8 && f == -INFINITY, "failed evaluations are cached too");
    cr_assert_eq(ga_cache_get(&c, "model=asse", &id, &f), 0, "a prefix is another key");
    cr_assert_eq(ga_cache_get(&c, "", &id, &f), 0);
    cr_assert_eq(ga_cache_put(&c, "", 1, 0, &err), EVO_ERR_INTERNAL, "an empty key is refused");
    char longkey[GENOME_KEY_MAX + 1];
    memset(longkey, 'x', GENOME_KEY_MAX);
    longkey[GENOME_KEY_MAX] = '\0';
    cr_assert_eq(ga_cache_put(&c, longkey, 1, 0, &err), EVO_ERR_INTERNAL, "a key too long is refused");
    cr_assert_eq(c.count, 2);
    ga_cache_free(&c);
    ga_cache_free(&c); /* freed caches are zeroed */
    ga_cache_free(NULL);

    ga_cache z;
    memset(&z, 0, sizeof z); /* a zeroed cache is empty and usable */
    cr_assert_eq(ga_cache_get(&z, "k", &id, &f), 0);
    cr_assert_eq(ga_cache_put(&z, "k", 3, 0.5, &err), EVO_OK);
    cr_assert(ga_cache_get(&z, "k", &id, &f) == 1 && id == 3);
    ga_cache_free(&z);
}

Test(ga, cache_grows_past_its_initial_capacity,
     .description = "expected 4, then 5000 genome keys: all found, misses stay misses")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    ga_cache c;
    evo_error err = {0};
    cr_assert_eq(ga_cache_create(&c, 4, &err), EVO_OK);
    size_t initial = c.cap;
    enum { N = 5000 };
    static char keys[N][GENOME_KEY_MAX];
    evo_rng rng;
    rng_seed(&rng, 91);
    int distinct = 0;
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        genome_key(&g, keys[i]);
        int64_t id;
        double f;
        int known = ga_cache_get(&c, keys[i], &id, &f);
        distinct += !known;
        cr_assert_eq(ga_cache_put(&c, keys[i], i + 1, i * 0.5, &err), EVO_OK, "%s", err.msg);
    }
    cr_assert_eq(c.count, (size_t)distinct);
    cr_assert_gt(c.cap, initial, "the table grew");
    cr_assert(c.count * 4 <= c.cap * 3, "load %zu / %zu above 3/4", c.count, c.cap);
    for (int i = 0; i < N; i++) {
        int64_t id;
        double f;
        cr_assert_eq(ga_cache_get(&c, keys[i], &id, &f), 1, "key %d lost after growing", i);
        cr_assert(strcmp(keys[id - 1], keys[i]) == 0 && id <= i + 1 && f == (id - 1) * 0.5,
                  "key %d maps to entry %lld", i, (long long)id);
    }
    for (int i = 0; i < 1000; i++) {
        char miss[64];
        int64_t id;
        double f;
        snprintf(miss, sizeof miss, "not-a-genome-%d", i);
        cr_assert_eq(ga_cache_get(&c, miss, &id, &f), 0);
    }
    ga_cache_free(&c);
    config_free(&cfg);
}

/* ---------------------------------------------------------------- statistics and stopping */

Test(ga, population_stats_by_hand, .description = "best, mean, median (even, odd), sd, failures, diversity")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    ga_population pop;
    ga_stats st;
    /* Finite {3, 1, 2, 5}: mean 2.75, median (2 + 3) / 2 = 2.5, squared deviations 0.0625 + 3.0625 +
     * 0.5625 + 5.0625 = 8.75, sd sqrt(8.75 / 3) = 1.70782513. One failure. */
    const double even[] = {3, 1, -INFINITY, 2, 5};
    make_population(&pop, &cfg, even, 5, 101);
    pop.members[4] = pop.members[0]; /* 4 distinct keys of 5 */
    pop.members[4].fitness = 5;
    ga_population_stats(&pop, &st);
    cr_assert_eq(st.best, 5);
    cr_assert_float_eq(st.mean, 2.75, 1e-12);
    cr_assert_float_eq(st.median, 2.5, 1e-12);
    cr_assert_float_eq(st.sd, sqrt(8.75 / 3), 1e-12);
    cr_assert_eq(st.failures, 1);
    cr_assert_float_eq(st.diversity, 0.8, 1e-12);
    ga_population_free(&pop);

    /* Finite {4, 1, 7}: median 4, mean 4, sd sqrt((0 + 9 + 9) / 2) = 3; two failures, a NaN member
     * (not evaluated) is neither. */
    const double odd[] = {4, -INFINITY, 1, NAN, 7, -INFINITY};
    make_population(&pop, &cfg, odd, 6, 102);
    ga_population_stats(&pop, &st);
    cr_assert_eq(st.best, 7);
    cr_assert_float_eq(st.mean, 4, 1e-12);
    cr_assert_float_eq(st.median, 4, 1e-12);
    cr_assert_float_eq(st.sd, 3, 1e-12);
    cr_assert_eq(st.failures, 2);
    cr_assert_float_eq(st.diversity, 1, 1e-12);
    ga_population_free(&pop);

    const double none[] = {-INFINITY, -INFINITY};
    make_population(&pop, &cfg, none, 2, 103);
    ga_population_stats(&pop, &st);
    cr_assert(isnan(st.best) && isnan(st.mean) && isnan(st.median) && isnan(st.sd), "no finite member");
    cr_assert_eq(st.failures, 2);
    const double one[] = {-1.5, -INFINITY};
    ga_population_free(&pop);
    make_population(&pop, &cfg, one, 2, 104);
    ga_population_stats(&pop, &st);
    cr_assert(st.best == -1.5 && st.mean == -1.5 && st.median == -1.5 && st.sd == 0, "one finite member");
    ga_population_free(&pop);
    config_free(&cfg);
}

Test(ga, should_stop_for_each_rule, .description = "generations, evaluations, time, patience; 0 = no limit")
{
    evo_config cfg;
    parse(SOURCE "ga: {generations: 10, max_evaluations: 100, max_seconds: 60, patience: 3}\n", &cfg);
    ga_progress p = {.generation = 2, .evaluations = 40, .seconds = 10, .stale = 1};
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_CONTINUE);
    p.generation = 10;
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_STOP_GENERATIONS);
    p.generation = 9;
    p.evaluations = 100;
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_STOP_EVALUATIONS);
    p.evaluations = 99;
    p.seconds = 60;
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_STOP_TIME);
    p.seconds = 59.9;
    p.stale = 3;
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_STOP_STALE);
    p.stale = 2;
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_CONTINUE, "one short of every limit");
    config_free(&cfg);

    parse(SOURCE "ga: {generations: 10}\n", &cfg); /* defaults: no evaluation, time or patience limit */
    p = (ga_progress){.generation = 9, .evaluations = 100000000, .seconds = 1e9, .stale = 1000000};
    cr_assert_eq(ga_should_stop(&p, &cfg), GA_CONTINUE, "0 means no limit");
    config_free(&cfg);
}

Test(ga, names_and_population_lifecycle, .description = "origin and stop names; create/free; bad sizes")
{
    cr_assert_eq(catalog_origins.count, ORIGIN_COUNT);
    cr_assert_str_eq(catalog_origins.names[ORIGIN_RANDOM], "random");
    cr_assert_str_eq(catalog_origins.names[ORIGIN_IMMIGRANT], "immigrant");
    cr_assert_str_eq(catalog_origins.names[ORIGIN_ELITE], "elite");
    cr_assert_str_eq(catalog_origins.names[ORIGIN_CROSSOVER], "crossover");
    cr_assert_str_eq(catalog_origins.names[ORIGIN_MUTATION], "mutation");
    cr_assert_eq(ga_stop_names.count, GA_STOP_STALE + 1);
    cr_assert_str_eq(ga_stop_names.names[GA_CONTINUE], "continue");
    cr_assert_str_eq(ga_stop_names.names[GA_STOP_GENERATIONS], "generations");
    cr_assert_str_eq(ga_stop_names.names[GA_STOP_EVALUATIONS], "evaluations");
    cr_assert_str_eq(ga_stop_names.names[GA_STOP_TIME], "time");
    cr_assert_str_eq(ga_stop_names.names[GA_STOP_STALE], "stale");

    ga_population pop;
    evo_error err = {0};
    cr_assert_eq(ga_population_create(&pop, 3, &err), EVO_OK);
    cr_assert(pop.size == 3 && pop.members && isnan(pop.members[2].fitness) && pop.members[2].id == 0);
    ga_population_free(&pop);
    cr_assert(pop.size == 0 && !pop.members);
    ga_population_free(&pop);
    ga_population_free(NULL);
    cr_assert_eq(ga_population_create(&pop, 0, &err), EVO_ERR_INTERNAL);
    cr_assert(err.msg[0]);
    ga_population_free(&pop);
}

/* ---------------------------------------------------------------- end to end */

/* The test's analytic fitness (the library has none): 0 at the optimum model=asset, objective=sortino,
 * layers=2, hidden=32, seq_len=30, lr=1e-3, weight_decay=1e-4, batch=64, features={ret5, vol20, macd,
 * mom126}, rebalance=5; every gene's term is <= 0. A wrong choice, layer count or feature bit costs 1
 * each, so f > -1 means all of those are exact; the numeric terms are smooth bowls in the gene's scale.
 * dropout, steps and strategies are free (a plateau the GA must not be confused by). */
static double toy_fitness(const evo_genome *g)
{
    const unsigned target = bit(FEATURE_RET5) | bit(FEATURE_VOL20) | bit(FEATURE_MACD) | bit(FEATURE_MOM126);
    double f = 0;
    f -= g->model != MODEL_ASSET;
    f -= g->objective != OBJECTIVE_SORTINO;
    f -= abs(g->layers - 2);
    f -= pow(log2(g->hidden) - 5, 2);
    f -= pow((g->seq_len - 30) / 10.0, 2);
    f -= pow(log10(g->lr) + 3, 2);
    f -= pow(log10(g->weight_decay) + 4, 2);
    f -= pow(log2(g->batch / 64.0), 2);
    f -= g->model == MODEL_PORTFOLIO ? 4 : __builtin_popcount(g->features ^ target);
    f -= pow((g->rebalance - 5) / 4.0, 2);
    return f;
}

typedef struct {
    double best;
    evo_genome genome;
    long evaluations; /* distinct genomes evaluated (cache misses) */
    long hits;
} toy_result;

/* Score `ind` through the cache: a known key reuses its stored result. */
static void toy_evaluate(ga_individual *ind, ga_cache *cache, toy_result *r)
{
    evo_error err = {0};
    if (ind->id != 0) /* an elite keeps its evaluation */
        return;
    if (ga_cache_get(cache, ind->key, &ind->id, &ind->fitness)) {
        r->hits++;
        return;
    }
    ind->id = ++r->evaluations;
    ind->fitness = toy_fitness(&ind->genome);
    cr_assert_eq(ga_cache_put(cache, ind->key, ind->id, ind->fitness, &err), EVO_OK);
    if (ind->fitness > r->best) {
        r->best = ind->fitness;
        r->genome = ind->genome;
    }
}

/* Generational GA: P random members, then cfg->ga.generations bred generations. */
static toy_result toy_search(const evo_config *cfg, uint64_t seed)
{
    toy_result r = {.best = -INFINITY};
    ga_population pop;
    ga_cache cache;
    evo_error err = {0};
    evo_rng rng;
    rng_seed(&rng, seed);
    cr_assert_eq(ga_population_create(&pop, cfg->ga.population, &err), EVO_OK);
    cr_assert_eq(ga_cache_create(&cache, 64, &err), EVO_OK);
    ga_individual *next = malloc((size_t)pop.size * sizeof *next);
    cr_assert(next);
    for (int i = 0; i < pop.size; i++) {
        ga_random(&pop.members[i], cfg, ORIGIN_RANDOM, &rng);
        toy_evaluate(&pop.members[i], &cache, &r);
    }
    for (int gen = 0; gen < cfg->ga.generations; gen++) {
        ga_breed_generation(next, &pop, cfg, &rng);
        for (int i = 0; i < pop.size; i++)
            toy_evaluate(&next[i], &cache, &r);
        memcpy(pop.members, next, (size_t)pop.size * sizeof *next);
        cr_assert_eq(pop.members[ga_best(&pop)].fitness, r.best, "elitism keeps the best found");
    }
    free(next);
    ga_cache_free(&cache);
    ga_population_free(&pop);
    return r;
}

/* Random search with the same number of distinct evaluations. */
static double toy_random_search(const evo_config *cfg, uint64_t seed, long evaluations)
{
    evo_rng rng;
    rng_seed(&rng, seed);
    double best = -INFINITY;
    for (long i = 0; i < evaluations; i++) {
        evo_genome g;
        genome_random(&g, cfg, &rng);
        double f = toy_fitness(&g);
        best = f > best ? f : best;
    }
    return best;
}

Test(ga, finds_the_optimum_of_an_analytic_fitness,
     .description = "40 generations of 32 on 5 seeds: within 0.1 of the optimum 0, beating random search")
{
    /* Tournament 4 and mutation 0.1 favour refinement over exploration, which suits 1300 evaluations
     * of a smooth fitness; over seeds 1..200 every run ended within 0.06 of the optimum (the defaults,
     * tournament 3 and mutation 0.2, reach 0.1 in 72% of them: see the next test). */
    evo_config cfg;
    parse(SOURCE "ga: {population: 32, generations: 40, tournament: 4, crossover: 0.7, mutation: 0.1,"
                 " elite: 2, immigrants: 0.1}\n",
          &cfg);
    enum { SEEDS = 5 };
    double ga_sum = 0, random_sum = 0;
    for (uint64_t s = 1; s <= SEEDS; s++) {
        toy_result r = toy_search(&cfg, s);
        double rnd = toy_random_search(&cfg, 1000 + s, r.evaluations);
        char key[GENOME_KEY_MAX];
        genome_key(&r.genome, key);
        /* Tolerance 0.1: every 1-cost gene exact (see toy_fitness), and the smooth terms together within
         * 0.1, e.g. lr within 10^0.1 = 1.26x of 1e-3 with the rest exact; hidden 31 or 33 alone costs
         * 0.002, seq_len off by 1 costs 0.01. */
        cr_assert_geq(r.best, -0.1, "seed %llu: best %g after %ld evaluations (%ld cache hits): %s",
                      (unsigned long long)s, r.best, r.evaluations, r.hits, key);
        cr_assert_eq(r.genome.model, MODEL_ASSET);
        cr_assert_eq(r.genome.features,
                     bit(FEATURE_RET5) | bit(FEATURE_VOL20) | bit(FEATURE_MACD) | bit(FEATURE_MOM126));
        cr_assert_leq(r.evaluations, 32 * 41, "no more evaluations than slots");
        ga_sum += r.best;
        random_sum += rnd;
    }
    /* Random search with ~1300 draws gets every 1-cost gene right with probability about
     * (1/3)(1/4)(1/2)(1/2^11) per draw: it cannot come near 0. */
    cr_assert_gt(ga_sum / SEEDS, random_sum / SEEDS + 1, "GA mean best %g, random search %g", ga_sum / SEEDS,
                 random_sum / SEEDS);
    config_free(&cfg);
}

Test(ga, default_settings_find_every_discrete_gene,
     .description = "the default GA settings, 5 seeds: every choice, layer count and feature exact")
{
    /* With config's default tournament 3, crossover 0.7, mutation 0.2, elite 2, immigrants 0.1, seeds
     * 1..200 all ended above -0.65: every 1-cost term right (f > -1), the smooth terms not always as
     * refined as with the settings above. */
    evo_config cfg;
    parse(SOURCE "ga: {population: 32, generations: 40}\n", &cfg);
    for (uint64_t s = 1; s <= 5; s++) {
        toy_result r = toy_search(&cfg, s);
        char key[GENOME_KEY_MAX];
        genome_key(&r.genome, key);
        cr_assert_gt(r.best, -1, "seed %llu: best %g: %s", (unsigned long long)s, r.best, key);
    }
    config_free(&cfg);
}

/* ---------------------------------------------------------------- NSGA-II on ZDT problems */

/* ZDT1 and ZDT2 (Zitzler, Deb and Thiele 2000) over the genome's eight numeric genes, each mapped to
 * x in [0, 1] by its range (in log space for log-scale genes): x1 = the learning rate's place, and
 * g = 1 + 9 mean(x2..x8). Minimise f1 = x1 and f2 = g (1 - sqrt(f1 / g)) (ZDT1: a convex front) or
 * g (1 - (f1 / g)^2) (ZDT2: a concave one); the true front is g = 1, every other x at 0. The genes
 * take discrete steps (integers), fine enough here: hidden 1..1024 log, seq_len 1..1000, batch
 * 1..4096, steps 1..10^6 log, rebalance 1..1000. */
#define ZDT_SPACE                                                                                            \
    "data: {prices: p.csv}\n"                                                                                \
    "search:\n  model: [asset]\n  layers: [2]\n  hidden: {min: 1, max: 1024}\n  seq_len: {min: 1, max: 1000}\n" \
    "  lr: {min: 0.0000001, max: 1}\n  weight_decay: {min: 0.000001, max: 1}\n  dropout: {min: 0, max: 0.9}\n"  \
    "  batch: {min: 1, max: 4096}\n  steps: {min: 1, max: 1000000}\n  rebalance: {min: 1, max: 1000}\n"

static const evo_gene zdt_genes[] = {GENE_LR,    GENE_HIDDEN, GENE_SEQ_LEN, GENE_WEIGHT_DECAY,
                                     GENE_DROPOUT, GENE_BATCH, GENE_STEPS,  GENE_REBALANCE};
enum { ZDT_N = sizeof zdt_genes / sizeof zdt_genes[0] };

static double zdt_x(const evo_genome *g, const evo_config *cfg, int i)
{
    const evo_gene_range *r = genome_gene_space(cfg, zdt_genes[i]);
    const double v = genome_gene_get(g, zdt_genes[i]);
    const int log_scale = zdt_genes[i] == GENE_LR || zdt_genes[i] == GENE_WEIGHT_DECAY ||
                          zdt_genes[i] == GENE_HIDDEN || zdt_genes[i] == GENE_STEPS;
    return log_scale ? log(v / r->min) / log(r->max / r->min) : (v - r->min) / (r->max - r->min);
}

/* The two objectives, negated (the GA maximises); also g - 1, the distance from the true front. */
static double zdt_evaluate(ga_individual *ind, const evo_config *cfg, int concave)
{
    double x[ZDT_N], sum = 0;
    for (int i = 0; i < ZDT_N; i++)
        x[i] = zdt_x(&ind->genome, cfg, i);
    for (int i = 1; i < ZDT_N; i++)
        sum += x[i];
    const double g = 1 + 9 * sum / (ZDT_N - 1), f1 = x[0];
    const double f2 = g * (concave ? 1 - (f1 / g) * (f1 / g) : 1 - sqrt(f1 / g));
    ind->obj[0] = -f1;
    ind->obj[1] = -f2;
    ind->fitness = -f1 - f2;
    return g - 1;
}

typedef struct {
    int front_size;    /* members of front 0 */
    double worst_gap;  /* the largest g - 1 among them */
    double f1_lo, f1_hi;
    double largest_hole; /* the largest gap between neighbours' f1 along the front */
} zdt_result;

static zdt_result zdt_run(int concave, int steady, uint64_t seed)
{
    evo_config cfg;
    parse(ZDT_SPACE "ga: {population: 40, crossover: 0.9, mutation: 0.15, immigrants: 0}\n", &cfg);
    ga_population pop;
    evo_error err = {0};
    evo_rng rng;
    rng_seed(&rng, seed);
    cr_assert_eq(ga_population_create(&pop, cfg.ga.population, &err), EVO_OK);
    pop.objectives = 2;
    for (int i = 0; i < pop.size; i++) {
        ga_random(&pop.members[i], &cfg, ORIGIN_RANDOM, &rng);
        zdt_evaluate(&pop.members[i], &cfg, concave);
    }
    cr_assert_eq(ga_pareto_sort(&pop, &err), EVO_OK);
    ga_individual next[40];
    for (int gen = 0; gen < 150; gen++) {
        if (steady) {
            for (int c = 0; c < pop.size; c++) {
                int entered;
                ga_breed_child(&next[0], &pop, &cfg, &rng);
                zdt_evaluate(&next[0], &cfg, concave);
                cr_assert_eq(ga_nsga_insert(&pop, &next[0], &entered, &err), EVO_OK);
            }
        } else {
            ga_breed_generation(next, &pop, &cfg, &rng);
            for (int i = 0; i < pop.size; i++)
                zdt_evaluate(&next[i], &cfg, concave);
            cr_assert_eq(ga_nsga_survivors(&pop, next, pop.size, &err), EVO_OK);
        }
    }
    zdt_result r = {0, 0, INFINITY, -INFINITY, 0};
    double f1[40];
    for (int i = 0; i < pop.size; i++) {
        if (pop.members[i].front != 0)
            continue;
        const double gap = zdt_evaluate(&pop.members[i], &cfg, concave);
        r.worst_gap = gap > r.worst_gap ? gap : r.worst_gap;
        f1[r.front_size++] = -pop.members[i].obj[0];
    }
    qsort(f1, (size_t)r.front_size, sizeof *f1, compare_doubles);
    r.f1_lo = f1[0];
    r.f1_hi = f1[r.front_size - 1];
    for (int i = 1; i < r.front_size; i++)
        r.largest_hole = f1[i] - f1[i - 1] > r.largest_hole ? f1[i] - f1[i - 1] : r.largest_hole;
    ga_population_free(&pop);
    config_free(&cfg);
    return r;
}

Test(ga, nsga2_finds_the_zdt_fronts, .description = "ZDT1 and ZDT2, generational and steady, 3 seeds, 150 x 40: >= 30 on the front, g - 1 <= 0.1, f1 0.02..0.98, holes <= 0.2")
{
    for (int concave = 0; concave < 2; concave++)
        for (int steady = 0; steady < 2; steady++)
            for (uint64_t seed = 1; seed <= 3; seed++) {
                zdt_result r = zdt_run(concave, steady, seed);
                /* Seen (2026-12-03): every member on front 0, g - 1 <= 0.024, f1 from 0.000 to 1.000,
                 * holes <= 0.11 in all 12 runs; the bounds leave room for another libm's last digits. */
                const char *what = concave ? (steady ? "ZDT2 steady" : "ZDT2 generational")
                                           : (steady ? "ZDT1 steady" : "ZDT1 generational");
                cr_assert_geq(r.front_size, 30, "%s seed %llu: %d of 40 on the front", what,
                              (unsigned long long)seed, r.front_size);
                cr_assert_leq(r.worst_gap, 0.1, "%s seed %llu: a front member %g from the true front (g - 1)",
                              what, (unsigned long long)seed, r.worst_gap);
                cr_assert(r.f1_lo <= 0.02 && r.f1_hi >= 0.98, "%s seed %llu: the front spans f1 %g..%g", what,
                          (unsigned long long)seed, r.f1_lo, r.f1_hi);
                cr_assert_leq(r.largest_hole, 0.2, "%s seed %llu: a hole of %g in f1 along the front", what,
                              (unsigned long long)seed, r.largest_hole);
            }
}

/* The selection NSGA-II does by hand: 4 members and 2 children of 2 objectives. */
Test(ga, nsga_survivors_and_insert_by_hand, .description = "the P best by front then crowding survive; a dominated child does not enter")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    ga_population pop;
    evo_error err = {0};
    cr_assert_eq(ga_population_create(&pop, 4, &err), EVO_OK);
    pop.objectives = 2;
    /* members (1,5) (3,3) (2,2) (1,1); children (2,4) (0,0) */
    static const double member_obj[4][2] = {{1, 5}, {3, 3}, {2, 2}, {1, 1}}, child_obj[2][2] = {{2, 4}, {0, 0}};
    ga_individual children[2];
    evo_rng init;
    rng_seed(&init, 2);
    for (int i = 0; i < 4; i++) {
        ga_random(&pop.members[i], &cfg, ORIGIN_RANDOM, &init);
        pop.members[i].id = i + 1;
        memcpy(pop.members[i].obj, member_obj[i], sizeof member_obj[i]);
    }
    for (int i = 0; i < 2; i++) {
        memset(&children[i], 0, sizeof children[i]);
        children[i].id = 11 + i;
        memcpy(children[i].obj, child_obj[i], sizeof child_obj[i]);
    }
    cr_assert_eq(ga_pareto_sort(&pop, &err), EVO_OK);
    cr_assert(pop.members[0].front == 0 && pop.members[1].front == 0 && pop.members[2].front == 1 &&
              pop.members[3].front == 2);
    /* the pool's fronts: {(1,5) (3,3) (2,4)}, {(2,2)}, {(1,1)}, {(0,0)}: the first three, then (2,2) */
    cr_assert_eq(ga_nsga_survivors(&pop, children, 2, &err), EVO_OK);
    int64_t ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = pop.members[i].id;
    /* front 0 in crowded order: the two ends (1,5) and (3,3) infinite first (lower pool index first),
     * then (2,4); then (2,2) */
    cr_assert(ids[0] == 1 && ids[1] == 2 && ids[2] == 11 && ids[3] == 3, "%lld %lld %lld %lld", (long long)ids[0],
              (long long)ids[1], (long long)ids[2], (long long)ids[3]);
    cr_assert_eq(pop.members[3].front, 1, "the population is sorted again");
    int entered = 1;
    cr_assert_eq(ga_nsga_insert(&pop, &children[1], &entered, &err), EVO_OK);
    cr_assert_eq(entered, 0, "(0,0) is dominated by all: it leaves at once");
    cr_assert_eq(pop.members[3].id, 3);
    ga_individual better = children[1];
    better.id = 20;
    better.obj[0] = 2.5, better.obj[1] = 3.5; /* dominates (2,2), on front 0 */
    cr_assert_eq(ga_nsga_insert(&pop, &better, &entered, &err), EVO_OK);
    cr_assert_eq(entered, 1);
    for (int i = 0; i < 4; i++)
        cr_assert_neq(pop.members[i].id, 3, "(2,2) was the last and left");
    /* breeding without elites (cfg has elite 2): every slot of the next generation is bred */
    ga_individual next[4];
    evo_rng rng;
    rng_seed(&rng, 3);
    cr_assert_geq(cfg.ga.elite, 1);
    ga_breed_generation(next, &pop, &cfg, &rng);
    for (int i = 0; i < 4; i++)
        cr_assert_neq(next[i].origin, ORIGIN_ELITE, "slot %d is an elite", i);
    ga_population_free(&pop);
    config_free(&cfg);
}

/* The one-objective GA is what it was before NSGA-II came (ga.objectives: []): the keys it breeds
 * and the members it keeps, hashed over 12 generations of 24 (toy_fitness, seed 7), equal the value
 * the GA of commit 63a5530 (before NSGA-II) gave - until the strategy catalogue grew from 7 names to
 * 9 (hrp, cluster): the default space took them in, and crossover tosses a coin per catalogue name
 * of a set, so the value was taken again then (0x4030f2fdb3766b82 before); and again when the
 * attention genes came (arch, d_model, heads, ff: more draws per genome) and a copy's extra mutation
 * began drawing from the genes the child uses (0xeebbfb1f318ea578 before), and when the model kinds
 * grew to five (autoencoder; 0xa52a9076c0f5083f before). A deliberate change of breeding changes it. */
Test(ga, one_objective_breeds_as_before_nsga2, .description = "12 x 24, seed 7: the bred keys and survivors hash as before NSGA-II")
{
    evo_config cfg;
    parse(SOURCE "ga: {population: 24, generations: 12}\n", &cfg);
    ga_population pop;
    evo_error err = {0};
    evo_rng rng;
    rng_seed(&rng, 7);
    cr_assert_eq(ga_population_create(&pop, cfg.ga.population, &err), EVO_OK);
    ga_individual next[24];
    uint64_t h = 14695981039346656037ULL;
    for (int i = 0; i < pop.size; i++) {
        ga_random(&pop.members[i], &cfg, ORIGIN_RANDOM, &rng);
        pop.members[i].fitness = toy_fitness(&pop.members[i].genome);
        pop.members[i].id = i + 1;
    }
    int64_t id = pop.size;
    for (int gen = 0; gen < cfg.ga.generations; gen++) {
        ga_breed_generation(next, &pop, &cfg, &rng);
        for (int i = 0; i < pop.size; i++) {
            if (next[i].origin != ORIGIN_ELITE) {
                next[i].fitness = toy_fitness(&next[i].genome);
                next[i].id = ++id;
            }
            for (const char *c = next[i].key; *c; c++)
                h = (h ^ (unsigned char)*c) * 1099511628211ULL;
            h = (h ^ (uint64_t)next[i].origin) * 1099511628211ULL;
        }
        memcpy(pop.members, next, sizeof next);
    }
    ga_individual child;
    for (int i = 0; i < 50; i++) { /* steady mode's insertion too */
        ga_breed_child(&child, &pop, &cfg, &rng);
        child.fitness = toy_fitness(&child.genome);
        ga_steady_insert(&pop, &child);
    }
    for (int i = 0; i < pop.size; i++)
        for (const char *c = pop.members[i].key; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    cr_log_info("one-objective GA hash %016llx", (unsigned long long)h);
    cr_assert_eq(h, 0x72bf6537d94cb54dULL, "hash %016llx: the one-objective GA no longer breeds as it did", (unsigned long long)h);
    ga_population_free(&pop);
    config_free(&cfg);
}
