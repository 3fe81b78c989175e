/* test_field.c — CUnit suite for the typed CSV field parsers (formats/field.h). */
#include <CUnit/CUnit.h>
#include <string.h>

#include "field.h"
#include "test_util.h"

#define SENT32 ((int32_t)-777777)
#define SENT64 ((int64_t)-777777777)

/* The parsers take (s, n): pass a literal with its length. */
#define L(s) (s), strlen(s)

static const char *const E_ID_CHAR = "id has a character other than letters, digits, '-', '_', '.'";
static const char *const E_NOT_HOURS = "not hours (H:MM, whole hours or tenths like 2.8)";

static void test_id(void)
{
    ASSERT_STR(fld_id(L("")), "empty id");
    ASSERT_STR(fld_id(L("abcdefghijklmnopqrstuvwxyz0123456")), "id longer than 32 characters");  /* 33 */
    ASSERT_STR(fld_id(L("abcdefghijklmnopqrstuvwxyz012345")), NULL);                            /* 32 */
    ASSERT_STR(fld_id(L("a")), NULL);
    ASSERT_STR(fld_id(L("-P1")), "id starts with '-'");
    ASSERT_STR(fld_id(L("-")), "id starts with '-'");
    ASSERT_STR(fld_id(L("P 1")), E_ID_CHAR);
    ASSERT_STR(fld_id(L(" P1")), E_ID_CHAR);
    ASSERT_STR(fld_id(L("P1 ")), E_ID_CHAR);
    ASSERT_STR(fld_id(L("P,1")), E_ID_CHAR);
    ASSERT_STR(fld_id(L("Jos\xc3\xa9")), E_ID_CHAR);
    ASSERT_STR(fld_id(L("T-2611A_0001.b")), NULL);
    ASSERT_STR(fld_id(L("P1-")), NULL);
    ASSERT_STR(fld_id(L(".x")), NULL);
    ASSERT_STR(fld_id(L("_x")), NULL);
    ASSERT_STR(fld_id(L("ZZ9")), NULL);
    /* every byte after an 'A': only letters, digits, '-', '_' and '.' are id characters */
    int wrong = 0;
    for (int c = 0; c < 256; c++) {
        char id[2] = {'A', (char)c};
        int want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                   c == '.';
        wrong += (fld_id(id, 2) == NULL) != want;
    }
    ASSERT_I64(wrong, 0);
    /* only n bytes are looked at: "P1 junk" with n = 2 is "P1" */
    ASSERT_STR(fld_id("P1 junk", 2), NULL);
    ASSERT_STR(fld_id("P1\0x", 4), E_ID_CHAR);
}

static void test_date(void)
{
    cal_date d = SENT32;
    ASSERT_STR(fld_date(L("2026-11-05"), &d), NULL);
    ASSERT_I64(d, cal_from_ymd(2026, 11, 5));
    ASSERT_STR(fld_date(L("2024-02-29"), &d), NULL);
    ASSERT_I64(d, cal_from_ymd(2024, 2, 29));
    d = SENT32;
    ASSERT_STR(fld_date(L("2026-02-30"), &d), "no such calendar date");
    ASSERT_I64(d, SENT32);
    ASSERT_STR(fld_date(L("2026-02-29"), &d), "no such calendar date");
    ASSERT_STR(fld_date(L("2026-13-01"), &d), "no such calendar date");
    ASSERT_STR(fld_date(L("2026-11-00"), &d), "no such calendar date");
    ASSERT_STR(fld_date(L("0000-01-01"), &d), "no such calendar date");
    ASSERT_STR(fld_date(L("2026-2-1"), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L("2026/11/05"), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L("2026-11-05 "), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L(" 2026-11-5"), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L("2026-1a-05"), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L("11/05/2026"), &d), "not a date (YYYY-MM-DD)");
    ASSERT_STR(fld_date(L(""), &d), "empty date");
    ASSERT_I64(d, SENT32);

    d = SENT32;
    ASSERT_STR(fld_date_opt(L(""), &d), NULL);
    ASSERT_I64(d, CAL_NONE);
    ASSERT_STR(fld_date_opt(L("2026-10-01"), &d), NULL);
    ASSERT_I64(d, cal_from_ymd(2026, 10, 1));
    ASSERT_STR(fld_date_opt(L("2026-10-32"), &d), "no such calendar date");
}

