/* Tests of head: the dense layer and the block softmax, forward against hand-worked values and
 * backward against hand values and central finite differences.
 * Shapes: N rows (blocks), H inputs, K outputs per row. */
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>

#include "evofolio/head.h"

/* The dense fixture: x[2][3], w[3][2], b[2], small integers and halves (exact in float). */
static const float X[6] = {1, 2, 3, 4, 5, 6};
static const float W[6] = {1, -1, 0, 2, 0.5f, 1};
static const float BIAS[2] = {0.1f, -0.2f};
static const float DY[4] = {1, 0.5f, -1, 2}; /* [2][2] */

Test(head, dense_forward_hand_values, .description = "y = x w + b on a 2x3 input, 3x2 weight, by hand")
{
    float y[4] = {NAN, NAN, NAN, NAN}; /* an output: whatever was there must be overwritten */
    head_dense_forward(y, X, W, BIAS, 2, 3, 2);
    /* row 0: [1*1 + 2*0 + 3*0.5, 1*(-1) + 2*2 + 3*1] + b = [2.5, 6] + [0.1, -0.2] = [2.6, 5.8]
     * row 1: [4*1 + 5*0 + 6*0.5, 4*(-1) + 5*2 + 6*1] + b = [7, 12] + [0.1, -0.2] = [7.1, 11.8]
     * The products are exact in float; only the bias add rounds (ulp of 12 is 1e-6), so 1e-5. */
    const float want[4] = {2.6f, 5.8f, 7.1f, 11.8f};
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(y[i], want[i], 1e-5, "y[%d] = %.9g, want %.9g", i, y[i], want[i]);
}

Test(head, dense_backward_hand_values,
     .description = "dw += x^T dy onto existing values, db += row sums of dy, dx = dy w^T")
{
    float dw[6] = {1, 1, 1, 1, 1, 1}; /* accumulates: starts at 1, not 0 */
    float db[2] = {0.5f, -0.5f};
    float dx[6] = {NAN, NAN, NAN, NAN, NAN, NAN}; /* dx is assigned, not accumulated */
    head_dense_backward(dw, db, dx, DY, X, W, 2, 3, 2);
    /* x^T dy, x^T = [[1, 4], [2, 5], [3, 6]], dy = [[1, 0.5], [-1, 2]]:
     *   [1 - 4, 0.5 + 8] = [-3, 8.5];  [2 - 5, 1 + 10] = [-3, 11];  [3 - 6, 1.5 + 12] = [-3, 13.5]
     * plus the existing 1: [[-2, 9.5], [-2, 12], [-2, 14.5]].
     * db: [0.5, -0.5] + [1 - 1, 0.5 + 2] = [0.5, 2].
     * dx = dy w^T, w^T = [[1, 0, 0.5], [-1, 2, 1]]:
     *   row 0: 1 [1, 0, 0.5] + 0.5 [-1, 2, 1] = [0.5, 1, 1]
     *   row 1: -1 [1, 0, 0.5] + 2 [-1, 2, 1] = [-3, 4, 1.5]
     * Every number is a small multiple of 0.5, exact in float: the comparison is exact. */
    const float want_dw[6] = {-2, 9.5f, -2, 12, -2, 14.5f};
    const float want_db[2] = {0.5f, 2};
    const float want_dx[6] = {0.5f, 1, 1, -3, 4, 1.5f};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(dw[i], want_dw[i], "dw[%d] = %g, want %g", i, dw[i], want_dw[i]);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(db[i], want_db[i], "db[%d] = %g, want %g", i, db[i], want_db[i]);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(dx[i], want_dx[i], "dx[%d] = %g, want %g", i, dx[i], want_dx[i]);
}

Test(head, dense_backward_dx_null, .description = "dx = NULL is allowed and leaves dw and db as with dx")
{
    float dw[6] = {1, 1, 1, 1, 1, 1}, db[2] = {0.5f, -0.5f};
    head_dense_backward(dw, db, NULL, DY, X, W, 2, 3, 2);
    const float want_dw[6] = {-2, 9.5f, -2, 12, -2, 14.5f}; /* as in dense_backward_hand_values */
    const float want_db[2] = {0.5f, 2};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(dw[i], want_dw[i], "dw[%d] = %g", i, dw[i]);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(db[i], want_db[i], "db[%d] = %g", i, db[i]);
}

Test(head, softmax_hand_values, .description = "z = [0, ln 2, ln 3] gives [1/6, 2/6, 3/6]; a block sums to 1")
{
    const float z[3] = {0.0f, (float)log(2.0), (float)log(3.0)};
    float p[3];
    head_softmax_forward(p, z, 1, 3);
    /* exp(z) = [1, 2, 3] up to the float rounding of ln 2, ln 3 (relative 6e-8) and expf (~1 ulp):
     * a few 1e-8 absolute on values below 1, so 1e-6. */
    const double want[3] = {1.0 / 6, 2.0 / 6, 3.0 / 6};
    double sum = 0;
    for (int k = 0; k < 3; k++) {
        cr_assert(fabs(p[k] - want[k]) < 1e-6, "p[%d] = %.9g, want %.9g", k, p[k], want[k]);
        sum += p[k];
    }
    cr_assert(fabs(sum - 1) < 1e-6, "sum %.9g", sum);

    /* A wider block of mixed-sign logits: every p in (0, 1), the sum 1 within 3 float roundings. */
    const float z5[5] = {-2.5f, 0.3f, 4.0f, -0.7f, 1.1f};
    float p5[5];
    head_softmax_forward(p5, z5, 1, 5);
    sum = 0;
    for (int k = 0; k < 5; k++) {
        cr_assert(p5[k] > 0 && p5[k] < 1, "p5[%d] = %g", k, p5[k]);
        sum += p5[k];
    }
    cr_assert(fabs(sum - 1) < 1e-6, "sum %.9g", sum);
    cr_assert(p5[2] > p5[4] && p5[4] > p5[1] && p5[1] > p5[3] && p5[3] > p5[0], "order follows z");
}

