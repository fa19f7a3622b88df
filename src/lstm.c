/* lstm: see the header for the equations. Shapes: T, B, F, H; G = 4H. */
#include "evofolio/lstm.h"

#include <stddef.h>
#include <string.h>

#include "evofolio/blas.h"
#include "evofolio/vecmath.h"

static inline __attribute__((always_inline)) float fast_sigmoid(float x) { return 1.0f / (1.0f + vec_exp(-x)); }
static inline __attribute__((always_inline)) float fast_tanh(float x) { return 1.0f - 2.0f / (1.0f + vec_exp(2.0f * x)); }

void lstm_sigmoid(float *restrict y, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = fast_sigmoid(x[i]);
}

void lstm_tanh(float *restrict y, const float *restrict x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = fast_tanh(x[i]);
}

/* The fused pass of one row: a[4H] holds the pre-activations without bias (and without p, the row's
 * input projection, when p is not NULL) and receives the activated gates. Four short loops rather
 * than one long one: each keeps few vectors live, so nothing spills. */
static inline __attribute__((always_inline)) void
row_forward(float *restrict a, float *restrict c, float *restrict tanh_c, float *restrict h,
            const float *restrict c_prev, const float *restrict p, const float *restrict b, int H)
{
    if (p)
        for (int j = 0; j < 4 * H; j++)
            a[j] += p[j];
    for (int j = 0; j < 2 * H; j++) /* i, f */
        a[j] = fast_sigmoid(a[j] + b[j]);
    for (int j = 2 * H; j < 3 * H; j++) /* g */
        a[j] = fast_tanh(a[j] + b[j]);
    for (int j = 3 * H; j < 4 * H; j++) /* o */
        a[j] = fast_sigmoid(a[j] + b[j]);
    const float *i = a, *f = a + H, *g = a + 2 * H, *o = a + 3 * H;
    if (c_prev)
        for (int j = 0; j < H; j++)
            c[j] = f[j] * c_prev[j] + i[j] * g[j]; /* c_t = f c_{t-1} + i g */
    else
        for (int j = 0; j < H; j++)
            c[j] = i[j] * g[j];
    for (int j = 0; j < H; j++) {
        tanh_c[j] = fast_tanh(c[j]);
        h[j] = o[j] * tanh_c[j]; /* h_t = o tanh(c_t) */
    }
}


/* One time step's fused pass over B rows (c_prev NULL at t = 0; p NULL, or the B rows' input
 * projections to add). */
WIDE_CLONES static void
step_forward(float *restrict a, float *restrict c, float *restrict tanh_c, float *restrict h,
             const float *restrict c_prev, const float *restrict p, const float *restrict b, int B, int H)
{
    for (int r = 0; r < B; r++) {
        size_t o = (size_t)r * H;
        row_forward(a + 4 * o, c + o, tanh_c + o, h + o, c_prev ? c_prev + o : NULL, p ? p + 4 * o : NULL, b, H);
    }
}

/* The recurrence over all T steps. Without proj, gates[t] holds x_t W_x already; with it, step t's
 * input projections are rows t*step .. t*step+B-1 of proj, added in the fused pass (gates[0] must
 * hold step 0's), so that they are never copied into the gates first. */
static void recur_forward(lstm_cache *out, const float *proj, int step, const lstm_weights *w, int T, int B, int H)
{
    const int G = 4 * H;
    for (int t = 0; t < T; t++) {
        float *a_t = out->gates + (size_t)t * B * G;
        const float *h_prev = out->h + (size_t)(t - 1) * B * H;
        if (t > 0) /* a_t += h_{t-1} W_h, or a_t = h_{t-1} W_h when the pass adds the projection */
            blas_sgemm(0, 0, B, G, H, 1.0f, h_prev, H, w->w_h, G, proj ? 0.0f : 1.0f, a_t, G);
        size_t at = (size_t)t * B * H;
        step_forward(a_t, out->c + at, out->tanh_c + at, out->h + at, t > 0 ? out->c + at - (size_t)B * H : NULL,
                     proj && t > 0 ? proj + (size_t)t * step * G : NULL, w->b, B, H);
    }
}

void lstm_forward(lstm_cache *out, const float *x, const lstm_weights *w, int T, int B, int F, int H)
{
    const int G = 4 * H;
    /* a[t] = x_t W_x for every step at once (M = T*B) */
    blas_sgemm(0, 0, T * B, G, F, 1.0f, x, F, w->w_x, G, 0.0f, out->gates, G);
    recur_forward(out, NULL, 0, w, T, B, H);
}

void lstm_forward_window(lstm_cache *out, float *proj, const float *x, int step, const lstm_weights *w,
                         int T, int B, int F, int H)
{
    const int G = 4 * H, rows = B + (T - 1) * step;
    /* P = X W_x once per distinct input row; step t reads rows t*step .. t*step+B-1 of it */
    blas_sgemm(0, 0, rows, G, F, 1.0f, x, F, w->w_x, G, 0.0f, proj, G);
    memcpy(out->gates, proj, (size_t)B * G * sizeof *proj);
    recur_forward(out, proj, step, w, T, B, H);
}

