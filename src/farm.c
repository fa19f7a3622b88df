/* farm: MPI plumbing. Translates MPI's conventions (MPI_SUCCESS = 0) at each call. */
#include "evofolio/farm.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evofolio/backtest.h"
#include "evofolio/blas.h"
#include "evofolio/buf.h"

/* How long a waiting rank sleeps between probes: short enough to notice a result or a signal at
 * once, long enough that an idle rank uses no measurable CPU. */
#define FARM_POLL_NS 1000000L

struct evo_farm {
    farm_evaluate_fn fn;
    const void *ctx;
    int size;             /* MPI ranks */
    int *busy;            /* [size] 1 while rank r holds a task (index 0 unused) */
    int in_flight;
    farm_result pending;  /* in-process mode: the result of the last submit */
    int has_pending;
    double busy_seconds;
};

double farm_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void nap(void)
{
    struct timespec ts = {0, FARM_POLL_NS};
    nanosleep(&ts, NULL);
}

static int mpi_fail(evo_error *err, int code, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(code, msg, &len);
    return evo_fail(err, EVO_ERR_INTERNAL, "MPI %s failed: %.*s", what, len, msg);
}

void farm_result_free(farm_result *r)
{
    if (!r)
        return;
    evaluate_result_free(&r->res);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- sharing the problem */

static int take(const unsigned char **at, const unsigned char *end, void *out, size_t n)
{
    if ((size_t)(end - *at) < n)
        return -1;
    memcpy(out, *at, n);
    *at += n;
    return 0;
}

static void pack_problem(evo_buf *b, const char *config, const evo_panel *p)
{
    uint64_t len = strlen(config);
    int32_t dims[3] = {p->n_days, p->n_assets, p->volume != NULL};
    buf_add(b, &len, sizeof len);
    buf_add(b, config, len);
    buf_add(b, dims, sizeof dims);
    buf_add(b, p->dates, sizeof *p->dates * (size_t)p->n_days);
    buf_add(b, p->close, sizeof *p->close * (size_t)p->n_days * p->n_assets);
    if (p->volume)
        buf_add(b, p->volume, sizeof *p->volume * (size_t)p->n_days * p->n_assets);
    for (int a = 0; a < p->n_assets; a++) {
        uint32_t n = (uint32_t)strlen(p->assets[a]);
        buf_add(b, &n, sizeof n);
        buf_add(b, p->assets[a], n);
    }
}

static int unpack_problem(const unsigned char *at, size_t size, char **config, evo_panel *p)
{
    const unsigned char *end = at + size;
    uint64_t len;
    int32_t dims[3];
    memset(p, 0, sizeof *p);
    if (take(&at, end, &len, sizeof len) || len > size || !(*config = malloc(len + 1)) ||
        take(&at, end, *config, len))
        return -1;
    (*config)[len] = '\0';
    if (take(&at, end, dims, sizeof dims))
        return -1;
    p->n_days = dims[0];
    p->n_assets = dims[1];
    size_t cells = (size_t)dims[0] * dims[1];
    p->dates = malloc(sizeof *p->dates * (size_t)dims[0]);
    p->close = malloc(sizeof *p->close * cells);
    p->volume = dims[2] ? malloc(sizeof *p->volume * cells) : NULL;
    p->assets = calloc((size_t)dims[1], sizeof *p->assets);
    if (!p->dates || !p->close || (dims[2] && !p->volume) || !p->assets ||
        take(&at, end, p->dates, sizeof *p->dates * (size_t)dims[0]) ||
        take(&at, end, p->close, sizeof *p->close * cells) ||
        (p->volume && take(&at, end, p->volume, sizeof *p->volume * cells)))
        return -1;
    for (int a = 0; a < p->n_assets; a++) {
        uint32_t n;
        if (take(&at, end, &n, sizeof n) || !(p->assets[a] = malloc(n + 1)) || take(&at, end, p->assets[a], n))
            return -1;
        p->assets[a][n] = '\0';
    }
    p->format = DATA_WIDE;
    p->rows_read = p->n_days;
    return 0;
}

int farm_share(char **config_text, evo_panel *panel, int rank, evo_error *err)
{
    evo_buf b = {0};
    uint64_t size = 0;
    if (rank == 0 && !*config_text) { /* the master failed before it had anything to share */
        MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        return EVO_OK;
    }
    if (rank == 0) {
        pack_problem(&b, *config_text, panel);
        if (b.failed) {
            buf_free(&b);
            return evo_fail(err, EVO_ERR_NOMEM, "out of memory packing the data for the workers");
        }
        size = b.len;
    }
    int rc = MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rc == MPI_SUCCESS && size == 0) { /* nothing to share: the master gave up */
        *config_text = NULL;
        return EVO_ERR_USAGE;
    }
    unsigned char *in = NULL; /* a worker's copy */
    if (rc == MPI_SUCCESS && rank != 0 && !(in = malloc(size ? size : 1)))
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory receiving %llu bytes of data",
                        (unsigned long long)size);
    if (rc == MPI_SUCCESS)
        rc = MPI_Bcast(rank == 0 ? (void *)b.data : in, (int)size, MPI_BYTE, 0, MPI_COMM_WORLD);
    int status = rc == MPI_SUCCESS ? EVO_OK : mpi_fail(err, rc, "broadcast of the data");
    if (!status && rank != 0 && unpack_problem(in, size, config_text, panel)) {
        data_panel_free(panel);
        status = evo_fail(err, EVO_ERR_INTERNAL, "rank %d: the shared data are truncated", rank);
    }
    buf_free(&b);
    free(in);
    return status;
}

