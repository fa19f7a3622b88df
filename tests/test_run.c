/* Integration tests of `evofolio run` under mpirun: 1 and 3 ranks agree, a signal stops a run that
 * --resume then completes exactly like an uninterrupted run, kill -9 of the whole job loses no committed
 * evaluation, a resume with another configuration is refused (naming the keys, leaving the run as it
 * was), steady mode runs on 3 ranks, and the operations a cluster user relies on: Ctrl-C and Ctrl-\
 * stop gracefully (one process and jobs/local.sh), a moved archive resumes, a second writer of a live
 * run is refused, a full disk fails loudly with exit 1, and damaged rows are refused on resume.
 * They run the real binary ($EVOFOLIO_BIN) on small synthetic data, with Open MPI allowed as root. */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evofolio/catalog.h"

static char dir[64];
static char bin[4096];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The CSV of a read-only query of archive db (in dir). */
static void query(const char *db, const char *sql, char *out, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/q.out", dir);
    int rc = sh("%s query %s/%s sql \"%s\" --format csv > %s 2>&1", bin, dir, db, sql, path);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    cr_assert_eq(rc, 0, "query %s: %s", sql, out);
}

/* A count from the archive, or -1 while it cannot be read yet (a run that is still creating it). */
static long try_number(const char *db, const char *sql)
{
    char path[128], out[256];
    snprintf(path, sizeof path, "%s/t.out", dir);
    if (sh("%s query %s/%s sql \"%s\" --format csv > %s 2>&1", bin, dir, db, sql, path))
        return -1;
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    const char *nl = strchr(out, '\n');
    return nl ? atol(nl + 1) : -1;
}

static long query_number(const char *db, const char *sql)
{
    char out[256];
    query(db, sql, out, sizeof out);
    const char *nl = strchr(out, '\n'); /* skip the header */
    return nl ? atol(nl + 1) : -1;
}

/* The model kinds write_config searches (a test may change it before writing). */
static const char *models = "asset, shared, portfolio";

/* A config named name writing archive db; slow = more steps so that a run lasts a few seconds. Both
 * encoders compete, attention small (d_model 8, 1 or 2 heads, ff 8). */
static void write_config(const char *name, const char *db, const char *mode, int generations, int slow,
                         double cost_bps)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.yaml", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "name: itest\ndata: {prices: s.csv}\n"
               "split: {test_days: 60, folds: 2, train_days: 200, val_days: 60, embargo_days: 2}\n"
               "backtest: {window: 20, rebalance: 5, cost_bps: %g}\n"
               "search:\n  model: [%s]\n  objective: [sharpe, meanvar, forecast]\n"
               "  arch: [lstm, attention]\n  d_model: [8]\n  heads: [1, 2]\n  ff: [8]\n"
               "  layers: [1]\n  hidden: [%s]\n  seq_len: [5, 8]\n  lr: {min: 0.001, max: 0.01}\n"
               "  weight_decay: [0.0001]\n  batch: [16]\n  steps: [%s]\n  features: [ret1, ret5, vol20]\n"
               "  strategies: [ew, invvol, momentum]\n  rebalance: [1, 5]\n"
               "ga: {mode: %s, population: 6, generations: %d, elite: 1, tournament: 2, seed: 5, champions: 2}\n"
               "train: {patience: %d}\noutput: {archive: %s}\n",
            cost_bps, models, slow ? "16" : "4, 8", slow ? "300" : "2, 3", mode, generations, slow ? 300 : 2, db);
    fclose(f);
}

/* The text of file name in dir (static buffer). */
static const char *slurp(const char *name)
{
    static char text[65536];
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    return text;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/evofolio-run-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_not_null(realpath(getenv("EVOFOLIO_BIN") ? getenv("EVOFOLIO_BIN") : "build/evofolio", bin),
                       "the evofolio binary ($EVOFOLIO_BIN or build/evofolio)");
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    /* Under `make asan`: Open MPI keeps its start-up allocations until exit, and through dlopen'd
     * components LeakSanitizer cannot even name them, so leak reports of MPI processes are noise. The
     * search's own memory is leak-checked in-process by tests/test_search.c. */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    cr_assert_eq(sh("%s synth --assets 6 --days 900 --seed 3 --out %s/s.csv", bin, dir), 0);
}

static void teardown(void)
{
    /* nothing of this test may outlive it; "[/]tmp" matches the processes but not this shell's own
     * command line, which holds the pattern itself */
    sh("pkill -9 -f '[/]%s' >/dev/null 2>&1", dir + 1);
    if (!getenv("EVOFOLIO_KEEP_TMP")) /* keep the files to look at a failure */
        sh("rm -rf %s", dir);
}

TestSuite(run, .init = setup, .fini = teardown, .timeout = 600);

#define EVALS "SELECT id, key, fitness, status, cache_of FROM evaluations ORDER BY id"

