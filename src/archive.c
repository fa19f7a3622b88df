/* archive: the SQLite archive - schema, runs, evaluations, the resume state, the test period - and the
 * statements evofolio itself runs; archive_print.c prints what any query returns. Every SQLite call lives
 * in these two files; SQLite's codes (SQLITE_OK = 0, ...) become evo_err at each call site through
 * archive_fail_db (archive_int.h). The schema is docs/archive.md. */
#include "evofolio/archive.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive_int.h"
#include "evofolio/backtest.h"
#include "evofolio/buf.h"
#include "evofolio/catalog.h"
#include "evofolio/config.h"
#include "evofolio/date.h"
#include "evofolio/error.h"
#include "evofolio/evaluate.h"
#include "evofolio/folds.h"
#include "evofolio/ga.h"
#include "evofolio/genes.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/pareto.h"

enum {
    BUSY_TIMEOUT_MS = 10000 /* how long a connection waits for another's lock before failing */
};

static const char *const run_status_names[RUN_STATUS_COUNT] = {"running", "stopped", "done", "failed"};
const evo_names archive_run_statuses = {"run status", run_status_names, RUN_STATUS_COUNT, NULL};


/* ---------------------------------------------------------------- schema */

/* A gene's column in evaluations (genes.h): its names as text, or the number. */
#define GENE_SQL_TYPE_CHOICE "TEXT NOT NULL"
#define GENE_SQL_TYPE_SET "TEXT"
#define GENE_SQL_TYPE_INT "INTEGER"
#define GENE_SQL_TYPE_REAL "REAL"
#define GENE_SCHEMA_COLUMN(E, name, type, kind, ...) ", " #name " " GENE_SQL_TYPE_##kind
#define GENE_PARAM(E, name, ...) ", :" #name

/* Multi-fidelity runs (ga.rungs > 1): the rung of each evaluation, the steps it trained with (its
 * genome holds the candidate's full steps), and the evaluation of the rung below it was promoted from.
 * Made by the first rung stored (schema 5), so that an archive without such runs keeps the schema
 * and the size it had. */
#define RUNGS_TABLE_SQL                                                                                    \
    "CREATE TABLE IF NOT EXISTS rungs (\n"                                                                              \
    "  run INTEGER NOT NULL, eval INTEGER NOT NULL, rung INTEGER NOT NULL, steps INTEGER NOT NULL,\n"      \
    "  promoted_from INTEGER,\n"                                                                          \
    "  PRIMARY KEY (run, eval), FOREIGN KEY (run, eval) REFERENCES evaluations (run, id)) WITHOUT ROWID;\n"

/* Mean validation metrics by correlated subqueries: evaluated only for the rows a query reads, so
 * `... WHERE run = ? LIMIT 10` walks evaluations_fitness and stops after 10 rows. */
#define LEADERBOARD_VIEW_SQL(temp) \
    "CREATE " temp "VIEW leaderboard AS\n" \
    "SELECT e.run, e.id, e.generation, e.fitness" ARCHIVE_GENE_COLUMNS_E ",\n" \
    "  e.val_sharpe,\n" \
    "  (SELECT avg(sortino) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0)\n" \
    "    AS val_sortino,\n" \
    "  (SELECT avg(ann_return) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0)\n" \
    "    AS val_ann_return,\n" \
    "  (SELECT avg(ann_vol) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0)\n" \
    "    AS val_ann_vol,\n" \
    "  (SELECT avg(max_drawdown) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0)\n" \
    "    AS val_max_drawdown,\n" \
    "  (SELECT avg(avg_turnover) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0)\n" \
    "    AS val_turnover,\n" \
    /* folds whose training never brought the hold-out loss below the untrained net's */ \
    "  (SELECT count(*) FROM folds f WHERE f.run = e.run AND f.eval = e.id AND f.fold > 0\n" \
    "    AND NOT (f.holdout_loss < f.initial_loss)) AS untrained_folds,\n" \
    "  e.origin, e.parent1, e.parent2, e.params, e.seconds, e.key\n" \
    "FROM evaluations e WHERE e.status = 'ok' AND e.cache_of IS NULL\n" \
    "ORDER BY e.run, e.fitness DESC, e.id;\n"

static const char schema_sql[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, config_hash TEXT NOT NULL,\n"
    "  data_hash TEXT NOT NULL, seed INTEGER NOT NULL, mode TEXT NOT NULL, ranks INTEGER NOT NULL,\n"
    "  host TEXT, status TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'done', 'failed')),\n"
    "  started REAL NOT NULL, ended REAL, champion INTEGER, dsr REAL, n_trials INTEGER,\n"
    "  n_effective REAL, pbo REAL, skill INTEGER, verdict TEXT, reason TEXT,\n"
    "  version TEXT, git_commit TEXT, command TEXT, assets TEXT, val_dates TEXT, blas TEXT);\n"
    "CREATE INDEX runs_name ON runs (name, id);\n"
    "CREATE TABLE writers (\n"
    "  run INTEGER PRIMARY KEY REFERENCES runs (id), host TEXT NOT NULL, pid INTEGER NOT NULL,\n"
    "  pid_start INTEGER NOT NULL, since REAL NOT NULL, heartbeat REAL NOT NULL,\n"
    "  silent_seconds REAL NOT NULL);\n"
    "CREATE TABLE evaluations (\n"
    "  run INTEGER NOT NULL REFERENCES runs (id), id INTEGER NOT NULL, generation INTEGER NOT NULL,\n"
    "  key TEXT NOT NULL, genome TEXT NOT NULL" EVO_GENES(GENE_SCHEMA_COLUMN) ",\n"
    "  parent1 INTEGER, parent2 INTEGER, origin TEXT NOT NULL, seed INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), reason TEXT, fitness REAL,\n"
    "  val_sharpe REAL, truncated INTEGER, params INTEGER, seconds REAL, train_seconds REAL,\n"
    "  started REAL, finished REAL,\n"
    "  rank INTEGER, host TEXT, cache_of INTEGER, val_returns BLOB,\n"
    "  PRIMARY KEY (run, id));\n"
    "CREATE INDEX evaluations_fitness ON evaluations (run, fitness DESC, id)\n"
    "  WHERE status = 'ok' AND cache_of IS NULL;\n"
    "CREATE INDEX evaluations_generation ON evaluations (run, generation);\n"
    "CREATE INDEX evaluations_cache ON evaluations (run, cache_of) WHERE cache_of IS NOT NULL;\n"
    "CREATE TABLE folds (\n"
    "  run INTEGER NOT NULL, eval INTEGER NOT NULL, fold INTEGER NOT NULL, first TEXT, last TEXT,\n"
    "  days INTEGER, ann_return REAL, ann_vol REAL, sharpe REAL, sortino REAL, max_drawdown REAL,\n"
    "  calmar REAL, cvar95 REAL, avg_turnover REAL, hit_rate REAL, trades INTEGER,\n"
    "  steps INTEGER, best_step INTEGER, train_loss REAL, holdout_loss REAL, initial_loss REAL,\n"
    "  truncated INTEGER, train_seconds REAL, mae REAL, mse REAL, rmse REAL, mape REAL,\n"
    "  PRIMARY KEY (run, eval, fold),\n"
    "  FOREIGN KEY (run, eval) REFERENCES evaluations (run, id)) WITHOUT ROWID;\n"
    "CREATE TABLE generations (\n"
    "  run INTEGER NOT NULL REFERENCES runs (id), generation INTEGER NOT NULL, best REAL, mean REAL,\n"
    "  median REAL, sd REAL, diversity REAL, evaluations INTEGER, cache_hits INTEGER,\n"
    "  failures INTEGER, wall_seconds REAL, utilisation REAL, finished REAL,\n"
    "  PRIMARY KEY (run, generation)) WITHOUT ROWID;\n"
    "CREATE TABLE state (\n"
    "  run INTEGER PRIMARY KEY REFERENCES runs (id), generation INTEGER NOT NULL,\n"
    "  rng0 INTEGER NOT NULL, rng1 INTEGER NOT NULL, rng2 INTEGER NOT NULL, rng3 INTEGER NOT NULL,\n"
    "  next_id INTEGER NOT NULL, members TEXT NOT NULL, updated REAL NOT NULL);\n"
    "CREATE TABLE confirmations (\n"
    "  run INTEGER NOT NULL, eval INTEGER NOT NULL, replica INTEGER NOT NULL, seed INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), fitness REAL, val_sharpe REAL,\n"
    "  PRIMARY KEY (run, eval, replica), FOREIGN KEY (run, eval) REFERENCES evaluations (run, id));\n"
    "CREATE TABLE tests (\n"
    "  run INTEGER NOT NULL, eval INTEGER NOT NULL, rank INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run, eval), FOREIGN KEY (run, eval) REFERENCES evaluations (run, id));\n"
    "CREATE TABLE baselines (\n"
    "  run INTEGER NOT NULL REFERENCES runs (id), strategy TEXT NOT NULL, first TEXT, last TEXT,\n"
    "  days INTEGER, ann_return REAL, ann_vol REAL, sharpe REAL, sortino REAL, max_drawdown REAL,\n"
    "  calmar REAL, cvar95 REAL, avg_turnover REAL, hit_rate REAL, trades INTEGER,\n"
    "  PRIMARY KEY (run, strategy));\n"
    "CREATE TABLE series (\n"
    "  run INTEGER NOT NULL REFERENCES runs (id), owner TEXT NOT NULL, date TEXT NOT NULL,\n"
    "  net_return REAL, turnover REAL, weights TEXT,\n"
    "  PRIMARY KEY (run, owner, date));\n"
    LEADERBOARD_VIEW_SQL("");

/* Schema 6 added the attention encoder's genes (genes.h: arch, d_model, heads, ff): an archive before it
 * holds LSTMs, whose canonical key ends with the new genes in their canonical form. */
static const char schema6_sql[] =
    "ALTER TABLE evaluations ADD COLUMN arch TEXT NOT NULL DEFAULT 'lstm';\n"
    "ALTER TABLE evaluations ADD COLUMN d_model INTEGER DEFAULT 0;\n"
    "ALTER TABLE evaluations ADD COLUMN heads INTEGER DEFAULT 0;\n"
    "ALTER TABLE evaluations ADD COLUMN ff INTEGER DEFAULT 0;\n"
    "UPDATE evaluations SET key = key || ';arch=lstm;d_model=0;heads=0;ff=0';\n"
    "DROP VIEW leaderboard;\n" LEADERBOARD_VIEW_SQL("");
/* How a read-only handle sees an archive before schema 6 (it cannot upgrade it): through views of the
 * connection's own, which shadow the file's tables (the key keeps its old form). The triggers only let
 * the handle's writing statements be prepared, as on any archive; query_only refuses to run them. */
static const char schema6_read_sql[] =
    "CREATE TEMP VIEW evaluations AS SELECT *, 'lstm' AS arch, 0 AS d_model, 0 AS heads, 0 AS ff\n"
    "  FROM main.evaluations;\n"
    "CREATE TEMP TRIGGER evaluations_insert INSTEAD OF INSERT ON evaluations\n"
    "  BEGIN SELECT RAISE(ABORT, 'read-only'); END;\n"
    "CREATE TEMP TRIGGER evaluations_update INSTEAD OF UPDATE ON evaluations\n"
    "  BEGIN SELECT RAISE(ABORT, 'read-only'); END;\n"
    "CREATE TEMP TRIGGER evaluations_delete INSTEAD OF DELETE ON evaluations\n"
    "  BEGIN SELECT RAISE(ABORT, 'read-only'); END;\n"
    LEADERBOARD_VIEW_SQL("TEMP ");

/* Statements kept prepared for the life of the handle, indexed by enum. */
typedef enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_RUN_INSERT,
    ST_RUN_RESUMABLE,
    ST_RUN_STATUS,
    ST_RUN_GET,
    ST_RUN_NEWEST,
    ST_RUN_FAIL,
    ST_RUN_PROVENANCE,
    ST_RUN_CONFIG,
    ST_WRITER_GET,
    ST_WRITER_PUT,
    ST_WRITER_BEAT,
    ST_WRITER_DROP,
    ST_EVAL_INSERT,
    ST_FOLD_PUT,
    ST_STATE_PUT,
    ST_STATE_GET,
    ST_GEN_PUT,
    ST_EVAL_EACH,
    ST_EVAL_GET,
    ST_OBJECTIVE,
    ST_TEST_PUT,
    ST_BASELINE_PUT,
    ST_SERIES_DELETE,
    ST_SERIES_PUT,
    ST_CHAMPION,
    ST_VAL_RETURNS,
    ST_CONFIRM_PUT,
    ST_CONFIRM_GET,
    ST_COUNT
} stmt_id;

