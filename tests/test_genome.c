/* Tests of genome: random draws stay inside the search space and cover it, normalisation, the
 * canonical key (exact text, stability, sensitivity to every gene), the JSON form and its round trip,
 * and every error genome_from_json reports. Configurations are parsed from YAML text in the tests. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/genome.h"

#define SOURCE "data: {prices: p.csv}\n"

/* The example genome in JSON; every gene inside the default search space. */
#define EXAMPLE_JSON                                                                                         \
    "{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":2,\"hidden\":32,\"seq_len\":50,"               \
    "\"lr\":0.001,\"weight_decay\":0.0001,\"dropout\":0.1,\"batch\":64,\"steps\":200,"                       \
    "\"features\":[\"ret1\",\"vol20\"],\"rebalance\":5,\"arch\":\"lstm\"}"
#define EXAMPLE_JSON_BEFORE_ARCH                                                                             \
    "{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":2,\"hidden\":32,\"seq_len\":50,"               \
    "\"lr\":0.001,\"weight_decay\":0.0001,\"dropout\":0.1,\"batch\":64,\"steps\":200,"                       \
    "\"features\":[\"ret1\",\"vol20\"],\"rebalance\":5}"
#define EXAMPLE_KEY                                                                                          \
    "model=asset;objective=sharpe;layers=2;hidden=32;seq_len=50;lr=0.001;weight_decay=0.0001;"               \
    "dropout=0.1;batch=64;steps=200;features=ret1+vol20;strategies=;rebalance=5;arch=lstm;d_model=0;heads=0;ff=0"

/* A search space with every form of gene: lists, single values (a list of one), log-scale ranges of
 * reals and integers, linear ranges, and restricted choice and set genes. */
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

static void parse(const char *yaml, evo_config *cfg)
{
    evo_error err = {0};
    cr_assert_eq(config_parse(yaml, strlen(yaml), "t.yaml", cfg, &err), EVO_OK, "%s\n%s", err.msg, yaml);
}

static unsigned bit(int b)
{
    return 1u << b;
}

static evo_genome example(void)
{
    evo_genome g;
    memset(&g, 0, sizeof g);
    g.model = MODEL_ASSET;
    g.objective = OBJECTIVE_SHARPE;
    g.layers = 2;
    g.hidden = 32;
    g.seq_len = 50;
    g.lr = 0.001;
    g.weight_decay = 0.0001;
    g.dropout = 0.1;
    g.batch = 64;
    g.steps = 200;
    g.features = bit(FEATURE_RET1) | bit(FEATURE_VOL20);
    g.strategies = 0;
    g.rebalance = 5;
    return g;
}

/* The example as a Transformer encoder: d_model 32 in 2 heads, feed-forward width 64. */
static evo_genome example_attention(void)
{
    evo_genome g = example();
    g.arch = ARCH_ATTENTION;
    g.hidden = 0;
    g.d_model = 32;
    g.heads = 2;
    g.ff = 64;
    return g;
}

static evo_genome example_portfolio(void)
{
    evo_genome g = example();
    g.model = MODEL_PORTFOLIO;
    g.strategies = bit(STRATEGY_EW) | bit(STRATEGY_MINVAR) | bit(STRATEGY_ERC);
    return g;
}

/* Field by field: padding bytes of hand-made genomes are not defined, so no memcmp. */
static void assert_same_genome(const evo_genome *a, const evo_genome *b, const char *what)
{
    cr_assert(a->model == b->model && a->objective == b->objective && a->layers == b->layers &&
                  a->hidden == b->hidden && a->seq_len == b->seq_len && a->lr == b->lr &&
                  a->weight_decay == b->weight_decay && a->dropout == b->dropout && a->batch == b->batch &&
                  a->steps == b->steps && a->features == b->features && a->strategies == b->strategies &&
                  a->rebalance == b->rebalance && a->arch == b->arch && a->d_model == b->d_model &&
                  a->heads == b->heads && a->ff == b->ff,
              "%s: genomes differ", what);
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

static int is_int(double v)
{
    return v == floor(v);
}

/* Every gene of g lies in cfg's search space, checked here independently of genome_validate. */
static void assert_inside(const evo_genome *g, const evo_config *cfg, uint64_t seed)
{
    char key[GENOME_KEY_MAX];
    genome_key(g, key);
    cr_assert(bit(g->model) & cfg->search.model, "seed %llu: model outside: %s", (unsigned long long)seed,
              key);
    cr_assert(bit(g->objective) & cfg->search.objective, "seed %llu: %s", (unsigned long long)seed, key);
    const struct {
        double v;
        const evo_gene_range *r;
        int integer;
        const char *name;
    } num[] = {
        {g->layers, &cfg->search.layers, 1, "layers"},
        {g->hidden, &cfg->search.hidden, 1, "hidden"},
        {g->seq_len, &cfg->search.seq_len, 1, "seq_len"},
        {g->lr, &cfg->search.lr, 0, "lr"},
        {g->weight_decay, &cfg->search.weight_decay, 0, "weight_decay"},
        {g->batch, &cfg->search.batch, 1, "batch"},
        {g->steps, &cfg->search.steps, 1, "steps"},
        {g->rebalance, &cfg->search.rebalance, 1, "rebalance"},
    };
    const int linear = g->model == MODEL_LINEAR; /* no LSTM: layers, hidden, seq_len are fixed */
    for (size_t i = linear ? 3 : 0; i < sizeof num / sizeof num[0]; i++) {
        if (num[i].r == &cfg->search.hidden && g->arch == ARCH_ATTENTION) /* the LSTM's units: 0, checked below */
            continue;
        cr_assert(in_range(num[i].v, num[i].r), "seed %llu: %s = %g outside: %s", (unsigned long long)seed,
                  num[i].name, num[i].v, key);
        cr_assert(!num[i].integer || is_int(num[i].v), "%s = %g", num[i].name, num[i].v);
    }
    cr_assert(bit(g->arch) & cfg->search.arch, "seed %llu: arch outside: %s", (unsigned long long)seed, key);
    if (g->arch == ARCH_ATTENTION) {
        cr_assert(!linear && g->hidden == 0, "seed %llu: attention has no LSTM units: %s", (unsigned long long)seed, key);
        cr_assert(in_range(g->d_model, &cfg->search.d_model) && in_range(g->heads, &cfg->search.heads) &&
                      in_range(g->ff, &cfg->search.ff) && g->d_model % g->heads == 0,
                  "seed %llu: d_model, heads, ff: %s", (unsigned long long)seed, key);
    } else {
        cr_assert(g->d_model == 0 && g->heads == 0 && g->ff == 0, "seed %llu: an LSTM's attention genes: %s",
                  (unsigned long long)seed, key);
    }
    if (linear)
        cr_assert(g->layers == 0 && g->hidden == 0 && g->seq_len == 1 && g->dropout == 0 && g->arch == ARCH_LSTM,
                  "seed %llu: linear: %s", (unsigned long long)seed, key);
    else if (g->layers == 1 && g->arch == ARCH_LSTM)
        cr_assert_eq(g->dropout, 0.0, "seed %llu: one layer keeps dropout 0: %s", (unsigned long long)seed,
                     key);
    else
        cr_assert(in_range(g->dropout, &cfg->search.dropout), "seed %llu: dropout %g",
                  (unsigned long long)seed, g->dropout);
    cr_assert(g->features && !(g->features & ~cfg->search.features), "seed %llu: features %s",
              (unsigned long long)seed, key);
    if (g->model == MODEL_PORTFOLIO) {
        cr_assert_eq(g->features, cfg->search.features, "portfolio: the whole allowed feature set");
        cr_assert(__builtin_popcount(g->strategies) >= 2 && !(g->strategies & ~cfg->search.strategies),
                  "seed %llu: strategies %s", (unsigned long long)seed, key);
    } else {
        cr_assert_eq(g->strategies, 0u, "seed %llu: strategies of a non-portfolio model: %s",
                     (unsigned long long)seed, key);
    }
    evo_error err = {0};
    cr_assert_eq(genome_validate(g, cfg, &err), EVO_OK, "seed %llu: %s: %s", (unsigned long long)seed, key,
                 err.msg);
}

/* ---------------------------------------------------------------- random */

Test(genome, random_stays_in_the_search_space, .description = "2000 seeds x 2 spaces: every gene inside")
{
    const char *spaces[] = {SOURCE, MIXED_SPACE};
    for (int c = 0; c < 2; c++) {
        evo_config cfg;
        parse(spaces[c], &cfg);
        for (uint64_t seed = 1; seed <= 2000; seed++) {
            evo_rng rng;
            evo_genome g;
            rng_seed(&rng, seed);
            genome_random(&g, &cfg, &rng);
            assert_inside(&g, &cfg, seed);
        }
        config_free(&cfg);
    }
}

Test(genome, random_is_deterministic_for_a_seed, .description = "same seed, same genome; seeds differ")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    int distinct = 0;
    char prev[GENOME_KEY_MAX] = "";
    for (uint64_t seed = 1; seed <= 200; seed++) {
        evo_rng r1, r2;
        evo_genome a, b;
        rng_seed(&r1, seed);
        rng_seed(&r2, seed);
        genome_random(&a, &cfg, &r1);
        genome_random(&b, &cfg, &r2);
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(memcmp(&r1, &r2, sizeof r1), 0, "the same number of draws");
        char key[GENOME_KEY_MAX];
        genome_key(&a, key);
        distinct += strcmp(key, prev) != 0;
        strcpy(prev, key);
    }
    /* The default space has about 10^13 candidates: consecutive seeds repeating one would be a bug. */
    cr_assert_eq(distinct, 200, "consecutive seeds gave equal genomes");
    config_free(&cfg);
}