Test(run, one_and_three_ranks_agree, .description = "generational: same evaluations, champion, DSR and PBO")
{
    write_config("one", "one.db", "generational", 3, 0, 10);
    write_config("three", "three.db", "generational", 3, 0, 10);
    cr_assert_eq(sh("%s run --quiet %s/one.yaml > %s/one.out 2>&1", bin, dir, dir), 0);
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/three.yaml > %s/three.out 2>&1", bin, dir, dir), 0);
    static char a[65536], b[65536];
    query("one.db", EVALS, a, sizeof a);
    query("three.db", EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "1 rank:\n%s\n3 ranks:\n%s", a, b);
    query("one.db", "SELECT champion, dsr, pbo, status FROM runs", a, sizeof a);
    query("three.db", "SELECT champion, dsr, pbo, status FROM runs", b, sizeof b);
    cr_assert_str_eq(a, b);
    cr_assert(strstr(a, ",done\n"), "%s", a);
    cr_assert_eq(query_number("three.db", "SELECT COUNT(DISTINCT rank) FROM evaluations WHERE cache_of IS NULL"), 2,
                 "both workers evaluated");
    cr_assert_eq(query_number("three.db", "SELECT COUNT(*) FROM generations"), 3);
    cr_assert_eq(query_number("three.db", "SELECT COUNT(*) FROM tests"), 2, "two champions on the test period");
    cr_assert_eq(query_number("three.db", "SELECT COUNT(*) FROM baselines"), STRATEGY_COUNT, "every baseline by default");
    /* provenance: the software, the command, the assets, the dates of the stored validation returns */
    query("three.db", "SELECT version, git_commit != '' AS commit_known, command, assets FROM runs", a, sizeof a);
    cr_assert(strstr(a, "0.1.0,1,evofolio run --quiet ") && strstr(a, "three.yaml,") &&
              strstr(a, "\"[\"\"S01\"\",\"\"S02\"\""), "%s", a);
    cr_assert_eq(query_number("three.db", "SELECT count(*) FROM evaluations e, runs r WHERE e.val_returns IS NOT NULL "
                                          "AND length(e.val_returns) != 8 * json_array_length(r.val_dates)"), 0,
                 "one date per stored validation return");
    cr_assert_gt(query_number("three.db", "SELECT json_array_length(val_dates) FROM runs"), 0);
    /* any candidate reproduces from the archive alone: its genome, seed and configuration */
    cr_assert_eq(sh("cd %s && %s eval --from three.db:5 > from.out 2>&1", dir, bin), 0, "%s", slurp("from.out"));
    cr_assert(strstr(slurp("from.out"), "evaluation 5 of run 1, seed ") && strstr(slurp("from.out"), ": reproduced"),
              "%s", slurp("from.out"));
    cr_assert_eq(sh("cd %s && %s eval three.yaml --from three.db:3 --format json > from.json 2>&1", dir, bin), 0,
                 "%s", slurp("from.json"));
    cr_assert_eq(sh("cd %s && %s eval --from three.db:5 --test --save champion.net > save.out 2>&1", dir, bin), 0,
                 "%s", slurp("save.out"));
    cr_assert(!strncmp(slurp("champion.net"), "EVOFNET", 7), "the trained net in net_save's format");
    write_config("other", "other.db", "generational", 3, 0, 25);
    cr_assert_eq(sh("cd %s && %s eval other.yaml --from three.db:3 > from.err 2>&1", dir, bin), 2,
                 "another configuration is refused");
    cr_assert(strstr(slurp("from.err"), "is not the configuration run 1 used"), "%s", slurp("from.err"));
    /* a report from a copy of the archive, far from the data, still names the assets */
    cr_assert_eq(sh("cd %s && mkdir -p far && cp three.db far/ && rm -f s.csv && cd far && %s report three.db -o r.html "
                    "> r.out 2>&1", dir, bin), 0, "%s", slurp("far/r.out"));
    cr_assert(strstr(slurp("far/r.html"), "S03") && strstr(slurp("far/r.html"), "Made with"), "the stored names");
}

/* The autoencoder with both encoders, in a search on 1 and 3 ranks: the same archive; an attention
 * autoencoder reproduces from it; its weights hold backtest.clusters assets (the default 5 of the
 * test's 6) at 1/5; the report shows the architecture gene. */
Test(run, autoencoders_of_both_encoders_run_and_reproduce, .description = "model autoencoder, arch lstm|attention: 1 = 3 ranks; eval --from; weights 1/K")
{
    models = "autoencoder";
    write_config("ae1", "ae1.db", "generational", 2, 0, 10);
    write_config("ae3", "ae3.db", "generational", 2, 0, 10);
    cr_assert_eq(sh("%s run --quiet %s/ae1.yaml > %s/ae1.out 2>&1", bin, dir, dir), 0, "%s", slurp("ae1.out"));
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/ae3.yaml > %s/ae3.out 2>&1", bin, dir, dir), 0, "%s", slurp("ae3.out"));
    static char a[65536], b[65536];
    query("ae1.db", EVALS, a, sizeof a);
    query("ae3.db", EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "1 rank:\n%s\n3 ranks:\n%s", a, b);
    cr_assert_eq(query_number("ae3.db", "SELECT count(DISTINCT arch) FROM evaluations WHERE model = 'autoencoder' AND status = 'ok'"), 2,
                 "both encoders trained");
    int id = (int)query_number("ae3.db", "SELECT min(id) FROM evaluations WHERE arch = 'attention' AND status = 'ok' AND cache_of IS NULL");
    cr_assert_gt(id, 0);
    cr_assert_eq(sh("cd %s && %s eval --from ae3.db:%d > ae.out 2>&1", dir, bin, id), 0, "%s", slurp("ae.out"));
    cr_assert(strstr(slurp("ae.out"), ": reproduced"), "%s", slurp("ae.out"));
    cr_assert_eq(sh("cd %s && %s eval --from ae3.db:%d --csv ae.csv > ae.err 2>&1", dir, bin, id), 2, "--csv needs --genome");
    cr_assert(strstr(slurp("ae.err"), "--csv does not go with --from"), "%s", slurp("ae.err"));
    char genome[1024];
    snprintf(genome, sizeof genome, "SELECT genome FROM evaluations WHERE id = %d", id);
    query("ae3.db", genome, b, sizeof b);
    const char *json = strchr(b, '{');
    cr_assert_not_null(json, "%s", b);
    snprintf(genome, sizeof genome, "%.*s", (int)strcspn(json, "\n"), json);
    for (char *q = strstr(genome, "\"\""); q; q = strstr(q, "\"\"")) /* CSV quoting */
        memmove(q, q + 1, strlen(q));
    genome[strlen(genome) - (genome[strlen(genome) - 1] == '"')] = '\0';
    cr_assert_eq(sh("cd %s && %s eval ae3.yaml --genome '%s' --csv ae.csv > ae.out 2>&1", dir, bin, genome), 0, "%s",
                 slurp("ae.out"));
    /* decision days hold five of the six assets at 1/5 (between rebalances the weights drift) */
    FILE *f = fopen(strcat(strcpy(a, dir), "/ae.csv"), "r");
    cr_assert_not_null(f);
    char line[4096];
    int rows = 0, full = 0;
    while (fgets(line, sizeof line, f))
        if (rows++ > 0) {
            int fifths = 0, zeros = 0, col = 0;
            for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), col++)
                if (col >= 4) {
                    fifths += fabs(atof(tok) - 0.2) < 1e-9;
                    zeros += atof(tok) == 0;
                }
            full += fifths == 5 && zeros == 1;
        }
    fclose(f);
    cr_assert_gt(full, 0, "a decision day holds five assets at 1/5 (%d rows)", rows);
    cr_assert_eq(sh("cd %s && %s report ae3.db -o ae.html > aer.out 2>&1", dir, bin), 0, "%s", slurp("aer.out"));
    cr_assert(strstr(slurp("ae.html"), "attention width (d_model)") && strstr(slurp("ae.html"), "autoencoder / sharpe / attention<"),
              "the report's leaderboard shows the architecture and its genes");
}