/* ---------------------------------------------------------------- results on the wire */

typedef struct {
    int64_t id;
    int32_t rank, n_val, series_T, series_A, replica, unused;
    double started, finished;
    char host[64];
} result_header;

static void pack_result(evo_buf *b, const farm_result *r)
{
    const evo_fold_result *f0 = &r->res.folds[0];
    const int with_series = r->res.n_folds == 1 && f0->bt.T > 0 && r->res.val_returns == NULL;
    result_header h = {r->id, r->rank, r->res.n_val, with_series ? f0->bt.T : 0, with_series ? f0->bt.A : 0,
                       r->replica, 0, r->started, r->finished, {0}};
    memcpy(h.host, r->host, sizeof h.host);
    evo_eval_result plain = r->res;
    for (int k = 0; k < plain.n_folds; k++)
        memset(&plain.folds[k].bt, 0, sizeof plain.folds[k].bt); /* pointers stay home */
    plain.val_returns = NULL;
    buf_add(b, &h, sizeof h);
    buf_add(b, &plain, sizeof plain);
    buf_add(b, r->res.val_returns, sizeof(double) * (size_t)r->res.n_val);
    if (with_series) {
        buf_add(b, f0->bt.net, sizeof(double) * (size_t)f0->bt.T);
        buf_add(b, f0->bt.turnover, sizeof(double) * (size_t)f0->bt.T);
        buf_add(b, f0->bt.weights, sizeof(double) * (size_t)f0->bt.T * f0->bt.A);
    }
}

