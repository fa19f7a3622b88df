/* net: arena layout and the forward/backward/step plumbing around lstm or attention, head and loss.
 * Shapes: T, B (rows), F, H, L, n_out, block. */
#include "evofolio/net.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/attention.h"
#include "evofolio/hash.h"
#include "evofolio/head.h"
#include "evofolio/loss.h"
#include "evofolio/lstm.h"
#include "evofolio/rng.h"

#define NET_MAGIC "EVOFNET"
enum { NET_FILE_VERSION = 2 }; /* 2: the header names the encoder (arch, heads, ff) */
_Static_assert((int)ATTN_MAX_LAYERS >= (int)NET_MAX_LAYERS, "attention nets have up to NET_MAX_LAYERS blocks");

struct evo_net {
    net_spec spec;
    size_t n_params;
    /* one allocation per kind; the views below point into them */
    float *params, *grads, *m, *v, *acts, *scratch;
    lstm_weights w[NET_MAX_LAYERS], dw[NET_MAX_LAYERS];
    attn_dims ad;                  /* the attention encoder's (spec.arch == ARCH_ATTENTION) */
    attn_weights aw, daw;
    attn_cache ac;
    attn_scratch as;
    float *dpooled;                /* [B][H] dLoss/d(pooled embedding) */
    float *w_out, *dw_out;   /* head on the last hidden state: [H][n_out] (none without LSTM) */
    float *w_skip, *dw_skip; /* head on the last step's input, the skip connection: [F][n_out] */
    float *b_out, *db_out;   /* head bias: [n_out] */
    lstm_cache cache[NET_MAX_LAYERS];      /* [T][B][...] per layer */
    float *mask[NET_MAX_LAYERS];           /* [T][B][H] dropout mask of layer l's input, l >= 1 */
    float *dropped[NET_MAX_LAYERS];        /* [T][B][H] masked input of layer l, l >= 1 */
    float *y, *wts;                        /* [B][n_out] head outputs and block softmax */
    float *dgates, *dh[2], *dc, *dy, *dwts; /* backward scratch */
    float *proj;                           /* [B + (T-1) window_step][4H] window projections */
    const float *input[NET_MAX_LAYERS];    /* each layer's input in the last forward */
    int rows, masked, windowed;            /* of the last forward */
    int linear_only;                       /* train the skip and the bias alone (net_set_linear_only) */
    int steps;                             /* AdamW steps taken */
    evo_rng rng;                           /* dropout masks */
};

static int layer_in(const net_spec *s, int l) { return l == 0 ? s->n_in : s->hidden; }

static int is_attention(const net_spec *s) { return s->arch == ARCH_ATTENTION && s->layers > 0; }

static attn_dims attention_dims(const net_spec *s)
{
    /* the input table: T*B rows time-major, or B + (T-1)*window_step rows of windows */
    const size_t rows = (size_t)s->seq_len * s->max_rows,
                 windows = s->max_rows + (size_t)(s->seq_len - 1) * s->window_step;
    return (attn_dims){.T = s->seq_len, .F = s->n_in, .D = s->hidden, .heads = s->heads, .ff = s->ff,
                       .layers = s->layers, .max_b = s->max_rows,
                       .max_rows = (int)(rows > windows ? rows : windows), .dropout = s->dropout > 0};
}


/* Walk the parameter layout; with net->params set, point the views (and the gradient views). */
static size_t layout_params(evo_net *net)
{
    const net_spec *s = &net->spec;
    const size_t G = 4 * (size_t)s->hidden;
    size_t at = 0;
    if (is_attention(s)) {
        at = attn_layout_weights(&net->aw, net->params, &net->ad);
        attn_layout_weights(&net->daw, net->grads, &net->ad);
    }
    for (int l = 0; l < s->layers && !is_attention(s); l++) {
        size_t nx = (size_t)layer_in(s, l) * G, nh = (size_t)s->hidden * G;
        if (net->params) {
            net->w[l] = (lstm_weights){net->params + at, net->params + at + nx, net->params + at + nx + nh};
            net->dw[l] = (lstm_weights){net->grads + at, net->grads + at + nx, net->grads + at + nx + nh};
        }
        at += nx + nh + G;
    }
    const size_t n_w = (size_t)s->hidden * s->n_out, n_skip = (size_t)s->n_in * s->n_out;
    if (net->params) {
        net->w_out = net->params + at;
        net->dw_out = net->grads + at;
        net->w_skip = net->w_out + n_w;
        net->dw_skip = net->dw_out + n_w;
        net->b_out = net->w_skip + n_skip;
        net->db_out = net->dw_skip + n_skip;
    }
    return at + n_w + n_skip + s->n_out;
}