/* Start command (in dir; output to NAME.out and NAME.err) in the background; wait until db holds at
 * least `generations` generations. */
static void start_command_and_wait(const char *name, const char *command, const char *db, int generations)
{
    /* the inner shell records the command's own pid (for signals) and, when it ends, its exit code */
    cr_assert_eq(sh("cd %s && rm -f %s.rc && sh -c '%s > %s.out 2> %s.err & echo $! > %s.pid; wait $!; echo $? > %s.rc' &",
                    dir, name, command, name, name, name, name), 0);
    for (int i = 0; i < 600; i++) { /* up to 60 s */
        usleep(100000);
        char path[160];
        snprintf(path, sizeof path, "%s/%s", dir, db);
        if (access(path, F_OK) == 0 && try_number(db, "SELECT COUNT(*) FROM generations") >= generations)
            return;
    }
    cr_assert_fail("the run stored no generation within 60 s");
}

/* Start `mpirun -n 3 run NAME.yaml` in the background; wait for its first stored generation. */
static void start_and_wait(const char *name)
{
    char command[8192], db[64];
    snprintf(command, sizeof command, "mpirun -n 3 %s run %s.yaml", bin, name);
    snprintf(db, sizeof db, "%s.db", name);
    start_command_and_wait(name, command, db, 1);
}

static int wait_rc(const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s.rc", dir, name);
    for (int i = 0; i < 1200; i++) {
        FILE *f = fopen(path, "r");
        int rc = -1;
        if (f && fscanf(f, "%d", &rc) == 1) {
            fclose(f);
            return rc;
        }
        if (f)
            fclose(f);
        usleep(100000);
    }
    return -1;
}

static void expect_same_as_reference(const char *db)
{
    write_config("ref", "ref.db", "generational", 12, 1, 10);
    cr_assert_eq(sh("%s run --quiet %s/ref.yaml > %s/ref.out 2>&1", bin, dir, dir), 0);
    static char a[262144], b[262144];
    query(db, EVALS, a, sizeof a);
    query("ref.db", EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "the resumed run differs from an uninterrupted one");
    query(db, "SELECT champion, dsr, pbo, status FROM runs", a, sizeof a);
    query("ref.db", "SELECT champion, dsr, pbo, status FROM runs", b, sizeof b);
    cr_assert_str_eq(a, b);
    cr_assert_eq(query_number(db, "SELECT COUNT(*) FROM (SELECT key FROM evaluations WHERE cache_of IS NULL "
                                  "GROUP BY key HAVING COUNT(*) > 1)"), 0, "a genome was trained twice");
}

Test(run, signal_stops_and_resume_completes_identically, .description = "SIGUSR1 -> exit 3 -> --resume = uninterrupted")
{
    write_config("sig", "sig.db", "generational", 12, 1, 10);
    start_and_wait("sig");
    cr_assert_eq(sh("kill -USR1 $(cat %s/sig.pid)", dir), 0);
    cr_assert_eq(wait_rc("sig"), 3, "a signal stops with exit 3");
    static char out[4096];
    query("sig.db", "SELECT status FROM runs", out, sizeof out);
    cr_assert(strstr(out, "stopped"), "%s", out);
    long stored = query_number("sig.db", "SELECT COUNT(*) FROM evaluations");
    cr_assert_lt(stored, 6 * 12, "stopped before the end (%ld stored)", stored);
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume --quiet sig.yaml > resume.out 2>&1", dir, bin), 0);
    query("sig.db", "SELECT status FROM runs", out, sizeof out);
    cr_assert(strstr(out, "done"), "%s", out);
    expect_same_as_reference("sig.db");
}

/* The kernel plan (blas_plan.h) is the run's: printed, stored in runs.blas, shipped to every rank with
 * each task, and kept by a resume even where this machine would now choose another one. */
Test(run, a_run_keeps_its_kernel_plan, .description = "runs.blas as printed; EVOFOLIO_BLAS forces it; a resume keeps the stored one")
{
    write_config("k", "k.db", "generational", 2, 0, 10);
    cr_assert_eq(sh("cd %s && mpirun -n 2 %s run k.yaml > k.out 2> k.err", dir, bin), 0, "%s", slurp("k.err"));
    const char *printed = strstr(slurp("k.err"), "kernels: ");
    cr_assert_not_null(printed, "%s", slurp("k.err"));
    printed += strlen("kernels: ");
    static char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = 1 AND blas = '%.*s'", (int)strcspn(printed, " "),
             printed);
    cr_assert_eq(query_number("k.db", sql), 1, "%s: the stored plan is the printed one", sql);
    cr_assert_eq(sh("cd %s && EVOFOLIO_BLAS=openblas %s run k.yaml > k2.out 2> k2.err", dir, bin), 0);
    cr_assert(strstr(slurp("k2.err"), "kernels: openblas (EVOFOLIO_BLAS=openblas)"), "%s", slurp("k2.err"));
    cr_assert_eq(query_number("k.db", "SELECT count(*) FROM runs WHERE id = 2 AND blas = 'openblas'"), 1);
    /* stop a run, give it another plan than this machine's, resume: the stored plan is used */
    write_config("ks", "ks.db", "generational", 12, 1, 10);
    start_and_wait("ks");
    cr_assert_eq(sh("kill -USR1 $(cat %s/ks.pid)", dir), 0);
    cr_assert_eq(wait_rc("ks"), 3);
    cr_assert_eq(sh("sqlite3 %s/ks.db \"UPDATE runs SET blas = 'nn=openblas,nn_tall=openblas,nt=openblas,"
                    "nt_tall=openblas,tn=openblas,tn_tall=openblas'\"", dir), 0);
    cr_assert_eq(sh("cd %s && EVOFOLIO_BLAS=avx2 mpirun -n 3 %s run --resume ks.yaml > ks2.out 2> ks2.err", dir, bin), 0,
                 "%s", slurp("ks2.err"));
    cr_assert(strstr(slurp("ks2.err"), "kernels: openblas (the run's own)"), "%s", slurp("ks2.err"));
    /* an eval --from of one of its candidates takes the run's plan too */
    cr_assert_eq(sh("cd %s && %s eval --from ks.db:3 > ks3.out 2>&1", dir, bin), 0, "%s", slurp("ks3.out"));
    cr_assert(strstr(slurp("ks3.out"), "kernels: openblas, the run's own"), "%s", slurp("ks3.out"));
}

