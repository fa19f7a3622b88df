/* lstm: one LSTM layer as a forward/backward pair over flat float arrays (llm.c style), plus the
 * vectorisable activations it uses. The caller owns every array (the net module's arena); nothing
 * here allocates or fails.
 *
 * Shapes: T time steps, B batch rows, F input width, H hidden units, G = 4H gate width. Time-major:
 * x[T][B][F], h[T][B][H]. Gates are stored per row in the order i, f, g, o (input, forget, cell,
 * output), each H wide, so one GEMM computes all four (N = 4H).
 *   a_t = x_t W_x + h_{t-1} W_h + b                  (a = [a_i a_f a_g a_o], h_{-1} = c_{-1} = 0)
 *   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g                       h_t = o * tanh(c_t) */
#ifndef EVOFOLIO_LSTM_H
#define EVOFOLIO_LSTM_H

typedef struct {
    float *w_x; /* [F][4H] */
    float *w_h; /* [H][4H] */
    float *b;   /* [4H] */
} lstm_weights;

/* What forward keeps for backward. */
typedef struct {
    float *gates;  /* [T][B][4H] activated gates i, f, g, o */
    float *c;      /* [T][B][H] cell state */
    float *tanh_c; /* [T][B][H] tanh(c) */
    float *h;      /* [T][B][H] output */
} lstm_cache;

/* Forward over all T steps: the input projection for every step is one GEMM (M = T*B); the time loop
 * runs the recurrent GEMM and one fused pass of bias, activations and state update. */
void lstm_forward(lstm_cache *out, const float *x, const lstm_weights *w, int T, int B, int F, int H);

/* Forward over sliding windows: batch row b at step t reads input row t*step + b of
 * x[B + (T-1)*step][F] (consecutive days of one input table, `step` rows a day). The input projection
 * is then computed once per distinct row into proj[B + (T-1)*step][4H] (scratch) - T*B/(B+(T-1)*step)
 * times fewer flops than lstm_forward - and added to each step's gates in the fused pass (not copied
 * into them first: that copy was T*B*4H floats, 3.9 MB a layer at T 60, B 64, H 64). */
void lstm_forward_window(lstm_cache *out, float *proj, const float *x, int step, const lstm_weights *w,
                         int T, int B, int F, int H);

/* Backpropagation through time. dh[T][B][H] holds dLoss/dh_t from above and is used as scratch
 * (the recurrent term is added into it). Gradients accumulate (+=) into dw; dx[T][B][F] (may be NULL)
 * is overwritten. dgates[T][B][4H] and dc[B][H] are scratch. Only the recurrent GEMM stays in the
 * time loop; the weight gradients and dx are single GEMMs over all steps. */
void lstm_backward(lstm_weights *dw, float *dx, float *dh, float *dgates, float *dc,
                   const lstm_cache *cache, const float *x, const lstm_weights *w, int T, int B, int F,
                   int H);

/* Backward of lstm_forward_window: as lstm_backward, but dW_x comes from the windows' shared rows
 * (dproj[B + (T-1)*step][4H] is scratch) and there is no dx. */
void lstm_backward_window(lstm_weights *dw, float *dproj, float *dh, float *dgates, float *dc,
                          const lstm_cache *cache, const float *x, int step, const lstm_weights *w, int T,
                          int B, int F, int H);

/* Activations over n floats, vectorisable (branch-free polynomial exp, Cephes coefficients):
 * |error| <= 2e-7 for sigmoid and 4e-7 for tanh against libm (tests/test_lstm.c measures it). */
void lstm_sigmoid(float *y, const float *x, int n);
void lstm_tanh(float *y, const float *x, int n);

#endif
