/* cal.h — the payroll calendar: dates, pay periods, workweeks, quarters, fiscal years, business days. */
#ifndef PAYRUN_CAL_H
#define PAYRUN_CAL_H

#include <stddef.h>
#include <stdint.h>

/* A date is a day number: days since 1970-01-01 (negative before it). */
typedef int32_t cal_date;

/* Sentinel for "no date" (an empty optional date column). */
#define CAL_NONE INT32_MIN
/* Sentinel for "open ended" (an assignment with no end_date). */
#define CAL_OPEN INT32_MAX

/* True when y-m-d is a real calendar date with 1 <= y <= 9999. */
int cal_valid_ymd(int y, int m, int d);
/* Day number of a valid y-m-d (the caller checks validity first). */
cal_date cal_from_ymd(int y, int m, int d);
/* Splits a day number into year, month (1-12) and day (1-31). */
void cal_to_ymd(cal_date day, int *y, int *m, int *d);
/* Writes YYYY-MM-DD and a NUL into out[11]; returns 10. */
int cal_format(cal_date day, char out[11]);

int cal_days_in_month(int y, int m);
/* 0 = Sunday ... 6 = Saturday. */
int cal_weekday(cal_date day);
/* The Sunday that starts the workweek holding day (docs/rules.md §3). */
cal_date cal_week_start(cal_date day);

/* Month key: y*12 + (m-1); the service month of a period. */
int32_t cal_month_key(cal_date day);
int32_t cal_month_key_ymd(int y, int m);
/* Calendar quarter key: y*4 + (m-1)/3 (SDI quarter, by pay date). */
int32_t cal_quarter_key(cal_date day);
int cal_year(cal_date day);
/* The state fiscal year holding day, named by the year it starts in (July 1). */
int cal_fiscal_year(cal_date day);

/* True when day is the 1st or 16th of its month (a pay period's first day). */
int cal_is_period_start(cal_date day);
/* First day of the pay period holding day. */
cal_date cal_period_start(cal_date day);
/* Last day of the pay period that starts on start. */
cal_date cal_period_end(cal_date start);
/* Number of days (13-16) of the pay period that starts on start. */
int cal_period_days(cal_date start);

/* Age in whole years on date on; a February 29 birthday counts on March 1 in common years. */
int cal_age_on(cal_date birth, cal_date on);

/* Holidays as a sorted set of weekday dates (weekend dates never reduce business days). */
typedef struct {
    const cal_date *days;   /* ascending, weekdays only */
    size_t n;
} cal_holidays;

/* Business days (Monday-Friday, not a holiday) in the interval (after, upto]; 0 when upto <= after. */
int32_t cal_business_days_between(cal_date after, cal_date upto, const cal_holidays *h);

/* Writes a duration in minutes as H:MM ("89:00", "0:06", "-1:30") into out (>= 24 bytes). */
int cal_format_hm(int64_t minutes, char *out);
#endif