Test(run, kill_9_loses_nothing_committed, .description = "kill -9 of the whole job, then --resume: nothing lost or redone")
{
    write_config("kill", "kill.db", "generational", 12, 1, 10);
    start_and_wait("kill");
    srand((unsigned)getpid());
    usleep((useconds_t)(rand() % 200000)); /* a random moment in the second of ~12 generations */
    /* every rank (mpirun's children), then mpirun itself: the whole job, no chance to clean up */
    sh("p=$(cat %s/kill.pid); pkill -9 -P $p; kill -9 $p", dir);
    cr_assert_neq(wait_rc("kill"), 0, "the job was killed before it finished");
    static char before[262144], after[262144];
    query("kill.db", EVALS, before, sizeof before);
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume --quiet kill.yaml > resume.out 2>&1", dir, bin), 0);
    query("kill.db", EVALS, after, sizeof after);
    /* Results arrive in any order, so the committed rows are not a prefix by id: each must be found,
     * unchanged, among the rows after the resume. */
    for (char *line = strtok(before, "\n"); line; line = strtok(NULL, "\n")) {
        char needle[1024];
        snprintf(needle, sizeof needle, "\n%s\n", line);
        cr_assert(strstr(after, needle) || !strncmp(after, needle + 1, strlen(needle) - 1),
                  "committed row changed or lost: %s", line);
    }
    expect_same_as_reference("kill.db");
}

static void expect_status(const char *db, const char *status)
{
    static char out[4096];
    query(db, "SELECT status FROM runs", out, sizeof out);
    cr_assert(strstr(out, status), "expected %s: %s", status, out);
}

/* A 12-generation run NAME whose config the sed command `edit` (format: dir, name) changes: kill -9 of
 * the whole job mid-run, --resume on 3 ranks, and the archive equals an uninterrupted one-rank run's. */
static void expect_kill_resume_equals_uninterrupted(const char *name, const char *edit)
{
    char ref[32], db[40], ref_db[40];
    snprintf(ref, sizeof ref, "%s-ref", name);
    snprintf(db, sizeof db, "%s.db", name);
    snprintf(ref_db, sizeof ref_db, "%s.db", ref);
    write_config(name, db, "generational", 12, 1, 10);
    write_config(ref, ref_db, "generational", 12, 1, 10);
    cr_assert_eq(sh(edit, dir, name), 0);
    cr_assert_eq(sh(edit, dir, ref), 0);
    start_and_wait(name);
    sh("p=$(cat %s/%s.pid); pkill -9 -P $p; kill -9 $p", dir, name);
    cr_assert_neq(wait_rc(name), 0, "the job was killed before it finished");
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume --quiet %s.yaml > %s.resume 2>&1", dir, bin, name, name), 0,
                 "%s", name);
    cr_assert_eq(sh("%s run --quiet %s/%s.yaml > %s/%s.out 2>&1", bin, dir, ref, dir, ref), 0);
    static char a[262144], b[262144];
    query(db, EVALS, a, sizeof a);
    query(ref_db, EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "%s: the resumed run differs from an uninterrupted one", name);
}

/* ga.objectives (NSGA-II): 1 and 3 ranks agree; kill -9 then --resume equals an uninterrupted run; and
 * the selection really differs from the one-objective search's. */
Test(run, pareto_search_agrees_across_ranks_and_resumes, .description = "ga.objectives: 1 = 3 ranks; kill -9 + resume = uninterrupted; differs from one objective")
{
    static const char *const objectives = "sed -i 's/^ga: {/ga: {objectives: [sharpe, drawdown, turnover], /' %s/%s.yaml";
    write_config("p1", "p1.db", "generational", 4, 0, 10);
    write_config("p3", "p3.db", "generational", 4, 0, 10);
    write_config("plain", "plain.db", "generational", 4, 0, 10);
    cr_assert_eq(sh(objectives, dir, "p1"), 0);
    cr_assert_eq(sh(objectives, dir, "p3"), 0);
    cr_assert_eq(sh("%s run --quiet %s/p1.yaml > %s/p1.out 2>&1", bin, dir, dir), 0, "%s", slurp("p1.out"));
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/p3.yaml > %s/p3.out 2>&1", bin, dir, dir), 0);
    cr_assert_eq(sh("%s run --quiet %s/plain.yaml > %s/plain.out 2>&1", bin, dir, dir), 0);
    cr_assert_eq(sh("%s query %s/plain.db rungs > %s/rungs.out 2>&1", bin, dir, dir), 2, "one budget: no rungs");
    cr_assert(strstr(slurp("rungs.out"), "ga.rungs: 1"), "%s", slurp("rungs.out"));
    static char a[262144], b[262144];
    query("p1.db", EVALS, a, sizeof a);
    query("p3.db", EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "1 rank:\n%s\n3 ranks:\n%s", a, b);
    query("plain.db", EVALS, b, sizeof b);
    cr_assert_str_neq(a, b, "NSGA-II bred the same children as the one-objective GA");
    /* the end: the front's best in each objective and its knee on the test period after the finalists */
    cr_assert(strstr(slurp("p3.out"), "front: sharpe #") && strstr(slurp("p3.out"), "front: drawdown #") &&
              strstr(slurp("p3.out"), "front: turnover #"), "%s", slurp("p3.out"));
    cr_assert_eq(query_number("p3.db", "SELECT count(*) = max(rank) AND count(DISTINCT rank) = count(*) FROM tests"), 1,
                 "the picks are ranked after the finalists: ranks 1..n, each once");
    /* query pareto: the front's size equals a brute-force count of the non-dominated candidates */
    cr_assert_eq(sh("%s query %s/p3.db pareto --format csv > %s/front.csv 2>&1", bin, dir, dir), 0, "%s",
                 slurp("front.csv"));
    cr_assert(!strncmp(slurp("front.csv"), "id,sharpe,drawdown,turnover,generation,fitness,", 46), "%s", slurp("front.csv"));
    long rows = -1;
    for (const char *c = slurp("front.csv"); *c; c++)
        rows += *c == '\n';
    long brute = query_number("p3.db", "WITH c AS (SELECT e.id, avg(f.sharpe) s, avg(f.max_drawdown) d, avg(f.avg_turnover) t "
                                       "FROM evaluations e JOIN folds f ON f.run = e.run AND f.eval = e.id AND f.fold > 0 "
                                       "WHERE e.status = 'ok' AND e.cache_of IS NULL GROUP BY e.id) SELECT count(*) FROM c a "
                                       "WHERE NOT EXISTS (SELECT 1 FROM c b WHERE b.s >= a.s AND b.d <= a.d AND b.t <= a.t "
                                       "AND (b.s > a.s OR b.d < a.d OR b.t < a.t))");
    cr_assert(rows >= 1 && rows == brute, "query pareto lists %ld, brute force finds %ld", rows, brute);
    /* the report: the front two objectives at a time (3 charts for 3), with the same count */
    cr_assert_eq(sh("%s report %s/p3.db -o %s/p3.html > %s/p3r.out 2>&1", bin, dir, dir, dir), 0, "%s", slurp("p3r.out"));
    const char *html = slurp("p3.html");
    cr_assert(strstr(html, "<section id=\"pareto\">"), "no Pareto section");
    int charts = 0;
    for (const char *at = html; (at = strstr(at, "<title>The front: ")); at++)
        charts++;
    cr_assert_eq(charts, 3, "one chart per pair of objectives");
    char said[64];
    snprintf(said, sizeof said, ">%ld of ", rows);
    cr_assert(strstr(html, said) && strstr(html, "successful candidates are on the front"), "%s not in the report", said);
    cr_assert_eq(sh("%s report %s/plain.db -o %s/plain.html > %s/plainr.out 2>&1", bin, dir, dir, dir), 0);
    cr_assert_null(strstr(slurp("plain.html"), "id=\"pareto\""), "a one-objective run has no front");
    cr_assert_null(strstr(slurp("plain.html"), "id=\"rungs\""), "a one-budget run has no rungs");
    cr_assert_eq(sh("%s query %s/plain.db pareto > %s/plain.err 2>&1", bin, dir, dir), 2);
    cr_assert(strstr(slurp("plain.err"), "searched one objective"), "%s", slurp("plain.err"));
    expect_kill_resume_equals_uninterrupted("pk", objectives);
    /* steady mode: no barrier, the child enters by NSGA-II's order; completes on 3 ranks */
    write_config("ps", "ps.db", "steady", 4, 0, 10);
    cr_assert_eq(sh(objectives, dir, "ps"), 0);
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/ps.yaml > %s/ps.out 2>&1", bin, dir, dir), 0, "%s", slurp("ps.out"));
    cr_assert_eq(query_number("ps.db", "SELECT count(*) FROM runs WHERE status = 'done'"), 1);
    cr_assert_geq(query_number("ps.db", "SELECT count(*) FROM evaluations"), 24);
}

