/* suggest: closest candidate by Levenshtein distance. */
#include "evofolio/suggest.h"

#include <ctype.h>
#include <string.h>

enum { SUGGEST_MAX_LEN = 64 };

/* Levenshtein distance with one rolling row; words longer than SUGGEST_MAX_LEN are never suggested. */
static int edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > SUGGEST_MAX_LEN || nb > SUGGEST_MAX_LEN)
        return SUGGEST_MAX_LEN;
    int row[SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

const char *suggest_closest(const char *word, const char *const *candidates, int n_candidates)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < n_candidates; i++) {
        int d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    if (best && 2 * best_d >= (int)strlen(word))
        return NULL;
    return best;
}
