/* fuzz_config: the configuration reader, config_parse on the input as YAML text. A configuration it
 * accepts must print as canonical YAML that reads back to the same configuration (the same hash). */
#include "fuzz.h"

#include "evofolio/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    evo_config cfg, again;
    evo_error err = {0};
    if (config_parse((const char *)data, size, "fuzz.yaml", &cfg, &err))
        return 0;
    char *yaml = NULL, hash[17], hash_again[17];
    fuzz_check(config_to_yaml(&cfg, &yaml, &err) == EVO_OK, "an accepted configuration cannot be printed");
    fuzz_check(config_hash(&cfg, hash, &err) == EVO_OK, "an accepted configuration has no hash");
    int rc = config_parse(yaml, strlen(yaml), "canonical.yaml", &again, &err);
    fuzz_check(rc == EVO_OK, "the canonical YAML of an accepted configuration is refused");
    fuzz_check(config_hash(&again, hash_again, &err) == EVO_OK && !strcmp(hash, hash_again),
               "the canonical YAML reads back as another configuration");
    free(yaml);
    config_free(&again);
    config_free(&cfg);
    return 0;
}