static void test_month(void)
{
    int32_t m = SENT32;
    ASSERT_STR(fld_month(L("2026-11"), &m), NULL);
    ASSERT_I64(m, 2026 * 12 + 10);
    m = SENT32;
    ASSERT_STR(fld_month(L("2026-13"), &m), "no such month");
    ASSERT_STR(fld_month(L("2026-00"), &m), "no such month");
    ASSERT_STR(fld_month(L("0000-05"), &m), "no such month");
    ASSERT_STR(fld_month(L("2026-1"), &m), "not a month (YYYY-MM)");
    ASSERT_STR(fld_month(L("2026-11-01"), &m), "not a month (YYYY-MM)");
    ASSERT_STR(fld_month(L(""), &m), "not a month (YYYY-MM)");
    ASSERT_I64(m, SENT32);
}

static void test_hours(void)
{
    int32_t m = SENT32;
    ASSERT_STR(fld_hours(L("7:30"), &m), NULL);
    ASSERT_I64(m, 450);
    ASSERT_STR(fld_hours(L("283:00"), &m), NULL);
    ASSERT_I64(m, 16980);                       /* 283 x 60 */
    ASSERT_STR(fld_hours(L("8"), &m), NULL);
    ASSERT_I64(m, 480);
    ASSERT_STR(fld_hours(L("2.8"), &m), NULL);
    ASSERT_I64(m, 168);                         /* 2:48 */
    ASSERT_STR(fld_hours(L("1.7"), &m), NULL);
    ASSERT_I64(m, 102);                         /* 1:42 */
    ASSERT_STR(fld_hours(L("0.1"), &m), NULL);
    ASSERT_I64(m, 6);
    ASSERT_STR(fld_hours(L("0:00"), &m), NULL);
    ASSERT_I64(m, 0);
    ASSERT_STR(fld_hours(L("0"), &m), NULL);
    ASSERT_I64(m, 0);
    ASSERT_STR(fld_hours(L("0:59"), &m), NULL);
    ASSERT_I64(m, 59);
    ASSERT_STR(fld_hours(L("07:05"), &m), NULL);
    ASSERT_I64(m, 425);
    ASSERT_STR(fld_hours(L("999999"), &m), NULL);
    ASSERT_I64(m, 59999940);                    /* 999999 x 60 */
    ASSERT_STR(fld_hours(L("999999:59"), &m), NULL);
    ASSERT_I64(m, 59999999);

    m = SENT32;
    ASSERT_STR(fld_hours(L("7:60"), &m), "minutes above 59");
    ASSERT_STR(fld_hours(L("7:5"), &m), "minutes must be two digits (H:MM)");
    ASSERT_STR(fld_hours(L("7:"), &m), "minutes must be two digits (H:MM)");
    ASSERT_STR(fld_hours(L("7:300"), &m), "minutes must be two digits (H:MM)");
    ASSERT_STR(fld_hours(L("7:3x"), &m), "minutes must be two digits (H:MM)");
    ASSERT_STR(fld_hours(L("7:30 "), &m), "minutes must be two digits (H:MM)");
    ASSERT_STR(fld_hours(L("2.85"), &m), "tenths of an hour take exactly one decimal (2.8)");
    ASSERT_STR(fld_hours(L("2."), &m), "tenths of an hour take exactly one decimal (2.8)");
    ASSERT_STR(fld_hours(L("2.x"), &m), "tenths of an hour take exactly one decimal (2.8)");
    ASSERT_STR(fld_hours(L("-1"), &m), "negative hours");
    ASSERT_STR(fld_hours(L("-0:30"), &m), "negative hours");
    ASSERT_STR(fld_hours(L("1,5"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L("abc"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L(":30"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L(" 7:30"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L("8h"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L("x"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_hours(L("1234567"), &m), "hours too large");
    ASSERT_STR(fld_hours(L("1234567:00"), &m), "hours too large");
    ASSERT_STR(fld_hours(L(""), &m), "empty hours");
    ASSERT_I64(m, SENT32);
}

static void test_day_hours(void)
{
    static const char *const none[] = {"", "x", "X", "0", "0:00", "0.0", "00:00"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        int32_t m = SENT32;
        ASSERT_STR(fld_day_hours(L(none[i]), &m), NULL);
        ASSERT_I64(m, 0);
    }
    int32_t m = SENT32;
    ASSERT_STR(fld_day_hours(L("7:30"), &m), NULL);
    ASSERT_I64(m, 450);
    ASSERT_STR(fld_day_hours(L("2.8"), &m), NULL);
    ASSERT_I64(m, 168);
    m = SENT32;
    ASSERT_STR(fld_day_hours(L("xx"), &m), E_NOT_HOURS);
    ASSERT_STR(fld_day_hours(L(" "), &m), E_NOT_HOURS);
    ASSERT_STR(fld_day_hours(L("x "), &m), E_NOT_HOURS);
    ASSERT_STR(fld_day_hours(L("7:60"), &m), "minutes above 59");
    ASSERT_I64(m, SENT32);
}

static void test_money(void)
{
    money_cents c = SENT64;
    ASSERT_STR(fld_money(L("200"), &c), NULL);
    ASSERT_I64(c, 20000);
    ASSERT_STR(fld_money(L("200.5"), &c), NULL);
    ASSERT_I64(c, 20050);
    ASSERT_STR(fld_money(L("200.50"), &c), NULL);
    ASSERT_I64(c, 20050);
    ASSERT_STR(fld_money(L("0"), &c), NULL);
    ASSERT_I64(c, 0);
    ASSERT_STR(fld_money(L("0.01"), &c), NULL);
    ASSERT_I64(c, 1);
    ASSERT_STR(fld_money(L("007.10"), &c), NULL);
    ASSERT_I64(c, 710);
    ASSERT_STR(fld_money(L("9999999999999.99"), &c), NULL);   /* 13 integer digits */
    ASSERT_I64(c, INT64_C(999999999999999));
    c = SENT64;
    ASSERT_STR(fld_money(L("200.505"), &c), "money takes at most 2 decimals");
    ASSERT_STR(fld_money(L("1,000.00"), &c), "not a number (no thousand separators)");
    ASSERT_STR(fld_money(L("1,000"), &c), "not a number (no thousand separators)");
    ASSERT_STR(fld_money(L("-5"), &c), "negative value");
    ASSERT_STR(fld_money(L(".5"), &c), "not a number");
    ASSERT_STR(fld_money(L("5."), &c), "not a number");
    ASSERT_STR(fld_money(L("5.a"), &c), "not a number");
    ASSERT_STR(fld_money(L("5 "), &c), "not a number");
    ASSERT_STR(fld_money(L(" 5"), &c), "not a number");
    ASSERT_STR(fld_money(L("$5"), &c), "not a number");
    ASSERT_STR(fld_money(L("5.0.0"), &c), "not a number");
    ASSERT_STR(fld_money(L("1e3"), &c), "not a number");
    ASSERT_STR(fld_money(L(""), &c), "empty value");
    ASSERT_STR(fld_money(L("12345678901234"), &c), "value too large");   /* 14 digits */
    ASSERT_I64(c, SENT64);

    int present = -1;
    c = SENT64;
    ASSERT_STR(fld_money_opt(L(""), &c, &present), NULL);
    ASSERT_I64(present, 0);
    ASSERT_STR(fld_money_opt(L("145600"), &c, &present), NULL);
    ASSERT_I64(present, 1);
    ASSERT_I64(c, 14560000);
    ASSERT_STR(fld_money_opt(L("1.001"), &c, &present), "money takes at most 2 decimals");
}

static void test_frac(void)
{
    money_frac f = SENT64;
    ASSERT_STR(fld_frac(L("0.062"), &f), NULL);
    ASSERT_I64(f, 62000);
    ASSERT_STR(fld_frac(L("1.5"), &f), NULL);
    ASSERT_I64(f, 1500000);
    ASSERT_STR(fld_frac(L("2"), &f), NULL);
    ASSERT_I64(f, 2000000);
    ASSERT_STR(fld_frac(L("0.000001"), &f), NULL);
    ASSERT_I64(f, 1);
    ASSERT_STR(fld_frac(L("0.0145"), &f), NULL);
    ASSERT_I64(f, 14500);
    ASSERT_STR(fld_frac(L("999999999.999999"), &f), NULL);
    ASSERT_I64(f, INT64_C(999999999999999));
    f = SENT64;
    ASSERT_STR(fld_frac(L("0.0000001"), &f), "a rate takes at most 6 decimals");
    ASSERT_STR(fld_frac(L("-0.1"), &f), "negative value");
    ASSERT_STR(fld_frac(L("6.2%"), &f), "not a number");
    ASSERT_STR(fld_frac(L("1234567890"), &f), "value too large");
    ASSERT_STR(fld_frac(L(""), &f), "empty value");
    ASSERT_I64(f, SENT64);
}

static void test_rate(void)
{
    money_rate r = SENT64;
    ASSERT_STR(fld_rate(L("19.123457"), &r), NULL);
    ASSERT_I64(r, INT64_C(19123457000000));
    ASSERT_STR(fld_rate(L("19.5"), &r), NULL);
    ASSERT_I64(r, INT64_C(19500000000000));
    ASSERT_STR(fld_rate(L("29.175"), &r), NULL);
    ASSERT_I64(r, INT64_C(29175000000000));
    ASSERT_STR(fld_rate(L("999999.999999"), &r), NULL);
    ASSERT_I64(r, INT64_C(999999999999000000));
    r = SENT64;
    ASSERT_STR(fld_rate(L("19.1234567"), &r), "a rate takes at most 6 decimals");
    ASSERT_STR(fld_rate(L("1000000"), &r), "value too large");
    ASSERT_STR(fld_rate(L("-19"), &r), "negative value");
    ASSERT_STR(fld_rate(L("19,50"), &r), "not a number (no thousand separators)");
    ASSERT_STR(fld_rate(L(""), &r), "empty value");
    ASSERT_I64(r, SENT64);
}

static void test_yn(void)
{
    int v = -1;
    ASSERT_STR(fld_yn(L("y"), &v), NULL);
    ASSERT_I64(v, 1);
    ASSERT_STR(fld_yn(L("n"), &v), NULL);
    ASSERT_I64(v, 0);
    v = -1;
    ASSERT_STR(fld_yn(L("Y"), &v), "expected y or n");
    ASSERT_STR(fld_yn(L("N"), &v), "expected y or n");
    ASSERT_STR(fld_yn(L("yes"), &v), "expected y or n");
    ASSERT_STR(fld_yn(L(""), &v), "expected y or n");
    ASSERT_STR(fld_yn(L("y "), &v), "expected y or n");
    ASSERT_I64(v, -1);
}

static void test_count(void)
{
    int64_t v = SENT64;
    ASSERT_STR(fld_count(L("10"), &v), NULL);
    ASSERT_I64(v, 10);
    ASSERT_STR(fld_count(L("0"), &v), NULL);
    ASSERT_I64(v, 0);
    ASSERT_STR(fld_count(L("1000000000"), &v), NULL);
    ASSERT_I64(v, 1000000000);
    v = SENT64;
    ASSERT_STR(fld_count(L("1000000001"), &v), "not a whole number");
    ASSERT_STR(fld_count(L("12345678901"), &v), "not a whole number");
    ASSERT_STR(fld_count(L("-1"), &v), "not a whole number");
    ASSERT_STR(fld_count(L("1.0"), &v), "not a whole number");
    ASSERT_STR(fld_count(L("ten"), &v), "not a whole number");
    ASSERT_STR(fld_count(L(""), &v), "empty value");
    ASSERT_I64(v, SENT64);
}

static void test_scale(void)
{
    param_scale s;
    memset(&s, 0x5a, sizeof s);
    ASSERT_STR(fld_scale(L("0:00=10.30; 25:01=15.90; 50:01=21.80; 80:01=29.50; 149:01=40.70"), &s), NULL);
    ASSERT_I64(s.n, 5);
    /* from: 0, 25*60+1, 50*60+1, 80*60+1, 149*60+1 */
    static const int32_t from[] = {0, 1501, 3001, 4801, 8941};
    static const money_cents amount[] = {1030, 1590, 2180, 2950, 4070};
    for (int i = 0; i < 5; i++) {
        ASSERT_I64(s.from_minutes[i], from[i]);
        ASSERT_I64(s.amount[i], amount[i]);
    }
    /* one bracket, no spaces */
    ASSERT_STR(fld_scale(L("0:00=12"), &s), NULL);
    ASSERT_I64(s.n, 1);
    ASSERT_I64(s.amount[0], 1200);
    ASSERT_STR(fld_scale(L("1:00=1;2:00=2"), &s), NULL);
    ASSERT_I64(s.n, 2);
    ASSERT_I64(s.from_minutes[1], 120);

    param_scale keep;
    memset(&keep, 0x33, sizeof keep);
    s = keep;
    ASSERT_STR(fld_scale(L("0:00=10.30; 25:01=15.90; 25:01=20.00"), &s), "scale brackets must go up in hours");
    ASSERT_STR(fld_scale(L("0:00=10.30; 50:01=15.90; 25:01=20.00"), &s), "scale brackets must go up in hours");
    ASSERT_STR(fld_scale(L("0:00=10.30; 25:01"), &s), "scale bracket without '=' (expected H:MM=amount; ...)");
    ASSERT_STR(fld_scale(L(""), &s), "scale bracket without '=' (expected H:MM=amount; ...)");
    ASSERT_STR(fld_scale(L("0:00=ten"), &s), "scale bracket amount is not money");
    ASSERT_STR(fld_scale(L("0:00=10.301"), &s), "scale bracket amount is not money");
    ASSERT_STR(fld_scale(L("0:60=10.30"), &s), "scale bracket hours are not H:MM");
    ASSERT_STR(fld_scale(L("zero=10.30"), &s), "scale bracket hours are not H:MM");
    ASSERT_STR(fld_scale(L("1=1; 2=2; 3=3; 4=4; 5=5; 6=6; 7=7; 8=8; 9=9; 10=10; 11=11; 12=12; 13=13; 14=14; 15=15; "
                           "16=16; 17=17"),
                         &s),
               "scale has too many brackets");
    ASSERT_MSG(memcmp(&s, &keep, sizeof s) == 0, "fld_scale leaves *out untouched on error");
    /* 16 brackets is the maximum and is fine */
    ASSERT_STR(fld_scale(L("1=1; 2=2; 3=3; 4=4; 5=5; 6=6; 7=7; 8=8; 9=9; 10=10; 11=11; 12=12; 13=13; 14=14; 15=15; "
                           "16=16"),
                         &s),
               NULL);
    ASSERT_I64(s.n, 16);
    ASSERT_I64(s.from_minutes[15], 960);
}

static void test_scale_amount(void)
{
    param_scale s;
    ASSERT_STR(fld_scale(L("0:00=10.30; 25:01=15.90; 50:01=21.80; 80:01=29.50; 149:01=40.70"), &s), NULL);
    ASSERT_I64(param_scale_amount(&s, 0), 1030);
    ASSERT_I64(param_scale_amount(&s, 1500), 1030);     /* 25:00 */
    ASSERT_I64(param_scale_amount(&s, 1501), 1590);     /* 25:01 */
    ASSERT_I64(param_scale_amount(&s, 3000), 1590);     /* 50:00 */
    ASSERT_I64(param_scale_amount(&s, 3001), 2180);     /* 50:01 */
    ASSERT_I64(param_scale_amount(&s, 4800), 2180);
    ASSERT_I64(param_scale_amount(&s, 4801), 2950);
    ASSERT_I64(param_scale_amount(&s, 8940), 2950);     /* 149:00 */
    ASSERT_I64(param_scale_amount(&s, 8941), 4070);     /* 149:01 */
    ASSERT_I64(param_scale_amount(&s, 600000), 4070);
    /* below the first bracket: 0 */
    ASSERT_STR(fld_scale(L("1:00=5.00; 2:00=6.00"), &s), NULL);
    ASSERT_I64(param_scale_amount(&s, 59), 0);
    ASSERT_I64(param_scale_amount(&s, 60), 500);
    ASSERT_I64(param_scale_amount(&s, 120), 600);
}

/* The 2026 values of SPEC-withholding A.2, as they are in parameters.csv. */
#define FIT_SINGLE_2026                                                                                         \
    "0=0+0; 7500=0+0.10; 19900=1240+0.12; 57900=5800+0.22; 113200=17966+0.24; 209275=41024+0.32; "              \
    "263725=58448+0.35; 648100=192979.25+0.37"
#define FIT_STEP2_HEAD_2026                                                                                     \
    "0=0+0; 12075=0+0.10; 20925=885+0.12; 45800=3870+0.22; 64925=8077.50+0.24; 112950=19603.50+0.32; "          \
    "140175=28315.50+0.35; 332375=95585.50+0.37"
#define SIT_SINGLE_2026                                                                                         \
    "0=0+0.011; 462=5.08+0.022; 1094=18.98+0.044; 1727=46.83+0.066; 2398=91.12+0.088; 3030=146.74+0.1023; "     \
    "15478=1420.17+0.1133; 18574=1770.95+0.1243; 30956=3310.03+0.1353; 41667=4759.23+0.1463"
#define SIT_ESTIMATED_2026 "1=42; 2=83; 3=125; 4=167; 5=208; 6=250; 7=292; 8=333; 9=375; 10=417"
#define SIT_EXEMPTION_2026 "1=7.01; 2=14.03; 3=21.04; 4=28.05; 5=35.06; 6=42.08; 7=49.09; 8=56.10; 9=63.11; 10=70.13"

/* Checks every row of a parsed tax table against the expected cents and 10^-6 rates,
 * and that the members a tax table does not use are 0. */
static void check_tax_table(const param_scale *s, int n, const money_cents *threshold, const money_cents *base,
                            const int32_t *rate, int line)
{
    int bad = s->n != n;
    for (int i = 0; i < n && !bad; i++)
        bad = s->threshold[i] != threshold[i] || s->amount[i] != base[i] || s->rate[i] != rate[i] ||
              s->from_minutes[i] != 0;
    for (int i = n; i < PARAM_SCALE_MAX && !bad; i++)
        bad = s->threshold[i] != 0 || s->amount[i] != 0 || s->rate[i] != 0 || s->from_minutes[i] != 0;
    tu_assert_msg(!bad, "the tax table parsed to other rows than expected", line, __FILE__);
}

static void test_tax_table(void)
{
    param_scale s;
    memset(&s, 0x5a, sizeof s);
    /* the A.2 example */
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+0.10; 19900=1240+0.12"), &s), NULL);
    {
        static const money_cents th[] = {0, 750000, 1990000}, base[] = {0, 0, 124000};
        static const int32_t rate[] = {0, 100000, 120000};
        check_tax_table(&s, 3, th, base, rate, __LINE__);
    }
    /* fit.schedule_single 2026 */
    ASSERT_STR(fld_tax_table(L(FIT_SINGLE_2026), &s), NULL);
    {
        static const money_cents th[] = {0, 750000, 1990000, 5790000, 11320000, 20927500, 26372500, 64810000};
        static const money_cents base[] = {0, 0, 124000, 580000, 1796600, 4102400, 5844800, 19297925};
        static const int32_t rate[] = {0, 100000, 120000, 220000, 240000, 320000, 350000, 370000};
        check_tax_table(&s, 8, th, base, rate, __LINE__);
    }
    /* fit.schedule_step2_head 2026: bases with cents */
    ASSERT_STR(fld_tax_table(L(FIT_STEP2_HEAD_2026), &s), NULL);
    {
        static const money_cents th[] = {0, 1207500, 2092500, 4580000, 6492500, 11295000, 14017500, 33237500};
        static const money_cents base[] = {0, 0, 88500, 387000, 807750, 1960350, 2831550, 9558550};
        static const int32_t rate[] = {0, 100000, 120000, 220000, 240000, 320000, 350000, 370000};
        check_tax_table(&s, 8, th, base, rate, __LINE__);
    }
    /* sit.schedule_single 2026: ten rows, rates of 3 and 4 decimals */
    ASSERT_STR(fld_tax_table(L(SIT_SINGLE_2026), &s), NULL);
    {
        static const money_cents th[] = {0, 46200, 109400, 172700, 239800, 303000, 1547800, 1857400, 3095600, 4166700};
        static const money_cents base[] = {0, 508, 1898, 4683, 9112, 14674, 142017, 177095, 331003, 475923};
        static const int32_t rate[] = {11000, 22000, 44000, 66000, 88000, 102300, 113300, 124300, 135300, 146300};
        check_tax_table(&s, 10, th, base, rate, __LINE__);
    }
    /* one row; no spaces after ';'; a first threshold written 0.00; a rate of 6 decimals */
    ASSERT_STR(fld_tax_table(L("0=12.5+0.999999"), &s), NULL);
    {
        static const money_cents th[] = {0}, base[] = {1250};
        static const int32_t rate[] = {999999};
        check_tax_table(&s, 1, th, base, rate, __LINE__);
    }
    ASSERT_STR(fld_tax_table(L("0.00=0+0;0.01=0.5+0.000001"), &s), NULL);
    {
        static const money_cents th[] = {0, 1}, base[] = {0, 50};
        static const int32_t rate[] = {0, 1};
        check_tax_table(&s, 2, th, base, rate, __LINE__);
    }
    /* 16 rows is the most and is fine */
    ASSERT_STR(fld_tax_table(L("0=0+0; 1=0+0; 2=0+0; 3=0+0; 4=0+0; 5=0+0; 6=0+0; 7=0+0; 8=0+0; 9=0+0; 10=0+0; "
                               "11=0+0; 12=0+0; 13=0+0; 14=0+0; 15=1+0.5"),
                             &s),
               NULL);
    ASSERT_I64(s.n, 16);
    ASSERT_I64(s.threshold[15], 1500);
    ASSERT_I64(s.amount[15], 100);
    ASSERT_I64(s.rate[15], 500000);

    /* every refusal leaves *out untouched */
    param_scale keep;
    memset(&keep, 0x33, sizeof keep);
    s = keep;
    ASSERT_STR(fld_tax_table(L("7500=0+0.10; 19900=1240+0.12"), &s), "tax table must start at threshold 0");
    ASSERT_STR(fld_tax_table(L("0.01=0+0"), &s), "tax table must start at threshold 0");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+0.10; 7500=1240+0.12"), &s),
               "tax table thresholds must go up (each larger than the one before)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 19900=0+0.10; 7500=1240+0.12"), &s),
               "tax table thresholds must go up (each larger than the one before)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 0=0+0.10"), &s),
               "tax table thresholds must go up (each larger than the one before)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+1"), &s), "tax table rate must be less than 1");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+1.000000"), &s), "tax table rate must be less than 1");
    ASSERT_STR(fld_tax_table(L("0=0+1.5"), &s), "tax table rate must be less than 1");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+0.1000001"), &s), "tax table rate takes at most 6 decimals");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+-0.10"), &s), "tax table rate is negative");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+10%"), &s), "tax table rate is not a decimal (like 0.12)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0+"), &s), "tax table rate is not a decimal (like 0.12)");
    ASSERT_STR(fld_tax_table(L("0=0+0.10 "), &s), "tax table rate is not a decimal (like 0.12)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=-5+0.10"), &s), "tax table base is negative");
    ASSERT_STR(fld_tax_table(L("0=-0+0"), &s), "tax table base is negative");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=1.234+0.10"), &s), "tax table base is not money (at most 2 decimals)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=+0.10"), &s), "tax table base is not money (at most 2 decimals)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7,500=0+0.10"), &s), "tax table threshold is not money (at most 2 decimals)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500.001=0+0.10"), &s),
               "tax table threshold is not money (at most 2 decimals)");
    ASSERT_STR(fld_tax_table(L("=0+0"), &s), "tax table threshold is not money (at most 2 decimals)");
    ASSERT_STR(fld_tax_table(L("-1=0+0"), &s), "tax table threshold is negative");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500 0+0.10"), &s),
               "tax table row without '=' (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0+0"), &s), "tax table row without '=' (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 7500=0.10"), &s),
               "tax table row without '+' (expected threshold=base+rate; ...)");
    /* a '+' or '=' of the next row does not count for this one */
    ASSERT_STR(fld_tax_table(L("0=0; 7500=0+0.10"), &s),
               "tax table row without '+' (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0; 7500=0+0.10"), &s),
               "tax table row without '=' (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L(""), &s), "empty value (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L(" "), &s), "tax table has an empty row (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0=0+0;"), &s), "tax table has an empty row (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0=0+0; ; 1=0+0"), &s),
               "tax table has an empty row (expected threshold=base+rate; ...)");
    ASSERT_STR(fld_tax_table(L("0=0+0; 1=0+0; 2=0+0; 3=0+0; 4=0+0; 5=0+0; 6=0+0; 7=0+0; 8=0+0; 9=0+0; 10=0+0; "
                               "11=0+0; 12=0+0; 13=0+0; 14=0+0; 15=0+0; 16=0+0"),
                             &s),
               "tax table has more than 16 rows");
    ASSERT_MSG(memcmp(&s, &keep, sizeof s) == 0, "fld_tax_table leaves *out untouched on error");
}

