/* Tests of blas: the OpenBLAS wrapper against the naive reference loop, and both against hand values.
 * Shapes: C[M][N] = alpha op(A)[M][K] op(B)[K][N] + beta C, row-major, leading dimensions lda/ldb/ldc.
 *
 * Tolerance: |C_blas - C_naive| <= max(1e-5, (K + 3) 2^-24) * (|alpha| sum_k |a_ik||b_kj| + |beta||c_ij|)
 * + 1e-30. Float accumulation of K products, in any order and with or without FMA, errs by at most
 * about K * 2^-24 * sum |a||b| (the worst case of recursive summation; blocked and lane-wise sums err
 * less), and scaling by alpha and adding beta c costs a few more roundings, hence K + 3; the naive loop
 * sums in double and rounds once. The 1e-5 floor only loosens small K (up to 164). An element taken
 * from the wrong row or column, a missed alpha/beta, or a NaN carried from C under beta = 0 is off by
 * O(1) of that sum (or not finite), far outside (K + 3) 2^-24 ~ 3.6e-5 even for K = 600. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/blas.h"
#include "evofolio/rng.h"

#define C_PAD_SENTINEL 12345.0f

/* Fills a rows x cols matrix with leading dimension ld: values uniform in [-1, 1), padding NaN so that
 * reading past a row's width poisons the result. */
static float *matrix_random(evo_rng *rng, int rows, int cols, int ld, float pad)
{
    float *x = malloc(sizeof(float) * (size_t)(rows > 0 ? rows : 1) * (size_t)ld);
    cr_assert_not_null(x);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < ld; j++)
            x[i * ld + j] = j < cols ? (float)(2 * rng_uniform(rng) - 1) : pad;
    return x;
}

/* Runs blas_sgemm and blas_sgemm_naive on the same random inputs (padded by `pad` columns) and
 * compares every element of C within the stated tolerance; C's padding must stay untouched. */
static void check_gemm(int ta, int tb, int M, int N, int K, float alpha, float beta, int pad,
                       uint64_t seed)
{
    evo_rng rng;
    rng_seed(&rng, seed);
    int a_rows = ta ? K : M, a_cols = ta ? M : K;
    int b_rows = tb ? N : K, b_cols = tb ? K : N;
    int lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
    float *A = matrix_random(&rng, a_rows, a_cols, lda, NAN);
    float *B = matrix_random(&rng, b_rows, b_cols, ldb, NAN);
    float *C0 = matrix_random(&rng, M, N, ldc, C_PAD_SENTINEL);
    if (beta == 0) /* beta = 0 must overwrite C, never read it: NaN there must not come through */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C0[i * ldc + j] = NAN;
    size_t c_bytes = sizeof(float) * (size_t)M * ldc;
    float *C1 = malloc(c_bytes), *C2 = malloc(c_bytes);
    cr_assert(C1 && C2);
    memcpy(C1, C0, c_bytes);
    memcpy(C2, C0, c_bytes);

    blas_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
    blas_sgemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);

    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double mag = 0;
            for (int k = 0; k < K; k++) {
                float a = ta ? A[k * lda + i] : A[i * lda + k];
                float b = tb ? B[j * ldb + k] : B[k * ldb + j];
                mag += fabs((double)a * b);
            }
            double rel = fmax(1e-5, (K + 3) * 0x1p-24);
            double tol = rel * (fabs(alpha) * mag + (beta == 0 ? 0 : fabs(beta) * fabs(C0[i * ldc + j]))) + 1e-30;
            float got = C1[i * ldc + j], want = C2[i * ldc + j];
            cr_assert(isfinite(got) && fabs((double)got - want) <= tol,
                      "ta=%d tb=%d M=%d N=%d K=%d pad=%d: C[%d][%d] blas %.9g naive %.9g tol %.3g", ta, tb,
                      M, N, K, pad, i, j, got, want, tol);
        }
        for (int j = N; j < ldc; j++)
            cr_assert(C1[i * ldc + j] == C_PAD_SENTINEL && C2[i * ldc + j] == C_PAD_SENTINEL,
                      "padding C[%d][%d] written (ta=%d tb=%d)", i, j, ta, tb);
    }
    free(A);
    free(B);
    free(C0);
    free(C1);
    free(C2);
}

