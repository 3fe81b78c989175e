/* test_money.c — CUnit suite for exact money (engine/money.h), with a GMP property test. */
#include <CUnit/CUnit.h>
#include <gmp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "test_util.h"

_Static_assert(sizeof(long) == sizeof(int64_t), "mpz_set_si/mpz_get_si take int64 values here");

#define SENTINEL ((int64_t)0x5a5a5a5a5a5a5a5aLL)

static void test_half_cent_rounding(void)
{
    int64_t out;
    /* 0.005 dollars in mills -> cents: 5 / 10 = 0.5 cent -> 1 cent, half away from zero */
    CU_ASSERT_EQUAL(money_muldiv_round(5, 1, 10, &out), MONEY_OK);
    ASSERT_I64(out, 1);
    CU_ASSERT_EQUAL(money_muldiv_round(-5, 1, 10, &out), MONEY_OK);
    ASSERT_I64(out, -1);
    CU_ASSERT_EQUAL(money_muldiv_round(5, -1, 10, &out), MONEY_OK);
    ASSERT_I64(out, -1);
    CU_ASSERT_EQUAL(money_muldiv_round(-5, -1, 10, &out), MONEY_OK);
    ASSERT_I64(out, 1);
    /* 0.004 -> 0.00, -0.004 -> -0.00 */
    money_muldiv_round(4, 1, 10, &out);
    ASSERT_I64(out, 0);
    money_muldiv_round(-4, 1, 10, &out);
    ASSERT_I64(out, 0);
    /* 0.015 -> 0.02 (not banker's 0.02 by luck: 0.025 -> 0.03 shows half-up) */
    money_muldiv_round(15, 1, 10, &out);
    ASSERT_I64(out, 2);
    money_muldiv_round(25, 1, 10, &out);
    ASSERT_I64(out, 3);
    money_muldiv_round(-25, 1, 10, &out);
    ASSERT_I64(out, -3);
    /* just under and just over the half: 4999/10000 -> 0, 5001/10000 -> 1 */
    money_muldiv_round(4999, 1, 10000, &out);
    ASSERT_I64(out, 0);
    money_muldiv_round(5001, 1, 10000, &out);
    ASSERT_I64(out, 1);
    money_muldiv_round(-4999, 1, 10000, &out);
    ASSERT_I64(out, 0);
    money_muldiv_round(-5001, 1, 10000, &out);
    ASSERT_I64(out, -1);
    /* an odd den has no exact half: 1/3 -> 0, 2/3 -> 1 */
    money_muldiv_round(1, 1, 3, &out);
    ASSERT_I64(out, 0);
    money_muldiv_round(2, 1, 3, &out);
    ASSERT_I64(out, 1);
    money_muldiv_round(-2, 1, 3, &out);
    ASSERT_I64(out, -1);
    /* den 1 and 0 */
    money_muldiv_round(7, 6, 1, &out);
    ASSERT_I64(out, 42);
    money_muldiv_round(0, INT64_MAX, 7, &out);
    ASSERT_I64(out, 0);
}

static void test_pay_examples(void)
{
    money_cents c = SENTINEL;
    money_rate r = SENTINEL;
    /* 19.00 x 40:00 = 760.00 */
    CU_ASSERT_EQUAL(money_pay_for_minutes(19 * MONEY_RATE_SCALE, 40 * 60, &c), MONEY_OK);
    ASSERT_I64(c, 76000);
    /* 28.50 x 6:00 = 171.00 */
    CU_ASSERT_EQUAL(money_pay_for_minutes(28500000000000LL, 6 * 60, &c), MONEY_OK);
    ASSERT_I64(c, 17100);
    /* overtime rate 19.00 x 1.5 = 28.50 */
    CU_ASSERT_EQUAL(money_rate_times_frac(19 * MONEY_RATE_SCALE, 1500000, &r), MONEY_OK);
    ASSERT_I64(r, 28500000000000LL);
    /* 19.00 x 0:06 = 1.90; 19.00 x 0:01 = 0.31666.. -> 0.32 */
    money_pay_for_minutes(19 * MONEY_RATE_SCALE, 6, &c);
    ASSERT_I64(c, 190);
    money_pay_for_minutes(19 * MONEY_RATE_SCALE, 1, &c);
    ASSERT_I64(c, 32);
    /* 16.90 x 0:01 = 0.281666.. -> 0.28 */
    money_pay_for_minutes(16900000000000LL, 1, &c);
    ASSERT_I64(c, 28);
    /* 28.50 x 0:01 = 0.475 -> 0.48 (exact half cent rounds up) */
    money_pay_for_minutes(28500000000000LL, 1, &c);
    ASSERT_I64(c, 48);
    /* -0:01 correction at 28.50: -0.475 -> -0.48 */
    money_pay_for_minutes(28500000000000LL, -1, &c);
    ASSERT_I64(c, -48);
    /* 2.00 differential as a rate */
    CU_ASSERT_EQUAL(money_rate_from_cents(200, &r), MONEY_OK);
    ASSERT_I64(r, 2 * MONEY_RATE_SCALE);
}