static void test_allowance_table(void)
{
    param_scale s;
    memset(&s, 0x5a, sizeof s);
    /* sit.estimated_deduction and sit.exemption_allowance 2026 */
    static const money_cents estimated[] = {4200, 8300, 12500, 16700, 20800, 25000, 29200, 33300, 37500, 41700};
    static const money_cents exemption[] = {701, 1403, 2104, 2805, 3506, 4208, 4909, 5610, 6311, 7013};
    ASSERT_STR(fld_allowance_table(L(SIT_ESTIMATED_2026), &s), NULL);
    ASSERT_I64(s.n, 10);
    int bad = 0;
    for (int i = 0; i < PARAM_SCALE_MAX; i++)
        bad += s.amount[i] != (i < 10 ? estimated[i] : 0) || s.threshold[i] != 0 || s.rate[i] != 0 ||
               s.from_minutes[i] != 0;
    ASSERT_I64(bad, 0);
    ASSERT_STR(fld_allowance_table(L(SIT_EXEMPTION_2026), &s), NULL);
    ASSERT_I64(s.n, 10);
    bad = 0;
    for (int i = 0; i < 10; i++)
        bad += s.amount[i] != exemption[i];
    ASSERT_I64(bad, 0);
    /* one count; no spaces */
    ASSERT_STR(fld_allowance_table(L("1=0.5"), &s), NULL);
    ASSERT_I64(s.n, 1);
    ASSERT_I64(s.amount[0], 50);
    ASSERT_STR(fld_allowance_table(L("1=1;2=0"), &s), NULL);
    ASSERT_I64(s.n, 2);
    ASSERT_I64(s.amount[1], 0);
    ASSERT_STR(fld_allowance_table(L("1=1; 2=2; 3=3; 4=4; 5=5; 6=6; 7=7; 8=8; 9=9; 10=10; 11=11; 12=12; 13=13; "
                                     "14=14; 15=15; 16=16"),
                                   &s),
               NULL);
    ASSERT_I64(s.n, 16);
    ASSERT_I64(s.amount[15], 1600);

    param_scale keep;
    memset(&keep, 0x33, sizeof keep);
    s = keep;
    ASSERT_STR(fld_allowance_table(L("1=42; 3=125"), &s), "allowance table counts must be 1, 2, 3, ... in order");
    ASSERT_STR(fld_allowance_table(L("2=83"), &s), "allowance table counts must be 1, 2, 3, ... in order");
    ASSERT_STR(fld_allowance_table(L("1=42; 1=83"), &s), "allowance table counts must be 1, 2, 3, ... in order");
    ASSERT_STR(fld_allowance_table(L("0=0; 1=42"), &s),
               "allowance table count 0: the counts start at 1 (a count of 0 gives 0.00)");
    ASSERT_STR(fld_allowance_table(L("1=42; 0=0"), &s),
               "allowance table count 0: the counts start at 1 (a count of 0 gives 0.00)");
    ASSERT_STR(fld_allowance_table(L("one=42"), &s), "allowance table count is not a whole number");
    ASSERT_STR(fld_allowance_table(L("-1=42"), &s), "allowance table count is not a whole number");
    ASSERT_STR(fld_allowance_table(L("=42"), &s), "allowance table count is not a whole number");
    ASSERT_STR(fld_allowance_table(L("1=-7.01"), &s), "allowance table amount is negative");
    ASSERT_STR(fld_allowance_table(L("1=7.011"), &s), "allowance table amount is not money (at most 2 decimals)");
    ASSERT_STR(fld_allowance_table(L("1="), &s), "allowance table amount is not money (at most 2 decimals)");
    ASSERT_STR(fld_allowance_table(L("1=42 "), &s), "allowance table amount is not money (at most 2 decimals)");
    ASSERT_STR(fld_allowance_table(L("1=42; 2"), &s),
               "allowance table entry without '=' (expected 1=amount; 2=amount; ...)");
    ASSERT_STR(fld_allowance_table(L(""), &s), "empty value (expected 1=amount; 2=amount; ...)");
    ASSERT_STR(fld_allowance_table(L("1=42;"), &s),
               "allowance table has an empty entry (expected 1=amount; 2=amount; ...)");
    ASSERT_STR(fld_allowance_table(L("1=1; 2=2; 3=3; 4=4; 5=5; 6=6; 7=7; 8=8; 9=9; 10=10; 11=11; 12=12; 13=13; "
                                     "14=14; 15=15; 16=16; 17=17"),
                                   &s),
               "allowance table has more than 16 counts");
    ASSERT_MSG(memcmp(&s, &keep, sizeof s) == 0, "fld_allowance_table leaves *out untouched on error");
}

int test_field_register(void)
{
    static const tu_test tests[] = {
        {"fld_id", test_id},
        {"fld_date, fld_date_opt", test_date},
        {"fld_month", test_month},
        {"fld_hours", test_hours},
        {"fld_day_hours", test_day_hours},
        {"fld_money, fld_money_opt", test_money},
        {"fld_frac", test_frac},
        {"fld_rate", test_rate},
        {"fld_yn", test_yn},
        {"fld_count", test_count},
        {"fld_scale", test_scale},
        {"param_scale_amount at bracket boundaries", test_scale_amount},
        {"fld_tax_table: the A.2 values, each refusal", test_tax_table},
        {"fld_allowance_table: the A.2 values, each refusal", test_allowance_table},
    };
    return tu_register("field", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
