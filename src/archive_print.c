/* archive_print: printing what a query returns - as an aligned table, CSV, JSON, lines or one object -
 * and the rows of several archives merged into one result. The half of the archive module that reads
 * any statement a user gives; archive.c keeps the schema and evofolio's own statements. */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_int.h"
#include "evofolio/buf.h"
#include "evofolio/error.h"

enum { QUERY_COL_MAX = 256 }; /* columns archive_query_print prints */

/* A cell as text for the format; NULL when the value is NULL. */
static const char *cell_text(sqlite3_stmt *st, int i, int format, char *buf, size_t size, int *numeric)
{
    *numeric = 0;
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        return NULL;
    case SQLITE_INTEGER:
        *numeric = 1;
        snprintf(buf, size, "%lld", (long long)sqlite3_column_int64(st, i));
        return buf;
    case SQLITE_FLOAT: {
        double x = sqlite3_column_double(st, i);
        *numeric = 1;
        if (!isfinite(x))
            snprintf(buf, size, "%s", format == ARCHIVE_FORMAT_JSON || format == ARCHIVE_FORMAT_OBJECT
                                          ? "null" : x > 0 ? "inf" : x < 0 ? "-inf" : "nan");
        else if (format == ARCHIVE_FORMAT_TABLE || format == ARCHIVE_FORMAT_LINES)
            snprintf(buf, size, fabs(x) >= 1e6 && fabs(x) < 1e15 ? "%.0f" : "%.6g", x); /* no 1.7e+09 */
        else
            archive_format_exact(buf, size, x);
        return buf;
    }
    case SQLITE_BLOB:
        if (format == ARCHIVE_FORMAT_TABLE || format == ARCHIVE_FORMAT_LINES) {
            snprintf(buf, size, "(%d-byte blob)", sqlite3_column_bytes(st, i));
            return buf;
        }
        return NULL; /* the caller writes it as hex */
    default:
        return (const char *)sqlite3_column_text(st, i);
    }
}

static void put_hex(FILE *out, const unsigned char *p, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(out, "%02x", p[i]);
}

static void put_csv(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* A JSON string through jansson's escaping. */
static int put_json_string(FILE *out, const char *s, size_t n)
{
    json_t *j = json_stringn_nocheck(s, n);
    int bad = !j || json_dumpf(j, out, JSON_ENCODE_ANY);
    json_decref(j);
    return bad ? -1 : 0;
}

static int put_json_cell(FILE *out, sqlite3_stmt *st, int i)
{
    char buf[64];
    int numeric;
    if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
        fputc('"', out);
        put_hex(out, sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i));
        fputc('"', out);
        return 0;
    }
    const char *s = cell_text(st, i, ARCHIVE_FORMAT_JSON, buf, sizeof buf, &numeric);
    if (!s)
        fputs("null", out);
    else if (numeric)
        fputs(s, out);
    else
        return put_json_string(out, s, (size_t)sqlite3_column_bytes(st, i));
    return 0;
}

static int put_json_row(FILE *out, sqlite3_stmt *st, int n_col)
{
    int bad = 0;
    fputc('{', out);
    for (int i = 0; i < n_col && !bad; i++) {
        const char *name = sqlite3_column_name(st, i);
        fputs(i ? "," : "", out);
        bad = put_json_string(out, name, strlen(name));
        fputc(':', out);
        bad = bad || put_json_cell(out, st, i);
    }
    fputc('}', out);
    return bad;
}

/* Rows kept for the aligned table: cells [n_rows][n_col], NULL = SQL NULL. */
typedef struct {
    char **cells;
    size_t n_rows, cap;
    int n_col;
    int numeric[QUERY_COL_MAX]; /* right-aligned: every non-NULL value of the column is a number */
    int has_value[QUERY_COL_MAX];
} table_rows;

static void table_free(table_rows *t)
{
    for (size_t i = 0; i < t->n_rows * (size_t)t->n_col; i++)
        free(t->cells[i]);
    free(t->cells);
}

static int table_add(table_rows *t, sqlite3_stmt *st)
{
    if (t->n_rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cells, cap * (size_t)t->n_col * sizeof *c);
        if (!c)
            return -1;
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->n_rows * (size_t)t->n_col;
    for (int i = 0; i < t->n_col; i++)
        row[i] = NULL;
    t->n_rows++;
    for (int i = 0; i < t->n_col; i++) {
        char buf[64];
        int numeric;
        const char *s = cell_text(st, i, ARCHIVE_FORMAT_TABLE, buf, sizeof buf, &numeric);
        if (!s)
            continue;
        if (!(row[i] = strdup(s)))
            return -1;
        t->numeric[i] = (t->numeric[i] || !t->has_value[i]) && numeric;
        t->has_value[i] = 1;
    }
    return 0;
}