static void test_rate_times_frac(void)
{
    money_rate r = SENTINEL;
    /* 19.123457 x 1.5 = 28.6851855 (7 decimals: kept exactly) */
    CU_ASSERT_EQUAL(money_rate_times_frac(19123457000000LL, 1500000, &r), MONEY_OK);
    ASSERT_I64(r, 28685185500000LL);
    /* 19.123457 x 1.000001 = 19.123476123457 (12 decimals: still exact) */
    CU_ASSERT_EQUAL(money_rate_times_frac(19123457000000LL, 1000001, &r), MONEY_OK);
    ASSERT_I64(r, 19123476123457LL);
    /* 19.123476123457 x 1.5 = 28.6852141851855: 13 decimals -> MONEY_INEXACT, r untouched */
    r = SENTINEL;
    CU_ASSERT_EQUAL(money_rate_times_frac(19123476123457LL, 1500000, &r), MONEY_INEXACT);
    ASSERT_I64(r, SENTINEL);
    /* 0.000000000001 x 0.5 */
    CU_ASSERT_EQUAL(money_rate_times_frac(1, 500000, &r), MONEY_INEXACT);
    ASSERT_I64(r, SENTINEL);
    /* 0.000000000002 x 0.5 = 0.000000000001 */
    CU_ASSERT_EQUAL(money_rate_times_frac(2, 500000, &r), MONEY_OK);
    ASSERT_I64(r, 1);
    /* x 0 = 0; x 1 = itself */
    CU_ASSERT_EQUAL(money_rate_times_frac(19123457000000LL, 0, &r), MONEY_OK);
    ASSERT_I64(r, 0);
    CU_ASSERT_EQUAL(money_rate_times_frac(INT64_MAX, MONEY_FRAC_SCALE, &r), MONEY_OK);
    ASSERT_I64(r, INT64_MAX);
    /* overflow: INT64_MAX x 2 */
    r = SENTINEL;
    CU_ASSERT_EQUAL(money_rate_times_frac(INT64_MAX - 1, 2000000, &r), MONEY_OVERFLOW);
    ASSERT_I64(r, SENTINEL);
}

static void test_apply_frac(void)
{
    money_cents c = SENTINEL;
    /* 0.062 x 1000.00 = 62.00 */
    CU_ASSERT_EQUAL(money_apply_frac(62000, 100000, &c), MONEY_OK);
    ASSERT_I64(c, 6200);
    /* 0.0145 x 931.00 = 13.4995 -> 13.50 */
    CU_ASSERT_EQUAL(money_apply_frac(14500, 93100, &c), MONEY_OK);
    ASSERT_I64(c, 1350);
    /* 0.0145 x 930.00 = 13.485 -> 13.49 (exact half) */
    money_apply_frac(14500, 93000, &c);
    ASSERT_I64(c, 1349);
    /* 0.062 x 0.08 = 0.00496 -> 0.00 */
    money_apply_frac(62000, 8, &c);
    ASSERT_I64(c, 0);
    /* 0.062 x 0.09 = 0.00558 -> 0.01 */
    money_apply_frac(62000, 9, &c);
    ASSERT_I64(c, 1);
    /* 0.011 x -100.05 = -1.10055 -> -1.10 */
    money_apply_frac(11000, -10005, &c);
    ASSERT_I64(c, -110);
}

