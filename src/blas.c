/* blas: single-precision GEMM by the path the plan gives the product's shape class (blas.h): our own
 * register-blocked AVX2/FMA or AVX-512 kernels, or cblas_sgemm. Why own kernels at all: OpenBLAS
 * 0.3.21 does not recognise some current Xeons (one seen 2026-11 fell back to its SSE3 "Prescott"
 * kernels, ~37 GFLOP/s on the LSTM's shapes, where the AVX2 kernels below reached ~90-110), and which
 * CPU a cluster node has is not known in advance. Where OpenBLAS does recognise the CPU it can be well
 * ahead of the AVX2 kernels (2026-12-03, a Sapphire Rapids Xeon: 2-3x on every LSTM shape, figures
 * below) and level with the AVX-512 ones, which is why the plan is measured (blas_plan.h).
 *
 * NN and TN products use a 4 x 24 tile (12 ymm accumulators, three B vectors, one broadcast A);
 * NT products (B transposed: rows of B are contiguous along K) use 2 x 4 dot-product tiles over
 * 8-wide partial sums. Edges fall to narrower tiles and a scalar loop.
 *
 * A third path, EVOFOLIO_BLAS=avx512, runs the same three kernels over zmm
 * vectors: 6 x 48 NN/TN tiles with masked loads and stores at the column edge, 4 x 4 NT dot tiles with
 * a masked K tail and a vector reduction, and 48-column packed panels. Why: a CPU with AVX-512 does
 * twice the work per FMA of the AVX2 tiles, and OpenBLAS uses AVX-512 only on the CPUs it recognises.
 * Measured on a 2-vCPU Sapphire Rapids Xeon under KVM (OpenBLAS 0.3.21 chose SkylakeX kernels; up to
 * 50% steal, so ratios within one run), one thread, median of 3 runs, GFLOP/s openblas / avx2 / avx512:
 * 1024^3 74 / 23 / 61; 64x512x128 NN 76 / 44 / 75; 3840x256x18 NN 56 / 20 / 60; 64x1024x256 NN
 * 64 / 36 / 58; 64x128x512 NT 63 / 24 / 63. lstm_bench samples/s, same order: small 29.9k / 20.6k /
 * 36.8k, seed 4.8k / 2.6k / 4.9k, large 285 / 143 / 279, portfolio 2270 / 1374 / 2219. */
#include "evofolio/blas.h"

#include <cblas.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    for (int r = 0; r < R; r++) {
        /* C is touched only at the end: start fetching it now so the tile does not wait on it */
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + 8 * Q - 1), _MM_HINT_T0);
        for (int q = 0; q < Q; q++)
            acc[r][q] = _mm256_setzero_ps();
    }
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

/* One 2 x S tile of C[i][j] = alpha * sum_k A[i][k] B[j][k] + beta C[i][j] (R rows, S <= 4 columns)
 * over 8-wide partial sums; R and S are constants where it is inlined, so the sums stay in registers. */
