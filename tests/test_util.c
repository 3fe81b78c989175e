/* test_util.c — shared helpers for the CUnit suites: value-printing assertions, temp files. */
#include "test_util.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

/* Shows a string with control bytes escaped, cut at 300 bytes. */
static void show(char *out, size_t outlen, const char *s, size_t n)
{
    size_t k = 0;
    if (!s) {
        snprintf(out, outlen, "NULL");
        return;
    }
    out[k++] = '"';
    for (size_t i = 0; i < n && k + 6 < outlen && i < 300; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            out[k++] = '\\';
            out[k++] = 'n';
        } else if (c == '\r') {
            out[k++] = '\\';
            out[k++] = 'r';
        } else if (c < 0x20 || c >= 0x7f) {
            k += (size_t)snprintf(out + k, outlen - k, "\\x%02x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    out[k] = '\0';
}

void tu_assert_str(const char *actual, const char *expected, int line, const char *file, const char *expr)
{
    int ok = (actual && expected) ? strcmp(actual, expected) == 0 : actual == expected;
    char msg[1400], a[620], e[620];
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
        return;
    }
    show(a, sizeof a, actual, actual ? strlen(actual) : 0);
    show(e, sizeof e, expected, expected ? strlen(expected) : 0);
    snprintf(msg, sizeof msg, "%s is %s, expected %s", expr, a, e);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void tu_assert_mem(const void *actual, size_t alen, const void *expected, size_t elen, int line, const char *file,
                   const char *expr)
{
    int ok = actual && alen == elen && memcmp(actual, expected, elen) == 0;
    char msg[1400], a[620], e[620];
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
        return;
    }
    size_t at = 0;
    while (actual && at < alen && at < elen && ((const char *)actual)[at] == ((const char *)expected)[at])
        at++;
    show(a, sizeof a, actual ? (const char *)actual + at : NULL, actual ? alen - at : 0);
    show(e, sizeof e, (const char *)expected + at, elen - at);
    snprintf(msg, sizeof msg, "%s (%zu bytes) differs from the expected %zu bytes at byte %zu: %s, expected %s", expr,
             alen, elen, at, a, e);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void tu_assert_prefix(const char *actual, const char *prefix, int line, const char *file, const char *expr)
{
    int ok = actual && strncmp(actual, prefix, strlen(prefix)) == 0;
    char msg[1400], a[620], e[620];
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
        return;
    }
    show(a, sizeof a, actual, actual ? strlen(actual) : 0);
    show(e, sizeof e, prefix, strlen(prefix));
    snprintf(msg, sizeof msg, "%s is %s, expected it to start with %s", expr, a, e);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void tu_assert_contains(const char *actual, const char *needle, int line, const char *file, const char *expr)
{
    int ok = actual && strstr(actual, needle) != NULL;
    char msg[1400], a[620], e[620];
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
        return;
    }
    show(a, sizeof a, actual, actual ? strlen(actual) : 0);
    show(e, sizeof e, needle, strlen(needle));
    snprintf(msg, sizeof msg, "%s is %s, expected it to contain %s", expr, a, e);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void tu_assert_i64(int64_t actual, int64_t expected, int line, const char *file, const char *expr)
{
    char msg[600];
    if (actual == expected) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, expr, file, "", CU_FALSE);
        return;
    }
    snprintf(msg, sizeof msg, "%s is %" PRId64 ", expected %" PRId64, expr, actual, expected);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

void tu_assert_msg(int ok, const char *msg, int line, const char *file)
{
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

int tu_mkdtemp(char *dir, size_t n)
{
    if (n < 32)
        return -1;
    strcpy(dir, "/tmp/payrun-unit-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

int tu_limit_address_space(size_t extra, struct rlimit *old)
{
    unsigned long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    int have = statm && fscanf(statm, "%lu", &pages) == 1;
    if (statm)
        fclose(statm);
    if (!have || getrlimit(RLIMIT_AS, old) != 0)
        return -1;
    struct rlimit lim = *old;
    lim.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)extra;
    if (old->rlim_cur != RLIM_INFINITY && old->rlim_cur < lim.rlim_cur)
        lim.rlim_cur = old->rlim_cur;
    return setrlimit(RLIMIT_AS, &lim);
}

int tu_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t k = fwrite(data, 1, n, f);
    int rc = fclose(f);
    return k == n && rc == 0 ? 0 : -1;
}

int tu_write_str(const char *path, const char *s) { return tu_write(path, s, strlen(s)); }

int tu_write_gzip(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    if (!g)
        return -1;
    int ok = n == 0 || gzwrite(g, data, (unsigned)n) == (int)n;
    return gzclose(g) == Z_OK && ok ? 0 : -1;
}

unsigned char *tu_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    unsigned char *b = malloc(cap + 1);
    while (b) {
        if (len == cap) {
            unsigned char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t k = fread(b + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    fclose(f);
    if (b) {
        b[len] = '\0';
        *n = len;
    }
    return b;
}

void tu_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4096];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            tu_path(p, sizeof p, dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

void tu_path(char *out, size_t outlen, const char *dir, const char *name)
{
    snprintf(out, outlen, "%s/%s", dir, name);
}

/* Whether suite is selected by UNIT_SUITES (a comma-separated list of suite names; unset or
 * empty: every suite). make mutants runs only the suites that test engine/ this way. */
static int suite_selected(const char *suite)
{
    const char *list = getenv("UNIT_SUITES");
    if (!list || !*list)
        return 1;
    size_t len = strlen(suite);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, suite, n) == 0)
            return 1;
        p += n + (end != NULL);
    }
    return 0;
}

int tu_register(const char *suite, int (*init)(void), int (*clean)(void), const tu_test *tests, size_t n)
{
    if (!suite_selected(suite))
        return 0;
    CU_pSuite s = CU_add_suite(suite, init, clean);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}

int tu_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
