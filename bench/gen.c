/* gen.c — deterministic synthetic IHSS data: masters, parameters and a timesheet file of M rows;
 * or (--year) a year of nightly runs, each with its own masters and timesheets. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* usage: gen --out DIR [--providers N] [--rows M] [--seed S]
 * Writes the CSV files of DIR/data (parameters, providers, recipients, authorizations,
 * assignments, overpayments, holidays, withholding: see write_withholding) and
 * DIR/timesheets.csv. Most pairs are 1:1; every 10th recipient has a second provider,
 * every 7th provider a second recipient; every 20th assignment is BUPS; family
 * relationships, SOC and union members are spread over the set. Rows cycle over the pairs and the six pay
 * periods 2026-09-01 .. 2026-11-16, so ids and periods stay distinct, all received
 * 2026-12-01..03 (a nightly drop paid on 2026-12-04); about 1% of rows carry each
 * kind of error. The same arguments always give the same bytes.
 *
 * usage: gen --year --out DIR [--providers N] [--seed S] [--nights K] [--start YYYY-MM-01]
 * A year of semi-monthly nights (K = 24 by default, from 2026-01-01): see year_main below. */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int below(int n) { return (int)(rnd() % (uint64_t)n); }

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static const char *const counties[] = {"alameda", "fresno", "los_angeles", "sacramento", "san_diego"};
static const char *const wages[] = {"19.00", "17.25", "20.15", "19.60", "18.75"};
#define NCOUNTIES 5

/* The 2026 withholding rows of SPEC-withholding A.2, byte for byte as in fixtures/demo/parameters.csv
 * (docs/formats.md: the IRS Pub 15-T and EDD Method B tables). */
static const char withholding_2026[] =
    "fit.standard_adjustment_married,*,2026-01-01,12900.00,\"IRS Pub 15-T (2026) Worksheet 1A line 1g: $12,900 "
        "if married filing jointly (box in Step 2 not checked)\"\n"
    "fit.standard_adjustment_other,*,2026-01-01,8600.00,\"IRS Pub 15-T (2026) Worksheet 1A line 1g: $8,600 "
        "otherwise\"\n"
    "fit.pre2020_allowance,*,2026-01-01,4300.00,\"IRS Pub 15-T (2026) Worksheet 1A line 1k: allowances on a "
        "2019-or-earlier Form W-4 x $4,300\"\n"
    "fit.schedule_single,*,2026-01-01,0=0+0; 7500=0+0.10; 19900=1240+0.12; 57900=5800+0.22; 113200=17966+0.24; "
        "209275=41024+0.32; 263725=58448+0.35; 648100=192979.25+0.37,\"IRS Pub 15-T (2026) Annual Percentage Method "
        "Tables for Automated Payroll Systems, STANDARD schedule, Single or Married Filing Separately\"\n"
    "fit.schedule_married,*,2026-01-01,0=0+0; 19300=0+0.10; 44100=2480+0.12; 120100=11600+0.22; "
        "230700=35932+0.24; 422850=82048+0.32; 531750=116896+0.35; 788000=206583.50+0.37,\"IRS Pub 15-T (2026) "
        "Annual Percentage Method Tables for Automated Payroll Systems, STANDARD schedule, Married Filing Jointly\"\n"
    "fit.schedule_head,*,2026-01-01,0=0+0; 15550=0+0.10; 33250=1770+0.12; 83000=7740+0.22; 121250=16155+0.24; "
        "217300=39207+0.32; 271750=56631+0.35; 656150=191171+0.37,\"IRS Pub 15-T (2026) Annual Percentage Method "
        "Tables for Automated Payroll Systems, STANDARD schedule, Head of Household\"\n"
    "fit.schedule_step2_single,*,2026-01-01,0=0+0; 8050=0+0.10; 14250=620+0.12; 33250=2900+0.22; "
        "60900=8983+0.24; 108938=20512+0.32; 136163=29224+0.35; 328350=96489.63+0.37,\"IRS Pub 15-T (2026) Annual "
        "Percentage Method Tables for Automated Payroll Systems, Form W-4 Step 2 Checkbox schedule, Single or "
        "Married Filing Separately\"\n"
    "fit.schedule_step2_married,*,2026-01-01,0=0+0; 16100=0+0.10; 28500=1240+0.12; 66500=5800+0.22; "
        "121800=17966+0.24; 217875=41024+0.32; 272325=58448+0.35; 400450=103291.75+0.37,\"IRS Pub 15-T (2026) Annual "
        "Percentage Method Tables for Automated Payroll Systems, Form W-4 Step 2 Checkbox schedule, Married Filing "
        "Jointly\"\n"
    "fit.schedule_step2_head,*,2026-01-01,0=0+0; 12075=0+0.10; 20925=885+0.12; 45800=3870+0.22; "
        "64925=8077.50+0.24; 112950=19603.50+0.32; 140175=28315.50+0.35; 332375=95585.50+0.37,\"IRS Pub 15-T (2026) "
        "Annual Percentage Method Tables for Automated Payroll Systems, Form W-4 Step 2 Checkbox schedule, Head of "
        "Household\"\n"
    "sit.low_income_single,*,2026-01-01,787,\"EDD California Withholding Schedules for 2026, Method B, Table 1 "
        "Low Income Exemption, semi-monthly, Single/Dual Income Married/Married with Multiple Employers\"\n"
    "sit.low_income_married_0_1,*,2026-01-01,787,\"EDD 2026 Method B Table 1, semi-monthly, Married, allowances "
        "0 or 1\"\n"
    "sit.low_income_married_2,*,2026-01-01,1575,\"EDD 2026 Method B Table 1, semi-monthly, Married, allowances 2 "
        "or more\"\n"
    "sit.low_income_head,*,2026-01-01,1575,\"EDD 2026 Method B Table 1, semi-monthly, Unmarried Head of "
        "Household\"\n"
    "sit.standard_deduction_single,*,2026-01-01,238,\"EDD 2026 Method B Table 3 Standard Deduction, "
        "semi-monthly, Single/Dual Income Married/Married with Multiple Employers\"\n"
    "sit.standard_deduction_married_0_1,*,2026-01-01,238,\"EDD 2026 Method B Table 3, semi-monthly, Married, "
        "allowances 0 or 1\"\n"
    "sit.standard_deduction_married_2,*,2026-01-01,476,\"EDD 2026 Method B Table 3, semi-monthly, Married, "
        "allowances 2 or more\"\n"
    "sit.standard_deduction_head,*,2026-01-01,476,\"EDD 2026 Method B Table 3, semi-monthly, Unmarried Head of "
        "Household\"\n"
    "sit.estimated_deduction,*,2026-01-01,1=42; 2=83; 3=125; 4=167; 5=208; 6=250; 7=292; 8=333; 9=375; "
        "10=417,\"EDD 2026 Method B Table 2 Estimated Deduction, semi-monthly (over 10: count x the amount for 1)\"\n"
    "sit.exemption_allowance,*,2026-01-01,1=7.01; 2=14.03; 3=21.04; 4=28.05; 5=35.06; 6=42.08; 7=49.09; 8=56.10; "
        "9=63.11; 10=70.13,\"EDD 2026 Method B Table 4 Exemption Allowance (tax credit), semi-monthly (over 10: "
        "count x the amount for 1)\"\n"
    "sit.schedule_single,*,2026-01-01,0=0+0.011; 462=5.08+0.022; 1094=18.98+0.044; 1727=46.83+0.066; "
        "2398=91.12+0.088; 3030=146.74+0.1023; 15478=1420.17+0.1133; 18574=1770.95+0.1243; 30956=3310.03+0.1353; "
        "41667=4759.23+0.1463,\"EDD 2026 Method B Table 17 Semi-monthly, Single/Dual Income Married/Married with "
        "Multiple Employers\"\n"
    "sit.schedule_married,*,2026-01-01,0=0+0.011; 924=10.16+0.022; 2188=37.97+0.044; 3454=93.67+0.066; "
        "4796=182.24+0.088; 6060=293.47+0.1023; 30956=2840.33+0.1133; 37148=3541.88+0.1243; 41667=4103.59+0.1353; "
        "61913=6842.87+0.1463,\"EDD 2026 Method B Table 18 Semi-monthly, Married\"\n"
    "sit.schedule_head,*,2026-01-01,0=0+0.011; 924=10.16+0.022; 2189=37.99+0.044; 2822=65.84+0.066; "
        "3492=110.06+0.088; 4125=165.76+0.1023; 21050=1897.19+0.1133; 25260=2374.18+0.1243; 41667=4413.57+0.1353; "
        "42101=4472.29+0.1463,\"EDD 2026 Method B Table 19 Semi-monthly, Unmarried Head of Household\"\n";

