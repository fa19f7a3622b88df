/* Tests of cluster: single and Ward linkage, the leaf order and the cut, worked by hand on four points
 * of a line; bad input; monotone merge heights on random points; and against scipy's linkage when
 * python3-scipy is installed (skipped otherwise). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "evofolio/cluster.h"
#include "evofolio/rng.h"

/* Euclidean distances of n points of dim coordinates each. */
static void distances(const double *x, int n, int dim, double *d)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < dim; k++)
                s += (x[i * dim + k] - x[j * dim + k]) * (x[i * dim + k] - x[j * dim + k]);
            d[i * n + j] = sqrt(s);
        }
}

static void expect_merge(const cluster_merge *m, int a, int b, double dist, int size)
{
    cr_assert(m->a == a && m->b == b && m->size == size, "merge (%d, %d) size %d, want (%d, %d) size %d", m->a,
              m->b, m->size, a, b, size);
    cr_assert_float_eq(m->dist, dist, 1e-12, "merge (%d, %d): distance %.15g, want %.15g", a, b, m->dist, dist);
}

/* Points 0, 1, 3, 7 on a line.
 * single: {0,1} at 1 -> #4; #4-{2} at min(3, 2) = 2 -> #5; {3}-#5 at min(7, 6, 4) = 4.
 * ward: the distance of clusters of sizes p, q with centroids c, e is sqrt(2pq/(p+q)) |c - e|:
 *   {0,1} at 1; {2}-{0,1} at sqrt(4/3) x 2.5 = sqrt(25/3); {3}-{0,1,2} at sqrt(3/2) x (7 - 4/3). */
Test(cluster, four_points_by_hand, .description = "single and Ward linkage, leaves and cuts of 0, 1, 3, 7")
{
    const double x[4] = {0, 1, 3, 7};
    double d[16];
    distances(x, 4, 1, d);
    cluster_merge m[3];
    evo_error err = {0};
    cr_assert_eq(cluster_linkage(d, 4, CLUSTER_SINGLE, m, &err), EVO_OK, "%s", err.msg);
    expect_merge(&m[0], 0, 1, 1, 2);
    expect_merge(&m[1], 2, 4, 2, 3);
    expect_merge(&m[2], 3, 5, 4, 4);
    cr_assert_eq(cluster_linkage(d, 4, CLUSTER_WARD, m, &err), EVO_OK, "%s", err.msg);
    expect_merge(&m[0], 0, 1, 1, 2);
    expect_merge(&m[1], 2, 4, sqrt(25.0 / 3), 3);
    expect_merge(&m[2], 3, 5, sqrt(1.5) * (7 - 4.0 / 3), 4);
    int order[4];
    cluster_leaves(m, 4, order);
    const int want[4] = {3, 2, 0, 1}; /* root (3, #5), #5 = (2, #4), #4 = (0, 1): left first */
    for (int i = 0; i < 4; i++)
        cr_assert_eq(order[i], want[i], "leaf %d: %d", i, order[i]);
    static const int cuts[5][4] = {{0}, {0, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 1, 2}, {0, 1, 2, 3}};
    for (int K = 1; K <= 4; K++) {
        int label[4];
        cluster_cut(m, 4, K, label);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(label[i], cuts[K][i], "K %d, item %d: cluster %d", K, i, label[i]);
    }
    cr_assert_eq(cluster_linkage(d, 1, CLUSTER_WARD, m, &err), EVO_OK, "one item: no merge");
    cluster_leaves(m, 1, order);
    cr_assert_eq(order[0], 0);
}

Test(cluster, bad_distances_are_refused, .description = "n < 1, a negative or a NaN distance: EVO_ERR_USAGE")
{
    double d[4] = {0, 1, 1, 0};
    cluster_merge m[1];
    evo_error err = {0};
    cr_assert_eq(cluster_linkage(d, 0, CLUSTER_SINGLE, m, &err), EVO_ERR_USAGE);
    d[1] = -1;
    cr_assert_eq(cluster_linkage(d, 2, CLUSTER_SINGLE, m, &err), EVO_ERR_USAGE);
    cr_assert(strstr(err.msg, "(0, 1)"), "%s", err.msg);
    d[1] = NAN;
    cr_assert_eq(cluster_linkage(d, 2, CLUSTER_WARD, m, &err), EVO_ERR_USAGE);
}