static void test_overflow(void)
{
    int64_t out = SENTINEL;
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MAX, 2, 1, &out), MONEY_OVERFLOW);
    ASSERT_I64(out, SENTINEL);
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MAX, INT64_MAX, INT64_MAX - 1, &out), MONEY_OVERFLOW);
    ASSERT_I64(out, SENTINEL);
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MIN, -1, 1, &out), MONEY_OVERFLOW);
    ASSERT_I64(out, SENTINEL);
    /* exactly INT64_MAX and INT64_MIN fit */
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MAX, INT64_MAX, INT64_MAX, &out), MONEY_OK);
    ASSERT_I64(out, INT64_MAX);
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MIN, 1, 1, &out), MONEY_OK);
    ASSERT_I64(out, INT64_MIN);
    /* (-2^63)^2 / 2^62 = 2^64 */
    CU_ASSERT_EQUAL(money_muldiv_round(INT64_MIN, INT64_MIN, INT64_C(4611686018427387904), &out), MONEY_OVERFLOW);
    /* 2^64 - 1 = 65535 x 281479271743489 (= 65537 x 4294967297);
     * (2^64 - 1) / 2 = 2^63 - 0.5 rounds away from zero to 2^63: overflow;
     * its negative rounds to -2^63 = INT64_MIN, which fits */
    out = SENTINEL;
    CU_ASSERT_EQUAL(money_muldiv_round(65535, 281479271743489LL, 2, &out), MONEY_OVERFLOW);
    ASSERT_I64(out, SENTINEL);
    CU_ASSERT_EQUAL(money_muldiv_round(-65535, 281479271743489LL, 2, &out), MONEY_OK);
    ASSERT_I64(out, INT64_MIN);
    /* (2^64 - 1) / 4 = 2^62 - 0.25 -> 2^62; (2^64 - 1) / 8 = 2^61 - 0.125 -> 2^61 */
    CU_ASSERT_EQUAL(money_muldiv_round(65535, 281479271743489LL, 4, &out), MONEY_OK);
    ASSERT_I64(out, INT64_C(4611686018427387904));
    money_muldiv_round(65535, 281479271743489LL, 8, &out);
    ASSERT_I64(out, INT64_C(2305843009213693952));
    /* (2^64 - 1) / 3 = 6148914691236517205 exactly (2^64 - 1 = 3 x 5 x 17 x 257 x ...) */
    money_muldiv_round(65535, 281479271743489LL, 3, &out);
    ASSERT_I64(out, INT64_C(6148914691236517205));

    money_cents c = SENTINEL;
    CU_ASSERT_EQUAL(money_pay_for_minutes(INT64_MAX, INT64_MAX, &c), MONEY_OVERFLOW);
    ASSERT_I64(c, SENTINEL);
    CU_ASSERT_EQUAL(money_apply_frac(INT64_MAX, INT64_MAX, &c), MONEY_OVERFLOW);
    ASSERT_I64(c, SENTINEL);

    /* money_add: the sum leaves int64 -> MONEY_OVERFLOW, nothing stored (money.h result codes) */
    c = SENTINEL;
    CU_ASSERT_EQUAL(money_add(INT64_MAX, 1, &c), MONEY_OVERFLOW);
    ASSERT_I64(c, SENTINEL);
    c = SENTINEL;
    CU_ASSERT_EQUAL(money_add(INT64_MIN, -1, &c), MONEY_OVERFLOW);
    ASSERT_I64(c, SENTINEL);
    CU_ASSERT_EQUAL(money_add(INT64_MAX, INT64_MIN, &c), MONEY_OK);
    ASSERT_I64(c, -1);
    CU_ASSERT_EQUAL(money_add(76000, 17100, &c), MONEY_OK);
    ASSERT_I64(c, 93100);

    /* money_rate_from_cents: INT64_MAX / 10^10 = 922337203 cents fits, one more does not */
    money_rate r = SENTINEL;
    CU_ASSERT_EQUAL(money_rate_from_cents(922337203, &r), MONEY_OK);
    ASSERT_I64(r, INT64_C(9223372030000000000));
    r = SENTINEL;
    CU_ASSERT_EQUAL(money_rate_from_cents(922337204, &r), MONEY_OVERFLOW);
    ASSERT_I64(r, SENTINEL);
}