#define RUN_COLUMNS "id, name, config_hash, data_hash, seed, mode, ranks, host, status, started, ended"
#define EVAL_ROW_COLUMNS "id, generation, key, genome, fitness, parent1, parent2, origin, cache_of, status, seed"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_RUN_INSERT] =
        "INSERT INTO runs (name, config, config_hash, data_hash, seed, mode, ranks, host, status, started)"
        " VALUES (:name, :config, :config_hash, :data_hash, :seed, :mode, :ranks, :host, :status,"
        " :started)",
    [ST_RUN_RESUMABLE] = "SELECT " RUN_COLUMNS " FROM runs WHERE name = :name"
                         " AND status != 'done' ORDER BY id DESC LIMIT 1",
    [ST_RUN_STATUS] = "UPDATE runs SET status = :status, ended = :ended WHERE id = :run",
    [ST_RUN_GET] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = :run",
    [ST_RUN_NEWEST] = "SELECT max(id) FROM runs",
    [ST_RUN_FAIL] = "UPDATE runs SET status = 'failed', ended = :ended, reason = :reason WHERE id = :run",
    [ST_RUN_CONFIG] = "SELECT config FROM runs WHERE id = :run",
    [ST_RUN_PROVENANCE] = "UPDATE runs SET version = :version, git_commit = :git_commit, command = :command,"
                          " assets = :assets, val_dates = :val_dates WHERE id = :run",
    [ST_WRITER_GET] = "SELECT host, pid, pid_start, since, heartbeat, silent_seconds FROM writers WHERE run = :run",
    [ST_WRITER_PUT] = "INSERT OR REPLACE INTO writers (run, host, pid, pid_start, since, heartbeat, silent_seconds)"
                      " VALUES (:run, :host, :pid, :pid_start, :since, :since, :silent_seconds)",
    [ST_WRITER_BEAT] = "UPDATE writers SET heartbeat = :now WHERE run = :run AND host = :host AND pid = :pid",
    [ST_WRITER_DROP] = "DELETE FROM writers WHERE run = :run AND host = :host AND pid = :pid",
    [ST_EVAL_INSERT] =
        "INSERT INTO evaluations (run, id, generation, key, genome" ARCHIVE_GENE_COLUMNS ", parent1,"
        " parent2, origin, seed, status, reason, fitness, val_sharpe, truncated, params, seconds,"
        " train_seconds, started, finished, rank, host, cache_of, val_returns)"
        " VALUES (:run, :id, :generation, :key, :genome" EVO_GENES(GENE_PARAM)
        ", :parent1, :parent2, :origin, :seed, :status, :reason, :fitness, :val_sharpe, :truncated, :params,"
        " :seconds, :train_seconds, :started, :finished, :rank, :host, :cache_of, :val_returns)",
    [ST_FOLD_PUT] =
        "INSERT OR REPLACE INTO folds (run, eval, fold, first, last, days, ann_return, ann_vol, sharpe,"
        " sortino, max_drawdown, calmar, cvar95, avg_turnover, hit_rate, trades, steps, best_step,"
        " train_loss, holdout_loss, initial_loss, truncated, train_seconds, mae, mse, rmse, mape)"
        " VALUES (:run, :eval, :fold, :first, :last, :days, :ann_return, :ann_vol, :sharpe, :sortino,"
        " :max_drawdown, :calmar, :cvar95, :avg_turnover, :hit_rate, :trades, :steps, :best_step,"
        " :train_loss, :holdout_loss, :initial_loss, :truncated, :train_seconds, :mae, :mse, :rmse, :mape)",
    [ST_STATE_PUT] = "INSERT OR REPLACE INTO state (run, generation, rng0, rng1, rng2, rng3, next_id,"
                     " members, updated) VALUES (:run, :generation, :rng0, :rng1, :rng2, :rng3,"
                     " :next_id, :members, :updated)",
    [ST_STATE_GET] = "SELECT generation, rng0, rng1, rng2, rng3, next_id, members FROM state"
                     " WHERE run = :run",
    [ST_GEN_PUT] =
        "INSERT OR REPLACE INTO generations (run, generation, best, mean, median, sd, diversity,"
        " evaluations, cache_hits, failures, wall_seconds, utilisation, finished)"
        " VALUES (:run, :generation, :best, :mean, :median, :sd, :diversity, :evaluations,"
        " :cache_hits, :failures, :wall_seconds, :utilisation, :finished)",
    [ST_EVAL_EACH] = "SELECT " EVAL_ROW_COLUMNS " FROM evaluations WHERE run = :run ORDER BY id",
    [ST_EVAL_GET] = "SELECT " EVAL_ROW_COLUMNS " FROM evaluations WHERE run = :run AND id = :id",
    [ST_OBJECTIVE] = "SELECT objective FROM evaluations WHERE run = :run AND id = :id",
    [ST_TEST_PUT] = "INSERT OR REPLACE INTO tests (run, eval, rank) VALUES (:run, :eval, :rank)",
    [ST_BASELINE_PUT] =
        "INSERT OR REPLACE INTO baselines (run, strategy, first, last, days, ann_return, ann_vol,"
        " sharpe, sortino, max_drawdown, calmar, cvar95, avg_turnover, hit_rate, trades)"
        " VALUES (:run, :strategy, :first, :last, :days, :ann_return, :ann_vol, :sharpe, :sortino,"
        " :max_drawdown, :calmar, :cvar95, :avg_turnover, :hit_rate, :trades)",
    [ST_SERIES_DELETE] = "DELETE FROM series WHERE run = :run AND owner = :owner",
    [ST_SERIES_PUT] = "INSERT INTO series (run, owner, date, net_return, turnover, weights)"
                      " VALUES (:run, :owner, :date, :net_return, :turnover, :weights)",
    [ST_CHAMPION] = "UPDATE runs SET champion = :champion, dsr = :dsr, n_trials = :n_trials,"
                    " n_effective = :n_effective, pbo = :pbo, skill = :skill, verdict = :verdict WHERE id = :run",
    /* One row per distinct key (a bare column with min() comes from the row holding the minimum). */
    [ST_VAL_RETURNS] = "SELECT val_returns, min(id) FROM evaluations WHERE run = :run AND status = 'ok'"
                       " AND cache_of IS NULL AND length(val_returns) = :bytes GROUP BY key ORDER BY 2",
    [ST_CONFIRM_PUT] = "INSERT OR REPLACE INTO confirmations (run, eval, replica, seed, status, fitness, val_sharpe)"
                       " VALUES (:run, :eval, :replica, :seed, :status, :fitness, :val_sharpe)",
    [ST_CONFIRM_GET] = "SELECT seed, status, fitness, val_sharpe FROM confirmations"
                       " WHERE run = :run AND eval = :eval AND replica = :replica",
};

/* ---------------------------------------------------------------- errors and small helpers */