Test(genome, random_reaches_every_choice_and_both_ends,
     .description = "over 3000 draws: every allowed name and list value, both ends of integer ranges")
{
    evo_config cfg;
    parse(MIXED_SPACE, &cfg);
    enum { N = 3000 };
    int model[MODEL_KIND_COUNT] = {0}, seq[3] = {0}, wd[3] = {0}, reb[3] = {0};
    int layers_lo = 0, layers_hi = 0, hidden_lo = 0, hidden_hi = 0, steps[3] = {0};
    int feature[FEATURE_COUNT] = {0}, strategy[STRATEGY_COUNT] = {0};
    evo_rng rng;
    rng_seed(&rng, 2024); /* one stream: draws follow each other as in a search */
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        model[g.model]++;
        for (int j = 0; j < 3; j++) {
            seq[j] += g.seq_len == cfg.search.seq_len.values[j];
            wd[j] += g.weight_decay == cfg.search.weight_decay.values[j];
            reb[j] += g.rebalance == cfg.search.rebalance.values[j];
            steps[j] += g.steps == 7 + j;
        }
        layers_lo += g.layers == 1;
        layers_hi += g.layers == 3;
        hidden_lo += g.hidden == 4;
        hidden_hi += g.hidden == 40;
        for (int f = 0; f < FEATURE_COUNT; f++)
            feature[f] += g.model != MODEL_PORTFOLIO && (g.features >> f) & 1u;
        for (int s = 0; s < STRATEGY_COUNT; s++)
            strategy[s] += (g.strategies >> s) & 1u;
    }
    cr_assert(model[MODEL_ASSET] && model[MODEL_PORTFOLIO] && !model[MODEL_SHARED], "%d %d %d", model[0],
              model[1], model[2]);
    for (int j = 0; j < 3; j++) {
        cr_assert_gt(seq[j], 0, "seq_len value %d never drawn", j);
        cr_assert_gt(wd[j], 0, "weight_decay value %d never drawn", j);
        cr_assert_gt(reb[j], 0, "rebalance value %d never drawn", j);
        cr_assert_gt(steps[j], 0, "steps %d never drawn", 7 + j);
    }
    /* hidden is log-uniform over the integers 4..40: P(40) = 1 - log(40/4)/log(41/4) = 1.1% per draw,
     * P(4) = log(5/4)/log(41/4) = 9.6%. 3000 draws expect 32 and 290 (missing one by chance: e^-32);
     * the rarest list value or end above has probability 1/3 per draw. A draw that never reaches the
     * max (e.g. floor over [min, max)) gives 0 for every seed. */
    cr_assert(layers_lo && layers_hi, "layers 1: %d, 3: %d", layers_lo, layers_hi);
    cr_assert(hidden_lo && hidden_hi, "hidden 4: %d, 40: %d", hidden_lo, hidden_hi);
    for (int f = 0; f < FEATURE_COUNT; f++)
        cr_assert_eq(feature[f] > 0, (cfg.search.features >> f) & 1u, "feature %d drawn %d times", f,
                     feature[f]);
    for (int s = 0; s < STRATEGY_COUNT; s++)
        cr_assert_eq(strategy[s] > 0, (cfg.search.strategies >> s) & 1u, "strategy %d drawn %d times", s,
                     strategy[s]);
    config_free(&cfg);

    /* The default space: every model and objective, both ends of every integer range but steps. The
     * rarest is hidden = 64 of the log-uniform 8..64: P = 1 - log(8)/log(65/8) = 0.75% per draw, 22
     * expected. steps is log-uniform over 100..2000, whose top value has P = 1 - log(20)/log(20.01) =
     * 1.7e-4 per draw: its ends are checked as the lowest and the top tenth of the log range (P(steps >=
     * 100 * 20^0.9 = 1486) = 10%). */
    parse(SOURCE, &cfg);
    int objective[OBJECTIVE_COUNT] = {0};
    struct {
        const char *name;
        const evo_gene_range *r;
        int lo, hi;
    } ends[] = {{"layers", &cfg.search.layers, 0, 0},   {"hidden", &cfg.search.hidden, 0, 0},
                {"seq_len", &cfg.search.seq_len, 0, 0}, {"batch", &cfg.search.batch, 0, 0},
                {"steps", &cfg.search.steps, 0, 0},   {"rebalance", &cfg.search.rebalance, 0, 0}};
    memset(model, 0, sizeof model);
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        model[g.model]++;
        objective[g.objective]++;
        const int v[] = {g.layers, g.hidden, g.seq_len, g.batch, g.steps, g.rebalance};
        for (int j = 0; j < 6; j++) {
            ends[j].lo += v[j] == ends[j].r->min;
            ends[j].hi += j == 4 ? v[j] >= 1486 : v[j] == ends[j].r->max;
        }
    }
    for (int m = 0; m < MODEL_KIND_COUNT; m++)
        cr_assert_gt(model[m], 0, "model %s never drawn", catalog_model_kinds.names[m]);
    for (int o = 0; o < OBJECTIVE_COUNT; o++)
        cr_assert_gt(objective[o], 0, "objective %s never drawn", catalog_objectives.names[o]);
    for (int j = 0; j < 6; j++)
        cr_assert(ends[j].lo && ends[j].hi, "%s: min drawn %d times, max %d times", ends[j].name, ends[j].lo,
                  ends[j].hi);
    config_free(&cfg);
}