/* Carve the activation and scratch buffers; with base NULL only count. */
static size_t layout_acts(evo_net *net, float *base)
{
    const net_spec *s = &net->spec;
    const size_t TBH = (size_t)s->seq_len * s->max_rows * s->hidden, TBG = 4 * TBH;
    size_t at = 0;
#define CARVE(ptr, n)                                                                              \
    do {                                                                                           \
        if (base)                                                                                  \
            (ptr) = base + at;                                                                     \
        at += (n);                                                                                 \
    } while (0)
    if (is_attention(s))
        at = attn_layout_cache(&net->ac, base, &net->ad);
    for (int l = 0; l < s->layers && !is_attention(s); l++) {
        CARVE(net->cache[l].gates, TBG);
        CARVE(net->cache[l].c, TBH);
        CARVE(net->cache[l].tanh_c, TBH);
        CARVE(net->cache[l].h, TBH);
        if (l > 0 && s->dropout > 0) {
            CARVE(net->mask[l], TBH);
            CARVE(net->dropped[l], TBH);
        }
    }
    CARVE(net->y, (size_t)s->max_rows * s->n_out);
    CARVE(net->wts, (size_t)s->max_rows * s->n_out);
    return at;
}

static size_t layout_scratch(evo_net *net, float *base)
{
    const net_spec *s = &net->spec;
    const size_t TBH = (size_t)s->seq_len * s->max_rows * s->hidden;
    size_t at = 0;
    CARVE(net->dy, (size_t)s->max_rows * s->n_out);
    CARVE(net->dwts, (size_t)s->max_rows * s->n_out);
    if (is_attention(s)) {
        CARVE(net->dpooled, (size_t)s->max_rows * s->hidden);
        return at + attn_layout_scratch(&net->as, base ? base + at : NULL, &net->ad);
    }
    CARVE(net->dgates, 4 * TBH);
    CARVE(net->dh[0], TBH);
    CARVE(net->dh[1], TBH);
    CARVE(net->dc, (size_t)s->max_rows * s->hidden);
    if (s->window_step > 0)
        CARVE(net->proj, ((size_t)s->max_rows + (size_t)(s->seq_len - 1) * s->window_step) * 4 * s->hidden);
#undef CARVE
    return at;
}

/* ---------------------------------------------------------------- initialisation */

static void init_uniform(float *w, size_t n, double a, evo_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((2 * rng_uniform(rng) - 1) * a);
}

/* Columns [col, col+H) of w_h[H][4H] = an orthogonal H x H matrix (Gram-Schmidt of a Gaussian one). */
static void init_orthogonal(float *w_h, int H, int col, double *q, evo_rng *rng)
{
    for (int i = 0; i < H * H; i++)
        q[i] = rng_normal(rng);
    for (int j = 0; j < H; j++) { /* column j of q, orthogonalised against columns 0..j-1 */
        for (int k = 0; k < j; k++) {
            double dot = 0;
            for (int i = 0; i < H; i++)
                dot += q[i * H + j] * q[i * H + k];
            for (int i = 0; i < H; i++)
                q[i * H + j] -= dot * q[i * H + k];
        }
        double norm = 0;
        for (int i = 0; i < H; i++)
            norm += q[i * H + j] * q[i * H + j];
        norm = sqrt(norm);
        for (int i = 0; i < H; i++)
            q[i * H + j] /= norm;
    }
    for (int i = 0; i < H; i++)
        for (int j = 0; j < H; j++)
            w_h[(size_t)i * 4 * H + col + j] = (float)q[i * H + j];
}

