/* Tests of svg: linear and log scales, nice 1-2-5 ticks over ordinary, tiny, huge, negative and
 * degenerate ranges, log and date ticks, numbers for people, lines that skip non-finite points, box
 * statistics, XML escaping, and both outputs (a FILE and a growing buffer). Expected values are worked
 * by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/date.h"
#include "evofolio/svg.h"

TestSuite(svg);

/* Pixel positions are exact up to rounding in the last bits of a double. */
#define PX_TOL 1e-9

static void expect_ticks(const svg_ticks *t, const double *v, int n)
{
    cr_assert_eq(t->n, n, "%d ticks, expected %d", t->n, n);
    for (int i = 0; i < n; i++)
        /* ticks are k * step: equal to the decimal value up to a relative 1e-12 */
        cr_assert(fabs(t->v[i] - v[i]) <= 1e-12 * fmax(1, fabs(v[i])), "tick %d: %.17g, expected %.17g", i,
                  t->v[i], v[i]);
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* ---------------------------------------------------------------- scales */

Test(svg, linear_scale_maps_domain_to_range, .description = "ends, middle, an inverted y range, a flat domain")
{
    svg_scale s = svg_scale_linear(-10, 30, 100, 500);
    cr_assert_float_eq(svg_scale_map(&s, -10), 100, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, 30), 500, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, 10), 300, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, 50), 700, PX_TOL, "outside the domain: extrapolated");
    svg_scale y = svg_scale_linear(0, 1, 400, 40); /* up the page */
    cr_assert_float_eq(svg_scale_map(&y, 0.25), 310, PX_TOL);
    svg_scale flat = svg_scale_linear(5, 5, 0, 200);
    cr_assert_float_eq(svg_scale_map(&flat, 5), 100, PX_TOL, "a flat domain maps to the middle");
    cr_assert(isnan(svg_scale_map(&s, NAN)));
    cr_assert(isnan(svg_scale_map(&s, INFINITY)));
}

Test(svg, log_scale_maps_decades_evenly, .description = "log10 spacing; non-positive values do not map")
{
    svg_scale s = svg_scale_log(1, 1000, 0, 300);
    cr_assert_float_eq(svg_scale_map(&s, 1), 0, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, 10), 100, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, 100), 200, PX_TOL);
    cr_assert_float_eq(svg_scale_map(&s, sqrt(10)), 50, 1e-9);
    cr_assert(isnan(svg_scale_map(&s, 0)));
    cr_assert(isnan(svg_scale_map(&s, -5)));
    svg_scale fixed = svg_scale_log(-1, 100, 0, 100); /* a bad lower bound becomes 100 / 10 */
    cr_assert_float_eq(fixed.d0, 10, 1e-12);
    cr_assert_float_eq(svg_scale_map(&fixed, 10), 0, PX_TOL);
}

/* ---------------------------------------------------------------- ticks */

Test(svg, nice_steps_are_1_2_5, .description = "the step nearest span / target among 1, 2, 5 x 10^k")
{
    cr_assert_float_eq(svg_nice_step(0, 1, 5), 0.2, 1e-15);
    cr_assert_float_eq(svg_nice_step(0, 100, 5), 20, 1e-12);
    cr_assert_float_eq(svg_nice_step(0, 7, 2), 5, 1e-12);
    cr_assert_float_eq(svg_nice_step(0, 1e-9, 5), 2e-10, 1e-24);
    cr_assert_float_eq(svg_nice_step(-37, 12, 5), 10, 1e-12);
    cr_assert_float_eq(svg_nice_step(0, 8e12, 4), 2e12, 1);
}