static inline AVX2 __attribute__((always_inline)) void
tile_nt(int R, int S, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
        float alpha, float beta)
{
    const int K8 = K & ~7;
    __m256 acc[2][4];
    for (int r = 0; r < R; r++)
        for (int s = 0; s < S; s++)
            acc[r][s] = _mm256_setzero_ps();
    for (int k = 0; k < K8; k += 8) {
        __m256 av[2];
        for (int r = 0; r < R; r++)
            av[r] = _mm256_loadu_ps(A + (size_t)r * lda + k);
        for (int s = 0; s < S; s++) {
            __m256 bv = _mm256_loadu_ps(B + (size_t)s * ldb + k);
            for (int r = 0; r < R; r++)
                acc[r][s] = _mm256_fmadd_ps(av[r], bv, acc[r][s]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int s = 0; s < S; s++) {
            const float *ar = A + (size_t)r * lda, *bs = B + (size_t)s * ldb;
            float sum = hsum(acc[r][s]);
            for (int k = K8; k < K; k++)
                sum += ar[k] * bs[k];
            float *c = &C[(size_t)r * ldc + s];
            *c = alpha * sum + (beta == 0 ? 0 : beta * *c);
        }
}

/* C[i][j] = alpha * sum_k A[i][k] B[j][k] + beta C[i][j]: full 2 x 4 tiles, then the edges. */
static AVX2 void gemm_nt(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                         int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i += 2) {
        const float *a = A + (size_t)i * lda;
        float *c = C + (size_t)i * ldc;
        int j = 0;
        if (M - i >= 2) {
            for (; j + 4 <= N; j += 4)
                tile_nt(2, 4, K, a, lda, B + (size_t)j * ldb, ldb, c + j, ldc, alpha, beta);
            for (; j < N; j++)
                tile_nt(2, 1, K, a, lda, B + (size_t)j * ldb, ldb, c + j, ldc, alpha, beta);
        } else {
            for (; j + 4 <= N; j += 4)
                tile_nt(1, 4, K, a, lda, B + (size_t)j * ldb, ldb, c + j, ldc, alpha, beta);
            for (; j < N; j++)
                tile_nt(1, 1, K, a, lda, B + (size_t)j * ldb, ldb, c + j, ldc, alpha, beta);
        }
    }
}

/* For tall products (many row tiles): op(B) is packed 24 columns at a time into a contiguous
 * [kc][24] panel on the stack, then every row tile of op(A) sweeps it. Packing makes the panel
 * contiguous whatever B's layout (a transposed B, or a power-of-two row stride that would map a tile's
 * rows of B onto a few L1 sets), and costs little when M is large. */
enum { GEMM_PACK_MIN_ROWS = 256 };

static void pack_panel(float *restrict panel, int width, const float *B, int ldb, int trans_b, int k0,
                       int kc, int j0, int nc)
{
    for (int k = 0; k < kc; k++) {
        float *row = panel + (size_t)k * width;
        for (int j = 0; j < nc; j++)
            row[j] = trans_b ? B[(size_t)(j0 + j) * ldb + k0 + k] : B[(size_t)(k0 + k) * ldb + j0 + j];
        for (int j = nc; j < width; j++)
            row[j] = 0.0f;
    }
}

static AVX2 void gemm_packed(int trans_a, int trans_b, int M, int N, int K, float alpha,
                             const float *A, int lda, const float *B, int ldb, float beta, float *C,
                             int ldc)
{
    float panel[GEMM_KC * 24] __attribute__((aligned(32)));
    const int sa = trans_a ? 1 : lda, sk = trans_a ? lda : 1;
    for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
        const float b_eff = k0 == 0 ? beta : 1.0f;
        const float *a = A + (size_t)k0 * sk;
        for (int j0 = 0; j0 < N; j0 += 24) {
            const int nc = N - j0 < 24 ? N - j0 : 24;
            pack_panel(panel, 24, B, ldb, trans_b, k0, kc, j0, nc);
            int i = 0;
            for (; i + 4 <= M; i += 4)
                tile_nn(4, 3, kc, a + (size_t)i * sa, sa, sk, panel, 24, C + (size_t)i * ldc + j0, ldc,
                        alpha, b_eff, nc);
            for (; i < M; i++)
                tile_nn(1, 3, kc, a + (size_t)i * sa, sa, sk, panel, 24, C + (size_t)i * ldc + j0, ldc,
                        alpha, b_eff, nc);
        }
    }
}

/* The AVX-512 path: the same three kernels over 16-wide zmm vectors. NN/TN tiles are up to 6 rows x 3
 * vectors (18 accumulators, three B vectors, one broadcast A); the last column tile of a row masks
 * its loads of B and its stores to C, so no scalar loop is left. NT tiles are up to 4 x 4 dot
 * products over 16-wide partial sums, the tail of K a masked load. The packed path packs op(B) 48
 * columns at a time. Only these functions are compiled for AVX-512; blas_runnable checks the CPU. */
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))

