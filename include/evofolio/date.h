/* date: trading dates as days since 1970-01-01 (proleptic Gregorian), parsed from and printed as
 * ISO YYYY-MM-DD. Pure functions; parsing returns 0 or -1 and never allocates. */
#ifndef EVOFOLIO_DATE_H
#define EVOFOLIO_DATE_H

#include <stdint.h>

typedef int32_t evo_date; /* days since 1970-01-01 */

enum { EVO_DATE_STR = 11 }; /* "YYYY-MM-DD" plus NUL */

/* Parse exactly "YYYY-MM-DD" (a real calendar day, years 1000..9999). 0 ok, -1 otherwise. */
int date_parse(const char *s, evo_date *out);
/* Write "YYYY-MM-DD" into out[EVO_DATE_STR]; returns out. */
char *date_format(evo_date d, char out[EVO_DATE_STR]);
evo_date date_from_ymd(int y, int m, int d);
/* 0 = Monday ... 6 = Sunday. */
int date_weekday(evo_date d);

#endif
