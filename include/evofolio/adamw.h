/* adamw: the optimizer (AdamW: Adam with decoupled weight decay and bias correction, as in PyTorch)
 * and gradient clipping by global norm, each one loop over a flat buffer. Caller-owned buffers;
 * nothing allocates or fails. */
#ifndef EVOFOLIO_ADAMW_H
#define EVOFOLIO_ADAMW_H

#include <stddef.h>

typedef struct {
    float lr;
    float beta1, beta2;
    float eps;
    float weight_decay;
} adamw_options;

/* PyTorch's defaults: beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01. */
adamw_options adamw_defaults(float lr);

/* Step t (1-based) over n parameters:
 *   theta -= lr * wd * theta
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   theta -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) */
void adamw_step(float *param, const float *grad, float *m, float *v, size_t n, const adamw_options *opt,
                int t);

/* Scale grad so that its L2 norm is at most max_norm (max_norm <= 0: leave it); returns the norm
 * before scaling (NaN or Inf when the gradient is not finite). */
double adamw_clip_grad_norm(float *grad, size_t n, double max_norm);

#endif
