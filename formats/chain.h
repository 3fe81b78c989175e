/* chain.h — a generation's ledger read from a checkpoint segment and the delta segments after it: a person at a time, or whole. */
#ifndef PAYRUN_CHAIN_H
#define PAYRUN_CHAIN_H

#include <stddef.h>

#include "ledger.h"
#include "segment.h"
#include "state.h"

/* A table is read whole once this many of its persons were fetched one at a time
 * (1/64 of the list, at least 256): a fetch costs a small read in every segment of
 * the chain (a few microseconds each, up to 16 segments), a whole table about 100 ns
 * a record; past a sixty-fourth of the people the scan is cheaper (bench/results.md,
 * a year of nights). The paid codes likewise after CHAIN_PAID_LOOKUPS lookups. */
#define CHAIN_WHOLE_FRACTION 64
#define CHAIN_WHOLE_MIN 256
#define CHAIN_PAID_LOOKUPS 4096

/* Makes the segments seg[0..n) (oldest first; their id lists already read into lg,
 * with every file index equal to the ledger's) the source of lg's earlier records:
 * from now on a person's records of a table are read from them the first time the
 * night wants one (ledger_source). A table whose persons are wanted by the
 * thousands is read whole instead, and so are the paid codes. lg owns the segments
 * from now on (closed by ledger_free or chain_load_all). Returns 0, or
 * STATE_NO_MEMORY (the segments then closed). */
int chain_attach(ledger *lg, seg_file **seg, int n, char *err, size_t errlen);

/* Reads the records and paid codes of seg[0..n) (oldest first) into lg, a newer
 * record replacing an older one, each key's indexes mapped by maps (file index ->
 * ledger index) unless identity; closes the segments. Returns 0 or a STATE_* code. */
int chain_load_all(ledger *lg, seg_file **seg, int n, const state_idmaps *maps, int identity, char *err,
                   size_t errlen);

/* Puts every record lg's source still holds into memory and detaches it (before a
 * checkpoint is written, a dump or a show). Returns 0 or a STATE_* code. */
int chain_materialize(ledger *lg, char *err, size_t errlen);

/* Why lg's source failed (ledger_source_failed): a STATE_* code, message in err. */
int chain_error(const ledger *lg, char *err, size_t errlen);

#endif