static void write_parameters(const char *dir, int fixed_holidays)
{
    FILE *f = open_out(dir, "parameters.csv");
    fputs("parameter,scope,effective_from,value,reference\n", f);
    for (int c = 0; c < NCOUNTIES; c++)
        fprintf(f, "wage.hourly,%s,2025-01-01,%s,illustrative generated wage\n", counties[c], wages[c]);
    fputs("overtime.multiplier,*,2025-01-01,1.5,FLSA one and one-half times\n"
          "overtime.weekly_threshold,*,2025-01-01,40:00,W&I Code 12300.4\n"
          "bups.differential,*,2025-01-01,2.00,seed 004\n"
          "bups.annual_hours,*,2025-01-01,80:00,seed 004\n"
          "bups.annual_hours_exception,*,2025-01-01,160:00,seed 004\n"
          "workweek.multi_recipient_max,*,2025-01-01,66:00,seed 004\n"
          "workweek.single_recipient_max,*,2025-01-01,70:45,seed 004\n"
          "workweek.exemption_max,*,2025-01-01,90:00,seed 004\n"
          "workweek.exemption_monthly_max,*,2025-01-01,360:00,seed 004\n"
          "fica.ss_rate,*,2025-01-01,0.062,IRS Pub 15\n"
          "fica.ss_wage_base,*,2026-01-01,184500.00,IRS Pub 15 (2026)\n"
          "fica.medicare_rate,*,2025-01-01,0.0145,IRS Pub 15\n"
          "fica.medicare_additional_rate,*,2025-01-01,0.009,IRS Pub 15\n"
          "fica.medicare_additional_threshold,*,2025-01-01,200000.00,IRS Pub 15\n"
          "sdi.rate,*,2026-01-01,0.013,EDD DE 44 (2026)\n"
          "sdi.wage_ceiling,*,2026-01-01,,EDD: no ceiling\n"
          "sdi.quarter_threshold,*,2025-01-01,750.00,seed 003\n"
          "union.dues_scale,*,2025-01-01,0:00=10.30; 25:01=15.90; 50:01=21.80; 80:01=29.50; 149:01=40.70,illustrative\n"
          "union.hours_threshold,*,2025-01-01,15:00,seed 003\n"
          "payment.business_days,*,2025-01-01,10,seed 003\n"
          "correction.per_check_max,*,2025-01-01,50.00,illustrative\n",
          f);
    fputs(withholding_2026, f);
    fclose(f);
    if (!fixed_holidays)
        return;
    f = open_out(dir, "holidays.csv");
    fputs("date,name\n2026-09-07,Labor Day\n2026-09-25,Native American Day\n2026-11-11,Veterans Day\n"
          "2026-11-26,Thanksgiving Day\n2026-11-27,Day after Thanksgiving\n2026-12-25,Christmas Day\n",
          f);
    fclose(f);
}

/* The six periods rows cycle over: first day (1 or 16), month, days in the period. */
static const struct {
    int month, first, days;
} periods[] = {{9, 1, 15}, {9, 16, 15}, {10, 1, 15}, {10, 16, 16}, {11, 1, 15}, {11, 16, 15}};

static void hours_cell(FILE *f, int minutes, int tenths)
{
    if (minutes == 0) {
        fputs(below(3) == 0 ? "x" : "", f);
    } else if (tenths && minutes % 6 == 0) {
        fprintf(f, "%d.%d", minutes / 60, minutes % 60 / 6);
    } else {
        fprintf(f, "%d:%02d", minutes / 60, minutes % 60);
    }
}

/* The day cells d01..d16 and the total of one timesheet row: days lo..hi (0 = the
 * period's first) of its ndays may hold hours, each with chance `chance` in `of`;
 * err 7, 8 and 9 plant a 25:00 day, a bad cell and a wrong total. */
static void day_cells(FILE *f, int ndays, long lo, long hi, int of, int chance, int err)
{
    int tenths = below(4) == 0, total = 0;
    for (int d = 0; d < 16; d++) {
        int minutes = 0;
        if (d < ndays && d >= lo && d <= hi && below(of) < chance)
            minutes = (below(4) == 0 ? 6 * (1 + below(60)) : 30 * (2 + below(16)));
        if (err == 7 && d == 2)
            minutes = 25 * 60;
        fputc(',', f);
        if (err == 8 && d == 3)
            fputs("abc", f);
        else
            hours_cell(f, minutes, tenths);
        total += minutes;
    }
    if (below(2) == 0)
        fprintf(f, ",%d:%02d\n", (total + (err == 9 ? 60 : 0)) / 60, (total + (err == 9 ? 60 : 0)) % 60);
    else
        fputs(",\n", f);
}

