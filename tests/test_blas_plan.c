/* Tests of blas_plan: the text form and its reader, the measurement, and the per-machine cache (in a
 * scratch EVOFOLIO_CACHE_DIR; each Criterion test runs in its own process). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/blas_plan.h"
#include "scratch.h"

static blas_plan uniform(blas_path p)
{
    blas_plan plan;
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        plan.path[c] = p;
    return plan;
}

static int same(const blas_plan *a, const blas_plan *b) { return !memcmp(a, b, sizeof *a); }

Test(blas_plan, text_round_trip, .description = "one name for a uniform plan, class=path pairs otherwise; both read back")
{
    char text[BLAS_PLAN_TEXT_MAX];
    blas_plan p = uniform(BLAS_OWN_AVX2), back;
    blas_plan_text(&p, text);
    cr_assert_str_eq(text, "avx2");
    cr_assert_eq(blas_plan_parse(&back, text), 0);
    cr_assert(same(&p, &back));
    p.path[BLAS_NN_TALL] = BLAS_OPENBLAS;
    p.path[BLAS_TN_TALL] = BLAS_OWN_AVX512;
    blas_plan_text(&p, text);
    cr_assert_str_eq(text, "nn=avx2,nn_tall=openblas,nt=avx2,nt_tall=avx2,tn=avx2,tn_tall=avx512");
    cr_assert_eq(blas_plan_parse(&back, text), 0);
    cr_assert(same(&p, &back));
    /* the pairs in any order */
    cr_assert_eq(blas_plan_parse(&back, "tn_tall=avx512,tn=avx2,nt_tall=avx2,nt=avx2,nn_tall=openblas,nn=avx2"), 0);
    cr_assert(same(&p, &back));
}

Test(blas_plan, bad_text_is_refused, .description = "a missing, repeated or unknown class or path, auto, junk: -1, plan untouched")
{
    static const char *const bad[] = {
        "", "auto", "AVX2", "avx2 ", " avx2", "nn=avx2", "nn=avx2,nn_tall=avx2,nt=avx2,nt_tall=avx2,tn=avx2",
        "nn=avx2,nn_tall=avx2,nt=avx2,nt_tall=avx2,tn=avx2,tn_tall=avx2,",
        "nn=avx2,nn=avx2,nt=avx2,nt_tall=avx2,tn=avx2,tn_tall=avx2",
        "nn=avx2,nn_tall=auto,nt=avx2,nt_tall=avx2,tn=avx2,tn_tall=avx2",
        "nn=avx2,nn_tall=avx2,nt=avx2,nt_tall=avx2,tn=avx2,tt=avx2",
        "nn=avx2,nn_tall=avx2,nt=avx2,nt_tall=avx2,tn=avx2,tn_tall=", "=avx2", "nn==avx2", ",", "nn=avx2,,"};
    const blas_plan before = uniform(BLAS_OWN_AVX512);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        blas_plan p = before;
        cr_assert_eq(blas_plan_parse(&p, bad[i]), -1, "'%s' was accepted", bad[i]);
        cr_assert(same(&p, &before), "'%s' changed the plan", bad[i]);
    }
}

Test(blas_plan, measure_picks_runnable_paths, .description = "every class gets a path the CPU runs, the fastest it timed")
{
    blas_plan p;
    blas_timings t;
    const blas_plan before = uniform(BLAS_OPENBLAS);
    blas_set_plan(&before);
    cr_assert_eq(blas_plan_measure(&p, &t), 0);
    const blas_plan after = blas_active_plan();
    cr_assert(same(&after, &before), "the measurement leaves the plan in force as it was");
    for (int c = 0; c < BLAS_CLASS_COUNT; c++) {
        const blas_path chosen = p.path[c];
        cr_assert(chosen > BLAS_AUTO && chosen < BLAS_PATH_COUNT && blas_runnable(chosen) == chosen,
                  "class %s: %d", blas_class_name((blas_class)c), (int)chosen);
        cr_assert_gt(t.seconds[c][BLAS_OPENBLAS], 0, "OpenBLAS is always timed");
        for (int q = BLAS_OPENBLAS; q < BLAS_PATH_COUNT; q++) {
            cr_assert_eq(t.seconds[c][q] > 0, blas_runnable((blas_path)q) == (blas_path)q,
                         "a path is timed exactly when the CPU runs it");
            if (t.seconds[c][q] > 0) /* the least time; OpenBLAS on a tie */
                cr_assert(t.seconds[c][chosen] < t.seconds[c][q] || (t.seconds[c][chosen] == t.seconds[c][q] &&
                          (chosen == (blas_path)q || chosen == BLAS_OPENBLAS)),
                          "class %s: %s took %g s, %s %g s", blas_class_name((blas_class)c),
                          blas_path_name(chosen), t.seconds[c][chosen], blas_path_name((blas_path)q), t.seconds[c][q]);
        }
    }
}