Test(blas, hand_worked_product, .description = "2x3 times 3x2 matches a product worked by hand, both paths")
{
    const float A[6] = {1, 2, 3, 4, 5, 6};    /* [2][3] */
    const float B[6] = {7, 8, 9, 10, 11, 12}; /* [3][2] */
    /* A B = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]] = [[58, 64], [139, 154]];
     * with alpha 2, beta 0.5 on C = [1, 2, 3, 4]: [[116.5, 129], [279.5, 310]]. Small integers and
     * halves are exact in float, so the comparison is exact. */
    const float want[4] = {116.5f, 129, 279.5f, 310};
    float C[4] = {1, 2, 3, 4}, Cn[4] = {1, 2, 3, 4};
    blas_sgemm(0, 0, 2, 2, 3, 2.0f, A, 3, B, 2, 0.5f, C, 2);
    blas_sgemm_naive(0, 0, 2, 2, 3, 2.0f, A, 3, B, 2, 0.5f, Cn, 2);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(C[i], want[i], "blas C[%d] = %g", i, C[i]);
        cr_assert_eq(Cn[i], want[i], "naive C[%d] = %g", i, Cn[i]);
    }
    /* The same product through transposes: A^T stored [3][2], B^T stored [2][3]. */
    const float At[6] = {1, 4, 2, 5, 3, 6}, Bt[6] = {7, 9, 11, 8, 10, 12};
    float D[4] = {1, 2, 3, 4};
    blas_sgemm(1, 1, 2, 2, 3, 2.0f, At, 2, Bt, 3, 0.5f, D, 2);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(D[i], want[i], "transposed C[%d] = %g", i, D[i]);
}

Test(blas, matches_naive_all_transposes_odd_sizes,
     .description = "all four (trans_a, trans_b) at odd sizes, M=1, N=1, K=1 and a blocked size")
{
    static const int sizes[][3] = {{7, 13, 5}, {1, 13, 5}, {7, 1, 5}, {1, 1, 1}, {7, 13, 1}, {33, 17, 65}};
    uint64_t seed = 1;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                check_gemm(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f, 0, seed++);
}

Test(blas, leading_dimensions_wider_than_rows,
     .description = "lda/ldb/ldc > row width: padding (NaN in A, B) is never read, C's padding never written")
{
    uint64_t seed = 100;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm(ta, tb, 7, 13, 5, 1.0f, 0.0f, 3, seed++);
            check_gemm(ta, tb, 1, 1, 9, 1.0f, 1.0f, 2, seed++);
        }
}

Test(blas, alpha_and_beta_scale, .description = "alpha != 1 and beta = 1 (accumulate) or 0.5, all transposes")
{
    uint64_t seed = 200;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm(ta, tb, 7, 13, 5, -1.75f, 1.0f, 1, seed++);
            check_gemm(ta, tb, 5, 3, 11, 0.5f, 0.5f, 0, seed++);
        }
}

Test(blas, beta_one_accumulates, .description = "beta = 1 adds to C: two calls give twice one product")
{
    evo_rng rng;
    rng_seed(&rng, 7);
    enum { M = 7, N = 13, K = 5 };
    float *A = matrix_random(&rng, M, K, K, 0), *B = matrix_random(&rng, K, N, N, 0);
    float once[M * N], twice[M * N];
    memset(once, 0, sizeof once);
    memset(twice, 0, sizeof twice);
    blas_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, once, N);
    blas_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 1.0f, twice, N);
    blas_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 1.0f, twice, N);
    /* 0 + x then x + x: both sums are exact in float (doubling), so equality is exact. */
    for (int i = 0; i < M * N; i++)
        cr_assert_eq(twice[i], 2 * once[i], "element %d: %g vs 2 * %g", i, twice[i], once[i]);
    free(A);
    free(B);
}

Test(blas, beta_zero_overwrites_nan, .description = "beta = 0: C pre-filled with NaN is overwritten, not propagated")
{
    evo_rng rng;
    rng_seed(&rng, 11);
    enum { M = 7, N = 13, K = 5 };
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            float *A = matrix_random(&rng, ta ? K : M, ta ? M : K, ta ? M : K, 0);
            float *B = matrix_random(&rng, tb ? N : K, tb ? K : N, tb ? K : N, 0);
            float C[M * N], Cn[M * N];
            for (int i = 0; i < M * N; i++)
                C[i] = Cn[i] = NAN;
            blas_sgemm(ta, tb, M, N, K, 2.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
            blas_sgemm_naive(ta, tb, M, N, K, 2.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, Cn, N);
            /* |2 a b| summed over K = 5 terms of [-1, 1) values is < 10: tolerance 1e-5 * 10. */
            for (int i = 0; i < M * N; i++) {
                cr_assert(isfinite(C[i]), "blas ta=%d tb=%d C[%d] = %g", ta, tb, i, C[i]);
                cr_assert(isfinite(Cn[i]), "naive ta=%d tb=%d C[%d] = %g", ta, tb, i, Cn[i]);
                cr_assert_float_eq(C[i], Cn[i], 1e-4, "ta=%d tb=%d C[%d]", ta, tb, i);
            }
            free(A);
            free(B);
        }
}

