/* cluster: agglomerative hierarchical clustering (cluster.h). Written here rather than taken from a
 * library: Debian has no C library for it short of R's or GSL-less ports, and the naive O(n^3)
 * algorithm over a full matrix is 80 lines and exact for the tens of assets it clusters. */
#include "evofolio/cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The distance from the merge of s and t (sizes ns, nt, at distance dst) to v (size nv). */
static double updated(cluster_method method, double dsv, double dtv, double dst, int ns, int nt, int nv)
{
    if (method == CLUSTER_SINGLE)
        return dsv < dtv ? dsv : dtv;
    const double T = ns + nt + nv;
    const double sq = ((nv + ns) * dsv * dsv + (nv + nt) * dtv * dtv - nv * dst * dst) / T;
    return sq > 0 ? sqrt(sq) : 0;
}

int cluster_linkage(const double *dist, int n, cluster_method method, cluster_merge *merges, evo_error *err)
{
    if (n < 1)
        return evo_fail(err, EVO_ERR_USAGE, "clustering %d items: expected at least 1", n);
    for (int i = 0; i < n * n; i++)
        if (!isfinite(dist[i]) || dist[i] < 0)
            return evo_fail(err, EVO_ERR_USAGE, "clustering: distance (%d, %d) is %g; distances must be finite "
                            "and >= 0", i / n, i % n, dist[i]);
    double *d = malloc(sizeof *d * (size_t)n * n);
    int *id = malloc(sizeof *id * (size_t)n), *size = malloc(sizeof *size * (size_t)n);
    if (!d || !id || !size) {
        free(d), free(id), free(size);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory clustering %d items", n);
    }
    memcpy(d, dist, sizeof *d * (size_t)n * n);
    for (int i = 0; i < n; i++)
        id[i] = i, size[i] = 1; /* slot i holds cluster id[i]; id -1: merged away */
    for (int k = 0; k < n - 1; k++) {
        int bi = -1, bj = -1;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; id[i] >= 0 && j < n; j++)
                if (id[j] >= 0 && (bi < 0 || d[i * n + j] < d[bi * n + bj]))
                    bi = i, bj = j;
        const double dij = d[bi * n + bj];
        merges[k] = (cluster_merge){id[bi] < id[bj] ? id[bi] : id[bj], id[bi] < id[bj] ? id[bj] : id[bi], dij,
                                    size[bi] + size[bj]};
        for (int v = 0; v < n; v++) /* the merge takes slot bi */
            if (id[v] >= 0 && v != bi && v != bj)
                d[bi * n + v] = d[v * n + bi] =
                    updated(method, d[bi * n + v], d[bj * n + v], dij, size[bi], size[bj], size[v]);
        id[bi] = n + k;
        size[bi] += size[bj];
        id[bj] = -1;
    }
    free(d), free(id), free(size);
    return EVO_OK;
}

void cluster_leaves(const cluster_merge *merges, int n, int *order)
{
    if (n == 1) {
        order[0] = 0;
        return;
    }
    /* depth-first from the root, the left child first: a stack of at most n clusters */
    int stack[n], top = 0, at = 0;
    stack[top++] = 2 * n - 2;
    while (top > 0) {
        const int c = stack[--top];
        if (c < n) {
            order[at++] = c;
            continue;
        }
        stack[top++] = merges[c - n].b; /* popped after a's subtree */
        stack[top++] = merges[c - n].a;
    }
}

static int root(int *parent, int x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

void cluster_cut(const cluster_merge *merges, int n, int K, int *label)
{
    int parent[2 * n], first[2 * n];
    for (int i = 0; i < 2 * n; i++)
        parent[i] = i;
    for (int k = 0; k < n - K; k++) { /* union by merge: an item's root is its cluster's newest merge */
        parent[root(parent, merges[k].a)] = n + k;
        parent[root(parent, merges[k].b)] = n + k;
    }
    for (int i = 0; i < 2 * n; i++)
        first[i] = -1;
    int next = 0;
    for (int i = 0; i < n; i++) {
        const int r = root(parent, i);
        if (first[r] < 0)
            first[r] = next++;
        label[i] = first[r];
    }
}