/* The one cache file of the scratch directory. */
static void cache_file(const char *dir, char *path, size_t n)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls %s/blas-plan-* 2>/dev/null", dir);
    FILE *ls = popen(cmd, "r");
    cr_assert_not_null(ls);
    cr_assert_not_null(fgets(path, (int)n, ls), "no cache file in %s", dir);
    path[strcspn(path, "\n")] = '\0';
    char extra[64];
    cr_assert_null(fgets(extra, sizeof extra, ls), "one cache file only");
    pclose(ls);
}

/* Rewrite the cache file's plan line. */
static void set_cached_plan(const char *path, const char *plan_line)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "sed -i 's/^plan .*/%s/' %s", plan_line, path);
    cr_assert_eq(system(cmd), 0);
}

Test(blas_plan, machine_plan_is_cached, .description = "measured once, then read from the cache; a damaged cache is measured again")
{
    char dir[64], path[4200], how[512], text[BLAS_PLAN_TEXT_MAX];
    scratch_create(dir, sizeof dir, "blas_plan");
    char cache[96];
    snprintf(cache, sizeof cache, "%s/a/b", dir); /* made when missing */
    setenv("EVOFOLIO_CACHE_DIR", cache, 1);
    unsetenv("EVOFOLIO_BLAS");
    blas_plan first, again;
    blas_plan_machine(&first, how, sizeof how);
    cr_assert(strstr(how, "measured, saved to ") && strstr(how, cache), "%s", how);
    cache_file(cache, path, sizeof path);
    blas_plan_machine(&again, how, sizeof how);
    cr_assert(strstr(how, "cached in ") && strstr(how, path), "%s", how);
    cr_assert(same(&first, &again));
    /* what the file says is what the machine uses: a plan no measurement here would give */
    set_cached_plan(path, "plan nn=openblas,nn_tall=openblas,nt=openblas,nt_tall=openblas,tn=openblas,tn_tall=avx2");
    blas_plan_machine(&again, how, sizeof how);
    blas_plan_text(&again, text);
    cr_assert_str_eq(text, "nn=openblas,nn_tall=openblas,nt=openblas,nt_tall=openblas,tn=openblas,tn_tall=avx2");
    /* a plan that does not parse, or another machine's key: measured again, the file replaced */
    set_cached_plan(path, "plan nn=fast");
    blas_plan_machine(&again, how, sizeof how);
    cr_assert(strstr(how, "measured, saved to "), "%s", how);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "sed -i 's/^key .*/key another cpu/' %s", path);
    cr_assert_eq(system(cmd), 0);
    blas_plan_machine(&again, how, sizeof how);
    cr_assert(strstr(how, "measured, saved to "), "%s", how);
    blas_plan_machine(&again, how, sizeof how);
    cr_assert(strstr(how, "cached in "), "%s", how);
    cache_file(cache, path, sizeof path); /* no temporary left behind */
    scratch_remove(dir);
}

Test(blas_plan, environment_forces_the_plan, .description = "EVOFOLIO_BLAS=openblas: that path for every class, no measurement, no file")
{
    char dir[64], how[512];
    scratch_create(dir, sizeof dir, "blas_plan_env");
    setenv("EVOFOLIO_CACHE_DIR", dir, 1);
    setenv("EVOFOLIO_BLAS", "openblas", 1);
    blas_plan p;
    blas_plan_machine(&p, how, sizeof how);
    cr_assert_str_eq(how, "EVOFOLIO_BLAS=openblas");
    const blas_plan want = uniform(BLAS_OPENBLAS);
    cr_assert(same(&p, &want));
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls %s/blas-plan-* >/dev/null 2>&1", dir);
    cr_assert_neq(system(cmd), 0, "nothing was cached");
    scratch_remove(dir);
}

Test(blas_plan, unwritable_cache_still_measures, .description = "no cache directory to be had: measured, and said so")
{
    char how[512];
    setenv("EVOFOLIO_CACHE_DIR", "/proc/evofolio-cannot-be-made", 1);
    unsetenv("EVOFOLIO_BLAS");
    blas_plan p;
    blas_plan_machine(&p, how, sizeof how);
    cr_assert(strstr(how, "measured (not cached"), "%s", how);
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        cr_assert_eq(blas_runnable(p.path[c]), p.path[c]);
}