int archive_fail_db(const evo_archive *a, evo_error *err, int sqlite_rc, const char *doing)
{
    int code = EVO_ERR_IO;
    const char *hint;
    switch (sqlite_rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        hint = "Another process holds it locked; only one run may write an archive at a time. Wait for "
               "it to finish, or give this run another output.archive.";
        break;
    case SQLITE_READONLY:
        hint = a->read_only ? "This handle is read-only: queries cannot change the archive."
                            : "Check that the file and its directory are writable.";
        break;
    case SQLITE_FULL:
        hint = "The disk is full. Free some space, then resume the run (evofolio run --resume).";
        break;
    case SQLITE_NOMEM:
        code = EVO_ERR_NOMEM;
        hint = "Out of memory.";
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = EVO_ERR_DATA;
        hint = "It is not an evofolio archive, or it is damaged: check the path, or restore a copy.";
        break;
    case SQLITE_CONSTRAINT:
        code = EVO_ERR_DATA;
        hint = "The row repeats a stored id, or names a run or evaluation the archive does not hold.";
        break;
    case SQLITE_CANTOPEN:
        hint = "Check the path, and that its directory exists and is writable.";
        break;
    default:
        hint = "Check the file and the disk.";
        break;
    }
    return evo_fail(err, code, "%s: %s: %s. %s", a->path, doing, sqlite3_errmsg(a->db), hint);
}

static double now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int param(sqlite3_stmt *st, const char *name)
{
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "a named parameter of one of the statements above");
    return i;
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, param(st, name), v);
}

/* Non-finite doubles are stored as NULL. */
static void bind_real(sqlite3_stmt *st, const char *name, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, param(st, name), v);
    else
        sqlite3_bind_null(st, param(st, name));
}

static void bind_text(sqlite3_stmt *st, const char *name, const char *s)
{
    if (s)
        sqlite3_bind_text(st, param(st, name), s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, param(st, name));
}

/* An id where 0 means none. */
static void bind_id(sqlite3_stmt *st, const char *name, int64_t id)
{
    if (id)
        sqlite3_bind_int64(st, param(st, name), id);
    else
        sqlite3_bind_null(st, param(st, name));
}

/* Step a statement that returns no rows, then make it ready for the next use. SQLITE_OK or the error;
 * sqlite3_errmsg still holds the error's message afterwards. */
