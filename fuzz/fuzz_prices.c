/* fuzz_prices: the market-data reader, data_load_files on the input written to a CSV file: a wide file
 * of closes, or one per-ticker OHLCV file when its header has a Close column. Read twice, with missing
 * cells an error and forward-filled (at most 3 in a row); a panel read is summarised and written back
 * as CSV. */
#include "fuzz.h"

#include "evofolio/data.h"

static void read_prices(char *path, const data_options *opt, FILE *sink)
{
    char *paths[1] = {path};
    evo_panel panel;
    evo_error err = {0};
    memset(&panel, 0, sizeof panel);
    if (data_load_files(paths, 1, opt, &panel, &err) == EVO_OK) {
        data_summary_print(&panel, sink);
        data_write_wide(&panel, sink);
    }
    data_panel_free(&panel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_file(data, size, ".csv", path, sizeof path))
        return 0;
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        read_prices(path, &(data_options){MISSING_ERROR, 5}, sink);
        read_prices(path, &(data_options){MISSING_FFILL, 3}, sink);
        fclose(sink);
    }
    unlink(path);
    return 0;
}
