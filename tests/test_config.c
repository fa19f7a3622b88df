/* Tests of config: a valid file, defaults, the canonical YAML round trip and hash, every configs/ YAML
 * file, and each kind of error with its file:line:column. */
#include <criterion/criterion.h>
#include <glob.h>
#include <string.h>

#include "evofolio/config.h"
#include "evofolio/data.h"

#define SOURCE "data:\n  prices: p.csv\n"

static int parse(const char *yaml, evo_config *cfg, evo_error *err)
{
    return config_parse(yaml, strlen(yaml), "t.yaml", cfg, err);
}

/* Parse yaml, expect EVO_ERR_CONFIG and a message containing each of the given fragments. */
static void expect_error(const char *yaml, const char *where, const char *what)
{
    evo_config cfg;
    evo_error err = {0};
    int rc = parse(yaml, &cfg, &err);
    cr_assert_eq(rc, EVO_ERR_CONFIG, "accepted:\n%s", yaml);
    cr_assert(strstr(err.msg, where), "message '%s' lacks place '%s'", err.msg, where);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
    config_free(&cfg);
}

Test(config, minimal_file_gets_every_default, .description = "only a data source: all defaults")
{
    evo_config cfg, def;
    evo_error err = {0};
    cr_assert_eq(parse(SOURCE, &cfg, &err), EVO_OK, "%s", err.msg);
    config_defaults(&def);
    cr_assert_str_eq(cfg.data.prices, "p.csv");
    cr_assert_str_eq(cfg.name, "evofolio");
    cr_assert_eq(cfg.split.folds, def.split.folds);
    cr_assert_eq(cfg.split.test_days, EVO_TEST_DEFAULT_DAYS);
    cr_assert_eq(cfg.backtest.window, 252);
    cr_assert_float_eq(cfg.backtest.cost_bps, 10.0, 0);
    cr_assert_eq(cfg.ga.mode, GA_GENERATIONAL);
    cr_assert_eq(cfg.baselines, (1u << STRATEGY_COUNT) - 1);
    cr_assert_eq(cfg.search.model, (1u << MODEL_KIND_COUNT) - 1);
    cr_assert_eq(cfg.search.hidden.form, GENE_RANGE);
    cr_assert_eq(cfg.search.features & (1u << FEATURE_VOLCHG), 0, "volchg needs volume: off by default");
    cr_assert_str_eq(cfg.output.archive, "evofolio.db");
    config_free(&cfg);
    config_free(&def);
}

