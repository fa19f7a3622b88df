/* blas_plan: timing the kernel paths per shape class, and the per-machine cache (blas_plan.h). */
#include "evofolio/blas_plan.h"

#include <cblas.h>
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evofolio/hash.h"
#include "evofolio/version.h"

void blas_plan_text(const blas_plan *p, char out[BLAS_PLAN_TEXT_MAX])
{
    int uniform = 1;
    for (int c = 1; c < BLAS_CLASS_COUNT; c++)
        uniform &= p->path[c] == p->path[0];
    if (uniform) {
        snprintf(out, BLAS_PLAN_TEXT_MAX, "%s", blas_path_name(p->path[0]));
        return;
    }
    size_t n = 0;
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        n += (size_t)snprintf(out + n, BLAS_PLAN_TEXT_MAX - n, "%s%s=%s", c ? "," : "",
                              blas_class_name((blas_class)c), blas_path_name(p->path[c]));
}

/* A concrete path by name (not auto): its index, else -1. */
static int path_by_name(const char *s, size_t n)
{
    for (int i = BLAS_OPENBLAS; i < BLAS_PATH_COUNT; i++)
        if (strlen(blas_path_name((blas_path)i)) == n && !strncmp(s, blas_path_name((blas_path)i), n))
            return i;
    return -1;
}

static int class_by_name(const char *s, size_t n)
{
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        if (strlen(blas_class_name((blas_class)c)) == n && !strncmp(s, blas_class_name((blas_class)c), n))
            return c;
    return -1;
}

int blas_plan_parse(blas_plan *plan, const char *text)
{
    blas_plan p;
    int uniform = path_by_name(text, strlen(text));
    if (uniform >= 0) {
        for (int c = 0; c < BLAS_CLASS_COUNT; c++)
            p.path[c] = (blas_path)uniform;
        *plan = p;
        return 0;
    }
    unsigned seen = 0;
    for (const char *at = text;;) {
        const char *eq = strchr(at, '='), *end = strchr(at, ',');
        if (!end)
            end = at + strlen(at);
        if (!eq || eq > end)
            return -1;
        int c = class_by_name(at, (size_t)(eq - at)), path = path_by_name(eq + 1, (size_t)(end - eq - 1));
        if (c < 0 || path < 0 || (seen & 1u << c))
            return -1;
        seen |= 1u << c;
        p.path[c] = (blas_path)path;
        if (!*end)
            break;
        at = end + 1;
    }
    if (seen != (1u << BLAS_CLASS_COUNT) - 1)
        return -1;
    *plan = p;
    return 0;
}

/* ---------------------------------------------------------------- measuring */

/* The LSTM's products (lstm.c; B = 64 rows a batch, T*B = 1920-3840 rows over all steps, F inputs,
 * H hidden units, 4H gates), two per class at a small and a large net, so that the choice holds
 * across the genes' range; and the attention encoder's per-head scores q k^T (and their backward's
 * do v^T: attention.c, T = 60 days, d_model / heads = 16), an NT product the LSTM's shapes alone
 * decided badly - there the two paths nearly tied (152 against 146 us), while at this shape OpenBLAS
 * took 2.0-2.3 us and the own AVX-512 kernel 7.4-8.0 (bench/README.md). A class's time is the sum of
 * its shapes' times, each times its weight: how many such products a step makes next to one of the
 * LSTM's (64 sequences of one head for the scores). */