/* Display width of UTF-8 text: the bytes that start a character. */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* One line of the table (cells[n_col], NULL = blank) without trailing blanks. */
static int table_line(evo_buf *line, const table_rows *t, const int *width, const char *const *cells,
                      FILE *out)
{
    buf_truncate(line, 0);
    for (int i = 0; i < t->n_col; i++) {
        const char *s = cells[i] ? cells[i] : "";
        int pad = width[i] - text_width(s); /* characters, not bytes: UTF-8 names */
        pad = pad > 0 ? pad : 0;
        buf_puts(line, i ? "  " : "");
        buf_printf(line, "%*s", t->numeric[i] ? pad : 0, ""); /* numbers to the right */
        buf_puts(line, s);
        buf_printf(line, "%*s", t->numeric[i] ? 0 : pad, "");
    }
    while (!line->failed && line->len && line->data[line->len - 1] == ' ')
        buf_truncate(line, line->len - 1);
    if (!line->failed)
        fprintf(out, "%s\n", line->len ? line->data : "");
    return line->failed;
}

static int table_print(const table_rows *t, sqlite3_stmt *st, FILE *out)
{
    int width[QUERY_COL_MAX];
    const char *names[QUERY_COL_MAX];
    for (int i = 0; i < t->n_col; i++) {
        names[i] = sqlite3_column_name(st, i);
        width[i] = text_width(names[i]);
        for (size_t r = 0; r < t->n_rows; r++) {
            const char *s = t->cells[r * (size_t)t->n_col + i];
            if (s && text_width(s) > width[i])
                width[i] = text_width(s);
        }
    }
    evo_buf line = {0};
    int bad = table_line(&line, t, width, names, out);
    if (!bad && t->n_rows == 0)
        fprintf(out, "(no rows)\n");
    for (size_t r = 0; r < t->n_rows && !bad; r++)
        bad = table_line(&line, t, width, (const char *const *)t->cells + r * (size_t)t->n_col, out);
    buf_free(&line);
    return bad;
}

/* Anything after the first statement other than blanks and comments? */
static int has_second_statement(sqlite3 *db, const char *tail)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, tail, -1, &st, NULL);
    int more = rc != SQLITE_OK || st != NULL;
    sqlite3_finalize(st);
    return more;
}

/* Prepare one read-only statement on a's connection into *out: bad SQL, a second statement, anything
 * that would write and more than max_col columns are refused with EVO_ERR_USAGE. */
static int prepare_query(evo_archive *a, const char *sql, int max_col, sqlite3_stmt **out, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    *out = NULL;
    int rc = sqlite3_prepare_v2(a->db, sql, -1, &st, &tail);
    if (rc)
        return (rc & 0xff) == SQLITE_NOMEM || (rc & 0xff) == SQLITE_BUSY
                   ? archive_fail_db(a, err, rc, "preparing a query")
                   : evo_fail(err, EVO_ERR_USAGE, "%s: %s. Check the SQL; docs/archive.md lists the tables "
                              "and columns.", a->path, sqlite3_errmsg(a->db));
    if (!st)
        return evo_fail(err, EVO_ERR_USAGE, "no SQL statement given. Write one, e.g. \"SELECT * FROM "
                        "leaderboard LIMIT 10\".");
    if (has_second_statement(a->db, tail))
        rc = evo_fail(err, EVO_ERR_USAGE, "one SQL statement at a time, please: remove what follows "
                      "the first ';'.");
    else if (!sqlite3_stmt_readonly(st))
        rc = evo_fail(err, EVO_ERR_USAGE, "%s: the statement would change the archive; queries only "
                      "read it (SELECT, WITH, EXPLAIN, PRAGMA that read).", a->path);
    int n_col = sqlite3_column_count(st);
    if (!rc && n_col > max_col)
        rc = evo_fail(err, EVO_ERR_USAGE, "the query returns %d columns; at most %d can be printed. "
                      "Select fewer.", n_col, max_col);
    if (rc)
        sqlite3_finalize(st);
    else
        *out = st;
    return rc;
}

/* A statement of a's connection stopped with src (not SQLITE_DONE): bad SQL found at run time is the
 * user's (EVO_ERR_USAGE), the rest as fail_db says. */
static int query_step_failed(const evo_archive *a, int src, evo_error *err)
{
    return (src & 0xff) == SQLITE_ERROR
               ? evo_fail(err, EVO_ERR_USAGE, "%s: %s. Check the SQL.", a->path, sqlite3_errmsg(a->db))
               : archive_fail_db(a, err, src, "running a query");
}

