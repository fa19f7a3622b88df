/* Tests of pareto: dominance, ranks, crowding distances and the crowded order on hand-worked points,
 * and the ranks against brute force on random ones. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "evofolio/pareto.h"
#include "evofolio/rng.h"

/* Two objectives, both maximised:
 *   0 (1,5)  1 (2,4)  2 (3,3)  6 (3,3): no one dominates them (6 equals 2: neither dominates) - rank 0
 *   3 (2,2): dominated by 1 and 2 - rank 1;  4 (1,1): by every valid point - rank 2
 *   5 (NaN,9): invalid - dominated by every valid point - rank 3
 * Crowding in rank 0: objective 0 sorted 0,1,2,6 (ties by index) -> 0 and 6 infinite, 1 gets
 * (3-1)/(3-1) = 1, 2 gets (3-2)/2 = 0.5; objective 1 sorted 2,6,1,0 -> 2 and 0 infinite, 6 gets
 * (4-3)/(5-3) = 0.5, 1 gets (5-3)/2 = 1. So 0, 2, 6: inf; 1: 2. Singletons 3 and 4: inf; 5: 0. */
static const double points[] = {1, 5, 2, 4, 3, 3, 2, 2, 1, 1, NAN, 9, 3, 3};
enum { N = 7, M = 2 };

Test(pareto, dominance, .description = "a >= b everywhere and > somewhere; equal points and invalid ones")
{
    cr_assert(pareto_dominates(points + 2, points + 6, M), "(2,4) dominates (2,2)");
    cr_assert(!pareto_dominates(points + 6, points + 2, M));
    cr_assert(!pareto_dominates(points + 0, points + 2, M), "(1,5) and (2,4) are incomparable");
    cr_assert(!pareto_dominates(points + 2, points + 0, M));
    cr_assert(!pareto_dominates(points + 4, points + 12, M), "equal points do not dominate");
    cr_assert(pareto_dominates(points + 8, points + 10, M), "any valid point dominates an invalid one");
    cr_assert(!pareto_dominates(points + 10, points + 8, M));
    const double failed[] = {-INFINITY, 0}, nan2[] = {NAN, NAN};
    cr_assert(!pareto_dominates(failed, nan2, M) && !pareto_dominates(nan2, failed, M), "invalid vs invalid");
}

Test(pareto, ranks_and_crowding, .description = "the hand-worked fronts, distances and crowded order")
{
    int rank[N], order[N];
    double crowd[N];
    evo_error err = {0};
    cr_assert_eq(pareto_rank(points, N, M, rank, &err), EVO_OK);
    const int want_rank[N] = {0, 0, 0, 1, 2, 3, 0};
    for (int i = 0; i < N; i++)
        cr_assert_eq(rank[i], want_rank[i], "point %d: rank %d", i, rank[i]);
    cr_assert_eq(pareto_crowding(points, N, M, rank, crowd, &err), EVO_OK);
    const double want_crowd[N] = {INFINITY, 2, INFINITY, INFINITY, INFINITY, 0, INFINITY};
    for (int i = 0; i < N; i++)
        cr_assert(crowd[i] == want_crowd[i], "point %d: crowding %g, want %g", i, crowd[i], want_crowd[i]);
    cr_assert(pareto_ahead(rank, crowd, 0, 1) && !pareto_ahead(rank, crowd, 1, 0), "same rank: more crowding distance");
    cr_assert(pareto_ahead(rank, crowd, 1, 3), "a lower rank beats any distance");
    cr_assert(!pareto_ahead(rank, crowd, 0, 2) && !pareto_ahead(rank, crowd, 2, 0), "a tie");
    cr_assert_eq(pareto_order(points, N, M, order, &err), EVO_OK);
    const int want_order[N] = {0, 2, 6, 1, 3, 4, 5};
    for (int i = 0; i < N; i++)
        cr_assert_eq(order[i], want_order[i], "place %d: point %d", i, order[i]);
}

Test(pareto, ranks_match_brute_force, .description = "random points in 1-3 objectives, with ties: every rank-r point is dominated only by lower ranks and by one of rank r-1")
{
    evo_rng rng;
    rng_seed(&rng, 7);
    enum { n = 120 };
    double obj[n * 3];
    int rank[n];
    evo_error err = {0};
    for (int m = 1; m <= 3; m++) {
        for (int i = 0; i < n * m; i++) /* coarse values: many ties */
            obj[i] = (double)rng_below(&rng, 8);
        cr_assert_eq(pareto_rank(obj, n, m, rank, &err), EVO_OK);
        for (int i = 0; i < n; i++) {
            int by_prev = rank[i] == 0;
            for (int j = 0; j < n; j++) {
                const int dom = pareto_dominates(obj + j * m, obj + i * m, m);
                cr_assert(!dom || rank[j] < rank[i], "m %d: %d (rank %d) dominates %d (rank %d)", m, j, rank[j], i,
                          rank[i]);
                by_prev |= dom && rank[j] == rank[i] - 1;
            }
            cr_assert(by_prev, "m %d: point %d of rank %d is dominated by none of rank %d", m, i, rank[i], rank[i] - 1);
        }
    }
}

Test(pareto, one_point_and_none, .description = "n = 1: rank 0, infinite distance; n = 0: nothing to do")
{
    const double p[] = {0.5, -1};
    int rank[1] = {9}, order[1] = {9};
    double crowd[1] = {0};
    evo_error err = {0};
    cr_assert_eq(pareto_rank(p, 1, 2, rank, &err), EVO_OK);
    cr_assert_eq(rank[0], 0);
    cr_assert_eq(pareto_crowding(p, 1, 2, rank, crowd, &err), EVO_OK);
    cr_assert(isinf(crowd[0]));
    cr_assert_eq(pareto_order(p, 1, 2, order, &err), EVO_OK);
    cr_assert_eq(order[0], 0);
    cr_assert_eq(pareto_rank(p, 0, 2, rank, &err), EVO_OK);
    cr_assert_eq(pareto_order(p, 0, 2, order, &err), EVO_OK);
}

Test(pareto, picks_by_hand, .description = "the best in each objective, then the knee nearest the scaled ideal; a repeat keeps its first reason")
{
    /* (1,5) (3,3) (2,4.5) (0,6): best in 0 is point 1, best in 1 is point 3. Scaled to [0,1] over the
     * front (lo 0 and 3, hi 3 and 6), distances^2 to the ideal: 0.556, 1, 0.361, 1: the knee is 2. */
    const double obj[] = {1, 5, 3, 3, 2, 4.5, 0, 6};
    int pick[3], why[3];
    cr_assert_eq(pareto_picks(obj, 4, 2, pick, why), 3);
    cr_assert(pick[0] == 1 && why[0] == 0 && pick[1] == 3 && why[1] == 1 && pick[2] == 2 && why[2] == 2,
              "%d/%d %d/%d %d/%d", pick[0], why[0], pick[1], why[1], pick[2], why[2]);
    /* one point: best in both and the knee, picked once */
    cr_assert_eq(pareto_picks(obj, 1, 2, pick, why), 1);
    cr_assert(pick[0] == 0 && why[0] == 0);
}
