/* fuzz_archive: the archive reader, the input written to a file and opened read-only as an archive,
 * then read as `query` and `report` read it: the newest run, every evaluation (its stored genome
 * parsed as a resume parses it), the resume state, the leaderboard printed in each format, and the
 * whole HTML report. The file and any -wal/-shm SQLite makes beside it are removed after each input. */
#include "fuzz.h"

#include "evofolio/archive.h"
#include "evofolio/genome.h"
#include "evofolio/report.h"

static int on_evaluation(void *ctx, const archive_eval_row *row)
{
    const evo_config *cfg = ctx;
    evo_genome g;
    genome_from_json(&g, row->genome_json, cfg, NULL);
    return 0;
}

static void read_archive(const char *path, FILE *sink)
{
    evo_archive *a = NULL;
    evo_error err = {0};
    int64_t id = 0;
    archive_run run;
    if (archive_open(&a, path, 1, &err) || archive_run_newest(a, &id, &err) || !id ||
        archive_run_get(a, id, &run, &err) != 1) {
        archive_close(a);
        return;
    }
    evo_config cfg;
    config_defaults(&cfg);
    archive_for_each_evaluation(a, id, on_evaluation, &cfg, &err);
    archive_state state;
    if (archive_get_state(a, id, &state, &err) == 1)
        free(state.members);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT * FROM leaderboard WHERE run = %lld LIMIT 20", (long long)id);
    const int formats[] = {ARCHIVE_FORMAT_TABLE, ARCHIVE_FORMAT_CSV, ARCHIVE_FORMAT_JSON,
                           ARCHIVE_FORMAT_LINES, ARCHIVE_FORMAT_OBJECT};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        archive_query_print(a, sql, formats[i], sink, &err);
    archive_close(a);
    report_write(path, id, sink, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], side[80];
    if (fuzz_file(data, size, ".db", path, sizeof path))
        return 0;
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        read_archive(path, sink);
        fclose(sink);
    }
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-journal", path);
    unlink(side);
    return 0;
}