/* ---- withholding.csv (docs/formats.md; SPEC-withholding A.1) ----
 *
 * About 8% of providers have filed a Form W-4 and/or a DE 4. Their rows come from a stream of
 * their own (wh_rnd), seeded from --seed and the provider's number, never from rnd(): every
 * other file keeps the bytes it had before withholding.csv was written, and the year mode
 * writes the same rows for a provider every night without keeping them. Of those providers:
 *  - 80%: one row in force on the run dates; 12%: two rows, the second taking effect within
 *    the data's range (the row in force changes); 4%: a row in force and a second taking
 *    effect after every run date; 4%: one row only, after every run date (nothing withheld);
 *  - each row: 8% `fed_status=none` with a California row, 10% the reverse, 2% none at all;
 *  - a W-4 (one in five from 2019 or earlier: single or married, 0-5 allowances, one in ten
 *    with a line 6 extra; otherwise single 50%, married 35%, head 15%, the Step 2 box 15%,
 *    Step 3 dependents in 2,200.00 a child (head 80%, married 40%, single 10%), 4(a) 10%,
 *    4(b) 8%, 4(c) 15%);
 *  - a DE 4 (mostly the W-4's status; 0-12 regular allowances, most 0-2; 0-3 additional
 *    ones in one row of five; a line 2 extra in one of ten). A zero count is written empty
 *    or `0`, a whole amount now and then without decimals (`4400`), as a county keys them. */

static long days_from_civil(long y, int m, int d);
static char *day_str(long day, char buf[16]);

static uint64_t wh_state;

static uint64_t wh_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* splitmix64, on its own state */
static uint64_t wh_rnd(void) { return wh_mix(wh_state += 0x9E3779B97F4A7C15ULL); }

static int wh_below(int n) { return (int)(wh_rnd() % (uint64_t)n); }

/* the stream of provider p under --seed: a start of its own, unrelated to p-1's or p+1's */
static void wh_seed(unsigned long long seed, long p)
{
    wh_state = wh_mix(wh_mix(seed ^ 0x57483432ULL) ^ wh_mix((uint64_t)p + 1));
}

static const char wh_header[] = "provider_id,effective_from,fed_status,fed_w4,fed_multiple_jobs,fed_dependents,"
                                "fed_other_income,fed_deductions,fed_extra,fed_allowances,ca_status,ca_allowances,"
                                "ca_additional_allowances,ca_extra\n";
static const char *const wh_status_names[] = {"none", "single", "married", "head"};

/* An amount cell (docs/formats.md "money") of `cents` into buf, or empty for 0 when
 * `chance` in 100 says none is given: "25.00", a whole one in four as "4400". Cannot fail. */
static char *wh_money(char buf[24], int chance, long cents)
{
    if (wh_below(100) >= chance)
        buf[0] = '\0';
    else if (cents % 100 == 0 && wh_below(4) == 0)
        snprintf(buf, 24, "%ld", cents / 100);
    else
        snprintf(buf, 24, "%ld.%02ld", cents / 100, cents % 100);
    return buf;
}

/* A count cell: n, with 0 written empty half the time. Cannot fail. */
static char *wh_count(char buf[8], int n)
{
    if (n == 0 && wh_below(2))
        buf[0] = '\0';
    else
        snprintf(buf, 8, "%d", n);
    return buf;
}

/* The 8 cells fed_status .. fed_allowances of one W-4 (none when `none`) into out (at least
 * 160 bytes); returns the status (0 none, 1 single, 2 married, 3 head). Cannot fail. */
static int wh_federal(char *out, size_t size, int none)
{
    char dep[24], oth[24], ded[24], extra[24];
    if (none) {
        snprintf(out, size, "none,,,,,,,");
        return 0;
    }
    if (wh_below(5) == 0) { /* a W-4 of 2019 or earlier: no head of household, no Steps 2-4 */
        int st = 1 + wh_below(2), allowances = wh_below(6);
        wh_money(extra, 10, 500L * (1 + wh_below(10)));
        snprintf(out, size, "%s,pre2020,,,,,%s,%d", wh_status_names[st], extra, allowances);
        return st;
    }
    int r = wh_below(100), st = r < 50 ? 1 : r < 85 ? 2 : 3;
    char step2 = wh_below(100) < 15 ? 'y' : 'n';
    /* one draw per statement: the order of two in one expression is the compiler's */
    long children = 1 + wh_below(3), others = wh_below(2);
    wh_money(dep, st == 3 ? 80 : st == 2 ? 40 : 10, 100L * (2200 * children + 500 * others));
    wh_money(oth, 10, 10000L * (10 + wh_below(240)));
    wh_money(ded, 8, 10000L * (20 + wh_below(180)));
    long dollars = 5 + wh_below(96), cents = wh_below(4) == 0 ? 50 : 0;
    wh_money(extra, 15, 100L * dollars + cents);
    snprintf(out, size, "%s,2020,%c,%s,%s,%s,%s,", wh_status_names[st], step2, dep, oth, ded, extra);
    return st;
}

/* The 4 cells ca_status .. ca_extra of one DE 4 (none when `none`; mostly the W-4's status
 * `fed`, 0 = none) into out (at least 64 bytes). Cannot fail. */
static void wh_california(char *out, size_t size, int none, int fed)
{
    char reg[8], add[8], extra[24];
    if (none) {
        snprintf(out, size, "none,,,");
        return;
    }
    int r = wh_below(100), st = r < 55 ? 1 : r < 85 ? 2 : 3;
    if (fed && wh_below(10) < 7)
        st = fed;
    int a = wh_below(100);
    int n = a < 25 ? 0 : a < 55 ? 1 : a < 75 ? 2 : a < 90 ? 3 + wh_below(3) : 6 + wh_below(7);
    wh_count(reg, n);
    wh_count(add, wh_below(5) == 0 ? 1 + wh_below(3) : 0);
    wh_money(extra, 10, 100L * (5 + wh_below(36)));
    snprintf(out, size, "%s,%s,%s,%s", wh_status_names[st], reg, add, extra);
}

/* The days a provider's rows take effect (days since 1970-01-01): a first row from first_lo to
 * first_hi, a second one that replaces it from change_lo to hi (the last run date), and rows
 * that are not in force yet from `after` (past every run date) to after + 180. */
typedef struct {
    long first_lo, first_hi, change_lo, hi, after;
} wh_span;

static long wh_day(long lo, long hi) { return hi <= lo ? lo : lo + wh_below((int)(hi - lo + 1)); }

/* One row: provider p from `day` on, a new W-4 and DE 4. Cannot fail (write errors show at fclose). */
static void wh_row(FILE *f, long p, long day)
{
    char date[16], fed[160], ca[64];
    int k = wh_below(100);
    int st = wh_federal(fed, sizeof fed, k < 8 || k >= 98);
    wh_california(ca, sizeof ca, k >= 8 && k < 18 ? 1 : k >= 98, st);
    fprintf(f, "P%07ld,%s,%s,%s\n", p, day_str(day, date), fed, ca);
}

/* The rows of provider p under --seed (none for about 92% of providers), in date order; two
 * rows never share a date. Cannot fail. */
