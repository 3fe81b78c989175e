/* mem.c — big arrays in mappings of their own, on transparent huge pages (mem.h). */
#define _GNU_SOURCE     /* mremap, madvise and MADV_HUGEPAGE are Linux's */
#include "mem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Before each block: its mapping's length, 0 for a malloc'd block (16 bytes, so that
 * what follows keeps malloc's alignment). */
typedef struct {
    size_t mapped;
    size_t pad;
} head;

#define PAGE ((size_t)4096)
#define HUGE ((size_t)2 << 20)

/* The length of the mapping for n bytes: whole pages, and from 2 MiB whole huge pages
 * (the kernel then places the mapping on a huge page's boundary, so that all of it can
 * be huge pages, not only the 2 MiB stretches that happen to be aligned inside it). */
static size_t mapping_for(size_t n)
{
    size_t len = (n + sizeof(head) + PAGE - 1) & ~(PAGE - 1);
    return len < HUGE ? len : (len + HUGE - 1) & ~(HUGE - 1);
}

/* Advises [base, base + len) MADV_HUGEPAGE. */
static void advise(void *base, size_t len)
{
#ifdef MADV_HUGEPAGE
    (void)madvise(base, len, MADV_HUGEPAGE);    /* advice: nothing changes where it is not offered */
#else
    (void)base;
    (void)len;
#endif
}

/* A block of n bytes: a mapping when n is big (advised huge unless sparse), else from
 * malloc. */
static head *block(size_t n, int sparse)
{
    if (n > SIZE_MAX - sizeof(head) - PAGE)
        return NULL;
    head *h;
    if (n < MEM_MAP_MIN) {
        if (!(h = malloc(sizeof(head) + n)))
            return NULL;
        h->mapped = 0;
        return h;
    }
    size_t len = mapping_for(n);
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    if (!sparse)
        advise(m, len);
    h = m;
    h->mapped = len;
    return h;
}

void *mem_malloc(size_t n)
{
    head *h = block(n, 0);
    return h ? h + 1 : NULL;
}

static void *zeroed(size_t k, size_t size, int sparse)
{
    if (size && k > SIZE_MAX / size)
        return NULL;
    head *h = block(k * size, sparse);
    if (!h)
        return NULL;
    if (!h->mapped)
        memset(h + 1, 0, k * size);     /* a fresh mapping is zero already */
    return h + 1;
}

void mem_expect_dense(void *p)
{
    head *h = p ? (head *)p - 1 : NULL;
    if (h && h->mapped)
        advise(h, h->mapped);   /* the whole mapping: it stays one area, which mremap needs */
}

void *mem_calloc(size_t k, size_t size) { return zeroed(k, size, 0); }
void *mem_calloc_sparse(size_t k, size_t size) { return zeroed(k, size, 1); }

/* p (NULL or from mem_*) as n bytes: a mapping grown or shrunk in place or moved by
 * mremap (no copy), a malloc'd block by realloc, or a new block and a copy across
 * MEM_MAP_MIN. Advised huge unless sparse. NULL out of memory, p untouched. */
static void *grow(void *p, size_t n, int sparse)
{
    if (!p) {
        head *h = block(n, sparse);
        return h ? h + 1 : NULL;
    }
    head *h = (head *)p - 1;
    if (h->mapped && n >= MEM_MAP_MIN) {
        if (n > SIZE_MAX - sizeof(head) - PAGE)
            return NULL;
        size_t len = mapping_for(n);
        if (len == h->mapped)
            return p;
        void *m = mremap(h, h->mapped, len, MREMAP_MAYMOVE);
        if (m == MAP_FAILED)
            return NULL;
        if (!sparse)
            advise(m, len);     /* the grown part may be a new area */
        h = m;
        h->mapped = len;
        return h + 1;
    }
    if (!h->mapped && n < MEM_MAP_MIN) {
        head *g = realloc(h, sizeof(head) + n);
        return g ? g + 1 : NULL;
    }
    /* from malloc to a mapping or back: a new block and a copy */
    head *g = block(n, sparse);
    if (!g)
        return NULL;
    size_t had = mem_usable(p);
    memcpy(g + 1, p, had < n ? had : n);
    mem_free(p);
    return g + 1;
}

void *mem_realloc(void *p, size_t n) { return grow(p, n, 0); }
void *mem_realloc_sparse(void *p, size_t n) { return grow(p, n, 1); }

size_t mem_usable(const void *p)
{
    const head *h = (const head *)p - 1;
    return h->mapped ? h->mapped - sizeof(head) : malloc_usable_size((void *)(uintptr_t)h) - sizeof(head);
}

void mem_free(void *p)
{
    if (!p)
        return;
    head *h = (head *)p - 1;
    if (h->mapped)
        munmap(h, h->mapped);
    else
        free(h);
}