static int init_params(evo_net *net, evo_error *err)
{
    const net_spec *s = &net->spec;
    const int H = s->hidden;
    double *q = malloc((size_t)H * H * sizeof *q);
    if (!q)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory creating a network with %d hidden units", H);
    rng_seed(&net->rng, s->seed);
    if (is_attention(s))
        attn_init(&net->aw, &net->ac, &net->ad, &net->rng);
    for (int l = 0; l < s->layers && !is_attention(s); l++) {
        int F = layer_in(s, l);
        init_uniform(net->w[l].w_x, (size_t)F * 4 * H, sqrt(6.0 / (F + H)), &net->rng);
        for (int gate = 0; gate < 4; gate++)
            init_orthogonal(net->w[l].w_h, H, gate * H, q, &net->rng);
        memset(net->w[l].b, 0, 4 * (size_t)H * sizeof(float));
        for (int j = 0; j < H; j++)
            net->w[l].b[H + j] = 1.0f; /* forget gate */
    }
    /* The head starts at 0, so every model starts at equal weights and moves only where the data
     * pulls it; the LSTM below gets gradients once W_out has grown from 0. */
    memset(net->w_out, 0, (size_t)H * s->n_out * sizeof(float));
    memset(net->w_skip, 0, (size_t)s->n_in * s->n_out * sizeof(float));
    memset(net->b_out, 0, (size_t)s->n_out * sizeof(float));
    free(q);
    return EVO_OK;
}

/* ---------------------------------------------------------------- create / free */

static int check_spec(const net_spec *s, evo_error *err)
{
    if (s->n_in < 1 || (s->layers > 0 && s->hidden < 1) || s->layers < 0 || s->layers > NET_MAX_LAYERS ||
        s->n_out < 1 ||
        s->block < 1 || s->seq_len < 1 || s->max_rows < 1 || !(s->dropout >= 0 && s->dropout < 1) ||
        s->window_step < 0)
        return evo_fail(err, EVO_ERR_USAGE, "network sizes out of range (n_in %d, hidden %d, layers %d, "
                        "n_out %d, block %d, seq_len %d, max_rows %d, dropout %g); layers must be 0..%d "
                        "and dropout in [0, 1)", s->n_in, s->hidden, s->layers, s->n_out, s->block,
                        s->seq_len, s->max_rows, s->dropout, NET_MAX_LAYERS);
    if (is_attention(s) && (s->heads < 1 || s->ff < 1 || s->hidden % s->heads))
        return evo_fail(err, EVO_ERR_USAGE, "attention sizes out of range (d_model %d, heads %d, ff %d): "
                        "d_model must be a multiple of heads, ff at least 1", s->hidden, s->heads, s->ff);
    if (s->block % s->n_out)
        return evo_fail(err, EVO_ERR_USAGE, "softmax block %d is not a multiple of n_out %d", s->block,
                        s->n_out);
    return EVO_OK;
}

int net_create(const net_spec *spec, evo_net **out, evo_error *err)
{
    *out = NULL;
    int rc = check_spec(spec, err);
    if (rc)
        return rc;
    evo_net *net = calloc(1, sizeof *net);
    if (!net)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory creating a network");
    net->spec = *spec;
    if (spec->layers == 0) /* no encoder: no hidden state, nothing of its size to carve */
        net->spec.hidden = 0;
    if (is_attention(spec))
        net->ad = attention_dims(spec);
    size_t n = net->n_params = layout_params(net);
    size_t n_acts = layout_acts(net, NULL), n_scratch = layout_scratch(net, NULL);
    net->params = calloc(n, sizeof(float));
    net->grads = calloc(n, sizeof(float));
    net->m = calloc(n, sizeof(float));
    net->v = calloc(n, sizeof(float));
    net->acts = calloc(n_acts, sizeof(float));
    net->scratch = calloc(n_scratch, sizeof(float));
    if (!net->params || !net->grads || !net->m || !net->v || !net->acts || !net->scratch) {
        net_free(net);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory: a network of %zu parameters needs %zu MiB",
                        n, (4 * n + n_acts + n_scratch) * sizeof(float) >> 20);
    }
    layout_params(net);
    layout_acts(net, net->acts);
    layout_scratch(net, net->scratch);
    rc = init_params(net, err);
    if (rc) {
        net_free(net);
        return rc;
    }
    *out = net;
    return EVO_OK;
}

void net_free(evo_net *net)
{
    if (!net)
        return;
    free(net->params);
    free(net->grads);
    free(net->m);
    free(net->v);
    free(net->acts);
    free(net->scratch);
    free(net);
}

/* ---------------------------------------------------------------- forward / backward / step */

/* The input rows of the last step in the last forward, which the skip connection reads. */
static const float *last_input(const evo_net *net)
{
    const net_spec *s = &net->spec;
    const size_t T = (size_t)s->seq_len;
    return net->input[0] + (T - 1) * (net->windowed ? (size_t)s->window_step : (size_t)net->rows) * s->n_in;
}

/* What the head reads (layers > 0): the top LSTM layer's hidden state at the last step, or the
 * attention encoder's pooled embedding. */
