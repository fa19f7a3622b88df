/* catalog: the project's vocabulary - every name a configuration may mention (model kinds, objectives,
 * features, baseline strategies, fitness aggregates, GA modes, missing-value policies) as enums with
 * their canonical spelling. Modules that give the names meaning include this header; the name arrays
 * are static and owned here. */
#ifndef EVOFOLIO_CATALOG_H
#define EVOFOLIO_CATALOG_H

typedef enum {
    MODEL_ASSET,     /* LSTM over all assets' features -> dense -> softmax over A assets */
    MODEL_SHARED,    /* one LSTM shared by all assets (batch over assets) -> score -> softmax */
    MODEL_PORTFOLIO, /* LSTM over baseline strategies' statistics -> softmax over S strategies */
    MODEL_LINEAR,    /* one dense layer on the last day's features of all assets -> softmax over A
                        assets: the asset model without an LSTM, the yardstick every LSTM must beat */
    MODEL_AUTOENCODER, /* an encoder (LSTM or attention) trained to reconstruct each asset's window of
                          features; Ward clusters of the assets' embeddings, each cluster's best
                          trailing-Sharpe asset in equal weight (model.h) */
    MODEL_KIND_COUNT
} evo_model_kind;

/* The sequence encoder of the asset, shared and portfolio models (the linear model has none). */
typedef enum {
    ARCH_LSTM,      /* L stacked LSTM layers; the head reads the last step's hidden state (lstm.h) */
    ARCH_ATTENTION, /* a Transformer encoder of L blocks, mean-pooled (attention.h) */
    ARCH_COUNT
} evo_arch;

typedef enum {
    OBJECTIVE_SHARPE,   /* negative Sharpe of the minibatch's portfolio returns */
    OBJECTIVE_SORTINO,  /* negative Sortino */
    OBJECTIVE_MEANVAR,  /* -(mean - lambda * variance) */
    OBJECTIVE_FORECAST, /* MSE of next-day return forecasts; weights: model.h, model_predict */
    OBJECTIVE_COUNT
} evo_objective;

typedef enum {
    FEATURE_RET1,   /* log return over 1 day */
    FEATURE_RET5,   /* log return over 5 days */
    FEATURE_RET20,  /* log return over 20 days */
    FEATURE_VOL20,  /* rolling sd of daily returns, 20 days */
    FEATURE_VOL60,  /* rolling sd of daily returns, 60 days */
    FEATURE_BETA60, /* beta against the equal-weight market, 60 days */
    FEATURE_RSI14,  /* Wilder's RSI, 14 days */
    FEATURE_MACD,   /* EMA12 - EMA26 minus its 9-day EMA signal */
    FEATURE_MOM126, /* return from t-126 to t-21 */
    FEATURE_MA50,   /* price / 50-day mean - 1 */
    FEATURE_DD252,  /* drawdown from the 252-day high */
    FEATURE_VOLCHG, /* log change of volume (needs volume) */
    FEATURE_COUNT
} evo_feature;

typedef enum {
    STRATEGY_EW,        /* equal weight, rebalanced */
    STRATEGY_BUYHOLD,   /* equal weight bought at day 0, never rebalanced */
    STRATEGY_INVVOL,    /* inverse volatility */
    STRATEGY_MINVAR,    /* long-only minimum variance */
    STRATEGY_MAXSHARPE, /* long-only maximum Sharpe */
    STRATEGY_ERC,       /* equal risk contribution */
    STRATEGY_MOMENTUM,  /* equal weight on the top third by mom126 */
    STRATEGY_HRP,       /* hierarchical risk parity */
    STRATEGY_CLUSTER,   /* equal weight on each correlation cluster's best trailing Sharpe */
    STRATEGY_COUNT
} evo_strategy;

typedef enum {
    FITNESS_MEAN_SHARPE,         /* mean validation Sharpe over folds */
    FITNESS_MEAN_SORTINO,        /* mean validation Sortino over folds */
    FITNESS_SHARPE_MEAN_MINUS_SD, /* mean minus sd of the folds' Sharpe ratios */
    FITNESS_WORST_SHARPE,        /* the worst fold's Sharpe */
    FITNESS_EXCESS_SHARPE,       /* Sharpe of all validation days pooled, minus equal weight's there */
    FITNESS_COUNT
} evo_fitness;

/* What a multi-objective search weighs (ga.objectives), each validation figure the mean over the
 * folds but fitness (the config's ga.fitness); maximised or minimised as each says. */
typedef enum {
    CRITERION_FITNESS,  /* ga.fitness, maximised */
    CRITERION_SHARPE,   /* Sharpe ratio, maximised */
    CRITERION_SORTINO,  /* Sortino ratio, maximised */
    CRITERION_RETURN,   /* annualised return, maximised */
    CRITERION_VOL,      /* annualised volatility, minimised */
    CRITERION_DRAWDOWN, /* maximum drawdown, minimised */
    CRITERION_TURNOVER, /* average daily turnover, minimised */
    CRITERION_CVAR,     /* CVaR 95% (the mean of the worst 5% of days, as a loss), minimised */
    CRITERION_COUNT
} evo_criterion;

typedef enum {
    GA_GENERATIONAL, /* breed a whole generation, evaluate it, replace; reproducible for a seed */
    GA_STEADY,       /* breed a child whenever a result returns; no worker waits */
    GA_MODE_COUNT
} evo_ga_mode;

typedef enum {
    MISSING_ERROR, /* an empty cell is an error */
    MISSING_FFILL, /* forward-fill from the previous row, at most data.ffill_limit rows in a row */
    MISSING_COUNT
} evo_missing;

typedef enum {
    JOURNAL_WAL,    /* write-ahead log while a run writes: readers never wait; needs a local filesystem */
    JOURNAL_DELETE, /* rollback journal: safe on NFS, Lustre and GPFS; readers wait for each commit */
    JOURNAL_COUNT
} evo_journal;

/* How a candidate came to be (the GA's operators; the archive's evaluations.origin). */
typedef enum {
    ORIGIN_RANDOM,    /* drawn from the search space (first generation) */
    ORIGIN_IMMIGRANT, /* drawn from the search space to restore diversity */
    ORIGIN_ELITE,     /* copied unchanged from the previous generation */
    ORIGIN_CROSSOVER, /* two parents crossed (then possibly mutated) */
    ORIGIN_MUTATION,  /* one parent mutated */
    ORIGIN_SCREEN,    /* first generation: one feature alone in the cheapest model (genome_screen) */
    ORIGIN_TWIN,      /* the end: the champion's linear twin, the yardstick it must beat */
    ORIGIN_COUNT
} evo_origin;

/* A list of names indexed by enum value. */
typedef struct {
    const char *what; /* "feature", "strategy", ... for messages */
    const char *const *names;
    int count;
    const char *const *words; /* what the report calls each, in plain words; NULL: the names */
} evo_names;

extern const evo_names catalog_model_kinds;
extern const evo_names catalog_architectures;
extern const evo_names catalog_objectives;
extern const evo_names catalog_features;
extern const evo_names catalog_strategies;
extern const evo_names catalog_fitness;
extern const evo_names catalog_criteria; /* "fitness", "sharpe", "sortino", "return", "vol", "drawdown", "turnover", "cvar" */
extern const int catalog_criterion_minimised[CRITERION_COUNT]; /* 1 for vol, drawdown, turnover, cvar */
extern const evo_names catalog_ga_modes;
extern const evo_names catalog_missing;
extern const evo_names catalog_journals;
extern const evo_names catalog_origins;

/* The enum value of name (exact spelling), or -1. */
int catalog_find(const evo_names *names, const char *name);

#endif