static void wh_provider(FILE *f, unsigned long long seed, long p, const wh_span *s)
{
    wh_seed(seed, p);
    if (wh_below(1000) >= 80)
        return;
    int u = wh_below(100);
    if (u >= 96) { /* filed, not in force yet */
        wh_row(f, p, wh_day(s->after, s->after + 180));
        return;
    }
    if (u >= 80 && u < 92) { /* a form, then a new one within the data's range */
        long first = wh_day(s->first_lo, s->first_hi < s->change_lo ? s->first_hi : s->change_lo - 1);
        long second = wh_day(first + 1 > s->change_lo ? first + 1 : s->change_lo, s->hi);
        wh_row(f, p, first);
        wh_row(f, p, second);
        return;
    }
    long first = wh_day(s->first_lo, s->first_hi), later = first + 1 > s->after ? first + 1 : s->after;
    wh_row(f, p, first);
    if (u >= 92) /* and a new form from after the run dates */
        wh_row(f, p, wh_day(later, later + 180));
}

/* Closes f, a file of dir; exits 1 (gen's failure) when a write to it failed. */
static void close_out(FILE *f, const char *dir, const char *name)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "gen: %s/%s: %s\n", dir, name, strerror(errno));
        exit(1);
    }
}

/* withholding.csv of the mode below into dir: providers 0..n-1; first forms from 2025-01-01
 * to 2026-11-30, changes from 2026-09-01 (the first period) to the run date 2026-12-04, rows
 * not in force yet from 2027-01-01 (after every run date the tests use). Exits 1 when the
 * file cannot be written. */
static void write_withholding(const char *dir, unsigned long long seed, long providers)
{
    wh_span s = {days_from_civil(2025, 1, 1), days_from_civil(2026, 11, 30), days_from_civil(2026, 9, 1),
                 days_from_civil(2026, 12, 4), days_from_civil(2027, 1, 1)};
    FILE *f = open_out(dir, "withholding.csv");
    fputs(wh_header, f);
    for (long p = 0; p < providers; p++)
        wh_provider(f, seed, p, &s);
    close_out(f, dir, "withholding.csv");
}

static int year_main(int argc, char **argv);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--year") == 0)
            return year_main(argc, argv);
    const char *out = NULL;
    long providers = 1000, rows = 10000;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--providers") == 0 && i + 1 < argc)
            providers = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: gen --out DIR [--providers N] [--rows M] [--seed S]\n"
                            "       gen --year --out DIR [--providers N] [--seed S] [--nights K] [--start DATE]\n");
            return 1;
        }
    }
    if (!out || providers < 10 || rows < 1) {
        fprintf(stderr, "usage: gen --out DIR [--providers N>=10] [--rows M] [--seed S]\n");
        return 1;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    char data[4096];
    snprintf(data, sizeof data, "%s/data", out);
    mkdir(out, 0755);
    mkdir(data, 0755);
    write_parameters(data, 1);

    long recipients = providers;
    FILE *f = open_out(data, "providers.csv");
    fputs("provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n", f);
    for (long p = 0; p < providers; p++)
        fprintf(f, "P%07ld,Provider %ld,%s,%s,%c,%c,%c\n", p, p, counties[p % NCOUNTIES],
                p % 101 == 5 ? "pending" : "complete", p % 13 == 0 ? 'y' : 'n', p % 4 ? 'y' : 'n',
                p % 97 == 3 ? 'y' : 'n');
    fclose(f);
    f = open_out(data, "recipients.csv");
    fputs("recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n", f);
    for (long r = 0; r < recipients; r++)
        fprintf(f, "R%07ld,Recipient %ld,%s,%d-%02d-%02d,%c,%c,%s\n", r, r, counties[r % NCOUNTIES],
                1930 + (int)(r % 90), 1 + (int)(r % 12), 1 + (int)(r % 28), r % 9 == 0 ? 'y' : 'n',
                r % 18 == 0 ? 'y' : 'n', r % 211 == 7 ? "2026-10-01" : "");
    fclose(f);
    f = open_out(data, "authorizations.csv");
    fputs("recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n", f);
    for (long r = 0; r < recipients; r++)
        for (int m = 9; m <= 11; m++)
            fprintf(f, "R%07ld,2026-%02d,%d:00,%s,%s,%c\n", r, m, 60 + (int)(r * 7 % 220),
                    r % 15 == 0 ? "200.00" : "0.00", r % 15 == 0 ? "110.00" : "0.00", r % 300 == 11 ? 'n' : 'y');
    fclose(f);

    /* pairs: provider p <-> recipient p; every 10th recipient also has provider p+1;
     * every 7th provider also works for recipient p+3 */
    f = open_out(data, "assignments.csv");
    fputs("provider_id,recipient_id,relationship,backup,start_date,end_date\n", f);
    long npairs = 0, cap = providers * 2 + 16;
    long *pp = malloc(sizeof *pp * (size_t)cap), *pr = malloc(sizeof *pr * (size_t)cap);
    static const char *const rel[] = {"other", "other", "other", "other", "parent", "spouse", "child", "other"};
    for (long p = 0; p < providers; p++) {
        pp[npairs] = p;
        pr[npairs++] = p;
        fprintf(f, "P%07ld,R%07ld,%s,%s,2025-01-01,\n", p, p, rel[p % 8], p % 20 == 0 ? "bups" : "no");
        if (p % 10 == 0 && p + 1 < providers) {
            pp[npairs] = p + 1;
            pr[npairs++] = p;
            fprintf(f, "P%07ld,R%07ld,other,no,2025-01-01,\n", p + 1, p);
        }
        if (p % 7 == 0 && p + 3 < recipients) {
            pp[npairs] = p;
            pr[npairs++] = p + 3;
            fprintf(f, "P%07ld,R%07ld,other,no,2025-01-01,2026-11-20\n", p, p + 3);
        }
    }
    fclose(f);
    f = open_out(data, "overpayments.csv");
    fputs("provider_id,overpayment_id,balance,per_check_max\n", f);
    for (long p = 0; p < providers; p += 50)
        fprintf(f, "P%07ld,OP%07ld,%d.00,50.00\n", p, p, 100 + (int)(p % 400));
    fclose(f);
    write_withholding(data, seed, providers);

    f = open_out(out, "timesheets.csv");
    fputs("timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,recipient_signed_on,"
          "received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,d13,d14,d15,d16,total\n",
          f);
    for (long k = 0; k < rows; k++) {
        long pair = k % npairs;
        int per = (int)((k / npairs) % 6);
        int month = periods[per].month, first = periods[per].first, ndays = periods[per].days;
        int last = first + ndays - 1;
        int err = below(100);   /* 0..11: one kind of error each, ~1% */
        char sign[48], recv[48];
        snprintf(sign, sizeof sign, "2026-%02d-%02d", month, last);
        /* the nightly drop: received in the days before the run date (2026-12-04), whatever the period */
        int rday = 1 + below(3), rmonth = 12;
        snprintf(recv, sizeof recv, "2026-%02d-%02d", rmonth, rday);
        if (err == 0)
            fprintf(f, "T%09ld,P%07ld,R%07ld,2026-%02d-%02d,regular,paper,%s,%s,%s", k, pp[pair], pr[pair], month,
                    first + 4, sign, sign, recv);
        else
            fprintf(f, "T%09ld,%s%07ld,R%07ld,2026-%02d-%02d,%s,%s,%s,%s,%s", err == 1 ? k - 1 : k,
                    err == 2 ? "Q" : "P", pp[pair], pr[pair], month, first, err == 3 ? "catch_up" : "regular",
                    err == 4 || pr[pair] % 211 == 7 ? "electronic" : "paper", err == 5 ? "" : sign,
                    err == 6 ? "2026-09-02" : sign, recv);
        day_cells(f, ndays, 0, 15, 10, 6, err);
    }
    fclose(f);
    free(pp);
    free(pr);
    return 0;
}