enum { T512_ROWS = 6, T512_VECS = 3, T512_COLS = 16 * T512_VECS };

/* The lanes of a 16-column vector that lie in a row of n more columns (n <= 0: none, >= 16: all). */
static inline AVX512 __mmask16 lanes(int n)
{
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* C = alpha * acc + beta * C on the lanes of m; beta = 0 never reads C (so NaN there is cleared). */
static inline AVX512 void store16(float *c, __m512 acc, float alpha, float beta, __mmask16 m)
{
    __m512 v = _mm512_mul_ps(_mm512_set1_ps(alpha), acc);
    if (beta != 0)
        v = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(m, c), v);
    _mm512_mask_storeu_ps(c, m, v);
}

/* A tile of R rows (1..6) x Q vectors (1..3) of 16 columns, NN or TN (op(A)[i][k] is a[i*sa + k*sk]),
 * of which the first ncols lie inside C; with `edge` the loads of B are masked to them as well. The
 * unroll pragmas keep the accumulators in registers: without them GCC 12 also stored all 18 to the
 * stack on every step of k. */
static inline AVX512 __attribute__((always_inline)) void
tile512_nn(int R, int Q, int edge, int K, const float *a, int sa, int sk, const float *b, int ldb,
           float *c, int ldc, float alpha, float beta, int ncols)
{
    __m512 acc[T512_ROWS][T512_VECS];
    __mmask16 m[T512_VECS];
    #pragma GCC unroll 6
    for (int q = 0; q < Q; q++)
        m[q] = lanes(ncols - 16 * q);
    #pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)r * ldc + 16 * Q - 1), _MM_HINT_T0);
        #pragma GCC unroll 6
        for (int q = 0; q < Q; q++)
            acc[r][q] = _mm512_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        const float *bk = b + (size_t)k * ldb;
        __m512 bv[T512_VECS];
        #pragma GCC unroll 6
        for (int q = 0; q < Q; q++)
            bv[q] = edge ? _mm512_maskz_loadu_ps(m[q], bk + 16 * q) : _mm512_loadu_ps(bk + 16 * q);
        #pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_set1_ps(a[(size_t)r * sa + (size_t)k * sk]);
            #pragma GCC unroll 6
            for (int q = 0; q < Q; q++)
                acc[r][q] = _mm512_fmadd_ps(av, bv[q], acc[r][q]);
        }
    }
    #pragma GCC unroll 6
    for (int r = 0; r < R; r++)
        #pragma GCC unroll 6
        for (int q = 0; q < Q; q++)
            store16(c + (size_t)r * ldc + 16 * q, acc[r][q], alpha, beta, m[q]);
}

/* tile512_nn for run-time R, Q and edge: one call per tile, each case inlined with constant sizes. */
static AVX512 void tile512(int R, int Q, int edge, int K, const float *a, int sa, int sk,
                           const float *b, int ldb, float *c, int ldc, float alpha, float beta,
                           int ncols)
{
#define TILE512_CASE(r, q)                                                                          \
    case (r) * 8 + (q):                                                                            \
        if (edge)                                                                                  \
            tile512_nn(r, q, 1, K, a, sa, sk, b, ldb, c, ldc, alpha, beta, ncols);                 \
        else                                                                                       \
            tile512_nn(r, q, 0, K, a, sa, sk, b, ldb, c, ldc, alpha, beta, ncols);                 \
        return;
#define TILE512_ROW(r) TILE512_CASE(r, 1) TILE512_CASE(r, 2) TILE512_CASE(r, 3)
    switch (R * 8 + Q) {
        TILE512_ROW(1) TILE512_ROW(2) TILE512_ROW(3) TILE512_ROW(4) TILE512_ROW(5) TILE512_ROW(6)
    }
#undef TILE512_ROW
#undef TILE512_CASE
}

static inline int min_int(int a, int b) { return a < b ? a : b; }

/* One block of n (<= 48) columns of C over one depth panel of K rows of op(B) (b, ldb), every row
 * tile sweeping it: the block's slice of B stays in cache while the rows of A pass over it. */
