/* cmd: what the subcommands share - the output formats, the id and run options, the usage error. */
#include "evofolio/cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[OUT_FORMAT_COUNT] = {"table", "csv", "json"};

int cmd_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
               void (*usage)(FILE *out), int *exit_code)
{
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    *exit_code = -1;
    if (c == 'h') {
        usage(stdout);
        *exit_code = 0;
    } else if (c == '?' || c == ':') {
        usage(stderr);
        *exit_code = 2;
    }
    return *exit_code >= 0 ? -1 : c;
}

long long cmd_parse_id(const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    return *text && !*end && v > 0 ? v : -1;
}

int cmd_parse_format(const char *cmd, const char *arg, unsigned allowed, out_format *fmt)
{
    for (int f = 0; f < OUT_FORMAT_COUNT; f++)
        if ((allowed >> f) & 1u && !strcmp(arg, format_names[f])) {
            *fmt = (out_format)f;
            return 0;
        }
    char list[64] = "";
    int n = __builtin_popcount(allowed), seen = 0;
    for (int f = 0; f < OUT_FORMAT_COUNT; f++)
        if ((allowed >> f) & 1u) {
            seen++;
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     seen == 1 ? "" : seen == n ? " or " : ", ", format_names[f]);
        }
    fprintf(stderr, "evofolio %s: --format expects %s, got '%s'.\n", cmd, list, arg);
    return 2;
}

int cmd_parse_run(const char *cmd, const char *arg, long long *run)
{
    if ((*run = cmd_parse_id(arg)) > 0)
        return 0;
    fprintf(stderr, "evofolio %s: --run expects a run id (a whole number > 0), got '%s'. "
            "`evofolio query ARCHIVE runs` lists them.\n", cmd, arg);
    return 2;
}

int cmd_usage_error(const char *cmd, void (*usage)(FILE *out), const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "evofolio %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}
