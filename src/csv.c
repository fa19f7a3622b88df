/* csv: libcsv parses; this module keeps the cells in one growing text buffer and remembers lines. The
 * file is fed to libcsv one physical line at a time so every row knows the line it starts on. */
#include "evofolio/csv.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    csv_table *t;
    int line;          /* line being fed */
    size_t line_at;    /* its byte offset */
    int row_open;      /* a row has begun and not yet ended */
    int row_line;      /* line the open row began on */
    size_t row_at;
    size_t row_first;  /* first cell of the open row */
    int failed;        /* out of memory */
} feed_state;

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *b = realloc(*buf, c * elem);
    if (!b)
        return -1;
    *buf = b;
    *cap = c;
    return 0;
}

static void on_cell(void *cell, size_t len, void *data)
{
    feed_state *s = data;
    csv_table *t = s->t;
    if (s->failed || grow((void **)&t->text, &t->text_cap, t->text_len + len + 1, 1) ||
        grow((void **)&t->cell_off, &t->cell_cap, t->n_cells + 1, sizeof *t->cell_off)) {
        s->failed = 1;
        return;
    }
    t->cell_off[t->n_cells++] = t->text_len;
    if (len)
        memcpy(t->text + t->text_len, cell, len);
    t->text[t->text_len + len] = '\0';
    t->text_len += len + 1;
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    feed_state *s = data;
    csv_table *t = s->t;
    int n = (int)(t->n_cells - s->row_first);
    int keep = s->row_open && !s->failed && !(n == 1 && t->text[t->cell_off[s->row_first]] == '\0');
    size_t cap = (size_t)t->row_cap;
    if (keep && grow((void **)&t->rows, &cap, (size_t)t->n_rows + 1, sizeof *t->rows)) {
        s->failed = 1;
        keep = 0;
    }
    if (keep) {
        t->row_cap = (int)cap;
        t->rows[t->n_rows++] = (csv_row){s->row_line, n, s->row_first, s->row_at};
    } else {
        t->n_cells = s->row_first; /* a line of blanks, or no memory */
    }
    s->row_open = 0;
    s->row_first = t->n_cells;
}

static int is_blank(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", line[i]))
            return 0;
    return 1;
}

int csv_table_parse(const char *text, size_t len, const char *path, csv_table *t, evo_error *err)
{
    memset(t, 0, sizeof *t);
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte-order mark */
        text += 3;
        len -= 3;
    }
    t->path = strdup(path);
    t->raw = malloc(len + 1);
    if (!t->path || !t->raw) {
        csv_table_free(t);
        return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(t->raw, text, len);
    t->raw[len] = '\0';
    t->raw_len = len;

    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        csv_table_free(t);
        return evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", path);
    }
    feed_state s = {.t = t, .line = 1};
    int rc = EVO_OK;
    size_t at = 0;
    while (at < len && !rc) {
        const char *nl = memchr(t->raw + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (t->raw + at)) + 1 : len - at;
        s.line_at = at;
        if (!s.row_open && !is_blank(t->raw + at, n)) { /* a row begins on this line */
            s.row_open = 1;
            s.row_line = s.line;
            s.row_at = at;
        }
        if (csv_parse(&p, t->raw + at, n, on_cell, on_row, &s) != n)
            rc = evo_fail(err, EVO_ERR_DATA, "%s:%d: malformed CSV: %s. Check the quotes on this "
                          "line.", path, s.line, csv_strerror(csv_error(&p)));
        at += n;
        s.line++;
    }
    int open_line = s.row_line;
    if (!rc && csv_fini(&p, on_cell, on_row, &s))
        rc = evo_fail(err, EVO_ERR_DATA, "%s:%d: malformed CSV: %s. A quoted field in the row "
                      "starting here is never closed.", path, open_line, csv_strerror(csv_error(&p)));
    csv_free(&p);
    if (!rc && s.failed)
        rc = evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", path);
    if (rc)
        csv_table_free(t);
    return rc;
}

int csv_table_read(const char *path, csv_table *t, evo_error *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot open: %s. Check the path.", path,
                        strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = EVO_OK;
    for (;;) {
        if (grow((void **)&buf, &cap, len + 65536, 1)) {
            rc = evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (!rc && ferror(f))
        rc = evo_fail(err, EVO_ERR_IO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (!rc)
        rc = csv_table_parse(buf, len, path, t, err);
    free(buf);
    return rc;
}

void csv_table_free(csv_table *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->raw);
    free(t->text);
    free(t->cell_off);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

const char *csv_cell(const csv_table *t, int row, int col)
{
    const csv_row *r = &t->rows[row];
    if (col < 0 || col >= r->n_cells)
        return "";
    return t->text + t->cell_off[r->first + (size_t)col];
}

int csv_column(const csv_table *t, int row, int col)
{
    /* Walk the row's line counting unquoted commas and UTF-8 characters (not bytes); only error
     * messages need this. */
    const char *line = t->raw + t->rows[row].line_at;
    int quoted = 0, field = 0, column = 1;
    const char *c = line;
    for (; *c && *c != '\n' && *c != '\r' && field < col; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (*c == ',' && !quoted)
            field++;
        column += ((unsigned char)*c & 0xC0) != 0x80;
    }
    for (; *c == ' ' || *c == '\t'; c++) /* libcsv trims these from the cell */
        column++;
    return column;
}