/* Print every row of st, a statement of a's connection, in an archive_format. */
static int print_rows(evo_archive *a, sqlite3_stmt *st, int format, FILE *out, evo_error *err)
{
    int rc = EVO_OK, n_col = sqlite3_column_count(st);
    table_rows table = {.n_col = n_col};
    long n_rows = 0;
    int bad = 0, src;
    if (format == ARCHIVE_FORMAT_CSV)
        for (int i = 0; i < n_col; i++) {
            put_csv(out, sqlite3_column_name(st, i));
            fputc(i == n_col - 1 ? '\n' : ',', out);
        }
    while (!bad && (src = sqlite3_step(st)) == SQLITE_ROW) {
        char buf[64];
        int numeric;
        switch (format) {
        case ARCHIVE_FORMAT_CSV:
            for (int i = 0; i < n_col; i++) {
                const char *s = cell_text(st, i, format, buf, sizeof buf, &numeric);
                if (sqlite3_column_type(st, i) == SQLITE_BLOB)
                    put_hex(out, sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i));
                else if (s)
                    put_csv(out, s);
                fputc(i == n_col - 1 ? '\n' : ',', out);
            }
            break;
        case ARCHIVE_FORMAT_JSON:
            fputs(n_rows ? ",\n " : "[", out);
            bad = put_json_row(out, st, n_col);
            break;
        case ARCHIVE_FORMAT_OBJECT:
            if (n_rows == 0)
                bad = put_json_row(out, st, n_col);
            break;
        case ARCHIVE_FORMAT_LINES: {
            int w = 0;
            for (int i = 0; i < n_col; i++)
                if ((int)strlen(sqlite3_column_name(st, i)) > w)
                    w = (int)strlen(sqlite3_column_name(st, i));
            fputs(n_rows ? "\n" : "", out);
            for (int i = 0; i < n_col; i++) {
                const char *s = cell_text(st, i, format, buf, sizeof buf, &numeric);
                if (s && *s)
                    fprintf(out, "%-*s  %s\n", w, sqlite3_column_name(st, i), s);
                else
                    fprintf(out, "%s\n", sqlite3_column_name(st, i));
            }
            break;
        }
        default:
            bad = table_add(&table, st);
            break;
        }
        n_rows++;
    }
    if (bad)
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory printing the query's rows");
    else if (src != SQLITE_DONE)
        rc = query_step_failed(a, src, err);
    if (!rc && format == ARCHIVE_FORMAT_JSON)
        fputs(n_rows ? "]\n" : "[]\n", out);
    else if (!rc && format == ARCHIVE_FORMAT_OBJECT)
        fputs(n_rows ? "\n" : "null\n", out);
    else if (!rc && format == ARCHIVE_FORMAT_LINES && n_rows == 0)
        fputs("(no rows)\n", out);
    else if (!rc && format == ARCHIVE_FORMAT_TABLE && table_print(&table, st, out))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory printing the query's rows");
    table_free(&table);
    if (!rc && ferror(out))
        rc = evo_fail(err, EVO_ERR_IO, "cannot write the query's rows (is the output closed or the disk "
                      "full?).");
    return rc;
}

int archive_query_print(evo_archive *a, const char *sql, int format, FILE *out, evo_error *err)
{
    sqlite3_stmt *st;
    int rc = prepare_query(a, sql, QUERY_COL_MAX, &st, err);
    if (!rc)
        rc = print_rows(a, st, format, out, err);
    sqlite3_finalize(st);
    return rc;
}

int archive_query_rows(evo_archive *a, const char *sql,
                       int (*fn)(void *ctx, const archive_value *row, int n_col), void *ctx,
                       evo_error *err)
{
    sqlite3_stmt *st;
    int rc = prepare_query(a, sql, QUERY_COL_MAX, &st, err), src = SQLITE_DONE;
    if (rc)
        return rc;
    int n_col = sqlite3_column_count(st);
    archive_value row[QUERY_COL_MAX];
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n_col; i++) {
            archive_value *v = &row[i];
            *v = (archive_value){.real = NAN};
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v->type = ARCHIVE_VALUE_INTEGER;
                v->integer = sqlite3_column_int64(st, i);
                v->real = (double)v->integer;
                break;
            case SQLITE_FLOAT:
                v->type = ARCHIVE_VALUE_REAL;
                v->real = sqlite3_column_double(st, i);
                v->integer = isfinite(v->real) && fabs(v->real) < 9.2e18 ? (int64_t)v->real : 0;
                break;
            case SQLITE_TEXT:
                v->type = ARCHIVE_VALUE_TEXT;
                v->text = (const char *)sqlite3_column_text(st, i);
                v->bytes = sqlite3_column_bytes(st, i);
                break;
            case SQLITE_BLOB:
                v->type = ARCHIVE_VALUE_BLOB;
                v->blob = sqlite3_column_blob(st, i);
                v->bytes = sqlite3_column_bytes(st, i);
                break;
            default:
                v->type = ARCHIVE_VALUE_NULL;
                break;
            }
        }
        rc = fn(ctx, row, n_col);
    }
    if (!rc && src != SQLITE_DONE)
        rc = query_step_failed(a, src, err);
    sqlite3_finalize(st);
    return rc;
}

