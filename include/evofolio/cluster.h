/* cluster: agglomerative hierarchical clustering of n items from their pairwise distances, as
 * scipy.cluster.hierarchy.linkage computes it, the dendrogram's leaf order, and its cut into K
 * clusters. For the cluster-based strategies (strategies.h: hrp, cluster), on tens of assets.
 *
 * Methods, by how the distance from a new cluster u = s + t to any other cluster v is updated
 * (Lance-Williams), with |x| a cluster's size and T = |v| + |s| + |t|:
 *   single  d(u, v) = min(d(s, v), d(t, v))
 *   ward    d(u, v) = sqrt(((|v| + |s|) d(s, v)^2 + (|v| + |t|) d(t, v)^2 - |v| d(s, t)^2) / T)
 * Ward's method merges the pair whose merge least increases the within-cluster sum of squares when
 * the distances are Euclidean; single linkage the nearest pair. At each step the closest active
 * pair merges (ties: the pair found first in row-major order over the items' slots). Merge k makes
 * cluster n + k; it records the two clusters it joined (a < b), their distance and its size - the
 * rows of scipy's linkage matrix Z. Costs O(n^3) time and O(n^2) memory: fine for n in the hundreds. */
#ifndef EVOFOLIO_CLUSTER_H
#define EVOFOLIO_CLUSTER_H

#include "evofolio/error.h"

typedef enum { CLUSTER_SINGLE, CLUSTER_WARD } cluster_method;

typedef struct {
    int a, b;      /* the clusters joined: an item 0..n-1 or an earlier merge n + k; a < b */
    double dist;   /* their distance */
    int size;      /* items in the new cluster */
} cluster_merge;

/* merges[n-1] from the distance matrix dist[n * n] (symmetric, zero diagonal, finite, >= 0).
 * EVO_ERR_USAGE for n < 1 or a distance that is negative or not finite; EVO_ERR_NOMEM. */
int cluster_linkage(const double *dist, int n, cluster_method method, cluster_merge *merges, evo_error *err);

/* The dendrogram's leaves left to right, the first cluster of each merge on the left: order[n], a
 * permutation of 0..n-1 (scipy's leaves_list). Quasi-diagonalises a covariance matrix for HRP. */
void cluster_leaves(const cluster_merge *merges, int n, int *order);

/* The K clusters left after the first n - K merges (1 <= K <= n): label[n] in 0..K-1, numbered by
 * each cluster's lowest item (item 0 is in cluster 0). */
void cluster_cut(const cluster_merge *merges, int n, int K, int *label);

#endif
