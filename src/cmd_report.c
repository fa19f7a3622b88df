/* cmd_report: `evofolio report ARCHIVE [--run ID] [-o FILE]` - write a run's HTML report (report.h):
 * one self-contained file with inline SVG charts, which opens offline in any browser. The archive is
 * opened read-only, so the report can be made while the search runs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/archive.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/error.h"
#include "evofolio/report.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: evofolio report ARCHIVE [--run ID] [-o FILE]\n\n"
            "Write one HTML file about a search: a summary, convergence, the leaderboard, the champion\n"
            "against every baseline on the held-out test period (wealth, drawdown, metrics, deflated\n"
            "Sharpe ratio and PBO), its weights and turnover, which genes matter, and what evaluations\n"
            "cost. Charts are inline SVG: no scripts, nothing fetched, so the file opens offline (e.g.\n"
            "after scp to a laptop). A run still in progress gets what exists so far, and says so.\n\n"
            "options:\n"
            "  -r, --run ID      the run (default: the newest; `evofolio query ARCHIVE runs` lists them)\n"
            "  -o, --output FILE where to write (default: results/<run name>-report.html from the\n"
            "                    current directory; - for standard output)\n"
            "  -h, --help        this help\n\n"
            "examples:\n"
            "  evofolio report results/default.db\n"
            "  evofolio report results/full.db --run 2 -o /tmp/full-run2.html\n");
}

/* results/<name>-report.html with every character of name other than letters, digits, '.', '-' and
 * '_' replaced by '_' (a run name is free text). */
static void default_output(char *out, size_t size, const char *name)
{
    char safe[EVO_NAME_MAX];
    size_t n = 0;
    for (; *name && n + 1 < sizeof safe; name++) {
        char ch = *name;
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   ch == '.' || ch == '-' || ch == '_';
        safe[n] = keep && !(n == 0 && ch == '.') ? ch : '_';
        n++;
    }
    safe[n] = '\0';
    snprintf(out, size, "results/%s-report.html", n ? safe : "run");
}

int cmd_report(int argc, char **argv)
{
    static const struct option long_opts[] = {{"run", required_argument, NULL, 'r'},
                                              {"output", required_argument, NULL, 'o'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    long long run_id = 0;
    const char *output = NULL;
    int c;
    int done;
    while ((c = cmd_option(argc, argv, "r:o:h", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'r':
            if (cmd_parse_run("report", optarg, &run_id))
                return 2;
            break;
        case 'o':
            output = optarg;
            break;
        }
    }
    if (done >= 0)
        return done;
    if (argc - optind != 1)
        return cmd_usage_error("report", usage, "expected one ARCHIVE, got %d arguments.", argc - optind);
    const char *path = argv[optind];
    evo_error err = {0};
    archive_run run;
    int rc = report_find_run(path, run_id, &run, &err);
    if (rc) {
        fprintf(stderr, "evofolio report: %s\n", err.msg);
        return evo_exit_code(rc);
    }
    char out_path[EVO_PATH_MAX];
    if (output)
        snprintf(out_path, sizeof out_path, "%s", output);
    else
        default_output(out_path, sizeof out_path, run.name);
    int to_stdout = !strcmp(out_path, "-");
    FILE *f = to_stdout ? stdout : fopen(out_path, "w");
    if (!f) {
        fprintf(stderr, "evofolio report: cannot write %s: %s. %s\n", out_path, strerror(errno),
                output ? "Check the path." : "Create results/ here, or name the file with -o FILE.");
        return 1;
    }
    rc = report_write(path, run.id, f, &err);
    if (!to_stdout && fclose(f) && !rc)
        rc = evo_fail(&err, EVO_ERR_IO, "cannot write %s (is the disk full?).", out_path);
    if (rc) {
        if (!to_stdout)
            remove(out_path);
        fprintf(stderr, "evofolio report: %s\n", err.msg);
        return evo_exit_code(rc);
    }
    if (!to_stdout)
        printf("%s\n", out_path);
    return 0;
}