Test(blas, k_zero_scales_c_by_beta, .description = "K = 0: C = beta C (beta 0 clears even NaN), both paths")
{
    const float A[1] = {NAN}, B[1] = {NAN}; /* never read when K = 0 */
    float C[6] = {1, -2, 3, -4, 5, -6}, Cn[6] = {1, -2, 3, -4, 5, -6};
    blas_sgemm(0, 0, 2, 3, 0, 3.0f, A, 1, B, 3, 0.5f, C, 3);
    blas_sgemm_naive(0, 0, 2, 3, 0, 3.0f, A, 1, B, 3, 0.5f, Cn, 3);
    /* Halving is exact in float. */
    for (int i = 0; i < 6; i++) {
        float want = (i % 2 ? -1.0f : 1.0f) * (float)(i + 1) * 0.5f;
        cr_assert_eq(C[i], want, "blas C[%d] = %g, want %g", i, C[i], want);
        cr_assert_eq(Cn[i], want, "naive C[%d] = %g, want %g", i, Cn[i], want);
    }
    float D[6], Dn[6];
    for (int i = 0; i < 6; i++)
        D[i] = Dn[i] = NAN;
    blas_sgemm(1, 1, 2, 3, 0, 1.0f, A, 2, B, 1, 0.0f, D, 3);
    blas_sgemm_naive(1, 1, 2, 3, 0, 1.0f, A, 2, B, 1, 0.0f, Dn, 3);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(D[i], 0.0f, "blas D[%d] = %g", i, D[i]);
        cr_assert_eq(Dn[i], 0.0f, "naive D[%d] = %g", i, Dn[i]);
    }
}

Test(blas, tall_deep_and_wide_products, .description = "the blocked paths: M >= 256 (packed), K > 256 (depth panels), N past 24-wide tiles")
{
    /* M = 300 takes the packed path, M = 70 the direct one; K = 600 spans three depth panels; N = 53
     * leaves a partial tile and N = 4 a partial NT tile; padding makes lda/ldb/ldc wider than rows. */
    static const int sizes[][3] = {{300, 53, 600}, {300, 4, 37}, {70, 53, 600}, {70, 100, 257}};
    uint64_t seed = 100;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                check_gemm(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f, 3, seed++);
                check_gemm(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], -0.5f, 1.0f, 0, seed++);
            }
}

static int runs(blas_path p) { return blas_runnable(p) == p; }

/* Every shape of check_gemm on the plan in force. */
static void check_all_shapes(uint64_t seed)
{
    static const int sizes[][3] = {{7, 13, 5},    {1, 1, 1},     {33, 17, 65},   {6, 48, 16},
                                   {12, 96, 32},  {5, 47, 17},   {300, 53, 600}, {301, 18, 18},
                                   {70, 100, 257}, {64, 130, 300}, {260, 100, 18}, {257, 200, 100}};
    static const float scales[][2] = {{1.0f, 0.0f}, {-0.5f, 1.0f}, {2.0f, 0.25f}, {0.75f, 0.0f}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                for (size_t a = 0; a < sizeof scales / sizeof scales[0]; a++)
                    check_gemm(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], scales[a][0], scales[a][1],
                               (int)(a % 3), seed++);
}

/* Every kernel path the CPU can run, forced in-process, against the naive loop on every shape class:
 * all four transposes; odd sizes and 1s; M not a multiple of the tile rows (4 for AVX2, 6 for AVX-512)
 * and N not a multiple of 8, 16 or 48 (partial and masked tiles), and exact multiples (full tiles
 * only); K > 256 (depth panels) and K not a multiple of 16 (masked NT tails); M >= 256 (the packed
 * path) with a partial row tile, and with a shallow K that packs several panels at once (K = 18: one
 * chunk of three panels; K = 100: chunks of two panels, the last one partial); alpha/beta variants,
 * beta = 0 over NaN-filled C (check_gemm). A path the CPU lacks is skipped with a warning in the log. */
