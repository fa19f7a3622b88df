/* cmd_data: `evofolio data FILE... | --config CONFIG` - load market data and summarise it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "evofolio/catalog.h"
#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/error.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio data [--ffill N] FILE|DIR...\n"
                 "       evofolio data --config CONFIG\n\n"
                 "Load market data and print a summary: assets, first and last date, rows, gaps, rows\n"
                 "dropped by alignment, and each asset's lowest and highest price.\n"
                 "One file with a date column and one column per asset is a wide CSV; several files, a\n"
                 "directory, or a file with a Close column are per-ticker OHLCV files (Yahoo Finance).\n\n"
                 "  -c, --config CONFIG  the data CONFIG names, with its selection and split check\n"
                 "  --ffill N            forward-fill up to N missing values in a row (files only)\n"
                 "  -h, --help           this help\n");
}

int cmd_data(int argc, char **argv)
{
    static const struct option long_opts[] = {{"config", required_argument, NULL, 'c'},
                                               {"ffill", required_argument, NULL, 'f'},
                                               {"help", no_argument, NULL, 'h'},
                                               {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    data_options opt = {MISSING_ERROR, 0};
    int c;
    int done;
    while ((c = cmd_option(argc, argv, "c:h", long_opts, usage, &done)) != -1) {
        char *end;
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'f':
            opt.missing = MISSING_FFILL;
            opt.ffill_limit = (int)strtol(optarg, &end, 10);
            if (*end || opt.ffill_limit < 1) {
                fprintf(stderr, "evofolio data: --ffill expects a whole number >= 1, got '%s'.\n",
                        optarg);
                return 2;
            }
            break;
        }
    }
    if (done >= 0)
        return done;
    if ((config_path != NULL) == (optind < argc))
        return cmd_usage_error("data", usage, "give data files or --config CONFIG (one of the two).");
    evo_config cfg = {0};
    evo_panel panel;
    evo_error err = {0};
    int rc;
    if (config_path) {
        rc = config_load(config_path, &cfg, &err);
        if (!rc)
            rc = data_load_config(&cfg, &panel, &err);
    } else {
        rc = data_load_files(argv + optind, argc - optind, &opt, &panel, &err);
    }
    if (rc)
        fprintf(stderr, "evofolio data: %s\n", err.msg);
    else
        data_summary_print(&panel, stdout);
    if (!rc)
        data_panel_free(&panel);
    config_free(&cfg);
    return evo_exit_code(rc);
}
