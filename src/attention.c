/* attention: see the header for the equations. Shapes: B, T, F, D, NH, dh, FF, L; N = B*T. */
#include "evofolio/attention.h"

#include <math.h>
#include <string.h>

#include "evofolio/blas.h"
#include "evofolio/vecmath.h"

#define LN_EPS 1e-5f

/* ---------------------------------------------------------------- layout and initialisation */

#define CARVE(ptr, n)                                                                              \
    do {                                                                                           \
        if (base)                                                                                  \
            (ptr) = base + at;                                                                     \
        at += (size_t)(n);                                                                         \
    } while (0)

size_t attn_layout_weights(attn_weights *w, float *base, const attn_dims *d)
{
    const size_t D = (size_t)d->D, FF = (size_t)d->ff;
    size_t at = 0;
    CARVE(w->w_in, (size_t)d->F * D);
    CARVE(w->b_in, D);
    for (int l = 0; l < d->layers; l++) {
        attn_block *k = &w->block[l];
        CARVE(k->ln1_g, D);
        CARVE(k->ln1_b, D);
        CARVE(k->w_qkv, D * 3 * D);
        CARVE(k->b_qkv, 3 * D);
        CARVE(k->w_o, D * D);
        CARVE(k->b_o, D);
        CARVE(k->ln2_g, D);
        CARVE(k->ln2_b, D);
        CARVE(k->w_1, D * FF);
        CARVE(k->b_1, FF);
        CARVE(k->w_2, FF * D);
        CARVE(k->b_2, D);
    }
    CARVE(w->lnf_g, D);
    CARVE(w->lnf_b, D);
    return at;
}

size_t attn_layout_cache(attn_cache *c, float *base, const attn_dims *d)
{
    const size_t N = (size_t)d->max_b * d->T, D = (size_t)d->D, T = (size_t)d->T;
    size_t at = 0;
    for (int l = 0; l <= d->layers; l++)
        CARVE(c->z[l], N * D);
    for (int l = 0; l < d->layers; l++) {
        CARVE(c->stat1[l], 2 * N);
        CARVE(c->qkv[l], N * 3 * D);
        CARVE(c->att[l], (size_t)d->max_b * d->heads * T * T);
        CARVE(c->o[l], N * D);
        CARVE(c->mid[l], N * D);
        CARVE(c->stat2[l], 2 * N);
        CARVE(c->f[l], N * d->ff);
        if (d->dropout)
            CARVE(c->mask[l], N * d->ff);
    }
    CARVE(c->statf, 2 * N);
    CARVE(c->pooled, (size_t)d->max_b * D);
    CARVE(c->pos, T * D);
    return at;
}

size_t attn_layout_scratch(attn_scratch *s, float *base, const attn_dims *d)
{
    const size_t N = (size_t)d->max_b * d->T, D = (size_t)d->D;
    size_t at = 0;
    CARVE(s->proj, (size_t)d->max_rows * D);
    CARVE(s->u, N * D);
    CARVE(s->dz, N * D);
    CARVE(s->dt, N * D);
    CARVE(s->dqkv, N * 3 * D);
    CARVE(s->dff, N * d->ff);
    CARVE(s->ds, (size_t)d->T * d->T);
    return at;
}
#undef CARVE

static void init_xavier(float *w, int fan_in, int fan_out, evo_rng *rng)
{
    const double a = sqrt(6.0 / (fan_in + fan_out));
    for (size_t i = 0; i < (size_t)fan_in * fan_out; i++)
        w[i] = (float)((2 * rng_uniform(rng) - 1) * a);
}

static void fill(float *a, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        a[i] = v;
}

void attn_init(attn_weights *w, attn_cache *c, const attn_dims *d, evo_rng *rng)
{
    const int D = d->D, FF = d->ff;
    init_xavier(w->w_in, d->F, D, rng);
    fill(w->b_in, (size_t)D, 0);
    for (int l = 0; l < d->layers; l++) {
        attn_block *k = &w->block[l];
        fill(k->ln1_g, (size_t)D, 1);
        fill(k->ln1_b, (size_t)D, 0);
        init_xavier(k->w_qkv, D, 3 * D, rng);
        fill(k->b_qkv, 3 * (size_t)D, 0);
        init_xavier(k->w_o, D, D, rng);
        fill(k->b_o, (size_t)D, 0);
        fill(k->ln2_g, (size_t)D, 1);
        fill(k->ln2_b, (size_t)D, 0);
        init_xavier(k->w_1, D, FF, rng);
        fill(k->b_1, (size_t)FF, 0);
        init_xavier(k->w_2, FF, D, rng);
        fill(k->b_2, (size_t)D, 0);
    }
    fill(w->lnf_g, (size_t)D, 1);
    fill(w->lnf_b, (size_t)D, 0);
    for (int t = 0; t < d->T; t++)
        for (int i = 0; i < D; i++) {
            double angle = t / pow(10000.0, (double)(i - i % 2) / D);
            c->pos[(size_t)t * D + i] = (float)(i % 2 ? cos(angle) : sin(angle));
        }
}

