/* mem.h — the big arrays (the ledger's tables, the id tables and sets, the masters' vectors): mappings of their own, on huge pages. */
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
/* mem_calloc and mem_realloc for an array that may be touched only here and there, or
 * only at its start (a direct map by person, the ledger's tables reserved for a whole
 * state, of which a small night touches a few people and adds a few records): no huge
 * pages, which such a night would take whole, 2 MiB for each 4 KiB it needs. A sparse
 * array grown later with mem_realloc becomes an ordinary one. */
void *mem_calloc_sparse(size_t k, size_t size);
void *mem_realloc_sparse(void *p, size_t n);
/* Advises p's mapping (p from mem_*; nothing for a malloc'd one) huge after all: a
 * sparse array that will be filled whole (the ledger's reserved tables on a state's
 * first night). */
void mem_expect_dense(void *p);

/* The bytes p (from mem_*) can hold: at least what was asked. */
size_t mem_usable(const void *p);
/* Gives back p (NULL or from mem_*). */
void mem_free(void *p);

#endif