static int unpack_result(const unsigned char *at, size_t size, farm_result *r)
{
    const unsigned char *end = at + size;
    result_header h;
    memset(r, 0, sizeof *r);
    if (take(&at, end, &h, sizeof h) || take(&at, end, &r->res, sizeof r->res))
        return -1;
    r->id = h.id;
    r->replica = h.replica;
    r->rank = h.rank;
    r->res.val_returns = NULL;
    r->res.n_val = h.n_val;
    r->started = h.started;
    r->finished = h.finished;
    memcpy(r->host, h.host, sizeof r->host);
    if (h.n_val > 0 && (!(r->res.val_returns = malloc(sizeof(double) * (size_t)h.n_val)) ||
                        take(&at, end, r->res.val_returns, sizeof(double) * (size_t)h.n_val)))
        return -1;
    if (h.series_T > 0) {
        evo_backtest *bt = &r->res.folds[0].bt;
        size_t T = (size_t)h.series_T, A = (size_t)h.series_A;
        bt->T = h.series_T;
        bt->A = h.series_A;
        bt->net = malloc(sizeof(double) * T);
        bt->turnover = malloc(sizeof(double) * T);
        bt->weights = malloc(sizeof(double) * T * A);
        if (!bt->net || !bt->turnover || !bt->weights || take(&at, end, bt->net, sizeof(double) * T) ||
            take(&at, end, bt->turnover, sizeof(double) * T) || take(&at, end, bt->weights, sizeof(double) * T * A))
            return -1;
    }
    return 0;
}

int farm_evaluate(farm_result *r, const farm_task *t, int rank, const void *context, evo_error *err)
{
    const evo_eval_context *ctx = context;
    memset(r, 0, sizeof *r);
    r->id = t->id;
    r->replica = t->replica;
    r->rank = rank;
    blas_set_plan(&t->blas);
    gethostname(r->host, sizeof r->host - 1);
    r->started = farm_clock();
    /* the test period: the ensemble of the confirmation's number of nets (search.h) */
    const int nets = ctx->cfg->ga.confirm > 0 ? ctx->cfg->ga.confirm_seeds : 1;
    evo_genome g = t->genome;
    if (t->steps > 0) /* a rung's budget */
        g.steps = t->steps;
    int rc = t->test ? evaluate_test(&r->res, ctx, &g, t->seed, nets, 1, err)
                     : evaluate_genome(&r->res, ctx, &g, t->seed, EVAL_KEEP_VAL_RETURNS, err);
    r->finished = farm_clock();
    return rc;
}

/* ---------------------------------------------------------------- worker */

int farm_worker_loop(farm_evaluate_fn fn, const void *ctx, int rank, evo_error *err)
{
    blas_single_thread();
    for (;;) {
        int flag = 0, rc;
        MPI_Status st;
        while ((rc = MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st)) == MPI_SUCCESS && !flag)
            nap();
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, rc, "probe");
        if (st.MPI_TAG == FARM_TAG_STOP) {
            MPI_Recv(NULL, 0, MPI_BYTE, 0, FARM_TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            return EVO_OK;
        }
        farm_task task;
        if ((rc = MPI_Recv(&task, sizeof task, MPI_BYTE, 0, FARM_TAG_TASK, MPI_COMM_WORLD, MPI_STATUS_IGNORE)))
            return mpi_fail(err, rc, "receive of a task");
        farm_result r;
        int erc = fn(&r, &task, rank, ctx, err);
        if (erc) { /* a resource failure on this rank: report it as a failed candidate, keep serving */
            evaluate_result_free(&r.res);
            r.res.status = EVAL_FAILED;
            r.res.n_folds = 0;
            snprintf(r.res.reason, sizeof r.res.reason, "rank %d: %.150s", rank, err->msg);
        }
        evo_buf b = {0};
        pack_result(&b, &r);
        farm_result_free(&r);
        if (b.failed) {
            buf_free(&b);
            return evo_fail(err, EVO_ERR_NOMEM, "rank %d: out of memory packing a result", rank);
        }
        rc = MPI_Send(b.data, (int)b.len, MPI_BYTE, 0, FARM_TAG_RESULT, MPI_COMM_WORLD);
        buf_free(&b);
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, rc, "send of a result");
    }
}

/* ---------------------------------------------------------------- master */

int farm_create(evo_farm **out, farm_evaluate_fn fn, const void *ctx, int size, evo_error *err)
{
    evo_farm *f = calloc(1, sizeof *f);
    if (!f || !(f->busy = calloc((size_t)size + 1, sizeof *f->busy))) {
        free(f);
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory");
    }
    f->fn = fn;
    f->ctx = ctx;
    f->size = size;
    *out = f;
    return EVO_OK;
}