/* A slow reference for value / 10^scale with keep..scale decimals: printf on the
 * quotient and remainder, trailing zeros cut by hand. */
static void ref_scaled(int64_t v, int scale, int keep, char *out)
{
    uint64_t p = 1;
    for (int i = 0; i < scale; i++)
        p *= 10;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = sprintf(out, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(u / p), scale,
                    (unsigned long long)(u % p));
    int dot = (int)(strchr(out, '.') - out);
    while (n - dot - 1 > keep && out[n - 1] == '0')
        out[--n] = '\0';
    if (out[n - 1] == '.')
        out[--n] = '\0';
}

/* The formatters against the reference on 1M values of every magnitude and sign. */
static void test_format_property(void)
{
    char a[64], b[64], first[160] = "";
    long bad = 0;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t v = (int64_t)(x >> (x % 63));
        if (i % 3 == 0)
            v = (int64_t)(x % 100000) * 10000000000LL;      /* whole cents as a rate */
        if (x & 1)
            v = -v;
        money_format_cents(v, a);
        ref_scaled(v, 2, 2, b);
        int ok = strcmp(a, b) == 0;
        money_format_rate(v, a);
        ref_scaled(v, 12, 2, b);
        ok = ok && strcmp(a, b) == 0;
        if (!ok && !bad++)
            snprintf(first, sizeof first, "value %lld: got %s, expected %s", (long long)v, a, b);
    }
    ASSERT_MSG(bad == 0, first);
}

static void test_format(void)
{
    char b[64];
    ASSERT_I64(money_format_cents(0, b), 4);
    ASSERT_STR(b, "0.00");
    money_format_cents(-5, b);
    ASSERT_STR(b, "-0.05");
    ASSERT_I64(money_format_cents(123456, b), 7);
    ASSERT_STR(b, "1234.56");
    money_format_cents(100, b);
    ASSERT_STR(b, "1.00");
    money_format_cents(-123456, b);
    ASSERT_STR(b, "-1234.56");
    money_format_cents(INT64_MAX, b);
    ASSERT_STR(b, "92233720368547758.07");
    money_format_cents(INT64_MIN, b);
    ASSERT_STR(b, "-92233720368547758.08");

    money_format_rate(19500000000000LL, b);
    ASSERT_STR(b, "19.50");
    ASSERT_I64(money_format_rate(28685185500000LL, b), 10);
    ASSERT_STR(b, "28.6851855");
    money_format_rate(20 * MONEY_RATE_SCALE, b);
    ASSERT_STR(b, "20.00");
    money_format_rate(0, b);
    ASSERT_STR(b, "0.00");
    money_format_rate(1, b);
    ASSERT_STR(b, "0.000000000001");
    money_format_rate(19123476123457LL, b);
    ASSERT_STR(b, "19.123476123457");
    money_format_rate(-1, b);
    ASSERT_STR(b, "-0.000000000001");
    money_format_rate(INT64_MAX, b);
    ASSERT_STR(b, "9223372.036854775807");
    money_format_rate(100 * MONEY_RATE_SCALE + 10 * MONEY_RATE_PER_CENT, b);
    ASSERT_STR(b, "100.10");
    /* not whole cents, yet multiples of 10^10 - 1 and 10^10 + 1: the whole-cents shortcut
     * must not take them (9999999999 x 1000 and 10000000001 x 1000 units) */
    money_format_rate(9999999999000LL, b);
    ASSERT_STR(b, "9.999999999");
    money_format_rate(10000000001000LL, b);
    ASSERT_STR(b, "10.000000001");

    ASSERT_I64(money_format_frac(62000, b), 5);
    ASSERT_STR(b, "0.062");
    money_format_frac(1500000, b);
    ASSERT_STR(b, "1.5");
    ASSERT_I64(money_format_frac(2000000, b), 1);
    ASSERT_STR(b, "2");
    money_format_frac(0, b);
    ASSERT_STR(b, "0");
    money_format_frac(1, b);
    ASSERT_STR(b, "0.000001");
    money_format_frac(14500, b);
    ASSERT_STR(b, "0.0145");
    money_format_frac(-500000, b);
    ASSERT_STR(b, "-0.5");
    money_format_frac(10000000, b);
    ASSERT_STR(b, "10");
}

