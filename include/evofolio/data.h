/* data: market data -> a panel of D dates x A assets of closes (and volumes when every source has
 * them). Reads a wide CSV of closes or per-ticker OHLCV files (Yahoo Finance exports), aligns them on
 * their common dates, forward-fills when asked, and applies the config's asset and date selection.
 * The panel owns its arrays (data_panel_free). Failures return EVO_ERR_DATA / EVO_ERR_CONFIG /
 * EVO_ERR_IO with "file:line:column: what; what to do". */
#ifndef EVOFOLIO_DATA_H
#define EVOFOLIO_DATA_H

#include <stdio.h>

#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/date.h"
#include "evofolio/error.h"

typedef enum {
    DATA_WIDE,   /* one CSV: date column + one column of closes per asset */
    DATA_TICKERS /* one OHLCV file per asset, asset = file stem */
} evo_data_format;

typedef struct {
    int n_days;      /* D */
    int n_assets;    /* A */
    char **assets;   /* [A] names */
    evo_date *dates; /* [D] strictly increasing */
    double *close;   /* [D][A] closes (Adj Close when given), all > 0 */
    double *volume;  /* [D][A] volumes >= 0, or NULL when a source has none */

    /* how the panel was made, for the summary */
    evo_data_format format;
    int n_sources;         /* files read */
    int rows_read;         /* distinct dates read over all sources */
    int dropped_alignment; /* dates missing from at least one per-ticker file */
    int dropped_selection; /* dates outside data.start..data.end */
    int filled_cells;      /* cells forward-filled */
} evo_panel;

typedef struct {
    evo_missing missing;
    int ffill_limit; /* most consecutive rows one asset may be filled */
} data_options;

/* One wide CSV, or per-ticker files (paths may name directories of *.csv files). A single file is
 * read as wide unless its header has a Close column. */
int data_load_files(char *const *paths, int n_paths, const data_options *opt, evo_panel *panel,
                    evo_error *err);
/* The data a config names, with its asset and date selection, checked against its split. */
int data_load_config(const evo_config *cfg, evo_panel *panel, evo_error *err);
void data_panel_free(evo_panel *panel);
/* FNV-1a of the panel's dates, names and closes, as 16 hex digits (runs.data_hash): a resume must see the
 * same data. */
void data_panel_hash(const evo_panel *panel, char out[17]);

/* Write the panel as a wide CSV (date, then one column of closes per asset; 10 significant digits). */
int data_write_wide(const evo_panel *panel, FILE *out);

/* Summary: source, assets, first/last date, rows, gaps, rows dropped, min/max price per asset. */
void data_summary_print(const evo_panel *panel, FILE *out);

#endif
