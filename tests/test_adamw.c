/* Tests of adamw: two optimizer steps against hand arithmetic, the defaults, and gradient clipping.
 * Shapes: n parameters in one flat buffer (theta, grad, m, v all [n]). */
#include <criterion/criterion.h>
#include <math.h>

#include "evofolio/adamw.h"

/* theta against the decimal hand values: parameters ~1 carry a float ulp of 1.2e-7, and the float betas
 * (0.9f, 0.999f) enter both the moments and their bias corrections, so their rounding cancels to
 * first order; measured, theta agrees to 8e-8. Tolerance 2e-6 (~16 ulp). A missing weight decay moves
 * a value by lr wd |theta| >= 5e-4, a missing bias correction by more than 0.05. */
#define ADAM_TOL 2e-6
/* The moments against decimal hand values: 1 - 0.9f = 0.100000024 (relative 2.4e-7), so m to 1e-6
 * relative (plus 1e-9 where m2 cancels to -0.005); 1 - 0.999f = 0.000999987 (relative 1.3e-5), so v
 * to 3e-5. The bias corrections use the same rounded betas, so theta does not inherit these. */
#define M_REL_TOL 1e-6
#define V_REL_TOL 3e-5

Test(adamw, defaults_match_pytorch, .description = "beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01, lr as given")
{
    adamw_options o = adamw_defaults(3e-4f);
    cr_assert_eq(o.lr, 3e-4f);
    cr_assert_eq(o.beta1, 0.9f);
    cr_assert_eq(o.beta2, 0.999f);
    cr_assert_eq(o.eps, 1e-8f);
    cr_assert_eq(o.weight_decay, 0.01f);
}

Test(adamw, two_steps_hand_values,
     .description = "from m = v = 0: step 1 moves by -lr wd theta - lr g/(|g|+eps); step 2 with 1-b^2 corrections")
{
    adamw_options o = adamw_defaults(0.1f);
    float theta[3] = {1.0f, -2.0f, 0.5f};
    const float g1[3] = {0.5f, -0.25f, 0.0f};
    float m[3] = {0, 0, 0}, v[3] = {0, 0, 0};
    adamw_step(theta, g1, m, v, 3, &o, 1);
    /* Step 1, t = 1: m = 0.1 g = [0.05, -0.025, 0]; v = 0.001 g^2 = [2.5e-4, 6.25e-5, 0].
     * Bias correction 1/(1 - 0.9) = 10 and 1/(1 - 0.999) = 1000 give m_hat = g, v_hat = g^2, so the
     * Adam step is lr g / (|g| + eps) ~ lr sign(g), and 0 for the zero gradient.
     *   theta0 = 1.0 (1 - 0.1*0.01) - 0.1 * 0.5 / (0.5 + 1e-8)      =  0.999  - 0.1 = 0.899
     *   theta1 = -2.0 (1 - 0.001)   - 0.1 * -0.25 / (0.25 + 1e-8)   = -1.998  + 0.1 = -1.898
     *   theta2 = 0.5 (1 - 0.001)    - 0                              =  0.4995  (decay only) */
    const double want_m1[3] = {0.05, -0.025, 0}, want_v1[3] = {2.5e-4, 6.25e-5, 0};
    double want1[3] = {1.0 * 0.999 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 * 0.999 - 0.1 * -0.25 / (0.25 + 1e-8),
                       0.5 * 0.999};
    cr_assert(fabs(want1[0] - 0.899) < 1e-8 && fabs(want1[1] - -1.898) < 1e-8, "hand arithmetic");
    for (int i = 0; i < 3; i++) {
        cr_assert(fabs(theta[i] - want1[i]) < ADAM_TOL, "step 1 theta[%d] = %.9g, want %.9g", i, theta[i],
                  want1[i]);
        cr_assert(fabs(m[i] - want_m1[i]) <= M_REL_TOL * fabs(want_m1[i]), "m[%d] = %.9g", i, m[i]);
        cr_assert(fabs(v[i] - want_v1[i]) <= V_REL_TOL * fabs(want_v1[i]), "v[%d] = %.9g", i, v[i]);
    }

    const float g2[3] = {-0.5f, 0.5f, 1.0f};
    adamw_step(theta, g2, m, v, 3, &o, 2);
    /* Step 2, t = 2, from the step-1 state:
     *   m = 0.9 m + 0.1 g2     = [0.045 - 0.05, -0.0225 + 0.05, 0 + 0.1]   = [-0.005, 0.0275, 0.1]
     *   v = 0.999 v + 0.001 g2^2 = [2.4975e-4 + 2.5e-4, 6.24375e-5 + 2.5e-4, 0 + 1e-3]
     *                            = [4.9975e-4, 3.124375e-4, 1e-3]
     *   m_hat = m / (1 - 0.9^2) = m / 0.19;   v_hat = v / (1 - 0.999^2) = v / 0.001999
     *   theta -= lr wd theta;  theta -= lr m_hat / (sqrt(v_hat) + eps)
     * giving theta ~ [0.903364, -1.932712, 0.424587]: no longer lr sign(g) (the third parameter, whose
     * first gradient was 0, moves by 0.0744). */
    const double m2[3] = {0.9 * 0.05 + 0.1 * -0.5, 0.9 * -0.025 + 0.1 * 0.5, 0.9 * 0 + 0.1 * 1.0};
    const double v2[3] = {0.999 * 2.5e-4 + 0.001 * 0.25, 0.999 * 6.25e-5 + 0.001 * 0.25,
                          0.999 * 0 + 0.001 * 1.0};
    const double c1 = 1 - 0.9 * 0.9, c2 = 1 - 0.999 * 0.999; /* 0.19, 0.001999 */
    const double want2_hand[3] = {0.903364, -1.932712, 0.424587};
    for (int i = 0; i < 3; i++) {
        double want = want1[i] * (1 - 0.1 * 0.01) - 0.1 * (m2[i] / c1) / (sqrt(v2[i] / c2) + 1e-8);
        cr_assert(fabs(want - want2_hand[i]) < 1e-6, "hand arithmetic: theta[%d] %.9g", i, want);
        cr_assert(fabs(theta[i] - want) < ADAM_TOL, "step 2 theta[%d] = %.9g, want %.9g", i, theta[i], want);
        cr_assert(fabs(m[i] - m2[i]) <= M_REL_TOL * fabs(m2[i]) + 1e-9, "m[%d] = %.9g, want %.9g", i, m[i],
                  m2[i]);
        cr_assert(fabs(v[i] - v2[i]) <= V_REL_TOL * fabs(v2[i]), "v[%d] = %.9g, want %.9g", i, v[i], v2[i]);
    }
}