static int exec_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void done_stmt(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int begin(evo_archive *a, evo_error *err, const char *doing)
{
    int rc = exec_stmt(a->st[ST_BEGIN]);
    return rc ? archive_fail_db(a, err, rc, doing) : EVO_OK;
}

/* Commit when rc is EVO_OK, otherwise roll back (the error is already recorded). */
static int end(evo_archive *a, int rc, evo_error *err, const char *doing)
{
    if (rc == EVO_OK) {
        int src = exec_stmt(a->st[ST_COMMIT]);
        if (!src)
            return EVO_OK;
        rc = archive_fail_db(a, err, src, doing);
    }
    if (!sqlite3_get_autocommit(a->db))
        exec_stmt(a->st[ST_ROLLBACK]);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

static double col_real(sqlite3_stmt *st, int i, double if_null)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? if_null : sqlite3_column_double(st, i);
}

void archive_format_exact(char *out, size_t size, double x)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(out, size, "%.*g", p, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

/* ---------------------------------------------------------------- open and close */

/* Refuse connections that would write through a read-only handle: ATTACH (a second file), and
 * pragmas that would switch query_only off or touch the schema. */
static int read_only_authorizer(void *ctx, int action, const char *a1, const char *a2, const char *db,
                                const char *trigger)
{
    (void)ctx, (void)db, (void)trigger;
    if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
        return SQLITE_DENY;
    if (action == SQLITE_PRAGMA && a2 &&
        (!sqlite3_stricmp(a1, "query_only") || !sqlite3_stricmp(a1, "writable_schema")))
        return SQLITE_DENY;
    return SQLITE_OK;
}

int archive_exec_sql(evo_archive *a, const char *sql, evo_error *err, const char *doing)
{
    int rc = sqlite3_exec(a->db, sql, NULL, NULL, NULL);
    return rc ? archive_fail_db(a, err, rc, doing) : EVO_OK;
}

/* Tables in the file: *n, or an error (SQLITE_NOTADB shows up here first). */
static int count_tables(evo_archive *a, int *n, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(a->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *n = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    if (rc)
        rc = archive_fail_db(a, err, rc, "reading the schema");
    sqlite3_finalize(st);
    return rc;
}

static int create_schema(evo_archive *a, evo_error *err)
{
    char meta[256];
    snprintf(meta, sizeof meta, "INSERT INTO meta VALUES ('schema_version', '%d'), "
             "('application', 'evofolio'), ('created', '%.3f');", ARCHIVE_SCHEMA_VERSION, now_unix());
    int rc = archive_exec_sql(a, "BEGIN IMMEDIATE", err, "creating the archive");
    int n = 0;
    if (!rc)
        rc = count_tables(a, &n, err);
    if (!rc && n == 0) /* another process may have created it meanwhile */
        rc = archive_exec_sql(a, schema_sql, err, "creating the schema");
    if (!rc && n == 0)
        rc = archive_exec_sql(a, meta, err, "creating the schema");
    if (!rc)
        rc = archive_exec_sql(a, "COMMIT", err, "creating the archive");
    if (rc && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Schema 3, 4 or 5 -> 6: 4 added the runs' kernel plans (runs.blas, empty for the runs before it), 5 the
 * rungs of multi-fidelity runs (table rungs, made when first needed), 6 the attention genes. */
static int migrate(evo_archive *a, int from, evo_error *err)
{
    int rc = archive_exec_sql(a, "BEGIN IMMEDIATE", err, "upgrading the archive");
    if (!rc && from < 4)
        rc = archive_exec_sql(a, "ALTER TABLE runs ADD COLUMN blas TEXT", err, "upgrading the archive to schema 4");
    if (!rc && from < 6)
        rc = archive_exec_sql(a, schema6_sql, err, "upgrading the archive to schema 6");
    if (!rc)
        rc = archive_exec_sql(a, "UPDATE meta SET value = '6' WHERE key = 'schema_version'; COMMIT",
                              err, "upgrading the archive to schema version 6");
    if (rc && !sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int check_schema(evo_archive *a, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(a->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL))
        return evo_fail(err, EVO_ERR_DATA, "%s: not an evofolio archive (an SQLite database without "
                        "table meta). Check the path; `evofolio run` makes archives.", a->path);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        version = atoi(col_text(st, 0));
    else if (rc != SQLITE_DONE)
        rc = archive_fail_db(a, err, rc, "reading the schema version");
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;
    if (version > ARCHIVE_SCHEMA_VERSION)
        return evo_fail(err, EVO_ERR_DATA, "%s: archive schema version %d is newer than this evofolio "
                        "reads (%d). Use the evofolio that wrote it, or a newer one.", a->path, version,
                        ARCHIVE_SCHEMA_VERSION);
    if (version >= 3 && version < 6 && a->read_only)
        return archive_exec_sql(a, schema6_read_sql, err, "reading an archive of schema 5 or before");
    if (version >= 3 && version < ARCHIVE_SCHEMA_VERSION) /* read as it is; a writer adds what is new first */
        return a->read_only ? EVO_OK : migrate(a, version, err);
    if (version >= 1 && version < ARCHIVE_SCHEMA_VERSION)
        return evo_fail(err, EVO_ERR_DATA, "%s: archive schema version %d was written by an older "
                        "evofolio (this one reads 3 to %d: a writer lock, run provenance). "
                        "Query it with that evofolio or the sqlite3 shell, and start new runs in a new "
                        "archive.", a->path, version, ARCHIVE_SCHEMA_VERSION);
    if (version < ARCHIVE_SCHEMA_VERSION)
        return evo_fail(err, EVO_ERR_DATA, "%s: not an evofolio archive (meta has no valid "
                        "schema_version). Check the path; `evofolio run` makes archives.", a->path);
    return EVO_OK;
}

/* The journal mode of the file at path from its header (bytes 18-19 are 2 in WAL mode): 1 WAL, 0 not
 * (or not an SQLite file: the open says what it is). */
static int file_in_wal_mode(const char *path)
{
    unsigned char h[20] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(h, 1, sizeof h, f) : 0;
    if (f)
        fclose(f);
    return n == sizeof h && !memcmp(h, "SQLite format 3", 16) && h[18] == 2 && h[19] == 2;
}

static int file_exists(const char *path, const char *suffix)
{
    char p[EVO_PATH_MAX + 8];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

/* A writer's journal: journal_mode answers with the mode it got (WAL fails where there is no shared
 * memory, as on most network filesystems). */
static int set_journal(evo_archive *a, int wal, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(a->db, wal ? "PRAGMA journal_mode = WAL" : "PRAGMA journal_mode = DELETE", -1, &st,
                                NULL);
    if (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rc = sqlite3_stricmp(col_text(st, 0), wal ? "wal" : "delete")
                 ? evo_fail(err, EVO_ERR_IO, "%s: cannot use %s (journal mode '%s'). On a network filesystem set "
                            "output.journal: delete, or write the archive on a local disk.", a->path,
                            wal ? "write-ahead logging" : "a rollback journal", col_text(st, 0))
                 : SQLITE_OK;
    else if (rc)
        rc = archive_fail_db(a, err, rc, "choosing the journal mode");
    sqlite3_finalize(st);
    return rc;
}

/* Open the connection. A reader creates no file next to the archive: a file at rest (rollback
 * journal, or WAL with no -wal file: nothing uncheckpointed) needs none, and where the -wal or -shm
 * files of a run cannot be used (read-only media, another user's directory) the file is read as
 * immutable, without them. */
static int open_connection(evo_archive *a)
{
    char uri[EVO_PATH_MAX * 3 + 32];
    if (!a->read_only)
        return sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (access(a->path, F_OK)) /* what a plain read-only open says when the file is missing */
        return sqlite3_open_v2(a->path, &a->db, SQLITE_OPEN_READONLY, NULL);
    int immutable = file_in_wal_mode(a->path) && !file_exists(a->path, "-wal");
    for (;;) {
        size_t n = (size_t)snprintf(uri, sizeof uri, "file:");
        for (const char *c = a->path; *c && n + 4 < sizeof uri; c++) /* URI-escape what a path may hold */
            n += (size_t)(strchr("?#%", *c) ? snprintf(uri + n, sizeof uri - n, "%%%02X", (unsigned char)*c)
                                            : snprintf(uri + n, sizeof uri - n, "%c", *c));
        snprintf(uri + n, sizeof uri - n, "%s", immutable ? "?immutable=1" : "");
        int rc = sqlite3_open_v2(uri, &a->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
        if (!rc)
            rc = sqlite3_exec(a->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        if (!rc || immutable)
            return rc;
        int code = rc & 0xff;
        if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY && code != SQLITE_PERM)
            return rc;
        sqlite3_close(a->db);
        a->db = NULL;
        immutable = 1;
        fprintf(stderr, "evofolio: %s: its write-ahead log cannot be used here (read-only media or another user's "
                "directory): reading the file as it is, without what a run still writing it has not yet "
                "checkpointed\n", a->path);
    }
}

int archive_open(evo_archive **out, const char *path, int mode, evo_error *err)
{
    *out = NULL;
    evo_archive *a = calloc(1, sizeof *a);
    if (a && !(a->st = calloc(ST_COUNT, sizeof *a->st))) {
        free(a);
        a = NULL;
    }
    if (!a)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory opening %s", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    a->read_only = mode == ARCHIVE_READ_ONLY;
    int rc = open_connection(a);
    if (rc) {
        rc = a->db ? archive_fail_db(a, err, rc, a->read_only ? "cannot open the archive" : "cannot open or create "
                             "the archive")
                   : evo_fail(err, EVO_ERR_NOMEM, "out of memory opening %s", path);
        goto fail;
    }
    sqlite3_extended_result_codes(a->db, 1);
    sqlite3_busy_timeout(a->db, BUSY_TIMEOUT_MS);
    int n_tables = 0;
    if (!a->read_only && !(rc = set_journal(a, mode == ARCHIVE_WRITE, err)))
        rc = archive_exec_sql(a, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", err, "setting up the connection");
    if (!rc)
        rc = count_tables(a, &n_tables, err);
    if (!rc && n_tables == 0 && a->read_only)
        rc = evo_fail(err, EVO_ERR_DATA, "%s: empty, not an evofolio archive. Check the path; "
                      "`evofolio run` makes archives.", path);
    else if (!rc && n_tables == 0)
        rc = create_schema(a, err);
    if (!rc)
        rc = check_schema(a, err);
    if (!rc && a->read_only) /* after check_schema, which may shadow tables with views of its own */
        rc = archive_exec_sql(a, "PRAGMA query_only = ON", err, "opening read-only");
    for (int i = 0; !rc && i < ST_COUNT; i++)
        if ((rc = sqlite3_prepare_v3(a->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &a->st[i], NULL)))
            rc = archive_fail_db(a, err, rc, "preparing a statement (the schema does not match this evofolio)");
    if (!rc && a->read_only)
        sqlite3_set_authorizer(a->db, read_only_authorizer, NULL);
    if (!rc) {
        *out = a;
        return EVO_OK;
    }
fail:
    archive_close(a);
    return rc;
}

void archive_close(evo_archive *a)
{
    if (!a)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(a->st[i]);
    free(a->st);
    if (a->db && !a->read_only) { /* at rest the archive is one file, readable anywhere (skipped while
                                     another connection still has it open) */
        evo_error ignore = {0};
        sqlite3_busy_timeout(a->db, 0);
        set_journal(a, 0, &ignore);
    }
    sqlite3_close(a->db);
    free(a);
}

int archive_check(evo_archive *a, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(a->db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = strcmp(col_text(st, 0), "ok")
                 ? evo_fail(err, EVO_ERR_DATA, "%s: the archive is damaged (SQLite's quick_check: %s). Restore a "
                            "copy, or salvage what is readable (sqlite3 %s .recover | sqlite3 salvaged.db) and "
                            "look at it before resuming from it.", a->path, col_text(st, 0), a->path)
                 : EVO_OK;
    } else if (rc) {
        rc = archive_fail_db(a, err, rc, "checking the archive");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---------------------------------------------------------------- runs */

int archive_run_create(evo_archive *a, archive_run *run, const char *config, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_RUN_INSERT];
    if (run->started == 0)
        run->started = now_unix();
    bind_text(st, ":name", run->name);
    bind_text(st, ":config", config);
    bind_text(st, ":config_hash", run->config_hash);
    bind_text(st, ":data_hash", run->data_hash);
    bind_int(st, ":seed", (int64_t)run->seed);
    bind_text(st, ":mode", catalog_ga_modes.names[run->mode]);
    bind_int(st, ":ranks", run->ranks);
    bind_text(st, ":host", run->host);
    bind_text(st, ":status", run_status_names[run->status]);
    bind_real(st, ":started", run->started);
    int rc = exec_stmt(st);
    if (rc)
        return archive_fail_db(a, err, rc, "recording a new run");
    run->id = sqlite3_last_insert_rowid(a->db);
    return EVO_OK;
}

/* A row of RUN_COLUMNS into *run. */
static void read_run(sqlite3_stmt *st, archive_run *run)
{
    memset(run, 0, sizeof *run);
    run->id = sqlite3_column_int64(st, 0);
    snprintf(run->name, sizeof run->name, "%s", col_text(st, 1));
    snprintf(run->config_hash, sizeof run->config_hash, "%s", col_text(st, 2));
    snprintf(run->data_hash, sizeof run->data_hash, "%s", col_text(st, 3));
    run->seed = (uint64_t)sqlite3_column_int64(st, 4);
    int mode = catalog_find(&catalog_ga_modes, col_text(st, 5));
    run->mode = mode < 0 ? GA_GENERATIONAL : (evo_ga_mode)mode;
    run->ranks = sqlite3_column_int(st, 6);
    snprintf(run->host, sizeof run->host, "%s", col_text(st, 7));
    int status = catalog_find(&archive_run_statuses, col_text(st, 8));
    run->status = status < 0 ? RUN_FAILED : (evo_run_status)status;
    run->started = col_real(st, 9, 0);
    run->ended = col_real(st, 10, 0);
}

/* Step a statement returning at most one run: 1 found, 0 none, or an error. */
static int fetch_run(evo_archive *a, sqlite3_stmt *st, archive_run *run, evo_error *err)
{
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found)
        read_run(st, run);
    else if (rc != SQLITE_DONE)
        found = archive_fail_db(a, err, rc, "reading runs");
    done_stmt(st);
    return found;
}

int archive_run_find_resumable(evo_archive *a, const char *name, archive_run *run, evo_error *err)
{
    bind_text(a->st[ST_RUN_RESUMABLE], ":name", name);
    return fetch_run(a, a->st[ST_RUN_RESUMABLE], run, err);
}

int archive_run_get(evo_archive *a, int64_t id, archive_run *run, evo_error *err)
{
    bind_int(a->st[ST_RUN_GET], ":run", id);
    return fetch_run(a, a->st[ST_RUN_GET], run, err);
}

int archive_run_newest(evo_archive *a, int64_t *id, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_RUN_NEWEST];
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0; /* max() of no rows is NULL: 0 */
    rc = rc == SQLITE_ROW ? EVO_OK : archive_fail_db(a, err, rc, "reading runs");
    done_stmt(st);
    return rc;
}

int archive_run_set_status(evo_archive *a, int64_t run, evo_run_status status, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_RUN_STATUS];
    bind_text(st, ":status", run_status_names[status]);
    bind_real(st, ":ended", status == RUN_RUNNING ? NAN : now_unix());
    bind_int(st, ":run", run);
    int rc = exec_stmt(st);
    if (rc)
        return archive_fail_db(a, err, rc, "recording the run's status");
    if (sqlite3_changes(a->db) == 0)
        return evo_fail(err, EVO_ERR_DATA, "%s: no run %lld to set the status of. List the runs with "
                        "`evofolio query %s runs`.", a->path, (long long)run, a->path);
    return EVO_OK;
}

int archive_run_fail(evo_archive *a, int64_t run, const char *reason, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_RUN_FAIL];
    bind_real(st, ":ended", now_unix());
    bind_text(st, ":reason", reason);
    bind_int(st, ":run", run);
    int rc = exec_stmt(st);
    return rc ? archive_fail_db(a, err, rc, "recording why the run failed") : EVO_OK;
}

/* runs.blas is written and read by statements of their own: a read-only archive of schema 3 has no
 * such column, and the prepared statements must still prepare on it. */
static int set_run_blas(evo_archive *a, int64_t run, const char *blas)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(a->db, "UPDATE runs SET blas = ?1 WHERE id = ?2", -1, &st, NULL);
    if (!rc) {
        sqlite3_bind_text(st, 1, blas, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, run);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
    }
    sqlite3_finalize(st);
    return rc;
}

int archive_run_blas(evo_archive *a, int64_t run, char *out, size_t n, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    *out = '\0';
    if (sqlite3_prepare_v2(a->db, "SELECT blas FROM runs WHERE id = ?1", -1, &st, NULL))
        return EVO_OK; /* schema 3: no plan recorded */
    sqlite3_bind_int64(st, 1, run);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, n, "%s", col_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? EVO_OK : archive_fail_db(a, err, rc, "reading a run's kernel plan");
}

int archive_run_set_provenance(evo_archive *a, int64_t run, const archive_provenance *p, evo_error *err)
{
    json_t *assets = json_array(), *dates = json_array();
    char d[EVO_DATE_STR];
    int bad = !assets || !dates;
    for (int i = 0; !bad && i < p->n_assets; i++)
        bad = json_array_append_new(assets, json_string(p->assets[i]));
    for (int t = 0; !bad && t < p->n_val; t++)
        bad = json_array_append_new(dates, json_string(date_format(p->val_dates[t], d)));
    char *assets_text = bad ? NULL : json_dumps(assets, JSON_COMPACT);
    char *dates_text = bad ? NULL : json_dumps(dates, JSON_COMPACT);
    json_decref(assets);
    json_decref(dates);
    int rc = EVO_OK;
    if (!assets_text || !dates_text) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory recording the run's provenance");
    } else {
        sqlite3_stmt *st = a->st[ST_RUN_PROVENANCE];
        bind_text(st, ":version", p->version);
        bind_text(st, ":git_commit", p->git_commit);
        bind_text(st, ":command", p->command);
        bind_text(st, ":assets", assets_text);
        bind_text(st, ":val_dates", dates_text);
        bind_int(st, ":run", run);
        int src = exec_stmt(st);
        if (!src)
            src = set_run_blas(a, run, p->blas);
        rc = src ? archive_fail_db(a, err, src, "recording the run's provenance") : EVO_OK;
    }
    free(assets_text);
    free(dates_text);
    return rc;
}

int archive_run_config(evo_archive *a, int64_t run, char **yaml, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_RUN_CONFIG];
    *yaml = NULL;
    bind_int(st, ":run", run);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = (*yaml = strdup(col_text(st, 0))) ? EVO_OK : evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    else
        rc = rc == SQLITE_DONE ? evo_fail(err, EVO_ERR_DATA, "%s: no run %lld", a->path, (long long)run)
                               : archive_fail_db(a, err, rc, "reading a run's configuration");
    done_stmt(st);
    return rc;
}

/* ---------------------------------------------------------------- the writer of a run */

enum { CLAIM_POLL_MS = 2000 }; /* how often a claim held on another host is looked at again */

typedef struct {
    char host[128];
    int64_t pid, pid_start;
    double since, heartbeat, silent_seconds;
} writer_claim;

/* When process pid started (clock ticks after boot, field 22 of /proc/PID/stat): telling a live
 * holder from a later process that got its pid. 0 when unknown, -1 when there is no such process or
 * it has ended (a zombie: killed, and its parent gone before it could reap it). */
static int64_t process_start(int64_t pid)
{
    if (kill((pid_t)pid, 0) && errno == ESRCH)
        return -1;
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
    if (f)
        fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    if (p && (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')))
        return -1;
    long long start = 0;
    for (int field = 2; p && *p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p && sscanf(p, " %lld", &start) != 1)
        start = 0;
    return start;
}

static void this_writer(writer_claim *w, double silent_seconds)
{
    memset(w, 0, sizeof *w);
    gethostname(w->host, sizeof w->host - 1);
    w->pid = getpid();
    w->pid_start = process_start(w->pid);
    w->since = w->heartbeat = now_unix();
    w->silent_seconds = silent_seconds;
}

/* The run's claim: 1 and *w filled, 0 when unclaimed, or an error. */
static int get_claim(evo_archive *a, int64_t run, writer_claim *w, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_WRITER_GET];
    bind_int(st, ":run", run);
    int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
    if (found) {
        snprintf(w->host, sizeof w->host, "%s", col_text(st, 0));
        w->pid = sqlite3_column_int64(st, 1);
        w->pid_start = sqlite3_column_int64(st, 2);
        w->since = col_real(st, 3, 0);
        w->heartbeat = col_real(st, 4, 0);
        w->silent_seconds = col_real(st, 5, 0);
    } else if (rc != SQLITE_DONE) {
        found = archive_fail_db(a, err, rc, "reading the run's writer");
    }
    done_stmt(st);
    return found;
}

/* Is the holder of a claim on this host still the process that made it? */
static int alive_here(const writer_claim *w)
{
    int64_t start = process_start(w->pid);
    return start >= 0 && (w->pid_start == 0 || start == 0 || start == w->pid_start);
}

static int refuse_claim(evo_archive *a, int64_t run, const writer_claim *w, evo_error *err)
{
    char since[32];
    time_t t = (time_t)w->since;
    struct tm tm;
    strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
    return evo_fail(err, EVO_ERR_USAGE, "%s: run %lld is being written by %s pid %lld since %s. Only one job "
                    "may write a run: this looks like a duplicate submission - cancel one of the two. A claim "
                    "whose holder is gone is taken over (on the same host once its process has ended, from "
                    "another host after %.0f s without its heartbeat).", a->path, (long long)run, w->host,
                    (long long)w->pid, since, w->silent_seconds);
}

int archive_claim_run(evo_archive *a, int64_t run, double silent_seconds, FILE *progress, evo_error *err)
{
    writer_claim me, held, first = {0};
    this_writer(&me, silent_seconds);
    for (int looks = 0;; looks++) {
        int rc = begin(a, err, "claiming the run");
        int found = rc ? rc : get_claim(a, run, &held, err);
        if (found < 0)
            return end(a, found, err, "claiming the run");
        const int same_host = found && !strcmp(held.host, me.host), ours = same_host && held.pid == me.pid;
        int take = !found || ours;
        if (found && !ours && same_host) {
            if (alive_here(&held))
                return end(a, refuse_claim(a, run, &held, err), err, "claiming the run");
            take = 1;
        } else if (found && !ours) { /* another host: alive while its heartbeat moves */
            if (looks > 0 && held.heartbeat != first.heartbeat)
                return end(a, refuse_claim(a, run, &held, err), err, "claiming the run");
            take = now_unix() - held.heartbeat > held.silent_seconds;
        }
        if (take) {
            if (found && !ours && progress)
                fprintf(progress, "run %lld: taking over the claim of %s pid %lld, which is gone\n", (long long)run,
                        held.host, (long long)held.pid);
            sqlite3_stmt *st = a->st[ST_WRITER_PUT];
            bind_int(st, ":run", run);
            bind_text(st, ":host", me.host);
            bind_int(st, ":pid", me.pid);
            bind_int(st, ":pid_start", me.pid_start);
            bind_real(st, ":since", me.since);
            bind_real(st, ":silent_seconds", me.silent_seconds);
            rc = exec_stmt(st);
            return end(a, rc ? archive_fail_db(a, err, rc, "claiming the run") : EVO_OK, err, "claiming the run");
        }
        if ((rc = end(a, EVO_OK, err, "claiming the run")))
            return rc;
        if (looks == 0) {
            first = held;
            if (progress)
                fprintf(progress, "run %lld is claimed by %s pid %lld: waiting up to %.0f s for its heartbeat to "
                        "tell whether it is still alive\n", (long long)run, held.host, (long long)held.pid,
                        held.silent_seconds - (now_unix() - held.heartbeat));
        }
        usleep(CLAIM_POLL_MS * 1000);
    }
}

int archive_heartbeat(evo_archive *a, int64_t run, evo_error *err)
{
    writer_claim me;
    this_writer(&me, 0);
    sqlite3_stmt *st = a->st[ST_WRITER_BEAT];
    bind_real(st, ":now", me.since);
    bind_int(st, ":run", run);
    bind_text(st, ":host", me.host);
    bind_int(st, ":pid", me.pid);
    int rc = exec_stmt(st);
    if (rc)
        return archive_fail_db(a, err, rc, "renewing the claim on the run");
    if (sqlite3_changes(a->db) == 0)
        return evo_fail(err, EVO_ERR_IO, "%s: another job has taken over run %lld (this one was silent for longer "
                        "than its claim allows). Stopping so that the two do not both write it.", a->path,
                        (long long)run);
    return EVO_OK;
}

void archive_release_run(evo_archive *a, int64_t run)
{
    writer_claim me;
    this_writer(&me, 0);
    sqlite3_stmt *st = a->st[ST_WRITER_DROP];
    bind_int(st, ":run", run);
    bind_text(st, ":host", me.host);
    bind_int(st, ":pid", me.pid);
    exec_stmt(st);
}

static int put_state(evo_archive *a, int64_t run, const archive_state *s, evo_error *err)
{
    evo_buf members = {0};
    buf_puts(&members, "[");
    for (int i = 0; i < s->n_members; i++)
        buf_printf(&members, "%s%lld", i ? "," : "", (long long)s->members[i]);
    buf_puts(&members, "]");
    if (members.failed) {
        buf_free(&members);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory saving the state of run %lld", (long long)run);
    }
    sqlite3_stmt *st = a->st[ST_STATE_PUT];
    bind_int(st, ":run", run);
    bind_int(st, ":generation", s->generation);
    bind_int(st, ":rng0", (int64_t)s->rng.s[0]);
    bind_int(st, ":rng1", (int64_t)s->rng.s[1]);
    bind_int(st, ":rng2", (int64_t)s->rng.s[2]);
    bind_int(st, ":rng3", (int64_t)s->rng.s[3]);
    bind_int(st, ":next_id", s->next_id);
    bind_text(st, ":members", members.data);
    bind_real(st, ":updated", now_unix());
    buf_free(&members);
    int rc = exec_stmt(st);
    return rc ? archive_fail_db(a, err, rc, "saving the resume state") : EVO_OK;
}

/* Each gene into its column (genes.h): ":name" as text for choices and sets (NULL for a set the model
 * does not read: normalising filled it in), as a number otherwise. */
static void bind_genes(sqlite3_stmt *st, const evo_genome *g)
{
    for (int k = 0; k < GENE_COUNT; k++) {
        const evo_gene_info *info = &genome_genes[k];
        char name[64], text[256];
        snprintf(name, sizeof name, ":%s", info->name);
        genome_gene_text(g, (evo_gene)k, text, sizeof text);
        if (info->kind == GENE_KIND_INT)
            bind_int(st, name, (int64_t)genome_gene_get(g, (evo_gene)k));
        else if (info->kind == GENE_KIND_REAL)
            bind_real(st, name, genome_gene_get(g, (evo_gene)k));
        else
            bind_text(st, name, info->kind == GENE_KIND_SET && !genome_gene_used(g, (evo_gene)k) ? NULL : text);
    }
}

/* The evo_metrics columns shared by the folds and baselines rows. */
static void bind_metrics(sqlite3_stmt *st, const evo_metrics *m)
{
    bind_int(st, ":days", m->days);
    bind_real(st, ":ann_return", m->ann_return);
    bind_real(st, ":ann_vol", m->ann_vol);
    bind_real(st, ":sharpe", m->sharpe);
    bind_real(st, ":sortino", m->sortino);
    bind_real(st, ":max_drawdown", m->max_drawdown);
    bind_real(st, ":calmar", m->calmar);
    bind_real(st, ":cvar95", m->cvar95);
    bind_real(st, ":avg_turnover", m->avg_turnover);
    bind_real(st, ":hit_rate", m->hit_rate);
    bind_int(st, ":trades", m->trades);
}

static int put_fold(evo_archive *a, int64_t run, int64_t eval, int fold, const evo_fold_result *f,
                    const evo_date *first, const evo_date *last, int forecast, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_FOLD_PUT];
    char d0[EVO_DATE_STR], d1[EVO_DATE_STR];
    const evo_metrics *m = &f->metrics;
    bind_int(st, ":run", run);
    bind_int(st, ":eval", eval);
    bind_int(st, ":fold", fold);
    bind_text(st, ":first", first ? date_format(*first, d0) : NULL);
    bind_text(st, ":last", last ? date_format(*last, d1) : NULL);
    bind_metrics(st, m);
    bind_int(st, ":steps", f->train.steps);
    bind_int(st, ":best_step", f->train.best_step);
    bind_real(st, ":train_loss", f->train.train_loss);
    bind_real(st, ":holdout_loss", f->train.holdout_loss);
    bind_real(st, ":initial_loss", f->train.initial_loss);
    bind_int(st, ":truncated", f->train.truncated);
    bind_real(st, ":train_seconds", f->train.seconds);
    bind_real(st, ":mae", forecast ? f->errors.mae : NAN);
    bind_real(st, ":mse", forecast ? f->errors.mse : NAN);
    bind_real(st, ":rmse", forecast ? f->errors.rmse : NAN);
    bind_real(st, ":mape", forecast ? f->errors.mape : NAN);
    int rc = exec_stmt(st);
    if (!rc)
        return EVO_OK;
    char doing[96];
    snprintf(doing, sizeof doing, "storing fold %d of evaluation %lld", fold, (long long)eval);
    return archive_fail_db(a, err, rc, doing);
}

/* The evaluation row itself. */
static int put_eval_row(evo_archive *a, const archive_eval *e, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_EVAL_INSERT];
    const evo_genome *g = &e->ind->genome;
    const evo_eval_result *res = e->res;
    char *json = genome_to_json(g), reason[96];
    if (!json)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory storing evaluation %lld", (long long)e->id);
    double fitness = res ? (res->status == EVAL_OK ? res->fitness : -INFINITY) : e->ind->fitness;
    int ok = res ? res->status == EVAL_OK : isfinite(fitness);
    snprintf(reason, sizeof reason, "the same genome as evaluation %lld, which failed",
             (long long)e->cache_of);
    bind_int(st, ":run", e->run);
    bind_int(st, ":id", e->id);
    bind_int(st, ":generation", e->generation);
    bind_text(st, ":key", e->ind->key);
    bind_text(st, ":genome", json);
    bind_genes(st, g);
    bind_id(st, ":parent1", e->ind->parents[0]);
    bind_id(st, ":parent2", e->ind->parents[1]);
    bind_text(st, ":origin", catalog_origins.names[e->ind->origin]);
    bind_int(st, ":seed", (int64_t)e->seed);
    bind_text(st, ":status", ok ? "ok" : "failed");
    bind_text(st, ":reason", ok ? NULL : res ? res->reason : reason);
    bind_real(st, ":fitness", ok ? fitness : NAN);
    if (res) {
        bind_real(st, ":val_sharpe", ok ? res->val_sharpe : NAN);
        bind_int(st, ":truncated", res->truncated);
        bind_int(st, ":params", (int64_t)res->n_params);
        bind_real(st, ":seconds", res->seconds);
        bind_real(st, ":train_seconds", res->train_seconds);
    }
    bind_real(st, ":started", e->started);
    bind_real(st, ":finished", e->finished);
    bind_int(st, ":rank", e->rank);
    bind_text(st, ":host", e->host);
    bind_id(st, ":cache_of", e->cache_of);
    if (e->val_returns && e->n_val > 0)
        sqlite3_bind_blob(st, param(st, ":val_returns"), e->val_returns,
                          (int)(sizeof(double) * (size_t)e->n_val), SQLITE_STATIC);
    int rc = exec_stmt(st);
    free(json);
    if (!rc)
        return EVO_OK;
    char doing[96];
    snprintf(doing, sizeof doing, "storing evaluation %lld of run %lld", (long long)e->id,
             (long long)e->run);
    return archive_fail_db(a, err, rc, doing);
}

/* The rungs row, by a statement of its own: archives of schema 3 and 4, read-only, have no such table,
 * and the prepared statements must still prepare on them. */
static int put_rung(evo_archive *a, const archive_eval *e, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    /* every time, inside the evaluation's transaction: a rolled-back first rung takes the table with it */
    int rc = sqlite3_exec(a->db, RUNGS_TABLE_SQL, NULL, NULL, NULL);
    if (!rc)
        rc = sqlite3_prepare_v2(a->db, "INSERT INTO rungs (run, eval, rung, steps, promoted_from) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
    if (!rc) {
        sqlite3_bind_int64(st, 1, e->run);
        sqlite3_bind_int64(st, 2, e->id);
        sqlite3_bind_int(st, 3, e->rung->rung);
        sqlite3_bind_int(st, 4, e->rung->steps);
        if (e->rung->promoted_from)
            sqlite3_bind_int64(st, 5, e->rung->promoted_from);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(a->db);
    }
    sqlite3_finalize(st);
    return rc ? archive_fail_db(a, err, rc, "storing an evaluation's rung") : EVO_OK;
}

static int rungs_of(evo_archive *a, int64_t run, int64_t only,
                    int (*fn)(void *ctx, int64_t eval, const archive_rung *r), void *ctx, evo_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(a->db, "SELECT eval, rung, steps, promoted_from FROM rungs WHERE run = ?1 AND"
                           " (?2 = 0 OR eval = ?2) ORDER BY eval", -1, &st, NULL))
        return EVO_OK; /* no multi-fidelity run yet (or schema 3 or 4): no rungs */
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, only);
    int rc = EVO_OK, src;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        archive_rung r = {sqlite3_column_int(st, 1), sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3)};
        rc = fn(ctx, sqlite3_column_int64(st, 0), &r);
    }
    if (!rc && src != SQLITE_DONE)
        rc = archive_fail_db(a, err, src, "reading the rungs");
    sqlite3_finalize(st);
    return rc;
}