static AVX512 void gemm512_block(int M, int n, int K, float alpha, const float *A, int sa, int sk,
                                 const float *b, int ldb, int edge, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i += T512_ROWS)
        tile512(min_int(M - i, T512_ROWS), (n + 15) / 16, edge, K, A + (size_t)i * sa, sa, sk, b, ldb,
                C + (size_t)i * ldc, ldc, alpha, beta, n);
}

static AVX512 void gemm512_nn(int M, int N, int K, float alpha, const float *A, int sa, int sk,
                              const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int kc = min_int(K - k0, GEMM_KC);
        for (int j = 0; j < N; j += T512_COLS) {
            const int n = min_int(N - j, T512_COLS);
            gemm512_block(M, n, kc, alpha, A + (size_t)k0 * sk, sa, sk, B + (size_t)k0 * ldb + j, ldb,
                          n < T512_COLS, k0 == 0 ? beta : 1.0f, C + j, ldc);
        }
    }
}

/* The packed path: op(B) packed 48 columns at a time (zero-padded, so no load needs a mask), as many
 * panels at once as the buffer holds at this depth (at K = 256, 528 columns: 4H for H up to 128), so
 * that A's rows are read once per chunk of panels rather than once per panel. The buffer (528 KB) is
 * static, one per thread: it fits L2 beside a row tile of A, and on the stack it would be large.
 * Measured (2026-12-03, the Xeon above): packing one panel at a time instead, the tall products
 * with K >= 64 re-read A from L3 once per panel and ran at 39-41 GFLOP/s (7680x512x150 NN,
 * 7680x128x512 NT) against OpenBLAS's 61-66. */
enum { T512_PACK_COLS = 11 * T512_COLS };

static AVX512 void gemm512_packed(int trans_a, int trans_b, int M, int N, int K, float alpha,
                                  const float *A, int lda, const float *B, int ldb, float beta,
                                  float *C, int ldc)
{
    static _Thread_local float panels[GEMM_KC * T512_PACK_COLS] __attribute__((aligned(64)));
    const int sa = trans_a ? 1 : lda, sk = trans_a ? lda : 1;
    for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
        const int kc = min_int(K - k0, GEMM_KC);
        const int chunk = T512_COLS * (GEMM_KC * T512_PACK_COLS / (kc * T512_COLS)); /* whole panels */
        const float b_eff = k0 == 0 ? beta : 1.0f;
        for (int j0 = 0; j0 < N; j0 += chunk) {
            const int nc = min_int(N - j0, chunk);
            for (int p = 0; p < nc; p += T512_COLS) /* panel p / 48 at panels + p * kc */
                pack_panel(panels + (size_t)p * kc, T512_COLS, B, ldb, trans_b, k0, kc, j0 + p,
                           min_int(nc - p, T512_COLS));
            for (int i = 0; i < M; i += T512_ROWS)
                for (int p = 0; p < nc; p += T512_COLS) {
                    const int n = min_int(nc - p, T512_COLS);
                    tile512(min_int(M - i, T512_ROWS), (n + 15) / 16, 0, kc, A + (size_t)i * sa + (size_t)k0 * sk,
                            sa, sk, panels + (size_t)p * kc, T512_COLS, C + (size_t)i * ldc + j0 + p, ldc, alpha,
                            b_eff, n);
                }
        }
    }
}

