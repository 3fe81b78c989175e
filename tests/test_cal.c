/* test_cal.c — CUnit suite for the payroll calendar (engine/cal.h). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "cal.h"
#include "test_util.h"

static cal_date D(int y, int m, int d) { return cal_from_ymd(y, m, d); }

/* Every day 1900-01-01..2100-12-31 in order: day numbers are consecutive, split back
 * to the same y-m-d, and the weekday advances by one (mod 7). */
static void test_round_trip(void)
{
    long bad = 0, days = 0;
    char first[160] = "";
    cal_date prev = cal_from_ymd(1899, 12, 31);
    int prev_wd = cal_weekday(prev);
    for (int y = 1900; y <= 2100; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= cal_days_in_month(y, m); d++) {
                cal_date day = cal_from_ymd(y, m, d);
                int yy = 0, mm = 0, dd = 0;
                cal_to_ymd(day, &yy, &mm, &dd);
                int wd = cal_weekday(day);
                days++;
                if (day != prev + 1 || yy != y || mm != m || dd != d || wd != (prev_wd + 1) % 7 ||
                    !cal_valid_ymd(y, m, d)) {
                    if (!bad++)
                        snprintf(first, sizeof first, "%04d-%02d-%02d: day %ld (prev %ld) -> %04d-%02d-%02d wd %d",
                                 y, m, d, (long)day, (long)prev, yy, mm, dd, wd);
                }
                prev = day;
                prev_wd = wd;
            }
    char msg[300];
    snprintf(msg, sizeof msg, "round trip 1900..2100: %ld of %ld days wrong, first %s", bad, days, first);
    ASSERT_MSG(bad == 0, msg);
    /* 201 years: 49 leap years (1904..2096 by 4 is 49 years, 2000 included, 1900 and 2100 not) */
    ASSERT_I64(days, 201 * 365 + 49);
    ASSERT_I64(cal_from_ymd(2100, 12, 31) - cal_from_ymd(1900, 1, 1) + 1, 201 * 365 + 49);
}

/* cal_to_ymd remembers recent days by day mod 512: days that share an entry (512
 * apart), asked in a scrambled order again and again, still give their own date. */
static void test_remembered_days(void)
{
    long bad = 0;
    cal_date base = cal_from_ymd(2026, 1, 1);
    unsigned x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        cal_date day = base + (cal_date)(x >> 8) % 4 * 512 + (cal_date)(x >> 20) % 600 - 300;
        int y, m, d;
        cal_to_ymd(day, &y, &m, &d);
        bad += !cal_valid_ymd(y, m, d) || cal_from_ymd(y, m, d) != day;
    }
    ASSERT_I64(bad, 0);
}

static void test_known_day_numbers(void)
{
    int y, m, d;
    ASSERT_I64(D(1970, 1, 1), 0);
    ASSERT_I64(D(1969, 12, 31), -1);
    ASSERT_I64(D(1970, 1, 2), 1);
    /* 2000-01-01 = 30 years incl. 7 leap days (72,76,80,84,88,92,96): 30*365+7 = 10957 */
    ASSERT_I64(D(2000, 1, 1), 10957);
    /* + 31 (January) + 29 (February 2000 is a leap month) */
    ASSERT_I64(D(2000, 3, 1), 11017);
    /* 1900-01-01: 70 years back with 17 leap days (1904..1968): -(70*365+17) */
    ASSERT_I64(D(1900, 1, 1), -25567);
    /* 0001-01-01 is 719162 days before 1970 (proleptic Gregorian ordinal 1 vs 719163) */
    ASSERT_I64(D(1, 1, 1), -719162);
    ASSERT_I64(D(9999, 12, 31), 2932896);
    cal_to_ymd(-719162, &y, &m, &d);
    ASSERT_I64(y * 10000 + m * 100 + d, 10101);
    cal_to_ymd(2932896, &y, &m, &d);
    ASSERT_I64(y * 10000 + m * 100 + d, 99991231);
    cal_to_ymd(-1, &y, &m, &d);
    ASSERT_I64(y * 10000 + m * 100 + d, 19691231);
    cal_to_ymd(11016, &y, &m, &d);
    ASSERT_I64(y * 10000 + m * 100 + d, 20000229);
}