int archive_for_each_rung(evo_archive *a, int64_t run, int (*fn)(void *ctx, int64_t eval, const archive_rung *r),
                          void *ctx, evo_error *err)
{
    return rungs_of(a, run, 0, fn, ctx, err);
}

static int copy_rung(void *ctx, int64_t eval, const archive_rung *r)
{
    (void)eval;
    *(archive_rung *)ctx = *r;
    return 1;
}

int archive_get_rung(evo_archive *a, int64_t run, int64_t eval, archive_rung *out, evo_error *err)
{
    out->rung = -1;
    int rc = rungs_of(a, run, eval, copy_rung, out, err);
    return rc < 0 ? rc : out->rung >= 0;
}

int archive_put_evaluation(evo_archive *a, const archive_eval *e, const archive_state *state,
                           evo_error *err)
{
    int rc = begin(a, err, "starting to store an evaluation");
    if (rc)
        return rc;
    rc = put_eval_row(a, e, err);
    if (!rc && e->rung)
        rc = put_rung(a, e, err);
    int forecast = e->ind->genome.objective == OBJECTIVE_FORECAST;
    for (int k = 0; !rc && e->res && k < e->res->n_folds; k++) {
        const evo_window *w = &e->res->folds[k].window;
        rc = put_fold(a, e->run, e->id, k + 1, &e->res->folds[k], e->dates ? &e->dates[w->first] : NULL,
                      e->dates ? &e->dates[w->last] : NULL, forecast, err);
    }
    if (!rc && state)
        rc = put_state(a, e->run, state, err);
    return end(a, rc, err, "committing an evaluation");
}

