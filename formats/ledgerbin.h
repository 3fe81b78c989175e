/* ledgerbin.h — the ledger's binary checkpoint, ledger.bin versions 1 and 2 (docs/state.md). */
#ifndef PAYRUN_LEDGERBIN_H
#define PAYRUN_LEDGERBIN_H

#include <stddef.h>
#include <stdint.h>

#include "csvw.h"
#include "ledger.h"
#include "state.h"

/* Writes lg as the checkpoint of generation gen: the id lists, the paid timesheets
 * (packed codes sorted, then the others) and the counter tables' records as they are
 * in memory, each section with its element size and count, then the CRC-32 of every
 * byte before and an end mark. Version 1 (the first LEDGER_TABLES_V1 tables, byte for
 * byte what payrun 0.10 wrote) while the withholding tables are empty, else version 2
 * (the county list after the overpayments, then every table). Payrun writes it only for PAYRUN_LEDGER_FORMAT=v1 (tests). Returns 0,
 * or -1 out of memory. */
int lbin_write(csvw *w, const ledger *lg, int gen);

/* Reads the checkpoint open on fd (path for messages) into lg, mapping its id lists
 * (the county list included) to lg's indexes (maps gets them); the checksum is checked
 * before anything is read. Versions 1 (the withholding tables stay empty, and maps gets
 * no county) and 2.
 * *size gets the file's size. Returns 0; STATE_DAMAGED (truncated, checksum, version,
 * byte order, generation, an index out of its list); STATE_NO_MEMORY; STATE_ERROR. */
int lbin_read(int fd, const char *path, ledger *lg, int gen, state_idmaps *maps, uint64_t *size, char *err,
              size_t errlen);

/* Maps the key of a record of table k (LEDGER_TABLES order) and the indexes inside
 * the record (a workweek's first recipient, a W-2 sum's county) from file indexes to
 * ledger indexes by m. Returns 0, or -1 when an index is outside its list. */
int lbin_map_record(int k, const state_idmaps *m, uint64_t *key, void *record);

/* A key and the index of what it belongs to, for sorting. */
typedef struct {
    uint64_t key, at;
} lbin_pair;
/* Sorts n pairs by key ascending (a radix sort, 16 bits a pass; passes where every
 * key has the same digit are skipped). Returns 0, or -1 out of memory. */
int lbin_sort_pairs(lbin_pair *a, size_t n);
/* The records of t (all, or those touched since ledger_begin_night) in the order they
 * were created (by ordinal): *out (malloc'd) holds (ordinal, record index) pairs, *n of
 * them. Returns 0, or -1 out of memory. */
int lbin_table_order(const ledger_table *t, int touched_only, lbin_pair **out, size_t *n);

/* Sorts n packed codes ascending (a radix sort, 16 bits a pass). Returns 0, or -1 out of memory. */
int lbin_sort_codes(uint64_t *a, size_t n);

#endif