/* ---------------------------------------------------------------- row-wise pieces */

/* The row-wise loops are cloned for AVX-512 and AVX2 (vecmath.h; they vectorise only at -O3: the
 * Makefile compiles this file so). Every clone sums in the same order. */
enum { LANES = 16 }; /* partial sums per reduction: a fixed-width inner loop that vectorises */

/* sum of x[n] in LANES interleaved partial sums (a float reduction in order would not vectorise). */
static inline float row_sum(const float *restrict x, int n)
{
    float acc[LANES] = {0};
    int k = 0;
    for (; k + LANES <= n; k += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += x[k + j];
    float s = 0;
    for (; k < n; k++)
        s += x[k];
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

/* sum of x[k] y[k], the same way. */
static inline float row_dot(const float *restrict x, const float *restrict y, int n)
{
    float acc[LANES] = {0};
    int k = 0;
    for (; k + LANES <= n; k += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += x[k + j] * y[k + j];
    float s = 0;
    for (; k < n; k++)
        s += x[k] * y[k];
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

/* a[n][K] = softmax of each row, in place (float sums: a row has T terms). */
WIDE_CLONES static void softmax_rows(float *restrict a, int n, int K)
{
    for (int r = 0; r < n; r++) {
        float *ar = a + (size_t)r * K, max = ar[0];
        for (int k = 1; k < K; k++)
            max = ar[k] > max ? ar[k] : max;
        for (int k = 0; k < K; k++)
            ar[k] = vec_exp(ar[k] - max);
        const float inv = 1.0f / row_sum(ar, K);
        for (int k = 0; k < K; k++)
            ar[k] *= inv;
    }
}

/* Through p = softmax(z) per row, in place: dz = p (dp - sum_k p_k dp_k). */
WIDE_CLONES static void softmax_rows_backward(float *restrict d, const float *restrict p, int n, int K)
{
    for (int r = 0; r < n; r++) {
        float *dr = d + (size_t)r * K;
        const float *pr = p + (size_t)r * K, dot = row_dot(pr, dr, K);
        for (int k = 0; k < K; k++)
            dr[k] = pr[k] * (dr[k] - dot);
    }
}

/* y[n][K] += b[K] for every row. */
WIDE_CLONES static void add_bias(float *restrict y, const float *restrict b, size_t n, int K)
{
    for (size_t r = 0; r < n; r++)
        for (int k = 0; k < K; k++)
            y[r * K + k] += b[k];
}

/* db[K] += the column sums of dy[n][K]. */
WIDE_CLONES static void add_column_sums(float *restrict db, const float *restrict dy, size_t n, int K)
{
    for (size_t r = 0; r < n; r++)
        for (int k = 0; k < K; k++)
            db[k] += dy[r * K + k];
}

/* y = LN(x) over each of the n rows of D values; stat[r] = (mean, 1/sd). */
WIDE_CLONES static void
layer_norm_forward(float *restrict y, float *restrict stat, const float *restrict x, const float *restrict g,
                   const float *restrict b, size_t n, int D)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * D;
        float *yr = y + r * D;
        const float mean = row_sum(xr, D) / (float)D;
        for (int j = 0; j < D; j++)
            yr[j] = xr[j] - mean;
        const float rstd = 1.0f / sqrtf(row_dot(yr, yr, D) / (float)D + LN_EPS);
        for (int j = 0; j < D; j++)
            yr[j] = g[j] * yr[j] * rstd + b[j];
        stat[2 * r] = mean;
        stat[2 * r + 1] = rstd;
    }
}

/* Through y = g xhat + b, xhat = (x - mean) / sd: dg += sum dy xhat; db += sum dy;
 * dx += (1/sd) (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) with dxhat = dy g. The two means are
 * summed in LANES partial sums, as row_sum. */
WIDE_CLONES static void
layer_norm_backward(float *restrict dx, float *restrict dg, float *restrict db, const float *restrict dy,
                    const float *restrict x, const float *restrict stat, const float *restrict g, size_t n,
                    int D)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * D, *dyr = dy + r * D, mean = stat[2 * r], rstd = stat[2 * r + 1];
        float acc1[LANES] = {0}, acc2[LANES] = {0}, m1 = 0, m2 = 0;
        int j = 0;
        for (; j + LANES <= D; j += LANES)
            for (int k = 0; k < LANES; k++) {
                const float xhat = (xr[j + k] - mean) * rstd, dxhat = dyr[j + k] * g[j + k];
                dg[j + k] += dyr[j + k] * xhat;
                db[j + k] += dyr[j + k];
                acc1[k] += dxhat;
                acc2[k] += dxhat * xhat;
            }
        for (; j < D; j++) {
            const float xhat = (xr[j] - mean) * rstd, dxhat = dyr[j] * g[j];
            dg[j] += dyr[j] * xhat;
            db[j] += dyr[j];
            m1 += dxhat;
            m2 += dxhat * xhat;
        }
        for (int k = 0; k < LANES; k++) {
            m1 += acc1[k];
            m2 += acc2[k];
        }
        m1 /= (float)D;
        m2 /= (float)D;
        for (j = 0; j < D; j++) {
            const float xhat = (xr[j] - mean) * rstd;
            dx[r * D + j] += rstd * (dyr[j] * g[j] - m1 - xhat * m2);
        }
    }
}

