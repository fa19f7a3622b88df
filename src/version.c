/* version: the git commit comes from the Makefile (-DEVO_GIT_COMMIT); only this file is rebuilt when
 * it changes. */
#include "evofolio/version.h"

#ifndef EVO_GIT_COMMIT
#define EVO_GIT_COMMIT "unknown"
#endif

const char *evo_git_commit(void) { return EVO_GIT_COMMIT; }