static const float *last_hidden(const evo_net *net)
{
    const net_spec *s = &net->spec;
    if (is_attention(s))
        return net->ac.pooled;
    return net->cache[s->layers - 1].h + (size_t)(s->seq_len - 1) * net->rows * s->hidden;
}

/* The layers above the first and the head; layer 0 has run. */
static void forward_rest(evo_net *net, int rows)
{
    const net_spec *s = &net->spec;
    const int T = s->seq_len, H = s->hidden, encoder = s->layers > 0 && !net->linear_only;
    const size_t TBH = (size_t)T * rows * H;
    const float keep = 1.0f - s->dropout, scale = 1.0f / keep;
    for (int l = 1; encoder && !is_attention(s) && l < s->layers; l++) {
        const float *in = net->cache[l - 1].h;
        if (net->masked) { /* inverted dropout: keep with probability 1-p, scale by 1/(1-p) */
            for (size_t i = 0; i < TBH; i++) {
                net->mask[l][i] = rng_uniform(&net->rng) < keep ? scale : 0.0f;
                net->dropped[l][i] = in[i] * net->mask[l][i];
            }
            in = net->dropped[l];
        }
        net->input[l] = in;
        lstm_forward(&net->cache[l], in, &net->w[l], T, rows, H, H);
    }
    /* y = h_T W_out + x_T W_skip + b */
    head_dense_forward(net->y, last_input(net), net->w_skip, net->b_out, rows, s->n_in, s->n_out);
    if (encoder)
        head_add_forward(net->y, last_hidden(net), net->w_out, rows, H, s->n_out);
    head_softmax_forward(net->wts, net->y, rows * s->n_out / s->block, s->block);
}

static int begin_forward(evo_net *net, int rows, int train, int windowed, evo_error *err)
{
    const net_spec *s = &net->spec;
    if (rows < 1 || rows > s->max_rows || (rows * s->n_out) % s->block)
        return evo_fail(err, EVO_ERR_USAGE, "forward of %d rows: expected 1..%d rows making whole "
                        "blocks of %d outputs", rows, s->max_rows, s->block);
    if (windowed && s->window_step < 1)
        return evo_fail(err, EVO_ERR_USAGE, "net_forward_window on a net made without window_step");
    net->rows = rows;
    net->windowed = windowed;
    net->masked = train && s->dropout > 0 && (is_attention(s) ? s->layers > 0 : s->layers > 1);
    return EVO_OK;
}

/* Token t of sequence b reads row t*stride + b of the input: time-major x, or windows (lstm.h). */
static int input_stride(const evo_net *net)
{
    return net->windowed ? net->spec.window_step : net->rows;
}

/* The attention encoder, with fresh inverted-dropout masks when training. A mask has rows x T x ff
 * entries (1.2 million a step for the shared model of 30 assets, 64 days, 10 steps, ff 64): each
 * 64-bit draw gives four of them, a 16-bit uniform each (keep resolved to 1/65536), which took the
 * masks from 14% of such a step (perf, rng_uniform per entry) to 5%. */
static void attention_forward(evo_net *net, const float *x, int rows)
{
    const net_spec *s = &net->spec;
    const float keep = 1.0f - s->dropout, scale = 1.0f / keep, below = keep * 65536.0f;
    const size_t n = (size_t)rows * s->seq_len * s->ff;
    for (int l = 0; net->masked && l < s->layers; l++) {
        float *m = net->ac.mask[l];
        for (size_t i = 0; i < n; i += 4) {
            uint64_t r = rng_next(&net->rng);
            for (size_t k = i; k < i + 4 && k < n; k++, r >>= 16)
                m[k] = (float)(r & 0xffffu) < below ? scale : 0.0f;
        }
    }
    attn_forward(&net->ac, &net->as, x, input_stride(net), &net->aw, &net->ad, rows, net->masked);
}

/* The first layer reads rows sequences (x_btf) or, windowed, rows windows of one daily series. */
static int forward(evo_net *net, const float *x, int rows, int train, int windowed, evo_error *err)
{
    int rc = begin_forward(net, rows, train, windowed, err);
    if (rc)
        return rc;
    const net_spec *s = &net->spec;
    net->input[0] = x;
    if (is_attention(s) && !net->linear_only)
        attention_forward(net, x, rows);
    else if (s->layers > 0 && !net->linear_only && windowed)
        lstm_forward_window(&net->cache[0], net->proj, x, s->window_step, &net->w[0], s->seq_len, rows, s->n_in,
                            s->hidden);
    else if (s->layers > 0 && !net->linear_only)
        lstm_forward(&net->cache[0], x, &net->w[0], s->seq_len, rows, s->n_in, s->hidden);
    forward_rest(net, rows);
    return EVO_OK;
}