Test(svg, linear_ticks_over_several_ranges, .description = "ordinary, tiny, huge, negative, equal bounds")
{
    svg_ticks t;
    svg_ticks_linear(&t, 0, 1, 5);
    expect_ticks(&t, (double[]){0, 0.2, 0.4, 0.6, 0.8, 1}, 6);
    cr_assert_float_eq(t.step, 0.2, 1e-15);
    svg_ticks_linear(&t, 1e-9, 3e-9, 4); /* tiny: step 5e-10 */
    expect_ticks(&t, (double[]){1e-9, 1.5e-9, 2e-9, 2.5e-9, 3e-9}, 5);
    svg_ticks_linear(&t, 0, 5e9, 5); /* huge */
    expect_ticks(&t, (double[]){0, 1e9, 2e9, 3e9, 4e9, 5e9}, 6);
    svg_ticks_linear(&t, -37, 12, 5); /* negative: only multiples of 10 inside */
    expect_ticks(&t, (double[]){-30, -20, -10, 0, 10}, 5);
    cr_assert_eq(t.v[3], 0, "zero is exactly 0, not -1e-17");
    svg_ticks_linear(&t, 12, -37, 5); /* bounds swapped */
    expect_ticks(&t, (double[]){-30, -20, -10, 0, 10}, 5);
    svg_ticks_linear(&t, 5, 5, 5); /* equal bounds: the value itself */
    expect_ticks(&t, (double[]){5}, 1);
    svg_ticks_linear(&t, 0, NAN, 5);
    cr_assert_eq(t.n, 0, "no ticks for a non-finite range");
    svg_ticks_linear(&t, 0, 1, 1000); /* never more than SVG_TICKS_MAX */
    cr_assert_leq(t.n, SVG_TICKS_MAX);
    cr_assert_geq(t.n, 2);
    svg_ticks_linear(&t, 1e300, 5e300, 4);
    expect_ticks(&t, (double[]){1e300, 2e300, 3e300, 4e300, 5e300}, 5);
}

Test(svg, nice_domain_widens_to_ticks, .description = "bounds move out to the step; flat ranges open up")
{
    double lo = 0.13, hi = 0.87;
    svg_nice_domain(&lo, &hi, 5);
    cr_assert_float_eq(lo, 0, 1e-15);
    cr_assert_float_eq(hi, 1, 1e-15);
    lo = -3.2, hi = 47;
    svg_nice_domain(&lo, &hi, 5);
    cr_assert_float_eq(lo, -10, 1e-12);
    cr_assert_float_eq(hi, 50, 1e-12);
    lo = hi = 0;
    svg_nice_domain(&lo, &hi, 5);
    cr_assert(lo < 0 && hi > 0, "0..0 opens to [%g, %g]", lo, hi);
    lo = hi = 200;
    svg_nice_domain(&lo, &hi, 5); /* 10% either side, then nice: 180..220 */
    cr_assert(lo <= 180 && hi >= 220 && lo > 100 && hi < 300, "[%g, %g]", lo, hi);
    lo = -INFINITY, hi = 3;
    svg_nice_domain(&lo, &hi, 5);
    cr_assert(lo == 0 && hi == 1);
}

Test(svg, log_ticks_decades_then_2_and_5, .description = "decades; 2 and 5 when few; linear below a decade")
{
    svg_ticks t;
    svg_ticks_log(&t, 1, 1000, 10);
    expect_ticks(&t, (double[]){1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}, 10);
    cr_assert_eq(t.step, 0);
    svg_ticks_log(&t, 1, 1000, 4);
    expect_ticks(&t, (double[]){1, 10, 100, 1000}, 4);
    svg_ticks_log(&t, 0.5, 20, 8); /* two decades inside, 2 and 5 around them */
    expect_ticks(&t, (double[]){0.5, 1, 2, 5, 10, 20}, 6);
    svg_ticks_log(&t, 1e-6, 1e-3, 2); /* too many decades (more than target + 1): every second */
    expect_ticks(&t, (double[]){1e-6, 1e-4}, 2);
    svg_ticks_log(&t, 0.8, 1.3, 5); /* wealth over a year: less than a decade, linear ticks */
    expect_ticks(&t, (double[]){0.8, 0.9, 1.0, 1.1, 1.2, 1.3}, 6);
    cr_assert_float_eq(t.step, 0.1, 1e-15);
    svg_ticks_log(&t, 0, 10, 5);
    cr_assert_eq(t.n, 0, "a log axis needs positive bounds");
}

