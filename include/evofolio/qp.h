/* qp: long-only portfolio optimisation over a covariance matrix, solved to the KKT conditions within
 * 1e-10 (weights sum to one, are non-negative, have equal marginal value on the support and no better
 * direction off it). Shapes: A assets, cov[A][A] symmetric positive semi-definite, row-major.
 * Functions fill caller arrays; they return 0, EVO_ERR_NUMERIC (did not converge, singular) or
 * EVO_ERR_NOMEM. */
#ifndef EVOFOLIO_QP_H
#define EVOFOLIO_QP_H

#include "evofolio/error.h"

/* min w' cov w  s.t. sum w = 1, w >= 0 (active-set method with exact solves on the support). */
int qp_min_variance(double *w, const double *cov, int A, evo_error *err);
/* max mu'w / sqrt(w' cov w), w >= 0, sum w = 1: min y' cov y s.t. mu'y = 1, y >= 0, w = y / sum y.
 * Needs some mu_i > 0; returns EVO_ERR_USAGE otherwise (callers fall back to minimum variance). */
int qp_max_sharpe(double *w, const double *mu, const double *cov, int A, evo_error *err);
/* Equal risk contribution: w_i (cov w)_i equal for all i, w > 0, sum w = 1 (Newton on the convex
 * problem min y' cov y / 2 - sum ln y_i, then w = y / sum y). */
int qp_equal_risk(double *w, const double *cov, int A, evo_error *err);

/* The worst violation of minimum-variance KKT conditions at w (for tests and assertions). */
double qp_min_variance_kkt(const double *w, const double *cov, int A);

#endif
