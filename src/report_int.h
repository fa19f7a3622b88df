/* report_int: what report.c (the page and its sections) and report_load.c (reading the archive, finding
 * the run's data, naming the assets) share and nobody else sees: the report being built and its
 * candidates and series. Shapes as in report.c: N evaluations, T test days, A assets. */
#ifndef EVOFOLIO_REPORT_INT_H
#define EVOFOLIO_REPORT_INT_H

#include <math.h>
#include <stdint.h>

#include "evofolio/archive.h"
#include "evofolio/config.h"
#include "evofolio/data.h"
#include "evofolio/error.h"
#include "evofolio/genes.h"
#include "evofolio/genome.h"
#include "evofolio/metrics.h"
#include "evofolio/svg.h"

enum {
    OWNERS_MAX = 32, /* test-period series read (champions and baselines) */
    FMT_SLOTS = 16   /* formatted numbers alive at once (report.fmt) */
};

/* One evaluation of the run. */
typedef struct {
    int64_t id;
    int generation;
    int ok;                  /* status ok (a cache hit: its source's) */
    int hit;                 /* a cache hit (no timings of its own) */
    int truncated;           /* a fold hit train.max_seconds */
    double fitness;          /* NAN unless ok */
    double gene[GENE_COUNT]; /* choice: enum index, set: bitmask, number: value; NAN when not stored */
    evo_genome genome;       /* the stored genes (the others 0), to ask which genes its model reads */
    double params, seconds, train_seconds, started, finished; /* NAN when not stored */
} cand;

/* A daily series of the test period. */
typedef struct {
    char owner[48];  /* "eval:7", "baseline:ew" */
    char label[96];  /* for legends and tables */
    int twin;        /* the champion's linear twin (the yardstick) */
    int rank;        /* a tested candidate's rank (1 = the champion); 0 for a baseline */
    int n, cap;
    double *x;       /* [n] return days, days since 1970-01-01 */
    double *net;     /* [n] net returns */
    double *turnover;/* [n] */
    evo_metrics m;
} series;

typedef struct {
    evo_archive *a;
    const char *path;
    svg_out *o;
    evo_error *err;
    double now;

    archive_run run;
    char *config;     /* the stored configuration (owned) */
    int64_t champion; /* 0: none yet */
    double dsr, pbo;  /* NAN when not stored */
    int n_trials;
    double n_effective; /* independent trials the n_trials are worth (NAN when not stored) */
    int skill;          /* the verdict claims skill */
    char *verdict;      /* the verdict in words (owned; NULL when not stored) */
    evo_config cfg;
    int have_cfg;
    evo_panel panel; /* the run's data when found beside the archive and its hash matches */
    int have_panel;
    char data_path[EVO_PATH_MAX];
    int in_progress;

    cand *c; /* [n] in id order */
    size_t n, cap;

    series s[OWNERS_MAX];
    int n_series;

    double *w; /* the champion's weights [w_T][w_A] */
    double *w_x;
    int w_T, w_A, w_cap;
    const char **asset; /* [w_A] names (into panel or cfg, or asset_buf) */
    char (*asset_buf)[24];

    char fmt[FMT_SLOTS][SVG_NUM_MAX];
    int fmt_i;
} report;

/* The context of an archive row callback of the report: the report and the rows seen so far. */
typedef struct {
    report *r;
    int n;
} report_rows;

/* Read run r->run.id of r->a into r: the run, its evaluations, the test-period series, the champion's
 * weights, and the data when it is found beside the archive with a matching hash. EVO_ERR_DATA for a
 * row evofolio never writes; EVO_ERR_NOMEM. */
int report_load(report *r);
/* Everything report_load allocated, and the archive. */
void report_free(report *r);

static inline double value_real(const archive_value *v)
{
    return v->type == ARCHIVE_VALUE_INTEGER || v->type == ARCHIVE_VALUE_REAL ? v->real : NAN;
}

static inline const char *value_text(const archive_value *v)
{
    return v->type == ARCHIVE_VALUE_TEXT ? v->text : NULL;
}

static inline int nomem(report *r)
{
    return evo_fail(r->err, EVO_ERR_NOMEM, "out of memory making the report");
}

#endif
