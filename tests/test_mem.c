/* test_mem.c — engine/mem.c: big arrays in mappings of their own, small ones from malloc, contents kept across the line. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mem.h"
#include "test_util.h"

#define MIB ((size_t)1 << 20)

/* Byte i of the pattern: not periodic in 256, so that a block copied to the wrong offset shows. */
static unsigned char pattern(size_t i) { return (unsigned char)(i * 2654435761u >> 13); }
static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(i);
}
/* How many of the first n bytes differ from the pattern. */
static size_t wrong(const unsigned char *p, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += p[i] != pattern(i);
    return w;
}

/* A block under MEM_MAP_MIN comes from malloc: usable at least what was asked and at most
 * 8 bytes more (malloc rounds a block up to 16 bytes), or a page more once glibc maps it
 * (from 128 KiB); one of MEM_MAP_MIN and more is whole pages (at most a page more), and
 * from 2 MiB whole huge pages (at most 2 MiB more). */
static void test_usable_sizes(void)
{
    static const size_t asked[] = {0, 1, 100, MEM_MAP_MIN - 1, MEM_MAP_MIN, 3 * MIB + 5};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        unsigned char *p = mem_malloc(asked[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        size_t u = mem_usable(p), slack = asked[i] < ((size_t)128 << 10) ? 8 : asked[i] < 2 * MIB - 16 ? 4096 : 2 * MIB;
        CU_ASSERT(u >= asked[i] && u < asked[i] + slack + (asked[i] < 8 ? 8 : 0));
        CU_ASSERT((uintptr_t)p % 16 == 0);     /* malloc's alignment, both ways */
        memset(p, 0x5A, asked[i]);             /* all of it writable (ASan: inside the block) */
        mem_free(p);
    }
    mem_free(NULL);
}

/* mem_calloc is zero, small and big; k * size that overflows is NULL. */
static void test_calloc(void)
{
    static const size_t n[] = {10, 4 * MIB};
    for (int i = 0; i < 2; i++) {
        uint32_t *p = mem_calloc(n[i], sizeof *p);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        size_t nonzero = 0;
        for (size_t k = 0; k < n[i]; k++)
            nonzero += p[k] != 0;
        ASSERT_I64(nonzero, 0);
        mem_free(p);
    }
    CU_ASSERT_PTR_NULL(mem_calloc(SIZE_MAX / 2, 4));
    CU_ASSERT_PTR_NULL(mem_malloc(SIZE_MAX - 10));
}

/* Growing and shrinking across MEM_MAP_MIN keeps the contents: 512 KiB from malloc to a
 * 3 MiB mapping (the first 512 KiB kept; a first version copied 3 MiB out of the
 * 512 KiB block, which make test-asan reports here as a heap overflow), to 9 MiB
 * (mremap), down to 2 MiB, down to 100 KiB (malloc again). */
static void test_grow_and_shrink(void)
{
    size_t steps[] = {512 << 10, 3 * MIB, 9 * MIB, 2 * MIB, 100 << 10};
    unsigned char *p = mem_malloc(steps[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    fill(p, steps[0]);
    size_t kept = steps[0];
    for (int i = 1; i < 5; i++) {
        p = mem_realloc(p, steps[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        kept = kept < steps[i] ? kept : steps[i];
        ASSERT_I64(wrong(p, kept), 0);
        CU_ASSERT(mem_usable(p) >= steps[i]);
        fill(p, steps[i]);
        kept = steps[i];
    }
    mem_free(p);
    /* mem_realloc(NULL, n) is mem_malloc(n) */
    p = mem_realloc(NULL, 2 * MIB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    fill(p, 2 * MIB);
    ASSERT_I64(wrong(p, 2 * MIB), 0);
    mem_free(p);
}

/* A mapping that cannot grow (the address space limited to what the process has and
 * 64 MiB more) is NULL, and the block it was asked to grow is as it was. */
static void test_grow_no_memory(void)
{
#ifndef UNDER_ASAN
    unsigned char *p = mem_malloc(2 * MIB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    fill(p, 2 * MIB);
    struct rlimit old;
    CU_ASSERT_FATAL(tu_limit_address_space((size_t)64 << 20, &old) == 0);
    unsigned char *q = mem_realloc(p, 512 * MIB);
    unsigned char *r = mem_malloc(512 * MIB);
    setrlimit(RLIMIT_AS, &old);
    CU_ASSERT_PTR_NULL(q);
    CU_ASSERT_PTR_NULL(r);
    ASSERT_I64(wrong(p, 2 * MIB), 0);
    mem_free(p);
#endif
}

/* Whether the mapping holding p is advised huge ("hg" among its VmFlags in
 * /proc/self/smaps). */
static int advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0, huge = -1;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = a >= lo && a < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            huge = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return huge;
}

/* Which arrays are advised huge: a big one from mem_malloc, mem_calloc or a growing
 * mem_realloc; not one from mem_calloc_sparse or mem_realloc_sparse (a direct map, a
 * table reserved for a whole state: a small night would take 2 MiB for each 4 KiB it
 * touches), until mem_expect_dense, or mem_realloc growing it, says it will be filled.
 * Only where the kernel has transparent huge pages (its sysfs directory). */
static void test_huge_advice(void)
{
    if (access("/sys/kernel/mm/transparent_hugepage", F_OK) != 0)
        return;     /* no transparent huge pages: the advice is refused, nothing to see */
    void *a = mem_malloc(8 * MIB), *b = mem_calloc(1, 8 * MIB), *c = mem_calloc_sparse(1, 8 * MIB);
    void *d = mem_realloc_sparse(NULL, 8 * MIB);
    CU_ASSERT_FATAL(a && b && c && d);
    ASSERT_I64(advised_huge(a), 1);
    ASSERT_I64(advised_huge(b), 1);
    ASSERT_I64(advised_huge(c), 0);
    ASSERT_I64(advised_huge(d), 0);
    mem_expect_dense(c);
    ASSERT_I64(advised_huge(c), 1);
    d = mem_realloc(d, 16 * MIB);       /* a sparse array that grows is an ordinary one */
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    ASSERT_I64(advised_huge(d), 1);
    mem_free(a);
    mem_free(b);
    mem_free(c);
    mem_free(d);
}

int test_mem_register(void)
{
    static const tu_test tests[] = {
        {"usable sizes: malloc'd under MEM_MAP_MIN, whole pages from it, whole huge pages from 2 MiB", test_usable_sizes},
        {"calloc is zero, small and big; an overflowing size is NULL", test_calloc},
        {"contents kept growing and shrinking across MEM_MAP_MIN", test_grow_and_shrink},
        {"a mapping that cannot grow: NULL, the block unchanged", test_grow_no_memory},
        {"huge pages advised for arrays filled whole, not for sparse ones until told", test_huge_advice},
    };
    return tu_register("mem", NULL, NULL, tests, sizeof tests / sizeof tests[0]);
}