int archive_put_generation(evo_archive *a, int64_t run, const archive_generation *g,
                           const archive_state *state, evo_error *err)
{
    int rc = begin(a, err, "starting to store a generation");
    if (rc)
        return rc;
    sqlite3_stmt *st = a->st[ST_GEN_PUT];
    bind_int(st, ":run", run);
    bind_int(st, ":generation", g->generation);
    bind_real(st, ":best", g->best);
    bind_real(st, ":mean", g->mean);
    bind_real(st, ":median", g->median);
    bind_real(st, ":sd", g->sd);
    bind_real(st, ":diversity", g->diversity);
    bind_int(st, ":evaluations", g->evaluations);
    bind_int(st, ":cache_hits", g->cache_hits);
    bind_int(st, ":failures", g->failures);
    bind_real(st, ":wall_seconds", g->wall_seconds);
    bind_real(st, ":utilisation", g->utilisation);
    bind_real(st, ":finished", now_unix());
    if ((rc = exec_stmt(st)))
        rc = archive_fail_db(a, err, rc, "storing generation statistics");
    if (!rc && state)
        rc = put_state(a, run, state, err);
    return end(a, rc, err, "committing a generation");
}

int archive_get_state(evo_archive *a, int64_t run, archive_state *state, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_STATE_GET];
    memset(state, 0, sizeof *state);
    bind_int(st, ":run", run);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? 0 : archive_fail_db(a, err, rc, "reading the resume state");
        done_stmt(st);
        return rc;
    }
    state->generation = sqlite3_column_int(st, 0);
    for (int i = 0; i < 4; i++)
        state->rng.s[i] = (uint64_t)sqlite3_column_int64(st, 1 + i);
    state->next_id = sqlite3_column_int64(st, 5);
    json_t *members = json_loads(col_text(st, 6), 0, NULL);
    done_stmt(st);
    size_t n = json_array_size(members);
    rc = 1;
    if (!json_is_array(members))
        rc = evo_fail(err, EVO_ERR_DATA, "%s: the resume state of run %lld is damaged (members is not "
                      "a JSON array). Start a new run.", a->path, (long long)run);
    else if (n && !(state->members = malloc(n * sizeof *state->members)))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory reading the resume state");
    for (size_t i = 0; rc == 1 && i < n; i++)
        state->members[i] = json_integer_value(json_array_get(members, i));
    state->n_members = rc == 1 ? (int)n : 0;
    json_decref(members);
    return rc;
}

