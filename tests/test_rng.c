/* Tests of rng: determinism, ranges, and moments of the uniform and normal draws. */
#include <criterion/criterion.h>
#include <math.h>

#include "evofolio/rng.h"

Test(rng, same_seed_same_stream, .description = "a seed fixes the stream; another seed changes it")
{
    evo_rng a, b, c;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        cr_assert_eq(x, rng_next(&b));
        differ += x != rng_next(&c);
    }
    cr_assert_geq(differ, 999);
}

Test(rng, uniform_and_below_ranges, .description = "uniform in [0,1); below(n) in [0,n), every value hit")
{
    evo_rng r;
    rng_seed(&r, 1);
    int hits[7] = {0};
    for (int i = 0; i < 70000; i++) {
        double u = rng_uniform(&r);
        cr_assert(u >= 0 && u < 1);
        uint64_t k = rng_below(&r, 7);
        cr_assert_lt(k, 7);
        hits[k]++;
    }
    /* Each count is Binomial(70000, 1/7): mean 10000, sd ~92; 600 is > 6 sd. */
    for (int k = 0; k < 7; k++)
        cr_assert(abs(hits[k] - 10000) < 600, "value %d drawn %d times", k, hits[k]);
}

Test(rng, normal_moments, .description = "mean 0, variance 1, kurtosis 3 within sampling error")
{
    evo_rng r;
    rng_seed(&r, 2026);
    enum { N = 200000 };
    double s1 = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < N; i++) {
        double z = rng_normal(&r);
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    /* Standard errors for N = 2e5: mean 0.0022, variance 0.0032, fourth moment ~0.023; 5 sd bounds. */
    cr_assert(fabs(s1 / N) < 0.011);
    cr_assert(fabs(s2 / N - 1) < 0.016);
    cr_assert(fabs(s4 / N - 3) < 0.12);
}
