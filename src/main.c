/* main: the `evofolio` command - dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "evofolio/cmd.h"
#include "evofolio/suggest.h"
#include "evofolio/version.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"baselines", cmd_baselines, "backtest the baseline strategies over a period and print their metrics"},
    {"check", cmd_check, "validate a configuration; print it resolved (every default) and its hash"},
    {"eval", cmd_eval, "train and backtest one genome on every walk-forward fold (and the test period)"},
    {"data", cmd_data, "summarise market data files, or the data a configuration names"},
    {"query", cmd_query, "print runs, the leaderboard, generations, a candidate, its lineage, or any SQL"},
    {"report", cmd_report, "write a run's HTML report with charts (one file, opens offline)"},
    {"run", cmd_run, "search with the genetic algorithm (under mpirun: rank 0 master, others workers)"},
    {"synth", cmd_synth, "write synthetic correlated GBM prices as a wide CSV"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio <command> [options]\n\n"
                 "A genetic-algorithm search for deep-learning portfolio models.\n\ncommands:\n");
    for (int i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\noptions:\n  -h, --help     this help (also `evofolio <command> --help`)\n"
                 "  -V, --version  print the version\n\n"
                 "Exit codes: 0 done, 1 failure at run time, 2 bad usage, configuration or data.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
        printf("evofolio %s\n", EVO_VERSION);
        return 0;
    }
    const char *names[N_COMMANDS];
    for (int i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(name, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
        names[i] = commands[i].name;
    }
    const char *near = suggest_closest(name, names, N_COMMANDS);
    fprintf(stderr, "evofolio: unknown command '%s'%s%s%s. Run `evofolio --help` for the list.\n",
            name, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    return 2;
}
