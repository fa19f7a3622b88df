/* svg: scales, ticks, number formats and chart marks written as SVG text. Coordinates are written
 * with one decimal (a tenth of a pixel); every text goes through svg_escape. */
#include "evofolio/svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/date.h"

/* Layout of a chart, px. Text is 12 px sans-serif, about CHAR_W wide per character on average. */
#define CHAR_W 6.6
#define TITLE_H 30.0   /* the title's band at the top */
#define MARGIN_L 66.0  /* room for y tick labels and the y title */
#define MARGIN_R 18.0
#define AXIS_H 44.0    /* below the plot: x tick labels and the x title */
#define LEGEND_ROW 18.0
#define TICK 4.0

/* ---------------------------------------------------------------- output */

void svg_out_init(svg_out *o, FILE *f)
{
    *o = (svg_out){.f = f};
}

void svg_out_free(svg_out *o)
{
    if (o)
        buf_free(&o->text);
}

void svg_write(svg_out *o, const char *s, size_t n)
{
    if (o->failed || n == 0)
        return;
    if (o->f && fwrite(s, 1, n, o->f) != n)
        o->failed = EVO_ERR_IO;
    if (!o->f)
        buf_add(&o->text, s, n);
    o->failed = o->failed ? o->failed : o->text.failed;
}

void svg_puts(svg_out *o, const char *s)
{
    svg_write(o, s, strlen(s));
}

void svg_printf(svg_out *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (o->f && vfprintf(o->f, fmt, ap) < 0)
        o->failed = EVO_ERR_IO;
    if (!o->f)
        buf_vprintf(&o->text, fmt, ap);
    va_end(ap);
    o->failed = o->failed ? o->failed : o->text.failed;
}

void svg_escape(svg_out *o, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *ent = NULL;
        switch (*s) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        default: break;
        }
        if (ent) {
            svg_write(o, run, (size_t)(s - run));
            svg_puts(o, ent);
            run = s + 1;
        }
    }
    svg_write(o, run, (size_t)(s - run));
}

int svg_out_status(const svg_out *o, evo_error *err)
{
    switch (o->failed) {
    case 0:
        return EVO_OK;
    case EVO_ERR_NOMEM:
        return evo_fail(err, EVO_ERR_NOMEM, "out of memory while writing SVG");
    case EVO_ERR_IO:
        return evo_fail(err, EVO_ERR_IO, "cannot write the output (is the disk full or the output closed?)");
    default:
        return evo_fail(err, o->failed, "formatting SVG failed (an evofolio bug: report it)");
    }
}

/* ---------------------------------------------------------------- scales */

svg_scale svg_scale_linear(double d0, double d1, double r0, double r1)
{
    return (svg_scale){SVG_SCALE_LINEAR, d0, d1, r0, r1};
}

svg_scale svg_scale_log(double d0, double d1, double r0, double r1)
{
    if (!(d0 > 0) && !(d1 > 0))
        d0 = 1, d1 = 10;
    else if (!(d0 > 0))
        d0 = d1 / 10;
    else if (!(d1 > 0))
        d1 = d0 * 10;
    return (svg_scale){SVG_SCALE_LOG, d0, d1, r0, r1};
}

double svg_scale_map(const svg_scale *s, double v)
{
    if (!isfinite(v) || (s->kind == SVG_SCALE_LOG && !(v > 0)))
        return NAN;
    double a = s->d0, b = s->d1;
    if (s->kind == SVG_SCALE_LOG)
        a = log10(a), b = log10(b), v = log10(v);
    if (a == b)
        return (s->r0 + s->r1) / 2;
    return s->r0 + (v - a) / (b - a) * (s->r1 - s->r0);
}

/* ---------------------------------------------------------------- ticks */

double svg_nice_step(double lo, double hi, int target)
{
    double span = fabs(hi - lo);
    if (target < 1)
        target = 1;
    if (!isfinite(span) || span == 0)
        span = lo != 0 && isfinite(lo) ? fabs(lo) : 1;
    double raw = span / target;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    /* the 1-2-5 step nearest to raw on a log scale (thresholds at the geometric means) */
    double k = norm < 1.4142 ? 1 : norm < 3.1623 ? 2 : norm < 7.0711 ? 5 : 10;
    return k * mag;
}

/* The next step of the 1-2-5 sequence. */
static double step_up(double step)
{
    double mag = pow(10, floor(log10(step) + 1e-9));
    double k = step / mag;
    return k < 1.5 ? 2 * mag : k < 3.5 ? 5 * mag : 10 * mag;
}