/* ---- --year: a year of nightly runs ----
 *
 * DIR/night-01 .. night-K, one per semi-monthly pay period from --start (the 1st of a
 * month, 2026-01-01 by default; K = 24), each holding data/ (the masters as they stand
 * that night) and timesheets.csv; DIR/last/timesheets.csv, 1,000 timesheets of the
 * next night (paid on night-K's masters); DIR/nights.txt, one line per night in order,
 * `NAME RUN_DATE DATA_DIR TIMESHEETS` (paths relative to DIR), written last: its
 * presence says the year is complete. One line per night on stdout says what it holds.
 *
 * The first masters are those of the mode above (N providers and recipients, the same
 * pairs, assignments open from 2025-01-01, overpayments), with authorizations for every
 * month of the year and of the next night: an assessment sets a recipient's monthly
 * hours ahead, so a new month adds no rows for the recipients already there. Each night
 * then changes about 0.5% of the previous night's master rows, dated in its period:
 *  - N/500 new providers: half replace the provider of an assignment ended that night
 *    (a new assignment to that recipient from the day after it ended), half come with
 *    a new recipient (its authorizations from that month on; the assignment from a day
 *    of the period); one in four is enrolled `pending` and completes two nights later,
 *    when the periods held meanwhile come back as catch_up timesheets;
 *  - N/500 assignments ended (end_date a day of the period); N/5000 new overpayments;
 *  - re-assessments: recipients whose authorized hours change from the next month on,
 *    as many as make up the 0.5%.
 * Each night's data/ also holds withholding.csv, the rows of that night's providers (the
 * first ones: those of the mode above, on other dates; see write_year_withholding): not
 * counted in the 0.5%, a row takes effect on its date, not on a night.
 * A night's timesheets: the late ones of the previous period, the catch_up ones, then
 * one regular timesheet for each assignment covering a day of the period (hours on the
 * days it covers only; a BUPS assignment in one period of four, a day in five), of
 * which 3% come late (in the next night's file; never those of
 * a pending provider). Signed on the period's last day; received between the period's
 * end (late and catch_up: the day after the last run) and the day before the run; the
 * errors of the mode above, with the same odds. Run dates: the 19th for a period of the
 * 1st-15th, the 4th of the next month for one of the 16th-end. Timesheet ids T%09ld run
 * on over the year. The same arguments always give the same bytes. */

#define OPEN_END INT32_MAX

static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *day_str(long day, char buf[16])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
    return buf;
}

static int weekday(long day) { return (int)((day % 7 + 11) % 7); } /* 0 Sunday; 1970-01-01 a Thursday */

/* the n-th (n >= 1; 0 = last) weekday wd of a month */
static long nth_weekday(int y, int m, int wd, int n)
{
    if (n == 0) {
        long last = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
        return last - (weekday(last) - wd + 7) % 7;
    }
    long first = days_from_civil(y, m, 1);
    return first + (wd - weekday(first) + 7) % 7 + 7 * (n - 1);
}

static long observed(long day) { return weekday(day) == 6 ? day - 1 : weekday(day) == 0 ? day + 1 : day; }

/* California state holidays (the weekday observed) of the years y0..y1 */
static void write_year_holidays(const char *dir, int y0, int y1)
{
    FILE *f = open_out(dir, "holidays.csv");
    fputs("date,name\n", f);
    char b[16];
    for (int y = y0; y <= y1; y++) {
        struct {
            long day;
            const char *name;
        } h[] = {{observed(days_from_civil(y, 1, 1)), "New Year's Day"},
                 {nth_weekday(y, 1, 1, 3), "Martin Luther King Jr. Day"},
                 {nth_weekday(y, 2, 1, 3), "Presidents' Day"},
                 {observed(days_from_civil(y, 3, 31)), "Cesar Chavez Day"},
                 {nth_weekday(y, 5, 1, 0), "Memorial Day"},
                 {observed(days_from_civil(y, 7, 4)), "Independence Day"},
                 {nth_weekday(y, 9, 1, 1), "Labor Day"},
                 {nth_weekday(y, 9, 5, 4), "Native American Day"},
                 {observed(days_from_civil(y, 11, 11)), "Veterans Day"},
                 {nth_weekday(y, 11, 4, 4), "Thanksgiving Day"},
                 {nth_weekday(y, 11, 4, 4) + 1, "Day after Thanksgiving"},
                 {observed(days_from_civil(y, 12, 25)), "Christmas Day"}};
        for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
            fprintf(f, "%s,%s\n", day_str(h[i].day, b), h[i].name);
    }
    fclose(f);
}

typedef struct {
    int32_t p, r, start, end; /* days since 1970-01-01; end OPEN_END: open */
    uint8_t rel, bups;
} ypair;

typedef struct {
    long ps, pe, run; /* first day, last day, run date */
    int ndays, mi;    /* days, month index from --start */
} yperiod;

static struct {
    int y0, m0, months; /* the first month; authorization months kept */
    long np, capp, capp2;
    uint8_t *pcounty;
    int16_t *pending; /* the night the provider's enrollment completes: 0 complete, -1 never */
    long nr, capr; /* capr: of hours */
    uint16_t *hours; /* nr x months, whole hours, 0 = no row */
    long auth_rows;
    long npairs, cappairs;
    ypair *pairs;
    long nop, capop, capop2, capop3, opnew;
    long *opp, *opid; /* opid < 0: the -opid-th new overpayment */
    int *opbal;
    long seq; /* the next timesheet id */
    int32_t *since; /* withholding.csv: the day the provider's first assignment starts */
    long capp3, n0; /* n0: the providers of the first masters */
    unsigned long long seed;
    long last_run; /* the run date of the night after the last (DIR/last) */
} Y;

