/* mem.h — the big arrays (the ledger's tables, the paid-id set): mappings of their own, on huge pages. */
#ifndef PAYRUN_MEM_H
#define PAYRUN_MEM_H

#include <stddef.h>

/* A 1M-row night grows a few hundred MB of ledger records and paid ids a row at a time.
 * From malloc's heap that is a page fault every 4 KiB and a copy at every doubling;
 * here an array from MEM_MAP_MIN up is a mapping of its own, advised MADV_HUGEPAGE
 * (a fault every 2 MiB where the kernel offers transparent huge pages) and grown with
 * mremap (no copy). Smaller ones come from malloc. What mem_* returned is given back
 * with mem_free, never free (a header before it says which it is). */
#define MEM_MAP_MIN ((size_t)1 << 20)

/* n bytes, uninitialized (mem_malloc), zeroed (mem_calloc: k * size, NULL when that
 * overflows), or p (NULL, or from mem_*) grown or shrunk to n bytes, its contents kept
 * (mem_realloc). NULL when out of memory (p then untouched). */
void *mem_malloc(size_t n);
void *mem_calloc(size_t k, size_t size);
void *mem_realloc(void *p, size_t n);
/* The bytes p (from mem_*) can hold: at least what was asked. */
size_t mem_usable(const void *p);
/* Gives back p (NULL or from mem_*). */
void mem_free(void *p);

#endif
