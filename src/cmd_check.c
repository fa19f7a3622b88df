/* cmd_check: `evofolio check CONFIG` - validate, print the canonical YAML and its hash. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "evofolio/cmd.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/date.h"
#include "evofolio/error.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: evofolio check [--no-data] [--get KEY] CONFIG\n\n"
                 "Validate CONFIG, load the market data it names and check the split against it, then\n"
                 "print the resolved configuration as canonical YAML (every default filled in) followed\n"
                 "by its hash and a line about the data.\n\n"
                 "  --no-data   check the file alone, without reading the data\n"
                 "  --get KEY   print only the value of KEY (e.g. name, ga.population), defaults filled in\n"
                 "  -h, --help  this help\n");
}

int cmd_check(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"no-data", no_argument, NULL, 'n'}, {"get", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int with_data = 1, c;
    const char *get = NULL;
    int done;
    while ((c = cmd_option(argc, argv, "h", long_opts, usage, &done)) != -1) {
        if (c == 'n')
            with_data = 0;
        else if (c == 'g')
            get = optarg;
    }
    if (done >= 0)
        return done;
    if (optind != argc - 1)
        return cmd_usage_error("check", usage, "expected one CONFIG file.");
    evo_config cfg;
    evo_panel panel = {0};
    evo_error err = {0};
    char *yaml = NULL, hash[17];
    int rc = config_load(argv[optind], &cfg, &err);
    if (!rc && with_data)
        rc = data_load_config(&cfg, &panel, &err);
    if (!rc)
        rc = config_to_yaml(&cfg, &yaml, &err);
    if (!rc)
        rc = config_hash(&cfg, hash, &err);
    char value[4096];
    if (!rc && get && config_get(&cfg, get, value, sizeof value))
        rc = evo_fail(&err, EVO_ERR_USAGE, "--get: no key '%s'. The keys are those `evofolio check %s` prints, "
                      "dotted (ga.population).", get, argv[optind]);
    if (rc) {
        fprintf(stderr, "evofolio check: %s\n", err.msg);
    } else if (get) {
        printf("%s\n", value);
    } else {
        fputs(yaml, stdout);
        printf("# hash: %s\n", hash);
        if (with_data) {
            char a[EVO_DATE_STR], b[EVO_DATE_STR];
            printf("# data: %d assets, %d rows from %s to %s\n", panel.n_assets, panel.n_days,
                   date_format(panel.dates[0], a), date_format(panel.dates[panel.n_days - 1], b));
        }
    }
    free(yaml);
    data_panel_free(&panel);
    config_free(&cfg);
    return evo_exit_code(rc);
}
