/* Tests of csv: BOM, line ends, quoting, blank lines, the line and column of each cell, and the
 * file:line messages of malformed input. Most tables are parsed from strings; the file tests write
 * into a fresh mkdtemp directory and remove it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evofolio/csv.h"

static int parse(const char *text, csv_table *t, evo_error *err)
{
    return csv_table_parse(text, strlen(text), "m.csv", t, err);
}

/* Parse text that must be valid; the caller frees t. */
static void parse_ok(const char *text, csv_table *t)
{
    evo_error err = {0};
    cr_assert_eq(parse(text, t, &err), EVO_OK, "%s", err.msg);
}

/* Expect EVO_ERR_DATA with where (e.g. "m.csv:2:") in the message; the table is left freed. */
static void expect_malformed(const char *text, const char *where)
{
    csv_table t;
    evo_error err = {0};
    cr_assert_eq(parse(text, &t, &err), EVO_ERR_DATA, "accepted:\n%s", text);
    cr_assert(strstr(err.msg, where), "message '%s' lacks '%s'", err.msg, where);
    cr_assert_null(t.rows, "a failed parse leaves the table freed");
}

Test(csv, bom_is_stripped, .description = "a UTF-8 byte-order mark is not part of the first cell")
{
    const char *text = "\xEF\xBB\xBF" "date,A\n2000-01-03,1.5\n";
    csv_table t;
    parse_ok(text, &t);
    cr_assert_str_eq(csv_cell(&t, 0, 0), "date");
    cr_assert_eq(t.raw_len, strlen(text) - 3);
    cr_assert_eq(csv_column(&t, 0, 1), 6, "columns count from after the BOM: 'date,' is 5 chars");
    csv_table_free(&t);
}

Test(csv, crlf_and_lf_give_identical_cells, .description = "CRLF line ends read like LF ones")
{
    csv_table lf, crlf;
    parse_ok("date,A,B\n2000-01-03,1,\"x\"\n\n2000-01-04,2,y\n", &lf);
    parse_ok("date,A,B\r\n2000-01-03,1,\"x\"\r\n\r\n2000-01-04,2,y\r\n", &crlf);
    cr_assert_eq(lf.n_rows, 3);
    cr_assert_eq(crlf.n_rows, lf.n_rows);
    for (int r = 0; r < lf.n_rows; r++) {
        cr_assert_eq(crlf.rows[r].line, lf.rows[r].line);
        cr_assert_eq(crlf.rows[r].n_cells, 3);
        cr_assert_eq(lf.rows[r].n_cells, 3);
        for (int c = 0; c < 3; c++) {
            cr_assert_str_eq(csv_cell(&crlf, r, c), csv_cell(&lf, r, c), "cell (%d, %d)", r, c);
            cr_assert_eq(csv_column(&crlf, r, c), csv_column(&lf, r, c), "cell (%d, %d)", r, c);
        }
    }
    cr_assert_str_eq(csv_cell(&crlf, 2, 2), "y", "no stray CR in the last cell");
    csv_table_free(&lf);
    csv_table_free(&crlf);
}

Test(csv, quoted_fields_keep_commas_and_quotes, .description = "\"a,b\" is one cell; \"\" is a quote")
{
    csv_table t;
    parse_ok("x,\"a,b\",\"say \"\"hi\"\"\",y\n", &t);
    cr_assert_eq(t.n_rows, 1);
    cr_assert_eq(t.rows[0].n_cells, 4);
    cr_assert_str_eq(csv_cell(&t, 0, 0), "x");
    cr_assert_str_eq(csv_cell(&t, 0, 1), "a,b");
    cr_assert_str_eq(csv_cell(&t, 0, 2), "say \"hi\"");
    cr_assert_str_eq(csv_cell(&t, 0, 3), "y");
    /* x,"a,b","say ""hi""",y - by hand: x at 1, "a,b" at 3..7, "say ""hi""" at 9..20, y at 22. */
    cr_assert_eq(csv_column(&t, 0, 1), 3);
    cr_assert_eq(csv_column(&t, 0, 2), 9);
    cr_assert_eq(csv_column(&t, 0, 3), 22);
    csv_table_free(&t);
}

Test(csv, blank_lines_are_skipped, .description = "blank lines mid-file and at the end make no row")
{
    csv_table t;
    parse_ok("a,b\n\nc,d\n   \ne,f\n\n\n", &t);
    cr_assert_eq(t.n_rows, 3);
    cr_assert_str_eq(csv_cell(&t, 1, 0), "c");
    cr_assert_str_eq(csv_cell(&t, 2, 1), "f");
    csv_table_free(&t);
}

Test(csv, row_lines_count_blank_lines, .description = "row.line is the file line, blank lines counted")
{
    csv_table t;
    /* lines: 1 header, 2 blank, 3 row, 4 spaces only, 5 blank, 6 row, 7 row without a final newline */
    parse_ok("h1,h2\n\nr1,x\n  \n\nr2,y\nr3,z", &t);
    cr_assert_eq(t.n_rows, 4);
    const int want[] = {1, 3, 6, 7};
    for (int r = 0; r < 4; r++)
        cr_assert_eq(t.rows[r].line, want[r], "row %d", r);
    cr_assert_str_eq(csv_cell(&t, 3, 1), "z");
    csv_table_free(&t);
}