static void *grow(void *p, long *cap, long need, size_t size)
{
    if (need <= *cap)
        return p;
    long c = *cap ? *cap : 1024;
    while (c < need)
        c += c / 2;
    void *q = realloc(p, (size_t)c * size);
    if (!q) {
        fprintf(stderr, "gen: out of memory\n");
        exit(1);
    }
    *cap = c;
    return q;
}

static void month_of(int mi, int *y, int *m)
{
    *y = Y.y0 + (Y.m0 - 1 + mi) / 12;
    *m = (Y.m0 - 1 + mi) % 12 + 1;
}

static yperiod period_of(int j)
{
    yperiod pd;
    int y, m;
    pd.mi = j / 2;
    month_of(pd.mi, &y, &m);
    long next = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
    pd.ps = days_from_civil(y, m, j % 2 ? 16 : 1);
    pd.pe = j % 2 ? next - 1 : pd.ps + 14;
    pd.ndays = (int)(pd.pe - pd.ps + 1);
    pd.run = j % 2 ? next + 3 : pd.ps + 18;
    return pd;
}

static int covers(const ypair *a, const yperiod *pd) { return a->start <= pd->pe && a->end >= pd->ps; }

static long add_provider(int county, int pending, long since)
{
    Y.pcounty = grow(Y.pcounty, &Y.capp, Y.np + 1, sizeof *Y.pcounty);
    Y.pending = grow(Y.pending, &Y.capp2, Y.np + 1, sizeof *Y.pending);
    Y.since = grow(Y.since, &Y.capp3, Y.np + 1, sizeof *Y.since);
    Y.pcounty[Y.np] = (uint8_t)county;
    Y.pending[Y.np] = (int16_t)pending;
    Y.since[Y.np] = (int32_t)since;
    return Y.np++;
}

/* a recipient whose authorizations start at month index from (its hours: the formula above) */
static long add_recipient(int from)
{
    long r = Y.nr;
    Y.hours = grow(Y.hours, &Y.capr, (r + 1) * Y.months, sizeof *Y.hours);
    for (int m = 0; m < Y.months; m++)
        Y.hours[r * Y.months + m] = (uint16_t)(m < from ? 0 : 60 + (int)(r * 7 % 220));
    Y.auth_rows += Y.months - from;
    return Y.nr++;
}

static long add_pair(long p, long r, long start, long end, int rel, int bups)
{
    Y.pairs = grow(Y.pairs, &Y.cappairs, Y.npairs + 1, sizeof *Y.pairs);
    Y.pairs[Y.npairs] = (ypair){(int32_t)p, (int32_t)r, (int32_t)start, (int32_t)end, (uint8_t)rel, (uint8_t)bups};
    return Y.npairs++;
}

static void add_overpayment(long p, long id, int balance)
{
    Y.opp = grow(Y.opp, &Y.capop, Y.nop + 1, sizeof *Y.opp);
    Y.opid = grow(Y.opid, &Y.capop2, Y.nop + 1, sizeof *Y.opid);
    Y.opbal = grow(Y.opbal, &Y.capop3, Y.nop + 1, sizeof *Y.opbal);
    Y.opp[Y.nop] = p;
    Y.opid[Y.nop] = id;
    Y.opbal[Y.nop++] = balance;
}

static long master_rows(void) { return Y.np + Y.nr + Y.npairs + Y.auth_rows + Y.nop; }

static const char *const relationships[] = {"other", "other", "other", "other", "parent", "spouse", "child", "other"};
static const char *const rel_names[] = {"parent", "spouse", "child", "other"};

/* withholding.csv of a night into dir: the rows of every provider there is that night, the
 * same rows every night (wh_provider), so the row in force changes as the run dates pass it.
 * A provider of the first masters filed from a year before --start to the last run date,
 * changes from a month after --start; a new provider from the day its assignment starts to 45
 * days after, a change after that; rows not in force yet after the last run date (DIR/last).
 * Exits 1 when the file cannot be written. */
static void write_year_withholding(const char *dir)
{
    FILE *f = open_out(dir, "withholding.csv");
    fputs(wh_header, f);
    long start = days_from_civil(Y.y0, Y.m0, 1);
    for (long p = 0; p < Y.np; p++) {
        wh_span s = {start - 365, Y.last_run, start + 31, Y.last_run, Y.last_run + 1};
        if (p >= Y.n0)
            s = (wh_span){Y.since[p], Y.since[p] + 45, Y.since[p] + 46, Y.last_run, Y.last_run + 1};
        wh_provider(f, Y.seed, p, &s);
    }
    close_out(f, dir, "withholding.csv");
}

static void write_year_masters(const char *dir, int night)
{
    char b[16];
    mkdir(dir, 0755);
    write_parameters(dir, 0);
    int y1, m1;
    month_of(Y.months - 1, &y1, &m1);
    write_year_holidays(dir, Y.y0, y1);
    FILE *f = open_out(dir, "providers.csv");
    fputs("provider_id,name,county,enrollment,elective_sdi,union_member,workweek_exemption\n", f);
    for (long p = 0; p < Y.np; p++)
        fprintf(f, "P%07ld,Provider %ld,%s,%s,%c,%c,%c\n", p, p, counties[Y.pcounty[p]],
                Y.pending[p] < 0 || Y.pending[p] > night ? "pending" : "complete", p % 13 == 0 ? 'y' : 'n',
                p % 4 ? 'y' : 'n', p % 97 == 3 ? 'y' : 'n');
    fclose(f);
    f = open_out(dir, "recipients.csv");
    fputs("recipient_id,name,county,birth_date,severely_impaired,bups_exception,esp_inactivated_on\n", f);
    for (long r = 0; r < Y.nr; r++)
        fprintf(f, "R%07ld,Recipient %ld,%s,%d-%02d-%02d,%c,%c,%s\n", r, r, counties[r % NCOUNTIES],
                1930 + (int)(r % 90), 1 + (int)(r % 12), 1 + (int)(r % 28), r % 9 == 0 ? 'y' : 'n',
                r % 18 == 0 ? 'y' : 'n', r % 211 == 7 ? "2026-10-01" : "");
    fclose(f);
    f = open_out(dir, "authorizations.csv");
    fputs("recipient_id,month,authorized_hours,share_of_cost,soc_met_by_medical,medi_cal_eligible\n", f);
    for (long r = 0; r < Y.nr; r++)
        for (int m = 0; m < Y.months; m++) {
            int h = Y.hours[r * Y.months + m], y, mo;
            if (!h)
                continue;
            month_of(m, &y, &mo);
            fprintf(f, "R%07ld,%04d-%02d,%d:00,%s,%s,%c\n", r, y, mo, h, r % 15 == 0 ? "200.00" : "0.00",
                    r % 15 == 0 ? "110.00" : "0.00", r % 300 == 11 ? 'n' : 'y');
        }
    fclose(f);
    f = open_out(dir, "assignments.csv");
    fputs("provider_id,recipient_id,relationship,backup,start_date,end_date\n", f);
    for (long i = 0; i < Y.npairs; i++) {
        const ypair *a = &Y.pairs[i];
        fprintf(f, "P%07d,R%07d,%s,%s,%s,", a->p, a->r, rel_names[a->rel], a->bups ? "bups" : "no",
                day_str(a->start, b));
        if (a->end != OPEN_END)
            fputs(day_str(a->end, b), f);
        fputc('\n', f);
    }
    fclose(f);
    f = open_out(dir, "overpayments.csv");
    fputs("provider_id,overpayment_id,balance,per_check_max\n", f);
    for (long i = 0; i < Y.nop; i++)
        fprintf(f, "P%07ld,%s%07ld,%d.00,50.00\n", Y.opp[i], Y.opid[i] < 0 ? "OPN" : "OP",
                Y.opid[i] < 0 ? -Y.opid[i] : Y.opid[i], Y.opbal[i]);
    fclose(f);
    write_year_withholding(dir);
}

