/* genome: one candidate's genes (DESIGN.md, "Genome"), the search space they are drawn from (the
 * config's `search:` section), a canonical text key (equal keys = the same candidate) and a JSON
 * form. A table of genes (genome_genes) drives random draws, validation, the key and JSON, so the
 * search's mutation and crossover can walk it too. Nothing here allocates except genome_to_json's
 * returned string (caller frees). Parse errors are EVO_ERR_USAGE with the gene and what was allowed. */
#ifndef EVOFOLIO_GENOME_H
#define EVOFOLIO_GENOME_H

#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/error.h"
#include "evofolio/genes.h"
#include "evofolio/rng.h"

enum {
    GENOME_SIG_DIGITS = 4, /* real genes are rounded to this many significant digits */
    GENOME_KEY_MAX = 512
};

typedef enum {
    GENE_KIND_CHOICE, /* one name of a catalogue */
    GENE_KIND_INT,    /* an integer from a range or list */
    GENE_KIND_REAL,   /* a real from a range or list */
    GENE_KIND_SET     /* a non-empty subset of a catalogue */
} evo_gene_kind;

/* One field per gene, named and typed as genes.h says. Unused genes hold their canonical form (see
 * genome_normalise): layers = hidden = 0 and seq_len = 1 for the linear model, strategies = 0 unless
 * the model is portfolio. */
#define GENOME_FIELD_(E, name, type, ...) type name;
typedef struct {
    EVO_GENES(GENOME_FIELD_)
} evo_genome;

typedef struct {
    const char *name;       /* the field, the key in the JSON and canonical forms, the archive column */
    const char *words;      /* what the report calls it */
    evo_gene_kind kind;
    int log_scale;          /* drawn log-uniformly from a range */
    const evo_names *names; /* GENE_KIND_CHOICE and GENE_KIND_SET */
    size_t field;           /* offset in evo_genome: int (choice, int), unsigned (set), double (real) */
    size_t space;           /* offset in evo_config: unsigned mask (choice, set), evo_gene_range */
} evo_gene_info;

extern const evo_gene_info genome_genes[GENE_COUNT];

/* Gene access by table index, for code that walks genome_genes (the GA's operators, the report): a
 * choice reads as its enum value, a set as its bitmask, a number as itself. genome_gene_set refuses a
 * value the gene cannot hold (a choice outside its catalogue, a set with bits past it, an int gene
 * that is fractional or outside int) with EVO_ERR_USAGE naming the gene and the value, g untouched;
 * it never casts one. Values drawn from a search space always fit, so the GA passes err = NULL and
 * ignores the status; whoever sets values read from outside (an archive) checks it. */
double genome_gene_get(const evo_genome *g, evo_gene k);
int genome_gene_set(evo_genome *g, evo_gene k, double v, evo_error *err);
/* Gene k of g as text, as the canonical key and the archive write it: a choice's name, a set's names
 * joined by '+' in catalogue order, an integer, a real to GENOME_SIG_DIGITS digits. */
void genome_gene_text(const evo_genome *g, evo_gene k, char *out, size_t size);
/* The value of gene k written as genome_gene_text writes it, for genome_gene_set; NAN when text is
 * not such a value (an unknown name, a number that does not parse). */
double genome_gene_parse(evo_gene k, const char *text);
/* Is gene k a number (GENE_KIND_INT or GENE_KIND_REAL), not a choice or a set? */
int genome_gene_is_number(evo_gene k);
/* The search space of a numeric gene in cfg; NULL for choice and set genes. */
const evo_gene_range *genome_gene_space(const evo_config *cfg, evo_gene k);
/* The allowed names of a choice or set gene in cfg as a bitmask; 0 for numeric genes. */
unsigned genome_gene_allowed(const evo_config *cfg, evo_gene k);
/* Does g's model read gene k? Not features for portfolio, strategies only for portfolio; for the LSTM
 * hidden, and dropout only with more than one layer; for attention d_model, heads, ff and dropout;
 * arch/layers/seq_len and the architecture's genes not for linear; every other gene always.
 * Unused genes are put in canonical form (0; seq_len 1, arch lstm) by genome_normalise, which also
 * moves an attention genome's d_model to the nearest multiple of its heads inside search.d_model, and
 * skipped by validation and JSON. */
int genome_gene_used(const evo_genome *g, evo_gene k);
/* Draw gene k as genome_random does; the genome is not normalised. Features: a small set (k names with
 * probability 2^-k); strategies: each allowed one with probability 1/2, at least 2. */
void genome_gene_random(evo_genome *g, evo_gene k, const evo_config *cfg, evo_rng *rng);

/* Draw every gene from cfg's search space: choices and numbers uniformly (log-uniformly for log-scale
 * ranges), sets as genome_gene_random. */
void genome_random(evo_genome *g, const evo_config *cfg, evo_rng *rng);
/* The screen that opens a search: candidate i (0-based) holds the i-th allowed feature alone in the
 * cheapest model that reads features (linear, else asset, else shared), with the sharpe objective
 * when allowed, the smallest rebalance interval and every number in the middle of its range (the
 * geometric middle for log-scale genes; the middle value of a list by size). A univariate screen:
 * whichever single feature carries a signal is tried in the first generation, which random draws of
 * feature subsets rarely do. Returns 0 (g untouched) when i is past the screen or no model reads
 * features. Normalised. */
int genome_screen(evo_genome *g, int i, const evo_config *cfg);
/* Put irrelevant genes in canonical form and round reals, so that equal candidates are equal:
 * strategies = 0 unless portfolio; features = the whole allowed set for portfolio (it does not read
 * them); a real gene the model does not read = 0 (dropout with one layer); linear: layers = hidden = 0,
 * seq_len = 1; the other reals to GENOME_SIG_DIGITS significant digits. */
void genome_normalise(evo_genome *g, const evo_config *cfg);
/* Every gene inside cfg's search space (after normalising)? EVO_ERR_USAGE naming the gene if not. */
int genome_validate(const evo_genome *g, const evo_config *cfg, evo_error *err);

/* "model=asset;objective=sharpe;layers=2;...;features=ret1+vol20;strategies=;rebalance=5" of a
 * normalised genome (genome_random and genome_from_json return normalised genomes). */
void genome_key(const evo_genome *g, char out[GENOME_KEY_MAX]);
/* The JSON form, without the genes g does not use; malloc'd, caller frees; NULL when out of memory. */
char *genome_to_json(const evo_genome *g);
/* Parse JSON text (every gene required; strategies only for the portfolio model), normalise and
 * validate against cfg's search space. */
int genome_from_json(evo_genome *g, const char *json, const evo_config *cfg, evo_error *err);

#endif
