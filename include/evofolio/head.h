/* head: what sits on the encoder's output - a dense layer and a softmax over blocks - as
 * forward/backward pairs over flat float arrays. Caller-owned arrays; nothing allocates or fails.
 * Shapes: N rows, H inputs, K outputs per row; softmax runs over contiguous blocks of K values. */
#ifndef EVOFOLIO_HEAD_H
#define EVOFOLIO_HEAD_H

/* y[N][K] = x[N][H] w[H][K] + b[K] */
void head_dense_forward(float *y, const float *x, const float *w, const float *b, int N, int H, int K);
/* dw[H][K] += x^T dy; db[K] += sum of dy's rows; dx[N][H] = dy w^T (dx may be NULL). */
void head_dense_backward(float *dw, float *db, float *dx, const float *dy, const float *x,
                         const float *w, int N, int H, int K);

/* A second input feeding the same outputs (the head's skip connection): y[N][K] += x[N][H] w[H][K]. */
void head_add_forward(float *y, const float *x, const float *w, int N, int H, int K);
/* Its gradients, both accumulated: dw[H][K] += x^T dy; dx[N][H] += dy w^T (dx may be NULL). */
void head_add_backward(float *dw, float *dx, const float *dy, const float *x, const float *w, int N, int H,
                       int K);

/* p = softmax(z) over each of the N blocks of K values (max-subtracted, so any finite z is safe). */
void head_softmax_forward(float *p, const float *z, int N, int K);
/* dz = p * (dp - sum(p dp)) per block. */
void head_softmax_backward(float *dz, const float *dp, const float *p, int N, int K);

#endif