static void test_valid_ymd(void)
{
    CU_ASSERT_TRUE(cal_valid_ymd(2024, 2, 29));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 2, 29));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 2, 30));
    CU_ASSERT_FALSE(cal_valid_ymd(1900, 2, 29));   /* divisible by 100, not by 400 */
    CU_ASSERT_TRUE(cal_valid_ymd(2000, 2, 29));    /* divisible by 400 */
    CU_ASSERT_FALSE(cal_valid_ymd(2100, 2, 29));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 13, 1));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 0, 1));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 1, 0));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 1, 32));
    CU_ASSERT_TRUE(cal_valid_ymd(2026, 1, 31));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, 4, 31));
    CU_ASSERT_TRUE(cal_valid_ymd(2026, 12, 31));
    CU_ASSERT_FALSE(cal_valid_ymd(2026, -1, 1));
    CU_ASSERT_FALSE(cal_valid_ymd(0, 1, 1));
    CU_ASSERT_TRUE(cal_valid_ymd(1, 1, 1));
    CU_ASSERT_TRUE(cal_valid_ymd(9999, 12, 31));
    CU_ASSERT_FALSE(cal_valid_ymd(10000, 1, 1));
    ASSERT_I64(cal_days_in_month(2024, 2), 29);
    ASSERT_I64(cal_days_in_month(2026, 2), 28);
    ASSERT_I64(cal_days_in_month(2026, 11), 30);
    ASSERT_I64(cal_days_in_month(2026, 12), 31);
}

static void test_weekday(void)
{
    /* 2026-01-01 is a Thursday; 2026-11-15 is day 318 after it: 318 = 45*7 + 3 -> Sunday */
    ASSERT_I64(cal_weekday(D(2026, 11, 15)), 0);
    ASSERT_I64(cal_weekday(D(2026, 11, 16)), 1);
    ASSERT_I64(cal_weekday(D(2026, 11, 21)), 6);
    ASSERT_I64(cal_weekday(D(2026, 1, 1)), 4);
    ASSERT_I64(cal_weekday(D(1970, 1, 1)), 4);
    /* before day 0: 1969-12-28 Sunday, 1969-12-27 Saturday */
    ASSERT_I64(cal_weekday(D(1969, 12, 28)), 0);
    ASSERT_I64(cal_weekday(D(1969, 12, 27)), 6);
    ASSERT_I64(cal_weekday(D(1900, 1, 1)), 1);   /* 1900-01-01 was a Monday */
}

static void test_week_start(void)
{
    /* a workweek crossing the two periods of November 2026 */
    for (int d = 15; d <= 21; d++)
        ASSERT_I64(cal_week_start(D(2026, 11, d)), D(2026, 11, 15));
    ASSERT_I64(cal_week_start(D(2026, 11, 22)), D(2026, 11, 22));
    ASSERT_I64(cal_week_start(D(2026, 11, 14)), D(2026, 11, 8));
    /* across months */
    ASSERT_I64(cal_week_start(D(2026, 10, 31)), D(2026, 10, 25));
    ASSERT_I64(cal_week_start(D(2026, 11, 1)), D(2026, 11, 1));
    /* across years: 2026-01-01 is a Thursday */
    ASSERT_I64(cal_week_start(D(2026, 1, 1)), D(2025, 12, 28));
    ASSERT_I64(cal_week_start(D(2026, 1, 3)), D(2025, 12, 28));
    /* negative day numbers */
    ASSERT_I64(cal_week_start(D(1970, 1, 1)), D(1969, 12, 28));
    ASSERT_I64(cal_week_start(D(1969, 12, 27)), D(1969, 12, 21));
}

