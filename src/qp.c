/* qp: long-only quadratic programmes over a covariance matrix, in double.
 * Shapes: A assets; cov[A][A] row-major symmetric PSD; m = size of the free set (the support).
 *
 * Minimum variance and maximum Sharpe are one problem, min x'Sx s.t. a'x = 1, x >= 0 (a = 1, or
 * a = mu), solved by a primal active-set method: start at the best vertex, solve the equality problem
 * on the free set exactly (bordered KKT system, LU with partial pivoting plus one refinement step),
 * step towards it until a weight hits zero (drop that asset), and when the equality solution is
 * feasible release the bound with the most negative multiplier nu_j = (Sx)_j - lambda a_j. In exact
 * arithmetic an asset released with nu_j < 0 keeps the free-set KKT matrix non-singular, so duplicate
 * assets (nu_j = 0) never enter together; a tolerance and a block list keep that true in floating point.
 *
 * Everything is solved on S = cov / s and a / max|a| (s = the largest variance), so tolerances are
 * relative: KKT violations are measured in units of the largest variance. */
#include "evofolio/qp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QP_KKT_TOL 1e-10     /* the contract: worst KKT violation at return */
#define QP_RELEASE_TOL 1e-13 /* release a bound only when nu_j < -this (S scaled: |S_ij| <= 1) */
#define QP_PIVOT_TOL 1e-14   /* an LU pivot below this (entries are O(1)) means a singular system */
#define ERC_DECREMENT_TOL 1e-14 /* Newton decrement sqrt(g' H^-1 g) at which ERC stops */
#define ERC_FLOOR_TOL 1e-12  /* a decrement that stops shrinking below this is rounding: accept it */
#define ERC_MAX_ITER 200

/* Scale of a covariance: its largest variance (1 when all are zero). -1 when an entry is not finite
 * or a variance is negative. */
static double cov_scale(const double *cov, int A)
{
    double s = 0;
    for (int i = 0; i < A * A; i++)
        if (!isfinite(cov[i]))
            return -1;
    for (int i = 0; i < A; i++) {
        if (cov[(size_t)i * A + i] < 0)
            return -1;
        if (cov[(size_t)i * A + i] > s)
            s = cov[(size_t)i * A + i];
    }
    return s > 0 ? s : 1;
}

/* Factor M[n][n] = P L U in place by partial pivoting (row swaps in piv). -1 when a pivot falls below
 * QP_PIVOT_TOL. */
static int lu_factor(double *M, int *piv, int n)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(M[(size_t)i * n + k]) > fabs(M[(size_t)p * n + k]))
                p = i;
        if (!(fabs(M[(size_t)p * n + k]) > QP_PIVOT_TOL))
            return -1;
        piv[k] = p;
        if (p != k)
            for (int j = 0; j < n; j++) {
                double t = M[(size_t)k * n + j];
                M[(size_t)k * n + j] = M[(size_t)p * n + j];
                M[(size_t)p * n + j] = t;
            }
        for (int i = k + 1; i < n; i++) {
            double l = M[(size_t)i * n + k] /= M[(size_t)k * n + k];
            for (int j = k + 1; j < n; j++)
                M[(size_t)i * n + j] -= l * M[(size_t)k * n + j];
        }
    }
    return 0;
}

/* b = M^-1 b with the factors of lu_factor. */
static void lu_apply(const double *LU, const int *piv, double *b, int n)
{
    for (int k = 0; k < n; k++) /* b = P b: every swap first, since rows of L were swapped too */
        if (piv[k] != k) {
            double t = b[k];
            b[k] = b[piv[k]];
            b[piv[k]] = t;
        }
    for (int i = 1; i < n; i++)
        for (int k = 0; k < i; k++)
            b[i] -= LU[(size_t)i * n + k] * b[k];
    for (int i = n - 1; i >= 0; i--) {
        for (int j = i + 1; j < n; j++)
            b[i] -= LU[(size_t)i * n + j] * b[j];
        b[i] /= LU[(size_t)i * n + i];
    }
}

/* Scratch of the active-set solver: one block of doubles, one of ints, one of flags. */
typedef struct {
    double *kkt;  /* [(A+1)^2] bordered KKT matrix of the free set, then its LU factors */
    double *sol;  /* [A+1] z on the free set, then mu */
    double *res;  /* [A+1] refinement residual */
    double *Sx;   /* [A] S x */
    int *free_ix; /* [A] the free set, m entries */
    int *piv;     /* [A+1] */
    unsigned char *is_free, *blocked; /* [A] */
} qp_work;