/* n random points in 3 dimensions (seed), their distances into d. */
static void random_points(double *x, double *d, int n, uint64_t seed)
{
    evo_rng rng;
    rng_seed(&rng, seed);
    for (int i = 0; i < 3 * n; i++)
        x[i] = rng_normal(&rng);
    distances(x, n, 3, d);
}

Test(cluster, heights_are_monotone_and_leaves_a_permutation, .description = "random points: merge distances never fall, sizes add up, leaves are 0..n-1 once")
{
    enum { n = 30 };
    double x[3 * n], d[n * n];
    cluster_merge m[n - 1];
    evo_error err = {0};
    for (int method = 0; method < 2; method++)
        for (uint64_t seed = 1; seed <= 5; seed++) {
            random_points(x, d, n, seed);
            cr_assert_eq(cluster_linkage(d, n, (cluster_method)method, m, &err), EVO_OK, "%s", err.msg);
            for (int k = 1; k < n - 1; k++)
                cr_assert_geq(m[k].dist, m[k - 1].dist - 1e-12, "method %d seed %d: merge %d is lower", method, (int)seed, k);
            cr_assert_eq(m[n - 2].size, n);
            int order[n], seen[n];
            cluster_leaves(m, n, order);
            memset(seen, 0, sizeof seen);
            for (int i = 0; i < n; i++)
                seen[order[i]]++;
            for (int i = 0; i < n; i++)
                cr_assert_eq(seen[i], 1, "item %d appears %d times among the leaves", i, seen[i]);
        }
}

/* Against scipy.cluster.hierarchy.linkage (its Z rows: a, b, distance, size) on the same points. */
Test(cluster, agrees_with_scipy, .description = "single and Ward linkage of 3 x 25 random points equal scipy's Z (needs python3-scipy)")
{
    if (system("/usr/bin/python3 -c 'import scipy.cluster.hierarchy' >/dev/null 2>&1") != 0)
        cr_skip_test("python3-scipy is not installed (apt-get install python3-scipy)");
    enum { n = 25 };
    double x[3 * n], d[n * n];
    char dir[] = "/tmp/evofolio-cluster-XXXXXX", path[64], cmd[512];
    cr_assert_not_null(mkdtemp(dir));
    cluster_merge m[n - 1];
    evo_error err = {0};
    for (uint64_t seed = 11; seed <= 13; seed++) {
        random_points(x, d, n, seed);
        snprintf(path, sizeof path, "%s/points.txt", dir);
        FILE *f = fopen(path, "w");
        for (int i = 0; i < n; i++)
            fprintf(f, "%.17g %.17g %.17g\n", x[3 * i], x[3 * i + 1], x[3 * i + 2]);
        fclose(f);
        for (int method = 0; method < 2; method++) {
            snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import numpy, scipy.cluster.hierarchy as h; "
                     "z = h.linkage(numpy.loadtxt('%s'), method='%s'); "
                     "[print(int(r[0]), int(r[1]), repr(r[2]), int(r[3])) for r in z]\" > %s/z.txt",
                     path, method ? "ward" : "single", dir);
            cr_assert_eq(system(cmd), 0, "%s", cmd);
            cr_assert_eq(cluster_linkage(d, n, method ? CLUSTER_WARD : CLUSTER_SINGLE, m, &err), EVO_OK);
            snprintf(path, sizeof path, "%s/z.txt", dir);
            f = fopen(path, "r");
            for (int k = 0; k < n - 1; k++) {
                int a, b, size;
                double dist;
                cr_assert_eq(fscanf(f, "%d %d %lf %d", &a, &b, &dist, &size), 4);
                cr_assert(m[k].a == a && m[k].b == b && m[k].size == size, "seed %d method %d merge %d: (%d, %d, %d), "
                          "scipy (%d, %d, %d)", (int)seed, method, k, m[k].a, m[k].b, m[k].size, a, b, size);
                cr_assert_float_eq(m[k].dist, dist, 1e-9 * (1 + dist), "merge %d: %.15g, scipy %.15g", k, m[k].dist, dist);
            }
            fclose(f);
            snprintf(path, sizeof path, "%s/points.txt", dir);
        }
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    system(cmd);
}