void svg_nice_domain(double *lo, double *hi, int target)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    if (*lo > *hi) {
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
    if (*lo == *hi) {
        double w = *lo == 0 ? 1 : 0.1 * fabs(*lo);
        *lo -= w;
        *hi += w;
    }
    double step = svg_nice_step(*lo, *hi, target);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
}

/* A multiple of step, with the rounding noise of k * step near 0 removed. */
static double tick_value(double k, double step)
{
    double v = k * step;
    return fabs(v) < step * 1e-9 ? 0 : v;
}

/* Bounds in either order, lo <= hi after; a target below 2 ticks asks for 2. */
static void order_bounds(double *lo, double *hi, int *target)
{
    if (*lo > *hi) {
        double x = *lo;
        *lo = *hi;
        *hi = x;
    }
    if (*target < 2)
        *target = 2;
}

void svg_ticks_linear(svg_ticks *t, double lo, double hi, int target)
{
    t->n = 0;
    t->step = 0;
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(hi - lo))
        return;
    order_bounds(&lo, &hi, &target);
    if (lo == hi) {
        t->v[t->n++] = lo;
        return;
    }
    double step = svg_nice_step(lo, hi, target);
    double k0, k1;
    for (;;) {
        k0 = ceil(lo / step - 1e-9);
        k1 = floor(hi / step + 1e-9);
        if (k1 - k0 + 1 <= SVG_TICKS_MAX)
            break;
        step = step_up(step);
    }
    t->step = step;
    for (double k = k0; k <= k1; k++)
        t->v[t->n++] = tick_value(k, step);
}

void svg_ticks_log(svg_ticks *t, double lo, double hi, int target)
{
    t->n = 0;
    t->step = 0;
    if (!(lo > 0) || !(hi > 0) || !isfinite(lo) || !isfinite(hi))
        return;
    order_bounds(&lo, &hi, &target);
    int e0 = (int)ceil(log10(lo) - 1e-9), e1 = (int)floor(log10(hi) + 1e-9);
    int n_dec = e1 - e0 + 1;
    if (n_dec < 2) { /* less than a decade: linear ticks read better */
        svg_ticks_linear(t, lo, hi, target);
        return;
    }
    /* 1, 2, 5 per decade when they fit, else every m-th decade */
    int with_25 = 3 * (n_dec + 1) <= 2 * target;
    int every = 1;
    while ((n_dec + every - 1) / every > target + 1 || (n_dec + every - 1) / every >= SVG_TICKS_MAX)
        every++; /* decade labels are short: one more than the target still fits */
    for (int e = e0 - 1; e <= e1 && t->n < SVG_TICKS_MAX; e++) {
        static const double mult[3] = {1, 2, 5};
        for (int m = 0; m < (with_25 ? 3 : 1) && t->n < SVG_TICKS_MAX; m++) {
            if (m == 0 && (e < e0 || (e - e0) % every))
                continue;
            double v = mult[m] * pow(10, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                t->v[t->n++] = v;
        }
    }
}

/* Days from 1970-01-01 that print as dates (about 270,000 years either way): further out the cast to
 * evo_date, or the calendar arithmetic on it, would overflow. */
#define DAY_MAX 1e8

static void ymd(double day, int *y, int *m, int *d)
{
    char s[EVO_DATE_STR];
    date_format((evo_date)floor(day), s);
    *y = atoi(s);
    *m = atoi(s + 5);
    *d = atoi(s + 8);
}

void svg_ticks_dates(svg_ticks *t, double lo, double hi, int target)
{
    static const int months[] = {1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200};
    t->n = 0;
    t->step = 0;
    if (!(fabs(lo) < DAY_MAX) || !(fabs(hi) < DAY_MAX))
        return;
    order_bounds(&lo, &hi, &target);
    int y0, m0, d0, y1, m1, d1;
    ymd(lo, &y0, &m0, &d0);
    ymd(hi, &y1, &m1, &d1);
    long first = y0 * 12L + (m0 - 1) + (d0 > 1 || lo > floor(lo)); /* the first month start >= lo */
    long last = y1 * 12L + (m1 - 1);
    for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
        long k = months[i];
        long a = (first + k - 1) / k * k, n = last >= a ? (last - a) / k + 1 : 0;
        if (n > target && i + 1 < sizeof months / sizeof *months)
            continue;
        if (n < 3 && k == 1) { /* under three months: nice steps of days */
            svg_ticks_linear(t, lo, hi, target);
            return;
        }
        for (long mi = a; mi <= last && t->n < SVG_TICKS_MAX; mi += k)
            t->v[t->n++] = date_from_ymd((int)(mi / 12), (int)(mi % 12) + 1, 1);
        t->step = 0;
        return;
    }
}

/* ---------------------------------------------------------------- numbers */