static void test_periods(void)
{
    ASSERT_I64(cal_period_start(D(2026, 11, 20)), D(2026, 11, 16));
    ASSERT_I64(cal_period_start(D(2026, 11, 16)), D(2026, 11, 16));
    ASSERT_I64(cal_period_start(D(2026, 11, 15)), D(2026, 11, 1));
    ASSERT_I64(cal_period_start(D(2026, 11, 1)), D(2026, 11, 1));
    ASSERT_I64(cal_period_start(D(2026, 11, 30)), D(2026, 11, 16));

    /* second periods: Feb 2024 16-29, Feb 2026 16-28, Nov 16-30, Dec 16-31 */
    ASSERT_I64(cal_period_end(D(2024, 2, 16)), D(2024, 2, 29));
    ASSERT_I64(cal_period_days(D(2024, 2, 16)), 14);
    ASSERT_I64(cal_period_end(D(2026, 2, 16)), D(2026, 2, 28));
    ASSERT_I64(cal_period_days(D(2026, 2, 16)), 13);
    ASSERT_I64(cal_period_end(D(2026, 11, 16)), D(2026, 11, 30));
    ASSERT_I64(cal_period_days(D(2026, 11, 16)), 15);
    ASSERT_I64(cal_period_end(D(2026, 12, 16)), D(2026, 12, 31));
    ASSERT_I64(cal_period_days(D(2026, 12, 16)), 16);
    ASSERT_I64(cal_period_end(D(2026, 11, 1)), D(2026, 11, 15));

    /* first periods are always 15 days; both periods add up to the month */
    int bad = 0;
    char first[80] = "";
    for (int y = 1999; y <= 2101; y++)
        for (int m = 1; m <= 12; m++) {
            int a = cal_period_days(D(y, m, 1)), b = cal_period_days(D(y, m, 16));
            if (a != 15 || a + b != cal_days_in_month(y, m) || cal_period_end(D(y, m, 1)) != D(y, m, 15) ||
                cal_period_end(D(y, m, 16)) + 1 != (m == 12 ? D(y + 1, 1, 1) : D(y, m + 1, 1))) {
                if (!bad++)
                    snprintf(first, sizeof first, "%04d-%02d: %d + %d days", y, m, a, b);
            }
        }
    char msg[160];
    snprintf(msg, sizeof msg, "period lengths 1999..2101: %d months wrong, first %s", bad, first);
    ASSERT_MSG(bad == 0, msg);
}

static void test_is_period_start(void)
{
    CU_ASSERT_TRUE(cal_is_period_start(D(2026, 11, 1)));
    CU_ASSERT_TRUE(cal_is_period_start(D(2026, 11, 16)));
    CU_ASSERT_TRUE(cal_is_period_start(D(2024, 2, 16)));
    CU_ASSERT_FALSE(cal_is_period_start(D(2026, 11, 2)));
    CU_ASSERT_FALSE(cal_is_period_start(D(2026, 11, 5)));
    CU_ASSERT_FALSE(cal_is_period_start(D(2026, 11, 15)));
    CU_ASSERT_FALSE(cal_is_period_start(D(2026, 11, 17)));
    CU_ASSERT_FALSE(cal_is_period_start(D(2026, 12, 31)));
}

