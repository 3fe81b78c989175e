/* cal.c — the payroll calendar: day numbers, periods, workweeks and business days. */
#include "cal.h"

#include <string.h>

#include "digits.h"

/* Floor division for possibly negative day numbers. */
static int32_t floor_div(int32_t a, int32_t b)
{
    int32_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int cal_days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2)
        return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
    return mdays[m - 1];
}

int cal_valid_ymd(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= cal_days_in_month(y, m);
}

/* Days from civil, after H. Hinnant's public-domain calendar algorithms. */
cal_date cal_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int32_t era = floor_div(y, 400);
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil date of a day number (H. Hinnant's days-to-civil). */
static void civil(cal_date day, int *y, int *m, int *d)
{
    int32_t z = day + 719468;
    int32_t era = floor_div(z, 146097);
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

void cal_to_ymd(cal_date day, int *y, int *m, int *d)
{
    /* a pay run asks about the same few hundred days millions of times: remember them
     * per thread, direct-mapped by day (an entry with ymd 0 is empty) */
    static _Thread_local struct {
        cal_date day;
        uint32_t ymd;           /* year << 9 | month << 5 | day */
    } memo[512];
    unsigned k = (unsigned)day & 511;
    if (memo[k].ymd && memo[k].day == day) {
        *y = (int)(memo[k].ymd >> 9);
        *m = (int)(memo[k].ymd >> 5 & 15);
        *d = (int)(memo[k].ymd & 31);
        return;
    }
    civil(day, y, m, d);
    if (*y > 0 && *y < (1 << 22)) {
        memo[k].day = day;
        memo[k].ymd = (uint32_t)*y << 9 | (uint32_t)*m << 5 | (uint32_t)*d;
    }
}

int cal_format(cal_date day, char out[11])
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    digits_fixed((uint64_t)y, 4, out);
    out[4] = '-';
    memcpy(out + 5, digits_pairs + 2 * m, 2);
    out[7] = '-';
    memcpy(out + 8, digits_pairs + 2 * d, 2);
    out[10] = '\0';
    return 10;
}

/* 1970-01-01 was a Thursday (weekday 4). */
int cal_weekday(cal_date day)
{
    return (int)(day + 4 - floor_div(day + 4, 7) * 7);
}

cal_date cal_week_start(cal_date day) { return day - cal_weekday(day); }

int32_t cal_month_key_ymd(int y, int m) { return y * 12 + (m - 1); }

int32_t cal_month_key(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return cal_month_key_ymd(y, m);
}

int32_t cal_quarter_key(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return y * 4 + (m - 1) / 3;
}

int cal_year(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return y;
}

int cal_fiscal_year(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return m >= 7 ? y : y - 1;
}

int cal_is_period_start(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return d == 1 || d == 16;
}

cal_date cal_period_start(cal_date day)
{
    int y, m, d;
    cal_to_ymd(day, &y, &m, &d);
    return cal_from_ymd(y, m, d <= 15 ? 1 : 16);
}

cal_date cal_period_end(cal_date start)
{
    int y, m, d;
    cal_to_ymd(start, &y, &m, &d);
    return d <= 15 ? cal_from_ymd(y, m, 15) : cal_from_ymd(y, m, cal_days_in_month(y, m));
}

int cal_period_days(cal_date start) { return (int)(cal_period_end(start) - start + 1); }

int cal_age_on(cal_date birth, cal_date on)
{
    int by, bm, bd, y, m, d;
    cal_to_ymd(birth, &by, &bm, &bd);
    cal_to_ymd(on, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

/* Monday-Friday days in [1969-12-28, day): 1969-12-28 (day -4) is a Sunday. */
static int32_t weekdays_before(cal_date day)
{
    int32_t t = day + 4;
    int32_t w = floor_div(t, 7);
    int32_t rem = t - w * 7;            /* days 0..rem-1 of the partial week, 0 = Sunday */
    int32_t partial = rem - 1;
    if (partial < 0)
        partial = 0;
    if (partial > 5)
        partial = 5;
    return w * 5 + partial;
}

/* Number of holidays strictly before day (binary search). */
static size_t holidays_before(const cal_holidays *h, cal_date day)
{
    size_t lo = 0, hi = h ? h->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t cal_business_days_between(cal_date after, cal_date upto, const cal_holidays *h)
{
    if (upto <= after)
        return 0;
    int32_t n = weekdays_before(upto + 1) - weekdays_before(after + 1);
    if (h)
        n -= (int32_t)(holidays_before(h, upto + 1) - holidays_before(h, after + 1));
    return n;
}

int cal_format_hm(int64_t minutes, char *out) { return digits_units(minutes, 60, ':', out); }