/* 0, or -1 when out of memory (nothing left allocated). */
static int work_alloc(qp_work *w, int A)
{
    size_t n = (size_t)A + 1;
    double *d = malloc((n * n + 2 * n + (size_t)A) * sizeof *d);
    int *ix = malloc((2 * n) * sizeof *ix);
    unsigned char *flags = calloc(2 * (size_t)A, 1);
    if (!d || !ix || !flags) {
        free(d);
        free(ix);
        free(flags);
        return -1;
    }
    w->kkt = d;
    w->sol = d + n * n;
    w->res = w->sol + n;
    w->Sx = w->res + n;
    w->free_ix = ix;
    w->piv = ix + n;
    w->is_free = flags;
    w->blocked = flags + A;
    return 0;
}

static void work_free(qp_work *w)
{
    free(w->kkt);
    free(w->free_ix);
    free(w->is_free);
}

/* The equality problem on the free set F (m assets): [S_FF a_F; a_F' 0] [z; mu] = [0; 1], so that
 * S_FF z = lambda a_F with lambda = -mu and a_F'z = 1. Solution in w->sol. -1 when singular. */
static int solve_free(qp_work *w, const double *S, const double *a, int A, int m)
{
    const int n = m + 1;
    double *K = w->kkt;
    for (int r = 0; r < m; r++) {
        const int i = w->free_ix[r];
        for (int c = 0; c < m; c++)
            K[(size_t)r * n + c] = S[(size_t)i * A + w->free_ix[c]];
        K[(size_t)r * n + m] = a[i];
        K[(size_t)m * n + r] = a[i];
        w->sol[r] = 0;
    }
    K[(size_t)m * n + m] = 0;
    w->sol[m] = 1;
    if (lu_factor(K, w->piv, n))
        return -1;
    lu_apply(K, w->piv, w->sol, n);
    /* One step of iterative refinement: res = rhs - K sol (K rebuilt from S and a), sol += K^-1 res. */
    for (int r = 0; r <= m; r++) {
        double acc = r == m ? 1 : 0;
        if (r < m) {
            const double *Si = S + (size_t)w->free_ix[r] * A;
            for (int c = 0; c < m; c++)
                acc -= Si[w->free_ix[c]] * w->sol[c];
            acc -= a[w->free_ix[r]] * w->sol[m];
        } else {
            for (int c = 0; c < m; c++)
                acc -= a[w->free_ix[c]] * w->sol[c];
        }
        w->res[r] = acc;
    }
    lu_apply(K, w->piv, w->res, n);
    for (int r = 0; r <= m; r++)
        w->sol[r] += w->res[r];
    for (int r = 0; r <= m; r++)
        if (!isfinite(w->sol[r]))
            return -1;
    return 0;
}

/* Worst KKT violation of min x'Sx s.t. a'x = 1, x >= 0 at x (a NULL = all ones), in units of s:
 * max(|a'x - 1|, -x_i, |(Sx)_i - lambda a_i| / s on the support x_i > 0,
 *     (lambda a_i - (Sx)_i) / s off it), lambda = x'Sx / a'x. */
static double kkt_violation(const double *x, const double *S, const double *a, int A, double s)
{
    double ax = 0, xSx = 0, worst = 0;
    for (int i = 0; i < A; i++) {
        double Sxi = 0;
        for (int j = 0; j < A; j++)
            Sxi += S[(size_t)i * A + j] * x[j];
        ax += (a ? a[i] : 1) * x[i];
        xSx += x[i] * Sxi;
    }
    if (!(ax != 0) || !isfinite(xSx))
        return INFINITY;
    const double lambda = xSx / ax;
    worst = fabs(ax - 1);
    for (int i = 0; i < A; i++) {
        double Sxi = 0;
        for (int j = 0; j < A; j++)
            Sxi += S[(size_t)i * A + j] * x[j];
        const double nu = (Sxi - lambda * (a ? a[i] : 1)) / s; /* (Sx)_i = lambda a_i + nu_i */
        const double v = x[i] < 0 ? -x[i] : x[i] > 0 ? fabs(nu) : -nu;
        if (!(v <= worst))
            worst = v; /* NaN propagates as a violation */
    }
    return worst;
}