static void test_month_quarter_year_keys(void)
{
    /* month key y*12 + (m-1): 2026*12 + 10 = 24322 */
    ASSERT_I64(cal_month_key(D(2026, 11, 20)), 24322);
    ASSERT_I64(cal_month_key_ymd(2026, 11), 24322);
    ASSERT_I64(cal_month_key(D(2026, 11, 1)), 24322);
    ASSERT_I64(cal_month_key(D(2026, 11, 30)), 24322);
    ASSERT_I64(cal_month_key(D(2026, 1, 1)), 24312);
    ASSERT_I64(cal_month_key(D(2025, 12, 31)), 24311);   /* consecutive across the year */
    /* quarter key y*4 + (m-1)/3: 2026*4 = 8104 */
    ASSERT_I64(cal_quarter_key(D(2026, 1, 1)), 8104);
    ASSERT_I64(cal_quarter_key(D(2026, 3, 31)), 8104);
    ASSERT_I64(cal_quarter_key(D(2026, 4, 1)), 8105);
    ASSERT_I64(cal_quarter_key(D(2026, 9, 30)), 8106);
    ASSERT_I64(cal_quarter_key(D(2026, 12, 31)), 8107);
    ASSERT_I64(cal_quarter_key(D(2027, 1, 1)), 8108);
    ASSERT_I64(cal_year(D(2026, 12, 31)), 2026);
    ASSERT_I64(cal_year(D(2027, 1, 1)), 2027);
    ASSERT_I64(cal_year(D(1969, 12, 31)), 1969);
}

static void test_fiscal_year(void)
{
    ASSERT_I64(cal_fiscal_year(D(2026, 6, 30)), 2025);
    ASSERT_I64(cal_fiscal_year(D(2026, 7, 1)), 2026);
    ASSERT_I64(cal_fiscal_year(D(2026, 1, 1)), 2025);
    ASSERT_I64(cal_fiscal_year(D(2026, 12, 31)), 2026);
    ASSERT_I64(cal_fiscal_year(D(2027, 6, 30)), 2026);
}

static void test_age_on(void)
{
    cal_date b = D(1990, 5, 10);
    ASSERT_I64(cal_age_on(b, D(2026, 5, 9)), 35);    /* the day before the 36th birthday */
    ASSERT_I64(cal_age_on(b, D(2026, 5, 10)), 36);   /* on it */
    ASSERT_I64(cal_age_on(b, D(2026, 5, 11)), 36);   /* after it */
    ASSERT_I64(cal_age_on(b, D(2026, 4, 30)), 35);   /* earlier month */
    ASSERT_I64(cal_age_on(b, D(2026, 6, 1)), 36);    /* later month, smaller day */
    ASSERT_I64(cal_age_on(b, b), 0);
    ASSERT_I64(cal_age_on(b, D(1991, 5, 9)), 0);
    ASSERT_I64(cal_age_on(b, D(1991, 5, 10)), 1);
    /* born on February 29: a year older on March 1 in common years */
    cal_date leap = D(2000, 2, 29);
    ASSERT_I64(cal_age_on(leap, D(2027, 2, 28)), 26);
    ASSERT_I64(cal_age_on(leap, D(2027, 3, 1)), 27);
    ASSERT_I64(cal_age_on(leap, D(2028, 2, 28)), 27);
    ASSERT_I64(cal_age_on(leap, D(2028, 2, 29)), 28);
    ASSERT_I64(cal_age_on(leap, D(2028, 3, 1)), 28);
    /* born before 1970 (negative day numbers) */
    ASSERT_I64(cal_age_on(D(1938, 4, 22), D(2026, 4, 21)), 87);
    ASSERT_I64(cal_age_on(D(1938, 4, 22), D(2026, 4, 22)), 88);
}

/* Business days in (after, upto] counted one day at a time. */
static int32_t naive_business_days(cal_date after, cal_date upto, const cal_holidays *h)
{
    int32_t n = 0;
    for (cal_date d = after + 1; d <= upto; d++) {
        int wd = cal_weekday(d), hol = 0;
        for (size_t i = 0; h && i < h->n; i++)
            hol |= h->days[i] == d;
        n += wd >= 1 && wd <= 5 && !hol;
    }
    return n;
}

