/* ga: the genetic algorithm, callable without MPI - selection, crossover, mutation, elitism, random
 * immigrants, generational and steady-state breeding, a duplicate cache of evaluated keys, population
 * statistics and stopping rules. The search module drives it; nothing here touches MPI or SQLite.
 * Every random choice takes the caller's evo_rng, so a run is reproducible from its seed.
 * A population and a cache own their arrays (ga_population_free, ga_cache_free); failures are
 * EVO_ERR_NOMEM. Shapes: P = ga.population members. */
#ifndef EVOFOLIO_GA_H
#define EVOFOLIO_GA_H

#include <stdint.h>

#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/error.h"
#include "evofolio/genome.h"
#include "evofolio/pareto.h"
#include "evofolio/rng.h"


typedef struct {
    evo_genome genome;
    char key[GENOME_KEY_MAX]; /* genome_key of the (normalised) genome */
    double fitness;           /* -INFINITY when the evaluation failed */
    int64_t id;               /* evaluation id in the archive (0 until assigned) */
    int64_t parents[2];       /* evaluation ids of the parents; 0 = none */
    evo_origin origin;
    /* Multi-objective populations only: the objectives, each to be maximised (pareto.h: NaN not yet
     * evaluated, -inf failed), and the member's place by them (ga_pareto_sort). */
    double obj[PARETO_MAX_OBJECTIVES];
    int front;    /* Pareto rank in the population: 0 = non-dominated */
    /* Multi-fidelity runs (ga.rungs > 1): the rung its fitness comes from; members of a higher rung
     * (more training) are ahead of any of a lower one, except that a failure is behind every success.
     * 0 with one rung. */
    int rung;
    double crowd; /* crowding distance within its front */
} ga_individual;

typedef struct {
    int size;                /* P */
    int objectives;          /* 0: one objective, the fitness; m in 2..PARETO_MAX_OBJECTIVES: NSGA-II */
    ga_individual *members;  /* [P], evaluated */
} ga_population;

int ga_population_create(ga_population *pop, int size, evo_error *err);
void ga_population_free(ga_population *pop);

/* A random individual (origin as given), normalised, key filled, fitness NaN, id 0. */
void ga_random(ga_individual *out, const evo_config *cfg, evo_origin origin, evo_rng *rng);
/* Member i of the first population: the screen (genome_screen; no random draw) while it lasts, then
 * random individuals. */
void ga_initial(ga_individual *out, int i, const evo_config *cfg, evo_rng *rng);

/* Tournament selection: the fittest of `tournament` (cfg->ga.tournament) members drawn uniformly with
 * replacement (NaN fitness counts as -inf; ties: the lower index). Returns the member's index. In a
 * multi-objective population "fittest" is NSGA-II's crowded comparison (a lower front, then a larger
 * crowding distance; ties: the lower index), and ga_breed_child draws binary tournaments. */
int ga_tournament(const ga_population *pop, int tournament, evo_rng *rng);
/* Uniform crossover: each gene from either parent with probability 1/2; set genes (features,
 * strategies) bit by bit; a gene only one parent uses (genome_gene_used: dropout of a one-layer net, a
 * portfolio's features, a non-portfolio's strategies) from that parent. The child is made valid (never
 * an empty feature set, >= 2 strategies for the portfolio model; missing names are taken from the
 * parents' sets first) and normalised. child may alias a parent. */
void ga_crossover(evo_genome *child, const evo_genome *a, const evo_genome *b, const evo_config *cfg,
                  evo_rng *rng);
/* Mutation, each gene with probability `rate`, to a neighbouring value: a Gaussian step in log space for
 * log-scale genes (sd 0.3 of the log range; integers rounded) and in linear space for real genes (sd 0.15
 * of the range); +-U{1..m} for integers, m = max(1, floor(10% of the range)); the next value below or
 * above for list values; another allowed name for choices; for sets, one allowed name, drawn uniformly,
 * goes in or out (a set left below its minimum - no feature, < 2 strategies - gets random allowed names
 * back). Values are clipped to the search space, and a step that leaves a value unchanged (clipped at a
 * bound, rounded back) is drawn again, up to 8 times. Unused genes (genome_gene_used) are drawn afresh
 * first, so a gene that becomes used gets a random value. The result is made valid and normalised.
 * Returns the number of genes whose value differs from g's on entry (0 at rate 0 for a valid,
 * normalised g). */
int ga_mutate(evo_genome *g, double rate, const evo_config *cfg, evo_rng *rng);

/* Diversity: distinct member keys / P, in (0, 1]; NaN when out of memory. Immigrants are bred when it
 * falls below GA_DIVERSITY_MIN. */
#define GA_DIVERSITY_MIN 0.5
double ga_diversity(const ga_population *pop);