void farm_free(evo_farm *f)
{
    if (!f)
        return;
    farm_result_free(&f->pending);
    free(f->busy);
    free(f);
}

int farm_workers(const evo_farm *f) { return f->size > 1 ? f->size - 1 : 1; }
int farm_idle(const evo_farm *f) { return farm_workers(f) - f->in_flight; }
int farm_in_flight(const evo_farm *f) { return f->in_flight; }
double farm_busy_seconds(const evo_farm *f) { return f->busy_seconds; }

int farm_submit(evo_farm *f, const farm_task *task, evo_error *err)
{
    if (f->size == 1) { /* in-process */
        int rc = f->fn(&f->pending, task, 0, f->ctx, err);
        if (rc) { /* as on a worker: the candidate fails, the search goes on */
            evaluate_result_free(&f->pending.res);
            f->pending.id = task->id;
            f->pending.replica = task->replica;
            f->pending.res.status = EVAL_FAILED;
            f->pending.res.n_folds = 0;
            snprintf(f->pending.res.reason, sizeof f->pending.res.reason, "%.150s", err->msg);
        }
        f->has_pending = 1;
        f->in_flight = 1;
        return EVO_OK;
    }
    int w = 1;
    while (w < f->size && f->busy[w])
        w++;
    if (w == f->size)
        return evo_fail(err, EVO_ERR_INTERNAL, "farm_submit with no idle worker");
    int rc = MPI_Send(task, sizeof *task, MPI_BYTE, w, FARM_TAG_TASK, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, rc, "send of a task");
    f->busy[w] = 1;
    f->in_flight++;
    return EVO_OK;
}

int farm_wait(evo_farm *f, farm_result *out, const volatile sig_atomic_t *stop, double timeout,
              evo_error *err)
{
    if (f->size == 1) {
        if (!f->has_pending)
            return 0;
        *out = f->pending;
        memset(&f->pending, 0, sizeof f->pending);
        f->has_pending = 0;
        f->in_flight = 0;
        f->busy_seconds += out->finished - out->started;
        return 1;
    }
    const double give_up = timeout > 0 ? farm_clock() + timeout : 0;
    for (;;) {
        int flag = 0, rc;
        MPI_Status st;
        if ((rc = MPI_Iprobe(MPI_ANY_SOURCE, FARM_TAG_RESULT, MPI_COMM_WORLD, &flag, &st)) != MPI_SUCCESS)
            return mpi_fail(err, rc, "probe");
        if (flag) {
            int count = 0;
            MPI_Get_count(&st, MPI_BYTE, &count);
            unsigned char *buf = malloc(count ? (size_t)count : 1);
            if (!buf)
                return evo_fail(err, EVO_ERR_NOMEM, "out of memory receiving a result");
            rc = MPI_Recv(buf, count, MPI_BYTE, st.MPI_SOURCE, FARM_TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            int bad = rc != MPI_SUCCESS || unpack_result(buf, (size_t)count, out);
            free(buf);
            if (bad) {
                farm_result_free(out);
                return rc != MPI_SUCCESS ? mpi_fail(err, rc, "receive of a result")
                                         : evo_fail(err, EVO_ERR_INTERNAL, "a truncated result from rank %d",
                                                    st.MPI_SOURCE);
            }
            f->busy[st.MPI_SOURCE] = 0;
            f->in_flight--;
            f->busy_seconds += out->finished - out->started;
            return 1;
        }
        if ((stop && *stop) || f->in_flight == 0 || (give_up > 0 && farm_clock() > give_up))
            return 0;
        nap();
    }
}

void farm_stop_workers(evo_farm *f)
{
    for (int w = 1; w < f->size; w++)
        MPI_Send(NULL, 0, MPI_BYTE, w, FARM_TAG_STOP, MPI_COMM_WORLD);
}