Test(config, values_of_a_full_file, .description = "every kind of key reads into the typed struct")
{
    const char *yaml = "name: t1\n"
                       "data:\n  files: [a.csv, b.csv]\n  assets: [B, A]\n  start: 1995-01-02\n"
                       "  end: 1999-12-31\n  missing: ffill\n  ffill_limit: 3\n"
                       "split: {test_start: 1999-01-04, folds: 2, train_days: 300, val_days: 60,"
                       " embargo_days: 2}\n"
                       "backtest: {cost_bps: 2.5, window: 60, rebalance: 0}\n"
                       "baselines: [ew, minvar]\n"
                       "search:\n  model: shared\n  objective: [sharpe, forecast]\n"
                       "  hidden: [16, 32, 64]\n  lr: {min: 0.0001, max: 0.01}\n  dropout: 0.1\n"
                       "  features: [ret1, vol20]\n  strategies: [ew, erc]\n"
                       "ga: {mode: steady, population: 10, seed: 18446744073709551615}\n"
                       "train: {patience: 4, max_seconds: 30}\n"
                       "output: {archive: out/x.db}\n";
    evo_config cfg;
    evo_error err = {0};
    cr_assert_eq(parse(yaml, &cfg, &err), EVO_OK, "%s", err.msg);
    cr_assert_str_eq(cfg.name, "t1");
    cr_assert_eq(cfg.data.n_files, 2);
    cr_assert_str_eq(cfg.data.files[1], "b.csv");
    cr_assert_eq(cfg.data.n_assets, 2);
    cr_assert_str_eq(cfg.data.assets[0], "B");
    cr_assert(cfg.data.has_start && cfg.data.start == date_from_ymd(1995, 1, 2));
    cr_assert_eq(cfg.data.missing, MISSING_FFILL);
    cr_assert_eq(cfg.data.ffill_limit, 3);
    cr_assert(cfg.split.has_test_start);
    cr_assert_eq(cfg.split.test_days, 0, "test_start given: test_days is not in force");
    cr_assert_float_eq(cfg.backtest.cost_bps, 2.5, 0);
    cr_assert_eq(cfg.backtest.rebalance, 0);
    cr_assert_eq(cfg.baselines, (1u << STRATEGY_EW) | (1u << STRATEGY_MINVAR));
    cr_assert_eq(cfg.search.model, 1u << MODEL_SHARED);
    cr_assert_eq(cfg.search.hidden.form, GENE_LIST);
    cr_assert_eq(cfg.search.hidden.n, 3);
    cr_assert_float_eq(cfg.search.hidden.values[2], 64, 0);
    cr_assert_eq(cfg.search.lr.form, GENE_RANGE);
    cr_assert_float_eq(cfg.search.lr.min, 1e-4, 0);
    cr_assert_eq(cfg.search.dropout.form, GENE_LIST, "a scalar is a list of one");
    cr_assert_eq(cfg.search.dropout.n, 1);
    cr_assert_eq(cfg.search.features, (1u << FEATURE_RET1) | (1u << FEATURE_VOL20));
    cr_assert_eq(cfg.ga.mode, GA_STEADY);
    cr_assert_eq(cfg.ga.seed, UINT64_MAX);
    cr_assert_str_eq(cfg.output.archive, "out/x.db");
    evo_mark m = config_where(&cfg, "data.assets[1]");
    cr_assert_eq(m.line, 4);
    cr_assert_eq(m.column, 15);
    char path[EVO_PATH_MAX];
    config_resolve_path(&cfg, cfg.output.archive, path);
    cr_assert_str_eq(path, "out/x.db", "t.yaml has no directory part");
    config_free(&cfg);
}

Test(config, relative_paths_follow_the_file, .description = "paths are relative to the config's dir")
{
    evo_config cfg;
    evo_error err = {0};
    cr_assert_eq(config_parse(SOURCE, strlen(SOURCE), "/x/y/c.yaml", &cfg, &err), EVO_OK);
    char path[EVO_PATH_MAX];
    config_resolve_path(&cfg, "../d/p.csv", path);
    cr_assert_str_eq(path, "/x/y/../d/p.csv");
    config_resolve_path(&cfg, "/abs.csv", path);
    cr_assert_str_eq(path, "/abs.csv");
    config_free(&cfg);
}