/* min x'Sx s.t. a'x = 1, x >= 0 on the scaled S[A][A], a[A] (some a_i > 0). x[A] out. */
static int active_set(double *x, const double *S, const double *a, int A, const char *what, evo_error *err)
{
    int i0 = -1;
    for (int i = 0; i < A; i++) /* the best vertex: x = e_i / a_i minimises S_ii / a_i^2 */
        if (a[i] > 0 && (i0 < 0 || S[(size_t)i * A + i] / (a[i] * a[i]) <
                                        S[(size_t)i0 * A + i0] / (a[i0] * a[i0])))
            i0 = i;
    if (i0 < 0)
        return evo_fail(err, EVO_ERR_INTERNAL, "qp: %s over %d assets has no feasible vertex", what, A);
    qp_work w;
    if (work_alloc(&w, A))
        return evo_fail(err, EVO_ERR_NOMEM, "qp: out of memory for %s over %d assets", what, A);
    int rc = EVO_OK, m = 0, last_added = -1;
    memset(x, 0, (size_t)A * sizeof *x);
    x[i0] = 1 / a[i0];
    w.free_ix[m++] = i0;
    w.is_free[i0] = 1;
    const int max_iter = 10 * A + 100;
    int iter = 0;
    for (;; iter++) {
        if (iter == max_iter) {
            rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: %s over %d assets did not converge in %d "
                          "active-set iterations (support of %d assets); check the covariance for "
                          "near-duplicate assets", what, A, max_iter, m);
            goto done;
        }
        if (solve_free(&w, S, a, A, m)) {
            if (last_added < 0) {
                rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: %s over %d assets: singular system on a "
                              "support of %d assets; check the covariance (duplicate assets, zero "
                              "variance)", what, A, m);
                goto done;
            }
            /* The released asset is degenerate with the support (nu_j ~ 0): keep it at zero. */
            w.is_free[last_added] = 0;
            w.blocked[last_added] = 1;
            m--;
            last_added = -1;
            continue;
        }
        /* Ratio test: the longest step alpha in (0, 1] from x_F towards z that keeps x_F >= 0. */
        double alpha = 1;
        int block = -1;
        for (int r = 0; r < m; r++) {
            const int i = w.free_ix[r];
            const double z = w.sol[r];
            if (z < 0) {
                const double t = x[i] / (x[i] - z);
                if (t < alpha) {
                    alpha = t;
                    block = r;
                }
            }
        }
        if (block >= 0) {
            const int drop = w.free_ix[block];
            for (int r = 0; r < m; r++) /* x_F += alpha (z - x_F) */
                x[w.free_ix[r]] += alpha * (w.sol[r] - x[w.free_ix[r]]);
            x[drop] = 0;
            w.is_free[drop] = 0;
            w.free_ix[block] = w.free_ix[--m];
            if (alpha > 0)
                memset(w.blocked, 0, (size_t)A);
            else if (drop == last_added)
                w.blocked[drop] = 1; /* released and dropped at once: degenerate, keep it out */
            last_added = -1;
            continue;
        }
        for (int r = 0; r < m; r++)
            x[w.free_ix[r]] = w.sol[r];
        if (last_added >= 0) /* the release moved x: degeneracy is judged afresh */
            memset(w.blocked, 0, (size_t)A);
        const double lambda = -w.sol[m]; /* S_FF x_F = lambda a_F */
        /* Multipliers of the bounds off the support: nu_j = (Sx)_j - lambda a_j; release the worst. */
        int enter = -1;
        double worst = -QP_RELEASE_TOL;
        for (int j = 0; j < A; j++) {
            if (w.is_free[j] || w.blocked[j])
                continue;
            double Sxj = 0;
            for (int r = 0; r < m; r++)
                Sxj += S[(size_t)j * A + w.free_ix[r]] * x[w.free_ix[r]];
            const double nu = Sxj - lambda * a[j];
            if (nu < worst) {
                worst = nu;
                enter = j;
            }
        }
        if (enter < 0)
            break;
        w.free_ix[m++] = enter;
        w.is_free[enter] = 1;
        last_added = enter;
    }
    const double v = kkt_violation(x, S, a, A, 1);
    if (!(v <= QP_KKT_TOL))
        rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: %s over %d assets stopped after %d iterations with a "
                      "KKT violation of %.3g (> %g); the covariance is too ill-conditioned", what, A,
                      iter, v, QP_KKT_TOL);
done:
    work_free(&w);
    return rc;
}

/* S = cov / s into a new array; NULL on allocation failure. */
static double *scaled_copy(const double *cov, int A, double s)
{
    double *S = malloc((size_t)A * A * sizeof *S);
    if (S)
        for (int i = 0; i < A * A; i++)
            S[i] = cov[i] / s;
    return S;
}

/* active_set on cov scaled to a largest variance of 1 (the solution does not change; the tolerances
 * become scale-free); what names the problem in messages. */