/* "%.*f" of v with thousands separators in the integer part; auto strips trailing zeros. */
static void grouped(char *out, size_t size, double v, int decimals, int strip)
{
    char tmp[SVG_NUM_MAX * 2];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(v));
    if (strip && strchr(tmp, '.')) {
        char *e = tmp + strlen(tmp) - 1;
        while (*e == '0')
            *e-- = '\0';
        if (*e == '.')
            *e = '\0';
    }
    int negative = v < 0 && strspn(tmp, "0.") != strlen(tmp); /* no "-0" */
    char *dot = strchr(tmp, '.');
    size_t int_len = dot ? (size_t)(dot - tmp) : strlen(tmp);
    size_t o = 0;
    if (negative && o + 1 < size)
        out[o++] = '-';
    for (size_t i = 0; i < int_len && o + 1 < size; i++) {
        if (i && (int_len - i) % 3 == 0 && o + 1 < size)
            out[o++] = ',';
        if (o + 1 < size)
            out[o++] = tmp[i];
    }
    for (const char *p = tmp + int_len; *p && o + 1 < size; p++)
        out[o++] = *p;
    out[o] = '\0';
}

/* Decimals for 3 significant digits of v, at most 4. */
static int auto_decimals(double v)
{
    if (v == 0 || !isfinite(v))
        return 0;
    int d = 2 - (int)floor(log10(fabs(v)) + 1e-12);
    return d < 0 ? 0 : d > 4 ? 4 : d;
}

/* A plain number: tiny ones in scientific notation when auto. */
static void plain(char *out, size_t size, double v, int decimals)
{
    if (decimals < 0 && v != 0 && fabs(v) < 0.9995e-3) { /* 7.4e-5, 1e-6 */
        char m[SVG_NUM_MAX - 12]; /* room for the exponent */
        snprintf(m, sizeof m, "%.2e", v);
        char *e = strchr(m, 'e');
        int exp10 = atoi(e + 1);
        *e = '\0';
        for (char *z = e - 1; *z == '0' || *z == '.'; z--) { /* 7.40 -> 7.4, 1.00 -> 1 */
            char c = *z;
            *z = '\0';
            if (c == '.')
                break;
        }
        snprintf(out, size, "%se%d", m, exp10);
        return;
    }
    grouped(out, size, v, decimals < 0 ? auto_decimals(v) : decimals, decimals < 0);
}

static void duration(char *out, size_t size, double s)
{
    if (s < 0)
        s = 0;
    /* two units, the second left out when it is 0: "3 min 5 s", "2 h", "1 d 4 h" */
    static const char *const unit[3][2] = {{"min", "s"}, {"h", "min"}, {"d", "h"}};
    static const long per[3] = {60, 60, 24};
    long r;
    int u;
    if (s < 0.9995) {
        snprintf(out, size, "%.0f ms", s * 1000);
        return;
    }
    if (s < 10) {
        snprintf(out, size, "%.1f s", s);
        return;
    }
    if (s < 59.5) {
        snprintf(out, size, "%.0f s", s);
        return;
    }
    if (s < 3600 - 0.5)
        r = lround(s), u = 0;
    else if (s < 86400 - 30)
        r = lround(s / 60), u = 1;
    else
        r = lround(s / 3600), u = 2;
    if (r % per[u])
        snprintf(out, size, "%ld %s %ld %s", r / per[u], unit[u][0], r % per[u], unit[u][1]);
    else
        snprintf(out, size, "%ld %s", r / per[u], unit[u][0]);
}

char *svg_format(char out[SVG_NUM_MAX], double v, svg_fmt fmt, int decimals)
{
    static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (!isfinite(v) || ((fmt == SVG_FMT_DATE || fmt == SVG_FMT_MONTH) && !(fabs(v) < DAY_MAX))) {
        snprintf(out, SVG_NUM_MAX, "n/a");
        return out;
    }
    switch (fmt) {
    case SVG_FMT_PERCENT: {
        char num[SVG_NUM_MAX - 1]; /* room for the suffix */
        double p = 100 * v;
        if (!isfinite(p)) { /* 100 x 1.7e307 */
            snprintf(out, SVG_NUM_MAX, "n/a");
            break;
        }
        if (decimals < 0 && p != 0 && fabs(p) < 0.01)
            decimals = 3; /* not "1e-05%" */
        plain(num, sizeof num, p, decimals);
        snprintf(out, SVG_NUM_MAX, "%s%%", num);
        break;
    }
    case SVG_FMT_COMPACT: {
        static const char suffix[] = "kMGTP";
        double a = fabs(v), scale = 1;
        int s = -1;
        while (s < 4 && a >= 999.5 * scale) {
            scale *= 1000;
            s++;
        }
        if (s < 0) {
            plain(out, SVG_NUM_MAX, v, decimals < 0 && a >= 1 ? 0 : decimals);
            break;
        }
        char num[SVG_NUM_MAX - 1]; /* room for the suffix */
        plain(num, sizeof num, v / scale, decimals);
        snprintf(out, SVG_NUM_MAX, "%s%c", num, suffix[s]);
        break;
    }
    case SVG_FMT_SECONDS:
        duration(out, SVG_NUM_MAX, v);
        break;
    case SVG_FMT_DATE:
        date_format((evo_date)floor(v), out);
        break;
    case SVG_FMT_MONTH: {
        int y, m, d;
        ymd(v, &y, &m, &d);
        if (m == 1 && d == 1)
            snprintf(out, SVG_NUM_MAX, "%d", y);
        else
            snprintf(out, SVG_NUM_MAX, "%s %d", month_names[m - 1], y);
        break;
    }
    default:
        plain(out, SVG_NUM_MAX, v, decimals);
        break;
    }
    return out;
}

