/* cmd: the `evofolio` subcommands and what they share. Each takes the arguments after its name (argv[0]
 * is the command name) and returns the process exit code: 0 done, 1 run-time failure, 2 bad usage,
 * config or data (evo_exit_code; `run` also 3, stopped and resumable).
 *
 * Adding a command `foo`:
 *   1. src/cmd_foo.c with `int cmd_foo(int argc, char **argv)`: a static usage(FILE *) that prints the
 *      synopsis, every option and an example; getopt_long over its options, --format through
 *      cmd_parse_format, --run through cmd_parse_run, bad usage through cmd_usage_error (exit 2);
 *      failures print "evofolio foo: <err.msg>" and return evo_exit_code(rc).
 *   2. Declare it below and add a row to main.c's command table (name, function, one-line summary).
 *   3. tests/test_cli.c: its help, a bad option and a bad argument (exit 2), one real use.
 *   4. README.md: the command's section, and tools/check-layers.sh: cmd_foo in the cmd layer. */
#ifndef EVOFOLIO_CMD_H
#define EVOFOLIO_CMD_H

#include <getopt.h>
#include <stdio.h>

/* How a command prints rows (--format). */
typedef enum {
    OUT_TABLE, /* aligned columns, numbers for people */
    OUT_CSV,   /* RFC 4180, full precision */
    OUT_JSON,  /* full precision */
    OUT_FORMAT_COUNT
} out_format;

#define OUT_ALL ((1u << OUT_TABLE) | (1u << OUT_CSV) | (1u << OUT_JSON))

/* getopt_long for a command: the next option, or -1 when the loop is over. -1 with *exit_code >= 0
 * means the command returns *exit_code now: 0 after --help (-h) printed the usage on stdout, 2 after a
 * bad option (getopt's message, then the usage on stderr); at the end of the options *exit_code is -1. */
int cmd_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
               void (*usage)(FILE *out), int *exit_code);
/* A whole number > 0 from an argument (a run or evaluation id), or -1. */
long long cmd_parse_id(const char *text);
/* --format ARG among the allowed formats (a bitmask over out_format): 0 with *fmt set, or 2 after
 * saying on stderr which formats the command takes. */
int cmd_parse_format(const char *cmd, const char *arg, unsigned allowed, out_format *fmt);
/* --run ARG: 0 with *run set, or 2 after saying on stderr what a run id is and where to list them. */
int cmd_parse_run(const char *cmd, const char *arg, long long *run);
/* Bad usage: "evofolio CMD: <message>" and the command's usage on stderr; returns 2. */
int cmd_usage_error(const char *cmd, void (*usage)(FILE *out), const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int cmd_baselines(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_synth(int argc, char **argv);

#endif