static int scaled_active_set(double *x, const double *cov, const double *a, int A, const char *what,
                             evo_error *err)
{
    const double s = cov_scale(cov, A);
    if (s < 0)
        return evo_fail(err, EVO_ERR_NUMERIC, "qp: %s: the covariance has a non-finite entry or a negative "
                        "variance; check the returns it was estimated from", what);
    double *S = scaled_copy(cov, A, s);
    if (!S)
        return evo_fail(err, EVO_ERR_NOMEM, "qp: out of memory for %s over %d assets", what, A);
    int rc = active_set(x, S, a, A, what, err);
    free(S);
    return rc;
}

int qp_min_variance(double *w, const double *cov, int A, evo_error *err)
{
    if (A < 1)
        return evo_fail(err, EVO_ERR_USAGE, "qp: minimum variance needs at least one asset, got %d", A);
    double *ones = malloc((size_t)A * sizeof *ones);
    if (!ones)
        return evo_fail(err, EVO_ERR_NOMEM, "qp: out of memory for minimum variance over %d assets", A);
    for (int i = 0; i < A; i++)
        ones[i] = 1;
    int rc = scaled_active_set(w, cov, ones, A, "minimum variance", err); /* a = 1: x = w */
    free(ones);
    return rc;
}

int qp_max_sharpe(double *w, const double *mu, const double *cov, int A, evo_error *err)
{
    if (A < 1)
        return evo_fail(err, EVO_ERR_USAGE, "qp: maximum Sharpe needs at least one asset, got %d", A);
    double mu_max = 0;
    for (int i = 0; i < A; i++) {
        if (!isfinite(mu[i]))
            return evo_fail(err, EVO_ERR_NUMERIC, "qp: maximum Sharpe: mean of asset %d is not finite",
                            i);
        if (fabs(mu[i]) > mu_max)
            mu_max = fabs(mu[i]);
    }
    int any_positive = 0;
    for (int i = 0; i < A; i++)
        any_positive |= mu[i] > 0;
    if (!any_positive)
        return evo_fail(err, EVO_ERR_USAGE, "qp: maximum Sharpe needs an asset with a positive mean; "
                        "none of %d has one (use minimum variance instead)", A);
    double *a = malloc((size_t)A * sizeof *a);
    if (!a)
        return evo_fail(err, EVO_ERR_NOMEM, "qp: out of memory for maximum Sharpe over %d assets", A);
    for (int i = 0; i < A; i++)
        a[i] = mu[i] / mu_max;
    int rc = scaled_active_set(w, cov, a, A, "maximum Sharpe", err); /* y with mu'y = 1 */
    if (rc == EVO_OK) {
        double sum = 0;
        for (int i = 0; i < A; i++)
            sum += w[i];
        for (int i = 0; i < A; i++)
            w[i] /= sum; /* w = y / sum y; sum > 0 since y >= 0 and a'y = 1 */
    }
    free(a);
    return rc;
}

/* Cholesky H = L L' in place (lower triangle); -1 when H is not positive definite. */
static int cholesky(double *H, int n)
{
    for (int j = 0; j < n; j++) {
        double d = H[(size_t)j * n + j];
        for (int k = 0; k < j; k++)
            d -= H[(size_t)j * n + k] * H[(size_t)j * n + k];
        if (!(d > 0))
            return -1;
        d = sqrt(d);
        H[(size_t)j * n + j] = d;
        for (int i = j + 1; i < n; i++) {
            double v = H[(size_t)i * n + j];
            for (int k = 0; k < j; k++)
                v -= H[(size_t)i * n + k] * H[(size_t)j * n + k];
            H[(size_t)i * n + j] = v / d;
        }
    }
    return 0;
}

/* b = (L L')^-1 b. */
static void cholesky_apply(const double *L, double *b, int n)
{
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < i; k++)
            b[i] -= L[(size_t)i * n + k] * b[k];
        b[i] /= L[(size_t)i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        for (int k = i + 1; k < n; k++)
            b[i] -= L[(size_t)k * n + i] * b[k];
        b[i] /= L[(size_t)i * n + i];
    }
}

/* f(y) = y'Sy/2 - sum ln y_i, +inf outside y > 0. */
static double erc_objective(const double *y, const double *S, int A)
{
    double f = 0;
    for (int i = 0; i < A; i++) {
        if (!(y[i] > 0))
            return INFINITY;
        double Syi = 0;
        for (int j = 0; j < A; j++)
            Syi += S[(size_t)i * A + j] * y[j];
        f += 0.5 * y[i] * Syi - log(y[i]);
    }
    return f;
}