int svg_step_decimals(double step, svg_fmt fmt)
{
    if (fmt == SVG_FMT_COMPACT)
        return -1;
    if (fmt == SVG_FMT_PERCENT)
        step *= 100;
    if (!(step > 0) || !isfinite(step))
        return -1;
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 10 ? 10 : d;
}

/* ---------------------------------------------------------------- styles */

svg_style svg_palette(int i)
{
    /* Okabe-Ito's colour-blind-safe hues, each with its own dash so they part in greyscale too */
    static const svg_style p[SVG_PALETTE_SIZE] = {
        {"#000000", "", 2.6},           {"#0072b2", "8 3", 1.8},   {"#d55e00", "2 2.5", 1.9},
        {"#009e73", "10 3 2 3", 1.8},    {"#cc79a7", "5 3", 1.8},   {"#56b4e9", "1.5 2.5", 2.0},
        {"#e69f00", "12 3 3 3 3 3", 1.8}, {"#6e6e6e", "4 2 1 2", 1.6}, {"#882255", "3 5", 1.9},
        {"#44aa99", "14 5", 1.8}};
    if (i < 0)
        i = -i;
    return p[i % SVG_PALETTE_SIZE];
}

const char *svg_area_color(int i)
{
    /* dark and light in turn: neighbours differ in lightness, also printed in grey */
    static const char *const c[SVG_PALETTE_SIZE] = {"#1f4e79", "#f4b183", "#2e7d32", "#9dc3e6",
                                                    "#8e2c48", "#ffe699", "#5b3a8c", "#c5e0b4",
                                                    "#8c8c8c", "#e0e0e0"};
    if (i < 0)
        i = -i;
    return c[i % SVG_PALETTE_SIZE];
}

/* ---------------------------------------------------------------- a chart */

void svg_chart_begin(svg_chart *c, svg_out *o, double width, double height, const char *title)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->width = width;
    c->height = height;
    c->left = MARGIN_L;
    c->right = width - MARGIN_R;
    c->top = TITLE_H + 8;
    c->bottom = height - AXIS_H;
    c->axis_h = AXIS_H;
    c->x.decimals = c->y.decimals = -1;
    c->x.scale = svg_scale_linear(0, 1, c->left, c->right);
    c->y.scale = svg_scale_linear(0, 1, c->bottom, c->top);
    svg_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
               "width=\"%.0f\" height=\"%.0f\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">"
               "<title>", width, height, width, height);
    svg_escape(o, title);
    svg_printf(o, "</title>\n<text x=\"%.1f\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" "
               "font-weight=\"bold\" fill=\"#111\">", width / 2);
    svg_escape(o, title);
    svg_puts(o, "</text>\n");
}

void svg_chart_legend_rows(svg_chart *c, int rows)
{
    c->bottom = c->height - AXIS_H - 6 - rows * LEGEND_ROW;
    c->x.scale.r0 = c->left;
    c->x.scale.r1 = c->right;
    c->y.scale.r0 = c->bottom;
    c->y.scale.r1 = c->top;
}

