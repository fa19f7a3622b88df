/* rng: the project's one random number generator, xoshiro256** seeded through splitmix64.
 * State is explicit and plain (copy it, store it in the archive to resume); there is no hidden global.
 * Shape: none; every draw advances the state passed in. */
#ifndef EVOFOLIO_RNG_H
#define EVOFOLIO_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} evo_rng;

void rng_seed(evo_rng *rng, uint64_t seed);
uint64_t rng_next(evo_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(evo_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t rng_below(evo_rng *rng, uint64_t n);
/* Standard normal (Box-Muller; each call consumes two uniforms so the state alone fixes the stream). */
double rng_normal(evo_rng *rng);

#endif
