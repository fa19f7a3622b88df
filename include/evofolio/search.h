/* search: the master's side of a run - the genetic algorithm in generational or steady mode over the
 * farm's workers, every result stored in the archive as it arrives, resume from the archive, the
 * stopping rules, signals, progress lines, and the end: the ga.confirm best distinct candidates and
 * the best one's linear twin retrained with ga.confirm_seeds fresh seeds (the best mean is the
 * champion), the finalists on the held-out test period as ensembles of that many nets next to the
 * baselines, the deflated Sharpe ratio of the champion's excess returns over equal weight (over the
 * effective number of trials) and PBO, and the verdict: skill when the confirmed fitness is > 0, the
 * DSR >= 0.95 and the PBO < 0.5. Workers run farm_worker_loop. What the end found comes back in a
 * caller-owned search_summary (the command prints it; the archive holds it all too).
 * Returns 0 (done), EVO_STOPPED (a signal: the state is saved, --resume continues) or an evo_err
 * with the error record filled. */
#ifndef EVOFOLIO_SEARCH_H
#define EVOFOLIO_SEARCH_H

#include <signal.h>

#include "evofolio/archive.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/farm.h"
#include "evofolio/pareto.h"

enum {
    SEARCH_NEW = 0,           /* start a new run */
    SEARCH_RESUME = 1,        /* continue the newest unfinished run of this configuration; none is an error */
    SEARCH_RESUME_IF_ANY = 2  /* continue it when there is one, else start a new run */
};

typedef struct {
    int resume; /* SEARCH_NEW, SEARCH_RESUME or SEARCH_RESUME_IF_ANY */
    int quiet;  /* no progress lines on stderr */
} search_options;

typedef struct {
    const evo_config *cfg;
    const char *config_text;      /* the resolved canonical YAML */
    const char *config_hash, *data_hash;
    const evo_panel *panel;
    const evo_eval_context *ctx;  /* split, test window, baselines */
    evo_archive *archive;
    evo_farm *farm;
    int ranks;
    const char *command;          /* the command line, recorded with a new run */
} search_setup;

enum { SEARCH_FINALISTS_MAX = 65 }; /* the hall of fame's 64 best distinct candidates and the linear twin */

/* A finalist: a candidate as searched, its fitness over fresh training seeds, its test period. */
typedef struct {
    ga_individual ind;
    double mean, sd;  /* over ga.confirm_seeds fresh seeds; mean -inf when one of them failed */
    int twin;         /* the linear twin of the best candidate */
    int tested;       /* evaluated on the held-out test period (the first ga.champions, and the twin) */
    int test_ok;      /* ... successfully: test holds its metrics */
    evo_metrics test;
} search_finalist;

/* A Pareto run's front pick (pareto_picks over archive_pareto_front) on the held-out test period. */
typedef struct {
    int64_t id;
    int why;     /* the criterion it is the front's best in (evo_criterion), or -1: the knee */
    int test_ok; /* evaluated successfully: test holds its metrics */
    evo_metrics test;
} search_pick;

/* What a finished run found (search_run returned 0). */
typedef struct {
    int64_t run;
    int n;                                   /* finalists, the champion first */
    search_finalist fin[SEARCH_FINALISTS_MAX];
    int n_baselines;                         /* the configured baselines, in catalog order */
    evo_strategy baseline[STRATEGY_COUNT];
    evo_metrics baseline_test[STRATEGY_COUNT]; /* on the test period */
    int n_picks;                             /* a Pareto run's front picks, tested like the finalists */
    search_pick pick[PARETO_MAX_OBJECTIVES + 1];
    archive_champion_stats stats;            /* stats.verdict points into verdict */
    char verdict[512];
} search_summary;

/* signals counts SIGUSR1/SIGTERM received (set by the caller's handler): 1 = stop handing out work and
 * wait up to ga.grace_seconds for results in flight; 2 = stop at once. out (may be NULL) is filled
 * when the run finishes. */
int search_run(const search_setup *s, const search_options *opt, const volatile sig_atomic_t *signals,
               search_summary *out, evo_error *err);


#endif