static void set_axis(svg_axis *a, svg_scale_kind kind, double lo, double hi, int nice, svg_fmt fmt,
                     const char *label, double r0, double r1, int target)
{
    a->fmt = fmt;
    a->label = label;
    a->names = NULL;
    a->n_names = 0;
    a->decimals = -1;
    if (kind == SVG_SCALE_LOG) {
        if (!(lo > 0) || !isfinite(lo))
            lo = hi > 0 && isfinite(hi) ? hi / 10 : 1;
        if (!(hi > 0) || !isfinite(hi))
            hi = lo * 10;
        if (lo == hi)
            lo /= 1.1, hi *= 1.1;
        a->scale = svg_scale_log(lo, hi, r0, r1);
        svg_ticks_log(&a->ticks, lo, hi, target);
    } else if (fmt == SVG_FMT_DATE || fmt == SVG_FMT_MONTH) {
        if (!isfinite(lo) || !isfinite(hi))
            lo = 0, hi = 1;
        if (lo == hi)
            lo -= 1, hi += 1;
        a->scale = svg_scale_linear(lo, hi, r0, r1);
        svg_ticks_dates(&a->ticks, lo, hi, target);
        if (a->ticks.step > 0) /* days rather than months: plain dates */
            a->fmt = SVG_FMT_DATE;
        else
            a->fmt = SVG_FMT_MONTH;
    } else {
        if (nice)
            svg_nice_domain(&lo, &hi, target);
        else if (!isfinite(lo) || !isfinite(hi))
            lo = 0, hi = 1;
        else if (lo == hi)
            lo -= 1, hi += 1;
        a->scale = svg_scale_linear(lo, hi, r0, r1);
        svg_ticks_linear(&a->ticks, lo, hi, target);
    }
    if (a->ticks.step > 0)
        a->decimals = svg_step_decimals(a->ticks.step, a->fmt);
}

void svg_chart_x(svg_chart *c, svg_scale_kind kind, double lo, double hi, int nice, svg_fmt fmt,
                 const char *label)
{
    int target = (int)((c->right - c->left) / 75);
    set_axis(&c->x, kind, lo, hi, nice, fmt, label, c->left, c->right, target < 2 ? 2 : target);
}

void svg_chart_y(svg_chart *c, svg_scale_kind kind, double lo, double hi, int nice, svg_fmt fmt,
                 const char *label)
{
    int target = (int)((c->bottom - c->top) / 45);
    set_axis(&c->y, kind, lo, hi, nice, fmt, label, c->bottom, c->top, target < 2 ? 2 : target);
}

/* Width of a text in px, estimated. */
static double text_w(const char *s)
{
    double w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w += CHAR_W;
    return w;
}

void svg_chart_x_names(svg_chart *c, const char *const *names, int n, const char *label)
{
    c->x.fmt = SVG_FMT_NUMBER;
    c->x.label = label;
    c->x.names = names;
    c->x.n_names = n;
    c->x.ticks.n = 0;
    c->x.scale = svg_scale_linear(-0.5, n - 0.5, c->left, c->right);
    double slot = n > 0 ? (c->right - c->left) / n : 0, widest = 0;
    for (int i = 0; i < n; i++)
        if (text_w(names[i]) > widest)
            widest = text_w(names[i]);
    if (widest > slot - 6) { /* the names will be slanted (40 degrees): make room below */
        double extra = widest * 0.64 - 4;
        c->bottom -= extra;
        c->axis_h += extra;
    }
    c->y.scale.r0 = c->bottom;
}

static void axis_label(const svg_axis *a, double v, char out[SVG_NUM_MAX])
{
    svg_format(out, v, a->fmt, a->scale.kind == SVG_SCALE_LOG && a->ticks.step == 0 ? -1 : a->decimals);
}

static void line(svg_out *o, double x1, double y1, double x2, double y2, const char *stroke)
{
    svg_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x1, y1, x2, y2, stroke);
}

