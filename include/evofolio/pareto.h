/* pareto: non-dominated sorting and crowding distance, the two orders of NSGA-II (Deb, Pratap,
 * Agarwal and Meyarivan 2002), over n points of m objectives stored row-major, obj[i * m + k], every
 * objective to be MAXIMISED (negate one to be minimised before it comes here).
 *
 * a dominates b when a is >= b in every objective and > in at least one. A point with an objective
 * that is not finite (NaN: not evaluated; -inf: failed) is invalid: dominated by every valid point,
 * dominating none, and of crowding distance 0; two invalid points do not dominate each other. Ranks: 0 for the non-dominated points, 1 for those non-dominated once
 * rank 0 is removed, and so on. Crowding distance, within each rank: for every objective the points
 * sorted by it (ties by index), the two ends +infinity, each inner point adding the gap between its
 * neighbours over the rank's range in that objective (no gap when the range is 0); a point's distance
 * is the sum. Costs: ranking O(m n^2) time and O(n) memory; crowding O(m n log n). */
#ifndef EVOFOLIO_PARETO_H
#define EVOFOLIO_PARETO_H

#include "evofolio/error.h"

enum { PARETO_MAX_OBJECTIVES = 4 };

int pareto_dominates(const double *a, const double *b, int m);

/* rank[n] as above. EVO_ERR_NOMEM. */
int pareto_rank(const double *obj, int n, int m, int *rank, evo_error *err);

/* crowd[n], given rank[n] from pareto_rank. EVO_ERR_NOMEM. */
int pareto_crowding(const double *obj, int n, int m, const int *rank, double *crowd, evo_error *err);

/* NSGA-II's crowded comparison: 1 when point i is ahead of point j (a lower rank, or the same rank and
 * a larger crowding distance), else 0. */
int pareto_ahead(const int *rank, const double *crowd, int i, int j);

/* The indices of the n points in crowded-comparison order, best first (ties: the lower index) into
 * order[n]. EVO_ERR_NOMEM. */
int pareto_order(const double *obj, int n, int m, int *order, evo_error *err);

/* A few points of a front (obj[n][m], n >= 1, all valid) to look at closely, into pick[] with why[]:
 * for each objective k the point best in it (why k; ties: the lower index), then the knee (why m): the
 * point nearest the ideal one - every objective at the front's best - once each objective is scaled
 * to [0, 1] over the front (an objective with one value counts 0). A point picked twice keeps its first
 * reason. Returns how many (1 .. m + 1); pick and why hold m + 1. */
int pareto_picks(const double *obj, int n, int m, int *pick, int *why);

#endif
