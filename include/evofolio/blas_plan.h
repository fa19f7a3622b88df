/* blas_plan: which kernel path computes each shape class of product (blas.h), chosen by timing the
 * paths on this machine rather than by CPU features, so that the engine is never slower than plain
 * OpenBLAS on a CPU that OpenBLAS knows well, and uses the own kernels where OpenBLAS does not.
 *
 * The measurement times every path the CPU runs on two or three of the LSTM's own product shapes per
 * class (src/blas_plan.c lists them), best of several interleaved repeats, about 0.3-1 s in all, and
 * takes for each class the path with the least time summed over its shapes (OpenBLAS on a tie). The machine's plan is cached in a small text file, keyed by the CPU (vendor, signature,
 * brand), OpenBLAS's core and build and evofolio's version and commit, so that every process of a
 * machine agrees and measures once: $EVOFOLIO_CACHE_DIR, else $XDG_CACHE_HOME/evofolio, else
 * ~/.cache/evofolio; delete the file to measure again. Where no cache can be written the plan is
 * measured per process (a search still ships one plan to all its ranks). */
#ifndef EVOFOLIO_BLAS_PLAN_H
#define EVOFOLIO_BLAS_PLAN_H

#include <stddef.h>

#include "evofolio/blas.h"

enum { BLAS_PLAN_TEXT_MAX = 128 };

/* The plan as text: one path name when every class has it ("avx512"), else class=path pairs
 * ("nn=avx512,nn_tall=openblas,nt=avx512,nt_tall=avx512,tn=openblas,tn_tall=avx512"). */
void blas_plan_text(const blas_plan *plan, char out[BLAS_PLAN_TEXT_MAX]);
/* The inverse: one path name for all classes, or class=path pairs naming every class once. 0, or -1
 * with *plan untouched. */
int blas_plan_parse(blas_plan *plan, const char *text);

/* Seconds per product of each path on each class (the sum over the class's shapes; 0 for a path the
 * CPU cannot run), as the measurement saw them. */
typedef struct {
    double seconds[BLAS_CLASS_COUNT][BLAS_PATH_COUNT];
} blas_timings;
/* Time the paths and fill *plan (and *t when not NULL). -1 (plan: the widest own kernels) when the
 * buffers cannot be had. */
int blas_plan_measure(blas_plan *plan, blas_timings *t);

/* The plan this machine should use: EVOFOLIO_BLAS when it names a path, else the cached plan, else a
 * fresh measurement (then cached). *how says which, in words ("measured, saved to PATH"), for
 * progress lines. Always fills *plan. */
void blas_plan_machine(blas_plan *plan, char *how, size_t how_size);

#endif
