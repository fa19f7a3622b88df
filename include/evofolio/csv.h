/* csv: a whole CSV file read into one table of text cells with the line each row starts on, using
 * libcsv for the quoting rules. Handles a UTF-8 BOM, CRLF or LF line ends, quoted fields and blank
 * lines. The table owns its memory (csv_table_free); failures return EVO_ERR_IO or EVO_ERR_DATA with
 * "file:line: what". */
#ifndef EVOFOLIO_CSV_H
#define EVOFOLIO_CSV_H

#include <stddef.h>

#include "evofolio/error.h"

typedef struct {
    int line;       /* 1-based line the row starts on */
    int n_cells;
    size_t first;   /* index of the row's first cell in cell_off */
    size_t line_at; /* byte offset of that line in raw */
} csv_row;

typedef struct {
    char *path;
    char *raw; /* the file's bytes, BOM removed, NUL-terminated */
    size_t raw_len;
    char *text;       /* every cell, each NUL-terminated */
    size_t text_len, text_cap;
    size_t *cell_off; /* offset of each cell in text */
    size_t n_cells, cell_cap;
    csv_row *rows; /* [n_rows], header included */
    int n_rows, row_cap;
} csv_table;

int csv_table_read(const char *path, csv_table *t, evo_error *err);
/* Parse text already in memory; path only names the source in messages. */
int csv_table_parse(const char *text, size_t len, const char *path, csv_table *t, evo_error *err);
void csv_table_free(csv_table *t);

/* The cell (row, col), both 0-based; "" past the row's end. */
const char *csv_cell(const csv_table *t, int row, int col);
/* The 1-based character column where cell (row, col) starts on its line (past the end: the end). */
int csv_column(const csv_table *t, int row, int col);

#endif
