/* blas: single-precision GEMM. On machines with AVX2 and FMA our own register-blocked kernels run
 * instead of cblas_sgemm: OpenBLAS 0.3.21 does not recognise some current Xeons (it falls back to
 * its SSE3 "Prescott" kernels, ~37 GFLOP/s on the LSTM's shapes here) and the kernels below reach
 * ~90-110 GFLOP/s on the same shapes (bench/README.md). Elsewhere cblas_sgemm does the work.
 *
 * NN and TN products use a 4 x 24 tile (12 ymm accumulators, three B vectors, one broadcast A);
 * NT products (B transposed: rows of B are contiguous along K) use 2 x 4 dot-product tiles over
 * 8-wide partial sums. Edges fall to narrower tiles and a scalar loop. */
#include "evofolio/blas.h"

#include <cblas.h>
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/* Store one tile row: C = alpha * acc + beta * C over n (<= 8) columns. */
static inline AVX2 void store_row(float *c, __m256 acc, float alpha, float beta, int n)
{
    float t[8];
    _mm256_storeu_ps(t, acc);
    for (int j = 0; j < n; j++)
        c[j] = alpha * t[j] + (beta == 0 ? 0 : beta * c[j]);
}

static inline AVX2 void store_full(float *c, __m256 acc, float alpha, float beta)
{
    __m256 v = _mm256_mul_ps(_mm256_set1_ps(alpha), acc);
    if (beta != 0)
        v = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), v);
    _mm256_storeu_ps(c, v);
}

/* A tile of R rows (1..4) x Q vectors (1..3) of 8 columns, NN or TN: op(A)[i][k] is A[i*sa + k*sk]. */
static inline AVX2 __attribute__((always_inline)) void
tile_nn(int R, int Q, int K, const float *a, int sa, int sk, const float *b, int ldb, float *c, int ldc,
        float alpha, float beta, int ncols)
{
    __m256 acc[4][3];
    for (int r = 0; r < R; r++)
        for (int q = 0; q < Q; q++)
            acc[r][q] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 bv[3];
        for (int q = 0; q < Q; q++)
            bv[q] = _mm256_loadu_ps(b + (size_t)k * ldb + 8 * q);
        for (int r = 0; r < R; r++) {
            __m256 av = _mm256_broadcast_ss(a + (size_t)r * sa + (size_t)k * sk);
            for (int q = 0; q < Q; q++)
                acc[r][q] = _mm256_fmadd_ps(av, bv[q], acc[r][q]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int q = 0; q < Q; q++) {
            float *cr = c + (size_t)r * ldc + 8 * q;
            int n = ncols - 8 * q;
            if (n >= 8)
                store_full(cr, acc[r][q], alpha, beta);
            else
                store_row(cr, acc[r][q], alpha, beta, n);
        }
}

/* Columns past the last multiple of 8 with plain loops. */
static void edge_nn(int M, int j0, int N, int K, const float *A, int sa, int sk, const float *B, int ldb,
                    float *C, int ldc, float alpha, float beta)
{
    for (int i = 0; i < M; i++)
        for (int j = j0; j < N; j++) {
            float s = 0;
            for (int k = 0; k < K; k++)
                s += A[(size_t)i * sa + (size_t)k * sk] * B[(size_t)k * ldb + j];
            float *c = &C[(size_t)i * ldc + j];
            *c = alpha * s + (beta == 0 ? 0 : beta * *c);
        }
}

#define TILE_ROWS(R)                                                                               \
    do {                                                                                           \
        const float *ai = A + (size_t)i * sa;                                                      \
        float *ci = C + (size_t)i * ldc;                                                           \
        int j = 0;                                                                                 \
        for (; j + 24 <= N8; j += 24)                                                              \
            tile_nn(R, 3, K, ai, sa, sk, B + j, ldb, ci + j, ldc, alpha, beta, 24);                \
        if (N8 - j == 16)                                                                          \
            tile_nn(R, 2, K, ai, sa, sk, B + j, ldb, ci + j, ldc, alpha, beta, 16);                \
        else if (N8 - j == 8)                                                                      \
            tile_nn(R, 1, K, ai, sa, sk, B + j, ldb, ci + j, ldc, alpha, beta, 8);                 \
    } while (0)

static AVX2 void gemm_nn_panel(int M, int N, int K, float alpha, const float *A, int sa, int sk,
                               const float *B, int ldb, float beta, float *C, int ldc)
{
    const int N8 = N & ~7;
    int i = 0;
    for (; i + 4 <= M; i += 4)
        TILE_ROWS(4);
    for (; i < M; i++)
        TILE_ROWS(1);
    edge_nn(M, N8, N, K, A, sa, sk, B, ldb, C, ldc, alpha, beta);
}

/* K in panels of GEMM_KC rows of B, so that a tile's slice of B stays in L1 while the rows of A pass
 * over it; later panels accumulate (beta = 1). */
enum { GEMM_KC = 256 };

static AVX2 void gemm_nn(int M, int N, int K, float alpha, const float *A, int sa, int sk,
                         const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
        int kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        gemm_nn_panel(M, N, kc, alpha, A + (size_t)k0 * sk, sa, sk, B + (size_t)k0 * ldb, ldb,
                      k0 == 0 ? beta : 1.0f, C, ldc);
    }
}

