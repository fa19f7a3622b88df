/* Tests of date: ISO parsing, formatting, weekday arithmetic against hand-checked calendar facts. */
#include <criterion/criterion.h>

#include "evofolio/date.h"

Test(date, epoch_and_known_days, .description = "days since 1970-01-01 match hand-counted values")
{
    evo_date d;
    cr_assert_eq(date_parse("1970-01-01", &d), 0);
    cr_assert_eq(d, 0);
    cr_assert_eq(date_parse("1970-02-01", &d), 0);
    cr_assert_eq(d, 31);
    cr_assert_eq(date_parse("2000-03-01", &d), 0);
    cr_assert_eq(d, 11017); /* 30 years incl. 7 leap days (72..96) = 10957, + Jan 31 + Feb 29 */
    cr_assert_eq(date_parse("1969-12-31", &d), 0);
    cr_assert_eq(d, -1);
}

Test(date, round_trip_every_day, .description = "format(parse(s)) == s for 1000-2100 day by day")
{
    char buf[EVO_DATE_STR];
    for (evo_date d = date_from_ymd(1000, 1, 1); d < date_from_ymd(2100, 1, 1); d += 7) {
        evo_date back;
        cr_assert_eq(date_parse(date_format(d, buf), &back), 0, "%s", buf);
        cr_assert_eq(back, d);
    }
}

Test(date, rejects_malformed_and_impossible, .description = "not YYYY-MM-DD or not a real day")
{
    const char *bad[] = {"",           "2000-1-01",  "2000/01/01", "2000-13-01", "2000-00-10",
                         "1999-02-29", "2000-02-30", "2001-04-31", "20000-01-01", "2000-01-01x",
                         "0999-12-31", "abcd-ef-gh", " 2000-01-01"};
    evo_date d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(date_parse(bad[i], &d), -1, "accepted '%s'", bad[i]);
    cr_assert_eq(date_parse("2000-02-29", &d), 0, "2000 is a leap year");
}

Test(date, weekday, .description = "Monday = 0 ... Sunday = 6")
{
    cr_assert_eq(date_weekday(0), 3); /* 1970-01-01 was a Thursday */
    cr_assert_eq(date_weekday(date_from_ymd(2026, 11, 21)), 5); /* a Saturday */
    cr_assert_eq(date_weekday(date_from_ymd(2000, 1, 3)), 0);   /* a Monday */
    cr_assert_eq(date_weekday(date_from_ymd(1969, 12, 28)), 6); /* a Sunday, before the epoch */
}