static void test_business_days(void)
{
    cal_date fri = D(2026, 11, 13), mon = D(2026, 11, 16);
    /* Fri -> Mon: Sat, Sun, Mon -> 1 */
    ASSERT_I64(cal_business_days_between(fri, mon, NULL), 1);
    cal_date mon_holiday[] = {D(2026, 11, 16)};
    cal_holidays h1 = {mon_holiday, 1};
    ASSERT_I64(cal_business_days_between(fri, mon, &h1), 0);
    /* (after, upto]: the start day never counts, the end day does */
    ASSERT_I64(cal_business_days_between(mon, mon, NULL), 0);
    ASSERT_I64(cal_business_days_between(mon, fri, NULL), 0);       /* upto before after */
    ASSERT_I64(cal_business_days_between(D(2026, 11, 12), fri, NULL), 1);
    ASSERT_I64(cal_business_days_between(fri, D(2026, 11, 20), NULL), 5);
    /* a holiday on the start day does not matter; on the end day it does */
    cal_date fri_holiday[] = {D(2026, 11, 13)};
    cal_holidays h2 = {fri_holiday, 1};
    ASSERT_I64(cal_business_days_between(fri, D(2026, 11, 20), &h2), 5);
    ASSERT_I64(cal_business_days_between(D(2026, 11, 12), fri, &h2), 0);
    /* Nov 2026: Sun 1 .. Mon 30. Weekdays: 2-6, 9-13, 16-20, 23-27, 30 = 21;
     * minus holidays Wed 11, Thu 26, Fri 27 = 18 */
    cal_date nov[] = {D(2026, 11, 11), D(2026, 11, 26), D(2026, 11, 27)};
    cal_holidays hn = {nov, 3};
    ASSERT_I64(cal_business_days_between(D(2026, 10, 31), D(2026, 11, 30), NULL), 21);
    ASSERT_I64(cal_business_days_between(D(2026, 10, 31), D(2026, 11, 30), &hn), 18);
    cal_holidays empty = {NULL, 0};
    ASSERT_I64(cal_business_days_between(D(2026, 10, 31), D(2026, 11, 30), &empty), 21);
    /* across 1970-01-01: (Fri 1969-12-26, Mon 1970-01-05] = Dec 29, 30, 31, Jan 1, 2, 5 = 6 */
    ASSERT_I64(cal_business_days_between(D(1969, 12, 26), D(1970, 1, 5), NULL), 6);
    /* a year: 2026 has 365 days = 52 weeks + Thu Jan 1 -> 52*5 + 1 = 261 weekdays */
    ASSERT_I64(cal_business_days_between(D(2025, 12, 31), D(2026, 12, 31), NULL), 261);

    /* every pair of days in Oct 2026 .. Jan 2027 (and around 1970) against a day-by-day count */
    cal_date hol[] = {D(1969, 12, 31), D(1970, 1, 1), D(2026, 10, 12), D(2026, 11, 11), D(2026, 11, 26),
                      D(2026, 11, 27), D(2026, 12, 25), D(2027, 1, 1)};
    cal_holidays hh = {hol, sizeof hol / sizeof hol[0]};
    long bad = 0, n = 0;
    char first[120] = "";
    cal_date ranges[][2] = {{D(2026, 9, 25), D(2027, 1, 10)}, {D(1969, 12, 1), D(1970, 1, 20)}};
    for (int r = 0; r < 2; r++)
        for (cal_date a = ranges[r][0]; a <= ranges[r][1]; a++)
            for (cal_date b = a - 10; b <= ranges[r][1]; b++) {
                int32_t got = cal_business_days_between(a, b, &hh), want = naive_business_days(a, b, &hh);
                n++;
                if (got != want && !bad++) {
                    char sa[11], sb[11];
                    cal_format(a, sa);
                    cal_format(b, sb);
                    snprintf(first, sizeof first, "(%s, %s]: %ld, expected %ld", sa, sb, (long)got, (long)want);
                }
            }
    char msg[240];
    snprintf(msg, sizeof msg, "business days vs a day-by-day count: %ld of %ld intervals wrong, first %s", bad, n, first);
    ASSERT_MSG(bad == 0, msg);
}