/* Spearman's rank correlation of x[n] and y[n], ties given their average rank. */
static double spearman(const double *x, const double *y, int n)
{
    double rx[256], ry[256];
    cr_assert_leq(n, 256);
    for (int pass = 0; pass < 2; pass++) {
        const double *v = pass ? y : x;
        double *r = pass ? ry : rx;
        for (int i = 0; i < n; i++) {
            int below = 0, equal = 0;
            for (int j = 0; j < n; j++)
                below += v[j] < v[i], equal += v[j] == v[i];
            r[i] = below + (equal + 1) / 2.0;
        }
    }
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++)
        mx += rx[i] / n, my += ry[i] / n;
    for (int i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* `query DB rungs` against the archive's own rows: each rung's counts, the shares summing to 1, and
 * spearman_next against Spearman's rho computed here from the promoted pairs. */
static void expect_rungs_table(const char *db, int rungs)
{
    cr_assert_eq(sh("%s query %s/%s rungs --format csv > %s/rungs.csv 2>&1", bin, dir, db, dir), 0, "%s", slurp("rungs.csv"));
    static char table[4096];
    snprintf(table, sizeof table, "%s", slurp("rungs.csv"));
    static const char header[] = "rung,min_steps,max_steps,evaluations,trained,failed,went_up,best,mean,"
                                 "worker_seconds,share,spearman_next\n";
    cr_assert(!strncmp(table, header, strlen(header)), "%s", table);
    char *line = strchr(table, '\n') + 1;
    double share = 0;
    for (int k = 0; k < rungs; k++, line = strchr(line, '\n') + 1) {
        int rung, lo, hi;
        long evals, trained, failed, up;
        double best, mean, seconds, part;
        char rho_text[64] = "";
        cr_assert_eq(sscanf(line, "%d,%d,%d,%ld,%ld,%ld,%ld,%lf,%lf,%lf,%lf,%63[^\n]", &rung, &lo, &hi, &evals, &trained,
                            &failed, &up, &best, &mean, &seconds, &part, rho_text) >= 11, 1, "%s", line);
        cr_assert_eq(rung, k);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM rungs WHERE rung = %d", k);
        cr_assert_eq(evals, query_number(db, sql), "rung %d: evaluations", k);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM rungs g JOIN evaluations e ON e.id = g.eval WHERE rung = %d AND "
                                  "cache_of IS NULL", k);
        cr_assert_eq(trained, query_number(db, sql), "rung %d: trained", k);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM rungs WHERE rung = %d", k + 1);
        cr_assert_eq(up, k + 1 < rungs ? query_number(db, sql) : 0, "rung %d: went up", k);
        cr_assert(seconds > 0 && part > 0 && part <= 1, "rung %d: %g s, share %g", k, seconds, part);
        share += part;
        if (k + 1 == rungs) {
            cr_assert_str_eq(rho_text, "", "the top rung has no next");
            continue;
        }
        static char pairs[65536];
        snprintf(sql, sizeof sql, "SELECT b.fitness, e.fitness FROM rungs g JOIN evaluations e ON e.id = g.eval JOIN "
                                  "evaluations b ON b.id = g.promoted_from WHERE g.rung = %d AND e.status = 'ok' AND "
                                  "b.status = 'ok'", k + 1);
        query(db, sql, pairs, sizeof pairs);
        double x[256], y[256];
        int n = 0;
        for (const char *p = strchr(pairs, '\n'); p && p[1] && n < 256; p = strchr(p + 1, '\n'))
            n += sscanf(p + 1, "%lf,%lf", &x[n], &y[n]) == 2;
        if (n >= 2)
            cr_assert_float_eq(atof(rho_text), spearman(x, y, n), 1e-9, "rung %d: spearman_next %s over %d pairs", k,
                               rho_text, n);
    }
    cr_assert_float_eq(share, 1.0, 1e-9, "the shares add up to the run's worker-seconds");
    /* the report: the same table, one row per rung, and the chart of the promoted pairs */
    cr_assert_eq(sh("%s report %s/%s -o %s/rungs.html > %s/rungs.out 2>&1", bin, dir, db, dir, dir), 0, "%s",
                 slurp("rungs.out"));
    const char *html = slurp("rungs.html"), *at = strstr(html, "<section id=\"rungs\">");
    cr_assert(at, "no section Compute by rung");
    const char *end = strstr(at, "</section>");
    int rows = 0;
    for (const char *row = at; (row = strstr(row, "<tr><td>")) && row < end; row++)
        rows++;
    cr_assert_eq(rows, rungs, "one row per rung");
    const char *chart = strstr(at, "<title>Did the cheap rungs rank candidates as the dearer ones did?</title>");
    cr_assert(chart && chart < end, "the chart of the promoted pairs is in the section");
}