Test(genome, random_log_scale_is_log_uniform, .description = "half the draws of lr in 1e-6..1e-2 are < 1e-4")
{
    /* lr log-uniform over [1e-6, 1e-2]: P(lr < 1e-4) = 1/2 (uniform would give 1%). hidden log-uniform
     * over the integers 4..40: P(hidden < 13) = log(13/4)/log(41/4) = 0.506 (uniform: 9/37 = 0.24).
     * Over N = 4000 draws a share has sd sqrt(0.25 / 4000) = 0.0079; 0.04 is 5 sd, and a linear draw
     * misses by 0.26 or more. */
    evo_config cfg;
    parse(MIXED_SPACE, &cfg);
    enum { N = 4000 };
    int lr_low = 0, hidden_low = 0, lstm = 0;
    evo_rng rng;
    rng_seed(&rng, 7);
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        lr_low += g.lr < 1e-4;
        hidden_low += g.arch == ARCH_LSTM && g.hidden < 13;
        lstm += g.arch == ARCH_LSTM;
    }
    cr_assert_float_eq((double)lr_low / N, 0.5, 0.04, "share of lr < 1e-4: %d / %d", lr_low, N);
    cr_assert_gt(lstm, N / 3, "about half the draws are LSTMs: %d", lstm); /* then the sd is below 0.012 */
    cr_assert_float_eq((double)hidden_low / lstm, log(13.0 / 4) / log(41.0 / 4), 0.05, "hidden < 13: %d / %d",
                       hidden_low, lstm);
    config_free(&cfg);
}

Test(genome, random_single_values_are_fixed, .description = "a gene with one allowed value always gets it")
{
    evo_config cfg;
    const char *arch[2] = {"lstm", "attention"}, *want[2] = {
        "model=shared;objective=meanvar;layers=2;hidden=48;seq_len=30;lr=0.003;weight_decay=2e-05;dropout=0.25;"
        "batch=100;steps=12;features=rsi14;strategies=;rebalance=10;arch=lstm;d_model=0;heads=0;ff=0",
        "model=shared;objective=meanvar;layers=2;hidden=0;seq_len=30;lr=0.003;weight_decay=2e-05;dropout=0.25;"
        "batch=100;steps=12;features=rsi14;strategies=;rebalance=10;arch=attention;d_model=24;heads=3;ff=40"};
    for (int a = 0; a < 2; a++) {
        char text[512];
        snprintf(text, sizeof text, SOURCE "search: {model: shared, objective: meanvar, layers: 2, hidden: 48, "
                 "seq_len: 30, lr: 0.003, weight_decay: 0.00002, dropout: 0.25, batch: 100, steps: 12, features: "
                 "[rsi14], rebalance: 10, arch: %s, d_model: 24, heads: 3, ff: 40}\n", arch[a]);
        parse(text, &cfg);
        for (uint64_t seed = 1; seed <= 100; seed++) {
            evo_rng rng;
            evo_genome g;
            rng_seed(&rng, seed);
            genome_random(&g, &cfg, &rng);
            char key[GENOME_KEY_MAX];
            genome_key(&g, key);
            cr_assert_str_eq(key, want[a]);
        }
        config_free(&cfg);
    }
}

/* ---------------------------------------------------------------- normalise */

Test(genome, normalise_clears_irrelevant_genes, .description = "strategies, portfolio features, dropout")
{
    evo_config cfg;
    parse(SOURCE "search: {features: [ret1, vol20, macd]}\n", &cfg);
    evo_genome g = example();
    g.strategies = bit(STRATEGY_EW) | bit(STRATEGY_ERC);
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.strategies, 0u, "asset model: no strategies");
    cr_assert_eq(g.features, bit(FEATURE_RET1) | bit(FEATURE_VOL20), "asset model keeps its features");

    g = example();
    g.model = MODEL_SHARED;
    g.strategies = bit(STRATEGY_EW) | bit(STRATEGY_ERC);
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.strategies, 0u, "shared model: no strategies");

    g = example_portfolio();
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.features, cfg.search.features, "portfolio: features = the allowed set");
    cr_assert_eq(g.strategies, bit(STRATEGY_EW) | bit(STRATEGY_MINVAR) | bit(STRATEGY_ERC));

    g = example();
    g.layers = 1;
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.dropout, 0.0, "one layer: no dropout between layers");
    g = example();
    g.dropout = 0.25;
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.dropout, 0.25, "two layers keep dropout");
    config_free(&cfg);
}

Test(genome, normalise_rounds_reals_to_4_digits,
     .description = "lr, weight_decay, dropout: 4 significant digits")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g = example();
    g.lr = 0.00123456;
    g.weight_decay = 3.33333e-5;
    g.dropout = 0.123456;
    genome_normalise(&g, &cfg);
    /* Exact: the rounded value is the double nearest to the 4-digit decimal, as the literal is. */
    cr_assert_eq(g.lr, 0.001235, "%.17g", g.lr);
    cr_assert_eq(g.weight_decay, 3.333e-5, "%.17g", g.weight_decay);
    cr_assert_eq(g.dropout, 0.1235, "%.17g", g.dropout);
    g.lr = 0.0099996; /* the carry moves to the next decade */
    g.weight_decay = 0;
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.lr, 0.01, "%.17g", g.lr);
    cr_assert_eq(g.weight_decay, 0.0);
    evo_genome h = g;
    genome_normalise(&h, &cfg);
    assert_same_genome(&g, &h, "normalising twice changes nothing");
    cr_assert_eq(g.hidden, 32, "integers untouched");
    config_free(&cfg);
}

/* ---------------------------------------------------------------- key */

Test(genome, key_is_the_documented_text, .description = "exact keys of hand-made genomes")
{
    evo_config cfg;
    parse(SOURCE "search: {features: [ret1, vol20, macd]}\n", &cfg);
    evo_genome g = example();
    char key[GENOME_KEY_MAX];
    genome_normalise(&g, &cfg);
    genome_key(&g, key);
    cr_assert_str_eq(key, EXAMPLE_KEY);

    g = example_portfolio();
    g.objective = OBJECTIVE_FORECAST;
    g.layers = 1;
    g.weight_decay = 1e-5;
    g.lr = 0.00123456;
    genome_normalise(&g, &cfg);
    genome_key(&g, key);
    cr_assert_str_eq(key, "model=portfolio;objective=forecast;layers=1;hidden=32;seq_len=50;lr=0.001235;"
                          "weight_decay=1e-05;dropout=0;batch=64;steps=200;features=ret1+vol20+macd;"
                          "strategies=ew+minvar+erc;rebalance=5;arch=lstm;d_model=0;heads=0;ff=0");

    g = example_attention(); /* hidden is the LSTM's: 0; d_model 30 is not a multiple of 4: 28 */
    g.hidden = 32;
    g.heads = 4;
    g.d_model = 30;
    genome_normalise(&g, &cfg);
    genome_key(&g, key);
    cr_assert_str_eq(key, "model=asset;objective=sharpe;layers=2;hidden=0;seq_len=50;lr=0.001;weight_decay=0.0001;"
                          "dropout=0.1;batch=64;steps=200;features=ret1+vol20;strategies=;rebalance=5;"
                          "arch=attention;d_model=28;heads=4;ff=64");
    config_free(&cfg);
}

