/* blas: the one door to matrix products - row-major single-precision GEMM, computed either by the
 * project's own AVX2/FMA or AVX-512 kernels (src/blas.c says why) or by OpenBLAS's cblas_sgemm,
 * whichever path is in force - and a naive reference loop beside it for tests. Nothing allocates and
 * nothing fails: sizes are trusted (callers own the shapes and the buffers).
 *
 * The path: EVOFOLIO_BLAS=auto (the default: the widest own kernels the CPU runs - AVX-512, else
 * AVX2 and FMA - else OpenBLAS), avx2, avx512 or openblas, read once per process when first needed;
 * blas_set_path overrides it. An unknown value is auto; a path the CPU cannot run falls to the next
 * narrower one (avx512 to avx2 to OpenBLAS), each with a warning on stderr. Auto is a rule on CPU
 * features, the same in every rank on a CPU model: on the machines measured avx512 was never slower
 * than avx2 and within 0.8-1.2x of OpenBLAS (bench/README.md), but which path is fastest depends on
 * the CPU and OpenBLAS's build, so auto is to become a measured choice (issue 14). On the own paths
 * OpenBLAS still computes the products with both operands transposed and fewer than 256 rows
 * (src/blas.c, GEMM_PACK_MIN_ROWS). The choice is fixed, never timed: the search's archives are
 * identical for 1 and N ranks and a resume equals an uninterrupted run only while every process
 * computes alike, so a measured choice (issue 14) must be made once per machine and shared by all
 * ranks, not per process. blas_single_thread keeps OpenBLAS on one thread (parallelism is across
 * candidates, not inside one); the own kernels always run on one. */
#ifndef EVOFOLIO_BLAS_H
#define EVOFOLIO_BLAS_H

/* C[M][N] = alpha * op(A)[M][K] op(B)[K][N] + beta * C, row-major; op(X) = X^T when trans_x. */
void blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc);
/* The same with plain loops (accumulating in double), for tests. */
void blas_sgemm_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc);
typedef enum {
    BLAS_AUTO,       /* resolved at first use: BLAS_OWN_AVX2 where the CPU has AVX2 and FMA, else OpenBLAS */
    BLAS_OPENBLAS,   /* cblas_sgemm for every product */
    BLAS_OWN_AVX2,   /* the own AVX2/FMA kernels (OpenBLAS for both-transposed products under 256 rows) */
    BLAS_OWN_AVX512, /* the own AVX-512 kernels, the same split; never chosen by auto (yet) */
    BLAS_PATH_COUNT
} blas_path;
/* The path in force (never BLAS_AUTO: what auto resolved to); blas_set_path overrides EVOFOLIO_BLAS,
 * for tests and benchmarks. */
blas_path blas_active_path(void);
void blas_set_path(blas_path path);
const char *blas_path_name(blas_path path); /* "auto", "openblas", "avx2", "avx512" */
/* Run BLAS on one thread in this process. */
void blas_single_thread(void);

#endif
