/* svg: the small SVG toolkit the HTML report draws its charts with - linear and log scales, "nice"
 * ticks, numbers for people, a chart frame with axes, ticks, units, a title and a legend, and the
 * marks (lines that skip non-finite points, stacked areas, points, box plots, bars). Output goes to an
 * svg_out: a caller's FILE* or a buffer that grows (owned by the svg_out: svg_out_free). Every text is
 * XML-escaped; nothing is scripted and the only font asked for is the reader's sans-serif. Writes never
 * fail on the spot: a failed write or allocation is remembered and svg_out_status reports it once. */
#ifndef EVOFOLIO_SVG_H
#define EVOFOLIO_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "evofolio/buf.h"
#include "evofolio/error.h"

/* ---------------------------------------------------------------- output */

typedef struct {
    FILE *f;      /* write here when not NULL (not owned) */
    evo_buf text; /* otherwise: the text so far (owned) */
    int failed;   /* an evo_err once a write or an allocation failed */
} svg_out;

/* An svg_out that writes to f, or to a growing buffer (f = NULL). */
void svg_out_init(svg_out *o, FILE *f);
void svg_out_free(svg_out *o);
void svg_write(svg_out *o, const char *s, size_t n);
void svg_puts(svg_out *o, const char *s);
void svg_printf(svg_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with & < > " ' written as entities, so it is safe in text and in attribute values. NULL writes
 * nothing. */
void svg_escape(svg_out *o, const char *s);
/* 0, or the evo_err of the first failure with a message in err. */
int svg_out_status(const svg_out *o, evo_error *err);

/* ---------------------------------------------------------------- scales and ticks */

typedef enum {
    SVG_SCALE_LINEAR, /* r = r0 + (v - d0) / (d1 - d0) (r1 - r0) */
    SVG_SCALE_LOG     /* the same in log10 v; only v > 0 map */
} svg_scale_kind;

typedef struct {
    svg_scale_kind kind;
    double d0, d1; /* domain (data units); d0 == d1 maps everything to the middle of the range */
    double r0, r1; /* range (pixels); r0 > r1 for a y axis that grows upwards */
} svg_scale;

svg_scale svg_scale_linear(double d0, double d1, double r0, double r1);
/* d0, d1 > 0 (a non-positive bound is replaced: d0 by d1 / 10, d1 by d0 * 10, both by 1 and 10). */
svg_scale svg_scale_log(double d0, double d1, double r0, double r1);
/* The pixel of v; NAN when v is not finite or (log) not > 0. */
double svg_scale_map(const svg_scale *s, double v);

enum { SVG_TICKS_MAX = 40 };

typedef struct {
    int n;
    double v[SVG_TICKS_MAX]; /* ascending */
    double step;             /* linear ticks: the spacing; log ticks at decades (and 2, 5): 0 */
} svg_ticks;

/* The 1-2-5 step (1, 2 or 5 times a power of ten) that cuts [lo, hi] into about `target` parts. */
double svg_nice_step(double lo, double hi, int target);
/* Widen [lo, hi] outwards to multiples of the nice step for `target` ticks. Equal bounds are first
 * widened around the value (by 1 when it is 0, else by 10% of |value|); non-finite bounds become 0, 1. */
void svg_nice_domain(double *lo, double *hi, int target);
/* Multiples of the nice step inside [lo, hi] (a few ulps of slack), at most SVG_TICKS_MAX. */
void svg_ticks_linear(svg_ticks *t, double lo, double hi, int target);
/* Ticks of a log axis over [lo, hi] (> 0): the powers of ten inside it (every m-th one when there are
 * more than target + 1), plus 2 and 5 times them when that gives at most about `target` ticks; a range
 * with fewer than two powers of ten inside (e.g. wealth from 0.8 to 1.3) gets linear 1-2-5 ticks
 * (step > 0), which read better there. */
void svg_ticks_log(svg_ticks *t, double lo, double hi, int target);
/* Ticks of a date axis (days since 1970-01-01) over [lo, hi]: month starts every 1, 2, 3 or 6 months,
 * or January 1sts every 1, 2, 5, 10, ... years, whichever gives at most `target` ticks; a span with
 * fewer than three month starts gets linear ticks (step > 0), to be labelled as dates. */
void svg_ticks_dates(svg_ticks *t, double lo, double hi, int target);

/* ---------------------------------------------------------------- numbers for people */

typedef enum {
    SVG_FMT_NUMBER,  /* 1,234.5 - thousands separators */
    SVG_FMT_PERCENT, /* a fraction as a percentage: 0.123 -> 12.3% */
    SVG_FMT_COMPACT, /* counts: 950, 12.3k, 4.5M, 1.2G */
    SVG_FMT_SECONDS, /* durations: 250 ms, 4.2 s, 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h */
    SVG_FMT_DATE,    /* days since 1970-01-01 as YYYY-MM-DD */
    SVG_FMT_MONTH,   /* days since 1970-01-01 as "Mar 2000", and "2000" for a January 1st */
    SVG_FMT_COUNT
} svg_fmt;

enum { SVG_NUM_MAX = 48 };

/* v as people read it: decimals after the point of the shown number (after the percentage or suffix
 * scaling; ignored by SECONDS and the dates), or -1 for 3 significant digits (no trailing zeros, at
 * most 4 decimals). A minus sign when negative; "n/a" when v is not finite. Returns out. */
char *svg_format(char out[SVG_NUM_MAX], double v, svg_fmt fmt, int decimals);
/* The decimals that tell apart linear ticks `step` apart in fmt (0 for steps of 1 or more). */
int svg_step_decimals(double step, svg_fmt fmt);

/* ---------------------------------------------------------------- styles */

enum { SVG_PALETTE_SIZE = 10 };

typedef struct {
    const char *color; /* stroke (lines, points) and fill (areas, bars) */
    const char *dash;  /* stroke-dasharray of lines; "" solid */
    double width;      /* line width in px */
} svg_style;

/* The i-th series' style (i wraps): colours that differ in hue and in lightness, so that neighbours
 * stay apart in greyscale, each line with its own dash pattern; i = 0 is black and solid. */
svg_style svg_palette(int i);
/* Fill colours for stacked areas, adjacent ones far apart in lightness (i wraps). */
const char *svg_area_color(int i);

typedef enum {
    SVG_MARK_CIRCLE,   /* filled circle */
    SVG_MARK_RING,     /* open circle */
    SVG_MARK_TRIANGLE, /* filled triangle */
    SVG_MARK_CROSS,    /* an x */
    SVG_MARK_SQUARE    /* filled square */
} svg_mark;

/* ---------------------------------------------------------------- a chart */

typedef struct {
    svg_scale scale;
    svg_ticks ticks;
    svg_fmt fmt;
    int decimals;             /* for the tick labels; -1: chosen from the ticks */
    const char *label;        /* the axis title with its unit, e.g. "wealth (growth of 1, log scale)" */
    const char *const *names; /* a category axis: names[n_names] at 0 .. n_names - 1 (then no ticks) */
    int n_names;
} svg_axis;

typedef struct {
    svg_out *o;
    double width, height;              /* the whole picture, px */
    double left, top, right, bottom;   /* the plot area's edges, px from the picture's top left */
    double axis_h;                     /* px below the plot for the x tick labels and title */
    svg_axis x, y;
} svg_chart;

/* Open an <svg> of width x height (scaled to the page's width by CSS) with an accessible <title>, the
 * visible title centred on top, and the plot area inside margins that leave room for the axes. The
 * axes still have to be set (svg_chart_x / _y) and drawn (svg_chart_axes). */
void svg_chart_begin(svg_chart *c, svg_out *o, double width, double height, const char *title);
/* Set an axis from a data range: linear axes get nice bounds (nice = 1) or exactly [lo, hi]; log axes
 * [lo, hi] (> 0); dates month/year ticks. */
void svg_chart_x(svg_chart *c, svg_scale_kind kind, double lo, double hi, int nice, svg_fmt fmt,
                 const char *label);
void svg_chart_y(svg_chart *c, svg_scale_kind kind, double lo, double hi, int nice, svg_fmt fmt,
                 const char *label);
/* A category x axis: names[n] at positions 0 .. n-1, each centred in its slot; names too wide for
 * their slot are slanted, and the plot area shrinks to make room (call before svg_chart_y). */
void svg_chart_x_names(svg_chart *c, const char *const *names, int n, const char *label);
/* Grid lines, both axes with their ticks, tick labels and titles. */
void svg_chart_axes(svg_chart *c);
/* Centred grey text in the plot area, for a chart without data. */
void svg_chart_note(svg_chart *c, const char *text);
void svg_chart_end(svg_chart *c);

/* A line through (x[i], y[i]), i < n, in data units. A point that is not finite (or does not map on a
 * log axis) is skipped and breaks the line, so gaps stay gaps. `step` draws a staircase. */
void svg_line(svg_chart *c, const double *x, const double *y, int n, svg_style style, int step);
/* A band between lo[i] and hi[i] (a quartile band), filled with color at opacity. Non-finite points
 * split the band. */
void svg_band(svg_chart *c, const double *x, const double *lo, const double *hi, int n, const char *color,
              double opacity);
/* Stacked areas: y[k][n] for k < n_series are stacked from 0 in order, band k filled with
 * svg_area_color(k) and outlined in white. A non-finite value counts as 0. */
void svg_stack(svg_chart *c, const double *x, const double *const *y, int n_series, int n);
/* Points (x[i], y[i]) of radius r; non-finite ones are skipped. */
void svg_points(svg_chart *c, const double *x, const double *y, int n, svg_mark mark, const char *color,
                double r, double opacity);
/* Vertical bars from 0 to y[i] centred on x[i], `width` px wide. */
void svg_bars(svg_chart *c, const double *x, const double *y, int n, double width, const char *color);
/* A horizontal reference line at y (dashed grey) with an optional label at its right end. */
void svg_hline(svg_chart *c, double y, const char *label);

/* Five numbers of a box plot: quartiles by linear interpolation (type 7), whiskers at the most
 * extreme values within 1.5 IQR of the box. values[n] are sorted in place; n = 0 gives NANs. */
typedef struct {
    int n;
    double lo, q1, median, q3, hi; /* lo/hi: the whiskers' ends */
    double min, max;
} svg_box_stats;

void svg_box_stats_compute(svg_box_stats *b, double *values, int n);
/* A box at x (data units) `width` px wide: whiskers, box from q1 to q3, a thick median. */
void svg_box(svg_chart *c, double x, double width, const svg_box_stats *b, const char *color);

/* A legend entry: a line sample (style, with marker when mark >= 0), or a filled swatch (swatch). */
typedef struct {
    const char *label;
    svg_style style;
    int mark;   /* an svg_mark drawn on the sample, or -1 */
    int swatch; /* a filled square of style.color instead of a line */
} svg_legend_item;

/* The legend in rows below the x axis title, in the room svg_chart_legend_rows made. */
void svg_legend(svg_chart *c, const svg_legend_item *items, int n);
/* Rows the legend of n items with these labels needs in a chart `width` wide. */
int svg_legend_rows(const svg_legend_item *items, int n, double width);
/* Make room for `rows` legend rows at the bottom (call before setting the axes). */
void svg_chart_legend_rows(svg_chart *c, int rows);

#endif