void svg_chart_axes(svg_chart *c)
{
    svg_out *o = c->o;
    char s[SVG_NUM_MAX];
    svg_puts(o, "<g class=\"axes\">\n");
    /* y: grid, tick, label */
    for (int i = 0; i < c->y.ticks.n; i++) {
        double y = svg_scale_map(&c->y.scale, c->y.ticks.v[i]);
        if (!isfinite(y))
            continue;
        line(o, c->left, y, c->right, y, "#e3e3e3"); /* grid */
        line(o, c->left - TICK, y, c->left, y, "#444"); /* tick */
        axis_label(&c->y, c->y.ticks.v[i], s);
        svg_printf(o, "<text x=\"%.1f\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"end\" fill=\"#333\">%s</text>\n",
                   c->left - TICK - 3, y, s);
    }
    /* x: grid, tick and labels, every k-th label when they would collide */
    if (c->x.n_names > 0) {
        double slot = (c->right - c->left) / c->x.n_names, widest = 0;
        for (int i = 0; i < c->x.n_names; i++)
            if (text_w(c->x.names[i]) > widest)
                widest = text_w(c->x.names[i]);
        int slant = widest > slot - 6;
        for (int i = 0; i < c->x.n_names; i++) {
            double x = svg_scale_map(&c->x.scale, i);
            line(o, x, c->bottom, x, c->bottom + TICK, "#444");
            if (slant)
                svg_printf(o, "<text transform=\"translate(%.1f %.1f) rotate(-40)\" text-anchor=\"end\" "
                           "fill=\"#333\">", x + 3, c->bottom + 14);
            else
                svg_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#333\">", x,
                           c->bottom + 16);
            svg_escape(o, c->x.names[i]);
            svg_puts(o, "</text>\n");
        }
    } else {
        double widest = 0, gap = c->right - c->left;
        for (int i = 0; i < c->x.ticks.n; i++) {
            axis_label(&c->x, c->x.ticks.v[i], s);
            if (text_w(s) > widest)
                widest = text_w(s);
            if (i) {
                double d = fabs(svg_scale_map(&c->x.scale, c->x.ticks.v[i]) -
                                svg_scale_map(&c->x.scale, c->x.ticks.v[i - 1]));
                if (d < gap)
                    gap = d;
            }
        }
        int every = 1;
        while (every < c->x.ticks.n && gap * every < widest + 10)
            every++;
        for (int i = 0; i < c->x.ticks.n; i++) {
            double x = svg_scale_map(&c->x.scale, c->x.ticks.v[i]);
            if (!isfinite(x))
                continue;
            line(o, x, c->top, x, c->bottom, "#ececec");
            line(o, x, c->bottom, x, c->bottom + TICK, "#444");
            if (i % every)
                continue;
            axis_label(&c->x, c->x.ticks.v[i], s);
            /* a label that would stick out of the picture ends (or starts) at its tick instead */
            const char *anchor = x + text_w(s) / 2 > c->width - 2 ? "end"
                                 : x - text_w(s) / 2 < 2       ? "start"
                                                               : "middle";
            svg_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#333\">%s</text>\n", x,
                       c->bottom + 16, anchor, s);
        }
    }
    svg_printf(o, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#444\"/>\n", c->left, c->top,
               c->bottom, c->right);
    if (c->x.label) {
        svg_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#111\">",
                   (c->left + c->right) / 2, c->bottom + c->axis_h - 8);
        svg_escape(o, c->x.label);
        svg_puts(o, "</text>\n");
    }
    if (c->y.label) {
        svg_printf(o, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" "
                   "fill=\"#111\">", (c->top + c->bottom) / 2);
        svg_escape(o, c->y.label);
        svg_puts(o, "</text>\n");
    }
    svg_puts(o, "</g>\n");
}

void svg_chart_note(svg_chart *c, const char *text)
{
    svg_printf(c->o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#777\" font-size=\"14\">",
               (c->left + c->right) / 2, (c->top + c->bottom) / 2);
    svg_escape(c->o, text);
    svg_puts(c->o, "</text>\n");
}

void svg_chart_end(svg_chart *c)
{
    svg_puts(c->o, "</svg>\n");
}

/* ---------------------------------------------------------------- marks */

static void stroke_attrs(svg_out *o, svg_style s)
{
    svg_printf(o, " fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"", s.color,
               s.width);
    if (s.dash && *s.dash)
        svg_printf(o, " stroke-dasharray=\"%s\"", s.dash);
}

void svg_line(svg_chart *c, const double *x, const double *y, int n, svg_style style, int step)
{
    svg_out *o = c->o;
    int open = 0, pen_down = 0;
    for (int i = 0; i < n; i++) {
        double px = svg_scale_map(&c->x.scale, x[i]), py = svg_scale_map(&c->y.scale, y[i]);
        if (!isfinite(px) || !isfinite(py)) {
            pen_down = 0;
            continue;
        }
        if (!open) {
            svg_puts(o, "<path d=\"");
            open = 1;
        }
        if (!pen_down)
            svg_printf(o, "M%.1f %.1f", px, py);
        else if (step)
            svg_printf(o, "H%.1fV%.1f", px, py);
        else
            svg_printf(o, "L%.1f %.1f", px, py);
        pen_down = 1;
    }
    if (open) {
        svg_puts(o, "\"");
        stroke_attrs(o, style);
        svg_puts(o, "/>\n");
    }
}

static int band_maps(const svg_chart *c, double x, double lo, double hi)
{
    return isfinite(svg_scale_map(&c->x.scale, x)) && isfinite(svg_scale_map(&c->y.scale, lo)) &&
           isfinite(svg_scale_map(&c->y.scale, hi));
}