/* Change gene k of g to another value of the same kind (inside the default space). */
static void change_gene(evo_genome *g, evo_gene k)
{
    switch (k) {
    case GENE_MODEL: g->model = g->model == MODEL_ASSET ? MODEL_SHARED : MODEL_ASSET; break;
    case GENE_OBJECTIVE: g->objective = OBJECTIVE_SORTINO; break;
    case GENE_LAYERS: g->layers = 1; break;
    case GENE_HIDDEN: g->hidden = 33; break;
    case GENE_SEQ_LEN: g->seq_len = 49; break;
    case GENE_LR: g->lr = 0.001001; break; /* the smallest change that 4 digits keep */
    case GENE_WEIGHT_DECAY: g->weight_decay = 0.0002; break;
    case GENE_DROPOUT: g->dropout = 0.1001; break;
    case GENE_BATCH: g->batch = 65; break;
    case GENE_STEPS: g->steps = 21; break;
    case GENE_FEATURES: g->features |= bit(FEATURE_MACD); break;
    case GENE_STRATEGIES: g->strategies ^= bit(STRATEGY_MOMENTUM); break;
    case GENE_REBALANCE: g->rebalance = 6; break;
    case GENE_ARCH: g->arch = ARCH_ATTENTION; break;
    case GENE_D_MODEL: g->d_model = 48; break;
    case GENE_HEADS: g->heads = 4; break;
    case GENE_FF: g->ff = 65; break;
    default: cr_assert_fail("gene %d has no change in this test: add one", k);
    }
}

/* Split a key at ';' into its GENE_COUNT segments. */
static void key_segments(char *key, char *seg[GENE_COUNT])
{
    int n = 0;
    for (char *tok = strtok(key, ";"); tok; tok = strtok(NULL, ";")) {
        cr_assert_lt(n, GENE_COUNT, "more segments than genes");
        seg[n++] = tok;
    }
    cr_assert_eq(n, GENE_COUNT, "a key has one segment per gene");
}

Test(genome, key_changes_with_every_gene, .description = "changing any one gene changes exactly its segment")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    for (int k = 0; k < GENE_COUNT; k++) {
        /* Strategies matter only to the portfolio model, features only to the others. */
        /* The attention genes matter only to attention. */
        const int attention = k == GENE_D_MODEL || k == GENE_HEADS || k == GENE_FF;
        evo_genome base = k == GENE_STRATEGIES ? example_portfolio() : attention ? example_attention() : example();
        evo_genome g = base;
        change_gene(&g, (evo_gene)k);
        genome_normalise(&base, &cfg);
        genome_normalise(&g, &cfg);
        char a[GENOME_KEY_MAX], b[GENOME_KEY_MAX], *sa[GENE_COUNT], *sb[GENE_COUNT];
        genome_key(&base, a);
        genome_key(&g, b);
        cr_assert_str_neq(a, b, "gene %s changed, key did not", genome_genes[k].name);
        key_segments(a, sa);
        key_segments(b, sb);
        for (int j = 0; j < GENE_COUNT; j++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "%s=", genome_genes[j].name);
            cr_assert(!strncmp(sa[j], prefix, strlen(prefix)), "segment %d is '%s', not gene %s", j, sa[j],
                      genome_genes[j].name);
            /* Going to one layer also zeroes dropout: that segment may change with it. */
            int follows = (k == GENE_LAYERS && j == GENE_DROPOUT) ||
                          /* going to attention drops the LSTM's hidden and takes the attention genes */
                          (k == GENE_ARCH && (j == GENE_HIDDEN || j == GENE_D_MODEL || j == GENE_HEADS || j == GENE_FF));
            if (j == k)
                cr_assert_str_neq(sa[j], sb[j], "gene %s", genome_genes[k].name);
            else if (!follows)
                cr_assert_str_eq(sa[j], sb[j], "changing %s changed segment %s", genome_genes[k].name,
                                 genome_genes[j].name);
        }
    }
    config_free(&cfg);
}

Test(genome, key_ignores_irrelevant_genes, .description = "genes a model ignores, and digits past the 4th")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    char a[GENOME_KEY_MAX], b[GENOME_KEY_MAX];
    const struct {
        const char *what;
        evo_genome g;
    } cases[] = {
        {"strategies of an asset model", example()},
        {"lr 0.0010001", example()},
        {"weight_decay 0.000100004", example()},
        {"dropout with one layer", example()},
        {"features of a portfolio model", example_portfolio()},
    };
    for (int i = 0; i < 5; i++) {
        evo_genome base = cases[i].g, g = cases[i].g;
        switch (i) {
        case 0: g.strategies = bit(STRATEGY_EW) | bit(STRATEGY_ERC); break;
        case 1: g.lr = 0.0010001; break;
        case 2: g.weight_decay = 0.000100004; break;
        case 3: base.layers = g.layers = 1, g.dropout = 0.3; break;
        case 4: g.features = bit(FEATURE_MACD); break;
        }
        genome_normalise(&base, &cfg);
        genome_normalise(&g, &cfg);
        genome_key(&base, a);
        genome_key(&g, b);
        cr_assert_str_eq(a, b, "%s", cases[i].what);
        assert_same_genome(&base, &g, cases[i].what);
    }
    config_free(&cfg);
}

/* ---------------------------------------------------------------- JSON */