Test(csv, column_is_one_based_character_column, .description = "csv_column of each cell of a row")
{
    csv_table t;
    parse_ok("date,close,name\n2000-01-03,1.5,abc\n", &t);
    /* "2000-01-03," is 11 chars, "1.5," 4 more: cells start at 1, 12, 16; the line is 18 long. */
    cr_assert_eq(csv_column(&t, 1, 0), 1);
    cr_assert_eq(csv_column(&t, 1, 1), 12);
    cr_assert_eq(csv_column(&t, 1, 2), 16);
    cr_assert_eq(csv_column(&t, 1, 3), 19, "past the row's end: just after the line");
    cr_assert_str_eq(csv_cell(&t, 1, 3), "", "past the row's end: empty");
    cr_assert_eq(csv_column(&t, 0, 2), 12, "header: 'date,close,' is 11 chars");
    csv_table_free(&t);
    /* Characters, not bytes ("é" is 2 bytes); leading blanks that libcsv trims are skipped. */
    parse_ok("date,Caf\xc3\xa9, X\n", &t);
    cr_assert_eq(csv_column(&t, 0, 2), 12);
    csv_table_free(&t);
}

Test(csv, stray_quote_is_malformed, .description = "a\"b in an unquoted field: EVO_ERR_DATA at its line")
{
    expect_malformed("date,A\n2000-01-03,a\"b\n", "m.csv:2:");
    expect_malformed("date,A\n2000-01-03,\"1\"x\n2000-01-04,2\n", "m.csv:2:");
    expect_malformed("date,A\n\n2000-01-03,1\n2000-01-04,a\"b\n", "m.csv:4:");
}

Test(csv, unterminated_quote_is_malformed, .description = "a quote still open at EOF: EVO_ERR_DATA")
{
    expect_malformed("date,A\n2000-01-03,\"1.5\n", "m.csv:2:");
    expect_malformed("date,A\n2000-01-03,\"1.5", "m.csv:2:");
    expect_malformed("date,A\n2000-01-03,1\n\"2000-01-04,2\n", "m.csv:3:");
    /* The message points at the row where the quote opened, not the end of the file. */
    expect_malformed("a,b\n\"c,d\ne,f\ng,h\n", "m.csv:2:");
}

Test(csv, quoted_field_may_span_lines, .description = "a newline inside quotes stays in the cell")
{
    csv_table t;
    parse_ok("h1,h2\na,\"x\ny\"\nb,c\n", &t);
    cr_assert_eq(t.n_rows, 3);
    cr_assert_str_eq(csv_cell(&t, 1, 1), "x\ny");
    cr_assert_eq(t.rows[1].line, 2);
    cr_assert_eq(t.rows[2].line, 4, "the row after a two-line row");
    csv_table_free(&t);
}

/* Regression: a row whose first cell spans lines starts on the line of its first byte. */
Test(csv, row_line_when_first_cell_spans_lines,
     .description = "a row whose first cell holds a newline starts on the line of its opening quote")
{
    csv_table t;
    parse_ok("h1,h2\n\"x\ny\",z\n", &t);
    cr_assert_eq(t.n_rows, 2);
    cr_assert_str_eq(csv_cell(&t, 1, 0), "x\ny");
    cr_assert_eq(t.rows[1].line, 2, "got %d", t.rows[1].line);
    csv_table_free(&t);
}

Test(csv, read_file_with_bom_and_crlf, .description = "csv_table_read reads a file like parse does")
{
    char dir[] = "/tmp/evofolio-csv-XXXXXX", path[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("\xEF\xBB\xBF" "date,A\r\n\r\n2000-01-03,\"1,5\"\r\n", f);
    fclose(f);
    csv_table t;
    evo_error err = {0};
    int rc = csv_table_read(path, &t, &err);
    unlink(path);
    rmdir(dir);
    cr_assert_eq(rc, EVO_OK, "%s", err.msg);
    cr_assert_str_eq(t.path, path);
    cr_assert_eq(t.n_rows, 2);
    cr_assert_str_eq(csv_cell(&t, 0, 0), "date");
    cr_assert_str_eq(csv_cell(&t, 1, 1), "1,5");
    cr_assert_eq(t.rows[1].line, 3);
    csv_table_free(&t);
}

Test(csv, malformed_file_names_path_and_line, .description = "csv_table_read: path:line in the message")
{
    char dir[] = "/tmp/evofolio-csv-XXXXXX", path[256], where[300];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("date,A\n2000-01-03,1\n2000-01-04,x\"y\n", f);
    fclose(f);
    csv_table t;
    evo_error err = {0};
    int rc = csv_table_read(path, &t, &err);
    unlink(path);
    rmdir(dir);
    snprintf(where, sizeof where, "%s:3:", path);
    cr_assert_eq(rc, EVO_ERR_DATA);
    cr_assert(strstr(err.msg, where), "message '%s' lacks '%s'", err.msg, where);
}

Test(csv, missing_file_is_io_error, .description = "a path that does not exist: EVO_ERR_IO naming it")
{
    char dir[] = "/tmp/evofolio-csv-XXXXXX", path[256];
    cr_assert_not_null(mkdtemp(dir));
    rmdir(dir); /* now surely absent */
    snprintf(path, sizeof path, "%s/none.csv", dir);
    csv_table t;
    evo_error err = {0};
    cr_assert_eq(csv_table_read(path, &t, &err), EVO_ERR_IO);
    cr_assert_eq(err.code, EVO_ERR_IO);
    cr_assert(strstr(err.msg, path), "message '%s' lacks the path", err.msg);
    csv_table_free(&t); /* zeroed by the failed read: freeing is safe */
}