typedef struct {
    blas_class cls;
    int M, N, K, weight;
} plan_shape;
static const plan_shape shapes[] = {
    {BLAS_NN, 64, 128, 32, 1},         {BLAS_NN, 64, 512, 128, 1},         /* a_t += h_{t-1} W_h */
    {BLAS_NN_TALL, 1920, 128, 18, 1},  {BLAS_NN_TALL, 3840, 512, 64, 1},   /* X W_x over all steps */
    {BLAS_NT, 64, 32, 128, 1},         {BLAS_NT, 64, 128, 512, 1},         /* dh_{t-1} = dA_t W_h^T */
    {BLAS_NT, 60, 60, 16, 64},                                             /* attention's q k^T */
    {BLAS_NT_TALL, 1920, 32, 128, 1},  {BLAS_NT_TALL, 3840, 64, 256, 1},   /* dX = dA W_x^T */
    {BLAS_TN, 18, 128, 1920, 1},       {BLAS_TN, 128, 512, 3840, 1},       /* dW = X^T dA */
    {BLAS_TN_TALL, 256, 1024, 960, 1}, {BLAS_TN_TALL, 256, 256, 3840, 1},  /* dW_h at H = 256 */
};
enum { N_SHAPES = sizeof shapes / sizeof shapes[0], PLAN_REPEATS = 4 };

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds per product of shape s on the path in force: enough calls to take about a millisecond. */
static double time_shape(const plan_shape *s, const float *A, const float *B, float *C)
{
    const int ta = s->cls == BLAS_TN || s->cls == BLAS_TN_TALL, tb = s->cls == BLAS_NT || s->cls == BLAS_NT_TALL;
    const double macs = (double)s->M * s->N * s->K;
    const int calls = macs >= 4e6 ? 1 : (int)(4e6 / macs);
    double t0 = now_seconds();
    for (int i = 0; i < calls; i++)
        blas_sgemm(ta, tb, s->M, s->N, s->K, 1.0f, A, ta ? s->M : s->K, B, tb ? s->K : s->N, 0.0f, C, s->N);
    return (now_seconds() - t0) / calls;
}

int blas_plan_measure(blas_plan *plan, blas_timings *out)
{
    size_t most = 0;
    for (int s = 0; s < N_SHAPES; s++) {
        size_t mk = (size_t)shapes[s].M * shapes[s].K, kn = (size_t)shapes[s].K * shapes[s].N,
               mn = (size_t)shapes[s].M * shapes[s].N;
        most = mk > most ? mk : most;
        most = kn > most ? kn : most;
        most = mn > most ? mn : most;
    }
    float *A = malloc(most * sizeof *A), *B = malloc(most * sizeof *B), *C = malloc(most * sizeof *C);
    const blas_plan was = blas_active_plan();
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        plan->path[c] = blas_runnable(BLAS_AUTO);
    if (!A || !B || !C) {
        free(A), free(B), free(C);
        return -1;
    }
    for (size_t i = 0; i < most; i++) { /* touches every page before the clock starts */
        A[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
        B[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
    }
    memset(C, 0, most * sizeof *C);
    double best[N_SHAPES][BLAS_PATH_COUNT] = {{0}};
    for (int r = 0; r < PLAN_REPEATS; r++) /* interleaved: a slow spell of a shared host hits every path */
        for (int p = BLAS_OPENBLAS; p < BLAS_PATH_COUNT; p++) {
            if (blas_runnable((blas_path)p) != (blas_path)p)
                continue;
            blas_set_path((blas_path)p);
            for (int s = 0; s < N_SHAPES; s++) {
                double t = time_shape(&shapes[s], A, B, C);
                if (r == 0 || t < best[s][p])
                    best[s][p] = t;
            }
        }
    free(A), free(B), free(C);
    blas_set_plan(&was);
    blas_timings t = {{{0}}};
    for (int s = 0; s < N_SHAPES; s++)
        for (int p = BLAS_OPENBLAS; p < BLAS_PATH_COUNT; p++)
            t.seconds[shapes[s].cls][p] += shapes[s].weight * best[s][p];
    for (int c = 0; c < BLAS_CLASS_COUNT; c++) {
        plan->path[c] = BLAS_OPENBLAS; /* a tie goes to OpenBLAS */
        for (int p = BLAS_OPENBLAS + 1; p < BLAS_PATH_COUNT; p++)
            if (t.seconds[c][p] > 0 && t.seconds[c][p] < t.seconds[c][plan->path[c]])
                plan->path[c] = (blas_path)p;
    }
    if (out)
        *out = t;
    return 0;
}

/* ---------------------------------------------------------------- the machine's cache */

/* What a plan depends on: the CPU, OpenBLAS's core and build, and this build of the own kernels. */
static void machine_key(char *key, size_t n)
{
    unsigned a = 0, b = 0, c = 0, d = 0, regs[12] = {0};
    char vendor[13] = {0}, brand[49] = {0};
    __get_cpuid(0, &a, &b, &c, &d);
    memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
    unsigned signature = 0;
    __get_cpuid(1, &signature, &b, &c, &d);
    if ((unsigned)__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u)
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    memcpy(brand, regs, 48);
    const char *trimmed = brand;
    while (*trimmed == ' ')
        trimmed++;
    snprintf(key, n, "cpu %s %08x %s; openblas %s %s; evofolio %s %s", vendor, signature, trimmed,
             openblas_get_corename(), openblas_get_config(), EVO_VERSION, evo_git_commit());
}

/* The cache directory, created when missing: 0, or -1 when there is none to be had. */
static int cache_dir(char *dir, size_t n)
{
    const char *env = getenv("EVOFOLIO_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int len = env && *env ? snprintf(dir, n, "%s", env)
              : xdg && *xdg ? snprintf(dir, n, "%s/evofolio", xdg)
              : home && *home ? snprintf(dir, n, "%s/.cache/evofolio", home)
                              : -1;
    if (len < 0 || (size_t)len >= n)
        return -1;
    for (char *slash = dir + 1;; slash++) { /* mkdir -p */
        if (*slash != '/' && *slash)
            continue;
        const char keep = *slash;
        *slash = '\0';
        int bad = mkdir(dir, 0755) && errno != EEXIST;
        *slash = keep;
        if (bad)
            return -1;
        if (!keep)
            return 0;
    }
}

/* The plan in the cache file when it was written for this key: 0, else -1. */
static int read_cache(const char *path, const char *key, blas_plan *plan)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int key_ok = 0, plan_ok = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "key ", 4))
            key_ok = !strcmp(line + 4, key);
        else if (!strncmp(line, "plan ", 5))
            plan_ok = !blas_plan_parse(plan, line + 5);
    }
    fclose(f);
    return key_ok && plan_ok ? 0 : -1;
}