int qp_equal_risk(double *w, const double *cov, int A, evo_error *err)
{
    if (A < 1)
        return evo_fail(err, EVO_ERR_USAGE, "qp: equal risk contribution needs at least one asset, "
                        "got %d", A);
    const double s = cov_scale(cov, A);
    if (s < 0)
        return evo_fail(err, EVO_ERR_NUMERIC, "qp: equal risk contribution: the covariance has a "
                        "non-finite entry or a negative variance; check the returns it was estimated "
                        "from");
    for (int i = 0; i < A; i++)
        if (!(cov[(size_t)i * A + i] > 0))
            return evo_fail(err, EVO_ERR_NUMERIC, "qp: equal risk contribution: asset %d has zero "
                            "variance, so no portfolio gives it a share of the risk; drop the asset", i);
    const size_t n = (size_t)A;
    double *S = scaled_copy(cov, A, s);
    double *buf = malloc((n * n + 4 * n) * sizeof *buf);
    int rc = EVO_OK;
    if (!S || !buf) {
        rc = evo_fail(err, EVO_ERR_NOMEM, "qp: out of memory for equal risk contribution over %d "
                      "assets", A);
        goto done;
    }
    double *H = buf, *y = buf + n * n, *g = y + n, *d = g + n, *yt = d + n;
    /* Start on the ray y_i = 1/sqrt(S_ii), scaled to its best point: c^2 y'Sy = A. */
    for (int i = 0; i < A; i++)
        y[i] = 1 / sqrt(S[(size_t)i * A + i]);
    double q = 0;
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++)
            q += y[i] * S[(size_t)i * A + j] * y[j];
    for (int i = 0; i < A; i++)
        y[i] *= sqrt(A / q);
    double decrement = INFINITY, prev = INFINITY;
    int iter = 0;
    for (;; iter++) {
        for (int i = 0; i < A; i++) {
            double Syi = 0;
            for (int j = 0; j < A; j++)
                Syi += S[(size_t)i * A + j] * y[j];
            g[i] = Syi - 1 / y[i];            /* grad f = S y - 1/y */
            for (int j = 0; j < A; j++)       /* H = S + diag(1/y^2) */
                H[(size_t)i * A + j] = S[(size_t)i * A + j];
            H[(size_t)i * A + i] += 1 / (y[i] * y[i]);
            d[i] = -g[i];
        }
        if (cholesky(H, A)) {
            rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: equal risk contribution: the Newton system is "
                          "not positive definite at iteration %d; check the covariance", iter);
            goto done;
        }
        cholesky_apply(H, d, A); /* d = -H^-1 g */
        double dec2 = 0;
        for (int i = 0; i < A; i++)
            dec2 -= g[i] * d[i]; /* decrement^2 = g' H^-1 g */
        decrement = sqrt(fmax(dec2, 0));
        if (!isfinite(decrement))
            break;
        if (decrement < ERC_DECREMENT_TOL)
            break;
        if (decrement < ERC_FLOOR_TOL && decrement > 0.5 * prev)
            break; /* quadratic convergence has hit rounding */
        if (iter == ERC_MAX_ITER)
            break;
        prev = decrement;
        double t = 1;
        if (decrement >= 0.25) {
            /* Damped phase: backtrack until y stays positive and Armijo holds with alpha = 1/4. */
            const double f0 = erc_objective(y, S, A);
            int halvings = 0;
            for (;; halvings++) {
                for (int i = 0; i < A; i++)
                    yt[i] = y[i] + t * d[i];
                if (erc_objective(yt, S, A) <= f0 - 0.25 * t * dec2)
                    break;
                if (halvings == 60) {
                    rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: equal risk contribution: line search "
                                  "failed at iteration %d; check the covariance", iter);
                    goto done;
                }
                t *= 0.5;
            }
        }
        for (int i = 0; i < A; i++) /* full step in the quadratic phase (f is self-concordant) */
            y[i] += t * d[i];
    }
    if (!(decrement < ERC_FLOOR_TOL)) {
        rc = evo_fail(err, EVO_ERR_NUMERIC, "qp: equal risk contribution did not converge: Newton "
                      "decrement %.3g after %d iterations; check the covariance", decrement, iter);
        goto done;
    }
    double sum = 0;
    for (int i = 0; i < A; i++)
        sum += y[i];
    for (int i = 0; i < A; i++)
        w[i] = y[i] / sum;
done:
    free(S);
    free(buf);
    return rc;
}

double qp_min_variance_kkt(const double *w, const double *cov, int A)
{
    const double s = cov_scale(cov, A);
    if (s < 0)
        return INFINITY;
    return kkt_violation(w, cov, NULL, A, s);
}