Test(adamw, clip_scales_to_max_norm, .description = "norm of [3, 4] is 5; clipped to 1 it is [0.6, 0.8]")
{
    float g[2] = {3, 4};
    cr_assert_eq(adamw_clip_grad_norm(g, 2, 1.0), 5.0, "returns the norm before clipping");
    /* 3 * (float)0.2 and 4 * (float)0.2: one float rounding each, 1e-7 absolute. */
    cr_assert(fabs(g[0] - 0.6) < 1e-7 && fabs(g[1] - 0.8) < 1e-7, "g = [%.9g, %.9g]", g[0], g[1]);
    cr_assert(fabs(hypot(g[0], g[1]) - 1) < 1e-6);
}

Test(adamw, clip_leaves_small_or_disabled, .description = "norm <= max_norm, or max_norm <= 0: gradient unchanged")
{
    const double max_norms[4] = {10.0, 5.0, 0.0, -1.0};
    for (int i = 0; i < 4; i++) {
        float g[2] = {3, 4};
        cr_assert_eq(adamw_clip_grad_norm(g, 2, max_norms[i]), 5.0, "max_norm %g", max_norms[i]);
        cr_assert(g[0] == 3 && g[1] == 4, "max_norm %g changed g to [%g, %g]", max_norms[i], g[0], g[1]);
    }
}

Test(adamw, clip_nan_gradient_returns_nan, .description = "a NaN in the gradient makes the returned norm NaN")
{
    float g[3] = {1, NAN, 2};
    cr_assert(isnan(adamw_clip_grad_norm(g, 3, 1.0)));
    float h[3] = {1, NAN, 2};
    cr_assert(isnan(adamw_clip_grad_norm(h, 3, 0.0)), "also when clipping is off");
}
