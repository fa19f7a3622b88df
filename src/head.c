/* head: dense layer (one GEMM each way) and block softmax. Shapes: N, H, K. */
#include "evofolio/head.h"

#include <math.h>
#include <stddef.h>

#include "evofolio/blas.h"

void head_dense_forward(float *y, const float *x, const float *w, const float *b, int N, int H, int K)
{
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            y[(size_t)n * K + k] = b[k];
    blas_sgemm(0, 0, N, K, H, 1.0f, x, H, w, K, 1.0f, y, K);
}

void head_dense_backward(float *dw, float *db, float *dx, const float *dy, const float *x,
                         const float *w, int N, int H, int K)
{
    blas_sgemm(1, 0, H, K, N, 1.0f, x, H, dy, K, 1.0f, dw, K);
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            db[k] += dy[(size_t)n * K + k];
    if (dx)
        blas_sgemm(0, 1, N, H, K, 1.0f, dy, K, w, K, 0.0f, dx, H);
}

void head_add_forward(float *y, const float *x, const float *w, int N, int H, int K)
{
    blas_sgemm(0, 0, N, K, H, 1.0f, x, H, w, K, 1.0f, y, K);
}

void head_add_backward(float *dw, float *dx, const float *dy, const float *x, const float *w, int N, int H,
                       int K)
{
    blas_sgemm(1, 0, H, K, N, 1.0f, x, H, dy, K, 1.0f, dw, K);
    if (dx)
        blas_sgemm(0, 1, N, H, K, 1.0f, dy, K, w, K, 1.0f, dx, H);
}

void head_softmax_forward(float *p, const float *z, int N, int K)
{
    for (int n = 0; n < N; n++) {
        const float *zn = z + (size_t)n * K;
        float *pn = p + (size_t)n * K;
        float max = zn[0];
        for (int k = 1; k < K; k++)
            max = zn[k] > max ? zn[k] : max;
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += pn[k] = expf(zn[k] - max);
        for (int k = 0; k < K; k++)
            pn[k] = (float)(pn[k] / sum);
    }
}

void head_softmax_backward(float *dz, const float *dp, const float *p, int N, int K)
{
    for (int n = 0; n < N; n++) {
        const float *pn = p + (size_t)n * K, *dpn = dp + (size_t)n * K;
        double dot = 0;
        for (int k = 0; k < K; k++)
            dot += (double)pn[k] * dpn[k];
        for (int k = 0; k < K; k++)
            dz[(size_t)n * K + k] = (float)(pn[k] * (dpn[k] - dot));
    }
}
