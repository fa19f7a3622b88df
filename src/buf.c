/* buf: doubling growth from 256 bytes; the NUL after len is always there once data is. */
#include "evofolio/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; 0, or -1 with b->failed set. */
static int reserve(evo_buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = EVO_ERR_NOMEM;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void buf_add(evo_buf *b, const void *p, size_t n)
{
    if (reserve(b, n))
        return;
    if (n) /* p may be NULL with n = 0, which memcpy must not see */
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(evo_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_vprintf(evo_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        b->failed = b->failed ? b->failed : EVO_ERR_INTERNAL;
    else if (!reserve(b, (size_t)n))
        b->len += (size_t)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    va_end(again);
}

void buf_printf(evo_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_truncate(evo_buf *b, size_t len)
{
    if (b->data && len <= b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

char *buf_take(evo_buf *b)
{
    char *s = NULL;
    if (!b->failed)
        s = b->data ? b->data : calloc(1, 1);
    else
        free(b->data);
    *b = (evo_buf){0};
    return s;
}

void buf_free(evo_buf *b)
{
    if (!b)
        return;
    free(b->data);
    *b = (evo_buf){0};
}

int buf_read_file(evo_buf *b, const char *path, int open_code, evo_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return evo_fail(err, open_code, "%s: cannot open: %s. Check the path.", path, strerror(errno));
    size_t got;
    do {
        if (reserve(b, 4096))
            break;
        got = fread(b->data + b->len, 1, b->cap - b->len - 1, f);
        b->len += got;
        b->data[b->len] = '\0';
    } while (got > 0);
    int rc = EVO_OK;
    if (b->failed) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory reading it", path);
    } else if (ferror(f)) {
        b->failed = EVO_ERR_IO;
        rc = evo_fail(err, EVO_ERR_IO, "%s: read error: %s", path, strerror(errno));
    }
    fclose(f);
    return rc;
}
