/* Tests of hash: FNV-1a 64 against the published test vectors. */
#include <criterion/criterion.h>

#include "evofolio/hash.h"

Test(hash, fnv1a_reference_vectors, .description = "empty input, 'a' and 'foobar' give the published values")
{
    cr_assert_eq(hash_fnv1a("", 0), 0xcbf29ce484222325ULL);
    cr_assert_eq(hash_fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
    cr_assert_eq(hash_fnv1a("foobar", 6), 0x85944171f73967e8ULL);
}