/* ga.rungs (successive halving in each generation): the rungs as stated, 1 = 3 ranks, kill -9 + resume
 * = uninterrupted, finalists from the full budget only. */
Test(run, rungs_agree_across_ranks_and_resume, .description = "ga.rungs 3, eta 2: 6 -> 3 -> 2 per generation; 1 = 3 ranks; kill -9 + resume = uninterrupted")
{
    static const char *const rungs = "sed -i 's/^ga: {/ga: {rungs: 3, eta: 2, /' %s/%s.yaml";
    write_config("r1", "r1.db", "generational", 3, 1, 10);
    write_config("r3", "r3.db", "generational", 3, 1, 10);
    cr_assert_eq(sh(rungs, dir, "r1"), 0);
    cr_assert_eq(sh(rungs, dir, "r3"), 0);
    cr_assert_eq(sh("%s run --quiet %s/r1.yaml > %s/r1.out 2>&1", bin, dir, dir), 0, "%s", slurp("r1.out"));
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/r3.yaml > %s/r3.out 2>&1", bin, dir, dir), 0, "%s", slurp("r3.out"));
    static char a[262144], b[262144];
    query("r1.db", EVALS, a, sizeof a);
    query("r3.db", EVALS, b, sizeof b);
    cr_assert_str_eq(a, b, "1 rank:\n%s\n3 ranks:\n%s", a, b);
    query("r3.db", "SELECT generation, rung, count(*) AS n, min(rungs.steps), max(rungs.steps), max(e.steps) FROM rungs JOIN "
                   "evaluations e ON e.run = rungs.run AND e.id = rungs.eval GROUP BY generation, rung", a, sizeof a);
    /* steps 300: rung 0 trains ceil(300/4) = 75, rung 1 150, rung 2 300; later generations breed 5 (one elite) */
    cr_assert(strstr(a, "1,0,6,75,75,300\n1,1,3,150,150,300\n1,2,2,300,300,300\n2,0,5,75,75,300\n"), "%s", a);
    cr_assert_eq(query_number("r3.db", "SELECT count(*) FROM rungs r JOIN rungs p ON p.run = r.run AND "
                                       "p.eval = r.promoted_from WHERE p.rung != r.rung - 1"), 0, "promoted from the rung below");
    cr_assert_eq(query_number("r3.db", "SELECT count(*) FROM rungs WHERE rung > 0 AND promoted_from IS NULL"), 0);
    cr_assert_eq(query_number("r3.db", "SELECT count(*) FROM tests t JOIN rungs r ON r.run = t.run AND r.eval = t.eval "
                                       "WHERE r.rung != 2"), 0, "finalists come from the full budget");
    /* a rung's evaluation reproduces from the archive with the steps it trained with */
    cr_assert_eq(sh("cd %s && %s eval --from r3.db:2 > r3e.out 2>&1", dir, bin), 0, "%s", slurp("r3e.out"));
    cr_assert(strstr(slurp("r3e.out"), ": reproduced"), "%s", slurp("r3e.out"));
    expect_rungs_table("r3.db", 3);
    /* the verdict's trials: every candidate tried at rung 0; their spread and correlation, the top rung's */
    cr_assert_eq(query_number("r3.db", "SELECT n_trials FROM runs"),
                 query_number("r3.db", "SELECT count(*) FROM rungs g JOIN evaluations e ON e.id = g.eval WHERE "
                                       "g.rung = 0 AND e.status = 'ok' AND e.cache_of IS NULL"), "n_trials");
    cr_assert_eq(sh("%s query %s/r3.db top -n 3 --format csv > %s/top.csv 2>&1", bin, dir, dir), 0);
    const char *top = slurp("top.csv");
    long id;
    int rung, steps;
    cr_assert(!strncmp(top, "id,rung,trained_steps,generation,fitness,", 40), "%s", top);
    cr_assert(sscanf(strchr(top, '\n') + 1, "%ld,%d,%d,", &id, &rung, &steps) == 3 && rung == 2 && steps == 300,
              "the leaderboard starts at the top rung: %s", top);
    expect_kill_resume_equals_uninterrupted("rk", rungs);
}

/* ga.rungs in steady mode (ASHA): promotions interleave with new children, each from the rung below
 * and of the same genome, none twice; kill -9 + --resume goes on climbing from the stored rungs and
 * retrains nothing; one rank completes too. */
