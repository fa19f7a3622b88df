/* Tests of suggest: close misspellings are suggested, unrelated words are not. */
#include <criterion/criterion.h>

#include "evofolio/suggest.h"

static const char *const words[] = {"population", "generations", "tournament", "seed", "mode"};

Test(suggest, close_words, .description = "one or two edits away, case-insensitive")
{
    cr_assert_str_eq(suggest_closest("populaton", words, 5), "population");
    cr_assert_str_eq(suggest_closest("Tournamnet", words, 5), "tournament");
    cr_assert_str_eq(suggest_closest("sed", words, 5), "seed");
}

Test(suggest, unrelated_words, .description = "nothing suggested when no candidate is close")
{
    cr_assert_null(suggest_closest("colour", words, 5));
    cr_assert_null(suggest_closest("x", words, 5), "one letter: every short word is 'close'");
    cr_assert_null(suggest_closest("populationpopulation", words, 5));
    cr_assert_null(suggest_closest("mode", words, 0));
}