/* The fused backward of hidden unit j of one row: dh in, dc carried to c_{t-1}, pre-activation
 * gradients out. */
static inline __attribute__((always_inline)) void cell_backward(float *restrict da, float *restrict dc, const float *restrict dh,
                                 const float *restrict gates, const float *restrict tanh_c,
                                 float c_prev, int H, int j)
{
    float i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    float tc = tanh_c[j];
    float dcj = dc[j] + dh[j] * o * (1.0f - tc * tc); /* through h = o tanh(c) */
    float d_o = dh[j] * tc;
    da[j] = dcj * g * i * (1.0f - i);             /* d a_i */
    da[H + j] = dcj * c_prev * f * (1.0f - f);    /* d a_f */
    da[2 * H + j] = dcj * i * (1.0f - g * g);     /* d a_g */
    da[3 * H + j] = d_o * o * (1.0f - o);         /* d a_o */
    dc[j] = dcj * f;                              /* to c_{t-1} */
}

WIDE_CLONES static void
step_backward(float *restrict da, float *restrict dc, const float *restrict dh,
              const float *restrict gates, const float *restrict tanh_c, const float *restrict c_prev,
              int B, int H)
{
    for (int r = 0; r < B; r++) {
        size_t o = (size_t)r * H, og = 4 * o;
        if (c_prev)
            for (int j = 0; j < H; j++)
                cell_backward(da + og, dc + o, dh + o, gates + og, tanh_c + o, c_prev[o + j], H, j);
        else
            for (int j = 0; j < H; j++)
                cell_backward(da + og, dc + o, dh + o, gates + og, tanh_c + o, 0.0f, H, j);
    }
}

/* acc[G] += each of the n rows of x[n][G], in row order. */
WIDE_CLONES static void add_rows(float *restrict acc, const float *restrict x, int n, int G)
{
    for (int r = 0; r < n; r++)
        for (int k = 0; k < G; k++)
            acc[k] += x[(size_t)r * G + k];
}

/* Backpropagation through the recurrence: dgates for every step, dW_h and db; W_x's part is the
 * caller's (it depends on how the input was laid out). */
static void recur_backward(lstm_weights *dw, float *dh, float *dgates, float *dc, const lstm_cache *cache,
                           const lstm_weights *w, int T, int B, int H)
{
    const int G = 4 * H;
    memset(dc, 0, (size_t)B * H * sizeof *dc);
    for (int t = T - 1; t >= 0; t--) {
        float *da_t = dgates + (size_t)t * B * G;
        size_t at = (size_t)t * B * H;
        step_backward(da_t, dc, dh + at, cache->gates + 4 * at, cache->tanh_c + at,
                      t > 0 ? cache->c + at - (size_t)B * H : NULL, B, H);
        if (t > 0) /* dh_{t-1} += da_t W_h^T */
            blas_sgemm(0, 1, B, H, G, 1.0f, da_t, G, w->w_h, G, 1.0f, dh + (size_t)(t - 1) * B * H, H);
    }
    /* dW_h += H_{t-1}^T dA_t over steps 1..T-1; db += sum of rows */
    blas_sgemm(1, 0, H, G, (T - 1) * B, 1.0f, cache->h, H, dgates + (size_t)B * G, G, 1.0f, dw->w_h, G);
    add_rows(dw->b, dgates, T * B, G);
}

void lstm_backward(lstm_weights *dw, float *dx, float *dh, float *dgates, float *dc,
                   const lstm_cache *cache, const float *x, const lstm_weights *w, int T, int B, int F,
                   int H)
{
    const int G = 4 * H;
    recur_backward(dw, dh, dgates, dc, cache, w, T, B, H);
    /* dW_x += X^T dA over all steps */
    blas_sgemm(1, 0, F, G, T * B, 1.0f, x, F, dgates, G, 1.0f, dw->w_x, G);
    if (dx) /* dX = dA W_x^T */
        blas_sgemm(0, 1, T * B, F, G, 1.0f, dgates, G, w->w_x, G, 0.0f, dx, F);
}

void lstm_backward_window(lstm_weights *dw, float *dproj, float *dh, float *dgates, float *dc,
                          const lstm_cache *cache, const float *x, int step, const lstm_weights *w, int T,
                          int B, int F, int H)
{
    const int G = 4 * H, rows = B + (T - 1) * step;
    recur_backward(dw, dh, dgates, dc, cache, w, T, B, H);
    /* dP[row] = sum of dA over the (step, batch row) pairs that read that input row */
    memset(dproj, 0, (size_t)rows * G * sizeof *dproj);
    for (int t = 0; t < T; t++)
        add_rows(dproj + (size_t)t * step * G, dgates + (size_t)t * B * G, 1, B * G);
    /* dW_x += X^T dP */
    blas_sgemm(1, 0, F, G, rows, 1.0f, x, F, dproj, G, 1.0f, dw->w_x, G);
}