Test(run, rungs_in_steady_mode_promote_asynchronously, .description = "ga.rungs 3, eta 2, steady: ASHA's promotions; kill -9 + resume retrains nothing; one rank")
{
    static const char *const rungs = "sed -i 's/^ga: {/ga: {rungs: 3, eta: 2, /; s/generations: 12/generations: 20/' %s/%s.yaml";
    write_config("sa", "sa.db", "steady", 12, 1, 10);
    cr_assert_eq(sh(rungs, dir, "sa"), 0);
    start_and_wait("sa");
    sh("p=$(cat %s/sa.pid); pkill -9 -P $p; kill -9 $p", dir);
    cr_assert_neq(wait_rc("sa"), 0, "the job was killed before it finished");
    const long before = query_number("sa.db", "SELECT max(id) FROM evaluations");
    /* the resumed run's ladder is the stored one: every row on its rung but rung 0's cache hits */
    char want[256];
    snprintf(want, sizeof want, "rungs: %ld / %ld / %ld results stored, %ld / %ld gone up\n",
             query_number("sa.db", "SELECT count(*) FROM rungs r JOIN evaluations e ON e.id = r.eval WHERE rung = 0 AND cache_of IS NULL"),
             query_number("sa.db", "SELECT count(*) FROM rungs WHERE rung = 1"),
             query_number("sa.db", "SELECT count(*) FROM rungs WHERE rung = 2"),
             query_number("sa.db", "SELECT count(*) FROM rungs WHERE rung = 1"),
             query_number("sa.db", "SELECT count(*) FROM rungs WHERE rung = 2"));
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume sa.yaml > sa.resume 2>&1", dir, bin), 0, "%s",
                 slurp("sa.resume"));
    cr_assert(strstr(slurp("sa.resume"), want), "want '%s' in:\n%s", want, slurp("sa.resume"));
    expect_status("sa.db", "done");
    cr_assert_eq(query_number("sa.db", "SELECT count(*) FROM evaluations"), query_number("sa.db", "SELECT count(*) FROM rungs"),
                 "every evaluation has its rung");
    static char a[4096];
    query("sa.db", "SELECT rung, min(steps), max(steps) FROM rungs GROUP BY rung", a, sizeof a);
    cr_assert(strstr(a, "\n0,75,75\n1,150,150\n2,300,300\n"), "rungs of 75, 150 and 300 steps: %s", a);
    cr_assert_eq(query_number("sa.db", "SELECT count(*) FROM rungs r JOIN rungs p ON p.run = r.run AND p.eval = r.promoted_from "
                                       "JOIN evaluations e ON e.run = r.run AND e.id = r.eval JOIN evaluations q ON "
                                       "q.run = p.run AND q.id = p.eval WHERE p.rung != r.rung - 1 OR e.genome != q.genome"),
                 0, "a promotion is the same genome, from the rung below");
    cr_assert_eq(query_number("sa.db", "SELECT count(*) FROM rungs WHERE (rung > 0) != (promoted_from IS NOT NULL)"), 0);
    cr_assert_eq(query_number("sa.db", "SELECT count(*) FROM (SELECT promoted_from FROM rungs WHERE promoted_from IS NOT "
                                       "NULL GROUP BY promoted_from HAVING count(*) > 1)"), 0, "no evaluation goes up twice");
    cr_assert_gt(query_number("sa.db", "SELECT count(*) FROM rungs r JOIN rungs p ON p.eval = r.promoted_from "
                                       "WHERE r.rung = 2 AND p.rung = 1"), 0, "candidates reached the full budget");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations a JOIN evaluations b ON b.run = a.run AND b.key = a.key "
                              "WHERE a.id <= %ld AND b.id > %ld AND b.cache_of IS NULL", before, before);
    cr_assert_eq(query_number("sa.db", sql), 0, "the resumed run retrained nothing stored before the kill");
    /* no barrier: with 2 workers, #1 and #2 go out, the first back makes #3 (rung 0 holds 1, the top
     * half of it is empty), the second makes #4 its promotion; a generational run would promote
     * nothing before its P = 6 children were back */
    cr_assert_eq(query_number("sa.db", "SELECT min(eval) FROM rungs WHERE rung = 1"), 4, "the first promotion is #4");
    cr_assert_eq(query_number("sa.db", "SELECT count(*) FROM tests t JOIN rungs r ON r.run = t.run AND r.eval = t.eval "
                                       "WHERE r.rung != 2"), 0, "finalists come from the full budget");
    expect_rungs_table("sa.db", 3);
    write_config("s1", "s1.db", "steady", 4, 0, 10);
    cr_assert_eq(sh(rungs, dir, "s1"), 0);
    cr_assert_eq(sh("%s run --quiet %s/s1.yaml > %s/s1.out 2>&1", bin, dir, dir), 0, "%s", slurp("s1.out"));
    expect_status("s1.db", "done");
    cr_assert_gt(query_number("s1.db", "SELECT count(*) FROM rungs WHERE rung = 2"), 0, "one rank climbs too");
}

Test(run, resume_refuses_another_configuration, .description = "changed config or no unfinished run: exit 2, why")
{
    write_config("a", "a.db", "generational", 2, 0, 10);
    cr_assert_eq(sh("%s run --resume --quiet %s/a.yaml > %s/a.out 2> %s/a.err", bin, dir, dir, dir), 2,
                 "nothing to resume");
    write_config("a", "a.db", "generational", 12, 1, 10);
    start_and_wait("a");
    sh("kill -USR1 $(cat %s/a.pid)", dir);
    cr_assert_eq(wait_rc("a"), 3);
    write_config("a", "a.db", "generational", 12, 1, 25); /* another cost */
    cr_assert_eq(sh("%s run --resume --quiet %s/a.yaml > %s/b.out 2> %s/b.err", bin, dir, dir, dir), 2);
    static char err[4096];
    snprintf(err, sizeof err, "%s/b.err", dir);
    FILE *f = fopen(err, "r");
    size_t n = fread(err, 1, sizeof err - 1, f);
    err[n] = '\0';
    fclose(f);
    cr_assert(strstr(err, "another configuration") && strstr(err, "without --resume"), "%s", err);
}

Test(run, steady_mode_on_three_ranks, .description = "steady: completes, a generation row every P evaluations")
{
    write_config("st", "st.db", "steady", 4, 0, 10);
    cr_assert_eq(sh("mpirun -n 3 %s run --quiet %s/st.yaml > %s/st.out 2>&1", bin, dir, dir), 0);
    cr_assert_eq(query_number("st.db", "SELECT COUNT(*) FROM generations"), 4);
    cr_assert_geq(query_number("st.db", "SELECT COUNT(*) FROM evaluations"), 24);
    static char out[4096];
    query("st.db", "SELECT status, mode FROM runs", out, sizeof out);
    cr_assert(strstr(out, "done,steady"), "%s", out);
}

/* ---------------------------------------------------------------- operations */


/* Change the archive db (in dir) behind evofolio's back, as damage would. */
static void damage(const char *db, const char *sql)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, db);
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
    sqlite3_close(h);
}

Test(run, ctrl_c_stops_one_process_gracefully, .description = "SIGINT = SIGTERM: exit 3, stopped; --resume = uninterrupted")
{
    write_config("int", "int.db", "generational", 12, 1, 10);
    char command[8192];
    snprintf(command, sizeof command, "%s run int.yaml", bin);
    start_command_and_wait("int", command, "int.db", 1);
    cr_assert_eq(sh("kill -INT $(cat %s/int.pid)", dir), 0);
    cr_assert_eq(wait_rc("int"), 3, "Ctrl-C stops with the resumable code");
    expect_status("int.db", "stopped");
    cr_assert(strstr(slurp("int.err"), "continue with --resume"), "%s", slurp("int.err"));
    cr_assert_eq(sh("cd %s && %s run --resume --quiet int.yaml > resume.out 2>&1", dir, bin), 0);
    expect_same_as_reference("int.db");
}

