/* genes: the list of genes, one row each, and nothing else. Every place that names the genes is
 * generated from it: the evo_gene enum and the evo_genome struct (genome.h), the config's `search:`
 * keys, their bounds and defaults (config.h, config.c), the archive's columns and binds (archive.h,
 * archive.c) and the query and report column lists. Adding a gene is one row here, the code that
 * reads it (the model) and its tests. Header only: an X-macro list, expanded by its includers. */
#ifndef EVOFOLIO_GENES_H
#define EVOFOLIO_GENES_H

#include "evofolio/catalog.h"

/* X(ENUM, name, C type, kind, log scale, catalogue, lo, hi, default lo, default hi, words)
 *   name      the struct field, the JSON and canonical-key name, the `search.<name>` key and the
 *             archive column
 *   kind      CHOICE (one name of the catalogue, stored as its enum value), SET (a non-empty subset,
 *             a bitmask), INT or REAL (a number drawn from a range or a list)
 *   log scale 1: a range is drawn log-uniformly (its min must be > 0)
 *   lo, hi    the bounds any search space of a numeric gene must stay inside
 *   default   the range searched when the config does not say (numbers); choices and sets search
 *             their whole catalogue unless config_defaults says otherwise
 *   words     what the report calls the gene
 * The order is the archive's column order and the canonical key's: append, never reorder. */
#define EVO_GENES(X)                                                                                     \
    X(MODEL, model, evo_model_kind, CHOICE, 0, &catalog_model_kinds, 0, 0, 0, 0, "model kind")           \
    X(OBJECTIVE, objective, evo_objective, CHOICE, 0, &catalog_objectives, 0, 0, 0, 0,                   \
      "training objective")                                                                              \
    X(LAYERS, layers, int, INT, 0, NULL, 1, 3, 1, 2, "layers (LSTM or encoder blocks)")                                      \
    X(HIDDEN, hidden, int, INT, 1, NULL, 1, 1024, 8, 64, "LSTM hidden units")                                 \
    X(SEQ_LEN, seq_len, int, INT, 0, NULL, 1, 1000, 10, 60, "input days")                                \
    X(LR, lr, double, REAL, 1, NULL, 1e-7, 1, 1e-4, 1e-2, "learning rate")                               \
    X(WEIGHT_DECAY, weight_decay, double, REAL, 1, NULL, 0, 1, 1e-6, 1e-2, "weight decay")               \
    X(DROPOUT, dropout, double, REAL, 0, NULL, 0, 0.9, 0, 0.3, "dropout (2+ LSTM layers; attention)")        \
    X(BATCH, batch, int, INT, 0, NULL, 1, 4096, 16, 128, "days per minibatch")                           \
    X(STEPS, steps, int, INT, 1, NULL, 1, 1000000, 100, 2000, "optimizer steps")                         \
    X(FEATURES, features, unsigned, SET, 0, &catalog_features, 0, 0, 0, 0, "input feature")              \
    X(STRATEGIES, strategies, unsigned, SET, 0, &catalog_strategies, 0, 0, 0, 0,                         \
      "blended strategy (portfolio model)")                                                              \
    X(REBALANCE, rebalance, int, INT, 0, NULL, 1, 1000, 1, 21, "rebalance interval (days)")            \
    X(ARCH, arch, evo_arch, CHOICE, 0, &catalog_architectures, 0, 0, 0, 0, "architecture")              \
    X(D_MODEL, d_model, int, INT, 1, NULL, 1, 1024, 16, 64, "attention width (d_model)")                \
    X(HEADS, heads, int, INT, 0, NULL, 1, 64, 1, 4, "attention heads")                                   \
    X(FF, ff, int, INT, 1, NULL, 1, 4096, 32, 128, "feed-forward width")

/* One value per gene: GENE_MODEL, GENE_OBJECTIVE, ... in the list's order. */
#define EVO_GENE_ENUM_(E, ...) GENE_##E,
typedef enum { EVO_GENES(EVO_GENE_ENUM_) GENE_COUNT } evo_gene;

#endif
