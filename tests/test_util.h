/* test_util.h — shared helpers for the CUnit suites: value-printing assertions, temp files. */
#ifndef PAYRUN_TEST_UTIL_H
#define PAYRUN_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* UNDER_ASAN under make test-asan: ASan's allocator aborts on an allocation it cannot
 * make instead of returning NULL, and it reserves terabytes of shadow, so the tests that
 * make an allocation fail on purpose (a limit on the address space) are left out. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Limits the address space to what the process has now and `extra` bytes more, keeping
 * the limit it had in *old (setrlimit(RLIMIT_AS, old) takes it back). Returns 0, or -1
 * when the limit cannot be read or set. */
struct rlimit;
int tu_limit_address_space(size_t extra, struct rlimit *old);

/* Assertions that print the expected and actual value when they fail. */
void tu_assert_str(const char *actual, const char *expected, int line, const char *file, const char *expr);
void tu_assert_mem(const void *actual, size_t alen, const void *expected, size_t elen, int line, const char *file,
                   const char *expr);
void tu_assert_prefix(const char *actual, const char *prefix, int line, const char *file, const char *expr);
void tu_assert_contains(const char *actual, const char *needle, int line, const char *file, const char *expr);
void tu_assert_i64(int64_t actual, int64_t expected, int line, const char *file, const char *expr);
/* A check whose message is written by the caller (e.g. "3 of 73049 days wrong, first 1900-03-01"). */
void tu_assert_msg(int ok, const char *msg, int line, const char *file);

#define ASSERT_STR(a, e) tu_assert_str((a), (e), __LINE__, __FILE__, #a)
#define ASSERT_MEM(a, alen, e, elen) tu_assert_mem((a), (alen), (e), (elen), __LINE__, __FILE__, #a)
#define ASSERT_PREFIX(a, p) tu_assert_prefix((a), (p), __LINE__, __FILE__, #a)
#define ASSERT_CONTAINS(a, s) tu_assert_contains((a), (s), __LINE__, __FILE__, #a)
#define ASSERT_I64(a, e) tu_assert_i64((int64_t)(a), (int64_t)(e), __LINE__, __FILE__, #a)
#define ASSERT_MSG(ok, msg) tu_assert_msg((ok), (msg), __LINE__, __FILE__)

/* One test of a suite: its name and function. */
typedef struct {
    const char *name;
    void (*fn)(void);
} tu_test;

/* Adds a suite with its tests to the CUnit registry; 0 on success, -1 on a registry error. */
int tu_register(const char *suite, int (*init)(void), int (*clean)(void), const tu_test *tests, size_t n);

/* qsort comparison of uint64 values, ascending. */
int tu_cmp_u64(const void *a, const void *b);

/* Creates a fresh directory /tmp/payrun-unit-XXXXXX; 0 on success. */
int tu_mkdtemp(char *dir, size_t n);
/* Writes n bytes to path (created or truncated); 0 on success. */
int tu_write(const char *path, const void *data, size_t n);
int tu_write_str(const char *path, const char *s);
/* Writes data gzip-compressed (zlib gzopen/gzwrite) to path; 0 on success. */
int tu_write_gzip(const char *path, const void *data, size_t n);
/* Reads a whole file into a malloc'd buffer (NUL-terminated beyond *n); NULL on error. */
unsigned char *tu_read(const char *path, size_t *n);
/* Removes every file in dir and dir itself (one level: the suites make no subdirectories). */
void tu_rmtree(const char *dir);
/* "dir/name" into out. */
void tu_path(char *out, size_t outlen, const char *dir, const char *name);

#endif
