/* error: status codes and the error record. */
#include "evofolio/error.h"

#include <stdarg.h>
#include <stdio.h>

int evo_fail(evo_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int evo_exit_code(int code)
{
    switch (code) {
    case EVO_OK:
        return 0;
    case EVO_ERR_USAGE:
    case EVO_ERR_CONFIG:
    case EVO_ERR_DATA:
        return 2;
    case EVO_STOPPED:
        return 3;
    default:
        return 1;
    }
}
