/* config: a YAML file -> a typed evo_config with every default filled in, validated key by key, and
 * its canonical YAML text and hash. The evo_config owns its lists (free with config_free). Failures
 * return EVO_ERR_CONFIG (or EVO_ERR_IO / EVO_ERR_NOMEM) with "file:line:column: what; what to do". */
#ifndef EVOFOLIO_CONFIG_H
#define EVOFOLIO_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "evofolio/catalog.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/genes.h"

enum {
    EVO_PATH_MAX = 1024,
    EVO_NAME_MAX = 128,
    EVO_KEY_MAX = 64,
    EVO_GENE_LIST_MAX = 32,
    /* The longest look-back of any feature (dd252) in trading days. */
    EVO_FEATURE_LOOKBACK = 252,
    /* The fewest rows a test period may have, and its length when neither test_start nor test_days
     * is given. */
    EVO_TEST_MIN_DAYS = 20,
    EVO_TEST_DEFAULT_DAYS = 252
};

/* A 1-based place in the configuration file; line 0 means "not written in the file" (a default). */
typedef struct {
    int line, column;
} evo_mark;

typedef enum {
    GENE_RANGE, /* a closed interval, sampled uniformly (log-uniformly for log-scale genes) */
    GENE_LIST   /* explicit values; a scalar in the file is a list of one */
} evo_gene_form;

/* The search space of one numeric gene. */
typedef struct {
    evo_gene_form form;
    double min, max;                  /* bounds; for a list, its smallest and largest value */
    int n;                            /* GENE_LIST: number of values */
    double values[EVO_GENE_LIST_MAX]; /* GENE_LIST: the values in the order written */
} evo_gene_range;

#define EVO_SEARCH_SPACE_CHOICE unsigned
#define EVO_SEARCH_SPACE_SET unsigned
#define EVO_SEARCH_SPACE_INT evo_gene_range
#define EVO_SEARCH_SPACE_REAL evo_gene_range
#define EVO_SEARCH_FIELD_(E, name, type, kind, ...) EVO_SEARCH_SPACE_##kind name;

enum { GA_RUNGS_MAX = 6 };

typedef struct {
    char key[EVO_KEY_MAX]; /* "split.train_days", "data.assets[2]" */
    evo_mark mark;
} evo_config_place;

typedef struct {
    char path[EVO_PATH_MAX]; /* the file as given; relative paths inside it are relative to its dir */
    char name[EVO_NAME_MAX];

    struct {
        char prices[EVO_PATH_MAX]; /* wide CSV of closes; "" when unset */
        char **files;              /* per-ticker OHLCV files [n_files] */
        int n_files;
        char dir[EVO_PATH_MAX]; /* directory of per-ticker files; "" when unset */
        char **assets;          /* selection in this order [n_assets]; 0 = every asset */
        int n_assets;
        evo_date start, end; /* inclusive date range */
        int has_start, has_end;
        evo_missing missing;
        int ffill_limit; /* most consecutive rows one asset may be forward-filled */
    } data;

    struct {
        evo_date test_start; /* first day of the held-out test period, when has_test_start */
        int has_test_start;
        int test_days; /* otherwise: the test period is the last test_days rows (0 with test_start) */
        int folds;
        int train_days;
        int val_days;
        int embargo_days;
    } split;

    struct {
        double cost_bps; /* one-way cost per unit of two-sided turnover, in basis points */
        int window;      /* trailing returns for estimates and feature normalisation */
        int rebalance;   /* baselines: every k trading days; 0 = never */
        int clusters;    /* the cluster strategy's K: correlation clusters, one asset held from each */
    } backtest;

    unsigned baselines; /* bitmask over evo_strategy */

    /* One field per gene (genes.h), named as the gene: the allowed names as a bitmask over the
     * catalogue for choice and set genes, an evo_gene_range for numbers. */
    struct {
        EVO_GENES(EVO_SEARCH_FIELD_)
    } search;

    struct {
        evo_ga_mode mode;
        int population;
        int generations;
        int max_evaluations; /* 0 = no limit */
        double max_seconds;  /* wall-time limit of the search; 0 = none */
        int patience;        /* stop after this many generations without improvement; 0 = never */
        int tournament;
        double crossover;  /* probability a child is bred by crossover */
        double mutation;   /* per-gene mutation probability */
        int elite;         /* best candidates that survive unchanged */
        double immigrants; /* share of random newcomers when diversity collapses */
        uint64_t seed;
        double grace_seconds; /* on SIGUSR1/SIGTERM: how long to wait for in-flight results */
        evo_fitness fitness;
        int champions; /* top candidates re-evaluated on the test period */
        int confirm;       /* best candidates retrained with fresh seeds before the champion is crowned */
        int confirm_seeds; /* fresh seeds each */
        unsigned objectives; /* bitmask over evo_criterion: 0, or 2..PARETO_MAX_OBJECTIVES of them (NSGA-II) */
        int rungs;           /* successive halving: budgets per generation (1 = every child at full budget) */
        int eta;             /* each rung trains eta times more steps than the one below; 1/eta go up */
    } ga;

    struct {
        int patience;         /* early stopping: hold-out checks without improvement (model.h) */
        double max_seconds;   /* wall-time cap of one evaluation */
        double val_fraction;  /* last part of each training window held out for early stopping */
        double clip_norm;     /* global gradient-norm clip */
        double risk_aversion; /* lambda of the meanvar objective */
    } train;

    struct {
        char archive[EVO_PATH_MAX]; /* SQLite archive */
        evo_journal journal;        /* how the archive is written (catalog.h) */
    } output;

    evo_config_place *places; /* where each key and list item was written [n_places] */
    int n_places;
} evo_config;

/* Fill cfg with every default (no data source, no file). cfg must be zeroed or freed first. */
void config_defaults(evo_config *cfg);
/* Parse and validate a YAML file. On failure cfg is left freed (safe to config_free again). */
int config_load(const char *path, evo_config *cfg, evo_error *err);
/* Parse YAML text; path only names the source in messages and anchors relative paths. */
int config_parse(const char *text, size_t len, const char *path, evo_config *cfg, evo_error *err);
void config_free(evo_config *cfg);

/* The canonical YAML of cfg (fixed key order, every default); *out is malloc'd, caller frees. */
int config_to_yaml(const evo_config *cfg, char **out, evo_error *err);
/* FNV-1a 64 of the canonical YAML without the run-only keys (where the data is read from and the archive
 * written, the search's time limits: configs/README.md) as 16 hex digits plus NUL. */
int config_hash(const evo_config *cfg, char out[17], evo_error *err);
/* The hashed keys whose values differ, "key: A -> B" joined by "; " into out (cut at size); returns
 * how many differ (0: the same hash). */
int config_diff(const evo_config *a, const evo_config *b, char *out, size_t size);
/* The value of one key ("name", "ga.population", "search.hidden") as one line of flow YAML; EVO_ERR_USAGE
 * when there is no such key (or it names a section). */
int config_get(const evo_config *cfg, const char *key, char *out, size_t size);

/* Where key (e.g. "split.folds", "data.assets[0]") was written; the section's or the file's start when
 * the key was defaulted. */
evo_mark config_where(const evo_config *cfg, const char *key);
/* Fail with code and a message prefixed by the place of key (see config_where); returns code. */
int config_fail_at(const evo_config *cfg, const char *key, evo_error *err, int code, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
/* A path from the file made usable: relative paths are taken relative to the config file's directory. */
void config_resolve_path(const evo_config *cfg, const char *rel, char out[EVO_PATH_MAX]);


#endif