/* ---- property tests against GMP ---- */

static uint64_t rng_state;
/* xorshift64* (Vigna), fixed seed: the cases are the same on every run. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static int64_t pick_value(void)
{
    static const int64_t extremes[] = {0, 1, -1, 2, -2, INT64_MAX, INT64_MIN + 1, INT64_MIN, INT64_MAX - 1,
                                       INT64_C(3037000499), INT64_C(-3037000500), INT64_C(4294967296)};
    uint64_t x = rng();
    switch (rng() % 6) {
    case 0: return extremes[x % (sizeof extremes / sizeof extremes[0])];
    case 1: return (int64_t)x;                                              /* any 64-bit value */
    case 2: return (int64_t)(x >> 1) * ((rng() & 1) ? 1 : -1);              /* 63-bit magnitude */
    case 3: return (int64_t)(x % 20001) - 10000;                            /* small */
    case 4: return (int64_t)((x >> 1) >> (rng() % 63)) * ((rng() & 1) ? 1 : -1); /* any magnitude */
    default: return (int64_t)(x % 2000000000001ULL) - 1000000000000LL;      /* money-sized */
    }
}

static int64_t pick_den(void)
{
    static const int64_t dens[] = {1, 2, 3, 10, 100, 1000000, 60 * 10000000000LL, INT64_MAX, INT64_MAX - 1,
                                   INT64_C(4611686018427387904)};
    uint64_t x = rng();
    switch (rng() % 4) {
    case 0: return dens[x % (sizeof dens / sizeof dens[0])];
    case 1: return (int64_t)(x >> 1) ? (int64_t)(x >> 1) : 1;               /* 1..INT64_MAX */
    case 2: return (int64_t)(x % 1000) + 1;                                 /* small */
    default: return (int64_t)((x >> 2) >> (rng() % 62)) + 1;                /* any magnitude */
    }
}

/* round half away from zero of a*b/den with mpz: sign * floor((2|ab| + den) / (2 den)). */
static int ref_muldiv(mpz_t t, mpz_t u, int64_t a, int64_t b, int64_t den, int64_t *out)
{
    mpz_set_si(t, a);
    mpz_set_si(u, b);
    mpz_mul(t, t, u);
    int sign = mpz_sgn(t);
    mpz_abs(t, t);
    mpz_mul_2exp(t, t, 1);
    mpz_add_ui(t, t, (unsigned long)den);
    mpz_set_si(u, den);
    mpz_mul_2exp(u, u, 1);
    mpz_fdiv_q(t, t, u);
    if (sign < 0)
        mpz_neg(t, t);
    if (!mpz_fits_slong_p(t))
        return MONEY_OVERFLOW;
    *out = mpz_get_si(t);
    return MONEY_OK;
}

