/* suggest: "did you mean ...?" for a misspelt key, command, feature or asset name.
 * Returns a pointer into the caller's candidate array (or NULL when nothing is close); no allocation. */
#ifndef EVOFOLIO_SUGGEST_H
#define EVOFOLIO_SUGGEST_H

/* The candidate closest to word by edit distance (case-insensitive), when it is close enough to be a
 * likely typo: at most 2 edits, and fewer edits than half the word's length. */
const char *suggest_closest(const char *word, const char *const *candidates, int n_candidates);

#endif
