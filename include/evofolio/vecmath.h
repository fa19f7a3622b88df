/* vecmath: what the nn layer's element-wise loops share - a branch-free exp that vectorises and the
 * attribute that clones a loop for AVX-512 and AVX2 - header only, static inline. */
#ifndef EVOFOLIO_VECMATH_H
#define EVOFOLIO_VECMATH_H

#include <string.h>

/* exp(x) for x clamped to [-87, 88]: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-6
 * polynomial (Cephes expf, relative error ~1e-7), 2^n assembled in the exponent bits. Branch-free so
 * that loops over it vectorise. */
static inline __attribute__((always_inline)) float vec_exp(float x)
{
    x = x > -87.0f ? x : -87.0f; /* written so that NaN clamps too: no undefined shift below */
    x = x < 88.0f ? x : 88.0f;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to the nearest integer */
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693359375f - n * -2.12194440e-4f; /* ln2 split in two for accuracy */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int bits = ((int)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Element-wise loops are cloned for x86-64-v4 (AVX-512) and x86-64-v3 (AVX2+FMA) and chosen at
 * load time, so one binary runs everywhere and uses the wide units where they exist: the v4 clone of
 * lstm.c's step_forward ran 1.4-1.5x faster than v3 at H = 32..128, B = 64 (a Sapphire Rapids Xeon,
 * 2026-12-03; bench/README.md). Each element's arithmetic is the same in every clone (the sums run in
 * the same order), so the clones agree bit for bit. */
#define WIDE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

#endif
