/* net: the trainable network - a sequence encoder (a stack of L LSTM layers with inverted dropout
 * between them, or a Transformer encoder of L blocks, attention.h) and a dense head on its output (the
 * LSTM's last hidden state, the encoder's mean-pooled embedding) - with its whole arena (parameters,
 * gradients, AdamW moments, activations, scratch) allocated once in net_create and freed by net_free.
 * Forward, backward and step never allocate. Functions return 0 or a negative evo_err and fill the caller's evo_error.
 *
 * Shapes: T = seq_len steps, B rows (<= max_rows), F = n_in, H = hidden (the LSTM's units, or the
 * encoder's d_model), L = layers. Input x[T][B][F] time-major. The head maps the encoder's output
 * (with L = 0, the last step's input row) to
 * y[B][n_out]; weights are the softmax of y over
 * consecutive blocks of `block` values, one block per day:
 *   asset-level model:     rows = days,          n_out = block = A   (softmax over assets)
 *   portfolio-level model: rows = days,          n_out = block = S   (softmax over strategies)
 *   shared-LSTM model:     rows = days x assets, n_out = 1, block = A (a score per asset, softmax
 *                          across the day's A rows; rows ordered day-major)
 * The forecast objective trains y itself (next-day returns, MSE); the others train the weights. */
#ifndef EVOFOLIO_NET_H
#define EVOFOLIO_NET_H

#include <stddef.h>
#include <stdint.h>

#include "evofolio/adamw.h"
#include "evofolio/catalog.h"
#include "evofolio/error.h"
#include "evofolio/loss.h"

enum { NET_MAX_LAYERS = 3 };

typedef struct {
    int n_in;      /* F: input width per row */
    evo_arch arch; /* the encoder: ARCH_LSTM or ARCH_ATTENTION */
    int hidden;    /* H: the LSTM's hidden units, or the attention encoder's d_model */
    int heads;     /* attention: heads (hidden must be a multiple) */
    int ff;        /* attention: feed-forward width */
    int layers;    /* L, 0..NET_MAX_LAYERS; 0 = no encoder: the head reads the last step's input
                      (a linear model; hidden is then ignored) */
    int n_out;     /* head outputs per row */
    int block;     /* softmax block: values per day */
    int seq_len;   /* T */
    int max_rows;  /* largest B a forward may use */
    float dropout; /* inverted dropout in [0, 1): between LSTM layers; on each attention block's
                      feed-forward activations */
    int window_step; /* > 0 enables net_forward_window with this many input rows a day */
    uint64_t seed; /* initialisation and dropout masks */
} net_spec;

typedef struct evo_net evo_net;

/* LSTM: Xavier-uniform input weights, orthogonal recurrent weights per gate, zero biases except the
 * forget gate's (1); attention: attn_init. The head starts at 0. All drawn from an RNG seeded with
 * spec->seed. */
int net_create(const net_spec *spec, evo_net **out, evo_error *err);
void net_free(evo_net *net);

/* Forward rows rows of x[T][rows][F]; train != 0 applies dropout. rows * n_out must be a whole
 * number of blocks. */
int net_forward(evo_net *net, const float *x, int rows, int train, evo_error *err);
/* Forward over sliding windows of one input table (see lstm_forward_window): row r at step t reads
 * row t*window_step + r of x[rows + (T-1)*window_step][F] - consecutive days, no copy per window.
 * Needs spec.window_step > 0; net_backward then skips dx (it must be NULL). */
int net_forward_window(evo_net *net, const float *x, int rows, int train, evo_error *err);
/* Of the last forward: raw head outputs y[rows][n_out] (forecasts), and their block softmax
 * (portfolio weights, [rows * n_out / block][block]). Owned by the net. */
const float *net_outputs(const evo_net *net);
const float *net_weights(const evo_net *net);
/* Of the last forward: what the head read from the encoder, [rows][hidden] - the LSTM's last hidden
 * state or the attention encoder's pooled embedding; NULL without an encoder (layers 0, or linear
 * only). Owned by the net. */
const float *net_encoding(const evo_net *net);

/* Loss of the last forward against next-day returns r (laid out like y), and backpropagation: the
 * gradients are zeroed, then filled. dx[T][rows][F] receives dLoss/dx when not NULL. */
double net_backward(evo_net *net, const float *r, const loss_spec *loss, float *dx);
/* The loss of the last forward against r, without backpropagation. */
double net_loss(evo_net *net, const float *r, const loss_spec *loss);
/* With on != 0 the net is its linear part: forward skips the encoder and its head (exact while the
 * head's weights are 0, as net_create leaves them) and backward leaves every gradient but the skip
 * connection's and the bias's at 0, so steps train the linear part alone and the head stays 0. */
void net_set_linear_only(evo_net *net, int on);
/* Clip the gradient to clip_norm (<= 0: no clipping), then one AdamW step. Returns the gradient norm
 * before clipping: NaN or Inf means the candidate diverged (the step is then skipped). */
double net_step(evo_net *net, const adamw_options *opt, double clip_norm);

/* The flat parameter and gradient buffers (LSTM: per layer W_x, W_h, b; attention: attention.h's
 * order; then the head's W, W_skip, b). */
size_t net_param_count(const evo_net *net);
float *net_params(evo_net *net);
float *net_grads(evo_net *net);
const net_spec *net_get_spec(const evo_net *net);
/* The dropout mask of the last forward, or NULL when none was applied. For tests. LSTM: the mask of
 * layer l's input (l >= 1), [T][rows][H]; attention: block l's feed-forward mask (l >= 0), [rows][T][ff]. */
const float *net_dropout_mask(const evo_net *net, int l);

/* Parameters to/from a binary file: magic "EVOFNET\0", version, sizes, floats, FNV-1a checksum.
 * Loading checks that the sizes match this net. */
int net_save(const evo_net *net, const char *path, evo_error *err);
int net_load(evo_net *net, const char *path, evo_error *err);

#endif