static int rel_index(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(rel_names[i], name) == 0)
            return i;
    return 3;
}

/* one timesheet of pair a for period pd, received between recv_lo and recv_hi */
static void year_row(FILE *f, const ypair *a, const yperiod *pd, const char *kind, long recv_lo, long recv_hi)
{
    long lo = a->start > pd->ps ? a->start : pd->ps, hi = a->end < pd->pe ? a->end : pd->pe;
    long k = Y.seq++;
    int err = below(100); /* 0..9: one kind of error each, ~1%, as above */
    if (err == 1 && k == 0)
        err = 10;
    char sign[16], recv[16], first[16], wrong[16];
    day_str(pd->pe, sign);
    day_str(recv_lo + below((int)(recv_hi - recv_lo + 1)), recv);
    day_str(pd->ps, first);
    fprintf(f, "T%09ld,%c%07d,R%07d,%s,%s,%s,%s,%s,%s", err == 1 ? k - 1 : k, err == 2 ? 'Q' : 'P', a->p, a->r,
            err == 0 ? day_str(pd->ps + 4, wrong) : first, err == 3 ? "catch_up" : kind,
            err == 4 || a->r % 211 == 7 ? "electronic" : "paper", err == 5 ? "" : sign, err == 6 ? first : sign,
            recv);
    day_cells(f, pd->ndays, lo - pd->ps, hi - pd->ps, 100, a->bups ? 20 : 60, err);
}

static const char ts_header[] = "timesheet_id,provider_id,recipient_id,period_start,kind,channel,provider_signed_on,"
                                "recipient_signed_on,received_on,d01,d02,d03,d04,d05,d06,d07,d08,d09,d10,d11,d12,"
                                "d13,d14,d15,d16,total\n";

static int year_usage(void)
{
    fprintf(stderr, "usage: gen --year --out DIR [--providers N>=100] [--seed S] [--nights K (2..48, default 24)]\n"
                    "           [--start YYYY-MM-01 (2026-01-01 or later; default 2026-01-01)]\n");
    return 1;
}