/* y = LN(x) again from the stored statistics (backward needs the output the GEMM read). */
WIDE_CLONES static void
layer_norm_again(float *restrict y, const float *restrict x, const float *restrict stat,
                 const float *restrict g, const float *restrict b, size_t n, int D)
{
    for (size_t r = 0; r < n; r++)
        for (int j = 0; j < D; j++)
            y[r * D + j] = g[j] * (x[r * D + j] - stat[2 * r]) * stat[2 * r + 1] + b[j];
}

/* f = relu(f) * m (m NULL: 1). Two loops: a load of the mask under a condition would not vectorise. */
WIDE_CLONES static void relu_forward(float *restrict f, const float *restrict m, size_t n)
{
    if (m)
        for (size_t i = 0; i < n; i++)
            f[i] = f[i] > 0 ? f[i] * m[i] : 0.0f;
    else
        for (size_t i = 0; i < n; i++)
            f[i] = f[i] > 0 ? f[i] : 0.0f;
}

/* Through it: df *= m where f > 0 (f > 0 exactly where relu and the mask both pass), else 0. */
WIDE_CLONES static void
relu_backward(float *restrict df, const float *restrict f, const float *restrict m, size_t n)
{
    if (m)
        for (size_t i = 0; i < n; i++)
            df[i] = f[i] > 0 ? df[i] * m[i] : 0.0f;
    else
        for (size_t i = 0; i < n; i++)
            df[i] = f[i] > 0 ? df[i] : 0.0f;
}

/* ---------------------------------------------------------------- attention over each sequence */

/* o = softmax(q k^T / sqrt(dh)) v for every sequence and head; att keeps the weights. */
static void heads_forward(float *att, float *o, const float *qkv, int B, int T, int D, int NH)
{
    const int dh = D / NH, D3 = 3 * D;
    const float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *q = qkv + (size_t)b * T * D3 + h * dh, *k = q + D, *v = q + 2 * D;
            float *a = att + ((size_t)b * NH + h) * T * T;
            blas_sgemm(0, 1, T, T, dh, scale, q, D3, k, D3, 0.0f, a, T);
            softmax_rows(a, T, T);
            blas_sgemm(0, 0, T, dh, T, 1.0f, a, T, v, D3, 0.0f, o + (size_t)b * T * D + h * dh, D);
        }
}

/* From d_o[N][D] to dqkv[N][3D]: dv = a^T do; da = do v^T; ds = a (da - rowsum(a da)); dq = ds k / sqrt(dh);
 * dk = ds^T q / sqrt(dh). ds[T][T] is scratch. */