/* A row of EVAL_ROW_COLUMNS into *row. */
static int read_eval_row(evo_archive *a, sqlite3_stmt *st, archive_eval_row *row, evo_error *err)
{
    memset(row, 0, sizeof *row);
    row->id = sqlite3_column_int64(st, 0);
    row->generation = sqlite3_column_int(st, 1);
    const char *key = col_text(st, 2), *genome = col_text(st, 3);
    if (strlen(key) >= sizeof row->key || strlen(genome) >= sizeof row->genome_json)
        return evo_fail(err, EVO_ERR_DATA, "%s: evaluation %lld has a key or genome longer than this "
                        "evofolio reads. Use the evofolio that wrote the archive.", a->path,
                        (long long)row->id);
    memcpy(row->key, key, strlen(key) + 1);
    memcpy(row->genome_json, genome, strlen(genome) + 1);
    const char *status = col_text(st, 9);
    int failed = !strcmp(status, "failed");
    row->fitness = col_real(st, 4, failed ? -INFINITY : NAN);
    row->parents[0] = sqlite3_column_int64(st, 5);
    row->parents[1] = sqlite3_column_int64(st, 6);
    int origin = catalog_find(&catalog_origins, col_text(st, 7));
    row->origin = origin < 0 ? ORIGIN_RANDOM : (evo_origin)origin;
    row->cache_of = sqlite3_column_int64(st, 8);
    row->seed = (uint64_t)sqlite3_column_int64(st, 10);
    /* What a damaged page would make of a row; the schema's CHECKs do not hold over a corrupt file. */
    char what[96] = "";
    if (!failed && strcmp(status, "ok"))
        snprintf(what, sizeof what, "status '%.40s'", status);
    else if (origin < 0)
        snprintf(what, sizeof what, "origin '%.40s'", col_text(st, 7));
    else if (sqlite3_column_type(st, 4) != SQLITE_NULL && !(fabs(row->fitness) <= ARCHIVE_FITNESS_MAX))
        snprintf(what, sizeof what, "fitness %g", row->fitness);
    else if (row->id <= 0 || row->generation < 0 || row->cache_of < 0 || row->cache_of >= row->id)
        snprintf(what, sizeof what, "id %lld, generation %d, cache_of %lld", (long long)row->id,
                 row->generation, (long long)row->cache_of);
    if (*what)
        return evo_fail(err, EVO_ERR_DATA, "%s: evaluation %lld is damaged (%s). Restore a copy of the archive, "
                        "or start a new run.", a->path, (long long)row->id, what);
    return EVO_OK;
}

int archive_for_each_evaluation(evo_archive *a, int64_t run,
                                int (*fn)(void *ctx, const archive_eval_row *row), void *ctx,
                                evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_EVAL_EACH];
    archive_eval_row row;
    int rc = EVO_OK, src;
    bind_int(st, ":run", run);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW)
        if (!(rc = read_eval_row(a, st, &row, err)))
            rc = fn(ctx, &row);
    if (!rc && src != SQLITE_DONE)
        rc = archive_fail_db(a, err, src, "reading evaluations");
    done_stmt(st);
    return rc;
}

/* The fold rows of one evaluation gathered, then its criteria handed over. */
typedef struct {
    int64_t eval; /* 0 before the first row */
    double fitness;
    int n;
    evo_metrics m[FOLDS_MAX];
} criteria_acc;

static int hand_over(criteria_acc *acc, int (*fn)(void *ctx, int64_t eval, const double *criteria), void *ctx)
{
    if (!acc->eval)
        return EVO_OK;
    double c[CRITERION_COUNT];
    evaluate_criteria(c, acc->m, acc->n, acc->fitness);
    return fn(ctx, acc->eval, c);
}

int archive_for_each_criteria(evo_archive *a, int64_t run,
                              int (*fn)(void *ctx, int64_t eval, const double *criteria), void *ctx,
                              evo_error *err)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(a->db, "SELECT f.eval, e.fitness, f.days, f.ann_return, f.ann_vol, f.sharpe, f.sortino,"
                                 " f.max_drawdown, f.calmar, f.cvar95, f.avg_turnover, f.hit_rate, f.trades"
                                 " FROM folds f JOIN evaluations e ON e.run = f.run AND e.id = f.eval"
                                 " WHERE f.run = ?1 AND f.fold > 0 AND e.cache_of IS NULL ORDER BY f.eval, f.fold",
                                 -1, &st, NULL);
    if (src)
        return archive_fail_db(a, err, src, "reading the folds' metrics");
    sqlite3_bind_int64(st, 1, run);
    criteria_acc acc = {0};
    int rc = EVO_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const int64_t eval = sqlite3_column_int64(st, 0);
        if (eval != acc.eval) {
            rc = hand_over(&acc, fn, ctx);
            acc = (criteria_acc){.eval = eval, .fitness = col_real(st, 1, -INFINITY)};
        }
        if (acc.n < FOLDS_MAX)
            acc.m[acc.n++] = (evo_metrics){sqlite3_column_int(st, 2), col_real(st, 3, NAN), col_real(st, 4, NAN),
                                           col_real(st, 5, NAN), col_real(st, 6, NAN), col_real(st, 7, NAN),
                                           col_real(st, 8, NAN), col_real(st, 9, NAN), col_real(st, 10, NAN),
                                           col_real(st, 11, NAN), sqlite3_column_int(st, 12)};
    }
    if (!rc && src != SQLITE_DONE)
        rc = archive_fail_db(a, err, src, "reading the folds' metrics");
    if (!rc)
        rc = hand_over(&acc, fn, ctx);
    sqlite3_finalize(st);
    return rc;
}

static int take_candidate(void *ctx, int64_t eval, const double *c)
{
    archive_criteria *l = ctx;
    if (!isfinite(c[CRITERION_FITNESS])) /* failed */
        return EVO_OK;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 256;
        int64_t *ids = realloc(l->ids, sizeof *ids * (size_t)cap);
        if (ids)
            l->ids = ids;
        double(*values)[CRITERION_COUNT] = ids ? realloc(l->values, sizeof *values * (size_t)cap) : NULL;
        if (!values)
            return EVO_ERR_NOMEM;
        l->values = values;
        l->cap = cap;
    }
    l->ids[l->n] = eval;
    memcpy(l->values[l->n++], c, sizeof *l->values);
    return EVO_OK;
}

int archive_successful_criteria(evo_archive *a, int64_t run, archive_criteria *out, evo_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = archive_for_each_criteria(a, run, take_candidate, out, err);
    if (rc == EVO_ERR_NOMEM)
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory for the criteria of %d candidates", 2 * out->cap);
    if (rc)
        archive_criteria_free(out);
    return rc;
}

void archive_criteria_free(archive_criteria *c)
{
    free(c->ids);
    free(c->values);
    memset(c, 0, sizeof *c);
}

int archive_pareto_front(evo_archive *a, int64_t run, unsigned objectives, archive_criteria *front, evo_error *err)
{
    const int m = __builtin_popcount(objectives);
    int rc = archive_successful_criteria(a, run, front, err);
    const int n = front->n;
    double *obj = rc ? NULL : malloc(sizeof *obj * (size_t)(n ? n : 1) * (size_t)(m ? m : 1));
    int *rank = rc ? NULL : malloc(sizeof *rank * (size_t)(n ? n : 1));
    if (!rc && (!obj || !rank))
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory for the front of %d candidates", n);
    for (int i = 0; !rc && i < n; i++)
        evaluate_objectives(obj + (size_t)i * m, front->values[i], objectives);
    if (!rc)
        rc = pareto_rank(obj, n, m, rank, err);
    front->n = 0;
    for (int i = 0; !rc && i < n; i++)
        if (rank[i] == 0) {
            front->ids[front->n] = front->ids[i];
            memmove(front->values[front->n++], front->values[i], sizeof *front->values);
        }
    free(obj);
    free(rank);
    if (rc)
        archive_criteria_free(front);
    return rc;
}

int archive_front_picks(evo_archive *a, int64_t run, unsigned objectives, archive_pick *picks, int *n,
                        evo_error *err)
{
    const int m = __builtin_popcount(objectives);
    archive_criteria front;
    *n = 0;
    int rc = archive_pareto_front(a, run, objectives, &front, err);
    double *obj = rc ? NULL : malloc(sizeof *obj * (size_t)(front.n + 1) * (size_t)(m ? m : 1));
    if (!rc && !obj)
        rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory for the front's picks");
    int pick[PARETO_MAX_OBJECTIVES + 1], why[PARETO_MAX_OBJECTIVES + 1];
    for (int i = 0; !rc && i < front.n; i++)
        evaluate_objectives(obj + (size_t)i * m, front.values[i], objectives);
    const int count = !rc && front.n > 0 ? pareto_picks(obj, front.n, m, pick, why) : 0;
    for (int j = 0; j < count; j++)
        picks[j] = (archive_pick){front.ids[pick[j]], evaluate_objective_criterion(objectives, why[j])};
    *n = count;
    free(obj);
    archive_criteria_free(&front);
    return rc;
}