static int write_cache(const char *path, const char *key, const blas_plan *plan, const blas_timings *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char text[BLAS_PLAN_TEXT_MAX], when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    blas_plan_text(plan, text);
    fprintf(f, "# evofolio's kernel plan for this machine, measured %s (blas_plan.h); delete the file to "
            "measure again\nkey %s\nplan %s\n# microseconds per product (the weighted sum over each class's shapes):\n",
            when, key, text);
    for (int c = 0; c < BLAS_CLASS_COUNT; c++) {
        fprintf(f, "# %-8s", blas_class_name((blas_class)c));
        for (int p = BLAS_OPENBLAS; p < BLAS_PATH_COUNT; p++)
            if (t->seconds[c][p] > 0)
                fprintf(f, " %s %.1f", blas_path_name((blas_path)p), 1e6 * t->seconds[c][p]);
        fputc('\n', f);
    }
    return fclose(f) ? -1 : 0;
}

/* Publish a measured plan: the first process of the machine to finish wins (link fails on an existing
 * file) and the others take its plan, so that all of them agree; a file with another key or a plan
 * that no longer parses is replaced. */
static int publish(const char *path, const char *key, blas_plan *plan, const blas_timings *t)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int rc = write_cache(tmp, key, plan, t);
    if (!rc && link(tmp, path)) {
        blas_plan theirs;
        if (errno == EEXIST && !read_cache(path, key, &theirs))
            *plan = theirs;
        else
            rc = rename(tmp, path);
    }
    unlink(tmp);
    return rc;
}

void blas_plan_machine(blas_plan *plan, char *how, size_t how_size)
{
    const blas_path forced = blas_env_path();
    if (forced != BLAS_AUTO) {
        const blas_path p = blas_runnable(forced);
        if (p != forced)
            fprintf(stderr, "evofolio: EVOFOLIO_BLAS=%s, but this CPU cannot run those kernels: using %s\n",
                    blas_path_name(forced), blas_path_name(p));
        for (int c = 0; c < BLAS_CLASS_COUNT; c++)
            plan->path[c] = p;
        snprintf(how, how_size, "EVOFOLIO_BLAS=%s", blas_path_name(forced));
        return;
    }
    char key[1024], dir[4096], path[4160];
    machine_key(key, sizeof key);
    const int have_dir = !cache_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/blas-plan-%016llx", have_dir ? dir : ".",
             (unsigned long long)hash_fnv1a(key, strlen(key)));
    if (have_dir && !read_cache(path, key, plan)) {
        snprintf(how, how_size, "cached in %s", path);
        return;
    }
    blas_timings t;
    if (blas_plan_measure(plan, &t)) {
        snprintf(how, how_size, "the widest own kernels: out of memory for a measurement");
        return;
    }
    if (have_dir && !publish(path, key, plan, &t))
        snprintf(how, how_size, "measured, saved to %s", path);
    else
        snprintf(how, how_size, "measured (not cached: %s cannot be written; set EVOFOLIO_CACHE_DIR)",
                 have_dir ? path : "no cache directory");
}