Test(svg, date_ticks_at_month_and_year_starts, .description = "2-month steps over a year, years over decades")
{
    svg_ticks t;
    char s[SVG_NUM_MAX];
    svg_ticks_dates(&t, date_from_ymd(2000, 1, 3), date_from_ymd(2000, 12, 29), 7);
    const char *expected[] = {"Mar 2000", "May 2000", "Jul 2000", "Sep 2000", "Nov 2000"};
    cr_assert_eq(t.n, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_str_eq(svg_format(s, t.v[i], SVG_FMT_MONTH, 0), expected[i]);
    svg_ticks_dates(&t, date_from_ymd(1990, 6, 1), date_from_ymd(2010, 6, 1), 6); /* 5-year steps */
    cr_assert_eq(t.n, 4);
    cr_assert_str_eq(svg_format(s, t.v[0], SVG_FMT_MONTH, 0), "1995");
    cr_assert_str_eq(svg_format(s, t.v[3], SVG_FMT_MONTH, 0), "2010");
    cr_assert_str_eq(svg_format(s, t.v[1], SVG_FMT_DATE, 0), "2000-01-01");
    svg_ticks_dates(&t, date_from_ymd(2005, 7, 11), date_from_ymd(2005, 9, 30), 8); /* two month starts */
    cr_assert_gt(t.step, 0, "days, not months");
    cr_assert_geq(t.n, 4);
}

/* ---------------------------------------------------------------- numbers */

Test(svg, numbers_for_people, .description = "separators, percentages, k/M, durations, dates, n/a")
{
    char s[SVG_NUM_MAX];
    cr_assert_str_eq(svg_format(s, 1234567.891, SVG_FMT_NUMBER, 2), "1,234,567.89");
    cr_assert_str_eq(svg_format(s, -1234, SVG_FMT_NUMBER, 0), "-1,234");
    cr_assert_str_eq(svg_format(s, 999, SVG_FMT_NUMBER, 0), "999");
    cr_assert_str_eq(svg_format(s, 1.5, SVG_FMT_NUMBER, -1), "1.5", "auto: 3 significant digits, no zeros");
    cr_assert_str_eq(svg_format(s, 2.0916, SVG_FMT_NUMBER, 3), "2.092");
    cr_assert_str_eq(svg_format(s, 0.0123456, SVG_FMT_NUMBER, -1), "0.0123");
    cr_assert_str_eq(svg_format(s, 7.4e-5, SVG_FMT_NUMBER, -1), "7.4e-5");
    cr_assert_str_eq(svg_format(s, 1e-6, SVG_FMT_NUMBER, -1), "1e-6");
    cr_assert_str_eq(svg_format(s, -0.0001, SVG_FMT_NUMBER, 2), "0.00", "no minus zero");
    cr_assert_str_eq(svg_format(s, 0.1234, SVG_FMT_PERCENT, 1), "12.3%");
    cr_assert_str_eq(svg_format(s, -0.05, SVG_FMT_PERCENT, 0), "-5%");
    cr_assert_str_eq(svg_format(s, 12.5, SVG_FMT_PERCENT, 0), "1,250%");
    cr_assert_str_eq(svg_format(s, 950, SVG_FMT_COMPACT, -1), "950");
    cr_assert_str_eq(svg_format(s, 12345, SVG_FMT_COMPACT, -1), "12.3k");
    cr_assert_str_eq(svg_format(s, 1000, SVG_FMT_COMPACT, -1), "1k");
    cr_assert_str_eq(svg_format(s, 4.5e6, SVG_FMT_COMPACT, -1), "4.5M");
    cr_assert_str_eq(svg_format(s, 999999, SVG_FMT_COMPACT, -1), "1M", "rounds up into the next suffix");
    cr_assert_str_eq(svg_format(s, 0.25, SVG_FMT_SECONDS, 0), "250 ms");
    cr_assert_str_eq(svg_format(s, 4.24, SVG_FMT_SECONDS, 0), "4.2 s");
    cr_assert_str_eq(svg_format(s, 42.4, SVG_FMT_SECONDS, 0), "42 s");
    cr_assert_str_eq(svg_format(s, 185, SVG_FMT_SECONDS, 0), "3 min 5 s");
    cr_assert_str_eq(svg_format(s, 60, SVG_FMT_SECONDS, 0), "1 min");
    cr_assert_str_eq(svg_format(s, 7800, SVG_FMT_SECONDS, 0), "2 h 10 min");
    cr_assert_str_eq(svg_format(s, 3 * 86400 + 4 * 3600, SVG_FMT_SECONDS, 0), "3 d 4 h");
    cr_assert_str_eq(svg_format(s, date_from_ymd(2000, 1, 3), SVG_FMT_DATE, 0), "2000-01-03");
    cr_assert_str_eq(svg_format(s, date_from_ymd(2000, 3, 1), SVG_FMT_MONTH, 0), "Mar 2000");
    cr_assert_str_eq(svg_format(s, NAN, SVG_FMT_PERCENT, 1), "n/a");
    cr_assert_str_eq(svg_format(s, INFINITY, SVG_FMT_NUMBER, 1), "n/a");
}

Test(svg, numbers_past_what_they_fit_read_na, .description = "1.7e307 as a percentage, day 1e300: n/a, never cast")
{
    char s[SVG_NUM_MAX];
    cr_assert_str_eq(svg_format(s, 1.7e307, SVG_FMT_PERCENT, -1), "n/a", "100 x 1.7e307 is inf");
    cr_assert_str_eq(svg_format(s, -1.7e307, SVG_FMT_PERCENT, 2), "n/a");
    cr_assert_str_eq(svg_format(s, 1e300, SVG_FMT_DATE, 0), "n/a");
    cr_assert_str_eq(svg_format(s, -1e300, SVG_FMT_MONTH, 0), "n/a");
    cr_assert_str_eq(svg_format(s, 2147483647.0, SVG_FMT_DATE, 0), "n/a", "evo_date arithmetic would overflow");
    svg_ticks t;
    svg_ticks_dates(&t, -1e300, 1e300, 5);
    cr_assert_eq(t.n, 0, "no date ticks outside the calendar");
}

Test(svg, tick_decimals_follow_the_step, .description = "0.2 -> 1 decimal, 0.05 -> 2, 5 -> 0, percent")
{
    cr_assert_eq(svg_step_decimals(0.2, SVG_FMT_NUMBER), 1);
    cr_assert_eq(svg_step_decimals(0.05, SVG_FMT_NUMBER), 2);
    cr_assert_eq(svg_step_decimals(5, SVG_FMT_NUMBER), 0);
    cr_assert_eq(svg_step_decimals(1e-9, SVG_FMT_NUMBER), 9);
    cr_assert_eq(svg_step_decimals(0.05, SVG_FMT_PERCENT), 0, "5%% steps");
    cr_assert_eq(svg_step_decimals(0.005, SVG_FMT_PERCENT), 1, "0.5%% steps");
}

/* ---------------------------------------------------------------- output and marks */

static svg_chart chart(svg_out *o, const char *title)
{
    svg_chart c;
    svg_chart_begin(&c, o, 400, 300, title);
    svg_chart_x(&c, SVG_SCALE_LINEAR, 0, 10, 0, SVG_FMT_NUMBER, "x");
    svg_chart_y(&c, SVG_SCALE_LINEAR, 0, 10, 0, SVG_FMT_NUMBER, "y");
    return c;
}

Test(svg, line_skips_non_finite_points, .description = "NaN and inf break the line into pieces; no 'nan' text")
{
    svg_out o;
    svg_out_init(&o, NULL);
    svg_chart c = chart(&o, "t");
    size_t start = o.text.len;
    double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 2, NAN, 4, 5, INFINITY};
    svg_line(&c, x, y, 6, svg_palette(1), 0);
    const char *path = o.text.data + start;
    cr_assert_eq(count(path, "M"), 2, "two pieces: %s", path);
    cr_assert_eq(count(path, "L"), 2, "one segment each: %s", path);
    cr_assert_null(strstr(path, "nan"), "%s", path);
    cr_assert_null(strstr(path, "inf"), "%s", path);
    /* x 0 -> left edge 66, y 1 -> bottom 256 - 0.1 * 218 */
    char first[64];
    snprintf(first, sizeof first, "M%.1f %.1f", c.left, c.bottom - 0.1 * (c.bottom - c.top));
    cr_assert(strstr(path, first), "expected %s in %s", first, path);
    cr_assert(strstr(path, "stroke-dasharray=\"8 3\""), "series 1 is dashed: %s", path);
    start = o.text.len;
    double none[2] = {NAN, NAN};
    svg_line(&c, x, none, 2, svg_palette(0), 0);
    cr_assert_eq(o.text.len, start, "nothing at all for a line without points");
    svg_chart_end(&c);
    cr_assert_eq(svg_out_status(&o, NULL), EVO_OK);
    svg_out_free(&o);
}

