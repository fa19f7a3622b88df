/* error: the status codes every library function returns and the caller-owned record that carries a
 * human message with it. Functions return 0 or a negative evo_err and, on failure, fill the evo_error
 * the caller passed (when not NULL) with "what, where (file:line:column) and what to do next".
 * EVO_STOPPED is the one negative status that is not a failure: it leaves the record alone.
 * Nothing here allocates. */
#ifndef EVOFOLIO_ERROR_H
#define EVOFOLIO_ERROR_H

typedef enum {
    EVO_OK = 0,
    EVO_ERR_USAGE = -1,   /* bad command line */
    EVO_ERR_CONFIG = -2,  /* bad configuration file */
    EVO_ERR_DATA = -3,    /* bad market data, or data that does not fit the configuration */
    EVO_ERR_IO = -4,      /* a file could not be opened, read or written */
    EVO_ERR_NOMEM = -5,   /* an allocation failed */
    EVO_ERR_NUMERIC = -6, /* a computation produced NaN/Inf or did not converge */
    EVO_ERR_INTERNAL = -7, /* a broken invariant or a failing library call */
    EVO_STOPPED = -8       /* not a failure: a signal stopped the work early, its state saved to resume */
} evo_err;

enum { EVO_ERROR_MSG_MAX = 1024 };

typedef struct {
    int code;                    /* an evo_err */
    char msg[EVO_ERROR_MSG_MAX]; /* what happened, where, and what to do next */
} evo_error;

/* Record a failure and return code, so callers can write `return evo_fail(err, ...)`. err may be NULL. */
int evo_fail(evo_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The process exit code for a status: 0 ok, 2 bad usage/config/data, 3 stopped (resumable), 1 anything
 * else. */
int evo_exit_code(int code);

#endif
