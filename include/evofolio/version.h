/* version: what this build is - the release and the git commit it was built from (the archive records
 * both for every run, so that any candidate can be reproduced with the code that made it). */
#ifndef EVOFOLIO_VERSION_H
#define EVOFOLIO_VERSION_H

#define EVO_VERSION "0.1.0"

/* `git describe --always --dirty` of the source tree at build time, or "unknown" outside a checkout. */
const char *evo_git_commit(void);

#endif
