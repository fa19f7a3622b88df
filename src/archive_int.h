/* archive_int: what archive.c and archive_print.c share and nobody else sees (SQLite's whereInt.h):
 * the handle's layout and the helpers that turn SQLite's codes into evo_err messages. */
#ifndef EVOFOLIO_ARCHIVE_INT_H
#define EVOFOLIO_ARCHIVE_INT_H

#include <sqlite3.h>
#include <stddef.h>

#include "evofolio/archive.h"
#include "evofolio/config.h"

struct evo_archive {
    sqlite3 *db;
    char path[EVO_PATH_MAX];
    int read_only;
    sqlite3_stmt **st; /* archive.c's prepared statements, indexed by its stmt_id */
};

/* Record a failed SQLite call: the file, what was being done, SQLite's message and what to do next.
 * Read the message before anything else touches the connection (a ROLLBACK resets it). Returns the
 * evo_err it recorded. */
int archive_fail_db(const evo_archive *a, evo_error *err, int sqlite_rc, const char *doing);
/* Run SQL without results; archive_fail_db on failure. */
int archive_exec_sql(evo_archive *a, const char *sql, evo_error *err, const char *doing);
/* The shortest %.Ng (N = 15..17) that reads back as x. */
void archive_format_exact(char *out, size_t size, double x);

#endif