Test(config, canonical_yaml_round_trips, .description = "parse(to_yaml(c)) gives the same text and hash")
{
    const char *yaml = SOURCE "name: 'null'\nsearch: {lr: [0.1, 0.003], weight_decay: [0, 0.001]}\n"
                       "ga: {seed: 7}\nsplit: {test_days: 100}\n";
    evo_config a, b;
    evo_error err = {0};
    char *ta, *tb, ha[17], hb[17];
    cr_assert_eq(parse(yaml, &a, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(config_to_yaml(&a, &ta, &err), EVO_OK);
    cr_assert(strstr(ta, "name: \"null\""), "a name that reads as null is quoted:\n%s", ta);
    cr_assert(strstr(ta, "lr: [0.1, 0.003]"), "list order kept, shortest decimals:\n%s", ta);
    cr_assert(strstr(ta, "weight_decay: [0, 0.001]"), "%s", ta);
    cr_assert(strstr(ta, "test_days: 100"), "%s", ta);
    cr_assert_eq(parse(ta, &b, &err), EVO_OK, "canonical text does not parse: %s\n%s", err.msg, ta);
    cr_assert_eq(config_to_yaml(&b, &tb, &err), EVO_OK);
    cr_assert_str_eq(ta, tb);
    cr_assert_eq(config_hash(&a, ha, &err), EVO_OK);
    cr_assert_eq(config_hash(&b, hb, &err), EVO_OK);
    cr_assert_str_eq(ha, hb);
    cr_assert_eq(strlen(ha), 16);
    free(ta);
    free(tb);
    config_free(&a);
    config_free(&b);
}

Test(config, hash_tracks_values_not_spelling, .description = "same values -> same hash; a change -> new")
{
    const char *one = SOURCE "ga: {population: 10}\n";
    const char *same = "ga:\n  population: 10   # comment\n" SOURCE "backtest: {cost_bps: 10.0}\n";
    const char *other = SOURCE "ga: {population: 11}\n";
    evo_config c;
    evo_error err = {0};
    char h1[17], h2[17], h3[17];
    cr_assert_eq(parse(one, &c, &err), EVO_OK);
    config_hash(&c, h1, &err);
    config_free(&c);
    cr_assert_eq(parse(same, &c, &err), EVO_OK, "%s", err.msg);
    config_hash(&c, h2, &err);
    config_free(&c);
    cr_assert_eq(parse(other, &c, &err), EVO_OK);
    config_hash(&c, h3, &err);
    config_free(&c);
    cr_assert_str_eq(h1, h2);
    cr_assert_str_neq(h1, h3);
}

static void hash_of(const char *yaml, char out[17], evo_config *keep)
{
    evo_config c;
    evo_error err = {0};
    cr_assert_eq(parse(yaml, &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(config_hash(&c, out, &err), EVO_OK);
    if (keep)
        *keep = c;
    else
        config_free(&c);
}

/* A key added later with its default left out of the hash (KEY_UNHASHED_AT_DEFAULT): written at its
 * default, a configuration hashes as one without the key; changed, it does not. */
static void expect_added_key(const char *at_default, const char *changed)
{
    char none[17], with[17], other[17];
    hash_of(SOURCE "ga: {population: 10}\n", none, NULL);
    hash_of(at_default, with, NULL);
    hash_of(changed, other, NULL);
    cr_assert_str_eq(none, with, "%s: the default hashes as before the key existed", at_default);
    cr_assert_str_neq(none, other, "%s", changed);
}

Test(config, run_only_keys_leave_the_hash, .description = "where to read and write, time limits: same hash")
{
    char h1[17], h2[17];
    hash_of(SOURCE "output: {archive: results/x.db}\nga: {population: 10}\n", h1, NULL);
    hash_of("data: {prices: /scratch/copy/p.csv}\nga: {population: 10, max_seconds: 3600, grace_seconds: 5}\n"
            "output: {archive: /scratch/x.db, journal: delete}\n", h2, NULL);
    cr_assert_str_eq(h1, h2, "a moved archive or data file, or another time limit, is the same search");
    hash_of("data: {prices: p.csv, assets: [A, B]}\nga: {population: 10}\n", h2, NULL);
    cr_assert_str_neq(h1, h2, "the assets chosen are part of the search");
}

Test(config, diff_names_each_changed_key, .description = "config_diff: key: old -> new, hashed keys only")
{
    evo_config a, b;
    char h[17], out[512];
    hash_of(SOURCE "ga: {population: 10}\nsearch: {hidden: [8, 16]}\n", h, &a);
    hash_of(SOURCE "ga: {population: 12, max_seconds: 60}\nsearch: {hidden: [8, 32]}\nbacktest: {cost_bps: 25}\n"
            "output: {archive: elsewhere.db}\n", h, &b);
    cr_assert_eq(config_diff(&a, &b, out, sizeof out), 3, "%s", out);
    cr_assert_str_eq(out, "backtest.cost_bps: 10 -> 25; search.hidden: [8, 16] -> [8, 32]; ga.population: 10 -> 12");
    cr_assert_eq(config_diff(&a, &a, out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    char small[24];
    cr_assert_eq(config_diff(&a, &b, small, sizeof small), 3, "a short buffer still counts every key");
    cr_assert_eq(strlen(small), sizeof small - 1);
    config_free(&a);
    config_free(&b);
}

Test(config, get_prints_one_value, .description = "config_get: a value with defaults, no comment; unknown keys")
{
    evo_config c;
    char h[17], out[256];
    hash_of("name: dow  # a trailing comment\n" SOURCE "search: {hidden: [8, 16]}\n", h, &c);
    cr_assert_eq(config_get(&c, "name", out, sizeof out), EVO_OK);
    cr_assert_str_eq(out, "dow");
    cr_assert_eq(config_get(&c, "search.hidden", out, sizeof out), EVO_OK);
    cr_assert_str_eq(out, "[8, 16]");
    cr_assert_eq(config_get(&c, "ga.population", out, sizeof out), EVO_OK);
    cr_assert_str_eq(out, "32", "the default");
    cr_assert_eq(config_get(&c, "output.archive", out, sizeof out), EVO_OK, "run-only keys too");
    cr_assert_str_eq(out, "evofolio.db");
    cr_assert_eq(config_get(&c, "ga", out, sizeof out), EVO_ERR_USAGE, "a section");
    cr_assert_eq(config_get(&c, "ga.populaton", out, sizeof out), EVO_ERR_USAGE);
    cr_assert_eq(config_get(&c, "name.x", out, sizeof out), EVO_ERR_USAGE);
    cr_assert_eq(config_get(&c, "", out, sizeof out), EVO_ERR_USAGE);
    config_free(&c);
}

Test(config, every_shipped_config_is_valid, .description = "configs/*.yaml load, and fit their data")
{
    glob_t g;
    cr_assert_eq(glob("configs/*.yaml", 0, NULL, &g), 0, "run from the repository root");
    cr_assert_geq(g.gl_pathc, 2);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        evo_config cfg;
        evo_panel panel;
        evo_error err = {0};
        cr_assert_eq(config_load(g.gl_pathv[i], &cfg, &err), EVO_OK, "%s", err.msg);
        cr_assert_eq(data_load_config(&cfg, &panel, &err), EVO_OK, "%s", err.msg);
        data_panel_free(&panel);
        config_free(&cfg);
    }
    globfree(&g);
}

/* The warning time G of a batch template's `#SBATCH --signal=B:USR1@G`, or -1. */
static long signal_seconds(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    long g = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "#SBATCH --signal=B:USR1@%ld", &g) == 1)
            break;
    if (f)
        fclose(f);
    return g;
}

Test(config, shipped_configs_fit_the_batch_templates, .description = "G >= grace_seconds + longest evaluation + 30 s")
{
    glob_t configs, templates;
    cr_assert_eq(glob("configs/*.yaml", 0, NULL, &configs), 0);
    cr_assert_eq(glob("slurm/*.sbatch", 0, NULL, &templates), 0);
    for (size_t t = 0; t < templates.gl_pathc; t++) {
        long g = signal_seconds(templates.gl_pathv[t]);
        cr_assert_gt(g, 0, "%s asks for a warning signal", templates.gl_pathv[t]);
        for (size_t i = 0; i < configs.gl_pathc; i++) {
            evo_config cfg;
            evo_error err = {0};
            cr_assert_eq(config_load(configs.gl_pathv[i], &cfg, &err), EVO_OK, "%s", err.msg);
            double need = cfg.ga.grace_seconds + cfg.train.max_seconds + 30; /* README, "On a SLURM cluster" */
            cr_assert_geq((double)g, need, "%s warns %ld s before the limit; %s needs %g (grace %g + evaluation %g + 30)",
                          templates.gl_pathv[t], g, configs.gl_pathv[i], need, cfg.ga.grace_seconds,
                          cfg.train.max_seconds);
            config_free(&cfg);
        }
    }
    globfree(&configs);
    globfree(&templates);
}

Test(config, unknown_key_suggests, .description = "a misspelt key: its place and 'did you mean'")
{
    expect_error(SOURCE "ga:\n  populaton: 8\n", "t.yaml:4:3:", "did you mean 'population'");
    expect_error(SOURCE "splitt: {}\n", "t.yaml:3:1:", "did you mean 'split'");
    expect_error(SOURCE "colour: red\n", "t.yaml:3:1:", "unknown key 'colour'");
}

Test(config, wrong_type, .description = "a value of the wrong type names what was expected")
{
    expect_error(SOURCE "ga:\n  population: abc\n", "t.yaml:4:15:", "expected a whole number");
    expect_error(SOURCE "ga:\n  population: 8.5\n", "t.yaml:4:15:", "not a whole number");
    expect_error(SOURCE "ga: {crossover: [1]}\n", "t.yaml:3:17:", "got a list");
    expect_error(SOURCE "split: 5\n", "t.yaml:3:8:", "expected a mapping");
    expect_error(SOURCE "name: [a]\n", "t.yaml:3:7:", "expected a text value");
    expect_error(SOURCE "split: {test_start: 2000-02-30}\n", "t.yaml:3:21:", "expected a date");
    expect_error(SOURCE "ga: {seed: -1}\n", "t.yaml:3:12:", "expected a whole number");
    expect_error("data:\n  files: a.csv\n", "t.yaml:2:10:", "expected a list");
}

Test(config, out_of_range, .description = "values outside their range say the range")
{
    expect_error(SOURCE "ga: {crossover: 1.5}\n", "t.yaml:3:17:", "out of range; expected a number from 0 to 1");
    expect_error(SOURCE "search: {layers: [1, 4]}\n", "t.yaml:3:22:", "from 1 to 3");
    expect_error(SOURCE "split: {folds: 0}\n", "t.yaml:3:16:", "out of range");
    expect_error(SOURCE "backtest: {cost_bps: -1}\n", "t.yaml:3:22:", "out of range");
}

/* Fill the stack below the caller with 1e300, so that a parser frame that later reads an uninitialised
 * double there sees a value no int can hold, and UBSan reports the cast instead of passing by luck. */
static __attribute__((noinline)) void soil_stack(void)
{
    volatile double junk[4096];
    for (int i = 0; i < 4096; i++)
        junk[i] = 1e300;
    cr_assert_eq(junk[0], 1e300);
}

Test(config, huge_whole_number_is_a_range_error, .description = "1e68 for an int key: a range error, never cast")
{
    soil_stack();
    expect_error(SOURCE "split: {folds: 1e68}\n", "t.yaml:3:16:", "1e68 is out of range; expected a whole number "
                 "from 1 to 100");
    soil_stack();
    expect_error(SOURCE "ga: {population: -1e300}\n", "t.yaml:3:18:", "out of range");
    soil_stack();
    expect_error(SOURCE "search: {hidden: 3000000000}\n", "t.yaml:3:18:", "out of range");
}

Test(config, gene_ranges, .description = "min > max, log scale, duplicates, stray keys")
{
    expect_error(SOURCE "search:\n  hidden: {min: 64, max: 8}\n", "t.yaml:4:11:", "greater than max");
    expect_error(SOURCE "search:\n  weight_decay: {min: 0, max: 0.1}\n", "t.yaml:4:23:", "log scale");
    expect_error(SOURCE "search:\n  hidden: [8, 16, 8]\n", "t.yaml:4:19:", "listed twice");
    expect_error(SOURCE "search:\n  hidden: {min: 8, max: 16, step: 2}\n", "t.yaml:4:29:", "min and max");
    expect_error(SOURCE "search:\n  hidden: {min: 8}\n", "t.yaml:4:11:", "needs both min and max");
    expect_error(SOURCE "search:\n  batch: []\n", "t.yaml:4:10:", "1 to 32 entries");
}

Test(config, unknown_names, .description = "unknown feature, strategy, model or mode names suggest")
{
    expect_error(SOURCE "search:\n  features: [ret1, vol2O]\n", "t.yaml:4:20:", "did you mean 'vol20'");
    expect_error(SOURCE "baselines: [ew, minvr]\n", "t.yaml:3:17:", "unknown strategy 'minvr'; did you mean 'minvar'");
    expect_error(SOURCE "search: {model: [lstm]}\n", "t.yaml:3:18:", "unknown model kind 'lstm'");
    expect_error(SOURCE "ga: {mode: stedy}\n", "t.yaml:3:12:", "did you mean 'steady'");
    expect_error(SOURCE "baselines: x\n", "t.yaml:3:12:", "baselines: unknown strategy 'x'. Use one of: ew,");
    expect_error(SOURCE "search: {model: lstm}\n", "t.yaml:3:17:", "unknown model kind 'lstm'");
    expect_error(SOURCE "search: {features: []}\n", "t.yaml:3:20:", "non-empty list");
    expect_error(SOURCE "search: {strategies: [ew, ew]}\n", "t.yaml:3:27:", "listed twice");
}

Test(config, dates_out_of_order, .description = "end before start, test period outside the data range")
{
    expect_error(SOURCE "  start: 2000-01-01\n  end: 1999-01-01\n", "t.yaml:4:3:", "before data.start");
    expect_error(SOURCE "  start: 2000-01-01\nsplit: {test_start: 1999-06-01}\n", "t.yaml:4:9:",
                 "not after data.start");
    expect_error(SOURCE "  end: 2000-01-01\nsplit: {test_start: 2001-06-01}\n", "t.yaml:4:9:",
                 "after data.end");
}

Test(config, cross_key_rules, .description = "rules that span keys name the key to change")
{
    expect_error("name: x\n", "t.yaml:", "no market data given");
    expect_error("data: {prices: a.csv, dir: d}\n", "t.yaml:1:1:", "not 2 of them");
    expect_error(SOURCE "split: {test_start: 2000-01-03, test_days: 50}\n", "t.yaml:3:33:",
                 "not both");
    expect_error(SOURCE "ga: {population: 4, elite: 4}\n", "t.yaml:3:21:", "less than ga.population");
    expect_error(SOURCE "ga: {population: 4, tournament: 5}\n", "t.yaml:3:21:", "larger than");
    expect_error(SOURCE "search: {strategies: [ew]}\n", "t.yaml:3:10:", "at least 2");
}

Test(config, syntax_errors_and_duplicates, .description = "YAML errors, empty files, repeated keys")
{
    expect_error(SOURCE "ga: {population: 8\n", "t.yaml:4:1:", "YAML syntax error");
    expect_error(SOURCE "ga:\n\tpopulation: 8\n", "t.yaml:4:", "YAML syntax error");
    expect_error("", "t.yaml", "empty");
    expect_error("- a\n- b\n", "t.yaml:1:1:", "expected a mapping");
    expect_error(SOURCE "ga: {seed: 1}\nga: {seed: 2}\n", "t.yaml:4:1:", "given twice");
}

Test(config, missing_file, .description = "a file that cannot be opened is a configuration error")
{
    evo_config cfg;
    evo_error err = {0};
    cr_assert_eq(config_load("/nonexistent/x.yaml", &cfg, &err), EVO_ERR_CONFIG);
    cr_assert(strstr(err.msg, "/nonexistent/x.yaml"));
    config_free(&cfg);
}


Test(config, ga_objectives, .description = "ga.objectives: a set of 2-4 criteria or []; [] hashes as before the key existed")
{
    evo_config c;
    evo_error err = {0};
    cr_assert_eq(parse(SOURCE "ga: {objectives: [drawdown, sharpe]}\n", &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(c.ga.objectives, (1u << CRITERION_SHARPE) | (1u << CRITERION_DRAWDOWN));
    char *yaml = NULL;
    cr_assert_eq(config_to_yaml(&c, &yaml, &err), EVO_OK);
    cr_assert(strstr(yaml, "objectives: [sharpe, drawdown]"), "canonical order: the catalogue's\n%s", yaml);
    free(yaml);
    config_free(&c);
    cr_assert(catalog_criterion_minimised[CRITERION_DRAWDOWN] && !catalog_criterion_minimised[CRITERION_SHARPE]);
    cr_assert_eq(parse(SOURCE "ga: {population: 10}\n", &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(c.ga.objectives, 0u, "the default: one objective");
    cr_assert_eq(config_to_yaml(&c, &yaml, &err), EVO_OK);
    config_free(&c);
    cr_assert(strstr(yaml, "objectives: []"), "%s", yaml);
    cr_assert_eq(config_parse(yaml, strlen(yaml), "canonical.yaml", &c, &err), EVO_OK, "[] reads back: %s", err.msg);
    free(yaml);
    config_free(&c);
    expect_added_key(SOURCE "ga: {population: 10, objectives: []}\n",
                     SOURCE "ga: {population: 10, objectives: [fitness, turnover]}\n");
    expect_error(SOURCE "ga:\n  objectives: [sharpe]\n", "t.yaml:4:3:", "give 2 to 4");
    expect_error(SOURCE "ga:\n  objectives: sharpe\n", "t.yaml:4:3:", "names 1 objective");
    expect_error(SOURCE "ga:\n  objectives: [sharpe, sortino, return, vol, cvar]\n", "t.yaml:4:3:", "names 5 objectives");
    expect_error(SOURCE "ga:\n  objectives: [sharpe, drawdwn]\n", "t.yaml:4:", "did you mean 'drawdown'");
    expect_error(SOURCE "ga:\n  objectives: [sharpe, sharpe]\n", "t.yaml:4:", "listed twice");
}

Test(config, ga_rungs_and_eta, .description = "ga.rungs 1..6, ga.eta 2..10; defaults left out of the hash; in steady mode too; not with objectives yet")
{
    evo_config c;
    evo_error err = {0};
    cr_assert_eq(parse(SOURCE "ga: {rungs: 3, eta: 2}\n", &c, &err), EVO_OK, "%s", err.msg);
    cr_assert(c.ga.rungs == 3 && c.ga.eta == 2);
    config_free(&c);
    cr_assert_eq(parse(SOURCE "ga: {population: 10}\n", &c, &err), EVO_OK);
    cr_assert(c.ga.rungs == 1 && c.ga.eta == 3, "the defaults: one rung, eta 3");
    config_free(&c);
    expect_added_key(SOURCE "ga: {population: 10, rungs: 1, eta: 3}\n", SOURCE "ga: {population: 10, rungs: 3}\n");
    expect_error(SOURCE "ga:\n  rungs: 7\n", "t.yaml:4:10:", "1");
    expect_error(SOURCE "ga:\n  eta: 1\n", "t.yaml:4:8:", "2");
    expect_error(SOURCE "ga:\n  rungs: 2\n  objectives: [sharpe, drawdown]\n", "t.yaml:4:3:", "not supported yet");
    cr_assert_eq(parse(SOURCE "ga: {rungs: 2, mode: steady}\n", &c, &err), EVO_OK, "steady mode promotes "
                 "asynchronously: %s", err.msg);
    config_free(&c);
}

Test(config, backtest_clusters, .description = "backtest.clusters 1..1000, default 5, left out of the hash at it")
{
    evo_config c;
    evo_error err = {0};
    cr_assert_eq(parse(SOURCE "ga: {population: 10}\n", &c, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(c.backtest.clusters, 5);
    config_free(&c);
    expect_added_key(SOURCE "ga: {population: 10}\nbacktest: {clusters: 5}\n",
                     SOURCE "ga: {population: 10}\nbacktest: {clusters: 3}\n");
    expect_error(SOURCE "backtest:\n  clusters: 0\n", "t.yaml:4:13:", "1");
}

Test(config, attention_widths_split_into_heads, .description = "search.d_model must hold a multiple of every search.heads value")
{
    expect_error(SOURCE "search:\n  heads: [3]\n  d_model: [16, 32]\n", "t.yaml:5:", "no value of search.d_model is a multiple of 3");
    expect_error(SOURCE "search:\n  heads: {min: 1, max: 5}\n  d_model: {min: 16, max: 19}\n", "t.yaml:5:",
                 "multiple of 5");
    evo_config cfg;
    evo_error err = {0};
    cr_assert_eq(parse(SOURCE "search:\n  heads: {min: 1, max: 4}\n  d_model: {min: 16, max: 19}\n", &cfg, &err), EVO_OK,
                 "16 splits into 1 to 4 heads: %s", err.msg);
    config_free(&cfg);
    cr_assert_eq(parse(SOURCE "search:\n  arch: lstm\n  heads: [3]\n  d_model: [16]\n", &cfg, &err), EVO_OK,
                 "an LSTM-only search draws no widths: %s", err.msg);
    config_free(&cfg);
    cr_assert_eq(parse(SOURCE, &cfg, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(cfg.search.arch, (1u << ARCH_LSTM) | (1u << ARCH_ATTENTION), "both architectures by default");
    config_free(&cfg);
    expect_error(SOURCE "search:\n  arch: [lstm, transformer]\n", "t.yaml:4:", "transformer");
}