int archive_get_evaluation(evo_archive *a, int64_t run, int64_t id, archive_eval_row *row,
                           evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_EVAL_GET];
    bind_int(st, ":run", run);
    bind_int(st, ":id", id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int bad = read_eval_row(a, st, row, err);
        rc = bad ? bad : 1;
    }
    else
        rc = rc == SQLITE_DONE ? 0 : archive_fail_db(a, err, rc, "reading an evaluation");
    done_stmt(st);
    return rc;
}

/* ---------------------------------------------------------------- the test period */

/* Replace the daily series of owner: net returns, turnover and the weights held, dates[T]. */
static int put_series(evo_archive *a, int64_t run, const char *owner, const evo_backtest *bt,
                      const evo_date *dates, evo_error *err)
{
    sqlite3_stmt *del = a->st[ST_SERIES_DELETE], *st = a->st[ST_SERIES_PUT];
    bind_int(del, ":run", run);
    bind_text(del, ":owner", owner);
    int rc = exec_stmt(del);
    if (rc)
        return archive_fail_db(a, err, rc, "replacing a daily series");
    evo_buf w = {0};
    char d[EVO_DATE_STR], num[32];
    for (int t = 0; bt && bt->net && t < bt->T; t++) {
        buf_truncate(&w, 0);
        buf_puts(&w, "[");
        for (int i = 0; bt->weights && i < bt->A; i++) {
            double x = bt->weights[(size_t)t * bt->A + i];
            if (isfinite(x))
                archive_format_exact(num, sizeof num, x);
            else
                snprintf(num, sizeof num, "null");
            buf_printf(&w, "%s%s", i ? "," : "", num);
        }
        buf_puts(&w, "]");
        if (w.failed) {
            buf_free(&w);
            return evo_fail(err, EVO_ERR_NOMEM, "out of memory storing the daily series of %s", owner);
        }
        bind_int(st, ":run", run);
        bind_text(st, ":owner", owner);
        bind_text(st, ":date", date_format(dates[t], d));
        bind_real(st, ":net_return", bt->net[t]);
        bind_real(st, ":turnover", bt->turnover ? bt->turnover[t] : NAN);
        bind_text(st, ":weights", bt->weights ? w.data : NULL);
        if ((rc = exec_stmt(st))) {
            buf_free(&w);
            return archive_fail_db(a, err, rc, "storing a daily series");
        }
    }
    buf_free(&w);
    return EVO_OK;
}

int archive_put_test_result(evo_archive *a, int64_t run, int64_t eval_id, int rank,
                            const evo_fold_result *test, const evo_date *dates, evo_error *err)
{
    int rc = begin(a, err, "starting to store a test result");
    if (rc)
        return rc;
    sqlite3_stmt *obj = a->st[ST_OBJECTIVE];
    bind_int(obj, ":run", run);
    bind_int(obj, ":id", eval_id);
    int src = sqlite3_step(obj), forecast = 0;
    if (src == SQLITE_ROW)
        forecast = !strcmp(col_text(obj, 0), catalog_objectives.names[OBJECTIVE_FORECAST]);
    else if (src == SQLITE_DONE)
        rc = evo_fail(err, EVO_ERR_DATA, "%s: run %lld has no evaluation %lld to store a test result "
                      "for. Store the evaluation first.", a->path, (long long)run, (long long)eval_id);
    else
        rc = archive_fail_db(a, err, src, "looking up an evaluation");
    done_stmt(obj);
    int T = test->window.last - test->window.first + 1;
    if (!rc)
        rc = put_fold(a, run, eval_id, 0, test, dates, dates && T > 0 ? &dates[T - 1] : NULL, forecast,
                      err);
    if (!rc) {
        sqlite3_stmt *st = a->st[ST_TEST_PUT];
        bind_int(st, ":run", run);
        bind_int(st, ":eval", eval_id);
        bind_int(st, ":rank", rank);
        if ((src = exec_stmt(st)))
            rc = archive_fail_db(a, err, src, "storing a test result");
    }
    char owner[32];
    snprintf(owner, sizeof owner, "eval:%lld", (long long)eval_id);
    if (!rc && dates)
        rc = put_series(a, run, owner, &test->bt, dates, err);
    return end(a, rc, err, "committing a test result");
}

int archive_put_baseline(evo_archive *a, int64_t run, evo_strategy strategy, const evo_metrics *m,
                         const evo_backtest *bt, const evo_date *dates, evo_error *err)
{
    int rc = begin(a, err, "starting to store a baseline");
    if (rc)
        return rc;
    sqlite3_stmt *st = a->st[ST_BASELINE_PUT];
    const char *name = catalog_strategies.names[strategy];
    int T = bt && bt->net ? bt->T : m->days;
    char d0[EVO_DATE_STR], d1[EVO_DATE_STR];
    bind_int(st, ":run", run);
    bind_text(st, ":strategy", name);
    bind_text(st, ":first", dates && T > 0 ? date_format(dates[0], d0) : NULL);
    bind_text(st, ":last", dates && T > 0 ? date_format(dates[T - 1], d1) : NULL);
    bind_metrics(st, m);
    if ((rc = exec_stmt(st)))
        rc = archive_fail_db(a, err, rc, "storing a baseline");
    char owner[32];
    snprintf(owner, sizeof owner, "baseline:%s", name);
    if (!rc && dates)
        rc = put_series(a, run, owner, bt, dates, err);
    return end(a, rc, err, "committing a baseline");
}

int archive_put_champion_stats(evo_archive *a, int64_t run, const archive_champion_stats *c, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_CHAMPION];
    bind_int(st, ":run", run);
    bind_id(st, ":champion", c->champion);
    bind_real(st, ":dsr", c->dsr);
    bind_int(st, ":n_trials", c->n_trials);
    bind_real(st, ":n_effective", c->n_effective);
    bind_real(st, ":pbo", c->pbo);
    bind_int(st, ":skill", c->skill);
    bind_text(st, ":verdict", c->verdict);
    int rc = exec_stmt(st);
    if (rc)
        return archive_fail_db(a, err, rc, "storing the champion's statistics");
    if (sqlite3_changes(a->db) == 0)
        return evo_fail(err, EVO_ERR_DATA, "%s: no run %lld to store the champion of.", a->path,
                        (long long)run);
    return EVO_OK;
}

int archive_put_confirmation(evo_archive *a, int64_t run, const archive_confirmation *c, evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_CONFIRM_PUT];
    const int ok = c->status == EVAL_OK;
    bind_int(st, ":run", run);
    bind_int(st, ":eval", c->eval);
    bind_int(st, ":replica", c->replica);
    bind_int(st, ":seed", (int64_t)c->seed);
    bind_text(st, ":status", ok ? "ok" : "failed");
    bind_real(st, ":fitness", ok ? c->fitness : NAN);
    bind_real(st, ":val_sharpe", ok ? c->val_sharpe : NAN);
    int rc = exec_stmt(st);
    if (rc == SQLITE_CONSTRAINT)
        return evo_fail(err, EVO_ERR_DATA, "%s: run %lld has no evaluation %lld to store a confirmation "
                        "for. Store the evaluation first.", a->path, (long long)run, (long long)c->eval);
    return rc ? archive_fail_db(a, err, rc, "storing a confirmation") : EVO_OK;
}

int archive_get_confirmation(evo_archive *a, int64_t run, int64_t eval, int replica, archive_confirmation *c,
                             evo_error *err)
{
    sqlite3_stmt *st = a->st[ST_CONFIRM_GET];
    bind_int(st, ":run", run);
    bind_int(st, ":eval", eval);
    bind_int(st, ":replica", replica);
    int src = sqlite3_step(st), found = 0;
    if (src == SQLITE_ROW) {
        *c = (archive_confirmation){eval, replica, (uint64_t)sqlite3_column_int64(st, 0),
                                    strcmp(col_text(st, 1), "ok") ? EVAL_FAILED : EVAL_OK,
                                    col_real(st, 2, -INFINITY), col_real(st, 3, NAN)};
        found = 1;
    }
    done_stmt(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return archive_fail_db(a, err, src, "reading a confirmation");
    return found;
}

int archive_validation_returns(evo_archive *a, int64_t run, int n_val, double **returns, int64_t **ids,
                               int *n, evo_error *err)
{
    *returns = NULL;
    *ids = NULL;
    *n = 0;
    if (n_val <= 0)
        return evo_fail(err, EVO_ERR_USAGE, "%s: validation returns of %d values asked for; expected at "
                        "least 1 (an evofolio bug: report it).", a->path, n_val);
    sqlite3_stmt *st = a->st[ST_VAL_RETURNS];
    const size_t row = (size_t)n_val * sizeof(double);
    size_t cap = 0;
    int rc = EVO_OK, src;
    bind_int(st, ":run", run);
    bind_int(st, ":bytes", (int64_t)row);
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if ((size_t)*n == cap) {
            cap = cap ? 2 * cap : 64;
            double *r = realloc(*returns, cap * row);
            if (r)
                *returns = r;
            int64_t *i = realloc(*ids, cap * sizeof **ids);
            if (i)
                *ids = i;
            if (!r || !i) {
                rc = evo_fail(err, EVO_ERR_NOMEM, "out of memory reading validation returns");
                break;
            }
        }
        memcpy(*returns + (size_t)*n * n_val, sqlite3_column_blob(st, 0), row);
        (*ids)[*n] = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    if (!rc && src != SQLITE_DONE)
        rc = archive_fail_db(a, err, src, "reading validation returns");
    done_stmt(st);
    if (rc) {
        free(*returns);
        free(*ids);
        *returns = NULL;
        *ids = NULL;
        *n = 0;
    }
    return rc;
}