static void test_muldiv_property(void)
{
    mpz_t t, u;
    mpz_init(t);
    mpz_init(u);
    rng_state = 0x9E3779B97F4A7C15ULL;
    long cases = 0, bad = 0, overflows = 0, halves = 0;
    char first[300] = "";
    for (long i = 0; i < 1200000; i++) {
        int64_t a = pick_value(), b = pick_value(), den = pick_den();
        if (i % 8 == 0) {
            /* near the int64 boundary: a * (den + small) / den ~ a */
            int64_t delta = (int64_t)(rng() % 5) - 2;
            a = (rng() & 1) ? INT64_MAX - (int64_t)(rng() % 3) : INT64_MIN + (int64_t)(rng() % 3);
            den = (int64_t)(rng() >> 2) + 3;
            b = den + delta;
        } else if (i % 8 == 1) {
            /* exact halves: den = 2k, a*b = q*den + k */
            int64_t k = (int64_t)(rng() % 1000000) + 1, q = (int64_t)(rng() % 1000000000);
            den = 2 * k;
            a = q * den + k;
            b = (rng() & 1) ? 1 : -1;
            halves++;
        }
        int64_t want = SENTINEL, got = SENTINEL;
        int want_rc = ref_muldiv(t, u, a, b, den, &want);
        int got_rc = money_muldiv_round(a, b, den, &got);
        cases++;
        overflows += want_rc == MONEY_OVERFLOW;
        if (got_rc != want_rc || got != want) {
            if (!bad++)
                snprintf(first, sizeof first,
                         "round(%" PRId64 " * %" PRId64 " / %" PRId64 "): rc %d value %" PRId64 ", expected rc %d value %" PRId64,
                         a, b, den, got_rc, got, want_rc, want);
        }
    }
    mpz_clear(t);
    mpz_clear(u);
    char msg[500];
    snprintf(msg, sizeof msg, "money_muldiv_round vs GMP: %ld of %ld cases wrong, first %s", bad, cases, first);
    ASSERT_MSG(bad == 0, msg);
    /* the generator must reach both outcomes, or the property proves little */
    ASSERT_MSG(overflows > 10000 && overflows < cases - 10000, "property cases include overflows and exact results");
    ASSERT_MSG(halves > 100000, "property cases include exact halves");
}

/* round half away from zero of rate * minutes / (60 * 10^10) with mpq. */
static int ref_pay(mpq_t q, mpz_t t, mpz_t half_num, int64_t rate, int64_t minutes, int64_t *out)
{
    mpz_set_si(t, rate);
    mpz_set_si(half_num, minutes);
    mpz_mul(t, t, half_num);
    mpq_set_num(q, t);
    mpz_set_si(t, 60 * 10000000000LL);
    mpq_set_den(q, t);
    mpq_canonicalize(q);
    int sign = mpq_sgn(q);
    mpq_abs(q, q);
    /* floor(|q| + 1/2) = floor((2 num + den) / (2 den)) */
    mpz_mul_2exp(half_num, mpq_numref(q), 1);
    mpz_add(half_num, half_num, mpq_denref(q));
    mpz_mul_2exp(t, mpq_denref(q), 1);
    mpz_fdiv_q(t, half_num, t);
    if (sign < 0)
        mpz_neg(t, t);
    if (!mpz_fits_slong_p(t))
        return MONEY_OVERFLOW;
    *out = mpz_get_si(t);
    return MONEY_OK;
}

static void test_pay_property(void)
{
    mpq_t q;
    mpz_t t, h;
    mpq_init(q);
    mpz_init(t);
    mpz_init(h);
    rng_state = 0xD1B54A32D192ED03ULL;
    long cases = 0, bad = 0, halves = 0;
    char first[300] = "";
    for (long i = 0; i < 1000000; i++) {
        int64_t rate, minutes;
        switch (i % 4) {
        case 0: /* any rate up to 10^18 (10^6 dollars an hour), minutes up to 10^7 */
            rate = (int64_t)(rng() % 1000000000000000001ULL);
            minutes = (int64_t)(rng() % 10000001ULL);
            break;
        case 1: /* 6-decimal rates (as parsed), times a 6-decimal multiplier */
            /* 10^-6 dollars x 10^-6 multiplier = 10^-12 units: up to 100.000000 x 2.000000 */
            rate = (int64_t)(rng() % 100000001ULL) * (int64_t)(1 + rng() % 2000000);
            minutes = (int64_t)(rng() % 20000ULL);
            break;
        case 2: /* whole half-cent rates x whole hours: many exact halves */
            rate = (int64_t)(rng() % 20000ULL) * 5000000000LL;
            minutes = 60 * (int64_t)(1 + rng() % 400ULL);
            halves++;
            break;
        default: /* corrections: negative minutes */
            rate = (int64_t)(rng() % 1000000000000000001ULL) >> (rng() % 40);
            minutes = -(int64_t)(rng() % 10000001ULL);
            break;
        }
        int64_t want = SENTINEL, got = SENTINEL;
        int want_rc = ref_pay(q, t, h, rate, minutes, &want);
        int got_rc = money_pay_for_minutes(rate, minutes, &got);
        cases++;
        if (got_rc != want_rc || got != want) {
            if (!bad++)
                snprintf(first, sizeof first,
                         "pay(%" PRId64 ", %" PRId64 "): rc %d value %" PRId64 ", expected rc %d value %" PRId64, rate,
                         minutes, got_rc, got, want_rc, want);
        }
    }
    mpq_clear(q);
    mpz_clear(t);
    mpz_clear(h);
    char msg[500];
    snprintf(msg, sizeof msg, "money_pay_for_minutes vs GMP mpq: %ld of %ld cases wrong, first %s", bad, cases, first);
    ASSERT_MSG(bad == 0, msg);
    ASSERT_MSG(halves > 0, "pay property covers half-cent cases");
}

