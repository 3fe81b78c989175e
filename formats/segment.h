/* segment.h — the ledger's binary segments (ledger.bin and delta.bin, version 4; version 2 read): sorted records in checksummed blocks, read one person at a time. */
#ifndef PAYRUN_SEGMENT_H
#define PAYRUN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "csvw.h"
#include "ledger.h"
#include "state.h"

/* What a segment holds: a checkpoint (every record of a generation) or a delta (the
 * records one generation touched, on top of the generation before). */
enum { SEG_CHECKPOINT = 1, SEG_DELTA = 2 };

/* The name lists of a segment: ids of the three kinds its keys index, the timesheet
 * ids paid that do not pack into a code, and (version 4) the counties the W-2 sums
 * name. A version 2 file has the first four; its county list reads as empty. */
enum { SEG_PROVIDERS, SEG_RECIPIENTS, SEG_OVERPAYMENTS, SEG_PAID_OTHER, SEG_COUNTIES, SEG_NLISTS };
#define SEG_NLISTS_V2 4

_Static_assert((int)SEG_PROVIDERS == (int)IDS_PROVIDERS && (int)SEG_RECIPIENTS == (int)IDS_RECIPIENTS &&
                   (int)SEG_OVERPAYMENTS == (int)IDS_OVERPAYMENTS,
               "the first three lists in the same order");
/* The segment list that holds the ledger's list k (IDS_* order, state.h). */
static inline int seg_list_of(int k) { return k == IDS_COUNTIES ? SEG_COUNTIES : k; }

typedef struct seg_file seg_file;

/* Writes lg as a segment of generation gen on w, version 4: every one of the
 * LEDGER_TABLES tables and the county list. A checkpoint holds every record in memory
 * (the caller has put the earlier ones in first: state_load_all), every paid id and the
 * whole id lists; a delta the records touched since ledger_begin_night, the ids paid
 * since then, and the ids after the first base[k] of each list k (IDS_* order). Records
 * are sorted by key, in blocks of 64 with the first key and a CRC-32 of each block in
 * the index at the end. Returns 0, or -1 out of memory. */
int seg_write(csvw *w, const ledger *lg, int gen, int kind, const int64_t base[IDS_LISTS]);

/* Opens segment file name (relative to the state directory dfd, O_NOFOLLOW) of
 * generation gen: checks its trailer and index (size, version, byte order,
 * checksums) and keeps the index in memory; the records stay on disk. Version 4
 * (every table, the county list) and version 2 (written before the withholding
 * tables: the first LEDGER_TABLES_V1, the others and the county list read as empty)
 * are read. path is the name in messages. Returns 0 and *out, or STATE_DAMAGED (any
 * other version, version 3 included — a development build's, its W-2 sums without a
 * county list —, or version and table count not matching) / STATE_ERROR /
 * STATE_NO_MEMORY with err set. */
int seg_open(int dfd, const char *name, const char *path, int gen, seg_file **out, char *err, size_t errlen);
void seg_close(seg_file *f);

int seg_kind(const seg_file *f);
/* The ordinal the next record created in table `table` gets, after this file's generation. */
uint32_t seg_next_ordinal(const seg_file *f, int table);
/* Bytes of the file. */
uint64_t seg_size(const seg_file *f);
/* List k: the ids before this file's (a delta's base; 0 in a checkpoint) and this file's. */
int64_t seg_list_base(const seg_file *f, int k);
int64_t seg_list_count(const seg_file *f, int k);
/* Whether the file holds list k (a version 2 file has no county list). */
int seg_has_list(const seg_file *f, int k);

/* Calls fn on each id of list k, in order (checked against its CRC first). Returns 0,
 * fn's nonzero result, or a STATE_* code with err set. */
int seg_names(seg_file *f, int k, int (*fn)(void *ctx, const char *id, size_t n), void *ctx, char *err, size_t errlen);

/* The records of table `table` whose key's who is who, in key order: fn(ctx, key,
 * record, ordinal) for each (ordinal: the order it was first created in). seg_scan: every record of the table. Each block read is checked
 * against its CRC. Return 0, fn's nonzero result, or a STATE_* code with err set. */
typedef int (*seg_record_fn)(void *ctx, uint64_t key, const void *record, uint32_t ordinal);
int seg_fetch(seg_file *f, int table, uint32_t who, seg_record_fn fn, void *ctx, char *err, size_t errlen);
int seg_scan(seg_file *f, int table, seg_record_fn fn, void *ctx, char *err, size_t errlen);

/* Whether the packed timesheet id code is among the segment's paid codes: 1 or 0, or
 * a STATE_* code with err set. seg_scan_codes: fn on every code. */
int seg_has_code(seg_file *f, uint64_t code, char *err, size_t errlen);
int seg_scan_codes(seg_file *f, int (*fn)(void *ctx, uint64_t code), void *ctx, char *err, size_t errlen);

/* Reads every block of the file and checks it against its CRC. Returns 0 or a STATE_* code with err set. */
int seg_verify(seg_file *f, char *err, size_t errlen);

/* Whether the file at dfd/name is a segment, of any version (by its trailer's magic and end
 * mark: seg_open checks the rest): 1, 0, or -1 when unreadable. */
int seg_is_segment(int dfd, const char *name);

#endif
