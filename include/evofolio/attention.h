/* attention: a Transformer encoder over a window of days - input projection, positional encoding,
 * L pre-norm encoder blocks, a final layer norm and mean pooling - as forward/backward pairs over
 * flat float arrays, written like the LSTM layer (llm.c style). The caller owns every array (the net
 * module's arena, carved by the attn_layout_* functions); nothing here allocates or fails.
 *
 * Shapes: B sequences, T steps, F input width, D = d_model, NH heads of dh = D / NH values, FF
 * feed-forward width, L blocks; N = B*T token rows, stored sequence-major (token t of sequence b is row
 * b*T + t). Token t of sequence b reads row t*stride + b of the input table x: stride = B is the net's
 * time-major x[T][B][F]; stride = the rows of one day reads sliding windows over one daily table (as
 * lstm_forward_window), and the input projection is then one GEMM over the table's distinct rows.
 *   e_{b,t} = x_{t*stride+b} W_in + b_in + P_t      P_{t,2i} = sin(t / 10000^(2i/D)), P_{t,2i+1} = cos(..)
 *   block l, pre-norm (nn.TransformerEncoderLayer with norm_first=True, ReLU, as bench/torch_attention.py):
 *     u = LN_1(z)                    LN(z) = g (z - mean) / sqrt(var + 1e-5) + b over a row's D values
 *     [q k v] = u W_qkv + b_qkv      one GEMM: W_qkv [D][3D], head h reads columns h*dh .. h*dh+dh-1
 *     a = softmax(q k^T / sqrt(dh)) per sequence and head, over all T keys; o = a v (heads side by side)
 *     z' = z + o W_o + b_o
 *     f = relu(LN_2(z') W_1 + b_1) * m                          (m: the inverted-dropout mask, or 1)
 *     z'' = z' + f W_2 + b_2
 *   pooled_b = (1/T) sum_t LN_f(z_L)_{b,t}                      (one D-wide embedding per sequence)
 *
 * The mask is full, not causal. The window ends at the decision day, so every day in it is known when
 * the weights are set: letting day t attend to the days after it inside the window leaks nothing (the
 * weights of day d depend on days <= d either way; tests/test_model.c's causality test changes later
 * prices and checks). A causal mask would only stop the window's earlier days being read in the light
 * of later ones, and tilt the mean-pooled embedding towards prefixes of the window. */
#ifndef EVOFOLIO_ATTENTION_H
#define EVOFOLIO_ATTENTION_H

#include <stddef.h>

#include "evofolio/rng.h"

enum { ATTN_MAX_LAYERS = 3 };

typedef struct {
    int T, F, D, heads, ff, layers;
    int max_b;       /* the largest B a forward may use */
    int max_rows;    /* the largest input table: (T-1)*stride + B rows */
    int dropout;     /* != 0: the blocks have dropout masks */
} attn_dims;

typedef struct {
    float *ln1_g, *ln1_b;  /* [D] */
    float *w_qkv, *b_qkv;  /* [D][3D], [3D] */
    float *w_o, *b_o;      /* [D][D], [D] */
    float *ln2_g, *ln2_b;  /* [D] */
    float *w_1, *b_1;      /* [D][FF], [FF] */
    float *w_2, *b_2;      /* [FF][D], [D] */
} attn_block;

/* The parameters in layout order: W_in, b_in, each block's tensors as listed, then LN_f's g and b. */
typedef struct {
    float *w_in, *b_in; /* [F][D], [D] */
    attn_block block[ATTN_MAX_LAYERS];
    float *lnf_g, *lnf_b;
} attn_weights;

/* What forward keeps for backward (N = B*T rows, at most max_b*T). */
typedef struct {
    float *z[ATTN_MAX_LAYERS + 1]; /* [N][D] block l's input; z[L] the last block's output */
    float *stat1[ATTN_MAX_LAYERS]; /* [N][2] LN_1's mean and 1/sd per row */
    float *qkv[ATTN_MAX_LAYERS];   /* [N][3D] */
    float *att[ATTN_MAX_LAYERS];   /* [B][NH][T][T] attention weights */
    float *o[ATTN_MAX_LAYERS];     /* [N][D] */
    float *mid[ATTN_MAX_LAYERS];   /* [N][D] z' */
    float *stat2[ATTN_MAX_LAYERS]; /* [N][2] */
    float *f[ATTN_MAX_LAYERS];     /* [N][FF] after relu and mask */
    float *mask[ATTN_MAX_LAYERS];  /* [N][FF] filled by the caller before a masked forward, or NULL */
    float *statf;                  /* [N][2] LN_f's */
    float *pooled;                 /* [B][D] the output */
    float *pos;                    /* [T][D] P, filled by attn_init */
} attn_cache;

/* Scratch shared by forward and backward. */
typedef struct {
    float *proj;   /* [max_rows][D] the input table's projections; in backward their gradients */
    float *u;      /* [N][D] a layer norm's output */
    float *dz;     /* [N][D] the gradient of the residual stream */
    float *dt;     /* [N][D] */
    float *dqkv;   /* [N][3D] */
    float *dff;    /* [N][FF] */
    float *ds;     /* [T][T] */
} attn_scratch;

/* Point the views at base (NULL: only count); return the floats they take. */
size_t attn_layout_weights(attn_weights *w, float *base, const attn_dims *d);
size_t attn_layout_cache(attn_cache *c, float *base, const attn_dims *d);
size_t attn_layout_scratch(attn_scratch *s, float *base, const attn_dims *d);

/* Xavier-uniform matrices, zero biases, layer-norm gains 1 (drawn from rng), and P into c->pos. */
void attn_init(attn_weights *w, attn_cache *c, const attn_dims *d, evo_rng *rng);

/* Forward of B sequences; masked != 0 applies c->mask (filled by the caller: 0 or 1/(1-p)). */
void attn_forward(attn_cache *c, attn_scratch *s, const float *x, int stride, const attn_weights *w,
                  const attn_dims *d, int B, int masked);

/* Backward from dpooled[B][D] (dLoss/dpooled) of the last forward: gradients accumulate (+=) into dw;
 * dx (may be NULL) receives dLoss/dx over the input table's (T-1)*stride + B rows (overwritten). */
void attn_backward(attn_weights *dw, float *dx, const float *dpooled, const attn_cache *c, attn_scratch *s,
                   const float *x, int stride, const attn_weights *w, const attn_dims *d, int B, int masked);

#endif