/* One child of the population (steady mode, and each non-elite slot of a generation): with probability
 * cfg->ga.crossover two tournament winners are crossed (ORIGIN_CROSSOVER), otherwise one is copied
 * (ORIGIN_MUTATION); then mutated at cfg->ga.mutation. A child whose key equals a parent's gets one more
 * gene, drawn uniformly, mutated (up to 8 times), so that breeding makes something new even at
 * mutation 0. Parents' ids are recorded (the second 0 without crossover or when both winners are one
 * member); key filled, fitness NaN, id 0. Members' keys must be filled. */
void ga_breed_child(ga_individual *child, const ga_population *pop, const evo_config *cfg, evo_rng *rng);
/* The next generation into next[P] (not aliasing pop->members): the best cfg->ga.elite members with
 * finite fitness, fittest first, unchanged but for origin ORIGIN_ELITE (ids, parents and fitness kept;
 * failed members never survive); then, when ga_diversity < GA_DIVERSITY_MIN, round(cfg->ga.immigrants P)
 * random immigrants (at least 1 when the share is not 0); then bred children. Deterministic for the rng
 * state. Elites cost O(elite P) comparisons. */
void ga_breed_generation(ga_individual *next, const ga_population *pop, const evo_config *cfg,
                         evo_rng *rng);
/* NSGA-II (Deb et al. 2002) for populations with objectives >= 2. ga_breed_generation then breeds no
 * elites: elitism is the survivor selection, which keeps the P best of the parents and their children.
 * ga_pareto_sort: every member's front and crowding distance from obj (pareto.h), which the
 * tournaments read. ga_nsga_survivors: the P best in the crowded order of the members and children[n]
 * become the population, then sorted. ga_nsga_insert (steady mode): the child joins, and the last of
 * the P + 1 in the crowded order (the child itself when it is last) leaves; 1 when the child entered.
 * Failures are EVO_ERR_NOMEM. */
int ga_pareto_sort(ga_population *pop, evo_error *err);
int ga_nsga_survivors(ga_population *pop, const ga_individual *children, int n, evo_error *err);
int ga_nsga_insert(ga_population *pop, const ga_individual *child, int *entered, evo_error *err);

/* Steady mode: the evaluated child replaces the worst member (NaN counts as -inf; a lower rung is
 * behind a higher one; ties: the lower index) when it is at least as good; a failed (-inf) or
 * unevaluated (NaN) child never enters. Returns 1 when it entered. */
int ga_steady_insert(ga_population *pop, const ga_individual *child);

/* Index of the fittest member (NaN counts as -inf; ties: the lower index). */
int ga_best(const ga_population *pop);

typedef struct {
    double best, mean, median, sd; /* over members with finite fitness (NaN when none); sd with n - 1 */
    double diversity;
    int failures;                  /* members with -inf fitness */
} ga_stats;

void ga_population_stats(const ga_population *pop, ga_stats *out);

/* Duplicate cache: canonical key -> the evaluation that first evaluated it (id, fitness), an open
 * addressing hash table (FNV-1a, linear probing) that doubles before it is 3/4 full. A zeroed cache is
 * an empty one (put allocates). Each slot holds GENOME_KEY_MAX bytes of key. */
typedef struct {
    char (*keys)[GENOME_KEY_MAX];
    int64_t *ids;
    double *fitness;
    size_t cap, count;
} ga_cache;

int ga_cache_create(ga_cache *c, size_t expected, evo_error *err);
void ga_cache_free(ga_cache *c);
/* 1 and the stored id/fitness when key is known, else 0. */
int ga_cache_get(const ga_cache *c, const char *key, int64_t *id, double *fitness);
/* Insert, or keep the first entry when key is known. EVO_ERR_INTERNAL for an empty key or one of
 * GENOME_KEY_MAX characters or more; EVO_ERR_NOMEM when the table cannot grow. */
int ga_cache_put(ga_cache *c, const char *key, int64_t id, double fitness, evo_error *err);

/* Stopping rules, checked at generation boundaries (and after every result in steady mode). */
typedef struct {
    int generation;      /* generations completed (steady: evaluations / P) */
    long evaluations;    /* evaluations stored, cache hits included */
    double seconds;      /* wall time of the search so far */
    int stale;           /* generations since the best fitness last improved */
} ga_progress;

typedef enum {
    GA_CONTINUE,         /* keep going */
    GA_STOP_GENERATIONS, /* ga.generations reached */
    GA_STOP_EVALUATIONS, /* ga.max_evaluations reached */
    GA_STOP_TIME,        /* ga.max_seconds reached */
    GA_STOP_STALE        /* ga.patience generations without improvement */
} ga_stop;

extern const evo_names ga_stop_names;
ga_stop ga_should_stop(const ga_progress *p, const evo_config *cfg);

#endif