static int year_main(int argc, char **argv)
{
    const char *out = NULL;
    long providers = 1000;
    unsigned long long seed = 1;
    int nights = 24, sy = 2026, sm = 1, sd = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--year") == 0)
            continue;
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--providers") == 0 && i + 1 < argc)
            providers = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--nights") == 0 && i + 1 < argc)
            nights = atoi(argv[++i]);
        else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%4d-%2d-%2d", &sy, &sm, &sd) != 3)
                return year_usage();
        } else
            return year_usage();
    }
    if (!out || providers < 100 || providers > 9000000 || nights < 2 || nights > 48 || sd != 1 || sm < 1 ||
        sm > 12 || sy < 2026 || sy > 2100)
        return year_usage();
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    Y.y0 = sy;
    Y.m0 = sm;
    Y.months = nights / 2 + 1; /* the months of the nights and of the next one */
    Y.seed = seed;
    Y.last_run = period_of(nights).run;
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen: %s: %s\n", out, strerror(errno));
        return 1;
    }
    char path[8192], b1[16], b2[16];
    snprintf(path, sizeof path, "%s/nights.txt", out);
    unlink(path); /* written last: present only when the year is complete */

    /* the first masters: the pairs of the mode above, open */
    long start0 = days_from_civil(2025, 1, 1);
    for (long p = 0; p < providers; p++)
        add_provider((int)(p % NCOUNTIES), p % 101 == 5 ? -1 : 0, start0);
    Y.n0 = providers;
    for (long r = 0; r < providers; r++)
        add_recipient(0);
    for (long p = 0; p < providers; p++) {
        add_pair(p, p, start0, OPEN_END, rel_index(relationships[p % 8]), p % 20 == 0);
        if (p % 10 == 0 && p + 1 < providers)
            add_pair(p + 1, p, start0, OPEN_END, 3, 0);
        if (p % 7 == 0 && p + 3 < providers)
            add_pair(p, p + 3, start0, OPEN_END, 3, 0);
    }
    for (long p = 0; p < providers; p += 50)
        add_overpayment(p, p, 100 + (int)(p % 400));

    long n_new = providers / 500, n_end = providers / 500, n_op = providers / 5000;
    n_new = n_new < 2 ? 2 : n_new;
    n_end = n_end < 1 ? 1 : n_end;
    n_op = n_op < 1 ? 1 : n_op;
    long *ended = malloc(sizeof *ended * (size_t)n_end);
    long *late = NULL, nlate = 0, caplate = 0, *late_next = NULL, nlate_next = 0, caplate_next = 0;
    struct {
        long pair;
        int night;
    } *pend = NULL;
    long npend = 0, cappend = 0;
    long *cu = NULL, ncu = 0, capcu = 0; /* catch_up: pair, period index */
    FILE *list = NULL;
    char *listbuf = NULL;
    size_t listlen = 0;
    list = open_memstream(&listbuf, &listlen);
    long prev_run = 0;
    for (int night = 1; night <= nights; night++) {
        int j = night - 1;
        yperiod pd = period_of(j);
        long rows_before = master_rows(), nr_before = Y.nr, npairs_before = Y.npairs;
        long target = (rows_before * 5 + 500) / 1000, changed = 0;
        long c_new = 0, c_newrec = 0, c_end = 0, c_enrolled = 0, c_op = 0, c_reassessed = 0, c_reassess_rows = 0;

        /* enrollments completed tonight: the periods held meanwhile come back as catch_up */
        ncu = 0;
        for (long i = 0; i < npend; i++) {
            if (pend[i].night != night)
                continue;
            changed++;
            c_enrolled++;
            for (int jj = j - 2; jj < j; jj++) {
                yperiod q = period_of(jj);
                if (jj >= 0 && covers(&Y.pairs[pend[i].pair], &q)) {
                    cu = grow(cu, &capcu, ncu + 2, sizeof *cu);
                    cu[ncu++] = pend[i].pair;
                    cu[ncu++] = jj;
                }
            }
        }
        /* assignments ended on a day of the period */
        long nended = 0;
        for (long e = 0; e < n_end; e++)
            for (int tries = 0; tries < 1000; tries++) {
                long i = (long)(rnd() % (uint64_t)npairs_before);
                ypair *a = &Y.pairs[i];
                if (a->end != OPEN_END || a->start >= pd.ps)
                    continue;
                a->end = (int32_t)(pd.ps + below(pd.ndays));
                ended[nended++] = i;
                changed++;
                c_end++;
                break;
            }
        /* new providers: replacements for the ended assignments, and with new recipients */
        for (long i = 0; i < n_new; i++) {
            long r, start;
            if (i % 2 == 0 && i / 2 < nended) {
                const ypair *e = &Y.pairs[ended[i / 2]];
                r = e->r;
                start = (long)e->end + 1;
            } else {
                r = add_recipient(pd.mi);
                changed += 1 + (Y.months - pd.mi);
                c_newrec++;
                start = pd.ps + below(pd.ndays);
            }
            int pending = below(4) == 0 ? night + 2 : 0;
            long p = add_provider((int)(r % NCOUNTIES), pending, start);
            long pair = add_pair(p, r, start, OPEN_END, rel_index(relationships[p % 8]), 0);
            if (pending) {
                pend = grow(pend, &cappend, npend + 1, sizeof *pend);
                pend[npend].pair = pair;
                pend[npend++].night = pending;
            }
            changed += 2;
            c_new++;
        }
        for (long i = 0; i < n_op; i++) {
            add_overpayment((long)(rnd() % (uint64_t)Y.np), -(++Y.opnew), 100 + below(400));
            changed++;
            c_op++;
        }
        /* re-assessments fill the rest: new hours from the next month on */
        for (long tries = 0; changed < target && pd.mi + 1 < Y.months && tries < 10 * nr_before; tries++) {
            long r = (long)(rnd() % (uint64_t)nr_before);
            int n = 0;
            for (int m = pd.mi + 1; m < Y.months; m++) {
                uint16_t *h = &Y.hours[r * Y.months + m];
                if (!*h)
                    continue;
                int nh = 60 + below(220);
                *h = (uint16_t)(nh == *h ? nh + 1 : nh);
                n++;
            }
            changed += n;
            c_reassess_rows += n;
            c_reassessed += n > 0;
        }

        char name[32], dir[4096];
        snprintf(name, sizeof name, "night-%02d", night);
        snprintf(dir, sizeof dir, "%s/%s", out, name);
        mkdir(dir, 0755);
        snprintf(path, sizeof path, "%s/data", dir);
        write_year_masters(path, night);

        FILE *f = open_out(dir, "timesheets.csv");
        fputs(ts_header, f);
        long c_late = nlate, c_cu = ncu / 2, c_regular = 0, c_late_next = 0;
        if (nlate) {
            yperiod q = period_of(j - 1);
            for (long i = 0; i < nlate; i++)
                year_row(f, &Y.pairs[late[i]], &q, "regular", prev_run + 1, pd.run - 1);
        }
        for (long i = 0; i < ncu; i += 2) {
            yperiod q = period_of((int)cu[i + 1]);
            year_row(f, &Y.pairs[cu[i]], &q, "catch_up", prev_run + 1, pd.run - 1);
        }
        nlate_next = 0;
        for (long i = 0; i < Y.npairs; i++) {
            const ypair *a = &Y.pairs[i];
            if (!covers(a, &pd) || (a->bups && below(4)))
                continue; /* a back-up provider works in one period of four, a day now and then */
            int pending = Y.pending[a->p] < 0 || Y.pending[a->p] > night;
            if (!pending && below(100) < 3) {
                late_next = grow(late_next, &caplate_next, nlate_next + 1, sizeof *late_next);
                late_next[nlate_next++] = i;
                c_late_next++;
                continue;
            }
            year_row(f, a, &pd, "regular", pd.pe, pd.run - 1);
            c_regular++;
        }
        fclose(f);
        long *t = late;
        late = late_next;
        late_next = t;
        long tc = caplate;
        caplate = caplate_next;
        caplate_next = tc;
        nlate = nlate_next;

        fprintf(list, "%s %s %s/data %s/timesheets.csv\n", name, day_str(pd.run, b1), name, name);
        printf("%s %s: period %s, %ld timesheets (%ld of the period, %ld late ones of the last, %ld catch_up; "
               "%ld of the period come late); masters %ld rows, %ld changed (%.2f%%): %ld new providers "
               "(%ld with a new recipient), %ld assignments ended, %ld enrollments completed, %ld overpayments, "
               "%ld authorization rows of %ld recipients re-assessed\n",
               name, b1, day_str(pd.ps, b2), c_regular + c_late + c_cu, c_regular, c_late, c_cu, c_late_next,
               master_rows(), changed, 100.0 * (double)changed / (double)rows_before, c_new, c_newrec, c_end,
               c_enrolled, c_op, c_reassess_rows, c_reassessed);
        prev_run = pd.run;
    }

    /* the next night: 1,000 timesheets on night-K's masters, 3% of them the last period's late ones */
    {
        yperiod pd = period_of(nights), q = period_of(nights - 1);
        snprintf(path, sizeof path, "%s/last", out);
        mkdir(path, 0755);
        FILE *f = open_out(path, "timesheets.csv");
        fputs(ts_header, f);
        long nl = nlate < 30 ? nlate : 30, nact = 0;
        for (long i = 0; i < nl; i++)
            year_row(f, &Y.pairs[late[i * nlate / nl]], &q, "regular", prev_run + 1, pd.run - 1);
        long *act = malloc(sizeof *act * (size_t)Y.npairs);
        for (long i = 0; i < Y.npairs; i++)
            if (covers(&Y.pairs[i], &pd))
                act[nact++] = i;
        long nreg = 1000 - nl;
        for (long i = 0; i < nreg && nact; i++)
            year_row(f, &Y.pairs[act[i * nact / nreg]], &pd, "regular", pd.pe, pd.run - 1);
        fclose(f);
        free(act);
        fprintf(list, "last %s night-%02d/data last/timesheets.csv\n", day_str(pd.run, b1), nights);
        printf("last %s: period %s, %ld timesheets (%ld of the period, %ld late ones of the last) on night-%02d's "
               "masters\n",
               b1, day_str(pd.ps, b2), nl + (nact ? nreg : 0), nact ? nreg : 0, nl, nights);
    }
    fclose(list);
    snprintf(path, sizeof path, "%s/nights.txt", out);
    FILE *f = open_out(out, "nights.txt");
    fwrite(listbuf, 1, listlen, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        return 1;
    }
    free(listbuf);
    free(ended);
    free(late);
    free(late_next);
    free(pend);
    free(cu);
    return 0;
}