static void test_format(void)
{
    char b[32];
    memset(b, 'z', sizeof b);
    ASSERT_I64(cal_format(D(2026, 11, 5), b), 10);
    ASSERT_STR(b, "2026-11-05");
    cal_format(D(1, 1, 1), b);
    ASSERT_STR(b, "0001-01-01");
    cal_format(D(9999, 12, 31), b);
    ASSERT_STR(b, "9999-12-31");
    cal_format(-1, b);
    ASSERT_STR(b, "1969-12-31");
    cal_format(D(2024, 2, 29), b);
    ASSERT_STR(b, "2024-02-29");
}

static void test_format_hm(void)
{
    char b[32];
    ASSERT_I64(cal_format_hm(6, b), 4);
    ASSERT_STR(b, "0:06");
    cal_format_hm(89 * 60, b);
    ASSERT_STR(b, "89:00");
    ASSERT_I64(cal_format_hm(283 * 60, b), 6);
    ASSERT_STR(b, "283:00");
    cal_format_hm(0, b);
    ASSERT_STR(b, "0:00");
    cal_format_hm(450, b);
    ASSERT_STR(b, "7:30");
    cal_format_hm(59, b);
    ASSERT_STR(b, "0:59");
    cal_format_hm(60, b);
    ASSERT_STR(b, "1:00");
    cal_format_hm(-90, b);
    ASSERT_STR(b, "-1:30");
    cal_format_hm(-6, b);
    ASSERT_STR(b, "-0:06");
    /* INT64_MIN = -9223372036854775808 = -(153722867280912930 * 60 + 8) */
    ASSERT_I64(cal_format_hm(INT64_MIN, b), 22);
    ASSERT_STR(b, "-153722867280912930:08");
    /* INT64_MAX = 153722867280912930 * 60 + 7 */
    cal_format_hm(INT64_MAX, b);
    ASSERT_STR(b, "153722867280912930:07");
}

/* Years outside the day memo (1 to 2^22 - 1): year 0 (a leap year, 0000-02-29) and year
 * 2^22 = 4194304 convert both ways, twice; business days without a holiday list. */
static void test_far_years(void)
{
    static const int ymd[][3] = {{0, 2, 29}, {4194304, 1, 1}, {-1, 12, 31}};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof ymd / sizeof ymd[0]; i++) {
            int y, m, d;
            cal_to_ymd(cal_from_ymd(ymd[i][0], ymd[i][1], ymd[i][2]), &y, &m, &d);
            ASSERT_I64(y, ymd[i][0]);
            ASSERT_I64(m, ymd[i][1]);
            ASSERT_I64(d, ymd[i][2]);
        }
    /* (Friday 2026-11-06, Friday 2026-11-13]: Monday to Friday, 5 business days */
    ASSERT_I64(cal_business_days_between(cal_from_ymd(2026, 11, 6), cal_from_ymd(2026, 11, 13), NULL), 5);
}

int test_cal_register(void)
{
    static const tu_test tests[] = {
        {"years outside the memo; business days without holidays", test_far_years},
        {"round trip 1900-2100", test_round_trip},
        {"remembered days give their own date", test_remembered_days},
        {"known day numbers", test_known_day_numbers},
        {"cal_valid_ymd", test_valid_ymd},
        {"cal_weekday", test_weekday},
        {"cal_week_start across periods, months, years", test_week_start},
        {"pay periods", test_periods},
        {"cal_is_period_start", test_is_period_start},
        {"month, quarter, year keys", test_month_quarter_year_keys},
        {"cal_fiscal_year", test_fiscal_year},
        {"cal_age_on", test_age_on},
        {"cal_business_days_between", test_business_days},
        {"cal_format", test_format},
        {"cal_format_hm", test_format_hm},
    };
    return tu_register("cal", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
