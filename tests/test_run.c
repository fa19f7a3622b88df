/* Integration tests of `evofolio run` under mpirun: 1 and 3 ranks agree, a signal stops a run that
 * --resume then completes exactly like an uninterrupted run, kill -9 of the whole job loses no committed
 * evaluation, a resume with another configuration is refused, and steady mode runs on 3 ranks.
 * They run the real binary ($EVOFOLIO_BIN) on small synthetic data, with Open MPI allowed as root. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A config named name writing archive db; slow = more steps so that a run lasts a few seconds. */
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
               "search:\n  model: [asset, shared, portfolio]\n  objective: [sharpe, meanvar, forecast]\n"
               "  layers: [1]\n  hidden: [%s]\n  seq_len: [5, 8]\n  lr: {min: 0.001, max: 0.01}\n"
               "  weight_decay: [0.0001]\n  batch: [16]\n  steps: [%s]\n  features: [ret1, ret5, vol20]\n"
               "  strategies: [ew, invvol, momentum]\n  rebalance: [1, 5]\n"
               "ga: {mode: %s, population: 6, generations: %d, elite: 1, tournament: 2, seed: 5, champions: 2}\n"
               "train: {patience: %d}\noutput: {archive: %s}\n",
            cost_bps, slow ? "16" : "4, 8", slow ? "1000" : "2, 3", mode, generations, slow ? 1000 : 2, db);
    fclose(f);
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
    cr_assert_eq(query_number("three.db", "SELECT COUNT(*) FROM baselines"), 7);
}

/* Start `mpirun -n 3 run` in the background; wait for its first stored generation. */
static void start_and_wait(const char *name)
{
    /* the inner shell records mpirun's own pid (for signals) and, when it ends, its exit code */
    cr_assert_eq(sh("cd %s && sh -c 'mpirun -n 3 %s run %s.yaml > %s.out 2> %s.err & echo $! > %s.pid; "
                    "wait $!; echo $? > %s.rc' &", dir, bin, name, name, name, name, name), 0);
    char db[64];
    snprintf(db, sizeof db, "%s.db", name);
    for (int i = 0; i < 600; i++) { /* up to 60 s */
        usleep(100000);
        char path[160];
        snprintf(path, sizeof path, "%s/%s", dir, db);
        if (access(path, F_OK) == 0 && try_number(db, "SELECT COUNT(*) FROM generations") >= 1)
            return;
    }
    cr_assert_fail("the run stored no generation within 60 s");
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