static void heads_backward(float *dqkv, float *ds, const float *d_o, const float *att, const float *qkv, int B,
                           int T, int D, int NH)
{
    const int dh = D / NH, D3 = 3 * D;
    const float scale = 1.0f / sqrtf((float)dh);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const size_t row = (size_t)b * T * D3 + h * dh;
            const float *q = qkv + row, *k = q + D, *v = q + 2 * D, *dob = d_o + (size_t)b * T * D + h * dh;
            const float *a = att + ((size_t)b * NH + h) * T * T;
            float *dq = dqkv + row, *dk = dq + D, *dv = dq + 2 * D;
            blas_sgemm(1, 0, T, dh, T, 1.0f, a, T, dob, D, 0.0f, dv, D3);
            blas_sgemm(0, 1, T, T, dh, 1.0f, dob, D, v, D3, 0.0f, ds, T);
            softmax_rows_backward(ds, a, T, T);
            blas_sgemm(0, 0, T, dh, T, scale, ds, T, k, D3, 0.0f, dq, D3);
            blas_sgemm(1, 0, T, dh, T, scale, ds, T, q, D3, 0.0f, dk, D3);
        }
}

/* ---------------------------------------------------------------- blocks */

static void block_forward(attn_cache *c, attn_scratch *s, const attn_block *w, const attn_dims *d, int l, int B,
                          int masked)
{
    const int D = d->D, FF = d->ff;
    const size_t N = (size_t)B * d->T;
    const float *z = c->z[l];
    float *mid = c->mid[l], *f = c->f[l], *out = c->z[l + 1];
    /* z' = z + attention(LN_1(z)) W_o + b_o */
    layer_norm_forward(s->u, c->stat1[l], z, w->ln1_g, w->ln1_b, N, D);
    blas_sgemm(0, 0, (int)N, 3 * D, D, 1.0f, s->u, D, w->w_qkv, 3 * D, 0.0f, c->qkv[l], 3 * D);
    add_bias(c->qkv[l], w->b_qkv, N, 3 * D);
    heads_forward(c->att[l], c->o[l], c->qkv[l], B, d->T, D, d->heads);
    memcpy(mid, z, N * D * sizeof *mid);
    blas_sgemm(0, 0, (int)N, D, D, 1.0f, c->o[l], D, w->w_o, D, 1.0f, mid, D);
    add_bias(mid, w->b_o, N, D);
    /* z'' = z' + (relu(LN_2(z') W_1 + b_1) * m) W_2 + b_2 */
    layer_norm_forward(s->u, c->stat2[l], mid, w->ln2_g, w->ln2_b, N, D);
    blas_sgemm(0, 0, (int)N, FF, D, 1.0f, s->u, D, w->w_1, FF, 0.0f, f, FF);
    add_bias(f, w->b_1, N, FF);
    relu_forward(f, masked ? c->mask[l] : NULL, N * FF);
    memcpy(out, mid, N * D * sizeof *out);
    blas_sgemm(0, 0, (int)N, D, FF, 1.0f, f, FF, w->w_2, D, 1.0f, out, D);
    add_bias(out, w->b_2, N, D);
}

/* s->dz holds dLoss/dz'' on entry and dLoss/dz on return. */
static void block_backward(attn_block *dw, const attn_cache *c, attn_scratch *s, const attn_block *w,
                           const attn_dims *d, int l, int B, int masked)
{
    const int D = d->D, FF = d->ff;
    const size_t N = (size_t)B * d->T;
    const float *f = c->f[l];
    float *dz = s->dz, *dff = s->dff, *dt = s->dt;
    /* the feed-forward branch: dz' = dz'' + LN_2's share */
    blas_sgemm(1, 0, FF, D, (int)N, 1.0f, f, FF, dz, D, 1.0f, dw->w_2, D);
    add_column_sums(dw->b_2, dz, N, D);
    blas_sgemm(0, 1, (int)N, FF, D, 1.0f, dz, D, w->w_2, D, 0.0f, dff, FF);
    relu_backward(dff, f, masked ? c->mask[l] : NULL, N * FF);
    layer_norm_again(s->u, c->mid[l], c->stat2[l], w->ln2_g, w->ln2_b, N, D);
    blas_sgemm(1, 0, D, FF, (int)N, 1.0f, s->u, D, dff, FF, 1.0f, dw->w_1, FF);
    add_column_sums(dw->b_1, dff, N, FF);
    blas_sgemm(0, 1, (int)N, D, FF, 1.0f, dff, FF, w->w_1, FF, 0.0f, dt, D);
    layer_norm_backward(dz, dw->ln2_g, dw->ln2_b, dt, c->mid[l], c->stat2[l], w->ln2_g, N, D);
    /* the attention branch: dz = dz' + LN_1's share */
    blas_sgemm(1, 0, D, D, (int)N, 1.0f, c->o[l], D, dz, D, 1.0f, dw->w_o, D);
    add_column_sums(dw->b_o, dz, N, D);
    blas_sgemm(0, 1, (int)N, D, D, 1.0f, dz, D, w->w_o, D, 0.0f, dt, D);
    heads_backward(s->dqkv, s->ds, dt, c->att[l], c->qkv[l], B, d->T, D, d->heads);
    layer_norm_again(s->u, c->z[l], c->stat1[l], w->ln1_g, w->ln1_b, N, D);
    blas_sgemm(1, 0, D, 3 * D, (int)N, 1.0f, s->u, D, s->dqkv, 3 * D, 1.0f, dw->w_qkv, 3 * D);
    add_column_sums(dw->b_qkv, s->dqkv, N, 3 * D);
    blas_sgemm(0, 1, (int)N, D, 3 * D, 1.0f, s->dqkv, 3 * D, w->w_qkv, 3 * D, 0.0f, dt, D);
    layer_norm_backward(dz, dw->ln1_g, dw->ln1_b, dt, c->z[l], c->stat1[l], w->ln1_g, N, D);
}

