/* date: civil-date arithmetic (Howard Hinnant's days_from_civil / civil_from_days). */
#include "evofolio/date.h"

#include <stdio.h>

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

evo_date date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;                                       /* [0, 399] */
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;      /* [0, 365] */
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               /* [0, 146096] */
    return (evo_date)(era * 146097 + doe - 719468);
}

static void ymd_from_date(evo_date z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int date_parse(const char *s, evo_date *out)
{
    int y, m, d;
    if (!s || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d) || s[10] != '\0')
        return -1;
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *out = date_from_ymd(y, m, d);
    return 0;
}

char *date_format(evo_date date, char out[EVO_DATE_STR])
{
    int y, m, d;
    ymd_from_date(date, &y, &m, &d);
    snprintf(out, EVO_DATE_STR, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return out;
}

int date_weekday(evo_date d)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    int w = (d + 3) % 7;
    return w < 0 ? w + 7 : w;
}
