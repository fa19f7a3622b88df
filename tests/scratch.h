/* Scratch directories for tests: a fresh mkdtemp directory per test, removed with everything in it
 * when the test ends. */
#ifndef EVOFOLIO_TESTS_SCRATCH_H
#define EVOFOLIO_TESTS_SCRATCH_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

/* Make /tmp/evofolio-<name>-XXXXXX into dir[size]. */
static inline void scratch_create(char *dir, size_t size, const char *name)
{
    snprintf(dir, size, "/tmp/evofolio-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(dir), "cannot make a scratch directory for %s", name);
}

static inline void scratch_remove(const char *dir)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0, "cannot remove %s", dir);
}

#endif