Test(run, local_sh_keys_stop_gracefully, .description = "jobs/local.sh: Ctrl-C, then Ctrl-\\: exit 3 each, then done")
{
    write_config("loc", "loc.db", "generational", 12, 1, 10);
    char command[12288], root[4096];
    cr_assert_not_null(realpath(".", root));
    /* as from a terminal: a background job of a script starts with SIGINT and SIGQUIT ignored */
    snprintf(command, sizeof command, "EVOFOLIO_BIN=%s env --default-signal=INT,QUIT %s/jobs/local.sh loc.yaml 3 --quiet",
             bin, root);
    const char *keys[] = {"INT", "QUIT"};
    for (int k = 0; k < 2; k++) {
        /* a generation stored by this job, not one the stopped job left: a signal before the new
         * job's handlers are in place would end it the default way */
        long stored = k ? query_number("loc.db", "SELECT COUNT(*) FROM generations") : 0;
        start_command_and_wait("loc", command, "loc.db", (int)(stored > 2 * k ? stored + 1 : 1 + 2 * k));
        cr_assert_eq(sh("kill -%s $(cat %s/loc.pid)", keys[k], dir), 0);
        cr_assert_eq(wait_rc("loc"), 3, "SIG%s to local.sh: a graceful stop\n%s", keys[k], slurp("loc.err"));
        expect_status("loc.db", "stopped");
    }
    cr_assert_eq(sh("cd %s && %s > loc.out 2> loc.err", dir, command), 0, "the same command continues");
    expect_status("loc.db", "done");
    expect_same_as_reference("loc.db");
}

Test(run, a_moved_archive_resumes, .description = "stop, move the archive elsewhere, --resume --archive: as uninterrupted")
{
    write_config("mv", "mv.db", "generational", 12, 1, 10);
    start_and_wait("mv");
    cr_assert_eq(sh("kill -USR1 $(cat %s/mv.pid)", dir), 0);
    cr_assert_eq(wait_rc("mv"), 3);
    cr_assert_eq(sh("cd %s && mkdir scratch && mv mv.db scratch/moved.db && ls mv.db* 2>/dev/null | wc -l | grep -qx 0",
                    dir), 0, "at rest the archive is one file");
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume --quiet --archive scratch/moved.db mv.yaml > resume.out 2>&1",
                    dir, bin), 0, "%s", slurp("resume.out"));
    expect_same_as_reference("scratch/moved.db");
}

Test(run, a_second_writer_is_refused, .description = "--continue beside a live run: exit 2, who holds it; the first completes")
{
    write_config("dup", "dup.db", "generational", 12, 1, 10);
    start_and_wait("dup");
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --continue dup.yaml > dup2.out 2> dup2.err", dir, bin), 2,
                 "the duplicate is refused");
    const char *err = slurp("dup2.err");
    cr_assert(strstr(err, "run 1 is being written by ") && strstr(err, " pid ") && strstr(err, " since "), "%s", err);
    cr_assert_eq(wait_rc("dup"), 0, "the original finishes undisturbed: %s", slurp("dup.err"));
    expect_same_as_reference("dup.db");
}

Test(run, a_refused_resume_names_the_keys_and_leaves_the_run, .description = "another cost: the key, both values; still stopped")
{
    write_config("rf", "rf.db", "generational", 12, 1, 10);
    start_and_wait("rf");
    sh("kill -USR1 $(cat %s/rf.pid)", dir);
    cr_assert_eq(wait_rc("rf"), 3);
    write_config("rf", "rf.db", "generational", 12, 1, 25);
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume rf.yaml > rf.out 2> rf.err", dir, bin), 2);
    cr_assert(strstr(slurp("rf.err"), "backtest.cost_bps: 10 -> 25"), "%s", slurp("rf.err"));
    expect_status("rf.db", "stopped");
    /* damaged rows: named, and the run still resumes once restored */
    write_config("rf", "rf.db", "generational", 12, 1, 10);
    damage("rf.db", "UPDATE evaluations SET fitness = 5.1e26 WHERE id = 3");
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume rf.yaml > rf.out 2> rf.err", dir, bin), 2);
    cr_assert(strstr(slurp("rf.err"), "evaluation 3 is damaged (fitness 5.1e+26)"), "%s", slurp("rf.err"));
    expect_status("rf.db", "stopped");
    damage("rf.db", "UPDATE evaluations SET fitness = 0.5, genome = '{\"model\": ' WHERE id = 3");
    cr_assert_eq(sh("cd %s && mpirun -n 3 %s run --resume rf.yaml > rf.out 2> rf.err", dir, bin), 2);
    cr_assert(strstr(slurp("rf.err"), "evaluation 3 of run 1: its stored genome cannot be read"), "%s", slurp("rf.err"));
    expect_status("rf.db", "stopped");
}

Test(run, a_full_disk_fails_loudly, .description = "ENOSPC under mpirun: the message, exit 1 (not 3), run failed with why")
{
    char mnt[160];
    snprintf(mnt, sizeof mnt, "%s/small", dir);
    cr_assert_eq(sh("mkdir -p %s", mnt), 0);
    if (sh("mount -t tmpfs -o size=200k tmpfs %s 2>/dev/null", mnt))
        cr_skip_test("a 200 KiB tmpfs cannot be mounted here (needs root and mount rights)");
    write_config("full", "small/full.db", "generational", 12, 1, 10);
    int rc = sh("cd %s && mpirun -n 3 %s run --quiet full.yaml > full.out 2> full.err", dir, bin);
    char out[4096];
    query("small/full.db", "SELECT status, reason FROM runs", out, sizeof out);
    sh("umount %s", mnt);
    cr_assert_eq(rc, 1, "a failure, not a resumable stop: %s", slurp("full.err"));
    cr_assert(strstr(slurp("full.err"), "full.db") && strstr(slurp("full.err"), "disk is full"), "%s", slurp("full.err"));
    cr_assert(strstr(out, "failed") && strstr(out, "disk is full"), "%s", out);
}