/* [sum of v0's lanes, v1's, v2's, v3's]: pairs interleaved and added, then the four 128-bit lanes. */
static inline AVX512 __m128 hsum4(__m512 v0, __m512 v1, __m512 v2, __m512 v3)
{
    __m512 t01 = _mm512_add_ps(_mm512_unpacklo_ps(v0, v1), _mm512_unpackhi_ps(v0, v1));
    __m512 t23 = _mm512_add_ps(_mm512_unpacklo_ps(v2, v3), _mm512_unpackhi_ps(v2, v3));
    __m512 t = _mm512_add_ps(_mm512_shuffle_ps(t01, t23, _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(t01, t23, _MM_SHUFFLE(3, 2, 3, 2)));
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(t), _mm512_extractf32x8_ps(t, 1));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* acc[r][s] += A[r][k..k+15] . B[s][k..k+15], lane-wise; with `masked` only the lanes of m are read. */
static inline AVX512 __attribute__((always_inline)) void
nt_step(int R, int S, int masked, __mmask16 m, __m512 acc[4][4], const float *A, int lda, const float *B,
        int ldb, int k)
{
    __m512 av[4];
    for (int r = 0; r < R; r++)
        av[r] = masked ? _mm512_maskz_loadu_ps(m, A + (size_t)r * lda + k) : _mm512_loadu_ps(A + (size_t)r * lda + k);
    for (int s = 0; s < S; s++) {
        __m512 bv = masked ? _mm512_maskz_loadu_ps(m, B + (size_t)s * ldb + k) : _mm512_loadu_ps(B + (size_t)s * ldb + k);
        for (int r = 0; r < R; r++)
            acc[r][s] = _mm512_fmadd_ps(av[r], bv, acc[r][s]);
    }
}

/* One R x S tile (R, S <= 4) of C[i][j] = alpha * sum_k A[i][k] B[j][k] + beta C[i][j] over 16-wide
 * partial sums; the tail of K is one masked step, and a row's S sums are stored as one masked vector.
 * R and S are constants where it is inlined. */
static inline AVX512 __attribute__((always_inline)) void
tile512_nt(int R, int S, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
           float alpha, float beta)
{
    __m512 acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int s = 0; s < 4; s++)
            acc[r][s] = _mm512_setzero_ps();
    int k = 0;
    for (; k + 16 <= K; k += 16)
        nt_step(R, S, 0, 0, acc, A, lda, B, ldb, k);
    if (k < K)
        nt_step(R, S, 1, lanes(K - k), acc, A, lda, B, ldb, k);
    const __mmask8 m = (__mmask8)((1u << S) - 1);
    for (int r = 0; r < R; r++) {
        float *c = C + (size_t)r * ldc;
        __m128 v = _mm_mul_ps(_mm_set1_ps(alpha), hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]));
        if (beta != 0)
            v = _mm_fmadd_ps(_mm_set1_ps(beta), _mm_maskz_loadu_ps(m, c), v);
        _mm_mask_storeu_ps(c, m, v);
    }
}

/* tile512_nt for run-time R and S, each case inlined with constant sizes. */
static AVX512 void tile512_nt_any(int R, int S, int K, const float *A, int lda, const float *B,
                                  int ldb, float *C, int ldc, float alpha, float beta)
{
#define TILE512_NT_CASE(r, s)                                                                       \
    case (r) * 8 + (s):                                                                            \
        tile512_nt(r, s, K, A, lda, B, ldb, C, ldc, alpha, beta);                                  \
        return;
#define TILE512_NT_ROW(r) TILE512_NT_CASE(r, 1) TILE512_NT_CASE(r, 2) TILE512_NT_CASE(r, 3) TILE512_NT_CASE(r, 4)
    switch (R * 8 + S) {
        TILE512_NT_ROW(1) TILE512_NT_ROW(2) TILE512_NT_ROW(3) TILE512_NT_ROW(4)
    }
#undef TILE512_NT_ROW
#undef TILE512_NT_CASE
}

static AVX512 void gemm512_nt(int M, int N, int K, float alpha, const float *A, int lda,
                              const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i += 4)
        for (int j = 0; j < N; j += 4)
            tile512_nt_any(min_int(M - i, 4), min_int(N - j, 4), K, A + (size_t)i * lda, lda,
                           B + (size_t)j * ldb, ldb, C + (size_t)i * ldc + j, ldc, alpha, beta);
}

static int has_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* Everything the target attribute of the AVX-512 kernels names (GCC's check includes the OS's
 * saving of the zmm state). */
