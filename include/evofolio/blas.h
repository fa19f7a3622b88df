/* blas: the one door to OpenBLAS. Row-major single-precision GEMM with a naive reference loop beside
 * it for tests, and the switch to one BLAS thread (parallelism is across candidates, not inside one).
 * Nothing allocates; sizes are trusted (callers own the shapes). */
#ifndef EVOFOLIO_BLAS_H
#define EVOFOLIO_BLAS_H

/* C[M][N] = alpha * op(A)[M][K] op(B)[K][N] + beta * C, row-major; op(X) = X^T when trans_x. */
void blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc);
/* The same with plain loops (accumulating in double), for tests. */
void blas_sgemm_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc);
/* Run BLAS on one thread in this process. */
void blas_single_thread(void);

#endif