/* An SQL identifier in double quotes. */
static void add_ident(evo_buf *b, const char *s)
{
    buf_puts(b, "\"");
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        buf_add(b, s, (size_t)(q - s + 1));
        buf_puts(b, "\"");
    }
    buf_puts(b, s);
    buf_puts(b, "\"");
}

/* The rows of several archives go through a table of a scratch in-memory database, m (c0 the label,
 * c1.. the statement's columns; no declared types, so every value keeps its type and precision), and
 * one SELECT on it sorts, cuts and names them for print_rows. The archives' handles stay read-only. */
int archive_query_print_merged(evo_archive *const *a, const char *const *labels, int n,
                               const char *label_column, const char *sql, const char *order_desc,
                               long limit, int format, FILE *out, evo_error *err)
{
    evo_archive scratch = {.path = "the rows merged from the archives"};
    sqlite3_stmt *st = NULL, *ins = NULL;
    evo_buf create = {0}, insert = {0}, select = {0};
    int n_col = 0, order_col = -1;
    int rc = sqlite3_open_v2(":memory:", &scratch.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc)
        rc = scratch.db ? archive_fail_db(&scratch, err, rc, "opening a scratch database")
                        : evo_fail(err, EVO_ERR_NOMEM, "out of memory merging the archives' rows");
    for (int i = 0; !rc && i < n; i++) {
        if ((rc = prepare_query(a[i], sql, QUERY_COL_MAX - 1, &st, err))) /* - 1: the label */
            break;
        if (i == 0) {
            n_col = sqlite3_column_count(st);
            int no_name = 0;
            buf_puts(&create, "CREATE TABLE m (c0");
            buf_puts(&insert, "INSERT INTO m VALUES (?");
            buf_puts(&select, "SELECT c0 AS ");
            add_ident(&select, label_column);
            for (int c = 0; c < n_col; c++) {
                const char *name = sqlite3_column_name(st, c); /* NULL: out of memory */
                if (order_desc && name && !strcmp(name, order_desc) && order_col < 0)
                    order_col = c + 1;
                no_name |= !name;
                buf_printf(&create, ", c%d", c + 1);
                buf_puts(&insert, ", ?");
                buf_printf(&select, ", c%d AS ", c + 1);
                add_ident(&select, name ? name : "");
            }
            buf_puts(&create, ")");
            buf_puts(&insert, ")");
            buf_puts(&select, " FROM m ORDER BY ");
            if (order_col > 0)
                buf_printf(&select, "c%d IS NULL, c%d DESC, ", order_col, order_col);
            buf_puts(&select, "rowid");
            if (limit > 0)
                buf_printf(&select, " LIMIT %ld", limit);
            if (no_name || create.failed || insert.failed || select.failed) {
                rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory merging the archives' rows");
                break;
            }
            if (order_desc && order_col < 0) {
                rc = evo_fail(err, EVO_ERR_INTERNAL, "the query has no column '%s' to sort by", order_desc);
                break;
            }
            if ((rc = archive_exec_sql(&scratch, create.data, err, "making a scratch table")))
                break;
            if ((rc = sqlite3_prepare_v2(scratch.db, insert.data, -1, &ins, NULL))) {
                rc = archive_fail_db(&scratch, err, rc, "preparing the merge");
                break;
            }
        } else if (sqlite3_column_count(st) != n_col) {
            rc = evo_fail(err, EVO_ERR_DATA, "%s: the query returns %d columns where %s gave %d: its "
                          "schema differs. Query it on its own.", a[i]->path, sqlite3_column_count(st),
                          a[0]->path, n_col);
            break;
        }
        int src;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            sqlite3_bind_text(ins, 1, labels[i], -1, SQLITE_STATIC);
            for (int c = 0; c < n_col; c++)
                sqlite3_bind_value(ins, c + 2, sqlite3_column_value(st, c));
            int irc = sqlite3_step(ins);
            if (irc != SQLITE_DONE) {
                rc = archive_fail_db(&scratch, err, irc, "merging the archives' rows");
                break;
            }
            sqlite3_reset(ins);
        }
        if (!rc && src != SQLITE_DONE)
            rc = query_step_failed(a[i], src, err);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!rc && n > 0) {
        if ((rc = sqlite3_prepare_v2(scratch.db, select.data, -1, &st, NULL)))
            rc = archive_fail_db(&scratch, err, rc, "sorting the merged rows");
        else
            rc = print_rows(&scratch, st, format, out, err);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    sqlite3_close(scratch.db);
    buf_free(&create);
    buf_free(&insert);
    buf_free(&select);
    return rc;
}
