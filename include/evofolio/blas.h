/* blas: the one door to matrix products - row-major single-precision GEMM, computed either by the
 * project's own AVX2/FMA or AVX-512 kernels (src/blas.c says why) or by OpenBLAS's cblas_sgemm - and a
 * naive reference loop beside it for tests. Nothing allocates and nothing fails: sizes are trusted
 * (callers own the shapes and the buffers).
 *
 * Which code computes a product is a plan: one path per shape class (the transposes, and whether M
 * reaches the 256 rows from which the own kernels pack B), since which is fastest differs by shape,
 * CPU and OpenBLAS build. evofolio's commands set the plan measured for the machine (blas_plan.h:
 * both paths timed once on the LSTM's and attention's shapes, cached per CPU model and build); a
 * search ships its plan to every rank with each task and stores it with the run, so 1 and N ranks, a
 * resume and an
 * `eval --from` compute alike. Before any plan is set (tests, library users) every class takes
 * EVOFOLIO_BLAS: openblas, avx2 or avx512 forces that path; auto (or unset, or an unknown value,
 * which warns) is the widest own kernels the CPU runs. A path the CPU cannot run falls to the next
 * narrower one (avx512 to avx2 to OpenBLAS), with a warning on stderr. On the own paths OpenBLAS
 * still computes the products with both operands transposed and fewer than 256 rows (never used by
 * the LSTM). blas_single_thread keeps OpenBLAS on one thread (parallelism is across candidates, not
 * inside one); the own kernels always run on one. */
#ifndef EVOFOLIO_BLAS_H
#define EVOFOLIO_BLAS_H

/* C[M][N] = alpha * op(A)[M][K] op(B)[K][N] + beta * C, row-major; op(X) = X^T when trans_x. */
void blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                const float *B, int ldb, float beta, float *C, int ldc);
/* The same with plain loops (accumulating in double), for tests. */
void blas_sgemm_naive(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc);

typedef enum {
    BLAS_AUTO,       /* as a request: measured (blas_plan.h), or the widest own kernels before that */
    BLAS_OPENBLAS,   /* cblas_sgemm */
    BLAS_OWN_AVX2,   /* the own AVX2/FMA kernels */
    BLAS_OWN_AVX512, /* the own AVX-512 kernels */
    BLAS_PATH_COUNT
} blas_path;
const char *blas_path_name(blas_path path); /* "auto", "openblas", "avx2", "avx512" */
/* The path itself where this CPU runs it, else the next narrower one; BLAS_AUTO: the widest own. */
blas_path blas_runnable(blas_path path);
/* EVOFOLIO_BLAS as a path: BLAS_AUTO when unset, empty, "auto" or unknown (that one warns once). */
blas_path blas_env_path(void);

typedef enum { BLAS_NN, BLAS_NN_TALL, BLAS_NT, BLAS_NT_TALL, BLAS_TN, BLAS_TN_TALL, BLAS_CLASS_COUNT } blas_class;
/* TN also takes both-transposed products; tall: M >= 256. */
blas_class blas_class_of(int trans_a, int trans_b, int M);
const char *blas_class_name(blas_class c); /* "nn", "nn_tall", "nt", "nt_tall", "tn", "tn_tall" */
typedef struct {
    blas_path path[BLAS_CLASS_COUNT];
} blas_plan;
/* Set the plan in force, each class's path through blas_runnable (a fall-back warns once). */
void blas_set_plan(const blas_plan *plan);
void blas_set_path(blas_path path); /* the same path for every class */
/* The plan in force (never BLAS_AUTO); before any set, EVOFOLIO_BLAS for every class. */
blas_plan blas_active_plan(void);
/* Run BLAS on one thread in this process. */
void blas_single_thread(void);

#endif