Test(genome, json_of_the_example, .description = "the issue's example genome prints exactly as written")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g = example(), h;
    genome_normalise(&g, &cfg);
    char *json = genome_to_json(&g);
    cr_assert_not_null(json);
    cr_assert_str_eq(json, EXAMPLE_JSON);
    evo_error err = {0};
    cr_assert_eq(genome_from_json(&h, EXAMPLE_JSON, &cfg, &err), EVO_OK, "%s", err.msg);
    assert_same_genome(&g, &h, "parsed example");
    char key[GENOME_KEY_MAX];
    genome_key(&h, key);
    cr_assert_str_eq(key, EXAMPLE_KEY);
    free(json);

    /* Portfolio: strategies instead of features; one layer: no dropout (a gene the model does not read
     * is left out). */
    g = example_portfolio();
    g.layers = 1;
    genome_normalise(&g, &cfg);
    json = genome_to_json(&g);
    cr_assert_str_eq(json, "{\"model\":\"portfolio\",\"objective\":\"sharpe\",\"layers\":1,\"hidden\":32,"
                           "\"seq_len\":50,\"lr\":0.001,\"weight_decay\":0.0001,\"batch\":64,"
                           "\"steps\":200,\"strategies\":[\"ew\",\"minvar\",\"erc\"],\"rebalance\":5,"
                           "\"arch\":\"lstm\"}");
    cr_assert_eq(genome_from_json(&h, json, &cfg, &err), EVO_OK, "%s", err.msg);
    assert_same_genome(&g, &h, "parsed portfolio");
    free(json);

    /* Attention: d_model, heads, ff and dropout (one block has it) instead of hidden; a JSON without
     * arch (written before it existed) is an LSTM. */
    g = example_attention();
    g.layers = 1;
    genome_normalise(&g, &cfg);
    json = genome_to_json(&g);
    cr_assert_str_eq(json, "{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":1,\"seq_len\":50,"
                           "\"lr\":0.001,\"weight_decay\":0.0001,\"dropout\":0.1,\"batch\":64,\"steps\":200,"
                           "\"features\":[\"ret1\",\"vol20\"],\"rebalance\":5,\"arch\":\"attention\","
                           "\"d_model\":32,\"heads\":2,\"ff\":64}");
    cr_assert_eq(genome_from_json(&h, json, &cfg, &err), EVO_OK, "%s", err.msg);
    assert_same_genome(&g, &h, "parsed attention");
    free(json);
    cr_assert_eq(genome_from_json(&h, EXAMPLE_JSON_BEFORE_ARCH, &cfg, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(h.arch, ARCH_LSTM);
    genome_key(&h, key);
    cr_assert_str_eq(key, EXAMPLE_KEY);
    json = NULL;
    free(json);

    /* Linear: no LSTM genes; the key holds them in canonical form (0 layers and hidden, 1 day). */
    g = example();
    g.model = MODEL_LINEAR;
    genome_normalise(&g, &cfg);
    json = genome_to_json(&g);
    cr_assert_str_eq(json, "{\"model\":\"linear\",\"objective\":\"sharpe\",\"lr\":0.001,\"weight_decay\":0.0001,"
                           "\"batch\":64,\"steps\":200,\"features\":[\"ret1\",\"vol20\"],\"rebalance\":5}");
    cr_assert_eq(genome_from_json(&h, json, &cfg, &err), EVO_OK, "%s", err.msg);
    assert_same_genome(&g, &h, "parsed linear");
    genome_key(&h, key);
    cr_assert_str_eq(key, "model=linear;objective=sharpe;layers=0;hidden=0;seq_len=1;lr=0.001;weight_decay=0.0001;"
                          "dropout=0;batch=64;steps=200;features=ret1+vol20;strategies=;rebalance=5;arch=lstm;d_model=0;heads=0;ff=0");
    free(json);
    config_free(&cfg);
}

Test(genome, json_round_trips_random_genomes,
     .description = "from_json(to_json(g)) == g, same key, same text")
{
    const char *spaces[] = {SOURCE, MIXED_SPACE};
    for (int c = 0; c < 2; c++) {
        evo_config cfg;
        parse(spaces[c], &cfg);
        evo_rng rng;
        rng_seed(&rng, 99);
        for (int i = 0; i < 500; i++) {
            evo_genome g, h;
            evo_error err = {0};
            genome_random(&g, &cfg, &rng);
            char *json = genome_to_json(&g);
            cr_assert_not_null(json);
            cr_assert_eq(genome_from_json(&h, json, &cfg, &err), EVO_OK, "%s: %s", json, err.msg);
            cr_assert_eq(memcmp(&g, &h, sizeof g), 0, "round trip changed %s", json);
            char ka[GENOME_KEY_MAX], kb[GENOME_KEY_MAX];
            genome_key(&g, ka);
            genome_key(&h, kb);
            cr_assert_str_eq(ka, kb);
            char *again = genome_to_json(&h);
            cr_assert_str_eq(json, again);
            free(json);
            free(again);
        }
        config_free(&cfg);
    }
}

Test(genome, json_accepts_what_normalising_ignores,
     .description = "optional genes: dropout with 1 layer, features of a portfolio, strategies of others")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g;
    evo_error err = {0};
    const char *one_layer = "{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":1,\"hidden\":32,"
                            "\"seq_len\":50,\"lr\":0.001,\"weight_decay\":0.0001,\"batch\":64,\"steps\":200,"
                            "\"features\":[\"ret1\"],\"rebalance\":5}";
    cr_assert_eq(genome_from_json(&g, one_layer, &cfg, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(g.dropout, 0.0);
    const char *with_strategies = "{\"model\":\"asset\",\"objective\":\"sharpe\",\"layers\":2,\"hidden\":32,"
                                  "\"seq_len\":50,\"lr\":0.0010001,\"weight_decay\":0.0001,\"dropout\":0.1,"
                                  "\"batch\":64,\"steps\":200,\"features\":[\"vol20\",\"ret1\"],"
                                  "\"strategies\":[\"ew\",\"erc\"],\"rebalance\":5}";
    cr_assert_eq(genome_from_json(&g, with_strategies, &cfg, &err), EVO_OK, "%s", err.msg);
    char key[GENOME_KEY_MAX];
    genome_key(&g, key);
    cr_assert_str_eq(key, EXAMPLE_KEY, "name order, extra digits and ignored strategies do not matter");
    config_free(&cfg);
}

/* ---------------------------------------------------------------- errors */

/* EXAMPLE_JSON with the first occurrence of from replaced by to (from must occur). */
static char *example_with(const char *from, const char *to)
{
    static char buf[1024];
    const char *at = strstr(EXAMPLE_JSON, from);
    cr_assert_not_null(at, "'%s' not in the example", from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - EXAMPLE_JSON), EXAMPLE_JSON, to, at + strlen(from));
    return buf;
}

/* Parsing json against yaml's space fails with EVO_ERR_USAGE and each given fragment. */
static void expect_error(const char *yaml, const char *json, const char *frag1, const char *frag2)
{
    evo_config cfg;
    evo_genome g;
    evo_error err = {0};
    parse(yaml, &cfg);
    int rc = genome_from_json(&g, json, &cfg, &err);
    config_free(&cfg);
    cr_assert_eq(rc, EVO_ERR_USAGE, "accepted: %s", json);
    cr_assert(strstr(err.msg, frag1), "message '%s' lacks '%s'", err.msg, frag1);
    cr_assert(!frag2 || strstr(err.msg, frag2), "message '%s' lacks '%s'", err.msg, frag2);
}

Test(genome, error_malformed_json,
     .description = "syntax errors give line:column; the top level is an object")
{
    expect_error(SOURCE, "{\"model\":\"asset\",\n\"objective\":sharpe}",
                 "genome JSON 2:18:", "invalid token");
    expect_error(SOURCE, "{\"model\":\"asset\"", "genome JSON 1:", "Write it like");
    expect_error(SOURCE, "", "genome JSON 1:", NULL);
    expect_error(SOURCE, "5", "genome JSON 1:1:", NULL);
    expect_error(SOURCE, "[{\"model\":\"asset\"}]", "expected an object", NULL);
    expect_error(SOURCE, example_with("\"rebalance\":5", "\"rebalance\":5,\"rebalance\":6"), "duplicate",
                 "rebalance");
}

Test(genome, error_unknown_and_missing_genes, .description = "unknown gene with did-you-mean; missing genes")
{
    expect_error(SOURCE, example_with("\"steps\"", "\"step\""), "unknown gene 'step'",
                 "did you mean 'steps'");
    expect_error(SOURCE, example_with("\"seq_len\"", "\"colour\""), "unknown gene 'colour'", NULL);
    expect_error(SOURCE, example_with(",\"batch\":64", ""), "gene 'batch' is missing", NULL);
    expect_error(SOURCE, example_with(",\"dropout\":0.1", ""), "gene 'dropout' is missing", NULL);
    expect_error(SOURCE, example_with(",\"features\":[\"ret1\",\"vol20\"]", ""), "gene 'features' is missing",
                 NULL);
    expect_error(SOURCE, example_with("\"asset\",", "\"portfolio\","), "gene 'strategies' is missing", NULL);
    expect_error(SOURCE, "{}", "is missing", NULL);
    /* attention reads d_model, heads and ff instead of hidden */
    const char *attention = "\"arch\":\"attention\",\"d_model\":32,\"heads\":2,\"ff\":64}";
    expect_error(SOURCE, example_with("\"arch\":\"lstm\"}", "\"arch\":\"attention\"}"), "gene 'd_model' is missing", NULL);
    expect_error(SOURCE, example_with("\"arch\":\"lstm\"}", "\"arch\":\"attention\",\"d_model\":30,\"heads\":4,\"ff\":64}"),
                 "d_model 30 is not a multiple of heads 4", NULL);
    expect_error(SOURCE, example_with("\"arch\":\"lstm\"}", "\"arch\":\"transformer\"}"), "expected an architecture name", "transformer");
    evo_config cfg;
    evo_genome g;
    evo_error err = {0};
    parse(SOURCE, &cfg);
    cr_assert_eq(genome_from_json(&g, example_with("\"arch\":\"lstm\"}", attention), &cfg, &err), EVO_OK, "%s", err.msg);
    cr_assert(g.arch == ARCH_ATTENTION && g.d_model == 32 && g.heads == 2 && g.ff == 64 && g.hidden == 0,
              "the LSTM's hidden is dropped");
    config_free(&cfg);
}

Test(genome, error_wrong_types, .description = "each gene kind names what it expected")
{
    /* choice */
    expect_error(SOURCE, example_with("\"asset\"", "3"), "gene model: expected a model kind name",
                 "non-string");
    expect_error(SOURCE, example_with("\"sharpe\"", "[\"sharpe\"]"), "gene objective: expected an objective",
                 NULL);
    expect_error(SOURCE, example_with("\"asset\"", "\"aset\""), "got 'aset'", "did you mean 'asset'");
    /* int */
    expect_error(SOURCE, example_with("\"layers\":2", "\"layers\":\"2\""),
                 "gene layers: expected a whole number", NULL);
    expect_error(SOURCE, example_with("\"hidden\":32", "\"hidden\":32.5"),
                 "gene hidden: expected a whole number", NULL);
    expect_error(SOURCE, example_with("\"steps\":20", "\"steps\":1e12"),
                 "gene steps: expected a whole number", NULL);
    expect_error(SOURCE, example_with("\"batch\":64", "\"batch\":99999999999999999999"),
                 "genome JSON 1:", "too big integer");
    expect_error(SOURCE, example_with("\"batch\":64", "\"batch\":null"),
                 "gene batch: expected a whole number", NULL);
    /* real */
    expect_error(SOURCE, example_with("0.001", "\"0.001\""), "gene lr: expected a number", NULL);
    expect_error(SOURCE, example_with("\"dropout\":0.1", "\"dropout\":true"),
                 "gene dropout: expected a number", NULL);
    /* set */
    expect_error(SOURCE, example_with("[\"ret1\",\"vol20\"]", "\"ret1\""),
                 "gene features: expected a non-empty "
                 "list of feature names",
                 NULL);
    expect_error(SOURCE, example_with("[\"ret1\",\"vol20\"]", "[\"ret1\",7]"),
                 "gene features: unknown feature", "(not a string)");
}

Test(genome, error_bad_names_in_sets, .description = "unknown, duplicate and empty feature/strategy lists")
{
    const char *portfolio =
        "{\"model\":\"portfolio\",\"objective\":\"sharpe\",\"layers\":2,\"hidden\":32,"
        "\"seq_len\":50,\"lr\":0.001,\"weight_decay\":0.0001,\"dropout\":0.1,\"batch\":64,"
        "\"steps\":200,\"strategies\":%s,\"rebalance\":5}";
    char json[512];
    expect_error(SOURCE, example_with("\"vol20\"", "\"vol2O\""), "gene features: unknown feature 'vol2O'",
                 "did you mean 'vol20'");
    expect_error(SOURCE, example_with("\"vol20\"", "\"ret1\""), "gene features: 'ret1' is listed twice",
                 NULL);
    expect_error(SOURCE, example_with("[\"ret1\",\"vol20\"]", "[]"),
                 "gene features: expected a non-empty list", NULL);
    snprintf(json, sizeof json, portfolio, "[\"ew\",\"minvr\"]");
    expect_error(SOURCE, json, "gene strategies: unknown strategy 'minvr'", "did you mean 'minvar'");
    snprintf(json, sizeof json, portfolio, "[\"ew\",\"erc\",\"ew\"]");
    expect_error(SOURCE, json, "gene strategies: 'ew' is listed twice", NULL);
    snprintf(json, sizeof json, portfolio, "[]");
    expect_error(SOURCE, json, "gene strategies: expected a non-empty list of strategy names", NULL);
    snprintf(json, sizeof json, portfolio, "[\"ew\"]");
    expect_error(SOURCE, json, "gene strategies: the portfolio model blends at least 2 strategies", NULL);
}

Test(genome, error_outside_the_search_space, .description = "choices, names, ranges and lists of the config")
{
    expect_error(SOURCE "search: {model: [asset, portfolio]}\n", example_with("\"asset\"", "\"shared\""),
                 "gene model: 'shared' is not in search.model of t.yaml", NULL);
    expect_error(SOURCE "search: {objective: [sortino, meanvar]}\n", EXAMPLE_JSON,
                 "gene objective: 'sharpe' is not in search.objective", NULL);
    /* volchg is a known feature but not in the default space (it needs volume). */
    expect_error(SOURCE, example_with("\"vol20\"", "\"volchg\""),
                 "gene features:", "outside the search space");
    expect_error(
        SOURCE "search: {strategies: [ew, erc, minvar]}\n",
        "{\"model\":\"portfolio\",\"objective\":\"sharpe\",\"layers\":2,\"hidden\":32,\"seq_len\":50,"
        "\"lr\":0.001,\"weight_decay\":0.0001,\"dropout\":0.1,\"batch\":64,\"steps\":200,"
        "\"strategies\":[\"ew\",\"momentum\"],\"rebalance\":5}",
        "gene strategies:", "outside the search space");
    /* Ranges (default space): lr in [1e-4, 1e-2], seq_len in [10, 60], layers in [1, 2]. */
    expect_error(SOURCE, example_with("0.001", "0.5"),
                 "gene lr: 0.5 is outside search.lr {min: 0.0001, max: 0.01}", "t.yaml");
    expect_error(SOURCE, example_with("0.001", "0.00001"), "gene lr: 1e-05 is outside", NULL);
    expect_error(SOURCE, example_with("\"seq_len\":50", "\"seq_len\":61"),
                 "gene seq_len: 61 is outside "
                 "search.seq_len {min: 10, max: 60}",
                 NULL);
    expect_error(SOURCE, example_with("\"layers\":2", "\"layers\":0"), "gene layers: 0 is outside", NULL);
    expect_error(SOURCE, example_with("\"rebalance\":5", "\"rebalance\":-5"), "gene rebalance: -5 is outside",
                 NULL);
    /* Lists. */
    expect_error(SOURCE "search: {hidden: [16, 32, 64]}\n", example_with("\"hidden\":32", "\"hidden\":48"),
                 "gene hidden: 48 is outside search.hidden [16, 32, 64]", NULL);
    expect_error(SOURCE "search: {dropout: [0.2, 0.3]}\n", EXAMPLE_JSON, "gene dropout: 0.1 is outside",
                 "[0.2, 0.3]");
}

Test(genome, validate_rejects_a_choice_outside_its_catalogue,
     .description = "a hand-made genome with model 7 is an error, not an out-of-bounds read")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g = example();
    evo_error err = {0};
    g.model = (evo_model_kind)7;
    cr_assert_eq(genome_validate(&g, &cfg, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "gene model: 7 is not a model kind"), "%s", err.msg);
    g = example();
    cr_assert_eq(genome_validate(&g, &cfg, &err), EVO_OK, "%s", err.msg);
    config_free(&cfg);
}

