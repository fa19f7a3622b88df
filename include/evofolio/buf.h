/* buf: one growable byte buffer for every text and message the project builds in memory. A failure
 * is sticky (like a stream's error flag): after an allocation fails every further append is a no-op,
 * so a writer appends without checking each call and asks b->failed once at the end. The bytes are
 * kept NUL-terminated after len (a text is usable as a C string). An evo_buf starts as {0}, owns its
 * data (buf_free), and buf_read_file fills one with a whole file. */
#ifndef EVOFOLIO_BUF_H
#define EVOFOLIO_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "evofolio/error.h"

typedef struct {
    char *data;  /* len bytes and a NUL; NULL until the first append */
    size_t len;  /* bytes written */
    size_t cap;  /* bytes allocated */
    int failed;  /* EVO_ERR_NOMEM once an allocation failed (or EVO_ERR_IO from buf_read_file) */
} evo_buf;

/* Append n bytes of p (p may be NULL when n is 0). */
void buf_add(evo_buf *b, const void *p, size_t n);
void buf_puts(evo_buf *b, const char *s);
void buf_printf(evo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(evo_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Cut the buffer back to its first len bytes (len <= b->len): take back what was written after a mark. */
void buf_truncate(evo_buf *b, size_t len);
/* Hand the bytes over (malloc'd, the caller frees; "" for an empty buffer; NULL if it failed) and
 * leave the buffer empty. */
char *buf_take(evo_buf *b);
void buf_free(evo_buf *b);
/* Append the whole of the file at path: EVO_OK, or EVO_ERR_IO / EVO_ERR_NOMEM with "path: what" in
 * err (errno's words); a file that cannot be opened fails with open_code, which the caller chooses
 * (a missing config is a usage error, a missing archive is not). */
int buf_read_file(evo_buf *b, const char *path, int open_code, evo_error *err);

#endif