static inline AVX2 float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* C[i][j] = alpha * sum_k A[i][k] B[j][k] + beta C[i][j]: 2 x 4 tiles of 8-wide partial sums. */
static AVX2 void gemm_nt(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                         int ldb, float beta, float *C, int ldc)
{
    const int K8 = K & ~7;
    for (int i = 0; i < M; i += 2) {
        const int R = M - i >= 2 ? 2 : 1;
        for (int j = 0; j < N; j += 4) {
            const int S = N - j >= 4 ? 4 : N - j;
            __m256 acc[2][4];
            for (int r = 0; r < 2; r++)
                for (int s = 0; s < 4; s++)
                    acc[r][s] = _mm256_setzero_ps();
            for (int k = 0; k < K8; k += 8) {
                __m256 av0 = _mm256_loadu_ps(A + (size_t)i * lda + k);
                __m256 av1 = R > 1 ? _mm256_loadu_ps(A + (size_t)(i + 1) * lda + k) : av0;
                for (int s = 0; s < S; s++) {
                    __m256 bv = _mm256_loadu_ps(B + (size_t)(j + s) * ldb + k);
                    acc[0][s] = _mm256_fmadd_ps(av0, bv, acc[0][s]);
                    acc[1][s] = _mm256_fmadd_ps(av1, bv, acc[1][s]);
                }
            }
            for (int r = 0; r < R; r++)
                for (int s = 0; s < S; s++) {
                    const float *ar = A + (size_t)(i + r) * lda, *bs = B + (size_t)(j + s) * ldb;
                    float sum = hsum(acc[r][s]);
                    for (int k = K8; k < K; k++)
                        sum += ar[k] * bs[k];
                    float *c = &C[(size_t)(i + r) * ldc + j + s];
                    *c = alpha * sum + (beta == 0 ? 0 : beta * *c);
                }
        }
    }
}

static int has_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

void blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) { /* C = beta C, explicitly (beta = 0 clears NaN) */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * C[(size_t)i * ldc + j];
        return;
    }
    if (has_avx2_fma() && !(trans_a && trans_b)) {
        if (!trans_b) /* op(A)[i][k] = A[i*lda + k], or A[k*lda + i] when transposed */
            gemm_nn(M, N, K, alpha, A, trans_a ? 1 : lda, trans_a ? lda : 1, B, ldb, beta, C, ldc);
        else
            gemm_nt(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void blas_sgemm_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += (double)(trans_a ? A[k * lda + i] : A[i * lda + k]) *
                     (trans_b ? B[j * ldb + k] : B[k * ldb + j]);
            C[i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * C[i * ldc + j]));
        }
}

void blas_single_thread(void) { openblas_set_num_threads(1); }