/* genome_gene_set on k = v: expect EVO_ERR_USAGE, a message with `what`, and g untouched. */
static void expect_refused(evo_gene k, double v, const char *what)
{
    evo_genome g = example(), before = g;
    evo_error err = {0};
    cr_assert_eq(genome_gene_set(&g, k, v, &err), EVO_ERR_USAGE, "gene %s took %g", genome_genes[k].name, v);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
    cr_assert_eq(memcmp(&g, &before, sizeof g), 0, "a refused value leaves the genome as it was");
}

Test(genome, gene_set_refuses_values_a_gene_cannot_hold,
     .description = "hidden = 3e9 (an archive's), fractions, NaN, a choice or set past its catalogue: errors")
{
    char what[160];
    expect_refused(GENE_HIDDEN, 3e9, "gene hidden: 3000000000 is not a whole number from -2147483648 to "
                   "2147483647.");
    expect_refused(GENE_STEPS, -3e9, "gene steps: -3000000000 is not a whole number");
    expect_refused(GENE_LAYERS, 2.5, "gene layers: 2.5 is not a whole number");
    expect_refused(GENE_BATCH, NAN, "gene batch: nan is not a whole number");
    expect_refused(GENE_SEQ_LEN, INFINITY, "gene seq_len: inf is not a whole number");
    snprintf(what, sizeof what, "gene model: %d is not a model kind (an index from 0 to %d).",
             MODEL_KIND_COUNT, MODEL_KIND_COUNT - 1);
    expect_refused(GENE_MODEL, MODEL_KIND_COUNT, what);
    expect_refused(GENE_OBJECTIVE, -1, "gene objective: -1 is not an objective");
    snprintf(what, sizeof what, "gene features: %u is not a set of feature names (a bitmask from 0 to %u).",
             1u << FEATURE_COUNT, (1u << FEATURE_COUNT) - 1);
    expect_refused(GENE_FEATURES, 1u << FEATURE_COUNT, what);
    expect_refused(GENE_STRATEGIES, 1e300, "gene strategies: 1.0000000000000001e+300 is not a set");

    evo_genome g = example();
    evo_error err = {0};
    cr_assert_eq(genome_gene_set(&g, GENE_HIDDEN, 2147483647, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(g.hidden, 2147483647);
    cr_assert_eq(genome_gene_set(&g, GENE_FEATURES, (1u << FEATURE_COUNT) - 1, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(g.features, (1u << FEATURE_COUNT) - 1);
    cr_assert_eq(genome_gene_set(&g, GENE_LR, 1e300, &err), EVO_OK, "a real gene holds any double");
    cr_assert_eq(g.lr, 1e300);
}

Test(genome, range_ends_are_inside, .description = "bounds are inclusive, after rounding to 4 digits")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g;
    evo_error err = {0};
    const char *ok[][2] = {{"0.001", "0.01"},
                           {"0.001", "0.0001"},
                           {"0.001", "0.010004"}, /* rounds to the max 0.01 */
                           {"\"seq_len\":50", "\"seq_len\":60"},
                           {"\"seq_len\":50", "\"seq_len\":10"}};
    for (int i = 0; i < 5; i++) {
        const char *json = example_with(ok[i][0], ok[i][1]);
        cr_assert_eq(genome_from_json(&g, json, &cfg, &err), EVO_OK, "%s: %s", json, err.msg);
    }
    config_free(&cfg);
    expect_error(SOURCE, example_with("0.001", "0.01001"), "gene lr: 0.01001 is outside", NULL);
}

/* ---------------------------------------------------------------- the screen and the feature prior */

Test(genome, screen_tries_each_feature_alone_in_the_cheapest_model,
     .description = "candidate i: the i-th feature alone, linear, sharpe, daily, numbers in the middle")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    const int n = __builtin_popcount(cfg.search.features);
    unsigned seen = 0;
    for (int i = 0; i < n; i++) {
        evo_genome g;
        cr_assert(genome_screen(&g, i, &cfg), "candidate %d", i);
        cr_assert_eq(g.model, MODEL_LINEAR);
        cr_assert_eq(g.objective, OBJECTIVE_SHARPE);
        cr_assert_eq(__builtin_popcount(g.features), 1, "one feature");
        cr_assert(!(g.features & seen), "feature of candidate %d repeats", i);
        seen |= g.features;
        cr_assert_eq(g.rebalance, (int)cfg.search.rebalance.min, "the smallest rebalance interval");
        /* lr 1e-4..1e-2 (log): the geometric middle 1e-3; batch 16..128: 72; steps 100..2000 (log): 447 */
        cr_assert_float_eq(g.lr, 1e-3, 1e-12, "lr %g", g.lr);
        cr_assert_eq(g.batch, 72);
        cr_assert_eq(g.steps, 447);
        evo_error err = {0};
        cr_assert_eq(genome_validate(&g, &cfg, &err), EVO_OK, "%s", err.msg);
    }
    cr_assert_eq(seen, cfg.search.features, "every allowed feature once");
    evo_genome g;
    cr_assert_eq(genome_screen(&g, n, &cfg), 0, "the screen ends after the last feature");
    config_free(&cfg);
    /* no linear model: the asset model, lists by their middle value by size; no model that reads
     * features: no screen */
    parse(SOURCE "search: {model: [portfolio, asset], objective: [meanvar, forecast], seq_len: [40, 5, 10], "
                 "rebalance: [21, 5]}\n", &cfg);
    cr_assert(genome_screen(&g, 0, &cfg));
    cr_assert_eq(g.model, MODEL_ASSET);
    cr_assert_eq(g.objective, OBJECTIVE_MEANVAR, "the first allowed objective without sharpe");
    cr_assert_eq(g.seq_len, 10);
    cr_assert_eq(g.rebalance, 5);
    config_free(&cfg);
    parse(SOURCE "search: {model: [portfolio]}\n", &cfg);
    cr_assert_eq(genome_screen(&g, 0, &cfg), 0);
    config_free(&cfg);
}

Test(genome, random_feature_sets_are_small,
     .description = "k features with probability 2^-k: half the draws one feature, a quarter two")
{
    /* 11 features; P(k) = 2^-k for k < 11, the rest (2^-10) on 11. Over N = 8000 draws a share has sd
     * <= sqrt(0.25 / N) = 0.0056; 0.025 is 4.5 sd. The old prior (each name with p = 1/2) gives one
     * feature in 11 / 2^11 = 0.5% of the draws. Every feature appears alone. */
    evo_config cfg;
    parse(SOURCE "search: {model: [asset]}\n", &cfg);
    enum { N = 8000 };
    int size[FEATURE_COUNT + 1] = {0}, alone[FEATURE_COUNT] = {0};
    evo_rng rng;
    rng_seed(&rng, 31);
    for (int i = 0; i < N; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        int k = __builtin_popcount(g.features);
        size[k]++;
        if (k == 1)
            alone[__builtin_ctz(g.features)]++;
    }
    cr_assert_float_eq((double)size[1] / N, 0.5, 0.025, "one feature in %d of %d", size[1], N);
    cr_assert_float_eq((double)size[2] / N, 0.25, 0.025, "two in %d of %d", size[2], N);
    cr_assert_float_eq((double)size[3] / N, 0.125, 0.025, "three in %d of %d", size[3], N);
    for (int f = 0; f < FEATURE_COUNT; f++)
        cr_assert_eq(alone[f] > 0, (cfg.search.features >> f) & 1u, "feature %d alone %d times", f, alone[f]);
    config_free(&cfg);
}

Test(genome, gene_text_parses_back, .description = "genome_gene_parse(genome_gene_text(g, k)) = gene k, every gene")
{
    evo_config cfg;
    parse(MIXED_SPACE, &cfg);
    evo_rng rng;
    rng_seed(&rng, 11);
    for (int i = 0; i < 500; i++) {
        evo_genome g;
        genome_random(&g, &cfg, &rng);
        for (int k = 0; k < GENE_COUNT; k++) {
            char text[256];
            genome_gene_text(&g, (evo_gene)k, text, sizeof text);
            double v = genome_gene_get(&g, (evo_gene)k), back = genome_gene_parse((evo_gene)k, text);
            /* reals are normalised to 4 significant digits, which "%.4g" writes exactly */
            cr_assert_eq(back, v, "gene %s: '%s' parsed to %.17g, not %.17g", genome_genes[k].name, text, back, v);
        }
    }
    config_free(&cfg);
}

Test(genome, gene_parse_refuses_what_no_gene_holds, .description = "unknown names, half a set, not a number: NAN")
{
    cr_assert(isnan(genome_gene_parse(GENE_MODEL, "lstm")));
    cr_assert(isnan(genome_gene_parse(GENE_FEATURES, "ret1+nope")));
    cr_assert(isnan(genome_gene_parse(GENE_HIDDEN, "32 units")));
    cr_assert(isnan(genome_gene_parse(GENE_LR, "")));
    cr_assert(isnan(genome_gene_parse(GENE_OBJECTIVE, NULL)));
    cr_assert_eq(genome_gene_parse(GENE_MODEL, "portfolio"), MODEL_PORTFOLIO);
    cr_assert_eq(genome_gene_parse(GENE_FEATURES, "ret1+vol20"),
                 (1u << FEATURE_RET1) | (1u << FEATURE_VOL20));
    cr_assert_eq(genome_gene_parse(GENE_STEPS, "200"), 200);
}

Test(genome, every_gene_has_a_field_and_a_search_space,
     .description = "the table's offsets reach the gene's own field and search key")
{
    evo_config cfg;
    parse(MIXED_SPACE, &cfg);
    evo_genome g;
    memset(&g, 0, sizeof g);
    cr_assert_eq(genome_gene_set(&g, GENE_HIDDEN, 17, NULL), EVO_OK);
    cr_assert_eq(genome_gene_set(&g, GENE_LR, 0.25, NULL), EVO_OK);
    cr_assert_eq(genome_gene_set(&g, GENE_STRATEGIES, 6, NULL), EVO_OK);
    cr_assert_eq(genome_gene_set(&g, GENE_OBJECTIVE, OBJECTIVE_SORTINO, NULL), EVO_OK);
    cr_assert(g.hidden == 17 && g.lr == 0.25 && g.strategies == 6 && g.objective == OBJECTIVE_SORTINO);
    cr_assert_eq(genome_gene_space(&cfg, GENE_SEQ_LEN), &cfg.search.seq_len);
    cr_assert_eq(genome_gene_space(&cfg, GENE_WEIGHT_DECAY), &cfg.search.weight_decay);
    cr_assert_null(genome_gene_space(&cfg, GENE_FEATURES));
    cr_assert_eq(genome_gene_allowed(&cfg, GENE_FEATURES), cfg.search.features);
    cr_assert_eq(genome_gene_allowed(&cfg, GENE_MODEL), cfg.search.model);
    cr_assert_eq(genome_gene_allowed(&cfg, GENE_BATCH), 0);
    for (int k = 0; k < GENE_COUNT; k++)
        cr_assert(genome_genes[k].words && genome_genes[k].words[0], "gene %s has no words", genome_genes[k].name);
    config_free(&cfg);
}

Test(genome, an_unused_choice_is_not_checked_against_its_space,
     .description = "a linear genome's arch is lstm (canonical) even where search.arch allows only attention")
{
    evo_config cfg;
    parse(SOURCE "search: {model: [linear, asset], arch: attention}\n", &cfg);
    evo_rng rng;
    rng_seed(&rng, 3);
    int linear = 0;
    for (int i = 0; i < 200; i++) {
        evo_genome g;
        evo_error err = {0};
        genome_random(&g, &cfg, &rng);
        cr_assert_eq(genome_validate(&g, &cfg, &err), EVO_OK, "%s", err.msg);
        cr_assert(g.model == MODEL_LINEAR ? g.arch == ARCH_LSTM : g.arch == ARCH_ATTENTION);
        linear += g.model == MODEL_LINEAR;
    }
    cr_assert(linear > 50 && linear < 150, "both kinds drawn: %d linear", linear);
    config_free(&cfg);
}

Test(genome, autoencoder_reads_no_objective, .description = "the autoencoder trains to reconstruct: objective left out, canonical sharpe")
{
    evo_config cfg;
    parse(SOURCE, &cfg);
    evo_genome g = example_attention(), h;
    g.model = MODEL_AUTOENCODER;
    g.objective = OBJECTIVE_FORECAST;
    genome_normalise(&g, &cfg);
    cr_assert_eq(g.objective, OBJECTIVE_SHARPE);
    char *json = genome_to_json(&g);
    cr_assert_null(strstr(json, "objective"), "%s", json);
    evo_error err = {0};
    cr_assert_eq(genome_from_json(&h, json, &cfg, &err), EVO_OK, "%s", err.msg);
    assert_same_genome(&g, &h, "parsed autoencoder");
    char a[GENOME_KEY_MAX], b[GENOME_KEY_MAX];
    genome_key(&g, a);
    g.objective = OBJECTIVE_MEANVAR; /* not read: the same candidate */
    genome_normalise(&g, &cfg);
    genome_key(&g, b);
    cr_assert_str_eq(a, b);
    free(json);
    config_free(&cfg);
}