Test(blas, every_path_matches_naive, .description = "EVOFOLIO_BLAS paths: openblas, avx2 and avx512 (where the CPU has them)")
{
    for (int p = BLAS_OPENBLAS; p < BLAS_PATH_COUNT; p++) {
        if (!runs((blas_path)p)) {
            cr_log_warn("this CPU cannot run the %s path: not tested here", blas_path_name((blas_path)p));
            continue;
        }
        blas_set_path((blas_path)p);
        check_all_shapes(500);
    }
}

/* Plans that mix the paths across the classes (each class another path than its neighbour's, in
 * three rotations): a product must take its own class's path and nothing of another's. */
Test(blas, mixed_plans_match_naive, .description = "a plan with a different path per shape class computes every class right")
{
    blas_path usable[BLAS_PATH_COUNT];
    int n = 0;
    for (int p = BLAS_OPENBLAS; p < BLAS_PATH_COUNT; p++)
        if (runs((blas_path)p))
            usable[n++] = (blas_path)p;
    for (int rot = 0; rot < 3; rot++) {
        blas_plan plan;
        for (int c = 0; c < BLAS_CLASS_COUNT; c++)
            plan.path[c] = usable[(c + rot) % n];
        blas_set_plan(&plan);
        const blas_plan got = blas_active_plan();
        cr_assert_eq(memcmp(&got, &plan, sizeof plan), 0, "the plan in force is the one set");
        check_all_shapes(900 + 100 * (uint64_t)rot);
    }
}

Test(blas, shape_classes, .description = "the transposes and M >= 256 pick the class")
{
    cr_assert_eq(blas_class_of(0, 0, 64), BLAS_NN);
    cr_assert_eq(blas_class_of(0, 0, 255), BLAS_NN);
    cr_assert_eq(blas_class_of(0, 0, 256), BLAS_NN_TALL);
    cr_assert_eq(blas_class_of(0, 1, 64), BLAS_NT);
    cr_assert_eq(blas_class_of(0, 1, 3840), BLAS_NT_TALL);
    cr_assert_eq(blas_class_of(1, 0, 18), BLAS_TN);
    cr_assert_eq(blas_class_of(1, 1, 18), BLAS_TN, "both transposed goes with TN");
    cr_assert_eq(blas_class_of(1, 0, 256), BLAS_TN_TALL);
    cr_assert_str_eq(blas_class_name(BLAS_NT_TALL), "nt_tall");
}

Test(blas, the_environment_picks_the_path, .description = "EVOFOLIO_BLAS=openblas forces OpenBLAS; auto is the widest own path")
{
    setenv("EVOFOLIO_BLAS", "openblas", 1); /* each Criterion test runs in its own process: read afresh */
    cr_assert_eq(blas_env_path(), BLAS_OPENBLAS);
    blas_plan p = blas_active_plan();
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        cr_assert_eq(p.path[c], BLAS_OPENBLAS, "class %s", blas_class_name((blas_class)c));
    cr_assert_str_eq(blas_path_name(BLAS_OPENBLAS), "openblas");
    blas_set_path(BLAS_AUTO);
    p = blas_active_plan();
    cr_assert_eq(p.path[0], blas_runnable(BLAS_OWN_AVX512), "auto gave %s, not the widest own path %s",
                 blas_path_name(p.path[0]), blas_path_name(blas_runnable(BLAS_OWN_AVX512)));
    setenv("EVOFOLIO_BLAS", "fastest", 1);
    cr_assert_eq(blas_env_path(), BLAS_AUTO, "an unknown value is auto");
}

Test(blas, the_environment_picks_avx512, .description = "EVOFOLIO_BLAS=avx512 forces the AVX-512 kernels, or falls to avx2, then OpenBLAS")
{
    setenv("EVOFOLIO_BLAS", "avx512", 1);
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                       __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
    if (!avx512)
        cr_log_warn("this CPU has no AVX-512: only the fallback of EVOFOLIO_BLAS=avx512 is tested here");
    blas_path want = avx512 ? BLAS_OWN_AVX512 : avx2 ? BLAS_OWN_AVX2 : BLAS_OPENBLAS;
    const blas_plan p = blas_active_plan();
    cr_assert_eq(p.path[BLAS_NN], want, "EVOFOLIO_BLAS=avx512 gave %s", blas_path_name(p.path[BLAS_NN]));
    cr_assert_eq(blas_runnable(BLAS_OWN_AVX512), want);
    cr_assert_eq(blas_runnable(BLAS_AUTO), want, "auto: the widest own kernels the CPU runs");
    cr_assert_str_eq(blas_path_name(BLAS_OWN_AVX512), "avx512");
}
