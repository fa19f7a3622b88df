/* catalog: canonical spellings, in enum order. */
#include "evofolio/catalog.h"

#include <string.h>

static const char *const model_kinds[MODEL_KIND_COUNT] = {"asset", "shared", "portfolio", "linear",
                                                              "autoencoder"};
static const char *const architectures[ARCH_COUNT] = {"lstm", "attention"};
static const char *const objectives[OBJECTIVE_COUNT] = {"sharpe", "sortino", "meanvar", "forecast"};
static const char *const features[FEATURE_COUNT] = {"ret1",   "ret5", "ret20",  "vol20",
                                                    "vol60",  "beta60", "rsi14", "macd",
                                                    "mom126", "ma50", "dd252",  "volchg"};
static const char *const strategies[STRATEGY_COUNT] = {"ew",        "buyhold", "invvol", "minvar", "maxsharpe",
                                                       "erc",       "momentum", "hrp",   "cluster"};
static const char *const fitness[FITNESS_COUNT] = {"mean_sharpe", "mean_sortino",
                                                   "sharpe_mean_minus_sd", "worst_sharpe", "excess_sharpe"};
static const char *const criteria[CRITERION_COUNT] = {"fitness", "sharpe",   "sortino",  "return",
                                                      "vol",     "drawdown", "turnover", "cvar"};
static const char *const ga_modes[GA_MODE_COUNT] = {"generational", "steady"};
static const char *const missing[MISSING_COUNT] = {"error", "ffill"};
static const char *const journals[JOURNAL_COUNT] = {"wal", "delete"};
static const char *const origins[ORIGIN_COUNT] = {"random",   "immigrant", "elite", "crossover",
                                                  "mutation", "screen",    "twin"};
static const char *const strategy_words[STRATEGY_COUNT] = {
    "equal weight", "buy and hold", "inverse volatility", "minimum variance", "maximum Sharpe",
    "equal risk contribution", "momentum", "hierarchical risk parity", "best of each cluster"};

const evo_names catalog_model_kinds = {"model kind", model_kinds, MODEL_KIND_COUNT, NULL};
const evo_names catalog_architectures = {"architecture", architectures, ARCH_COUNT, NULL};
const evo_names catalog_objectives = {"objective", objectives, OBJECTIVE_COUNT, NULL};
const evo_names catalog_features = {"feature", features, FEATURE_COUNT, NULL};
const evo_names catalog_strategies = {"strategy", strategies, STRATEGY_COUNT, strategy_words};
const evo_names catalog_fitness = {"fitness", fitness, FITNESS_COUNT, NULL};
const evo_names catalog_criteria = {"objective", criteria, CRITERION_COUNT, NULL};
const int catalog_criterion_minimised[CRITERION_COUNT] = {
    [CRITERION_VOL] = 1, [CRITERION_DRAWDOWN] = 1, [CRITERION_TURNOVER] = 1, [CRITERION_CVAR] = 1};
const evo_names catalog_ga_modes = {"GA mode", ga_modes, GA_MODE_COUNT, NULL};
const evo_names catalog_missing = {"missing-value policy", missing, MISSING_COUNT, NULL};
const evo_names catalog_journals = {"journal mode", journals, JOURNAL_COUNT, NULL};
const evo_names catalog_origins = {"origin", origins, ORIGIN_COUNT, NULL};

int catalog_find(const evo_names *names, const char *name)
{
    for (int i = 0; i < names->count; i++)
        if (strcmp(names->names[i], name) == 0)
            return i;
    return -1;
}