int net_forward(evo_net *net, const float *x, int rows, int train, evo_error *err)
{
    return forward(net, x, rows, train, 0, err);
}

int net_forward_window(evo_net *net, const float *x, int rows, int train, evo_error *err)
{
    return forward(net, x, rows, train, 1, err);
}

const float *net_outputs(const evo_net *net) { return net->y; }
const float *net_encoding(const evo_net *net)
{
    return net->spec.layers > 0 && !net->linear_only ? last_hidden(net) : NULL;
}
const float *net_weights(const evo_net *net) { return net->wts; }

/* The loss of the last forward against r; fills dy = dLoss/dy (through the softmax for portfolio
 * objectives). */
static double loss_and_dy(evo_net *net, const float *r, const loss_spec *loss)
{
    const net_spec *s = &net->spec;
    const int n_y = net->rows * s->n_out, days = n_y / s->block;
    if (loss->objective == OBJECTIVE_FORECAST)
        return loss_mse(net->dy, net->y, r, n_y);
    double value = loss_portfolio(net->dwts, net->wts, r, days, s->block, loss);
    head_softmax_backward(net->dy, net->dwts, net->wts, days, s->block);
    return value;
}

double net_backward(evo_net *net, const float *r, const loss_spec *loss, float *dx)
{
    const net_spec *s = &net->spec;
    const int T = s->seq_len, H = s->hidden, B = net->rows, L = s->layers;
    const size_t BH = (size_t)B * H, before = (size_t)(T - 1) * B * s->n_in;
    memset(net->grads, 0, net->n_params * sizeof(float));
    double value = loss_and_dy(net, r, loss);
    if (is_attention(s) && !net->linear_only) {
        head_dense_backward(net->dw_out, net->db_out, net->dpooled, net->dy, last_hidden(net), net->w_out, B, H,
                            s->n_out);
        attn_backward(&net->daw, net->windowed ? NULL : dx, net->dpooled, &net->ac, &net->as, net->input[0],
                      input_stride(net), &net->aw, &net->ad, B, net->masked);
    } else if (L > 0 && !net->linear_only) {
        /* Only the last step feeds the head: dh is zero before it. */
        float *dh = net->dh[0], *dh_below = net->dh[1];
        memset(dh, 0, (size_t)(T - 1) * BH * sizeof(float));
        head_dense_backward(net->dw_out, net->db_out, dh + (size_t)(T - 1) * BH, net->dy, last_hidden(net),
                            net->w_out, B, H, s->n_out);
        for (int l = L - 1; l >= 0; l--) {
            float *d_in = l > 0 ? dh_below : dx;
            if (l == 0 && net->windowed)
                lstm_backward_window(&net->dw[0], net->proj, dh, net->dgates, net->dc, &net->cache[0],
                                     net->input[0], s->window_step, &net->w[0], T, B, s->n_in, H);
            else
                lstm_backward(&net->dw[l], d_in, dh, net->dgates, net->dc, &net->cache[l], net->input[l],
                              &net->w[l], T, B, layer_in(s, l), H);
            if (l > 0) {
                if (net->masked) /* through x = h * mask */
                    for (size_t i = 0; i < (size_t)T * BH; i++)
                        dh_below[i] *= net->mask[l][i];
                float *t = dh;
                dh = dh_below;
                dh_below = t;
            }
        }
    } else if (dx) { /* no LSTM: only the skip reaches the input */
        memset(dx, 0, (before + (size_t)B * s->n_in) * sizeof *dx);
    }
    /* the skip connection; without the LSTM's head it carries the bias too */
    if (L == 0 || net->linear_only)
        head_dense_backward(net->dw_skip, net->db_out, dx ? dx + before : NULL, net->dy, last_input(net),
                            net->w_skip, B, s->n_in, s->n_out);
    else
        head_add_backward(net->dw_skip, dx ? dx + before : NULL, net->dy, last_input(net), net->w_skip, B,
                          s->n_in, s->n_out);
    return value;
}

void net_set_linear_only(evo_net *net, int on)
{
    net->linear_only = on;
}

double net_loss(evo_net *net, const float *r, const loss_spec *loss)
{
    return loss_and_dy(net, r, loss);
}

