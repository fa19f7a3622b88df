/* Tests of buf: appends and formatting across growth, truncating to a mark, handing the bytes over,
 * the sticky failure, and reading whole files (empty, larger than one read, missing). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evofolio/buf.h"

Test(buf, appends_grow_and_stay_terminated, .description = "10000 appends: every byte kept, a NUL after len")
{
    evo_buf b = {0};
    for (int i = 0; i < 10000; i++)
        buf_printf(&b, "%d,", i % 10);
    cr_assert_eq(b.failed, 0);
    cr_assert_eq(b.len, 20000);
    cr_assert_eq(b.data[b.len], '\0');
    cr_assert_eq(strncmp(b.data, "0,1,2,", 6), 0);
    cr_assert_eq(strcmp(b.data + b.len - 4, "8,9,"), 0);
    buf_add(&b, NULL, 0); /* nothing, and no memcpy from NULL */
    buf_puts(&b, "end");
    cr_assert_str_eq(b.data + 20000, "end");
    buf_free(&b);
    cr_assert_null(b.data);
    buf_free(NULL);
}

Test(buf, printf_longer_than_any_scratch, .description = "one formatted piece of 100000 bytes")
{
    evo_buf b = {0};
    buf_puts(&b, "<");
    buf_printf(&b, "%100000s>", "x");
    cr_assert_eq(b.len, 100002);
    cr_assert_eq(b.data[100000], 'x');
    cr_assert_eq(b.data[100001], '>');
    buf_free(&b);
}

Test(buf, truncate_takes_back_to_a_mark, .description = "what was written after a mark goes; a longer length is ignored")
{
    evo_buf b = {0};
    buf_puts(&b, "keep");
    size_t mark = b.len;
    buf_puts(&b, " and drop");
    buf_truncate(&b, mark);
    cr_assert_str_eq(b.data, "keep");
    buf_truncate(&b, 99);
    cr_assert_str_eq(b.data, "keep");
    char *s = buf_take(&b);
    cr_assert_str_eq(s, "keep");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    free(s);
    s = buf_take(&b); /* an empty buffer hands over "" */
    cr_assert_str_eq(s, "");
    free(s);
}

Test(buf, a_failure_is_sticky, .description = "after a failure appends do nothing and take gives NULL")
{
    evo_buf b = {0};
    buf_puts(&b, "before");
    b.failed = EVO_ERR_NOMEM; /* as reserve leaves it when realloc fails */
    buf_puts(&b, " after");
    buf_printf(&b, "%d", 42);
    cr_assert_str_eq(b.data, "before");
    cr_assert_eq(b.len, 6);
    cr_assert_null(buf_take(&b));
    cr_assert_eq(b.failed, 0, "take leaves an empty, usable buffer");
}

Test(buf, read_file_whole_empty_and_missing, .description = "10000 bytes in several reads; an empty file; the open code")
{
    char path[] = "/tmp/evofolio-buf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 10000; i++)
        fputc('a' + i % 26, f);
    fclose(f);
    evo_buf b = {0};
    evo_error err = {0};
    cr_assert_eq(buf_read_file(&b, path, EVO_ERR_CONFIG, &err), EVO_OK, "%s", err.msg);
    cr_assert_eq(b.len, 10000);
    cr_assert_eq(b.data[9999], 'a' + 9999 % 26);
    cr_assert_eq(b.data[10000], '\0');
    buf_free(&b);
    f = fopen(path, "w");
    fclose(f);
    cr_assert_eq(buf_read_file(&b, path, EVO_ERR_CONFIG, &err), EVO_OK);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    buf_free(&b);
    unlink(path);
    cr_assert_eq(buf_read_file(&b, path, EVO_ERR_CONFIG, &err), EVO_ERR_CONFIG);
    cr_assert(strstr(err.msg, path) && strstr(err.msg, "cannot open") && strstr(err.msg, "Check the path"),
              "%s", err.msg);
    cr_assert_null(b.data);
}
