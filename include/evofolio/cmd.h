/* cmd: the `evofolio` subcommands. Each takes the arguments after its name (argv[0] is the command
 * name) and returns the process exit code: 0 done, 1 run-time failure, 2 bad usage, config or data
 * (evo_exit_code; `run` also 3, stopped and resumable). */
#ifndef EVOFOLIO_CMD_H
#define EVOFOLIO_CMD_H

/* A whole number > 0 from an argument (a run or evaluation id), or -1. */
long long cmd_parse_id(const char *text);

int cmd_baselines(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_synth(int argc, char **argv);

#endif