Test(svg, log_axis_line_skips_non_positive, .description = "a value <= 0 on a log axis breaks the line")
{
    svg_out o;
    svg_out_init(&o, NULL);
    svg_chart c;
    svg_chart_begin(&c, &o, 400, 300, "t");
    svg_chart_x(&c, SVG_SCALE_LINEAR, 0, 3, 0, SVG_FMT_NUMBER, "x");
    svg_chart_y(&c, SVG_SCALE_LOG, 0.1, 10, 0, SVG_FMT_NUMBER, "y");
    size_t start = o.text.len;
    svg_line(&c, (double[]){0, 1, 2, 3}, (double[]){1, 0, 2, 3}, 4, svg_palette(0), 0);
    cr_assert_eq(count(o.text.data + start, "M"), 2, "%s", o.text.data + start);
    svg_out_free(&o);
}

Test(svg, text_is_xml_escaped, .description = "& < > \" ' become entities in text, titles and legends")
{
    svg_out o;
    svg_out_init(&o, NULL);
    svg_escape(&o, "<a href=\"x\">Tom & Jerry's</a>");
    cr_assert_str_eq(o.text.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    svg_out_free(&o);
    svg_out_init(&o, NULL);
    svg_chart c = chart(&o, "A<B & \"C\"");
    c.x.label = "x <unit>";
    svg_chart_axes(&c);
    svg_legend_item it = {"it's <mine>", svg_palette(2), -1, 0};
    svg_legend(&c, &it, 1);
    svg_chart_end(&c);
    cr_assert(strstr(o.text.data, "<title>A&lt;B &amp; &quot;C&quot;</title>"), "%s", o.text.data);
    cr_assert(strstr(o.text.data, "x &lt;unit&gt;"));
    cr_assert(strstr(o.text.data, "it&#39;s &lt;mine&gt;"));
    cr_assert_null(strstr(o.text.data, "<B"));
    cr_assert_null(strstr(o.text.data, "<mine"));
    cr_assert(strstr(o.text.data, "font-family=\"sans-serif\""));
    cr_assert_null(strstr(o.text.data, "<script"));
    svg_out_free(&o);
}

Test(svg, axes_have_ticks_labels_and_titles, .description = "every tick labelled; percent labels; axis titles")
{
    svg_out o;
    svg_out_init(&o, NULL);
    svg_chart c;
    svg_chart_begin(&c, &o, 600, 300, "t");
    svg_chart_x(&c, SVG_SCALE_LINEAR, 0, 100, 1, SVG_FMT_NUMBER, "generation");
    svg_chart_y(&c, SVG_SCALE_LINEAR, -0.3, 0, 1, SVG_FMT_PERCENT, "drawdown");
    svg_chart_axes(&c);
    svg_chart_end(&c);
    cr_assert(strstr(o.text.data, ">-30%</text>"), "%s", o.text.data);
    cr_assert(strstr(o.text.data, ">0%</text>"));
    cr_assert(strstr(o.text.data, ">100</text>"));
    cr_assert(strstr(o.text.data, ">generation</text>"));
    cr_assert(strstr(o.text.data, ">drawdown</text>"));
    cr_assert_eq(count(o.text.data, "<svg"), 1);
    cr_assert_eq(count(o.text.data, "</svg>"), 1);
    svg_out_free(&o);
}

Test(svg, box_stats_and_whiskers, .description = "type-7 quartiles; whiskers stop at 1.5 IQR")
{
    double v[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 100};
    svg_box_stats b;
    svg_box_stats_compute(&b, v, 9); /* 1..9 */
    cr_assert_float_eq(b.q1, 3, 1e-12);
    cr_assert_float_eq(b.median, 5, 1e-12);
    cr_assert_float_eq(b.q3, 7, 1e-12);
    cr_assert_float_eq(b.lo, 1, 1e-12);
    cr_assert_float_eq(b.hi, 9, 1e-12);
    double w[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 100};
    svg_box_stats_compute(&b, w, 10); /* q1 3.25, q3 7.75, reach 6.75: 100 is beyond */
    cr_assert_float_eq(b.q1, 3.25, 1e-12);
    cr_assert_float_eq(b.median, 5.5, 1e-12);
    cr_assert_float_eq(b.q3, 7.75, 1e-12);
    cr_assert_float_eq(b.hi, 9, 1e-12);
    cr_assert_float_eq(b.max, 100, 1e-12);
    svg_box_stats_compute(&b, w, 0);
    cr_assert(isnan(b.median));
}

Test(svg, palette_differs_in_colour_and_dash, .description = "distinct colours, dashes and area lightness")
{
    for (int i = 0; i < SVG_PALETTE_SIZE; i++)
        for (int j = 0; j < i; j++) {
            cr_assert_str_neq(svg_palette(i).color, svg_palette(j).color);
            cr_assert_str_neq(svg_palette(i).dash, svg_palette(j).dash);
            cr_assert_str_neq(svg_area_color(i), svg_area_color(j));
        }
    cr_assert_str_eq(svg_palette(0).dash, "", "the first series is solid");
    cr_assert_str_eq(svg_palette(SVG_PALETTE_SIZE).color, svg_palette(0).color, "wraps");
}

Test(svg, writes_to_a_file_and_reports_failures, .description = "FILE output; a failed write is remembered")
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    svg_out o;
    svg_out_init(&o, f);
    svg_printf(&o, "<g>%d</g>", 42);
    svg_escape(&o, "&");
    cr_assert_eq(svg_out_status(&o, NULL), EVO_OK);
    fclose(f);
    cr_assert_str_eq(text, "<g>42</g>&amp;");
    free(text);
    svg_out_free(&o);

    f = fopen("/dev/full", "w");
    if (!f)
        return; /* no /dev/full here */
    setvbuf(f, NULL, _IONBF, 0);
    svg_out_init(&o, f);
    svg_puts(&o, "lost");
    evo_error err = {0};
    cr_assert_eq(svg_out_status(&o, &err), EVO_ERR_IO);
    cr_assert(strstr(err.msg, "cannot write"), "%s", err.msg);
    fclose(f);

    svg_out_init(&o, NULL); /* a buffer grows past its first size */
    for (int i = 0; i < 2000; i++)
        svg_printf(&o, "%04d;", i);
    cr_assert_eq(o.text.len, 10000);
    cr_assert_eq(strncmp(o.text.data + 9995, "1999;", 5), 0);
    svg_out_free(&o);
}
