/* adamw: one pass over the flat parameter buffer. */
#include "evofolio/adamw.h"

#include <math.h>

adamw_options adamw_defaults(float lr)
{
    return (adamw_options){.lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.01f};
}

void adamw_step(float *restrict param, const float *restrict grad, float *restrict m, float *restrict v,
                size_t n, const adamw_options *opt, int t)
{
    const float b1 = opt->beta1, b2 = opt->beta2;
    const float c1 = (float)(1.0 / (1.0 - pow(b1, t))), c2 = (float)(1.0 / (1.0 - pow(b2, t)));
    const float decay = 1.0f - opt->lr * opt->weight_decay;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        param[i] = param[i] * decay - opt->lr * (m[i] * c1) / (sqrtf(v[i] * c2) + opt->eps);
    }
}

double adamw_clip_grad_norm(float *grad, size_t n, double max_norm)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)grad[i] * grad[i];
    double norm = sqrt(sum);
    if (max_norm > 0 && norm > max_norm) {
        float scale = (float)(max_norm / norm);
        for (size_t i = 0; i < n; i++)
            grad[i] *= scale;
    }
    return norm;
}