double net_step(evo_net *net, const adamw_options *opt, double clip_norm)
{
    double norm = adamw_clip_grad_norm(net->grads, net->n_params, clip_norm);
    if (!isfinite(norm))
        return norm;
    /* linear only: the skip and the bias, the tail of the flat buffer; the rest does not even decay */
    const size_t from = net->linear_only ? (size_t)(net->w_skip - net->params) : 0;
    adamw_step(net->params + from, net->grads + from, net->m + from, net->v + from, net->n_params - from, opt,
               ++net->steps);
    return norm;
}

size_t net_param_count(const evo_net *net) { return net->n_params; }
float *net_params(evo_net *net) { return net->params; }
float *net_grads(evo_net *net) { return net->grads; }
const net_spec *net_get_spec(const evo_net *net) { return &net->spec; }

const float *net_dropout_mask(const evo_net *net, int l)
{
    if (is_attention(&net->spec))
        return l >= 0 && l < net->spec.layers && net->masked ? net->ac.mask[l] : NULL;
    return l > 0 && l < net->spec.layers && net->masked ? net->mask[l] : NULL;
}

/* ---------------------------------------------------------------- save / load */

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t n_in, hidden, layers, n_out, block;
    uint32_t arch, heads, ff, reserved;
    uint64_t n_params;
} net_file_header;

static net_file_header header_of(const evo_net *net)
{
    net_file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, NET_MAGIC, sizeof NET_MAGIC);
    h.version = NET_FILE_VERSION;
    h.n_in = (uint32_t)net->spec.n_in;
    h.hidden = (uint32_t)net->spec.hidden;
    h.layers = (uint32_t)net->spec.layers;
    h.n_out = (uint32_t)net->spec.n_out;
    h.block = (uint32_t)net->spec.block;
    if (is_attention(&net->spec)) {
        h.arch = (uint32_t)net->spec.arch;
        h.heads = (uint32_t)net->spec.heads;
        h.ff = (uint32_t)net->spec.ff;
    }
    h.n_params = net->n_params;
    return h;
}

int net_save(const evo_net *net, const char *path, evo_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    net_file_header h = header_of(net);
    uint64_t sum = hash_fnv1a(net->params, net->n_params * sizeof(float));
    int ok = fwrite(&h, sizeof h, 1, f) == 1 &&
             fwrite(net->params, sizeof(float), net->n_params, f) == net->n_params &&
             fwrite(&sum, sizeof sum, 1, f) == 1;
    ok = fclose(f) == 0 && ok;
    return ok ? EVO_OK : evo_fail(err, EVO_ERR_IO, "%s: write failed: %s", path, strerror(errno));
}

int net_load(evo_net *net, const char *path, evo_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return evo_fail(err, EVO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    net_file_header h, want = header_of(net);
    float *p = malloc(net->n_params * sizeof *p);
    uint64_t sum = 0;
    int rc = EVO_OK;
    if (!p)
        rc = evo_fail(err, EVO_ERR_NOMEM, "%s: out of memory", path);
    else if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, want.magic, sizeof h.magic))
        rc = evo_fail(err, EVO_ERR_DATA, "%s: not an evofolio network file", path);
    else if (h.version != NET_FILE_VERSION)
        rc = evo_fail(err, EVO_ERR_DATA, "%s: network file version %u; this build reads version %d",
                      path, h.version, NET_FILE_VERSION);
    else if (memcmp(&h, &want, sizeof h))
        rc = evo_fail(err, EVO_ERR_DATA, "%s: network sizes differ (file: n_in %u, hidden %u, layers "
                      "%u, n_out %u, block %u, %s, heads %u, ff %u)", path, h.n_in, h.hidden, h.layers, h.n_out,
                      h.block, h.arch < ARCH_COUNT ? catalog_architectures.names[h.arch] : "unknown encoder",
                      h.heads, h.ff);
    else if (fread(p, sizeof *p, net->n_params, f) != net->n_params || fread(&sum, sizeof sum, 1, f) != 1)
        rc = evo_fail(err, EVO_ERR_DATA, "%s: truncated network file", path);
    else if (sum != hash_fnv1a(p, net->n_params * sizeof *p))
        rc = evo_fail(err, EVO_ERR_DATA, "%s: checksum mismatch; the file is corrupt", path);
    else
        memcpy(net->params, p, net->n_params * sizeof *p);
    fclose(f);
    free(p);
    return rc;
}
