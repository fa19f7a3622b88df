/* cmd_synth: `evofolio synth` - synthetic correlated GBM prices, optionally with a planted signal, as a
 * wide CSV. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/suggest.h"
#include "evofolio/synth.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio synth [--assets N] [--days D] [--seed S] [--out FILE] [options]\n\n"
                 "Write correlated geometric-Brownian-motion closes on business days as a wide CSV\n"
                 "(date, S01, S02, ...). The same options and seed always give the same file.\n\n"
                 "  -a, --assets N   assets (default 10)\n"
                 "  -d, --days D     rows (default 2520)\n"
                 "  -s, --seed S     random seed (default 1)\n"
                 "  -o, --out FILE   write here instead of standard output\n"
                 "  --drift MU       annual drift (default 0.08)\n"
                 "  --vol SIGMA      mean annual volatility; asset i gets SIGMA*(0.5+u_i) (default 0.25)\n"
                 "  --corr RHO       correlation through the market factor, in [0, 1) (default 0.3)\n"
                 "  --price P        first-day price (default 100)\n"
                 "  --start DATE     first day, YYYY-MM-DD (default 2000-01-03)\n"
                 "  --planted KIND   plant a learnable signal: none (default); momentum (the last 20\n"
                 "                   days' winners drift up) or reversal (the last 5 days' losers do);\n"
                 "                   ar (each asset's own AR(1) on yesterday's return: the first half\n"
                 "                   of the assets momentum, the rest reversal); leadlag (asset i\n"
                 "                   follows asset i-1's return of the day before)\n"
                 "  --strength S     size of the plant (default 0). momentum, reversal: the next-day\n"
                 "                   drift gains S daily sds per unit cross-sectional z-score of that\n"
                 "                   past return (0.05 subtle, 0.3 strong); ar, leadlag: the AR\n"
                 "                   coefficient, below 1 (0.05 subtle, 0.2 strong)\n"
                 "  -h, --help       this help\n");
}

static int parse_number(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (!*s || *end || errno) {
        fprintf(stderr, "evofolio synth: %s expects a number, got '%s'.\n", opt, s);
        return -1;
    }
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"assets", required_argument, NULL, 'a'}, {"days", required_argument, NULL, 'd'},
        {"seed", required_argument, NULL, 's'},   {"out", required_argument, NULL, 'o'},
        {"drift", required_argument, NULL, 'm'},  {"vol", required_argument, NULL, 'v'},
        {"corr", required_argument, NULL, 'r'},   {"price", required_argument, NULL, 'p'},
        {"start", required_argument, NULL, 't'},  {"planted", required_argument, NULL, 'P'},
        {"strength", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    synth_options o;
    synth_defaults(&o);
    const char *out_path = NULL;
    const struct {
        int opt;
        const char *name;
        double *to;
    } reals[] = {{'m', "--drift", &o.drift}, {'v', "--vol", &o.vol}, {'r', "--corr", &o.corr},
                 {'p', "--price", &o.start_price}, {'S', "--strength", &o.strength}};
    double v;
    int c, bad = 0;
    int done = -1;
    while (!bad && (c = cmd_option(argc, argv, "a:d:s:o:h", long_opts, usage, &done)) != -1) {
        switch (c) {
        case 'a':
            bad = parse_number("--assets", optarg, &v) || v != (int)v;
            o.n_assets = (int)v;
            break;
        case 'd':
            bad = parse_number("--days", optarg, &v) || v != (int)v;
            o.n_days = (int)v;
            break;
        case 's': {
            char *end;
            errno = 0;
            o.seed = strtoull(optarg, &end, 10);
            bad = !*optarg || *end || errno || optarg[0] == '-';
            break;
        }
        case 'o':
            out_path = optarg;
            break;
        case 't':
            bad = date_parse(optarg, &o.start) != 0;
            break;
        case 'P': {
            int kind = catalog_find(&synth_plants, optarg);
            if (kind < 0) {
                const char *near = suggest_closest(optarg, synth_plants.names, synth_plants.count);
                fprintf(stderr, "evofolio synth: unknown --planted '%s'%s%s%s; use none, momentum, "
                        "reversal, ar or leadlag.\n", optarg, near ? " (did you mean '" : "", near ? near : "",
                        near ? "'?)" : "");
                bad = 1;
            } else {
                o.planted = (synth_planted)kind;
            }
            break;
        }
        default: /* the real-valued options */
            for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
                if (c == reals[i].opt)
                    bad = parse_number(reals[i].name, optarg, reals[i].to);
            break;
        }
    }
    if (done >= 0)
        return done;
    if (bad || optind != argc)
        return cmd_usage_error("synth", usage, "bad option%s%s.", optind < argc ? " near " : "",
                               optind < argc ? argv[optind] : "");
    evo_panel panel;
    evo_error err = {0};
    int rc = synth_panel(&o, &panel, &err);
    if (rc) {
        fprintf(stderr, "evofolio %s\n", err.msg);
        return evo_exit_code(rc);
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "evofolio synth: cannot write %s: %s. Check the path.\n", out_path,
                strerror(errno));
        rc = EVO_ERR_IO;
    } else {
        rc = data_write_wide(&panel, out);
        if ((out_path ? fclose(out) : fflush(out)) != 0 || rc) {
            fprintf(stderr, "evofolio synth: write error on %s.\n", out_path ? out_path : "stdout");
            rc = EVO_ERR_IO;
        }
    }
    data_panel_free(&panel);
    return evo_exit_code(rc);
}