static int has_avx512(void)
{
    return has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
}

static const char *const path_names[BLAS_PATH_COUNT] = {"auto", "openblas", "avx2", "avx512"};
static const char *const class_names[BLAS_CLASS_COUNT] = {"nn", "nn_tall", "nt", "nt_tall", "tn", "tn_tall"};

const char *blas_path_name(blas_path p) { return p < BLAS_PATH_COUNT ? path_names[p] : "?"; }
const char *blas_class_name(blas_class c) { return c < BLAS_CLASS_COUNT ? class_names[c] : "?"; }

blas_class blas_class_of(int trans_a, int trans_b, int M)
{
    const int tall = M >= GEMM_PACK_MIN_ROWS;
    return trans_a ? (tall ? BLAS_TN_TALL : BLAS_TN) : trans_b ? (tall ? BLAS_NT_TALL : BLAS_NT)
                   : (tall ? BLAS_NN_TALL : BLAS_NN);
}

blas_path blas_runnable(blas_path p)
{
    if (p == BLAS_AUTO) /* the rule before a measurement: the widest own kernels the CPU runs */
        p = BLAS_OWN_AVX512;
    if (p == BLAS_OWN_AVX512 && !has_avx512())
        p = BLAS_OWN_AVX2;
    if (p == BLAS_OWN_AVX2 && !has_avx2_fma())
        p = BLAS_OPENBLAS;
    return p < BLAS_PATH_COUNT ? p : BLAS_OPENBLAS;
}

blas_path blas_env_path(void)
{
    static int warned;
    const char *env = getenv("EVOFOLIO_BLAS");
    if (!env || !*env)
        return BLAS_AUTO;
    for (int i = 0; i < BLAS_PATH_COUNT; i++)
        if (!strcmp(env, path_names[i]))
            return (blas_path)i;
    if (!warned++)
        fprintf(stderr, "evofolio: EVOFOLIO_BLAS=%s is not auto, openblas, avx2 or avx512: using auto\n", env);
    return BLAS_AUTO;
}

/* The plan in force; plan_set 0 until blas_set_plan or the first product reads EVOFOLIO_BLAS. */
static blas_plan plan;
static int plan_set;

void blas_set_plan(const blas_plan *p)
{
    static int warned;
    for (int c = 0; c < BLAS_CLASS_COUNT; c++) {
        plan.path[c] = blas_runnable(p->path[c]);
        if (p->path[c] != BLAS_AUTO && plan.path[c] != p->path[c] && !warned++)
            fprintf(stderr, "evofolio: this CPU cannot run the %s kernels (%s products): using %s; results "
                    "may differ in the last digits from a CPU that runs them\n", blas_path_name(p->path[c]),
                    blas_class_name((blas_class)c), blas_path_name(plan.path[c]));
    }
    plan_set = 1;
}

void blas_set_path(blas_path p)
{
    blas_plan uniform;
    for (int c = 0; c < BLAS_CLASS_COUNT; c++)
        uniform.path[c] = p;
    blas_set_plan(&uniform);
}

blas_plan blas_active_plan(void)
{
    if (!plan_set)
        blas_set_path(blas_env_path());
    return plan;
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
    if (!plan_set)
        blas_active_plan();
    const blas_path path = plan.path[blas_class_of(trans_a, trans_b, M)];
    const int own = path != BLAS_OPENBLAS, wide = path == BLAS_OWN_AVX512;
    if (own && M >= GEMM_PACK_MIN_ROWS) {
        (wide ? gemm512_packed : gemm_packed)(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (own && !(trans_a && trans_b)) {
        if (!trans_b) /* op(A)[i][k] = A[i*lda + k], or A[k*lda + i] when transposed */
            (wide ? gemm512_nn : gemm_nn)(M, N, K, alpha, A, trans_a ? 1 : lda, trans_a ? lda : 1, B, ldb,
                                          beta, C, ldc);
        else
            (wide ? gemm512_nt : gemm_nt)(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
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