/* ---------------------------------------------------------------- the encoder */

void attn_forward(attn_cache *c, attn_scratch *s, const float *x, int stride, const attn_weights *w,
                  const attn_dims *d, int B, int masked)
{
    const int T = d->T, D = d->D, rows = (T - 1) * stride + B;
    const size_t N = (size_t)B * T;
    /* the projection of every distinct input row once, then e_{b,t} = proj_{t*stride+b} + b_in + P_t */
    blas_sgemm(0, 0, rows, D, d->F, 1.0f, x, d->F, w->w_in, D, 0.0f, s->proj, D);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *p = s->proj + ((size_t)t * stride + b) * D, *pos = c->pos + (size_t)t * D;
            float *e = c->z[0] + ((size_t)b * T + t) * D;
            for (int j = 0; j < D; j++)
                e[j] = p[j] + w->b_in[j] + pos[j];
        }
    for (int l = 0; l < d->layers; l++)
        block_forward(c, s, &w->block[l], d, l, B, masked);
    /* pooled_b = mean over t of LN_f(z_L) */
    layer_norm_forward(s->u, c->statf, c->z[d->layers], w->lnf_g, w->lnf_b, N, D);
    memset(c->pooled, 0, (size_t)B * D * sizeof *c->pooled);
    for (int b = 0; b < B; b++)
        add_column_sums(c->pooled + (size_t)b * D, s->u + (size_t)b * T * D, (size_t)T, D);
    for (size_t i = 0; i < (size_t)B * D; i++)
        c->pooled[i] /= (float)T;
}

void attn_backward(attn_weights *dw, float *dx, const float *dpooled, const attn_cache *c, attn_scratch *s,
                   const float *x, int stride, const attn_weights *w, const attn_dims *d, int B, int masked)
{
    const int T = d->T, D = d->D, rows = (T - 1) * stride + B;
    const size_t N = (size_t)B * T;
    /* through the pooling (each token gets dpooled / T) and LN_f */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int j = 0; j < D; j++)
                s->dt[((size_t)b * T + t) * D + j] = dpooled[(size_t)b * D + j] / (float)T;
    memset(s->dz, 0, N * D * sizeof *s->dz);
    layer_norm_backward(s->dz, dw->lnf_g, dw->lnf_b, s->dt, c->z[d->layers], c->statf, w->lnf_g, N, D);
    for (int l = d->layers - 1; l >= 0; l--)
        block_backward(&dw->block[l], c, s, &w->block[l], d, l, B, masked);
    /* to the input table: dproj_{t*stride+b} = sum of the tokens that read that row */
    add_column_sums(dw->b_in, s->dz, N, D);
    memset(s->proj, 0, (size_t)rows * D * sizeof *s->proj);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *p = s->proj + ((size_t)t * stride + b) * D;
            const float *g = s->dz + ((size_t)b * T + t) * D;
            for (int j = 0; j < D; j++)
                p[j] += g[j];
        }
    blas_sgemm(1, 0, d->F, D, rows, 1.0f, x, d->F, s->proj, D, 1.0f, dw->w_in, D);
    if (dx)
        blas_sgemm(0, 1, rows, d->F, D, 1.0f, s->proj, D, w->w_in, D, 0.0f, dx, d->F);
}