Test(head, softmax_shift_invariant, .description = "adding a constant (100) to every logit changes nothing")
{
    /* z and z + 100 are both exact in float (multiples of 1/4 below 128), so z - max is the same
     * bit pattern and the results agree to rounding (1e-7). Without max subtraction, exp(102)
     * overflows float and this test sees Inf/NaN. */
    const float z[4] = {0.5f, -1.25f, 2.0f, 0.75f};
    float zs[4], p[4], ps[4];
    for (int k = 0; k < 4; k++)
        zs[k] = z[k] + 100.0f;
    head_softmax_forward(p, z, 1, 4);
    head_softmax_forward(ps, zs, 1, 4);
    for (int k = 0; k < 4; k++)
        cr_assert(fabs(p[k] - ps[k]) <= 1e-7, "p[%d] = %.9g, shifted %.9g", k, p[k], ps[k]);
}

Test(head, softmax_huge_logits_finite, .description = "logits (1000, 0) give finite [1, 0], also (0, 1000)")
{
    const float z[4] = {1000.0f, 0.0f, 0.0f, 1000.0f};
    float p[4];
    head_softmax_forward(p, z, 2, 2);
    for (int k = 0; k < 4; k++)
        cr_assert(isfinite(p[k]), "p[%d] = %g", k, p[k]);
    /* exp(-1000) underflows to 0 exactly, so the results are exactly 1 and 0. */
    cr_assert_eq(p[0], 1.0f);
    cr_assert_eq(p[1], 0.0f);
    cr_assert_eq(p[2], 0.0f);
    cr_assert_eq(p[3], 1.0f);
}

Test(head, softmax_blocks_independent, .description = "each of N blocks equals a one-block call on it")
{
    enum { N = 3, K = 3 };
    float z[N * K] = {0.1f, -0.4f, 0.9f, 500.0f, 499.0f, -3.0f, 0.0f, 0.0f, 0.0f};
    float p[N * K];
    head_softmax_forward(p, z, N, K);
    for (int n = 0; n < N; n++) {
        float one[K];
        head_softmax_forward(one, z + n * K, 1, K);
        for (int k = 0; k < K; k++)
            cr_assert_eq(p[n * K + k], one[k], "block %d, k %d: %g vs %g", n, k, p[n * K + k], one[k]);
    }
    /* The uniform block is exactly uniform; changing block 0 leaves blocks 1 and 2 alone. */
    for (int k = 0; k < K; k++)
        cr_assert(fabs(p[2 * K + k] - 1.0 / 3) < 1e-7);
    float p_before[N * K];
    for (int i = 0; i < N * K; i++)
        p_before[i] = p[i];
    z[0] = 7.0f;
    head_softmax_forward(p, z, N, K);
    cr_assert_neq(p[0], p_before[0]);
    for (int i = K; i < N * K; i++)
        cr_assert_eq(p[i], p_before[i], "p[%d] moved when block 0 changed", i);
}

/* The softmax of one block in double, for finite differences. */
static void softmax_double(double *p, const double *z, int K)
{
    double max = z[0], sum = 0;
    for (int k = 1; k < K; k++)
        max = z[k] > max ? z[k] : max;
    for (int k = 0; k < K; k++)
        sum += p[k] = exp(z[k] - max);
    for (int k = 0; k < K; k++)
        p[k] /= sum;
}

Test(head, softmax_backward_matches_finite_differences,
     .description = "dz for f = sum c_k p_k equals central differences of f, computed in double")
{
    enum { N = 2, K = 4 };
    const float z[N * K] = {0.3f, -1.2f, 0.8f, 0.05f, 2.0f, 1.5f, -0.5f, 0.0f};
    const float c[N * K] = {1.0f, -2.0f, 0.5f, 3.0f, -1.0f, 0.25f, 2.0f, -0.75f}; /* dp = df/dp = c */
    float p[N * K], dz[N * K];
    head_softmax_forward(p, z, N, K);
    head_softmax_backward(dz, c, p, N, K);
    /* Central differences in double with h = 1e-5: truncation h^2/6 |f'''| ~ 1e-10 * |c| and roundoff
     * 1e-16 / h ~ 1e-11, so the reference is good to ~1e-9. The analytic dz comes from float p
     * (relative 1e-7) times |c| <= 3, about 1e-6 at worst; tolerance 1e-5. A wrong sign or a dropped
     * sum(p dp) term is off by O(0.1) here. */
    const double h = 1e-5;
    for (int n = 0; n < N; n++)
        for (int j = 0; j < K; j++) {
            double zp[K], zm[K], pp[K], pm[K], fp = 0, fm = 0;
            for (int k = 0; k < K; k++)
                zp[k] = zm[k] = z[n * K + k];
            zp[j] += h;
            zm[j] -= h;
            softmax_double(pp, zp, K);
            softmax_double(pm, zm, K);
            for (int k = 0; k < K; k++) {
                fp += c[n * K + k] * pp[k];
                fm += c[n * K + k] * pm[k];
            }
            double fd = (fp - fm) / (2 * h);
            cr_assert(fabs(dz[n * K + j] - fd) < 1e-5, "block %d, z[%d]: analytic %.9g, fd %.9g", n, j,
                      dz[n * K + j], fd);
        }
}
