/* fuzz_genome: the genome reader, genome_from_json on the input as JSON text, as `eval --genome` and a
 * resumed search (reading the archive's genome column) call it; against the default search space and
 * against a wide one. A genome it accepts must print as JSON that reads back to the same canonical
 * key. */
#include "fuzz.h"

#include "evofolio/genome.h"

static void range(evo_gene_range *g, double min, double max)
{
    *g = (evo_gene_range){.form = GENE_RANGE, .min = min, .max = max};
}

/* Every model, objective, feature and strategy, and each number's widest range (configs/README.md);
 * weight decay a list with 0. Set here rather than parsed, which would cost more than the genome. */
static void wide_space(evo_config *cfg)
{
    config_defaults(cfg);
    cfg->search.features = (1u << FEATURE_COUNT) - 1;
    range(&cfg->search.layers, 1, 3);
    range(&cfg->search.hidden, 1, 1024);
    range(&cfg->search.seq_len, 1, 1000);
    range(&cfg->search.lr, 1e-7, 1);
    cfg->search.weight_decay = (evo_gene_range){.form = GENE_LIST, .min = 0, .max = 1, .n = 3,
                                                .values = {0, 0.001, 1}};
    range(&cfg->search.dropout, 0, 0.9);
    range(&cfg->search.batch, 1, 4096);
    range(&cfg->search.steps, 1, 1000000);
    range(&cfg->search.rebalance, 1, 1000);
}

static void read_genome(const char *text, const evo_config *cfg)
{
    evo_genome g, again;
    evo_error err = {0};
    if (genome_from_json(&g, text, cfg, &err))
        return;
    char key[GENOME_KEY_MAX], key_again[GENOME_KEY_MAX];
    genome_key(&g, key);
    char *json = genome_to_json(&g);
    fuzz_check(json != NULL, "an accepted genome cannot be printed");
    fuzz_check(genome_from_json(&again, json, cfg, &err) == EVO_OK, "the JSON of an accepted genome is "
               "refused");
    genome_key(&again, key_again);
    fuzz_check(!strcmp(key, key_again), "the JSON of an accepted genome reads back as another one");
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    evo_config defaults, wide;
    config_defaults(&defaults);
    wide_space(&wide);
    char *text = fuzz_text(data, size);
    if (text) {
        read_genome(text, &defaults);
        read_genome(text, &wide);
    }
    free(text);
    config_free(&wide);
    config_free(&defaults);
    return 0;
}
