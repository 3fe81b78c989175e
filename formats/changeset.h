/* changeset.h — a correction's change set: the master and parameter rows a data directory changes, by key. */
#ifndef PAYRUN_CHANGESET_H
#define PAYRUN_CHANGESET_H

#include <stddef.h>
#include <stdint.h>

#include "load.h"

/* docs/corrections.md "The change set". For each file of a data directory (load.h's
 * LOAD_* files) the change set holds, by key (cs_key_names), the rows of the new
 * directory that are new, that differ, or that are gone against a base (the masters
 * and parameters archived by the newest generation). The rows of one key are a group
 * (holidays.csv may repeat a date): a group is compared, replaced and removed whole.
 * Values are compared as text, column by column, for the columns SPEC §3 names
 * (unknown columns are ignored, as the loader ignores them). */
typedef enum { CS_NEW, CS_CHANGED, CS_GONE } cs_op;

typedef struct {
    cs_op op;
    size_t key, klen;       /* the key in the pool: its columns, each ended by NUL */
    size_t rows, rlen;      /* the group's rows in the new directory (none when gone) */
    long line;              /* where the group starts in the new file (its order for new rows) */
} cs_change;

typedef struct {
    cs_change *v;           /* sorted by key */
    size_t n, cap;
    uint32_t present;       /* bit c: column c is in the new file */
} cs_file;

typedef struct {
    cs_file file[LOAD_NFILES];
    char *pool;
    size_t used, cap;
} changeset;

/* Result codes besides 0. */
#define CS_ERROR (-1)       /* a file cannot be read or written: err says which */
#define CS_NO_MEMORY (-2)
#define CS_WRITE_ERROR (-3) /* the file being written could not be: an I/O error */

/* The change set of file which: new_path's rows against base_path's. Either path
 * may be NULL (the file is absent: every row of the other is new, or gone).
 * Returns 0 or a CS_* code with err set. */
int cs_diff_file(changeset *cs, int which, const char *base_path, const char *new_path, char *err, size_t errlen);

/* Adds the rows of path to file which as new rows (they replace a group of the same
 * key where a night has one, and are added where it has none): `correct --dry-run
 * --params FILE`. Returns 0 or a CS_* code with err set. */
int cs_add_rows(changeset *cs, int which, const char *path, char *err, size_t errlen);

/* Writes in_path (a night's archived file; NULL when the night had none) with the
 * change set of file which applied to out_path: a gone group removed, a changed group
 * replaced where the night has that key (a row the night did not have is not added:
 * the correction is of a row that existed), a new group replacing the night's or,
 * when the night has none, added at the end in the new file's order. The header is
 * the file's columns present in either file. When the night had no file and the
 * change set adds nothing, writes nothing and sets *written 0. Returns 0, CS_ERROR
 * (in_path cannot be read), CS_WRITE_ERROR or CS_NO_MEMORY, with err set. */
int cs_apply_file(const changeset *cs, int which, const char *in_path, const char *out_path, int *written, char *err,
                  size_t errlen);

/* How many groups the change set changes (all files). */
size_t cs_count(const changeset *cs);

/* Prints one line per change ("providers.csv: changed P001") to f, at most max lines
 * (then "... and N more"). */
void cs_print(const changeset *cs, void *f, size_t max);

/* The key columns of file which, as a text for messages ("provider_id"). */
const char *cs_key_names(int which);

void cs_free(changeset *cs);

#endif
