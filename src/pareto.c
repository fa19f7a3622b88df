/* pareto: non-dominated sorting and crowding distance (pareto.h). */
#include "evofolio/pareto.h"

#include <math.h>
#include <stdlib.h>

static int invalid(const double *a, int m)
{
    for (int k = 0; k < m; k++)
        if (!isfinite(a[k]))
            return 1;
    return 0;
}

int pareto_dominates(const double *a, const double *b, int m)
{
    const int a_bad = invalid(a, m), b_bad = invalid(b, m);
    if (a_bad || b_bad)
        return !a_bad && b_bad;
    int better = 0;
    for (int k = 0; k < m; k++) {
        if (a[k] < b[k])
            return 0;
        better |= a[k] > b[k];
    }
    return better;
}

/* Peels the fronts off one at a time: count[i] is how many points not yet ranked dominate i, and the
 * points of a front, once ranked, take themselves off the counts of the points they dominate. The
 * dominance tests are recomputed rather than stored, so memory stays O(n). */
int pareto_rank(const double *obj, int n, int m, int *rank, evo_error *err)
{
    int *count = malloc(sizeof *count * (size_t)(n > 0 ? n : 1));
    if (!count)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory ranking %d points", n);
    for (int i = 0; i < n; i++) {
        count[i] = 0;
        rank[i] = -1;
        for (int j = 0; j < n; j++)
            count[i] += j != i && pareto_dominates(obj + (size_t)j * m, obj + (size_t)i * m, m);
    }
    for (int front = 0, ranked = 0; ranked < n; front++) {
        for (int i = 0; i < n; i++) /* this front: the unranked points nobody unranked dominates */
            if (rank[i] < 0 && count[i] == 0)
                rank[i] = front, ranked++;
        for (int i = 0; i < n; i++)
            if (rank[i] == front)
                for (int j = 0; j < n; j++)
                    if (rank[j] < 0 && pareto_dominates(obj + (size_t)i * m, obj + (size_t)j * m, m))
                        count[j]--;
    }
    free(count);
    return EVO_OK;
}

/* qsort has no context argument: the objective being sorted by, for by_objective. */
static const double *sort_obj;
static int sort_m, sort_k;

static int by_objective(const void *pa, const void *pb)
{
    const int a = *(const int *)pa, b = *(const int *)pb;
    const double x = sort_obj[(size_t)a * sort_m + sort_k], y = sort_obj[(size_t)b * sort_m + sort_k];
    return x < y ? -1 : x > y ? 1 : (a > b) - (a < b);
}

int pareto_crowding(const double *obj, int n, int m, const int *rank, double *crowd, evo_error *err)
{
    int *members = malloc(sizeof *members * (size_t)(n > 0 ? n : 1));
    if (!members)
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory for the crowding distance of %d points", n);
    for (int i = 0; i < n; i++)
        crowd[i] = 0;
    for (int front = 0;; front++) {
        int size = 0, any = 0;
        for (int i = 0; i < n; i++)
            if (rank[i] == front) {
                any = 1;
                if (!invalid(obj + (size_t)i * m, m)) /* invalid points keep distance 0 */
                    members[size++] = i;
            }
        if (!any)
            break;
        if (size == 0)
            continue;
        for (int k = 0; k < m; k++) {
            sort_obj = obj, sort_m = m, sort_k = k;
            qsort(members, (size_t)size, sizeof *members, by_objective);
            const double lo = obj[(size_t)members[0] * m + k], hi = obj[(size_t)members[size - 1] * m + k];
            crowd[members[0]] = crowd[members[size - 1]] = INFINITY;
            for (int s = 1; s + 1 < size && hi > lo; s++)
                crowd[members[s]] += (obj[(size_t)members[s + 1] * m + k] - obj[(size_t)members[s - 1] * m + k]) /
                                     (hi - lo);
        }
    }
    free(members);
    return EVO_OK;
}

int pareto_ahead(const int *rank, const double *crowd, int i, int j)
{
    return rank[i] < rank[j] || (rank[i] == rank[j] && crowd[i] > crowd[j]);
}

static const int *order_rank;
static const double *order_crowd;

static int crowded(const void *pa, const void *pb)
{
    const int a = *(const int *)pa, b = *(const int *)pb;
    return pareto_ahead(order_rank, order_crowd, a, b) ? -1
           : pareto_ahead(order_rank, order_crowd, b, a) ? 1
                                                        : (a > b) - (a < b);
}

int pareto_order(const double *obj, int n, int m, int *order, evo_error *err)
{
    int *rank = malloc(sizeof *rank * (size_t)(n > 0 ? n : 1));
    double *crowd = malloc(sizeof *crowd * (size_t)(n > 0 ? n : 1));
    int rc = rank && crowd ? pareto_rank(obj, n, m, rank, err)
                           : evo_fail(err, EVO_ERR_NOMEM, "out of memory ordering %d points", n);
    if (!rc)
        rc = pareto_crowding(obj, n, m, rank, crowd, err);
    if (!rc) {
        for (int i = 0; i < n; i++)
            order[i] = i;
        order_rank = rank, order_crowd = crowd;
        qsort(order, (size_t)n, sizeof *order, crowded);
    }
    free(rank);
    free(crowd);
    return rc;
}

static int add_pick(int *pick, int *why, int count, int i, int reason)
{
    for (int j = 0; j < count; j++)
        if (pick[j] == i)
            return count;
    pick[count] = i;
    why[count] = reason;
    return count + 1;
}

int pareto_picks(const double *obj, int n, int m, int *pick, int *why)
{
    double lo[PARETO_MAX_OBJECTIVES], hi[PARETO_MAX_OBJECTIVES];
    int count = 0;
    for (int k = 0; k < m; k++) {
        int best = 0;
        lo[k] = hi[k] = obj[k];
        for (int i = 1; i < n; i++) {
            const double v = obj[(size_t)i * m + k];
            best = v > obj[(size_t)best * m + k] ? i : best;
            lo[k] = v < lo[k] ? v : lo[k];
            hi[k] = v > hi[k] ? v : hi[k];
        }
        count = add_pick(pick, why, count, best, k);
    }
    int knee = 0;
    double nearest = INFINITY;
    for (int i = 0; i < n; i++) {
        double d = 0;
        for (int k = 0; k < m; k++) {
            const double z = hi[k] > lo[k] ? (hi[k] - obj[(size_t)i * m + k]) / (hi[k] - lo[k]) : 0;
            d += z * z;
        }
        if (d < nearest)
            nearest = d, knee = i;
    }
    return add_pick(pick, why, count, knee, m);
}