void svg_band(svg_chart *c, const double *x, const double *lo, const double *hi, int n, const char *color,
              double opacity)
{
    svg_out *o = c->o;
    int i = 0, open = 0;
    while (i < n) {
        /* one run of points where everything maps */
        int a = i;
        while (a < n && !band_maps(c, x[a], lo[a], hi[a]))
            a++;
        int b = a;
        while (b < n && band_maps(c, x[b], lo[b], hi[b]))
            b++;
        if (b > a) {
            if (!open) {
                svg_puts(o, "<path d=\"");
                open = 1;
            }
            for (int k = a; k < b; k++)
                svg_printf(o, "%c%.1f %.1f", k == a ? 'M' : 'L', svg_scale_map(&c->x.scale, x[k]),
                           svg_scale_map(&c->y.scale, hi[k]));
            for (int k = b - 1; k >= a; k--)
                svg_printf(o, "L%.1f %.1f", svg_scale_map(&c->x.scale, x[k]),
                           svg_scale_map(&c->y.scale, lo[k]));
            svg_puts(o, "Z");
        }
        i = b > a ? b : a + 1;
    }
    if (open)
        svg_printf(o, "\" fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"none\"/>\n", color, opacity);
}

void svg_stack(svg_chart *c, const double *x, const double *const *y, int n_series, int n)
{
    svg_out *o = c->o;
    double *base = calloc((size_t)(n > 0 ? n : 1), sizeof *base);
    double *top = calloc((size_t)(n > 0 ? n : 1), sizeof *top);
    if (!base || !top) {
        o->failed = o->failed ? o->failed : EVO_ERR_NOMEM;
        free(base);
        free(top);
        return;
    }
    for (int k = 0; k < n_series; k++) {
        for (int i = 0; i < n; i++)
            top[i] = base[i] + (isfinite(y[k][i]) ? y[k][i] : 0);
        svg_puts(o, "<path d=\"");
        for (int i = 0; i < n; i++)
            svg_printf(o, "%c%.1f %.1f", i ? 'L' : 'M', svg_scale_map(&c->x.scale, x[i]),
                       svg_scale_map(&c->y.scale, top[i]));
        for (int i = n - 1; i >= 0; i--)
            svg_printf(o, "L%.1f %.1f", svg_scale_map(&c->x.scale, x[i]), svg_scale_map(&c->y.scale, base[i]));
        svg_printf(o, "Z\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.6\"/>\n", svg_area_color(k));
        memcpy(base, top, (size_t)n * sizeof *base);
    }
    free(base);
    free(top);
}

static void mark_at(svg_out *o, double px, double py, svg_mark mark, const char *color, double r)
{
    switch (mark) {
    case SVG_MARK_RING:
        svg_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"1.2\"/>",
                   px, py, r, color);
        break;
    case SVG_MARK_TRIANGLE:
        svg_printf(o, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\"/>", px, py - 1.2 * r,
                   px + 1.1 * r, py + 0.8 * r, px - 1.1 * r, py + 0.8 * r, color);
        break;
    case SVG_MARK_CROSS:
        svg_printf(o, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"%s\" "
                   "stroke-width=\"1.8\"/>",
                   px - r, py - r, px + r, py + r, px - r, py + r, px + r, py - r, color);
        break;
    case SVG_MARK_SQUARE:
        svg_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", px - r,
                   py - r,
                   2 * r, 2 * r, color);
        break;
    default:
        svg_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>", px, py, r, color);
        break;
    }
}

void svg_points(svg_chart *c, const double *x, const double *y, int n, svg_mark mark, const char *color,
                double r, double opacity)
{
    svg_out *o = c->o;
    svg_printf(o, "<g opacity=\"%.2f\">", opacity);
    for (int i = 0; i < n; i++) {
        double px = svg_scale_map(&c->x.scale, x[i]), py = svg_scale_map(&c->y.scale, y[i]);
        if (isfinite(px) && isfinite(py))
            mark_at(o, px, py, mark, color, r);
    }
    svg_puts(o, "</g>\n");
}

void svg_bars(svg_chart *c, const double *x, const double *y, int n, double width, const char *color)
{
    svg_out *o = c->o;
    double y0 = svg_scale_map(&c->y.scale, 0);
    if (!isfinite(y0))
        y0 = c->bottom;
    svg_printf(o, "<g fill=\"%s\">", color);
    for (int i = 0; i < n; i++) {
        double px = svg_scale_map(&c->x.scale, x[i]), py = svg_scale_map(&c->y.scale, y[i]);
        if (!isfinite(px) || !isfinite(py) || py == y0)
            continue;
        svg_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", px - width / 2,
                   py < y0 ? py : y0, width, fabs(y0 - py));
    }
    svg_puts(o, "</g>\n");
}