/* rate x frac / 10^6 against mpz: exact, MONEY_INEXACT when 10^6 does not divide the
 * product, MONEY_OVERFLOW when the quotient leaves int64 (either code when both hold). */
static void test_rate_times_frac_property(void)
{
    mpz_t t, u, rem;
    mpz_init(t);
    mpz_init(u);
    mpz_init(rem);
    rng_state = 0x853C49E6748FEA9BULL;
    long cases = 0, bad = 0, exact = 0, inexact = 0, overflow = 0;
    char first[300] = "";
    for (long i = 0; i < 300000; i++) {
        int64_t rate = pick_value(), frac;
        if (i % 3 == 0)
            rate = (rate % 1000000000000LL) * 1000000;           /* a parsed 6-decimal rate */
        switch (i % 4) {
        case 0: frac = (int64_t)(rng() % 3000001); break;       /* 0 .. 3.000000 */
        case 1: frac = 1000000 + 500000 * (int64_t)(rng() % 4); break;  /* 1, 1.5, 2, 2.5 */
        case 2: frac = pick_value(); break;
        default: frac = (int64_t)(rng() % 1000) * 1000; break;  /* 3 decimals */
        }
        mpz_set_si(t, rate);
        mpz_set_si(u, frac);
        mpz_mul(t, t, u);
        mpz_tdiv_qr_ui(t, rem, t, 1000000);
        int divisible = mpz_sgn(rem) == 0, fits = mpz_fits_slong_p(t);
        int64_t got = SENTINEL;
        int rc = money_rate_times_frac(rate, frac, &got);
        int ok;
        if (divisible && fits) {
            ok = rc == MONEY_OK && got == mpz_get_si(t);
            exact++;
        } else if (!divisible && fits) {
            ok = rc == MONEY_INEXACT && got == SENTINEL;
            inexact++;
        } else if (divisible) {
            ok = rc == MONEY_OVERFLOW && got == SENTINEL;
            overflow++;
        } else {
            ok = (rc == MONEY_OVERFLOW || rc == MONEY_INEXACT) && got == SENTINEL;
        }
        cases++;
        if (!ok && !bad++)
            snprintf(first, sizeof first, "%" PRId64 " x %" PRId64 ": rc %d value %" PRId64, rate, frac, rc, got);
    }
    mpz_clear(t);
    mpz_clear(u);
    mpz_clear(rem);
    char msg[500];
    snprintf(msg, sizeof msg, "money_rate_times_frac vs GMP: %ld of %ld cases wrong, first %s", bad, cases, first);
    ASSERT_MSG(bad == 0, msg);
    ASSERT_MSG(exact > 1000 && inexact > 1000 && overflow > 1000, "rate x frac cases reach every outcome");
}

int test_money_register(void)
{
    static const tu_test tests[] = {
        {"half-cent rounding, both signs", test_half_cent_rounding},
        {"published pay examples", test_pay_examples},
        {"money_rate_times_frac exact or MONEY_INEXACT", test_rate_times_frac},
        {"money_apply_frac", test_apply_frac},
        {"overflow detected, nothing stored", test_overflow},
        {"formatting", test_format},
        {"property: cents and rates formatted as printf would (1M cases)", test_format_property},
        {"property: money_muldiv_round vs GMP (1.2M cases)", test_muldiv_property},
        {"property: money_pay_for_minutes vs GMP mpq (1M cases)", test_pay_property},
        {"property: money_rate_times_frac vs GMP", test_rate_times_frac_property},
    };
    return tu_register("money", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