void svg_hline(svg_chart *c, double y, const char *label)
{
    double py = svg_scale_map(&c->y.scale, y);
    if (!isfinite(py) || py < c->top - 0.5 || py > c->bottom + 0.5)
        return;
    svg_printf(c->o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" "
               "stroke-dasharray=\"5 4\"/>", c->left, py, c->right, py);
    if (label) {
        svg_printf(c->o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#111\" font-size=\"11\" "
                   "stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">", c->right - 4, py - 4);
        svg_escape(c->o, label);
        svg_puts(c->o, "</text>");
    }
    svg_puts(c->o, "\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of sorted v[n] by linear interpolation (R's type 7). */
static double quantile(const double *v, int n, double p)
{
    double h = (n - 1) * p;
    int i = (int)floor(h);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (h - i) * (v[i + 1] - v[i]);
}

void svg_box_stats_compute(svg_box_stats *b, double *values, int n)
{
    b->n = n;
    if (n <= 0) {
        b->lo = b->q1 = b->median = b->q3 = b->hi = b->min = b->max = NAN;
        return;
    }
    qsort(values, (size_t)n, sizeof *values, cmp_double);
    b->min = values[0];
    b->max = values[n - 1];
    b->q1 = quantile(values, n, 0.25);
    b->median = quantile(values, n, 0.5);
    b->q3 = quantile(values, n, 0.75);
    double reach = 1.5 * (b->q3 - b->q1);
    b->lo = b->min;
    for (int i = 0; i < n; i++)
        if (values[i] >= b->q1 - reach) {
            b->lo = values[i];
            break;
        }
    b->hi = b->max;
    for (int i = n - 1; i >= 0; i--)
        if (values[i] <= b->q3 + reach) {
            b->hi = values[i];
            break;
        }
}

void svg_box(svg_chart *c, double x, double width, const svg_box_stats *b, const char *color)
{
    if (b->n <= 0)
        return;
    svg_out *o = c->o;
    double px = svg_scale_map(&c->x.scale, x);
    double lo = svg_scale_map(&c->y.scale, b->lo), hi = svg_scale_map(&c->y.scale, b->hi);
    double q1 = svg_scale_map(&c->y.scale, b->q1), q3 = svg_scale_map(&c->y.scale, b->q3);
    double md = svg_scale_map(&c->y.scale, b->median);
    if (!isfinite(px) || !isfinite(lo) || !isfinite(hi) || !isfinite(q1) || !isfinite(q3) || !isfinite(md))
        return;
    double h = width / 2;
    svg_printf(o, "<g stroke=\"%s\"><path d=\"M%.1f %.1fV%.1fM%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" "
               "fill=\"none\"/>", color, px, lo, q1, px, q3, hi, px - h / 2, lo, px + h / 2, px - h / 2, hi,
               px + h / 2);
    svg_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
               "fill-opacity=\"0.25\"/>",
               px - h, q3 < q1 ? q3 : q1, width, fabs(q1 - q3) < 1 ? 1 : fabs(q1 - q3), color);
    svg_printf(o, "<path d=\"M%.1f %.1fH%.1f\" stroke-width=\"2.6\"/></g>\n", px - h, md, px + h);
}

/* ---------------------------------------------------------------- legend */

static double legend_item_w(const svg_legend_item *it)
{
    return 34 + text_w(it->label ? it->label : "") + 18;
}

int svg_legend_rows(const svg_legend_item *items, int n, double width)
{
    double avail = width - MARGIN_L - MARGIN_R, x = 0;
    int rows = n > 0;
    for (int i = 0; i < n; i++) {
        double w = legend_item_w(&items[i]);
        if (x > 0 && x + w > avail) {
            rows++;
            x = 0;
        }
        x += w;
    }
    return rows;
}

void svg_legend(svg_chart *c, const svg_legend_item *items, int n)
{
    svg_out *o = c->o;
    double x = c->left, y = c->bottom + c->axis_h + 10;
    svg_puts(o, "<g class=\"legend\">\n");
    for (int i = 0; i < n; i++) {
        const svg_legend_item *it = &items[i];
        double w = legend_item_w(it);
        if (x > c->left && x + w > c->right) {
            x = c->left;
            y += LEGEND_ROW;
        }
        if (it->swatch) {
            svg_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"11\" fill=\"%s\" stroke=\"#555\" "
                       "stroke-width=\"0.5\"/>", x, y - 9, it->style.color);
        } else {
            svg_printf(o, "<path d=\"M%.1f %.1fH%.1f\"", x, y - 4, x + 26);
            if (it->style.width > 0)
                stroke_attrs(o, it->style);
            else
                svg_puts(o, " stroke=\"none\"");
            svg_puts(o, "/>");
            if (it->mark >= 0)
                mark_at(o, x + 13, y - 4, (svg_mark)it->mark, it->style.color, 3.5);
        }
        svg_printf(o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#222\">", x + 32, y);
        svg_escape(o, it->label);
        svg_puts(o, "</text>\n");
        x += w;
    }
    svg_puts(o, "</g>\n");
}
